/** Shared fixtures (SimPy's conftest.py): a tiny in-memory latency model and a simulation rig. */
import { VirtualClock } from '../engine/clock.ts';
import { main } from '../experiments/cli/main.ts';
import type { Plan } from '../engine/plan.ts';
import type { BatchObserver } from '../engine/server/gpulet.ts';
import { ServingSession, type ArrivalStream, type TaskInfo } from '../engine/server/session.ts';
import type { Fixes } from '../engine/schedulers/fixes.ts';
import type { AppSpec } from '../engine/server/tracker.ts';
import type { BatchJob, LatencyModel } from '../engine/types.ts';
import { SimulatedGpu, type ColocationModel } from '../sim/gpu.ts';

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
  colocation?: ColocationModel;
  /** @default all */
  fixes?: Fixes;
}) {
  const clock = new VirtualClock();
  const gpu = new SimulatedGpu({ clock, latency: opts.latency, seed: 1, jitterCv: 0, colocation: opts.colocation });
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
  const code = await main(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}
