/**
 * Calibrating the ground truth (sim/interference-truth.ts) to Figure 6 of Choi et al. (§3.4;
 * docs/artifact.md#interference-model): a seeded, deterministic search over the knobs {@link KNOBS} marks as searched,
 * whose one objective is how far the co-location overhead CDF over the paper's grid, measured by
 * the profiler exactly as the fig6 study measures it, lies from the percentiles read off the paper.
 * Nothing about the linear predictor or its error enters the objective.
 *
 * Objective: Σ_k w_k · ln(ours_k / paper_k)² over k = p50, p75, p90, p95 (w = 1), p99 (w = 1/2) and
 * max (w = 1/4; one point, the noisiest). Search, in the unit cube of the searched knobs (log scale
 * where the knob spans decades): `numStarts` seeded random points (the first is the centre), then a
 * compass search from the best of them: try ± step on each knob in turn, keep any improvement, halve
 * the step after a sweep without one, stop at the minimum step or after `budget` evaluations.
 */
import type { LatencyModel } from '../engine/types.ts';
import { cdfSummaryPct } from './interference-fit.ts';
import { paperGrid, profilePairs, type Pair } from './interference-profile.ts';
import { ContentionTruth } from './interference-truth.ts';
import { KNOB_NAMES, KNOBS, type ContentionParams, type KnobName } from './interference-truth-params.ts';
import type { UtilProfile } from './profiles/util.ts';
import { streamRng } from './rng.ts';

/** Figure 6 read off the paper (docs/artifact.md#interference-model), overhead in percent: the calibration's target. */
export const PAPER_FIG6_PCT = { p50: 4.4, p75: 10.8, p90: 17.7, p95: 25, p99: 38, max: 60 } as const;

export type Fig6Pct = Record<keyof typeof PAPER_FIG6_PCT, number>;

/** Weight of each percentile in the objective (the module comment says why). */
export const OBJECTIVE_WEIGHTS: Readonly<Fig6Pct> = { p50: 1, p75: 1, p90: 1, p95: 1, p99: 0.5, max: 0.25 };

/** Smallest overhead percentile the log-ratio reads (a zero overhead would make it infinite). */
const FLOOR_PCT = 1e-3;

/** The objective for reached percentiles `ours` (0 = Figure 6 exactly). */
export function fig6Objective(ours: Readonly<Fig6Pct>): number {
  let sum = 0;
  for (const k of Object.keys(PAPER_FIG6_PCT) as Array<keyof Fig6Pct>)
    sum += OBJECTIVE_WEIGHTS[k] * Math.log(Math.max(ours[k], FLOOR_PCT) / PAPER_FIG6_PCT[k]) ** 2;
  return sum;
}

export interface CalibrateOptions {
  latency: LatencyModel;
  util: UtilProfile;
  /** Seed of the profiling runs (the run-time noise) and of the random starts. */
  seed: number;
  /** Most objective evaluations (one profile of the grid each). */
  budget: number;
  /** Seeded random starting points evaluated before the compass search. @default 12 */
  numStarts?: number;
  /** Initial compass step in the unit cube. @default 0.25 */
  initialStep?: number;
  /** The search stops when the step falls below this. @default 1 / 128 */
  minStep?: number;
  /** Pairs profiled per evaluation. @default the paper's grid (1,250 pairs) */
  pairs?: readonly Pair[];
  /** Called after each evaluation with the count so far and the best objective. */
  onEvaluation?: (done: number, bestObjective: number) => void;
}

export interface CalibrateResult {
  readonly params: ContentionParams;
  /** The Figure 6 percentiles the calibrated truth reaches on the profiled grid, percent. */
  readonly reached: Fig6Pct;
  readonly objective: number;
  readonly evaluations: number;
  /** The compass step fell below minStep (a local optimum at that resolution); false: the budget ran out first. */
  readonly converged: boolean;
}

/** The searched knobs, in {@link KNOBS} order. */
export const SEARCHED_KNOBS: readonly KnobName[] = KNOB_NAMES.filter((k) => KNOBS[k].searched);

/** Knob values for a point `u` of the unit cube (one coordinate per searched knob). */
export function paramsAt(u: readonly number[]): ContentionParams {
  const out: Partial<Record<KnobName, number>> = {};
  for (const k of KNOB_NAMES) {
    const s = KNOBS[k];
    const i = SEARCHED_KNOBS.indexOf(k);
    if (i < 0) {
      out[k] = s.fixed ?? s.low;
      continue;
    }
    const x = Math.min(1, Math.max(0, u[i]));
    out[k] = s.log ? s.low * (s.high / s.low) ** x : s.low + (s.high - s.low) * x;
  }
  return out as ContentionParams;
}

/** Overhead percentiles of the truth with `params` over `pairs`, profiled with `seed` (as fig6 measures). */
export function measureFig6(
  params: ContentionParams,
  o: Pick<CalibrateOptions, 'latency' | 'util' | 'seed' | 'pairs'>,
): Fig6Pct {
  const points = profilePairs(o.pairs ?? paperGrid(), {
    latency: o.latency,
    util: o.util,
    colocation: new ContentionTruth(o.util, params),
    seed: o.seed,
  });
  return cdfSummaryPct(points.map((p) => p.factor - 1));
}

/** Search the knobs for the truth whose overhead CDF is closest to Figure 6 (module comment). */
export function calibrate(o: CalibrateOptions): CalibrateResult {
  const n = SEARCHED_KNOBS.length;
  let evaluations = 0;
  let best = { u: new Array<number>(n).fill(0.5), objective: Number.POSITIVE_INFINITY, reached: {} as Fig6Pct };
  const evaluate = (u: readonly number[]): boolean => {
    if (evaluations >= o.budget) return false;
    const reached = measureFig6(paramsAt(u), o);
    const objective = fig6Objective(reached);
    evaluations++;
    const improved = objective < best.objective;
    if (improved) best = { u: [...u], objective, reached };
    o.onEvaluation?.(evaluations, best.objective);
    return improved;
  };
  const rng = streamRng(o.seed, 'interference-calibrate', 'starts');
  const numStarts = o.numStarts ?? 12;
  for (let s = 0; s < numStarts; s++) evaluate(s === 0 ? new Array<number>(n).fill(0.5) : best.u.map(() => rng()));
  let step = o.initialStep ?? 0.25;
  const minStep = o.minStep ?? 1 / 128;
  while (step >= minStep && evaluations < o.budget) {
    let improvedThisSweep = false;
    for (let i = 0; i < n; i++) {
      for (const sign of [1, -1]) {
        const u = [...best.u];
        u[i] = Math.min(1, Math.max(0, u[i] + sign * step));
        if (u[i] === best.u[i]) continue;
        if (evaluate(u)) {
          improvedThisSweep = true;
          break;
        }
      }
    }
    if (!improvedThisSweep) step /= 2;
  }
  return {
    params: Object.freeze(paramsAt(best.u)),
    reached: best.reached,
    objective: best.objective,
    evaluations,
    converged: step < minStep,
  };
}
