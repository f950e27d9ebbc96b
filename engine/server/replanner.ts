/**
 * Re-planning under changing load (docs/artifact.md#rate-monitor-and-re-planning, docs/artifact.md#autoscaling; the artifact's OracleScheduler,
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
 * - GPU count. The artifact's epoch path never changes the GPU count it repartitions on (`OracleScheduler`
 *   in `src/service/global_scheduler.cpp`; docs/artifact.md#rate-monitor-and-re-planning). We follow the paper's Algorithm 2: N GPUs, then more up to the limit, else the previous
 *   plan; the scheduler's own scan (the smallest GPU count that schedules, up to the given limit)
 *   is the artifact's checkandReduceGPU, so the count also falls with demand.
 * - Incremental scheduling is done on plans, not on the scheduler's internal state: the unchanged
 *   tasks keep their gpulets exactly, and the changed tasks are planned on the GPUs the unchanged
 *   ones leave entirely free. The artifact can also fill a free half of a GPU and time-share into
 *   existing gpulets; ours then falls through to a full repartition.
 * - A task whose target dropped to 0 is planned again once its rate is back (the artifact never
 *   re-adds it: setupTasks skips targets equal to 0).
 */
import { gpusUsed, type Demand, type Plan } from '../plan.ts';
import { modelInfo, type PlanInput, type Scheduler } from '../schedulers/scheduler.ts';
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

/** Below this EWMA rate a task counts as gone, req/s (with `keepSmall`; the artifact: below 1). */
export const GONE_RPS = 0.01;

/**
 * One epoch's target update (setupTasks with include_downsize). With `keepSmall` (fix
 * place-small) a task whose rate is below 1 req/s keeps a target of at least 1 req/s while its
 * requests still arrive; the artifact drops it from the plan (its requests then end `not_placed`).
 */
export function updateTargets(
  previous: ReadonlyMap<string, number>,
  ewmaRps: ReadonlyMap<string, number>,
  keepSmall = false,
): TargetUpdate {
  const targets = new Map(previous);
  const changed: string[] = [];
  let flush = false;
  for (const [task, rate] of ewmaRps) {
    const old = previous.get(task) ?? 0;
    const gone = keepSmall ? rate < GONE_RPS : rate < 1;
    const tgt = keepSmall ? Math.max(1, targetRps(rate)) : targetRps(rate);
    if (gone) {
      if (old > (keepSmall ? 0 : 1)) {
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
  /** Started between epochs by a burst (BurstOptions), not by the 20 s epoch. */
  early: boolean;
  /** The targets needed more GPUs than there are: the most of them that fit on all GPUs is served. */
  capped: boolean;
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
  /**
   * Fix headroom: a fast scheduler (same rules, without the costly fallbacks) to re-plan a chosen
   * plan for the most demand its GPUs carry, so idle shares of the GPUs held serve bursts. Absent:
   * plans are sized for the targets only (the artifact).
   */
  headroom?: Scheduler;
  /** Fix early-replan: re-plan between epochs when a burst outruns the plan, and hold GPUs after a scale-up. */
  burst?: BurstOptions;
  /** Fix place-small: tasks below 1 req/s keep a gpulet while requests arrive (see updateTargets). */
  keepSmall?: boolean;
}

/** When a burst starts a re-plan between epochs, and how long GPUs are held after a scale-up. */
export interface BurstOptions {
  /** Short-window rate measured over this long, ms. @default 2000 */
  windowMs: number;
  /** Checked this often, ms. @default 500 */
  checkMs: number;
  /** Trigger when a task's short-window rate exceeds the rate planned for it by this factor. @default 1.1 */
  over: number;
  /**
   * Targets stay at least the highest short-window rate of this long, ms, so the GPUs a burst
   * needed stay held through bursts that come back. @default 300000
   */
  holdMs: number;
  /**
   * For studies only: the trigger sees each task's true mean rate `aheadMs` ahead (over the short
   * window) instead of the rate measured over the last one, so a plan can load before a burst
   * arrives. It bounds what reaction time costs; a real server has no such oracle.
   */
  foresight?: { aheadMs: number; rps(task: string, fromMs: number, toMs: number): number };
}

export const DEFAULT_BURST: BurstOptions = { windowMs: 2000, checkMs: 500, over: 1.1, holdMs: 300_000 };

/** Shares of the targets tried, largest first, when they need more GPUs than there are. */
export const CAPPED_FACTORS = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2];

/** Demand factors the headroom search tries, largest first. */
export const HEADROOM_FACTORS = [3, 2.5, 2, 1.7, 1.45, 1.25, 1.1];

/** Sum of gpulet sizes of a plan, percent of one GPU. */
export function partitionSumPct(plan: Plan): number {
  let s = 0;
  for (const g of plan.gpus) for (const l of g.gpulets) if (l.models.length > 0) s += l.partitionPct;
  return s;
}

/**
 * Fix headroom: `plan`'s GPUs planned, with `fast`, for the most demand they carry, at most
 * HEADROOM_FACTORS[0] x `demands`; `plan` itself if no larger demand fits (or without `fast`).
 */
export function withHeadroom(
  fast: Scheduler | undefined,
  planInput: ReplannerOptions['planInput'],
  plan: Plan,
  demands: readonly Demand[],
): Plan {
  if (fast === undefined || demands.length === 0 || !plan.feasible) return plan;
  const gpus = gpusUsed(plan);
  for (const f of HEADROOM_FACTORS) {
    const more = fast.plan(
      planInput(
        demands.map((d) => ({ ...d, rateRps: d.rateRps * f })),
        gpus,
      ),
    );
    if (more.feasible) return more;
  }
  return plan;
}

/** A task's first target from its starting rate (see updateTargets for `keepSmall`). */
export function startingTarget(rateRps: number, keepSmall = false): number {
  if (keepSmall) return rateRps >= GONE_RPS ? Math.max(1, targetRps(rateRps)) : 0;
  return rateRps >= 1 ? targetRps(rateRps) : 0;
}

/** The plan to start with: every task at its starting target, on as few GPUs as schedule (oneshotScheduling). */
export function initialPlan(
  scheduler: Scheduler,
  planInput: ReplannerOptions['planInput'],
  tasks: readonly Demand[],
  maxGpus: number,
  keepSmall = false,
  headroom?: Scheduler,
): Plan {
  const demands = tasks
    .map((t) => ({ ...t, rateRps: startingTarget(t.rateRps, keepSmall) }))
    .filter((d) => d.rateRps > 0);
  return withHeadroom(headroom, planInput, scheduler.plan(planInput(demands, maxGpus)), demands);
}

export class Replanner {
  readonly monitor: RateMonitor;
  readonly epochs: EpochRecord[] = [];
  /** The serving plan over time (starting at 0). */
  readonly timeline: PlanSpan[] = [];
  private targets: Map<string, number>;
  private staged: {
    staging: Staging;
    pending: number;
    stagedAtMs: number;
    numExtraGpus: number;
    targets: ReadonlyMap<string, number>;
  } | null = null;
  /** Arrival counts per task at each burst check of the last `burst.windowMs`, oldest first. */
  private readonly recent: Array<{ atMs: number; counts: number[] }> = [];
  /** Short-window rates per task at each burst check of the last `burst.holdMs`, oldest first. */
  private readonly peaks: Array<{ atMs: number; rps: number[] }> = [];
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
    this.targets = new Map(tasks.map((t) => [t.task, startingTarget(t.rateRps, opts.keepSmall ?? false)] as const));
    this.record(0);
  }

  /** Start counting arrivals and the epochs. */
  start(): void {
    const { clock, untilMs } = this.opts;
    this.monitor.start(clock, untilMs);
    const burst = this.opts.burst;
    if (burst !== undefined) {
      const check = (atMs: number): void => {
        if (atMs >= untilMs) return;
        clock.at(atMs, () => {
          this.onBurstCheck(burst);
          check(atMs + burst.checkMs);
        });
      };
      check(clock.now() + burst.checkMs);
    }
    const epoch = (atMs: number): void => {
      if (atMs >= untilMs) return;
      // Late: after every other event of this time (the rate monitor's tick among them), so the
      // counting interval that ends now is in.
      clock.at(
        atMs,
        () => {
          epoch(atMs + this.epochMs);
          this.onEpoch();
        },
        'late',
      );
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
    const { clock } = this.opts;
    this.applyStaged();
    if (clock.now() >= this.opts.untilMs) return;
    this.decide(false);
  }

  /** Serve the staged plan from now on. */
  private applyStaged(): void {
    const { clock, dispatcher } = this.opts;
    if (this.staged === null) return;
    const st = this.staged;
    this.loadingGpuMs += st.numExtraGpus * Math.max(0, Math.min(clock.now(), this.opts.untilMs) - st.stagedAtMs);
    dispatcher.apply(st.staging);
    this.staged = null;
    this.record(clock.now());
  }

  /**
   * Fix early-replan: every check, each task's rate over the last short window against the rate
   * planned for it (the serving plan's targets, or those of a plan still loading, whichever is
   * higher); a task well above it re-plans now, for targets raised to what the window saw,
   * replacing a plan still loading. Plans serve as soon as they have loaded.
   */
  private onBurstCheck(burst: BurstOptions): void {
    const { clock, dispatcher } = this.opts;
    const now = clock.now();
    const tasks = this.monitor.tasks;
    this.recent.push({ atMs: now, counts: tasks.map((t) => dispatcher.numSubmitted(t)) });
    while (this.recent.length > 1 && this.recent[1].atMs <= now - burst.windowMs) this.recent.shift();
    const first = this.recent[0];
    const spanMs = now - first.atMs;
    if (spanMs < burst.windowMs) return;
    const last = this.recent[this.recent.length - 1];
    const ahead = burst.foresight;
    const shortRps = tasks.map((t, i) =>
      ahead !== undefined
        ? ahead.rps(t, now + ahead.aheadMs, now + ahead.aheadMs + burst.windowMs)
        : ((last.counts[i] - first.counts[i]) * 1000) / spanMs,
    );
    this.peaks.push({ atMs: now, rps: shortRps });
    while (this.peaks.length > 1 && this.peaks[0].atMs <= now - burst.holdMs) this.peaks.shift();
    if (this.waiting || now >= this.opts.untilMs) return;
    const raised = new Map(this.targets);
    let over = false;
    const windowS = burst.windowMs / 1000;
    tasks.forEach((t, i) => {
      const planned = Math.max(this.targets.get(t) ?? 0, this.staged?.targets.get(t) ?? 0, 1);
      // Well above plan, and more than Poisson noise at the planned rate (3 sigma) explains.
      const expected = planned * windowS;
      if (shortRps[i] * windowS > Math.max(expected * burst.over, expected + 3 * Math.sqrt(expected))) {
        over = true;
        raised.set(t, Math.max(this.targets.get(t) ?? 0, targetRps(shortRps[i])));
      }
    });
    if (over) this.decide(true, raised);
  }

  /** The highest short-window rate of each task over the hold (fix early-replan), req/s. */
  private recentPeak(task: string): number {
    const i = this.monitor.tasks.indexOf(task);
    let peak = 0;
    for (const p of this.peaks) if (p.rps[i] > peak) peak = p.rps[i];
    return peak;
  }

  private record(atMs: number): void {
    const plan = this.opts.dispatcher.plan;
    const span = { atMs, gpus: gpusUsed(plan), partitionSumPct: partitionSumPct(plan) };
    const last = this.timeline[this.timeline.length - 1];
    if (last !== undefined && last.atMs === atMs) this.timeline[this.timeline.length - 1] = span;
    else this.timeline.push(span);
  }

  /** Re-plan: at an epoch from the EWMA targets, or (early) for targets a burst raised. */
  private decide(early: boolean, raised?: ReadonlyMap<string, number>): void {
    const { clock, dispatcher, maxGpus } = this.opts;
    let update: TargetUpdate;
    if (raised !== undefined) {
      update = {
        targets: new Map(raised),
        changed: [...raised].filter(([t, v]) => v !== (this.targets.get(t) ?? 0)).map(([t]) => t),
        flush: false,
      };
    } else {
      const ewma = new Map(this.monitor.tasks.map((t) => [t, this.monitor.rateRps(t)] as const));
      update = updateTargets(this.targets, ewma, this.opts.keepSmall ?? false);
      // A recent burst holds its targets up: the EWMA's lower ones do not take them back.
      if (this.opts.burst !== undefined) {
        for (const [t, v] of update.targets) {
          const floor = v > 0 ? this.recentPeak(t) : 0;
          if (v < floor) update.targets.set(t, floor);
        }
        update.changed = update.changed.filter((t) => (update.targets.get(t) ?? 0) !== (this.targets.get(t) ?? 0));
      }
    }
    const serving = dispatcher.plan;
    const n = Math.max(1, gpusUsed(serving));
    const rec: EpochRecord = {
      atMs: clock.now(),
      action: 'steady',
      early,
      capped: false,
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
      // More demand than all GPUs carry: the most of it they do carry (capped), rather than the old plan.
      const onAll = (): Plan | string => {
        const plan = this.full(update.targets, maxGpus);
        return typeof plan === 'string' ? this.capped(update.targets, rec) : plan;
      };
      if (n < maxGpus) candidates.push(['repartition', () => this.full(update.targets, n)]);
      candidates.push(['repartition', onAll]);
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
        this.stage(placed.plan, update.targets);
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
    const demands = this.demands(targets);
    const plan = this.opts.scheduler.plan(this.opts.planInput(demands, numGpus));
    return plan.feasible
      ? withHeadroom(this.opts.headroom, this.opts.planInput, plan, demands)
      : (plan.reason ?? 'infeasible');
  }

  /**
   * After the full targets failed on all `maxGpus` GPUs: with fix headroom, CAPPED_FACTORS of
   * them in turn, the first that fits (planned with the headroom scheduler).
   */
  private capped(targets: ReadonlyMap<string, number>, rec: EpochRecord): Plan | string {
    const { maxGpus, planInput } = this.opts;
    const scheduler = this.opts.headroom;
    rec.capped = true;
    // Without fix headroom, the artifact: the serving plan stays.
    if (scheduler === undefined) return `the targets need more than ${maxGpus} GPU(s)`;
    const all = this.demands(targets);
    for (const f of CAPPED_FACTORS) {
      const plan = scheduler.plan(
        planInput(
          all.map((d) => ({ ...d, rateRps: d.rateRps * f })),
          maxGpus,
        ),
      );
      if (plan.feasible) return plan;
    }
    return `not even ${CAPPED_FACTORS[CAPPED_FACTORS.length - 1]} x the targets fit on ${maxGpus} GPU(s)`;
  }

  /** Unchanged tasks keep their gpulets; changed ones are planned on the GPUs left wholly free. */
  private incremental(serving: Plan, update: TargetUpdate, numGpus: number): Plan | string {
    const changed = new Set(update.changed);
    const kept = serving.gpus
      .map((g) => ({
        ...g,
        gpulets: g.gpulets
          .map((l) => ({ ...l, models: l.models.filter((a) => !changed.has(a.task)) }))
          .filter((l) => l.models.length > 0),
      }))
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
      serving: this.opts.dispatcher.servingGpulets.map((s) => ({
        place: s.place,
        models: s.spec.tasks.map((t) => t.model),
      })),
      numGpus: this.opts.maxGpus,
      gpuMemoryMb: input.gpuMemoryMb,
      modelMemoryMb: (m) => modelInfo(input.models, m).memoryMb,
    });
  }

  /**
   * Lay the plan out and start loading what it lacks (replacing a plan still loading); it serves
   * from the next epoch, or with fix early-replan as soon as it has loaded.
   */
  private stage(plan: Plan, targets: ReadonlyMap<string, number>): void {
    const staging = this.opts.dispatcher.stage(plan);
    const loads = staging.gpulets.filter((g) => g.fresh || g.toLoad.length > 0);
    const serving = new Set(this.opts.dispatcher.plan.gpus.map((g) => g.gpu));
    const numExtraGpus = new Set(loads.filter((g) => !serving.has(g.place.gpu)).map((g) => g.place.gpu)).size;
    const staged = { staging, pending: loads.length, stagedAtMs: this.opts.clock.now(), numExtraGpus, targets };
    // A plan still loading that this one replaces held its extra GPUs until now.
    if (this.staged !== null)
      this.loadingGpuMs += this.staged.numExtraGpus * (this.opts.clock.now() - this.staged.stagedAtMs);
    this.staged = staged;
    const loaded = (): void => {
      if (this.staged !== staged) return;
      if (this.waiting) {
        this.waiting = false;
        this.epochBody();
      } else if (this.opts.burst !== undefined && this.opts.clock.now() < this.opts.untilMs) this.applyStaged();
    };
    if (loads.length === 0 && this.opts.burst !== undefined) this.opts.clock.at(this.opts.clock.now(), loaded);
    for (const g of loads)
      this.opts.loader.load(g, () => {
        if (--staged.pending === 0) loaded();
      });
  }
}
