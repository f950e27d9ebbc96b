/**
 * Plans that keep their promises (experiments/studies/promises/run.ts): violation % at 20 loads per workload
 * and scheduler, with all fixes and for the artifact exactly (--fixes none).
 * Points the scheduler calls infeasible are not drawn; a plan-feasible point above the 1 % rule
 * is a broken promise. Every number in the report's sentences comes from the CSVs.
 */
import type { FigureDef, Inputs } from '../../figures/figure.ts';
import { schedulerColor, topLevel } from '../../figures/style.ts';
import { num } from '../../figures/table.ts';

const FILE = 'promises.csv';
const SUMMARY = 'promises-summary.csv';
const SCHEDULERS = ['temporal', 'greedy', 'gpulet', 'gpulet-int'] as const;

/** How a setup reads in titles. */
export function setupTitle(fixes: string): string {
  return fixes === 'none' ? 'the artifact (--fixes none: its scheduler and serving path)' : 'all fixes';
}

interface SummaryRow {
  scheduler: string;
  fixes: string;
  feasible: number;
  broken: number;
  worst: number | null;
  worstAt: string;
}

/** The summary, from promises-summary.csv or recomputed from promises.csv. */
export function promiseSummary(t: Inputs): SummaryRow[] {
  const s = t[SUMMARY];
  if (s) {
    return s.rows.map((r) => ({
      scheduler: r.scheduler,
      fixes: r.fixes,
      feasible: num(r, 'plan_feasible') ?? 0,
      broken: num(r, 'broken') ?? 0,
      worst: num(r, 'worst_violation_pct'),
      worstAt: r.worst_at ?? '',
    }));
  }
  const rows = t[FILE]?.rows ?? [];
  const keys = [...new Set(rows.map((r) => `${r.scheduler}|${r.fixes}`))];
  return keys.map((k) => {
    const [scheduler, fixes] = k.split('|');
    const mine = rows.filter((r) => r.scheduler === scheduler && r.fixes === fixes && r.plan_feasible === 'true');
    const v = mine.map((r) => ({ pct: num(r, 'slo_violation_pct') ?? 0, at: `${r.workload} @ ${r.rate_rps}` }));
    const worst = v.reduce<{ pct: number; at: string } | null>((m, x) => (m === null || x.pct > m.pct ? x : m), null);
    return {
      scheduler,
      fixes,
      feasible: mine.length,
      broken: v.filter((x) => x.pct > 1).length,
      worst: worst?.pct ?? null,
      worstAt: worst?.at ?? '',
    };
  });
}

export const PROMISES: FigureDef = {
  name: 'promises',
  study: 'promises',
  inputs: [FILE, SUMMARY],
  required: ['workload', 'scheduler', 'fixes', 'pct_of_max', 'plan_feasible', 'slo_violation_pct'],
  figure(t) {
    const values = t[FILE]!.rows.filter((r) => r.plan_feasible === 'true').map((r) => ({
      workload: r.workload,
      scheduler: r.scheduler,
      setup: setupTitle(r.fixes),
      pct: num(r, 'pct_of_max'),
      violations: num(r, 'slo_violation_pct'),
    }));
    const setups = [...new Set(values.map((v) => v.setup))];
    const rows = t[FILE]!.rows;
    const seeds = Math.max(1, ...rows.map((r) => (r.seeds_pct ?? '').split(' ').filter((x) => x !== '').length));
    const lowest = Math.min(...rows.map((r) => num(r, 'pct_of_max') ?? 100));
    return topLevel(
      'Do plans keep their promises?',
      [
        `SLO violations at loads from ${lowest} % to 100 % of each scheduler's highest plan-feasible rate (${new Set(rows.map((r) => r.workload)).size} workloads; median of ${seeds} seed(s))`,
        'only rates the scheduler calls feasible are drawn; above the dashed 1 % rule a promise is broken',
      ],
      {
        data: { values },
        facet: { row: { field: 'setup', type: 'nominal', title: null, sort: setups } },
        spec: {
          width: 560,
          height: 170,
          layer: [
            {
              mark: { type: 'point', filled: true, size: 30, opacity: 0.75 },
              encoding: {
                x: {
                  field: 'pct',
                  type: 'quantitative',
                  title: "load, % of the scheduler's highest plan-feasible rate",
                },
                y: {
                  field: 'violations',
                  type: 'quantitative',
                  title: 'SLO violations (%)',
                  scale: { type: 'symlog', constant: 0.5 },
                },
                color: schedulerColor('scheduler', SCHEDULERS),
              },
            },
            {
              data: { values: [{ bound: 1 }] },
              mark: { type: 'rule', strokeDash: [4, 3], color: '#D55E00' },
              encoding: { y: { field: 'bound', type: 'quantitative' } },
            },
          ],
        },
      },
    );
  },
  report(t) {
    const summary = promiseSummary(t);
    const rows = t[FILE]!.rows;
    const workloads = new Set(rows.map((r) => r.workload)).size;
    const loads = new Set(rows.map((r) => r.pct_of_max)).size;
    const line = (r: SummaryRow) =>
      `| ${r.scheduler} | ${setupTitle(r.fixes)} | ${r.feasible} | ${r.broken} | ${r.feasible > 0 ? ((100 * r.broken) / r.feasible).toFixed(1) : '–'} % | ${r.worst === null || r.worst === 0 ? '–' : `${r.worst.toFixed(2)} % (${r.worstAt} req/s)`} |`;
    const pick = (s: string, fixes: string) => summary.find((r) => r.scheduler === s && r.fixes === fixes);
    const sentences: string[] = [];
    const ours = pick('gpulet-int', 'all');
    const artifact = pick('gpulet-int', 'none');
    if (ours && artifact)
      sentences.push(
        `gpulet-int with every fix broke ${ours.broken} of its ${ours.feasible} plan-feasible points; the authors' artifact exactly (its scheduler and its serving path) broke ${artifact.broken} of ${artifact.feasible}${artifact.worst !== null && artifact.broken > 0 ? `, worst ${artifact.worst.toFixed(2)} % at ${artifact.worstAt} req/s` : ''}.`,
      );
    const blind = summary.filter(
      (r) => r.fixes === 'all' && (r.scheduler === 'gpulet' || r.scheduler === 'greedy') && r.broken > 0,
    );
    if (blind.length > 0)
      sentences.push(
        `${blind.map((r) => `${r.scheduler} breaks ${r.broken} of ${r.feasible}`).join(' and ')} with every fix: both plan without the interference predictor (the paper's point in Figure 13), so where co-located gpulets slow each other their plans run late; the burst check holds them to Poisson arrivals, not to interference they do not model.`,
      );
    return {
      heading: 'Plans that keep their promises',
      intro: [
        `For ${workloads} workloads and each scheduler: ${loads} loads from ${Math.min(...rows.map((r) => num(r, 'pct_of_max') ?? 100))} % to 100 % of the highest rate the scheduler plans, each simulated with Poisson arrivals where the plan is feasible; a plan-feasible point above 1 % SLO violations (median of seeds) is a broken promise.`,
      ],
      comparisons: [],
      extra: [
        '| scheduler | setup | plan-feasible points | broken | share | worst |',
        '|---|---|---|---|---|---|',
        ...summary.map(line),
        '',
        ...sentences,
      ],
    };
  },
};
