import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../engine/clock.ts';
import type { BatchJob, RunningBatch } from '../../engine/types.ts';
import { colocationModel, DEFAULT_COLOCATION } from '../../sim/colocation.ts';
import { SimulatedGpu, type ColocationModel } from '../../sim/gpu.ts';
import { leastSquares, predict, quantile } from '../../sim/interference-fit.ts';
import { linearFeatures } from '../../sim/interference.ts';
import { paperGrid } from '../../sim/interference-profile.ts';
import { ContentionTruth, contentionSlowdown, PAIR_Z_MAX, pairFactor, pairZ } from '../../sim/interference-truth.ts';
import { calibratedParams } from '../../sim/interference-truth-params.ts';
import { defaultUtilProfile, type UtilProfile } from '../../sim/profiles/util.ts';
import { streamRng } from '../../sim/rng.ts';
import { fakeLatency } from '../helpers.ts';

const util = defaultUtilProfile();
const truth = new ContentionTruth(util);
const K = calibratedParams();
const rb = (model: string, batch: number, partitionPct: number): RunningBatch => ({ model, batch, partitionPct });
const job = (gpulet: number, model: string, batch: number, partitionPct: number): BatchJob => ({
  gpu: 0,
  gpulet,
  model,
  batch,
  partitionPct,
});

/** Run `jobs` (each started at its time) on one simulated GPU, jitter off; returns finish times by job index. */
function runOnGpu(
  colocation: ColocationModel,
  latencyMs: Record<string, number>,
  jobs: Array<[number, BatchJob]>,
  seed = 1,
): number[] {
  const clock = new VirtualClock();
  const gpu = new SimulatedGpu({ clock, latency: fakeLatency((m) => latencyMs[m]), seed, jitterCv: 0, colocation });
  const finished: number[] = [];
  jobs.forEach(([at, j], i) => {
    clock.at(at, () =>
      gpu.run(
        j,
        (t) => {
          finished[i] = t;
        },
        () => {},
      ),
    );
  });
  clock.run();
  return finished;
}

describe('SimulatedGpu applies a co-location slowdown exactly', () => {
  const twice: ColocationModel = { name: 'stub x2', slowdown: () => 2 };

  it('a batch next to a sibling that is busy throughout takes factor x its solo time', () => {
    // a (10 ms solo) starts at 0; the sibling runs 30 ms of solo work, so it is busy until after a ends.
    // a progresses at 1/2: 10 ms of work takes 20 ms.
    expect(
      runOnGpu(twice, { a: 10, b: 30 }, [
        [0, job(0, 'a', 1, 50)],
        [0, job(1, 'b', 1, 50)],
      ]),
    ).toEqual([20, 40]);
  });

  it('only the overlap is slowed: a sibling that finishes early leaves the rest at full speed', () => {
    // Both at half speed until b's 4 ms of work is done at t = 8; a has done 4 of its 10 ms by then,
    // the remaining 6 ms run alone: a ends at 14 = 10 + (2 - 1) x 4 ms of overlapped work.
    expect(
      runOnGpu(twice, { a: 10, b: 4 }, [
        [0, job(0, 'a', 1, 50)],
        [0, job(1, 'b', 1, 50)],
      ]),
    ).toEqual([14, 8]);
  });

  it('a sibling that starts later slows only the rest of the batch', () => {
    // a runs alone 0..4 (4 ms of work), then at half speed: 6 ms of work left take 12 ms: ends at 16.
    expect(
      runOnGpu(twice, { a: 10, b: 100 }, [
        [0, job(0, 'a', 1, 50)],
        [4, job(1, 'b', 1, 50)],
      ])[0],
    ).toBe(16);
  });
});

describe('the ground truth (ContentionTruth)', () => {
  it('is the default co-location model of every simulation; --interference none turns it off', () => {
    expect(DEFAULT_COLOCATION).toBe('truth');
    expect(colocationModel('truth').name).toBe('truth');
    expect(colocationModel('none').name).toBe('none');
  });

  it('leaves a lone batch unchanged: with the sibling idle its latency is the solo latency', () => {
    const lat = { resnet50: 37.5, vgg16: 80 };
    expect(runOnGpu(truth, lat, [[0, job(0, 'resnet50', 16, 50)]])).toEqual([37.5]);
    // ...and after a sibling's batch ends, the next lone batch runs at full speed again.
    const t = runOnGpu(truth, lat, [
      [0, job(0, 'resnet50', 16, 50)],
      [0, job(1, 'vgg16', 32, 50)],
      [500, job(0, 'resnet50', 16, 50)],
    ]);
    expect(t[0]).toBeGreaterThan(37.5);
    expect(t[2]).toBe(537.5);
  });

  it('slows a co-located batch by more than 1 and grows with the sibling demand (batch, partition)', () => {
    const self = rb('resnet50', 16, 40);
    const byBatch = [2, 4, 8, 16, 32].map((b) => contentionSlowdown(util, self, rb('resnet50', b, 60), K));
    const byPartition = [20, 40, 50, 60, 80].map((p) => contentionSlowdown(util, self, rb('vgg16', 16, p), K));
    for (const xs of [byBatch, byPartition]) {
      expect(xs[0]).toBeGreaterThan(1);
      for (let i = 1; i < xs.length; i++) expect(xs[i]).toBeGreaterThan(xs[i - 1]);
    }
  });

  it('grows with the sibling demand on average over the noise too', () => {
    const mean = (other: RunningBatch) => {
      const rng = streamRng(1, 'test');
      let sum = 0;
      for (let i = 0; i < 4000; i++) sum += truth.slowdown(rb('googlenet', 8, 50), other, rng);
      return sum / 4000;
    };
    expect(mean(rb('mobilenet_v2', 32, 50))).toBeGreaterThan(mean(rb('mobilenet_v2', 2, 50)));
  });

  it('is deterministic for a seed: the same seed gives the same draws, another seed others', () => {
    const draws = (seed: number) => {
      const rng = streamRng(seed, 'interference', 'gpu0');
      return Array.from({ length: 50 }, () => truth.slowdown(rb('vgg16', 32, 60), rb('resnet50', 16, 40), rng));
    };
    expect(draws(7)).toEqual(draws(7));
    expect(draws(7)).not.toEqual(draws(8));
    expect(Math.min(...draws(7))).toBeGreaterThanOrEqual(1);
    const run = (seed: number) =>
      runOnGpu(
        truth,
        { vgg16: 60, resnet50: 20 },
        [
          [0, job(0, 'vgg16', 32, 60)],
          [0, job(1, 'resnet50', 16, 40)],
          [30, job(1, 'resnet50', 8, 40)],
        ],
        seed,
      );
    expect(run(3)).toEqual(run(3));
    expect(run(3)).not.toEqual(run(4));
  });

  it('is never read by the predictor side: the fit and the linear model do not import it', () => {
    for (const file of ['sim/interference.ts', 'sim/interference-fit.ts', 'sim/predictors.ts']) {
      expect(readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8')).not.toMatch(
        /interference-truth|colocation/,
      );
    }
  });
});

/** A utilisation profile of made-up models whose SM, L2 and DRAM % are the same at every batch. */
function stubUtil(table: Record<string, [sm: number, l2: number, dram: number]>): UtilProfile {
  return {
    models: Object.keys(table),
    has: (m) => Object.hasOwn(table, m),
    util: (m) => ({ smPct: table[m][0], l2Pct: table[m][1], dramPct: table[m][2] }),
    kernelMs: () => 1,
  };
}

describe('the ground truth has structure the linear predictor cannot express', () => {
  const noPair = { ...K, pairSigma: 0 };

  it('saturates in the sibling DRAM demand: each step of demand adds less, and a heavy sibling is flat', () => {
    const dram = [10, 20, 40, 60, 80, 100, 400, 1000];
    const u = stubUtil(Object.fromEntries(dram.map((d) => [`d${d}`, [40, 20, d]])));
    const self = rb('d60', 16, 50);
    const over = dram.map((d) => contentionSlowdown(u, self, rb(`d${d}`, 16, 50), noPair) - 1);
    for (let i = 1; i < over.length; i++) expect(over[i]).toBeGreaterThan(over[i - 1]); // monotone
    // Concave: the overhead per extra % of sibling DRAM demand falls as the demand grows.
    const slope = (i: number) => (over[i + 1] - over[i]) / (dram[i + 1] - dram[i]);
    for (let i = 1; i < 5; i++) expect(slope(i)).toBeLessThan(slope(i - 1));
    // 400 % vs 1000 % of the bus: the sibling's occupancy is at its cap S, the overhead barely moves.
    expect(over[7] - over[6]).toBeLessThan(0.01 * over[7]);
  });

  it('reads the kernel mix (SM %), which the predictor does not: more SM work per DRAM byte, less slowdown', () => {
    const u = stubUtil({ compute: [60, 20, 40], memory: [20, 20, 40], other: [40, 25, 50] });
    const at = (m: string) => contentionSlowdown(u, rb(m, 8, 50), rb('other', 8, 50), noPair);
    // Same L2 and DRAM, so the same four features; only the SM share differs.
    expect(linearFeatures(u, rb('compute', 8, 50), rb('other', 8, 50))).toEqual(
      linearFeatures(u, rb('memory', 8, 50), rb('other', 8, 50)),
    );
    expect(at('memory')).toBeGreaterThan(at('compute'));
  });

  it('has a per-model-pair factor: seeded by the GPU pair seed, bounded by exp(±2σp), different per ordered pair', () => {
    const names = ['googlenet', 'resnet50', 'ssd-mobilenetv1', 'vgg16', 'mobilenet_v2', 'lenet', 'bert'];
    const factors = names.flatMap((a) => names.filter((b) => b !== a).map((b) => pairFactor(K, a, b)));
    for (const f of factors) {
      expect(f).toBeGreaterThanOrEqual(Math.exp(-PAIR_Z_MAX * K.pairSigma));
      expect(f).toBeLessThanOrEqual(Math.exp(PAIR_Z_MAX * K.pairSigma));
    }
    expect(new Set(factors).size).toBe(factors.length);
    expect(pairFactor(K, 'resnet50', 'vgg16')).not.toBe(pairFactor(K, 'vgg16', 'resnet50'));
    expect(pairZ(1, 'resnet50', 'vgg16')).toBe(pairZ(1, 'resnet50', 'vgg16'));
    expect(pairZ(2, 'resnet50', 'vgg16')).not.toBe(pairZ(1, 'resnet50', 'vgg16'));
    // σp scales the same draw: the order of pairs does not reshuffle as a calibration moves σp.
    expect(pairFactor({ ...K, pairSigma: 2 * K.pairSigma }, 'resnet50', 'vgg16')).toBeCloseTo(
      pairFactor(K, 'resnet50', 'vgg16') ** 2,
      12,
    );
  });

  it('gives different slowdowns to points the predictor sees as one: equal features, different model names', () => {
    const u = stubUtil({ a: [40, 20, 50], b: [40, 20, 50], other: [40, 25, 50] });
    expect(linearFeatures(u, rb('a', 8, 50), rb('other', 8, 50))).toEqual(
      linearFeatures(u, rb('b', 8, 50), rb('other', 8, 50)),
    );
    const sa = contentionSlowdown(u, rb('a', 8, 50), rb('other', 8, 50), K);
    const sb = contentionSlowdown(u, rb('b', 8, 50), rb('other', 8, 50), K);
    // The overheads differ exactly by the two pairs' factors, and those differ.
    expect((sa - 1) / (sb - 1)).toBeCloseTo(pairFactor(K, 'a', 'other') / pairFactor(K, 'b', 'other'), 12);
    expect(sa).not.toBe(sb);
  });

  it('is not fitted exactly by the linear form even without noise: least squares leaves >= 2 % error at p90', () => {
    const points = paperGrid().flatMap(([a, b]) =>
      [
        [a, b],
        [b, a],
      ].map(([s, o]) => ({ features: linearFeatures(util, s, o), factor: contentionSlowdown(util, s, o, K) })),
    );
    const c = leastSquares(points);
    const errors = points.map((p) => Math.abs(predict(c, p.features) - p.factor) / p.factor);
    expect(quantile(errors, 0.9)).toBeGreaterThan(0.02);
  });
});
