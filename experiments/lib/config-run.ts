/**
 * Running an experiment config (`gpulet run`) and joining its shards (`gpulet join`). Outputs in the
 * chosen folder, named by the config's `name`:
 *
 * - `NAME.csv`: the tidy table, one row per (cell, seed, model), `all` for each run's total;
 * - `NAME-summary.csv`: per (cell, model), the mean and 95 % t-interval across seeds of goodput,
 *   throughput, SLO violations and p99 latency;
 * - `NAME-runs/cell-K.json`: per cell, its plan's outcome and every seed's run as `gpulet simulate
 *   --format json` documents it (what `gpulet compare` reads);
 * - `NAME.svg`, `NAME.png`: goodput and SLO violations against the rate, per workload and scheduler.
 *
 * A shard (`--shard i/n`) takes every n-th cell and writes `NAME-IofN.csv` and its cells' JSON; `gpulet
 * join` puts the pieces back into what one unsharded run writes, byte for byte.
 */
import { join } from 'node:path';
import { InputError } from '../../engine/errors.ts';
import { checkCoverage, loadContext, resolveWorkload } from './context.ts';
import { checkRunSize } from '../../sim/limits.ts';
import type { RunLimits } from '../../sim/limits.ts';
import type { LoadedConfig } from './config.ts';
import { cellRows, RUN_COLUMNS, type CellResult, type CellSettings, type RunRow } from './config-cell.ts';
import { mapJobs } from './pool.ts';
import { progress } from './progress.ts';
import { toCsv, writeCsv, writeFileAtomic, writeText, type CsvRow } from './output.ts';
import { autoType, csvParse } from 'd3-dsv';
import { meanCi } from '../figures/stats.ts';
import { renderPng, renderSvg } from '../figures/render.ts';
import { SCHEDULER_ORDER, schedulerColor, topLevel, type VlSpec } from '../figures/style.ts';

/** Metrics the summary gives intervals for: column and figure label. */
export const SUMMARY_METRICS = [
  ['goodput_rps', 'goodput (req/s)'],
  ['throughput_rps', 'throughput (req/s)'],
  ['slo_violation_pct', 'SLO violations (%)'],
  ['p99_ms', 'p99 latency (ms)'],
] as const;

export const SUMMARY_COLUMNS = [
  'cell',
  'workload',
  'scheduler',
  'rate_rps',
  'duration_s',
  'model',
  'plan_feasible',
  'gpus_used',
  'seeds',
  ...SUMMARY_METRICS.flatMap(([m]) => [m, `${m}_lo`, `${m}_hi`]),
];

export interface RunConfigOptions {
  outDir: string;
  jobs: number;
  shard: { index: number; count: number };
  limits?: RunLimits;
}

export interface ConfigOutcome {
  files: string[];
  /** Every run's rows (this shard's, for a shard). */
  rows: RunRow[];
  summary: CsvRow[];
}

/** The settings of `loaded` every cell shares. */
export function cellSettings(loaded: LoadedConfig): CellSettings {
  const c = loaded.config;
  return {
    gpus: c.gpus,
    fixes: c.fixes,
    predictor: c.predictor,
    interference: c.interference,
    jitter: c.jitter,
    files: loaded.files,
  };
}

/**
 * Check, before any work, what the schema cannot: each workload exists and loads, the profile covers
 * its models, and no run exceeds the run limits. Errors name the config file and the field.
 */
export function checkConfig(loaded: LoadedConfig, limits: RunLimits = {}): void {
  const ctx = loadContext(loaded.files);
  const c = loaded.config;
  c.workloads.forEach((name, i) => {
    const ref = loaded.cells.find((cell) => cell.workload === name)?.workloadRef ?? name;
    try {
      for (const rate of c.rates_rps ?? [undefined]) {
        const w = resolveWorkload(ref, { rate, gpus: c.gpus, ctx });
        checkCoverage(w, ctx);
        for (const durationS of c.durations_s) checkRunSize(w, { load: null, durationS, durationGiven: true }, limits);
      }
    } catch (e) {
      if (e instanceof InputError) throw new InputError(`${loaded.file}: field workloads.${i}: ${e.message}`);
      throw e;
    }
  });
}

/** Run this shard's cells of `loaded` and write the outputs. */
export async function runConfig(loaded: LoadedConfig, opts: RunConfigOptions): Promise<ConfigOutcome> {
  checkConfig(loaded, opts.limits);
  const { name } = loaded.config;
  const mine = loaded.cells.filter((_, i) => i % opts.shard.count === opts.shard.index);
  const settings = cellSettings(loaded);
  const bar = progress(`run ${name}`, mine.length, { unit: 'cells' });
  const results = await mapJobs(
    'configCell',
    mine.map((cell) => ({ cell, settings })),
    opts.jobs,
    (n) => bar.update(n),
  );
  bar.stop();
  const files = results.map((r) =>
    writeText(
      join(opts.outDir, `${name}-runs`),
      `cell-${r.index}.json`,
      `${JSON.stringify(cellDocument(loaded, r), null, 2)}\n`,
    ),
  );
  const rows = results.flatMap(cellRows);
  if (opts.shard.count > 1) {
    const piece = `${name}-${opts.shard.index + 1}of${opts.shard.count}.csv`;
    return { files: [writeCsv(opts.outDir, piece, rows, RUN_COLUMNS), ...files], rows, summary: [] };
  }
  const done = await finishConfig(name, rows, opts.outDir);
  return { ...done, files: [...done.files, ...files] };
}

/** The per-cell JSON: the config's name and description, then the cell's result. */
function cellDocument(loaded: LoadedConfig, r: CellResult): object {
  const c = loaded.config;
  return {
    config: c.name,
    ...(c.description !== undefined ? { description: c.description } : {}),
    fixes: c.fixes,
    ...(c.predictor !== undefined ? { predictor: c.predictor } : {}),
    ...(c.interference !== undefined ? { interference: c.interference } : {}),
    ...r,
  };
}

/** From all runs' rows: the tidy CSV, the summary with intervals and the figure. */
export async function finishConfig(
  name: string,
  rows: readonly RunRow[],
  outDir: string,
): Promise<{ files: string[]; rows: RunRow[]; summary: CsvRow[] }> {
  // Stable sort: within a cell, rows keep their seed and model order.
  const text = toCsv(
    [...rows].sort((a, b) => Number(a.cell) - Number(b.cell)),
    RUN_COLUMNS,
  );
  // The summary is made from the table as written (4 decimals), so a joined run's equals an unsharded one's.
  const sorted = readRunRows(text);
  const summary = summarise(sorted);
  const files = [
    writeText(outDir, `${name}.csv`, text),
    writeCsv(outDir, `${name}-summary.csv`, summary, SUMMARY_COLUMNS),
  ];
  const svg = (await renderSvg(configFigure(name, summary))).svg;
  const base = join(outDir, name);
  writeFileAtomic(`${base}.svg`, svg);
  writeFileAtomic(`${base}.png`, renderPng(svg));
  files.push(`${base}.svg`, `${base}.png`);
  return { files, rows: sorted, summary };
}

/** Per (cell, model): mean and 95 % t-interval of each metric across the seeds. */
export function summarise(rows: readonly RunRow[]): CsvRow[] {
  const groups = new Map<string, RunRow[]>();
  for (const r of rows) {
    const key = `${r.cell}\u0000${r.model}`;
    const g = groups.get(key);
    if (g === undefined) groups.set(key, [r]);
    else g.push(r);
  }
  const out: CsvRow[] = [];
  for (const g of groups.values()) {
    const first = g[0];
    const row: CsvRow = {
      cell: first.cell,
      workload: first.workload,
      scheduler: first.scheduler,
      rate_rps: first.rate_rps,
      duration_s: first.duration_s,
      model: first.model,
      plan_feasible: first.plan_feasible,
      gpus_used: first.gpus_used,
      seeds: g.length,
    };
    for (const [m] of SUMMARY_METRICS) {
      const xs = g.map((r) => r[m]).filter((v): v is number => typeof v === 'number');
      const ci = xs.length === 0 ? null : meanCi(xs, { min: 0 });
      row[m] = ci?.mean ?? null;
      row[`${m}_lo`] = ci?.lo ?? null;
      row[`${m}_hi`] = ci?.hi ?? null;
    }
    out.push(row);
  }
  return out;
}

/** Goodput and SLO violations (means, 95 % intervals) against the rate: a column per workload. */
export function configFigure(name: string, summary: readonly CsvRow[]): VlSpec {
  const totals = summary.filter((r) => r.model === 'all');
  const metrics = [SUMMARY_METRICS[0], SUMMARY_METRICS[2]];
  const values = totals.flatMap((r) =>
    metrics.map(([m, label]) => ({
      workload: r.workload,
      scheduler: r.scheduler,
      rate: r.rate_rps,
      duration: r.duration_s,
      metric: label,
      mean: r[m],
      lo: r[`${m}_lo`],
      hi: r[`${m}_hi`],
    })),
  );
  const schedulers = [...new Set(totals.map((r) => String(r.scheduler)))];
  const order = SCHEDULER_ORDER.filter((s) => schedulers.includes(s));
  const seeds = Math.max(0, ...totals.map((r) => Number(r.seeds)));
  const x = { field: 'rate', type: 'quantitative', title: 'offered rate (req/s)', scale: { zero: false } };
  return topLevel(name, `mean of ${seeds} seed(s) per point; bars: 95 % t-interval across seeds`, {
    data: { values },
    facet: {
      row: { field: 'metric', type: 'nominal', title: null, sort: metrics.map(([, l]) => l) },
      column: { field: 'workload', type: 'nominal', title: null, sort: [...new Set(totals.map((r) => r.workload))] },
    },
    spec: {
      width: 220,
      height: 150,
      layer: [
        {
          // Dashes tell apart schedulers whose lines coincide.
          mark: { type: 'line', point: { filled: true, size: 40 }, opacity: 0.85 },
          encoding: {
            x,
            y: { field: 'mean', type: 'quantitative', title: null, axis: { format: ',.4~g' } },
            color: schedulerColor('scheduler', schedulers),
            strokeDash: {
              field: 'scheduler',
              type: 'nominal',
              title: 'scheduler',
              sort: order,
              scale: { domain: order },
            },
            detail: { field: 'duration', type: 'nominal' },
          },
        },
        {
          mark: { type: 'rule' },
          encoding: {
            x,
            y: { field: 'lo', type: 'quantitative' },
            y2: { field: 'hi' },
            color: schedulerColor('scheduler', schedulers),
          },
        },
      ],
    },
    resolve: { scale: { y: 'independent', x: 'independent' } },
  });
}

/** Rows of a tidy run CSV (`NAME.csv` or a shard's piece), typed as written. */
export function readRunRows(text: string): RunRow[] {
  return csvParse(text.replace(/^\uFEFF/, ''), autoType) as unknown as RunRow[];
}
