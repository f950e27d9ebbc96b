/**
 * The event loop as it was before the one-loop change (engine/clock.ts at commit 1111077, its
 * VirtualClock verbatim, renamed), kept only so that `npm run bench -- engine` can time the loop
 * against it side by side in one run. No phases: everything is `normal`.
 */
import type { Clock, TimerId } from '../../engine/types.ts';

export class ClockBefore implements Clock {
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
