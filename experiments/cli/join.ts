/**
 * `gpulet join PIECES... --out DIR`: put the pieces of a sharded run back together, into exactly
 * what one unsharded run writes. A piece is `BASE-IofN.csv` (`gpulet run --shard I/N`, or
 * `gpulet experiment fig15 --shard I/N`); a folder stands for the pieces in it. Every piece 1..N
 * must be there once, with the same columns. Then `figures --draw-only` draws a joined study.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { autoType, csvParse } from 'd3-dsv';
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { InputError, show } from '../../engine/errors.ts';
import { RUN_COLUMNS } from '../lib/config-cell.ts';
import { finishConfig, readRunRows } from '../lib/config-run.ts';
import { checkOutputDir } from '../lib/output.ts';
import { FIG15_SCENARIO_COLUMNS, writeFig15, type Fig15Row } from '../studies/fig15/run.ts';
import { print, type Command, type Common } from './common.ts';

interface JoinArgs extends Common {
  pieces: string[];
  out: string;
}

const PIECE = /^(.+)-([1-9]\d*)of([1-9]\d*)\.csv$/;

interface Piece {
  path: string;
  base: string;
  index: number;
  count: number;
  text: string;
  columns: string[];
}

/** The pieces named by `args`: files as given, folders by the piece files in them. */
export function findPieces(args: readonly string[]): Piece[] {
  const paths: string[] = [];
  for (const a of args) {
    let isDir = false;
    try {
      isDir = statSync(a).isDirectory();
    } catch {
      throw new InputError(`join: expected a piece file or a folder of pieces, got ${show(a)}, which does not exist`);
    }
    if (isDir) {
      const found = readdirSync(a)
        .filter((f) => PIECE.test(f))
        .sort();
      if (found.length === 0) throw new InputError(`join: ${show(a)} holds no piece (a file named BASE-IofN.csv)`);
      paths.push(...found.map((f) => join(a, f)));
    } else paths.push(a);
  }
  const pieces = paths.map((path): Piece => {
    const m = PIECE.exec(basename(path));
    if (m === null)
      throw new InputError(`join: ${show(path)}: expected a piece named BASE-IofN.csv (e.g. demo-2of4.csv)`);
    const text = readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
    const columns = text.slice(0, Math.max(0, text.indexOf('\n'))).split(',');
    return { path, base: m[1], index: Number(m[2]), count: Number(m[3]), text, columns };
  });
  const first = pieces[0];
  for (const p of pieces) {
    if (p.base !== first.base || p.count !== first.count)
      throw new InputError(
        `join: ${show(p.path)} is piece of ${p.base} in ${p.count}, but ${show(first.path)} of ${first.base} in ${first.count}: join one run's pieces at a time`,
      );
    if (p.columns.join(',') !== first.columns.join(','))
      throw new InputError(`join: ${show(p.path)}: its columns differ from ${show(first.path)}'s`);
  }
  for (let i = 1; i <= first.count; i++) {
    const have = pieces.filter((p) => p.index === i);
    if (have.length === 0) throw new InputError(`join: piece ${i} of ${first.count} of ${first.base} is missing`);
    if (have.length > 1) throw new InputError(`join: piece ${i} of ${first.count} of ${first.base} is given twice`);
  }
  if (first.index > first.count || pieces.some((p) => p.index > p.count))
    throw new InputError(`join: a piece numbered beyond its count (${first.base})`);
  return pieces.sort((a, b) => a.index - b.index);
}

export const joinCmd: Command<JoinArgs> = (io) => ({
  command: 'join <pieces..>',
  describe: 'Join the pieces of a sharded gpulet run or experiment fig15 into the unsharded outputs',
  builder: (y: Argv) =>
    y
      .positional('pieces', {
        type: 'string',
        array: true,
        describe: 'Piece files (BASE-IofN.csv) or folders holding them',
      })
      .option('out', {
        type: 'string',
        default: 'results',
        describe: 'Folder for the joined outputs',
      }) as unknown as Argv<JoinArgs>,
  handler: async (a: ArgumentsCamelCase<JoinArgs>) => {
    const pieces = findPieces(a.pieces);
    checkOutputDir('--out', a.out);
    const { base, count } = pieces[0];
    const fig15 = /^fig15(-quick)?-scenarios$/.exec(base);
    let files: string[];
    let rows: number;
    if (fig15 !== null) {
      if (pieces[0].columns.join(',') !== FIG15_SCENARIO_COLUMNS.join(','))
        throw new InputError(`join: ${show(pieces[0].path)}: expected the columns ${FIG15_SCENARIO_COLUMNS.join(',')}`);
      // Scenario strings are base-3 digits of equal length: their text order is the run's order.
      const all = pieces
        .flatMap((p) =>
          csvParse(p.text, (r) => {
            const scenario = r.scenario ?? ''; // autoType would read the digits as a number
            return { ...autoType(r), scenario } as Fig15Row;
          }),
        )
        .sort((x, y) => (x.scenario < y.scenario ? -1 : x.scenario > y.scenario ? 1 : 0));
      files = writeFig15(a.out, fig15[1] !== undefined, all);
      rows = all.length;
    } else if (pieces[0].columns.join(',') === RUN_COLUMNS.join(',')) {
      const all = pieces.flatMap((p) => readRunRows(p.text));
      files = (await finishConfig(base, all, a.out)).files;
      rows = all.length;
    } else
      throw new InputError(
        `join: ${show(pieces[0].path)}: expected pieces of gpulet run (columns ${RUN_COLUMNS.slice(0, 3).join(',')},...) or of experiment fig15`,
      );
    const doc = { base, pieces: count, rows, files };
    print(io, a.format, doc, () => `joined ${count} piece(s) of ${base}: ${rows} rows\nwrote ${files.join(', ')}`);
  },
});
