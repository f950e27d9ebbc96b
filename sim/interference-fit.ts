/**
 * Fitting the linear interference predictor of §4.4 (Choi et al.; docs/artifact.md#interference-model) to profiled points:
 * ordinary least squares for c1..c5 in
 *
 *   factor = c1 L2_self + c2 L2_other + c3 DRAM_self + c4 DRAM_other + c5
 *
 * on a seeded random 70 % of the points, and the error |predicted − measured| / measured of the
 * fitted predictor (clamped to >= 1, as the scheduler uses it) on the other 30 %. The paper used
 * 2,500 points, 1,750 for training and 750 for validation.
 *
 * Input is only the profiled dataset (features and measured factor, as read from CSV): the fit never
 * sees how the simulated GPU produced the factors.
 */
import { nearestRank } from '../engine/stats.ts';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InputError } from '../engine/errors.ts';
import type { LinearConstants } from './interference.ts';
import { fieldError, parseCsvRows, readNumber, readText } from './profiles/csv.ts';
import { streamRng } from './rng.ts';

/** One training point: the four features (fractions) and the measured slowdown factor. */
export interface FitPoint {
  readonly features: readonly [number, number, number, number];
  readonly factor: number;
}

/** Dataset CSV columns the fit reads (others, such as the models and latencies, are ignored). */
export const DATASET_FEATURE_COLUMNS = ['l2_self', 'l2_other', 'dram_self', 'dram_other'] as const;

/** Parse a profiled dataset (`gpulet interference profile` output). */
export function parseDataset(text: string, fileName: string): FitPoint[] {
  const rows = parseCsvRows(text, fileName, [...DATASET_FEATURE_COLUMNS, 'factor']);
  const frac = { what: 'a utilisation fraction 0..1', min: 0, max: 1 };
  return rows.map((row) => ({
    features: [
      readNumber(row, 'l2_self', fileName, frac),
      readNumber(row, 'l2_other', fileName, frac),
      readNumber(row, 'dram_self', fileName, frac),
      readNumber(row, 'dram_other', fileName, frac),
    ] as const,
    factor: readNumber(row, 'factor', fileName, { what: 'a positive slowdown factor', above: 0 }),
  }));
}

/**
 * Least squares: the c minimising sum (x·c − y)^2, with x = [features..., 1]. Solves the normal
 * equations by Gaussian elimination with partial pivoting (5 x 5; the features are fractions of
 * similar scale, so conditioning is not a concern). Throws if the features are collinear.
 */
export function leastSquares(points: readonly FitPoint[]): LinearConstants {
  const n = 5;
  const a = Array.from({ length: n }, () => new Array<number>(n + 1).fill(0));
  for (const p of points) {
    const x = [...p.features, 1];
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) a[i][j] += x[i] * x[j];
      a[i][n] += x[i] * p.factor;
    }
  }
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) pivot = r;
    if (!(Math.abs(a[pivot][col]) > 1e-12 * points.length)) {
      throw new InputError(
        `least squares: expected features that vary independently, got ${points.length} points with collinear features`,
      );
    }
    [a[col], a[pivot]] = [a[pivot], a[col]];
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const m = a[r][col] / a[col][col];
      for (let j = col; j <= n; j++) a[r][j] -= m * a[col][j];
    }
  }
  const c = a.map((row, i) => row[n] / row[i]);
  return [c[0], c[1], c[2], c[3], c[4]];
}

/** The fitted predictor's factor for one point: the linear form clamped to >= 1 (§5, `getInterference`). */
export function predict(c: LinearConstants, f: readonly [number, number, number, number]): number {
  const alpha = c[0] * f[0] + c[1] * f[1] + c[2] * f[2] + c[3] * f[3] + c[4];
  return alpha > 1 ? alpha : 1;
}

/** A seeded random split of `points` into train (the first `trainFraction`, rounded) and validation. */
export function splitPoints<T>(
  points: readonly T[],
  seed: number | string,
  trainFraction = 0.7,
): { train: T[]; validation: T[] } {
  const order = points.map((_, i) => i);
  const rng = streamRng(seed, 'interference-fit', 'split');
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const numTrain = Math.round(points.length * trainFraction);
  return {
    train: order.slice(0, numTrain).map((i) => points[i]),
    validation: order.slice(numTrain).map((i) => points[i]),
  };
}

export interface FitResult {
  readonly constants: LinearConstants;
  readonly numTrain: number;
  readonly numValidation: number;
  /** |predicted − measured| / measured on each validation point, in validation order. */
  readonly validationErrors: readonly number[];
}

/** Fit on a seeded 70 % and measure the error on the other 30 % (the paper's procedure). */
export function fitAndValidate(points: readonly FitPoint[], seed: number | string, trainFraction = 0.7): FitResult {
  const { train, validation } = splitPoints(points, seed, trainFraction);
  const constants = leastSquares(train);
  const validationErrors = validation.map((p) => Math.abs(predict(constants, p.features) - p.factor) / p.factor);
  return { constants, numTrain: train.length, numValidation: validation.length, validationErrors };
}

/** Value at quantile q (0..1) of `values`: the smallest value with at least q of the sample at or below it. */
export const quantile = nearestRank;

/** The percentiles both Figure 6 and Figure 10 are read at, in percent of the value. */
export function cdfSummaryPct(values: readonly number[]): {
  p50: number;
  p75: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
} {
  const at = (q: number) => quantile(values, q) * 100;
  return { p50: at(0.5), p75: at(0.75), p90: at(0.9), p95: at(0.95), p99: at(0.99), max: at(1) };
}

/** Columns of the fitted-constants file (one row per GPU type). */
export const CONSTANTS_COLUMNS = [
  'gpu',
  'c1_l2_self',
  'c2_l2_other',
  'c3_dram_self',
  'c4_dram_other',
  'c5_constant',
] as const;

/** Read fitted constants for `gpu` from a constants CSV (columns {@link CONSTANTS_COLUMNS}, plus provenance). */
export function parseConstants(text: string, fileName: string, gpu: string): LinearConstants {
  const rows = parseCsvRows(text, fileName, CONSTANTS_COLUMNS);
  const row = rows.find((r) => readText(r, 'gpu', fileName) === gpu);
  if (row === undefined)
    throw fieldError(rows[0], 'gpu', fileName, `a row for ${gpu}`, rows.map((r) => r.fields.gpu).join(' '));
  const num = (field: string) => readNumber(row, field, fileName, { what: 'a finite number' });
  return [num('c1_l2_self'), num('c2_l2_other'), num('c3_dram_self'), num('c4_dram_other'), num('c5_constant')];
}

let cachedFitted: LinearConstants | undefined;

/** The constants fitted from the simulator's profiled pairs (`data/rtx2080ti-interference-fitted.csv`). */
export function fittedRtx2080Ti(): LinearConstants {
  const url = new URL('./profiles/data/rtx2080ti-interference-fitted.csv', import.meta.url);
  cachedFitted ??= parseConstants(readFileSync(url, 'utf8'), fileURLToPath(url), 'rtx2080ti');
  return cachedFitted;
}
