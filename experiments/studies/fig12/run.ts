/**
 * Figure 12: maximum SLO-preserving throughput of the 7 workloads on 4 GPUs under temporal-only
 * (Nexus SBP), greedy best-fit, gpulet and gpulet-int, next to the paper's values.
 */
import { fmt, round, table } from '../../lib/format.ts';
import type { MaxRateResult, Search } from '../../lib/maxrate.ts';
import type { MaxRateJob } from '../../lib/jobs.ts';
import { writeCsv } from '../../lib/output.ts';
import { FIG12, HEADLINE, WORKLOADS } from '../../lib/paper.ts';
import { mapJobs } from '../../lib/pool.ts';
import { progress } from '../../lib/progress.ts';
import type { Experiment, ExperimentOptions } from '../../lib/experiment.ts';

export const FIG12_SCHEDULERS = ['temporal', 'greedy', 'gpulet', 'gpulet-int'] as const;
type Sched = (typeof FIG12_SCHEDULERS)[number];

export interface Fig12Row {
  workload: string;
  scheduler: string;
  search: Search;
  max_rate_rps: number;
  paper_rps: number;
  ratio_to_paper: number;
  slo_violation_pct: number | null;
  gpus: number;
  first_failure_rps: number;
  failure: string;
  /** Up search only: the most load the plan made at max_rate_rps serves within 1 % (median of seeds). */
  served_max_rps: number | null;
  /** The same per seed alone, space-separated. */
  served_seeds_rps: string;
  [key: string]: string | number | null;
}

export const FIG12_COLUMNS = [
  'workload',
  'scheduler',
  'search',
  'max_rate_rps',
  'paper_rps',
  'ratio_to_paper',
  'slo_violation_pct',
  'gpus',
  'first_failure_rps',
  'failure',
  'served_max_rps',
  'served_seeds_rps',
];

/** The searches fig12 runs: quick uses coarse steps, one seed, short simulations. */
export function fig12Jobs(
  opts: Pick<ExperimentOptions, 'quick' | 'seed'>,
  searches: readonly Search[] = ['down', 'up'],
): MaxRateJob[] {
  const seeds = opts.quick ? [opts.seed] : [opts.seed, opts.seed + 1, opts.seed + 2];
  const jobs: MaxRateJob[] = [];
  for (const search of searches)
    for (const workload of WORKLOADS)
      for (const scheduler of FIG12_SCHEDULERS)
        jobs.push({
          workload,
          scheduler,
          criterion: 'slo',
          search,
          seeds,
          ...(opts.quick ? { stepRps: 50 } : {}),
          durationS: opts.quick ? 5 : 20,
        });
  return jobs;
}

export function fig12Rows(results: readonly MaxRateResult[]): Fig12Row[] {
  return results.map((r) => {
    const paper = FIG12[r.workload as (typeof WORKLOADS)[number]][r.scheduler as Sched];
    return {
      workload: r.workload,
      scheduler: r.scheduler,
      search: r.search,
      max_rate_rps: r.max_rate_rps,
      paper_rps: paper,
      ratio_to_paper: round(r.max_rate_rps / paper, 3),
      slo_violation_pct: r.slo_violation_pct,
      gpus: r.gpus,
      first_failure_rps: r.first_failure_rps,
      failure: r.failure,
      served_max_rps: null,
      served_seeds_rps: '',
    };
  });
}

export interface Fig12Summary {
  search: Search;
  /** gpulet-int / temporal per workload, ours and the paper's. */
  ratios: Array<{ workload: string; ours: number; paper: number }>;
  mean_int_over_temporal: number;
  mean_int_over_greedy: number;
  mean_int_over_gpulet: number;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Means over workloads of per-workload ratios (how the paper's 61.7 % is computed, §8.1). */
export function fig12Summary(rows: readonly Fig12Row[], search: Search): Fig12Summary {
  const at = (w: string, s: string) =>
    rows.find((r) => r.workload === w && r.scheduler === s && r.search === search)?.max_rate_rps ?? NaN;
  const ratio = (w: string, s: string) => at(w, 'gpulet-int') / at(w, s);
  return {
    search,
    ratios: WORKLOADS.map((w) => ({
      workload: w,
      ours: round(ratio(w, 'temporal'), 3),
      paper: round(FIG12[w]['gpulet-int'] / FIG12[w].temporal, 3),
    })),
    mean_int_over_temporal: round(mean(WORKLOADS.map((w) => ratio(w, 'temporal'))), 3),
    mean_int_over_greedy: round(mean(WORKLOADS.map((w) => ratio(w, 'greedy'))), 3),
    mean_int_over_gpulet: round(mean(WORKLOADS.map((w) => ratio(w, 'gpulet'))), 3),
  };
}

/** The readable table: ours next to the paper's, one search. */
export function fig12Table(rows: readonly Fig12Row[], search: Search): string {
  const s = fig12Summary(rows, search);
  const body = WORKLOADS.map((w) => {
    const cells: Array<string | number> = [w];
    for (const sch of FIG12_SCHEDULERS) {
      const r = rows.find((x) => x.workload === w && x.scheduler === sch && x.search === search);
      cells.push(`${r?.max_rate_rps ?? '-'} (${FIG12[w][sch]})`);
    }
    const ratio = s.ratios.find((x) => x.workload === w);
    cells.push(`${fmt(ratio?.ours ?? NaN)} (${fmt(ratio?.paper ?? NaN)})`);
    return cells;
  });
  return [
    `Maximum SLO-preserving rate, req/s, ours (paper), ${search} search:`,
    table(['workload', ...FIG12_SCHEDULERS, 'int/temporal'], body),
    `gpulet-int vs temporal: ${fmt(100 * (s.mean_int_over_temporal - 1), 1)} % (paper +${fmt(100 * (HEADLINE.intOverTemporal - 1), 1)} %); ` +
      `vs greedy: ${fmt(100 * (s.mean_int_over_greedy - 1), 1)} % (paper +${fmt(100 * (HEADLINE.intOverGreedy - 1), 1)} %); ` +
      `vs gpulet: ${fmt(100 * (s.mean_int_over_gpulet - 1), 1)} % (paper +${fmt(100 * (HEADLINE.intOverGpulet - 1), 1)} %)`,
  ].join('\n');
}

/** Run the searches on a worker pool, with a progress bar; rows in a fixed order. */
export async function runFig12(
  opts: ExperimentOptions,
  searches: readonly Search[] = ['down', 'up'],
): Promise<Fig12Row[]> {
  const jobs = fig12Jobs(opts, searches).filter((_, i) => i % opts.shard.count === opts.shard.index);
  const ups = jobs.filter((j) => j.search === 'up').length;
  const bar = progress('fig12', jobs.length + ups, { unit: 'searches' });
  let done = 0;
  const results = await mapJobs('maxrate', jobs, opts.jobs, () => bar.update(++done));
  // The up search's maxima are mostly set by the plan (the next rate does not plan); the load each
  // of those plans really carries is bounded by simulated violations, per seed.
  const served = await mapJobs(
    'servedMax',
    jobs.flatMap((j, i) => (j.search === 'up' ? [{ ...j, planRateRps: results[i].max_rate_rps }] : [])),
    opts.jobs,
    () => bar.update(++done),
  );
  bar.stop();
  const rows = fig12Rows(results);
  let k = 0;
  jobs.forEach((j, i) => {
    if (j.search !== 'up') return;
    const s = served[k++];
    rows[i].served_max_rps = s.served_max_rps;
    rows[i].served_seeds_rps = s.seeds_rps.join(' ');
  });
  return rows;
}

export const fig12: Experiment = {
  name: 'fig12',
  describe: 'Maximum SLO-preserving throughput, 7 workloads x 4 schedulers (Figure 12)',
  async run(opts) {
    const rows = await runFig12(opts);
    const file = writeCsv(opts.outDir, opts.quick ? 'fig12-quick.csv' : 'fig12.csv', rows, FIG12_COLUMNS);
    const summaries = (['down', 'up'] as const).map((s) => fig12Summary(rows, s));
    return {
      json: { rows, summary: summaries },
      text: [fig12Table(rows, 'down'), '', fig12Table(rows, 'up')].join('\n'),
      files: [file],
    };
  },
};
