/** A `gpulet figures` worker thread (lib/pool.ts): runs pieces from tasks.ts and posts their results back. */
import { parentPort } from 'node:worker_threads';
import { runTask, type Task } from './tasks.ts';

parentPort?.on('message', (m: { id: number; payload: Task }) => {
  runTask(m.payload).then(
    (result) => parentPort?.postMessage({ id: m.id, result }),
    (e: unknown) =>
      parentPort?.postMessage({ id: m.id, error: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
  );
});
