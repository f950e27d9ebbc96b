/**
 * Re-planning under changing load (reference §4.5-4.6; the artifact's OracleScheduler,
 * setupTasks and doScheduling in src/service/global_scheduler.cpp), once per 20 s epoch:
 *
 * 1. Switch to the plan prepared in the previous epoch, once its new gpulets have loaded (the
 *    artifact's applyRouting_sync waits for loading still in progress).
 * 2. Targets from the rate monitor: EWMA x 1.5 below 125 req/s, else x 1.2. A task is re-planned
 *    when its target rises by more than 5 % or more than 10 req/s; a fall of more than 10 % (or a
 *    rate below 1 req/s) re-plans it too and forces a full repartition ("system flush").
 * 3. Plan, in this order: incremental (changed tasks only, see below); full repartition on up to
 *    N GPUs, N the GPUs the serving plan uses; full repartition on up to the limit; else keep the
 *    serving plan and the previous targets (the artifact's recoverFromScheduleFailure).
 * 4. Put the plan on physical GPUs so old and new gpulets fit in memory together (placement.ts) and
 *    start loading its new gpulets in the background (10-15 s: process start, model load, warm-up).
 *
 * DEVIATIONS, on purpose:
 * - GPU count. The artifact's epoch path never changes the GPU count it repartitions on (spec §22,
 *   Q-RT3). We follow the paper's Algorithm 2: N GPUs, then more up to the limit, else the previous
 *   plan; the scheduler's own scan (the smallest GPU count that schedules, up to the given limit)
 *   is the artifact's checkandReduceGPU, so the count also falls with demand.
 * - Incremental scheduling is done on plans, not on the scheduler's internal state: the unchanged
 *   tasks keep their gpulets exactly, and the changed tasks are planned on the GPUs the unchanged
 *   ones leave entirely free. The artifact can also fill a free half of a GPU and time-share into
 *   existing gpulets; ours then falls through to a full repartition.
 * - A task whose target dropped to 0 is planned again once its rate is back (the artifact never
 *   re-adds it: setupTasks skips targets equal to 0).
 */
import { gpusUsed, type Demand, type Plan, type PlanInput, type Scheduler } from '../plan.ts';
import type { Clock } from '../types.ts';
import type { Dispatcher, StagedGpulet, Staging } from './dispatcher.ts';
import { placeOnGpus, type PlacementResult } from './placement.ts';
import { EPOCH_MS, RateMonitor, RATE_INTERVAL_MS } from './rate-monitor.ts';
import type { PlanSpan } from './windows.ts';

/** The artifact's target rules (setupTasks). */
export const TARGETS = {
  /** Below this EWMA rate, req/s, the headroom is `lowRoom`. */
  lowRateRps: 125,
  lowRoom: 1.5,
  room: 1.2,
  /** Re-plan on a rise above this many percent ... */
  upPct: 5,
  /** ... or this many req/s. */
  upRps: 10,
  /** Re-plan, with a full repartition, on a fall below this many percent. */
  downPct: 10,
} as const;

/** Target rate for an EWMA rate, req/s. */
export function targetRps(ewmaRps: number): number {
  return ewmaRps * (ewmaRps < TARGETS.lowRateRps ? TARGETS.lowRoom : TARGETS.room);
}

export interface TargetUpdate {
  /** Targets after this epoch, req/s (0: the task is not planned). */
  targets: Map<string, number>;
  /** Tasks whose target changed enough to re-plan, in task order. */
  changed: string[];
  /** Whether a full repartition is forced. */
  flush: boolean;
}

/** One epoch's target update (setupTasks with include_downsize). */
export function updateTargets(previous: ReadonlyMap<string, number>, ewmaRps: ReadonlyMap<string, number>): TargetUpdate {
  const targets = new Map(previous);
  const changed: string[] = [];
  let flush = false;
  for (const [task, rate] of ewmaRps) {
    const old = previous.get(task) ?? 0;
    const tgt = targetRps(rate);
    if (rate < 1) {
      if (old > 1) {
        flush = true;
        targets.set(task, 0);
        changed.push(task);
      }
      continue;
    }
    if (old === 0) {
      targets.set(task, tgt);
      changed.push(task);
      continue;
    }
    const diffPct = ((tgt - old) / old) * 100;
    if (diffPct > TARGETS.upPct || tgt - old > TARGETS.upRps) {
      targets.set(task, tgt);
      changed.push(task);
    } else if (diffPct < -TARGETS.downPct) {
      flush = true;
      targets.set(task, tgt);
      changed.push(task);
    }
  }
  return { targets, changed, flush };
}

/** Gets a staged gpulet ready to serve: starts its process if new, loads its models. */
export interface GpuletLoader {
  /** Call `ready` once `gpulet` can serve its staged spec (never synchronously). */
  load(gpulet: StagedGpulet, ready: () => void): void;
}

/**
 * Loading that takes a fixed time (the paper's 10-15 s to spawn a gpulet process with its MPS
 * share, load the models and warm them up, §4.6), on whatever clock it is given.
 */
export class DelayLoader implements GpuletLoader {
  constructor(
    private readonly clock: Clock,
    /** ms */
    readonly delayMs: number,
  ) {
    if (!(delayMs >= 0)) throw new Error(`loading delay must be >= 0 ms, got ${delayMs}`);
  }

  load(_gpulet: StagedGpulet, ready: () => void): void {
    this.clock.at(this.clock.now() + this.delayMs, ready);
  }
}

/** What one epoch did. */
export interface EpochRecord {
  atMs: number;
  /** `steady`: no target moved enough; `kept`: nothing schedulable or placeable, serving plan kept. */
  action: 'steady' | 'incremental' | 'repartition' | 'kept';
  flush: boolean;
  /** Re-planned tasks. */
  changed: string[];
  /** GPUs of the serving plan, and of the plan prepared (equal when none was). */
  gpusBefore: number;
  gpusAfter: number;
  /** Targets in force after the epoch, req/s. */
  targets: Record<string, number>;
  /** Gpulets of the prepared plan that stay where they are, and new ones to load. */
  numKept: number;
  numNew: number;
  /** Why candidates failed (kept, or fallen through to a later step). */
  failures: string[];
}

export interface ReplannerOptions {
  clock: Clock;
  dispatcher: Dispatcher;
  scheduler: Scheduler;
  /** The scheduler's input for these demands on up to `numGpus` GPUs. */
  planInput: (demands: readonly Demand[], numGpus: number) => PlanInput;
  /** Every task; `rateRps` is its starting rate (the EWMA's initial value, as the artifact's InitRate). */
  tasks: readonly Demand[];
  /** Physical GPUs: the autoscaling limit. */
  maxGpus: number;
  loader: GpuletLoader;
  /** No epoch at or after this time, ms (arrivals end). */
  untilMs: number;
  /** @default 20000 */
  epochMs?: number;
  /** Rate counting interval, ms. @default 500 */
  intervalMs?: number;
}

/** Sum of gpulet sizes of a plan, percent of one GPU. */
export function partitionSumPct(plan: Plan): number {
  let s = 0;
  for (const g of plan.gpus) for (const l of g.gpulets) if (l.models.length > 0) s += l.partitionPct;
  return s;
}

/** The plan to start with: every task at its starting target, on as few GPUs as schedule (oneshotScheduling). */
export function initialPlan(scheduler: Scheduler, planInput: ReplannerOptions['planInput'], tasks: readonly Demand[], maxGpus: number): Plan {
  const demands = tasks.map((t) => ({ ...t, rateRps: t.rateRps >= 1 ? targetRps(t.rateRps) : 0 })).filter((d) => d.rateRps > 0);
  return scheduler.plan(planInput(demands, maxGpus));
}

export class Replanner {
  readonly monitor: RateMonitor;
  readonly epochs: EpochRecord[] = [];
  /** The serving plan over time (starting at 0). */
  readonly timeline: PlanSpan[] = [];
  private targets: Map<string, number>;
  private staged: { staging: Staging; pending: number; stagedAtMs: number; numExtraGpus: number } | null = null;
  /** GPU-ms of GPUs that held only loading gpulets (no serving ones), for plans already applied. */
  private loadingGpuMs = 0;
  /** An epoch is waiting for the staged plan to finish loading. */
  private waiting = false;
  private readonly epochMs: number;

  constructor(private readonly opts: ReplannerOptions) {
    const { dispatcher, tasks } = opts;
    this.epochMs = opts.epochMs ?? EPOCH_MS;
    const initial = new Map(tasks.map((t) => [t.task, t.rateRps] as const));
    this.monitor = new RateMonitor(
      tasks.map((t) => t.task),
      (task) => dispatcher.numSubmitted(task),
      { intervalMs: opts.intervalMs ?? RATE_INTERVAL_MS, windowMs: this.epochMs, initialRps: initial },
    );
    this.targets = new Map(tasks.map((t) => [t.task, t.rateRps >= 1 ? targetRps(t.rateRps) : 0] as const));
    this.record(0);
  }

  /** Start counting arrivals and the epochs. */
  start(): void {
    const { clock, untilMs } = this.opts;
    this.monitor.start(clock, untilMs);
    const epoch = (atMs: number): void => {
      if (atMs >= untilMs) return;
      clock.at(atMs, () => {
        // Run after the events already due now (the rate monitor's tick among them), so the
        // counting interval that ends now is in.
        clock.at(atMs, () => this.onEpoch());
        epoch(atMs + this.epochMs);
      });
    };
    epoch(clock.now() + this.epochMs);
  }

  /** GPU-seconds of the serving plan from 0 to `untilMs`. */
  gpuSeconds(untilMs = this.opts.untilMs): number {
    let s = 0;
    this.timeline.forEach((span, i) => {
      const end = Math.min(untilMs, i + 1 < this.timeline.length ? this.timeline[i + 1].atMs : untilMs);
      if (end > span.atMs) s += (span.gpus * (end - span.atMs)) / 1000;
    });
    return s;
  }

  /**
   * GPU-seconds, up to `untilMs`, of GPUs outside the serving plan that held new gpulets while they
   * loaded (placement prefers idle GPUs for them): the reorganisation's extra footprint.
   */
  loadingGpuSeconds(untilMs = this.opts.untilMs): number {
    let ms = this.loadingGpuMs;
    const st = this.staged;
    if (st !== null && untilMs > st.stagedAtMs) ms += st.numExtraGpus * (untilMs - st.stagedAtMs);
    return ms / 1000;
  }

  private onEpoch(): void {
    if (this.staged !== null && this.staged.pending > 0) {
      this.waiting = true; // applyRouting_sync: wait for the loading, then go on
      return;
    }
    this.epochBody();
  }

  private epochBody(): void {
    const { clock, dispatcher } = this.opts;
    if (this.staged !== null) {
      const st = this.staged;
      this.loadingGpuMs += st.numExtraGpus * Math.max(0, Math.min(clock.now(), this.opts.untilMs) - st.stagedAtMs);
      dispatcher.apply(st.staging);
      this.staged = null;
      this.record(clock.now());
    }
    if (clock.now() >= this.opts.untilMs) return;
    this.decide();
  }

  private record(atMs: number): void {
    const plan = this.opts.dispatcher.plan;
    const span = { atMs, gpus: gpusUsed(plan), partitionSumPct: partitionSumPct(plan) };
    const last = this.timeline[this.timeline.length - 1];
    if (last !== undefined && last.atMs === atMs) this.timeline[this.timeline.length - 1] = span;
    else this.timeline.push(span);
  }

  private decide(): void {
    const { clock, dispatcher, maxGpus } = this.opts;
    const ewma = new Map(this.monitor.tasks.map((t) => [t, this.monitor.rateRps(t)] as const));
    const update = updateTargets(this.targets, ewma);
    const serving = dispatcher.plan;
    const n = Math.max(1, gpusUsed(serving));
    const rec: EpochRecord = {
      atMs: clock.now(),
      action: 'steady',
      flush: update.flush,
      changed: update.changed,
      gpusBefore: gpusUsed(serving),
      gpusAfter: gpusUsed(serving),
      targets: {},
      numKept: 0,
      numNew: 0,
      failures: [],
    };
    this.epochs.push(rec);
    if (update.changed.length > 0) {
      const candidates: Array<['incremental' | 'repartition', () => Plan | string]> = [];
      // With every planned task changed, the incremental step would be the full repartition on N GPUs.
      const unchanged = [...update.targets].some(([t, v]) => v > 0 && !update.changed.includes(t));
      if (!update.flush && unchanged) candidates.push(['incremental', () => this.incremental(serving, update, n)]);
      candidates.push(['repartition', () => this.full(update.targets, n)]);
      if (n < maxGpus) candidates.push(['repartition', () => this.full(update.targets, maxGpus)]);
      let placed: Extract<PlacementResult, { ok: true }> | null = null;
      for (const [action, make] of candidates) {
        const plan = make();
        if (typeof plan === 'string') {
          rec.failures.push(`${action}: ${plan}`);
          continue;
        }
        const p = this.place(plan);
        if (!p.ok) {
          rec.failures.push(`${action}: ${p.reason}`);
          continue;
        }
        placed = p;
        rec.action = action;
        break;
      }
      if (placed === null) {
        rec.action = 'kept';
      } else {
        this.targets = update.targets;
        rec.gpusAfter = gpusUsed(placed.plan);
        rec.numKept = placed.numKept;
        rec.numNew = placed.numNew;
        this.stage(placed.plan);
      }
    }
    for (const [t, v] of this.targets) rec.targets[t] = Math.round(v * 1000) / 1000;
  }

  /** Demands at the given targets, tasks with target 0 left out. */
  private demands(targets: ReadonlyMap<string, number>, only?: readonly string[]): Demand[] {
    return this.opts.tasks
      .filter((t) => (only === undefined || only.includes(t.task)) && (targets.get(t.task) ?? 0) > 0)
      .map((t) => ({ ...t, rateRps: targets.get(t.task) as number }));
  }

  private full(targets: ReadonlyMap<string, number>, numGpus: number): Plan | string {
    const plan = this.opts.scheduler.plan(this.opts.planInput(this.demands(targets), numGpus));
    return plan.feasible ? plan : (plan.reason ?? 'infeasible');
  }

  /** Unchanged tasks keep their gpulets; changed ones are planned on the GPUs left wholly free. */
  private incremental(serving: Plan, update: TargetUpdate, numGpus: number): Plan | string {
    const changed = new Set(update.changed);
    const kept = serving.gpus
      .map((g) => ({ ...g, gpulets: g.gpulets.map((l) => ({ ...l, models: l.models.filter((a) => !changed.has(a.task)) })).filter((l) => l.models.length > 0) }))
      .filter((g) => g.gpulets.length > 0);
    const free = numGpus - kept.length;
    const demands = this.demands(update.targets, update.changed);
    if (demands.length === 0) return { ...serving, gpus: kept.map((g, i) => ({ ...g, gpu: i })) };
    if (free < 1) return `no GPU left wholly free by the ${kept.length} GPU(s) of unchanged tasks`;
    const sub = this.opts.scheduler.plan(this.opts.planInput(demands, free));
    if (!sub.feasible) return sub.reason ?? 'infeasible';
    const gpus = [...kept, ...sub.gpus].map((g, i) => ({ ...g, gpu: i }));
    return { ...sub, gpus, shortfalls: [...serving.shortfalls.filter((s) => !changed.has(s.task)), ...sub.shortfalls] };
  }

  private place(plan: Plan): PlacementResult {
    const input = this.opts.planInput([], this.opts.maxGpus);
    return placeOnGpus({
      plan,
      serving: this.opts.dispatcher.servingGpulets.map((s) => ({ place: s.place, models: s.spec.tasks.map((t) => t.model) })),
      numGpus: this.opts.maxGpus,
      gpuMemoryMb: input.gpuMemoryMb,
      modelMemoryMb: (m) => input.models[m]?.memoryMb ?? 0,
    });
  }

  /** Lay the plan out and start loading what it lacks; it serves from the next epoch. */
  private stage(plan: Plan): void {
    const staging = this.opts.dispatcher.stage(plan);
    const loads = staging.gpulets.filter((g) => g.fresh || g.toLoad.length > 0);
    const serving = new Set(this.opts.dispatcher.plan.gpus.map((g) => g.gpu));
    const numExtraGpus = new Set(loads.filter((g) => !serving.has(g.place.gpu)).map((g) => g.place.gpu)).size;
    const staged = { staging, pending: loads.length, stagedAtMs: this.opts.clock.now(), numExtraGpus };
    this.staged = staged;
    for (const g of loads)
      this.opts.loader.load(g, () => {
        if (--staged.pending > 0 || this.staged !== staged || !this.waiting) return;
        this.waiting = false;
        this.epochBody();
      });
  }
}
