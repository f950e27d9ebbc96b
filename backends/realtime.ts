/**
 * Serving a plan in real time: the engine's `ServingSession` (router, batching, drops, accounting)
 * on a wall clock with a real executor, fed by the same seeded arrival streams as a simulation.
 *
 * Arrivals come from `ServingSession` as in a simulation, counted from the moment serving starts;
 * a real run can be stopped (Ctrl-C), which cancels the pending arrivals at once. Each request
 * arrives at its scheduled time (a late timer does not move its arrival), as in the simulator.
 *
 * After the arrival window the run drains: queued and running requests finish or are dropped by
 * the usual rules. If that takes longer than `drainTimeoutMs` (a gpulet that keeps hanging),
 * `onDrainTimeout` is called (the caller closes its executor, failing what is left) and the run
 * ends once every request is accounted for.
 */
import { ServingSession, type RunSummary, type SessionOptions } from '../engine/server/session.ts';
import type { RequestTracker } from '../engine/server/tracker.ts';

export interface RealtimeOptions extends Pick<SessionOptions, 'clock' | 'executor' | 'plan' | 'tasks' | 'app' | 'streams' | 'observer'> {
  /** Length of the arrival window, ms. */
  durationMs: number;
  /** Aborting stops arrivals now; the run then drains and returns. */
  signal?: AbortSignal;
  /** @default 60000 */
  drainTimeoutMs?: number;
  /** Called when the drain times out; expected to make the executor fail what it still holds. */
  onDrainTimeout?: () => void | Promise<void>;
  /** Called about once a second with the seconds elapsed. */
  onProgress?: (elapsedS: number) => void;
}

export interface RealtimeResult {
  summary: RunSummary;
  /** Seconds during which requests arrived (shorter than asked when stopped). */
  arrivalWindowS: number;
  stoppedEarly: boolean;
  /** How long the queues took to drain after the window, ms. */
  drainMs: number;
  drainTimedOut: boolean;
}

/** Every request that arrived has ended, per task and at the top level. */
export function allEnded(tracker: RequestTracker): boolean {
  const t = tracker.total;
  if (t.arrived !== t.completed + t.dropped || tracker.numAppsInFlight !== 0) return false;
  for (const c of tracker.byTask.values()) if (c.arrived !== c.completed + c.dropped) return false;
  return true;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Serve `plan` in real time for `durationMs` of arrivals, drain, and summarise. */
export async function serveRealtime(opts: RealtimeOptions): Promise<RealtimeResult> {
  const { clock, durationMs } = opts;
  let windowEnded: () => void = () => {};
  const windowDone = new Promise<void>((resolve) => {
    windowEnded = resolve;
  });
  const session = new ServingSession({
    clock,
    executor: opts.executor,
    plan: opts.plan,
    tasks: opts.tasks,
    app: opts.app,
    streams: opts.streams,
    untilMs: durationMs,
    // The window ends when every stream's next arrival lies past durationMs (late timers included).
    onArrivalsEnd: () => windowEnded(),
    observer: opts.observer ?? null,
  });
  const tracker = session.tracker;
  // Stream times are relative to the start of serving; the clock may be older (warm-up).
  const startMs = clock.now();
  session.start(startMs);

  let stoppedEarly = false;
  let stoppedAtMs = startMs + durationMs;
  const stop = (): void => {
    if (stoppedEarly) return;
    stoppedEarly = true;
    stoppedAtMs = Math.min(clock.now(), stoppedAtMs);
    session.stopArrivals();
  };
  if (opts.signal?.aborted) stop();
  opts.signal?.addEventListener('abort', stop, { once: true });
  const ticker = opts.onProgress ? setInterval(() => opts.onProgress?.(Math.floor((clock.now() - startMs) / 1000)), 1000) : null;

  try {
    await windowDone;
    const windowEndMs = stoppedEarly ? stoppedAtMs : startMs + durationMs;
    const drainTimeoutMs = opts.drainTimeoutMs ?? 60_000;
    let drainTimedOut = false;
    while (!allEnded(tracker)) {
      if (!drainTimedOut && clock.now() - windowEndMs > drainTimeoutMs) {
        drainTimedOut = true;
        await opts.onDrainTimeout?.();
      }
      await sleep(5);
    }
    const drainMs = Math.max(0, clock.now() - windowEndMs);
    const arrivalWindowS = (windowEndMs - startMs) / 1000;
    return { summary: session.finish(arrivalWindowS), arrivalWindowS, stoppedEarly, drainMs, drainTimedOut };
  } finally {
    if (ticker) clearInterval(ticker);
    opts.signal?.removeEventListener('abort', stop);
  }
}
