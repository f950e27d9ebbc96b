import { describe, expect, it } from 'vitest';
import type { Plan } from '../../engine/plan.ts';
import type { PlanInput } from '../../engine/schedulers/scheduler.ts';
import { GPULET_PARTS, SCHEDULERS, type SchedulerName } from '../../engine/schedulers/index.ts';
import { loadContext, planInput, resolveWorkload } from '../../experiments/lib/context.ts';
import { predictorByName } from '../../sim/predictors.ts';

/**
 * An independent check of a plan against its input: every rule is recomputed here from the plan's
 * numbers and the profile, not taken from the scheduler's own bookkeeping.
 */
function violations(plan: Plan, input: PlanInput): string[] {
  const out: string[] = [];
  // The schedulers compute in single precision as the artifact does: allow its rounding, 1e-6 relative.
  const EPS = 1e-6;
  const demand = new Map(input.demands.map((d) => [d.task, d]));
  const planned = new Map<string, number>();
  const sizes = new Set<number>(GPULET_PARTS);
  for (const g of plan.gpus) {
    const where = `gpu ${g.gpu}`;
    if (g.gpulets.length > 2) out.push(`${where}: ${g.gpulets.length} gpulets`);
    const sum = g.gpulets.reduce((s, l) => s + l.partitionPct, 0);
    if (sum > 100) out.push(`${where}: sizes sum to ${sum}`);
    for (const l of g.gpulets) {
      if (!sizes.has(l.partitionPct)) out.push(`${where}: size ${l.partitionPct}`);
      if (l.models.length > 3) out.push(`${where}: ${l.models.length} models on one gpulet`);
      let latencySum = 0;
      for (const a of l.models) {
        const d = demand.get(a.task);
        if (d === undefined) {
          out.push(`${where}: unknown task ${a.task}`);
          continue;
        }
        // The estimate can only be larger than the profiled latency plus batching cost (x1.1).
        const floor =
          1.1 *
          (input.latency.latencyMs(a.model, a.batch, l.partitionPct) + input.latency.batchOverheadMs(a.model, a.batch));
        if (a.latencyMs < floor * (1 - EPS))
          out.push(`${where}: ${a.task} latency ${a.latencyMs} below the profile's ${floor}`);
        if (l.dutyCycleMs + a.latencyMs > d.sloMs * (1 + EPS))
          out.push(`${where}: ${a.task} duty ${l.dutyCycleMs} + latency ${a.latencyMs} > SLO ${d.sloMs}`);
        if (a.batch < 1 || a.batch > 32 || !Number.isInteger(a.batch)) out.push(`${where}: ${a.task} batch ${a.batch}`);
        if (a.rateRps > ((1000 * a.batch) / l.dutyCycleMs) * (1 + EPS))
          out.push(`${where}: ${a.task} rate ${a.rateRps} above batch / duty`);
        latencySum += a.latencyMs;
        planned.set(a.task, (planned.get(a.task) ?? 0) + a.rateRps);
      }
      if (latencySum > l.dutyCycleMs * (1 + EPS))
        out.push(`${where}: summed latency ${latencySum} > duty ${l.dutyCycleMs}`);
    }
  }
  for (const d of input.demands) {
    const gap = d.rateRps - (planned.get(d.task) ?? 0);
    const reported = plan.shortfalls.find((s) => s.task === d.task)?.shortfallRps ?? 0;
    if (gap > 1e-9 && Math.abs(gap - reported) > 1e-6) out.push(`${d.task}: short by ${gap} but reported ${reported}`);
    if (gap <= 1e-9 && reported !== 0) out.push(`${d.task}: reported a shortfall of ${reported} without one`);
  }
  return out;
}

const ctx = loadContext();
const cases: Array<[string, SchedulerName, number]> = [];
const fractions = [0.15, 0.4, 0.7, 0.95];
// Rates around each scheduler's range on the embedded profile (Figure 12 scale).
const top: Record<string, number> = {
  game: 1800,
  traffic: 600,
  scen1: 3500,
  scen2: 1700,
  scen3: 2200,
  scen4: 1800,
  scen5: 2400,
};
for (const w of Object.keys(top))
  for (const s of ['temporal', 'temporal-nocheck', 'greedy', 'gpulet', 'gpulet-int'] as SchedulerName[])
    for (const f of fractions) cases.push([w, s, Math.round(top[w] * f)]);

describe('every feasible plan passes an independent validity check', () => {
  it.each(cases)('%s / %s at %i req/s', (w, s, rate) => {
    const input = planInput(resolveWorkload(w, { rate }), ctx, s === 'gpulet-int' ? predictorByName('paper') : null);
    const plan = SCHEDULERS[s]().plan(input);
    if (!plan.feasible) return; // infeasible is an answer; checked for its reason elsewhere
    expect(violations(plan, input)).toEqual([]);
  });

  it('the checker catches a broken plan', () => {
    const input = planInput(resolveWorkload('scen3', { rate: 600 }), ctx);
    const plan = SCHEDULERS.gpulet().plan(input);
    const broken: Plan = structuredClone(plan);
    broken.gpus[0].gpulets[0].partitionPct = 70;
    broken.gpus[0].gpulets[0].dutyCycleMs = 1;
    expect(violations(broken, input).length).toBeGreaterThan(1);
  });
});
