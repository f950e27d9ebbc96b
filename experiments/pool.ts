/**
 * Running independent pieces of a study on all cores: a pool of worker threads, each running
 * jobs from experiments/jobs.ts by name. Results come back in submission order, so output does not
 * depend on which worker finished first.
 */
import type { Worker } from 'node:worker_threads';
import { spawnWorker } from '../backends/onnx/host.ts';
import type { JobArgs, JobName, JobResult } from './jobs.ts';

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

export class WorkerPool {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly queue: Array<{ id: number; job: JobName; args: unknown }> = [];
  private readonly pending = new Map<number, Pending>();
  private readonly busy = new Map<Worker, number>();
  private nextId = 0;

  constructor(size: number) {
    for (let i = 0; i < size; i++) {
      const w = spawnWorker('worker', import.meta.url);
      w.on('message', (m: { id: number; result?: unknown; error?: string }) => this.done(w, m));
      w.on('error', (e) => this.crash(w, e));
      this.all.push(w);
      this.idle.push(w);
    }
  }

  /** Run `job(args)` on some worker. */
  run<J extends JobName>(job: J, args: JobArgs<J>): Promise<JobResult<J>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.queue.push({ id, job, args });
      this.pump();
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((w) => w.terminate()));
  }

  private pump(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const w = this.idle.pop() as Worker;
      const task = this.queue.shift() as (typeof this.queue)[number];
      this.busy.set(w, task.id);
      w.postMessage(task);
    }
  }

  private done(w: Worker, m: { id: number; result?: unknown; error?: string }): void {
    const p = this.pending.get(m.id);
    this.pending.delete(m.id);
    this.busy.delete(w);
    this.idle.push(w);
    if (p) {
      if (m.error !== undefined) p.reject(new Error(m.error));
      else p.resolve(m.result);
    }
    this.pump();
  }

  private crash(w: Worker, e: Error): void {
    const id = this.busy.get(w);
    if (id !== undefined) this.pending.get(id)?.reject(e);
  }
}

/** Map `items` through `job` on a pool of `jobs` threads (in-process when jobs is 1). */
export async function mapJobs<J extends JobName>(
  job: J,
  items: ReadonlyArray<JobArgs<J>>,
  jobs: number,
  onDone?: (doneCount: number) => void,
): Promise<Array<JobResult<J>>> {
  let count = 0;
  const tick = <T>(v: T): T => {
    onDone?.(++count);
    return v;
  };
  if (jobs <= 1 || items.length <= 1) {
    const { JOBS } = await import('./jobs.ts');
    const out: Array<JobResult<J>> = [];
    for (const a of items) out.push(tick((JOBS[job] as (x: JobArgs<J>) => JobResult<J>)(a)));
    return out;
  }
  const pool = new WorkerPool(Math.min(jobs, items.length));
  try {
    return await Promise.all(items.map((a) => pool.run(job, a).then(tick)));
  } finally {
    await pool.close();
  }
}
