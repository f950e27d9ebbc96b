/**
 * Watching arrival rates (docs/artifact.md#rate-monitor-and-re-planning; the artifact's monitor_thread.cpp and EWMA.cpp): every
 * 500 ms the requests that arrived for each task are counted, turned into a rate (count x 1000 /
 * 500 ms) and fed to an exponentially weighted moving average with alpha = 2 / (N + 1), N = 20 s /
 * 500 ms = 40. At every epoch the re-planner reads the averages and derives target rates.
 */
import type { Clock } from '../types.ts';

/** Arrivals are counted over this interval, ms (`RATE_INTERVAL`). */
export const RATE_INTERVAL_MS = 500;
/** Re-planning period, ms (`EPOCH_INTERVAL`, paper §4.6). */
export const EPOCH_MS = 20_000;

/** alpha = 2 / (N + 1) with N = windowMs / intervalMs samples, at least 1 (EWMA.cpp). */
export function ewmaAlpha(intervalMs = RATE_INTERVAL_MS, windowMs = EPOCH_MS): number {
  const n = Math.max(windowMs / intervalMs, 1);
  return 2 / (n + 1);
}

/** An exponentially weighted moving average: value <- alpha x sample + (1 - alpha) x value. */
export class Ewma {
  constructor(
    readonly alpha: number,
    /** Starting value (the artifact's InitRate: the task's initial target). */
    public value = 0,
  ) {
    if (!(alpha >= 0 && alpha <= 1)) throw new Error(`EWMA alpha must be in [0, 1], got ${alpha}`);
  }

  update(sample: number): number {
    this.value = this.alpha * sample + (1 - this.alpha) * this.value;
    return this.value;
  }
}

export interface RateMonitorOptions {
  /** Counting interval, ms. @default 500 */
  intervalMs?: number;
  /** EWMA window, ms: alpha = 2 / (windowMs / intervalMs + 1). @default 20000 */
  windowMs?: number;
  /** Starting EWMA value per task, req/s. @default 0 for tasks not listed */
  initialRps?: ReadonlyMap<string, number>;
}

/**
 * Per-task EWMA arrival rates. It reads cumulative arrival counts (the dispatcher's) and keeps the
 * count at the previous tick, so counting costs nothing per request beyond one increment.
 */
export class RateMonitor {
  readonly intervalMs: number;
  private readonly ewma: Ewma[];
  private readonly lastCount: Float64Array;
  /** Ticks so far. */
  numTicks = 0;

  /**
   * @param tasks the tasks to watch.
   * @param countOf cumulative arrivals of a task so far.
   */
  constructor(
    readonly tasks: readonly string[],
    private readonly countOf: (task: string) => number,
    opts: RateMonitorOptions = {},
  ) {
    this.intervalMs = opts.intervalMs ?? RATE_INTERVAL_MS;
    const alpha = ewmaAlpha(this.intervalMs, opts.windowMs ?? EPOCH_MS);
    this.ewma = tasks.map((t) => new Ewma(alpha, opts.initialRps?.get(t) ?? 0));
    this.lastCount = Float64Array.from(tasks, (t) => countOf(t));
  }

  /** Close one counting interval: each task's count since the last tick becomes a rate sample. */
  tick(): void {
    this.numTicks++;
    for (let i = 0; i < this.tasks.length; i++) {
      const now = this.countOf(this.tasks[i]);
      this.ewma[i].update(((now - this.lastCount[i]) * 1000) / this.intervalMs);
      this.lastCount[i] = now;
    }
  }

  /** The EWMA rate of `task`, req/s. */
  rateRps(task: string): number {
    const i = this.tasks.indexOf(task);
    if (i < 0) throw new Error(`rate monitor does not watch task ${task}`);
    return this.ewma[i].value;
  }

  /** Tick every interval from now on, the last tick at or before `untilMs`. */
  start(clock: Clock, untilMs: number): void {
    const startMs = clock.now();
    let k = 1;
    // One callback for every tick; the k-th falls at start + k x interval (no drift from adding).
    const onTick = (): void => {
      this.tick();
      const nextMs = startMs + ++k * this.intervalMs;
      if (nextMs <= untilMs) clock.at(nextMs, onTick);
    };
    if (startMs + this.intervalMs <= untilMs) clock.at(startMs + this.intervalMs, onTick);
  }
}
