/**
 * Confidence intervals across seeds: a two-sided 95 % Student-t interval of the mean. With three
 * seeds the half-width is 4.30 standard errors, which is wide, and honestly so.
 */

/** Two-sided 97.5 % quantiles of Student's t, by degrees of freedom 1..30. */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

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
  const half = (T975[Math.min(n - 1, T975.length) - 1] ?? 1.96) * (sd / Math.sqrt(n));
  return { mean, lo: Math.max(mean - half, opts.min ?? -Infinity), hi: mean + half, n };
}
