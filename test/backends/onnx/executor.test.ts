import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RealtimeClock } from '../../../engine/clock.ts';
import type { BatchJob } from '../../../engine/types.ts';
import { Run } from '../../../engine/server/run.ts';
import { OnnxExecutor, type GpuletSetup } from '../../../backends/onnx/executor.ts';
import { threadHost } from '../../../backends/onnx/host.ts';
import { variantFiles } from '../../../backends/onnx/models.ts';
import { timeBatch } from '../../../backends/onnx/profile.ts';
import { coreSharePartitions, coresFor, threadsFor } from '../../../backends/onnx/cores.ts';
import { fixedArrivals, planOf } from '../../helpers.ts';
import { startCpuLoad, type CpuLoad } from '../../load.ts';

// Small real models: LeNet (~0.1 ms a batch) and ResNet-50 at width 0.25 (~3 ms at batch 1).
const files = variantFiles({ lenet: { width: 1 }, resnet50: { width: 0.25 } });
const lenetOn = (gpulet: number, partitionPct: number, maxBatch = 4): GpuletSetup => ({
  gpu: 0,
  gpulet,
  partitionPct,
  models: [{ model: 'lenet', maxBatch }],
});
const job = (gpulet: number, model: string, batch: number, partitionPct = 50): BatchJob => ({
  gpu: 0,
  gpulet,
  partitionPct,
  model,
  batch,
});

/** Poisson-free, evenly spaced arrivals: `n` requests every `gapMs` from `fromMs`. */
const every = (task: string, n: number, gapMs: number, fromMs = 0) =>
  fixedArrivals(
    task,
    Array.from({ length: n }, (_, i) => fromMs + i * gapMs),
  );

describe('core shares', () => {
  it('threadsFor(p, cores) = max(1, round(cores x p / 100))', () => {
    expect([threadsFor(50, 2), threadsFor(100, 2), threadsFor(20, 2), threadsFor(60, 5), threadsFor(50, 16)]).toEqual([
      1, 2, 1, 3, 8,
    ]);
  });

  it('coreSharePartitions(cores) keeps whole-core shares that are gpulet sizes', () => {
    expect(coreSharePartitions(2)).toEqual([50, 100]);
    expect(coreSharePartitions(4)).toEqual([50, 100]);
    expect(coreSharePartitions(5)).toEqual([20, 40, 60, 80, 100]);
    expect(coreSharePartitions(1)).toEqual([100]);
  });

  it('coresFor(gpulet, threads, cpus) gives gpulet 0 the low cores and gpulet 1 the high ones', () => {
    expect(coresFor(0, 1, [0, 1])).toEqual([0]);
    expect(coresFor(1, 1, [0, 1])).toEqual([1]);
    expect(coresFor(0, 2, [4, 5, 6, 7])).toEqual([4, 5]);
    expect(coresFor(1, 2, [4, 5, 6, 7])).toEqual([6, 7]);
  });
});

/** A real-time clock whose loop runs in the background (the executor posts its answers to it); stop it after. */
function looping(): { clock: RealtimeClock; stop(): Promise<void> } {
  const clock = new RealtimeClock();
  const loop = clock.runInBackground();
  return { clock, stop: () => loop.stop() };
}

describe('OnnxExecutor', () => {
  it('runs batches in a process per gpulet and reports completion on the clock', async () => {
    const { clock, stop } = looping();
    const ex = await OnnxExecutor.create({ clock, gpulets: [lenetOn(0, 50), lenetOn(1, 50)], files });
    try {
      expect(ex.allReady).toBe(true);
      expect(ex.describe()).toHaveLength(3); // two gpulets, then keep-warm
      const [a, b] = await Promise.all([
        timeBatch(ex, clock, job(0, 'lenet', 4)),
        timeBatch(ex, clock, job(1, 'lenet', 1)),
      ]);
      expect(a).toBeGreaterThan(0);
      expect(b).toBeGreaterThan(0);
      expect(a).toBeLessThan(1000);
    } finally {
      await ex.close();
      await stop();
    }
  });

  it('fails a batch larger than the warmed maximum, and keeps serving', async () => {
    const { clock, stop } = looping();
    const ex = await OnnxExecutor.create({ clock, gpulets: [lenetOn(0, 100, 2)], files });
    try {
      await expect(timeBatch(ex, clock, job(0, 'lenet', 3, 100))).rejects.toThrow(/batch 3 outside 1..2/);
      await expect(timeBatch(ex, clock, job(0, 'lenet', 2, 100))).resolves.toBeGreaterThan(0);
      expect(ex.numRestarts).toBe(0);
    } finally {
      await ex.close();
      await stop();
    }
  });

  it('create() rejects with the reason when a runner cannot load its model', async () => {
    const bad = { lenet: { ...files.lenet, path: '/nonexistent/lenet.onnx' } };
    await expect(
      OnnxExecutor.create({ clock: new RealtimeClock(), gpulets: [lenetOn(0, 100)], files: bad }),
    ).rejects.toThrow(/gpulet 0\.0 did not start: .*cannot load models/);
  });

  it('runs its runners in worker threads too (threadHost)', async () => {
    const { clock, stop } = looping();
    const ex = await OnnxExecutor.create({ clock, gpulets: [lenetOn(0, 100)], files, host: threadHost });
    try {
      await expect(timeBatch(ex, clock, job(0, 'lenet', 4, 100))).resolves.toBeGreaterThan(0);
    } finally {
      await ex.close();
      await stop();
    }
  });
});

// Run beside two CPU-bound processes, as on a loaded CI machine: nothing below may depend on
// timing luck (docs/design.md#work-limits-and-hostile-input). Bounds are generous and the run ends on an event, not a clock.
describe('faults (with two CPU-bound processes beside)', () => {
  let load: CpuLoad | null = null;
  beforeAll(() => {
    load = startCpuLoad(2);
  });
  afterAll(async () => {
    await load?.stop();
  });

  // One GPU split 50/50: ResNet-50 x0.25 on gpulet 0 (batch 4, ~10 ms), LeNet on gpulet 1.
  const plan = planOf([
    [
      {
        partitionPct: 50,
        dutyCycleMs: 20,
        models: [{ task: 'resnet50', model: 'resnet50', batch: 4, rateRps: 100, latencyMs: 12 }],
      },
      {
        partitionPct: 50,
        dutyCycleMs: 5,
        models: [{ task: 'lenet', model: 'lenet', batch: 4, rateRps: 100, latencyMs: 1 }],
      },
    ],
  ]);
  // SLOs far above anything a loaded machine does to these batches: no request times out in a queue.
  const tasks = [
    { task: 'resnet50', model: 'resnet50', sloMs: 20_000 },
    { task: 'lenet', model: 'lenet', sloMs: 20_000 },
  ];
  const gpulets: GpuletSetup[] = [
    { gpu: 0, gpulet: 0, partitionPct: 50, models: [{ model: 'resnet50', maxBatch: 4 }] },
    { gpu: 0, gpulet: 1, partitionPct: 50, models: [{ model: 'lenet', maxBatch: 4 }] },
  ];

  /**
   * Serve arrivals every 10 ms; inject `fault` into gpulet 0.0 during its first batch after 300 ms;
   * stop the arrivals once the restarted gpulet has completed 3 batches (or after 180 s), so a slow
   * restart on a loaded machine only makes the run longer.
   */
  async function serveWithFault(fault: 'crash' | 'hang') {
    const clock = new RealtimeClock();
    const ex = await OnnxExecutor.create({ clock, gpulets, files, hangTimeoutMs: 2000 });
    let injectedAtMs = -1;
    let failedAtMs = Infinity;
    let okAfter = 0;
    const stop = new AbortController();
    const ends: Array<{ gpulet: string; endedAtMs: number; ok: boolean }> = [];
    try {
      const run = new Run({
        clock,
        executor: ex,
        plan,
        tasks,
        app: null,
        streams: [every('resnet50', 18_000, 10), every('lenet', 18_000, 10)],
        untilMs: 180_000,
        observer: {
          batchStarted: (j, startedAtMs) => {
            if (injectedAtMs >= 0 || j.gpulet !== 0 || startedAtMs < 300) return;
            injectedAtMs = startedAtMs;
            // The observer hears of a batch just before the executor gets it: strike 2 ms into the run.
            setTimeout(() => ex.inject(0, 0, fault), 2);
          },
          batchEnded: (j, _s, endedAtMs, ok) => {
            ends.push({ gpulet: `${j.gpu}.${j.gpulet}`, endedAtMs, ok });
            if (j.gpulet !== 0) return;
            if (!ok) failedAtMs = Math.min(failedAtMs, endedAtMs);
            else if (endedAtMs > failedAtMs && ++okAfter === 3) stop.abort();
          },
        },
      });
      const res = await run.serve({ signal: stop.signal });
      return { res, ex, injectedAtMs, ends, readyAtEnd: ex.allReady };
    } finally {
      await ex.close();
    }
  }

  it('a killed runner: its batch and queue drop as executor_failed, it restarts, the sibling is untouched, accounting balances', async () => {
    const { res, ex, injectedAtMs, ends, readyAtEnd } = await serveWithFault('crash');
    const s = res.summary;
    expect(injectedAtMs).toBeGreaterThan(300);
    expect(ex.numRestarts).toBe(1);
    expect(ex.failures).toHaveLength(1);
    expect(ex.failures[0].reason).toMatch(/process killed by SIGKILL/);
    // The batch in flight (up to 4 requests) at least; requests arriving while it restarts too.
    expect(s.dropped_by_reason.executor_failed).toBeGreaterThanOrEqual(1);
    expect(s.models.resnet50.dropped).toBe(s.dropped_by_reason.executor_failed + s.dropped_by_reason.queue_timeout);
    // The sibling is untouched: everything that arrived for it completed.
    expect(s.models.lenet.arrived).toBeGreaterThan(0);
    expect(s.models.lenet).toMatchObject({ completed: s.models.lenet.arrived, dropped: 0 });
    expect(res.stoppedEarly).toBe(true); // ended by the restarted gpulet's third batch, not the 60 s bound
    expect(s.requests.arrived).toBe(s.requests.completed + s.requests.dropped);
    // The restarted gpulet serves again: successful batches end after the failed one.
    const failedAt = ends.find((e) => e.gpulet === '0.0' && !e.ok)?.endedAtMs ?? Infinity;
    expect(ends.some((e) => e.gpulet === '0.0' && e.ok && e.endedAtMs > failedAt)).toBe(true);
    expect(readyAtEnd).toBe(true);
  }, 240_000);

  it('a hung runner trips the watchdog: same drops, one restart', async () => {
    const { res, ex, ends } = await serveWithFault('hang');
    const s = res.summary;
    expect(ex.numRestarts).toBe(1);
    expect(ex.failures[0].reason).toMatch(/hung \(no answer in 2000 ms\)/);
    expect(res.stoppedEarly).toBe(true);
    expect(s.dropped_by_reason.executor_failed).toBeGreaterThanOrEqual(1);
    expect(s.requests.arrived).toBe(s.requests.completed + s.requests.dropped);
    const failedAt = ends.find((e) => e.gpulet === '0.0' && !e.ok)?.endedAtMs ?? Infinity;
    expect(ends.some((e) => e.gpulet === '0.0' && e.ok && e.endedAtMs > failedAt)).toBe(true);
  }, 240_000);
});
