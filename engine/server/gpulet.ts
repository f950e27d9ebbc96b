/**
 * One gpulet at serving time: per-task queues, batching, and one batch at a time on the executor
 * (reference §4.4, the artifact's proxy thread).
 *
 * Batching rule. For each task the batching window opens when the batcher is ready for it and a
 * request is waiting: at max(arrival of the oldest queued request, time its previous batch was
 * taken). The batch closes when it reaches the planned size or when the gpulet's duty cycle has
 * elapsed since the window opened. Tasks sharing the gpulet run one batch at a time, in round-robin
 * order among those whose batch is closed, which is Nexus's round-based time sharing.
 *
 * Dropping. A request that has queued longer than its SLO is dropped (`queue_timeout`) when its
 * task is next considered for a batch. Dropping lazily at that moment gives exactly the counts of
 * the artifact's periodic drop thread, because a request can leave the queue only by being batched.
 */
import { Fifo } from './fifo.ts';
import type { ModelRequest, RequestSink } from './request.ts';
import type { BatchJob, Clock, Executor, TimerId } from '../types.ts';

/** A task's place on a gpulet. */
export interface TaskSlot {
  readonly task: string;
  readonly model: string;
  /** Planned batch size (>= 1); changes when the gpulet is reconfigured at a plan switch. */
  batch: number;
  /** Queueing longer than this drops the request, ms. */
  readonly sloMs: number;
  readonly queue: Fifo<ModelRequest>;
  /** When the previous batch of this task was taken, ms (-Infinity before the first). */
  lastTakenAtMs: number;
}

function newSlot(t: GpuletSpec['tasks'][number]): TaskSlot {
  return { task: t.task, model: t.model, batch: Math.max(1, Math.floor(t.batch)), sloMs: t.sloMs, queue: new Fifo<ModelRequest>(), lastTakenAtMs: -Infinity };
}

/** Observes batches as they start and end (timelines, utilisation). */
export interface BatchObserver {
  batchStarted(job: BatchJob, startedAtMs: number): void;
  batchEnded(job: BatchJob, startedAtMs: number, endedAtMs: number, ok: boolean): void;
}

export interface GpuletSpec {
  gpu: number;
  gpulet: number;
  partitionPct: number;
  dutyCycleMs: number;
  tasks: ReadonlyArray<{ task: string; model: string; batch: number; sloMs: number }>;
}

export class GpuletRuntime {
  /** What the gpulet serves now; replaced by {@link reconfigure}. */
  spec: GpuletSpec;
  /** One per task of `spec`, in its order, then any tasks dropped by a reconfiguration still draining. */
  slots: TaskSlot[];
  private busy = false;
  /** Round-robin position: the slot to consider first next time. */
  private nextSlot = 0;
  private timer: TimerId = -1;
  private timerAtMs = Infinity;
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
  ) {
    this.spec = spec;
    this.slots = spec.tasks.map(newSlot);
  }

  /**
   * Serve `spec` from now on (a plan switch that keeps this gpulet: same GPU, size and process).
   * The duty cycle and batch sizes change at once; a task new to the gpulet gets an empty queue; a
   * task no longer in `spec` keeps its queued requests, which are still served (drained) but
   * receive no new ones. Slot indices change: the caller re-routes right after.
   */
  reconfigure(spec: GpuletSpec): void {
    if (spec.gpu !== this.spec.gpu || spec.gpulet !== this.spec.gpulet || spec.partitionPct !== this.spec.partitionPct)
      throw new Error(`gpulet ${this.spec.gpu}.${this.spec.gpulet} (${this.spec.partitionPct} %) cannot become ${spec.gpu}.${spec.gpulet} (${spec.partitionPct} %)`);
    const old = new Map(this.slots.map((s) => [s.task, s] as const));
    const slots = spec.tasks.map((t) => {
      const slot = old.get(t.task);
      if (slot === undefined) return newSlot(t);
      old.delete(t.task);
      slot.batch = Math.max(1, Math.floor(t.batch));
      return slot;
    });
    for (const slot of old.values()) if (slot.queue.length > 0) slots.push(slot);
    this.spec = spec;
    this.slots = slots;
    this.nextSlot = 0;
    // Batch sizes and the duty cycle changed: a batch may be closed already, or close earlier.
    this.kick();
  }

  /** Index of the slot serving `task`, or -1. */
  slotOf(task: string): number {
    return this.slots.findIndex((s) => s.task === task);
  }

  /** Number of requests waiting in this gpulet's queues. */
  get numQueued(): number {
    let n = 0;
    for (const s of this.slots) n += s.queue.length;
    return n;
  }

  get isBusy(): boolean {
    return this.busy;
  }

  /** Accept a request for the task in slot `slotIndex`. */
  enqueue(slotIndex: number, req: ModelRequest): void {
    const slot = this.slots[slotIndex];
    const wasEmpty = slot.queue.length === 0;
    slot.queue.push(req);
    if (this.busy) return; // the end of the running batch re-examines every queue
    if (slot.queue.length >= slot.batch) this.kick();
    else if (wasEmpty) this.armTimer(Math.max(req.arrivedAtMs, slot.lastTakenAtMs) + this.spec.dutyCycleMs);
  }

  /** Start the next closed batch if the gpulet is idle; otherwise arm a timer for the next close. */
  kick(): void {
    if (this.busy) return;
    const now = this.clock.now();
    const n = this.slots.length;
    let nextCloseAtMs = Infinity;
    for (let k = 0; k < n; k++) {
      const index = (this.nextSlot + k) % n;
      const slot = this.slots[index];
      this.dropExpired(slot, now);
      const oldest = slot.queue.peek();
      if (oldest === undefined) continue;
      const closeAtMs = Math.max(oldest.arrivedAtMs, slot.lastTakenAtMs) + this.spec.dutyCycleMs;
      if (slot.queue.length >= slot.batch || now >= closeAtMs) {
        this.nextSlot = (index + 1) % n;
        this.start(slot, now);
        return;
      }
      if (closeAtMs < nextCloseAtMs) nextCloseAtMs = closeAtMs;
    }
    if (nextCloseAtMs !== Infinity) this.armTimer(nextCloseAtMs);
  }

  /** Drop every queued request with reason `executor_failed` (the executor behind it died). */
  failQueued(): void {
    const now = this.clock.now();
    for (const slot of this.slots) {
      for (const req of slot.queue.drain()) this.sink.dropped(req, 'executor_failed', now);
    }
  }

  private dropExpired(slot: TaskSlot, now: number): void {
    let head = slot.queue.peek();
    while (head !== undefined && now - head.arrivedAtMs > slot.sloMs) {
      slot.queue.shift();
      this.sink.dropped(head, 'queue_timeout', now);
      head = slot.queue.peek();
    }
  }

  private armTimer(atMs: number): void {
    if (atMs >= this.timerAtMs) return;
    if (this.timer !== -1) this.clock.cancel(this.timer);
    this.timerAtMs = atMs;
    this.timer = this.clock.at(atMs, this.onTimer);
  }

  private start(slot: TaskSlot, now: number): void {
    const size = Math.min(slot.batch, slot.queue.length);
    const batch: ModelRequest[] = new Array(size);
    for (let i = 0; i < size; i++) batch[i] = slot.queue.shift() as ModelRequest;
    slot.lastTakenAtMs = now;
    this.busy = true;
    const job: BatchJob = {
      gpu: this.spec.gpu,
      gpulet: this.spec.gpulet,
      partitionPct: this.spec.partitionPct,
      model: slot.model,
      batch: size,
    };
    this.observer?.batchStarted(job, now);
    this.executor.run(
      job,
      (finishedAtMs) => {
        for (let i = 0; i < size; i++) this.sink.completed(batch[i], finishedAtMs);
        this.observer?.batchEnded(job, now, finishedAtMs, true);
        this.busy = false;
        this.kick();
      },
      () => {
        const at = this.clock.now();
        for (let i = 0; i < size; i++) this.sink.dropped(batch[i], 'executor_failed', at);
        this.observer?.batchEnded(job, now, at, false);
        this.failQueued();
        this.busy = false;
      },
    );
  }
}
