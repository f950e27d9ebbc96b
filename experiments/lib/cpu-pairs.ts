/**
 * Co-located pairs measured for real on this machine's core partitions (`gpulet interference
 * profile --backend onnx`), and the comparison of interference predictors on them (`gpulet
 * interference compare`, sim/cpu-predictors.ts). The measurement is the profiler's own co-location
 * phase (backends/onnx/profile.ts): `self` timed on one partition while `other` runs back to back
 * on the other, against self's solo median there.
 */
import { join } from 'node:path';
import { autoType, csvParse } from 'd3-dsv';
import { InputError } from '../../engine/errors.ts';
import { nearestRank } from '../../engine/stats.ts';
import { coreSharePartitions, allowedCpus } from '../../backends/onnx/cores.ts';
import { parseModelList } from '../../backends/onnx/models.ts';
import { leaveOneModelOut, PREDICTOR_NAMES, type CpuPredictorName, type PairPoint } from '../../sim/cpu-predictors.ts';
import { streamRng } from '../../sim/rng.ts';
import type { InterferencePredictor, LatencyModel } from '../../engine/types.ts';
import { fmt, table } from './format.ts';
import { toCsv } from './output.ts';
import { runProfile } from './profiling.ts';

/** Models of different shapes (compute-heavy, memory-heavy, small), sized for a 2-core machine. */
export const DEFAULT_PAIR_MODELS = 'googlenet@0.25,resnet50@0.25,mobilenet_v2@0.5,mnasnet1_0@0.5,vgg16@0.125';
/**
 * Alternations of (alone, co-located) per point: this VM's speed drifts by more than co-location
 * costs, so each side is timed in every round, and the second round's alone time over the first's
 * (solo_retest) measures the noise of one round's measurement.
 */
export const DEFAULT_PAIR_ROUNDS = 3;

export const PAIR_COLUMNS = [
  'self',
  'other',
  'batch',
  'self_solo_ms',
  'other_solo_ms',
  'colocated_ms',
  'slowdown',
  'self_gflops_per_sample',
  'other_gflops_per_sample',
  'self_params',
  'other_params',
  'partition_pct',
  'foreign_cpu_cores',
  'solo_retest',
] as const;

/** Measure every ordered pair of `models` at `batches`; writes the profile set beside `outDir/stem`. */
export async function profileCpuPairs(o: {
  models: string;
  batches: number[];
  reps: number;
  /** Alternations of (alone, co-located) per point (measureProfile). @default DEFAULT_PAIR_ROUNDS */
  rounds?: number;
  outDir: string;
  stem: string;
}): Promise<{
  rows: Array<Record<string, string | number | null>>;
  files: string[];
  prof: Awaited<ReturnType<typeof runProfile>>;
}> {
  const prof = await runProfile({
    backend: 'onnx',
    variants: parseModelList(o.models),
    partitionsPct: coreSharePartitions(allowedCpus().length),
    // The profile loader interpolates over batch, so the solo profile spans 1..32.
    batches: [...new Set([1, ...o.batches, 32])].sort((x, y) => x - y),
    reps: o.reps,
    colocationBatches: o.batches,
    colocationRounds: o.rounds ?? DEFAULT_PAIR_ROUNDS,
    affinity: true,
    keepWarm: true,
    nice: -10,
    host: 'process',
    stem: join(o.outDir, o.stem),
    load: 0.3,
  });
  const s = prof.sidecar;
  const points = s.colocation_points ?? [];
  if (points.length === 0)
    throw new InputError(
      `interference profile --backend onnx: no co-located pairs measured (this machine has ${s.cores} core(s); two partitions need at least 2)`,
    );
  const solo = new Map(points.map((p) => [`${p.self}|${p.batch}`, p.solo_ms] as const));
  const rows = points.map((p) => ({
    self: p.self,
    other: p.other,
    batch: p.batch,
    self_solo_ms: p.solo_ms,
    other_solo_ms: solo.get(`${p.other}|${p.batch}`) ?? null,
    colocated_ms: p.colocated_ms,
    slowdown: Math.round((p.colocated_ms / p.solo_ms) * 1e4) / 1e4,
    self_gflops_per_sample: s.models[p.self].gflops_per_sample,
    other_gflops_per_sample: s.models[p.other].gflops_per_sample,
    self_params: s.models[p.self].params,
    other_params: s.models[p.other].params,
    partition_pct: s.colocation_partition_pct,
    foreign_cpu_cores: s.foreign_cpu_cores,
    solo_retest: p.solo_retest ?? null,
  }));
  return { rows, files: prof.files, prof };
}

/**
 * A CPU co-location predictor as the scheduler's InterferencePredictor: the factor of `self` next
 * to `other` from each side's profiled latency at its partition and batch and its model facts.
 */
export function asInterferencePredictor(
  name: string,
  predict: (p: PairPoint) => number,
  latency: LatencyModel,
  facts: Readonly<Record<string, { gflops_per_sample: number; params: number }>>,
): InterferencePredictor {
  return {
    name: `cpu-${name}`,
    factor(self, other) {
      const f = (b: { model: string; batch: number; partitionPct: number }) => ({
        ms: latency.latencyMs(b.model, b.batch, b.partitionPct),
        gflops: facts[b.model]?.gflops_per_sample ?? 0,
        params: facts[b.model]?.params ?? 0,
      });
      const s = f(self);
      const o = f(other);
      return predict({
        self: self.model,
        other: other.model,
        batch: self.batch,
        slowdown: 1,
        selfSoloMs: s.ms,
        otherSoloMs: o.ms,
        selfGflops: s.gflops,
        otherGflops: o.gflops,
        selfParams: s.params,
        otherParams: o.params,
      });
    },
  };
}

/** The pairs CSV's text. */
export function pairsCsv(rows: ReadonlyArray<Record<string, string | number | null>>): string {
  return toCsv(rows, PAIR_COLUMNS);
}

/** A pairs CSV's rows as text fields, by column. */
export function pairRows(text: string): Array<Record<string, string | undefined>> {
  return csvParse(text.replace(/^\uFEFF/, ''));
}

/** Read a pairs CSV into points; a missing column or a bad value is one line naming the file, row and column. */
export function readPairs(text: string, file: string): PairPoint[] {
  const rows = csvParse(text.replace(/^\uFEFF/, ''));
  for (const c of PAIR_COLUMNS.slice(0, 11))
    if (!rows.columns.includes(c))
      throw new InputError(`${file}: expected a column ${c} (gpulet interference profile --backend onnx writes it)`);
  return rows.map((raw, i) => {
    const r = autoType({ ...raw }) as Record<string, unknown>;
    const num = (c: string): number => {
      const v = r[c];
      if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0)
        throw new InputError(
          `${file}: row ${i + 2}, column ${c}: expected a positive number, got ${JSON.stringify(raw[c] ?? '')}`,
        );
      return v;
    };
    return {
      self: String(raw.self),
      other: String(raw.other),
      batch: num('batch'),
      slowdown: num('slowdown'),
      selfSoloMs: num('self_solo_ms'),
      otherSoloMs: num('other_solo_ms'),
      selfGflops: num('self_gflops_per_sample'),
      otherGflops: num('other_gflops_per_sample'),
      selfParams: num('self_params'),
      otherParams: num('other_params'),
    };
  });
}

/** A best share (0..1) as a percentage to 1 decimal, as every output prints it. */
export const sharePct = (share: number): string => `${Math.round(1000 * share) / 10} %`;

/** A sample's size and nearest-rank p50, p75, p90, p95 and max, to 2 decimals (the summary's columns). */
function percentiles(e: readonly number[]) {
  const q = (x: number) => Math.round(nearestRank(e, x) * 100) / 100;
  return { points: e.length, p50: q(0.5), p75: q(0.75), p90: q(0.9), p95: q(0.95), max: q(1) };
}

/** Resamples of the held-out points behind each predictor's p90 interval and its share of being best. */
export const BOOTSTRAP_RESAMPLES = 2000;

/**
 * How sure the p90 ranking is: the held-out points resampled with replacement (the same points for
 * every predictor, seeded), each predictor's p90 per resample; per predictor the 95 % percentile
 * interval of its p90 and the share of resamples where its p90 is the lowest (ties to the first).
 * Points of one pair are not independent (both batches, both held-out models), so the intervals
 * are, if anything, too narrow.
 */
export function bootstrapP90(
  errors: Readonly<Record<CpuPredictorName, readonly number[]>>,
  seed: number | string = 1,
): Record<CpuPredictorName, { p90_lo: number; p90_hi: number; best_share: number }> {
  const n = errors[PREDICTOR_NAMES[0]].length;
  const rng = streamRng(seed, 'cpu-interference', 'bootstrap');
  const p90s = Object.fromEntries(PREDICTOR_NAMES.map((p) => [p, [] as number[]])) as Record<
    CpuPredictorName,
    number[]
  >;
  const wins = Object.fromEntries(PREDICTOR_NAMES.map((p) => [p, 0])) as Record<CpuPredictorName, number>;
  const idx = new Int32Array(n);
  for (let r = 0; r < BOOTSTRAP_RESAMPLES && n > 0; r++) {
    for (let i = 0; i < n; i++) idx[i] = Math.floor(rng() * n);
    let best: CpuPredictorName = PREDICTOR_NAMES[0];
    let bestP90 = Infinity;
    for (const p of PREDICTOR_NAMES) {
      const e = errors[p];
      const v = nearestRank(
        Array.from(idx, (i) => e[i]),
        0.9,
      );
      p90s[p].push(v);
      if (v < bestP90) {
        bestP90 = v;
        best = p;
      }
    }
    wins[best]++;
  }
  const r2 = (x: number) => Math.round(x * 100) / 100;
  return Object.fromEntries(
    PREDICTOR_NAMES.map((p) => [
      p,
      n === 0
        ? { p90_lo: Number.NaN, p90_hi: Number.NaN, best_share: 0 }
        : {
            p90_lo: r2(nearestRank(p90s[p], 0.025)),
            p90_hi: r2(nearestRank(p90s[p], 0.975)),
            best_share: Math.round((wins[p] / BOOTSTRAP_RESAMPLES) * 1e4) / 1e4,
          },
    ]),
  ) as Record<CpuPredictorName, { p90_lo: number; p90_hi: number; best_share: number }>;
}

/**
 * Percentiles of each predictor's leave-one-model-out error, percent, with bootstrapP90's interval
 * and best share, and the one with the lowest p90.
 */
export function comparePredictors(points: readonly PairPoint[], seed: number | string = 1) {
  const errors = leaveOneModelOut(points);
  const boot = bootstrapP90(errors, seed);
  const summary = PREDICTOR_NAMES.map((name) => ({ predictor: name, ...percentiles(errors[name]), ...boot[name] }));
  const best = summary.reduce((b, r) => (r.p90 < b.p90 ? r : b), summary[0]);
  return { errors, summary, best };
}

/**
 * The noise of one round's measurement: per point with a solo retest (2 or more rounds), how far
 * self's second alone time lands from its first, percent. A point's slowdown pools every round on
 * both sides, so its own noise is smaller (about 1 / sqrt(rounds) of this, were rounds independent).
 */
export function retestNoisePct(rows: ReadonlyArray<Record<string, string | number | null | undefined>>): number[] {
  const out: number[] = [];
  for (const r of rows) {
    const v = Number(r.solo_retest ?? Number.NaN);
    if (Number.isFinite(v) && v > 0) out.push(Math.abs(v - 1) * 100);
  }
  return out;
}

/** The noise's percentiles as a summary row beside the predictors' (predictor `noise`), or none without retests. */
export function noiseRow(noise: readonly number[]) {
  if (noise.length === 0) return [];
  return [{ predictor: 'noise', ...percentiles(noise) }];
}

/** The summary as a text table: percentiles, the p90's 95 % interval and how often each predictor is best. */
export function predictorTable(
  summary: ReturnType<typeof comparePredictors>['summary'],
  noise: ReturnType<typeof noiseRow>,
): string {
  return table(
    ['predictor', 'points', 'p50', 'p75', 'p90', 'p90 95 % interval', 'best in', 'p95', 'max'],
    [
      ...summary.map((r) => [
        r.predictor,
        r.points,
        r.p50,
        r.p75,
        r.p90,
        `${fmt(r.p90_lo)}-${fmt(r.p90_hi)}`,
        sharePct(r.best_share),
        r.p95,
        r.max,
      ]),
      ...noise.map((r) => ['noise of one round (solo retest)', r.points, r.p50, r.p75, r.p90, '-', '-', r.p95, r.max]),
    ],
  );
}
