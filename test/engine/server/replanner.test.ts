/**
 * Serving under changing load, on virtual time: the rate monitor's EWMA, the epoch target rules,
 * the switch to a re-planned set of gpulets after their loading delay, and the memory check of old
 * and new gpulets together.
 */
import { describe, expect, it } from 'vitest';
import type { Demand, GpuletPlan, Plan } from '../../../engine/plan.ts';
import type { PlanInput, Scheduler } from '../../../engine/schedulers/scheduler.ts';
import { placeOnGpus } from '../../../engine/server/placement.ts';
import { Ewma, RateMonitor, ewmaAlpha } from '../../../engine/server/rate-monitor.ts';
import { DelayLoader, Replanner, initialPlan, targetRps, updateTargets } from '../../../engine/server/replanner.ts';
import type { ModelInfo } from '../../../engine/types.ts';
import { fakeLatency, fixedArrivals, makeSim, planOf } from '../../helpers.ts';

describe('RateMonitor: 500 ms counts into an EWMA with alpha = 2 / (N + 1), N = 40', () => {
  it('ewmaAlpha() is 2/41 for 500 ms intervals over a 20 s window', () => {
    expect(ewmaAlpha()).toBe(2 / 41);
    expect(ewmaAlpha(500, 200)).toBe(1); // N is at least 1
  });

  it('tick() turns each interval count into req/s and averages: a hand-computed series', () => {
    // Counts 10, 20, 0, 30 per 500 ms are 20, 40, 0, 60 req/s. With a = 2/41 and a start of 0:
    //   e1 = a*20                 = 40/41                  = 0.975609756...
    //   e2 = a*40 + (1-a)*e1      = 80/41 + 39/41*40/41    = 4840/1681 = 2.879238548...
    //   e3 = a*0  + (1-a)*e2      = 39/41 * 4840/1681      = 188760/68921 = 2.738785566...
    //   e4 = a*60 + (1-a)*e3      = 120/41 + 39/41*188760/68921 = (120*68921 + 39*188760)/2825761
    //                             = 15632160/2825761 = 5.532020002...
    let arrived = 0;
    const counts = [10, 20, 0, 30];
    const monitor = new RateMonitor(['A'], () => arrived);
    const seen: number[] = [];
    for (const c of counts) {
      arrived += c;
      monitor.tick();
      seen.push(monitor.rateRps('A'));
    }
    expect(seen[0]).toBeCloseTo(40 / 41, 12);
    expect(seen[1]).toBeCloseTo(4840 / 1681, 12);
    expect(seen[2]).toBeCloseTo(188760 / 68921, 12);
    expect(seen[3]).toBeCloseTo(15632160 / 2825761, 12);
  });

  it('starts from the given initial rate (the artifact InitRate) and holds it under that load', () => {
    const e = new Ewma(2 / 41, 300);
    for (let i = 0; i < 100; i++) e.update(300);
    expect(e.value).toBeCloseTo(300, 9);
  });
});

describe('updateTargets: the epoch rules (setupTasks)', () => {
  const ewma = (entries: Array<[string, number]>) => new Map(entries);
  it('targets EWMA x 1.5 below 125 req/s and x 1.2 from there', () => {
    expect(targetRps(100)).toBe(150);
    expect(targetRps(125)).toBe(150);
    expect(targetRps(500)).toBe(600);
  });

  it('re-plans a rise of more than 5 % or more than 10 req/s, and nothing smaller', () => {
    const prev = new Map([
      ['A', 600],
      ['B', 100],
      ['C', 600],
    ]);
    // A: target 600 -> 636 (+6 %); B: 100 -> 112.5 (+12.5 req/s); C: 600 -> 609.6 (+1.6 %, +9.6 req/s).
    const u = updateTargets(
      prev,
      ewma([
        ['A', 530],
        ['B', 75],
        ['C', 508],
      ]),
    );
    expect(u.changed).toEqual(['A', 'B']);
    expect(u.flush).toBe(false);
    expect(u.targets.get('A')).toBeCloseTo(636, 9);
    expect(u.targets.get('C')).toBe(600); // unchanged targets keep their old value
  });

  it('a fall of more than 10 % re-plans with a full repartition; a smaller fall changes nothing', () => {
    const prev = new Map([
      ['A', 600],
      ['B', 600],
    ]);
    const u = updateTargets(
      prev,
      ewma([
        ['A', 440],
        ['B', 460],
      ]),
    ); // 528 (-12 %), 552 (-8 %)
    expect(u.changed).toEqual(['A']);
    expect(u.flush).toBe(true);
    expect(u.targets.get('B')).toBe(600);
  });

  it('a rate below 1 req/s drops the task (target 0) and flushes; it is planned again once back', () => {
    const u = updateTargets(new Map([['A', 60]]), ewma([['A', 0.5]]));
    expect([u.targets.get('A'), u.flush, u.changed]).toEqual([0, true, ['A']]);
    const back = updateTargets(u.targets, ewma([['A', 20]]));
    expect([back.targets.get('A'), back.flush, back.changed]).toEqual([30, false, ['A']]);
  });
});

// ---- Re-planning with a reorganisation delay, on the virtual clock ----

const A = (batch: number, rateRps: number) => ({ task: 'A', model: 'A', batch, rateRps, latencyMs: 10 });
/** Below 100 req/s: one whole GPU with A in batches of 8 and a 1 s duty cycle; above: two 50 % gpulets. */
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

/**
 * A at 40 req/s (every 25 ms) until 1 s, then 200 req/s (every 5 ms) until 4 s. Epochs every 1 s,
 * counts every 100 ms (alpha = 2/11), EWMA starting at 40 req/s (target 60: the small plan).
 *   epoch 1 s: EWMA 40, target 60, steady.
 *   epoch 2 s: EWMA 200 - 160 (9/11)^10 = 178.5, target 214: re-planned (the large plan), its two
 *              new gpulets load from 2 s.
 */
function run(reorgMs: number) {
  const times: number[] = [];
  for (let t = 0; t < 1000; t += 25) times.push(t);
  for (let t = 1000; t < 4000; t += 5) times.push(t);
  const tasks = [{ task: 'A', model: 'A', rateRps: 40, sloMs: 5000 }];
  const plan0 = initialPlan(stub, inputFor, tasks, 1);
  const sim = makeSim({
    plan: plan0,
    tasks,
    latency: fakeLatency(() => 10),
    streams: [fixedArrivals('A', times)],
    untilMs: 4000,
  });
  const replanner = new Replanner({
    clock: sim.clock,
    dispatcher: sim.session.dispatcher,
    scheduler: stub,
    planInput: inputFor,
    tasks,
    maxGpus: 1,
    loader: new DelayLoader(sim.clock, reorgMs),
    untilMs: 4000,
    epochMs: 1000,
    intervalMs: 100,
  });
  sim.session.start();
  replanner.start();
  sim.clock.run();
  return { ...sim, replanner, out: sim.session.finish(4), arrived: times.length };
}

describe('Replanner: a re-plan waits for its gpulets to load, and no request is lost across the switch', () => {
  it('loading slower than an epoch (1.5 s): the switch waits until 3.5 s, then old queues drain', () => {
    const { replanner, batches, out, arrived, session } = run(1500);
    expect(replanner.epochs.map((e) => [e.atMs, e.action])).toEqual([
      [1000, 'steady'],
      [2000, 'repartition'],
      // The 3 s epoch waited for the loading; it ran at 3.5 s (switch, then a re-plan that keeps both gpulets).
      [3500, 'repartition'],
    ]);
    expect(replanner.epochs[1].targets.A).toBeCloseTo(1.2 * (200 - 160 * (9 / 11) ** 10), 3);
    expect(replanner.epochs[1]).toMatchObject({ numKept: 0, numNew: 2, gpusBefore: 1, gpusAfter: 1 });
    expect(replanner.timeline).toEqual([
      { atMs: 0, gpus: 1, partitionSumPct: 100 },
      { atMs: 3500, gpus: 1, partitionSumPct: 100 },
    ]);
    // The new gpulets are 0.1 and 0.2 (0.0 is still serving while they load): none runs before 3.5 s.
    const fresh = batches.filter((b) => b[0] !== '0.0');
    expect(new Set(fresh.map((b) => b[0]))).toEqual(new Set(['0.1', '0.2']));
    expect(Math.min(...fresh.map((b) => b[3]))).toBeGreaterThanOrEqual(3500);
    // The old gpulet takes nothing new after 3.5 s, but finishes what it had queued: 40 + 500
    // requests before 3.5 s make 67 full batches of 8 and 4 left over, served when its 1 s duty
    // cycle closes the batch.
    const old = batches.filter((b) => b[0] === '0.0');
    const drained = old.filter((b) => b[3] >= 3500);
    expect(drained.map((b) => b[2])).toEqual([4]);
    expect(old.reduce((n, b) => n + b[2], 0)).toBe(40 + 500);
    expect(session.dispatcher.numDraining).toBe(0);
    expect(out.requests).toEqual({ arrived, completed: arrived, dropped: 0, slo_violations: 0 });
  });

  it('loading faster than an epoch (0.5 s): ready at 2.5 s, switched at the next epoch, 3 s', () => {
    const { replanner, batches, out, arrived } = run(500);
    expect(replanner.timeline.map((s) => s.atMs)).toEqual([0, 3000]);
    const fresh = batches.filter((b) => b[0] !== '0.0');
    expect(Math.min(...fresh.map((b) => b[3]))).toBeGreaterThanOrEqual(3000);
    expect(out.requests).toEqual({ arrived, completed: arrived, dropped: 0, slo_violations: 0 });
  });
});

describe('Replanner: the incremental step', () => {
  it('keeps the gpulets of tasks whose target did not move and plans the changed task on a free GPU', () => {
    // One whole GPU per task, in demand order; B's batch grows with its rate.
    const perTask: Scheduler = {
      name: 'per-task',
      plan: (input) =>
        planOf(
          input.demands.map((d) => [
            {
              partitionPct: d.task === 'B' && d.rateRps > 100 ? 50 : 100,
              dutyCycleMs: 50,
              models: [{ task: d.task, model: d.task, batch: d.rateRps > 100 ? 8 : 2, rateRps: 400, latencyMs: 10 }],
            },
          ]),
        ),
    };
    const tasks = [
      { task: 'A', model: 'A', rateRps: 40, sloMs: 5000 },
      { task: 'B', model: 'B', rateRps: 40, sloMs: 5000 },
    ];
    const models = { ...MODELS, B: { ...MODELS.A, name: 'B' } };
    const input = (demands: readonly Demand[], numGpus: number) => ({ ...inputFor(demands, numGpus), models });
    const a: number[] = [];
    const b: number[] = [];
    for (let t = 0; t < 3000; t += 25) a.push(t);
    for (let t = 0; t < 3000; t += t < 1000 ? 25 : 5) b.push(t);
    const plan0 = initialPlan(perTask, input, tasks, 3);
    const sim = makeSim({
      plan: plan0,
      tasks,
      latency: fakeLatency(() => 10),
      streams: [fixedArrivals('A', a), fixedArrivals('B', b)],
      untilMs: 3500,
    });
    const gpuletA = sim.session.dispatcher.gpulets[0];
    const replanner = new Replanner({
      clock: sim.clock,
      dispatcher: sim.session.dispatcher,
      scheduler: perTask,
      planInput: input,
      tasks,
      maxGpus: 3,
      loader: new DelayLoader(sim.clock, 500),
      untilMs: 3500,
      epochMs: 1000,
      intervalMs: 100,
    });
    sim.session.start();
    replanner.start();
    sim.clock.run();
    expect(replanner.epochs.map((e) => [e.atMs, e.action, e.changed])).toEqual([
      [1000, 'steady', []],
      [2000, 'incremental', ['B']],
      [3000, 'incremental', ['B']], // applies the plan made at 2 s; B's average is still rising
    ]);
    // A stays on its gpulet (the same runtime); B's new 50 % gpulet loads on the idle GPU 2 rather
    // than next to B's old gpulet, which serves on GPU 1 until the switch.
    expect(replanner.epochs[1]).toMatchObject({ numKept: 1, numNew: 1 });
    const plan = sim.session.dispatcher.plan;
    expect(
      plan.gpus.map((g) => [g.gpu, g.gpulets.map((l) => [l.partitionPct, l.models.map((m) => m.task).join()])]),
    ).toEqual([
      [0, [[100, 'A']]],
      [2, [[50, 'B']]],
    ]);
    expect(sim.session.dispatcher.gpulets[0]).toBe(gpuletA);
    // GPU 2 held only the loading gpulet from 2 s to the switch at 3 s.
    expect(replanner.loadingGpuSeconds(3000)).toBe(1);
    const out = sim.session.finish(3);
    expect(out.requests.arrived).toBe(a.length + b.length);
    expect(out.requests.dropped).toBe(0);
  });
});

describe('placeOnGpus: old and new gpulets must fit in GPU memory together', () => {
  // Memory: vgg16 2,920 MB, resnet50 1,820 MB, plus 1,230 MB per gpulet process; 0.9 x 11,000 MB usable.
  const mem: Record<string, number> = { vgg16: 2920, resnet50: 1820 };
  const g = (partitionPct: number, model: string): GpuletPlan => ({
    partitionPct,
    dutyCycleMs: 50,
    models: [{ task: model, model, batch: 8, rateRps: 100, latencyMs: 20 }],
  });
  const serving = [
    { place: { gpu: 0, partitionPct: 60, dedup: 0 }, models: ['vgg16'] },
    { place: { gpu: 0, partitionPct: 40, dedup: 0 }, models: ['resnet50'] },
  ];
  const place = (plan: Plan, numGpus: number) =>
    placeOnGpus({ plan, serving, numGpus, gpuMemoryMb: 11_000, modelMemoryMb: (m) => mem[m] });

  it('keeps gpulets at their place (same GPU, size, half): nothing new to load', () => {
    const r = place(planOf([[g(60, 'vgg16'), g(40, 'resnet50')]]), 1);
    expect(r).toMatchObject({ ok: true, numKept: 2, numNew: 0 });
  });

  it('puts a repartitioned GPU next to the old one only if both fit: 7,200 + 7,200 MB do not, so it goes to an idle GPU', () => {
    const plan = planOf([[g(50, 'vgg16'), g(50, 'resnet50')]]);
    const two = place(plan, 2);
    expect(two.ok && two.plan.gpus.map((x) => x.gpu)).toEqual([1]);
    expect(two).toMatchObject({ numKept: 0, numNew: 2 });
    const one = place(plan, 1);
    expect(one).toEqual({
      ok: false,
      reason: 'GPU memory: no GPU has 7200 MB free for [50 %: vgg16, 50 %: resnet50] next to the serving gpulets',
    });
  });

  it('a new gpulet that does not fit next to kept ones (7,200 + 3,050 MB) needs another GPU', () => {
    expect(place(planOf([[g(60, 'vgg16'), g(40, 'resnet50')], [g(20, 'resnet50')]]), 1).ok).toBe(false);
    const r = place(planOf([[g(60, 'vgg16'), g(40, 'resnet50')], [g(20, 'resnet50')]]), 2);
    expect(r.ok && r.plan.gpus.map((x) => x.gpulets.map((l) => l.partitionPct))).toEqual([[60, 40], [20]]);
  });
});
