/** The fidelity study's comparison arithmetic (the real run itself is exercised by the CLI tests). */
import { describe, expect, it } from 'vitest';
import type { RunSummary, TaskSummary } from '../../../engine/server/session.ts';
import {
  compareRuns,
  errorPct,
  COMPARE_COLUMNS,
  maxFeasibleLoad,
  measuredColocation,
  meetsTargets,
  summariseFidelity,
  errorPasses10PctAt,
  simModelOptions,
  SIM_MODELS,
  calibrationSeed,
  serveAttempts,
  simulateLoad,
  type LoadToSimulate,
} from '../../../experiments/studies/fidelity/run.ts';
import {
  batchRecorder,
  dispatchCost,
  dispatchSummary,
  medianDispatch,
  type DispatchCost,
} from '../../../experiments/studies/fidelity/dispatch.ts';
import type { SimulateOptions } from '../../../experiments/lib/context.ts';
import { NO_INTERFERENCE } from '../../../sim/gpu.ts';
import type { ProfileSidecar } from '../../../experiments/lib/profiling.ts';

const task = (t: Partial<TaskSummary>): TaskSummary => ({
  arrived: 100,
  completed: 100,
  dropped: 0,
  slo_violations: 0,
  p50_ms: 10,
  p99_ms: 20,
  slo_ms: 50,
  ...t,
});
const run = (models: Record<string, TaskSummary>, top: Partial<RunSummary> = {}): RunSummary => ({
  requests: { arrived: 200, completed: 198, dropped: 2, slo_violations: 2 },
  dropped_by_reason: { queue_timeout: 2, not_placed: 0, executor_failed: 0 },
  slo_violation_pct: 1,
  throughput_rps: 19.8,
  goodput_rps: 19.8,
  p50_ms: 10,
  p99_ms: 20,
  models,
  ...top,
});

describe('fidelity comparison', () => {
  it('errorPct(sim, real) is signed and relative to the real value', () => {
    expect(errorPct(11, 10)).toBe(10);
    expect(errorPct(9, 10)).toBe(-10);
    expect(errorPct(null, 10)).toBeNull();
    expect(errorPct(5, 0)).toBeNull();
  });

  it('compareRuns gives one row per model and an `all` row, with every column', () => {
    const real = run({
      a: task({ p50_ms: 10, p99_ms: 40, slo_violations: 3, completed: 98, dropped: 2 }),
      b: task({}),
    });
    const sim = run(
      { a: task({ p50_ms: 10.5, p99_ms: 36, slo_violations: 2, completed: 99, dropped: 1 }), b: task({}) },
      { p50_ms: 11, slo_violation_pct: 0.5 },
    );
    const rows = compareRuns(real, sim, 10, { a: 'a@0.5' });
    expect(rows.map((r) => r.model)).toEqual(['a', 'b', 'all']);
    // The comparison's columns; the study adds the load, seed, simulator model and machine.
    for (const r of rows) expect(Object.keys(r).sort()).toEqual([...COMPARE_COLUMNS].sort());
    expect(rows[0]).toMatchObject({
      variant: 'a@0.5',
      p50_error_pct: 5,
      p99_error_pct: -10,
      real_throughput_rps: 9.8,
      sim_throughput_rps: 9.9,
      real_violation_pct: 3,
      sim_violation_pct: 2,
      violation_diff_pts: -1,
    });
    expect(rows[2]).toMatchObject({ model: 'all', p50_error_pct: 10, violation_diff_pts: -0.5 });
    expect(meetsTargets(rows[0], 50)).toEqual({ p50: true, p99: true, violation: true });
    expect(meetsTargets({ ...rows[0], p50_error_pct: -5.5, p99_error_pct: null, violation_diff_pts: 1.2 }, 90)).toEqual(
      {
        p50: false,
        p99: false,
        violation: false,
      },
    );
  });

  it('maxFeasibleLoad finds the highest grid load a plan accepts', () => {
    expect(maxFeasibleLoad((load) => load <= 0.62)).toBe(0.6);
    expect(maxFeasibleLoad(() => true)).toBe(1);
    expect(maxFeasibleLoad(() => false)).toBeNull();
  });

  it('measuredColocation slows a batch by the factor measured for its model next to the sibling’s', () => {
    const sidecar = {
      models: { a: { colocation_slowdown: { a: 1.05, b: 1.2 } }, b: { colocation_slowdown: { a: 1, b: 1.1 } } },
    } as unknown as ProfileSidecar;
    const c = measuredColocation(sidecar);
    const rng = () => 0.5;
    const batch = (model: string) => ({ model, batch: 4, partitionPct: 50 });
    expect(c.slowdown(batch('a'), batch('b'), rng)).toBe(1.2);
    expect(c.slowdown(batch('a'), batch('a'), rng)).toBe(1.05);
    expect(c.slowdown(batch('b'), batch('a'), rng)).toBe(1);
    expect(c.slowdown(batch('z'), batch('a'), rng)).toBe(1);
  });

  it('latency targets apply up to 90 % of capacity, the violation target at every load', () => {
    const row = { p50_error_pct: 7, p99_error_pct: -12, violation_diff_pts: 0.5 };
    expect(meetsTargets(row, 90)).toEqual({ p50: false, p99: false, violation: true });
    expect(meetsTargets(row, 110)).toEqual({ p50: true, p99: true, violation: true });
    expect(meetsTargets({ ...row, violation_diff_pts: -1.5 }, 110).violation).toBe(false);
  });

  it('dispatchCost: median batch excess over the profile plus the mean loop lag, never below 0', () => {
    const latency = { gpuType: 'cpu-2c', latencyMs: (_m: string, b: number) => 10 * b } as never;
    const batch = (b: number, durationMs: number) => ({ model: 'a', batch: b, partitionPct: 50, durationMs });
    // Excesses 1, 2, 4 (ms): median 2; plus 0.5 ms of lag.
    expect(dispatchCost([batch(1, 11), batch(2, 22), batch(4, 44)], latency, 0.5)).toEqual({
      dispatch_ms: 2.5,
      batch_excess_ms: 2,
      loop_lag_ms: 0.5,
      batches: 3,
    });
    expect(dispatchCost([batch(1, 7)], latency, 1).dispatch_ms).toBe(0);
    expect(dispatchCost([], latency, 0.25)).toMatchObject({ dispatch_ms: 0.25, batch_excess_ms: null });
  });

  it('summariseFidelity: medians over seeds and t-intervals; the 10 % crossing is the lowest load past it', () => {
    const r = (load: number, seed: number, p50: number, p99: number) => ({
      sim_model: '+dispatch',
      load_pct: load,
      model: 'all',
      seed,
      p50_error_pct: p50,
      p99_error_pct: p99,
      violation_diff_pts: 0,
    });
    const rows = [r(10, 1, 1, 2), r(10, 2, 3, 4), r(10, 3, 2, 9), r(50, 1, -12, 0), r(50, 2, -11, 0), r(50, 3, 1, 0)];
    const s = summariseFidelity(rows);
    expect(s.map((x) => [x.load_pct, x.seeds, x.p50_error_pct, x.p99_error_pct])).toEqual([
      [10, 3, 2, 4],
      [50, 3, -11, 0],
    ]);
    // Mean 2, sd 1, t(0.975, 2) = 4.3027: 2 +- 2.484.
    expect(s[0].p50_error_lo).toBeCloseTo(2 - 4.302652729911275 / Math.sqrt(3), 3);
    expect(s[0].p50_error_hi).toBeCloseTo(2 + 4.302652729911275 / Math.sqrt(3), 3);
    expect(errorPasses10PctAt(s)).toBe(50);
    expect(errorPasses10PctAt(s.filter((x) => x.load_pct === 10))).toBeNull();
  });

  it('the simulator model is built up step by step', () => {
    const sidecar = {
      jitter_cv: 0.1,
      latency_ratios: [0.9, 1, 1.4],
      models: { a: { colocation_slowdown: { a: 1.2 } } },
    } as unknown as ProfileSidecar;
    const steps = SIM_MODELS.map((m) => simModelOptions(m, sidecar, 0.7));
    expect(steps.map((o) => o.colocation === NO_INTERFERENCE)).toEqual([true, false, false, false]);
    expect(steps.map((o) => o.jitterRatios !== undefined)).toEqual([false, false, true, true]);
    expect(steps.map((o) => o.dispatchMs)).toEqual([0, 0, 0, 0.7]);
  });
});

describe('fidelity dispatch cost, per load', () => {
  const job = (model: string, batch: number, partitionPct: number) => ({
    gpu: 0,
    gpulet: 0,
    partitionPct,
    model,
    batch,
  });

  it('batchRecorder keeps the completed batches with their durations; clear() forgets them', () => {
    const rec = batchRecorder();
    rec.observer.batchEnded(job('a', 4, 50), 100, 142.5, true);
    rec.observer.batchEnded(job('b', 1, 50), 110, 900, false); // failed: left out
    rec.observer.batchEnded(job('b', 2, 100), 200, 221, true);
    expect(rec.batches).toEqual([
      { model: 'a', batch: 4, partitionPct: 50, durationMs: 42.5 },
      { model: 'b', batch: 2, partitionPct: 100, durationMs: 21 },
    ]);
    const same = rec.batches;
    rec.clear();
    expect(rec.batches).toEqual([]);
    rec.observer.batchEnded(job('a', 1, 50), 0, 11, true);
    // The observer still writes to the array the caller holds.
    expect(same).toEqual([{ model: 'a', batch: 1, partitionPct: 50, durationMs: 11 }]);
  });

  it('a recorded run measures its dispatch cost from its own batches', () => {
    // Profile: 10 ms per request at 50 %, 6 ms per request at 100 %.
    const latency = { gpuType: 'cpu-2c', latencyMs: (_m: string, b: number, p: number) => (p === 100 ? 6 : 10) * b };
    const rec = batchRecorder();
    rec.observer.batchEnded(job('a', 1, 50), 0, 11.5, true); // excess 1.5
    rec.observer.batchEnded(job('a', 2, 50), 0, 20.5, true); // excess 0.5
    rec.observer.batchEnded(job('b', 4, 100), 0, 27, true); // excess 3
    rec.observer.batchEnded(job('b', 4, 100), 0, 99, false); // failed: not counted
    // Median excess 1.5, plus 0.75 ms of loop lag.
    expect(dispatchCost(rec.batches, latency as never, 0.75)).toEqual({
      dispatch_ms: 2.25,
      batch_excess_ms: 1.5,
      loop_lag_ms: 0.75,
      batches: 3,
    });
  });

  it('serveAttempts repeats a disturbed run, and the recorder holds the kept run’s batches only', async () => {
    const rec = batchRecorder();
    const serveOnceWith = (foreign: number[]) => {
      let n = 0;
      return async () => {
        const k = n++;
        // Each attempt completes k + 1 batches of k + 10 ms.
        for (let b = 0; b <= k; b++) rec.observer.batchEnded(job('a', 1, 50), 0, 10 + k, true);
        return { attempt: k + 1, foreign: foreign[k] };
      };
    };
    const retries: number[] = [];
    const base = {
      attempts: 3,
      recorder: rec,
      disturbed: (r: { foreign: number }) => r.foreign > 0.15,
      onRetry: (_r: unknown, next: number) => retries.push(next),
    };
    // Disturbed, then quiet: the second run is kept, with its 2 batches of 11 ms.
    const kept = await serveAttempts({ ...base, retry: true, serveOnce: serveOnceWith([0.9, 0.05, 0]) });
    expect(kept.attempt).toBe(2);
    expect(retries).toEqual([2]);
    expect(rec.batches.map((b) => b.durationMs)).toEqual([11, 11]);
    // Always disturbed: 3 runs in all, the last kept.
    retries.length = 0;
    const last = await serveAttempts({ ...base, retry: true, serveOnce: serveOnceWith([1, 1, 1, 1]) });
    expect([last.attempt, retries, rec.batches.length]).toEqual([3, [2, 3], 3]);
    // Without retries (the calibration): the disturbed first run is kept.
    retries.length = 0;
    const first = await serveAttempts({ ...base, retry: false, serveOnce: serveOnceWith([0.9, 0]) });
    expect([first.attempt, retries, rec.batches.map((b) => b.durationMs)]).toEqual([1, [], [10]]);
  });

  it('each load calibrates on its own seed, none of them a sweep seed', () => {
    const runSeed = 7;
    const sweep = [7, 8, 9];
    const cal = [0, 1, 2, 3, 4, 5].map((i) => calibrationSeed(runSeed, i));
    expect(cal).toEqual([1007, 1008, 1009, 1010, 1011, 1012]);
    expect(cal.some((s) => sweep.includes(s))).toBe(false);
  });

  it('simulateLoad adds each load’s own calibrated cost under +dispatch, never the runs’ measured one', () => {
    const sidecar = {
      jitter_cv: 0.1,
      latency_ratios: [1],
      models: { a: { variant: 'a@w0.5', colocation_slowdown: { a: 1 } } },
    } as unknown as ProfileSidecar;
    const cost = (dispatchMs: number): DispatchCost => ({
      dispatch_ms: dispatchMs,
      batch_excess_ms: dispatchMs,
      loop_lag_ms: 0,
      batches: 10,
    });
    const seen: Array<[number, number]> = [];
    // The stub's p50 is 10 ms plus the dispatch cost it was given; the real runs' p50 is 10 ms.
    const simulate = (_w: unknown, _p: unknown, _c: unknown, o: SimulateOptions): RunSummary => {
      seen.push([o.seed, o.dispatchMs ?? 0]);
      const p50 = 10 + (o.dispatchMs ?? 0);
      return run({ a: task({ p50_ms: p50 }) }, { p50_ms: p50 });
    };
    const load = (loadPct: number, calibrated: number, seeds: number[]): LoadToSimulate => ({
      loadPct,
      capacity: 0.6,
      plan: {} as never,
      sidecar,
      ctx: {} as never,
      dispatch: cost(calibrated),
      runs: seeds.map((seed) => ({ seed, w: {} as never, real: { summary: run({ a: task({}) }), cpu: null } })),
    });
    // Load 30 % calibrated 0.5 ms; load 90 % (another plan) calibrated 2 ms.
    const rows = [
      ...simulateLoad(load(30, 0.5, [1, 2]), 20, simulate),
      ...simulateLoad(load(90, 2, [1]), 20, simulate),
    ];
    // Every run under every step, on the run's seed: only +dispatch gets a cost, the load's own.
    expect(seen).toEqual([
      [1, 0],
      [1, 0],
      [1, 0],
      [1, 0.5],
      [2, 0],
      [2, 0],
      [2, 0],
      [2, 0.5],
      [1, 0],
      [1, 0],
      [1, 0],
      [1, 2],
    ]);
    const p50Error = (loadPct: number, simModel: string) =>
      rows
        .filter((r) => r.load_pct === loadPct && r.sim_model === simModel && r.model === 'a')
        .map((r) => r.p50_error_pct);
    // (10.5 - 10) / 10 = 5 %; (12 - 10) / 10 = 20 %.
    expect(p50Error(30, '+dispatch')).toEqual([5, 5]);
    expect(p50Error(90, '+dispatch')).toEqual([20]);
    expect(p50Error(90, '+empirical-latency')).toEqual([0]);
    expect(rows[0]).toMatchObject({
      load_pct: 30,
      capacity: 0.6,
      seed: 1,
      sim_model: 'lognormal',
      real_foreign_cores: null,
    });
  });

  it('medianDispatch: the diagnostic’s per-field medians over a load’s seeds', () => {
    const c = (dispatch_ms: number, batch_excess_ms: number | null, loop_lag_ms: number, batches: number) => ({
      dispatch_ms,
      batch_excess_ms,
      loop_lag_ms,
      batches,
    });
    // Field by field: dispatch {1, 1.4, 1.2} -> 1.2; excess {0.5, 0.8, 0.7} -> 0.7; lag {0.5, 0.6, 0.5} -> 0.5.
    expect(medianDispatch([c(1, 0.5, 0.5, 100), c(1.4, 0.8, 0.6, 120), c(1.2, 0.7, 0.5, 110)])).toEqual({
      dispatch_ms: 1.2,
      batch_excess_ms: 0.7,
      loop_lag_ms: 0.5,
      batches: 110,
      runs: 3,
    });
    // A run without batches has no excess: the median is over the others ({0.4, 0.6} -> 0.5).
    expect(medianDispatch([c(0.9, null, 0.9, 0), c(1.3, 0.4, 0.9, 50), c(1.5, 0.6, 0.9, 60)])).toMatchObject({
      dispatch_ms: 1.3,
      batch_excess_ms: 0.5,
      batches: 50,
    });
    expect(medianDispatch([c(0.3, null, 0.3, 0)]).batch_excess_ms).toBeNull();
    expect(() => medianDispatch([])).toThrow(RangeError);
  });

  it('dispatchSummary: the spread of the per-load calibrated costs', () => {
    const byLoad = [10, 30, 50, 70].map((load_pct, k) => ({ load_pct, dispatch_ms: [1.1, 0.7, 1.3, 0.9][k] }));
    // Sorted 0.7, 0.9, 1.1, 1.3: median (0.9 + 1.1) / 2.
    expect(dispatchSummary(byLoad)).toEqual({ per: 'load', min_ms: 0.7, median_ms: 1, max_ms: 1.3 });
  });
});
