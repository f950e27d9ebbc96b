/**
 * Writing outputs: CSV with an explicit column order (STYLE habit 14), text beside it; every file
 * written whole or not at all (a temp file in the same folder, then a rename), and every output
 * path a command takes checked before its work starts (checkOutputFile, checkOutputDir).
 */
import { closeSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { csvFormat, csvFormatRows } from 'd3-dsv';
import { InputError } from '../../engine/errors.ts';

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

/** A path in a message: quoted, never cut (show() cuts long text). */
const quote = (path: string): string => JSON.stringify(path);

let tempCount = 0;

/** A temp name beside `path` (same folder, so the rename is atomic). */
function tempBeside(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${tempCount++}.tmp`);
}

/**
 * Write `data` to `path` whole or not at all: into a temp file in the same folder, then renamed
 * over `path`, so a failed or interrupted run never leaves a partial file.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = tempBeside(path);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * A CSV file written row by row (tables of every request can outgrow memory as text), whole or not
 * at all: rows go to a temp file beside `path`, {@link close} renames it over `path`, and
 * {@link abort} removes it.
 */
export class CsvStream {
  private readonly tmp: string;
  private fd: number;
  private buffer: string[] = [];
  private buffered = 0;
  /** Rows written. */
  rows = 0;

  constructor(
    readonly path: string,
    private readonly columns: readonly string[],
    private readonly digits = 4,
  ) {
    this.tmp = tempBeside(path);
    this.fd = openSync(this.tmp, 'w');
    this.push(csvFormat([], [...columns]));
  }

  /** Append one row (its `columns`, in order). */
  write(row: CsvRow): void {
    const cells = this.columns.map((c) => cell(row[c] ?? null, this.digits));
    // d3-dsv quotes a cell only where it must (a comma, quote or line break in it).
    this.push(csvFormatRows([cells]));
    this.rows++;
  }

  /** Finish: flush, then rename over `path`. */
  close(): void {
    this.flush();
    closeSync(this.fd);
    this.fd = -1;
    renameSync(this.tmp, this.path);
  }

  /** Give up: remove the temp file; `path` is left as it was. */
  abort(): void {
    if (this.fd !== -1) closeSync(this.fd);
    this.fd = -1;
    rmSync(this.tmp, { force: true });
  }

  private push(line: string): void {
    this.buffer.push(line);
    this.buffered += line.length;
    if (this.buffered > 1 << 16) this.flush();
  }

  private flush(): void {
    if (this.buffer.length === 0) return;
    writeSync(this.fd, `${this.buffer.join('\n')}\n`);
    this.buffer = [];
    this.buffered = 0;
  }
}

/** Write `rows` as CSV to `dir/name`, creating the directory; returns the path. */
export function writeCsv(
  dir: string,
  name: string,
  rows: readonly CsvRow[],
  columns: readonly string[],
  digits = 4,
): string {
  return writeText(dir, name, toCsv(rows, columns, digits));
}

/** Write a text file (SVG, JSON, Markdown) to `dir/name`, creating the directory; returns the path. */
export function writeText(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileAtomic(path, text);
  return path;
}

/** What is at `path`: a file, a folder, something else, nothing, or an error code (ENOTDIR: a component is a file). */
function kindAt(path: string): 'file' | 'folder' | 'other' | 'missing' | { code: string } {
  try {
    const s = statSync(path);
    return s.isDirectory() ? 'folder' : s.isFile() ? 'file' : 'other';
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    return code === 'ENOENT' ? 'missing' : { code };
  }
}

/** Create and remove a temp file in `folder`; the error code when that fails, else null. */
function probeWritable(folder: string): string | null {
  const tmp = tempBeside(join(folder, 'gpulet-write-check'));
  try {
    writeFileSync(tmp, '', { flag: 'wx' });
    rmSync(tmp, { force: true });
    return null;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? String(e);
  }
}

/**
 * Check, before any work, that `flag`'s file `path` can be written: not empty, not a folder nor a
 * device, in an existing folder where a file can be created. Throws a one-line InputError naming
 * the flag and the path.
 */
export function checkOutputFile(flag: string, path: string): void {
  if (typeof path !== 'string' || path === '') throw new InputError(`${flag}: expected a file path, got nothing`);
  const at = kindAt(path);
  if (at === 'folder') throw new InputError(`${flag}: expected a file path, got ${quote(path)}, which is a folder`);
  if (at === 'other')
    throw new InputError(`${flag}: expected a file path, got ${quote(path)}, which is not a regular file`);
  const folder = dirname(path);
  const parent = kindAt(folder);
  if (parent === 'missing')
    throw new InputError(
      `${flag}: expected a path in an existing folder, got ${quote(path)} (no folder ${quote(folder)})`,
    );
  if (parent !== 'folder')
    throw new InputError(
      `${flag}: expected a path in a folder, got ${quote(path)} (${quote(folder)} ${typeof parent === 'object' && parent.code !== 'ENOTDIR' ? `cannot be read: ${parent.code}` : 'is not a folder'})`,
    );
  const failed = probeWritable(folder);
  if (failed !== null)
    throw new InputError(
      `${flag}: expected a writable folder, got ${quote(path)} (cannot write in ${quote(folder)}: ${failed})`,
    );
}

/**
 * Check, before any work, that `flag`'s folder `dir` can hold output: an existing writable folder,
 * or one that can be created (its nearest existing ancestor is a writable folder). Creates nothing.
 */
export function checkOutputDir(flag: string, dir: string): void {
  if (typeof dir !== 'string' || dir === '') throw new InputError(`${flag}: expected a folder, got nothing`);
  let at = resolve(dir);
  for (;;) {
    const kind = kindAt(at);
    if (kind === 'folder') break;
    if (kind !== 'missing' && !(typeof kind === 'object' && kind.code === 'ENOTDIR'))
      throw new InputError(
        `${flag}: expected a folder, got ${quote(dir)} (${at === resolve(dir) ? 'it' : quote(at)} ${typeof kind === 'object' ? `cannot be read: ${kind.code}` : 'is not a folder'})`,
      );
    const up = dirname(at);
    if (up === at) throw new InputError(`${flag}: expected a folder, got ${quote(dir)} (no existing folder above it)`);
    at = up;
  }
  const failed = probeWritable(at);
  if (failed !== null)
    throw new InputError(
      `${flag}: expected a writable folder, got ${quote(dir)} (cannot write in ${quote(at)}: ${failed})`,
    );
}
