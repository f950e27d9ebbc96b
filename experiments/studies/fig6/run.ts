/**
 * Figure 6 (§3.4 of Choi et al.): the CDF of the latency overhead of co-located execution over the
 * paper's grid (10 model pairs x batch pairs from {2, 4, 8, 16, 32} x splits 2:8 … 8:2), measured by
 * running each pair on the simulated GPU with the ground-truth interference on. Overhead = co-located
 * batch latency / solo batch latency − 1, one point per side of each pair (2,500 points).
 *
 * Writes `fig6-overhead-cdf.csv`: the overhead at every percentile 0..100, next to the paper's
 * values where the reference gives them (docs/artifact.md#interference-model).
 */
import { PAPER_FIG6_PCT } from '../../../sim/interference-calibrate.ts';
import { cdfSummaryPct, quantile } from '../../../sim/interference-fit.ts';
import { GRID_MODELS } from '../../../sim/interference-profile.ts';
import { profileGrid } from '../../lib/interference-data.ts';
import { round } from '../../lib/format.ts';
import { writeCsv } from '../../lib/output.ts';
import type { Experiment } from '../../lib/experiment.ts';

/** Figure 6 read off the paper (docs/artifact.md#interference-model), overhead in percent; also the calibration's target. */
export { PAPER_FIG6_PCT };

/** Percentile rows 0..100 of `values` (fractions) in percent, with the paper's value where known. */
export function cdfRows(values: readonly number[], column: string, paper: Readonly<Record<string, number>>) {
  const known: Record<number, number> = {
    50: paper.p50,
    75: paper.p75,
    90: paper.p90,
    95: paper.p95,
    99: paper.p99,
    100: paper.max,
  };
  return Array.from({ length: 101 }, (_, pct) => ({
    percentile: pct,
    [column]: quantile(values, pct / 100) * 100,
    [`paper_${column}`]: known[pct] ?? null,
  }));
}

export function roundSummary<T extends Record<string, number>>(s: T, digits = 2): T {
  return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, round(v, digits)])) as T;
}

export const fig6: Experiment = {
  name: 'fig6',
  describe: 'Co-location latency overhead CDF over the paper grid, ground truth on (Figure 6)',
  async run(opts) {
    const points = profileGrid(opts.seed);
    const overheads = points.map((p) => p.factor - 1);
    const summary = roundSummary(cdfSummaryPct(overheads));
    const file = writeCsv(
      opts.outDir,
      'fig6-overhead-cdf.csv',
      cdfRows(overheads, 'overhead_pct', PAPER_FIG6_PCT),
      ['percentile', 'overhead_pct', 'paper_overhead_pct'],
      3,
    );
    const json = {
      overhead_pct: summary,
      paper_overhead_pct: PAPER_FIG6_PCT,
      points: points.length,
      pairs: points.length / 2,
      models: GRID_MODELS,
      seed: opts.seed,
    };
    const pcts = Object.keys(summary) as Array<keyof typeof summary>;
    const text = [
      `Figure 6: co-location overhead over ${points.length} points (${points.length / 2} pairs of ${GRID_MODELS.join(', ')}), seed ${opts.seed}`,
      `             ${pcts.map((p) => p.padStart(6)).join('')}`,
      `ours %       ${pcts.map((p) => String(summary[p].toFixed(1)).padStart(6)).join('')}`,
      `paper %      ${pcts.map((p) => String(PAPER_FIG6_PCT[p]).padStart(6)).join('')}`,
    ].join('\n');
    return { json, text, files: [file] };
  },
};
