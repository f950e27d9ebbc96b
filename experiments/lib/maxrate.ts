/**
 * Maximum achievable (SLO-preserving) throughput, the paper's procedure (§5.2, docs/artifact.md#figure-12-maximum-throughput):
 * raise the total rate in steps of 10 req/s until it fails and report the last rate before the
 * first failure. A rate fails when the scheduler calls it infeasible (`plan`), or also when 20 s
 * of Poisson load at that rate simulates with more than 1 % SLO violations, drops counted, median
 * of 3 seeds (`slo`).
 *
 * Feasibility is not monotone in rate (the artifact's scheduler fails at some rates below its
 * maximum), so the search is a linear scan: bisection could return a different answer. Two exact
 * shortcuts keep it fast: plans are computed once per rate, and the third seed is simulated only
 * when the first two disagree (the median of three is decided by two that agree).
 */
import { median } from '../../engine/stats.ts';
import { gpusUsed, type Plan } from '../../engine/plan.ts';
import { round } from '../../engine/metrics.ts';
import type { Workload } from '../../sim/workload.ts';
import { planWorkload, resolveWorkload, simulatePlan, type Context } from './context.ts';
import { checkRunSize, type RunLimits } from '../../sim/limits.ts';
import type { ColocationModel } from '../../sim/gpu.ts';
import type { Fixes } from '../../engine/schedulers/fixes.ts';

export type Criterion = 'slo' | 'plan';
/**
 * `up`: the paper's text and our default: raise the rate until the first failure.
 * `down`: the artifact's peak-search scripts (execScheduler_PeakSearch.sh,
 * readnPrintPSSchedulingResults.py): plan every rate, then take the highest plan-feasible rates
 * first and keep the first that also meets the SLO bound.
 */
export type Search = 'up' | 'down';

/**
 * The down search stops planning after this many infeasible rates in a row (900 req/s for scen3's
 * default step). With fix fill-holes a plan that fails has already been tried for up to 20 % more
 * demand, so a long run of failures means the rates above are out of reach.
 */
export const DOWN_SCAN_GAP = 30;

/** Both searches give up above this rate unless told otherwise ({@link MaxRateOptions.maxRps}). */
export const SEARCH_LIMIT_RPS = 20_000;

export interface MaxRateOptions {
  /** A built-in name, a JSON file, or a workload value (its rates are scaled to each rate tried). */
  workload: string | Workload;
  scheduler: string;
  criterion: Criterion;
  /** @default 'up' */
  search?: Search;
  gpus?: number;
  /** Rate step, req/s. @default {@link defaultStepRps} */
  stepRps?: number;
  /** Give up above this rate. @default {@link SEARCH_LIMIT_RPS} */
  maxRps?: number;
  /** Seconds of load per simulation. @default 20 */
  durationS?: number;
  /** Seeds of the simulations; the median violation % decides. @default [1, 2, 3] */
  seeds?: readonly number[];
  /** Violation bound, percent. @default 1 */
  boundPct?: number;
  predictor?: string;
  /** Scheduler fixes in force. @default all */
  fixes?: Fixes;
  /** Plan with this instead of the named scheduler (in-process studies, e.g. a fixed layout). */
  plan?: (w: Workload) => Plan;
  colocation?: () => ColocationModel;
  /** Called with each rate tried. */
  onRate?: (rateRps: number) => void;
  /** Bounds on each simulation (sim/limits.ts). @default the work limits */
  limits?: RunLimits;
  /** Plan on more GPUs than the work limit allows (`--allow-slow`). */
  allowSlow?: boolean;
}

export interface MaxRateResult {
  workload: string;
  scheduler: string;
  criterion: Criterion;
  search: Search;
  /** Up: the last rate before the first failure (0 if the first step fails). Down: the highest passing rate. */
  max_rate_rps: number;
  /** Up: the first failing rate. Down: the lowest rate above max_rate_rps that was tried and failed (or planned infeasible). */
  first_failure_rps: number;
  /** Why first_failure_rps failed. */
  failure: string;
  /** Median violation % at max_rate_rps (null for the plan criterion). */
  slo_violation_pct: number | null;
  /** GPUs the plan at max_rate_rps uses. */
  gpus: number;
}

/** Violation % for each seed, simulating the third only if needed to decide the median vs `bound`. */
function violations(w: Workload, plan: Plan, ctx: Context, opts: MaxRateOptions, all: boolean): number[] {
  const seeds = opts.seeds ?? [1, 2, 3];
  const bound = opts.boundPct ?? 1;
  const out: number[] = [];
  for (const seed of seeds) {
    const pct = simulatePlan(w, plan, ctx, {
      seed,
      durationS: opts.durationS ?? 20,
      colocation: opts.colocation?.(),
      fixes: opts.fixes,
    }).slo_violation_pct;
    out.push(pct);
    if (all || out.length < 2) continue;
    const over = out.filter((p) => p > bound).length;
    const under = out.length - over;
    const need = Math.floor(seeds.length / 2) + 1;
    if (over >= need || under >= need) break;
  }
  return out;
}

/**
 * The artifact's rate grid: its scenario generators raise every model's rate by 10 req/s per file
 * (createMultiModelScenConfigs.py; the paper's Figure 12 maxima are all on this grid), so the total
 * steps by 10 x the number of models; an application's rate steps by 10.
 */
export function defaultStepRps(w: Workload): number {
  return w.app ? 10 : 10 * w.tasks.length;
}

/** The paper's maximum-rate search for one workload and scheduler. */
export function maxRate(opts: MaxRateOptions, ctx: Context): MaxRateResult {
  // Bounded work: the simulation at the highest rate the search may reach.
  const limit = opts.maxRps ?? SEARCH_LIMIT_RPS;
  if (opts.criterion === 'slo') {
    const durationS = opts.durationS ?? 20;
    const top = resolveWorkload(opts.workload, { rate: limit, gpus: opts.gpus, ctx });
    checkRunSize(
      top,
      { load: null, durationS, durationGiven: true, note: ` at ${limit} req/s, where the search ends`, fixed: true },
      opts.limits,
    );
  }
  return (opts.search ?? 'up') === 'up' ? searchUp(opts, ctx) : searchDown(opts, ctx);
}

interface Candidate {
  rate: number;
  plan: Plan;
  w: Workload;
}

function candidate(opts: MaxRateOptions, ctx: Context, rate: number): Candidate {
  const w = resolveWorkload(opts.workload, { rate, gpus: opts.gpus, ctx });
  const plan = opts.plan
    ? opts.plan(w)
    : planWorkload(w, opts.scheduler, ctx, { predictor: opts.predictor, fixes: opts.fixes, allowSlow: opts.allowSlow });
  return { rate, w, plan };
}

/** Why a planned-feasible candidate fails the SLO criterion, or null if it passes. */
function sloFailure(c: Candidate, ctx: Context, opts: MaxRateOptions): string | null {
  if (opts.criterion !== 'slo') return null;
  const bound = opts.boundPct ?? 1;
  const v = median(violations(c.w, c.plan, ctx, opts, false));
  return v > bound ? `median SLO violations ${round(v, 3)} % > ${bound} %` : null;
}

function result(
  opts: MaxRateOptions,
  ctx: Context,
  best: Candidate | null,
  firstFailure: number,
  failure: string,
): MaxRateResult {
  const atMax = best && opts.criterion === 'slo' ? median(violations(best.w, best.plan, ctx, opts, true)) : null;
  return {
    workload: typeof opts.workload === 'string' ? opts.workload : opts.workload.name,
    scheduler: opts.scheduler,
    criterion: opts.criterion,
    search: opts.search ?? 'up',
    max_rate_rps: best?.rate ?? 0,
    first_failure_rps: firstFailure,
    failure,
    slo_violation_pct: atMax === null ? null : round(atMax, 4),
    gpus: best ? gpusUsed(best.plan) : 0,
  };
}

function stepOf(opts: MaxRateOptions, ctx: Context): number {
  return opts.stepRps ?? defaultStepRps(resolveWorkload(opts.workload, { ctx }));
}

function searchUp(opts: MaxRateOptions, ctx: Context): MaxRateResult {
  const step = stepOf(opts, ctx);
  const limit = opts.maxRps ?? SEARCH_LIMIT_RPS;
  let last: Candidate | null = null;
  for (let rate = step; rate <= limit; rate += step) {
    opts.onRate?.(rate);
    const c = candidate(opts, ctx, rate);
    const why = c.plan.feasible ? sloFailure(c, ctx, opts) : `plan infeasible: ${c.plan.reason}`;
    if (why !== null) return result(opts, ctx, last, rate, why);
    last = c;
  }
  return result(opts, ctx, last, limit + step, `no failure up to ${limit} req/s`);
}

function searchDown(opts: MaxRateOptions, ctx: Context): MaxRateResult {
  const step = stepOf(opts, ctx);
  const limit = opts.maxRps ?? SEARCH_LIMIT_RPS;
  const feasible: number[] = [];
  let gap = 0;
  for (let rate = step; rate <= limit && gap < DOWN_SCAN_GAP; rate += step) {
    opts.onRate?.(rate);
    if (candidate(opts, ctx, rate).plan.feasible) {
      feasible.push(rate);
      gap = 0;
    } else gap++;
  }
  for (const rate of feasible.reverse()) {
    const c = candidate(opts, ctx, rate);
    if (sloFailure(c, ctx, opts) !== null) continue;
    // Why the next rate up fails: planned infeasible, or (tried before this one) over the bound.
    const next = candidate(opts, ctx, rate + step);
    const why = next.plan.feasible
      ? (sloFailure(next, ctx, opts) ?? 'passes (not reached)')
      : `plan infeasible: ${next.plan.reason}`;
    return result(opts, ctx, c, rate + step, why);
  }
  return result(
    opts,
    ctx,
    null,
    step,
    feasible.length === 0 ? 'no plan-feasible rate' : 'no plan-feasible rate meets the SLO bound',
  );
}

export interface ServedMaxResult {
  /** The rate the plan was made for. */
  plan_rate_rps: number;
  /** Highest load (plan_rate + k steps) served within the bound, median of seeds deciding; 0 if plan_rate itself fails. */
  served_max_rps: number;
  /** The same per seed alone. */
  seeds_rps: number[];
}

/**
 * How much load the plan made for `planRateRps` actually carries: serve that one plan at rising
 * loads (the rate step at a time, up to 2 x the plan's rate) until the median of the seeds exceeds
 * the bound, and per seed alone. Where the maximum-rate search stops because the next rate does not
 * plan, this is bounded by simulated violations instead, so seeds differ and intervals mean
 * something.
 */
export function servedMax(
  opts: Omit<MaxRateOptions, 'criterion' | 'search'> & { planRateRps: number },
  ctx: Context,
): ServedMaxResult {
  const step = stepOf({ ...opts, criterion: 'slo' }, ctx);
  const seeds = opts.seeds ?? [1, 2, 3];
  const bound = opts.boundPct ?? 1;
  const plan = candidate({ ...opts, criterion: 'slo' }, ctx, opts.planRateRps).plan;
  const none = { plan_rate_rps: opts.planRateRps, served_max_rps: 0, seeds_rps: seeds.map(() => 0) };
  if (!plan.feasible || opts.planRateRps <= 0) return none;
  const last = seeds.map(() => 0);
  const alive = seeds.map(() => true);
  let medianMax = 0;
  let medianAlive = true;
  for (
    let load = opts.planRateRps;
    load <= 2 * opts.planRateRps && (medianAlive || alive.some((a) => a));
    load += step
  ) {
    const w = resolveWorkload(opts.workload, { rate: load, gpus: opts.gpus, ctx });
    const pcts = seeds.map((seed, i) =>
      alive[i] || medianAlive
        ? simulatePlan(w, plan, ctx, {
            seed,
            durationS: opts.durationS ?? 20,
            colocation: opts.colocation?.(),
            fixes: opts.fixes,
          }).slo_violation_pct
        : Infinity,
    );
    pcts.forEach((p, i) => {
      if (!alive[i]) return;
      if (p > bound) alive[i] = false;
      else last[i] = load;
    });
    if (medianAlive) {
      if (median(pcts) > bound) medianAlive = false;
      else medianMax = load;
    }
  }
  return { plan_rate_rps: opts.planRateRps, served_max_rps: medianMax, seeds_rps: last };
}
