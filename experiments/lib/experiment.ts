/**
 * What a study is: `gpulet experiment NAME` runs one. Each lives in experiments/studies/NAME/
 * (run.ts: a pure core that computes rows, plus the writing of its CSV under results/; figure.ts:
 * its figure and report section) and is listed in experiments/studies/index.ts.
 */
import type { Io } from './io.ts';

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
  /** Fidelity: repeats of a measurement disturbed by other processes, at most. @default 2 (0 with quick) */
  maxRetries?: number;
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
