/**
 * `gpulet interference profile | fit | calibrate`: profile co-located pairs on the simulated GPU,
 * fit the linear interference predictor to them (§4.4 of Choi et al.; docs/artifact.md#interference-model), and calibrate
 * the simulated GPU's ground truth to Figure 6.
 *
 * `profile` writes the dataset (one row per side of each pair: the four features and the measured
 * factor). `fit` reads such a dataset, or profiles one in-process with the same seed, fits c1..c5 on
 * a seeded 70 % and reports the error on the other 30 %; `--out` stores the constants with their
 * provenance (the embedded `sim/profiles/data/rtx2080ti-interference-fitted.csv` is made this way).
 * `calibrate` searches the ground truth's knobs for Figure 6's overhead CDF
 * (sim/interference-calibrate.ts); `--out` writes them with the command in the file's header (the
 * embedded `sim/profiles/data/rtx2080ti-interference-truth.csv` is made this way).
 */
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { InputError, show } from '../../engine/errors.ts';
import { COLOCATION_MODELS } from '../../sim/colocation.ts';
import { PAPER_RTX2080TI } from '../../sim/interference.ts';
import { CONSTANTS_COLUMNS, cdfSummaryPct, parseDataset } from '../../sim/interference-fit.ts';
import { calibrate, PAPER_FIG6_PCT, SEARCHED_KNOBS } from '../../sim/interference-calibrate.ts';
import { formatTruthParams, KNOB_NAMES } from '../../sim/interference-truth-params.ts';
import { defaultProfile } from '../../sim/profiles/latency.ts';
import { defaultUtilProfile } from '../../sim/profiles/util.ts';
import { fmt, table } from '../lib/format.ts';
import { progress } from '../lib/progress.ts';
import { toCsv, writeText } from '../lib/output.ts';
import { datasetCsv, fitReport, profileGrid } from '../lib/interference-data.ts';
import { checkOutputFile } from '../lib/output.ts';
import { checkApplies, checkPositive, checkSeed, print, type Command, type Common } from './common.ts';
import {
  comparePredictors,
  DEFAULT_PAIR_MODELS,
  DEFAULT_PAIR_ROUNDS,
  noiseRow,
  pairRows,
  pairsCsv,
  predictorTable,
  profileCpuPairs,
  readPairs,
  retestNoisePct,
} from '../lib/cpu-pairs.ts';
import { PAPER_FIG10_PCT } from '../studies/fig10/run.ts';

/** Figure 10 of the paper: p90 error of its predictor on its GPU, percent. */
const PAPER_P90_ERROR_PCT = PAPER_FIG10_PCT.p90;

interface ProfileArgs extends Common {
  backend: string;
  out: string;
  seed: number;
  interference: string;
  models?: string;
  batches?: string;
  reps?: number;
  rounds?: number;
}

interface CompareArgs extends Common {
  data: string;
  out?: string;
}

interface FitArgs extends Common {
  data?: string;
  seed: number;
  out?: string;
}

const profile: Command<ProfileArgs> = (io) => ({
  command: 'profile',
  describe:
    "Run the paper's grid of co-located pairs on the simulated GPU (10 model pairs x 25 batch pairs x 5 splits), or measure every ordered pair of models on this machine's core partitions (--backend onnx), and write the dataset CSV",
  builder: (y: Argv) =>
    y
      .option('backend', {
        type: 'string',
        choices: ['sim', 'onnx'],
        default: 'sim',
        describe: "Where pairs run: sim (the simulated GPU), or onnx (for real, on this machine's core partitions)",
      })
      .option('models', {
        type: 'string',
        describe: `With --backend onnx: models to pair, name@width (default ${DEFAULT_PAIR_MODELS})`,
      })
      .option('batches', { type: 'string', describe: 'With --backend onnx: batch sizes, comma list (default 1,8)' })
      .option('reps', { type: 'number', describe: 'With --backend onnx: timed repetitions per point (default 5)' })
      .option('rounds', {
        type: 'number',
        describe: `With --backend onnx: alternations of alone and co-located timing per point, 2 or more to measure the noise (default ${DEFAULT_PAIR_ROUNDS})`,
      })
      .option('out', { type: 'string', default: 'results/interference-profile.csv', describe: 'Dataset CSV to write' })
      .option('seed', { type: 'number', default: 1, describe: 'Run seed' })
      .option('interference', {
        type: 'string',
        default: 'truth',
        describe: `Co-location model of the simulated GPU: ${Object.keys(COLOCATION_MODELS).join(', ')}`,
      }) as unknown as Argv<ProfileArgs>,
  handler: async (a: ArgumentsCamelCase<ProfileArgs>) => {
    checkSeed('--seed', a.seed);
    checkOutputFile('--out', a.out); // before the grid runs, not after
    for (const [flag, given] of [
      ['--models', a.models],
      ['--batches', a.batches],
      ['--reps', a.reps],
      ['--rounds', a.rounds],
    ] as const)
      checkApplies(flag, given !== undefined, '--backend onnx', a.backend === 'onnx');
    if (a.backend === 'onnx') {
      const batches = (a.batches ?? '1,8').split(',').map((b) => Number(b.trim()));
      if (!batches.every((b) => Number.isInteger(b) && b >= 1 && b <= 32))
        throw new InputError(`--batches: expected whole numbers from 1 to 32, got ${show(a.batches)}`);
      const reps = a.reps ?? 5;
      if (!Number.isInteger(reps) || reps < 1)
        throw new InputError(`--reps: expected a whole number >= 1, got ${show(reps)}`);
      const rounds = a.rounds ?? DEFAULT_PAIR_ROUNDS;
      if (!Number.isInteger(rounds) || rounds < 1)
        throw new InputError(`--rounds: expected a whole number >= 1, got ${show(rounds)}`);
      const stem = basename(a.out).replace(/\.csv$/, '');
      const { rows, files } = await profileCpuPairs({
        models: a.models ?? DEFAULT_PAIR_MODELS,
        batches,
        reps,
        rounds,
        outDir: dirname(a.out),
        stem: `${stem}-solo`,
      });
      writeText(dirname(a.out), basename(a.out), pairsCsv(rows));
      const slow = cdfSummaryPct(rows.map((r) => Number(r.slowdown) - 1));
      const doc = { backend: 'onnx', points: rows.length, overhead_pct: slow, out: a.out, profile: files };
      print(io, a.format, doc, () =>
        [
          `${rows.length} co-located points measured on this machine's core partitions -> ${a.out} (solo profile: ${files[0]})`,
          summaryTable('overhead %', slow),
        ].join('\n'),
      );
      return;
    }
    const points = profileGrid(a.seed, a.interference);
    writeText(dirname(a.out), basename(a.out), datasetCsv(points));
    const overhead = cdfSummaryPct(points.map((p) => p.factor - 1));
    const doc = {
      backend: a.backend,
      interference: a.interference,
      seed: a.seed,
      pairs: points.length / 2,
      points: points.length,
      overhead_pct: overhead,
      out: a.out,
    };
    print(io, a.format, doc, () =>
      [
        `${points.length} points from ${points.length / 2} co-located pairs (${a.backend}, interference ${a.interference}, seed ${a.seed}) -> ${a.out}`,
        summaryTable('overhead %', overhead),
      ].join('\n'),
    );
  },
});

const fit: Command<FitArgs> = (io) => ({
  command: 'fit',
  describe: 'Fit c1..c5 by least squares on a random 70 % of a profiled dataset; report the error on the other 30 %',
  builder: (y: Argv) =>
    y
      .option('data', {
        type: 'string',
        describe: 'Dataset CSV from `interference profile` (default: profile the grid now, with --seed)',
      })
      .option('seed', {
        type: 'number',
        default: 1,
        describe: 'Seed of the 70/30 split (and of the profile when --data is not given)',
      })
      .option('out', {
        type: 'string',
        describe: 'Also write the fitted constants, with provenance, to this CSV',
      }) as unknown as Argv<FitArgs>,
  handler: (a: ArgumentsCamelCase<FitArgs>) => {
    checkSeed('--seed', a.seed);
    if (a.out !== undefined) checkOutputFile('--out', a.out);
    let text: string;
    let source: string;
    if (a.data === undefined) {
      text = datasetCsv(profileGrid(a.seed));
      source = `gpulet interference profile --seed ${a.seed} (simulated GPU, interference truth)`;
    } else {
      try {
        text = readFileSync(a.data, 'utf8');
      } catch (e) {
        throw new InputError(
          `--data: expected a readable dataset CSV, got ${show(a.data)} (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
        );
      }
      source = a.data;
    }
    const points = parseDataset(text, a.data ?? 'profiled dataset');
    const r = fitReport(points, a.seed);
    // Factors so large that the sums overflow give constants that are not numbers: say so, write nothing.
    if ([...r.fit.constants, ...Object.values(r.error_pct)].some((c) => !Number.isFinite(c)))
      throw new InputError(
        `${a.data ?? source}: field factor: expected slowdown factors a least-squares fit can use (finite constants), got factors up to ${show(Math.max(...points.map((p) => p.factor)))} and constants ${r.fit.constants.map((c) => show(c)).join(', ')}`,
      );
    if (a.out !== undefined) {
      const row = {
        gpu: 'rtx2080ti',
        ...r.constants,
        train_points: r.train_points,
        validation_points: r.validation_points,
        p90_error_pct: r.error_pct.p90,
        p95_error_pct: r.error_pct.p95,
        source: `gpulet interference fit --seed ${a.seed} on ${source}`,
      };
      writeText(
        dirname(a.out),
        basename(a.out),
        toCsv(
          [row],
          [...CONSTANTS_COLUMNS, 'train_points', 'validation_points', 'p90_error_pct', 'p95_error_pct', 'source'],
          15,
        ),
      );
    }
    const doc = {
      data: source,
      seed: a.seed,
      points: r.points,
      train_points: r.train_points,
      validation_points: r.validation_points,
      constants: r.constants,
      error_pct: r.error_pct,
      ...(a.out !== undefined ? { out: a.out } : {}),
    };
    print(io, a.format, doc, () =>
      [
        `fitted on ${r.train_points} of ${r.points} points (${source}), validated on ${r.validation_points}`,
        table(
          ['', 'c1 L2 self', 'c2 L2 other', 'c3 DRAM self', 'c4 DRAM other', 'c5'],
          [
            ['fitted', ...r.fit.constants.map((c) => fmt(c, 4))],
            ['paper (2080 Ti)', ...PAPER_RTX2080TI.map((c) => fmt(c, 4))],
          ],
        ),
        summaryTable('validation error %', r.error_pct),
        ...(a.out !== undefined ? [`wrote ${a.out}`] : []),
      ].join('\n'),
    );
  },
});

interface CalibrateArgs extends Common {
  seed: number;
  budget?: number;
  starts: number;
  quick: boolean;
  out?: string;
}

/** Objective evaluations of a full calibration, and of `--quick` (a smoke run, not a calibration). */
export const CALIBRATE_BUDGET = 500;
export const QUICK_CALIBRATE_BUDGET = 6;

const calibrateCommand: Command<CalibrateArgs> = (io) => ({
  command: 'calibrate',
  describe:
    "Search the ground truth's knobs so the overhead CDF over the paper's grid matches Figure 6 (its only objective)",
  builder: (y: Argv) =>
    y
      .option('seed', { type: 'number', default: 1, describe: 'Seed of the profiling runs and the random starts' })
      .option('budget', {
        type: 'number',
        defaultDescription: `${CALIBRATE_BUDGET} (${QUICK_CALIBRATE_BUDGET} with --quick)`,
        describe: 'Most objective evaluations (one profile of the 1,250-pair grid each, about 0.3 s)',
      })
      .option('starts', {
        type: 'number',
        default: 12,
        describe: 'Seeded random starting points before the compass search',
      })
      .option('quick', {
        type: 'boolean',
        default: false,
        describe: `A ${QUICK_CALIBRATE_BUDGET}-evaluation smoke run`,
      })
      .option('out', {
        type: 'string',
        describe:
          'Write the knobs, with the command and the percentiles reached in its header, to this file (sim/profiles/data/rtx2080ti-interference-truth.csv is the one the simulator reads)',
      }) as unknown as Argv<CalibrateArgs>,
  handler: (a: ArgumentsCamelCase<CalibrateArgs>) => {
    checkSeed('--seed', a.seed);
    const budget = a.budget ?? (a.quick ? QUICK_CALIBRATE_BUDGET : CALIBRATE_BUDGET);
    if (!Number.isSafeInteger(budget) || budget < 1)
      throw new InputError(`--budget: expected a whole number of evaluations >= 1, got ${show(budget)}`);
    checkPositive('--starts', a.starts);
    if (!Number.isSafeInteger(a.starts))
      throw new InputError(`--starts: expected a whole number, got ${show(a.starts)}`);
    if (a.out !== undefined) checkOutputFile('--out', a.out); // before the search, not after
    const bar = progress('calibrating', budget, { unit: 'evaluations' });
    const r = calibrate({
      latency: defaultProfile(),
      util: defaultUtilProfile(),
      seed: a.seed,
      budget,
      numStarts: a.starts,
      onEvaluation: (done) => bar.update(done),
    });
    bar.stop();
    const { converged } = r;
    const command = `gpulet interference calibrate --seed ${a.seed} --budget ${budget} --starts ${a.starts}`;
    const pcts = Object.keys(PAPER_FIG6_PCT) as Array<keyof typeof PAPER_FIG6_PCT>;
    if (a.out !== undefined) {
      const reachedLine = pcts.map((k) => `${k} ${fmt(r.reached[k], 2)} (paper ${PAPER_FIG6_PCT[k]})`).join(', ');
      const text = formatTruthParams(r.params, [
        `produced by: ${command}`,
        `objective: Figure 6's overhead CDF over the paper's grid, nothing else (sim/interference-calibrate.ts); ${fmt(r.objective, 6)} after ${r.evaluations} evaluations (${converged ? 'converged' : 'budget spent'})`,
        `Figure 6 overhead % reached: ${reachedLine}`,
      ]);
      writeText(dirname(a.out), basename(a.out), text);
    }
    const doc = {
      command,
      seed: a.seed,
      budget,
      evaluations: r.evaluations,
      converged,
      objective: r.objective,
      searched: SEARCHED_KNOBS,
      params: r.params,
      overhead_pct: r.reached,
      paper_overhead_pct: PAPER_FIG6_PCT,
      ...(a.out !== undefined ? { out: a.out } : {}),
    };
    print(io, a.format, doc, () =>
      [
        `${command}: objective ${fmt(r.objective, 6)} after ${r.evaluations} evaluations (${converged ? 'converged' : 'budget spent'})`,
        table(
          ['overhead %', ...pcts],
          [
            ['reached', ...pcts.map((k) => r.reached[k])],
            ['paper (Figure 6)', ...pcts.map((k) => PAPER_FIG6_PCT[k])],
          ],
        ),
        table(
          ['knob', 'value', 'searched'],
          KNOB_NAMES.map((k) => [k, fmt(r.params[k], 4), SEARCHED_KNOBS.includes(k) ? 'yes' : 'no']),
        ),
        ...(a.out !== undefined ? [`wrote ${a.out}`] : []),
      ].join('\n'),
    );
  },
});

const compare: Command<CompareArgs> = (io) => ({
  command: 'compare',
  describe:
    'Compare interference predictors (none, linear, iGniter-style, k-NN) on measured pairs, leave one model out',
  builder: (y: Argv) =>
    y
      .option('data', {
        type: 'string',
        demandOption: true,
        describe: 'Pairs CSV from `interference profile --backend onnx`',
      })
      .option('out', {
        type: 'string',
        describe: 'Also write every held-out error (predictor, error_pct) to this CSV',
      }) as unknown as Argv<CompareArgs>,
  handler: (a: ArgumentsCamelCase<CompareArgs>) => {
    if (a.out !== undefined) checkOutputFile('--out', a.out);
    let text: string;
    try {
      text = readFileSync(a.data, 'utf8');
    } catch (e) {
      throw new InputError(`--data: cannot read ${show(a.data)} (${(e as NodeJS.ErrnoException).code ?? e})`);
    }
    const points = readPairs(text, a.data);
    const models = new Set(points.flatMap((p) => [p.self, p.other]));
    if (models.size < 3)
      throw new InputError(
        `${a.data}: expected pairs of at least 3 models (one is held out, the rest train), got ${models.size}`,
      );
    const { errors, summary, best } = comparePredictors(points);
    const noise = noiseRow(retestNoisePct(pairRows(text)));
    if (a.out !== undefined)
      writeText(
        dirname(a.out),
        basename(a.out),
        toCsv(
          Object.entries(errors).flatMap(([predictor, es]) => es.map((e) => ({ predictor, error_pct: e }))),
          ['predictor', 'error_pct'],
        ),
      );
    const doc = {
      data: a.data,
      points: points.length,
      models: [...models],
      evaluation: 'leave one model out',
      summary,
      noise: noise[0] ?? null,
      best_p90: { predictor: best.predictor, p90_error_pct: best.p90 },
      paper_p90_error_pct: PAPER_P90_ERROR_PCT,
    };
    print(io, a.format, doc, () =>
      [
        `${points.length} co-located points of ${models.size} models (${a.data}); error |predicted - measured| / measured of the co-located latency, %, each model held out in turn`,
        predictorTable(summary, noise),
        `best p90: ${best.predictor} ${fmt(best.p90)} % (the paper's predictor on its GPU: ${PAPER_P90_ERROR_PCT} %)`,
      ].join('\n'),
    );
  },
});

function summaryTable(what: string, s: ReturnType<typeof cdfSummaryPct>): string {
  return table([what, 'p50', 'p75', 'p90', 'p95', 'p99', 'max'], [['', s.p50, s.p75, s.p90, s.p95, s.p99, s.max]]);
}

export const interference: Command = (io) => ({
  command: 'interference <action>',
  describe:
    "Profile co-located pairs on the simulated GPU, fit the linear interference predictor, calibrate the GPU's ground truth",
  builder: (y: Argv) =>
    y
      .command(profile(io) as never)
      .command(fit(io) as never)
      .command(calibrateCommand(io) as never)
      .command(compare(io) as never)
      .demandCommand(1, 'Name an action: profile, fit, calibrate or compare.'),
  handler: () => {},
});
