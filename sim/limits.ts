/**
 * The size of a plan and of a run, checked before the work starts against the work limits of
 * engine/limits.ts: GPUs to plan on, seconds of arrivals, expected requests and windows. An input beyond one is refused in one line that names
 * the bound and the flag that raises it, instead of running for hours or growing without bound.
 */
import { InputError } from '../engine/errors.ts';
import { MAX_DURATION_S, MAX_GPUS, MAX_IDEAL_GPUS, MAX_REQUESTS, MAX_WINDOWS } from '../engine/limits.ts';
import type { Load } from './trace.ts';
import type { Workload } from './workload.ts';

/** The bounds a run is held to; flags may raise the defaults. */
export interface RunLimits {
  /** @default MAX_REQUESTS (`--max-requests`) */
  maxRequests?: number;
  /** @default MAX_DURATION_S (`--max-duration`) */
  maxDurationS?: number;
}

export interface RunSize {
  load: Load | null;
  /** Seconds of arrivals. */
  durationS: number;
  /** Whether the duration was given (`--duration`) rather than taken from the trace. */
  durationGiven: boolean;
  /** Length of the run's windows (`--epoch-s`), when it counts per window or re-plans. */
  windowS?: number;
  /** The trace file, for messages. */
  trace?: string;
  /** Said after the duration in the message, e.g. ` at 20000 req/s`. */
  note?: string;
  /** The command has no flags to raise the bounds (maxrate): the messages say to lower --duration. */
  fixed?: boolean;
}

/** A number for a message: six significant digits below a million, else two (3.3e9). */
export function showCount(n: number): string {
  if (!Number.isFinite(n)) return 'over 1e308';
  return n < 1e6 ? String(Number(n.toPrecision(6))) : Number(n.toPrecision(2)).toExponential().replace('e+', 'e');
}

/**
 * Requests `w` is expected to bring over the first `durationS` s, following `load` where given.
 * Every task of an application receives each application request, so those count once per task.
 */
export function expectedRequests(w: Workload, load: Load | null, durationS: number): number {
  const untilMs = durationS * 1000;
  const perStream = (task: string | null) => (task === null ? w.tasks.length : 1);
  if (load === null)
    return w.app ? w.appRateRps * w.tasks.length * durationS : w.tasks.reduce((s, t) => s + t.rateRps * durationS, 0);
  let n = 0;
  if (load.kind === 'times') {
    for (const [task, times] of load.atMsByTask) {
      let k = 0;
      while (k < times.length && times[k] < untilMs) k++;
      n += k * perStream(task);
    }
    return n;
  }
  for (const [task, rps] of load.rpsByTask)
    for (let k = 0; k < load.numSteps && k * load.stepMs < untilMs; k++)
      n += ((rps[k] * (Math.min(untilMs, (k + 1) * load.stepMs) - k * load.stepMs)) / 1000) * perStream(task);
  return n;
}

/** Refuse a run beyond the limits: too many seconds, requests or windows. */
export function checkRunSize(w: Workload, size: RunSize, limits: RunLimits = {}): void {
  const maxDurationS = limits.maxDurationS ?? MAX_DURATION_S;
  const maxRequests = limits.maxRequests ?? MAX_REQUESTS;
  const { load, durationS } = size;
  const raise = (flag: string) => (size.fixed ? 'lower --duration' : `${flag} raises it`);
  if (durationS > maxDurationS) {
    if (!size.durationGiven && load !== null) {
      const first =
        load.kind === 'times' ? Math.min(...[...load.atMsByTask.values()].map((t) => t[0] ?? Infinity)) / 1000 : 0;
      const hint =
        first > maxDurationS
          ? `; its first request is at ${showCount(first)} s (Unix epoch times?): make the times relative to the first`
          : '';
      throw new InputError(
        `--trace ${size.trace ?? ''}: it runs ${showCount(durationS)} s, more than the bound of ${showCount(maxDurationS)} s of arrivals (--max-duration raises it, --duration shortens the run)${hint}`,
      );
    }
    throw new InputError(
      `--duration: ${showCount(durationS)} s is more than the bound of ${showCount(maxDurationS)} s of arrivals (${raise('--max-duration')})`,
    );
  }
  const n = expectedRequests(w, load, durationS);
  if (!(n <= maxRequests * (1 + 1e-9)))
    // (rate shares need not sum exactly)
    throw new InputError(
      `${w.name}: about ${showCount(n)} requests expected in ${showCount(durationS)} s${size.note ?? ''}, more than the bound of ${showCount(maxRequests)} per run (${raise('--max-requests')})`,
    );
  if (size.windowS !== undefined && durationS / size.windowS > MAX_WINDOWS)
    throw new InputError(
      `--epoch-s: ${showCount(durationS / size.windowS)} windows of ${size.windowS} s in ${showCount(durationS)} s, more than the bound of ${showCount(MAX_WINDOWS)} (a fixed bound: raise --epoch-s)`,
    );
}

/**
 * Refuse a plan whose search takes minutes or more, unless `allowSlow`: more than MAX_GPUS GPUs
 * (planning grows about as their square), or `ideal` on more than MAX_IDEAL_GPUS (4^n layouts).
 * `flag` names where the GPU count came from.
 */
export function checkPlanSize(scheduler: string, numGpus: number, allowSlow = false, flag = '--gpus'): void {
  if (allowSlow) return;
  if (scheduler === 'ideal' && numGpus > MAX_IDEAL_GPUS)
    throw new InputError(
      `${flag}: ideal searches 4^${numGpus} = ${showCount(4 ** numGpus)} GPU layouts on ${numGpus} GPUs, more than the bound of ${MAX_IDEAL_GPUS} GPUs (--allow-slow lifts it)`,
    );
  if (numGpus > MAX_GPUS)
    throw new InputError(
      `${flag}: ${numGpus} GPUs is more than the bound of ${MAX_GPUS} a plan may have (planning time grows as their square; --allow-slow lifts it)`,
    );
}
