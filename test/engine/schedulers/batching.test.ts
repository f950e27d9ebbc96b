import { describe, expect, it } from 'vitest';
import { SchedContext, poissonP99, probeSearch } from '../../../engine/schedulers/batching.ts';
import { CONFIGS } from '../../../engine/schedulers/index.ts';
import { emptyNode } from '../../../engine/schedulers/state.ts';
import { fakeLatency } from '../../helpers.ts';

describe('probeSearch (the artifact getMaxBatch binary search)', () => {
  it.each([
    [0, [16, 8, 4, 2, 1], 0],
    [1, [16, 8, 4, 2, 1], 1],
    [2, [16, 8, 4, 2, 3], 2],
    [5, [16, 8, 4, 6, 5], 5],
    [8, [16, 8, 12, 10, 9], 8],
    [16, [16, 24, 20, 18, 17], 16],
    [23, [16, 24, 20, 22, 23], 23],
    [31, [16, 24, 28, 30, 31], 31],
    [32, [16, 24, 28, 30, 31], 31], // batch 32 is never probed, as coded
  ])('with ok(b) = b <= %i probes %j and returns %i', (k, probes, result) => {
    const seen: number[] = [];
    const got = probeSearch((b) => {
      seen.push(b);
      return b <= k;
    });
    expect(seen).toEqual(probes);
    expect(got).toBe(result);
  });
});

describe('poissonP99 (the artifact return99P rate provisioning)', () => {
  it.each([
    [5, 13],
    [10, 19],
    [20, 32],
    [50, 68],
    [100, 125],
    [200, 235],
    [400, 448],
    [550, 606],
    [551, 606],
    [600, 660],
    [1000, 1100],
  ])('provisions mean %i as %i', (mean, p99) => {
    expect(poissonP99(mean)).toBe(p99);
  });

  it('terminates for small means (the artifact loops forever) and keeps 0 at 0', () => {
    expect(poissonP99(0)).toBe(0);
    // Mean 2: P(X <= 6) = 0.9955 is the first cumulative >= 0.99 with P(0) included: 6 + 1.
    expect(poissonP99(2)).toBe(7);
  });
});

// A model whose raw latency is 2 + b ms at every size, no batching overhead; SLO 40 ms.
const lat = fakeLatency((_m, b, p) => (2 + b) * (100 / p) ** 0.5);
const ctxOf = (name: 'temporal' | 'gpulet') =>
  new SchedContext(
    CONFIGS[name],
    lat,
    null,
    () => 100,
    () => 0,
  );
const A = { model: 'A', sloMs: 40 };

describe('saturate and residue batches (docs/artifact.md#scheduling-saturate-and-residue-gpulets)', () => {
  it('saturate batch: largest b with 2 x 1.1 x L(b) <= SLO', () => {
    // 2.2 (2 + b) <= 40  =>  b <= 16.18  =>  16; throughput 16000 / (1.1 x 18) = 808.08 req/s
    const s = ctxOf('temporal').sat(A, 100);
    expect(s.batch).toBe(16);
    expect(s.throughputRps).toBe(Math.fround(16000 / Math.fround(18 * Math.fround(1.1)))); // single precision, as the artifact
  });

  it('residue batch for 291 req/s: largest b with 1.1 L(b) + 1000 b / r <= SLO', () => {
    // 2.2 + 1.1 b + 3.436 b <= 40  =>  b <= 8.33  =>  8
    const r = ctxOf('temporal').maxBatch(A, emptyNode(0, 100), null, 291, true, false);
    expect(r).toEqual({ batch: 8, rateRps: 291 });
  });

  it('residue corner case: no batch fits, batch 1 at a raised rate', () => {
    // SLO 20, L(1) = 3.3 ms estimated, rate 10: 3.3 + 100 > 20 for every b, but 3.3 < 100 and < 20:
    // rate := trunc(1000 / (20 - 3.3) x 1.1) = trunc(65.87) = 65
    const r = ctxOf('temporal').maxBatch({ model: 'A', sloMs: 20 }, emptyNode(0, 100), null, 10, true, false);
    expect(r).toEqual({ batch: 1, rateRps: 65 });
  });
});

describe('p_eff and p_req (docs/artifact.md#scheduling-saturate-and-residue-gpulets, worked on a hand-made curve)', () => {
  // L scales with sqrt(100/p): at 20 % it is 2.236x, at 40 % 1.581x, 50 % 1.414x, 60 % 1.291x, 80 % 1.118x.
  it('p_eff is the high end of the pair with the best throughput gain per percent', () => {
    const ctx = ctxOf('gpulet');
    const t = (p: number) => ctx.sat(A, p).throughputRps;
    // Compute every pair's gain by hand from the saturate table, excluding (80, 100).
    const pairs: Array<[number, number]> = [
      [20, 40],
      [40, 50],
      [50, 60],
      [60, 80],
    ];
    let best = 20;
    let bestGain = 0;
    for (const [lo, hi] of pairs) {
      if (t(hi) / t(lo) < 1.05) continue;
      const gain = (t(hi) - t(lo)) / (hi - lo);
      if (gain > bestGain) [best, bestGain] = [hi, gain];
    }
    expect(ctx.effectivePart(A)).toBe(best);
    expect(best).toBe(40);
  });

  it('p_req walks down from p_eff while the gpulet keeps up and meets the SLO', () => {
    const ctx = ctxOf('gpulet');
    // 50 req/s, cap 40 %: residue batch at 40 %: 1.739 (2 + b) + 20 b <= 40  =>  b <= 1.68  =>  1.
    // At 20 %: L = 1.1 x 2.236 x 3 = 7.38 ms; d = 20 ms >= 7.38 and 7.38 + 20 <= 40  =>  20 %.
    expect(ctx.minPart(A, 40, 50)).toEqual({ sizePct: 20, batch: 1, rateRps: 50 });
    // 100 req/s: 1.739 (2 + b) + 10 b <= 40  =>  b = 3. At 20 %: L = 12.3, d = 30: 42.3 > 40, stop at 40 %.
    expect(ctx.minPart(A, 40, 100)).toEqual({ sizePct: 40, batch: 3, rateRps: 100 });
  });
});
