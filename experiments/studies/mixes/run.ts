/**
 * Random model mixes: does gpulet-int beat temporal sharing, and how close does it come to the
 * ideal scheduler, on mixes nobody tuned for? Seeded draws of 2 to 5 distinct models of the 9,
 * equal rates, 4 GPUs; for each, the maximum-rate search of the paper (up, the SLO criterion) for
 * temporal, gpulet-int and ideal.
 */
import seedrandom from 'seedrandom';
import { round } from '../../../engine/metrics.ts';
import { catalog } from '../../../sim/profiles/catalog.ts';
import type { Workload } from '../../../sim/workload.ts';
import { fmt, table } from '../../lib/format.ts';
import type { MaxRateJob } from '../../lib/jobs.ts';
import { writeCsv } from '../../lib/output.ts';
import { mapJobs } from '../../lib/pool.ts';
import { progress } from '../../lib/progress.ts';
import type { Experiment } from '../../lib/experiment.ts';

export const MIXES_SCHEDULERS = ['temporal', 'gpulet-int', 'ideal'] as const;
export const MIXES_COLUMNS = [
  'mix',
  'models',
  'scheduler',
  'max_rate_rps',
  'slo_violation_pct',
  'first_failure_rps',
  'failure',
];

/** `count` seeded mixes of 2..5 distinct catalog models, each at the same rate. */
export function randomMixes(count: number, seed: number): Workload[] {
  const rng = seedrandom(`mixes-${seed}`);
  const models = catalog();
  const out: Workload[] = [];
  for (let i = 0; i < count; i++) {
    const k = 2 + Math.floor(rng() * 4);
    const pool = [...models];
    const pick = Array.from({ length: k }, () => pool.splice(Math.floor(rng() * pool.length), 1)[0]);
    out.push({
      name: `mix${i + 1}`,
      tasks: pick.map((m) => ({ task: m.name, model: m.name, rateRps: 100, sloMs: m.sloMs })),
      app: null,
      appRateRps: 0,
      numGpus: 4,
      gpuType: null,
      arrival: { process: 'poisson' },
    });
  }
  return out;
}

export const mixes: Experiment = {
  name: 'mixes',
  describe: 'Random 2-5-model mixes: up-search maxima of temporal, gpulet-int and ideal',
  async run(opts) {
    const seeds = opts.quick ? [opts.seed] : [opts.seed, opts.seed + 1, opts.seed + 2];
    const all = randomMixes(opts.quick ? 2 : 10, opts.seed);
    const cells = all
      .flatMap((w) => MIXES_SCHEDULERS.map((s) => ({ w, s })))
      .filter((_, i) => i % opts.shard.count === opts.shard.index);
    const bar = progress('mixes', cells.length, { unit: 'searches' });
    const jobs: MaxRateJob[] = cells.map(({ w, s }) => ({
      workload: w,
      scheduler: s,
      criterion: 'slo',
      search: 'up',
      seeds,
      durationS: opts.quick ? 5 : 20,
      ...(opts.quick ? { stepRps: 5 * 10 * w.tasks.length } : {}),
    }));
    const res = await mapJobs('maxrate', jobs, opts.jobs, (n) => bar.update(n));
    bar.stop();
    const rows = cells.map(({ w, s }, i) => ({
      mix: w.name,
      models: w.tasks.map((t) => t.model).join('+'),
      scheduler: s,
      max_rate_rps: res[i].max_rate_rps,
      slo_violation_pct: res[i].slo_violation_pct,
      first_failure_rps: res[i].first_failure_rps,
      failure: res[i].failure,
    }));
    const file = writeCsv(opts.outDir, opts.quick ? 'mixes-quick.csv' : 'mixes.csv', rows, MIXES_COLUMNS);
    const by = (mix: string, s: string) => rows.find((r) => r.mix === mix && r.scheduler === s)?.max_rate_rps ?? NaN;
    const names = [...new Set(rows.map((r) => r.mix))];
    const summary = names.map((m) => ({
      mix: m,
      models: rows.find((r) => r.mix === m)?.models ?? '',
      temporal: by(m, 'temporal'),
      int: by(m, 'gpulet-int'),
      ideal: by(m, 'ideal'),
    }));
    return {
      json: { rows },
      text: [
        'Up-search maximum, req/s (median of seeds decides each rate):',
        table(
          ['mix', 'models', 'temporal', 'gpulet-int', 'ideal', 'int/temporal', 'int/ideal'],
          summary.map((r) => [
            r.mix,
            r.models,
            r.temporal,
            r.int,
            r.ideal,
            r.temporal > 0 ? fmt(round(r.int / r.temporal, 3)) : '-',
            r.ideal > 0 ? fmt(round(r.int / r.ideal, 3)) : '-',
          ]),
        ),
      ].join('\n'),
      files: [file],
    };
  },
};
