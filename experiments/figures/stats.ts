/**
 * Confidence intervals across seeds: a two-sided 95 % Student-t interval of the mean. With three
 * seeds the half-width is t(0.975, 2) = 4.30 standard errors, which is wide, and honestly so.
 */

import jstat from 'jstat';

export interface MeanCi {
  mean: number;
  /** 95 % interval of the mean; equal to the mean with one value. */
  lo: number;
  hi: number;
  n: number;
}

/**
 * Mean and 95 % t-interval of `xs` (at least one value). The interval is cut at `min` (0 for
 * rates and percentages, which a 3-seed interval's lower end can otherwise pass).
 */
export function meanCi(xs: readonly number[], opts: { min?: number } = {}): MeanCi {
  const n = xs.length;
  if (n === 0) throw new Error('meanCi: expected at least one value, got none');
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { mean, lo: mean, hi: mean, n };
  const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1));
  // The exact 97.5 % quantile of Student's t with n - 1 degrees of freedom (jstat), for any n.
  const half = jstat.jStat.studentt.inv(0.975, n - 1) * (sd / Math.sqrt(n));
  return { mean, lo: Math.max(mean - half, opts.min ?? -Infinity), hi: mean + half, n };
}
