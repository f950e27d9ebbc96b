/**
 * Medians and quantiles of small samples (seeds, windows, profile repetitions), in one place: the
 * median is d3-array's (the mean of the two middle values for an even count). The serving hot
 * path keeps its own streaming percentiles (metrics.ts).
 */
import { median as d3Median } from 'd3-array';

/** The median of `xs`; an empty sample is a bug, not a zero. */
export function median(xs: readonly number[]): number {
  const m = d3Median(xs);
  if (m === undefined) throw new RangeError('median of an empty sample');
  return m;
}

/**
 * The nearest-rank quantile: the smallest value with at least `q` (0..1) of the sample at or below
 * it (what the paper's CDF read-offs use; no interpolation).
 */
export function nearestRank(values: readonly number[], q: number): number {
  if (values.length === 0) throw new RangeError('quantile of an empty sample');
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}
