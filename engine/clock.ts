/**
 * Clocks: the one place where simulated and real time differ (SimPy's Environment vs
 * RealtimeEnvironment). Time is in milliseconds, as a float, everywhere in the engine.
 */
import type { Clock, TimerId } from './types.ts';

/**
 * The discrete-event loop. Events are ordered by (time, sequence): two events at the same time run
 * in the order they were scheduled. The sequence counter belongs to this clock, so two simulations
 * in one process never interact (STYLE habits 3 and 4).
 */
export class VirtualClock implements Clock {
  // A binary min-heap kept as parallel arrays: no object per event beyond the callback itself.
  private times: number[] = [];
  private seqs: number[] = [];
  private fns: Array<() => void> = [];
  private cancelled = new Set<TimerId>();
  private seq = 0;
  private nowMs = 0;
  /** Number of events run so far (for benchmarks and progress). */
  numEvents = 0;

  now(): number {
    return this.nowMs;
  }

  at(atMs: number, fn: () => void): TimerId {
    const t = atMs > this.nowMs ? atMs : this.nowMs;
    const id = this.seq++;
    this.push(t, id, fn);
    return id;
  }

  cancel(id: TimerId): void {
    if (id < this.seq) this.cancelled.add(id);
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
    const t = times[i]; times[i] = times[j]; times[j] = t;
    const s = seqs[i]; seqs[i] = seqs[j]; seqs[j] = s;
    const f = fns[i]; fns[i] = fns[j]; fns[j] = f;
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

/**
 * Real time from `performance.now()`, with Node timers. The engine code that runs on it is the
 * same that runs on {@link VirtualClock}.
 */
export class WallClock implements Clock {
  private readonly originMs: number;
  private timers = new Map<TimerId, NodeJS.Timeout>();
  private nextId = 0;

  constructor(originMs = performance.now()) {
    this.originMs = originMs;
  }

  now(): number {
    return performance.now() - this.originMs;
  }

  at(atMs: number, fn: () => void): TimerId {
    const id = this.nextId++;
    const delay = Math.max(0, atMs - this.now());
    const handle = setTimeout(() => {
      this.timers.delete(id);
      fn();
    }, delay);
    this.timers.set(id, handle);
    return id;
  }

  cancel(id: TimerId): void {
    const handle = this.timers.get(id);
    if (handle !== undefined) {
      clearTimeout(handle);
      this.timers.delete(id);
    }
  }

  /** Number of timers not yet fired. */
  get numPending(): number {
    return this.timers.size;
  }
}
