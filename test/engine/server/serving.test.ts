import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../engine/clock.ts';
import { ServingSession } from '../../../engine/server/session.ts';
import { NO_FIXES } from '../../../engine/schedulers/fixes.ts';
import { FixedLatencyExecutor, fakeLatency, fixedArrivals, makeSim, planOf } from '../../helpers.ts';

// Latency depends only on the model here: A takes 3 ms, B 2 ms, X 5, Y 3, Z 4 (any batch).
const FIXED: Record<string, number> = { A: 3, B: 2, X: 5, Y: 3, Z: 4, L: 10 };
const latency = fakeLatency((m) => FIXED[m]);
const task = (name: string, sloMs = 100) => ({ task: name, model: name, sloMs });
const assign = (name: string, batch: number, rateRps = 100) => ({
  task: name,
  model: name,
  batch,
  rateRps,
  latencyMs: FIXED[name],
});

describe("serving (the artifact's path): shared queues, batches frozen when their window closes", () => {
  it('counts a request completed after its SLO as a violation but not a drop', () => {
    const plan = planOf([[{ partitionPct: 100, dutyCycleMs: 0, models: [assign('A', 1)] }]]);
    const { clock, session } = makeSim({ plan, tasks: [task('A', 2.5)], latency, streams: [fixedArrivals('A', [0])] });
    session.start();
    clock.run();
    expect(session.finish(1).requests).toEqual({ arrived: 1, completed: 1, dropped: 0, slo_violations: 1 });
  });

  it('drops requests for a task the plan does not place, as not_placed', () => {
    const plan = planOf([[{ partitionPct: 100, dutyCycleMs: 0, models: [assign('A', 1)] }]]);
    const { clock, session } = makeSim({
      plan,
      tasks: [task('A'), task('B')],
      latency,
      streams: [fixedArrivals('A', [0]), fixedArrivals('B', [0, 1])],
    });
    session.start();
    clock.run();
    const out = session.finish(1);
    expect(out.dropped_by_reason.not_placed).toBe(2);
    expect(out.requests).toMatchObject({ arrived: 3, completed: 1, dropped: 2 });
  });

  it("the artifact's one batching thread (--fixes none): a task waits while the gpulet batches another", () => {
    // One gpulet, duty cycle 10 ms: A batches of 2 (3 ms), B batches of 1 (2 ms).
    const plan = planOf([[{ partitionPct: 100, dutyCycleMs: 10, models: [assign('A', 2), assign('B', 1)] }]]);
    const { clock, session, batches } = makeSim({
      fixes: NO_FIXES,
      plan,
      tasks: [task('A'), task('B')],
      latency,
      streams: [fixedArrivals('A', [0, 1, 20]), fixedArrivals('B', [0.5])],
    });
    session.start();
    clock.run();
    const out = session.finish(1);
    // Hand-worked timeline:
    //  t=0    A arrives: the batcher opens A's window (closes at 10 or when 2 are in).
    //  t=0.5  B arrives and waits in its queue: the batcher is busy with A's window.
    //  t=1    A's second request fills the batch: A runs 1..4. The batcher opens B's window at
    //         once, takes B's request (batch of 1, full) and hands it on: B runs 4..6.
    //  t=20   A arrives: its window closes at 30 with one request: A runs 30..33.
    expect(batches).toEqual([
      ['0.0', 'A', 2, 1, 4],
      ['0.0', 'B', 1, 4, 6],
      ['0.0', 'A', 1, 30, 33],
    ]);
    expect(out.models.B).toMatchObject({ arrived: 1, completed: 1, p50_ms: 5.5 });
    expect(out.requests).toEqual({ arrived: 4, completed: 4, dropped: 0, slo_violations: 0 });
  });

  it('freezes a batch when its window closes; later arrivals wait for the next window', () => {
    // A alone: batches of 3, duty cycle 2 ms, 3 ms each.
    const plan = planOf([[{ partitionPct: 100, dutyCycleMs: 2, models: [assign('A', 3)] }]]);
    const { clock, session, batches } = makeSim({
      plan,
      tasks: [task('A')],
      latency,
      streams: [fixedArrivals('A', [0, 0.5, 1, 1.5, 2, 3.8, 5])],
    });
    session.start();
    clock.run();
    // 0, 0.5, 1 fill a batch (1..4). A window opens at 1.5, takes 1.5 and 2, and freezes at 3.5 with
    // two; it waits for the first batch (4..7). 3.8 waits: the task's next window opens only once
    // that frozen batch is with the executor (4); dated from 3.8 it takes 5 and freezes at 5.8, and
    // runs after the second (7..10). (Assigning requests at arrival and letting a batch take what
    // waits when the gpulet frees would give 3, 3 and 1.)
    expect(batches.map((b) => [b[2], b[3], b[4]])).toEqual([
      [3, 1, 4],
      [2, 4, 7],
      [2, 7, 10],
    ]);
  });

  it("the artifact's one batching thread drops a request that queued longer than its SLO in the shared queue", () => {
    // L (10 ms, batch 2) keeps the batcher in its 10 ms window from 0; A (SLO 4 ms) arrives at 1.
    const plan = planOf([[{ partitionPct: 100, dutyCycleMs: 10, models: [assign('L', 2), assign('A', 1)] }]]);
    const { clock, session, batches } = makeSim({
      fixes: NO_FIXES,
      plan,
      tasks: [task('L'), task('A', 4)],
      latency,
      streams: [fixedArrivals('L', [0]), fixedArrivals('A', [1, 30])],
    });
    session.start();
    clock.run();
    const out = session.finish(1);
    // At 10 L's window closes (L runs 10..20); A's request has queued 9 ms > 4: dropped. The one at
    // 30 is pulled at once and runs 30..33.
    expect(batches).toEqual([
      ['0.0', 'L', 1, 10, 20],
      ['0.0', 'A', 1, 30, 33],
    ]);
    expect(out.models.A).toMatchObject({ arrived: 2, completed: 1, dropped: 1, slo_violations: 1 });
    expect(out.dropped_by_reason.queue_timeout).toBe(1);
  });

  it('with fix concurrent-windows (the default) every task collects at once', () => {
    // The first case again: B's request starts its own window at 0.5 and runs at once (0.5..2.5);
    // A's batch fills at 1 and runs after it (2.5..5.5).
    const plan = planOf([[{ partitionPct: 100, dutyCycleMs: 10, models: [assign('A', 2), assign('B', 1)] }]]);
    const { clock, session, batches } = makeSim({
      plan,
      tasks: [task('A'), task('B')],
      latency,
      streams: [fixedArrivals('A', [0, 1, 20]), fixedArrivals('B', [0.5])],
    });
    session.start();
    clock.run();
    expect(batches).toEqual([
      ['0.0', 'B', 1, 0.5, 2.5],
      ['0.0', 'A', 2, 2.5, 5.5],
      ['0.0', 'A', 1, 30, 33],
    ]);
  });

  it('holds a second frozen batch of a task until its first has run, and drops what waits past the SLO', () => {
    // A alone, batches of 1, duty 0, 3 ms each, SLO 4 ms. Arrivals 0, 0.5, 1, 1.2:
    //  0    runs 0..3.
    //  0.5  freezes at once, waits for the first (its task has a batch with the executor).
    //  1, 1.2 wait in the shared queue (A's next batch is held).
    //  3    0.5 runs 3..6; 1 is pulled (waited 2 ms) and held.
    //  6    1 runs 6..9 (8 ms: late, not dropped); 1.2 has waited 4.8 ms > 4: dropped.
    const plan = planOf([[{ partitionPct: 100, dutyCycleMs: 0, models: [assign('A', 1)] }]]);
    const { clock, session, batches } = makeSim({
      plan,
      tasks: [task('A', 4)],
      latency,
      streams: [fixedArrivals('A', [0, 0.5, 1, 1.2])],
    });
    session.start();
    clock.run();
    expect(batches.map((b) => [b[3], b[4]])).toEqual([
      [0, 3],
      [3, 6],
      [6, 9],
    ]);
    expect(session.finish(1).models.A).toMatchObject({ arrived: 4, completed: 3, dropped: 1, slo_violations: 3 });
  });

  it('shares a task among its gpulets by WRR credit: the one with the least credit pulls', () => {
    // A on two GPUs, planned 200 and 100 req/s (credit steps 0.005 and 0.01 per request); both idle
    // at every arrival. Credits before each arrival: (0, 0) -> GPU 0; (0.005, 0) -> GPU 1;
    // (0.005, 0.01) -> GPU 0; (0.01, 0.01) tie -> GPU 0; (0.015, 0.01) -> GPU 1; (0.015, 0.02) -> GPU 0.
    const plan = planOf([
      [{ partitionPct: 100, dutyCycleMs: 0, models: [assign('A', 1, 200)] }],
      [{ partitionPct: 100, dutyCycleMs: 0, models: [assign('A', 1, 100)] }],
    ]);
    const { clock, session, batches } = makeSim({
      plan,
      tasks: [task('A')],
      latency,
      streams: [fixedArrivals('A', [0, 10, 20, 30, 40, 50])],
    });
    session.start();
    clock.run();
    expect(batches.map((b) => b[0])).toEqual(['0.0', '1.0', '0.0', '0.0', '1.0', '0.0']);
  });
});

describe('application DAGs', () => {
  it('an app request ends when its last stage ends; its latency is end to end', () => {
    // X, then Y and Z in parallel, each on its own GPU: 5 + max(3, 4) = 9 ms.
    const plan = planOf([
      [{ partitionPct: 100, dutyCycleMs: 0, models: [assign('X', 1)] }],
      [{ partitionPct: 100, dutyCycleMs: 0, models: [assign('Y', 1)] }],
      [{ partitionPct: 100, dutyCycleMs: 0, models: [assign('Z', 1)] }],
    ]);
    const app = { name: 'mini', sloMs: 8.5, stages: [['X'], ['Y', 'Z']] };
    const { clock, session, batches } = makeSim({
      plan,
      tasks: [task('X'), task('Y'), task('Z')],
      latency,
      app,
      streams: [fixedArrivals(null, [0, 100])],
    });
    session.start();
    clock.run();
    const out = session.finish(1);
    expect(batches.slice(0, 3)).toEqual([
      ['0.0', 'X', 1, 0, 5],
      ['1.0', 'Y', 1, 5, 8],
      ['2.0', 'Z', 1, 5, 9],
    ]);
    // Two app requests, each 9 ms end to end, over the 8.5 ms app SLO.
    expect(out.requests).toEqual({ arrived: 2, completed: 2, dropped: 0, slo_violations: 2 });
    expect(out.p50_ms).toBe(9);
    expect(out.models.Y).toMatchObject({ arrived: 2, completed: 2, p50_ms: 3 });
  });

  it('an app request with a dropped part counts once as dropped, and its next stage never starts', () => {
    // X is not placed: every app request is dropped at stage 1; Y and Z never see a request.
    const plan = planOf([[{ partitionPct: 100, dutyCycleMs: 0, models: [assign('Y', 1)] }]]);
    const app = { name: 'mini', sloMs: 100, stages: [['X'], ['Y']] };
    const { clock, session } = makeSim({
      plan,
      tasks: [task('X'), task('Y')],
      latency,
      app,
      streams: [fixedArrivals(null, [0, 1, 2])],
    });
    session.start();
    clock.run();
    const out = session.finish(1);
    expect(out.requests).toEqual({ arrived: 3, completed: 0, dropped: 3, slo_violations: 3 });
    expect(out.models.Y.arrived).toBe(0);
    expect(session.tracker.numAppsInFlight).toBe(0);
  });
});

describe('ServingSession arrivals', () => {
  it('start(origin) counts stream times from origin; stopArrivals() ends them at once and reports the end', () => {
    const plan = planOf([[{ partitionPct: 100, dutyCycleMs: 0, models: [assign('A', 1)] }]]);
    const clock = new VirtualClock();
    const gpu = new FixedLatencyExecutor(clock, latency);
    let endedAt = -1;
    const session = new ServingSession({
      clock,
      executor: gpu,
      plan,
      tasks: [task('A')],
      app: null,
      streams: [fixedArrivals('A', [0, 10, 20, 30])],
      untilMs: 100,
      onArrivalsEnd: () => (endedAt = clock.now()),
    });
    clock.run(50); // the clock is at 50 before serving starts
    session.start(50);
    clock.run(65); // arrivals at 50 and 60 (stream times 0 and 10)
    session.stopArrivals();
    expect(endedAt).toBe(65);
    clock.run();
    const out = session.finish(1);
    expect(out.requests).toEqual({ arrived: 2, completed: 2, dropped: 0, slo_violations: 0 });
    expect(out.models.A.p50_ms).toBe(3);
  });
});
