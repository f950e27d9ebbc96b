/**
 * `gpulet experiment cpu-interference`: interference predictors tried on real co-location. Every
 * ordered pair of models is timed co-located on this machine's two core partitions (they share the
 * last-level cache and the memory bandwidth), and four predictors (sim/cpu-predictors.ts) are
 * fitted and scored leaving one model out at a time. Writes cpu-pairs.csv (the points, with the solo
 * profile beside it as cpu-pairs-solo.*), cpu-pairs-errors.csv (every held-out error),
 * cpu-interference-cdf.csv (each predictor's error at percentiles 0..100, the paper's Figure 10
 * where it has one), cpu-interference-summary.csv, and cpu-interference-serving.csv: each
 * predictor's effect on real serving, gpulet-int planned with it (fitted on every point) at the
 * highest load it accepts (a fraction of the models' batch-32 capacity, on a 0.05 grid) and that
 * plan served for real, its violations and p99.
 *
 * How sure the ranking is: each point alternates alone and co-located timing over
 * DEFAULT_PAIR_ROUNDS rounds, and self's alone time in round 2 over round 1 (solo_retest) gives the
 * noise of one round's measurement (summary row `noise`, CDF column noise_pct); a point's slowdown
 * pools every round, so it carries less. Each predictor's p90 comes with a 95 %
 * bootstrap interval and the share of resamples where it is the lowest (bootstrapP90).
 *
 * Real execution: not byte-reproducible, no golden file. `--quick`: 3 small models, batch 1, 2 reps, 2 rounds.
 */
import { InputError } from '../../../engine/errors.ts';
import { PREDICTOR_NAMES } from '../../../sim/cpu-predictors.ts';
import {
  asInterferencePredictor,
  BOOTSTRAP_RESAMPLES,
  comparePredictors,
  DEFAULT_PAIR_MODELS,
  DEFAULT_PAIR_ROUNDS,
  noiseRow,
  pairsCsv,
  predictorTable,
  profileCpuPairs,
  readPairs,
  retestNoisePct,
  sharePct,
} from '../../lib/cpu-pairs.ts';
import type { Experiment } from '../../lib/experiment.ts';
import { fmt, table } from '../../lib/format.ts';
import { writeCsv, writeText, type CsvRow } from '../../lib/output.ts';
import { round } from '../../../engine/metrics.ts';
import { fitPredictor } from '../../../sim/cpu-predictors.ts';
import { totalRate } from '../../../sim/workload.ts';
import { planInput, schedulerFor } from '../../lib/context.ts';
import { planJson } from '../../lib/plan-json.ts';
import { profileWorkload } from '../../lib/profiling.ts';
import { servePlanForReal } from '../../lib/serving.ts';
import { maxFeasibleLoad } from '../fidelity/run.ts';
import { PAPER_FIG10_PCT } from '../fig10/run.ts';
import { cdfRows } from '../fig6/run.ts';

export const cpuInterference: Experiment = {
  name: 'cpu-interference',
  describe:
    "Interference predictors on real co-location: pairs timed on this machine's core partitions, four predictors, each model held out",
  async run(opts, io) {
    if (opts.shard.count > 1)
      throw new InputError('experiment cpu-interference: --shard does not apply (one real run on one machine)');
    const tag = opts.quick ? '-quick' : '';
    const { rows, files, prof } = await profileCpuPairs({
      models: opts.quick ? 'lenet,googlenet@0.125,mobilenet_v2@0.25' : DEFAULT_PAIR_MODELS,
      batches: opts.quick ? [1] : [1, 8],
      reps: opts.quick ? 2 : 5,
      rounds: opts.quick ? 2 : DEFAULT_PAIR_ROUNDS,
      outDir: opts.outDir,
      stem: `cpu-pairs${tag}-solo`,
    });
    const text = pairsCsv(rows);
    const out = [...files, writeText(opts.outDir, `cpu-pairs${tag}.csv`, text)];
    const all = readPairs(text, `cpu-pairs${tag}.csv`);
    const { errors, summary, best } = comparePredictors(all, opts.seed);
    const noisePct = retestNoisePct(rows);
    const noise = noiseRow(noisePct);
    // Each predictor's error at percentiles 0..100 (cdfRows takes fractions), the paper's beside.
    const byPredictor = PREDICTOR_NAMES.map((n) =>
      cdfRows(
        errors[n].map((e) => e / 100),
        'e',
        PAPER_FIG10_PCT,
      ),
    );
    const noiseCdf =
      noisePct.length === 0
        ? null
        : cdfRows(
            noisePct.map((e) => e / 100),
            'e',
            PAPER_FIG10_PCT,
          );
    const cdf = byPredictor[0].map((r, i) => ({
      percentile: r.percentile,
      ...Object.fromEntries(PREDICTOR_NAMES.map((n, j) => [`${n}_error_pct`, byPredictor[j][i].e])),
      noise_pct: noiseCdf === null ? null : noiseCdf[i].e,
      paper_error_pct: r.paper_e,
    }));
    out.push(
      writeCsv(
        opts.outDir,
        `cpu-pairs-errors${tag}.csv`,
        PREDICTOR_NAMES.flatMap((p) => errors[p].map((e) => ({ predictor: p, error_pct: e }))),
        ['predictor', 'error_pct'],
      ),
      writeCsv(opts.outDir, `cpu-interference-cdf${tag}.csv`, cdf, [
        'percentile',
        ...PREDICTOR_NAMES.map((n) => `${n}_error_pct`),
        'noise_pct',
        'paper_error_pct',
      ]),
      writeCsv(
        opts.outDir,
        `cpu-interference-summary${tag}.csv`,
        [...summary, ...noise],
        ['predictor', 'points', 'p50', 'p75', 'p90', 'p95', 'max', 'p90_lo', 'p90_hi', 'best_share'],
      ),
    );
    // Each predictor's effect on real serving: gpulet-int planned with it (fitted on every point) at
    // the highest load it accepts, then that plan served for real on the same arrivals.
    const sidecar = prof.sidecar;
    const ctx = prof.set.ctx;
    const workloadAt = (load: number) => profileWorkload(sidecar, load, `cpu-interference-${load}`);
    const serving: CsvRow[] = [];
    for (const name of PREDICTOR_NAMES) {
      const predictor = asInterferencePredictor(name, fitPredictor(name, all), ctx.latency, sidecar.models);
      const planAt = (load: number) =>
        schedulerFor('gpulet-int').plan(planInput(workloadAt(load), ctx, name === 'none' ? null : predictor));
      const capacity = maxFeasibleLoad((l) => planAt(l).feasible);
      if (capacity === null) {
        serving.push({ predictor: name, capacity: null });
        continue;
      }
      const w = workloadAt(capacity);
      const plan = planAt(capacity);
      io.err(
        `cpu-interference: gpulet-int with predictor ${name}: capacity ${capacity}, serving ${fmt(totalRate(w))} req/s for real\n`,
      );
      const real = await servePlanForReal(w, plan, {
        backend: 'onnx',
        seed: opts.seed,
        durationS: opts.quick ? 6 : 20,
        sidecar,
        nice: -10,
        io,
        quiet: true,
      });
      serving.push({
        predictor: name,
        capacity,
        rate_rps: round(totalRate(w), 3),
        gpulets: planJson(plan)
          .gpus.flatMap((g) => g.gpulets.map((l) => `${l.partition}% [${l.models.map((m) => m.model).join(' ')}]`))
          .join('; '),
        arrived: real.summary.requests.arrived,
        slo_violation_pct: real.summary.slo_violation_pct,
        p99_ms: real.summary.p99_ms,
        foreign_cpu_cores: real.cpu === null ? null : round(real.cpu.foreignCores, 3),
      });
    }
    out.push(
      writeCsv(opts.outDir, `cpu-interference-serving${tag}.csv`, serving, [
        'predictor',
        'capacity',
        'rate_rps',
        'gpulets',
        'arrived',
        'slo_violation_pct',
        'p99_ms',
        'foreign_cpu_cores',
      ]),
    );
    const overhead = rows.map((r) => (Number(r.slowdown) - 1) * 100).sort((a, b) => a - b);
    return {
      json: {
        points: rows.length,
        summary,
        noise: noise[0] ?? null,
        best_p90: {
          predictor: best.predictor,
          p90_error_pct: best.p90,
          p90_interval_pct: [best.p90_lo, best.p90_hi],
          best_share: best.best_share,
        },
        paper_p90_error_pct: PAPER_FIG10_PCT.p90,
      },
      text: [
        `${rows.length} co-located points; overhead median ${fmt(overhead[Math.floor(overhead.length / 2)])} %, max ${fmt(overhead[overhead.length - 1])} %`,
        predictorTable(summary, noise),
        `best p90: ${best.predictor} ${fmt(best.p90)} % (95 % interval ${fmt(best.p90_lo)}-${fmt(best.p90_hi)} %, lowest in ${sharePct(best.best_share)} of ${BOOTSTRAP_RESAMPLES} resamples; the paper's predictor on its GPU: ${PAPER_FIG10_PCT.p90} %)`,
        'gpulet-int planned with each predictor at the highest load it accepts, served for real:',
        table(
          ['predictor', 'capacity', 'req/s', 'gpulets', 'violations %', 'p99 ms'],
          serving.map((r) => [
            String(r.predictor),
            r.capacity as number | null,
            (r.rate_rps ?? null) as number | null,
            String(r.gpulets ?? '-'),
            (r.slo_violation_pct ?? null) as number | null,
            (r.p99_ms ?? null) as number | null,
          ]),
        ),
      ].join('\n'),
      files: out,
    };
  },
};
