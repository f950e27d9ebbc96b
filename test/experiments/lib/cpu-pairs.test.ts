/**
 * How sure the CPU predictor comparison is (experiments/lib/cpu-pairs.ts): the bootstrap of each
 * predictor's p90 and the measurement's own noise from the solo retest.
 */
import { describe, expect, it } from 'vitest';
import {
  BOOTSTRAP_RESAMPLES,
  bootstrapP90,
  noiseRow,
  predictorTable,
  retestNoisePct,
} from '../../../experiments/lib/cpu-pairs.ts';
import { PREDICTOR_NAMES, type CpuPredictorName } from '../../../sim/cpu-predictors.ts';

const errorsOf = (f: (name: CpuPredictorName, i: number) => number, n = 40) =>
  Object.fromEntries(PREDICTOR_NAMES.map((p) => [p, Array.from({ length: n }, (_, i) => f(p, i))])) as Record<
    CpuPredictorName,
    number[]
  >;

describe('bootstrapP90', () => {
  it('a predictor better on every point is the lowest in every resample', () => {
    // none: errors 0..39; the others 50 more on each point, so any resample ranks none first.
    const b = bootstrapP90(errorsOf((p, i) => (p === 'none' ? i : i + 50)));
    expect(b.none.best_share).toBe(1);
    for (const p of PREDICTOR_NAMES.filter((x) => x !== 'none')) expect(b[p].best_share).toBe(0);
    // A resample's p90 is one of the sample's values: none's interval lies within 0..39.
    expect(b.none.p90_lo).toBeGreaterThanOrEqual(0);
    expect(b.none.p90_hi).toBeLessThanOrEqual(39);
    expect(b.none.p90_lo).toBeLessThanOrEqual(b.none.p90_hi);
  });

  it('a constant error has a point interval', () => {
    const b = bootstrapP90(errorsOf((p) => (p === 'knn' ? 7 : 9)));
    expect([b.knn.p90_lo, b.knn.p90_hi]).toEqual([7, 7]);
    expect([b.linear.p90_lo, b.linear.p90_hi]).toEqual([9, 9]);
    expect(b.knn.best_share).toBe(1);
  });

  it('identical predictors split nothing: ties go to the first, and the shares sum to 1', () => {
    const b = bootstrapP90(errorsOf((_, i) => (i * 7) % 13));
    expect(b[PREDICTOR_NAMES[0]].best_share).toBe(1);
    expect(PREDICTOR_NAMES.reduce((a, p) => a + b[p].best_share, 0)).toBe(1);
  });

  it('is seeded: the same seed gives the same intervals, over BOOTSTRAP_RESAMPLES resamples', () => {
    const e = errorsOf((p, i) => ((i * 37 + p.length * 11) % 23) + (p === 'igniter' ? 1 : 0));
    expect(bootstrapP90(e, 5)).toEqual(bootstrapP90(e, 5));
    const b = bootstrapP90(e, 5);
    // Shares are counts of resamples over BOOTSTRAP_RESAMPLES.
    for (const p of PREDICTOR_NAMES)
      expect(Number.isInteger(Math.round(b[p].best_share * BOOTSTRAP_RESAMPLES))).toBe(true);
  });
});

describe('the measurement noise (solo retest)', () => {
  it('is |retest - 1| in percent, over the points that have one', () => {
    const noise = retestNoisePct([
      { solo_retest: 1.05 },
      { solo_retest: 0.9 },
      { solo_retest: null },
      { solo_retest: '' },
      { solo_retest: '1.02' },
    ]);
    expect(noise.map((x) => Math.round(x * 1e9) / 1e9)).toEqual([5, 10, 2]);
  });

  it('summarises as a `noise` row by nearest rank, and none without retests', () => {
    // Sorted 2, 5, 10: p50 is the 2nd (5), p75, p90, p95 and max the 3rd (10).
    expect(noiseRow([5, 10, 2])).toEqual([
      { predictor: 'noise', points: 3, p50: 5, p75: 10, p90: 10, p95: 10, max: 10 },
    ]);
    expect(noiseRow([])).toEqual([]);
  });

  it('prints beside the predictors', () => {
    const summary = [
      {
        predictor: 'none' as const,
        points: 3,
        p50: 1,
        p75: 2,
        p90: 3,
        p95: 4,
        max: 5,
        p90_lo: 2,
        p90_hi: 4,
        best_share: 0.75,
      },
    ];
    const text = predictorTable(summary, noiseRow([5, 10, 2]));
    expect(text).toContain('noise of one round (solo retest)');
    expect(text).toContain('2-4');
    expect(text).toContain('75 %');
  });
});
