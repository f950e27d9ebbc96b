/**
 * Profiling co-located pairs on the simulated GPU (§3.4 and §4.4 of Choi et al.; docs/artifact.md#interference-model):
 * run two gpulets of one GPU together and measure how much slower each side's batches are than
 * alone. Each pair yields one point per side: the predictor's four features (solo L2 and DRAM
 * utilisation of self and other, scaled by partition, exactly as the linear model reads them) and
 * the measured factor, co-located latency / solo latency.
 *
 * The measurement knows nothing of how the GPU slows batches down: it only starts batches on a
 * {@link SimulatedGpu} and reads completion times, as a profiler on real hardware would.
 */
import { VirtualClock } from '../engine/clock.ts';
import { POW2_BATCHES } from '../engine/limits.ts';
import type { BatchJob, LatencyModel, RunningBatch } from '../engine/types.ts';
import { SimulatedGpu, type ColocationModel } from './gpu.ts';
import { linearFeatures } from './interference.ts';
import type { UtilProfile } from './profiles/util.ts';

/**
 * The five models of the paper's grid. The paper names 10 pairs from 5 models; four are the
 * Figure 3 models with measured per-partition latency. The fifth is MobileNet-V2: the most
 * memory-bound model of UTIL.CSV (62 % DRAM at 31 % SM at batch 32), so the grid spans
 * compute-heavy (VGG-16) to memory-heavy kernels, and Figure 5 pairs it with GoogLeNet.
 */
export const GRID_MODELS = ['googlenet', 'resnet50', 'ssd-mobilenetv1', 'vgg16', 'mobilenet_v2'] as const;
/** Batch sizes of the grid (each side independently). */
export const GRID_BATCHES: readonly number[] = POW2_BATCHES.slice(1);
/** Partition of the first model of each pair; the second gets the rest (2:8, 4:6, 5:5, 6:4, 8:2). */
export const GRID_SPLITS_PCT = [20, 40, 50, 60, 80] as const;

/** One co-located configuration: what gpulet 0 and gpulet 1 run. */
export type Pair = readonly [RunningBatch, RunningBatch];

/** The paper's grid: 10 model pairs x 25 batch pairs x 5 splits = 1,250 pairs. */
export function paperGrid(models: readonly string[] = GRID_MODELS): Pair[] {
  const pairs: Pair[] = [];
  for (let i = 0; i < models.length; i++)
    for (let j = i + 1; j < models.length; j++)
      for (const a of GRID_BATCHES)
        for (const b of GRID_BATCHES)
          for (const p of GRID_SPLITS_PCT)
            pairs.push([
              { model: models[i], batch: a, partitionPct: p },
              { model: models[j], batch: b, partitionPct: 100 - p },
            ]);
  return pairs;
}

/** One profiled point: `self` measured while `other` runs continuously on the sibling gpulet. */
export interface ProfilePoint {
  /** Index of the pair in the grid; both sides of a pair share it. */
  readonly pair: number;
  readonly self: RunningBatch;
  readonly other: RunningBatch;
  /** The linear model's features (fractions): L2 self, L2 other, DRAM self, DRAM other. */
  readonly l2Self: number;
  readonly l2Other: number;
  readonly dramSelf: number;
  readonly dramOther: number;
  /** Mean batch latency of `self` alone, ms. */
  readonly soloMs: number;
  /** Mean batch latency of `self` while `other` runs back to back, ms. */
  readonly colocatedMs: number;
  /** colocatedMs / soloMs. */
  readonly factor: number;
}

export interface ProfileOptions {
  latency: LatencyModel;
  util: UtilProfile;
  /** The GPU's co-location behaviour (the ground truth); the profiler only observes it. */
  colocation: ColocationModel;
  /** Run seed; each measurement derives its own stream from it. */
  seed: number | string;
  /** Jitter CV of the simulated GPU. @default 0.02 (the simulator's default) */
  jitterCv?: number;
  /** Batches of `self` averaged per measurement, solo and co-located. @default 3 */
  numBatches?: number;
}

/** Mean latency of `numBatches` back-to-back batches of `self` on gpulet 0, with `other` looping on gpulet 1 (or idle). */
function measure(o: ProfileOptions, self: RunningBatch, other: RunningBatch | null, seed: string): number {
  const clock = new VirtualClock();
  const gpu = new SimulatedGpu({
    clock,
    latency: o.latency,
    seed,
    jitterCv: o.jitterCv ?? 0.02,
    colocation: o.colocation,
  });
  const numBatches = o.numBatches ?? 3;
  const selfJob: BatchJob = { gpu: 0, gpulet: 0, ...self };
  let selfRunning = true;
  let totalMs = 0;
  let done = 0;
  const fail = (reason: string) => {
    throw new Error(`profiling ${self.model}: ${reason}`);
  };
  if (other !== null) {
    const otherJob: BatchJob = { gpu: 0, gpulet: 1, ...other };
    // The sibling re-issues at the instant it finishes, so it is busy for all of self's batches.
    const loop = () => {
      if (selfRunning) gpu.run(otherJob, loop, fail);
    };
    loop();
  }
  let startedAt = 0;
  const next = () => {
    startedAt = clock.now();
    gpu.run(
      selfJob,
      (endedAt) => {
        totalMs += endedAt - startedAt;
        if (++done < numBatches) next();
        else selfRunning = false;
      },
      fail,
    );
  };
  next();
  clock.run();
  return totalMs / numBatches;
}

/** Profile every pair, both sides: 2 points per pair, in grid order (pair 0 self=first, pair 0 self=second, ...). */
export function profilePairs(pairs: readonly Pair[], opts: ProfileOptions): ProfilePoint[] {
  const points: ProfilePoint[] = [];
  pairs.forEach(([a, b], pair) => {
    for (const [self, other, side] of [
      [a, b, 0],
      [b, a, 1],
    ] as const) {
      const key = `profile/${pair}/${side}`;
      const soloMs = measure(opts, self, null, `${opts.seed}/${key}/solo`);
      const colocatedMs = measure(opts, self, other, `${opts.seed}/${key}/colocated`);
      const [l2Self, l2Other, dramSelf, dramOther] = linearFeatures(opts.util, self, other);
      points.push({
        pair,
        self,
        other,
        l2Self,
        l2Other,
        dramSelf,
        dramOther,
        soloMs,
        colocatedMs,
        factor: colocatedMs / soloMs,
      });
    }
  });
  return points;
}

/** Columns of the profiled dataset CSV, in order (the fit reads the features and `factor`). */
export const DATASET_COLUMNS = [
  'pair',
  'self_model',
  'self_batch',
  'self_partition',
  'other_model',
  'other_batch',
  'other_partition',
  'l2_self',
  'l2_other',
  'dram_self',
  'dram_other',
  'solo_ms',
  'colocated_ms',
  'factor',
] as const;

/** One dataset CSV row for a point, keyed by {@link DATASET_COLUMNS}. */
export function datasetRow(p: ProfilePoint): Record<(typeof DATASET_COLUMNS)[number], string | number> {
  return {
    pair: p.pair,
    self_model: p.self.model,
    self_batch: p.self.batch,
    self_partition: p.self.partitionPct,
    other_model: p.other.model,
    other_batch: p.other.batch,
    other_partition: p.other.partitionPct,
    l2_self: p.l2Self,
    l2_other: p.l2Other,
    dram_self: p.dramSelf,
    dram_other: p.dramOther,
    solo_ms: p.soloMs,
    colocated_ms: p.colocatedMs,
    factor: p.factor,
  };
}
