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
import { leaveOneModelOut, PREDICTOR_NAMES, type PairPoint } from '../../sim/cpu-predictors.ts';
import type { InterferencePredictor, LatencyModel } from '../../engine/types.ts';
import { toCsv } from './output.ts';
import { runProfile } from './profiling.ts';

/** Models of different shapes (compute-heavy, memory-heavy, small), sized for a 2-core machine. */
export const DEFAULT_PAIR_MODELS = 'googlenet@0.25,resnet50@0.25,mobilenet_v2@0.5,mnasnet1_0@0.5,vgg16@0.125';

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
] as const;

/** Measure every ordered pair of `models` at `batches`; writes the profile set beside `outDir/stem`. */
export async function profileCpuPairs(o: {
  models: string;
  batches: number[];
  reps: number;
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

/** Percentiles of each predictor's leave-one-model-out error, percent, and the one with the lowest p90. */
export function comparePredictors(points: readonly PairPoint[]) {
  const errors = leaveOneModelOut(points);
  const summary = PREDICTOR_NAMES.map((name) => {
    const e = errors[name];
    const q = (x: number) => Math.round(nearestRank(e, x) * 100) / 100;
    return { predictor: name, points: e.length, p50: q(0.5), p75: q(0.75), p90: q(0.9), p95: q(0.95), max: q(1) };
  });
  const best = summary.reduce((b, r) => (r.p90 < b.p90 ? r : b), summary[0]);
  return { errors, summary, best };
}
