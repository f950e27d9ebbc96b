/**
 * Accounting per time window (Figure 14's 20 s windows): the requests that arrived in each window
 * and how many of them violated their SLO (dropped, or completed later than the SLO), counted by
 * arrival time, so a window's violation share is final once its requests have ended.
 */
import { round } from '../metrics.ts';
import type { DropReason, ModelRequest, RequestSink } from './request.ts';

/** A plan switch: from `atMs` on, this many GPUs and this sum of gpulet sizes serve. */
export interface PlanSpan {
  atMs: number;
  gpus: number;
  partitionSumPct: number;
}

export class WindowCounts implements RequestSink {
  arrived = new Float64Array(64);
  violations = new Float64Array(64);
  /** Windows that have seen an arrival: 0..numWindows-1. */
  numWindows = 0;

  /**
   * @param windowMs window length, ms.
   * @param sloMsByTask each task's SLO, ms.
   * @param next where every request's end goes on to (the tracker).
   */
  constructor(
    readonly windowMs: number,
    private readonly sloMsByTask: ReadonlyMap<string, number>,
    private readonly next: RequestSink,
  ) {
    if (!(windowMs > 0)) throw new Error(`window length must be positive, got ${windowMs}`);
  }

  /** A model request enters the serving system. */
  arrive(req: ModelRequest): void {
    const w = this.index(req.arrivedAtMs);
    this.arrived[w]++;
  }

  completed(req: ModelRequest, completedAtMs: number): void {
    if (completedAtMs - req.arrivedAtMs > (this.sloMsByTask.get(req.task) as number))
      this.violations[this.index(req.arrivedAtMs)]++;
    this.next.completed(req, completedAtMs);
  }

  dropped(req: ModelRequest, reason: DropReason, droppedAtMs: number): void {
    this.violations[this.index(req.arrivedAtMs)]++;
    this.next.dropped(req, reason, droppedAtMs);
  }

  private index(atMs: number): number {
    const w = Math.floor(atMs / this.windowMs);
    if (w >= this.arrived.length) {
      const size = Math.max(w + 1, 2 * this.arrived.length);
      const grow = (a: Float64Array) => {
        const b = new Float64Array(size);
        b.set(a);
        return b;
      };
      this.arrived = grow(this.arrived);
      this.violations = grow(this.violations);
    }
    if (w >= this.numWindows) this.numWindows = w + 1;
    return w;
  }
}

/** One window of a run (Figure 14): requests that arrived in it, and what served them. */
export interface WindowRow {
  start_s: number;
  end_s: number;
  rate_rps: number;
  /** GPUs of the serving plan (the most, where the plan changed within the window). */
  gpus: number;
  /** Sum of the serving plan's gpulet sizes, percent of one GPU (the most within the window). */
  partition_sum_pct: number;
  slo_violation_pct: number;
}

/** Window rows from per-window counts and the serving plan over time (spans ascending, the first at 0). */
export function windowRows(counts: WindowCounts, spans: readonly PlanSpan[], untilMs: number): WindowRow[] {
  const windowMs = counts.windowMs;
  const rows: WindowRow[] = [];
  for (let k = 0; k * windowMs < untilMs; k++) {
    const startMs = k * windowMs;
    const endMs = Math.min(untilMs, startMs + windowMs);
    let gpus = 0;
    let sum = 0;
    spans.forEach((s, i) => {
      const spanEnd = i + 1 < spans.length ? spans[i + 1].atMs : Infinity;
      if (s.atMs < endMs && spanEnd > startMs) [gpus, sum] = [Math.max(gpus, s.gpus), Math.max(sum, s.partitionSumPct)];
    });
    const arrived = counts.arrived[k] ?? 0;
    rows.push({
      start_s: startMs / 1000,
      end_s: endMs / 1000,
      rate_rps: round(arrived / ((endMs - startMs) / 1000)),
      gpus,
      partition_sum_pct: sum,
      slo_violation_pct: arrived === 0 ? 0 : round((100 * (counts.violations[k] ?? 0)) / arrived, 4),
    });
  }
  return rows;
}
