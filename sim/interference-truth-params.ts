/**
 * The ground truth's knobs (sim/interference-truth.ts): what each one is, the range a calibration
 * may search, and the data file that holds the calibrated values
 * (`profiles/data/rtx2080ti-interference-truth.csv`, written by `gpulet interference calibrate`).
 *
 * File format: `#` comment lines first (the command that produced the file and the Figure 6
 * percentiles it reached), then a CSV with one row per knob: `knob,value,searched,low,high`.
 * Every knob of {@link KNOBS} must appear once, inside its range.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InputError, show } from '../engine/errors.ts';
import { fieldError, parseCsvRows, readNumber, readText } from './profiles/csv.ts';

/** The ground truth's knobs; the module comment of sim/interference-truth.ts gives the formula. */
export interface ContentionParams {
  /** γ: a gpulet of share f drives d·f^γ of the DRAM bandwidth and holds l·f^γ of the L2. */
  readonly partitionExponent: number;
  /** κ: how much the sibling's L2 footprint inflates self's DRAM traffic. */
  readonly cacheCoupling: number;
  /** S: the bus occupancy the sibling saturates at, whatever its DRAM demand (0..1). */
  readonly siblingSaturation: number;
  /** Cap on total memory-system utilisation ρ in the queueing term (keeps 1 / (1 − ρ) finite). */
  readonly rhoMax: number;
  /** a: scale of the memory-bound fraction of a batch's time. */
  readonly memoryScale: number;
  /** β: how the memory-bound fraction grows with the batch's own DRAM utilisation. */
  readonly memoryExponent: number;
  /** η: how the memory-bound fraction grows with the kernel mix, DRAM % / SM %. */
  readonly kernelMixExponent: number;
  /** σ of the per-model-pair log-normal term (drawn once per ordered pair, truncated at ±2σ). */
  readonly pairSigma: number;
  /** Seed of the per-model-pair draws: a property of the simulated GPU, not of a run. */
  readonly pairSeed: number;
  /** σ of the run-time log-normal noise on the overhead (mean 1). */
  readonly noiseSigma: number;
  /** q: probability that a run-time draw carries a Pareto spike. */
  readonly spikeProb: number;
  /** α of the Pareto spike multiplier (> 1; smaller = heavier tail). */
  readonly spikeShape: number;
}

export type KnobName = keyof ContentionParams;

/** A knob's range and whether `interference calibrate` searches it. */
export interface KnobSpec {
  readonly low: number;
  readonly high: number;
  /** Searched by the calibration; a fixed knob keeps `fixed` and says why in `why`. */
  readonly searched: boolean;
  /** Search in log space (a scale spanning decades) rather than linearly. */
  readonly log: boolean;
  /** The value of a knob the calibration does not search. */
  readonly fixed?: number;
  readonly why: string;
}

/**
 * Every knob, in file order. The ranges keep each structural effect present: the sibling's bus
 * occupancy saturates inside the grid's range of DRAM demand (the grid's sibling demand d·f^γ
 * reaches about 0.54, so S <= 0.5 bites), and the per-pair term has a spread of at least 5 %.
 */
export const KNOBS: Readonly<Record<KnobName, KnobSpec>> = Object.freeze({
  partitionExponent: {
    low: 0.6,
    high: 0.6,
    searched: false,
    log: false,
    fixed: 0.6,
    why: 'structural: a memory-bound kernel on fewer SMs still keeps much of the bus busy',
  },
  cacheCoupling: { low: 0, high: 10, searched: true, log: false, why: 'L2 eviction by the sibling' },
  siblingSaturation: { low: 0.15, high: 0.5, searched: true, log: false, why: 'bus arbitration caps the sibling' },
  rhoMax: { low: 0.95, high: 0.95, searched: false, log: false, fixed: 0.95, why: 'keeps 1 / (1 − ρ) finite' },
  memoryScale: { low: 0.02, high: 2, searched: true, log: true, why: 'sets the overall level (median)' },
  memoryExponent: { low: 0.5, high: 4, searched: true, log: false, why: 'spread over the batch DRAM utilisation' },
  kernelMixExponent: {
    low: 0,
    high: 3,
    searched: true,
    log: false,
    why: 'memory-bound share grows with DRAM % / SM %',
  },
  pairSigma: { low: 0.05, high: 0.8, searched: true, log: false, why: 'per-model-pair effects no feature sees' },
  pairSeed: { low: 1, high: 1, searched: false, log: false, fixed: 1, why: 'which GPU: the pair draws' },
  noiseSigma: { low: 0.02, high: 0.5, searched: true, log: false, why: 'run-to-run spread' },
  spikeProb: { low: 0.001, high: 0.1, searched: true, log: true, why: 'how often a heavy-tail spike hits' },
  spikeShape: { low: 1.5, high: 8, searched: true, log: false, why: 'how heavy the spikes are' },
} satisfies Record<KnobName, KnobSpec>);

export const KNOB_NAMES = Object.keys(KNOBS) as KnobName[];

/** Columns of the truth's data file. */
export const TRUTH_COLUMNS = ['knob', 'value', 'searched', 'low', 'high'] as const;

/** Parse a truth data file (see the module comment); `#` lines before the header are skipped. */
export function parseTruthParams(text: string, fileName: string): ContentionParams {
  const lines = text.split('\n');
  let numComments = 0;
  while (numComments < lines.length && lines[numComments].startsWith('#')) numComments++;
  const rows = parseCsvRows(lines.slice(numComments).join('\n'), fileName, TRUTH_COLUMNS).map((r) => ({
    ...r,
    rowNumber: r.rowNumber + numComments,
  }));
  const values: Partial<Record<KnobName, number>> = {};
  for (const row of rows) {
    const name = readText(row, 'knob', fileName);
    if (!Object.hasOwn(KNOBS, name)) throw fieldError(row, 'knob', fileName, `one of ${KNOB_NAMES.join(', ')}`, name);
    const knob = name as KnobName;
    if (values[knob] !== undefined) throw fieldError(row, 'knob', fileName, 'each knob once', name);
    const spec = KNOBS[knob];
    values[knob] = readNumber(row, 'value', fileName, {
      what: `a number in [${spec.low}, ${spec.high}]`,
      min: spec.low,
      max: spec.high,
    });
  }
  const missing = KNOB_NAMES.filter((k) => values[k] === undefined);
  if (missing.length > 0)
    throw new InputError(
      `${fileName}: field knob: expected a row for every knob, got none for ${show(missing.join(' '))}`,
    );
  return Object.freeze(values as ContentionParams);
}

/** The data file's text for `params`: the comment lines, then one row per knob (17 significant digits). */
export function formatTruthParams(params: ContentionParams, comments: readonly string[]): string {
  const head = comments.map((c) => `# ${c}`);
  const rows = KNOB_NAMES.map((k) => {
    const s = KNOBS[k];
    return [k, String(params[k]), s.searched ? 'yes' : 'no', String(s.low), String(s.high)].join(',');
  });
  return `${[...head, TRUTH_COLUMNS.join(','), ...rows].join('\n')}\n`;
}

/** Where the embedded calibration lives, relative to this module. */
const TRUTH_FILE = new URL('./profiles/data/rtx2080ti-interference-truth.csv', import.meta.url);

/** The embedded file's path (what `interference calibrate` overwrites by default). */
export function truthParamsPath(): string {
  return fileURLToPath(TRUTH_FILE);
}

let cached: ContentionParams | undefined;

/** The calibrated knobs of the simulated RTX 2080 Ti, read once from the embedded data file. */
export function calibratedParams(): ContentionParams {
  cached ??= parseTruthParams(readFileSync(TRUTH_FILE, 'utf8'), truthParamsPath());
  return cached;
}
