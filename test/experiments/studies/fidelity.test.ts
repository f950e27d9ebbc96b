/** The fidelity study's comparison arithmetic (the real run itself is exercised by the CLI tests). */
import { describe, expect, it } from 'vitest';
import type { RunSummary, TaskSummary } from '../../../engine/server/session.ts';
import {
  compareRuns,
  errorPct,
  FIDELITY_COLUMNS,
  maxFeasibleLoad,
  measuredColocation,
  meetsTargets,
} from '../../../experiments/studies/fidelity/run.ts';
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
    // Every CSV column but `load`, which the study adds per run.
    for (const r of rows) expect(Object.keys(r).sort()).toEqual(FIDELITY_COLUMNS.filter((c) => c !== 'load').sort());
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
    expect(meetsTargets(rows[0])).toEqual({ p50: true, p99: true, violation: true });
    expect(meetsTargets({ ...rows[0], p50_error_pct: -10.5, p99_error_pct: null, violation_diff_pts: 1.2 })).toEqual({
      p50: false,
      p99: false,
      violation: false,
    });
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
});
