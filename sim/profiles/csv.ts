/**
 * Boundary validation shared by the profile loaders (catalog, latency, utilisation, batching cost).
 * Every mistake becomes one `InputError` line in the STYLE habit 6 shape:
 * `<file>: row <n>, field <name>: expected <what>, got <value>`.
 *
 * Rows are numbered as lines of the file: the header is row 1, the first data row is row 2, so
 * "row 12" is line 12 in an editor (true unless a quoted field spans lines).
 */
import { csvParse } from 'd3-dsv';
import { InputError, show } from '../../engine/errors.ts';

/** One data row: its line number and its fields by column name (missing trailing fields are undefined). */
export interface CsvRow {
  readonly rowNumber: number;
  readonly fields: Readonly<Record<string, string | undefined>>;
}

/**
 * Parse CSV text whose header must contain every column in `required` (others are allowed and
 * ignored). Throws InputError for an empty file, binary data, a header without the required
 * columns, or a file with no data rows.
 */
export function parseCsvRows(text: string, fileName: string, required: readonly string[]): CsvRow[] {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const expectedHeader = `a header with columns ${required.join(',')}`;
  if (body.trim() === '') {
    throw new InputError(`${fileName}: row 1, field header: expected ${expectedHeader}, got an empty file`);
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point (binary input)
  const binaryAt = body.search(/[\u0000-\u0008\u000E-\u001F\uFFFD]/);
  if (binaryAt >= 0) {
    const rowNumber = body.slice(0, binaryAt).split('\n').length;
    throw new InputError(`${fileName}: row ${rowNumber}, field header: expected a text CSV file, got binary data`);
  }
  const parsed = csvParse(body);
  const missing = required.filter((c) => !parsed.columns.includes(c));
  if (missing.length > 0) {
    const firstLine = body.split(/\r?\n/, 1)[0] ?? '';
    throw new InputError(`${fileName}: row 1, field header: expected ${expectedHeader}, got ${show(firstLine)}`);
  }
  if (parsed.length === 0) {
    throw new InputError(`${fileName}: row 2, field ${required[0]}: expected at least one data row, got nothing`);
  }
  return parsed.map((fields, i) => ({ rowNumber: i + 2, fields }));
}

/** Strict decimal number syntax: no hex, no `Infinity`, no empty string (which `Number` reads as 0). */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Constraints on a numeric field; `what` is the phrase used after "expected". */
export interface NumberRule {
  readonly what: string;
  readonly integer?: boolean;
  readonly min?: number;
  readonly max?: number;
  /** Exclusive lower bound (e.g. 0 for "positive"). */
  readonly above?: number;
}

/** Read a numeric field or throw InputError naming the file, row and field. */
export function readNumber(row: CsvRow, field: string, fileName: string, rule: NumberRule): number {
  const raw = row.fields[field];
  const text = raw?.trim() ?? '';
  const value = DECIMAL.test(text) ? Number(text) : Number.NaN;
  const ok =
    Number.isFinite(value) &&
    (!rule.integer || Number.isInteger(value)) &&
    (rule.min === undefined || value >= rule.min) &&
    (rule.max === undefined || value <= rule.max) &&
    (rule.above === undefined || value > rule.above);
  if (!ok) throw fieldError(row, field, fileName, rule.what, raw);
  return value;
}

/** Read a non-empty text field or throw InputError. */
export function readText(row: CsvRow, field: string, fileName: string): string {
  const raw = row.fields[field];
  const text = raw?.trim() ?? '';
  if (text === '') throw fieldError(row, field, fileName, 'a non-empty value', raw);
  return text;
}

/** The one error shape for a bad field. */
export function fieldError(row: CsvRow, field: string, fileName: string, what: string, got: unknown): InputError {
  const shown = got === undefined || got === '' ? 'nothing' : show(got);
  return new InputError(`${fileName}: row ${row.rowNumber}, field ${field}: expected ${what}, got ${shown}`);
}
