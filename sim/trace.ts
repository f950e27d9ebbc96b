/**
 * Load that changes over time: trace files and the arrival streams that follow them.
 *
 * Three file formats, told apart by their first line (`--trace FILE`):
 * - **rate steps** (the artifact's flux format, `resource/example_flux.txt`): one total rate, req/s,
 *   per line, each holding for one step (20 s in the artifact's client, `FLUX_INTERVAL`). The
 *   workload's rate vector is scaled so that its total equals each step's value.
 * - **timestamps**: CSV with a header naming `time_s` and `model` (other columns are ignored); every
 *   row is one request of that model at that time. Replayed exactly.
 * - **Azure Functions 2019** per-minute invocation counts (`invocations_per_function_md.anon.dNN.csv`
 *   of the Azure Public Dataset): header `HashOwner,HashApp,HashFunction,Trigger,1,2,...`. Either the
 *   sum over all functions scales the workload's rate vector minute by minute (`sum`), or the k
 *   busiest functions drive the workload's k tasks, busiest first (`top`).
 *
 * Nothing is downloaded: the user supplies the file. Rates between step boundaries are constant;
 * arrivals within them follow the workload's process (Poisson or gamma) through time rescaling, so
 * a constant trace gives exactly the process of {@link RenewalStream}.
 */
import { readFileSync } from 'node:fs';
import { InputError, show } from '../engine/errors.ts';
import type { ArrivalStream } from '../engine/server/session.ts';
import { exponential, gamma, streamRng, type Rng } from './rng.ts';
import { totalRate, type ArrivalProcess, type ModelResolver, type Workload } from './workload.ts';

/** How the k tasks of a workload take their rates from an Azure per-minute file. */
export type AzureMapping = 'sum' | 'top';

export interface TraceOptions {
  /** Multiplies every rate (rate steps and Azure), or divides every timestamp (replay). @default 1 */
  scale?: number;
  /** Length of one step of a rate-steps file, ms. @default 20000 (the artifact's FLUX_INTERVAL) */
  stepMs?: number;
  /** @default 'top' */
  azure?: AzureMapping;
}

/** A trace as read from its file, before it meets a workload. */
export type Trace =
  /** Total rate per step; scales the workload's rate vector. */
  | { kind: 'total'; source: string; stepMs: number; totalRps: Float64Array }
  /** Rate per step for each of the busiest functions, busiest first (Azure `top`). */
  | { kind: 'ranked'; source: string; stepMs: number; rpsByRank: Float64Array[] }
  /** Request times per model, ms, ascending. */
  | { kind: 'timestamps'; source: string; atMsByModel: ReadonlyMap<string, Float64Array> };

/** A workload's load over time: per task (or the application), rates per step or exact times. */
export type Load =
  | { kind: 'rates'; stepMs: number; numSteps: number; rpsByTask: ReadonlyMap<string | null, Float64Array> }
  | { kind: 'times'; endMs: number; atMsByTask: ReadonlyMap<string | null, Float64Array> };

export const FLUX_STEP_MS = 20_000;
const AZURE_STEP_MS = 60_000;
const AZURE_HEAD = ['HashOwner', 'HashApp', 'HashFunction', 'Trigger'];

/** Read a trace file of any of the three formats. */
export function loadTrace(file: string, resolve: ModelResolver, opts: TraceOptions = {}): Trace {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').replace(/^\uFEFF/, ''); // a byte-order mark is no mistake
  } catch (e) {
    throw new InputError(`${file}: cannot read trace file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  return parseTrace(text, file, resolve, opts);
}

/** Parse trace text; `file` names it in error messages. */
export function parseTrace(text: string, file: string, resolve: ModelResolver, opts: TraceOptions = {}): Trace {
  const scale = opts.scale ?? 1;
  if (!(scale > 0) || !Number.isFinite(scale))
    throw new InputError(`--trace-scale: expected a positive number, got ${show(scale)}`);
  const stepMs = opts.stepMs ?? FLUX_STEP_MS;
  if (!(stepMs > 0) || !Number.isFinite(stepMs))
    throw new InputError(`--trace-step-s: expected a positive number, got ${show(stepMs / 1000)}`);
  const firstLine =
    text
      .split('\n', 64)
      .find((l) => l.trim() !== '')
      ?.trim() ?? '';
  if (firstLine.startsWith(AZURE_HEAD[0])) return parseAzure(text, file, scale, opts.azure ?? 'top');
  if (/(^|,)\s*time_s\s*(,|$)/.test(firstLine)) return parseTimestamps(text, file, resolve, scale);
  return parseRateSteps(text, file, scale, stepMs);
}

/** One total rate per line; blank lines and `#` comments are skipped. */
export function parseRateSteps(text: string, file: string, scale = 1, stepMs = FLUX_STEP_MS): Trace {
  const rates: number[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const v = Number(line);
    if (!Number.isFinite(v) || v < 0)
      throw new InputError(`${file}: line ${i + 1}: expected a non-negative rate in req/s, got ${show(line)}`);
    if (!Number.isFinite(v * scale))
      throw new InputError(`${file}: line ${i + 1}: rate ${v} x --trace-scale ${scale} overflows; lower --trace-scale`);
    rates.push(v * scale);
  });
  if (rates.length === 0) throw new InputError(`${file}: expected one rate per line, got no rates`);
  return { kind: 'total', source: file, stepMs, totalRps: Float64Array.from(rates) };
}

/** CSV `time_s,model` (header required, any column order, other columns ignored). */
export function parseTimestamps(text: string, file: string, resolve: ModelResolver, scale = 1): Trace {
  const lines = text.split(/\r?\n/);
  const header = lines[0].split(',').map((h) => h.trim());
  const ti = header.indexOf('time_s');
  const mi = header.indexOf('model');
  if (ti < 0 || mi < 0)
    throw new InputError(`${file}: header: expected columns time_s and model, got ${show(lines[0])}`);
  const times = new Map<string, number[]>();
  for (let i = 1; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const cells = lines[i].split(',');
    const t = Number(cells[ti]);
    if (cells[ti] === undefined || cells[ti].trim() === '' || !Number.isFinite(t) || t < 0)
      throw new InputError(
        `${file}: row ${i + 1}, field time_s: expected a non-negative number of seconds, got ${show(cells[ti])}`,
      );
    const model = resolve((cells[mi] ?? '').trim(), `${file}: row ${i + 1}, field model`).name;
    let list = times.get(model);
    if (list === undefined) {
      list = [];
      times.set(model, list);
    }
    const atMs = (t * 1000) / scale;
    if (!Number.isFinite(atMs))
      throw new InputError(
        `${file}: row ${i + 1}, field time_s: ${t} s / --trace-scale ${scale} overflows; raise --trace-scale`,
      );
    list.push(atMs);
  }
  if (times.size === 0) throw new InputError(`${file}: expected at least one request row after the header, got none`);
  // Rows need not be in time order; each model's times are sorted (nothing is dropped).
  const atMsByModel = new Map([...times].map(([m, ts]) => [m, Float64Array.from(ts).sort()] as const));
  return { kind: 'timestamps', source: file, atMsByModel };
}

/**
 * Azure Functions 2019 per-minute counts. Parsed with one pass over the characters and no per-cell
 * strings: a day file is about 46,000 functions x 1,440 minutes.
 */
export function parseAzure(text: string, file: string, scale = 1, mapping: AzureMapping = 'top', topK = 64): Trace {
  const nl = text.indexOf('\n');
  const header = (nl < 0 ? text : text.slice(0, nl)).trim().split(',');
  for (let i = 0; i < AZURE_HEAD.length; i++)
    if (header[i] !== AZURE_HEAD[i])
      throw new InputError(`${file}: header column ${i + 1}: expected ${AZURE_HEAD[i]}, got ${show(header[i])}`);
  const numMinutes = header.length - AZURE_HEAD.length;
  for (let m = 0; m < numMinutes; m++)
    if (header[AZURE_HEAD.length + m] !== String(m + 1))
      throw new InputError(
        `${file}: header column ${AZURE_HEAD.length + m + 1}: expected minute ${m + 1}, got ${show(header[AZURE_HEAD.length + m])}`,
      );
  if (numMinutes === 0)
    throw new InputError(`${file}: header: expected minute columns 1, 2, ... after Trigger, got none`);
  const sum = new Float64Array(numMinutes);
  // For `top`: the k busiest rows so far (k small), with their counts.
  const top: Array<{ total: number; key: string; counts: Float64Array }> = [];
  const counts = new Float64Array(numMinutes);
  let row = 1;
  let numRows = 0;
  let pos = nl < 0 ? text.length : nl + 1;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    row++;
    if (end - pos > 1 || (end - pos === 1 && text.charCodeAt(pos) !== 13)) {
      numRows++;
      // Skip the four hash/trigger fields, keeping HashFunction for tie-breaks.
      let p = pos;
      let keyStart = pos;
      let keyEnd = pos;
      for (let f = 0; f < AZURE_HEAD.length; f++) {
        const c = text.indexOf(',', p);
        if (c < 0 || c > end)
          throw new InputError(`${file}: row ${row}: expected ${AZURE_HEAD.length + numMinutes} fields, got ${f + 1}`);
        if (f === 2) {
          keyStart = p;
          keyEnd = c;
        }
        p = c + 1;
      }
      let total = 0;
      for (let m = 0; m < numMinutes; m++) {
        let v = 0;
        let digits = 0;
        while (p < end) {
          const ch = text.charCodeAt(p);
          if (ch >= 48 && ch <= 57) {
            v = v * 10 + (ch - 48);
            digits++;
            p++;
          } else break;
        }
        const ch = p < end ? text.charCodeAt(p) : -1;
        const last = m === numMinutes - 1;
        if (digits > 0 && !last && (ch === -1 || ch === 13))
          throw new InputError(`${file}: row ${row}: expected ${numMinutes} minute counts, got ${m + 1}`);
        if (digits === 0 || (last ? ch !== -1 && ch !== 13 : ch !== 44)) {
          const cellStart = p - digits;
          const comma = text.indexOf(',', cellStart);
          const cell = text.slice(cellStart, comma < 0 || comma > end ? end : comma).trim();
          throw new InputError(
            `${file}: row ${row}, minute ${m + 1}: expected a whole count of invocations, got ${show(cell)}`,
          );
        }
        p++;
        counts[m] = v;
        sum[m] += v;
        total += v;
      }
      if (mapping === 'top') {
        const key = text.slice(keyStart, keyEnd);
        const better = (t: { total: number; key: string }) => total > t.total || (total === t.total && key < t.key);
        if (top.length < topK || better(top[top.length - 1])) {
          let i = top.length;
          while (i > 0 && better(top[i - 1])) i--;
          top.splice(i, 0, { total, key, counts: counts.slice() });
          if (top.length > topK) top.pop();
        }
      }
    }
    pos = end + 1;
  }
  if (numRows === 0) throw new InputError(`${file}: expected at least one function row after the header, got none`);
  const perSecond = (c: Float64Array) =>
    c.map((v, m) => {
      const rps = (v / 60) * scale;
      if (!Number.isFinite(rps))
        throw new InputError(
          `${file}: minute ${m + 1}: ${v} invocations x --trace-scale ${scale} overflows; lower --trace-scale`,
        );
      return rps;
    });
  if (mapping === 'sum') return { kind: 'total', source: file, stepMs: AZURE_STEP_MS, totalRps: perSecond(sum) };
  return { kind: 'ranked', source: file, stepMs: AZURE_STEP_MS, rpsByRank: top.map((t) => perSecond(t.counts)) };
}

/** Fit a trace to a workload: per-task rates per step, or per-task request times. */
export function traceLoad(w: Workload, trace: Trace): Load {
  if (trace.kind === 'total') {
    const n = trace.totalRps.length;
    if (w.app)
      return { kind: 'rates', stepMs: trace.stepMs, numSteps: n, rpsByTask: new Map([[null, trace.totalRps]]) };
    const total = totalRate(w);
    // Shares of the workload's rate vector; a workload with all-zero rates splits evenly.
    const share = (rate: number) => (total > 0 ? rate / total : 1 / w.tasks.length);
    return {
      kind: 'rates',
      stepMs: trace.stepMs,
      numSteps: n,
      rpsByTask: new Map(w.tasks.map((t) => [t.task, trace.totalRps.map((v) => v * share(t.rateRps))] as const)),
    };
  }
  if (w.app)
    throw new InputError(
      `${trace.source}: a per-model trace cannot drive application workload ${w.name}; use a rate-steps file or --azure-map sum`,
    );
  if (trace.kind === 'ranked') {
    if (trace.rpsByRank.length < w.tasks.length)
      throw new InputError(
        `${trace.source}: expected at least ${w.tasks.length} functions for the ${w.tasks.length} tasks of ${w.name}, got ${trace.rpsByRank.length}`,
      );
    return {
      kind: 'rates',
      stepMs: trace.stepMs,
      numSteps: trace.rpsByRank[0].length,
      rpsByTask: new Map(w.tasks.map((t, i) => [t.task, trace.rpsByRank[i]] as const)),
    };
  }
  const known = new Set(w.tasks.map((t) => t.model));
  for (const m of trace.atMsByModel.keys())
    if (!known.has(m))
      throw new InputError(
        `${trace.source}: requests for ${m}, which workload ${w.name} does not serve (it has ${[...known].join(', ')})`,
      );
  let endMs = 0;
  const atMsByTask = new Map<string | null, Float64Array>();
  for (const t of w.tasks) {
    const times = trace.atMsByModel.get(t.model) ?? new Float64Array(0);
    atMsByTask.set(t.task, times);
    if (times.length > 0) endMs = Math.max(endMs, times[times.length - 1]);
  }
  return { kind: 'times', endMs, atMsByTask };
}

/** How long a load lasts, ms: the steps' total length, or just past the last timestamp. */
export function loadDurationMs(load: Load): number {
  return load.kind === 'rates' ? load.numSteps * load.stepMs : Math.floor(load.endMs / 1000) * 1000 + 1000;
}

/**
 * A task's mean rate over [fromMs, toMs), req/s, as the load defines it (the steps' rates, or the
 * request times); 0 past the end. Every task of an application runs at the application's rate.
 */
export function meanRpsBetween(load: Load, task: string, fromMs: number, toMs: number): number {
  if (!(toMs > fromMs)) return 0;
  if (load.kind === 'times') {
    const times = load.atMsByTask.get(task);
    if (times === undefined) return 0;
    const lower = (x: number) => {
      let lo = 0;
      let hi = times.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (times[mid] < x) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    return ((lower(toMs) - lower(fromMs)) * 1000) / (toMs - fromMs);
  }
  const rps = load.rpsByTask.get(task) ?? load.rpsByTask.get(null);
  if (rps === undefined) return 0;
  let sum = 0;
  for (let k = Math.max(0, Math.floor(fromMs / load.stepMs)); k < load.numSteps && k * load.stepMs < toMs; k++) {
    const overlap = Math.min(toMs, (k + 1) * load.stepMs) - Math.max(fromMs, k * load.stepMs);
    if (overlap > 0) sum += rps[k] * overlap;
  }
  return sum / (toMs - fromMs);
}

/** Per-task mean rates over the whole load, and at its busiest step (for a static plan). */
export function loadRates(load: Load): { meanRps: Map<string | null, number>; peakRps: Map<string | null, number> } {
  const meanRps = new Map<string | null, number>();
  const peakRps = new Map<string | null, number>();
  if (load.kind === 'rates') {
    let peak = 0;
    let peakTotal = -1;
    for (let k = 0; k < load.numSteps; k++) {
      let s = 0;
      for (const r of load.rpsByTask.values()) s += r[k];
      if (s > peakTotal) [peak, peakTotal] = [k, s];
    }
    for (const [task, r] of load.rpsByTask) {
      meanRps.set(task, r.reduce((a, b) => a + b, 0) / load.numSteps);
      peakRps.set(task, r[peak]);
    }
  } else {
    const durationS = loadDurationMs(load) / 1000;
    for (const [task, times] of load.atMsByTask) {
      meanRps.set(task, times.length / durationS);
      // The busiest 20 s window.
      let best = 0;
      for (let i = 0, j = 0; i < times.length; i++) {
        while (times[i] - times[j] >= FLUX_STEP_MS) j++;
        best = Math.max(best, i - j + 1);
      }
      peakRps.set(task, best / (FLUX_STEP_MS / 1000));
    }
  }
  return { meanRps, peakRps };
}

/**
 * Arrivals at a piecewise-constant rate. A renewal process with unit mean gaps (exponential, or
 * gamma with the workload's CV) runs in "operational time" Λ(t) = ∫ rate; each of its points s is
 * mapped back to the t with Λ(t) = s. For Poisson arrivals this is exact (an inhomogeneous
 * Poisson process); O(1) amortised per arrival and no allocation.
 */
export class PiecewiseRateStream implements ArrivalStream {
  private step = 0;
  private atMs = 0;
  private readonly shape: number;

  /** @param ratesRps rate in each step, req/s; after the last step no more requests arrive. */
  constructor(
    readonly task: string | null,
    private readonly stepMs: number,
    private readonly ratesRps: Float64Array,
    private readonly rng: Rng,
    arrival: ArrivalProcess = { process: 'poisson' },
  ) {
    this.shape = arrival.process === 'gamma' ? 1 / (arrival.cv * arrival.cv) : 1;
  }

  nextArrivalMs(): number {
    // Expected arrivals to cover before the next one.
    let need = this.shape === 1 ? exponential(this.rng, 1) : gamma(this.rng, this.shape) / this.shape;
    const { stepMs, ratesRps } = this;
    while (this.step < ratesRps.length) {
      const perMs = ratesRps[this.step] / 1000;
      const stepEndMs = (this.step + 1) * stepMs;
      const room = perMs * (stepEndMs - this.atMs);
      if (perMs > 0 && need <= room) {
        this.atMs += need / perMs;
        // Rounding can land exactly on the boundary; keep the arrival inside its step.
        if (this.atMs >= stepEndMs) this.atMs = stepEndMs - 1e-9;
        return this.atMs;
      }
      need -= room;
      this.step++;
      this.atMs = stepEndMs;
    }
    return Infinity;
  }
}

/** Replays given times, ms, ascending. */
export class ReplayStream implements ArrivalStream {
  private i = 0;
  constructor(
    readonly task: string | null,
    private readonly atMs: Float64Array,
  ) {}

  nextArrivalMs(): number {
    return this.i < this.atMs.length ? this.atMs[this.i++] : Infinity;
  }
}

/** One stream per task (or one for the application), seeded like {@link arrivalStreams}. */
export function loadStreams(w: Workload, load: Load, seed: number | string): ArrivalStream[] {
  if (load.kind === 'times') return [...load.atMsByTask].map(([task, times]) => new ReplayStream(task, times));
  return [...load.rpsByTask].map(
    ([task, rates]) =>
      new PiecewiseRateStream(
        task,
        load.stepMs,
        rates,
        streamRng(seed, 'arrivals', task ?? (w.app as { name: string }).name),
        w.arrival,
      ),
  );
}
