/**
 * On an A100 80GB, how do ParvaGPU's MIG segments, gpulet's MPS partitions and temporal sharing
 * compare on the same load? ParvaGPU's six published service-level rows (rates and SLOs of up to 11
 * models), each planned by parvagpu (MIG + MPS, the port of the authors' scheduler), gpulet-mig
 * (gpulet's sizing rules with MIG instances as gpulets), gpulet-int
 * and temporal (MPS mode over the whole GPU, sim/profiles/a100.ts), then served on the simulated
 * A100 for the same seeded Poisson arrivals. GPUs used, planning time, SLO violations overall and
 * of the worst model.
 *
 * The rows: MunQ-Lee/ParvaGPU_SC24 at 5f3de1e18582b4c81896a1c3eb0e2915238dfee6, SLO/SLO_req_rate.csv
 * and SLO/SLO_latency.csv (MIT; notice in sim/profiles/data/parvagpu-LICENSE), also
 * test/fixtures/parvagpu/slo<i>.json. Their scheduler's GPU counts: the C built from that commit
 * (test/fixtures/parvagpu/gpus.csv) and the maps shipped in its deployment/ folder.
 */
import { MAX_GPUS } from '../../../engine/limits.ts';
import { round } from '../../../engine/metrics.ts';
import { gpusUsed } from '../../../engine/plan.ts';
import type { Workload } from '../../../sim/workload.ts';
import { embeddedContext, planForServing, simulatePlan } from '../../lib/context.ts';
import type { Experiment } from '../../lib/experiment.ts';
import { fmt, table } from '../../lib/format.ts';
import { writeCsv } from '../../lib/output.ts';
import { progress } from '../../lib/progress.ts';

export const A100_SCHEDULERS = ['parvagpu', 'gpulet-mig', 'gpulet-int', 'temporal'] as const;

/** ParvaGPU's model columns, in its order (its profile files, alphabetical). */
const MODELS = [
  'bert',
  'densenet121',
  'densenet169',
  'densenet201',
  'inceptionv3',
  'mobilenet_v2',
  'resnet101',
  'resnet152',
  'resnet50',
  'vgg16',
  'vgg19',
];
/** SLO/SLO_req_rate.csv, req/s; null: N/A. */
const RATES: ReadonlyArray<ReadonlyArray<number | null>> = [
  [19, 353, null, null, 460, 677, null, null, 829, null, 354],
  [19, 353, 308, 276, 460, 677, 393, 281, 829, 410, 354],
  [46, 728, 633, 493, 1051, 1546, 760, 543, 1463, 780, 673],
  [69, 1091, 949, 739, 1576, 2318, 1140, 815, 2195, 1169, 1010],
  [843, 2228, 3507, 1513, 3815, 5009, 1874, 1340, 2796, 1773, 1531],
  [1264, 3342, 5260, 2269, 5722, 7513, 2811, 2010, 4196, 2659, 2296],
];
/** SLO/SLO_latency.csv, ms. */
const SLOS: ReadonlyArray<ReadonlyArray<number | null>> = [
  [6434, 183, null, null, 418.5, 167, null, null, 204.5, null, 396.5],
  [6434, 183, 216.5, 168.5, 418.5, 167, 211.5, 212.5, 204.5, 399.5, 396.5],
  [4294, 126, 150, 119, 282, 113, 144, 146, 138, 227, 265],
  [4294, 126, 150, 119, 282, 113, 144, 146, 138, 227, 265],
  [2153, 69, 83.5, 69.5, 145.5, 59, 76.5, 79.5, 71.5, 114.5, 133.5],
  [6434, 183, 216.5, 168.5, 418.5, 167, 211.5, 212.5, 204.5, 399.5, 396.5],
];
/** GPUs their scheduler uses per row: built from the commit, and in the shipped maps. */
export const PARVAGPU_C_GPUS = [2, 3, 5, 7, 13, 17];
export const PARVAGPU_SHIPPED_GPUS = [2, 3, 5, 7, 13, 16];

/**
 * ParvaGPU's published row `row` (1-based) as a workload on the A100, on up to MAX_GPUS GPUs (the
 * simulator's bound on a plan; the C has 2000, and no row needs more than 17 of them).
 */
export function parvaRow(row: number): Workload {
  const tasks = MODELS.flatMap((model, i) => {
    const rateRps = RATES[row - 1][i];
    const sloMs = SLOS[row - 1][i];
    return rateRps === null || sloMs === null ? [] : [{ task: model, model, rateRps, sloMs }];
  });
  return {
    name: `slo${row}`,
    tasks,
    app: null,
    appRateRps: 0,
    numGpus: MAX_GPUS,
    gpuType: 'a100-80gb',
    arrival: { process: 'poisson' },
  };
}

export const A100_COLUMNS = [
  'row',
  'models',
  'rate_rps',
  'scheduler',
  'feasible',
  'gpus_used',
  'parvagpu_c_gpus',
  'parvagpu_shipped_gpus',
  'slo_violation_pct',
  'worst_model',
  'worst_model_violation_pct',
];

export const a100: Experiment = {
  name: 'a100',
  describe:
    "A100 80GB: ParvaGPU's six SLO rows planned by parvagpu (MIG+MPS), gpulet-mig (MIG), gpulet-int and temporal (MPS), simulated",
  async run(opts) {
    const rows = opts.quick ? [1, 2] : [1, 2, 3, 4, 5, 6];
    const durationS = opts.quick ? 5 : 20;
    const ctx = embeddedContext('a100-80gb');
    const cells = rows
      .flatMap((row) => A100_SCHEDULERS.map((s) => ({ row, s })))
      .filter((_, i) => i % opts.shard.count === opts.shard.index);
    const bar = progress('a100', cells.length, { unit: 'plans' });
    const out = cells.map(({ row, s }, i) => {
      const w = parvaRow(row);
      const plan = planForServing(w, s, ctx);
      const sim = simulatePlan(w, plan, ctx, { seed: opts.seed, durationS });
      const worst = Object.entries(sim.models).reduce(
        (m, [name, x]) => {
          const pct = x.arrived > 0 ? (100 * x.slo_violations) / x.arrived : 0;
          return pct > m.pct ? { name, pct } : m;
        },
        { name: '', pct: 0 },
      );
      bar.update(i + 1);
      return {
        row,
        models: w.tasks.length,
        rate_rps: w.tasks.reduce((a, t) => a + t.rateRps, 0),
        scheduler: s,
        feasible: plan.feasible ? 1 : 0,
        gpus_used: gpusUsed(plan),
        parvagpu_c_gpus: PARVAGPU_C_GPUS[row - 1],
        parvagpu_shipped_gpus: PARVAGPU_SHIPPED_GPUS[row - 1],
        slo_violation_pct: sim.slo_violation_pct,
        worst_model: worst.name,
        worst_model_violation_pct: round(worst.pct, 4),
      };
    });
    bar.stop();
    const file = writeCsv(opts.outDir, opts.quick ? 'a100-quick.csv' : 'a100.csv', out, A100_COLUMNS);
    return {
      json: { rows: out },
      text: [
        `A100 80GB, ${durationS} s of Poisson arrivals per plan (seed ${opts.seed}):`,
        table(
          ['row', 'scheduler', 'GPUs', 'ParvaGPU (C / shipped)', 'violations %', 'worst model'],
          out.map((r) => [
            r.row,
            r.scheduler,
            r.gpus_used,
            `${r.parvagpu_c_gpus} / ${r.parvagpu_shipped_gpus}`,
            fmt(r.slo_violation_pct, 3),
            `${r.worst_model} ${fmt(r.worst_model_violation_pct, 3)} %`,
          ]),
        ),
      ].join('\n'),
      files: [file],
    };
  },
};
