/** Entry point of `npm run bench [-- NAME] [-- --format json]`. */
import { runBench } from './bench.ts';

const argv = process.argv.slice(2);
const json = argv.includes('--format') && argv[argv.indexOf('--format') + 1] === 'json';
const filter = argv.find((a, i) => !a.startsWith('--') && argv[i - 1] !== '--format');
runBench({ filter, json }, { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) }).then(
  (missed) => {
    // A missed target is a failed benchmark run (CI can tell), after the full table.
    if (missed.length > 0) {
      process.stderr.write(`bench: ${missed.length} target(s) missed: ${missed.join(', ')}\n`);
      process.exitCode = 1;
    }
  },
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
