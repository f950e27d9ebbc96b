/**
 * Figure 3 of Choi et al.: batch latency L(b, p) on an RTX 2080 Ti for GoogLeNet, ResNet-50,
 * SSD-MobileNet-v1 and VGG-16, at partitions 20 … 100 %. Ours is the embedded profile
 * (sim/profiles/data/rtx2080ti-latency.csv) at every batch 1..32; the paper's are the values read
 * off the figure (sim/profiles/data/rtx2080ti-fig3.csv). The embedded profile takes the paper's
 * points as data, so the two agree there by construction; what the report adds is how well our
 * completion method predicts a Figure-3 model it has not seen (results/profile-loo-summary.csv),
 * which is the error to expect for the five models Figure 3 lacks.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MAX_BATCH, PARTITIONS_PCT, POW2_BATCHES } from '../../../engine/limits.ts';
import { parseLatencyRows } from '../../../sim/profiles/latency.ts';
import { writeCsv } from '../../lib/output.ts';
import type { Experiment } from '../../lib/experiment.ts';
import type { FigureDef, Inputs } from '../../figures/figure.ts';
import { SERIES_COLORS, paperLayer, topLevel } from '../../figures/style.ts';
import { num } from '../../figures/table.ts';

export const FIG3_MODELS = ['googlenet', 'resnet50', 'ssd-mobilenetv1', 'vgg16'] as const;

export interface Fig3Row {
  model: string;
  partition: number;
  batch: number;
  ours_ms: number;
  /** The paper's value where Figure 3 has this point (batches 1, 2, 4, 8, 16, 32), else null. */
  paper_ms: number | null;
  /** Provenance of our value in the embedded profile: fig3 or fig3-interp. */
  source: string;
  [key: string]: string | number | null;
}
export const FIG3_COLUMNS = ['model', 'partition', 'batch', 'ours_ms', 'paper_ms', 'source'];

function dataFile(name: string): string {
  return fileURLToPath(new URL(`../../../sim/profiles/data/${name}`, import.meta.url));
}

/** Ours (every batch) next to the paper's (where read), for the four Figure-3 models. */
export function fig3Rows(
  oursCsv = dataFile('rtx2080ti-latency.csv'),
  paperCsv = dataFile('rtx2080ti-fig3.csv'),
): Fig3Row[] {
  const key = (m: string, p: number, b: number) => `${m}/${p}/${b}`;
  const paper = new Map(
    parseLatencyRows(readFileSync(paperCsv, 'utf8'), paperCsv).map((r) => [
      key(r.model, r.partitionPct, r.batch),
      r.latencyMs,
    ]),
  );
  return parseLatencyRows(readFileSync(oursCsv, 'utf8'), oursCsv)
    .filter((r) => (FIG3_MODELS as readonly string[]).includes(r.model) && PARTITIONS_PCT.includes(r.partitionPct))
    .map((r) => ({
      model: r.model,
      partition: r.partitionPct,
      batch: r.batch,
      ours_ms: r.latencyMs,
      paper_ms: paper.get(key(r.model, r.partitionPct, r.batch)) ?? null,
      source: r.source,
    }))
    .sort(
      (a, b) =>
        FIG3_MODELS.indexOf(a.model as never) - FIG3_MODELS.indexOf(b.model as never) ||
        a.partition - b.partition ||
        a.batch - b.batch,
    );
}

export const fig3Study: Experiment = {
  name: 'fig3',
  describe: 'L(b, p) of the four Figure-3 models: the embedded profile next to the paper (Figure 3)',
  async run(opts) {
    const rows = fig3Rows();
    const file = writeCsv(opts.outDir, 'fig3.csv', rows, FIG3_COLUMNS, 3);
    const read = rows.filter((r) => r.paper_ms !== null);
    const worst = Math.max(...read.map((r) => Math.abs(r.ours_ms / (r.paper_ms as number) - 1)));
    return {
      json: { rows: rows.length, paper_points: read.length, max_abs_diff_pct: worst * 100 },
      text: `Figure 3: ${rows.length} profile points of ${FIG3_MODELS.join(', ')}; ${read.length} are the paper's, largest difference there ${(worst * 100).toFixed(2)} %`,
      files: [file],
    };
  },
};

const LOO_METHOD = 'util-features';

export const FIG3: FigureDef = {
  name: 'fig3',
  study: 'fig3',
  inputs: ['fig3.csv', 'profile-loo-summary.csv'],
  required: ['model', 'partition', 'batch', 'ours_ms', 'paper_ms'],
  figure(t: Inputs) {
    const values = (t['fig3.csv']?.rows ?? []).map((r) => ({
      model: r.model,
      partition: `${r.partition} %`,
      p: Number(r.partition),
      batch: Number(r.batch),
      ours_ms: num(r, 'ours_ms'),
      paper_ms: num(r, 'paper_ms'),
    }));
    const x = {
      field: 'batch',
      type: 'quantitative',
      title: 'batch size',
      scale: { type: 'log', base: 2, domain: [1, MAX_BATCH] },
      axis: { values: [...POW2_BATCHES] },
    };
    const color = {
      field: 'partition',
      type: 'ordinal',
      title: 'gpulet size',
      sort: { field: 'p' },
      scale: { range: SERIES_COLORS.slice(0, 6) },
    };
    return topLevel(
      'Figure 3: batch latency L(b, p) on an RTX 2080 Ti',
      ["lines: our embedded profile (every batch); diamonds: read off the paper's Figure 3"],
      {
        data: { values },
        facet: { field: 'model', type: 'nominal', title: null, sort: [...FIG3_MODELS] },
        columns: 2,
        resolve: { scale: { y: 'independent' } },
        spec: {
          width: 300,
          height: 200,
          layer: [
            {
              mark: { type: 'line' },
              encoding: { x, y: { field: 'ours_ms', type: 'quantitative', title: 'latency (ms)' }, color },
            },
            {
              ...paperLayer({ x, y: { field: 'paper_ms', type: 'quantitative' }, color }),
              mark: { type: 'point', shape: 'diamond', filled: true, size: 45, opacity: 1 },
              transform: [{ filter: 'datum.paper_ms !== null' }],
            },
          ],
        },
      },
    );
  },
  report(t: Inputs) {
    const rows = t['fig3.csv']?.rows ?? [];
    const comparisons = FIG3_MODELS.map((m) => {
      const read = rows.filter((r) => r.model === m && num(r, 'paper_ms') !== null);
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      return {
        item: `${m}, mean over ${read.length} points`,
        ours: mean(read.map((r) => num(r, 'ours_ms') as number)),
        paper: mean(read.map((r) => num(r, 'paper_ms') as number)),
        unit: 'ms',
      };
    });
    const loo = (t['profile-loo-summary.csv']?.rows ?? []).filter((r) => r.method === LOO_METHOD);
    const extra =
      loo.length === 0
        ? []
        : [
            `How far to trust the completed profile (leave-one-out, results/profile-loo-summary.csv, method \`${LOO_METHOD}\`): each Figure-3 model predicted from the other three exactly as the five models without Figure-3 data were, compared at its 36 points.`,
            '',
            '| held-out model | mean abs. error | max abs. error |',
            '|---|---|---|',
            ...loo.map((r) => `| ${r.model} | ${r.mape_pct} % | ${r.max_err_pct} % |`),
          ];
    return {
      heading: 'Figure 3: batch latency L(b, p)',
      intro: [
        "The embedded profile takes Figure 3's 144 points as data and interpolates between batches, so ours equals the paper's at every point read (ratio 1.00); the numbers to watch are the leave-one-out errors below.",
      ],
      comparisons,
      extra,
    };
  },
};
