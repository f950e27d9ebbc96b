/**
 * Messages between an executor (main thread) and one gpulet's runner (a worker thread, or a child
 * process for the MPS backend). Plain structured-clone data, so both transports carry them.
 */

/** A model a gpulet serves: the ONNX file, its input, and the batch sizes to warm. */
export interface RunnerModel {
  /** Canonical model name (the `model` of a BatchJob). */
  name: string;
  /** Path of the `.onnx` file. */
  path: string;
  /** Input shape of one sample; the graph input is `[N, ...inputShape]`. */
  inputShape: number[];
  inputType: 'float32' | 'int64';
  /** Largest batch the plan gives this model here; batches 1..maxBatch are warmed. */
  maxBatch: number;
}

/** Everything a runner needs to start. */
export interface RunnerInit {
  /** `gpu.gpulet`, for messages. */
  label: string;
  /** onnxruntime intra-op threads. */
  threads: number;
  /** CPU ids to pin to, or null to leave the runner unpinned. */
  cpus: number[] | null;
  /** Execution provider: `cpu`, or `cuda` for the MPS backend. */
  provider: 'cpu' | 'cuda';
  models: RunnerModel[];
  /** Runs per batch size before serving. @default 1 */
  warmRuns: number;
  /** Nice value for the runner's threads, or null to leave it. */
  nice: number | null;
}

export type ToRunner =
  | { type: 'init'; init: RunnerInit }
  | { type: 'run'; id: number; model: string; batch: number }
  /** Fault injection: block the runner's thread for `ms` (a hang, for the watchdog's tests). */
  | { type: 'block'; ms: number };

export type FromRunner =
  | { type: 'ready'; affinity: string; loadMs: number; warmMs: number }
  | { type: 'done'; id: number; runMs: number }
  | { type: 'error'; id: number; message: string }
  /** The runner cannot start (a session failed to load); the executor ends it on reading this. */
  | { type: 'fatal'; message: string };
