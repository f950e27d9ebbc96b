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
import { CONFIGS, OTHER_SCHEDULERS, SCHEDULERS, type SchedulerName } from '../../engine/schedulers/index.ts';
import { ALL_FIXES, type Fixes } from '../../engine/schedulers/fixes.ts';
import { fairShare } from '../../engine/schedulers/fair-share.ts';
import { ElasticScheduler } from '../../engine/schedulers/elastic.ts';
import type { InterferencePredictor, LatencyModel, ModelInfo } from '../../engine/types.ts';
import { allModels, builtinCatalog, catalog, catalogWithFile, type Catalog } from '../../sim/profiles/catalog.ts';
import type { MigProfile } from '../../engine/mig.ts';
import { a100MigProfile, a100MpsProfile } from '../../sim/profiles/a100.ts';
import { defaultProfile, defaultUtilProfile, loadLatencyProfile } from '../../sim/profiles/latency.ts';
import { defaultOverheadTables, measuredBatchCostMs } from '../../sim/profiles/batch-overhead.ts';
import { DEFAULT_PREDICTOR, predictorByName } from '../../sim/predictors.ts';
import { NO_INTERFERENCE, SimulatedGpu, type ColocationModel } from '../../sim/gpu.ts';
import {
  GPU_TYPE_NAMES,
  GPU_TYPES,
  gpuType,
  isMeasuredProfileGpu,
  loadGpuTypes,
  MPS_PROFILE_GPU,
  profileGpuType,
  type GpuType,
} from '../../sim/gpu-types.ts';
import { DEFAULT_COLOCATION, colocationModel } from '../../sim/colocation.ts';
import { arrivalStreams, loadWorkload, withTotalRate, type Workload } from '../../sim/workload.ts';
import { checkPlanSize } from '../../sim/limits.ts';

/** Profiles and catalog a run uses. */
export interface Context {
  latency: LatencyModel;
  /** Where the latency profile came from: `embedded rtx2080ti` or a file name. */
  profileSource: string;
  models: Readonly<Record<string, ModelInfo>>;
  /** Measured batching cost the simulated GPU adds to each batch; undefined for a user's profile. */
  batchCostMs?: (model: string, batch: number) => number;
  /** The GPU type's MIG profile, where it has MIG (the embedded A100's). */
  mig?: MigProfile | null;
  /** The models workloads, traces and profiles may name (`--catalog` adds some). @default the embedded catalog */
  catalog?: Catalog;
  /** GPU types given as data (`--gpu-types`), besides the built-in ones. @default none */
  gpuTypes?: readonly GpuType[];
}

/** Where loadContext reads a run's data: each a file path, each optional (docs/formats.md). */
export interface ContextFiles {
  /** Latency profile CSV (`--profiles`). @default the embedded RTX 2080 Ti profile */
  profiles?: string;
  /** Models catalog CSV of models to add to the embedded ones (`--catalog`). @default none */
  catalog?: string;
  /** GPU types CSV of types to add to the built-in ones (`--gpu-types`). @default none */
  gpuTypes?: string;
}

/** The catalog `ctx` resolves model names with. */
export function catalogOf(ctx: Context): Catalog {
  return ctx.catalog ?? builtinCatalog();
}

/** The GPU type of `ctx`'s profile (an InputError if neither built in nor given as data). */
export function gpuOf(ctx: Context): GpuType {
  return profileGpuType(ctx.latency.gpuType, ctx.gpuTypes ?? []);
}

const EMBEDDED = 'embedded ';
const embedded = new Map<string, Context>();

/**
 * The embedded profiles of GPU type `name` (sim/gpu-types.ts): `rtx2080ti` (loadContext's default)
 * or `a100-80gb` (ParvaGPU's MIG measurements and their MPS-mode reading, sim/profiles/a100.ts).
 * An unknown type, or one the simulator ships no profile for, is an InputError.
 */
export function embeddedContext(name: string, extra: readonly GpuType[] = []): Context {
  const type = gpuType(name, extra);
  let ctx = embedded.get(type.name);
  if (ctx !== undefined) return ctx;
  if (type.name === 'rtx2080ti') ctx = loadContext();
  else if (type.name === 'a100-80gb')
    ctx = {
      latency: a100MpsProfile(),
      profileSource: `${EMBEDDED}${type.name}`,
      models: Object.fromEntries(allModels().map((m) => [m.name, m])),
      mig: a100MigProfile(),
    };
  else
    throw new InputError(
      `GPU type ${show(name)}: no embedded profile (embedded: rtx2080ti, a100-80gb); give one with --profiles`,
    );
  embedded.set(type.name, ctx);
  return ctx;
}

/**
 * Whether the co-location model of the simulator (its ground truth, and the predictor fitted to
 * it) applies on `ctx`'s GPU: on the RTX 2080 Ti and measured profiles, not on the A100 (sim/gpu-types.ts
 * `interference`), where no gpulet-pair interference was measured: MPS-mode gpulets there are
 * planned and simulated without interference, an assumption that favours them.
 */
export function interferenceModelled(ctx: Context): boolean {
  return gpuOf(ctx).interference === 'truth';
}

/**
 * The context a workload runs in: `ctx`, or, when `ctx` is an embedded profile of another GPU type
 * than the workload's `gpu`, that type's embedded profiles (so `"gpu": "a100-80gb"` in a workload
 * file is all it takes). A user's `--profiles` file is never replaced; checkCoverage refuses a mismatch.
 */
export function contextFor(w: Workload, ctx: Context): Context {
  if (w.gpuType === null || ctx.latency.gpuType === w.gpuType || !ctx.profileSource.startsWith(EMBEDDED)) return ctx;
  const other = embeddedContext(w.gpuType, ctx.gpuTypes);
  if (ctx.catalog === undefined && ctx.gpuTypes === undefined) return other;
  // Keep the user's catalog and GPU types (a model of theirs still has no rows in this profile:
  // checkCoverage says so).
  const extra = catalogOf(ctx).models.filter((m) => !Object.hasOwn(other.models, m.name));
  return {
    ...other,
    models: { ...other.models, ...Object.fromEntries(extra.map((m) => [m.name, m])) },
    catalog: ctx.catalog,
    gpuTypes: ctx.gpuTypes,
  };
}

/**
 * The embedded RTX 2080 Ti profile, or a user's profile CSV; with `catalog`, the catalog gains a
 * user's models, and with `gpuTypes`, a user's GPU types (docs/formats.md has the three formats).
 * A profile naming a GPU type that is neither built in nor given is an InputError here, not later.
 */
const cachedContexts = new Map<string, Context>();

/** loadContext, once per set of files per thread (worker jobs plan many runs on the same files). */
export function cachedContext(files: ContextFiles = {}): Context {
  const key = JSON.stringify([files.profiles, files.catalog, files.gpuTypes]);
  let ctx = cachedContexts.get(key);
  if (ctx === undefined) {
    ctx = loadContext(files);
    cachedContexts.set(key, ctx);
  }
  return ctx;
}

export function loadContext(opts: ContextFiles = {}): Context {
  const cat = opts.catalog === undefined ? builtinCatalog() : catalogWithFile(opts.catalog);
  const gpuTypes = opts.gpuTypes === undefined ? [] : loadGpuTypes(opts.gpuTypes);
  const extra = cat.models.filter((m) => !allModels().includes(m));
  const models = Object.fromEntries([...catalog(), ...extra].map((m) => [m.name, m]));
  const data = { catalog: cat, gpuTypes };
  if (opts.profiles === undefined) {
    const tables = defaultOverheadTables();
    return {
      latency: defaultProfile(),
      profileSource: `${EMBEDDED}rtx2080ti`,
      models,
      batchCostMs: (m, b) => measuredBatchCostMs(m, b, tables),
      ...data,
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
  const bare = loadLatencyProfile(text, opts.profiles, null, cat);
  const latency = bare.gpuType === 'rtx2080ti' ? loadLatencyProfile(text, opts.profiles, undefined, cat) : bare;
  const ctx: Context = { latency, profileSource: opts.profiles, models, ...data };
  if (!isMeasuredProfileGpu(latency.gpuType) && !Object.hasOwn(GPU_TYPES, latency.gpuType))
    if (!gpuTypes.some((t) => t.name === latency.gpuType))
      // Every row names the same type (parseLatencyRows), so the first data row, row 2, is the one to show.
      throw new InputError(
        `${opts.profiles}: row 2, field gpu: expected a known GPU type (${[...GPU_TYPE_NAMES, ...gpuTypes.map((t) => t.name)].join(', ')}, cpu-<cores>c or ${MPS_PROFILE_GPU} from gpulet profile, or one given with --gpu-types), got ${show(latency.gpuType)}`,
      );
  return ctx;
}

/**
 * Resolve `--workload` (its model names in `ctx`'s catalog, default the embedded one) and apply
 * `--rate` and `--gpus` overrides.
 */
export function resolveWorkload(
  name: string | Workload,
  opts: { rate?: number; gpus?: number; ctx?: Context } = {},
): Workload {
  const cat = opts.ctx === undefined ? builtinCatalog() : catalogOf(opts.ctx);
  let w = typeof name === 'string' ? loadWorkload(name, (n, where) => cat.resolve(n, where)) : name;
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
export function checkCoverage(w: Workload, given: Context): void {
  const ctx = contextFor(w, given);
  for (const t of w.tasks) {
    if (!ctx.latency.has(t.model))
      throw new InputError(
        `${ctx.profileSource}: no latency rows for model ${t.model}, which workload ${w.name} needs`,
      );
    // Schedulers try every partition a user's profile has; one outside this model's rows would be
    // a RangeError deep in planning, so name the gap here.
    // The co-location truth and the predictor read a model's kernel utilisation (UTIL.CSV), which
    // only the embedded models have.
    if (interferenceModelled(ctx) && !defaultUtilProfile().has(t.model))
      throw new InputError(
        `${ctx.profileSource}: model ${t.model} has no kernel-utilisation rows, which the interference model of GPU type ${ctx.latency.gpuType} needs; plan it on a GPU type with interference none (a GPU types file, docs/formats.md#gpu-types-csv)`,
      );
    const missing = ctx.profileSource.startsWith(EMBEDDED)
      ? []
      : ctx.latency.partitionsPct.filter((p) => !covers(ctx.latency, t.model, p));
    if (missing.length > 0)
      throw new InputError(
        `${ctx.profileSource}: model ${t.model}, field partition: expected rows at every profiled partition (${ctx.latency.partitionsPct.join(', ')} %), got none at ${missing.join(', ')} %`,
      );
  }
  if (w.gpuType !== null && ctx.latency.gpuType !== w.gpuType)
    throw new InputError(
      `workload ${w.name}: gpu ${show(w.gpuType)} but the profile ${ctx.profileSource} is for ${show(ctx.latency.gpuType)}`,
    );
}

/** Whether `latency` has a value for `model` at partition `p` (its lookup throws a RangeError where not). */
function covers(latency: LatencyModel, model: string, p: number): boolean {
  try {
    return Number.isFinite(latency.latencyMs(model, 1, p));
  } catch (e) {
    if (e instanceof RangeError) return false;
    throw e;
  }
}

export function planInput(w: Workload, given: Context, predictor: InterferencePredictor | null = null): PlanInput {
  const ctx = contextFor(w, given);
  return {
    demands: w.tasks,
    numGpus: w.numGpus,
    gpuType: ctx.latency.gpuType,
    gpuMemoryMb: gpuOf(ctx).memoryMb,
    latency: ctx.latency,
    models: ctx.models,
    predictor: interferenceModelled(ctx) ? predictor : null,
    ...(ctx.mig ? { mig: ctx.mig } : {}),
  };
}

export function planWorkload(
  w: Workload,
  schedulerName: string,
  ctx: Context,
  opts: { predictor?: string; fixes?: Fixes; allowSlow?: boolean } = {},
): Plan {
  checkCoverage(w, ctx);
  checkPlanSize(schedulerName, w.numGpus, opts.allowSlow);
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
  opts: { predictor?: string; fixes?: Fixes; allowSlow?: boolean } = {},
): Plan {
  checkCoverage(w, ctx);
  checkPlanSize(schedulerName, w.numGpus, opts.allowSlow);
  const scheduler = schedulerFor(schedulerName, opts.fixes);
  const input = planInput(w, ctx, predictorFor(schedulerName, opts.predictor));
  const plan = scheduler.plan(input);
  const fixes = opts.fixes ?? ALL_FIXES;
  if (!fixes.has('fair-share') || plan.feasible) return plan;
  return fairShare(input, plan, probeScheduler(schedulerName, fixes) ?? scheduler);
}

/**
 * For fair-share's bisection: the elastic configuration of `name` in one pass on all the GPUs given,
 * without the fallbacks that cost tens of runs (fill-holes, layout-fallback); null for schedulers
 * that are not elastic configurations.
 */
function probeScheduler(name: string, fixes: Fixes): Scheduler | null {
  if (!Object.hasOwn(CONFIGS, name) || name === 'ideal') return null;
  const fast = new Set([...fixes].filter((f) => f !== 'fill-holes' && f !== 'layout-fallback' && f !== 'fewest-gpus'));
  return new ElasticScheduler({ ...CONFIGS[name as SchedulerName], fixes: fast }, { autoscale: false });
}

/** The predictor a scheduler variant plans with (null: the variant ignores interference). */
export function predictorFor(schedulerName: string, predictorName = DEFAULT_PREDICTOR): InterferencePredictor | null {
  const p = predictorByName(predictorName); // validate the name even when unused
  if ((OTHER_SCHEDULERS as readonly string[]).includes(schedulerName)) return null;
  if (!Object.hasOwn(CONFIGS, schedulerName))
    throw new InputError(`--scheduler: expected one of ${Object.keys(CONFIGS).join(', ')}, got ${show(schedulerName)}`);
  return CONFIGS[schedulerName as SchedulerName].interference ? p : null;
}

export interface SimulateOptions {
  seed: number;
  durationS: number;
  /** Log-normal jitter CV on batch latency. @default 0.02 */
  jitterCv?: number;
  /** Draw batch jitter from these measured ratios instead (sim/gpu.ts jitterRatios). */
  jitterRatios?: readonly number[];
  /** A measured per-batch cost of real serving, ms, added to every batch (the fidelity study's dispatch). */
  dispatchMs?: number;
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
export function simulatePlan(w: Workload, plan: Plan, given: Context, opts: SimulateOptions): SimulateResult {
  const ctx = contextFor(w, given);
  const clock = new VirtualClock();
  const mig = ctx.mig ?? null;
  const onMig = mig !== null && plan.gpus.some((g) => g.gpulets.some((l) => l.mig !== undefined));
  // MIG instances are isolated, and MPS processes inside one run at the latency their profile
  // measured with all of them busy: no co-location model applies (sim/gpu.ts). Nor does the RTX
  // 2080 Ti's truth to MPS gpulets on a GPU type without one (interferenceModelled).
  const colocation =
    onMig || !interferenceModelled(ctx) ? NO_INTERFERENCE : (opts.colocation ?? colocationModel(DEFAULT_COLOCATION));
  const gpu = new SimulatedGpu({
    clock,
    latency: ctx.latency,
    seed: opts.seed,
    jitterCv: opts.jitterCv,
    ...(opts.jitterRatios !== undefined ? { jitterRatios: opts.jitterRatios } : {}),
    colocation,
    batchCostMs: withDispatch(ctx.batchCostMs, opts.dispatchMs ?? 0),
    ...(mig !== null ? { mig } : {}),
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

/** A batch cost plus a constant per-batch `dispatchMs` (none added when 0). */
function withDispatch(
  cost: ((model: string, batch: number) => number) | undefined,
  dispatchMs: number,
): ((model: string, batch: number) => number) | undefined {
  if (dispatchMs === 0) return cost;
  return cost === undefined ? () => dispatchMs : (m, b) => cost(m, b) + dispatchMs;
}
