/**
 * One gpulet at serving time, and the queues it pulls from: the artifact's serving path
 * (casys-kaist/glet src/service/proxy_thread.cpp, load_balancer.cpp, global_scheduler.cpp
 * staticMPSScheduler; docs/artifact.md#run-time-batching-routing-and-dropping):
 *
 * - One shared queue per task. A request waits there until a gpulet serving the task pulls it.
 * - A gpulet opens a batching window for a task with requests waiting; the window pulls requests
 *   until the batch is full or the gpulet's duty cycle has passed, and then the batch is frozen:
 *   later arrivals wait for a later window.
 * - Weighted round robin by credit: pulling a request adds 1 / planned throughput to the gpulet's
 *   credit for the task; a gpulet may pull while its credit is at most the credit of the gpulet that
 *   pulled last (the artifact's "min credit"), or whenever more than one request waits. Among the
 *   gpulets that could pull an arriving request, the one with the least credit is asked first (in
 *   the artifact the polling threads race; this is the deterministic version).
 * - A frozen batch goes to the gpulet's executor, one batch at a time in the order they froze. A
 *   task has at most one batch handed to the executor: a second batch of the same task waits until
 *   the first has run (the artifact's isTaskExec wait), so batching and execution overlap by one
 *   batch per task.
 * - Requests that queued longer than their SLO are dropped (`queue_timeout`) when next looked at,
 *   which counts them as the artifact's periodic drop thread does.
 *
 * Not modelled: the artifact's 0.5 ms polling (a window that finds the queue empty closes 0.5 ms
 * early) and thread wake-up latencies.
 */
import { Fifo } from './fifo.ts';
import type { DropReason, ModelRequest, RequestSink } from './request.ts';
import type { Plan } from '../plan.ts';
import type { BatchJob, Clock, Executor, TimerId } from '../types.ts';

/** Requests waiting when a batch starts: held by its gpulet, and in its task's shared queue. */
export interface QueueDepth {
  /** Requests the gpulet holds besides the batch (open windows, frozen batches, batches queued to run). */
  gpulet: number;
  /** Requests of the batch's task waiting in the shared queue, for any of its gpulets. */
  task: number;
}

/**
 * Observes a run: batches as they start and end (timelines, utilisation, the batch table), and,
 * where it implements them, requests as they arrive and end and plans as they take effect (the
 * request table, trace markers). Observing never changes what is served.
 */
export interface BatchObserver {
  batchStarted(job: BatchJob, startedAtMs: number, queued: QueueDepth): void;
  batchEnded(job: BatchJob, startedAtMs: number, endedAtMs: number, ok: boolean): void;
  /** A model request entered serving (after its application's earlier stages, for an app request). */
  requestArrived?(req: ModelRequest, atMs: number): void;
  /** A model request ended: completed, or dropped with the reason. */
  requestEnded?(req: ModelRequest, outcome: 'completed' | DropReason, atMs: number): void;
  /** A plan took effect (the first at the start; each re-plan's when its routing switched). */
  planApplied?(plan: Plan, atMs: number): void;
}

/** What one gpulet serves: where it sits, its duty cycle, and each task's batch and SLO. */
export interface GpuletSpec {
  gpu: number;
  gpulet: number;
  partitionPct: number;
  dutyCycleMs: number;
  tasks: ReadonlyArray<{ task: string; model: string; batch: number; sloMs: number }>;
  /** On a MIG GPU: the instance size (GPCs) and the MPS processes sharing it (each its own gpulet). */
  mig?: { size: number; procs: number };
}

/** The artifact's initial "min credit" of a task (load_balancer.cpp renewTable). */
const INITIAL_MIN_CREDIT = 10;

/** A task's queue, shared by the gpulets that serve it, with their WRR credits. */
export class SharedQueue {
  readonly queue = new Fifo<ModelRequest>();
  /** Gpulets pulling from this queue and the slot each serves it from. */
  private members: GpuletRuntime[] = [];
  private credit: number[] = [];
  private step: number[] = [];
  private minCredit = INITIAL_MIN_CREDIT;
  private order: number[] = [];

  constructor(
    readonly task: string,
    readonly sloMs: number,
    private readonly sink: RequestSink,
  ) {}

  get numMembers(): number {
    return this.members.length;
  }

  /** New members with their planned throughputs (a plan switch): credits start over, as in the artifact. */
  setMembers(members: GpuletRuntime[], weights: readonly number[]): void {
    this.members = members;
    this.credit = members.map(() => 0);
    this.step = weights.map((w) => 1 / Math.max(w, 1e-6));
    this.minCredit = INITIAL_MIN_CREDIT;
    this.order = members.map((_, i) => i);
  }

  /** Index of `g` among the members, or -1. */
  memberIndex(g: GpuletRuntime): number {
    return this.members.indexOf(g);
  }

  /** Drop, as `queue_timeout`, requests at the head that have queued longer than the SLO. */
  dropExpired(now: number): void {
    let head = this.queue.peek();
    while (head !== undefined && now - head.arrivedAtMs > this.sloMs) {
      this.queue.shift();
      this.sink.dropped(head, 'queue_timeout', now);
      head = this.queue.peek();
    }
  }

  /** Whether member `m` may pull now (checkWRR, or more than one request waiting). */
  mayTake(m: number): boolean {
    return this.queue.length > 1 || this.credit[m] <= this.minCredit;
  }

  /** Member `m` pulls the oldest request. */
  take(m: number): ModelRequest {
    this.credit[m] += this.step[m];
    this.minCredit = this.credit[m];
    return this.queue.shift() as ModelRequest;
  }

  /** A request arrived (or a window may pull again): ask the members, least credit first. */
  offer(): void {
    const n = this.members.length;
    if (n === 1) {
      this.members[0].kick();
      return;
    }
    const { order, credit } = this;
    order.sort((a, b) => credit[a] - credit[b] || a - b);
    for (let k = 0; k < n && this.queue.length > 0; k++) this.members[order[k]].kick();
  }

  /** Drop every waiting request with `reason` (the task lost all its gpulets). */
  dropAll(reason: 'not_placed', now: number): void {
    for (const req of this.queue.drain()) this.sink.dropped(req, reason, now);
  }
}

interface TaskSlot {
  readonly task: string;
  readonly model: string;
  batch: number;
  queue: SharedQueue;
  /** This gpulet's member index in `queue`. */
  member: number;
  /** The batching window open for this task, if any. */
  window: { closeAtMs: number; taken: ModelRequest[] } | null;
  /** A frozen batch waiting for the previous batch of this task to run. */
  handoff: FrozenBatch | null;
  /** A batch of this task is with the executor (queued or running). */
  inExec: boolean;
  /** When a window of this task last closed empty (it does not reopen at that same instant). */
  emptyAtMs: number;
}

interface FrozenBatch {
  readonly slot: TaskSlot;
  readonly reqs: ModelRequest[];
}

/**
 * One gpulet pulling from shared queues.
 *
 * `sequential` (the artifact): one batching thread, so one window at a time, the tasks in turn, and
 * a frozen batch that must wait for its task's previous batch holds the thread. At low load a
 * time-shared gpulet's round then takes up to one duty cycle per task. Otherwise (fix
 * concurrent-windows) every task collects at once, its window closing a duty cycle after its
 * oldest waiting request arrived, as the scheduler's duty-cycle model assumes (Nexus's rounds).
 */
export class GpuletRuntime {
  spec: GpuletSpec;
  private slots: TaskSlot[] = [];
  private readonly execQueue = new Fifo<FrozenBatch>();
  /** Requests in `execQueue`. */
  private numExecQueued = 0;
  private busy = false;
  /** When the executor last failed: no window opens at that same instant. */
  private failedAtMs = -Infinity;
  private retired = false;
  private nextSlot = 0;
  private timer: TimerId = -1;
  private timerAtMs = Infinity;
  private kicking = false;
  private again = false;
  private readonly onTimer = (): void => {
    this.timer = -1;
    this.timerAtMs = Infinity;
    this.kick();
  };

  constructor(
    spec: GpuletSpec,
    private readonly clock: Clock,
    private readonly executor: Executor,
    private readonly sink: RequestSink,
    private readonly observer: BatchObserver | null = null,
    private readonly sequential = true,
  ) {
    this.spec = spec;
  }

  /** Pull for `spec` from `queues` (one per task of the spec, in its order). */
  attach(spec: GpuletSpec, queues: readonly SharedQueue[]): void {
    this.freeze();
    const old = new Map(this.slots.map((s) => [s.task, s] as const));
    this.spec = spec;
    this.slots = spec.tasks.map((t, i) => {
      const q = queues[i];
      const prev = old.get(t.task);
      const batch = Math.max(1, Math.floor(t.batch));
      if (prev !== undefined) {
        old.delete(t.task);
        prev.batch = batch;
        prev.queue = q;
        prev.member = q.memberIndex(this);
        return prev;
      }
      return {
        task: t.task,
        model: t.model,
        batch,
        queue: q,
        member: q.memberIndex(this),
        window: null,
        handoff: null,
        inExec: false,
        emptyAtMs: -Infinity,
      };
    });
    // A task leaving the gpulet may still have a frozen batch to run: keep its slot, not pulling.
    for (const slot of old.values())
      if (slot.handoff !== null) {
        slot.member = -1;
        this.slots.push(slot);
      }
    this.nextSlot = 0;
    this.retired = false;
  }

  /** Stop pulling (left out of a new plan): open windows freeze; what they hold still runs. */
  retire(): void {
    this.freeze();
    this.retired = true;
  }

  /** Requests this gpulet holds (in windows, frozen or queued to run; not the batch running). */
  get numQueued(): number {
    let n = this.numExecQueued;
    for (const s of this.slots) n += (s.window?.taken.length ?? 0) + (s.handoff?.reqs.length ?? 0);
    return n;
  }

  get isBusy(): boolean {
    return this.busy || this.numQueued > 0 || this.slots.some((s) => s.window !== null);
  }

  /** Re-examine the windows and the queues now (an arrival, a timer, a batch that ended). */
  kick(): void {
    if (this.kicking) {
      this.again = true;
      return;
    }
    this.kicking = true;
    do {
      this.again = false;
      this.advance();
    } while (this.again);
    this.kicking = false;
  }

  private advance(): void {
    const now = this.clock.now();
    for (let changed = true; changed; ) {
      changed = false;
      for (const slot of this.slots) if (slot.window !== null && this.fill(slot, now)) changed = true;
      if (this.openWindows(now)) changed = true;
    }
    let next = Infinity;
    for (const slot of this.slots)
      if (slot.window !== null && slot.window.closeAtMs < next) next = slot.window.closeAtMs;
    if (next !== Infinity) this.armTimer(next);
  }

  /** Pull into `slot`'s window; close it when full or due. Returns whether it closed. */
  private fill(slot: TaskSlot, now: number): boolean {
    const w = slot.window as NonNullable<TaskSlot['window']>;
    const q = slot.queue;
    q.dropExpired(now);
    if (slot.member >= 0)
      while (w.taken.length < slot.batch && q.queue.length > 0 && q.mayTake(slot.member))
        w.taken.push(q.take(slot.member));
    if (w.taken.length < slot.batch && now < w.closeAtMs) return false;
    this.close(slot, now);
    return true;
  }

  /** Open windows for tasks with requests waiting. Returns whether any opened. */
  private openWindows(now: number): boolean {
    if (this.retired || this.failedAtMs === now) return false;
    const n = this.slots.length;
    if (this.sequential) {
      // One batching thread: busy while a window is open or a frozen batch waits.
      if (this.slots.some((s) => s.window !== null || s.handoff !== null)) return false;
      for (let k = 0; k < n; k++) {
        const index = (this.nextSlot + k) % n;
        const slot = this.slots[index];
        if (!this.waiting(slot, now)) continue;
        this.nextSlot = (index + 1) % n;
        slot.window = { closeAtMs: now + this.spec.dutyCycleMs, taken: [] };
        return true;
      }
      return false;
    }
    let opened = false;
    for (const slot of this.slots) {
      if (slot.window !== null || slot.handoff !== null || !this.waiting(slot, now)) continue;
      const oldest = (slot.queue.queue.peek() as ModelRequest).arrivedAtMs;
      slot.window = { closeAtMs: Math.max(now, oldest + this.spec.dutyCycleMs), taken: [] };
      opened = true;
    }
    return opened;
  }

  /** Whether `slot` may open a window: it pulls, and requests wait for it. */
  private waiting(slot: TaskSlot, now: number): boolean {
    if (slot.member < 0 || slot.emptyAtMs === now) return false;
    slot.queue.dropExpired(now);
    return slot.queue.queue.length > 0;
  }

  /** Freeze every open window now (a plan switch). */
  private freeze(): void {
    const now = this.clock.now();
    for (const slot of this.slots) if (slot.window !== null) this.close(slot, now);
  }

  private close(slot: TaskSlot, now: number): void {
    const w = slot.window as NonNullable<TaskSlot['window']>;
    slot.window = null;
    if (w.taken.length === 0) {
      slot.emptyAtMs = now;
      return;
    }
    const batch: FrozenBatch = { slot, reqs: w.taken };
    if (slot.inExec) slot.handoff = batch;
    else this.send(batch);
  }

  private send(b: FrozenBatch): void {
    b.slot.inExec = true;
    this.execQueue.push(b);
    this.numExecQueued += b.reqs.length;
    this.runNext();
  }

  private runNext(): void {
    if (this.busy) return;
    const b = this.execQueue.shift();
    if (b === undefined) return;
    this.numExecQueued -= b.reqs.length;
    this.busy = true;
    const now = this.clock.now();
    const size = b.reqs.length;
    const job: BatchJob = {
      gpu: this.spec.gpu,
      gpulet: this.spec.gpulet,
      partitionPct: this.spec.partitionPct,
      model: b.slot.model,
      batch: size,
    };
    if (this.spec.mig !== undefined) job.mig = this.spec.mig;
    if (this.observer !== null)
      this.observer.batchStarted(job, now, { gpulet: this.numQueued, task: b.slot.queue.queue.length });
    this.executor.run(
      job,
      (finishedAtMs) => {
        for (let i = 0; i < size; i++) this.sink.completed(b.reqs[i], finishedAtMs);
        this.observer?.batchEnded(job, now, finishedAtMs, true);
        this.busy = false;
        b.slot.inExec = false;
        const h = b.slot.handoff;
        if (h !== null) {
          b.slot.handoff = null;
          this.send(h);
        }
        this.runNext();
        this.kick();
      },
      () => {
        const at = this.clock.now();
        for (let i = 0; i < size; i++) this.sink.dropped(b.reqs[i], 'executor_failed', at);
        this.observer?.batchEnded(job, now, at, false);
        this.busy = false;
        this.failHeld(at);
      },
    );
  }

  /** The executor died: drop what this gpulet holds as `executor_failed` (the shared queues stay). */
  private failHeld(at: number): void {
    const held: ModelRequest[] = [];
    for (const b of this.execQueue.drain()) held.push(...b.reqs);
    this.numExecQueued = 0;
    this.failedAtMs = at;
    for (const s of this.slots) {
      if (s.handoff !== null) held.push(...s.handoff.reqs);
      if (s.window !== null) held.push(...s.window.taken);
      s.handoff = null;
      s.window = null;
      s.inExec = false;
    }
    if (this.timer !== -1) this.clock.cancel(this.timer);
    this.timer = -1;
    this.timerAtMs = Infinity;
    for (const r of held) this.sink.dropped(r, 'executor_failed', at);
  }

  private armTimer(atMs: number): void {
    if (atMs >= this.timerAtMs) return;
    if (this.timer !== -1) this.clock.cancel(this.timer);
    this.timerAtMs = atMs;
    this.timer = this.clock.at(atMs, this.onTimer);
  }
}
