/**
 * The fidelity study: the simulator's error against real execution (onnxruntime on this CPU) as the
 * load grows from 10 % to 110 % of the plan's capacity, from fidelity-summary.csv. One row of panels
 * per step of the simulator's model (SIM_MODELS in run.ts), so the effect of each step shows; one
 * line per model, the median over seeds, with the seeds' 95 % t-interval as bars; the targets in
 * the subtitle. There is no paper value: the reference is real execution.
 */
import type { Comparison, FigureDef } from '../../figures/figure.ts';
import { SERIES_COLORS, topLevel } from '../../figures/style.ts';
import { num, type Table } from '../../figures/table.ts';
import type { Note } from '../../figures/notes.ts';
import { FULL_MODEL, SIM_MODELS, TARGETS } from './run.ts';

const FILE = 'fidelity-summary.csv';

/** The three errors drawn: column, its interval's columns, panel title. */
const ERRORS = [
  {
    col: 'p50_error_pct',
    lo: 'p50_error_lo',
    hi: 'p50_error_hi',
    title: 'p50 latency error, %',
    target: TARGETS.p50_error_pct,
  },
  {
    col: 'p99_error_pct',
    lo: 'p99_error_lo',
    hi: 'p99_error_hi',
    title: 'p99 latency error, %',
    target: TARGETS.p99_error_pct,
  },
  {
    col: 'violation_error_points',
    lo: 'violation_error_lo',
    hi: 'violation_error_hi',
    title: 'SLO violations error, points',
    target: TARGETS.violation_error_points,
  },
] as const;

/** The long table the figure draws: one value per (sim model, load, model, error). */
export function fidelityValues(t: Table) {
  return t.rows.flatMap((r) =>
    ERRORS.map((e) => ({
      simModel: r.sim_model,
      load: num(r, 'load_pct'),
      model: r.model,
      error: e.title,
      value: num(r, e.col),
      lo: num(r, e.lo),
      hi: num(r, e.hi),
    })),
  );
}

const NOTES: readonly Note[] = [
  {
    item: /violation/,
    text: "The real runs' violations come from rare slow batches (the shared VM's batch-to-batch variation with slow outliers, backends/onnx/README.md); the +empirical-latency step draws batch latencies from the profile's measured distribution to carry them.",
  },
];

export const FIDELITY: FigureDef = {
  notes: NOTES,
  name: 'fidelity',
  study: 'fidelity',
  inputs: [FILE],
  required: ['sim_model', 'load_pct', 'model', 'p50_error_pct', 'p99_error_pct', 'violation_error_points'],
  figure(t) {
    const table = t[FILE] as Table;
    const values = fidelityValues(table);
    const present = SIM_MODELS.filter((m) => table.rows.some((r) => r.sim_model === m));
    const models = [...new Set(table.rows.map((r) => r.model))];
    const withIntervals = values.some((v) => v.lo !== null && v.hi !== null);
    const x = { field: 'load', type: 'quantitative', title: 'load, % of the plan capacity' };
    return topLevel(
      'Fidelity: simulated against real execution, by load',
      `error = (sim - real) / real; median of the seeds${withIntervals ? ', bars: 95 % t-interval' : ''}; targets up to ${TARGETS.up_to_load_pct} % load: |p50| <= ${TARGETS.p50_error_pct} %, |p99| <= ${TARGETS.p99_error_pct} %; violations within ${TARGETS.violation_error_points} point`,
      {
        data: { values },
        facet: {
          row: { field: 'simModel', type: 'nominal', title: 'simulator model', sort: present },
          column: { field: 'error', type: 'nominal', title: null, sort: ERRORS.map((e) => e.title) },
        },
        spec: {
          width: 220,
          height: 130,
          layer: [
            {
              mark: { type: 'line', point: true },
              encoding: {
                x,
                y: { field: 'value', type: 'quantitative', title: null },
                color: {
                  field: 'model',
                  type: 'nominal',
                  title: 'model',
                  sort: models,
                  scale: {
                    domain: models,
                    range: models.map((_, i) =>
                      models[i] === 'all' ? '#000000' : SERIES_COLORS[i % SERIES_COLORS.length],
                    ),
                  },
                },
              },
            },
            ...(withIntervals
              ? [
                  {
                    transform: [{ filter: 'isValid(datum.lo) && isValid(datum.hi)' }],
                    mark: { type: 'rule' },
                    encoding: {
                      x,
                      y: { field: 'lo', type: 'quantitative' },
                      y2: { field: 'hi' },
                      color: { field: 'model', type: 'nominal' },
                    },
                  },
                ]
              : []),
          ],
        },
        resolve: { scale: { y: 'independent' } },
      },
    );
  },
  report(t) {
    const table = t[FILE] as Table;
    const full = table.rows.filter((r) => r.sim_model === FULL_MODEL && r.model === 'all');
    const comparisons: Comparison[] = full.flatMap((r) => [
      {
        item: `load ${r.load_pct} %, p50 latency`,
        ours: num(r, 'sim_p50_ms'),
        paper: num(r, 'real_p50_ms'),
        unit: 'ms',
      },
      {
        item: `load ${r.load_pct} %, p99 latency`,
        ours: num(r, 'sim_p99_ms'),
        paper: num(r, 'real_p99_ms'),
        unit: 'ms',
      },
      {
        item: `load ${r.load_pct} %, SLO violations`,
        ours: num(r, 'sim_violation_pct'),
        paper: num(r, 'real_violation_pct'),
        unit: '%',
      },
    ]);
    const steps = SIM_MODELS.filter((m) => table.rows.some((r) => r.sim_model === m)).map((m) => {
      const rows = table.rows.filter((r) => r.sim_model === m && (num(r, 'load_pct') ?? 0) <= TARGETS.up_to_load_pct);
      const worst = (c: string) => Math.max(0, ...rows.map((r) => Math.abs(num(r, c) ?? 0)));
      return `| ${m} | ${worst('p50_error_pct')} | ${worst('p99_error_pct')} |`;
    });
    return {
      heading: 'Fidelity: simulated against real, by load',
      intro: [
        `The simulator (its full model, ${FULL_MODEL}) against real execution on this machine, the total over models, median of the seeds at each load (fidelity-summary.csv; per model in fidelity.csv). The paper has no counterpart.`,
      ],
      comparisons,
      extra: [
        `Largest |error| over models at loads up to ${TARGETS.up_to_load_pct} % of capacity, per step of the simulator's model (%):`,
        '',
        '| simulator model | p50 | p99 |',
        '| --- | --- | --- |',
        ...steps,
      ],
      labels: { ours: 'simulated', paper: 'real' },
    };
  },
};
