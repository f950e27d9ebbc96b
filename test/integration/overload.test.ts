/**
 * Fix fair-share: an overloaded (infeasible) plan serves every task a common share of its demand;
 * without it, the artifact's plan serves what its last attempt placed (some tasks nothing).
 */
import { describe, expect, it } from 'vitest';
import { ALL_FIXES, parseFixes } from '../../engine/schedulers/fixes.ts';
import { loadContext, planForServing, resolveWorkload, simulatePlan } from '../../experiments/lib/context.ts';

const ctx = loadContext();
const planned = (plan: ReturnType<typeof planForServing>) => {
  const by = new Map<string, number>();
  for (const g of plan.gpus)
    for (const l of g.gpulets) for (const a of l.models) by.set(a.task, (by.get(a.task) ?? 0) + a.rateRps);
  return by;
};

describe('overload: what fits is served to every task', () => {
  const w = resolveWorkload('scen3', { rate: 9000 }); // about 4x what 4 GPUs carry

  it('with fair-share every task is planned about the same share of its demand, and completes requests', () => {
    const plan = planForServing(w, 'gpulet-int', ctx, { fixes: ALL_FIXES });
    expect(plan.feasible).toBe(false);
    expect(plan.reason).toMatch(/serving [\d.]+ % of every task's demand \(fix fair-share\)/);
    const share = Number(/serving ([\d.]+) %/.exec(plan.reason ?? '')?.[1]) / 100;
    const by = planned(plan);
    for (const t of w.tasks) {
      // Each task carries at least the common share (its plan may round up, never below).
      expect(by.get(t.task) ?? 0).toBeGreaterThanOrEqual(share * t.rateRps * 0.999);
      expect(plan.shortfalls.find((s) => s.task === t.task)?.shortfallRps ?? 0).toBeGreaterThan(0);
    }
    const res = simulatePlan(w, plan, ctx, { seed: 1, durationS: 5 });
    for (const t of w.tasks) expect(res.models[t.task].completed).toBeGreaterThan(0);
    expect(res.requests.arrived).toBe(res.requests.completed + res.requests.dropped);
  });

  it("without it (the artifact's rule) some task is left with nothing", () => {
    const plan = planForServing(w, 'gpulet-int', ctx, { fixes: parseFixes('all,-fair-share') });
    const res = simulatePlan(w, plan, ctx, { seed: 1, durationS: 5 });
    expect(Math.min(...w.tasks.map((t) => res.models[t.task].completed))).toBe(0);
  });

  it('an application whose stages cannot all be placed completes requests with fair-share, none without', () => {
    const game = resolveWorkload('game', { rate: 2500 });
    const fair = planForServing(game, 'gpulet-int', ctx, { fixes: ALL_FIXES });
    const artifact = planForServing(game, 'gpulet-int', ctx, { fixes: parseFixes('all,-fair-share') });
    expect(fair.feasible).toBe(false);
    expect(simulatePlan(game, fair, ctx, { seed: 1, durationS: 5 }).requests.completed).toBeGreaterThan(0);
    expect(simulatePlan(game, artifact, ctx, { seed: 1, durationS: 5 }).requests.completed).toBe(0);
  });

  it('a feasible demand is planned as before (the fix only acts on infeasible plans)', () => {
    const ok = resolveWorkload('scen3', { rate: 600 });
    const a = planForServing(ok, 'gpulet-int', ctx, { fixes: ALL_FIXES });
    const b = planForServing(ok, 'gpulet-int', ctx, { fixes: parseFixes('all,-fair-share') });
    expect(a.feasible).toBe(true);
    expect(a).toEqual(b);
  });
});
