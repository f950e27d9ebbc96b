/**
 * The studies `gpulet experiment NAME` runs. Each study is one file in experiments/ exporting an
 * {@link Experiment}: a pure core that computes rows, plus the writing of its CSV (and figure)
 * under results/. Add a study by listing it here.
 */
import type { Io } from './commands/common.ts';

export interface ExperimentOptions {
  /** A small, fast version (fewer rates/seeds/scenarios) for tests and golden files. */
  quick: boolean;
  /** Base seed; studies derive their own seeds from it. */
  seed: number;
  /** Directory for CSV and figures. @default 'results' */
  outDir: string;
  /** Worker threads for studies that parallelise. @default number of CPUs */
  jobs: number;
  /** Split of the work for scale-out: this shard `index` of `count` (0-based). */
  shard: { index: number; count: number };
}

export interface ExperimentResult {
  /** The document printed with --format json. */
  json: unknown;
  /** The readable summary printed otherwise. */
  text: string;
  /** Files written, relative paths. */
  files: string[];
}

export interface Experiment {
  readonly name: string;
  readonly describe: string;
  run(opts: ExperimentOptions, io: Io): Promise<ExperimentResult>;
}

/** Studies by name; filled in as they are written. */
export const EXPERIMENTS: Record<string, Experiment> = {};

/** Register a study (called from registry-index.ts, never at import time of the study itself). */
export function register(...list: Experiment[]): void {
  for (const e of list) EXPERIMENTS[e.name] = e;
}
