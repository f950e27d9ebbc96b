/** A pool worker (lib/pool.ts): runs named jobs from jobs.ts and posts their results back. */
import { parentPort } from 'node:worker_threads';
import { JOBS, type JobName } from './jobs.ts';

parentPort?.on('message', (m: { id: number; payload: { job: JobName; args: unknown } }) => {
  try {
    const result = (JOBS[m.payload.job] as (a: unknown) => unknown)(m.payload.args);
    parentPort?.postMessage({ id: m.id, result });
  } catch (e) {
    parentPort?.postMessage({ id: m.id, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  }
});
