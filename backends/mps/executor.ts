/**
 * The GPU path: the same executor as the CPU backend, but every gpulet is its own process whose
 * onnxruntime sessions use the CUDA execution provider, started with
 * `CUDA_MPS_ACTIVE_THREAD_PERCENTAGE` = its partition, so the MPS server confines its kernels to
 * that share of the SMs (the paper's proxies, docs/artifact.md#hardware-and-mps). `CUDA_VISIBLE_DEVICES`
 * selects the physical GPU. CPU threads per gpulet stay few (they only launch kernels) and
 * unpinned.
 */
import { InputError } from '../../engine/errors.ts';
import { OnnxExecutor, type OnnxExecutorOptions } from '../onnx/executor.ts';
import { processHost } from '../onnx/host.ts';
import { mpsPreflight } from './preflight.ts';

/** The executor options that make an {@link OnnxExecutor} an MPS executor. */
export function mpsExecutorOptions(): Pick<
  OnnxExecutorOptions,
  'provider' | 'host' | 'envFor' | 'threadsFor' | 'affinity'
> {
  return {
    provider: 'cuda',
    host: processHost,
    affinity: false,
    threadsFor: () => 1,
    envFor: (g) => ({ CUDA_MPS_ACTIVE_THREAD_PERCENTAGE: String(g.partitionPct), CUDA_VISIBLE_DEVICES: String(g.gpu) }),
  };
}

/** Check the machine, then start the gpulet processes; throws InputError naming what is missing. */
export async function createMpsExecutor(
  opts: Omit<OnnxExecutorOptions, 'provider' | 'host' | 'envFor' | 'threadsFor' | 'affinity'>,
): Promise<OnnxExecutor> {
  const missing = mpsPreflight();
  if (missing !== null) throw new InputError(`--backend mps: ${missing}`);
  return OnnxExecutor.create({ ...opts, ...mpsExecutorOptions() });
}
