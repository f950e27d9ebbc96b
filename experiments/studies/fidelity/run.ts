/**
 * `gpulet experiment fidelity`: does the simulator predict real serving? On this machine: profile
 * the models (the serving path itself, `backends/onnx/profile.ts`), plan a workload with the
 * measured SLOs, serve it for real in real time, then simulate the same plan with the measured
 * profile, jitter and co-location slowdowns under the identical seeded arrival trace, and compare
 * per model p50 and p99 latency, throughput and SLO violations. Each load is profiled right before
 * it is served: this VM's speed moves by 5-15 % within minutes (two profiles taken minutes apart
 * differ by that much, cell by cell), which would otherwise pass for simulator error.
 *
 * Targets (docs/design.md#fidelity-targets): |p50 error| <= 10 %, |p99 error| <= 20 % per model, violation % within 1
 * point (Vidur reports under 9 % for its simulator). Errors are signed, (sim - real) / real.
 *
 * Loads. The workload offers every model the same share of its batch-32 capacity on the whole
 * machine. On each run's fresh profile the study finds the highest share (on a 0.05 grid) at which
 * the `gpulet` scheduler's plan is feasible, and serves half of it in the first run (a comfortable
 * load) and all of it in the second (the hardest regime the scheduler accepts, where violations
 * appear). The top-level `real`, `sim` and error maps of the JSON are the second run's; `runs` has
 * both.
 *
 * Defaults suit a 2-core machine: three reduced-width models (`DEFAULT_PROFILE_MODELS`), the
 * `gpulet` scheduler (the interference-aware variant's predictor is fitted to GPU data), 30 s of
 * arrivals per load. `--quick` profiles with 3 reps and serves 8 s at the half load only. Real runs
 * are not byte-reproducible, so there is no golden file: the CSV is a measurement. Run it on a quiet
 * machine: the study waits for one, profiles and serves a load again when other processes disturbed
 * it (up to 3 times in all), and reports the CPU they used.
 */
import { median } from '../../../engine/stats.ts';
import { basename, dirname, join } from 'node:path';
import { InputError } from '../../../engine/errors.ts';
import { round } from '../../../engine/metrics.ts';
import { gpusUsed, type Plan } from '../../../engine/plan.ts';
import type { RunSummary, TaskSummary } from '../../../engine/server/session.ts';
import { coreSharePartitions, allowedCpus } from '../../../backends/onnx/cores.ts';
import { waitForQuiet } from '../../../backends/onnx/load.ts';
import { parseModelList } from '../../../backends/onnx/models.ts';
import type { ColocationModel } from '../../../sim/gpu.ts';
import type { LatencyModel } from '../../../engine/types.ts';
import { parseWorkload, totalRate, type Workload } from '../../../sim/workload.ts';
import { resolveModel } from '../../../sim/profiles/catalog.ts';
import { planWorkload, simulatePlan } from '../../lib/context.ts';
import { fmt, table } from '../../lib/format.ts';
import { writeCsv, writeText, type CsvRow } from '../../lib/output.ts';
import type { Experiment, ExperimentOptions } from '../../lib/experiment.ts';
import { planJson } from '../../lib/plan-json.ts';
import {
  DEFAULT_PROFILE_MODELS,
  profileTable,
  runProfile,
  workloadFor,
  type ProfileSidecar,
} from '../../lib/profiling.ts';
import { servePlanForReal } from '../../lib/serving.ts';
import type { Io } from '../../lib/io.ts';

/** The study's settings; see the module comment for why these defaults. */
export interface FidelitySettings {
  models: string;
  /** Serve these fractions of the plan-feasible maximum load. */
  loadFractions: number[];
  scheduler: string;
  durationS: number;
  reps: number;
  batches: number[];
  colocationBatches: number[];
  /** Wait up to this long for other processes to leave the machine quiet before each phase, s. */
  quietWaitS: number;
  /** Runs of a phase during which other processes used more than QUIET_FOREIGN_CORES are repeated, up to this many in all. */
  attempts: number;
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
  if (!quiet)
    io.err(
      `fidelity: other processes use ${fmt(use?.foreignCores ?? NaN)} cores; ${phase} anyway (the result will say so)\n`,
    );
}

export function fidelitySettings(quick: boolean): FidelitySettings {
  return {
    models: DEFAULT_PROFILE_MODELS,
    loadFractions: quick ? [0.5] : [0.5, 1],
    scheduler: 'gpulet',
    durationS: quick ? 8 : 30,
    reps: quick ? 3 : 5,
    batches: quick ? [1, 2, 4, 8, 16, 32] : [1, 2, 3, 4, 6, 8, 12, 16, 24, 32],
    colocationBatches: quick ? [8] : [1, 8, 32],
    quietWaitS: quick ? 10 : 120,
    attempts: quick ? 1 : 3,
    nice: -10,
  };
}

/** Signed relative error of `sim` against `real`, percent; null when either is missing. */
export function errorPct(sim: number | null, real: number | null): number | null {
  if (sim === null || real === null || real === 0) return null;
  return round((100 * (sim - real)) / real, 2);
}

const violationPct = (t: TaskSummary): number => (t.arrived === 0 ? 0 : (100 * t.slo_violations) / t.arrived);

/** The co-location slowdown the profile measured for each pair (slowed batch's model, sibling's model). */
export function measuredColocation(s: ProfileSidecar): ColocationModel {
  const factor = new Map(Object.entries(s.models).map(([m, v]) => [m, v.colocation_slowdown]));
  return { name: 'measured-cpu', slowdown: (self, other) => factor.get(self.model)?.[other.model] ?? 1 };
}

export const FIDELITY_COLUMNS = [
  'load',
  'model',
  'variant',
  'slo_ms',
  'arrived',
  'real_p50_ms',
  'sim_p50_ms',
  'p50_error_pct',
  'real_p99_ms',
  'sim_p99_ms',
  'p99_error_pct',
  'real_throughput_rps',
  'sim_throughput_rps',
  'throughput_error_pct',
  'real_violation_pct',
  'sim_violation_pct',
  'violation_diff_pts',
] as const;

/** One comparison row per model, then `all` for the top level. */
export function compareRuns(
  real: RunSummary,
  sim: RunSummary,
  durationS: number,
  variants: Record<string, string>,
): CsvRow[] {
  const rows: CsvRow[] = [];
  const row = (
    model: string,
    variant: string,
    slo: number | null,
    r: { arrived: number; completed: number; p50: number | null; p99: number | null; viol: number },
    s: typeof r,
  ): CsvRow => ({
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
    const view = (t: TaskSummary) => ({
      arrived: t.arrived,
      completed: t.completed,
      p50: t.p50_ms,
      p99: t.p99_ms,
      viol: violationPct(t),
    });
    rows.push(row(m, variants[m] ?? m, r.slo_ms, view(r), view(s)));
  }
  const top = (t: RunSummary) => ({
    arrived: t.requests.arrived,
    completed: t.requests.completed,
    p50: t.p50_ms,
    p99: t.p99_ms,
    viol: t.slo_violation_pct,
  });
  rows.push(row('all', 'all', null, top(real), top(sim)));
  return rows;
}

interface FidelityRun {
  prof: Awaited<ReturnType<typeof runProfile>>;
  load: number;
  /** The highest feasible load on this run's profile. */
  maxLoad: number | null;
  fraction: number;
  w: Workload;
  plan: Plan;
  real: Awaited<ReturnType<typeof servePlanForReal>>;
  sim: ReturnType<typeof simulatePlan>;
  rows: CsvRow[];
}

/** The highest load on the grid 0.05, 0.10, ..., 1 that `feasible` accepts, or null. */
export function maxFeasibleLoad(feasible: (load: number) => boolean): number | null {
  let best: number | null = null;
  for (let k = 1; k <= 20; k++) {
    const load = round(0.05 * k, 2);
    if (feasible(load)) best = load;
  }
  return best;
}

/** How much the machine's speed moved between two profiles: ratios later / earlier over every measured cell. */
export function profileDrift(
  earlier: LatencyModel,
  later: LatencyModel,
  models: readonly string[],
  partitionsPct: readonly number[],
  batches: readonly number[],
) {
  const ratios: number[] = [];
  for (const m of models)
    for (const p of partitionsPct)
      for (const b of batches) ratios.push(later.latencyMs(m, b, p) / earlier.latencyMs(m, b, p));
  ratios.sort((a, b) => a - b);
  return {
    median_ratio: round(median(ratios), 4),
    min_ratio: round(ratios[0], 4),
    max_ratio: round(ratios[ratios.length - 1], 4),
  };
}

/** Whether a row meets the targets. */
export function meetsTargets(r: CsvRow): { p50: boolean; p99: boolean; violation: boolean } {
  const within = (v: unknown, bound: number) => typeof v === 'number' && Math.abs(v) <= bound;
  return {
    p50: within(r.p50_error_pct, 10),
    p99: within(r.p99_error_pct, 20),
    violation: within(r.violation_diff_pts, 1),
  };
}

async function run(opts: ExperimentOptions, io: Io) {
  if (opts.shard.count > 1)
    throw new InputError('experiment fidelity: --shard does not apply (one real run on one machine)');
  const st = {
    ...fidelitySettings(opts.quick),
    ...(opts.maxRetries !== undefined ? { attempts: opts.maxRetries + 1 } : {}),
  };
  const quietEnough = (cores: number | null): boolean => cores === null || cores <= QUIET_FOREIGN_CORES;
  const profileNow = async (stem: string) => {
    await settle(io, 'profiling', st.quietWaitS);
    io.err(`fidelity: profiling ${st.models} (${st.reps} reps) into ${stem}.csv\n`);
    return runProfile({
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
      load: 0.3, // STEM.workload.json is rewritten with the load served
    });
  };
  const workloadAt = (sidecar: ProfileSidecar, load: number): Workload =>
    parseWorkload(
      JSON.stringify(workloadFor(sidecar, load, `fidelity-load${load}`)),
      'fidelity workload',
      resolveModel,
    );

  const runs: FidelityRun[] = [];
  const files: string[] = [];
  for (const [i, fraction] of st.loadFractions.entries()) {
    // Profile right before serving: this VM's speed drifts by 5-15 % within minutes (measured).
    const stem = join(opts.outDir, `fidelity-profile-${i + 1}`);
    let prof: Awaited<ReturnType<typeof runProfile>>;
    let real: Awaited<ReturnType<typeof servePlanForReal>>;
    let maxLoad: number | null;
    let load: number;
    let w: Workload;
    let plan: Plan;
    for (let attempt = 1; ; attempt++) {
      prof = await profileNow(stem);
      const sidecar = prof.sidecar;
      // The maximum on this load's own profile, so the plan served is the one that profile accepts.
      maxLoad = maxFeasibleLoad((l) => planWorkload(workloadAt(sidecar, l), st.scheduler, prof.set.ctx).feasible);
      if (maxLoad === null)
        io.err(`fidelity: no load on the grid has a feasible ${st.scheduler} plan; serving 0.05 anyway\n`);
      load = round(Math.max(0.05, (maxLoad ?? 0.05) * fraction), 3);
      w = workloadAt(sidecar, load);
      plan = planWorkload(w, st.scheduler, prof.set.ctx);
      if (!plan.feasible)
        io.err(
          `fidelity: the ${st.scheduler} plan at load ${load} is infeasible (${plan.reason}); serving it anyway\n`,
        );
      await settle(io, 'serving', st.quietWaitS);
      io.err(`fidelity: serving ${fmt(totalRate(w))} req/s (load ${load}) for ${st.durationS} s for real\n`);
      real = await servePlanForReal(w, plan, {
        backend: 'onnx',
        seed: opts.seed,
        durationS: st.durationS,
        sidecar,
        nice: st.nice,
        io,
      });
      const disturbed = [sidecar.foreign_cpu_cores, real.cpu?.foreignCores ?? null].filter((c) => !quietEnough(c));
      if (disturbed.length === 0 || attempt >= st.attempts) break;
      io.err(
        `fidelity: other processes used ${disturbed.map((c) => fmt(c ?? NaN)).join(' / ')} cores; profiling and serving again (${attempt + 1}/${st.attempts})\n`,
      );
    }
    const sidecar = prof.sidecar;
    const ctx = prof.set.ctx;
    // The workload served, next to its profile, so `serve`/`simulate --profiles` can repeat it.
    files.push(...prof.files);
    writeText(
      dirname(stem),
      `${basename(stem)}.workload.json`,
      `${JSON.stringify(workloadFor(sidecar, load, `fidelity-load${load}`), null, 2)}\n`,
    );
    const variants = Object.fromEntries(Object.entries(sidecar.models).map(([m, v]) => [m, v.variant]));
    const sim = simulatePlan(w, plan, ctx, {
      seed: opts.seed,
      durationS: st.durationS,
      jitterCv: sidecar.jitter_cv,
      colocation: measuredColocation(sidecar),
    });
    const rows = compareRuns(real.summary, sim, st.durationS, variants).map((r) => ({ load, ...r }));
    runs.push({ load, fraction, maxLoad, w, plan, real, sim, rows, prof });
  }

  const runJson = (r: FidelityRun) => {
    const perModel = r.rows.filter((x) => x.model !== 'all');
    const byModel = (col: string) => Object.fromEntries(perModel.map((x) => [x.model as string, x[col]]));
    const head = {
      workload: r.w.name,
      scheduler: r.plan.scheduler,
      rate_rps: totalRate(r.w),
      duration_s: st.durationS,
      seed: opts.seed,
      plan_feasible: r.plan.feasible,
      gpus_used: gpusUsed(r.plan),
    };
    return {
      load: r.load,
      max_feasible_load: r.maxLoad,
      real: { ...head, backend: 'onnx', ...r.real.summary, restarts: r.real.restarts, gpulets: r.real.gpulets },
      sim: { ...head, ...r.sim },
      median_latency_error_pct: byModel('p50_error_pct'),
      p99_latency_error_pct: byModel('p99_error_pct'),
      throughput_error_pct: byModel('throughput_error_pct'),
      violation_diff_pts: byModel('violation_diff_pts'),
      meets_targets: Object.fromEntries(perModel.map((x) => [x.model as string, meetsTargets(x)])),
      foreign_cpu_cores: {
        profiling: r.prof.sidecar.foreign_cpu_cores,
        serving: r.real.cpu === null ? null : round(r.real.cpu.foreignCores, 3),
      },
      plan: planJson(r.plan),
      profile: { file: r.prof.files[0], jitter_cv: r.prof.sidecar.jitter_cv, models: r.prof.sidecar.models },
    };
  };
  const foreign = runs.flatMap((r) => [r.prof.sidecar.foreign_cpu_cores, r.real.cpu?.foreignCores ?? null]);
  const machineQuiet = foreign.every((c) => quietEnough(c));
  const runsJson = runs.map(runJson);
  const main = runsJson[runsJson.length - 1];
  const json = {
    ...main,
    runs: runsJson,
    targets: { median_latency_error_pct: 10, p99_latency_error_pct: 20, violation_diff_pts: 1 },
    machine_quiet: machineQuiet,
    profile_drift:
      runs.length > 1
        ? profileDrift(
            runs[0].prof.set.ctx.latency,
            runs[runs.length - 1].prof.set.ctx.latency,
            Object.keys(runs[0].prof.sidecar.models),
            runs[0].prof.sidecar.partitions_pct,
            st.batches,
          )
        : null,
    settings: st,
  };
  const rows = runs.flatMap((r) => r.rows);
  files.push(
    writeCsv(opts.outDir, 'fidelity.csv', rows, FIDELITY_COLUMNS),
    writeText(opts.outDir, 'fidelity.json', `${JSON.stringify(json, null, 2)}\n`),
  );
  const text = [
    `highest load with a feasible ${st.scheduler} plan: ${runs.map((r) => r.maxLoad ?? 'none').join(', then ')} (on each run's own profile)` +
      (json.profile_drift === null
        ? ''
        : `; latency later / earlier profile: median ${fmt(json.profile_drift.median_ratio, 3)}, range ${fmt(json.profile_drift.min_ratio, 2)}-${fmt(json.profile_drift.max_ratio, 2)}`),
    ...runs.flatMap((r) => [
      `profile ${r.prof.files[0]} (jitter CV ${fmt(r.prof.sidecar.jitter_cv, 3)}):`,
      profileTable(r.prof.set),
      `load ${r.load} (${fmt(totalRate(r.w))} req/s), plan${r.plan.feasible ? '' : ' INFEASIBLE'}: ${planJson(r.plan)
        .gpus.flatMap((g) =>
          g.gpulets.map(
            (l) =>
              `${l.partition}% [${l.models.map((m) => `${m.model} b${m.batch}`).join(', ')}] duty ${l.duty_cycle_ms} ms`,
          ),
        )
        .join('; ')}`,
      table(
        [
          'model',
          'SLO ms',
          'p50 real',
          'p50 sim',
          'err %',
          'p99 real',
          'p99 sim',
          'err %',
          'thr real',
          'thr sim',
          'viol real %',
          'viol sim %',
        ],
        r.rows.map((x) => [
          x.variant as string,
          x.slo_ms as number | null,
          x.real_p50_ms as number | null,
          x.sim_p50_ms as number | null,
          x.p50_error_pct as number | null,
          x.real_p99_ms as number | null,
          x.sim_p99_ms as number | null,
          x.p99_error_pct as number | null,
          x.real_throughput_rps as number,
          x.sim_throughput_rps as number,
          x.real_violation_pct as number,
          x.sim_violation_pct as number,
        ]),
      ),
      `real: ${r.real.summary.requests.arrived} arrived = ${r.real.summary.requests.completed} completed + ${r.real.summary.requests.dropped} dropped, restarts ${r.real.restarts}`,
    ]),
    `other processes used ${foreign.map((c) => fmt(c ?? NaN)).join(' / ')} cores while profiling / serving` +
      `${machineQuiet ? '' : ` (above ${QUIET_FOREIGN_CORES}: the machine was not quiet, the comparison is disturbed)`}`,
  ].join('\n');
  return { json, text, files };
}

export const fidelity: Experiment = {
  name: 'fidelity',
  describe:
    'Sim vs real: profile here, serve a plan for real (onnxruntime, CPU core shares), simulate it on the measured profile, compare',
  run,
};
