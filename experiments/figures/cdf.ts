/**
 * Figures 6 and 10 are CDFs over percentiles 0..100 with the paper's values at a few of them. One
 * drawing and one comparison serve both; a `<name>-seeds.csv` beside the CSV (the same rows for
 * three seeds, written by `gpulet figures`) gives the intervals across seeds.
 */
import type { Comparison, Inputs } from './figure.ts';
import { meanCi } from './stats.ts';
import { paperLayer, SERIES_COLORS, topLevel, type VlSpec } from './style.ts';
import { num, type Table } from './table.ts';

/** Percentiles the reference gives for Figures 6 and 10, with their names. */
export const CDF_POINTS: ReadonlyArray<[number, string]> = [
  [50, 'median'],
  [75, 'p75'],
  [90, 'p90'],
  [95, 'p95'],
  [99, 'p99'],
  [100, 'max'],
];

export interface CdfSeries {
  /** CSV column holding the value at each percentile. */
  column: string;
  label: string;
}

/** A CDF: x the value (%), y the percentile, one line per series, the paper's points as diamonds. */
export function cdfFigure(
  t: Table,
  title: string,
  subtitle: string,
  xTitle: string,
  series: readonly CdfSeries[],
  paperColumn: string,
): VlSpec {
  const values = t.rows.flatMap((r) =>
    series
      .map((s) => ({ series: s.label, percentile: Number(r.percentile), value: num(r, s.column) }))
      .filter((v) => v.value !== null),
  );
  const paper = t.rows
    .filter((r) => num(r, paperColumn) !== null)
    .map((r) => ({ percentile: Number(r.percentile), value: num(r, paperColumn) }));
  const y = { field: 'percentile', type: 'quantitative', title: 'share of cases (%)', scale: { domain: [0, 100] } };
  const x = { field: 'value', type: 'quantitative', title: xTitle };
  return topLevel(title, subtitle, {
    layer: [
      {
        data: { values },
        mark: { type: 'line', interpolate: 'step-after' },
        encoding: {
          x,
          y,
          color: {
            field: 'series',
            type: 'nominal',
            title: null,
            sort: series.map((s) => s.label),
            scale: { range: SERIES_COLORS },
          },
        },
      },
      { data: { values: paper }, ...paperLayer({ x, y }) },
    ],
  });
}

/** Ours next to the paper's at each percentile the paper gives; intervals from the -seeds CSV. */
export function cdfComparisons(t: Inputs, file: string, column: string, paperColumn: string, unit = '%'): Comparison[] {
  const rows = t[file]?.rows ?? [];
  const seeds = t[file.replace(/\.csv$/, '-seeds.csv')]?.rows ?? [];
  return CDF_POINTS.flatMap(([pct, name]) => {
    const row = rows.find((r) => Number(r.percentile) === pct);
    if (row === undefined) return [];
    const reps = seeds
      .filter((r) => Number(r.percentile) === pct)
      .map((r) => num(r, column))
      .filter((v): v is number => v !== null);
    return [
      {
        item: name,
        ours: num(row, column),
        paper: num(row, paperColumn),
        unit,
        ci: reps.length >= 3 ? meanCi(reps, { min: 0 }) : null,
      },
    ];
  });
}
