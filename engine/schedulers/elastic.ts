/**
 * Elastic partitioning (Algorithm 1, §4.3 of Choi et al.) and autoscaling (Algorithm 2, §4.5), as
 * the gpulet artifact codes them (casys-kaist/glet scheduler_incremental.cpp: runScheduling,
 * incrementalScehduling, elasticPartitioning, addModeltoSchedule; standalone_scheduler.cpp for the
 * full search). One implementation serves every variant through {@link SchedulerConfig}:
 * temporal-only SBP is this code restricted to whole GPUs, greedy best-fit swaps the rate split and
 * never time-shares (its PartitionStrategy, partitioning.ts), and ideal fixes each GPU's layout and searches all of them.
 */
import type { Demand, Plan, Shortfall } from '../plan.ts';
import { MAX_GPULETS_PER_GPU, MAX_PLANNED_RPS } from '../limits.ts';
import { modelInfo, type PlanInput, type Scheduler } from './scheduler.ts';
import { SchedContext, poissonP99, type SchedulerConfig } from './batching.ts';
import { settle } from './adjust.ts';
import { burstFailures } from './burst.ts';
import { allocateFit, checkFit, mergeResidue, readjust } from './packing.ts';
import { allocateTimeShare } from './timeshare.ts';
import {
  TRP_SLACK,
  f32,
  freshState,
  hasTask,
  sortInPlace,
  type Gpu,
  type Node,
  type SchedTask,
  type State,
} from './state.ts';
import { toPlan } from './state.ts';

/** The artifact's model ids (scheduler_utils), used only to break ties in the processing order. */
export const ARTIFACT_IDS = [
  'lenet1',
  'lenet2',
  'lenet3',
  'lenet4',
  'lenet5',
  'lenet6',
  'googlenet',
  'resnet50',
  'ssd-mobilenetv1',
  'vgg16',
  'mnasnet1_0',
  'mobilenet_v2',
  'densenet161',
  'bert',
];

const bySizeDesc = (a: Node, b: Node) => b.sizePct - a.sizePct;

/** Outcome of one scheduling run on a fixed set of GPUs. */
interface RunResult {
  ok: boolean;
  state: State;
  /** The first task that could not be placed, and by which step. */
  reason?: string;
}

/** Whether task `id` has a copy on some gpulet. */
function isPlaced(state: State, id: number): boolean {
  for (const g of state.gpus) for (const n of g.nodes) if (hasTask(n, id)) return true;
  return false;
}

/**
 * addModeltoSchedule: estimate the task's gpulets and best-fit them; otherwise fall back to
 * readjust, merge residues and temporal sharing. A task already in the state (the interference
 * re-check pass) is first removed and then re-placed at its full rate.
 */
function addTask(ctx: SchedContext, state: State, task: SchedTask): string | null {
  task.additionalRps = 0;
  if (!isPlaced(state, task.id)) {
    const est = sortInPlace(ctx.estimate(task, task.rateRps), bySizeDesc);
    const { partitioning } = ctx.config;
    if (ctx.fix('share-residue') && partitioning.timeShares && shareResidue(ctx, state, task, est)) return null;
    let fallback = true;
    if (checkFit(ctx, state, est)) fallback = !allocateFit(ctx, state, est, task);
    if (!fallback) return null;
    const empty: Node[] = [];
    for (const g of state.gpus) for (const n of g.nodes) if (n.tasks.length === 0) empty.push(n);
    sortInPlace(empty, bySizeDesc);
    readjust(ctx, state, task, empty);
    if (mergeResidue(ctx, state, task)) return null;
    if (!partitioning.timeShares)
      return `${task.task}: ${task.rateRps} req/s left after best fit and the fallback (${partitioning.name} does not time-share)`;
    if (allocateTimeShare(ctx, state, task, [])) return null;
    return `${task.task}: ${task.rateRps} req/s left after best fit, the fallback and temporal sharing`;
  }
  const target: Node[] = [];
  const previous: Node[] = [];
  for (const gpu of state.gpus)
    for (const node of gpu.nodes) {
      if (node.tasks.length === 0) {
        target.push(node);
        continue;
      }
      const i = node.tasks.findIndex((t) => t.id === task.id);
      if (i >= 0) {
        node.tasks.splice(i, 1);
        previous.push(node);
      }
      let sum = 0;
      for (const t of node.tasks) sum = f32(sum + ctx.estOn(t.model, t.batch, node, state));
      node.occupancy = node.dutyMs > 0 ? f32(sum / node.dutyMs) : 0;
      if (node.tasks.length === 0) target.push(node);
    }
  readjust(ctx, state, task, sortInPlace(target, bySizeDesc));
  if (mergeResidue(ctx, state, task)) return null;
  if (!ctx.config.partitioning.timeShares)
    return `${task.task}: ${task.rateRps} req/s left when re-placed after the interference re-check`;
  if (allocateTimeShare(ctx, state, task, previous)) return null;
  return `${task.task}: ${task.rateRps} req/s left when re-placed after the interference re-check`;
}

/**
 * Fix share-residue. The artifact gives a task's residue (what its saturate gpulets leave) an empty
 * gpulet of its own whenever one fits, and time-shares only when nothing else works: a residue of
 * 30 req/s can hold 80 % of a GPU while a later task finds no room. Algorithm 1 of the paper
 * merges a new gpulet into earlier ones when temporal sharing allows; so with the fix the
 * saturate gpulets are placed by best fit and the residue first tries to time-share an existing
 * gpulet. If either step fails, the state is restored and the artifact's path runs.
 */
function shareResidue(ctx: SchedContext, state: State, task: SchedTask, est: Node[]): boolean {
  const sats: Node[] = [];
  for (const n of est) if (n.occupancy === 1) sats.push(n);
  if (sats.length === est.length || !hasSharable(state, ctx.config.maxModels)) return false;
  // Every step below touches a GPU before it changes it (SchedContext.touch), which keeps a copy
  // of each GPU the attempt changes; restoring those restores the state.
  const journal = new Map<number, Gpu>();
  ctx.journal = journal;
  const rateRps = task.rateRps;
  const additionalRps = task.additionalRps;
  const placed =
    (sats.length === 0 || (checkFit(ctx, state, sats) && allocateFit(ctx, state, sats, task, false))) &&
    allocateTimeShare(ctx, state, task, []);
  ctx.journal = null;
  if (placed) return true;
  for (const [g, saved] of journal) state.gpus[g] = saved;
  task.rateRps = rateRps;
  task.additionalRps = additionalRps;
  return false;
}

/** Whether some gpulet in use has spare occupancy and room for another task. */
function hasSharable(state: State, maxModels: number): boolean {
  for (const g of state.gpus)
    for (const n of g.nodes) if (n.tasks.length > 0 && n.occupancy < 1 && n.tasks.length < maxModels) return true;
  return false;
}

/** Ascending rate x SLO; equal keys: larger artifact id first (cmp_task_dsc). */
const processingOrder = (a: SchedTask, b: SchedTask) => a.rateRps * a.sloMs - b.rateRps * b.sloMs || b.id - a.id;

/** elasticPartitioning plus the interference re-check loop (incrementalScehduling). */
function schedule(ctx: SchedContext, state: State, tasks: SchedTask[]): string | null {
  const retried = new Set<number>();
  let session = tasks;
  for (;;) {
    const orgRate = new Map(session.map((t) => [t.id, t.rateRps]));
    sortInPlace(session, processingOrder);
    for (const t of session) {
      const reason = addTask(ctx, state, { ...t });
      if (reason !== null) return reason;
    }
    const unsettled = settle(ctx, state);
    if (unsettled !== null) return unsettled;
    if (!ctx.config.interference) return null;
    const got = new Map<number, number>();
    for (const gpu of state.gpus)
      for (const n of gpu.nodes) for (const t of n.tasks) got.set(t.id, f32((got.get(t.id) ?? 0) + t.throughputRps));
    const next: SchedTask[] = [];
    for (const t of session) {
      const want = orgRate.get(t.id) as number;
      if ((got.get(t.id) ?? 0) < f32(want * f32(ctx.config.recheckThreshold))) {
        if (retried.has(t.id))
          return `${t.task}: planned throughput below ${ctx.config.recheckThreshold} x its rate twice (interference re-check)`;
        retried.add(t.id);
        next.push({ ...t, rateRps: want, additionalRps: 0 });
      }
    }
    if (next.length === 0) return null;
    session = next;
  }
}

/**
 * The scheduler's tasks: provisioned integer rates, artifact ids for tie-breaks; zero-rate tasks
 * skipped. `scale` raises the rate planned for some tasks (the burst check's retries).
 */
function schedTasks(
  demands: readonly Demand[],
  config: SchedulerConfig,
  scale?: ReadonlyMap<string, number>,
): SchedTask[] {
  return demands
    .filter((d) => d.rateRps > 0)
    .map((d, i) => {
      const id = ARTIFACT_IDS.indexOf(d.task);
      // Beyond MAX_PLANNED_RPS no GPUs carry a rate, and the artifact's single precision overflows.
      const planned = Math.min(d.rateRps * (scale?.get(d.task) ?? 1), MAX_PLANNED_RPS);
      let rateRps = config.provisionP99 ? poissonP99(planned) : Math.trunc(planned);
      // Fix place-small: the artifact silently never places a task whose rate is 15 req/s or less
      // (TRP_SLACK); with the fix a task that has demand gets at least one gpulet.
      if (rateRps <= TRP_SLACK && config.fixes.has('place-small')) rateRps = TRP_SLACK + 1;
      return {
        task: d.task,
        model: d.model,
        sloMs: d.sloMs,
        id: id >= 0 ? id : ARTIFACT_IDS.length + i,
        rateRps,
        additionalRps: 0,
        meanRps: d.rateRps,
      };
    });
}

/** Demand factors fix fill-holes tries, in order, when a rate does not plan. */
const HOLE_FACTORS = [1.02, 1.04, 1.06, 1.08, 1.1, 1.15, 1.2];

/** Re-plans with raised rates after a failed burst check, before the plan is called infeasible. */
const BURST_RETRIES = 4;

/**
 * One run on `numGpus` GPUs, optionally with a fixed layout per GPU (full search). With fix
 * burst-duty the plan is then served gpulet by gpulet under Poisson arrivals (burst.ts); a task
 * late too often somewhere is planned again for a higher rate, up to BURST_RETRIES times.
 */
function runOnce(ctx: SchedContext, input: PlanInput, numGpus: number, layouts?: number[][]): RunResult {
  ctx.repartition = layouts === undefined;
  ctx.maxEstimate = MAX_GPULETS_PER_GPU * numGpus + 1;
  const scale = new Map<string, number>();
  for (let attempt = 0; ; attempt++) {
    const state = freshState(numGpus, input.gpuMemoryMb, layouts);
    const tasks = schedTasks(input.demands, ctx.config, scale);
    const means = new Map(tasks.map((t) => [t.id, t.meanRps] as const));
    const reason = schedule(ctx, state, tasks);
    if (reason !== null)
      return {
        ok: false,
        state,
        reason: attempt === 0 ? reason : `${reason} (planning for more after the burst check)`,
      };
    if (!ctx.fix('burst-duty')) return { ok: true, state };
    const failures = burstFailures(ctx, state, means);
    if (failures.length === 0) return { ok: true, state };
    if (attempt === BURST_RETRIES) {
      const f = failures[0];
      return {
        ok: false,
        state,
        reason: `${f.task}: ${(100 * f.lateShare).toFixed(1)} % of its requests on GPU ${f.gpu} would end after its SLO under Poisson arrivals (burst check)`,
      };
    }
    for (const f of failures) scale.set(f.task, (scale.get(f.task) ?? 1) * f.factor);
  }
}

/** The per-GPU layouts of the artifact's full search, in its order. */
const LAYOUT_CHOICES = [[50, 50], [60, 40], [80, 20], [100]];

/** Every per-GPU layout of {50/50, 60/40, 80/20, 100}, the last GPU varying slowest (as the artifact). */
export function* layoutsFor(numGpus: number): Generator<number[][]> {
  const digits = new Array<number>(numGpus).fill(0);
  for (;;) {
    yield digits.map((d) => LAYOUT_CHOICES[d]);
    let i = 0;
    while (i < numGpus && digits[i] === LAYOUT_CHOICES.length - 1) digits[i++] = 0;
    if (i === numGpus) return;
    digits[i]++;
  }
}

/** Whether every gpulet size of `layout` is one the profile has latencies for. */
const profiled = (ctx: SchedContext, layout: readonly (readonly number[])[]): boolean =>
  layout.every((gpu) => gpu.every((p) => ctx.parts.includes(p)));

/** The most layouts fix layout-fallback tries (all of them on 4 GPUs). */
export const FALLBACK_LAYOUTS = 256;

/**
 * Per-GPU layouts other than `state`'s, nearest first: those that differ in one GPU, then in two,
 * and so on (within a distance, GPUs and choices in ascending order); at most FALLBACK_LAYOUTS of
 * them (fix layout-fallback).
 */
export function* nearbyLayouts(state: State, numGpus: number): Generator<number[][]> {
  const base = Array.from({ length: numGpus }, (_, i) => {
    const sizes = (state.gpus[i]?.nodes ?? []).map((n) => n.sizePct).sort((x, y) => y - x);
    const k = LAYOUT_CHOICES.findIndex((c) => c[0] === sizes[0]);
    return k < 0 ? LAYOUT_CHOICES.length - 1 : k;
  });
  const others = base.map((b) => LAYOUT_CHOICES.map((_, c) => c).filter((c) => c !== b));
  let left = FALLBACK_LAYOUTS;
  // Positions to change, as an increasing index list, then every choice of alternative at each.
  function* changes(start: number, depth: number, digits: number[]): Generator<number[][]> {
    if (depth === 0) {
      yield digits.map((d) => LAYOUT_CHOICES[d]);
      return;
    }
    for (let i = start; i <= numGpus - depth; i++)
      for (const c of others[i]) {
        const prev = digits[i];
        digits[i] = c;
        yield* changes(i + 1, depth - 1, digits);
        digits[i] = prev;
      }
  }
  for (let distance = 1; distance <= numGpus; distance++)
    for (const layout of changes(0, distance, [...base])) {
      if (left-- <= 0) return;
      yield layout;
    }
}

export interface ElasticOptions {
  /**
   * Try 1, 2, ... GPUs up to the limit and keep the first that schedules (Algorithm 2; the scan
   * starts at a lower bound with fix fewest-gpus, and `search` may bisect instead). @default whether fix fewest-gpus is in force
   * (without it, the artifact's standalone scheduler: all GPUs at once)
   */
  autoscale?: boolean;
  /** Search fixed per-GPU layouts (the paper's "ideal"). @default false */
  fullSearch?: boolean;
  /** With fullSearch: the per-GPU layouts to try, in order. @default every layout (layoutsFor) */
  layouts?: (numGpus: number) => Iterable<number[][]>;
  /**
   * How autoscaling finds the fewest GPUs: `scan` tries every count upward from the lower bound,
   * `bisect` is {@link bisectFewest}, `auto` scans ranges of up to SCAN_GPUS counts and bisects
   * larger ones. @default 'auto'
   */
  search?: 'scan' | 'bisect' | 'auto';
}

/** Autoscaling ranges (GPU counts above the lower bound) at most this wide are scanned one by one. */
export const SCAN_GPUS = 16;

/**
 * The fewest GPUs from `first` up to all of them, by bisection instead of the scan's run per count.
 * It assumes what the scan does not: that when a count fails, every smaller count fails too
 * (feasibility monotone in the number of GPUs); experiments/bench/fewest.ts measures where this
 * gives the scan's answer. Runs on all GPUs first: if that fails, so would every smaller count, and
 * the scan's last run is that same run.
 */
function bisectFewest(ctx: SchedContext, input: PlanInput, first: number): RunResult {
  let best = runOnce(ctx, input, input.numGpus);
  if (!best.ok) return best;
  let lo = first;
  let hi = input.numGpus;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const r = runOnce(ctx, input, mid);
    if (r.ok) {
      best = r;
      hi = mid;
    } else lo = mid + 1;
  }
  return best;
}

/** A scheduler variant of the elastic-partitioning code. */
export class ElasticScheduler implements Scheduler {
  readonly name: string;

  constructor(
    readonly config: SchedulerConfig,
    private readonly opts: ElasticOptions = {},
  ) {
    this.name = config.name;
  }

  private context(input: PlanInput): SchedContext {
    return new SchedContext(
      this.config,
      input.latency,
      this.config.interference ? (input.predictor ?? null) : null,
      (m) => modelInfo(input.models, m).memoryMb,
      (m) => modelInfo(input.models, m).inputBytes,
    );
  }

  /**
   * The GPU counts autoscaling tries: from `first` up to all of them, one by one or (`bisect`) by
   * bisectFewest. Fix fewest-gpus starts at a lower bound on the GPUs the tasks need; the
   * artifact's standalone scheduler plans on all of them (its runtime scans from 1 GPU up).
   */
  private counts(ctx: SchedContext, input: PlanInput): { first: number; bisect: boolean } {
    const fewest = this.config.fixes.has('fewest-gpus');
    const bound = fewest ? lowerBoundGpus(ctx, schedTasks(input.demands, this.config)) : 1;
    const first = (this.opts.autoscale ?? fewest) ? Math.min(input.numGpus, Math.max(1, bound)) : input.numGpus;
    const search = this.opts.search ?? 'auto';
    return { first, bisect: search === 'bisect' || (search === 'auto' && input.numGpus - first > SCAN_GPUS) };
  }

  /**
   * Whether plan(input) is feasible, with less work: plan's answer is "some count from `first` up
   * plans, or else the fallback does", which holds in any order, so the run on all GPUs goes first
   * (most demands that plan anywhere plan there) and the fewest-GPU search stops at a success.
   * The schedulability sweep asks only this.
   */
  feasible(input: PlanInput): boolean {
    const ctx = this.context(input);
    // Full search: plan() takes the same runs, and no fallback follows.
    if (this.opts.fullSearch) return this.searchLayouts(ctx, input)?.ok ?? false;
    const all = runOnce(ctx, input, input.numGpus);
    if (all.ok) return true;
    const { first, bisect } = this.counts(ctx, input);
    // bisectFewest gives up when all GPUs fail; the scan tries every count (feasibility is not
    // monotone in the GPUs).
    if (!bisect) for (let n = first; n < input.numGpus; n++) if (runOnce(ctx, input, n).ok) return true;
    return this.fallback(ctx, input, all).ok;
  }

  /** Full search: runs on each fixed layout in order up to the first that plans; the last run, or null if none ran. */
  private searchLayouts(ctx: SchedContext, input: PlanInput): RunResult | null {
    let result: RunResult | null = null;
    for (const layout of (this.opts.layouts ?? layoutsFor)(input.numGpus)) {
      if (!profiled(ctx, layout)) continue;
      result = runOnce(ctx, input, input.numGpus, layout);
      if (result.ok) break;
    }
    return result;
  }

  plan(input: PlanInput): Plan {
    const ctx = this.context(input);
    let result: RunResult | null = null;
    if (this.opts.fullSearch) result = this.searchLayouts(ctx, input);
    else {
      const { first, bisect } = this.counts(ctx, input);
      if (bisect) result = bisectFewest(ctx, input, first);
      else
        for (let n = first; n <= input.numGpus; n++) {
          result = runOnce(ctx, input, n);
          if (result.ok) break;
        }
    }
    if (result !== null && !result.ok && !this.opts.fullSearch) result = this.fallback(ctx, input, result);
    if (result === null) return { scheduler: this.name, feasible: false, gpus: [], shortfalls: [], reason: 'no GPUs' };
    // An infeasible plan still carries what the last attempt placed, so a simulation of an
    // overloaded system serves that and counts the rest as dropped.
    const state = result.state;
    const plan = toPlan(state, this.name, input.gpuType, (node, t) => ctx.estOn(t.model, t.batch, node, state));
    plan.shortfalls = shortfalls(plan, input.demands);
    if (!result.ok) {
      plan.feasible = false;
      plan.reason = `${result.reason} (on ${input.numGpus} GPU(s))`;
    }
    return plan;
  }

  /**
   * When the elastic pass fails on every GPU count: fixes fill-holes (plan for a little more
   * demand: feasibility is not monotone in the rate, and a plan for more also serves less) and
   * layout-fallback (ideal's fixed per-GPU layouts nearest the failed plan's). Both cost tens of
   * runs, so both are skipped where no plan can exist: the work needs more GPUs than there are
   * even if every task got only what the 0.85 re-check accepts.
   */
  private fallback(ctx: SchedContext, input: PlanInput, failed: RunResult): RunResult {
    const fills = this.config.fixes.has('fill-holes');
    const layouts = this.config.fixes.has('layout-fallback') && this.config.partsPct.length > 1;
    if (!fills && !layouts) return failed;
    const share = this.config.interference ? this.config.recheckThreshold : 1;
    if (lowerBoundGpus(ctx, schedTasks(input.demands, this.config), share) > input.numGpus) return failed;
    if (fills)
      for (const f of HOLE_FACTORS) {
        const more = { ...input, demands: input.demands.map((d) => ({ ...d, rateRps: d.rateRps * f })) };
        // The bound again, for the raised demand: a run it rules out would fail.
        if (lowerBoundGpus(ctx, schedTasks(more.demands, this.config), share) > input.numGpus) continue;
        const run = runOnce(ctx, more, input.numGpus);
        if (run.ok) return run;
      }
    if (layouts)
      for (const layout of nearbyLayouts(failed.state, input.numGpus)) {
        // A profile measured at fewer sizes (a CPU profile: 50 and 100 %) only takes its own.
        if (!profiled(ctx, layout)) continue;
        const fixed = runOnce(ctx, input, input.numGpus, layout);
        if (fixed.ok) return fixed;
      }
    return failed;
  }
}

/**
 * A lower bound on the GPUs any plan of `tasks` needs: workBoundGpus, and two structural bounds.
 * Where the partitioning never time-shares (greedy), one gpulet per task it must place (rate above
 * TRP_SLACK), at most MAX_GPULETS_PER_GPU gpulets per GPU (one if every size in use is a whole
 * GPU): greedy puts a task only on empty gpulets (allocateFit, readjust, mergeResidue), so 9 tasks
 * never fit 4 GPUs. Where every gpulet is a whole GPU and time sharing checks co-residents' SLOs
 * (temporal), wholeGpuBound. Plans never change: every count a bound skips would fail; the bounds
 * spare failing plans the scan's runs and the fallbacks' (fill-holes' 7, layout-fallback's 255).
 */
export function lowerBoundGpus(ctx: SchedContext, tasks: readonly SchedTask[], share = 1): number {
  const work = workBoundGpus(ctx, tasks, share);
  const { partitioning, timeShareSloCheck, maxModels } = ctx.config;
  if (!partitioning.timeShares) {
    let placed = 0;
    for (const t of tasks) if (t.rateRps > TRP_SLACK) placed++;
    const perGpu = ctx.parts.some((p) => p < 100) ? MAX_GPULETS_PER_GPU : 1;
    return Math.max(work, Math.ceil(placed / perGpu));
  }
  if (!timeShareSloCheck || ctx.parts.length !== 1 || ctx.parts[0] !== 100) return work;
  return Math.max(work, wholeGpuBound(ctx, tasks, share, maxModels));
}

/**
 * Time sharing whole GPUs with the co-resident SLO check (allocateTimeShare): a task joins a gpulet
 * only if the summed latency L fits the duty cycle d and d + L is within every co-resident's SLO,
 * so two tasks ever share one only if 2 (L_a + L_b) <= the smaller SLO at their shortest batch
 * latencies (minWholeEstMs; a relative 1e-6 covers the single-precision sums). A task that can
 * share with no other of the plan holds its GPUs alone: at least one, and ceil of its work
 * (workBoundGpus's per-task share). The others need their summed work, and one GPU per
 * `maxModels` of them (a gpulet holds at most that many tasks). On the schedulability sweep,
 * lenet (SLO 5 ms) and BERT (22 ms) can share with none of the others.
 */
function wholeGpuBound(ctx: SchedContext, tasks: readonly SchedTask[], share: number, maxModels: number): number {
  let alone = 0;
  let work = 0;
  let sharing = 0;
  for (const t of tasks) {
    if (t.rateRps <= TRP_SLACK) continue;
    const w = Math.max(0, share * t.rateRps - TRP_SLACK) / ctx.bestRpsPerGpu(t.model);
    const lt = ctx.minWholeEstMs(t.model);
    let mate = false;
    for (const u of tasks)
      if (
        u !== t &&
        u.rateRps > TRP_SLACK &&
        2 * (lt + ctx.minWholeEstMs(u.model)) <= Math.min(t.sloMs, u.sloMs) * (1 + 1e-6)
      ) {
        mate = true;
        break;
      }
    if (mate) {
      work += w;
      sharing++;
    } else alone += Math.max(1, Math.ceil(w - 1e-9));
  }
  return alone + Math.max(Math.ceil(work - 1e-9), Math.ceil(sharing / maxModels));
}

/**
 * A lower bound on the GPUs any plan needs: each task needs at least (rate - 15) / e of a GPU
 * (with `share` < 1: share x rate - 15, for plans the interference re-check accepts short),
 * where e is the most requests per second per whole GPU it can get at any size and batch. The
 * autoscaling scan starts here instead of at 1 GPU; fewer GPUs cannot carry the planned rates
 * (every plan keeps summed latency <= duty cycle on each gpulet, see settle and the validity test).
 */
export function workBoundGpus(ctx: SchedContext, tasks: readonly SchedTask[], share = 1): number {
  let need = 0;
  for (const t of tasks) need += Math.max(0, share * t.rateRps - TRP_SLACK) / ctx.bestRpsPerGpu(t.model);
  return Math.ceil(need - 1e-9);
}

/** Per task, the demand the plan does not carry, req/s (tasks fully carried left out). */
export function shortfalls(plan: Plan, demands: readonly Demand[]): Shortfall[] {
  const planned = new Map<string, number>();
  for (const g of plan.gpus)
    for (const l of g.gpulets) for (const a of l.models) planned.set(a.task, (planned.get(a.task) ?? 0) + a.rateRps);
  const out: Shortfall[] = [];
  for (const d of demands) {
    const short = d.rateRps - (planned.get(d.task) ?? 0);
    if (short > 1e-9) out.push({ task: d.task, shortfallRps: short });
  }
  return out;
}
