/**
 * The command line: `npm run -s gpulet -- <command>` (DESIGN.md "Command line"). Every command has
 * --help; `--format json` prints one JSON document on stdout, progress and logs go to stderr.
 * User mistakes (InputError) print one line and exit 2; anything else is a bug and keeps its stack.
 */
import yargs, { type Argv, type CommandModule } from 'yargs';
import { InputError } from '../../engine/errors.ts';
import { commands, type Io } from './commands.ts';

const processIo: Io = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

/** Run the CLI on `argv` (without node and script); returns the exit code. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const parser: Argv = yargs(argv)
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
    // Throwing stops yargs before any handler runs; returning would let the command go on.
    .fail((msg, err) => {
      if (err) throw err;
      // One line, as every other user error (yargs puts "Invalid values:" and the details on two).
      throw new InputError(msg.replace(/:?\s*\n\s*/g, ': '));
    });
  for (const c of commands(io)) parser.command(c as CommandModule);
  try {
    await parser.parseAsync();
  } catch (e) {
    if (e instanceof InputError) {
      io.err(`gpulet: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  return 0;
}
