/**
 * One cell of an experiment config (lib/config.ts): plan the workload once with the scheduler, serve
 * the plan once per seed on the simulated GPUs, and turn the results into tidy rows (one per run
 * and model, plus `all` for the run's total). Plain data in and out, so a worker thread can run it.
 */
import { gpusUsed } from '../../engine/plan.ts';
import { parseFixes } from '../../engine/schedulers/fixes.ts';
import { round } from '../../engine/metrics.ts';
import { colocationModel } from '../../sim/colocation.ts';
import { totalRate } from '../../sim/workload.ts';
import {
  cachedContext,
  planForServing,
  resolveWorkload,
  simulatePlan,
  type ContextFiles,
  type SimulateResult,
} from './context.ts';
import type { Cell } from './config.ts';

/** Settings of a config every cell shares. */
export interface CellSettings {
  gpus?: number;
  fixes: string;
  predictor?: string;
  interference?: string;
  jitter?: number;
  /** The profile, catalog and GPU types files (absolute paths); none: the embedded ones. */
  files: ContextFiles;
}

/** One served seed, as `gpulet simulate --format json` documents a run. */
export interface CellRun extends SimulateResult {
  seed: number;
}

/** A cell's plan and its runs: the per-cell JSON (`NAME-runs/`), which `gpulet compare` reads. */
export interface CellResult {
  index: number;
  workload: string;
  scheduler: string;
  /** Total rate, req/s (the workload's own when the config names none). */
  rate_rps: number;
  duration_s: number;
  seeds: number[];
  plan_feasible: boolean;
  plan_reason?: string;
  gpus_used: number;
  runs: CellRun[];
}

/** Columns of the tidy CSV, in order. */
export const RUN_COLUMNS = [
  'cell',
  'workload',
  'scheduler',
  'rate_rps',
  'duration_s',
  'seed',
  'model',
  'plan_feasible',
  'gpus_used',
  'arrived',
  'completed',
  'dropped',
  'slo_violations',
  'slo_violation_pct',
  'throughput_rps',
  'goodput_rps',
  'p50_ms',
  'p99_ms',
] as const;

export type RunRow = Record<(typeof RUN_COLUMNS)[number], string | number | boolean | null>;

/** Plan `cell` once and serve it for each of its seeds. */
export function runCell(cell: Cell, s: CellSettings): CellResult {
  const ctx = cachedContext(s.files);
  const w = resolveWorkload(cell.workloadRef, { rate: cell.rateRps ?? undefined, gpus: s.gpus, ctx });
  const fixes = parseFixes(s.fixes);
  const plan = planForServing(w, cell.scheduler, ctx, { predictor: s.predictor, fixes });
  const colocation = s.interference === undefined ? undefined : colocationModel(s.interference);
  const runs = cell.seeds.map((seed) => ({
    seed,
    ...simulatePlan(w, plan, ctx, { seed, durationS: cell.durationS, jitterCv: s.jitter, colocation, fixes }),
  }));
  return {
    index: cell.index,
    workload: cell.workload,
    scheduler: cell.scheduler,
    // The config's rate as written; the workload's own summed from its tasks (12 digits: no float dust).
    rate_rps: cell.rateRps ?? Number(totalRate(w).toPrecision(12)),
    duration_s: cell.durationS,
    seeds: cell.seeds,
    plan_feasible: plan.feasible,
    ...(plan.reason !== undefined ? { plan_reason: plan.reason } : {}),
    gpus_used: gpusUsed(plan),
    runs,
  };
}

/** The tidy rows of a cell: per seed, one row per model then one `all` row. */
export function cellRows(c: CellResult): RunRow[] {
  const rows: RunRow[] = [];
  for (const r of c.runs) {
    const common = {
      cell: c.index,
      workload: c.workload,
      scheduler: c.scheduler,
      rate_rps: c.rate_rps,
      duration_s: c.duration_s,
      seed: r.seed,
      plan_feasible: c.plan_feasible,
      gpus_used: c.gpus_used,
    };
    for (const [model, m] of Object.entries(r.models))
      rows.push({
        ...common,
        model,
        arrived: m.arrived,
        completed: m.completed,
        dropped: m.dropped,
        slo_violations: m.slo_violations,
        slo_violation_pct: m.arrived === 0 ? 0 : round((100 * m.slo_violations) / m.arrived, 4),
        throughput_rps: round(m.completed / c.duration_s),
        goodput_rps: round((m.completed - (m.slo_violations - m.dropped)) / c.duration_s),
        p50_ms: m.p50_ms,
        p99_ms: m.p99_ms,
      });
    rows.push({
      ...common,
      model: 'all',
      arrived: r.requests.arrived,
      completed: r.requests.completed,
      dropped: r.requests.dropped,
      slo_violations: r.requests.slo_violations,
      slo_violation_pct: r.slo_violation_pct,
      throughput_rps: r.throughput_rps,
      goodput_rps: r.goodput_rps,
      p50_ms: r.p50_ms,
      p99_ms: r.p99_ms,
    });
  }
  return rows;
}
