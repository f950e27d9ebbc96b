import { describe, expect, it } from 'vitest';
import {
  errorPct,
  features,
  fitPredictor,
  leastSquares,
  leaveOneModelOut,
  PREDICTOR_NAMES,
  type PairPoint,
} from '../../sim/cpu-predictors.ts';

/** Five made-up models: solo ms per sample, GFLOP per sample, parameters. */
const MODELS = {
  a: { ms: 2, gflops: 1, params: 5e6 },
  b: { ms: 4, gflops: 4, params: 1e6 },
  c: { ms: 1, gflops: 0.2, params: 8e6 },
  d: { ms: 3, gflops: 2, params: 3e6 },
  e: { ms: 6, gflops: 3, params: 12e6 },
};
type M = keyof typeof MODELS;

/** Every ordered pair at batches 1 and 8, the slowdown from `truth`. */
function pairs(truth: (p: Omit<PairPoint, 'slowdown'>) => number): PairPoint[] {
  const out: PairPoint[] = [];
  for (const s of Object.keys(MODELS) as M[])
    for (const o of Object.keys(MODELS) as M[])
      for (const batch of [1, 8]) {
        const p = {
          self: s,
          other: o,
          batch,
          selfSoloMs: MODELS[s].ms * batch,
          otherSoloMs: MODELS[o].ms * batch,
          selfGflops: MODELS[s].gflops,
          otherGflops: MODELS[o].gflops,
          selfParams: MODELS[s].params,
          otherParams: MODELS[o].params,
        };
        out.push({ ...p, slowdown: truth(p) });
      }
  return out;
}

describe('CPU co-location predictors', () => {
  it('leastSquares solves an exact system', () => {
    const a = [
      [1, 0, 1],
      [0, 1, 1],
      [1, 1, 1],
      [2, 1, 1],
    ];
    const x = leastSquares(
      a,
      a.map((r) => 2 * r[0] - 3 * r[1] + 0.5 * r[2]),
    );
    expect(x.map((v) => Math.round(v * 1e6) / 1e6)).toEqual([2, -3, 0.5]);
  });

  it('features: compute rate (GFLOP/ms) and weight traffic (MB/ms) per side, then log batch', () => {
    const [p] = pairs(() => 1.1);
    // a at batch 1: 1 GFLOP / 2 ms; 5e6 params x 4 bytes = 20 MB / 2 ms.
    expect(features(p)).toEqual([0.5, 10, 0.5, 10, 0]);
  });

  it('none predicts 1, so its error is the overhead itself', () => {
    const pts = pairs(() => 1.25);
    expect(fitPredictor('none', pts)(pts[0])).toBe(1);
    expect(errorPct(1, 1.25)).toBeCloseTo(20, 10);
  });

  it('each predictor recovers data of its own form, held out model by model', () => {
    // Linear in the features: the linear predictor fits it exactly, none does not.
    const linear = leaveOneModelOut(
      pairs((p) => {
        const f = features({ ...p, slowdown: 1 });
        return 1 + 0.01 * f[0] + 0.005 * f[1] + 0.02 * f[2] + 0.004 * f[3] + 0.05;
      }),
    );
    expect(Math.max(...linear.linear)).toBeLessThan(0.5);
    expect(Math.max(...linear.none)).toBeGreaterThan(5);
    // The same slowdown for the same features: the nearest neighbours of a held-out point are not
    // it, so k-NN is approximate; it still beats no predictor on a smooth truth.
    const median = (xs: number[]) => [...xs].sort((u, v) => u - v)[Math.floor(xs.length / 2)];
    expect(median(linear.knn)).toBeLessThan(median(linear.none));
    // Per held-out model: its 5 pairs as self and 5 as other, less (m, m) counted twice, at 2 batches.
    for (const n of PREDICTOR_NAMES) expect(linear[n].length).toBe(5 * (5 + 5 - 1) * 2);
  });

  it('leave-one-model-out never trains on the held-out model', () => {
    // A truth where model c alone interferes: trained without c, no predictor can know.
    const pts = pairs((p) => (p.other === 'c' ? 1.5 : 1));
    const errs = leaveOneModelOut(pts);
    // Points with other = c are tested when c is held out (no c in training: predicts ~1, error 33 %).
    expect(Math.max(...errs.linear)).toBeGreaterThan(30);
  });
});
