/**
 * CPU-side batching cost (docs/artifact.md#batching-cost-and-safety-factor): the time to assemble a batch of inputs, which the
 * artifact's scheduler adds to every latency estimate.
 *
 * `data/batch-overhead.csv` holds the artifact's measured tables (casys-kaist/glet
 * `resource/1_28_28.txt`, `3_224_224.txt`, `3_300_300.txt`, ms for b = 1..32; the files' third field
 * is empty, so there is no variance column). `overheadRules` says which table and multiplier each
 * model uses, as in the artifact's `getBatchLatency` (`src/scheduler/scheduler_base.cpp`), whose
 * comment says the multipliers make the scheduler's decisions conservative:
 * LeNet a constant 0.4 ms, the 224x224 models 1.9 x table, SSD 2.5 x table, BERT a constant 1 ms.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MAX_BATCH } from '../../engine/limits.ts';
import { fieldError, parseCsvRows, readNumber, readText } from './csv.ts';

/** How one model's batching cost is computed. */
export type OverheadRule =
  | { readonly kind: 'table'; readonly input: string; readonly multiplier: number }
  | { readonly kind: 'constant'; readonly ms: number };

/** Per model, the artifact's `getBatchLatency` rule. Inputs are spelled as in `models.csv`. */
export const overheadRules = {
  lenet: { kind: 'constant', ms: 0.4 },
  googlenet: { kind: 'table', input: '3x224x224', multiplier: 1.9 },
  resnet50: { kind: 'table', input: '3x224x224', multiplier: 1.9 },
  'ssd-mobilenetv1': { kind: 'table', input: '3x300x300', multiplier: 2.5 },
  vgg16: { kind: 'table', input: '3x224x224', multiplier: 1.9 },
  mnasnet1_0: { kind: 'table', input: '3x224x224', multiplier: 1.9 },
  mobilenet_v2: { kind: 'table', input: '3x224x224', multiplier: 1.9 },
  densenet161: { kind: 'table', input: '3x224x224', multiplier: 1.9 },
  bert: { kind: 'constant', ms: 1 },
} as const satisfies Record<string, OverheadRule>;

/** Measured batching cost per input shape: `ms[b]` for b = 1..32 (index 0 unused). */
export type OverheadTables = ReadonlyMap<string, Float64Array>;

/** Parse `input,batch,overhead_ms` rows; every input needs all of b = 1..32 exactly once. */
export function parseOverheadTables(csvText: string, fileName: string): OverheadTables {
  const tables = new Map<string, Float64Array>();
  const lastRow = new Map<string, number>();
  for (const row of parseCsvRows(csvText, fileName, ['input', 'batch', 'overhead_ms'])) {
    const input = readText(row, 'input', fileName);
    const batch = readNumber(row, 'batch', fileName, {
      what: `an integer batch 1..${MAX_BATCH}`,
      integer: true,
      min: 1,
      max: MAX_BATCH,
    });
    const ms = readNumber(row, 'overhead_ms', fileName, { what: 'a non-negative number', min: 0 });
    let table = tables.get(input);
    if (table === undefined) {
      table = new Float64Array(MAX_BATCH + 1).fill(Number.NaN);
      tables.set(input, table);
    }
    if (!Number.isNaN(table[batch]))
      throw fieldError(
        row,
        'batch',
        fileName,
        `one row per (input, batch); ${input} has batch ${batch} already`,
        batch,
      );
    table[batch] = ms;
    lastRow.set(input, row.rowNumber);
  }
  for (const [input, table] of tables) {
    const missing = [];
    for (let b = 1; b <= MAX_BATCH; b++) if (Number.isNaN(table[b])) missing.push(b);
    if (missing.length > 0) {
      const row = { rowNumber: lastRow.get(input) ?? 2, fields: {} };
      throw fieldError(
        row,
        'batch',
        fileName,
        `batches 1..${MAX_BATCH} for input ${input}`,
        `none for ${missing.join(' ')}`,
      );
    }
  }
  return tables;
}

let cached: OverheadTables | undefined;

/** The artifact's tables, read once from `data/batch-overhead.csv`. */
export function defaultOverheadTables(): OverheadTables {
  const url = new URL('./data/batch-overhead.csv', import.meta.url);
  cached ??= parseOverheadTables(readFileSync(url, 'utf8'), fileURLToPath(url));
  return cached;
}

/** The rule for a canonical model name, or undefined for a model the artifact has no rule for. */
export function overheadRuleFor(model: string): OverheadRule | undefined {
  return Object.hasOwn(overheadRules, model) ? overheadRules[model as keyof typeof overheadRules] : undefined;
}

/** Batching cost, ms, that the artifact's scheduler adds for `batch` requests of a model with `rule`. */
export function batchOverheadMs(rule: OverheadRule, tables: OverheadTables, batch: number): number {
  if (rule.kind === 'constant') return Math.fround(rule.ms);
  const table = tables.get(rule.input);
  if (table === undefined) throw new RangeError(`no batching-cost table for input ${rule.input}`);
  // The artifact reads the tables into C++ floats and stores the product in one.
  return Math.fround(rule.multiplier * Math.fround(table[batch]));
}

/** Models whose scheduler rule is a constant but whose input has a measured table. */
const MEASURED_INPUT: Readonly<Record<string, string>> = { lenet: '1x28x28' };

/**
 * The measured batching cost itself (multiplier 1), ms: what assembling a batch actually takes in
 * the artifact's prototype, as opposed to the conservative figure its scheduler plans with. 0 for a
 * model without a measured table (BERT's 112-byte input).
 */
export function measuredBatchCostMs(
  model: string,
  batch: number,
  tables: OverheadTables = defaultOverheadTables(),
): number {
  const rule = overheadRuleFor(model);
  const input =
    (Object.hasOwn(MEASURED_INPUT, model) ? MEASURED_INPUT[model] : undefined) ??
    (rule?.kind === 'table' ? rule.input : undefined);
  const table = input === undefined ? undefined : tables.get(input);
  return table === undefined ? 0 : table[batch];
}
