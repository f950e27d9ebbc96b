/**
 * Study: the embedded RTX 2080 Ti latency profile and how far to trust its completed part.
 *
 * Writes `sim/profiles/data/rtx2080ti-latency.csv` (all 9 models x partitions {20, 40, 50, 60, 80, 100}
 * x batch 1..32) from Figure 3 of Choi et al. (ATC'22; `sim/profiles/data/rtx2080ti-fig3.csv`, read
 * from the vector figure, about +-1-2 ms, docs/artifact.md#latency-profile-figure-3) and the completion of
 * `sim/profiles/completion.ts`; `source` says which: `fig3` (a Figure-3 value), `fig3-interp`
 * (monotone cubic between Figure-3 batches) or `fitted` (the completion).
 *
 * Validation, leave-one-out: each Figure-3 model is predicted from the other three with exactly the
 * procedure used for the five unknown models (constants fitted on the others, shape from its UTIL.CSV
 * features, scale from its SLO) and compared at its 36 Figure-3 points (`results/profile-loo.csv`,
 * `results/profile-loo-summary.csv`). Alternatives in the summary: `mean-of-others` (naive: the
 * normalised Figure-3 surface of the other three, averaged, scaled by the SLO), `form-without-util`
 * (our functional form with the UTIL features replaced by the others' mean) and the diagnostic
 * `util-features-fig3-scale` (our shape with Figure 3's own L(32, 100 %), which separates shape error
 * from SLO-anchor error; not available for a real unknown model).
 *
 * Usage: node --import tsx experiments/lib/profile-completion.ts [--check]
 *   --check  regenerate in memory and exit 1 if any committed output differs.
 */
import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { csvFormat } from 'd3-dsv';
import { InputError } from '../../engine/errors.ts';
import { MAX_BATCH, PARTITIONS_PCT } from '../../engine/limits.ts';
import { defaultOverheadTables, type OverheadTables } from '../../sim/profiles/batch-overhead.ts';
import { catalog, type CatalogModel } from '../../sim/profiles/catalog.ts';
import {
  SHAPE_BATCHES,
  fitConstants,
  fitLaunchCostMs,
  fitPartitionSoftness,
  floorShareOf,
  monotoneCubic,
  shapeFor,
  shapeLatencyMs,
  sloAnchorMs,
  smEnvelope,
  type CompletionConstants,
  type ModelFeatures,
  type Shape,
  type TrainingModel,
} from '../../sim/profiles/completion.ts';
import { parseLatencyRows, type LatencyRow } from '../../sim/profiles/latency.ts';
import { defaultUtilProfile, type UtilProfile } from '../../sim/profiles/util.ts';

/** Partitions of the generated profile (Figure 3's, and the artifact's available sizes). */
export const PROFILE_PARTITIONS = PARTITIONS_PCT;
const GPU = 'rtx2080ti';

/** The data the study reads. */
export interface CompletionInputs {
  readonly catalog: readonly CatalogModel[];
  readonly fig3: readonly LatencyRow[];
  readonly util: UtilProfile;
  readonly overheadTables: OverheadTables;
}

export type LatencySource = 'fig3' | 'fig3-interp' | 'fitted';
export interface LatencyOutRow {
  model: string;
  gpu: string;
  partition: number;
  batch: number;
  latencyMs: number;
  source: LatencySource;
}
export interface LooRow {
  model: string;
  partition: number;
  batch: number;
  fig3Ms: number;
  predictedMs: number;
  errorPct: number;
}
export type LooMethod = 'util-features' | 'mean-of-others' | 'form-without-util' | 'util-features-fig3-scale';
export interface SummaryRow {
  model: string;
  mapePct: number;
  maxErrPct: number;
  method: LooMethod;
}
/** Per Figure-3 model: its own fit of the completion and the SLO-anchor check. */
export interface FitRow {
  model: string;
  floorShare: number;
  launchCostMs: number;
  partitionSoftness: number;
  inSampleMapePct: number;
  inSampleMaxErrPct: number;
  sloMs: number;
  /** 2 x (Figure-3 L(32, 100 %) + raw batching cost at 32), ms. */
  anchoredSloMs: number;
  anchorErrPct: number;
}
export interface CompletionResult {
  latencyRows: LatencyOutRow[];
  looRows: LooRow[];
  summaryRows: SummaryRow[];
  fitRows: FitRow[];
  /** Constants fitted on all Figure-3 models: the ones used for the `fitted` rows. */
  constants: CompletionConstants;
  /** Drop-one-knot check of Figure-3 interpolation over batch: MAPE % (linear, monotone cubic). */
  interpolationCheck: { linearMapePct: number; monotoneMapePct: number };
}

/** The embedded data files. */
export function defaultInputs(): CompletionInputs {
  const url = new URL('../../sim/profiles/data/rtx2080ti-fig3.csv', import.meta.url);
  return {
    catalog: catalog(),
    fig3: parseLatencyRows(readFileSync(url, 'utf8'), fileURLToPath(url)),
    util: defaultUtilProfile(),
    overheadTables: defaultOverheadTables(),
  };
}

/**
 * Kernel launches per forward pass of the launch-bound models: LeNet-5 as in PyTorch's MNIST example
 * (conv, relu, max-pool twice; three linear layers with two relus; log-softmax) is 12 kernels.
 */
const LAUNCH_BOUND_KERNELS: Readonly<Record<string, number>> = { lenet: 12 };

interface Known extends TrainingModel {
  readonly model: CatalogModel;
  readonly anchorMs: number;
}

/** Build the profile, fit the constants and run the leave-one-out validation. Deterministic. */
export function run(inputs: CompletionInputs = defaultInputs()): CompletionResult {
  const features = (m: CatalogModel): ModelFeatures => ({
    smFrac: smEnvelope(SHAPE_BATCHES.map((b) => inputs.util.util(m.name, b).smPct)),
    kernelMs32: inputs.util.kernelMs(m.name, MAX_BATCH),
  });
  const sloAnchor = (m: CatalogModel) => sloAnchorMs(m.sloMs, rawOverhead32Ms(m, inputs.overheadTables));
  const known: Known[] = inputs.catalog
    .filter((m) => inputs.fig3.some((r) => r.model === m.name))
    .map((m) => ({
      model: m,
      anchorMs: sloAnchor(m),
      features: features(m),
      surface: { partitionsPct: PROFILE_PARTITIONS, latencyMs: fig3Surface(inputs.fig3, m.name) },
    }));
  const constants = fitConstants(known);
  // A launch-bound model (mean kernel shorter than one launch, so the floor is its whole latency)
  // gets its scale from its kernel count instead of its SLO: its SLO is set by the serving system's
  // fixed per-request costs, not by GPU time (LeNet's 5 ms SLO would otherwise mean a flat 2.5 ms,
  // 10x what 12 tiny kernels take, and make every LeNet plan infeasible).
  const anchorMs = (m: CatalogModel) => {
    const kernels = Object.hasOwn(LAUNCH_BOUND_KERNELS, m.name) ? LAUNCH_BOUND_KERNELS[m.name] : undefined;
    const k32 = inputs.util.kernelMs(m.name, MAX_BATCH);
    if (kernels !== undefined && floorShareOf(constants.launchCostMs, k32) >= 1)
      return kernels * (constants.launchCostMs + k32);
    return sloAnchor(m);
  };

  const latencyRows: LatencyOutRow[] = [];
  for (const m of inputs.catalog) {
    const k = known.find((x) => x.model === m);
    PROFILE_PARTITIONS.forEach((p, j) => {
      const measured = k?.surface.latencyMs.map((row) => row[j]);
      const curve = measured && monotoneCubic(SHAPE_BATCHES, measured);
      const shape = shapeFor(features(m), constants, anchorMs(m));
      for (let b = 1; b <= MAX_BATCH; b++) {
        const at = SHAPE_BATCHES.indexOf(b as (typeof SHAPE_BATCHES)[number]);
        const [latencyMs, source]: [number, LatencySource] =
          measured && curve
            ? at >= 0
              ? [measured[at], 'fig3']
              : [curve(b), 'fig3-interp']
            : [shapeLatencyMs(shape, b, p), 'fitted'];
        latencyRows.push({ model: m.name, gpu: GPU, partition: p, batch: b, latencyMs: round(latencyMs, 3), source });
      }
    });
  }

  const looRows: LooRow[] = [];
  // Summary order: the chosen method, the naive one, the ablation, the diagnostic.
  const methods: LooMethod[] = ['util-features', 'mean-of-others', 'form-without-util', 'util-features-fig3-scale'];
  const errors = new Map(methods.map((m) => [m, new Map<string, number[]>()]));
  const record = (method: LooMethod, model: string, predictedMs: number, fig3Ms: number) => {
    const byModel = errors.get(method)!;
    const list = byModel.get(model) ?? [];
    byModel.set(model, list);
    list.push(100 * (predictedMs / fig3Ms - 1));
  };
  for (const held of known) {
    const others = known.filter((x) => x !== held);
    const c = fitConstants(others);
    const shapes: [LooMethod, Shape][] = [
      ['util-features', shapeFor(held.features, c, held.anchorMs)],
      [
        'form-without-util',
        {
          scaleMs: held.anchorMs,
          floorShare: mean(others.map((o) => floorShareOf(fitLaunchCostMs([o]), o.features.kernelMs32))),
          smFrac: SHAPE_BATCHES.map((_, i) => mean(others.map((o) => o.features.smFrac[i]))),
          partitionSoftness: c.partitionSoftness,
        },
      ],
      ['util-features-fig3-scale', shapeFor(held.features, c, fullGpuB32(held))],
    ];
    SHAPE_BATCHES.forEach((b, i) => {
      PROFILE_PARTITIONS.forEach((p, j) => {
        const fig3Ms = held.surface.latencyMs[i][j];
        for (const [method, shape] of shapes) record(method, held.model.name, shapeLatencyMs(shape, b, p), fig3Ms);
        const naive = mean(others.map((o) => o.surface.latencyMs[i][j] / fullGpuB32(o))) * held.anchorMs;
        record('mean-of-others', held.model.name, naive, fig3Ms);
        const predictedMs = round(shapeLatencyMs(shapes[0][1], b, p), 3);
        looRows.push({
          model: held.model.name,
          partition: p,
          batch: b,
          fig3Ms,
          predictedMs,
          errorPct: round(100 * (predictedMs / fig3Ms - 1), 2),
        });
      });
    });
  }
  const summaryRows: SummaryRow[] = [];
  for (const [method, byModel] of errors) {
    const all: number[] = [];
    for (const [model, list] of byModel) {
      summaryRows.push(summarise(model, list, method));
      all.push(...list);
    }
    summaryRows.push(summarise('all', all, method));
  }

  const fitRows = known.map((k): FitRow => {
    const launchCostMs = fitLaunchCostMs([k]);
    const partitionSoftness = fitPartitionSoftness([k]);
    const shape = shapeFor(k.features, { launchCostMs, partitionSoftness }, fullGpuB32(k));
    const errs = SHAPE_BATCHES.flatMap((b, i) =>
      PROFILE_PARTITIONS.map((p, j) => 100 * (shapeLatencyMs(shape, b, p) / k.surface.latencyMs[i][j] - 1)),
    );
    const anchoredSloMs = 2 * (fullGpuB32(k) + rawOverhead32Ms(k.model, inputs.overheadTables));
    return {
      model: k.model.name,
      floorShare: shape.floorShare,
      launchCostMs,
      partitionSoftness,
      inSampleMapePct: mean(errs.map(Math.abs)),
      inSampleMaxErrPct: Math.max(...errs.map(Math.abs)),
      sloMs: k.model.sloMs,
      anchoredSloMs,
      anchorErrPct: 100 * (anchoredSloMs / k.model.sloMs - 1),
    };
  });
  return { latencyRows, looRows, summaryRows, fitRows, constants, interpolationCheck: interpolationCheck(known) };
}

/** The raw (multiplier 1) batching cost at b = 32 of the model's input shape; 0 without a table. */
function rawOverhead32Ms(m: CatalogModel, tables: OverheadTables): number {
  return tables.get(m.inputShape.join('x'))?.[MAX_BATCH] ?? 0;
}

function fig3Surface(rows: readonly LatencyRow[], model: string): number[][] {
  return SHAPE_BATCHES.map((b) =>
    PROFILE_PARTITIONS.map((p) => {
      const row = rows.find((r) => r.model === model && r.batch === b && r.partitionPct === p);
      if (row === undefined) throw new RangeError(`Figure-3 data lacks ${model} batch ${b} at ${p} %`);
      return row.latencyMs;
    }),
  );
}

function fullGpuB32(k: TrainingModel): number {
  return k.surface.latencyMs[SHAPE_BATCHES.length - 1][k.surface.partitionsPct.indexOf(100)];
}

/** Predict each interior Figure-3 batch from the others, linear vs monotone cubic; MAPE %. */
function interpolationCheck(known: readonly Known[]): { linearMapePct: number; monotoneMapePct: number } {
  const linear: number[] = [];
  const cubic: number[] = [];
  for (const k of known) {
    PROFILE_PARTITIONS.forEach((_, j) => {
      const ys = k.surface.latencyMs.map((row) => row[j]);
      for (let drop = 1; drop < SHAPE_BATCHES.length - 1; drop++) {
        const xs = SHAPE_BATCHES.filter((_, i) => i !== drop);
        const kept = ys.filter((_, i) => i !== drop);
        const x = SHAPE_BATCHES[drop];
        const lin = kept[drop - 1] + ((kept[drop] - kept[drop - 1]) * (x - xs[drop - 1])) / (xs[drop] - xs[drop - 1]);
        linear.push(Math.abs(lin / ys[drop] - 1));
        cubic.push(Math.abs(monotoneCubic(xs, kept)(x) / ys[drop] - 1));
      }
    });
  }
  return { linearMapePct: 100 * mean(linear), monotoneMapePct: 100 * mean(cubic) };
}

function summarise(model: string, errorsPct: readonly number[], method: LooMethod): SummaryRow {
  const abs = errorsPct.map(Math.abs);
  return { model, mapePct: round(mean(abs), 2), maxErrPct: round(Math.max(...abs), 2), method };
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, x) => a + x, 0) / xs.length;
}

function round(x: number, digits: number): number {
  return Number(x.toFixed(digits));
}

/** The profile CSV text, fixed formatting, explicit column order. */
export function formatLatencyCsv(rows: readonly LatencyOutRow[]): string {
  const cells = rows.map((r) => ({
    ...r,
    partition: String(r.partition),
    batch: String(r.batch),
    latency_ms: r.latencyMs.toFixed(3),
  }));
  return `${csvFormat(cells, ['model', 'gpu', 'partition', 'batch', 'latency_ms', 'source'])}\n`;
}

export function formatLooCsv(rows: readonly LooRow[]): string {
  const cells = rows.map((r) => ({
    model: r.model,
    partition: String(r.partition),
    batch: String(r.batch),
    fig3_ms: r.fig3Ms.toFixed(3),
    predicted_ms: r.predictedMs.toFixed(3),
    error_pct: r.errorPct.toFixed(2),
  }));
  return `${csvFormat(cells, ['model', 'partition', 'batch', 'fig3_ms', 'predicted_ms', 'error_pct'])}\n`;
}

export function formatSummaryCsv(rows: readonly SummaryRow[]): string {
  const cells = rows.map((r) => ({
    model: r.model,
    mape_pct: r.mapePct.toFixed(2),
    max_err_pct: r.maxErrPct.toFixed(2),
    method: r.method,
  }));
  return `${csvFormat(cells, ['model', 'mape_pct', 'max_err_pct', 'method'])}\n`;
}

/** Where the outputs live, relative to this file. */
export const OUTPUTS = {
  latency: new URL('../../sim/profiles/data/rtx2080ti-latency.csv', import.meta.url),
  loo: new URL('../../results/profile-loo.csv', import.meta.url),
  summary: new URL('../../results/profile-loo-summary.csv', import.meta.url),
} as const;

/** A short human-readable report of a result. */
export function report(r: CompletionResult): string {
  const f = (x: number, d = 1) => x.toFixed(d).padStart(7);
  const lines = [
    `constants (all Figure-3 models): launch cost ${(r.constants.launchCostMs * 1000).toFixed(2)} us, partition softness ${r.constants.partitionSoftness.toFixed(3)}`,
    '',
    'per-model fit          floor  tau(us)       k  MAPE%   max%    SLO  2(L32+c32)  err%',
    ...r.fitRows.map(
      (x) =>
        `${x.model.padEnd(18)}${f(x.floorShare, 3)}${f(x.launchCostMs * 1000, 2)}${f(x.partitionSoftness, 2)}${f(x.inSampleMapePct)}${f(x.inSampleMaxErrPct)}${f(x.sloMs, 0)}${f(x.anchoredSloMs, 1).padStart(12)}${f(x.anchorErrPct)}`,
    ),
    '',
    'leave-one-out, MAPE% / max%',
    `${'model'.padEnd(18)}${[...new Set(r.summaryRows.map((s) => s.method))].map((m) => m.padStart(26)).join('')}`,
  ];
  for (const model of [...new Set(r.summaryRows.map((s) => s.model))]) {
    const cells = r.summaryRows
      .filter((s) => s.model === model)
      .map((s) => `${s.mapePct.toFixed(1)} / ${s.maxErrPct.toFixed(1)}`.padStart(26));
    lines.push(`${model.padEnd(18)}${cells.join('')}`);
  }
  const ic = r.interpolationCheck;
  lines.push(
    '',
    `Figure-3 drop-one-batch interpolation MAPE: linear ${ic.linearMapePct.toFixed(1)} %, monotone cubic ${ic.monotoneMapePct.toFixed(1)} %`,
  );
  return lines.join('\n');
}

function main(argv: readonly string[]): number {
  const unknown = argv.filter((a) => a !== '--check');
  if (unknown.length > 0) {
    process.stderr.write(
      `usage: node --import tsx experiments/lib/profile-completion.ts [--check]\nunknown argument: ${unknown[0]}\n`,
    );
    return 2;
  }
  const result = run();
  const outputs: [URL, string][] = [
    [OUTPUTS.latency, formatLatencyCsv(result.latencyRows)],
    [OUTPUTS.loo, formatLooCsv(result.looRows)],
    [OUTPUTS.summary, formatSummaryCsv(result.summaryRows)],
  ];
  if (argv.includes('--check')) {
    const stale = outputs.filter(([url, text]) => readIfExists(url) !== text).map(([url]) => fileURLToPath(url));
    for (const path of stale) process.stderr.write(`differs from what the study generates: ${path}\n`);
    if (stale.length === 0) process.stderr.write('profile-completion: committed outputs are up to date\n');
    return stale.length === 0 ? 0 : 1;
  }
  for (const [url, text] of outputs) writeFileSync(url, text);
  process.stdout.write(`${report(result)}\n`);
  return 0;
}

function readIfExists(url: URL): string | undefined {
  try {
    return readFileSync(url, 'utf8');
  } catch {
    return undefined;
  }
}

/** Whether this module is the program being run (not imported by a test or another script). */
function isMain(): boolean {
  try {
    return process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
  } catch {
    return false;
  }
}

if (isMain()) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 2;
  }
}
