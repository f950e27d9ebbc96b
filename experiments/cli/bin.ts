/** Entry point of `npm run gpulet`: run the CLI and set the exit code. */
import { hideBin } from 'yargs/helpers';
import { main } from './main.ts';

main(hideBin(process.argv)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
