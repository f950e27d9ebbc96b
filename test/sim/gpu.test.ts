import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../engine/clock.ts';
import { SimulatedGpu } from '../../sim/gpu.ts';
import { fakeLatency } from '../helpers.ts';

/** Durations of `n` batches of 10 ms (one gpulet, back to back) under the given jitter. */
function durations(n: number, opts: { jitterCv?: number; jitterRatios?: readonly number[] }, seed = 3): number[] {
  const clock = new VirtualClock();
  const gpu = new SimulatedGpu({ clock, latency: fakeLatency(() => 10), seed, ...opts });
  const out: number[] = [];
  const next = (i: number): void => {
    if (i === n) return;
    const start = clock.now();
    gpu.run(
      { gpu: 0, gpulet: 0, model: 'm', batch: 1, partitionPct: 100 },
      (t) => {
        out.push(t - start);
        next(i + 1);
      },
      () => {},
    );
  };
  clock.at(0, () => next(0));
  clock.run();
  return out;
}

describe('SimulatedGpu jitter drawn from measured ratios', () => {
  it('each batch takes its latency times one of the ratios, each about equally often', () => {
    const ds = durations(4000, { jitterRatios: [0.8, 1, 1.6] });
    const counts = new Map<number, number>();
    for (const d of ds) counts.set(Math.round(d * 1000) / 1000, (counts.get(Math.round(d * 1000) / 1000) ?? 0) + 1);
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([8, 10, 16]);
    // Uniform over the three: 4000 / 3 each, within 5 standard deviations (sqrt(4000 * 1/3 * 2/3) = 29.8).
    for (const c of counts.values()) expect(Math.abs(c - 4000 / 3)).toBeLessThan(5 * 29.8);
    // The mean follows the ratios' mean (1.133), above the median: the heavy tail the log-normal lacks.
    const mean = ds.reduce((a, b) => a + b, 0) / ds.length;
    expect(mean).toBeGreaterThan(10.9);
    expect(mean).toBeLessThan(11.8);
  });

  it('overrides jitterCv, is seeded, and refuses an empty or non-positive list', () => {
    expect(durations(50, { jitterCv: 0.5, jitterRatios: [1] })).toEqual(Array(50).fill(10));
    expect(durations(200, { jitterRatios: [0.9, 1.3] }, 7)).toEqual(durations(200, { jitterRatios: [0.9, 1.3] }, 7));
    expect(() => durations(1, { jitterRatios: [] })).toThrow(/jitterRatios/);
    expect(() => durations(1, { jitterRatios: [1, 0] })).toThrow(/jitterRatios/);
  });
});
