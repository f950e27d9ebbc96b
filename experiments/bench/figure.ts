/** What a benchmark reports: one figure, its unit, and the target it is held to, if any. */
export interface Figure {
  key: string;
  value: number;
  unit: string;
  /** Target and whether larger is better. */
  target?: { value: number; higherIsBetter: boolean };
  note: string;
}

/** Median of `n` timed runs of `fn`, ms. */
export function timeMs(n: number, fn: () => void): number {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[Math.floor(n / 2)];
}
