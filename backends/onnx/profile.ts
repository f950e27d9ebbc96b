/**
 * Measuring L(b, p) on this machine, with p as a share of its cores. Every batch goes through the
 * serving path itself: an {@link OnnxExecutor} gpulet, timed on the main thread from `run()` to the
 * `done` callback (message round trip included), exactly the span the engine counts when it
 * serves. Repetitions are interleaved over models and batches, so a burst of load from elsewhere
 * on the machine spreads over many cells instead of spoiling one, and each cell keeps its median.
 *
 * Besides the latency table it measures what the simulator needs to replay this machine:
 *  - the run-to-run jitter, as the coefficient of variation pooled over all cells;
 *  - the co-location slowdown per pair of models: the latency of one on one half of the cores while
 *    the other half runs the other at the same batch, over the solo latency (cores share caches and
 *    memory bandwidth: the CPU analogue of the paper's interference profiling, Figure 6).
 */
import { median } from '../../engine/stats.ts';
import { RealtimeClock } from '../../engine/clock.ts';
import type { BatchJob, Clock } from '../../engine/types.ts';
import { OnnxExecutor, type GpuletSetup, type ModelFile, type OnnxExecutorOptions } from './executor.ts';
import { threadsFor } from './cores.ts';
import type { HostFactory } from './host.ts';
import { cpuSnapshot, cpuUse, type CpuUse } from './load.ts';

export interface ProfileSpec {
  /** Files of the models to profile, by canonical name. */
  files: Readonly<Record<string, ModelFile>>;
  /** Partitions to measure, percent of the cores (e.g. [50, 100] on 2 cores). */
  partitionsPct: readonly number[];
  /** Batch sizes to measure; 1 and 32 are needed by the profile loader. */
  batches: readonly number[];
  /** Timed runs per (model, partition, batch). */
  reps: number;
  /** CPU ids of the machine. */
  cpus: readonly number[];
  /** Pin gpulets to cores. @default true */
  affinity?: boolean;
  /** Where runners live; use what serving uses. @default processHost */
  host?: HostFactory;
  /** Keep the cores out of idle (see cores.ts); use what serving uses. @default true */
  keepWarm?: boolean;
  /** Provider, per-gpulet environment and threads (the MPS backend sets these), nice value. */
  executor?: Pick<OnnxExecutorOptions, 'provider' | 'envFor' | 'threadsFor' | 'nice'>;
  /** Batches at which co-location is measured (none: skip it). */
  colocationBatches: readonly number[];
  /**
   * Alternations of (alone, co-located) per point: each round times `reps` batches alone, then
   * `reps` co-located, so the machine's drift falls on both sides; with 2 or more the point also
   * records its solo retest (the second round's alone median over the first's). @default 1
   */
  colocationRounds?: number;
  /** Progress: units done of `total`. */
  onProgress?: (done: number, total: number) => void;
}

export interface ProfileCell {
  model: string;
  partitionPct: number;
  batch: number;
  /** Median over the reps, ms. */
  latencyMs: number;
  /** Fastest rep, ms. */
  minMs: number;
  /** Slowest rep, ms. */
  maxMs: number;
}

/** One co-located point (ProfileResult.colocationPoints). */
export interface ColocationPoint {
  self: string;
  other: string;
  batch: number;
  /** Self alone: median over every round's reps, ms. */
  soloMs: number;
  /** Self co-located: median over every round's reps, ms. */
  colocatedMs: number;
  /**
   * With 2 or more rounds: self's alone median in round 2 over round 1's. The same measurement
   * twice, a co-located block apart: how far from 1 it lands is the noise any slowdown carries.
   */
  soloRetest?: number;
}

export interface ProfileResult {
  cells: ProfileCell[];
  /**
   * Coefficient of variation of a batch's latency around its cell's median, from the standard
   * deviation of the log deviations, slow outliers included: they are what makes the tail of real
   * serving, so the simulator's jitter should carry them (on a quiet machine; see cpu).
   */
  jitterCv: number;
  /** The same from the median absolute log deviation: the typical spread, without the outliers. */
  jitterCvRobust: number;
  /**
   * Every rep's latency over its cell's median, ascending: the measured distribution of a batch's
   * latency around its profiled value, heavy tail and all (the simulator can draw from it).
   */
  latencyRatios: number[];
  /** The split the co-location slowdown was measured on (gpulet 0's partition), or null. */
  colocationPartitionPct: number | null;
  /**
   * Per pair (self, other): median over `colocationBatches` of self's latency while other runs on
   * the sibling gpulet, over its latency timed alone just before (at least 1; 1 when not measured).
   */
  colocationSlowdown: Record<string, Record<string, number>>;
  /**
   * Every measured co-located point: `self` timed on gpulet 0 (median of the reps) while `other`
   * runs back to back on gpulet 1, both at `batch`, against self's median timed alone on the same
   * gpulet just before (the adjacent baseline: the machine's speed drifts between phases).
   */
  colocationPoints: ColocationPoint[];
  /** intra-op threads per partition. */
  threadsByPartition: Record<string, number>;
  /** What the runners reported about pinning. */
  affinity: string[];
  /** CPU that other processes used while we measured (null off Linux): a busy machine spoils a profile. */
  cpu: CpuUse | null;
}

/** An executor for `gpulets` on a real-time clock whose loop runs in the background (it takes the runners' answers). */
async function startExecutor(spec: ProfileSpec, gpulets: GpuletSetup[]) {
  const clock = new RealtimeClock();
  const loop = clock.runInBackground();
  const ex = await OnnxExecutor.create({
    clock,
    gpulets,
    files: spec.files,
    cpus: spec.cpus,
    affinity: spec.affinity,
    host: spec.host,
    keepWarm: spec.keepWarm,
    ...spec.executor,
  }).catch(async (e: unknown) => {
    await loop.stop();
    throw e;
  });
  return { clock, ex, loop };
}

/**
 * Run one batch and resolve with its latency as the engine would see it, ms. The executor posts
 * its answer to `clock`, whose loop must be running (RealtimeClock.runInBackground).
 */
export function timeBatch(ex: OnnxExecutor, clock: Clock, job: BatchJob): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = clock.now();
    ex.run(
      job,
      (finishedAtMs) => resolve(finishedAtMs - t0),
      (reason) => reject(new Error(reason)),
    );
  });
}

/** The split with both halves profiled and gpulet 0 as close to 50 % as possible, or null. */
export function colocationSplit(partitionsPct: readonly number[]): number | null {
  const candidates = partitionsPct.filter((p) => p <= 50 && partitionsPct.includes(100 - p));
  return candidates.length === 0 ? null : Math.max(...candidates);
}

/** Measure the profile; see the module comment. */
export async function measureProfile(spec: ProfileSpec): Promise<ProfileResult> {
  const models = Object.keys(spec.files);
  for (const b of spec.colocationBatches)
    if (!spec.batches.includes(b))
      throw new Error(`co-location batch ${b} is not among the profiled batches ${spec.batches.join(', ')}`);
  const maxBatch = Math.max(...spec.batches);
  const setup = (gpulet: number, partitionPct: number): GpuletSetup => ({
    gpu: 0,
    gpulet,
    partitionPct,
    models: models.map((model) => ({ model, maxBatch })),
  });
  const split = spec.colocationBatches.length > 0 ? colocationSplit(spec.partitionsPct) : null;
  const rounds = Math.max(1, spec.colocationRounds ?? 1);
  const total =
    spec.partitionsPct.length * spec.reps * models.length * spec.batches.length +
    (split === null ? 0 : models.length * models.length * spec.colocationBatches.length * spec.reps * rounds);
  let done = 0;
  const step = (): void => spec.onProgress?.(++done, total);

  const before = cpuSnapshot();
  const samples = new Map<string, number[]>();
  const cellKey = (model: string, p: number, b: number): string => `${model}|${p}|${b}`;
  const affinity: string[] = [];
  const threadsByPartition: Record<string, number> = {};
  for (const p of spec.partitionsPct) {
    threadsByPartition[String(p)] = threadsFor(p, spec.cpus.length);
    const { clock, ex, loop } = await startExecutor(spec, [setup(0, p)]);
    try {
      affinity.push(`${p} %: ${ex.describe().join('; ')}`);
      for (let r = 0; r < spec.reps; r++) {
        for (const model of models) {
          for (const batch of spec.batches) {
            const ms = await timeBatch(ex, clock, { gpu: 0, gpulet: 0, partitionPct: p, model, batch });
            const key = cellKey(model, p, batch);
            samples.set(key, [...(samples.get(key) ?? []), ms]);
            step();
          }
        }
      }
    } finally {
      await ex.close();
      await loop.stop();
    }
  }

  const cells: ProfileCell[] = [];
  const logDev: number[] = [];
  for (const model of models) {
    for (const p of spec.partitionsPct) {
      for (const batch of spec.batches) {
        const xs = samples.get(cellKey(model, p, batch)) as number[];
        const med = median(xs);
        cells.push({ model, partitionPct: p, batch, latencyMs: med, minMs: Math.min(...xs), maxMs: Math.max(...xs) });
        for (const x of xs) logDev.push(Math.log(x / med));
      }
    }
  }
  const latencyRatios = logDev.map((d) => Math.exp(d)).sort((a, b) => a - b);
  const cv = (sigma: number): number => Math.sqrt(Math.exp(sigma * sigma) - 1);
  // 1.4826 x MAD estimates the standard deviation of a normal; the cell medians centre each cell.
  const jitterCvRobust = cv(1.4826 * median(logDev.map(Math.abs)));
  const jitterCv = cv(logDev.length > 1 ? Math.sqrt(logDev.reduce((a, d) => a + d * d, 0) / (logDev.length - 1)) : 0);

  // colocationSlowdown[self][other]: self timed on gpulet 0 while other runs on gpulet 1.
  const colocationSlowdown: Record<string, Record<string, number>> = Object.fromEntries(
    models.map((m) => [m, Object.fromEntries(models.map((o) => [o, 1]))]),
  );
  const colocationPoints: ColocationPoint[] = [];
  if (split !== null) {
    const { clock, ex, loop } = await startExecutor(spec, [setup(0, split), setup(1, 100 - split)]);
    try {
      for (const model of models) {
        for (const other of models) {
          const ratios: number[] = [];
          for (const batch of spec.colocationBatches) {
            // Self alone first, in the same executor and the same minute: the solo baseline of this
            // point (the solo phase ran minutes earlier, and this VM's speed drifts by more than a
            // co-location costs it).
            const alone: number[] = [];
            const aloneByRound: number[] = [];
            const xs: number[] = [];
            const self = { gpu: 0, gpulet: 0, partitionPct: split, model, batch };
            for (let round = 0; round < rounds; round++) {
              const a: number[] = [];
              await timeBatch(ex, clock, self);
              for (let r = 0; r < spec.reps; r++) a.push(await timeBatch(ex, clock, self));
              alone.push(...a);
              aloneByRound.push(median(a));
              // The sibling runs `other` at the same batch back to back while gpulet 0 is timed.
              let stop = false;
              const sibling = (async () => {
                while (!stop)
                  await timeBatch(ex, clock, { gpu: 0, gpulet: 1, partitionPct: 100 - split, model: other, batch });
              })();
              await timeBatch(ex, clock, self); // let both settle
              for (let r = 0; r < spec.reps; r++) {
                xs.push(await timeBatch(ex, clock, self));
                step();
              }
              stop = true;
              await sibling;
            }
            const soloMs = median(alone);
            colocationPoints.push({
              self: model,
              other,
              batch,
              soloMs,
              colocatedMs: median(xs),
              ...(rounds > 1 ? { soloRetest: aloneByRound[1] / aloneByRound[0] } : {}),
            });
            ratios.push(median(xs) / soloMs);
          }
          colocationSlowdown[model][other] = Math.max(1, median(ratios));
        }
      }
    } finally {
      await ex.close();
      await loop.stop();
    }
  }
  const cpu = cpuUse(before, cpuSnapshot());
  return {
    cells,
    jitterCv,
    jitterCvRobust,
    latencyRatios,
    colocationPartitionPct: split,
    colocationSlowdown,
    colocationPoints,
    threadsByPartition,
    affinity,
    cpu,
  };
}
