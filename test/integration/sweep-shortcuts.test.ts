/**
 * The planner's answer-preserving shortcuts (engine/schedulers/elastic.ts): lowerBoundGpus, which
 * lets autoscaling and the fallbacks skip GPU counts that cannot plan, and ElasticScheduler.feasible,
 * which answers plan().feasible with fewer runs. Checked on scenarios of the schedulability sweep,
 * including the 9-task ones greedy cannot place and the ones temporal cannot plan.
 */
import { describe, expect, it } from 'vitest';
import { SchedContext, poissonP99 } from '../../engine/schedulers/batching.ts';
import { ElasticScheduler, lowerBoundGpus, workBoundGpus } from '../../engine/schedulers/elastic.ts';
import { NO_FIXES } from '../../engine/schedulers/fixes.ts';
import { CONFIGS, GPULET_PARTS, SCHEDULERS } from '../../engine/schedulers/index.ts';
import { planTables } from '../../engine/schedulers/tables.ts';
import type { SchedTask } from '../../engine/schedulers/state.ts';
import { loadContext, planInput } from '../../experiments/lib/context.ts';
import { NUM_SCENARIOS, scenarioDemands, scenarioDigits } from '../../experiments/lib/scenarios.ts';
import { predictorByName, DEFAULT_PREDICTOR } from '../../sim/predictors.ts';
import { fakeLatency } from '../helpers.ts';

const ctx = loadContext();
const base = planInput(
  {
    name: 'sweep',
    tasks: [],
    app: null,
    appRateRps: 0,
    numGpus: 4,
    gpuType: null,
    arrival: { process: 'poisson' },
  },
  ctx,
);
const predictor = predictorByName(DEFAULT_PREDICTOR);
const input = (k: number) => ({ ...base, demands: scenarioDemands(k), predictor });

// Every 97th scenario (fig15 --quick), and the first 40 where all 9 models have demand.
const nineTasks = Array.from({ length: NUM_SCENARIOS }, (_, i) => i + 1)
  .filter((k) => !scenarioDigits(k).includes('0'))
  .slice(0, 40);
const SCENARIOS = [...Array.from({ length: NUM_SCENARIOS }, (_, i) => i + 1).filter((k) => k % 97 === 0), ...nineTasks];

describe('the sweep scenarios', () => {
  it("scenario k's demands are its base-3 digits, most significant first, as rates 0, 100, 200", () => {
    const models = [
      'lenet',
      'googlenet',
      'resnet50',
      'ssd-mobilenetv1',
      'vgg16',
      'mnasnet1_0',
      'mobilenet_v2',
      'densenet161',
      'bert',
    ];
    // 5 = 000000012: densenet161 at 100, bert at 200; 19682 = 222222222: all at 200.
    expect(scenarioDigits(5)).toBe('000000012');
    expect(scenarioDemands(5).map((d) => [d.model, d.rateRps])).toEqual([
      ['densenet161', 100],
      ['bert', 200],
    ]);
    expect(scenarioDemands(NUM_SCENARIOS).map((d) => d.rateRps)).toEqual(Array(9).fill(200));
    for (let k = 1; k <= NUM_SCENARIOS; k += 13) {
      const want = [...scenarioDigits(k)].flatMap((c, i) => (c === '0' ? [] : [[models[i], c === '1' ? 100 : 200]]));
      expect(scenarioDemands(k).map((d) => [d.model, d.rateRps])).toEqual(want);
    }
  });
});

describe('lowerBoundGpus', () => {
  const latency = fakeLatency(() => 1); // any batch in 1 ms: the work bound is 1 GPU
  const tasks = (rates: number[]): SchedTask[] =>
    rates.map((rateRps, id) => ({
      task: `t${id}`,
      model: 'm',
      sloMs: 100,
      id,
      rateRps,
      additionalRps: 0,
      meanRps: rateRps,
    }));
  const bound = (name: 'greedy' | 'gpulet', partsPct: readonly number[], rates: number[]) =>
    lowerBoundGpus(
      new SchedContext(
        { ...CONFIGS[name], partsPct },
        latency,
        null,
        () => 100,
        () => 0,
      ),
      tasks(rates),
    );

  it('greedy needs one gpulet per task it must place, two gpulets a GPU', () => {
    expect(bound('greedy', [100, 50], Array(9).fill(100))).toBe(5); // ceil(9 / 2)
    expect(bound('greedy', [100, 50], [...Array(8).fill(100), 15])).toBe(4); // 15 req/s is never placed
    expect(bound('greedy', [100], Array(9).fill(100))).toBe(9); // whole GPUs only: one gpulet each
  });

  it('a time-sharing scheduler gets only the work bound', () => {
    expect(bound('gpulet', [100, 50], Array(9).fill(100))).toBe(1);
  });

  it('greedy never puts two tasks on one gpulet, which the bound rests on', () => {
    const greedy = new ElasticScheduler(CONFIGS.greedy);
    let gpulets = 0;
    for (const k of SCENARIOS)
      for (const g of greedy.plan(input(k)).gpus)
        for (const l of g.gpulets) {
          gpulets++;
          expect(l.models.length, `scenario ${scenarioDigits(k)}`).toBeLessThanOrEqual(1);
        }
    expect(gpulets).toBeGreaterThan(500);
  });
});

describe('lowerBoundGpus for temporal sharing of whole GPUs', () => {
  const latency = fakeLatency((m) => (m === 'A' ? 2 : 4)); // any batch: L_est = 1.1 x that
  const ctxFor = () =>
    new SchedContext(
      CONFIGS.temporal,
      latency,
      null,
      () => 100,
      () => 0,
    );
  const task = (id: number, model: string, sloMs: number, rateRps = 100): SchedTask => ({
    task: `t${id}`,
    model,
    sloMs,
    id,
    rateRps,
    additionalRps: 0,
    meanRps: rateRps,
  });

  it('gives a whole GPU to each task that can share with no other', () => {
    // L_est: A 2.2 ms, B 4.4 ms. A with B: 2 (2.2 + 4.4) = 13.2 ms > 10: never together.
    // A with A: 2 (2.2 + 2.2) = 8.8 <= 10, so two A tasks may share.
    const ctx = ctxFor();
    expect(lowerBoundGpus(ctx, [task(0, 'A', 10), task(1, 'B', 20)])).toBe(2);
    expect(lowerBoundGpus(ctx, [task(0, 'A', 10), task(1, 'A', 10), task(2, 'B', 20)])).toBe(2);
    // With SLOs of 30 and 40 ms they may share: one GPU, as the work bound says.
    expect(lowerBoundGpus(ctx, [task(0, 'A', 30), task(1, 'B', 40)])).toBe(1);
    // At most 3 tasks a gpulet: 7 tasks that may all share still need 3 GPUs.
    expect(
      lowerBoundGpus(
        ctx,
        Array.from({ length: 7 }, (_, i) => task(i, 'A', 30)),
      ),
    ).toBe(3);
  });

  it('skips only counts that fail: temporal plans as the scan from 1 GPU does, on sweep scenarios', () => {
    // Without fix fewest-gpus but autoscaling, the scan starts at 1; with it, at lowerBoundGpus.
    const fixes = new Set([...CONFIGS.temporal.fixes].filter((f) => f !== 'fewest-gpus'));
    const fromOne = new ElasticScheduler({ ...CONFIGS.temporal, fixes }, { autoscale: true });
    const fromBound = new ElasticScheduler(CONFIGS.temporal);
    const ctx = new SchedContext(
      CONFIGS.temporal,
      base.latency,
      null,
      (m) => base.models[m].memoryMb,
      () => 0,
    );
    let feasible = 0;
    let raised = 0;
    for (const k of SCENARIOS) {
      const a = fromOne.plan(input(k));
      expect(JSON.stringify(fromBound.plan(input(k))), `scenario ${scenarioDigits(k)}`).toBe(JSON.stringify(a));
      if (a.feasible) feasible++;
      // Where the whole-GPU bound is above the work bound, the scan from the bound skipped runs.
      const tasks = scenarioDemands(k).map((d, id) => ({
        task: d.task,
        model: d.model,
        sloMs: d.sloMs,
        id,
        rateRps: poissonP99(d.rateRps),
        additionalRps: 0,
        meanRps: d.rateRps,
      }));
      if (lowerBoundGpus(ctx, tasks) > workBoundGpus(ctx, tasks)) raised++;
    }
    expect(feasible).toBeGreaterThan(50);
    expect(feasible).toBeLessThan(SCENARIOS.length);
    expect(raised).toBeGreaterThan(20);
  });
});

describe('ElasticScheduler.feasible', () => {
  it('answers plan().feasible on sweep scenarios, for every scheduler, search and fix set', () => {
    const outcomes = new Set<string>();
    for (const name of ['temporal', 'greedy', 'gpulet', 'gpulet-int', 'ideal'] as const)
      for (const fixes of [CONFIGS[name].fixes, NO_FIXES])
        for (const search of name === 'ideal' ? (['scan'] as const) : (['scan', 'bisect'] as const)) {
          const s = new ElasticScheduler({ ...CONFIGS[name], fixes }, { search, fullSearch: name === 'ideal' });
          for (const k of SCENARIOS) {
            const planned = s.plan(input(k)).feasible;
            expect(s.feasible(input(k)), `${name} ${search} scenario ${scenarioDigits(k)}`).toBe(planned);
            outcomes.add(`${name}:${planned}`);
          }
        }
    // The check saw both answers where the sweep has both (temporal and greedy fail some).
    for (const o of ['temporal:true', 'temporal:false', 'greedy:true', 'greedy:false']) expect(outcomes).toContain(o);
  });
});

describe('memos shared between plans', () => {
  it('never change a plan: warm (one table for all scenarios, the sweep in reverse) equals cold (a fresh table each)', () => {
    // A new object in front of the same latency table gets tables and memos of its own
    // (planTables keys them by object): nothing remembered from another plan.
    const cold = (k: number) => ({ ...input(k), latency: Object.create(base.latency) as typeof base.latency });
    for (const name of ['temporal', 'greedy', 'gpulet', 'gpulet-int', 'ideal'] as const) {
      const warm = SCHEDULERS[name]();
      const fresh = SCHEDULERS[name]();
      for (const k of [...SCENARIOS].reverse()) {
        const a = fresh.plan(cold(k));
        expect(JSON.stringify(warm.plan(input(k))), `${name} scenario ${scenarioDigits(k)}`).toBe(JSON.stringify(a));
      }
    }
    // The warm plans went through the memos: the burst check's verdicts, with and without a predictor.
    const tables = planTables(base.latency, Math.fround(1.1), GPULET_PARTS);
    expect(tables.verdictsFor(null).size).toBeGreaterThan(20);
    expect(tables.verdictsFor(predictor).size).toBeGreaterThan(20);
  });
});
