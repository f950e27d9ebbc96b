/**
 * Where a gpulet's runner lives: a worker thread (the CPU backend) or a child process (the MPS
 * backend, where each gpulet must be its own process to get its own CUDA_MPS_ACTIVE_THREAD_PERCENTAGE).
 * The executor talks to both through {@link GpuletHost}.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import type { FromRunner, ToRunner } from './protocol.ts';

/** One runner, seen from the executor. */
export interface GpuletHost {
  post(msg: ToRunner): void;
  /** Called for every message from the runner. */
  onMessage(fn: (msg: FromRunner) => void): void;
  /** Called once when the runner is gone (crash, kill or terminate), with a reason. */
  onExit(fn: (reason: string) => void): void;
  /** End the runner now (kill); resolves once it is gone. `onExit` is called too. */
  terminate(): Promise<void>;
}

/** Starts a runner; `env` only applies to process hosts (threads share the process environment). */
export type HostFactory = (env: Readonly<Record<string, string>>) => GpuletHost;

/**
 * A worker from a sibling module `base` of the module at `fromUrl`, working from tsc output and under
 * tsx or vitest alike (`execArgv: ['--import', 'tsx']` does not work
 * for workers, so a TypeScript worker is booted through tsx's `tsImport`).
 */
export function spawnWorker(base: string, fromUrl: string, opts: WorkerOptions = {}): Worker {
  const isTs = fromUrl.endsWith('.ts');
  const url = new URL(`./${base}${isTs ? '.ts' : '.js'}`, fromUrl);
  if (!isTs) return new Worker(url, opts);
  const boot = `import { tsImport } from 'tsx/esm/api'; await tsImport(${JSON.stringify(url.href)}, ${JSON.stringify(fromUrl)});`;
  return new Worker(boot, { ...opts, eval: true });
}

/**
 * A runner in a worker thread of this process. Do not terminate it during a batch: onnxruntime-node
 * 1.30 then aborts the whole process (see executor.ts); use {@link processHost} where gpulets may
 * be killed.
 */
export const threadHost: HostFactory = () => {
  const worker = spawnWorker('worker', import.meta.url);
  let lastError = '';
  let exitFn: (reason: string) => void = () => {};
  worker.on('error', (e) => {
    lastError = e.message.split('\n')[0];
  });
  worker.on('exit', (code) => exitFn(lastError ? `worker crashed: ${lastError}` : `worker exited with code ${code}`));
  return {
    post: (msg) => worker.postMessage(msg),
    onMessage: (fn) => worker.on('message', fn),
    onExit: (fn) => {
      exitFn = fn;
    },
    terminate: async () => {
      await worker.terminate();
    },
  };
};

/** A runner in a child process with extra environment variables `env`. */
export const processHost: HostFactory = (env) => {
  const isTs = import.meta.url.endsWith('.ts');
  const entry = fileURLToPath(new URL(`./runner-process${isTs ? '.ts' : '.js'}`, import.meta.url));
  const child = fork(entry, [], {
    execArgv: isTs ? ['--import', 'tsx'] : [],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let exitFn: (reason: string) => void = () => {};
  let exited = false;
  let gone: () => void = () => {};
  const goneP = new Promise<void>((resolve) => {
    gone = resolve;
  });
  const exit = (reason: string): void => {
    if (exited) return;
    exited = true;
    gone();
    exitFn(reason);
  };
  child.on('error', (e) => exit(`process failed: ${e.message.split('\n')[0]}`));
  child.on('exit', (code, signal) => exit(signal ? `process killed by ${signal}` : `process exited with code ${code}`));
  return {
    post: (msg) => {
      if (child.connected) child.send(msg);
    },
    onMessage: (fn) => child.on('message', (msg) => fn(msg as FromRunner)),
    onExit: (fn) => {
      exitFn = fn;
    },
    terminate: () => {
      if (!exited) child.kill('SIGKILL');
      return goneP;
    },
  };
};
