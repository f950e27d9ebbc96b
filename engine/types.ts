/**
 * The interfaces that separate planning and serving (engine/) from the world (sim/, backends/).
 * Units: time in ms (float), rates in requests per second, partitions as integer percent of one GPU's
 * SMs (MPS active-thread percentage), memory in MB.
 */

/** Opaque handle returned by {@link Clock.at}. */
export type TimerId = number;

/**
 * Order among events of the same time: every `normal` event (in the order they were scheduled)
 * before every `late` one. `late` is for end-of-tick work that must see what the tick did.
 */
export type Phase = 'normal' | 'late';

/** Time source and timer service. Virtual in simulation, wall-clock in real serving. */
export interface Clock {
  /** Current time in ms since the clock's origin. */
  now(): number;
  /**
   * Run `fn` at time `atMs` (never earlier; "now" when atMs is in the past), after the events of
   * that time already scheduled in its phase. Work that arrives from outside the loop (an
   * executor's completion) is posted this way too, at `now()`.
   */
  at(atMs: number, fn: () => void, phase?: Phase): TimerId;
  /** Cancel a timer that has not fired yet; cancelling a fired or unknown timer is a no-op. */
  cancel(id: TimerId): void;
}

/** One batch of one model on one gpulet. */
export interface BatchJob {
  /** Physical GPU index. */
  gpu: number;
  /** Gpulet index within the GPU (0 or 1; on a MIG GPU, one per MPS process). */
  gpulet: number;
  /** The gpulet's share of the GPU, percent. */
  partitionPct: number;
  model: string;
  /** Number of requests in the batch (>= 1). */
  batch: number;
  /** On a MIG GPU: the instance size (GPCs) and the MPS processes sharing it; absent otherwise. */
  mig?: { size: number; procs: number };
}

/** Runs batches. Simulated (sim/gpu.ts) or real (backends/). */
export interface Executor {
  /** Start `job` now; call `done` exactly once with the completion time, or `failed` if it cannot finish. */
  run(job: BatchJob, done: (finishedAtMs: number) => void, failed: (reason: string) => void): void;
  /** The gpulet left the plan and has nothing left to run: free what it holds (a real runner). */
  release?(gpu: number, gpulet: number): void;
}

/** Static facts about a model (docs/artifact.md#models-and-slos). */
export interface ModelInfo {
  /** Canonical name as in the artifact, e.g. `resnet50`. */
  name: string;
  /** Short alias accepted on input, e.g. `res`. */
  alias: string;
  /** Latency SLO, ms (the paper: 2 x solo latency). */
  sloMs: number;
  /** GPU memory the model needs, MB. */
  memoryMb: number;
  /** Bytes of input per request. */
  inputBytes: number;
}

/** Profiled batch latency of models on one GPU type. */
export interface LatencyModel {
  /** GPU type these latencies belong to, e.g. `rtx2080ti`. */
  readonly gpuType: string;
  /** Solo execution latency of a batch of `batch` on a `partitionPct` gpulet, ms. */
  latencyMs(model: string, batch: number, partitionPct: number): number;
  /**
   * CPU-side batching cost the scheduler adds to every estimate, ms (docs/artifact.md#batching-cost-and-safety-factor: the artifact's
   * per-input-shape tables with its conservative multipliers). 0 where the profile has none.
   */
  batchOverheadMs(model: string, batch: number): number;
  /** Whether the profile covers `model`. */
  has(model: string): boolean;
  /** The partitions (percent) this profile was measured at, ascending. */
  readonly partitionsPct: readonly number[];
}

/** Predicted co-location slowdown (>= 1) of `self` while `other` runs on the sibling gpulet. */
export interface InterferencePredictor {
  readonly name: string;
  /** A pure function of the two triples: planners remember its answers per predictor object. */
  factor(self: RunningBatch, other: RunningBatch): number;
}

/** A (model, batch, partition) triple: what one gpulet is running. */
export interface RunningBatch {
  model: string;
  batch: number;
  partitionPct: number;
}
