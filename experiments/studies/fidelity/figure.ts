/**
 * The fidelity study (docs/design.md#fidelity-targets): the same plan and arrival trace served for real (onnxruntime on
 * this CPU) and simulated with the measured profile, from fidelity.csv. There is no paper value:
 * the comparison is simulated against real. Metric pairs are found by name, `real_X`/`sim_X` or
 * `X_real`/`X_sim`, one bar pair per model (or per row label) and metric.
 */
import type { Comparison, FigureDef } from '../../figures/figure.ts';
import { groupOffset, topLevel } from '../../figures/style.ts';
import { num, type Table } from '../../figures/table.ts';
import type { Note } from '../../figures/notes.ts';

const FILE = 'fidelity.csv';
const LABEL_COLUMNS = ['model', 'metric', 'name', 'workload'];

/** Metric names X with both a real and a simulated column, and those columns. */
export function metricPairs(t: Table): Array<{ metric: string; real: string; sim: string }> {
  const out: Array<{ metric: string; real: string; sim: string }> = [];
  for (const c of t.columns) {
    const m = /^real_(.+)$/.exec(c) ?? /^(.+)_real$/.exec(c);
    if (m === null) continue;
    const sim = [c.replace(/^real_/, 'sim_'), c.replace(/_real$/, '_sim')].find(
      (s) => s !== c && t.columns.includes(s),
    );
    if (sim !== undefined) out.push({ metric: m[1], real: c, sim });
  }
  return out;
}

const labelColumn = (t: Table) => LABEL_COLUMNS.find((c) => t.columns.includes(c)) ?? t.columns[0];

/** A row's bar label: its model (or name), and its load when the table has several (one bar each, never stacked). */
export function rowLabel(t: Table, r: Table['rows'][number]): string {
  const label = String(r[labelColumn(t)]);
  if (!t.columns.includes('load')) return label;
  return `${label} @ ${Math.round(100 * (num(r, 'load') ?? Number.NaN))} %`;
}

/** Panel titles for the metrics the study writes; others keep their name. */
const METRIC_TITLES: Readonly<Record<string, string>> = {
  p50_ms: 'p50 latency, ms',
  p99_ms: 'p99 latency, ms',
  throughput_rps: 'throughput, req/s',
  violation_pct: 'SLO violations, %',
};
export const metricTitle = (m: string): string => (Object.hasOwn(METRIC_TITLES, m) ? METRIC_TITLES[m] : m);

/** Why our numbers differ from the paper's (shared notes in experiments/figures/notes.ts). */
const NOTES: readonly Note[] = [
  {
    item: /violation_pct/,
    text: "The real runs' few violations come from rare slow batches (the shared VM's batch-to-batch variation with slow outliers, backends/onnx/README.md), which the simulator's log-normal jitter around the profiled latency does not reproduce.",
  },
];

export const FIDELITY: FigureDef = {
  notes: NOTES,
  name: 'fidelity',
  study: 'fidelity',
  inputs: [FILE],
  required: [],
  check: (t) =>
    metricPairs(t).length === 0 ? `${t.file} has no real_X/sim_X (or X_real/X_sim) column pairs to compare` : null,
  figure(t) {
    const table = t[FILE]!;
    const values = table.rows.flatMap((r) =>
      metricPairs(table).flatMap((p) => [
        {
          label: rowLabel(table, r),
          metric: metricTitle(p.metric),
          world: 'real (onnxruntime, this CPU)',
          value: num(r, p.real),
        },
        {
          label: rowLabel(table, r),
          metric: metricTitle(p.metric),
          world: 'simulated (measured profile)',
          value: num(r, p.sim),
        },
      ]),
    );
    return topLevel(
      'Fidelity: the simulator against real execution',
      'same plan, same arrival trace, profile measured on this machine',
      {
        data: { values },
        facet: { field: 'metric', type: 'nominal', title: null },
        columns: 2,
        resolve: { scale: { y: 'independent' } },
        spec: {
          width: 280,
          height: 180,
          mark: 'bar',
          encoding: {
            x: { field: 'label', type: 'nominal', title: null, axis: { labelAngle: -30 } },
            xOffset: groupOffset('world', ['real (onnxruntime, this CPU)', 'simulated (measured profile)']),
            y: { field: 'value', type: 'quantitative', title: null },
            color: { field: 'world', type: 'nominal', title: null, scale: { range: ['#000000', '#0072B2'] } },
          },
        },
      },
    );
  },
  report(t) {
    const table = t[FILE]!;
    const comparisons: Comparison[] = table.rows.flatMap((r) =>
      metricPairs(table).map((p) => ({
        item: `${rowLabel(table, r)}, ${p.metric}`,
        ours: num(r, p.sim),
        paper: num(r, p.real),
        unit: '',
      })),
    );
    return {
      heading: 'Fidelity: simulated against real',
      intro: [
        'The "ours" column is the simulator, the reference column real execution on this machine; the paper has no counterpart.',
      ],
      comparisons,
      labels: { ours: 'simulated', paper: 'real' },
    };
  },
};
