/**
 * The one worker pool of experiments/: worker threads running a worker module (lib/worker.ts for
 * the jobs of lib/jobs.ts, studies/worker.ts for the pieces of `gpulet figures`). Each message is
 * `{ id, payload }`, each reply `{ id, result }` or `{ id, error }`. A thread that dies is replaced
 * and its piece fails alone. {@link mapJobs} returns results in submission order, so output does
 * not depend on which thread finished first.
 */
import type { Worker } from 'node:worker_threads';
import { spawnWorker } from '../../backends/onnx/host.ts';
import type { JobArgs, JobName, JobResult } from './jobs.ts';

/** A worker module: `base` (without extension) next to `fromUrl`. */
export interface WorkerModule {
  base: string;
  fromUrl: string;
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

type Reply = { id: number; result?: unknown; error?: string };

export class WorkerPool<P, R> {
  private readonly idle: Worker[] = [];
  private readonly all = new Set<Worker>();
  private readonly queue: Array<{ id: number; payload: P }> = [];
  private readonly pending = new Map<number, Pending>();
  private readonly busy = new Map<Worker, number>();
  private nextId = 0;

  constructor(
    size: number,
    private readonly module: WorkerModule,
  ) {
    for (let i = 0; i < size; i++) this.idle.push(this.spawn());
  }

  /** Run one piece on some thread; rejects with the worker's error, or the thread's if it died. */
  run(payload: P): Promise<R> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.queue.push({ id, payload });
      this.pump();
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.all].map((w) => w.terminate()));
  }

  private spawn(): Worker {
    const w = spawnWorker(this.module.base, this.module.fromUrl);
    w.on('message', (m: Reply) => this.done(w, m));
    w.on('error', (e) => this.crash(w, e));
    this.all.add(w);
    return w;
  }

  private pump(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const w = this.idle.pop() as Worker;
      const piece = this.queue.shift() as (typeof this.queue)[number];
      this.busy.set(w, piece.id);
      w.postMessage(piece);
    }
  }

  private settle(id: number, m: Reply | Error): void {
    const p = this.pending.get(id);
    this.pending.delete(id);
    if (p === undefined) return;
    if (m instanceof Error) p.reject(m);
    else if (m.error !== undefined) p.reject(new Error(m.error));
    else p.resolve(m.result);
  }

  private done(w: Worker, m: Reply): void {
    this.busy.delete(w);
    this.idle.push(w);
    this.settle(m.id, m);
    this.pump();
  }

  /** A thread that died (an uncaught error): its piece fails, a new thread takes its place. */
  private crash(w: Worker, e: Error): void {
    const id = this.busy.get(w);
    this.busy.delete(w);
    this.all.delete(w);
    void w.terminate();
    if (id !== undefined) this.settle(id, e);
    this.idle.push(this.spawn());
    this.pump();
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
  const pool = new WorkerPool<{ job: J; args: JobArgs<J> }, JobResult<J>>(Math.min(jobs, items.length), {
    base: 'worker',
    fromUrl: import.meta.url,
  });
  try {
    return await Promise.all(items.map((args) => pool.run({ job, args }).then(tick)));
  } finally {
    await pool.close();
  }
}
