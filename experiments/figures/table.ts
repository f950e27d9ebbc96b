/**
 * Reading study CSVs back for figures and the report. Figures never call a study: they read the
 * CSV it wrote, so a figure can be redrawn (and the report regenerated) without re-running anything.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { csvParse } from 'd3-dsv';

/** One CSV: its file name and rows of raw strings. */
export interface Table {
  readonly file: string;
  readonly columns: readonly string[];
  readonly rows: ReadonlyArray<Readonly<Record<string, string>>>;
}

/** Parse CSV text; `file` names it in messages. */
export function parseTable(file: string, text: string): Table {
  const parsed = csvParse(text);
  return { file, columns: parsed.columns, rows: parsed.map((r) => ({ ...r }) as Record<string, string>) };
}

/**
 * The CSV `name` under `dir`. With `quick`, `<base>-quick.csv` is preferred where it exists (fig12
 * writes its --quick rows there); otherwise `name` itself. Null when neither exists.
 */
export function findTable(dir: string, name: string, quick: boolean): Table | null {
  const candidates = quick ? [name.replace(/\.csv$/, '-quick.csv'), name] : [name];
  for (const file of candidates) {
    const path = join(dir, file);
    if (existsSync(path)) return parseTable(file, readFileSync(path, 'utf8'));
  }
  return null;
}

/** Columns of `t` among `wanted` that are missing. */
export function missingColumns(t: Table, wanted: readonly string[]): string[] {
  return wanted.filter((c) => !t.columns.includes(c));
}

/** A cell as a number; empty or non-numeric cells are null. */
export function num(row: Readonly<Record<string, string>>, column: string): number | null {
  const s = row[column];
  if (s === undefined || s.trim() === '') return null;
  const v = Number(s);
  return Number.isFinite(v) ? v : null;
}

/** A list cell (`1800;1750;1850`, separators `;`, `|` or space) as numbers. */
export function numList(row: Readonly<Record<string, string>>, column: string): number[] {
  const s = row[column];
  if (s === undefined || s.trim() === '') return [];
  return s
    .split(/[;| ]+/)
    .map(Number)
    .filter((v) => Number.isFinite(v));
}
