/**
 * The command line: `npm run -s gpulet -- <command>` (docs/design.md#command-line-contract). Every command has
 * --help; `--format json` prints one JSON document on stdout, progress and logs go to stderr.
 * User mistakes (InputError, and every yargs complaint) print one line and exit 2; anything else is
 * a bug and keeps its stack.
 */
import yargs, { type Argv, type CommandModule, type MiddlewareFunction } from 'yargs';
import { InputError, show } from '../../engine/errors.ts';
import { commands, type Io } from './commands.ts';
import { ExitStatus } from '../lib/io.ts';

const processIo: Io = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

/** yargs-parser's negative number: a value, not a flag. */
const NEGATIVE = /^-([0-9]+(\.[0-9]+)?|\.[0-9]+)$/;
/** Strict decimal syntax for number flags: no hex, no Infinity, no empty text (which yargs reads as 0). */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
/** Positional arguments: named without dashes in messages. */
const POSITIONALS = new Set(['name', 'action']);

/**
 * `--shard -1/2`: yargs takes a token that starts with a dash and a digit, but is not a plain
 * negative number, for a cluster of one-letter flags ("Unknown argument: 1"). No flag of ours is a
 * digit, so such a token after a flag is that flag's value: pass it as `--shard=-1/2`.
 */
export function joinDashValues(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const t = argv[i];
    if (t === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const next = argv[i + 1];
    if (/^--?[A-Za-z][\w-]*$/.test(t) && next !== undefined && /^-[0-9.]/.test(next) && !NEGATIVE.test(next)) {
      out.push(`${t}=${next}`);
      i++;
    } else out.push(t);
  }
  return out;
}

/** Every value given for a flag spelt as any of `names`, as typed; undefined where none followed it. */
function rawValues(argv: readonly string[], names: readonly string[]): Array<string | undefined> {
  const spellings = names.map((n) => (n.length === 1 ? `-${n}` : `--${n}`));
  const out: Array<string | undefined> = [];
  for (let i = 0; i < argv.length; i++) {
    const t = argv[i];
    if (t === '--') break;
    const eq = t.indexOf('=');
    if (eq > 0 && spellings.includes(t.slice(0, eq))) out.push(t.slice(eq + 1));
    else if (spellings.includes(t)) {
      const next = argv[i + 1];
      const isValue = next !== undefined && (!next.startsWith('-') || NEGATIVE.test(next) || next === '-');
      out.push(isValue ? next : undefined);
      if (isValue) i++;
    }
  }
  return out;
}

/** The options yargs knows in the running command (its internal API; only the fields used here). */
interface ParserOptions {
  key: Record<string, unknown>;
  alias: Record<string, string[]>;
  number: string[];
  string: string[];
  choices: Record<string, unknown>;
}

/**
 * What yargs lets through: a number flag given text (`-r abc`, which yargs makes NaN) or nothing
 * (`-d` at the end, which yargs turns into the default), a string flag given nothing, and any
 * flag given twice (yargs makes an array of them). Each is a one-line InputError.
 */
function checkRawFlags(raw: readonly string[], argv: Record<string, unknown>, opts: ParserOptions): void {
  const done = new Set<string>();
  const numbers = new Set(opts.number);
  const strings = new Set([...opts.string, ...Object.keys(opts.choices ?? {})]);
  for (const key of Object.keys(opts.key)) {
    if (done.has(key) || !(numbers.has(key) || strings.has(key))) continue;
    const names = [key, ...(opts.alias[key] ?? [])];
    for (const n of names) done.add(n);
    const flag = `--${names.find((n) => n.length > 1 && n === n.toLowerCase()) ?? key}`;
    const given = rawValues(raw, names);
    if (given.length > 1)
      throw new InputError(`${flag}: expected one value, got ${given.length} (${flag} given twice)`);
    const isNumber = numbers.has(key);
    if (given.length === 1) {
      const v = given[0];
      if (v === undefined) throw new InputError(`${flag}: expected ${isNumber ? 'a number' : 'a value'}, got nothing`);
      if (isNumber && !DECIMAL.test(v.trim())) throw new InputError(`${flag}: expected a number, got ${show(v)}`);
    }
    // A spelling rawValues does not know (e.g. -d5): yargs' own reading still must be a number.
    const parsed = argv[key];
    if (isNumber && parsed !== undefined && (typeof parsed !== 'number' || Number.isNaN(parsed)))
      throw new InputError(
        `${flag}: expected a number, got ${Array.isArray(parsed) ? 'several values' : show(parsed)}`,
      );
  }
}

/** A yargs message as one line in the project's shape (`--flag: expected X, got Y`). */
export function yargsMessage(msg: string): string {
  const one = msg
    .replace(/:?\s*\n\s*/g, ': ')
    .replace(/:\s*$/, '')
    .trim();
  const flag = (name: string) => (POSITIONALS.has(name) ? name : `--${name}`);
  const invalid = /^Invalid values?: Argument: ([^,]+), Given: (.*?), Choices: (.*?)(: Argument: .*)?$/.exec(one);
  if (invalid)
    return `${flag(invalid[1])}: expected one of ${invalid[3].replace(/"/g, '')}, got ${invalid[2] === 'undefined' ? 'nothing' : invalid[2]}`;
  const missing = /^Missing required arguments?: (.*)$/.exec(one);
  if (missing)
    return `${missing[1]
      .split(', ')
      .map((n) => flag(n))
      .join(', ')}: expected a value (required), got nothing`;
  const few = /^Not enough non-option arguments: got (\d+), need at least (\d+)$/.exec(one);
  if (few) return `expected ${few[2]} argument(s) after the command (see its --help), got ${few[1]}`;
  const unknown = /^Unknown arguments?: (.*)$/.exec(one);
  if (unknown) return `${one} (see --help)`;
  return one;
}

/**
 * A message as one printable line: control characters, lone surrogates and invisible or
 * direction-changing characters escaped as \uXXXX (binary input is never echoed raw to a terminal).
 */
export function printable(s: string): string {
  return s.replace(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
    /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffd]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Run the CLI on `argv` (without node and script); returns the exit code. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const raw = joinDashValues(argv);
  const parser: Argv = yargs(raw)
    .scriptName('gpulet')
    .usage('$0 <command> [options]\n\nServe heterogeneous ML models on GPU partitions (gpulets), simulated or real.')
    .option('format', {
      choices: ['table', 'json'] as const,
      default: 'table',
      describe: 'Output: a readable table, or one JSON document on stdout',
    })
    .strict()
    .strictOptions()
    .demandCommand(1, 'Name a command (see --help).')
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .wrap(Math.min(110, process.stdout.columns || 110))
    .exitProcess(false)
    // Runs in each command after yargs' own checks and before its handler.
    .middleware(((a: Record<string, unknown>, y: { getOptions(): ParserOptions }) =>
      checkRawFlags(raw, a, y.getOptions())) as unknown as MiddlewareFunction)
    // Throwing stops yargs before any handler runs; returning would let the command go on.
    .fail((msg, err) => {
      if (err instanceof InputError) throw err;
      // yargs' own errors (e.g. "Not enough arguments following") are the user's too; the rest are bugs.
      if (err) throw err.name === 'YError' ? new InputError(yargsMessage(err.message)) : err;
      throw new InputError(yargsMessage(msg));
    });
  for (const c of commands(io)) parser.command(c as CommandModule);
  try {
    // With a callback yargs hands over what it would print (--help) instead of printing it.
    await parser.parseAsync(raw, {}, (_err, _argv, output) => {
      if (output) io.out(output.endsWith('\n') ? output : `${output}\n`);
    });
  } catch (e) {
    if (e instanceof InputError) {
      io.err(`gpulet: ${printable(e.message)}\n`);
      return 2;
    }
    if (e instanceof ExitStatus) {
      io.err(`gpulet: ${printable(e.message)}\n`);
      return e.code;
    }
    throw e;
  }
  return 0;
}
