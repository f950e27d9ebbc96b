/**
 * Profiled batch latency L(b, p) of models on one GPU type, behind the engine's `LatencyModel`.
 *
 * A profile file has rows `model,gpu,partition,batch,latency_ms[,source]` (the embedded RTX 2080 Ti
 * set is `data/rtx2080ti-latency.csv`, written by `experiments/lib/profile-completion.ts`). Entries the
 * file lacks are completed once, on load, with the artifact's rule (docs/artifact.md#profile-completion,
 * `src/scheduler/latency_model.cpp` of casys-kaist/glet):
 *  - a batch missing within a profiled partition: linear interpolation over batch between the
 *    nearest profiled batches of that partition (so every profiled partition needs b = 1 and 32);
 *  - a partition that was not profiled, between the smallest and largest profiled ones: blend the
 *    two extreme partitions with the weight that puts p on the batch-32 curve,
 *    f = (L32(p) - L32(pmax)) / (L32(pmin) - L32(pmax)), L(b, p) = f L(b, pmin) + (1 - f) L(b, pmax),
 *    where L32(p) is read off the batch-32 curve by linear interpolation between the profiled
 *    partitions next to p (the artifact itself reads L32(p) from the table, and a missing entry
 *    becomes 0 there);
 *  - partitions outside [pmin, pmax] have no value, and asking for one is an error.
 * Note: for a missing batch within a profiled partition the artifact's code also uses the extreme-
 * partition blend; we interpolate within the partition's own data instead, as docs/artifact.md#profile-completion reads it.
 *
 * Lookups are one index computation into a dense Float64Array (model x partition 0..100 x batch
 * 0..32); the only map access is model name -> index. Schedulers call this in inner loops.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BATCH_SLOTS, MAX_BATCH, MAX_LATENCY_MS, MIN_LATENCY_MS, PARTITION_SLOTS } from '../../engine/limits.ts';
import type { LatencyModel } from '../../engine/types.ts';
import { batchOverheadMs, defaultOverheadTables, overheadRuleFor, type OverheadTables } from './batch-overhead.ts';
import { builtinCatalog, type Catalog } from './catalog.ts';
import { fieldError, parseCsvRows, readNumber, readText, type CsvRow } from './csv.ts';

export { defaultUtilProfile, loadUtilProfile } from './util.ts';

/** One validated profile row. */
export interface LatencyRow {
  readonly rowNumber: number;
  /** Canonical model name (aliases in the file are resolved). */
  readonly model: string;
  readonly gpu: string;
  readonly partitionPct: number;
  readonly batch: number;
  readonly latencyMs: number;
  /** Provenance tag, '' when the file has no `source` column. */
  readonly source: string;
}

const COLUMNS = ['model', 'gpu', 'partition', 'batch', 'latency_ms'] as const;

/**
 * Parse and validate every row of a latency profile; see the module comment for the format.
 * Model names are looked up in `catalog` (default: the embedded one).
 */
export function parseLatencyRows(csvText: string, fileName: string, catalog: Catalog = builtinCatalog()): LatencyRow[] {
  const rows: LatencyRow[] = [];
  const seen = new Map<string, number>();
  let gpuFirst: { gpu: string; rowNumber: number } | undefined;
  for (const row of parseCsvRows(csvText, fileName, COLUMNS)) {
    const model = catalog.resolve(
      readText(row, 'model', fileName),
      `${fileName}: row ${row.rowNumber}, field model`,
    ).name;
    const gpu = readText(row, 'gpu', fileName);
    gpuFirst ??= { gpu, rowNumber: row.rowNumber };
    if (gpu !== gpuFirst.gpu) {
      throw fieldError(
        row,
        'gpu',
        fileName,
        `one GPU type per file (${gpuFirst.gpu}, as in row ${gpuFirst.rowNumber})`,
        gpu,
      );
    }
    const partitionPct = readNumber(row, 'partition', fileName, {
      what: 'an integer percent 1..100',
      integer: true,
      min: 1,
      max: 100,
    });
    const batch = readNumber(row, 'batch', fileName, {
      what: `an integer batch 1..${MAX_BATCH}`,
      integer: true,
      min: 1,
      max: MAX_BATCH,
    });
    const latencyMs = readNumber(row, 'latency_ms', fileName, { what: 'a positive number', above: 0 });
    if (latencyMs < MIN_LATENCY_MS || latencyMs > MAX_LATENCY_MS)
      throw fieldError(
        row,
        'latency_ms',
        fileName,
        `a latency from ${MIN_LATENCY_MS} to ${MAX_LATENCY_MS} ms (fixed bounds of the planner)`,
        row.fields.latency_ms?.trim(),
      );
    const key = `${model}|${partitionPct}|${batch}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      throw fieldError(
        row,
        'batch',
        fileName,
        `one row per (model, partition, batch); row ${earlier} has ${model} at ${partitionPct} % batch ${batch}`,
        batch,
      );
    }
    seen.set(key, row.rowNumber);
    rows.push({
      rowNumber: row.rowNumber,
      model,
      gpu,
      partitionPct,
      batch,
      latencyMs,
      source: row.fields.source?.trim() ?? '',
    });
  }
  return rows;
}

/** A complete latency table; build it with {@link loadLatencyProfile}. */
export class ProfileTable implements LatencyModel {
  readonly gpuType: string;
  readonly partitionsPct: readonly number[];
  /** Canonical names of the models this profile covers, in catalog order. */
  readonly models: readonly string[];
  private readonly modelIndex: ReadonlyMap<string, number>;
  /** [(model * 101 + partition) * 33 + batch] -> ms; NaN where the profile cannot say. */
  private readonly latency: Float64Array;
  /** [model * 33 + batch] -> ms. */
  private readonly overhead: Float64Array;

  constructor(
    gpuType: string,
    models: readonly string[],
    partitionsPct: readonly number[],
    latency: Float64Array,
    overhead: Float64Array,
  ) {
    this.gpuType = gpuType;
    this.models = Object.freeze([...models]);
    this.partitionsPct = Object.freeze([...partitionsPct]);
    this.modelIndex = new Map(models.map((m, i) => [m, i]));
    this.latency = latency;
    this.overhead = overhead;
  }

  latencyMs(model: string, batch: number, partitionPct: number): number {
    const m = this.index(model, batch);
    if (!(partitionPct >= 1 && partitionPct <= 100 && (partitionPct | 0) === partitionPct)) {
      throw new RangeError(
        `latencyMs(${model}, ${batch}, ${partitionPct}): partition must be an integer percent 1..100`,
      );
    }
    const value = this.latency[(m * PARTITION_SLOTS + partitionPct) * BATCH_SLOTS + batch];
    if (Number.isNaN(value)) {
      throw new RangeError(
        `latencyMs(${model}, ${batch}, ${partitionPct}): partition outside the profiled range ${this.partitionsPct.join(', ')}`,
      );
    }
    return value;
  }

  batchOverheadMs(model: string, batch: number): number {
    return this.overhead[this.index(model, batch) * BATCH_SLOTS + batch];
  }

  has(model: string): boolean {
    return this.modelIndex.has(model);
  }

  private index(model: string, batch: number): number {
    const m = this.modelIndex.get(model);
    if (m === undefined) throw new RangeError(`${this.gpuType} profile has no model ${JSON.stringify(model)}`);
    if (!(batch >= 1 && batch <= MAX_BATCH && (batch | 0) === batch)) {
      throw new RangeError(`${model}: batch must be an integer 1..${MAX_BATCH}, got ${batch}`);
    }
    return m;
  }
}

/**
 * Validate a profile CSV and complete it into a {@link ProfileTable}. `fileName` appears in errors.
 * @param overheadTables the batching-cost tables the scheduler's estimates add (the artifact's, for
 * the RTX 2080 Ti servers they were measured on), or null for none at all: a profile measured on
 * other hardware (a CPU profile from `gpulet profile`) has no such cost.
 * @param catalog the models the file may name (default: the embedded catalog); its order is the table's.
 */
export function loadLatencyProfile(
  csvText: string,
  fileName: string,
  overheadTables: OverheadTables | null = defaultOverheadTables(),
  catalog: Catalog = builtinCatalog(),
): ProfileTable {
  const rows = parseLatencyRows(csvText, fileName, catalog);
  const order = catalog.models.map((m) => m.name);
  const byModel = new Map<string, Map<number, { table: Float64Array; firstRow: CsvRow }>>();
  for (const r of rows) {
    const parts = byModel.get(r.model) ?? new Map();
    byModel.set(r.model, parts);
    let part = parts.get(r.partitionPct);
    if (part === undefined) {
      part = {
        table: new Float64Array(BATCH_SLOTS).fill(Number.NaN),
        firstRow: { rowNumber: r.rowNumber, fields: {} },
      };
      parts.set(r.partitionPct, part);
    }
    part.table[r.batch] = r.latencyMs;
  }
  const models = order.filter((m) => byModel.has(m));
  const latency = new Float64Array(models.length * PARTITION_SLOTS * BATCH_SLOTS).fill(Number.NaN);
  const overhead = new Float64Array(models.length * BATCH_SLOTS);
  const allPartitions = new Set<number>();
  models.forEach((model, m) => {
    const parts = byModel.get(model)!;
    const profiled = [...parts.keys()].sort((a, b) => a - b);
    const curves = new Map<number, Float64Array>();
    for (const p of profiled) {
      const { table, firstRow } = parts.get(p)!;
      curves.set(p, completeOverBatch(table, model, p, firstRow, fileName));
      allPartitions.add(p);
    }
    for (let p = profiled[0]; p <= profiled[profiled.length - 1]; p++) {
      const curve = curves.get(p) ?? blendExtremes(curves, profiled, p);
      latency.set(curve.subarray(0, BATCH_SLOTS), (m * PARTITION_SLOTS + p) * BATCH_SLOTS);
    }
    const rule = overheadRuleFor(model);
    for (let b = 1; b <= MAX_BATCH; b++) {
      overhead[m * BATCH_SLOTS + b] =
        rule === undefined || overheadTables === null ? 0 : batchOverheadMs(rule, overheadTables, b);
    }
  });
  return new ProfileTable(
    rows[0].gpu,
    models,
    [...allPartitions].sort((a, b) => a - b),
    latency,
    overhead,
  );
}

/** Fill the missing batches of one partition by linear interpolation; b = 1 and 32 must be present. */
function completeOverBatch(
  table: Float64Array,
  model: string,
  p: number,
  firstRow: CsvRow,
  fileName: string,
): Float64Array {
  if (Number.isNaN(table[1]) || Number.isNaN(table[MAX_BATCH])) {
    const present = [];
    for (let b = 1; b <= MAX_BATCH; b++) if (!Number.isNaN(table[b])) present.push(b);
    throw fieldError(
      firstRow,
      'batch',
      fileName,
      `rows for batch 1 and batch ${MAX_BATCH} of ${model} at partition ${p} (interpolation needs both ends)`,
      `batches ${present.join(', ')}`,
    );
  }
  const out = Float64Array.from(table);
  let lo = 1;
  for (let b = 2; b <= MAX_BATCH; b++) {
    if (Number.isNaN(table[b])) continue;
    for (let x = lo + 1; x < b; x++) out[x] = table[lo] + ((table[b] - table[lo]) * (x - lo)) / (b - lo);
    lo = b;
  }
  return out;
}

/** The artifact's blend of the extreme profiled partitions for an unprofiled partition p. */
function blendExtremes(
  curves: ReadonlyMap<number, Float64Array>,
  profiled: readonly number[],
  p: number,
): Float64Array {
  const pMin = profiled[0];
  const pMax = profiled[profiled.length - 1];
  const above = profiled.findIndex((q) => q > p);
  const pLo = profiled[above - 1];
  const pHi = profiled[above];
  const l32Lo = curves.get(pLo)![MAX_BATCH];
  const l32Hi = curves.get(pHi)![MAX_BATCH];
  const l32 = l32Lo + ((l32Hi - l32Lo) * (p - pLo)) / (pHi - pLo);
  const l32Min = curves.get(pMin)![MAX_BATCH];
  const l32Max = curves.get(pMax)![MAX_BATCH];
  // A flat batch-32 curve says nothing about where p sits; fall back to its position in percent.
  const f = l32Min === l32Max ? (pMax - p) / (pMax - pMin) : (l32 - l32Max) / (l32Min - l32Max);
  const small = curves.get(pMin)!;
  const large = curves.get(pMax)!;
  const out = new Float64Array(BATCH_SLOTS).fill(Number.NaN);
  for (let b = 1; b <= MAX_BATCH; b++) out[b] = f * small[b] + (1 - f) * large[b];
  return out;
}

let cachedDefault: ProfileTable | undefined;

/** The embedded RTX 2080 Ti profile (`data/rtx2080ti-latency.csv`), loaded once. */
export function defaultProfile(): ProfileTable {
  const url = new URL('./data/rtx2080ti-latency.csv', import.meta.url);
  cachedDefault ??= loadLatencyProfile(readFileSync(url, 'utf8'), fileURLToPath(url));
  return cachedDefault;
}
