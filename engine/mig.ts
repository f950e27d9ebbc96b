/**
 * MIG (Multi-Instance GPU) as the engine sees it: a GPU type's partition geometry, profiled
 * operating points of a model inside one instance (instance size x batch x MPS processes), and the
 * placement rule that decides whether a set of instances fits on one GPU. The data itself (the
 * A100's geometry, the measured points) lives in sim/; engine/ only defines the shapes.
 *
 * Geometry in NVIDIA's own notation (`nvidia-smi mig -lgipp`): an instance of `size` GPCs starts at
 * one of its valid start slots and spans `span` memory slices; instances on one GPU may not
 * overlap in memory slices, and their GPCs sum to at most `gpcs`. On the A100 80GB: 7 GPCs, 8
 * memory slices; 1g: starts 0-6, span 1; 2g: 0, 2, 4, span 2; 3g: 0, 4, span 4; 4g: 0, span 4; 7g: 0,
 * span 8 (so two 3g instances leave no room for a 1g, as ParvaGPU's allocator also knows).
 */

/** Where an instance of one size may start, and how many memory slices it covers. */
export interface MigPlacement {
  readonly starts: readonly number[];
  readonly span: number;
}

/** How a GPU type partitions with MIG. */
export interface MigGeometry {
  /** GPCs of the whole GPU (7 on the A100). */
  readonly gpcs: number;
  /** Memory slices (8 on the A100); placements are counted in these. */
  readonly memorySlices: number;
  /** Instance sizes in GPCs, ascending, with their placements. */
  readonly sizes: readonly number[];
  readonly placements: Readonly<Record<number, MigPlacement>>;
  /** MPS processes a scheduler may run inside one instance. */
  readonly maxProcs: number;
}

/** One measured operating point of a model in one MIG instance. */
export interface MigPoint {
  /** Instance size, GPCs. */
  readonly size: number;
  /** Batch size of each process. */
  readonly batch: number;
  /** MPS processes of the model inside the instance, each running batches of `batch`. */
  readonly procs: number;
  /** Throughput of one process while all `procs` run, req/s (the profile's figure). */
  readonly procThroughputRps: number;
  /** Latency of one batch while all `procs` run, ms. */
  readonly latencyMs: number;
}

/** Profiled MIG operating points of models on one GPU type. */
export interface MigProfile {
  readonly gpuType: string;
  readonly geometry: MigGeometry;
  /** Whether the profile covers `model`. */
  has(model: string): boolean;
  /** Every measured point of `model`, in the profile's order (size, batch, processes ascending). */
  points(model: string): readonly MigPoint[];
  /**
   * Batch latency of `model` with `batch` requests per process in an instance of `size` GPCs running
   * `procs` processes, ms: the measured point, or linear interpolation between the measured batch
   * sizes around it (a partial batch); NaN when the profile has nothing at or above `batch`.
   */
  latencyMs(model: string, size: number, batch: number, procs: number): number;
}

/** A MIG instance on one GPU. */
export interface MigInstance {
  /** First memory slice. */
  readonly start: number;
  /** GPCs. */
  readonly size: number;
}

/** Why `instances` cannot share one GPU of `geometry`, or null when they can. */
export function migLayoutError(geometry: MigGeometry, instances: readonly MigInstance[]): string | null {
  const used = new Array<boolean>(geometry.memorySlices).fill(false);
  let gpcs = 0;
  for (const inst of instances) {
    const p = geometry.placements[inst.size];
    if (p === undefined) return `no ${inst.size}g instance size (sizes: ${geometry.sizes.join(', ')})`;
    if (!p.starts.includes(inst.start))
      return `a ${inst.size}g instance cannot start at slot ${inst.start} (starts: ${p.starts.join(', ')})`;
    for (let s = inst.start; s < inst.start + p.span; s++) {
      if (used[s]) return `the ${inst.size}g instance at slot ${inst.start} overlaps another at memory slice ${s}`;
      used[s] = true;
    }
    gpcs += inst.size;
  }
  if (gpcs > geometry.gpcs) return `${gpcs} GPCs on a GPU of ${geometry.gpcs}`;
  return null;
}

/**
 * Start slots for instances of `sizes` on one GPU, in the order given, or null when no valid layout
 * exists. Each instance tries `preferred[i]` first (when given), then its valid starts in order; a
 * depth-first search, larger instances first, so the answer is deterministic.
 */
export function migLayout(
  geometry: MigGeometry,
  sizes: readonly number[],
  preferred: readonly number[] = [],
): number[] | null {
  const order = sizes.map((_, i) => i).sort((a, b) => sizes[b] - sizes[a] || a - b);
  if (sizes.reduce((s, x) => s + x, 0) > geometry.gpcs) return null;
  const used = new Array<boolean>(geometry.memorySlices).fill(false);
  const starts = new Array<number>(sizes.length).fill(-1);
  const place = (k: number): boolean => {
    if (k === order.length) return true;
    const i = order[k];
    const p = geometry.placements[sizes[i]];
    if (p === undefined) return false;
    const candidates =
      preferred[i] !== undefined ? [preferred[i], ...p.starts.filter((s) => s !== preferred[i])] : p.starts;
    for (const s of candidates) {
      if (!p.starts.includes(s) || s + p.span > geometry.memorySlices) continue;
      let free = true;
      for (let m = s; m < s + p.span; m++) if (used[m]) free = false;
      if (!free) continue;
      for (let m = s; m < s + p.span; m++) used[m] = true;
      starts[i] = s;
      if (place(k + 1)) return true;
      for (let m = s; m < s + p.span; m++) used[m] = false;
    }
    return false;
  };
  return place(0) ? starts : null;
}

/** An instance's share of the GPU for plan summaries, percent of the GPCs, rounded. */
export function migPercent(geometry: MigGeometry, size: number): number {
  return Math.round((100 * size) / geometry.gpcs);
}
