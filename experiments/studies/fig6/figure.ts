/** Figure 6 (§3.4): CDF of the co-location latency overhead, from fig6-overhead-cdf.csv. */
import { cdfComparisons, cdfFigure } from '../../figures/cdf.ts';
import type { FigureDef } from '../../figures/figure.ts';
import type { Note } from '../../figures/notes.ts';

const FILE = 'fig6-overhead-cdf.csv';

/** Why our numbers differ from the paper's (shared notes in experiments/figures/notes.ts). */
const NOTES: readonly Note[] = [
  {
    item: /./,
    text: "The ground truth was calibrated to these percentiles by `gpulet interference calibrate` (sim/interference-calibrate.ts; knobs in sim/profiles/data/rtx2080ti-interference-truth.csv), whose only objective is the squared log-ratio to the paper's p50 to p95, with less weight on p99 and the maximum; what remains is the search's residual and seed noise (see the interval).",
  },
];

export const FIG6: FigureDef = {
  notes: NOTES,
  name: 'fig6',
  study: 'fig6',
  inputs: [FILE, 'fig6-overhead-cdf-seeds.csv'],
  required: ['percentile', 'overhead_pct', 'paper_overhead_pct'],
  figure: (t) =>
    cdfFigure(
      t[FILE]!,
      'Figure 6: latency overhead of co-located execution',
      '10 model pairs x batch pairs x 5 splits on the simulated GPU (ground-truth interference); diamonds: the paper',
      'overhead over running alone (%)',
      [{ column: 'overhead_pct', label: 'ours (simulated ground truth)' }],
      'paper_overhead_pct',
    ),
  report: (t) => ({
    heading: 'Figure 6: co-location overhead CDF',
    intro: [
      "Overhead = co-located batch latency / solo latency − 1 over the paper's grid, one point per side of each pair; percentiles of ours next to the values read off the paper's CDF.",
    ],
    comparisons: cdfComparisons(t, FILE, 'overhead_pct', 'paper_overhead_pct'),
  }),
};
