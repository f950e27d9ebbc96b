/**
 * The spread behind Figure 12's bars: the maximum-rate search of fig12 (the paper's upward search)
 * run once per seed, each seed alone deciding pass or fail, for three seeds. fig12 itself decides
 * each rate by the median of three seeds and so reports one number; these per-seed maxima give
 * the 95 % intervals drawn as error bars and quoted in the report.
 */
import { fig12Jobs } from './run.ts';
import { HEADLINE_SEARCH } from './figure.ts';
import type { MaxRateJob } from '../../lib/jobs.ts';
import { FIG12 as PAPER_FIG12, type WORKLOADS } from '../../lib/paper.ts';
import { writeCsv } from '../../lib/output.ts';
import { mapJobs } from '../../lib/pool.ts';
import { progress } from '../../lib/progress.ts';
import type { Experiment, ExperimentOptions } from '../../lib/experiment.ts';

export const FIG12_SEEDS_COLUMNS = [
  'workload',
  'scheduler',
  'search',
  'seed',
  'max_rate_rps',
  'paper_rps',
  'slo_violation_pct',
  'first_failure_rps',
];
const NUM_SEEDS = 3;

/** One search per (workload, scheduler, seed), fig12's step and duration; quick as fig12's quick. */
export function fig12SeedJobs(opts: Pick<ExperimentOptions, 'quick' | 'seed'>): MaxRateJob[] {
  const seeds = Array.from({ length: NUM_SEEDS }, (_, i) => opts.seed + i);
  return fig12Jobs(opts, [HEADLINE_SEARCH]).flatMap((job) => seeds.map((s) => ({ ...job, seeds: [s] })));
}

export const fig12Seeds: Experiment = {
  name: 'fig12-seeds',
  describe: 'Figure 12 per seed: the maximum rate each of 3 seeds alone allows (error bars of Figure 12)',
  async run(opts) {
    const jobs = fig12SeedJobs(opts).filter((_, i) => i % opts.shard.count === opts.shard.index);
    const bar = progress('fig12-seeds', jobs.length, { unit: 'searches' });
    const results = await mapJobs('maxrate', jobs, opts.jobs, (n) => bar.update(n));
    bar.stop();
    const rows = results.map((r, i) => ({
      workload: r.workload,
      scheduler: r.scheduler,
      search: r.search,
      seed: (jobs[i].seeds ?? [])[0] ?? null,
      max_rate_rps: r.max_rate_rps,
      paper_rps: PAPER_FIG12[r.workload as (typeof WORKLOADS)[number]]?.[r.scheduler as 'temporal'] ?? null,
      slo_violation_pct: r.slo_violation_pct,
      first_failure_rps: r.first_failure_rps,
    }));
    const file = writeCsv(
      opts.outDir,
      opts.quick ? 'fig12-seeds-quick.csv' : 'fig12-seeds.csv',
      rows,
      FIG12_SEEDS_COLUMNS,
    );
    return { json: { rows }, text: `Figure 12 per seed: ${rows.length} searches (${NUM_SEEDS} seeds)`, files: [file] };
  },
};
