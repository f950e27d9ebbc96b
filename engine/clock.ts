/**
 * Clocks: the one place where simulated and real time differ (SimPy's Environment vs
 * RealtimeEnvironment). Both are the same heap of events run in (time, phase, sequence) order; the
 * real-time clock only waits, before each step, until the head event is due. Time is in
 * milliseconds, as a float, everywhere in the engine.
 */
import type { Clock, Phase, TimerId } from './types.ts';

/**
 * Sequence numbers of `late` events start here, so one number orders (phase, sequence): 2^44
 * events per run before the phases could mix, far beyond any run (a fig12 search is ~1e8).
 */
const LATE_BASE = 2 ** 44;

/**
 * The discrete-event loop. Events are ordered by (time, phase, sequence): two events of one phase at
 * the same time run in the order they were scheduled, and `late` events after every `normal` one of
 * their time (end-of-tick work, such as an epoch that must see the tick's counts). The sequence
 * counter belongs to this clock, so two simulations in one process never interact (STYLE habits 3
 * and 4).
 */
export class VirtualClock implements Clock {
  // A binary min-heap kept as parallel arrays: no object per event beyond the callback itself.
  private times: number[] = [];
  /** (phase, sequence) as one number; also the event's TimerId. */
  private seqs: number[] = [];
  private fns: Array<() => void> = [];
  /** Ids cancelled while pending; skipped when popped, pruned when it outgrows the heap. */
  private cancelled = new Set<TimerId>();
  private seq = 0;
  /** Time of the event running or last run (the loop's time), ms. */
  protected nowMs = 0;
  /** Number of events run so far (for benchmarks and progress). */
  numEvents = 0;

  now(): number {
    return this.nowMs;
  }

  at(atMs: number, fn: () => void, phase: Phase = 'normal'): TimerId {
    const t = atMs > this.nowMs ? atMs : this.nowMs;
    const id = phase === 'normal' ? this.seq++ : LATE_BASE + this.seq++;
    this.push(t, id, fn);
    return id;
  }

  cancel(id: TimerId): void {
    const { cancelled } = this;
    cancelled.add(id);
    // Ids of events that already ran would stay forever: drop them once they could matter.
    if (cancelled.size > 64 && cancelled.size > 2 * this.times.length) {
      const pending = new Set(this.seqs);
      for (const c of cancelled) if (!pending.has(c)) cancelled.delete(c);
    }
  }

  /** Time of the next event, ms (Infinity when none is pending; cancelled ones count). */
  get nextMs(): number {
    return this.times.length > 0 ? this.times[0] : Infinity;
  }

  /** Number of events waiting (cancelled ones included until they are popped). */
  get numPending(): number {
    return this.times.length;
  }

  /**
   * Run events in (time, sequence) order until none is left or the next one lies beyond `untilMs`.
   * Returns the number of events run.
   */
  run(untilMs = Infinity): number {
    const start = this.numEvents;
    const { times, seqs, fns, cancelled } = this;
    while (times.length > 0 && times[0] <= untilMs) {
      const t = times[0];
      const id = seqs[0];
      const fn = fns[0];
      this.pop();
      if (cancelled.size > 0 && cancelled.delete(id)) continue;
      this.nowMs = t;
      this.numEvents++;
      fn();
    }
    if (untilMs !== Infinity && untilMs > this.nowMs) this.nowMs = untilMs;
    return this.numEvents - start;
  }

  private less(i: number, j: number): boolean {
    const ti = this.times[i];
    const tj = this.times[j];
    return ti < tj || (ti === tj && this.seqs[i] < this.seqs[j]);
  }

  private swap(i: number, j: number): void {
    const { times, seqs, fns } = this;
    const t = times[i];
    times[i] = times[j];
    times[j] = t;
    const s = seqs[i];
    seqs[i] = seqs[j];
    seqs[j] = s;
    const f = fns[i];
    fns[i] = fns[j];
    fns[j] = f;
  }

  private push(t: number, id: number, fn: () => void): void {
    let i = this.times.length;
    this.times.push(t);
    this.seqs.push(id);
    this.fns.push(fn);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  private pop(): void {
    const last = this.times.length - 1;
    if (last > 0) this.swap(0, last);
    this.times.pop();
    this.seqs.pop();
    this.fns.pop();
    const n = this.times.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const m = r < n && this.less(r, l) ? r : l;
      if (!this.less(m, i)) break;
      this.swap(i, m);
      i = m;
    }
  }
}

/** Longest single wait of the real-time loop, ms, so that `done` is re-checked now and then. */
const MAX_WAIT_MS = 50;

/**
 * Real time (SimPy's RealtimeEnvironment): the same heap, stepped by {@link RealtimeClock.runUntil},
 * which waits until the head event is due, runs every event due by then in (time, phase, sequence)
 * order, and yields to Node between steps so that I/O (an executor's completions) can post events
 * with `at(now(), ...)`. `now()` reads the wall clock (`performance.now()` from the origin), so
 * work outside the loop stamps real times; an event runs no earlier than its time, and late only
 * by how far the loop lags.
 */
export class RealtimeClock extends VirtualClock {
  private originMs: number;
  /** Wakes the loop early (an event was posted while it waited). */
  private wake: (() => void) | null = null;
  /** Most the loop ran behind an event's time, ms (how faithful the run was to its schedule). */
  maxLagMs = 0;
  /** Sum of the lags of the steps run, ms, and their count: the mean lag is what an event waits past its time. */
  lagSumMs = 0;
  numLaggedSteps = 0;

  constructor(originMs = performance.now()) {
    super();
    this.originMs = originMs;
  }

  override now(): number {
    return performance.now() - this.originMs;
  }

  /** Count time from now on (serving starts after the executor has loaded); only before any event. */
  restart(): void {
    if (this.numEvents > 0 || this.numPending > 0)
      throw new Error('RealtimeClock.restart: events were already scheduled');
    this.originMs = performance.now();
  }

  override at(atMs: number, fn: () => void, phase: Phase = 'normal'): TimerId {
    const id = super.at(atMs, fn, phase);
    const wake = this.wake;
    if (wake !== null) {
      this.wake = null;
      wake();
    }
    return id;
  }

  /**
   * Run events in real time until `done()` holds (checked between steps). Events still pending
   * then are left unrun (watchdogs, progress ticks): the caller decides when a run is over.
   */
  async runUntil(done: () => boolean): Promise<void> {
    while (!done()) {
      const wait = this.nextMs - this.now();
      if (wait > 0) {
        await this.sleep(Math.min(wait, MAX_WAIT_MS));
        continue;
      }
      const lag = -wait;
      if (lag > this.maxLagMs) this.maxLagMs = lag;
      this.lagSumMs += lag;
      this.numLaggedSteps++;
      this.run(this.now());
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /**
   * Keep the loop running in the background (profiling, tests that drive an executor by hand);
   * `stop()` ends it once the current step is over.
   */
  runInBackground(): { stop(): Promise<void> } {
    let stopped = false;
    const loop = this.runUntil(() => stopped);
    return {
      stop: async () => {
        stopped = true;
        const wake = this.wake;
        this.wake = null;
        wake?.();
        await loop;
      },
    };
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
