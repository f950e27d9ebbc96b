/**
 * `gpulet experiment fidelity`: does the simulator predict real serving, and where does it stop?
 * On this machine: profile the models (through the serving path itself, `backends/onnx/profile.ts`),
 * plan the workload at the highest load the `gpulet` scheduler accepts on that profile (the plan's
 * capacity), serve that plan for real in real time at a sweep of loads from 10 % to 110 % of its
 * capacity, several seeds each, and simulate each run with the measured profile under the identical
 * seeded arrivals. Errors are signed, (sim - real) / real, per model and in total (`all`).
 *
 * Each load is profiled right before it is served: this VM's speed moves by 5-15 % within minutes
 * (two profiles taken minutes apart differ by that much, cell by cell), which would otherwise pass
 * for simulator error.
 *
 * The simulator's model of real serving is built up in steps, each measured on this machine and
 * switchable (SIM_MODELS), and every real run is simulated under each, so the error before and after
 * each step is in the same table: `lognormal` (the profile's median latencies, log-normal jitter
 * with the profile's CV), `+colocation` (the slowdown measured between co-located core partitions),
 * `+empirical-latency` (each batch's latency drawn from the profile's measured rep-to-median ratios:
 * the heavy tail, and a mean above the median), `+dispatch` (a per-batch cost of real serving over
 * the profiled latency: the median extra time of a batch plus the real-time loop's mean lag,
 * `dispatch.ts`). The last is the simulator's full model.
 *
 * The dispatch cost is calibrated per load, since each load re-plans and the plans differ (two 50 %
 * gpulets with one onnxruntime thread each, or one 100 % gpulet with two threads and time-sharing):
 * before a load's seeds are served, that load's plan is served at 10 % of its capacity for
 * `calibrationS` on its own seed (run seed + 1000 + the load's index), and its cost is what
 * `+dispatch` adds to that load's runs (JSON `dispatch_by_load`; `dispatch` is their min, median and
 * max over loads). As a diagnostic, the same quantities are measured from every sweep run's own
 * batches and reported as medians over seeds (`measured_dispatch_by_load`, and `measured_dispatch`
 * per run): they show whether the cost grows with load. The simulator never uses them.
 *
 * Targets (docs/design.md#fidelity-targets): up to 90 % of capacity, |p50 error| <= 5 % and |p99 error| <= 10 % for every
 * model at every load (median over seeds); violation % within 1 point at every load up to 110 %.
 *
 * Defaults suit a 2-core machine: three reduced-width models (`DEFAULT_PROFILE_MODELS`), the
 * `gpulet` scheduler (the interference-aware variant's predictor is fitted to GPU data). `--quick`:
 * 3 loads, 1 seed, short runs. Real runs are not byte-reproducible, so there is no golden file: the
 * CSV is a measurement. Run it on a quiet machine: the study waits for one, repeats a profile or a
 * run that other processes disturbed (up to `attempts` in all), and says in its output when the
 * machine was not quiet. Every output records the CPU, its cores, onnxruntime's version and the
 * threads per partition.
 */
import { median } from '../../../engine/stats.ts';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { NO_INTERFERENCE } from '../../../sim/gpu.ts';
import { meanCi } from '../../figures/stats.ts';
import { basename, dirname, join } from 'node:path';
import { InputError } from '../../../engine/errors.ts';
import { round } from '../../../engine/metrics.ts';
import { gpusUsed, type Plan } from '../../../engine/plan.ts';
import type { RunSummary, TaskSummary } from '../../../engine/server/session.ts';
import { coreSharePartitions, allowedCpus } from '../../../backends/onnx/cores.ts';
import { waitForQuiet, type CpuUse } from '../../../backends/onnx/load.ts';
import { parseModelList } from '../../../backends/onnx/models.ts';
import type { ColocationModel } from '../../../sim/gpu.ts';
import type { LatencyModel } from '../../../engine/types.ts';
import { totalRate, type Workload } from '../../../sim/workload.ts';
import { planWorkload, simulatePlan, type Context, type SimulateOptions } from '../../lib/context.ts';
import { fmt, table } from '../../lib/format.ts';
import { writeCsv, writeText, type CsvRow } from '../../lib/output.ts';
import type { Experiment, ExperimentOptions } from '../../lib/experiment.ts';
import { planJson } from '../../lib/plan-json.ts';
import {
  DEFAULT_PROFILE_MODELS,
  profileWorkload,
  runProfile,
  workloadFor,
  type ProfileSidecar,
} from '../../lib/profiling.ts';
import { servePlanForReal } from '../../lib/serving.ts';
import type { Io } from '../../lib/io.ts';
import { batchRecorder, dispatchCost, dispatchSummary, medianDispatch, type DispatchCost } from './dispatch.ts';

/** The study's settings; see the module comment for why these defaults. */
export interface FidelitySettings {
  models: string;
  /** Serve the capacity plan at these percentages of its capacity. */
  loadPcts: number[];
  /** Seeds per load: the run seed, then the next ones. */
  seeds: number;
  scheduler: string;
  durationS: number;
  /** Seconds of each load's low-load calibration run that measures its plan's per-batch dispatch cost. */
  calibrationS: number;
  reps: number;
  batches: number[];
  colocationBatches: number[];
  /** Wait up to this long for other processes to leave the machine quiet before each phase, s. */
  quietWaitS: number;
  /** Profiles and runs during which other processes used more than QUIET_FOREIGN_CORES are repeated, up to this many in all. */
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

/** The targets: |p50| and |p99| error up to `upToLoadPct`, violation points at every load. */
export const TARGETS = { p50_error_pct: 5, p99_error_pct: 10, up_to_load_pct: 90, violation_error_points: 1 };

/** The simulator's model of real serving, step by step (module comment); the last is the full one. */
export const SIM_MODELS = ['lognormal', '+colocation', '+empirical-latency', '+dispatch'] as const;
export type SimModel = (typeof SIM_MODELS)[number];
export const FULL_MODEL: SimModel = '+dispatch';

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
    loadPcts: quick ? [30, 70, 110] : [10, 30, 50, 70, 90, 110],
    seeds: quick ? 1 : 3,
    scheduler: 'gpulet',
    durationS: quick ? 6 : 20,
    calibrationS: quick ? 4 : 10,
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

/** The columns compareRuns fills, per model and `all`. */
export const COMPARE_COLUMNS = [
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

/** What the machine was: in every row of the CSV and in the JSON. */
export const MACHINE_COLUMNS = ['cpu_model', 'cores', 'onnxruntime', 'threads'] as const;

export const FIDELITY_COLUMNS = [
  'load_pct',
  'capacity',
  'seed',
  'sim_model',
  ...COMPARE_COLUMNS,
  'real_foreign_cores',
  ...MACHINE_COLUMNS,
] as const;

/** Per (sim model, load, model): medians over seeds, and the t-interval of each error across seeds. */
export const SUMMARY_COLUMNS = [
  'sim_model',
  'load_pct',
  'model',
  'seeds',
  'real_p50_ms',
  'sim_p50_ms',
  'p50_error_pct',
  'p50_error_lo',
  'p50_error_hi',
  'real_p99_ms',
  'sim_p99_ms',
  'p99_error_pct',
  'p99_error_lo',
  'p99_error_hi',
  'real_violation_pct',
  'sim_violation_pct',
  'violation_error_points',
  'violation_error_lo',
  'violation_error_hi',
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

/** Whether a row (or a summary row) meets the targets at its load (TARGETS). */
export function meetsTargets(r: CsvRow, loadPct: number): { p50: boolean; p99: boolean; violation: boolean } {
  const within = (v: unknown, bound: number) => typeof v === 'number' && Math.abs(v) <= bound;
  const latencyApplies = loadPct <= TARGETS.up_to_load_pct;
  const violation = r.violation_error_points ?? r.violation_diff_pts;
  return {
    p50: !latencyApplies || within(r.p50_error_pct, TARGETS.p50_error_pct),
    p99: !latencyApplies || within(r.p99_error_pct, TARGETS.p99_error_pct),
    violation: within(violation, TARGETS.violation_error_points),
  };
}

/** The simulation options of one step of the simulator's model (SIM_MODELS). */
export function simModelOptions(
  m: SimModel,
  sidecar: ProfileSidecar,
  dispatchMs: number,
): { jitterCv: number; jitterRatios?: readonly number[]; colocation: ColocationModel; dispatchMs: number } {
  const step = SIM_MODELS.indexOf(m);
  const ratios = sidecar.latency_ratios;
  return {
    jitterCv: sidecar.jitter_cv,
    ...(step >= 2 && ratios !== undefined && ratios.length > 0 ? { jitterRatios: ratios } : {}),
    colocation: step >= 1 ? measuredColocation(sidecar) : NO_INTERFERENCE,
    dispatchMs: step >= 3 ? dispatchMs : 0,
  };
}

/** Medians over seeds per (sim model, load, model), with each error's 95 % t-interval across seeds. */
export function summariseFidelity(rows: readonly CsvRow[]): CsvRow[] {
  const groups = new Map<string, CsvRow[]>();
  for (const r of rows) {
    const key = `${r.sim_model}\u0000${r.load_pct}\u0000${r.model}`;
    const g = groups.get(key);
    if (g === undefined) groups.set(key, [r]);
    else g.push(r);
  }
  const out: CsvRow[] = [];
  for (const g of groups.values()) {
    const nums = (c: string) => g.map((r) => r[c]).filter((v): v is number => typeof v === 'number');
    const med = (c: string) => {
      const xs = nums(c);
      return xs.length === 0 ? null : round(median(xs), 3);
    };
    const ci = (c: string) => {
      const xs = nums(c);
      return xs.length < 2
        ? { lo: null, hi: null }
        : (({ lo, hi }) => ({ lo: round(lo, 3), hi: round(hi, 3) }))(meanCi(xs));
    };
    const p50 = ci('p50_error_pct');
    const p99 = ci('p99_error_pct');
    const viol = ci('violation_diff_pts');
    out.push({
      sim_model: g[0].sim_model,
      load_pct: g[0].load_pct,
      model: g[0].model,
      seeds: g.length,
      real_p50_ms: med('real_p50_ms'),
      sim_p50_ms: med('sim_p50_ms'),
      p50_error_pct: med('p50_error_pct'),
      p50_error_lo: p50.lo,
      p50_error_hi: p50.hi,
      real_p99_ms: med('real_p99_ms'),
      sim_p99_ms: med('sim_p99_ms'),
      p99_error_pct: med('p99_error_pct'),
      p99_error_lo: p99.lo,
      p99_error_hi: p99.hi,
      real_violation_pct: med('real_violation_pct'),
      sim_violation_pct: med('sim_violation_pct'),
      violation_error_points: med('violation_diff_pts'),
      violation_error_lo: viol.lo,
      violation_error_hi: viol.hi,
    });
  }
  return out;
}

/** The lowest load at which some model's median |p50| or |p99| error passes 10 %, or null. */
export function errorPasses10PctAt(summary: readonly CsvRow[], simModel: SimModel = FULL_MODEL): number | null {
  const loads = summary
    .filter(
      (r) =>
        r.sim_model === simModel &&
        [r.p50_error_pct, r.p99_error_pct].some((e) => typeof e === 'number' && Math.abs(e) > 10),
    )
    .map((r) => Number(r.load_pct));
  return loads.length === 0 ? null : Math.min(...loads);
}

/** The machine, for every output. */
export function machineInfo(threadsByPartition: Record<string, number>) {
  let ort: string | null = null;
  try {
    ort = (createRequire(import.meta.url)('onnxruntime-node/package.json') as { version: string }).version;
  } catch {
    ort = null;
  }
  return {
    cpu_model: cpus()[0]?.model.trim() ?? 'unknown',
    cores: allowedCpus().length,
    onnxruntime: ort,
    threads: Object.entries(threadsByPartition)
      .map(([p, n]) => `${p}%:${n}`)
      .join(' '),
  };
}

/** The seed of load `loadIndex`'s calibration run: one per load, none of the sweep's (run seed, +1, ...). */
export const calibrationSeed = (runSeed: number, loadIndex: number): number => runSeed + 1000 + loadIndex;

/**
 * Serve once, and again while `disturbed` says other processes disturbed the run, up to `attempts`
 * runs in all (once when `retry` is false); `recorder` is cleared before each run, so what it holds
 * at the end is the returned run's batches only.
 */
export async function serveAttempts<T>(o: {
  attempts: number;
  retry: boolean;
  recorder: { clear(): void };
  serveOnce: () => Promise<T>;
  disturbed: (result: T) => boolean;
  onRetry: (result: T, nextAttempt: number) => void;
}): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    o.recorder.clear();
    const result = await o.serveOnce();
    if (!o.retry || attempt >= o.attempts || !o.disturbed(result)) return result;
    o.onRetry(result, attempt + 1);
  }
}

/** What simulateLoad needs of one load: its profile's sidecar and context, plan, calibrated cost and real runs. */
export interface LoadToSimulate {
  loadPct: number;
  capacity: number | null;
  plan: Plan;
  sidecar: ProfileSidecar;
  ctx: Context;
  /** The cost `+dispatch` adds to this load's runs: this load's own calibration (never `measured`). */
  dispatch: DispatchCost;
  runs: ReadonlyArray<{ seed: number; w: Workload; real: { summary: RunSummary; cpu: CpuUse | null } }>;
}

/**
 * Every real run of one load simulated under each step of the simulator's model (SIM_MODELS), on
 * the same seed, with the load's own calibrated dispatch cost: one comparison row per model and
 * `all`, per run and step.
 */
export function simulateLoad(
  l: LoadToSimulate,
  durationS: number,
  simulate: (w: Workload, plan: Plan, ctx: Context, o: SimulateOptions) => RunSummary = simulatePlan,
): CsvRow[] {
  const variants = Object.fromEntries(Object.entries(l.sidecar.models).map(([m, v]) => [m, v.variant]));
  const rows: CsvRow[] = [];
  for (const r of l.runs)
    for (const m of SIM_MODELS) {
      const sim = simulate(r.w, l.plan, l.ctx, {
        seed: r.seed,
        durationS,
        ...simModelOptions(m, l.sidecar, l.dispatch.dispatch_ms),
      });
      for (const row of compareRuns(r.real.summary, sim, durationS, variants))
        rows.push({
          load_pct: l.loadPct,
          capacity: l.capacity,
          seed: r.seed,
          sim_model: m,
          ...row,
          real_foreign_cores: r.real.cpu === null ? null : round(r.real.cpu.foreignCores, 3),
        });
    }
  return rows;
}

/** One load of the sweep: its profile, its capacity plan, its real runs and their comparisons. */
interface LoadRun {
  loadPct: number;
  prof: Awaited<ReturnType<typeof runProfile>>;
  /** The plan's capacity: the highest load (fraction of batch-32 capacity) it accepts on this profile. */
  capacity: number | null;
  plan: Plan;
  /** The dispatch cost calibrated on this load's plan at 10 % of its capacity: what `+dispatch` adds. */
  dispatch: DispatchCost;
  /** Each run with the dispatch cost measured from its own batches (diagnostic; never simulated with). */
  runs: Array<{
    seed: number;
    w: Workload;
    real: Awaited<ReturnType<typeof servePlanForReal>>;
    measured: DispatchCost;
  }>;
}

async function run(opts: ExperimentOptions, io: Io) {
  if (opts.shard.count > 1)
    throw new InputError('experiment fidelity: --shard does not apply (one real run on one machine)');
  const st = {
    ...fidelitySettings(opts.quick),
    ...(opts.maxRetries !== undefined ? { attempts: opts.maxRetries + 1 } : {}),
  };
  const quietEnough = (cores: number | null): boolean => cores === null || cores <= QUIET_FOREIGN_CORES;
  const seeds = Array.from({ length: st.seeds }, (_, i) => opts.seed + i);
  const profileNow = async (stem: string) => {
    for (let attempt = 1; ; attempt++) {
      await settle(io, 'profiling', st.quietWaitS);
      io.err(`fidelity: profiling ${st.models} (${st.reps} reps) into ${stem}.csv\n`);
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
        load: 0.3, // STEM.workload.json is rewritten with the capacity plan's load
      });
      if (quietEnough(prof.sidecar.foreign_cpu_cores) || attempt >= st.attempts) return prof;
      io.err(
        `fidelity: other processes used ${fmt(prof.sidecar.foreign_cpu_cores ?? NaN)} cores while profiling; again (${attempt + 1}/${st.attempts})\n`,
      );
    }
  };
  // `recorder` collects the run's batches (cleared before each attempt); `retry`: repeat a run that
  // other processes disturbed, up to st.attempts in all.
  const serveNow = (
    w: Workload,
    plan: Plan,
    seed: number,
    sidecar: ProfileSidecar,
    durationS: number,
    recorder: ReturnType<typeof batchRecorder>,
    retry: boolean,
  ) =>
    serveAttempts({
      attempts: st.attempts,
      retry,
      recorder,
      serveOnce: async () => {
        await settle(io, 'serving', st.quietWaitS);
        io.err(`fidelity: serving ${fmt(totalRate(w))} req/s for ${durationS} s for real (seed ${seed})\n`);
        return servePlanForReal(w, plan, {
          backend: 'onnx',
          seed,
          durationS,
          sidecar,
          nice: st.nice,
          io,
          quiet: true,
          observer: recorder.observer,
        });
      },
      disturbed: (real) => !quietEnough(real.cpu?.foreignCores ?? null),
      onRetry: (real, next) =>
        io.err(
          `fidelity: other processes used ${fmt(real.cpu?.foreignCores ?? NaN)} cores while serving; again (${next}/${st.attempts})\n`,
        ),
    });
  const workloadAt = (sidecar: ProfileSidecar, load: number): Workload =>
    profileWorkload(sidecar, load, `fidelity-load${round(load, 4)}`);

  const loads: LoadRun[] = [];
  const files: string[] = [];
  for (const [i, loadPct] of st.loadPcts.entries()) {
    // Profile right before serving: this VM's speed drifts by 5-15 % within minutes (measured).
    const stem = join(opts.outDir, `fidelity-profile-${i + 1}`);
    const prof = await profileNow(stem);
    const sidecar = prof.sidecar;
    const ctx = prof.set.ctx;
    // The plan's capacity on this load's own profile; the plan served at every seed of this load.
    const capacity = maxFeasibleLoad((l) => planWorkload(workloadAt(sidecar, l), st.scheduler, ctx).feasible);
    if (capacity === null)
      io.err(`fidelity: no load on the grid has a feasible ${st.scheduler} plan; planning 0.05 anyway\n`);
    const planLoad = capacity ?? 0.05;
    const plan = planWorkload(workloadAt(sidecar, planLoad), st.scheduler, ctx);
    files.push(...prof.files);
    writeText(
      dirname(stem),
      `${basename(stem)}.workload.json`,
      `${JSON.stringify(workloadFor(sidecar, planLoad, `fidelity-capacity`), null, 2)}\n`,
    );
    // Calibration on this load's own plan (plans differ between loads: gpulet sizes, threads per
    // gpulet, time-sharing), at 10 % of its capacity, on a seed the sweep does not use.
    const cal = batchRecorder();
    io.err(`fidelity: calibrating the per-batch dispatch cost of load ${loadPct} %'s plan at 10 % of capacity\n`);
    const calRun = await serveNow(
      workloadAt(sidecar, planLoad * 0.1),
      plan,
      calibrationSeed(opts.seed, i),
      sidecar,
      st.calibrationS,
      cal,
      true,
    );
    const dispatch = dispatchCost(cal.batches, ctx.latency, calRun.clockLagMs.mean);
    const runs: LoadRun['runs'] = [];
    for (const seed of seeds) {
      const w = workloadAt(sidecar, (planLoad * loadPct) / 100);
      // The run's own batches, for the diagnostic only (measured_dispatch_by_load).
      const rec = batchRecorder();
      const real = await serveNow(w, plan, seed, sidecar, st.durationS, rec, true);
      runs.push({ seed, w, real, measured: dispatchCost(rec.batches, ctx.latency, real.clockLagMs.mean) });
    }
    loads.push({ loadPct, prof, capacity, plan, dispatch, runs });
  }
  if (loads.length === 0) throw new Error('fidelity: no load was served');

  const machine = machineInfo(loads[0]?.prof.sidecar.threads_by_partition ?? {});
  const rows: CsvRow[] = loads.flatMap((l) =>
    simulateLoad({ ...l, sidecar: l.prof.sidecar, ctx: l.prof.set.ctx }, st.durationS).map((r) => ({
      ...r,
      ...machine,
    })),
  );
  const summary = summariseFidelity(rows);
  const full = summary.filter((r) => r.sim_model === FULL_MODEL);
  const foreign = loads.flatMap((l) => [
    l.prof.sidecar.foreign_cpu_cores,
    ...l.runs.map((r) => r.real.cpu?.foreignCores ?? null),
  ]);
  const machineQuiet = foreign.every((c) => quietEnough(c));
  const targetsMet = full.every((r) => Object.values(meetsTargets(r, Number(r.load_pct))).every(Boolean));
  // Per step of the model: the largest |error| over models at loads up to the target's bound.
  const bySimModel = SIM_MODELS.map((m) => {
    const within = summary.filter((r) => r.sim_model === m && Number(r.load_pct) <= TARGETS.up_to_load_pct);
    const absMax = (c: string, rs = within) =>
      rs.reduce((x, r) => (typeof r[c] === 'number' ? Math.max(x, Math.abs(r[c] as number)) : x), 0);
    return {
      sim_model: m,
      max_abs_p50_error_pct: absMax('p50_error_pct'),
      max_abs_p99_error_pct: absMax('p99_error_pct'),
      max_abs_violation_error_points: absMax(
        'violation_error_points',
        summary.filter((r) => r.sim_model === m),
      ),
      mean_p50_error_pct: round(
        within.reduce((a, r) => a + Number(r.p50_error_pct ?? 0), 0) / Math.max(1, within.length),
        3,
      ),
      error_passes_10pct_at_load_pct: errorPasses10PctAt(summary, m),
    };
  });
  const dispatchByLoad = loads.map((l) => ({ load_pct: l.loadPct, ...l.dispatch }));
  const measuredByLoad = loads.map((l) => ({ load_pct: l.loadPct, ...medianDispatch(l.runs.map((r) => r.measured)) }));
  const json = {
    machine: {
      ...machine,
      quiet: machineQuiet,
      foreign_cpu_cores: foreign.map((c) => (c === null ? null : round(c, 3))),
    },
    loads: full.map((r) => ({
      load_pct: r.load_pct,
      model: r.model,
      p50_error_pct: r.p50_error_pct,
      p99_error_pct: r.p99_error_pct,
      violation_error_points: r.violation_error_points,
    })),
    error_passes_10pct_at_load_pct: errorPasses10PctAt(summary),
    targets: TARGETS,
    targets_met: targetsMet,
    sim_models: bySimModel,
    // The calibrated cost each load was simulated with, and (top level) their spread over loads.
    dispatch: dispatchSummary(dispatchByLoad),
    dispatch_by_load: dispatchByLoad,
    // Diagnostic: the same quantities from the sweep's own runs, median over seeds. Not simulated with.
    measured_dispatch_by_load: measuredByLoad,
    capacity_by_load: Object.fromEntries(loads.map((l) => [l.loadPct, l.capacity])),
    profile_drift:
      loads.length > 1
        ? profileDrift(
            loads[0].prof.set.ctx.latency,
            loads[loads.length - 1].prof.set.ctx.latency,
            Object.keys(loads[0].prof.sidecar.models),
            loads[0].prof.sidecar.partitions_pct,
            st.batches,
          )
        : null,
    plans: loads.map((l) => ({
      load_pct: l.loadPct,
      feasible: l.plan.feasible,
      gpus_used: gpusUsed(l.plan),
      plan: planJson(l.plan),
    })),
    real: loads.flatMap((l) =>
      l.runs.map((r) => ({
        load_pct: l.loadPct,
        seed: r.seed,
        rate_rps: totalRate(r.w),
        requests: r.real.summary.requests,
        restarts: r.real.restarts,
        clock_lag_ms: r.real.clockLagMs,
        measured_dispatch: r.measured,
      })),
    ),
    settings: st,
  };
  files.push(
    writeCsv(opts.outDir, `fidelity${opts.quick ? '-quick' : ''}.csv`, rows, FIDELITY_COLUMNS),
    writeCsv(opts.outDir, `fidelity-summary${opts.quick ? '-quick' : ''}.csv`, summary, SUMMARY_COLUMNS),
    writeText(opts.outDir, `fidelity${opts.quick ? '-quick' : ''}.json`, `${JSON.stringify(json, null, 2)}\n`),
  );
  const text = [
    `${machine.cpu_model}, ${machine.cores} cores, onnxruntime ${machine.onnxruntime ?? '?'}, threads ${machine.threads}` +
      `${machineQuiet ? '' : `; NOT QUIET: other processes used up to ${fmt(Math.max(...foreign.map((c) => c ?? 0)))} cores (above ${QUIET_FOREIGN_CORES})`}`,
    `dispatch cost per batch, ms (= batch excess + loop lag): calibrated on each load's plan at 10 % of its capacity (what +dispatch adds), and measured in that load's own runs (median of ${seeds.length} seed(s); diagnostic, not simulated with):`,
    table(
      [
        'load %',
        'cal dispatch',
        'cal excess',
        'cal lag',
        'cal batches',
        'run dispatch',
        'run excess',
        'run lag',
        'run batches',
      ],
      loads.map((l, k) => {
        const c = l.dispatch;
        const m = measuredByLoad[k];
        return [
          l.loadPct,
          fmt(c.dispatch_ms, 3),
          c.batch_excess_ms === null ? null : fmt(c.batch_excess_ms, 3),
          fmt(c.loop_lag_ms, 3),
          c.batches,
          fmt(m.dispatch_ms, 3),
          m.batch_excess_ms === null ? null : fmt(m.batch_excess_ms, 3),
          fmt(m.loop_lag_ms, 3),
          m.batches,
        ];
      }),
    ),
    `plan capacity per load (fraction of batch-32 capacity): ${loads.map((l) => `${l.loadPct} %: ${l.capacity ?? 'none'}`).join(', ')}`,
    `errors (sim - real) / real, median of ${seeds.length} seed(s), simulator model ${FULL_MODEL}:`,
    table(
      [
        'load %',
        'model',
        'p50 real',
        'p50 sim',
        'p50 err %',
        'p99 real',
        'p99 sim',
        'p99 err %',
        'viol real %',
        'viol sim %',
        'viol err pts',
      ],
      full.map((r) => [
        Number(r.load_pct),
        String(r.model),
        r.real_p50_ms as number | null,
        r.sim_p50_ms as number | null,
        r.p50_error_pct as number | null,
        r.real_p99_ms as number | null,
        r.sim_p99_ms as number | null,
        r.p99_error_pct as number | null,
        r.real_violation_pct as number | null,
        r.sim_violation_pct as number | null,
        r.violation_error_points as number | null,
      ]),
    ),
    `step by step (largest |error| over models, loads up to ${TARGETS.up_to_load_pct} %; violations at every load):`,
    table(
      ['sim model', 'max |p50 err| %', 'max |p99 err| %', 'max |viol err| pts', 'mean p50 err %', 'passes 10 % at'],
      bySimModel.map((b) => [
        b.sim_model,
        b.max_abs_p50_error_pct,
        b.max_abs_p99_error_pct,
        b.max_abs_violation_error_points,
        b.mean_p50_error_pct,
        b.error_passes_10pct_at_load_pct === null ? 'never' : `${b.error_passes_10pct_at_load_pct} %`,
      ]),
    ),
    `targets (|p50| <= ${TARGETS.p50_error_pct} %, |p99| <= ${TARGETS.p99_error_pct} % up to ${TARGETS.up_to_load_pct} %; violations within ${TARGETS.violation_error_points} point): ${targetsMet ? 'met' : 'NOT met'}`,
  ].join('\n');
  return { json, text, files };
}

export const fidelity: Experiment = {
  name: 'fidelity',
  describe:
    'Sim vs real: profile here, serve a plan for real (onnxruntime, CPU core shares), simulate it on the measured profile, compare',
  run,
};
