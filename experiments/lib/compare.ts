/**
 * Two runs side by side (`gpulet compare A.json B.json`): per model and in total, each metric's
 * mean over the side's seeds, the difference B - A, and whether that difference is outside what the
 * seeds' spread explains: Welch's 95 % interval of the difference of means excludes 0 (a side with
 * one seed has no spread of its own; with one seed on both sides there is no interval to judge by).
 *
 * A side is a `gpulet simulate --format json` (or `--out`) document, one seed, or a cell JSON of
 * `gpulet run` (NAME-runs/cell-K.json), all of its seeds.
 */
import { readFileSync } from 'node:fs';
import jstat from 'jstat';
import { InputError, show } from '../../engine/errors.ts';
import type { TaskSummary } from '../../engine/server/session.ts';
import { meanCi } from '../figures/stats.ts';

/** Per model, what a run reports and the comparison reads. */
type ModelCounts = Pick<TaskSummary, 'arrived' | 'completed' | 'dropped' | 'slo_violations' | 'p50_ms' | 'p99_ms'>;

/** One seed's run: per model, and the total. */
interface SeedRun {
  seed: number | null;
  models: Record<string, ModelCounts>;
  total: ModelCounts;
}

export interface Side {
  file: string;
  label: string;
  durationS: number;
  runs: SeedRun[];
}

export const COMPARE_METRICS = ['goodput_rps', 'throughput_rps', 'slo_violation_pct', 'p50_ms', 'p99_ms'] as const;
export type CompareMetric = (typeof COMPARE_METRICS)[number];

export interface Difference {
  model: string;
  metric: CompareMetric;
  a: number | null;
  b: number | null;
  /** B - A. */
  diff: number | null;
  /** (B - A) / A, percent; null when A is 0 or missing. */
  diff_pct: number | null;
  /** Welch 95 % interval of B - A, where both sides have spread to judge by. */
  ci_lo: number | null;
  ci_hi: number | null;
  /** Whether the interval excludes 0; null where there is no interval. */
  outside_interval: boolean | null;
  /** How the interval was made: `paired` (same seeds), `welch`, or null. */
  interval: 'paired' | 'welch' | null;
}

/** The paired 95 % t-interval of the mean of b[i] - a[i] (at least two pairs). */
export function paired(a: readonly number[], b: readonly number[]): { lo: number; hi: number } {
  return meanCi(b.map((x, i) => x - a[i]));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function counts(v: unknown, where: string): ModelCounts {
  if (!isRecord(v)) throw new InputError(`${where}: expected an object of counts`);
  const n = (k: string): number => {
    const x = v[k];
    if (typeof x !== 'number' || !Number.isFinite(x) || x < 0)
      throw new InputError(`${where}, field ${k}: expected a count, got ${show(x)}`);
    return x;
  };
  const ms = (k: string): number | null => {
    const x = v[k];
    if (x === null || x === undefined) return null;
    if (typeof x !== 'number' || !Number.isFinite(x))
      throw new InputError(`${where}, field ${k}: expected ms or null, got ${show(x)}`);
    return x;
  };
  return {
    arrived: n('arrived'),
    completed: n('completed'),
    dropped: n('dropped'),
    slo_violations: n('slo_violations'),
    p50_ms: ms('p50_ms'),
    p99_ms: ms('p99_ms'),
  };
}

/** One run document (simulate's shape) as a SeedRun. */
function seedRun(doc: Record<string, unknown>, where: string): SeedRun {
  if (!isRecord(doc.models) || !isRecord(doc.requests))
    throw new InputError(`${where}: expected a run document with models and requests (gpulet simulate --format json)`);
  const models = Object.fromEntries(
    Object.entries(doc.models).map(([m, c]) => [m, counts(c, `${where}, models.${m}`)]),
  );
  const total = counts({ ...doc.requests, p50_ms: doc.p50_ms, p99_ms: doc.p99_ms }, `${where}, requests`);
  return { seed: typeof doc.seed === 'number' ? doc.seed : null, models, total };
}

/** Read one side: a simulate document or a `gpulet run` cell JSON. */
export function readSide(file: string): Side {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(
      `${file}: expected a run's JSON, ${code === 'ENOENT' ? 'found nothing there' : code !== undefined ? `could not read it (${code})` : `got a parse error (${(e as Error).message})`}`,
    );
  }
  if (!isRecord(doc)) throw new InputError(`${file}: expected a JSON object`);
  const durationS = doc.duration_s;
  if (typeof durationS !== 'number' || !(durationS > 0))
    throw new InputError(`${file}, field duration_s: expected seconds > 0, got ${show(durationS)}`);
  const label = [doc.workload, doc.scheduler, typeof doc.rate_rps === 'number' ? `${doc.rate_rps} req/s` : null]
    .filter((x) => typeof x === 'string' && x !== '')
    .join(' ');
  if (Array.isArray(doc.runs)) {
    if (doc.runs.length === 0) throw new InputError(`${file}, field runs: expected at least one run`);
    const runs = doc.runs.map((r, i) => {
      if (!isRecord(r)) throw new InputError(`${file}, runs[${i}]: expected a run document`);
      return seedRun(r, `${file}, runs[${i}]`);
    });
    return { file, label, durationS, runs };
  }
  return { file, label, durationS, runs: [seedRun(doc, file)] };
}

function metric(c: ModelCounts, m: CompareMetric, durationS: number): number | null {
  const late = c.slo_violations - c.dropped;
  switch (m) {
    case 'goodput_rps':
      return (c.completed - late) / durationS;
    case 'throughput_rps':
      return c.completed / durationS;
    case 'slo_violation_pct':
      return c.arrived === 0 ? 0 : (100 * c.slo_violations) / c.arrived;
    case 'p50_ms':
      return c.p50_ms;
    case 'p99_ms':
      return c.p99_ms;
  }
}

function meanVar(xs: readonly number[]): { mean: number; variance: number; n: number } {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const variance = n < 2 ? 0 : xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1);
  return { mean, variance, n };
}

/** Welch's 95 % interval of mean(b) - mean(a); null without spread to judge by. */
export function welch(a: readonly number[], b: readonly number[]): { lo: number; hi: number } | null {
  if (a.length < 2 && b.length < 2) return null;
  const A = meanVar(a);
  const B = meanVar(b);
  const diff = B.mean - A.mean;
  const va = A.variance / A.n;
  const vb = B.variance / B.n;
  const se = Math.sqrt(va + vb);
  if (se === 0) return { lo: diff, hi: diff };
  // Welch-Satterthwaite degrees of freedom; a side of one seed adds no variance and no df term.
  const df = (va + vb) ** 2 / ((A.n > 1 ? va ** 2 / (A.n - 1) : 0) + (B.n > 1 ? vb ** 2 / (B.n - 1) : 0));
  const t = jstat.jStat.studentt.inv(0.975, df);
  return { lo: diff - t * se, hi: diff + t * se };
}

const r4 = (x: number | null): number | null => (x === null ? null : Math.round(x * 1e4) / 1e4);

/** Every metric of every model the two sides share, then the total (`all`). */
export function compareSides(a: Side, b: Side): Difference[] {
  const shared = Object.keys(a.runs[0].models).filter((m) => b.runs.every((r) => Object.hasOwn(r.models, m)));
  const seedsA = a.runs.map((r) => r.seed);
  const sameSeeds =
    a.runs.length >= 2 &&
    seedsA.every((s) => s !== null) &&
    seedsA.length === b.runs.length &&
    b.runs.every((r, i) => r.seed === seedsA[i]);
  const out: Difference[] = [];
  for (const model of [...shared, 'all'])
    for (const m of COMPARE_METRICS) {
      const values = (s: Side) =>
        s.runs
          .map((r) => metric(model === 'all' ? r.total : (r.models[model] as ModelCounts), m, s.durationS))
          .filter((v): v is number => v !== null);
      const xa = values(a);
      const xb = values(b);
      const ma = xa.length > 0 ? meanVar(xa).mean : null;
      const mb = xb.length > 0 ? meanVar(xb).mean : null;
      const diff = ma !== null && mb !== null ? mb - ma : null;
      const pairs = sameSeeds && xa.length === a.runs.length && xb.length === b.runs.length;
      const ci = pairs ? paired(xa, xb) : xa.length > 0 && xb.length > 0 ? welch(xa, xb) : null;
      out.push({
        model,
        metric: m,
        a: r4(ma),
        b: r4(mb),
        diff: r4(diff),
        diff_pct: diff !== null && ma !== null && ma !== 0 ? r4((100 * diff) / ma) : null,
        ci_lo: r4(ci?.lo ?? null),
        ci_hi: r4(ci?.hi ?? null),
        outside_interval: ci === null ? null : ci.lo > 0 || ci.hi < 0,
        interval: ci === null ? null : pairs ? 'paired' : 'welch',
      });
    }
  return out;
}
