/**
 * Jobs the worker pool can run: plain functions of structured-clonable arguments. Each worker
 * loads its own profiles (cached per thread).
 */
import { cachedContext, planWorkload, resolveWorkload, simulatePlan, type Context } from './context.ts';
import { maxRate, servedMax, type MaxRateOptions, type MaxRateResult, type ServedMaxResult } from './maxrate.ts';
import { colocationModel } from '../../sim/colocation.ts';
import { schedulable } from './scenarios.ts';
import { parseFixes } from '../../engine/schedulers/fixes.ts';
import type { WindowRow } from '../../engine/server/windows.ts';
import { loadDurationMs, traceLoad } from '../../sim/trace.ts';
import { traceKind } from '../../sim/traces/index.ts';
import { simulateAutoscale } from './autoscale.ts';
import { runCell, type CellResult, type CellSettings } from './config-cell.ts';
import type { Cell } from './config.ts';

const context = (profiles: string | undefined): Context => cachedContext({ profiles });

/** Plan one rate and simulate it per seed (fig13, promises). */
export interface ViolationJob {
  workload: string;
  scheduler: string;
  rate: number;
  seeds: number[];
  durationS: number;
  interference?: string;
  profiles?: string;
  /** Scheduler and serving fixes: all, none or a list. @default all */
  fixes?: string;
}

export interface ViolationResult {
  feasible: boolean;
  violationPct: number[];
}

/** Max-rate search arguments that cross a thread boundary (functions become names). */
export type MaxRateJob = Omit<MaxRateOptions, 'colocation' | 'onRate'> & { interference?: string; profiles?: string };

/** One autoscaled run of a workload under a trace of the suite (bursts). */
export interface AutoscaleJob {
  workload: string;
  scheduler: string;
  /** A trace kind of sim/traces and its seed. */
  trace: string;
  traceSeed: number;
  seed: number;
  maxGpus: number;
  /** Scheduler and serving fixes: all, none, a list or all,-NAME. */
  fixes: string;
  foresightMs?: number;
  /** Cut the trace to this long, s. @default the whole trace */
  durationS?: number;
}

export interface AutoscaleJobResult {
  duration_s: number;
  windows: Array<Pick<WindowRow, 'start_s' | 'rate_rps' | 'gpus' | 'partition_sum_pct' | 'slo_violation_pct'>>;
  gpu_seconds: number;
  loading_gpu_seconds: number;
  early_replans: number;
  capped_windows: number[];
  arrived: number;
  completed: number;
  dropped: number;
  slo_violation_pct: number;
}

export const JOBS = {
  configCell: (a: { cell: Cell; settings: CellSettings }): CellResult => runCell(a.cell, a.settings),
  autoscale: (a: AutoscaleJob): AutoscaleJobResult => {
    const ctx = context(undefined);
    const w = resolveWorkload(a.workload);
    const load = traceLoad(w, traceKind(a.trace).make(a.traceSeed));
    const durationS = Math.min(a.durationS ?? Infinity, loadDurationMs(load) / 1000);
    const r = simulateAutoscale(w, a.scheduler, ctx, {
      seed: a.seed,
      durationS,
      maxGpus: a.maxGpus,
      load,
      fixes: parseFixes(a.fixes),
      foresightMs: a.foresightMs,
    });
    return {
      duration_s: durationS,
      windows: r.windows.map(({ start_s, rate_rps, gpus, partition_sum_pct, slo_violation_pct }) => ({
        start_s,
        rate_rps,
        gpus,
        partition_sum_pct,
        slo_violation_pct,
      })),
      gpu_seconds: r.gpu_seconds,
      loading_gpu_seconds: r.loading_gpu_seconds,
      early_replans: r.early_replans,
      capped_windows: r.capped_windows,
      arrived: r.requests.arrived,
      completed: r.requests.completed,
      dropped: r.requests.dropped,
      slo_violation_pct: r.slo_violation_pct,
    };
  },
  violations: (a: ViolationJob): ViolationResult => {
    const ctx = context(a.profiles);
    if (a.rate <= 0) return { feasible: false, violationPct: [] };
    const w = resolveWorkload(a.workload, { rate: a.rate });
    const fixes = parseFixes(a.fixes ?? 'all');
    const plan = planWorkload(w, a.scheduler, ctx, { fixes });
    if (!plan.feasible) return { feasible: false, violationPct: [] };
    const colocation = a.interference === undefined ? undefined : colocationModel(a.interference);
    return {
      feasible: true,
      violationPct: a.seeds.map(
        (seed) => simulatePlan(w, plan, ctx, { seed, durationS: a.durationS, colocation, fixes }).slo_violation_pct,
      ),
    };
  },
  schedulable: (a: { ks: number[]; schedulers: string[]; predictor?: string; profiles?: string }): number[][] =>
    schedulable(context(a.profiles), a.ks, a.schedulers, a.predictor),
  servedMax: (a: MaxRateJob & { planRateRps: number }): ServedMaxResult => {
    const { interference, profiles, criterion: _c, search: _s, ...opts } = a;
    return servedMax(
      { ...opts, colocation: interference === undefined ? undefined : () => colocationModel(interference) },
      context(profiles),
    );
  },
  maxrate: (a: MaxRateJob): MaxRateResult => {
    const { interference, profiles, ...opts } = a;
    return maxRate(
      { ...opts, colocation: interference === undefined ? undefined : () => colocationModel(interference) },
      context(profiles),
    );
  },
};

export type JobName = keyof typeof JOBS;
export type JobArgs<J extends JobName> = Parameters<(typeof JOBS)[J]>[0];
export type JobResult<J extends JobName> = ReturnType<(typeof JOBS)[J]>;
