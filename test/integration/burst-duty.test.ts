/**
 * Fix burst-duty (engine/schedulers/burst.ts): the check serves each gpulet under Poisson arrivals
 * with the serving rules of the default path, and the planner re-plans tasks that would be late.
 */
import { describe, expect, it } from 'vitest';
import { lateShares, LATE_SHARE } from '../../engine/schedulers/burst.ts';
import { loadContext, planWorkload, resolveWorkload, simulatePlan } from '../../experiments/lib/context.ts';
import { ALL_FIXES, FIX_NAMES } from '../../engine/schedulers/fixes.ts';
import type { Workload } from '../../sim/workload.ts';

const fixed = (ms: number) => () => ms;

describe('lateShares: one gpulet under Poisson arrivals', () => {
  it('nothing is late when every request can wait a full duty cycle and a batch and still meet its SLO', () => {
    // Batch 8, duty 10 ms, 5 ms a batch, SLO 16 ms; 100 req/s = 1 request per window on average,
    // so windows close on time (10 ms after their first request) and run at once: 15 ms at most.
    expect(lateShares([{ rateRps: 100, batch: 8, sloMs: 16, serviceMs: fixed(5) }], 10)).toEqual([0]);
  });

  it("a batch-1 gpulet busy most of the time queues under bursts (the issue's BERT case)", () => {
    // 110 req/s at 6.7 ms a request is 74 % busy; SLO 22 ms leaves room for about two waiting.
    const [late] = lateShares([{ rateRps: 110, batch: 1, sloMs: 22, serviceMs: fixed(6.7) }], 7.38);
    expect(late).toBeGreaterThan(5 * LATE_SHARE);
  });

  it('the late share never falls when the rate rises (the same draws, scaled)', () => {
    let prev = 0;
    for (let rate = 20; rate <= 200; rate += 10) {
      const [late] = lateShares([{ rateRps: rate, batch: 2, sloMs: 30, serviceMs: (n) => 5 + 2 * n }], 12);
      expect(late).toBeGreaterThanOrEqual(prev);
      prev = late;
    }
    expect(prev).toBeGreaterThan(0.3);
  });

  it("time-shared tasks wait for each other's batches", () => {
    // Two tasks at 50 req/s, batch 4, duty 40 ms, 10 ms a batch: a request waits at most 40 ms for
    // its window, 10 for the other task's batch and 10 for its own: 60 ms. An 80 ms SLO holds; with
    // 45 ms every request that waits out its window (40 + 10 at least) is late.
    const load = (sloMs: number) => ({ rateRps: 50, batch: 4, sloMs, serviceMs: fixed(10) });
    expect(lateShares([load(80), load(80)], 40)).toEqual([0, 0]);
    expect(lateShares([load(45), load(45)], 40).every((x) => x > 0.1)).toBe(true);
  });
});

describe('plans that hold', () => {
  const ctx = loadContext();
  // The case: GoogLeNet, MobileNet-V2 and BERT at 110 req/s each on up to 4 GPUs.
  const mix: Workload = {
    name: 'mix',
    tasks: ['googlenet', 'mobilenet_v2', 'bert'].map((m) => ({
      task: m,
      model: m,
      rateRps: 110,
      sloMs: ctx.models[m].sloMs,
    })),
    app: null,
    appRateRps: 0,
    numGpus: 4,
    gpuType: null,
    arrival: { process: 'poisson' },
  };
  // Planned with the published constants (`--predictor paper`), which do not move when the simulated
  // GPU's truth is recalibrated: with the constants fitted to the current truth the plan without
  // burst-duty already gives BERT batch 2 at this rate, and the case does not arise.
  const violations = (fixes: typeof ALL_FIXES) => {
    const plan = planWorkload(mix, 'gpulet-int', ctx, { fixes, predictor: 'paper' });
    expect(plan.feasible).toBe(true);
    const runs = [1, 2, 3]
      .map((seed) => simulatePlan(mix, plan, ctx, { seed, durationS: 20, fixes }).slo_violation_pct)
      .sort((a, b) => a - b);
    return { plan, median: runs[1] };
  };

  it('without burst-duty the plan puts BERT on a batch-1 gpulet and breaks the SLO; with it the plan holds', () => {
    const without = violations(new Set(FIX_NAMES.filter((f) => f !== 'burst-duty')));
    const bert = without.plan.gpus.flatMap((g) => g.gpulets.flatMap((l) => l.models)).filter((a) => a.task === 'bert');
    expect(bert.map((a) => a.batch)).toEqual([1]);
    expect(without.median).toBeGreaterThan(1);
    expect(violations(ALL_FIXES).median).toBeLessThanOrEqual(1);
  });

  it('scen3 at 840 req/s: the 0.85 re-check left ResNet-50 planned at its mean rate; the check re-plans it', () => {
    const w = resolveWorkload('scen3', { rate: 840 });
    const plan = planWorkload(w, 'gpulet-int', ctx);
    const planned = plan.gpus
      .flatMap((g) => g.gpulets.flatMap((l) => l.models))
      .filter((a) => a.task === 'resnet50')
      .reduce((s, a) => s + a.rateRps, 0);
    expect(planned).toBeGreaterThan(1.05 * 280);
    const runs = [1, 2, 3]
      .map((seed) => simulatePlan(w, plan, ctx, { seed, durationS: 20 }).slo_violation_pct)
      .sort((a, b) => a - b);
    expect(runs[1]).toBeLessThanOrEqual(1);
  });
});
