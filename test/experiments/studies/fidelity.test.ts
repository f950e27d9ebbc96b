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
  dispatchCost,
  summariseFidelity,
  errorPasses10PctAt,
  simModelOptions,
  SIM_MODELS,
} from '../../../experiments/studies/fidelity/run.ts';
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
