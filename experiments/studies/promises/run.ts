/**
 * Do plans keep their promises? For the 7 workloads and each scheduler: its highest plan-feasible
 * rate on 4 GPUs (the down search on the plan), then 20 rates from 5 % to 100 % of it on the
 * workload's rate grid; at each, whether the scheduler calls the rate feasible and, if so, the
 * violation % of 20 s of Poisson load (median of 3 seeds). A plan-feasible point above 1 % is a
 * broken promise. Two setups: all fixes, and the authors' artifact exactly (--fixes none: its
 * scheduler and its one batching thread per gpulet).
 */
import { median } from '../../../engine/stats.ts';
import { round } from '../../../engine/metrics.ts';
import { fmt, table } from '../../lib/format.ts';
import type { MaxRateJob, ViolationJob } from '../../lib/jobs.ts';
import { defaultStepRps } from '../../lib/maxrate.ts';
import { writeCsv } from '../../lib/output.ts';
import { WORKLOADS } from '../../lib/paper.ts';
import { mapJobs } from '../../lib/pool.ts';
import { progress } from '../../lib/progress.ts';
import type { Experiment } from '../../lib/experiment.ts';
import { resolveWorkload } from '../../lib/context.ts';
import { parseFixes } from '../../../engine/schedulers/fixes.ts';

export const PROMISES_SCHEDULERS = ['temporal', 'greedy', 'gpulet', 'gpulet-int'] as const;

/** The setups compared. */
export const SETUPS: ReadonlyArray<{ fixes: 'all' | 'none' }> = [{ fixes: 'all' }, { fixes: 'none' }];

export const PROMISES_COLUMNS = [
  'workload',
  'scheduler',
  'fixes',
  'max_plan_rate_rps',
  'pct_of_max',
  'rate_rps',
  'plan_feasible',
  'slo_violation_pct',
  'seeds_pct',
];
export const PROMISES_SUMMARY_COLUMNS = [
  'scheduler',
  'fixes',
  'workloads',
  'points',
  'plan_feasible',
  'broken',
  'broken_share',
  'worst_violation_pct',
  'worst_at',
];

export const promises: Experiment = {
  name: 'promises',
  describe:
    'Plan-feasible rates that break 1 % SLO violations, 20 loads per workload and scheduler, all fixes and --fixes none',
  async run(opts) {
    const seeds = opts.quick ? [opts.seed] : [opts.seed, opts.seed + 1, opts.seed + 2];
    const durationS = opts.quick ? 5 : 20;
    const points = opts.quick ? 4 : 20;
    const workloads = opts.quick ? (['traffic', 'scen3'] as const) : WORKLOADS;
    const cells = workloads
      .flatMap((w) => PROMISES_SCHEDULERS.flatMap((s) => SETUPS.map((setup) => ({ w, s, ...setup }))))
      .filter((_, i) => i % opts.shard.count === opts.shard.index);
    // 1. The highest plan-feasible rate of each (workload, scheduler, fixes).
    const planKeys = cells;
    const bar = progress('promises', planKeys.length + cells.length * points, { unit: 'jobs' });
    let done = 0;
    const tick = () => bar.update(++done);
    const searches: MaxRateJob[] = planKeys.map((c) => ({
      workload: c.w,
      scheduler: c.s,
      criterion: 'plan',
      search: 'down',
      fixes: parseFixes(c.fixes),
    }));
    const maxima = await mapJobs('maxrate', searches, opts.jobs, tick);
    const maxOf = new Map(planKeys.map((c, i) => [`${c.w}/${c.s}/${c.fixes}`, maxima[i].max_rate_rps] as const));
    // 2. Violations at `points` rates from 5 % to 100 % of it, on the workload's grid.
    const jobs: Array<ViolationJob & { pct: number; max: number; cell: (typeof cells)[number] }> = [];
    for (const c of cells) {
      const max = maxOf.get(`${c.w}/${c.s}/${c.fixes}`) ?? 0;
      const step = defaultStepRps(resolveWorkload(c.w));
      for (let k = 1; k <= points; k++) {
        const pct = opts.quick ? 25 * k : 5 * k;
        const rate = Math.max(step, Math.round((max * pct) / 100 / step) * step);
        jobs.push({
          workload: c.w,
          scheduler: c.s,
          rate: max > 0 ? rate : 0,
          seeds,
          durationS,
          fixes: c.fixes,
          pct,
          max,
          cell: c,
        });
      }
    }
    const results = await mapJobs(
      'violations',
      jobs.map(({ pct: _p, max: _m, cell: _c, ...j }) => j),
      opts.jobs,
      tick,
    );
    bar.stop();
    const rows = jobs.map((j, i) => {
      const r = results[i];
      return {
        workload: j.workload,
        scheduler: j.scheduler,
        fixes: j.cell.fixes,
        max_plan_rate_rps: j.max,
        pct_of_max: j.pct,
        rate_rps: j.rate,
        plan_feasible: r.feasible,
        slo_violation_pct: r.feasible ? round(median(r.violationPct), 4) : null,
        seeds_pct: r.violationPct.map((p) => round(p, 3)).join(' '),
      };
    });
    const summary = PROMISES_SCHEDULERS.flatMap((s) =>
      SETUPS.map((setup) => {
        const mine = rows.filter((r) => r.scheduler === s && r.fixes === setup.fixes);
        const feasible = mine.filter((r) => r.plan_feasible);
        const broken = feasible.filter((r) => (r.slo_violation_pct ?? 0) > 1);
        const worst = feasible.reduce<(typeof rows)[number] | null>(
          (m, r) => (m === null || (r.slo_violation_pct ?? 0) > (m.slo_violation_pct ?? 0) ? r : m),
          null,
        );
        return {
          scheduler: s,
          fixes: setup.fixes,
          workloads: new Set(mine.map((r) => r.workload)).size,
          points: mine.length,
          plan_feasible: feasible.length,
          broken: broken.length,
          broken_share: feasible.length > 0 ? round(broken.length / feasible.length, 4) : null,
          worst_violation_pct: worst?.slo_violation_pct ?? null,
          worst_at: worst ? `${worst.workload} @ ${worst.rate_rps}` : '',
        };
      }),
    );
    const suffix = opts.quick ? '-quick' : '';
    const files = [
      writeCsv(opts.outDir, `promises${suffix}.csv`, rows, PROMISES_COLUMNS),
      writeCsv(opts.outDir, `promises-summary${suffix}.csv`, summary, PROMISES_SUMMARY_COLUMNS),
    ];
    return {
      json: { rows, summary },
      text: [
        `Plan-feasible points above 1 % SLO violations (median of ${seeds.length} seed(s), ${durationS} s each), ${points} loads from ${opts.quick ? 25 : 5} % to 100 % of each scheduler's highest plan-feasible rate:`,
        table(
          ['scheduler', 'fixes', 'plan-feasible', 'broken', 'share', 'worst % (where)'],
          summary.map((r) => [
            r.scheduler,
            r.fixes,
            `${r.plan_feasible} of ${r.points}`,
            r.broken,
            r.broken_share === null ? '-' : `${fmt(100 * r.broken_share, 1)} %`,
            r.worst_violation_pct === null ? '-' : `${fmt(r.worst_violation_pct, 3)} (${r.worst_at})`,
          ]),
        ),
      ].join('\n'),
      files,
    };
  },
};
