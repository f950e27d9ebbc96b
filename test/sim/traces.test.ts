/**
 * The trace suite (sim/traces): each kind has the shape its name promises, the same seed gives the
 * same trace, another seed another one, and seed 0 of `waves` is Figure 14's trace.
 */
import { describe, expect, it } from 'vitest';
import { InputError } from '../../engine/errors.ts';
import { TRACE_KINDS, WAVES_SHAPE, shapeRateAt, traceKind } from '../../sim/traces/index.ts';
import { meanRpsBetween, traceLoad, type Load, type Trace } from '../../sim/trace.ts';
import { parseWorkload } from '../../sim/workload.ts';
import { resolveModel } from '../../sim/profiles/catalog.ts';

const totals = (t: Trace): number[] => {
  if (t.kind !== 'total') throw new Error(`${t.source}: expected a total-rate trace`);
  return Array.from(t.totalRps);
};
const SEEDS = [0, 1, 2, 3, 1000];

describe('trace suite: seeded and reproducible', () => {
  it.each(TRACE_KINDS.map((k) => [k.name]))('%s: the same seed gives the same trace, another seed another', (name) => {
    const k = traceKind(name);
    expect(k.make(5)).toEqual(k.make(5));
    expect(k.make(5)).not.toEqual(k.make(6));
  });

  it('an unknown kind is an InputError naming the kinds', () => {
    expect(() => traceKind('storm')).toThrow(InputError);
    expect(() => traceKind('storm')).toThrow(/expected one of waves, ramp, spike2, spike3, onoff, diurnal, azure/);
  });
});

describe('trace suite: shapes', () => {
  it("waves seed 0 is Figure 14's shape: each 20 s step its raised-cosine value at mid-step", () => {
    const r = totals(traceKind('waves').make(0));
    expect(r).toHaveLength(160);
    // Step 0 is at 10 s of the ramp from 550 (0 s) to 1600 (800 s); by hand:
    // 550 + 1050 (1 - cos(pi 10/800)) / 2 = 550 + 1050 x 0.000385 = 550.40 -> 550.
    expect(r[0]).toBe(550);
    expect(r[39]).toBe(Math.round(shapeRateAt(WAVES_SHAPE, 790)));
    // The peaks: 1600 at 800 s, 2680 over 2400-2700 s.
    expect(Math.max(...r.slice(0, 60))).toBe(1600);
    expect(Math.max(...r)).toBe(2680);
  });

  it('spike2 and spike3: a flat base and six one-step spikes to 2x (3x), at least 3 min apart, none in the first 2 min', () => {
    for (const factor of [2, 3])
      for (const seed of SEEDS) {
        const r = totals(traceKind(`spike${factor}`).make(seed));
        const base = r[0];
        const spikes = r.flatMap((v, i) => (v !== base ? [i] : []));
        expect(spikes).toHaveLength(6);
        // Both rounded from the same base: within 1.5 req/s of factor x the rounded base.
        for (const i of spikes) expect(Math.abs(r[i] - factor * base)).toBeLessThanOrEqual(1.5);
        expect(spikes[0]).toBeGreaterThanOrEqual(6);
        for (let j = 1; j < spikes.length; j++) expect(spikes[j] - spikes[j - 1]).toBeGreaterThanOrEqual(9);
      }
  });

  it('ramp: doubles within 60 s (six 10 s steps) and comes back, four times', () => {
    for (const seed of SEEDS) {
      const r = totals(traceKind('ramp').make(seed));
      const base = r[0];
      const peak = Math.max(...r);
      expect(peak / base).toBeGreaterThan(1.97);
      expect(peak / base).toBeLessThan(2.03);
      // Each rise from base to peak takes at most 7 steps of 10 s.
      let rises = 0;
      for (let i = 0; i < r.length; i++) {
        if (r[i] <= base * 1.02 && r[i + 1] > base * 1.02) {
          rises++;
          const top = r.findIndex((v, j) => j > i && v >= peak * 0.98);
          expect(top - i).toBeLessThanOrEqual(7);
        }
      }
      expect(rises).toBe(4);
    }
  });

  it('onoff: only two levels, high 3x low, periods of 4-12 steps of 10 s', () => {
    for (const seed of SEEDS) {
      const r = totals(traceKind('onoff').make(seed));
      const levels = [...new Set(r)].sort((a, b) => a - b);
      expect(levels).toHaveLength(2);
      expect(Math.abs(levels[1] - 3 * levels[0])).toBeLessThanOrEqual(1);
      const runs: number[] = [];
      for (let i = 0; i < r.length; i++)
        if (i === 0 || r[i] !== r[i - 1]) runs.push(1);
        else runs[runs.length - 1]++;
      // The last run may be cut by the end of the trace.
      for (const n of runs.slice(0, -1)) expect(n >= 4 && n <= 12).toBe(true);
    }
  });

  it('diurnal: one hour of 20 s steps, the evening peak above the morning one, the night lowest', () => {
    for (const seed of SEEDS) {
      const r = totals(traceKind('diurnal').make(seed));
      expect(r).toHaveLength(180);
      // Hour h of the day is step h x 7.5.
      const around = (h: number) =>
        r.slice(Math.round(h * 7.5) - 3, Math.round(h * 7.5) + 4).reduce((a, b) => a + b, 0) / 7;
      expect(around(20)).toBeGreaterThan(around(10));
      expect(around(10)).toBeGreaterThan(2 * around(3));
    }
  });

  it('azure: 16 ranked functions, one minute of a day per 2.5 s step, the busiest peaking at 900 req/s', () => {
    const t = traceKind('azure').make(0);
    expect(t.kind).toBe('ranked');
    if (t.kind !== 'ranked') return;
    expect(t.stepMs).toBe(2500);
    expect(t.rpsByRank).toHaveLength(16);
    for (const f of t.rpsByRank) expect(f).toHaveLength(1440);
    expect(Math.max(...t.rpsByRank[0])).toBeCloseTo(900, 6);
    const sum = (f: Float64Array) => f.reduce((a, b) => a + b, 0);
    for (let i = 1; i < 16; i++) expect(sum(t.rpsByRank[i])).toBeLessThanOrEqual(sum(t.rpsByRank[i - 1]));
  });
});

describe('meanRpsBetween: the true rate over an interval (the foresight variant)', () => {
  const w = parseWorkload(
    '{"models": [{"model": "res", "rate": 300}, {"model": "vgg", "rate": 100}]}',
    'w.json',
    resolveModel,
  );
  const load = traceLoad(w, { kind: 'total', source: 't', stepMs: 10_000, totalRps: Float64Array.from([100, 200, 0]) });

  it('averages the steps it overlaps, weighted by overlap; nothing past the end', () => {
    // resnet50 has 3/4: 75, 150, 0 req/s. 5-15 s: (75 x 5 + 150 x 5) / 10 = 112.5.
    expect(meanRpsBetween(load, 'resnet50', 5000, 15_000)).toBe(112.5);
    expect(meanRpsBetween(load, 'vgg16', 0, 10_000)).toBe(25);
    // 25-35 s: 5 s of 0 req/s, then 5 s past the end.
    expect(meanRpsBetween(load, 'resnet50', 25_000, 35_000)).toBe(0);
    expect(meanRpsBetween(load, 'resnet50', 5000, 5000)).toBe(0);
  });

  it('counts request times in [from, to) for a replayed trace', () => {
    const times: Load = {
      kind: 'times',
      endMs: 1000,
      atMsByTask: new Map([['A', Float64Array.from([0, 100, 100, 250, 999])]]),
    };
    // [100, 300): 100, 100, 250 = 3 requests in 0.2 s.
    expect(meanRpsBetween(times, 'A', 100, 300)).toBe(15);
    expect(meanRpsBetween(times, 'B', 0, 1000)).toBe(0);
  });
});
