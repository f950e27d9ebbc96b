/**
 * `npm run bench [-- NAME_FILTER] [-- --format json]`: speed and memory on this machine, printed as
 * figures and ratios against targets. Never asserted in tests (shared, noisy machines).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualClock } from '../../engine/clock.ts';
import { gpusUsed } from '../../engine/plan.ts';
import { ElasticScheduler, SCAN_GPUS } from '../../engine/schedulers/elastic.ts';
import { CONFIGS } from '../../engine/schedulers/index.ts';
import type { Io } from '../lib/io.ts';
import { STUDIES } from '../studies/index.ts';
import { ServingSession } from '../../engine/server/session.ts';
import { Run, type SteppedClock } from '../../engine/server/run.ts';
import { ClockBefore } from './clock-before.ts';
import { timeMs, type Figure } from './figure.ts';
import { planner, sweepVsCpp } from './planner.ts';
import { fewest } from './fewest.ts';
import { fleetMix } from './fleet.ts';
import { SCHEDULERS, type SchedulerName } from '../../engine/schedulers/index.ts';
import { SimulatedGpu } from '../../sim/gpu.ts';
import { exponential, streamRng } from '../../sim/rng.ts';
import { arrivalStreams, type Workload } from '../../sim/workload.ts';
import {
  embeddedContext,
  loadContext,
  planInput,
  planWorkload,
  resolveWorkload,
  type Context,
} from '../lib/context.ts';
import { parvaRow } from '../studies/a100/run.ts';
import { simulateAutoscale } from '../lib/autoscale.ts';
import { traceLoad } from '../../sim/trace.ts';
import { traceKind } from '../../sim/traces/index.ts';
import { fmt, table } from '../lib/format.ts';
import { writeCsv, type CsvRow } from '../lib/output.ts';

type Bench = (ctx: Context) => Figure[];
type AsyncBench = (ctx: Context) => Promise<Figure[]>;

/** Build a session for `w` served by scheduler `s` on the simulated GPU; returns it unstarted. */
function makeRun(w: Workload, s: SchedulerName, ctx: Context, seed: number, durationS: number, planFor: Workload = w) {
  const plan = planWorkload(planFor, s, ctx);
  const clock = new VirtualClock();
  const gpu = new SimulatedGpu({ clock, latency: ctx.latency, seed });
  const session = new ServingSession({
    clock,
    executor: gpu,
    plan,
    tasks: w.tasks,
    app: w.app,
    streams: arrivalStreams(w, seed),
    untilMs: durationS * 1000,
  });
  return { clock, session, plan };
}

const engine: Bench = (ctx) => {
  // 60 s of scen3 at 1,600 req/s (about gpulet-int's capacity on 4 GPUs), best of 7, through the
  // one driver (engine/server/run.ts); alternately on today's loop and on the loop before the
  // one-loop change (clock-before.ts), so both see the same machine load.
  const w = resolveWorkload('scen3', { rate: 1600 });
  const plan = planWorkload(w, 'gpulet-int', ctx);
  const once = (clock: SteppedClock, seed: number) => {
    const gpu = new SimulatedGpu({ clock, latency: ctx.latency, seed });
    const run = new Run({
      clock,
      executor: gpu,
      plan,
      tasks: w.tasks,
      app: w.app,
      streams: arrivalStreams(w, seed),
      untilMs: 60_000,
    });
    const t0 = performance.now();
    const r = run.simulate();
    return { ms: performance.now() - t0, events: r.events, requests: r.summary.requests.arrived };
  };
  let best = { ms: Infinity, events: 0, requests: 0 };
  // Warm both up (JIT), then alternate which goes first; the ratio is the median of the rounds'.
  once(new VirtualClock(), 99);
  once(new ClockBefore(), 99);
  const ratios: number[] = [];
  let eventsBefore = 0;
  let msBefore = 0;
  let same = true;
  for (let i = 0; i < 9; i++) {
    const [a, b] =
      i % 2 === 0
        ? [once(new VirtualClock(), i + 1), once(new ClockBefore(), i + 1)]
        : (([y, x]) => [x, y])([once(new ClockBefore(), i + 1), once(new VirtualClock(), i + 1)]);
    if (a.ms < best.ms) best = a;
    ratios.push(a.events / a.ms / (b.events / b.ms));
    eventsBefore += b.events;
    msBefore += b.ms;
    same &&= a.events === b.events;
  }
  const ratio = ratios.sort((x, y) => x - y)[Math.floor(ratios.length / 2)];
  return [
    {
      key: 'events_per_s',
      value: best.events / (best.ms / 1000),
      unit: 'events/s',
      target: { value: 3e6, higherIsBetter: true },
      note: `scen3 1,600 req/s, 60 s simulated: ${best.events} events in ${fmt(best.ms)} ms`,
    },
    {
      key: 'events_per_s_vs_before',
      value: ratio,
      unit: 'ratio',
      target: { value: 0.95, higherIsBetter: true },
      note: `median of 9 seeds, each on both loops (order alternating); the loop before the one-loop change ran ${fmt(eventsBefore / (msBefore / 1000), 0)} events/s (${same ? 'the same' : 'DIFFERENT'} events per seed)`,
    },
    {
      key: 'sim_requests_per_s',
      value: best.requests / (best.ms / 1000),
      unit: 'requests/s',
      note: `${best.requests} requests simulated`,
    },
  ];
};

const memory: Bench = (ctx) => {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined)
    return [
      { key: 'bytes_per_request', value: NaN, unit: 'B', note: 'run with node --expose-gc (npm run bench does)' },
    ];
  // A plan for 1,600 req/s under 200,000 req/s of arrivals: queues fill up to their SLO bound
  // (tens of thousands of requests); measure heap per queued request.
  const w = resolveWorkload('scen3', { rate: 200_000 });
  const { clock, session } = makeRun(w, 'gpulet-int', ctx, 1, 3, resolveWorkload('scen3', { rate: 1600 }));
  gc();
  const before = process.memoryUsage().heapUsed;
  session.start();
  clock.run(2_000);
  gc();
  const after = process.memoryUsage().heapUsed;
  const inFlight = session.dispatcher.numQueued;
  clock.run();
  session.finish(3);
  return [
    {
      key: 'bytes_per_request',
      value: (after - before) / inFlight,
      unit: 'B',
      target: { value: 1000, higherIsBetter: false },
      note: `heap growth / ${inFlight} requests queued at t = 2 s, 125x overload`,
    },
  ];
};

const scheduling: Bench = (ctx) => {
  const out: Figure[] = [];
  const w = resolveWorkload('scen3', { rate: 1800 });
  for (const s of ['temporal', 'gpulet', 'gpulet-int'] as const) {
    const ms = timeMs(9, () => planWorkload(w, s, ctx));
    out.push({
      key: `schedule_scen3_${s.replace('-', '_')}_ms`,
      value: ms,
      unit: 'ms',
      note: 'scen3 at 1,800 req/s on up to 4 GPUs, autoscaled, median of 9',
    });
  }
  for (const gpus of [4, 64, 1000]) {
    const input = { ...planInput(resolveWorkload('scen3'), ctx), demands: fleetMix(gpus, ctx), numGpus: gpus };
    const fixed = new ElasticScheduler(CONFIGS.gpulet, { autoscale: false });
    let used = 0;
    const ms = timeMs(3, () => (used = gpusUsed(fixed.plan(input))));
    out.push({
      key: `schedule_${gpus}_gpus_ms`,
      value: ms,
      unit: 'ms',
      target: gpus === 1000 ? { value: 1000, higherIsBetter: false } : undefined,
      note: `100 tasks at ${gpus * 350} req/s, gpulet, one plan on a fixed fleet of ${gpus} GPUs (${used} used), median of 3`,
    });
    const auto = SCHEDULERS.gpulet();
    let autoUsed = 0;
    const autoMs = timeMs(3, () => (autoUsed = gpusUsed(auto.plan(input))));
    out.push({
      key: `schedule_${gpus}_gpus_autoscaled_ms`,
      value: autoMs,
      unit: 'ms',
      target: gpus === 1000 ? { value: 1000, higherIsBetter: false } : undefined,
      note: `the same, fewest GPUs that schedule: ${autoUsed} (${gpus > SCAN_GPUS ? 'bisection; `bench fewest` compares it with the scan' : 'scan from the work bound'}), median of 3`,
    });
  }
  // ParvaGPU's largest published row on the A100 (11 models, 17 GPUs); the authors' C: about 1 ms.
  const a100 = embeddedContext('a100-80gb');
  const row6 = parvaRow(6);
  let parvaGpus = 0;
  const parvaMs = timeMs(9, () => (parvaGpus = gpusUsed(planWorkload(row6, 'parvagpu', a100))));
  out.push({
    key: 'schedule_parvagpu_slo6_ms',
    value: parvaMs,
    unit: 'ms',
    target: { value: 10, higherIsBetter: false },
    note: `parvagpu on ParvaGPU's SLO row 6 (a100-80gb, ${parvaGpus} GPUs), median of 9`,
  });
  return out;
};

const quiet: Io = { out: () => {}, err: () => {} };

/** Wall time of a study on all cores, into a scratch directory. */
async function timeStudy(name: keyof typeof STUDIES): Promise<{ s: number; json: unknown }> {
  const dir = mkdtempSync(join(tmpdir(), `gpulet-bench-${name}-`));
  const t0 = performance.now();
  const res = await STUDIES[name].run(
    { quick: false, seed: 1, outDir: dir, jobs: availableParallelism(), shard: { index: 0, count: 1 } },
    quiet,
  );
  const s = (performance.now() - t0) / 1000;
  rmSync(dir, { recursive: true, force: true });
  return { s, json: res.json };
}

const sweep: AsyncBench = async () => {
  const { s, json } = await timeStudy('fig15');
  const n = (json as { scenarios: number }).scenarios;
  return [
    {
      key: 'schedulability_sweep_s',
      value: s,
      unit: 's',
      target: { value: 5, higherIsBetter: false },
      note: `fig15: ${n} scenarios x 5 schedulers (temporal, greedy, gpulet, gpulet-int, ideal), ${availableParallelism()} worker threads`,
    },
    { key: 'schedulability_sweep_scenarios', value: n, unit: 'scenarios', note: '{0, 100, 200}^9 minus all-zero' },
  ];
};

const fig12Bench: AsyncBench = async () => {
  const { s } = await timeStudy('fig12');
  return [
    {
      key: 'fig12_s',
      value: s,
      unit: 's',
      target: { value: 120, higherIsBetter: false },
      note: `fig12: 7 workloads x 4 schedulers x 2 searches, 3 seeds x 20 s simulations, ${availableParallelism()} worker threads`,
    },
  ];
};

/** One 3,200 s autoscaled run (Figure 14's trace, gpulet-int, every fix), wall time. */
const autoscale: AsyncBench = async (ctx) => {
  const w = resolveWorkload('scen3');
  const load = traceLoad(w, traceKind('waves').make(0));
  const t0 = performance.now();
  const r = simulateAutoscale(w, 'gpulet-int', ctx, { seed: 1, durationS: 3200, maxGpus: 8, load });
  const s = (performance.now() - t0) / 1000;
  return [
    {
      key: 'autoscale_3200s_s',
      value: s,
      unit: 's',
      target: { value: 30, higherIsBetter: false },
      note: `scen3 under fig14's waves on up to 8 GPUs: ${r.epochs.length} epochs, ${r.early_replans} early re-plans, ${r.requests.arrived} requests`,
    },
  ];
};

/**
 * How cost grows: the event loop against pending events (a hold model: pop one, push one with an
 * exponential delay), and planning time against fleet size and number of tasks. Rows also go to
 * results/bench-scaling.csv for BENCH.md.
 */
const growth: AsyncBench = async (ctx) => {
  const rows: CsvRow[] = [];
  const out: Figure[] = [];
  for (const pending of [100, 10_000, 1_000_000]) {
    const clock = new VirtualClock();
    const rng = streamRng(1, 'hold');
    const hold = (): void => {
      clock.at(clock.now() + exponential(rng, 1), hold);
    };
    for (let i = 0; i < pending; i++) clock.at(exponential(rng, 1), hold);
    const events = 3_000_000;
    const t0 = performance.now();
    while (clock.numEvents < events) clock.run(clock.now() + 1);
    const rate = clock.numEvents / ((performance.now() - t0) / 1000);
    rows.push({ kind: 'events', x: pending, value: rate, unit: 'events/s' });
    out.push({
      key: `events_per_s_${pending}_pending`,
      value: rate,
      unit: 'events/s',
      note: `hold model, ${pending} pending events`,
    });
  }
  for (const gpus of [4, 16, 64, 256, 1000]) {
    const input = { ...planInput(resolveWorkload('scen3'), ctx), demands: fleetMix(gpus, ctx), numGpus: gpus };
    const ms = timeMs(3, () => new ElasticScheduler(CONFIGS.gpulet, { autoscale: false }).plan(input));
    rows.push({ kind: 'plan_vs_gpus', x: gpus, value: ms, unit: 'ms' });
  }
  for (const tasks of [10, 30, 100, 300, 1000]) {
    const input = { ...planInput(resolveWorkload('scen3'), ctx), demands: fleetMix(256, ctx, tasks), numGpus: 256 };
    const ms = timeMs(3, () => new ElasticScheduler(CONFIGS.gpulet, { autoscale: false }).plan(input));
    rows.push({ kind: 'plan_vs_tasks', x: tasks, value: ms, unit: 'ms' });
  }
  writeCsv('results', 'bench-scaling.csv', rows, ['kind', 'x', 'value', 'unit'], 1);
  for (const r of rows.filter((x) => x.kind !== 'events'))
    out.push({
      key: `${r.kind}_${r.x}_ms`,
      value: r.value as number,
      unit: 'ms',
      note: r.kind === 'plan_vs_gpus' ? `100 tasks on a fixed fleet of ${r.x} GPUs` : `${r.x} tasks on 256 GPUs`,
    });
  return out;
};

const BENCHES: Record<string, AsyncBench> = {
  engine: async (c) => engine(c),
  memory: async (c) => memory(c),
  scheduling: async (c) => scheduling(c),
  planner: async () => planner(),
  'cpp-scenarios': async () => sweepVsCpp(),
  fewest: async (c) => fewest(c, { sweepStep: Number(process.env.FEWEST_STEP ?? 7), fleets: [64, 1000] }),
  sweep,
  fig12: fig12Bench,
  autoscale,
  growth,
};

/** Bench names, for --help. */
export const BENCH_NAMES = Object.keys(BENCHES);

/**
 * Run the benchmarks whose name contains `filter` (all when undefined), print figures and ratios
 * (or, with `json`, every figure with its unit, target and whether it met it); returns the keys of
 * the figures that missed their target.
 */
export async function runBench(opts: { filter?: string; json: boolean }, io: Io): Promise<string[]> {
  const { filter, json } = opts;
  const ctx = loadContext();
  const figures: Figure[] = [];
  for (const [name, bench] of Object.entries(BENCHES)) {
    if (filter !== undefined && !name.includes(filter)) continue;
    if (!json) io.err(`bench ${name}...\n`);
    figures.push(...(await bench(ctx)));
  }
  const ratioOf = (f: Figure): number | null =>
    f.target ? (f.target.higherIsBetter ? f.value / f.target.value : f.target.value / f.value) : null;
  const missed = figures.filter((f) => {
    const r = ratioOf(f);
    return r !== null && !(r >= 1);
  });
  if (json) {
    const round = (v: number) => (Number.isInteger(v) ? v : Number(v.toPrecision(4)));
    const doc = Object.fromEntries(
      figures.map((f) => [
        f.key,
        {
          value: round(f.value),
          unit: f.unit,
          ...(f.target
            ? { target: f.target.value, higher_is_better: f.target.higherIsBetter, met: !missed.includes(f) }
            : {}),
          how: f.note,
        },
      ]),
    );
    io.out(`${JSON.stringify(doc, null, 2)}\n`);
    return missed.map((f) => f.key);
  }
  const rows = figures.map((f) => {
    const ratio = ratioOf(f);
    return [
      f.key,
      fmt(f.value, f.unit === 'ratio' || Math.abs(f.value) < 1 ? 3 : 1),
      f.unit,
      f.target ? fmt(f.target.value, 2) : '-',
      ratio === null ? '-' : `${fmt(ratio, 2)}x${ratio >= 1 ? '' : ' (MISSED)'}`,
      f.note,
    ];
  });
  io.out(`${table(['figure', 'value', 'unit', 'target', 'vs target', 'how'], rows)}\n`);
  return missed.map((f) => f.key);
}
