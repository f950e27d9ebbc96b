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

/*
 * Work limits: the bounds on inputs that make every accepted input finish in bounded time and
 * memory (docs/design.md#work-limits-and-hostile-input). Each is stated once here; an input beyond one is refused with a one-line
 * InputError that names the bound and, where there is one, the flag that raises it. What can be
 * done in bounded work needs no bound: a demand no set of GPUs can carry is planned in work that
 * grows with the GPUs, not the rate (the estimate stops at MAX_GPULETS_PER_GPU x GPUs + 1
 * gpulets, which can never all be placed), and reported infeasible with its shortfall.
 */

/** Gpulets one GPU holds in the schedulers' state (a whole GPU, or a size and its complement). */
export const MAX_GPULETS_PER_GPU = 2;

/**
 * A task's rate the schedulers plan for at most, req/s: far beyond what any GPUs carry (a GPU
 * serves at most 32 requests per 1 us batch, 3.2e7 req/s), and within the artifact's single
 * precision (3.4e38). A larger demand is planned as this and reported with its full shortfall.
 */
export const MAX_PLANNED_RPS = 1e15;

/**
 * Requests a simulated or served run may expect (each task's rate x the seconds of arrivals,
 * summed; one application request counts once per task). A simulated request costs about 1-7 us,
 * 16 bytes once completed and ~50 while it waits: 10 s to a minute, under 0.5 GB. `--max-requests`.
 */
export const MAX_REQUESTS = 1e7;

/** Seconds of arrivals in one run (`--duration`, a trace's span). `--max-duration`. */
export const MAX_DURATION_S = 1e6;

/** Windows (of `--epoch-s`) in one run: each is a row kept, and with `--autoscale` a re-plan. */
export const MAX_WINDOWS = 1e5;

/**
 * GPUs a plan may have: the fewest-GPUs scan grows about as the square of the GPU count (a
 * 1,000-GPU fleet plans in about 5 s, results/BENCH.md). `--allow-slow`.
 */
export const MAX_GPUS = 1024;

/** GPUs the `ideal` scheduler searches: 4^n per-GPU layouts, 4096 for 6 GPUs. `--allow-slow`. */
export const MAX_IDEAL_GPUS = 6;

/**
 * Largest coefficient of variation of gamma inter-arrival times. Shape 1/cv^2 makes bursts of
 * about cv^2/2 requests at one instant beyond the mean (54,871 arrivals for an expected 6,000 at
 * cv 1000); at 100, about 5,000.
 */
export const MAX_GAMMA_CV = 100;

/**
 * Range of a profiled batch latency, ms: above 1e6 (17 minutes a batch) a throughput rounds to 0
 * in the schedulers' single precision; below 1 us a duty cycle rounds to 0.
 */
export const MIN_LATENCY_MS = 1e-3;
export const MAX_LATENCY_MS = 1e6;
