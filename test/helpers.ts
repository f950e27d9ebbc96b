/**
 * Shared fixtures (SimPy's conftest.py): a tiny in-memory latency model, a fixed-latency executor
 * and a simulation rig on them, so that engine tests need nothing from sim/.
 */
import { VirtualClock } from '../engine/clock.ts';
import type { Plan } from '../engine/plan.ts';
import type { BatchObserver } from '../engine/server/gpulet.ts';
import { ServingSession, type ArrivalStream, type TaskInfo } from '../engine/server/session.ts';
import type { Fixes } from '../engine/schedulers/fixes.ts';
import type { AppSpec } from '../engine/server/tracker.ts';
import type { BatchJob, Clock, Executor, LatencyModel } from '../engine/types.ts';

/** A latency model given by a function; batching overhead 0 unless given. */
export function fakeLatency(
  fn: (model: string, batch: number, partitionPct: number) => number,
  opts: { overhead?: (model: string, batch: number) => number; models?: string[]; partitionsPct?: number[] } = {},
): LatencyModel {
  return {
    gpuType: 'fake',
    latencyMs: fn,
    batchOverheadMs: opts.overhead ?? (() => 0),
    has: (m) => (opts.models ? opts.models.includes(m) : true),
    partitionsPct: opts.partitionsPct ?? [20, 40, 50, 60, 80, 100],
  };
}

/**
 * Runs every batch for exactly its profiled latency (no jitter, no interference): the engine's
 * view of a GPU, and nothing more.
 */
export class FixedLatencyExecutor implements Executor {
  private readonly busy = new Set<string>();
  numBatches = 0;

  constructor(
    private readonly clock: Clock,
    private readonly latency: LatencyModel,
  ) {}

  run(job: BatchJob, done: (finishedAtMs: number) => void): void {
    const key = `${job.gpu}.${job.gpulet}`;
    if (this.busy.has(key)) throw new Error(`gpulet ${key} is already running a batch`);
    this.busy.add(key);
    this.numBatches++;
    const ms = this.latency.latencyMs(job.model, job.batch, job.partitionPct);
    this.clock.at(this.clock.now() + ms, () => {
      this.busy.delete(key);
      done(this.clock.now());
    });
  }
}

/** Arrivals at fixed times. */
export function fixedArrivals(task: string | null, timesMs: number[]): ArrivalStream {
  let i = 0;
  return { task, nextArrivalMs: () => (i < timesMs.length ? timesMs[i++] : Infinity) };
}

/** One batch as seen by an observer: [gpu.gpulet, model, batch, start, end]. */
export type BatchRecord = [string, string, number, number, number];

/** A simulation over a plan with jitter off; returns the session, the clock and a batch log. */
export function makeSim(opts: {
  plan: Plan;
  tasks: TaskInfo[];
  latency: LatencyModel;
  streams: ArrivalStream[];
  app?: AppSpec | null;
  untilMs?: number;
  /** @default all */
  fixes?: Fixes;
}) {
  const clock = new VirtualClock();
  const gpu = new FixedLatencyExecutor(clock, opts.latency);
  const batches: BatchRecord[] = [];
  const observer: BatchObserver = {
    batchStarted: () => {},
    batchEnded: (job: BatchJob, startedAtMs: number, endedAtMs: number) =>
      batches.push([`${job.gpu}.${job.gpulet}`, job.model, job.batch, startedAtMs, endedAtMs]),
  };
  const session = new ServingSession({
    clock,
    executor: gpu,
    plan: opts.plan,
    tasks: opts.tasks,
    app: opts.app ?? null,
    streams: opts.streams,
    untilMs: opts.untilMs ?? 1e9,
    observer,
    fixes: opts.fixes,
  });
  return { clock, gpu, session, batches };
}

/** A plan with one GPU per entry, each holding the given gpulets. */
export function planOf(gpus: Plan['gpus'][number]['gpulets'][]): Plan {
  return {
    scheduler: 'test',
    feasible: true,
    shortfalls: [],
    gpus: gpus.map((gpulets, gpu) => ({ gpu, type: 'fake', gpulets })),
  };
}

/** Run the CLI in-process with captured output: exit code, stdout, stderr. */
export async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  // Loaded on first use, so that engine tests, which never call it, load nothing beyond engine/.
  const { main } = await import('../experiments/cli/main.ts');
  const code = await main(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}
