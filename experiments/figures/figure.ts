/**
 * What a figure is: the CSVs it reads (keyed by file name), a pure `figure(inputs)` building a
 * vega-lite spec, and a pure `report(inputs)` giving our numbers next to the paper's for
 * results/REPORT.md. A figure whose CSV is absent is skipped with a note, never an error, so
 * figures for studies still being written appear as soon as their CSV does.
 */
import type { MeanCi } from './stats.ts';
import { findTable, missingColumns, type Table } from './table.ts';
import type { VlSpec } from './style.ts';
import type { Note } from './notes.ts';

/** The tables a figure reads, by the canonical file name in its `inputs` (null: absent). */
export type Inputs = Readonly<Record<string, Table | null>>;

/** One number of ours next to the paper's. */
export interface Comparison {
  /** What is compared, e.g. `game, gpulet-int`. */
  item: string;
  ours: number | null;
  paper: number | null;
  /** Unit shown in the table, e.g. `req/s`, `%`, `x`. */
  unit: string;
  /** 95 % interval across seeds, where the run is random and replicates exist. */
  ci?: MeanCi | null;
  /**
   * For SLO-violation percentages: ours and the paper's both at or below this bound agree with the
   * paper's claim whatever their ratio, and the report says so instead of asking for a reason.
   */
  boundPct?: number;
}

/** A figure's part of the report. */
export interface Section {
  heading: string;
  /** Prose before the table: what was compared and how. */
  intro: string[];
  comparisons: Comparison[];
  /** Extra Markdown after the table (data with no paper counterpart). */
  extra?: string[];
  /** Column headings for the two sides. @default { ours: 'ours', paper: 'paper' } */
  labels?: { ours: string; paper: string };
}

export interface FigureDef {
  /** Output base name: `fig12` → fig12.svg, fig12.png. */
  readonly name: string;
  /** The study that writes the CSVs (the `experiment` name), for messages. */
  readonly study: string;
  /** CSV file names read from the results folder; the first must exist, the rest are optional. */
  readonly inputs: readonly string[];
  /** Columns the first input must have. */
  readonly required: readonly string[];
  /** A further check of the first input; a message makes the figure skipped with it. */
  check?(t: Table): string | null;
  figure(t: Inputs): VlSpec;
  report(t: Inputs): Section;
  /** Why our numbers differ from the paper's, first match wins (the study's figure.ts; shared ones in experiments/figures/notes.ts). */
  readonly notes?: readonly Note[];
}

export type Loaded = { ok: true; inputs: Inputs; files: string[] } | { ok: false; reason: string };

/** Read `def`'s CSVs from `dir` (the `-quick` variants first when `quick`). */
export function loadInputs(def: FigureDef, dir: string, quick: boolean): Loaded {
  const inputs: Record<string, Table | null> = {};
  for (const name of def.inputs) inputs[name] = findTable(dir, name, quick);
  const primary = inputs[def.inputs[0]];
  if (primary === null)
    return { ok: false, reason: `${def.inputs[0]} not found in ${dir} (run \`gpulet experiment ${def.study}\`)` };
  const missing = missingColumns(primary, def.required);
  if (missing.length > 0)
    return {
      ok: false,
      reason: `${primary.file} lacks column(s) ${missing.join(', ')}; the figure expects ${def.required.join(', ')}`,
    };
  if (primary.rows.length === 0) return { ok: false, reason: `${primary.file} has no rows` };
  const problem = def.check?.(primary) ?? null;
  if (problem !== null) return { ok: false, reason: problem };
  const files = Object.values(inputs).flatMap((t) => (t === null ? [] : [t.file]));
  return { ok: true, inputs, files };
}

/** The output base name: `fig12-quick` when drawn from a -quick CSV. */
export function outputBase(def: FigureDef, files: readonly string[]): string {
  return files[0]?.endsWith('-quick.csv') ? `${def.name}-quick` : def.name;
}
