/**
 * One driver for a serving run on either clock: the session (arrivals, routing, batching,
 * accounting) and, when the load may change, the re-planner (epochs, autoscaling), run to the end.
 * A simulation steps the virtual clock through its last event; real serving steps the real-time
 * clock (the same heap, waiting for each event to be due) until every request that arrived has
 * ended. Only the clock and the executor differ.
 */
import { RealtimeClock } from '../clock.ts';
import type { Clock } from '../types.ts';
import { gpusUsed } from '../plan.ts';
import { Replanner, partitionSumPct, type ReplannerOptions } from './replanner.ts';
import { ServingSession, type RunSummary, type SessionOptions } from './session.ts';
import { windowRows, type WindowRow } from './windows.ts';

/** A clock Run can step: VirtualClock, RealtimeClock (or a stand-in, e.g. the bench's previous loop). */
export type SteppedClock = Clock & { run(untilMs?: number): number; readonly numEvents: number };

export interface RunOptions extends Omit<SessionOptions, 'clock' | 'onArrivalsEnd'> {
  /** A VirtualClock to simulate, a {@link RealtimeClock} to serve for real. */
  clock: SteppedClock;
  /** Re-plan as the load changes (docs/artifact.md#rate-monitor-and-re-planning); absent: `plan` is served throughout. */
  replan?: Omit<ReplannerOptions, 'clock' | 'dispatcher' | 'untilMs'>;
}

/** What only a real-time run has: a way to stop it, and a bound on draining. */
export interface RealtimeRunOptions {
  /** Aborting stops arrivals now; the run then drains and returns. */
  signal?: AbortSignal;
  /** Drain longer than this after the arrival window and `onDrainTimeout` is called, ms. @default 60000 */
  drainTimeoutMs?: number;
  /** Expected to make the executor fail what it still holds, so the run can end. */
  onDrainTimeout?: () => void | Promise<void>;
  /** Called each second of the arrival window with the seconds elapsed. */
  onProgress?: (elapsedS: number) => void;
}

export interface RunResult {
  summary: RunSummary;
  /** Seconds during which requests arrived (shorter than asked when a real run was stopped). */
  arrivalWindowS: number;
  stoppedEarly: boolean;
  /** How long the queues took to drain after the arrival window, ms. */
  drainMs: number;
  drainTimedOut: boolean;
  /** Events the clock ran. */
  events: number;
  /** Per window of `windowMs`: the serving plan's GPUs and gpulet sizes, and the requests; null without `windowMs`. */
  windows: WindowRow[] | null;
}

export class Run {
  readonly session: ServingSession;
  /** The re-planner, when the run re-plans. */
  readonly replanner: Replanner | null;
  private readonly opts: RunOptions;
  private arrivalsEnded = false;
  /** When arrivals ended, clock ms (the window's end, or the stop). */
  private arrivalsEndMs = Infinity;
  private onArrivalsEnd: () => void = () => {};
  private started = false;

  constructor(opts: RunOptions) {
    this.opts = opts;
    this.session = new ServingSession({
      ...opts,
      onArrivalsEnd: () => {
        this.arrivalsEnded = true;
        this.arrivalsEndMs = Math.min(this.arrivalsEndMs, opts.untilMs);
        this.onArrivalsEnd();
      },
    });
    this.replanner = opts.replan
      ? new Replanner({ ...opts.replan, clock: opts.clock, dispatcher: this.session.dispatcher, untilMs: opts.untilMs })
      : null;
  }

  /** Simulated time: run every event; `onProgress` after each simulated second of the arrival window. */
  simulate(onProgress?: (simulatedS: number) => void): RunResult {
    const { clock, untilMs } = this.opts;
    if (clock instanceof RealtimeClock) throw new Error('Run.simulate: a real-time clock is served with Run.serve');
    this.start();
    // Running in slices changes nothing: the events and their order are the same.
    if (onProgress) {
      for (let s = 1; s * 1000 < untilMs; s++) {
        clock.run(s * 1000);
        onProgress(s);
      }
    }
    clock.run();
    return this.result(false, false);
  }

  /** Real time: serve until every request that arrived has ended (or the drain times out and the executor fails the rest). */
  async serve(o: RealtimeRunOptions = {}): Promise<RunResult> {
    const { clock, untilMs } = this.opts;
    if (!(clock instanceof RealtimeClock)) throw new Error('Run.serve needs a RealtimeClock');
    clock.restart(); // time counts from now: the executor has loaded and warmed up
    let stoppedEarly = false;
    let drainTimedOut = false;
    const drainTimeoutMs = o.drainTimeoutMs ?? 60_000;
    this.onArrivalsEnd = () =>
      clock.at(this.arrivalsEndMs + drainTimeoutMs, () => {
        if (this.session.tracker.allEnded) return;
        drainTimedOut = true;
        void o.onDrainTimeout?.();
      });
    const stop = (): void => {
      if (this.arrivalsEnded || stoppedEarly) return;
      stoppedEarly = true;
      this.arrivalsEndMs = clock.now();
      // The posted event runs the stop inside the loop, in order with the rest.
      clock.at(clock.now(), () => this.session.stopArrivals());
    };
    if (o.onProgress) {
      const tick = (s: number): void => {
        if (s * 1000 > untilMs || this.arrivalsEnded) return;
        clock.at(s * 1000, () => {
          o.onProgress?.(s);
          tick(s + 1);
        });
      };
      tick(1);
    }
    this.start();
    if (o.signal?.aborted) stop();
    o.signal?.addEventListener('abort', stop, { once: true });
    try {
      await clock.runUntil(() => this.arrivalsEnded && this.session.tracker.allEnded);
    } finally {
      o.signal?.removeEventListener('abort', stop);
    }
    return this.result(stoppedEarly, drainTimedOut);
  }

  private start(): void {
    if (this.started) throw new Error('a Run runs once');
    this.started = true;
    this.session.start();
    this.replanner?.start();
  }

  private result(stoppedEarly: boolean, drainTimedOut: boolean): RunResult {
    const { clock, untilMs, plan } = this.opts;
    const endMs = Math.min(this.arrivalsEndMs, untilMs);
    const arrivalWindowS = endMs / 1000;
    const windows =
      this.session.windows === null
        ? null
        : windowRows(
            this.session.windows,
            this.replanner?.timeline ?? [{ atMs: 0, gpus: gpusUsed(plan), partitionSumPct: partitionSumPct(plan) }],
            untilMs,
          );
    return {
      summary: this.session.finish(arrivalWindowS),
      arrivalWindowS,
      stoppedEarly,
      drainMs: Math.max(0, clock.now() - endMs),
      drainTimedOut,
      events: clock.numEvents,
      windows,
    };
  }
}
