/**
 * Wiring: the one place that joins engine/ (planning and serving) with sim/ (profiles, workloads,
 * simulated GPU). Experiments and the CLI call these functions; nothing here keeps global state.
 */
import { readFileSync } from 'node:fs';
import { VirtualClock } from '../../engine/clock.ts';
import { InputError, show } from '../../engine/errors.ts';
import type { Plan } from '../../engine/plan.ts';
import type { PlanInput, Scheduler } from '../../engine/schedulers/scheduler.ts';
import type { ArrivalStream, RunSummary } from '../../engine/server/session.ts';
import { Run } from '../../engine/server/run.ts';
import type { WindowRow } from '../../engine/server/windows.ts';
import { loadStreams, type Load } from '../../sim/trace.ts';
import type { BatchObserver } from '../../engine/server/gpulet.ts';
import { CONFIGS, SCHEDULERS, type SchedulerName } from '../../engine/schedulers/index.ts';
import { ALL_FIXES, type Fixes } from '../../engine/schedulers/fixes.ts';
import { fairShare } from '../../engine/schedulers/fair-share.ts';
import type { InterferencePredictor, LatencyModel, ModelInfo } from '../../engine/types.ts';
import { catalog, resolveModel } from '../../sim/profiles/catalog.ts';
import { defaultProfile, loadLatencyProfile } from '../../sim/profiles/latency.ts';
import { defaultOverheadTables, measuredBatchCostMs } from '../../sim/profiles/batch-overhead.ts';
import { DEFAULT_PREDICTOR, predictorByName } from '../../sim/predictors.ts';
import { SimulatedGpu, type ColocationModel } from '../../sim/gpu.ts';
import { gpuMemoryMb } from '../../sim/gpu-types.ts';
import { DEFAULT_COLOCATION, colocationModel } from '../../sim/colocation.ts';
import { arrivalStreams, loadWorkload, withTotalRate, type Workload } from '../../sim/workload.ts';

/** Profiles and catalog a run uses. */
export interface Context {
  latency: LatencyModel;
  /** Where the latency profile came from: `embedded rtx2080ti` or a file name. */
  profileSource: string;
  models: Readonly<Record<string, ModelInfo>>;
  /** Measured batching cost the simulated GPU adds to each batch; undefined for a user's profile. */
  batchCostMs?: (model: string, batch: number) => number;
}

/** The embedded RTX 2080 Ti profile, or a user's profile CSV. */
export function loadContext(opts: { profiles?: string } = {}): Context {
  const models = Object.fromEntries(catalog().map((m) => [m.name, m]));
  if (opts.profiles === undefined) {
    const tables = defaultOverheadTables();
    return {
      latency: defaultProfile(),
      profileSource: 'embedded rtx2080ti',
      models,
      batchCostMs: (m, b) => measuredBatchCostMs(m, b, tables),
    };
  }
  let text: string;
  try {
    text = readFileSync(opts.profiles, 'utf8');
  } catch (e) {
    throw new InputError(
      `${opts.profiles}: cannot read profile file (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
    );
  }
  // The artifact's batching-cost tables belong to the RTX 2080 Ti servers they were measured on; a
  // profile of other hardware (e.g. a CPU profile from `gpulet profile`) plans without them.
  const bare = loadLatencyProfile(text, opts.profiles, null);
  const latency = bare.gpuType === 'rtx2080ti' ? loadLatencyProfile(text, opts.profiles) : bare;
  return { latency, profileSource: opts.profiles, models };
}

/** Resolve `--workload` and apply `--rate` and `--gpus` overrides. */
export function resolveWorkload(name: string | Workload, opts: { rate?: number; gpus?: number } = {}): Workload {
  let w = typeof name === 'string' ? loadWorkload(name, resolveModel) : name;
  if (opts.rate !== undefined) w = withTotalRate(w, opts.rate);
  if (opts.gpus !== undefined) {
    if (!Number.isInteger(opts.gpus) || opts.gpus < 1)
      throw new InputError(`--gpus: expected a whole number >= 1, got ${show(opts.gpus)}`);
    w = { ...w, numGpus: opts.gpus };
  }
  return w;
}

/** A fresh scheduler by name, with `fixes` in force (default: all). */
export function schedulerFor(name: string, fixes: Fixes = ALL_FIXES): Scheduler {
  if (!Object.hasOwn(SCHEDULERS, name)) {
    throw new InputError(`--scheduler: expected one of ${Object.keys(SCHEDULERS).join(', ')}, got ${show(name)}`);
  }
  return SCHEDULERS[name as SchedulerName](fixes);
}

/** Check that the profile covers every model of the workload and the workload's GPU type. */
export function checkCoverage(w: Workload, ctx: Context): void {
  for (const t of w.tasks) {
    if (!ctx.latency.has(t.model))
      throw new InputError(
        `${ctx.profileSource}: no latency rows for model ${t.model}, which workload ${w.name} needs`,
      );
  }
  if (w.gpuType !== null && ctx.latency.gpuType !== w.gpuType)
    throw new InputError(
      `workload ${w.name}: gpu ${show(w.gpuType)} but the profile ${ctx.profileSource} is for ${show(ctx.latency.gpuType)}`,
    );
}

export function planInput(w: Workload, ctx: Context, predictor: InterferencePredictor | null = null): PlanInput {
  return {
    demands: w.tasks,
    numGpus: w.numGpus,
    gpuType: ctx.latency.gpuType,
    gpuMemoryMb: gpuMemoryMb(ctx.latency.gpuType),
    latency: ctx.latency,
    models: ctx.models,
    predictor,
  };
}

export function planWorkload(
  w: Workload,
  schedulerName: string,
  ctx: Context,
  opts: { predictor?: string; fixes?: Fixes } = {},
): Plan {
  checkCoverage(w, ctx);
  const scheduler = schedulerFor(schedulerName, opts.fixes);
  return scheduler.plan(planInput(w, ctx, predictorFor(schedulerName, opts.predictor)));
}

/**
 * The plan to serve `w` with: planWorkload's, and where that is infeasible with fix fair-share, the
 * plan for the largest common share of every task's demand (engine/schedulers/fair-share.ts).
 */
export function planForServing(
  w: Workload,
  schedulerName: string,
  ctx: Context,
  opts: { predictor?: string; fixes?: Fixes } = {},
): Plan {
  checkCoverage(w, ctx);
  const scheduler = schedulerFor(schedulerName, opts.fixes);
  const input = planInput(w, ctx, predictorFor(schedulerName, opts.predictor));
  const plan = scheduler.plan(input);
  return (opts.fixes ?? ALL_FIXES).has('fair-share') ? fairShare(scheduler, input, plan) : plan;
}

/** The predictor a scheduler variant plans with (null: the variant ignores interference). */
export function predictorFor(schedulerName: string, predictorName = DEFAULT_PREDICTOR): InterferencePredictor | null {
  const p = predictorByName(predictorName); // validate the name even when unused
  if (!Object.hasOwn(CONFIGS, schedulerName))
    throw new InputError(`--scheduler: expected one of ${Object.keys(CONFIGS).join(', ')}, got ${show(schedulerName)}`);
  return CONFIGS[schedulerName as SchedulerName].interference ? p : null;
}

export interface SimulateOptions {
  seed: number;
  durationS: number;
  /** Log-normal jitter CV on batch latency. @default 0.02 */
  jitterCv?: number;
  colocation?: ColocationModel;
  observer?: BatchObserver | null;
  /** Called after each simulated second with the simulated time, s. */
  onProgress?: (simulatedS: number) => void;
  /** Arrivals follow this time-varying load (sim/trace.ts) instead of the workload's constant rates. */
  load?: Load | null;
  /** Count arrivals and violations per window of this many s (the result's `windows`). */
  windowS?: number;
  /** Fixes in force (serving reads concurrent-windows). @default all */
  fixes?: Fixes;
}

export interface SimulateResult extends RunSummary {
  interference: string;
  events: number;
  /** Per window, with `windowS`: the serving plan's GPUs and gpulet sizes, and the requests. */
  windows?: WindowRow[];
}

/** The arrival streams of a run: the workload's constant rates, or a time-varying load. */
export function streamsFor(w: Workload, load: Load | null | undefined, seed: number): ArrivalStream[] {
  return load ? loadStreams(w, load, seed) : arrivalStreams(w, seed);
}

/** Serve `plan` on the simulated GPU under `w`'s arrivals for `durationS`, then drain. */
export function simulatePlan(w: Workload, plan: Plan, ctx: Context, opts: SimulateOptions): SimulateResult {
  const clock = new VirtualClock();
  const colocation = opts.colocation ?? colocationModel(DEFAULT_COLOCATION);
  const gpu = new SimulatedGpu({
    clock,
    latency: ctx.latency,
    seed: opts.seed,
    jitterCv: opts.jitterCv,
    colocation,
    batchCostMs: ctx.batchCostMs,
  });
  const run = new Run({
    clock,
    executor: gpu,
    plan,
    tasks: w.tasks,
    app: w.app,
    streams: streamsFor(w, opts.load, opts.seed),
    untilMs: opts.durationS * 1000,
    observer: opts.observer ?? null,
    windowMs: opts.windowS === undefined ? undefined : opts.windowS * 1000,
    fixes: opts.fixes,
  });
  const r = run.simulate(opts.onProgress);
  const res: SimulateResult = { ...r.summary, interference: colocation.name, events: r.events };
  if (r.windows !== null) res.windows = r.windows;
  return res;
}
