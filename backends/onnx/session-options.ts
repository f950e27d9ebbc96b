/**
 * onnxruntime session options, apart from the runner so that code which only needs the options
 * (the `models` command) loads no native module: onnxruntime-node is an optional dependency.
 */
import type { InferenceSession } from 'onnxruntime-node';

/** Session options for `threads` intra-op threads on `provider`. */
export function sessionOptions(threads: number, provider: 'cpu' | 'cuda'): InferenceSession.SessionOptions {
  return {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    logSeverityLevel: 3,
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
}
