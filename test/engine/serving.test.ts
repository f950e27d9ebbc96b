import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../engine/clock.ts';
import { ServingSession } from '../../engine/server/session.ts';
import { SimulatedGpu } from '../../sim/gpu.ts';
import { fakeLatency, fixedArrivals, makeSim, planOf } from '../helpers.ts';

// Latency depends only on the model here: A takes 3 ms, B 2 ms, X 5, Y 3, Z 4 (any batch).
const FIXED: Record<string, number> = { A: 3, B: 2, X: 5, Y: 3, Z: 4, L: 10 };
const latency = fakeLatency((m) => FIXED[m]);
const task = (name: string, sloMs = 100) => ({ task: name, model: name, sloMs });
const assign = (name: string, batch: number, rateRps = 100) => ({ task: name, model: name, batch, rateRps, latencyMs: FIXED[name] });

describe('gpulet batching and time sharing', () => {
  it('runs two time-sharing models one batch at a time, closing batches at size or duty cycle', () => {
    // One gpulet, duty cycle 10 ms: A batches of 2, B batches of 1.
    const plan = planOf([[{ partitionPct: 100, dutyCycleMs: 10, models: [assign('A', 2), assign('B', 1)] }]]);
    const { clock, session, batches } = makeSim({
      plan,
      tasks: [task('A'), task('B')],
      latency,
      streams: [fixedArrivals('A', [0, 1, 20]), fixedArrivals('B', [0.5])],
    });
    session.start();
    clock.run();
    const out = session.finish(1);
    // Hand-worked timeline:
    //  t=0    A arrives (1 < batch 2): A's window opens, closes at 0 + 10.
    //  t=0.5  B arrives, batch of 1 is full, gpulet idle: B runs 0.5..2.5.
    //  t=1    A's second request arrives while busy.
    //  t=2.5  B done; A has 2 queued = full batch: A runs 2.5..5.5.
    //  t=20   A arrives; window opens at max(20, last taken 2.5) and closes at 30: A runs 30..33.
    expect(batches).toEqual([
      ['0.0', 'B', 1, 0.5, 2.5],
      ['0.0', 'A', 2, 2.5, 5.5],
      ['0.0', 'A', 1, 30, 33],
    ]);
    expect(out.models.A).toMatchObject({ arrived: 3, completed: 3, dropped: 0, p50_ms: 5.5 });
    expect(out.models.B).toMatchObject({ arrived: 1, completed: 1, p50_ms: 2 });
    expect(out.requests).toEqual({ arrived: 4, completed: 4, dropped: 0, slo_violations: 0 });
  });

  it('drops a request that queued longer than its SLO, and counts it as a violation', () => {
    // L takes 10 ms; A's SLO is 4 ms. A arrives at 1 while L runs 0..10: at 10 it has queued 9 > 4.
    const plan = planOf([[{ partitionPct: 100, dutyCycleMs: 0, models: [assign('L', 1), assign('A', 1)] }]]);
    const { clock, session, batches } = makeSim({
      plan,
      tasks: [task('L'), task('A', 4)],
      latency,
      streams: [fixedArrivals('L', [0]), fixedArrivals('A', [1, 12])],
    });
    session.start();
    clock.run();
    const out = session.finish(1);
    expect(batches).toEqual([
      ['0.0', 'L', 1, 0, 10],
      ['0.0', 'A', 1, 12, 15],
    ]);
    expect(out.models.A).toMatchObject({ arrived: 2, completed: 1, dropped: 1, slo_violations: 1 });
    expect(out.dropped_by_reason.queue_timeout).toBe(1);
    expect(out.requests).toEqual({ arrived: 3, completed: 2, dropped: 1, slo_violations: 1 });
  });

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

  it('spreads a task over its gpulets by weighted round robin on planned throughput', () => {
    // A on two GPUs, planned 200 and 100 req/s: 6 requests go 0,0,1,0,0,1.
    const plan = planOf([
      [{ partitionPct: 100, dutyCycleMs: 0, models: [assign('A', 1, 200)] }],
      [{ partitionPct: 100, dutyCycleMs: 0, models: [assign('A', 1, 100)] }],
    ]);
    const { clock, session, batches } = makeSim({ plan, tasks: [task('A')], latency, streams: [fixedArrivals('A', [0, 10, 20, 30, 40, 50])] });
    session.start();
    clock.run();
    expect(batches.map((b) => b[0])).toEqual(['0.0', '0.0', '1.0', '0.0', '0.0', '1.0']);
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
    const { clock, session } = makeSim({ plan, tasks: [task('X'), task('Y')], latency, app, streams: [fixedArrivals(null, [0, 1, 2])] });
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
    const gpu = new SimulatedGpu({ clock, latency, seed: 1, jitterCv: 0 });
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
