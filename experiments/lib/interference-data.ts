/**
 * The interference dataset and fit as data (used by `gpulet interference` and the fig6/fig10
 * studies): profile the paper's grid on the simulated GPU, the dataset CSV, the fit's document.
 */
import { colocationModel } from '../../sim/colocation.ts';
import type { LinearConstants } from '../../sim/interference.ts';
import { cdfSummaryPct, fitAndValidate, predict, type FitPoint } from '../../sim/interference-fit.ts';
import {
  DATASET_COLUMNS,
  datasetRow,
  paperGrid,
  profilePairs,
  type ProfilePoint,
} from '../../sim/interference-profile.ts';
import { defaultProfile } from '../../sim/profiles/latency.ts';
import { defaultUtilProfile } from '../../sim/profiles/util.ts';
import { toCsv } from './output.ts';

/** Decimals kept in the dataset CSV (features are fractions, the factor is near 1). */
const DATASET_DIGITS = 6;

/** Profile the paper's grid on the simulated GPU with the embedded RTX 2080 Ti profiles. */
export function profileGrid(seed: number, interference = 'truth'): ProfilePoint[] {
  return profilePairs(paperGrid(), {
    latency: defaultProfile(),
    util: defaultUtilProfile(),
    colocation: colocationModel(interference),
    seed,
  });
}

/** The dataset as CSV text, exactly as `interference profile --out` writes it. */
export function datasetCsv(points: readonly ProfilePoint[]): string {
  return toCsv(points.map(datasetRow), DATASET_COLUMNS, DATASET_DIGITS);
}

/** The fit's JSON document for `points` (as read back from CSV) split with `seed`. */
export function fitReport(points: readonly FitPoint[], seed: number) {
  const fit = fitAndValidate(points, seed);
  return {
    points: points.length,
    train_points: fit.numTrain,
    validation_points: fit.numValidation,
    constants: constantsJson(fit.constants),
    error_pct: cdfSummaryPct(fit.validationErrors),
    fit,
  };
}

/** c1..c5 by name. */
export function constantsJson(c: LinearConstants) {
  return { c1_l2_self: c[0], c2_l2_other: c[1], c3_dram_self: c[2], c4_dram_other: c[3], c5_constant: c[4] };
}

/** Relative errors of fixed constants `c` on `points`. */
export function errorsOf(c: LinearConstants, points: readonly FitPoint[]): number[] {
  return points.map((p) => Math.abs(predict(c, p.features) - p.factor) / p.factor);
}
