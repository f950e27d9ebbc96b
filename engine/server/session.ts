/**
 * A serving session: arrivals in, a plan served, accounting out. The same code runs on the virtual
 * clock with the simulated GPU and on the wall clock with a real executor.
 */
import { Dispatcher } from './dispatcher.ts';
import { ALL_FIXES, type Fixes } from '../schedulers/fixes.ts';
import type { BatchObserver } from './gpulet.ts';
import { RequestTracker, type AppSpec } from './tracker.ts';
import { DROP_REASONS, type DropReason, type RequestSink } from './request.ts';
import { WindowCounts } from './windows.ts';
import { round, type RequestCounts } from '../metrics.ts';
import type { Plan } from '../plan.ts';
import type { Clock, Executor, TimerId } from '../types.ts';

/** A source of arrival times, ms, non-decreasing; Infinity once exhausted. */
export interface ArrivalStream {
  /** The task this stream feeds, or null for application requests. */
  readonly task: string | null;
  nextArrivalMs(): number;
}

export interface TaskInfo {
  task: string;
  model: string;
  sloMs: number;
}

export interface SessionOptions {
  clock: Clock;
  executor: Executor;
  plan: Plan;
  tasks: readonly TaskInfo[];
  /** The application DAG for app workloads, else null. */
  app: AppSpec | null;
  streams: readonly ArrivalStream[];
  /** Arrivals stop at this time, ms after the start; queued and running requests still finish. */
  untilMs: number;
  /** Called once every stream is past `untilMs` or arrivals were stopped. */
  onArrivalsEnd?: () => void;
  observer?: BatchObserver | null;
  /** Also count arrivals and SLO violations per window of this many ms (see {@link WindowCounts}). */
  windowMs?: number;
  /** Fixes in force; serving reads concurrent-windows. @default all */
  fixes?: Fixes;
}

/** Per-task results in the `simulate` JSON shape. */
export interface TaskSummary {
  arrived: number;
  completed: number;
  dropped: number;
  slo_violations: number;
  p50_ms: number | null;
  p99_ms: number | null;
  slo_ms: number;
}

/** The `simulate` / `serve` JSON document (docs/design.md#command-line-contract). */
export interface RunSummary {
  requests: { arrived: number; completed: number; dropped: number; slo_violations: number };
  dropped_by_reason: Record<DropReason, number>;
  slo_violation_pct: number;
  throughput_rps: number;
  goodput_rps: number;
  p50_ms: number | null;
  p99_ms: number | null;
  models: Record<string, TaskSummary>;
}

const FIRED = -2;
const DONE = -1;

export class ServingSession {
  readonly tracker: RequestTracker;
  readonly dispatcher: Dispatcher;
  /** Per-window counts when `windowMs` was given, else null. */
  readonly windows: WindowCounts | null;
  private readonly opts: SessionOptions;
  private started = false;
  /** The clock time arrival times count from, ms. */
  private originMs = 0;
  /** Each stream's pending arrival timer; FIRED while its arrivals are admitted, DONE after its last. */
  private readonly timers: TimerId[] = [];
  private numActiveStreams = 0;

  constructor(opts: SessionOptions) {
    this.opts = opts;
    const slo = new Map(opts.tasks.map((t) => [t.task, t.sloMs] as const));
    // The tracker submits to the dispatcher, which reports ends back to the tracker.
    // With windows, request ends pass through the window counts on their way to the tracker.
    // An observer of requests sees each arrival before it is submitted and each end on its way in.
    let dispatcher: Dispatcher | null = null;
    let windows: WindowCounts | null = null;
    const observer = opts.observer ?? null;
    const seesArrivals = observer?.requestArrived !== undefined ? observer : null;
    const clock = opts.clock;
    this.tracker = new RequestTracker(
      slo,
      opts.app,
      opts.windowMs === undefined && seesArrivals === null
        ? (req) => (dispatcher as Dispatcher).submit(req)
        : (req) => {
            seesArrivals?.requestArrived?.(req, clock.now());
            windows?.arrive(req);
            (dispatcher as Dispatcher).submit(req);
          },
    );
    if (opts.windowMs !== undefined) windows = new WindowCounts(opts.windowMs, slo, this.tracker);
    const sink: RequestSink = windows ?? this.tracker;
    const sequential = !(opts.fixes ?? ALL_FIXES).has('concurrent-windows');
    dispatcher = new Dispatcher(
      opts.plan,
      slo,
      opts.clock,
      opts.executor,
      observer?.requestEnded !== undefined ? observedSink(sink, observer) : sink,
      observer,
      sequential,
    );
    this.dispatcher = dispatcher;
    this.windows = windows;
  }

  /**
   * Schedule the first arrival of every stream. Stream times count from `originMs` (a real run
   * starts its streams at the clock time serving begins; a simulation at 0).
   */
  start(originMs = 0): void {
    if (this.started) throw new Error('session already started');
    this.started = true;
    this.originMs = originMs;
    this.numActiveStreams = this.opts.streams.length;
    this.opts.streams.forEach((stream, i) => {
      this.follow(stream, i);
    });
    if (this.numActiveStreams === 0) this.opts.onArrivalsEnd?.();
  }

  /** Stop all arrivals now (e.g. Ctrl-C in a real run); what arrived still finishes. */
  stopArrivals(): void {
    this.timers.forEach((id, i) => {
      if (id !== DONE) this.endStream(i);
    });
  }

  /** Check the accounting and summarise; call once the clock has no more events. */
  finish(durationS = this.opts.untilMs / 1000): RunSummary {
    this.tracker.checkAccounting();
    return summarize(this.tracker, durationS);
  }

  /**
   * One pending timer per stream, set for its next arrival; arrivals of one stream at the same
   * instant (a replayed trace's) are admitted by one event. Each arrival carries its own time, on
   * either clock.
   */
  private follow(stream: ArrivalStream, i: number): void {
    const { clock, untilMs } = this.opts;
    const tracker = this.tracker;
    const origin = this.originMs;
    const task = stream.task;
    let atMs = stream.nextArrivalMs();
    const arrive = (): void => {
      this.timers[i] = FIRED;
      const dueMs = atMs;
      do {
        if (task === null) tracker.arriveApp(origin + atMs);
        else tracker.arriveTask(task, origin + atMs);
        atMs = stream.nextArrivalMs();
      } while (atMs <= dueMs && atMs < untilMs);
      if (atMs < untilMs) this.timers[i] = clock.at(origin + atMs, arrive);
      else this.endStream(i);
    };
    if (atMs < untilMs) this.timers[i] = clock.at(origin + atMs, arrive);
    else this.endStream(i);
  }

  private endStream(i: number): void {
    const id = this.timers[i];
    if (id === DONE) return;
    if (id !== undefined && id !== FIRED) this.opts.clock.cancel(id);
    this.timers[i] = DONE;
    if (--this.numActiveStreams === 0) this.opts.onArrivalsEnd?.();
  }
}

const pct = (c: RequestCounts, p: number): number | null =>
  c.latencies.length === 0 ? null : round(c.latencies.percentile(p));

/** The run's results, numbers rounded to fixed digits so output is byte-stable. */
export function summarize(tracker: RequestTracker, durationS: number): RunSummary {
  const t = tracker.total;
  const models: Record<string, TaskSummary> = {};
  for (const [task, c] of tracker.byTask) {
    models[task] = {
      arrived: c.arrived,
      completed: c.completed,
      dropped: c.dropped,
      slo_violations: c.sloViolations,
      p50_ms: pct(c, 50),
      p99_ms: pct(c, 99),
      slo_ms: c.sloMs,
    };
  }
  const dropped_by_reason = Object.fromEntries(DROP_REASONS.map((r) => [r, t.droppedBy[r]])) as Record<
    DropReason,
    number
  >;
  return {
    requests: { arrived: t.arrived, completed: t.completed, dropped: t.dropped, slo_violations: t.sloViolations },
    dropped_by_reason,
    slo_violation_pct: t.arrived === 0 ? 0 : round((100 * t.sloViolations) / t.arrived, 4),
    throughput_rps: durationS > 0 ? round(t.completed / durationS) : 0,
    goodput_rps: durationS > 0 ? round((t.completed - t.late) / durationS) : 0,
    p50_ms: pct(t, 50),
    p99_ms: pct(t, 99),
    models,
  };
}

/** `sink`, telling `observer` of each request's end first. */
function observedSink(sink: RequestSink, observer: BatchObserver): RequestSink {
  return {
    completed(req, atMs) {
      observer.requestEnded?.(req, 'completed', atMs);
      sink.completed(req, atMs);
    },
    dropped(req, reason, atMs) {
      observer.requestEnded?.(req, reason, atMs);
      sink.dropped(req, reason, atMs);
    },
  };
}
