/**
 * Every study and every figure, in one typed registry: `gpulet experiment NAME` runs STUDIES[NAME];
 * `gpulet figures` draws FIGURES (keyed by the CSVs they read) and runs FIGURE_STUDIES, the small
 * studies of its own, besides. A figure whose CSV does not exist yet is skipped with a note. Add a
 * study as studies/NAME/run.ts (+ figure.ts) and list it here.
 */
import type { Experiment } from '../lib/experiment.ts';
import { fidelity } from './fidelity/run.ts';
import { fig6 } from './fig6/run.ts';
import { fig10 } from './fig10/run.ts';
import { fig5 } from './fig5/run.ts';
import { fig12 } from './fig12/run.ts';
import { fig13 } from './fig13/run.ts';
import { fig14 } from './fig14/run.ts';
import { fig15 } from './fig15/run.ts';
import { fig16 } from './fig16/run.ts';
import { promises } from './promises/run.ts';
import { mixes } from './mixes/run.ts';
import { bursts } from './bursts/run.ts';
import { a100 } from './a100/run.ts';
import { cpuInterference } from './cpu-interference/run.ts';
import type { FigureDef } from '../figures/figure.ts';
import { FIDELITY } from './fidelity/figure.ts';
import { FIG10 } from './fig10/figure.ts';
import { FIG12 } from './fig12/figure.ts';
import { fig12Seeds } from './fig12/seeds.ts';
import { FIG13 } from './fig13/figure.ts';
import { FIG14 } from './fig14/figure.ts';
import { FIG15 } from './fig15/figure.ts';
import { FIG16 } from './fig16/figure.ts';
import { FIG3, fig3Study } from './fig3/figure.ts';
import { FIG5 } from './fig5/figure.ts';
import { FIG6 } from './fig6/figure.ts';
import { PROMISES } from './promises/figure.ts';
import { MIXES } from './mixes/figure.ts';
import { BURSTS } from './bursts/figure.ts';
import { A100 } from './a100/figure.ts';
import { CPU_INTERFERENCE } from './cpu-interference/figure.ts';

/** The studies `gpulet experiment` runs, in the order `--help` lists them. */
export const STUDIES = {
  fig5,
  fig12,
  fig13,
  fig15,
  fig16,
  fig6,
  fig10,
  fidelity,
  'cpu-interference': cpuInterference,
  fig14,
  bursts,
  promises,
  mixes,
  a100,
} as const satisfies Record<string, Experiment>;

/** A study by name, or undefined. */
export function studyByName(name: string): Experiment | undefined {
  return Object.hasOwn(STUDIES, name) ? STUDIES[name as keyof typeof STUDIES] : undefined;
}

/** Every study `figures` can run: the registered ones, then the figures' own. */
export function allStudies(): Experiment[] {
  return [...Object.values(STUDIES), ...FIGURE_STUDIES];
}

/** In the paper's order. */
export const FIGURES: readonly FigureDef[] = [
  FIG3,
  FIG5,
  FIG6,
  FIG10,
  FIG12,
  FIG13,
  FIG14,
  FIG15,
  FIG16,
  PROMISES,
  MIXES,
  BURSTS,
  FIDELITY,
  CPU_INTERFERENCE,
  A100,
];

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
