/**
 * Batch limits and the latency-table layout, defined once: every latency, utilisation and
 * batching-cost table, every profile and every plan shares them. The values are the gpulet
 * artifact's (casys-kaist/glet: MAX_BATCH in scheduler_base.h; the partition set of its configs),
 * and Figure 3 of Choi et al. profiles the same grid.
 */

/** Largest batch a gpulet runs and a latency table holds (the artifact's MAX_BATCH). */
export const MAX_BATCH = 32;

/** Slots of a table indexed by batch directly (index 0 unused). */
export const BATCH_SLOTS = MAX_BATCH + 1;

/** The batch sizes the artifact profiles (UTIL.CSV, Figure 3): the powers of two up to MAX_BATCH. */
export const POW2_BATCHES = [1, 2, 4, 8, 16, 32] as const;

/**
 * The artifact's gpulet sizes, ascending: {50, 60, 80, 100} with their complements. What the
 * embedded profile covers and what `gpulet profile` measures on a GPU by default.
 */
export const PARTITIONS_PCT: readonly number[] = [20, 40, 50, 60, 80, 100];

/** Largest gpulet size, percent of a GPU. */
export const MAX_PARTITION_PCT = 100;

/** Slots of a table indexed by percent directly (0..MAX_PARTITION_PCT). */
export const PARTITION_SLOTS = MAX_PARTITION_PCT + 1;
