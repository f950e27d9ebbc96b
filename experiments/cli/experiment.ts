/** `gpulet experiment NAME`: run one study, write its CSV/figure under results/, print a summary. */
import { availableParallelism } from 'node:os';
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { InputError, show } from '../../engine/errors.ts';
import { drawFigure } from '../figures/draw.ts';
import { STUDIES, figureByName, studyByName } from '../studies/index.ts';
import { checkOutputDir } from '../lib/output.ts';
import { checkSeed, print, type Command, type Common } from './common.ts';

interface ExperimentArgs extends Common {
  name: string;
  quick: boolean;
  seed: number;
  out: string;
  jobs: number;
  shard: string;
  maxRetries?: number;
}

/** Parse `--shard i/n` (1-based on the command line, like Slurm array indices). */
export function parseShard(text: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const i = m ? Number(m[1]) : NaN;
  const n = m ? Number(m[2]) : NaN;
  if (!(n >= 1 && i >= 1 && i <= n)) throw new InputError(`--shard: expected i/n with 1 <= i <= n, got ${show(text)}`);
  return { index: i - 1, count: n };
}

export const experiment: Command<ExperimentArgs> = (io) => ({
  command: 'experiment <name>',
  describe: 'Run a study and write its CSV and figure under results/',
  builder: (y: Argv) =>
    y
      .positional('name', { type: 'string', describe: 'Study name (see the list below)' })
      .option('quick', {
        type: 'boolean',
        default: false,
        describe: 'A small, fast version (fixed seeds; used by the golden tests)',
      })
      .option('seed', { type: 'number', default: 1, describe: 'Base seed' })
      .option('out', { type: 'string', default: 'results', describe: 'Directory for CSV and figures' })
      .option('jobs', {
        type: 'number',
        default: availableParallelism(),
        describe: 'Worker threads for studies that parallelise',
      })
      .option('shard', {
        type: 'string',
        default: '1/1',
        describe: 'Run only piece i of n (e.g. 3/8), for Slurm arrays or Kubernetes indexed Jobs; CSV rows concatenate',
      })
      .option('max-retries', {
        type: 'number',
        describe:
          'fidelity only: profile and serve a load again at most this many times when other processes disturbed the machine, then go on and record it (default 2; 0 with --quick)',
      })
      .epilogue(
        `Studies: ${Object.values(STUDIES)
          .map((e) => `\n  ${e.name.padEnd(16)} ${e.describe}`)
          .join('')}`,
      ) as unknown as Argv<ExperimentArgs>,
  handler: async (a: ArgumentsCamelCase<ExperimentArgs>) => {
    const study = studyByName(a.name);
    if (study === undefined)
      throw new InputError(`experiment: expected one of ${Object.keys(STUDIES).join(', ')}, got ${show(a.name)}`);
    if (!Number.isInteger(a.jobs) || a.jobs < 1)
      throw new InputError(`--jobs: expected a whole number >= 1, got ${show(a.jobs)}`);
    const shard = parseShard(a.shard);
    checkSeed('--seed', a.seed);
    checkOutputDir('--out', a.out); // before the study runs, not after
    if (a.maxRetries !== undefined) {
      if (study.name !== 'fidelity')
        throw new InputError(`--max-retries: applies to experiment fidelity only, not ${study.name}`);
      if (!Number.isInteger(a.maxRetries) || a.maxRetries < 0)
        throw new InputError(`--max-retries: expected a whole number >= 0, got ${show(a.maxRetries)}`);
    }
    const res = await study.run(
      {
        quick: a.quick,
        seed: a.seed,
        outDir: a.out,
        jobs: a.jobs,
        shard,
        ...(a.maxRetries !== undefined ? { maxRetries: a.maxRetries } : {}),
      },
      io,
    );
    // Draw the study's figure from the CSV it just wrote (a shard holds only part of the rows).
    const def = figureByName(a.name);
    const drawn = def && shard.count === 1 ? await drawFigure(def, a.out, { quick: a.quick }) : null;
    const files = [...res.files, ...(drawn?.status === 'drawn' ? drawn.files : [])];
    print(io, a.format, res.json, () => `${res.text}\nwrote ${files.join(', ')}`);
  },
});
