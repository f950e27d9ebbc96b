/**
 * What the MPS backend needs before it starts a single gpulet process, checked in order of
 * dependency: an NVIDIA driver with at least one GPU (`nvidia-smi -L`), onnxruntime-node's CUDA
 * execution provider libraries (not in the npm tarball: its install script fetches them from NuGet,
 * which this project's `.npmrc` skips), and a running MPS control daemon (without it
 * CUDA_MPS_ACTIVE_THREAD_PERCENTAGE is silently ignored and every gpulet gets the whole GPU).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The directory of onnxruntime-node's native binaries for this platform, or null. */
export function ortBinaryDir(): string | null {
  try {
    const pkg = createRequire(import.meta.url).resolve('onnxruntime-node/package.json');
    return join(dirname(pkg), 'bin', 'napi-v6', process.platform, process.arch);
  } catch {
    return null;
  }
}

/** The CUDA provider libraries onnxruntime-node loads for `executionProviders: ['cuda']`. */
export const CUDA_PROVIDER_LIBS = ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so'];

/** GPUs that `nvidia-smi -L` lists; throws when the tool is missing or fails. */
function listGpus(): string[] {
  const out = execFileSync('nvidia-smi', ['-L'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    timeout: 10_000,
  });
  return out.split('\n').filter((l) => l.startsWith('GPU '));
}

/** Whether a process named nvidia-cuda-mps-control (comm is cut to 15 characters) is running. */
function mpsDaemonRunning(): boolean {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return false;
  }
  for (const pid of pids) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim().startsWith('nvidia-cuda-mps')) return true;
    } catch {
      // The process ended while we looked.
    }
  }
  return false;
}

/**
 * Null when the MPS backend can run here, else one line naming what is missing (all of it, so one
 * look tells the whole story).
 */
export function mpsPreflight(): string | null {
  const missing: string[] = [];
  try {
    if (listGpus().length === 0) missing.push('no NVIDIA GPU (nvidia-smi -L lists none)');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    missing.push(
      code === 'ENOENT' ? 'no NVIDIA driver (nvidia-smi not found)' : 'no usable NVIDIA GPU (nvidia-smi -L failed)',
    );
  }
  const dir = ortBinaryDir();
  const libs = dir === null ? CUDA_PROVIDER_LIBS : CUDA_PROVIDER_LIBS.filter((f) => !existsSync(join(dir, f)));
  if (libs.length > 0)
    missing.push(
      `no CUDA execution provider for onnxruntime-node (${libs.join(', ')} missing in ${dir ?? 'onnxruntime-node/bin'}; reinstall it with ONNXRUNTIME_NODE_INSTALL=cuda12)`,
    );
  if (!mpsDaemonRunning()) missing.push('no MPS control daemon (start it with: nvidia-cuda-mps-control -d)');
  return missing.length === 0 ? null : missing.join('; ');
}
