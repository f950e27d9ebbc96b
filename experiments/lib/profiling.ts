/**
 * `gpulet profile --backend onnx`: measure L(b, p) on this machine (p as core shares) and write a
 * profile set, three files sharing one stem (default `results/cpu-profile`):
 *
 *  - `STEM.csv`: the latency profile, in the embedded profile's format
 *    (`model,gpu,partition,batch,latency_ms,source`), GPU type `cpu-<cores>c`. `simulate`,
 *    `schedule` and `serve` take it with `--profiles STEM.csv`.
 *  - `STEM.json`: how it was measured: the zoo variant of every model (serving must load the same
 *    one), cores, threads and pinning per partition, reps, the jitter and co-location slowdown the
 *    fidelity study gives the simulator, and each model's SLO.
 *  - `STEM.workload.json`: a workload for this machine (one "GPU", its type) whose SLOs follow the
 *    paper's rule, SLO = 2 x solo latency, taken as L(32, 100 %) as the embedded GPU SLOs are
 *    (the paper's Table 4, docs/artifact.md#models-and-slos), and whose rates load the machine to `--load` of its
 *    batch-32 capacity, split evenly. The catalog's SLOs are GPU SLOs and would be meaningless here.
 *
 * The scheduler's batching overhead: a measured CPU profile already contains the whole cost of a
 * batch as served here (inputs are views, nothing is copied), so the artifact's GPU-server tables
 * are replaced by zeros when this set is loaded through {@link loadProfileSet}. LeNet and BERT keep
 * the artifact's constant 0.4 ms and 1 ms (`sim/profiles/batch-overhead.ts` has no way to zero
 * them), which only makes their plans a little more conservative.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { InputError, show } from '../../engine/errors.ts';
import { round } from '../../engine/metrics.ts';
import type { LatencyModel } from '../../engine/types.ts';
import { allowedCpus } from '../../backends/onnx/cores.ts';
import { processHost, threadHost, type HostFactory } from '../../backends/onnx/host.ts';
import { variantFiles, variantLabel, type ModelVariant, type VariantFile } from '../../backends/onnx/models.ts';
import { measureProfile, type ProfileResult } from '../../backends/onnx/profile.ts';
import { mpsExecutorOptions } from '../../backends/mps/executor.ts';
import { cpuProfileGpu, MPS_PROFILE_GPU } from '../../sim/gpu-types.ts';
import { catalog, resolveModel } from '../../sim/profiles/catalog.ts';
import { parseWorkload, type Workload } from '../../sim/workload.ts';
import { MAX_BATCH } from '../../engine/limits.ts';
import { loadLatencyProfile } from '../../sim/profiles/latency.ts';
import type { Context } from './context.ts';
import { table } from './format.ts';
import { toCsv, writeText } from './output.ts';
import { progress, type Progress } from './progress.ts';

/** What `STEM.json` holds. */
export interface ProfileSidecar {
  backend: 'onnx' | 'mps';
  gpu: string;
  cores: number;
  cpus: number[];
  partitions_pct: number[];
  threads_by_partition: Record<string, number>;
  affinity: string[];
  host: 'process' | 'thread';
  batches: number[];
  reps: number;
  /** Coefficient of variation of one batch's latency, slow outliers included (the simulator's jitter). */
  jitter_cv: number;
  /** The same from the median absolute deviation: the typical spread without outliers. */
  jitter_cv_robust: number;
  /**
   * Each rep's latency over its cell's median, ascending (4 decimals): the measured distribution
   * the simulator's `empirical-latency` draws from. Absent from profiles made before it was recorded.
   */
  latency_ratios?: number[];
  /** Cores other processes used while measuring (null: unknown); much above 0 spoils the profile. */
  foreign_cpu_cores: number | null;
  /** Whether the machine's cores were kept out of idle (see backends/onnx/cores.ts). */
  keep_warm: boolean;
  colocation_partition_pct: number | null;
  /**
   * Every co-located point measured (gpulet 0 at colocation_partition_pct, the sibling on the rest,
   * both at `batch`); absent from profiles made before they were recorded.
   */
  colocation_points?: Array<{
    self: string;
    other: string;
    batch: number;
    solo_ms: number;
    colocated_ms: number;
    /** Self's alone median in round 2 over round 1 (profiles measured with 2 or more rounds). */
    solo_retest?: number;
  }>;
  models: Record<
    string,
    {
      variant: string;
      width: number;
      bert_layers?: number;
      file: string;
      params: number;
      gflops_per_sample: number;
      slo_ms: number;
      capacity_rps: number;
      colocation_slowdown: Record<string, number>;
    }
  >;
  measured_at: string;
  node: string;
}

/** A profile set loaded for planning and serving. */
export interface ProfileSet {
  ctx: Context;
  /** The sidecar, or null for a plain profile CSV (then models are served at full size). */
  sidecar: ProfileSidecar | null;
}

/** The paths of a profile set with stem `stem`. */
export function profilePaths(stem: string) {
  return { csv: `${stem}.csv`, sidecar: `${stem}.json`, workload: `${stem}.workload.json` };
}

/** Load `STEM.csv` with zero batching tables and, when present, `STEM.json`. */
export function loadProfileSet(csvPath: string): ProfileSet {
  let text: string;
  try {
    text = readFileSync(csvPath, 'utf8');
  } catch (e) {
    throw new InputError(`${csvPath}: cannot read profile file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  const latency = loadLatencyProfile(text, csvPath, null);
  const sidecarPath = `${csvPath.replace(/\.csv$/, '')}.json`;
  let sidecar: ProfileSidecar | null = null;
  if (csvPath.endsWith('.csv') && existsSync(sidecarPath)) {
    try {
      // A byte-order mark before the JSON is no mistake.
      sidecar = JSON.parse(readFileSync(sidecarPath, 'utf8').replace(/^\uFEFF/, '')) as ProfileSidecar;
    } catch (e) {
      throw new InputError(`${sidecarPath}: not valid JSON (${(e as Error).message.split('\n')[0]})`);
    }
    if (
      typeof sidecar !== 'object' ||
      sidecar === null ||
      typeof sidecar.models !== 'object' ||
      sidecar.models === null ||
      Array.isArray(sidecar.models)
    )
      throw new InputError(
        `${sidecarPath}: field models: expected an object of model variants, got ${show(sidecar?.models)}`,
      );
    for (const [m, v] of Object.entries(sidecar.models as Record<string, unknown>)) {
      const e = v as { width?: unknown; bert_layers?: unknown } | null;
      if (typeof e !== 'object' || e === null || Array.isArray(e))
        throw new InputError(`${sidecarPath}: models.${m}: expected an object {width, ...}, got ${show(v)}`);
      if (typeof e.width !== 'number' || !(e.width > 0) || !Number.isFinite(e.width))
        throw new InputError(
          `${sidecarPath}: models.${m}, field width: expected a positive number, got ${show(e.width)}`,
        );
      if (e.bert_layers !== undefined && !(Number.isInteger(e.bert_layers) && (e.bert_layers as number) >= 1))
        throw new InputError(
          `${sidecarPath}: models.${m}, field bert_layers: expected a whole number >= 1, got ${show(e.bert_layers)}`,
        );
    }
  }
  const models = Object.fromEntries(catalog().map((m) => [m.name, m]));
  return { ctx: { latency, profileSource: csvPath, models }, sidecar };
}

/** The zoo variant each model is served at: the sidecar's, else full size. */
export function variantsFor(models: readonly string[], sidecar: ProfileSidecar | null): Record<string, ModelVariant> {
  const out: Record<string, ModelVariant> = {};
  for (const m of models) {
    const v = sidecar !== null && Object.hasOwn(sidecar.models, m) ? sidecar.models[m] : undefined;
    if (sidecar !== null && v === undefined)
      throw new InputError(
        `profile set: model ${m} is not in the sidecar (profiled: ${Object.keys(sidecar.models).join(', ')})`,
      );
    out[m] =
      v === undefined
        ? { width: 1 }
        : { width: v.width, ...(v.bert_layers !== undefined ? { bertLayers: v.bert_layers } : {}) };
  }
  return out;
}

/** Rows of the profile CSV, as the embedded profile spells them. */
export function profileCsv(result: ProfileResult, gpu: string): string {
  const rows = result.cells.map((c) => ({
    model: c.model,
    gpu,
    partition: c.partitionPct,
    batch: c.batch,
    latency_ms: round(c.latencyMs, 4),
    source: 'measured',
  }));
  return toCsv(rows, ['model', 'gpu', 'partition', 'batch', 'latency_ms', 'source'], 4);
}

/** SLO = 2 x L(32, 100 %), ms; capacity = 32 / L(32, 100 %), req/s. */
export function sloAndCapacity(latency: LatencyModel, model: string): { sloMs: number; capacityRps: number } {
  const l32 = latency.latencyMs(model, MAX_BATCH, 100);
  return { sloMs: round(2 * l32, 1), capacityRps: round((1000 * MAX_BATCH) / l32, 1) };
}

export interface ProfileRunOptions {
  backend: 'onnx' | 'mps';
  variants: Record<string, ModelVariant>;
  partitionsPct: number[];
  batches: number[];
  reps: number;
  colocationBatches: number[];
  /** Alternations of (alone, co-located) per co-located point (measureProfile). @default 1 */
  colocationRounds?: number;
  affinity: boolean;
  keepWarm: boolean;
  /** Nice value for runners and the measuring thread (negative needs CAP_SYS_NICE); undefined: unchanged. */
  nice?: number;
  host: 'process' | 'thread';
  /** Output stem. */
  stem: string;
  /** Share of the machine's batch-32 capacity the written workload offers, 0..1. */
  load: number;
  quiet?: boolean;
}

/** Measure and write a profile set; returns the sidecar and the written paths. */
export async function runProfile(
  o: ProfileRunOptions,
): Promise<{ sidecar: ProfileSidecar; files: string[]; set: ProfileSet }> {
  const files = variantFiles(o.variants);
  const cpus = allowedCpus();
  const host: HostFactory = o.host === 'thread' && o.backend === 'onnx' ? threadHost : processHost;
  const mps = o.backend === 'mps' ? mpsExecutorOptions() : null;
  let bar: Progress | null = null;
  const result = await measureProfile({
    files,
    partitionsPct: o.partitionsPct,
    batches: o.batches,
    reps: o.reps,
    cpus,
    affinity: o.affinity && mps === null,
    host,
    keepWarm: o.keepWarm && mps === null,
    executor: {
      ...(mps ? { provider: mps.provider, envFor: mps.envFor, threadsFor: mps.threadsFor } : {}),
      ...(o.nice !== undefined ? { nice: o.nice } : {}),
    },
    colocationBatches: o.colocationBatches,
    ...(o.colocationRounds !== undefined ? { colocationRounds: o.colocationRounds } : {}),
    onProgress: (done, total) => {
      bar ??= progress('profiling', total, { unit: 'batches', quiet: o.quiet });
      bar.update(done);
    },
  });
  (bar as Progress | null)?.stop();
  const gpu = o.backend === 'onnx' ? cpuProfileGpu(cpus.length) : MPS_PROFILE_GPU;
  const paths = profilePaths(o.stem);
  const write = (path: string, text: string): string => writeText(dirname(path), basename(path), text);
  const written = [write(paths.csv, profileCsv(result, gpu))];
  const set = loadProfileSet(paths.csv);
  const sidecar = buildSidecar(o, result, files, gpu, cpus, set.ctx.latency);
  written.push(write(paths.sidecar, `${JSON.stringify(sidecar, null, 2)}\n`));
  written.push(write(paths.workload, `${JSON.stringify(workloadFor(sidecar, o.load, basename(o.stem)), null, 2)}\n`));
  set.sidecar = sidecar;
  return { sidecar, files: written, set };
}

function buildSidecar(
  o: ProfileRunOptions,
  r: ProfileResult,
  files: Record<string, VariantFile>,
  gpu: string,
  cpus: number[],
  latency: LatencyModel,
): ProfileSidecar {
  const models: ProfileSidecar['models'] = {};
  for (const [name, f] of Object.entries(files)) {
    const { sloMs, capacityRps } = sloAndCapacity(latency, name);
    models[name] = {
      variant: variantLabel(name, f.variant),
      width: f.variant.width,
      ...(f.variant.bertLayers !== undefined ? { bert_layers: f.variant.bertLayers } : {}),
      file: f.path,
      params: f.params,
      gflops_per_sample: round(f.gflopsPerSample, 4),
      slo_ms: sloMs,
      capacity_rps: capacityRps,
      colocation_slowdown: Object.fromEntries(
        Object.entries(r.colocationSlowdown[name] ?? {}).map(([o, f]) => [o, round(f, 4)]),
      ),
    };
  }
  return {
    backend: o.backend,
    gpu,
    cores: cpus.length,
    cpus,
    partitions_pct: o.partitionsPct,
    threads_by_partition: r.threadsByPartition,
    affinity: r.affinity,
    host: o.host,
    batches: o.batches,
    reps: o.reps,
    jitter_cv: round(r.jitterCv, 4),
    jitter_cv_robust: round(r.jitterCvRobust, 4),
    latency_ratios: r.latencyRatios.map((x) => round(x, 4)),
    foreign_cpu_cores: r.cpu === null ? null : round(r.cpu.foreignCores, 3),
    keep_warm: o.keepWarm,
    colocation_partition_pct: r.colocationPartitionPct,
    colocation_points: r.colocationPoints.map((c) => ({
      self: c.self,
      other: c.other,
      batch: c.batch,
      solo_ms: round(c.soloMs, 4),
      colocated_ms: round(c.colocatedMs, 4),
      ...(c.soloRetest !== undefined ? { solo_retest: round(c.soloRetest, 4) } : {}),
    })),
    models,
    measured_at: new Date().toISOString(),
    node: process.version,
  };
}

/** {@link workloadFor}'s document, parsed: the workload to plan and serve. */
export function profileWorkload(s: ProfileSidecar, load: number, name: string): Workload {
  return parseWorkload(JSON.stringify(workloadFor(s, load, name)), `${name} (from the profile)`, resolveModel);
}

/** The workload document for a profile set: measured SLOs, `load` of capacity split evenly. */
export function workloadFor(s: ProfileSidecar, load: number, name: string) {
  const names = Object.keys(s.models);
  return {
    name,
    gpus: 1,
    gpu: s.gpu,
    models: names.map((m) => ({
      model: m,
      rate: round((load * s.models[m].capacity_rps) / names.length, 1),
      slo_ms: s.models[m].slo_ms,
    })),
  };
}

/** The profile as a readable table: L at b = 1, 8, 32 per partition, SLO, and the co-location slowdown next to each model. */
export function profileTable(set: ProfileSet): string {
  const s = set.sidecar as ProfileSidecar;
  const l = set.ctx.latency;
  const names = Object.keys(s.models);
  const header = [
    'model',
    ...s.partitions_pct.flatMap((p) => [`L1@${p}`, `L8@${p}`, `L32@${p}`]),
    'SLO ms',
    ...names.map((o) => `x next to ${o}`),
  ];
  const rows = Object.entries(s.models).map(([m, info]) => [
    info.variant,
    ...s.partitions_pct.flatMap((p) => [l.latencyMs(m, 1, p), l.latencyMs(m, 8, p), l.latencyMs(m, 32, p)]),
    info.slo_ms,
    ...names.map((o) => info.colocation_slowdown[o] ?? null),
  ]);
  return table(header, rows);
}

/** The models `profile` measures by default: small enough for a 2-core machine in a minute. */
export const DEFAULT_PROFILE_MODELS = 'googlenet@0.25,resnet50@0.25,mobilenet_v2@0.5';
