/** Figure 10 (§4.4): CDF of the interference predictor's error, from fig10-error-cdf.csv. */
import { cdfComparisons, cdfFigure } from './cdf.ts';
import type { FigureDef } from './figure.ts';
import { num } from './table.ts';

const FILE = 'fig10-error-cdf.csv';
const CONSTANTS = 'fig10-constants.csv';

export const FIG10: FigureDef = {
  name: 'fig10',
  study: 'fig10',
  inputs: [FILE, CONSTANTS, 'fig10-error-cdf-seeds.csv'],
  required: ['percentile', 'error_pct', 'paper_error_pct'],
  figure: (t) =>
    cdfFigure(
      t[FILE]!,
      'Figure 10: error of the linear interference predictor',
      'held-out 30 % of the profiled pairs; diamonds: the paper',
      'prediction error (%)',
      [
        { column: 'error_pct', label: 'ours, constants fitted here' },
        ...(t[FILE]!.columns.includes('published_constants_error_pct') ? [{ column: 'published_constants_error_pct', label: "the artifact's published 2080 Ti constants" }] : []),
      ],
      'paper_error_pct',
    ),
  report: (t) => {
    const constants = t[CONSTANTS]?.rows ?? [];
    return {
      heading: 'Figure 10: interference predictor error CDF',
      intro: ['|predicted − true| / true slowdown on the held-out points; our predictor is fitted to samples of the simulator\'s ground truth, which it never sees as a formula.'],
      comparisons: cdfComparisons(t, FILE, 'error_pct', 'paper_error_pct'),
      extra: constants.length === 0 ? [] : [
        'Fitted constants next to the artifact\'s published RTX 2080 Ti ones (results/fig10-constants.csv). They need not agree: ours are fitted to a different ground truth (the simulator\'s contention model), not to the authors\' GPU.',
        '',
        '| constant | fitted here | published (2080 Ti) |',
        '|---|---|---|',
        ...constants.map((r) => `| ${r.constant} | ${num(r, 'fitted')} | ${num(r, 'published_rtx2080ti')} |`),
      ],
    };
  },
};
