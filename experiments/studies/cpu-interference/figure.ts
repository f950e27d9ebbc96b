/**
 * Interference predictors on real co-location (cpu-interference study): the CDF of each
 * predictor's held-out error on pairs co-located on this machine's core partitions, from
 * cpu-interference-cdf.csv, with the paper's Figure 10 (its predictor on its GPU) as diamonds.
 */
import { cdfComparisons, cdfFigure } from '../../figures/cdf.ts';
import type { FigureDef } from '../../figures/figure.ts';
import { num, type Table } from '../../figures/table.ts';
import type { Note } from '../../figures/notes.ts';

const FILE = 'cpu-interference-cdf.csv';
const SUMMARY = 'cpu-interference-summary.csv';
const SERVING = 'cpu-interference-serving.csv';
const LABELS: Readonly<Record<string, string>> = {
  none: 'none (slowdown 1)',
  linear: "linear (the paper's form, CPU features)",
  igniter: 'iGniter-style (co-runner traffic x memory-bound share)',
  knn: 'k-NN (3 nearest)',
  noise: 'noise of one round (solo timed twice)',
};

/** The predictor with the lowest p90 error in the summary, or null. */
export function bestPredictor(t: Table | null): string | null {
  const rows = (t?.rows ?? []).filter((r) => r.predictor !== 'noise');
  if (rows.length === 0) return null;
  return rows.reduce((b, r) => ((num(r, 'p90') ?? Infinity) < (num(b, 'p90') ?? Infinity) ? r : b), rows[0]).predictor;
}

const NOTES: readonly Note[] = [
  {
    item: /./,
    text: "The paper's error is its predictor's on its GPU, trained on profiled pairs of the same models it was tested on; here each model is held out of the training in turn, on a 2-core CPU where two partitions share one cache and memory bus, with a few points per pair. It is a different machine and a harder test, so the two are not expected to agree.",
  },
];

export const CPU_INTERFERENCE: FigureDef = {
  notes: NOTES,
  name: 'cpu-interference',
  study: 'cpu-interference',
  inputs: [FILE, SUMMARY, SERVING],
  required: ['percentile', 'none_error_pct', 'paper_error_pct'],
  figure: (t) => {
    const table = t[FILE] as Table;
    const series = Object.keys(LABELS)
      .filter((n) => table.columns.includes(`${n}_error_pct`))
      .map((n) => ({ column: `${n}_error_pct`, label: LABELS[n] }));
    if (table.rows.some((r) => num(r, 'noise_pct') !== null)) series.push({ column: 'noise_pct', label: LABELS.noise });
    return cdfFigure(
      table,
      'Interference predictors on real co-location (this CPU)',
      'error of the co-located latency, each model held out in turn; diamonds: the paper (its GPU)',
      'prediction error (%)',
      series,
      'paper_error_pct',
    );
  },
  report: (t) => {
    const best = bestPredictor(t[SUMMARY] ?? null) ?? 'none';
    const all = t[SUMMARY]?.rows ?? [];
    const rows = all.filter((r) => r.predictor !== 'noise');
    const noise = all.find((r) => r.predictor === 'noise');
    const serving = t[SERVING]?.rows ?? [];
    const share = (r: (typeof all)[number]) => {
      const v = num(r, 'best_share');
      // As cpu-pairs.ts's sharePct (not imported: a figure stays clear of the profiling modules).
      return v === null ? '–' : `${Math.round(1000 * v) / 10} %`;
    };
    const interval = (r: (typeof all)[number]) => {
      const lo = num(r, 'p90_lo');
      const hi = num(r, 'p90_hi');
      return lo === null || hi === null ? '–' : `${lo}–${hi}`;
    };
    return {
      heading: 'Interference predictors on real co-location',
      intro: [
        `Pairs of models timed co-located on this machine's core partitions (cpu-pairs.csv); each predictor fitted without one model and scored on that model's points, in turn. The comparison is the predictor with the lowest p90 error here (${best}) against the paper's predictor on its GPU (Figure 10).`,
      ],
      comparisons: cdfComparisons(t, FILE, `${best}_error_pct`, 'paper_error_pct'),
      extra:
        rows.length === 0
          ? []
          : [
              "Every predictor, held-out error (%), with its p90's 95 % bootstrap interval and the share of resamples where its p90 is the lowest; the noise row is one round's measurement noise (self timed alone twice, a co-located block apart; a point pools every round on both sides, so its slowdown carries less):",
              '',
              '| predictor | points | p50 | p90 | p90 interval | lowest p90 in | p95 | max |',
              '| --- | --- | --- | --- | --- | --- | --- | --- |',
              ...rows.map(
                (r) =>
                  `| ${LABELS[r.predictor] ?? r.predictor} | ${num(r, 'points')} | ${num(r, 'p50')} | ${num(r, 'p90')} | ${interval(r)} | ${share(r)} | ${num(r, 'p95')} | ${num(r, 'max')} |`,
              ),
              ...(noise === undefined
                ? []
                : [
                    `| ${LABELS.noise} | ${num(noise, 'points')} | ${num(noise, 'p50')} | ${num(noise, 'p90')} | – | – | ${num(noise, 'p95')} | ${num(noise, 'max')} |`,
                  ]),
              ...(serving.length === 0
                ? []
                : [
                    '',
                    "Each predictor's effect on real serving: gpulet-int planned with it (fitted on every point) at the highest load it accepts, as a fraction of the models' batch-32 capacity, and that plan served for real (cpu-interference-serving.csv):",
                    '',
                    '| predictor | capacity | req/s | gpulets | SLO violations % | p99 ms |',
                    '| --- | --- | --- | --- | --- | --- |',
                    ...serving.map(
                      (r) =>
                        `| ${LABELS[r.predictor] ?? r.predictor} | ${num(r, 'capacity') ?? 'none feasible'} | ${num(r, 'rate_rps') ?? '–'} | ${r.gpulets || '–'} | ${num(r, 'slo_violation_pct') ?? '–'} | ${num(r, 'p99_ms') ?? '–'} |`,
                    ),
                  ]),
            ],
    };
  },
};
