/**
 * Figure 13: SLO violations at the highest rate each scheduler calls feasible, simulated with the
 * ground-truth interference on (docs/artifact.md#figure-13-slo-violations-at-the-highest-rate). The paper's point: gpulet, blind to interference,
 * breaks the 1 % bound at rates it schedules (scen2, scen3, scen5), while gpulet-int either rejects
 * those rates or meets the SLO. Also reported: violations at the paper's own tested rates.
 */
import { median } from '../../../engine/stats.ts';
import { round } from '../../../engine/metrics.ts';
import { fmt, table } from '../../lib/format.ts';
import type { MaxRateJob, ViolationJob } from '../../lib/jobs.ts';
import { writeCsv } from '../../lib/output.ts';
import { FIG13, WORKLOADS } from '../../lib/paper.ts';
import { mapJobs } from '../../lib/pool.ts';
import { progress } from '../../lib/progress.ts';
import type { Experiment } from '../../lib/experiment.ts';

export const FIG13_SCHEDULERS = ['temporal', 'greedy', 'gpulet', 'gpulet-int'] as const;

export const fig13: Experiment = {
  name: 'fig13',
  describe: "SLO violations (ground-truth interference on) at each scheduler's highest plan-feasible rate (Figure 13)",
  async run(opts) {
    const seeds = opts.quick ? [opts.seed] : [opts.seed, opts.seed + 1, opts.seed + 2];
    const durationS = opts.quick ? 5 : 20;
    const pairs = WORKLOADS.flatMap((w) => FIG13_SCHEDULERS.map((s) => ({ w, s }))).filter(
      (_, i) => i % opts.shard.count === opts.shard.index,
    );
    const bar = progress('fig13', pairs.length * 3, { unit: 'jobs' });
    let done = 0;
    const tick = () => bar.update(++done);
    // 1. Each scheduler's highest plan-feasible rate (the artifact's peak search on the plan).
    const searches: MaxRateJob[] = pairs.map(({ w, s }) => ({
      workload: w,
      scheduler: s,
      criterion: 'plan',
      search: 'down',
      ...(opts.quick ? { stepRps: 50 } : {}),
    }));
    const maxima = await mapJobs('maxrate', searches, opts.jobs, tick);
    // 2. Violations there, and at the paper's tested rate.
    const at = (rate: number, i: number): ViolationJob => ({
      workload: pairs[i].w,
      scheduler: pairs[i].s,
      rate,
      seeds,
      durationS,
    });
    const own = await mapJobs(
      'violations',
      maxima.map((m, i) => at(m.max_rate_rps, i)),
      opts.jobs,
      tick,
    );
    const paperRate = await mapJobs(
      'violations',
      pairs.map((p, i) => at(FIG13[p.w as (typeof WORKLOADS)[number]].rate, i)),
      opts.jobs,
      tick,
    );
    bar.stop();
    const rows = pairs.map(({ w, s }, i) => {
      const paper = FIG13[w as (typeof WORKLOADS)[number]];
      const paperPct = s === 'gpulet' || s === 'gpulet-int' ? paper[s] : null;
      return {
        workload: w,
        scheduler: s,
        max_plan_rate_rps: maxima[i].max_rate_rps,
        slo_violation_pct: own[i].feasible ? round(median(own[i].violationPct), 4) : null,
        seeds_pct: own[i].violationPct.map((p) => round(p, 3)).join(' '),
        paper_rate_rps: paper.rate,
        feasible_at_paper_rate: paperRate[i].feasible,
        slo_violation_pct_at_paper_rate: paperRate[i].feasible ? round(median(paperRate[i].violationPct), 4) : null,
        paper_slo_violation_pct: paperPct,
      };
    });
    const columns = [
      'workload',
      'scheduler',
      'max_plan_rate_rps',
      'slo_violation_pct',
      'seeds_pct',
      'paper_rate_rps',
      'feasible_at_paper_rate',
      'slo_violation_pct_at_paper_rate',
      'paper_slo_violation_pct',
    ];
    const file = writeCsv(opts.outDir, opts.quick ? 'fig13-quick.csv' : 'fig13.csv', rows, columns);
    const over = rows.filter((r) => r.slo_violation_pct !== null && r.slo_violation_pct > 1);
    return {
      json: { rows },
      text: [
        "SLO violations %, median of seeds, ground-truth interference on (paper's value in parentheses where it has one):",
        table(
          ['workload', 'scheduler', 'max plan rate', 'violations %', 'at paper rate', 'violations % there'],
          rows.map((r) => [
            r.workload,
            r.scheduler,
            r.max_plan_rate_rps,
            r.slo_violation_pct === null ? null : `${fmt(r.slo_violation_pct, 3)}`,
            r.paper_rate_rps,
            r.feasible_at_paper_rate
              ? `${fmt(r.slo_violation_pct_at_paper_rate ?? NaN, 3)}${r.paper_slo_violation_pct !== null ? ` (${r.paper_slo_violation_pct})` : ''}`
              : `not schedulable${r.paper_slo_violation_pct === null && (r.scheduler === 'gpulet-int') ? ' (paper: same)' : ''}`,
          ]),
        ),
        `over the 1 % bound at their own maximum: ${over.map((r) => `${r.workload}/${r.scheduler}`).join(', ') || 'none'}`,
      ].join('\n'),
      files: [file],
    };
  },
};
