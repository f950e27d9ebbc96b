/**
 * Figure 15 (and Figure 4): schedulability of the 19,682 scenarios where each of the 9 models gets
 * 0, 100 or 200 req/s, not all zero, on 4 GPUs (docs/artifact.md#schedulability-sweep; the artifact's
 * createSchedulingCases.py). Each scheduler plans every scenario; we count the feasible ones.
 */
import { round } from '../../../engine/metrics.ts';
import { fmt, table } from '../../lib/format.ts';
import { writeCsv } from '../../lib/output.ts';
import { FIG15 } from '../../lib/paper.ts';
import { mapJobs } from '../../lib/pool.ts';
import { progress } from '../../lib/progress.ts';
import type { Experiment } from '../../lib/experiment.ts';
import { FIG15_SCHEDULERS, NUM_SCENARIOS, scenarioDigits } from '../../lib/scenarios.ts';

export interface Fig15Row {
  scenario: string;
  [scheduler: string]: string | number;
}

export const fig15: Experiment = {
  name: 'fig15',
  describe: 'Schedulability of the 19,682 {0,100,200}^9 scenarios on 4 GPUs, per scheduler (Figure 15)',
  async run(opts) {
    // --quick: every 97th scenario (203 of them), a fixed, spread-out subset.
    const all = Array.from({ length: NUM_SCENARIOS }, (_, i) => i + 1).filter((k) => !opts.quick || k % 97 === 0);
    const ks = all.filter((_, i) => i % opts.shard.count === opts.shard.index);
    const chunk = 250;
    const chunks: number[][] = [];
    for (let i = 0; i < ks.length; i += chunk) chunks.push(ks.slice(i, i + chunk));
    const bar = progress('fig15', chunks.length, { unit: 'chunks' });
    const results = await mapJobs(
      'schedulable',
      chunks.map((c) => ({ ks: c, schedulers: [...FIG15_SCHEDULERS] })),
      opts.jobs,
      (n) => bar.update(n),
    );
    bar.stop();
    const rows: Fig15Row[] = ks.map((k, i) => {
      const flags = results[Math.floor(i / chunk)][i % chunk];
      return { scenario: scenarioDigits(k), ...Object.fromEntries(FIG15_SCHEDULERS.map((s, j) => [s, flags[j]])) };
    });
    const shardTag = opts.shard.count > 1 ? `-${opts.shard.index + 1}of${opts.shard.count}` : '';
    const files = [writeCsv(opts.outDir, fig15ScenariosFile(opts.quick, opts.shard), rows, FIG15_SCENARIO_COLUMNS)];
    const summary = fig15Summary(rows);
    if (shardTag === '') files.push(writeFig15Summary(opts.outDir, opts.quick, summary));
    const counts = summary.map((r) => r.schedulable);
    return {
      json: {
        scenarios: rows.length,
        schedulable: Object.fromEntries(FIG15_SCHEDULERS.map((s, j) => [s, counts[j]])),
        summary,
      },
      text: [
        `Schedulable scenarios of ${rows.length}${opts.quick ? ' (quick subset)' : ''}${shardTag ? ` (shard ${shardTag.slice(1)})` : ''}; paper: ideal ${FIG15.ideal}, gpulet-int ${FIG15['gpulet-int']} of ${FIG15.total}`,
        table(
          ['scheduler', 'schedulable', 'share of ideal', 'paper'],
          summary.map((r) => [
            r.scheduler,
            r.schedulable,
            r.share_of_ideal === null ? null : `${fmt(100 * r.share_of_ideal, 1)} %`,
            r.paper,
          ]),
        ),
      ].join('\n'),
      files,
    };
  },
};

/** Per scheduler: schedulable scenarios of `rows`, the share of ideal's, and the paper's figures. */
export function fig15Summary(rows: readonly Fig15Row[]) {
  const counts = FIG15_SCHEDULERS.map((s) => rows.reduce((n, r) => n + (r[s] as number), 0));
  const ideal = counts[FIG15_SCHEDULERS.indexOf('ideal')];
  return FIG15_SCHEDULERS.map((s, j) => ({
    scheduler: s,
    scenarios: rows.length,
    schedulable: counts[j],
    share_of_ideal: ideal > 0 ? round(counts[j] / ideal, 4) : null,
    paper: s === 'ideal' || s === 'gpulet-int' ? FIG15[s] : null,
    paper_share_of_ideal: s === 'ideal' || s === 'gpulet-int' ? round(FIG15[s] / FIG15.ideal, 4) : null,
  }));
}

/** The name of the per-scenario table: `fig15-scenarios.csv`, a shard's `fig15-scenarios-IofN.csv`. */
export function fig15ScenariosFile(quick: boolean, shard?: { index: number; count: number }): string {
  const tag = shard === undefined || shard.count === 1 ? '' : `-${shard.index + 1}of${shard.count}`;
  return `fig15${quick ? '-quick' : ''}-scenarios${tag}.csv`;
}

export const FIG15_SCENARIO_COLUMNS = ['scenario', ...FIG15_SCHEDULERS];

/** Write the per-scenario table (all of it) and its summary, as an unsharded run does; returns the paths. */
export function writeFig15(outDir: string, quick: boolean, rows: readonly Fig15Row[]): string[] {
  return [
    writeCsv(outDir, fig15ScenariosFile(quick), rows, FIG15_SCENARIO_COLUMNS),
    writeFig15Summary(outDir, quick, fig15Summary(rows)),
  ];
}

function writeFig15Summary(outDir: string, quick: boolean, summary: ReturnType<typeof fig15Summary>): string {
  return writeCsv(outDir, `fig15${quick ? '-quick' : ''}.csv`, summary, [
    'scheduler',
    'scenarios',
    'schedulable',
    'share_of_ideal',
    'paper',
    'paper_share_of_ideal',
  ]);
}
