/**
 * The engine's side of executor faults, on virtual time: a gpulet whose executor fails drops its
 * batch and queue as `executor_failed`, keeps accepting work, and serves again once the executor is
 * usable (the real executor restarts its runner in between and fails batches meanwhile).
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../engine/clock.ts';
import { ServingSession } from '../../../engine/server/session.ts';
import type { BatchJob, Clock, Executor } from '../../../engine/types.ts';
import { fixedArrivals, planOf } from '../../helpers.ts';

/** Batches take 10 ms; the runner dies at `crashAtMs` (failing the batch in flight) and is back at `upAtMs`. */
class FlakyExecutor implements Executor {
  readonly log: string[] = [];
  private running: { job: BatchJob; failed: (reason: string) => void; timer: number } | null = null;
  constructor(
    private readonly clock: Clock,
    private readonly crashAtMs: number,
    private readonly upAtMs: number,
  ) {
    clock.at(crashAtMs, () => {
      const r = this.running;
      if (r === null) return;
      this.running = null;
      clock.cancel(r.timer);
      this.log.push(`${clock.now()} crash during ${r.job.model}x${r.job.batch}`);
      r.failed('worker exited');
    });
  }

  run(job: BatchJob, done: (finishedAtMs: number) => void, failed: (reason: string) => void): void {
    const now = this.clock.now();
    if (now >= this.crashAtMs && now < this.upAtMs) {
      this.log.push(`${now} refused ${job.model}x${job.batch}`);
      failed('restarting');
      return;
    }
    const timer = this.clock.at(now + 10, () => {
      this.running = null;
      this.log.push(`${this.clock.now()} done ${job.model}x${job.batch}`);
      done(this.clock.now());
    });
    this.running = { job, failed, timer };
  }
}

describe('GpuletRuntime with a failing executor', () => {
  it('drops the batch in flight and the queue as executor_failed, then serves again once the executor is back', () => {
    const clock = new VirtualClock();
    const executor = new FlakyExecutor(clock, 25, 60);
    // Batches close at 2 requests (the 100 ms duty cycle never closes one first).
    const plan = planOf([
      [
        {
          partitionPct: 100,
          dutyCycleMs: 100,
          models: [{ task: 'A', model: 'A', batch: 2, rateRps: 100, latencyMs: 10 }],
        },
      ],
    ]);
    // t=0,1: batch runs 1..11. t=12,13: 13..23. t=20,21,22 arrive while busy: (20,21) start at 23
    // and crash at 25, taking the queued 22 with them. t=30,31: refused at 31 (restarting).
    // t=70,71: served 71..81, the executor being back since 60.
    const session = new ServingSession({
      clock,
      executor,
      plan,
      tasks: [{ task: 'A', model: 'A', sloMs: 1000 }],
      app: null,
      streams: [fixedArrivals('A', [0, 1, 12, 13, 20, 21, 22, 30, 31, 70, 71])],
      untilMs: 1000,
    });
    session.start();
    clock.run();
    expect(executor.log).toEqual([
      '11 done Ax2',
      '23 done Ax2',
      '25 crash during Ax2',
      '31 refused Ax2',
      '81 done Ax2',
    ]);
    const out = session.finish(1);
    expect(out.models.A).toMatchObject({ arrived: 11, completed: 6, dropped: 5 });
    // 2 in flight + 1 queued at the crash, 2 refused while restarting.
    expect(out.dropped_by_reason).toEqual({ queue_timeout: 0, not_placed: 0, executor_failed: 5 });
    expect(out.requests).toEqual({ arrived: 11, completed: 6, dropped: 5, slo_violations: 5 });
  });
});
