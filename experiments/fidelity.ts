/**
 * `gpulet experiment fidelity`: does the simulator predict real serving? On this machine: profile
 * the models (the serving path itself, `backends/onnx/profile.ts`), plan a workload with the
 * measured SLOs, serve it for real in real time, then simulate the same plan with the measured
 * profile, jitter and co-location slowdown under the identical seeded arrival trace, and compare
 * per model p50 and p99 latency, throughput and SLO violations.
 *
 * Targets (issue 5): |p50 error| <= 10 %, |p99 error| <= 20 % per model, violation % within 1
 * point (Vidur reports under 9 % for its simulator). Errors are signed, (sim - real) / real.
 *
 * Defaults suit a 2-core machine: three reduced-width models (`DEFAULT_PROFILE_MODELS`), a load of
 * 20 % of the machine's batch-32 capacity (on CPU batching buys no throughput, so the gpulet
 * scheduler finds no plan much above that), the `gpulet` scheduler (the interference-aware variant's
 * predictor is fitted to GPU data), 30 s of arrivals. `--quick` profiles with 3 reps and serves 8 s.
 * Real runs are not byte-reproducible, so there is no golden file: the CSV is a measurement.
 */
import { join } from 'node:path';
import { InputError } from '../engine/errors.ts';
import { round } from '../engine/metrics.ts';
import { gpusUsed, type Plan } from '../engine/plan.ts';
import type { RunSummary, TaskSummary } from '../engine/server/session.ts';
import { coreSharePartitions, allowedCpus } from '../backends/onnx/cores.ts';
import { waitForQuiet } from '../backends/onnx/load.ts';
import { parseModelList } from '../backends/onnx/models.ts';
import type { ColocationModel } from '../sim/gpu.ts';
import { parseWorkload, totalRate, type Workload } from '../sim/workload.ts';
import { resolveModel } from '../sim/profiles/catalog.ts';
import { planWorkload, simulatePlan } from './context.ts';
import { fmt, table } from './format.ts';
import { writeCsv, writeText, type CsvRow } from './output.ts';
import type { Experiment, ExperimentOptions } from './registry.ts';
import { planJson } from './commands/schedule.ts';
import { DEFAULT_PROFILE_MODELS, profileTable, runProfile, workloadFor, type ProfileSidecar } from './commands/profile.ts';
import { servePlanForReal } from './commands/serve.ts';
import type { Io } from './commands/common.ts';

/** The study's settings; see the module comment for why these defaults. */
export interface FidelitySettings {
  models: string;
  load: number;
  scheduler: string;
  durationS: number;
  reps: number;
  batches: number[];
  colocationBatches: number[];
  /** Wait up to this long for other processes to leave the machine quiet before each phase, s. */
  quietWaitS: number;
  /**
   * Nice value of the gpulets and the serving thread in both phases: on a shared machine other
   * processes then disturb the measurement less (it needs CAP_SYS_NICE; without it nothing changes
   * and the JSON's gpulet lines say so).
   */
  nice: number;
}

/** Other processes may use this many cores while we measure before the result is flagged. */
export const QUIET_FOREIGN_CORES = 0.15;

async function settle(io: Io, phase: string, waitS: number): Promise<void> {
  const { quiet, use } = await waitForQuiet(QUIET_FOREIGN_CORES, 1000, waitS * 1000);
  if (!quiet) io.err(`fidelity: other processes use ${fmt(use?.foreignCores ?? NaN)} cores; ${phase} anyway (the result will say so)\n`);
}

export function fidelitySettings(quick: boolean): FidelitySettings {
  return {
    models: DEFAULT_PROFILE_MODELS,
    load: 0.2,
    scheduler: 'gpulet',
    durationS: quick ? 8 : 30,
    reps: quick ? 3 : 5,
    batches: quick ? [1, 2, 4, 8, 16, 32] : [1, 2, 3, 4, 6, 8, 12, 16, 24, 32],
    colocationBatches: quick ? [8] : [1, 8, 32],
    quietWaitS: quick ? 10 : 120,
    nice: -10,
  };
}

/** Signed relative error of `sim` against `real`, percent; null when either is missing. */
export function errorPct(sim: number | null, real: number | null): number | null {
  if (sim === null || real === null || real === 0) return null;
  return round((100 * (sim - real)) / real, 2);
}

const violationPct = (t: TaskSummary): number => (t.arrived === 0 ? 0 : (100 * t.slo_violations) / t.arrived);

/** The co-location slowdown the profile measured, per model of the slowed batch. */
export function measuredColocation(s: ProfileSidecar): ColocationModel {
  const factor = new Map(Object.entries(s.models).map(([m, v]) => [m, v.colocation_slowdown]));
  return { name: 'measured-cpu', slowdown: (self) => factor.get(self.model) ?? 1 };
}

export const FIDELITY_COLUMNS = [
  'model', 'variant', 'slo_ms', 'arrived', 'real_p50_ms', 'sim_p50_ms', 'p50_error_pct', 'real_p99_ms', 'sim_p99_ms', 'p99_error_pct',
  'real_throughput_rps', 'sim_throughput_rps', 'throughput_error_pct', 'real_violation_pct', 'sim_violation_pct', 'violation_diff_pts',
] as const;

/** One comparison row per model, then `all` for the top level. */
export function compareRuns(real: RunSummary, sim: RunSummary, durationS: number, variants: Record<string, string>): CsvRow[] {
  const rows: CsvRow[] = [];
  const row = (model: string, variant: string, slo: number | null, r: { arrived: number; completed: number; p50: number | null; p99: number | null; viol: number }, s: typeof r): CsvRow => ({
    model,
    variant,
    slo_ms: slo,
    arrived: r.arrived,
    real_p50_ms: r.p50,
    sim_p50_ms: s.p50,
    p50_error_pct: errorPct(s.p50, r.p50),
    real_p99_ms: r.p99,
    sim_p99_ms: s.p99,
    p99_error_pct: errorPct(s.p99, r.p99),
    real_throughput_rps: round(r.completed / durationS, 3),
    sim_throughput_rps: round(s.completed / durationS, 3),
    throughput_error_pct: errorPct(s.completed, r.completed),
    real_violation_pct: round(r.viol, 3),
    sim_violation_pct: round(s.viol, 3),
    violation_diff_pts: round(s.viol - r.viol, 3),
  });
  for (const [m, r] of Object.entries(real.models)) {
    const s = sim.models[m];
    if (s === undefined) throw new Error(`simulation has no model ${m}`);
    const view = (t: TaskSummary) => ({ arrived: t.arrived, completed: t.completed, p50: t.p50_ms, p99: t.p99_ms, viol: violationPct(t) });
    rows.push(row(m, variants[m] ?? m, r.slo_ms, view(r), view(s)));
  }
  const top = (t: RunSummary) => ({ arrived: t.requests.arrived, completed: t.requests.completed, p50: t.p50_ms, p99: t.p99_ms, viol: t.slo_violation_pct });
  rows.push(row('all', 'all', null, top(real), top(sim)));
  return rows;
}

/** Whether a row meets the targets. */
export function meetsTargets(r: CsvRow): { p50: boolean; p99: boolean; violation: boolean } {
  const within = (v: unknown, bound: number) => typeof v === 'number' && Math.abs(v) <= bound;
  return { p50: within(r.p50_error_pct, 10), p99: within(r.p99_error_pct, 20), violation: within(r.violation_diff_pts, 1) };
}

async function run(opts: ExperimentOptions, io: Io) {
  if (opts.shard.count > 1) throw new InputError('experiment fidelity: --shard does not apply (one real run on one machine)');
  const st = fidelitySettings(opts.quick);
  const stem = join(opts.outDir, 'fidelity-profile');
  await settle(io, 'profiling', st.quietWaitS);
  io.err(`fidelity: profiling ${st.models} (${st.reps} reps)\n`);
  const prof = await runProfile({
    backend: 'onnx',
    variants: parseModelList(st.models),
    partitionsPct: coreSharePartitions(allowedCpus().length),
    batches: st.batches,
    reps: st.reps,
    colocationBatches: st.colocationBatches,
    affinity: true,
    keepWarm: true,
    nice: st.nice,
    host: 'process',
    stem,
    load: st.load,
  });
  const sidecar = prof.sidecar;
  const ctx = prof.set.ctx;
  const w: Workload = parseWorkload(JSON.stringify(workloadFor(sidecar, st.load, 'fidelity')), 'fidelity workload', resolveModel);
  const plan: Plan = planWorkload(w, st.scheduler, ctx);
  if (!plan.feasible) io.err(`fidelity: the ${st.scheduler} plan is infeasible (${plan.reason}); serving it anyway\n`);
  await settle(io, 'serving', st.quietWaitS);
  io.err(`fidelity: serving ${fmt(totalRate(w))} req/s for ${st.durationS} s for real\n`);
  const real = await servePlanForReal(w, plan, { backend: 'onnx', seed: opts.seed, durationS: st.durationS, sidecar, nice: st.nice, io });
  const sim = simulatePlan(w, plan, ctx, { seed: opts.seed, durationS: st.durationS, jitterCv: sidecar.jitter_cv, colocation: measuredColocation(sidecar) });

  const variants = Object.fromEntries(Object.entries(sidecar.models).map(([m, v]) => [m, v.variant]));
  const rows = compareRuns(real.summary, sim, st.durationS, variants);
  const perModel = rows.filter((r) => r.model !== 'all');
  const byModel = (col: string) => Object.fromEntries(perModel.map((r) => [r.model as string, r[col]]));
  const head = { workload: w.name, scheduler: plan.scheduler, rate_rps: totalRate(w), duration_s: st.durationS, seed: opts.seed, plan_feasible: plan.feasible, gpus_used: gpusUsed(plan) };
  const json = {
    real: { ...head, backend: 'onnx', ...real.summary, restarts: real.restarts, gpulets: real.gpulets },
    sim: { ...head, ...sim },
    median_latency_error_pct: byModel('p50_error_pct'),
    p99_latency_error_pct: byModel('p99_error_pct'),
    throughput_error_pct: byModel('throughput_error_pct'),
    violation_diff_pts: byModel('violation_diff_pts'),
    targets: { median_latency_error_pct: 10, p99_latency_error_pct: 20, violation_diff_pts: 1 },
    meets_targets: Object.fromEntries(perModel.map((r) => [r.model as string, meetsTargets(r)])),
    foreign_cpu_cores: { profile: sidecar.foreign_cpu_cores, serve: real.cpu === null ? null : round(real.cpu.foreignCores, 3) },
    machine_quiet: [sidecar.foreign_cpu_cores, real.cpu?.foreignCores ?? null].every((c) => c === null || c <= QUIET_FOREIGN_CORES),
    plan: planJson(plan),
    profile: { file: prof.files[0], cores: sidecar.cores, jitter_cv: sidecar.jitter_cv, models: sidecar.models },
    settings: st,
  };
  const files = [
    ...prof.files,
    writeCsv(opts.outDir, 'fidelity.csv', rows, FIDELITY_COLUMNS),
    writeText(opts.outDir, 'fidelity.json', `${JSON.stringify(json, null, 2)}\n`),
  ];
  const text = [
    `profile (${sidecar.gpu}, jitter CV ${fmt(sidecar.jitter_cv, 3)}):`,
    profileTable(prof.set),
    `plan (${plan.scheduler}${plan.feasible ? '' : ', INFEASIBLE'}): ${planJson(plan).gpus.flatMap((g) => g.gpulets.map((l) => `${l.partition}% [${l.models.map((m) => `${m.model} b${m.batch}`).join(', ')}] duty ${l.duty_cycle_ms} ms`)).join('; ')}`,
    table(
      ['model', 'SLO ms', 'p50 real', 'p50 sim', 'err %', 'p99 real', 'p99 sim', 'err %', 'thr real', 'thr sim', 'viol real %', 'viol sim %'],
      rows.map((r) => [r.variant as string, r.slo_ms as number | null, r.real_p50_ms as number | null, r.sim_p50_ms as number | null, r.p50_error_pct as number | null, r.real_p99_ms as number | null, r.sim_p99_ms as number | null, r.p99_error_pct as number | null, r.real_throughput_rps as number, r.sim_throughput_rps as number, r.real_violation_pct as number, r.sim_violation_pct as number]),
    ),
    `real: ${real.summary.requests.arrived} arrived = ${real.summary.requests.completed} completed + ${real.summary.requests.dropped} dropped, restarts ${real.restarts}`,
    `other processes used ${fmt(sidecar.foreign_cpu_cores ?? NaN)} cores while profiling and ${fmt(real.cpu?.foreignCores ?? NaN)} while serving` +
      `${[sidecar.foreign_cpu_cores, real.cpu?.foreignCores ?? null].every((c) => c === null || c <= QUIET_FOREIGN_CORES) ? '' : ` (above ${QUIET_FOREIGN_CORES}: the machine was not quiet, the comparison is disturbed)`}`,
  ].join('\n');
  return { json, text, files };
}

export const fidelity: Experiment = {
  name: 'fidelity',
  describe: 'Sim vs real: profile here, serve a plan for real (onnxruntime, CPU core shares), simulate it on the measured profile, compare',
  run,
};

