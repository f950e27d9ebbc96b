/**
 * The NVIDIA A100 80GB profile: ParvaGPU's measurements of 11 models over MIG instance size x batch
 * x MPS processes, embedded as `data/a100-80gb-mig.csv` with the source file and line of every row.
 *
 * Provenance: MunQ-Lee/ParvaGPU_SC24 at commit 5f3de1e18582b4c81896a1c3eb0e2915238dfee6,
 * `prof_data/<model>.csv` (MIT licence, notice in `data/parvagpu-LICENSE`; Copyright (c) 2024
 * sslab6943). Converted, nothing else: `Mig instance` -> `instance` (GPCs), `Workload Number` ->
 * `procs`, `Batch size` -> `batch`, `Latency` (s per batch) -> `latency_ms` (the decimal point moved
 * three places), `Throughput` -> `proc_throughput_rps`. That figure is per process, not per
 * instance: batch / latency matches it (bert, 2g, batch 2, 2 processes: 298 req/s, 2 / 7 ms = 286),
 * and ParvaGPU's scheduler multiplies it by the process count (src/data_load.c). Rows of zeros (not
 * measured: out of memory) are left out; the file name `mobilenetv2` is our `mobilenet_v2`, and
 * ParvaGPU's `bert` (BERT-large, 128 tokens) is filed under our `bert`, a different network from the
 * RTX 2080 Ti profile's.
 *
 * Columns: `model,gpu,instance,procs,batch,latency_ms,proc_throughput_rps[,source]`.
 *
 * MPS mode (the gpulet schedulers on an A100, no MIG): {@link mpsLatencyModel} reads the
 * single-process rows as the latency of a gpulet with the same share of the GPU: a p % gpulet
 * runs as a MIG instance with p % of the 7g instance's GPCs (1g = 14 %, 2g = 29 %, 3g = 43 %, 4g = 57 %,
 * 7g = 100 %), sizes in between by the same rule the RTX 2080 Ti profile uses (latency.ts). That
 * is an assumption, not a measurement: MPS shares SMs but not the L2 and memory controllers that MIG
 * splits, and the whole GPU in MPS mode has 108 SMs against the 7g instance's 98.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InputError } from '../../engine/errors.ts';
import { POW2_BATCHES } from '../../engine/limits.ts';
import { migPercent, type MigGeometry, type MigPoint, type MigProfile } from '../../engine/mig.ts';
import { gpuType } from '../gpu-types.ts';
import { resolveModel } from './catalog.ts';
import { fieldError, parseCsvRows, readNumber, readText } from './csv.ts';
import { loadLatencyProfile, type ProfileTable } from './latency.ts';

const COLUMNS = ['model', 'gpu', 'instance', 'procs', 'batch', 'latency_ms', 'proc_throughput_rps'] as const;

/** Largest batch a MIG profile row may hold (ParvaGPU's MAX_BATCH). */
export const MIG_MAX_BATCH = 1024;

/** A validated MIG profile; build it with {@link loadMigProfile}. */
export class MigTable implements MigProfile {
  readonly gpuType: string;
  readonly geometry: MigGeometry;
  private readonly byModel: ReadonlyMap<string, readonly MigPoint[]>;
  /** `model|size|procs` -> measured (batch, latency) pairs, batch ascending. */
  private readonly curves: ReadonlyMap<string, ReadonlyArray<readonly [number, number]>>;

  constructor(gpu: string, geometry: MigGeometry, byModel: ReadonlyMap<string, readonly MigPoint[]>) {
    this.gpuType = gpu;
    this.geometry = geometry;
    this.byModel = byModel;
    const curves = new Map<string, Array<readonly [number, number]>>();
    for (const [model, points] of byModel)
      for (const p of points) {
        const key = `${model}|${p.size}|${p.procs}`;
        const c = curves.get(key) ?? [];
        c.push([p.batch, (1000 * p.batch) / p.procThroughputRps]);
        curves.set(key, c);
      }
    for (const c of curves.values()) c.sort((a, b) => a[0] - b[0]);
    this.curves = curves;
  }

  /** Models covered, in the order of the file. */
  get models(): string[] {
    return [...this.byModel.keys()];
  }

  has(model: string): boolean {
    return this.byModel.has(model);
  }

  points(model: string): readonly MigPoint[] {
    return this.byModel.get(model) ?? [];
  }

  /**
   * The batch latency served: batch / per-process throughput, the profile's own latency unrounded
   * (ParvaGPU's runtime derives both columns from the same totals, scripts/dl_infer_runtime.py;
   * the latency column is rounded to the millisecond, 29 ms for densenet121's 28.7 ms on 3g at
   * batch 16 with 2 processes, which would cost that segment 1 % of its throughput).
   */
  latencyMs(model: string, size: number, batch: number, procs: number): number {
    const c = this.curves.get(`${model}|${size}|${procs}`);
    if (c === undefined) return Number.NaN;
    if (batch <= c[0][0]) return c[0][1];
    for (let i = 1; i < c.length; i++) {
      const [b1, l1] = c[i];
      if (batch > b1) continue;
      const [b0, l0] = c[i - 1];
      return l0 + ((l1 - l0) * (batch - b0)) / (b1 - b0);
    }
    return Number.NaN;
  }
}

/** Parse and validate a MIG profile CSV (module comment) into a {@link MigTable}. */
export function loadMigProfile(csvText: string, fileName: string): MigTable {
  const byModel = new Map<string, MigPoint[]>();
  const seen = new Map<string, number>();
  let first: { gpu: string; geometry: MigGeometry; rowNumber: number } | undefined;
  for (const row of parseCsvRows(csvText, fileName, COLUMNS)) {
    const model = resolveModel(readText(row, 'model', fileName), `${fileName}: row ${row.rowNumber}, field model`).name;
    const gpu = readText(row, 'gpu', fileName);
    if (first === undefined) {
      const geometry = gpuType(gpu).mig;
      if (geometry === null) throw fieldError(row, 'gpu', fileName, 'a GPU type with MIG', gpu);
      first = { gpu, geometry, rowNumber: row.rowNumber };
    } else if (gpu !== first.gpu) {
      throw fieldError(row, 'gpu', fileName, `one GPU type per file (${first.gpu}, as in row ${first.rowNumber})`, gpu);
    }
    const sizes = first.geometry.sizes;
    const size = readNumber(row, 'instance', fileName, {
      what: `an instance size, one of ${sizes.join(', ')}`,
      integer: true,
    });
    if (!sizes.includes(size))
      throw fieldError(row, 'instance', fileName, `an instance size, one of ${sizes.join(', ')}`, size);
    const procs = readNumber(row, 'procs', fileName, {
      what: 'a whole number of processes 1..64',
      integer: true,
      min: 1,
      max: 64,
    });
    const batch = readNumber(row, 'batch', fileName, {
      what: `an integer batch 1..${MIG_MAX_BATCH}`,
      integer: true,
      min: 1,
      max: MIG_MAX_BATCH,
    });
    const latencyMs = readNumber(row, 'latency_ms', fileName, { what: 'a positive number', above: 0 });
    const procThroughputRps = readNumber(row, 'proc_throughput_rps', fileName, { what: 'a positive number', above: 0 });
    const key = `${model}|${size}|${procs}|${batch}`;
    const earlier = seen.get(key);
    if (earlier !== undefined)
      throw fieldError(
        row,
        'batch',
        fileName,
        `one row per (model, instance, procs, batch); row ${earlier} has it`,
        batch,
      );
    seen.set(key, row.rowNumber);
    const list = byModel.get(model) ?? [];
    list.push({ size, batch, procs, procThroughputRps, latencyMs });
    byModel.set(model, list);
  }
  if (first === undefined) throw new InputError(`${fileName}: no rows`);
  for (const list of byModel.values()) list.sort((a, b) => a.size - b.size || a.batch - b.batch || a.procs - b.procs);
  return new MigTable(first.gpu, first.geometry, byModel);
}

const A100_FILE = new URL('./data/a100-80gb-mig.csv', import.meta.url);
let cachedMig: MigTable | undefined;
let cachedMps: ProfileTable | undefined;

/** The embedded A100 80GB MIG profile, loaded once. */
export function a100MigProfile(): MigTable {
  cachedMig ??= loadMigProfile(readFileSync(A100_FILE, 'utf8'), fileURLToPath(A100_FILE));
  return cachedMig;
}

/**
 * The MPS-mode latency table of a MIG profile (module comment): single-process rows at batches
 * 1..32, each instance size as its share of the GPCs. A batch the profile lacks (out of memory:
 * densenet169, densenet201 and resnet152 at batch 32 on 1g) is extrapolated along the line
 * through the two largest measured batches below it.
 */
export function mpsLatencyModel(mig: MigTable): ProfileTable {
  const lines = ['model,gpu,partition,batch,latency_ms,source'];
  for (const model of mig.models)
    for (const size of mig.geometry.sizes) {
      const measured = POW2_BATCHES.map((b) => [b, mig.latencyMs(model, size, b, 1)] as const).filter(
        ([b, l]) =>
          !Number.isNaN(l) && mig.points(model).some((p) => p.size === size && p.procs === 1 && p.batch === b),
      );
      if (measured.length < 2) continue;
      for (const b of POW2_BATCHES) {
        const m = measured.find(([x]) => x === b);
        let ms: number;
        let source = 'measured';
        if (m !== undefined) ms = m[1];
        else {
          const below = measured.filter(([x]) => x < b);
          if (below.length < 2) continue;
          const [[b0, l0], [b1, l1]] = below.slice(-2);
          ms = l1 + ((l1 - l0) * (b - b1)) / (b1 - b0);
          source = 'extrapolated';
        }
        lines.push(`${model},${mig.gpuType},${migPercent(mig.geometry, size)},${b},${ms},${source}`);
      }
    }
  return loadLatencyProfile(`${lines.join('\n')}\n`, `${fileURLToPath(A100_FILE)} (MPS mode)`, null);
}

/** The embedded A100's MPS-mode latency table, built once. */
export function a100MpsProfile(): ProfileTable {
  cachedMps ??= mpsLatencyModel(a100MigProfile());
  return cachedMps;
}
