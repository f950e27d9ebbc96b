/**
 * Figure 14 (§5.3): scen3 under a two-wave load with autoscaling up to 8 GPUs, one row per 20 s
 * window, from fig14.csv (the dynamic-load study). Panels: rate, GPUs, sum of gpulet sizes and
 * violations per window, one line per scheduler where the CSV has a `scheduler` column.
 * Expected columns (docs/design.md#dynamic-load): start_s, gpus; optional rate_rps, partition_sum_pct,
 * slo_violation_pct, scheduler.
 */
import type { Comparison, FigureDef, Inputs } from '../../figures/figure.ts';
import { schedulerColor, topLevel, type VlSpec } from '../../figures/style.ts';
import { num } from '../../figures/table.ts';
import type { Note } from '../../figures/notes.ts';

const FILE = 'fig14.csv';
const SUMMARY = 'fig14-summary.csv';
const PANELS: ReadonlyArray<{ column: string; title: string; step: boolean }> = [
  { column: 'rate_rps', title: 'rate (req/s)', step: false },
  { column: 'gpus', title: 'GPUs used', step: true },
  { column: 'partition_sum_pct', title: 'sum of gpulet sizes (%)', step: true },
  { column: 'slo_violation_pct', title: 'SLO violations (%)', step: false },
];
/** Read off the paper's Figure 14 (docs/artifact.md#figure-14-dynamic-scaling). */
const PAPER = {
  firstPeakRps: 1600,
  secondPeakRps: 2680,
  maxGpus: 8,
  maxPartitionSumPct: 680,
  maxViolationPct: 0.76,
} as const;

/** The paper's values drawn on a panel: its two peak rates, its maxima of GPUs, gpulet sizes and violations. */
export function paperMarks(column: string): number[] {
  if (column === 'rate_rps') return [PAPER.firstPeakRps, PAPER.secondPeakRps];
  if (column === 'gpus') return [PAPER.maxGpus];
  if (column === 'partition_sum_pct') return [PAPER.maxPartitionSumPct];
  if (column === 'slo_violation_pct') return [PAPER.maxViolationPct];
  return [];
}

function series(t: Inputs): ReadonlyArray<Readonly<Record<string, string>>> {
  const rows = t[FILE]!.rows;
  // Compare gpulet-int where the study ran several schedulers.
  return rows.some((r) => r.scheduler === 'gpulet-int') ? rows.filter((r) => r.scheduler === 'gpulet-int') : rows;
}

/** Why our numbers differ from the paper's (shared notes in experiments/figures/notes.ts). */
const NOTES: readonly Note[] = [
  {
    item: /GPUs|gpulet sizes/,
    text: "Our simulated RTX 2080 Ti carries more scen3 load per GPU than the paper's servers did (our 4-GPU scen3 maximum for gpulet-int is above the paper's, fig12), so the second wave needs fewer GPUs than the paper's, and the gpulets on them sum to less.",
  },
];

export const FIG14: FigureDef = {
  notes: NOTES,
  name: 'fig14',
  study: 'fig14',
  inputs: [FILE, SUMMARY],
  required: ['start_s', 'gpus'],
  figure(t) {
    const table = t[FILE]!;
    const byScheduler = table.columns.includes('scheduler');
    const panels = PANELS.filter((p) => table.columns.includes(p.column));
    const values = table.rows.map((r) => ({
      t: num(r, 'start_s'),
      scheduler: r.scheduler ?? 'gpulet-int',
      ...Object.fromEntries(panels.map((p) => [p.column, num(r, p.column)])),
    }));
    const schedulers = [...new Set(table.rows.map((r) => r.scheduler))];
    const vconcat: VlSpec[] = panels.map((p, i) => {
      const x = { field: 't', type: 'quantitative', title: i === panels.length - 1 ? 'time (s)' : null };
      // The offered rate is the same whatever serves it: one neutral line (gpulet-int's rows), not a scheduler's colour.
      const offered = p.column === 'rate_rps';
      const line = {
        ...(offered && byScheduler ? { transform: [{ filter: "datum.scheduler === 'gpulet-int'" }] } : {}),
        mark: { type: 'line', interpolate: p.step ? 'step-after' : 'linear' },
        encoding: {
          x,
          y: { field: p.column, type: 'quantitative', title: p.title },
          color:
            offered || !byScheduler
              ? { value: offered ? '#000000' : '#0072B2' }
              : schedulerColor('scheduler', schedulers),
        },
      };
      const marks = paperMarks(p.column);
      if (marks.length === 0) return { width: 620, height: 110, layer: [line] };
      // The paper's value for the panel (its peaks, its maxima), read off its Figure 14: dashed rules.
      return {
        width: 620,
        height: 110,
        layer: [
          line,
          {
            data: { values: marks.map((v) => ({ paper: v })) },
            mark: { type: 'rule', strokeDash: [4, 3], color: '#D55E00' },
            encoding: { y: { field: 'paper', type: 'quantitative' } },
          },
        ],
      };
    });
    return topLevel(
      'Figure 14: scen3 under a two-wave load, autoscaling up to 8 GPUs',
      "one point per 20 s window; dashed: the paper's peaks and maxima, read off its Figure 14",
      {
        data: { values },
        vconcat,
      },
    );
  },
  report(t) {
    const rows = series(t);
    const max = (c: string, pred: (r: Readonly<Record<string, string>>) => boolean = () => true) => {
      const xs = rows
        .filter(pred)
        .map((r) => num(r, c))
        .filter((v): v is number => v !== null);
      return xs.length > 0 ? Math.max(...xs) : null;
    };
    const comparisons: Comparison[] = [
      {
        item: 'first-wave peak rate (t < 1,200 s)',
        ours: max('rate_rps', (r) => (num(r, 'start_s') ?? 0) < 1200),
        paper: PAPER.firstPeakRps,
        unit: 'req/s',
      },
      {
        item: 'second-wave peak rate',
        ours: max('rate_rps', (r) => (num(r, 'start_s') ?? 0) >= 1200),
        paper: PAPER.secondPeakRps,
        unit: 'req/s',
      },
      { item: 'most GPUs used', ours: max('gpus'), paper: PAPER.maxGpus, unit: 'GPUs' },
      {
        item: 'largest sum of gpulet sizes',
        ours: max('partition_sum_pct'),
        paper: PAPER.maxPartitionSumPct,
        unit: '%',
      },
      {
        item: 'worst 20 s window, SLO violations',
        ours: max('slo_violation_pct'),
        paper: PAPER.maxViolationPct,
        unit: '%',
        boundPct: 1,
      },
    ];
    const summary = t[SUMMARY];
    const extra =
      summary === null
        ? []
        : [
            `Per scheduler over the whole run (${summary.file}), the GPU-seconds each used for the same load:`,
            '',
            `| ${summary.columns.join(' | ')} |`,
            `|${summary.columns.map(() => '---').join('|')}|`,
            ...summary.rows.map((r) => `| ${summary.columns.map((c) => r[c]).join(' | ')} |`),
          ];
    return {
      extra,
      heading: 'Figure 14: dynamic load and autoscaling',
      intro: [
        "scen3 over 3,200 s with a two-wave rate trace, re-planned every 20 s, at most 8 GPUs; the paper's values are read off its Figure 14 (docs/artifact.md#figure-14-dynamic-scaling).",
      ],
      comparisons,
    };
  },
};
