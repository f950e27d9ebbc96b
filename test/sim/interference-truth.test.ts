import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../engine/clock.ts';
import type { BatchJob, RunningBatch } from '../../engine/types.ts';
import { colocationModel, DEFAULT_COLOCATION } from '../../sim/colocation.ts';
import { SimulatedGpu, type ColocationModel } from '../../sim/gpu.ts';
import { CALIBRATED, ContentionTruth, contentionSlowdown } from '../../sim/interference-truth.ts';
import { defaultUtilProfile } from '../../sim/profiles/util.ts';
import { streamRng } from '../../sim/rng.ts';
import { fakeLatency } from '../helpers.ts';

const util = defaultUtilProfile();
const truth = new ContentionTruth(util);
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

  it('slows a co-located batch by more than 1 and grows with the sibling demand (batch, partition, model)', () => {
    const self = rb('resnet50', 16, 40);
    const byBatch = [2, 4, 8, 16, 32].map((b) => contentionSlowdown(util, self, rb('resnet50', b, 60), CALIBRATED));
    const byPartition = [20, 40, 50, 60, 80].map((p) => contentionSlowdown(util, self, rb('vgg16', 16, p), CALIBRATED));
    for (const xs of [byBatch, byPartition]) {
      expect(xs[0]).toBeGreaterThan(1);
      for (let i = 1; i < xs.length; i++) expect(xs[i]).toBeGreaterThan(xs[i - 1]);
    }
    // LeNet (2-7 % L2, 11-25 % DRAM) hurts less than VGG-16 (30-34 % L2, 54-61 % DRAM).
    expect(contentionSlowdown(util, self, rb('lenet', 16, 60), CALIBRATED)).toBeLessThan(
      contentionSlowdown(util, self, rb('vgg16', 16, 60), CALIBRATED),
    );
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

  it('is not linear in the features: doubling the sibling share more than doubles the overhead', () => {
    const self = rb('ssd-mobilenetv1', 32, 50);
    const at = (p: number) => contentionSlowdown(util, self, rb('vgg16', 32, p), CALIBRATED) - 1;
    expect(at(40)).toBeGreaterThan(2 * at(20));
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
