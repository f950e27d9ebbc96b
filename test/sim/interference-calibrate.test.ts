import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  calibrate,
  fig6Objective,
  measureFig6,
  PAPER_FIG6_PCT,
  paramsAt,
  SEARCHED_KNOBS,
} from '../../sim/interference-calibrate.ts';
import { paperGrid } from '../../sim/interference-profile.ts';
import { calibratedParams, KNOBS, truthParamsPath } from '../../sim/interference-truth-params.ts';
import { defaultProfile } from '../../sim/profiles/latency.ts';
import { defaultUtilProfile } from '../../sim/profiles/util.ts';

const base = { latency: defaultProfile(), util: defaultUtilProfile() };
/** Every 25th pair of the grid: enough for the search to move, quick enough for a unit test. */
const somePairs = paperGrid().filter((_, i) => i % 25 === 0);

describe('calibrate (the ground truth fitted to Figure 6 alone)', () => {
  it('fig6Objective is 0 at the paper percentiles and grows with the log-ratio to them', () => {
    expect(fig6Objective(PAPER_FIG6_PCT)).toBe(0);
    const p50Twice = { ...PAPER_FIG6_PCT, p50: 2 * PAPER_FIG6_PCT.p50 };
    const p50Half = { ...PAPER_FIG6_PCT, p50: PAPER_FIG6_PCT.p50 / 2 };
    expect(fig6Objective(p50Twice)).toBeCloseTo(Math.log(2) ** 2, 12);
    expect(fig6Objective(p50Half)).toBeCloseTo(Math.log(2) ** 2, 12);
    // The maximum, one point, weighs a quarter.
    expect(fig6Objective({ ...PAPER_FIG6_PCT, max: 120 })).toBeCloseTo(Math.log(2) ** 2 / 4, 12);
  });

  it('paramsAt maps the unit cube onto the searched ranges (log scale where marked) and keeps the fixed knobs', () => {
    const lo = paramsAt(SEARCHED_KNOBS.map(() => 0));
    const hi = paramsAt(SEARCHED_KNOBS.map(() => 1));
    const mid = paramsAt(SEARCHED_KNOBS.map(() => 0.5));
    for (const k of SEARCHED_KNOBS) {
      expect([lo[k], hi[k]]).toEqual([KNOBS[k].low, KNOBS[k].high]);
      const s = KNOBS[k];
      expect(mid[k]).toBeCloseTo(s.log ? Math.sqrt(s.low * s.high) : (s.low + s.high) / 2, 12);
    }
    expect(lo.rhoMax).toBe(KNOBS.rhoMax.fixed);
  });

  it('is deterministic: the same seed gives the same knobs and percentiles, another seed other ones', () => {
    const run = (seed: number) => calibrate({ ...base, seed, budget: 20, numStarts: 4, pairs: somePairs });
    const a = run(1);
    expect(run(1)).toEqual(a);
    expect(a.evaluations).toBe(20);
    expect(run(2).params).not.toEqual(a.params);
    // It improves on its centre start.
    const centre = fig6Objective(
      measureFig6(paramsAt(SEARCHED_KNOBS.map(() => 0.5)), { ...base, seed: 1, pairs: somePairs }),
    );
    expect(a.objective).toBeLessThan(centre);
  });

  it('the committed knobs reach the Figure 6 percentiles their file header records', () => {
    const header = readFileSync(truthParamsPath(), 'utf8').split('\n')[2];
    const seed = Number(/--seed (\d+)/.exec(readFileSync(truthParamsPath(), 'utf8'))?.[1]);
    const reached = measureFig6(calibratedParams(), { ...base, seed });
    for (const k of Object.keys(PAPER_FIG6_PCT) as Array<keyof typeof PAPER_FIG6_PCT>)
      expect(header).toContain(`${k} ${Number(reached[k].toFixed(2))} (paper ${PAPER_FIG6_PCT[k]})`);
  });

  it('reads nothing of the predictor: the objective module uses only the percentile summary of interference-fit', () => {
    const src = readFileSync(new URL('../../sim/interference-calibrate.ts', import.meta.url), 'utf8');
    expect(src).toMatch(/import \{ cdfSummaryPct \} from '\.\/interference-fit\.ts';/);
    expect(src).not.toMatch(/leastSquares|fitAndValidate|predict\(|LinearPredictor|linearFeatures/);
  });
});
