/**
 * Autoscaling that survives bursts (docs/design.md#dynamic-load), on virtual time: small tasks keep a gpulet, the
 * headroom search, the early re-plan between epochs and its hold, a load beyond all GPUs served
 * with what there is, and the command line's one-line notice of it.
 */
import { describe, expect, it } from 'vitest';
import type { Demand, GpuletPlan, Plan } from '../../engine/plan.ts';
import type { PlanInput, Scheduler } from '../../engine/schedulers/scheduler.ts';
import { parseFixes } from '../../engine/schedulers/fixes.ts';
import {
  DelayLoader,
  HEADROOM_FACTORS,
  Replanner,
  initialPlan,
  startingTarget,
  targetRps,
  updateTargets,
  withHeadroom,
  type BurstOptions,
} from '../../engine/server/replanner.ts';
import type { ModelInfo } from '../../engine/types.ts';
import { simulateAutoscale } from '../../experiments/lib/autoscale.ts';
import { loadContext, resolveWorkload } from '../../experiments/lib/context.ts';
import { parseWorkload } from '../../sim/workload.ts';
import { resolveModel } from '../../sim/profiles/catalog.ts';
import { traceLoad } from '../../sim/trace.ts';
import { cli, fakeLatency, fixedArrivals, makeSim, planOf } from '../helpers.ts';

describe('fix place-small in the autoscaler: a task below 1 req/s keeps a gpulet while it has requests', () => {
  const ewma = (rate: number) => new Map([['A', rate]]);
  it('updateTargets keeps a target of at least 1 req/s down to 0.01 req/s, and drops the task below', () => {
    // Artifact: below 1 req/s the task goes (target 0, flush).
    expect(updateTargets(new Map([['A', 3]]), ewma(0.5))).toMatchObject({ flush: true, changed: ['A'] });
    // Fixed: 0.5 req/s -> 1.5 x 0.5 = 0.75, raised to 1.
    const kept = updateTargets(new Map([['A', 1]]), ewma(0.5), true);
    expect([kept.targets.get('A'), kept.flush, kept.changed]).toEqual([1, false, []]);
    const gone = updateTargets(new Map([['A', 3]]), ewma(0.005), true);
    expect([gone.targets.get('A'), gone.flush]).toEqual([0, true]);
  });

  it('startingTarget: 0.5 req/s starts at 0 in the artifact and at 1 req/s with the fix', () => {
    expect([
      startingTarget(0.5),
      startingTarget(0.5, true),
      startingTarget(0.001, true),
      startingTarget(200, true),
    ]).toEqual([0, 1, 0, targetRps(200)]);
  });

  it('a 1.5 req/s trace is served in full on one GPU (the artifact drops every request as not_placed)', () => {
    const ctx = loadContext();
    const w = parseWorkload('{"models": [{"model": "resnet50", "rate": 1.5}]}', 'one.json', resolveModel);
    const load = traceLoad(w, {
      kind: 'total',
      source: 'low',
      stepMs: 20_000,
      totalRps: Float64Array.from([1.5, 1.5, 1.5, 1.5, 1.5, 1.5]),
    });
    const fixed = simulateAutoscale(w, 'gpulet-int', ctx, { seed: 1, durationS: 120, maxGpus: 8, load });
    expect(fixed.requests.arrived).toBeGreaterThan(100);
    expect(fixed.requests.completed).toBe(fixed.requests.arrived);
    expect(fixed.windows.every((x) => x.gpus === 1)).toBe(true);
    // Poisson noise at 1.5 req/s does not pass for a burst (the 3-sigma guard).
    expect(fixed.early_replans).toBe(0);
    const artifact = simulateAutoscale(w, 'gpulet-int', ctx, {
      seed: 1,
      durationS: 120,
      maxGpus: 8,
      load,
      fixes: parseFixes('none'),
    });
    expect(artifact.requests.completed).toBe(0);
    expect(artifact.dropped_by_reason.not_placed).toBe(artifact.requests.arrived);
  });
});

describe('withHeadroom: the GPUs a plan holds, planned for the most demand they carry', () => {
  // Feasible while the total demand is at most 260 req/s per GPU; the plan records the rate asked.
  const capped: Scheduler = {
    name: 'capped',
    plan: (input: PlanInput): Plan => {
      const total = input.demands.reduce((s, d) => s + d.rateRps, 0);
      const p = planOf(
        Array.from({ length: Math.max(1, Math.ceil(total / 260)) }, () => [
          {
            partitionPct: 100,
            dutyCycleMs: 100,
            models: input.demands.map((d) => ({
              task: d.task,
              model: d.model,
              batch: 1,
              rateRps: d.rateRps,
              latencyMs: 1,
            })),
          },
        ]),
      );
      return { ...p, feasible: total <= 260 * input.numGpus };
    },
  };
  const input = (demands: readonly Demand[], numGpus: number) => ({ demands, numGpus }) as PlanInput;
  const demands = [{ task: 'A', model: 'A', rateRps: 100, sloMs: 100 }];

  it('takes the largest factor that fits on the same GPU count: 2.5 x 100 on one GPU of 260', () => {
    const plan = capped.plan(input(demands, 8));
    const more = withHeadroom(capped, input, plan, demands);
    expect(HEADROOM_FACTORS[1]).toBe(2.5);
    expect(more.gpus).toHaveLength(1);
    expect(more.gpus[0].gpulets[0].models[0].rateRps).toBe(250);
  });

  it('keeps the plan when no factor fits, and when there is no headroom scheduler', () => {
    const tight = [{ ...demands[0], rateRps: 250 }];
    const plan = capped.plan(input(tight, 1));
    expect(withHeadroom(capped, input, plan, tight)).toBe(plan);
    expect(
      withHeadroom(undefined, input, capped.plan(input(demands, 1)), demands).gpus[0].gpulets[0].models[0].rateRps,
    ).toBe(100);
  });
});

// ---- The early re-plan, on the virtual clock, with a stub scheduler ----

const A = (batch: number, rateRps: number) => ({ task: 'A', model: 'A', batch, rateRps, latencyMs: 10 });
/** Below 100 req/s: one whole GPU; from 100 req/s: two 50 % gpulets. */
const SMALL: GpuletPlan[] = [{ partitionPct: 100, dutyCycleMs: 1000, models: [A(8, 400)] }];
const LARGE: GpuletPlan[] = [
  { partitionPct: 50, dutyCycleMs: 50, models: [A(4, 200)] },
  { partitionPct: 50, dutyCycleMs: 50, models: [A(4, 200)] },
];
const stub: Scheduler = {
  name: 'stub',
  plan: (input: PlanInput): Plan => planOf([(input.demands[0]?.rateRps ?? 0) < 100 ? SMALL : LARGE]),
};
const MODELS: Record<string, ModelInfo> = { A: { name: 'A', alias: 'a', sloMs: 5000, memoryMb: 500, inputBytes: 0 } };
const inputFor = (demands: readonly Demand[], numGpus: number): PlanInput => ({
  demands,
  numGpus,
  gpuType: 'fake',
  gpuMemoryMb: 11_000,
  latency: fakeLatency(() => 10),
  models: MODELS,
});
const BURST: BurstOptions = { windowMs: 200, checkMs: 100, over: 1.1, holdMs: 3000 };

/** A at 40 req/s, 200 req/s over [1 s, burstEndMs), then 40 req/s until `untilMs`. */
function run(opts: { burst?: BurstOptions; epochMs: number; untilMs: number; burstEndMs: number }) {
  const times: number[] = [];
  for (let t = 0; t < opts.untilMs; t += t >= 1000 && t < opts.burstEndMs ? 5 : 25) times.push(t);
  const tasks = [{ task: 'A', model: 'A', rateRps: 40, sloMs: 5000 }];
  const sim = makeSim({
    plan: initialPlan(stub, inputFor, tasks, 1),
    tasks,
    latency: fakeLatency(() => 10),
    streams: [fixedArrivals('A', times)],
    untilMs: opts.untilMs,
  });
  const replanner = new Replanner({
    clock: sim.clock,
    dispatcher: sim.session.dispatcher,
    scheduler: stub,
    planInput: inputFor,
    tasks,
    maxGpus: 1,
    loader: new DelayLoader(sim.clock, 300),
    untilMs: opts.untilMs,
    epochMs: opts.epochMs,
    intervalMs: 100,
    burst: opts.burst,
  });
  sim.session.start();
  replanner.start();
  sim.clock.run();
  return { ...sim, replanner, out: sim.session.finish(opts.untilMs / 1000), arrived: times.length };
}

describe('fix early-replan: a burst re-plans between epochs, and the plan serves once loaded', () => {
  it('200 req/s from 1 s against a 60 req/s target: re-planned within 0.3 s, serving 0.3 s later, not at the 10 s epoch', () => {
    const { replanner, out, arrived, session } = run({
      burst: BURST,
      epochMs: 10_000,
      untilMs: 4000,
      burstEndMs: 4000,
    });
    const early = replanner.epochs.filter((e) => e.early);
    expect(early.length).toBeGreaterThanOrEqual(1);
    const first = early[0];
    // The 200 ms window holds 40 req/s before 1 s: the trigger (count > max(1.1 x 12, 12 + 3 sqrt 12) = 22.4
    // in 0.2 s) fires at the first or second check after 1 s.
    expect(first.atMs).toBeGreaterThan(1000);
    expect(first.atMs).toBeLessThanOrEqual(1300);
    expect(first.action).toBe('repartition');
    expect(first.targets.A).toBeGreaterThanOrEqual(100);
    // The large plan serves as soon as its gpulets have loaded (300 ms), long before the epoch at 10 s.
    expect(replanner.timeline.map((s) => s.atMs)).toContain(first.atMs + 300);
    expect(session.dispatcher.gpulets).toHaveLength(2);
    expect(out.requests).toEqual({ arrived, completed: arrived, dropped: 0, slo_violations: 0 });
  });

  it('without the fix the same burst waits for the epoch', () => {
    const { replanner } = run({ epochMs: 10_000, untilMs: 4000, burstEndMs: 4000 });
    expect(replanner.epochs).toEqual([]);
    expect(replanner.timeline.map((s) => s.atMs)).toEqual([0]);
  });

  it('a burst holds its targets for holdMs (3 s): no scale-down before the peak has left the hold', () => {
    // 200 req/s over 1-2 s, then 40 req/s; epochs every 1 s.
    const { replanner, out, arrived } = run({ burst: BURST, epochMs: 1000, untilMs: 9000, burstEndMs: 2000 });
    const burstAt = replanner.epochs.find((e) => e.early)!.atMs;
    const after = replanner.epochs.filter((e) => !e.early && e.atMs > burstAt);
    // The last short window with the burst in it ends by 2.2 s; it is held until 5.2 s.
    expect(after.filter((x) => x.atMs < 5000).length).toBeGreaterThanOrEqual(3);
    for (const e of after.filter((x) => x.atMs < 5000)) expect(e.targets.A).toBeGreaterThanOrEqual(100);
    const down = after.find((e) => e.targets.A < 100);
    expect(down).toBeDefined();
    expect(down!.atMs).toBeGreaterThan(5000);
    expect(down!.action).toBe('repartition');
    expect(out.requests.arrived).toBe(arrived);
    expect(out.requests.completed).toBe(arrived);
  });
});

describe('a load beyond all GPUs: served with what there is, and said so', () => {
  const steps = new URL('../data/trace-steps.txt', import.meta.url).pathname;

  it('simulateAutoscale marks the capped windows, uses every GPU there, and loses no request', () => {
    const ctx = loadContext();
    const w = resolveWorkload('scen3');
    // 100, 200, 0, 50 req/s x 12: 2,400 req/s in the second step, beyond 2 GPUs.
    const load = traceLoad(w, {
      kind: 'total',
      source: 'x12',
      stepMs: 20_000,
      totalRps: Float64Array.from([1200, 2400, 0, 600]),
    });
    const r = simulateAutoscale(w, 'gpulet-int', ctx, { seed: 1, durationS: 80, maxGpus: 2, load });
    expect(r.capped_windows.length).toBeGreaterThan(0);
    for (const s of r.capped_windows) expect(r.windows.find((x) => x.start_s === s)?.gpus).toBe(2);
    expect(r.requests.arrived).toBe(r.requests.completed + r.requests.dropped);
  });

  it('simulate --autoscale says so in one line on stderr and lists capped_windows in the JSON', async () => {
    const { code, out, err } = await cli(
      'simulate',
      '-w',
      'scen3',
      '--trace',
      steps,
      '--trace-scale',
      '12',
      '--autoscale',
      '--max-gpus',
      '2',
      '--format',
      'json',
    );
    expect(code).toBe(0);
    const doc = JSON.parse(out);
    expect(doc.capped_windows.length).toBeGreaterThan(0);
    const lines = err.split('\n').filter((l) => l.includes('more than 2 GPU(s)'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        `in ${doc.capped_windows.length} window\\(s\\) of 20 s \\(first at ${doc.capped_windows[0]} s\\); served with what there is`,
      ),
    );
    expect(doc.requests.arrived).toBe(doc.requests.completed + doc.requests.dropped);
  });
});

describe('parseFixes: all but some', () => {
  it('all,-headroom,-early-replan is every fix but those two; a name without - after all is an error', () => {
    const f = parseFixes('all,-headroom,-early-replan');
    expect(f.has('headroom') || f.has('early-replan')).toBe(false);
    expect(f.has('place-small') && f.has('burst-duty')).toBe(true);
    expect(() => parseFixes('all,headroom')).toThrow(/unknown fix "headroom".*all,-NAME/);
    expect(() => parseFixes('all,-storm')).toThrow(/unknown fix "-storm"/);
  });
});
