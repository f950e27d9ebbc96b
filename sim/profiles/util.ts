/**
 * Kernel utilisation per (model, batch) at the full GPU: the artifact's `resource/2080ti/UTIL.CSV`
 * (docs/artifact.md#kernel-utilisation), Nsight Compute metrics averaged over a forward pass weighted by kernel duration.
 *
 * `data/rtx2080ti-util.csv` keeps the power-of-two batches (the only ones the artifact reads) with the
 * artifact's values verbatim: `sm_pct` = "Compute (SM) [%]", `l2_pct` = "L2 Cache [%]", `dram_pct` =
 * "Memory [%]", `avg_kernel_ms` = the mean kernel duration (the artifact's `avg_duration(ms)`; used
 * only by the latency completion, so the column is optional).
 *
 * Between powers of two, values are interpolated linearly as the artifact's interference model does
 * (`src/scheduler/interference_model.cpp`: below = 2^floor(log2 b), top = min(32, 2 below)).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MAX_BATCH, POW2_BATCHES } from '../../engine/limits.ts';
import { resolveModel } from './catalog.ts';
import { fieldError, parseCsvRows, readNumber, type CsvRow } from './csv.ts';

/** Utilisation of one batch at the full GPU, percent of peak. */
export interface KernelUtil {
  readonly smPct: number;
  readonly l2Pct: number;
  readonly dramPct: number;
}

/** Utilisation lookups for the models of one GPU type. */
export interface UtilProfile {
  /** Canonical names of the covered models, in file order. */
  readonly models: readonly string[];
  has(model: string): boolean;
  /** Utilisation of `batch` (integer 1..32); the returned object is shared and frozen. */
  util(model: string, batch: number): KernelUtil;
  /** Mean kernel duration, ms, at `batch`; throws if the file had no `avg_kernel_ms` column. */
  kernelMs(model: string, batch: number): number;
}

/** The batches the file must give for every model. */
export const UTIL_BATCHES = POW2_BATCHES;

/** Parse and validate a utilisation CSV; every model needs exactly the batches 1, 2, 4, 8, 16, 32. */
export function loadUtilProfile(csvText: string, fileName: string): UtilProfile {
  const rows = parseCsvRows(csvText, fileName, ['model', 'batch', 'sm_pct', 'l2_pct', 'dram_pct']);
  const hasKernelMs = rows[0].fields.avg_kernel_ms !== undefined;
  const byModel = new Map<string, Map<number, { util: KernelUtil; kernelMs: number; row: CsvRow }>>();
  for (const row of rows) {
    const model = resolveModel(row.fields.model?.trim() ?? '', `${fileName}: row ${row.rowNumber}, field model`).name;
    const batch = readNumber(row, 'batch', fileName, {
      what: 'a batch of 1, 2, 4, 8, 16 or 32',
      integer: true,
      min: 1,
      max: MAX_BATCH,
    });
    if ((batch & (batch - 1)) !== 0) throw fieldError(row, 'batch', fileName, 'a batch of 1, 2, 4, 8, 16 or 32', batch);
    const pct = { what: 'a percent 0..100', min: 0, max: 100 };
    const util = Object.freeze({
      smPct: readNumber(row, 'sm_pct', fileName, pct),
      l2Pct: readNumber(row, 'l2_pct', fileName, pct),
      dramPct: readNumber(row, 'dram_pct', fileName, pct),
    });
    const kernelMs = hasKernelMs
      ? readNumber(row, 'avg_kernel_ms', fileName, { what: 'a positive number', above: 0 })
      : Number.NaN;
    const batches = byModel.get(model) ?? new Map();
    byModel.set(model, batches);
    const earlier = batches.get(batch);
    if (earlier !== undefined) {
      throw fieldError(
        row,
        'batch',
        fileName,
        `one row per (model, batch); row ${earlier.row.rowNumber} has ${model} batch ${batch}`,
        batch,
      );
    }
    batches.set(batch, { util, kernelMs, row });
  }
  for (const [model, batches] of byModel) {
    const missing = UTIL_BATCHES.filter((b) => !batches.has(b));
    if (missing.length > 0) {
      const last = [...batches.values()].at(-1)!.row;
      throw fieldError(
        last,
        'batch',
        fileName,
        `rows for batches ${UTIL_BATCHES.join(', ')} of ${model}`,
        `none for ${missing.join(', ')}`,
      );
    }
  }
  const models = [...byModel.keys()];
  const index = new Map(models.map((m, i) => [m, i]));
  const utils: KernelUtil[] = [];
  const kernelMs = new Float64Array(models.length * (MAX_BATCH + 1));
  models.forEach((model, m) => {
    const at = (b: number) => byModel.get(model)!.get(b)!;
    utils.push(Object.freeze({ smPct: Number.NaN, l2Pct: Number.NaN, dramPct: Number.NaN }));
    for (let b = 1; b <= MAX_BATCH; b++) {
      const below = 2 ** Math.floor(Math.log2(b));
      const top = Math.min(MAX_BATCH, below * 2);
      const t = top === below ? 0 : (b - below) / (top - below);
      const lo = at(below);
      const hi = at(top);
      const mix = (x: number, y: number) => x * (1 - t) + y * t;
      utils.push(
        Object.freeze({
          smPct: mix(lo.util.smPct, hi.util.smPct),
          l2Pct: mix(lo.util.l2Pct, hi.util.l2Pct),
          dramPct: mix(lo.util.dramPct, hi.util.dramPct),
        }),
      );
      kernelMs[m * (MAX_BATCH + 1) + b] = mix(lo.kernelMs, hi.kernelMs);
    }
  });
  const slot = (model: string, batch: number) => {
    const m = index.get(model);
    if (m === undefined) throw new RangeError(`utilisation profile has no model ${JSON.stringify(model)}`);
    if (!(batch >= 1 && batch <= MAX_BATCH && (batch | 0) === batch))
      throw new RangeError(`${model}: batch must be an integer 1..${MAX_BATCH}, got ${batch}`);
    return m * (MAX_BATCH + 1) + batch;
  };
  return Object.freeze({
    models: Object.freeze(models),
    has: (model: string) => index.has(model),
    util: (model: string, batch: number) => utils[slot(model, batch)],
    kernelMs: (model: string, batch: number) => {
      const value = kernelMs[slot(model, batch)];
      if (Number.isNaN(value)) throw new RangeError(`${fileName} has no avg_kernel_ms column`);
      return value;
    },
  });
}

let cached: UtilProfile | undefined;

/** The artifact's RTX 2080 Ti utilisation (`data/rtx2080ti-util.csv`), loaded once. */
export function defaultUtilProfile(): UtilProfile {
  const url = new URL('./data/rtx2080ti-util.csv', import.meta.url);
  cached ??= loadUtilProfile(readFileSync(url, 'utf8'), fileURLToPath(url));
  return cached;
}
