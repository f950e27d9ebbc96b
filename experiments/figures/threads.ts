/**
 * Runs `figures` pieces on worker threads, at most `size` at a time, results in submission order.
 * A piece that throws settles as an error and the others go on.
 */
import type { Worker } from 'node:worker_threads';
import { spawnWorker } from '../../backends/onnx/host.ts';
import type { Task, TaskResult } from './tasks.ts';

export type Settled = { ok: true; result: TaskResult } | { ok: false; task: Task; error: string };

export async function runOnThreads(tasks: readonly Task[], size: number, onDone?: (s: Settled) => void): Promise<Settled[]> {
  const out: Settled[] = new Array(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    let w: Worker = spawnWorker('worker', import.meta.url);
    try {
      while (next < tasks.length) {
        const i = next++;
        const r = await once(w, i, tasks[i]);
        out[i] = r.settled;
        onDone?.(out[i]);
        // A thread that died (an uncaught error) is replaced; the remaining pieces go on.
        if (r.died) {
          await w.terminate();
          w = spawnWorker('worker', import.meta.url);
        }
      }
    } finally {
      await w.terminate();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(size, tasks.length)) }, worker));
  return out;
}

function once(w: Worker, id: number, task: Task): Promise<{ settled: Settled; died: boolean }> {
  return new Promise((resolve) => {
    const onMessage = (m: { id: number; result?: TaskResult; error?: string }) => {
      if (m.id !== id) return;
      cleanup();
      resolve({ settled: m.error !== undefined ? { ok: false, task, error: m.error } : { ok: true, result: m.result as TaskResult }, died: false });
    };
    const onError = (e: Error) => {
      cleanup();
      resolve({ settled: { ok: false, task, error: e.stack ?? e.message }, died: true });
    };
    const cleanup = () => {
      w.off('message', onMessage);
      w.off('error', onError);
    };
    w.on('message', onMessage);
    w.on('error', onError);
    w.postMessage({ id, task });
  });
}
