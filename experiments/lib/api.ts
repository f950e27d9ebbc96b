/**
 * The public API (`import { plan, simulate } from 'gpulet'`): what the CLI does, as functions, for
 * experiment scripts. Everything here is the CLI's own code path: a plan made here equals
 * `gpulet schedule`'s, a simulation equals `gpulet simulate`'s for the same seed.
 *
 * ```ts
 * import { plan, simulate } from 'gpulet';
 * const p = plan('scen3', 'gpulet-int', { rate: 900 });
 * const r = simulate('scen3', p, { rate: 900, seed: 1, durationS: 20 });
 * console.log(p.feasible, r.slo_violation_pct);
 * ```
 *
 * A custom scheduler is any object with `name` and `plan(input)` (the `Scheduler` interface); pass
 * it where a scheduler name goes.
 */
import { parseFixes } from '../../engine/schedulers/fixes.ts';
import { fairShare } from '../../engine/schedulers/fair-share.ts';
import type { Plan } from '../../engine/plan.ts';
import type { Scheduler } from '../../engine/schedulers/scheduler.ts';
import { GPU_TYPES } from '../../sim/gpu-types.ts';
import type { Workload } from '../../sim/workload.ts';
import { simulateAutoscale as autoscaleRun, type AutoscaleOptions, type AutoscaleResult } from './autoscale.ts';
import {
  checkCoverage,
  loadContext,
  planForServing,
  planInput,
  predictorFor,
  resolveWorkload,
  simulatePlan,
  type Context,
  type ContextFiles,
  type SimulateOptions,
  type SimulateResult,
} from './context.ts';
import { maxRate as maxRateSearch, type MaxRateOptions, type MaxRateResult } from './maxrate.ts';
import { loadConfig, parseConfig, type Config } from './config.ts';
import { runConfig as runConfigFiles, type ConfigOutcome } from './config-run.ts';
import { compareSides, readSide, type Difference } from './compare.ts';

export type { Plan, GpuPlan, GpuletPlan, Demand, Shortfall } from '../../engine/plan.ts';
export type { Scheduler, PlanInput } from '../../engine/schedulers/scheduler.ts';
export type { LatencyModel, ModelInfo, InterferencePredictor } from '../../engine/types.ts';
export type { Workload } from '../../sim/workload.ts';
export type { Context, ContextFiles, SimulateResult, AutoscaleResult, MaxRateResult };
export type { GpuType } from '../../sim/gpu-types.ts';
export type { Catalog, CatalogModel } from '../../sim/profiles/catalog.ts';
export { SCHEDULER_NAMES } from '../../engine/schedulers/index.ts';
export { FIX_NAMES } from '../../engine/schedulers/fixes.ts';
export { BUILTIN_WORKLOADS } from '../../sim/workload.ts';
export { InputError } from '../../engine/errors.ts';
export { loadContext, resolveWorkload };
export { RequestTable, BatchTable, fanOut } from './tables.ts';
export { ChromeTimeline } from './timeline.ts';
export type { BatchObserver, QueueDepth } from '../../engine/server/gpulet.ts';
export { CONFIG_SCHEMA, type Config } from './config.ts';
export type { CellResult } from './config-cell.ts';
export type { Difference } from './compare.ts';

/** GPU types the simulator knows (name, memory). */
export const gpuTypes = GPU_TYPES;

/** Where a workload comes from, and the CLI's overrides. */
export interface WorkloadOptions {
  /** Total rate, req/s (`--rate`). */
  rate?: number;
  /** GPUs available (`--gpus`). */
  gpus?: number;
  /**
   * Profiles, catalog and GPU types; default: the embedded RTX 2080 Ti set. `--profiles`, `--catalog`
   * and `--gpu-types` are `loadContext({ profiles, catalog, gpuTypes })` (docs/formats.md).
   */
  ctx?: Context;
}

export interface PlanOptions extends WorkloadOptions {
  /** Interference predictor for gpulet-int and ideal (`--predictor`). */
  predictor?: string;
  /** `all` (default), `none`, a comma list, or `all,-NAME` (`--fixes`). */
  fixes?: string;
}

/** A workload by built-in name or JSON file, with `rate` and `gpus` applied. */
export function loadWorkload(workload: string | Workload, opts: WorkloadOptions = {}): Workload {
  return resolveWorkload(workload, { rate: opts.rate, gpus: opts.gpus, ctx: opts.ctx });
}

/** Plan `workload` with a registered scheduler (by name) or your own `Scheduler`, as `gpulet schedule` does. */
export function plan(workload: string | Workload, scheduler: string | Scheduler, opts: PlanOptions = {}): Plan {
  const ctx = opts.ctx ?? loadContext();
  const w = loadWorkload(workload, opts);
  const fixes = parseFixes(opts.fixes ?? 'all');
  if (typeof scheduler === 'string') return planForServing(w, scheduler, ctx, { predictor: opts.predictor, fixes });
  checkCoverage(w, ctx);
  // A custom scheduler plans with the default predictor (it may ignore it).
  const input = planInput(w, ctx, predictorFor('gpulet-int', opts.predictor));
  const p = scheduler.plan(input);
  return fixes.has('fair-share') ? fairShare(input, p, scheduler) : p;
}

export interface SimulateApiOptions extends WorkloadOptions, Partial<Omit<SimulateOptions, 'fixes'>> {
  /** Fixes in force while serving (`--fixes`). */
  fixes?: string;
}

/** Serve `plan` on simulated GPUs under the workload's seeded arrivals (`gpulet simulate`). */
export function simulate(workload: string | Workload, p: Plan, opts: SimulateApiOptions = {}): SimulateResult {
  const ctx = opts.ctx ?? loadContext();
  const w = loadWorkload(workload, opts);
  return simulatePlan(w, p, ctx, {
    ...opts,
    seed: opts.seed ?? 1,
    durationS: opts.durationS ?? 20,
    fixes: parseFixes(opts.fixes ?? 'all'),
  });
}

/** Serve with epoch re-planning and autoscaling (`gpulet simulate --autoscale`). */
export function simulateAutoscale(
  workload: string | Workload,
  scheduler: string,
  opts: Partial<Omit<AutoscaleOptions, 'fixes'>> & WorkloadOptions & { fixes?: string } = {},
): AutoscaleResult {
  const ctx = opts.ctx ?? loadContext();
  const w = loadWorkload(workload, opts);
  return autoscaleRun(w, scheduler, ctx, {
    ...opts,
    seed: opts.seed ?? 1,
    durationS: opts.durationS ?? 20,
    maxGpus: opts.maxGpus ?? w.numGpus,
    fixes: parseFixes(opts.fixes ?? 'all'),
  });
}

/** The highest rate a scheduler plans (or serves within the SLO bound) on a workload (`gpulet maxrate`). */
export function maxRate(opts: MaxRateOptions, ctx: Context = loadContext()): MaxRateResult {
  return maxRateSearch(opts, ctx);
}

/**
 * Run an experiment config (`gpulet run`): a config file, or a config object (paths in it are then
 * relative to the working folder). Writes the outputs to `outDir` (docs/config.md) and returns the
 * tidy rows and the summary.
 */
export async function runConfig(
  config: string | Config,
  opts: { outDir: string; jobs?: number; shard?: { index: number; count: number } },
): Promise<ConfigOutcome> {
  const loaded =
    typeof config === 'string' ? loadConfig(config) : parseConfig(JSON.stringify(config), '(config object)');
  return runConfigFiles(loaded, {
    outDir: opts.outDir,
    jobs: opts.jobs ?? 1,
    shard: opts.shard ?? { index: 0, count: 1 },
  });
}

/** Compare two runs' JSON files (`gpulet compare`): per model and metric, B - A and its interval. */
export function compareRuns(a: string, b: string): Difference[] {
  return compareSides(readSide(a), readSide(b));
}
