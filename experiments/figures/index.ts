/**
 * Every figure `gpulet figures` draws, keyed by the CSV it reads, and the small studies of its own
 * that it runs besides the registered experiments. A figure whose CSV does not exist yet is skipped
 * with a note; add a figure by listing it here.
 */
import type { Experiment } from '../registry.ts';
import type { FigureDef } from './figure.ts';
import { FIDELITY } from './fidelity.ts';
import { FIG10 } from './fig10.ts';
import { FIG12 } from './fig12.ts';
import { fig12Seeds } from './fig12-seeds.ts';
import { FIG13 } from './fig13.ts';
import { FIG14 } from './fig14.ts';
import { FIG15 } from './fig15.ts';
import { FIG16 } from './fig16.ts';
import { FIG3, fig3Study } from './fig3.ts';
import { FIG5 } from './fig5.ts';
import { FIG6 } from './fig6.ts';
import { PROMISES } from './promises.ts';
import { MIXES } from './mixes.ts';
import { BURSTS } from './bursts.ts';

/** In the paper's order. */
export const FIGURES: readonly FigureDef[] = [FIG3, FIG5, FIG6, FIG10, FIG12, FIG13, FIG14, FIG15, FIG16, PROMISES, MIXES, BURSTS, FIDELITY];

/** Studies that exist for the figures (not in the experiment registry): fig3's table, fig12's per-seed maxima. */
export const FIGURE_STUDIES: readonly Experiment[] = [fig3Study, fig12Seeds];

/**
 * Cheap random studies re-run with two more seeds so the report can give intervals: their CSV
 * rows for seeds s, s+1, s+2 go to `<file>-seeds.csv` with a leading `seed` column.
 */
export const REPLICATES: ReadonlyArray<{ study: string; file: string }> = [
  { study: 'fig6', file: 'fig6-overhead-cdf.csv' },
  { study: 'fig10', file: 'fig10-error-cdf.csv' },
];

/** The replicate file of `file`: `x.csv` → `x-seeds.csv` (`x-seeds-quick.csv` for --quick). */
export function seedsFile(file: string, quick: boolean): string {
  return file.replace(/\.csv$/, quick ? '-seeds-quick.csv' : '-seeds.csv');
}

export function figureByName(name: string): FigureDef | undefined {
  return FIGURES.find((f) => f.name === name);
}
