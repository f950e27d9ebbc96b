/**
 * The fidelity study's per-batch dispatch cost: what real serving spends on a batch beyond the
 * profiled latency. `dispatchCost` computes it from the batches of one real run; `batchRecorder`
 * collects those batches; `medianDispatch` and `dispatchSummary` reduce costs over seeds and loads.
 */
import type { BatchObserver } from '../../../engine/server/gpulet.ts';
import { round } from '../../../engine/metrics.ts';
import { median } from '../../../engine/stats.ts';
import type { LatencyModel } from '../../../engine/types.ts';

/** One batch a real run executed: its model, size, partition and measured duration. */
export interface ObservedBatch {
  model: string;
  batch: number;
  partitionPct: number;
  durationMs: number;
}

/** The dispatch cost of one run (dispatchCost). */
export interface DispatchCost {
  /** What the simulator adds to every batch: batch_excess_ms + loop_lag_ms, never below 0. */
  dispatch_ms: number;
  /** Median over the run's batches of measured duration - profiled latency; null without batches. */
  batch_excess_ms: number | null;
  /** The real-time loop's mean lag over the run. */
  loop_lag_ms: number;
  batches: number;
}

/**
 * The per-batch cost of real serving beyond the profiled latency, ms, from a real run: the
 * median over its batches of (measured duration - profiled latency of that model, batch and
 * partition), plus the real-time loop's mean lag (how late a batching window's close, and so the
 * batch, starts). Never below 0.
 */
export function dispatchCost(
  batches: ReadonlyArray<ObservedBatch>,
  latency: LatencyModel,
  meanLagMs: number,
): DispatchCost {
  const excess = batches.map((b) => b.durationMs - latency.latencyMs(b.model, b.batch, b.partitionPct));
  const batchExcess = excess.length === 0 ? null : median(excess);
  return {
    dispatch_ms: round(Math.max(0, (batchExcess ?? 0) + meanLagMs), 4),
    batch_excess_ms: batchExcess === null ? null : round(batchExcess, 4),
    loop_lag_ms: round(meanLagMs, 4),
    batches: batches.length,
  };
}

/**
 * An observer that records the batches a real run completed (failed ones are left out), and
 * `clear()` to forget them when the run is repeated.
 */
export function batchRecorder(): { observer: BatchObserver; batches: ObservedBatch[]; clear(): void } {
  const batches: ObservedBatch[] = [];
  return {
    observer: {
      batchStarted() {},
      batchEnded(job, startedAtMs, endedAtMs, ok) {
        if (ok)
          batches.push({
            model: job.model,
            batch: job.batch,
            partitionPct: job.partitionPct,
            durationMs: endedAtMs - startedAtMs,
          });
      },
    },
    batches,
    clear() {
      batches.length = 0;
    },
  };
}

/**
 * Per field, the median over several runs' costs (the seeds of one load); batch_excess_ms over the
 * runs that had batches (null when none did), batches the median count. Not recomputed from the
 * medians: dispatch_ms is the median of the runs' dispatch_ms.
 */
export function medianDispatch(costs: readonly DispatchCost[]): DispatchCost & { runs: number } {
  if (costs.length === 0) throw new RangeError('medianDispatch: no runs');
  const med = (xs: number[]) => round(median(xs), 4);
  const excess = costs.map((c) => c.batch_excess_ms).filter((x): x is number => x !== null);
  return {
    dispatch_ms: med(costs.map((c) => c.dispatch_ms)),
    batch_excess_ms: excess.length === 0 ? null : med(excess),
    loop_lag_ms: med(costs.map((c) => c.loop_lag_ms)),
    batches: med(costs.map((c) => c.batches)),
    runs: costs.length,
  };
}

/**
 * The JSON's top-level `dispatch`: the spread of the per-load calibrated costs (`dispatch_by_load`)
 * the simulator used, ms per batch. Each load's runs were simulated with that load's own cost.
 */
export function dispatchSummary(byLoad: ReadonlyArray<{ load_pct: number; dispatch_ms: number }>): {
  per: 'load';
  min_ms: number;
  median_ms: number;
  max_ms: number;
} {
  if (byLoad.length === 0) throw new RangeError('dispatchSummary: no loads');
  const ms = byLoad.map((l) => l.dispatch_ms);
  return {
    per: 'load',
    min_ms: Math.min(...ms),
    median_ms: round(median(ms), 4),
    max_ms: Math.max(...ms),
  };
}
