/**
 * `gpulet run CONFIG.json`: every cell of an experiment config (workloads x schedulers x rates x
 * durations), each planned once and served once per seed; the tidy CSV, the summary with 95 %
 * intervals, per-cell JSON and a figure (lib/config-run.ts). The format: docs/config.md.
 */
import { availableParallelism } from 'node:os';
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { InputError, show } from '../../engine/errors.ts';
import { configJsonSchema, loadConfig } from '../lib/config.ts';
import { runConfig, SUMMARY_METRICS } from '../lib/config-run.ts';
import { fmt, table } from '../lib/format.ts';
import { checkOutputDir } from '../lib/output.ts';
import { parseShard } from './experiment.ts';
import { limitOptions, print, runLimits, type Command, type Common, type LimitArgs } from './common.ts';

interface RunArgs extends Common, LimitArgs {
  config?: string;
  schema: boolean;
  out: string;
  jobs: number;
  shard: string;
}

export const run: Command<RunArgs> = (io) => ({
  command: 'run [config]',
  describe: 'Run an experiment config (workloads x schedulers x rates x durations x seeds): CSV, intervals, figure',
  builder: (y: Argv) =>
    limitOptions(
      y
        .positional('config', { type: 'string', describe: 'The config JSON (format: docs/config.md)' })
        .option('schema', {
          type: 'boolean',
          default: false,
          describe: "Print the config's JSON Schema (docs/config.schema.json) and run nothing",
        })
        .option('out', { type: 'string', default: 'results', describe: 'Folder for the CSVs, JSON and figure' })
        .option('jobs', { type: 'number', default: availableParallelism(), describe: 'Worker threads' })
        .option('shard', {
          type: 'string',
          default: '1/1',
          describe:
            'Run only cells i, i+n, ... of n (e.g. 3/8) and write NAME-IofN.csv; gpulet join puts the pieces together',
        }),
    ) as unknown as Argv<RunArgs>,
  handler: async (a: ArgumentsCamelCase<RunArgs>) => {
    if (a.schema) {
      if (a.config !== undefined)
        throw new InputError('--schema: prints the schema and runs nothing; leave the config out');
      io.out(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
      return;
    }
    if (a.config === undefined)
      throw new InputError('run: expected a config file (gpulet run CONFIG.json; format: docs/config.md)');
    if (!Number.isInteger(a.jobs) || a.jobs < 1)
      throw new InputError(`--jobs: expected a whole number >= 1, got ${show(a.jobs)}`);
    const shard = parseShard(a.shard);
    const limits = runLimits(a);
    const loaded = loadConfig(a.config);
    checkOutputDir('--out', a.out);
    const res = await runConfig(loaded, { outDir: a.out, jobs: a.jobs, shard, limits });
    const totals = res.summary.filter((r) => r.model === 'all');
    const doc = {
      config: loaded.config.name,
      cells: loaded.cells.length,
      shard: `${shard.index + 1}/${shard.count}`,
      runs: res.rows.filter((r) => r.model === 'all').length,
      files: res.files.filter((f) => f.endsWith('.csv') || f.endsWith('.svg') || f.endsWith('.png')),
      summary: totals,
    };
    print(io, a.format, doc, () => {
      if (shard.count > 1)
        return `${loaded.config.name}: shard ${doc.shard}, ${doc.runs} run(s) of ${loaded.cells.length} cell(s) in all\nwrote ${doc.files.join(', ')} and ${res.files.length - doc.files.length} cell JSON file(s); gpulet join puts the pieces together`;
      const [good, , viol] = SUMMARY_METRICS;
      const ci = (r: (typeof totals)[number], m: string) =>
        r[m] === null ? null : `${fmt(Number(r[m]))} [${fmt(Number(r[`${m}_lo`]))}, ${fmt(Number(r[`${m}_hi`]))}]`;
      return [
        `${loaded.config.name}: ${doc.runs} run(s) in ${loaded.cells.length} cell(s); mean [95 % t-interval] across seeds`,
        table(
          ['workload', 'scheduler', 'rate req/s', 's', 'seeds', 'plan', 'GPUs', good[1], viol[1]],
          totals.map((r) => [
            String(r.workload),
            String(r.scheduler),
            Number(r.rate_rps),
            Number(r.duration_s),
            Number(r.seeds),
            r.plan_feasible ? 'feasible' : 'INFEASIBLE',
            Number(r.gpus_used),
            ci(r, good[0]),
            ci(r, viol[0]),
          ]),
        ),
        `wrote ${doc.files.join(', ')} and ${res.files.length - doc.files.length} cell JSON file(s)`,
      ].join('\n');
    });
  },
});
