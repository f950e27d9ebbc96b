/** `gpulet bench [NAME]`: the benchmarks of `npm run bench`, printed as figures and ratios. */
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { InputError, show } from '../../engine/errors.ts';
import { ExitStatus } from '../lib/io.ts';
import { BENCH_NAMES, runBench } from '../bench/bench.ts';
import type { Command, Common } from './common.ts';

interface BenchArgs extends Common {
  name?: string;
}

export const bench: Command<BenchArgs> = (io) => ({
  command: 'bench [name]',
  describe: 'Measure speed and memory here (events/s, planning time, sweep and fig12 wall time) against targets',
  builder: (y: Argv) =>
    y.positional('name', {
      type: 'string',
      describe: `Only benchmarks whose name contains this: ${BENCH_NAMES.join(', ')}`,
    }) as unknown as Argv<BenchArgs>,
  handler: async (a: ArgumentsCamelCase<BenchArgs>) => {
    // A name that matches no benchmark is a mistake, not an empty table.
    if (a.name !== undefined && !BENCH_NAMES.some((n) => n.includes(a.name as string)))
      throw new InputError(`bench: expected a name or part of one of ${BENCH_NAMES.join(', ')}, got ${show(a.name)}`);
    const missed = await runBench({ filter: a.name, json: a.format === 'json' }, io);
    // After the whole table: a missed target makes the run fail, in one line.
    if (missed.length > 0) throw new ExitStatus(1, `bench: ${missed.length} target(s) missed: ${missed.join(', ')}`);
  },
});
