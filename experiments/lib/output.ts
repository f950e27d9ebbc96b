/** Writing study outputs: CSV with an explicit column order (STYLE habit 14), JSON config beside it. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { csvFormat } from 'd3-dsv';

export type CsvValue = string | number | boolean | null;
export type CsvRow = Record<string, CsvValue>;

/** Format a row value: numbers with at most `digits` decimals (byte-stable), null as empty. */
function cell(v: CsvValue, digits: number): string {
  if (v === null) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(Number(v.toFixed(digits))) : String(v);
  return String(v);
}

/** CSV text with exactly `columns`, in that order. */
export function toCsv(rows: readonly CsvRow[], columns: readonly string[], digits = 4): string {
  const formatted = rows.map((r) => Object.fromEntries(columns.map((c) => [c, cell(r[c] ?? null, digits)])));
  return `${csvFormat(formatted, [...columns])}\n`;
}

/** Write `rows` as CSV to `dir/name`, creating the directory; returns the path. */
export function writeCsv(
  dir: string,
  name: string,
  rows: readonly CsvRow[],
  columns: readonly string[],
  digits = 4,
): string {
  const path = join(dir, name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, toCsv(rows, columns, digits));
  return path;
}

/** Write a text file (SVG, JSON, Markdown) to `dir/name`; returns the path. */
export function writeText(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
}
