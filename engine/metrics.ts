/**
 * Counting what happened to requests. Latencies are kept exactly (8 bytes each) so percentiles are
 * exact and reproducible; percentiles use the nearest-rank definition (the smallest value with at
 * least p % of the values at or below it).
 */
import { DROP_REASONS, type DropReason } from './server/request.ts';

/** Round to fixed decimals for output, so results are byte-stable across runs. */
export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** A growable list of latencies, ms. */
export class LatencyLog {
  private values = new Float64Array(1024);
  private n = 0;
  private sorted = true;

  get length(): number {
    return this.n;
  }

  push(ms: number): void {
    if (this.n === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    if (this.n > 0 && ms < this.values[this.n - 1]) this.sorted = false;
    this.values[this.n++] = ms;
  }

  /** Nearest-rank percentile, p in [0, 100]; NaN when empty. */
  percentile(p: number): number {
    if (this.n === 0) return NaN;
    if (!this.sorted) {
      this.values.subarray(0, this.n).sort();
      this.sorted = true;
    }
    const rank = Math.max(1, Math.ceil((p / 100) * this.n));
    return this.values[Math.min(rank, this.n) - 1];
  }
}

/** What happened to the requests of one task (or to all top-level requests). */
export class RequestCounts {
  arrived = 0;
  completed = 0;
  /** Completed, but later than the SLO. */
  late = 0;
  readonly droppedBy: Record<DropReason, number> = Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Record<
    DropReason,
    number
  >;
  readonly latencies = new LatencyLog();

  constructor(readonly sloMs: number) {}

  get dropped(): number {
    let n = 0;
    for (const r of DROP_REASONS) n += this.droppedBy[r];
    return n;
  }

  /** Dropped plus completed late: the paper counts drops as SLO violations (§5.2). */
  get sloViolations(): number {
    return this.dropped + this.late;
  }

  complete(latencyMs: number): void {
    this.completed++;
    if (latencyMs > this.sloMs) this.late++;
    this.latencies.push(latencyMs);
  }

  drop(reason: DropReason): void {
    this.droppedBy[reason]++;
  }
}
