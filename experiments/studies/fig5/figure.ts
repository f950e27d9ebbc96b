/**
 * Figure 5 (§3.3): SLO-preserving throughput of two-model pairs on 2 GPUs, normalised to greedy
 * best-fit partitioning, from fig5.csv (the lead's study). Paper values from experiments/lib/paper.ts.
 */
import { FIG5 as PAPER } from '../../lib/paper.ts';
import type { Comparison, FigureDef } from '../../figures/figure.ts';
import { groupOffset, paperLayer, SCHEDULER_COLORS, topLevel } from '../../figures/style.ts';
import { num } from '../../figures/table.ts';
import { PLAN_BOUND, type Note } from '../../figures/notes.ts';

const FILE = 'fig5.csv';
/** Bars in the paper's order, with the scheduler colour each stands for. */
const SERIES: ReadonlyArray<{ column: string | null; label: string; color: string }> = [
  { column: 'temporal_norm', label: 'temporal sharing', color: SCHEDULER_COLORS[0] },
  { column: null, label: 'greedy partitioning', color: SCHEDULER_COLORS[1] },
  { column: 'gpulet_int_norm', label: 'gpulet-int', color: SCHEDULER_COLORS[3] },
  { column: 'static_ideal_norm', label: 'static ideal', color: SCHEDULER_COLORS[4] },
];

const paperOf = (pair: string) => PAPER.find((p) => p.pair.join('+') === pair);

/** Why our numbers differ from the paper's (shared notes in experiments/figures/notes.ts). */
const NOTES: readonly Note[] = [
  {
    item: /googlenet\+mobilenet_v2|static ideal \/ greedy, mean/,
    text: "MobileNet-V2's completed profile loses little throughput on small partitions (its UTIL.CSV SM use is low, so sim/profiles/completion.ts scales it weakly with partition size), so the static ideal's uneven layout gains more over greedy than the paper measured.",
  },
  { item: /./, text: `${PLAN_BOUND}` },
];

export const FIG5: FigureDef = {
  notes: NOTES,
  name: 'fig5',
  study: 'fig5',
  inputs: [FILE],
  required: ['pair', 'temporal_norm', 'static_ideal_norm'],
  figure(t) {
    const rows = t[FILE]!.rows;
    const series = SERIES.filter((s) => s.column === null || t[FILE]!.columns.includes(s.column));
    const values = rows.flatMap((r) =>
      series.map((s) => {
        const p = paperOf(r.pair);
        const paper =
          s.column === 'temporal_norm'
            ? p?.temporal
            : s.column === 'static_ideal_norm'
              ? p?.staticIdeal
              : s.column === null
                ? 1
                : undefined;
        return {
          pair: r.pair,
          series: s.label,
          ours: s.column === null ? 1 : num(r, s.column),
          paper: paper ?? null,
        };
      }),
    );
    const x = {
      field: 'pair',
      type: 'nominal',
      title: null,
      sort: rows.map((r) => r.pair),
      // The models' full names, one per line (`ssd-mobilenetv1` over `bert`), not `ssd+be`.
      axis: { labelAngle: 0, labelExpr: "split(datum.label, '+')" },
    };
    const xOffset = groupOffset(
      'series',
      series.map((s) => s.label),
    );
    const y = { type: 'quantitative', title: 'throughput / greedy' };
    return topLevel(
      'Figure 5: two-model pairs on 2 GPUs, throughput normalised to greedy',
      'bars: ours; diamonds: the paper',
      {
        data: { values },
        width: 560,
        height: 280,
        layer: [
          {
            mark: 'bar',
            encoding: {
              x,
              xOffset,
              y: { ...y, field: 'ours' },
              color: {
                field: 'series',
                type: 'nominal',
                title: null,
                sort: series.map((s) => s.label),
                scale: { domain: series.map((s) => s.label), range: series.map((s) => s.color) },
              },
            },
          },
          {
            ...paperLayer({ x, xOffset, y: { ...y, field: 'paper' } }),
            transform: [{ filter: 'datum.paper !== null' }],
          },
        ],
      },
    );
  },
  report(t) {
    const rows = t[FILE]!.rows;
    const comparisons: Comparison[] = rows.flatMap((r) => {
      const p = paperOf(r.pair);
      return [
        { item: `${r.pair}, temporal / greedy`, ours: num(r, 'temporal_norm'), paper: p?.temporal ?? null, unit: 'x' },
        {
          item: `${r.pair}, static ideal / greedy`,
          ours: num(r, 'static_ideal_norm'),
          paper: p?.staticIdeal ?? null,
          unit: 'x',
        },
      ];
    });
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const temporal = rows.map((r) => num(r, 'temporal_norm')).filter((v): v is number => v !== null && v > 0);
    const ideal = rows.map((r) => num(r, 'static_ideal_norm')).filter((v): v is number => v !== null);
    if (temporal.length === rows.length)
      comparisons.push({
        item: 'greedy / temporal, mean over pairs',
        ours: mean(temporal.map((v) => 1 / v)),
        paper: mean(PAPER.map((p) => 1 / p.temporal)),
        unit: 'x',
      });
    if (ideal.length === rows.length)
      comparisons.push({
        item: 'static ideal / greedy, mean over pairs',
        ours: mean(ideal),
        paper: mean(PAPER.map((p) => p.staticIdeal)),
        unit: 'x',
      });
    return {
      heading: 'Figure 5: spatial partitioning of model pairs',
      intro: [
        'SLO-preserving throughput of each pair on 2 GPUs under temporal sharing and the static ideal partition, over greedy best-fit partitioning (= 1).',
      ],
      comparisons,
    };
  },
};
