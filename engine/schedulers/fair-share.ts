/**
 * Fix fair-share: what an overloaded system serves. When a demand does not plan, the artifact's
 * plan carries what its last attempt placed, so some tasks get all they ask and others nothing
 * (an app whose one stage is unplaced completes nothing). With the fix, the plan served is the one
 * for the largest common share f of every task's demand that plans (bisection over f, to 1/1024),
 * so each task is served in proportion to its demand. The plan stays marked infeasible, with its
 * shortfalls against the full demand.
 *
 * Only plans that are served go through here (`simulate`, `serve`, `schedule`): searches that only
 * ask whether a demand plans (max-rate searches, the sweep) never pay for the bisection. The
 * bisection asks `probe` (the same rules in one pass on all the GPUs, without the costly fallbacks:
 * work linear in the GPUs; an overloaded system uses them all anyway) and serves its plan.
 */
import type { Plan } from '../plan.ts';
import { shortfalls } from './elastic.ts';
import type { PlanInput, Scheduler } from './scheduler.ts';

/** Bisection steps: the share is found to 2^-10 of the demand. */
const STEPS = 10;

/** `plan` (the scheduler's for `input`) if feasible, else the plan for the largest common share that plans. */
export function fairShare(input: PlanInput, plan: Plan, probe: Scheduler): Plan {
  if (plan.feasible || input.demands.length === 0) return plan;
  let lo = 0;
  let hi = 1;
  let best: Plan | null = null;
  for (let i = 0; i < STEPS; i++) {
    const f = (lo + hi) / 2;
    const p = probe.plan(scaled(input, f));
    if (p.feasible) {
      lo = f;
      best = p;
    } else hi = f;
  }
  if (best === null) return plan;
  const sharePct = Math.floor(lo * 1000) / 10;
  return {
    ...best,
    feasible: false,
    reason: `${plan.reason ?? 'infeasible'}; serving ${sharePct} % of every task's demand (fix fair-share)`,
    shortfalls: shortfalls(best, input.demands),
  };
}

const scaled = (input: PlanInput, f: number): PlanInput => ({
  ...input,
  demands: input.demands.map((d) => ({ ...d, rateRps: d.rateRps * f })),
});
