/**
 * `gpulet serve --backend onnx|mps`: plan, then serve the plan for real, in real time, under the
 * same seeded arrivals `simulate` uses, and print the same JSON as `simulate`. Ctrl-C stops the
 * arrivals, lets what is queued and running finish (a second Ctrl-C fails it at once) and prints the
 * accounting so far.
 *
 * The onnx backend serves one machine as one "GPU" whose partitions are core shares, so it plans
 * with a profile measured here (`gpulet profile`, then `--profiles STEM.csv`; the sidecar
 * STEM.json says which zoo variant of each model to load) and refuses a plan that spans several
 * GPUs. The mps backend serves real GPUs (a process per gpulet under MPS).
 */
import { parseFixes } from '../../engine/schedulers/fixes.ts';
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { WallClock } from '../../engine/clock.ts';
import { InputError, show } from '../../engine/errors.ts';
import { gpusUsed, type Plan } from '../../engine/plan.ts';
import { createMpsExecutor } from '../../backends/mps/executor.ts';
import { mpsPreflight } from '../../backends/mps/preflight.ts';
import { OnnxExecutor, type GpuletSetup } from '../../backends/onnx/executor.ts';
import { processHost, threadHost } from '../../backends/onnx/host.ts';
import { cpuSnapshot, cpuUse, type CpuUse } from '../../backends/onnx/load.ts';
import { variantFiles } from '../../backends/onnx/models.ts';
import { serveRealtime, type RealtimeResult } from '../../backends/realtime.ts';
import { arrivalStreams, totalRate, type Workload } from '../../sim/workload.ts';
import { loadContext, planWorkload, resolveWorkload, type Context } from '../context.ts';
import { fmt, table } from '../format.ts';
import { progress } from '../progress.ts';
import { checkNice, loadProfileSet, variantsFor, type ProfileSidecar } from './profile.ts';
import { checkPositive, print, workloadOptions, type Command, type Io, type WorkloadArgs } from './common.ts';

/** One setup per planned gpulet that serves something; each model once, at its largest batch. */
export function gpuletSetups(plan: Plan): GpuletSetup[] {
  const out: GpuletSetup[] = [];
  for (const g of plan.gpus) {
    g.gpulets.forEach((l, index) => {
      if (l.models.length === 0) return;
      const maxBatch = new Map<string, number>();
      for (const a of l.models) maxBatch.set(a.model, Math.max(maxBatch.get(a.model) ?? 1, Math.floor(a.batch)));
      out.push({ gpu: g.gpu, gpulet: index, partitionPct: l.partitionPct, models: [...maxBatch].map(([model, b]) => ({ model, maxBatch: b })) });
    });
  }
  return out;
}

export interface ServeRealOptions {
  backend: 'onnx' | 'mps';
  seed: number;
  durationS: number;
  sidecar: ProfileSidecar | null;
  host?: 'process' | 'thread';
  affinity?: boolean;
  /** Keep the cores out of idle; default: what the profile was measured with, else true. */
  keepWarm?: boolean;
  /** Nice value for the gpulets and the serving thread; undefined: unchanged. */
  nice?: number;
  hangTimeoutMs?: number;
  /** Stops arrivals (Ctrl-C). */
  signal?: AbortSignal;
  /** A second abort: fail what is left at once. */
  hardStop?: AbortSignal;
  io?: Io;
  quiet?: boolean;
}

export interface ServeRealResult extends RealtimeResult {
  /** CPU other processes used while serving (null off Linux). */
  cpu: CpuUse | null;
  restarts: number;
  failures: OnnxExecutor['failures'];
  gpulets: string[];
}

/** Start an executor for `plan`, serve `w`'s seeded arrivals in real time, close it. */
export async function servePlanForReal(w: Workload, plan: Plan, o: ServeRealOptions): Promise<ServeRealResult> {
  const setups = gpuletSetups(plan);
  if (o.backend === 'onnx' && gpusUsed(plan) > 1)
    throw new InputError(`--backend onnx: the plan uses ${gpusUsed(plan)} GPUs but this machine is one; give the workload 1 GPU (--gpus 1)`);
  const models = [...new Set(setups.flatMap((s) => s.models.map((m) => m.model)))];
  const files = variantFiles(variantsFor(models, o.sidecar));
  const clock = new WallClock();
  const log = (line: string): void => o.io?.err(`gpulet: ${line}\n`);
  const common = { clock, gpulets: setups, files, hangTimeoutMs: o.hangTimeoutMs, log };
  o.io?.err(`gpulet: starting ${setups.length} gpulet(s), loading and warming ${models.join(', ')}\n`);
  const executor =
    o.backend === 'mps'
      ? await createMpsExecutor(common)
      : await OnnxExecutor.create({
          ...common,
          host: o.host === 'thread' ? threadHost : processHost,
          affinity: o.affinity ?? true,
          keepWarm: o.keepWarm ?? o.sidecar?.keep_warm ?? true,
          ...(o.nice !== undefined ? { nice: o.nice } : {}),
        });
  const onHardStop = (): void => void executor.close();
  o.hardStop?.addEventListener('abort', onHardStop, { once: true });
  const bar = progress('serving', Math.ceil(o.durationS), { unit: 's', quiet: o.quiet || o.durationS < 5 });
  try {
    const before = cpuSnapshot();
    const res = await serveRealtime({
      clock,
      executor,
      plan,
      tasks: w.tasks,
      app: w.app,
      streams: arrivalStreams(w, o.seed),
      durationMs: o.durationS * 1000,
      signal: o.signal,
      onDrainTimeout: () => executor.close(),
      onProgress: (s) => bar.update(Math.min(s, Math.ceil(o.durationS))),
    });
    return { ...res, cpu: cpuUse(before, cpuSnapshot()), restarts: executor.numRestarts, failures: [...executor.failures], gpulets: executor.describe() };
  } finally {
    bar.stop();
    o.hardStop?.removeEventListener('abort', onHardStop);
    await executor.close();
  }
}

interface ServeArgs extends WorkloadArgs {
  backend: string;
  duration: number;
  seed: number;
  host: string;
  affinity: boolean;
  keepWarm?: boolean;
  nice?: number;
  hangTimeout: number;
}

export const serve: Command<ServeArgs> = (io) => ({
  command: 'serve',
  describe: 'Plan, then serve the plan for real in real time (onnxruntime on CPU core shares, or CUDA under MPS) under the seeded arrivals, and report the accounting',
  builder: (y) =>
    workloadOptions(y)
      .option('backend', { type: 'string', default: 'onnx', describe: 'onnx (CPU; needs --profiles from `gpulet profile`) or mps (NVIDIA GPUs under MPS)' })
      .option('duration', { alias: 'd', type: 'number', default: 30, describe: 'Seconds of arrivals (queues then drain)' })
      .option('seed', { type: 'number', default: 1, describe: 'Run seed: the same arrivals as `simulate --seed`' })
      .option('host', { type: 'string', default: 'process', describe: 'onnx: gpulet runners as processes (killable) or threads' })
      .option('affinity', { type: 'boolean', default: true, describe: 'onnx: pin each gpulet to its cores with taskset' })
      .option('keep-warm', { type: 'boolean', describe: "onnx: keep the cores out of idle with SCHED_IDLE spinners (default: as the profile was measured)" })
      .option('nice', { type: 'number', describe: 'onnx: nice value for the gpulets and the serving thread, e.g. -10 on a shared machine (negative needs CAP_SYS_NICE)' })
      .option('hang-timeout', { type: 'number', default: 10_000, describe: 'A batch with no answer after this many ms counts as a hung gpulet, which is restarted' }) as unknown as Argv<ServeArgs>,
  handler: async (a: ArgumentsCamelCase<ServeArgs>) => {
    if (a.backend !== 'onnx' && a.backend !== 'mps') throw new InputError(`--backend: expected onnx or mps, got ${show(a.backend)}`);
    if (a.host !== 'process' && a.host !== 'thread') throw new InputError(`--host: expected process or thread, got ${show(a.host)}`);
    checkPositive('--duration', a.duration);
    checkPositive('--hang-timeout', a.hangTimeout);
    if (a.backend === 'mps') {
      const missing = mpsPreflight(); // before building any model: say at once what is missing
      if (missing !== null) throw new InputError(`--backend mps: ${missing}`);
    }
    if (a.backend === 'onnx' && a.profiles === undefined)
      throw new InputError('--backend onnx: expected --profiles STEM.csv measured on this machine (run `gpulet profile --backend onnx` first), got nothing');
    let ctx: Context;
    let sidecar: ProfileSidecar | null = null;
    if (a.profiles !== undefined) ({ ctx, sidecar } = loadProfileSet(a.profiles));
    else ctx = loadContext({});
    const w = resolveWorkload(a.workload, { rate: a.rate, gpus: a.gpus });
    const plan = planWorkload(w, a.scheduler, ctx, { predictor: a.predictor, fixes: parseFixes(a.fixes) });

    const stop = new AbortController();
    const hardStop = new AbortController();
    const onSigint = (): void => {
      if (!stop.signal.aborted) {
        io.err('gpulet: stopping arrivals; draining (Ctrl-C again to fail what is left)\n');
        stop.abort();
      } else hardStop.abort();
    };
    process.on('SIGINT', onSigint);
    let res: ServeRealResult;
    try {
      res = await servePlanForReal(w, plan, {
        backend: a.backend,
        seed: a.seed,
        durationS: a.duration,
        sidecar,
        host: a.host,
        affinity: a.affinity,
        keepWarm: a.keepWarm,
        ...(a.nice !== undefined ? { nice: checkNice(a.nice) } : {}),
        hangTimeoutMs: a.hangTimeout,
        signal: stop.signal,
        hardStop: hardStop.signal,
        io,
      });
    } finally {
      process.off('SIGINT', onSigint);
    }
    const s = res.summary;
    const doc = {
      workload: w.name,
      scheduler: plan.scheduler,
      backend: a.backend,
      rate_rps: totalRate(w),
      duration_s: a.duration,
      seed: a.seed,
      plan_feasible: plan.feasible,
      ...(plan.reason !== undefined ? { plan_reason: plan.reason } : {}),
      gpus_used: gpusUsed(plan),
      ...s,
      stopped_early: res.stoppedEarly,
      arrival_window_s: Number(res.arrivalWindowS.toFixed(3)),
      drain_ms: Number(res.drainMs.toFixed(1)),
      foreign_cpu_cores: res.cpu === null ? null : Number(res.cpu.foreignCores.toFixed(3)),
      executor: { gpulets: res.gpulets, restarts: res.restarts, failures: res.failures.map((f) => ({ gpulet: f.gpulet, at_ms: Number(f.atMs.toFixed(1)), reason: f.reason })) },
    };
    print(io, a.format, doc, () => {
      const rows = Object.entries(s.models).map(([m, t]) => [m, t.arrived, t.completed, t.dropped, t.slo_violations, t.p50_ms, t.p99_ms, t.slo_ms]);
      return [
        `${w.name} at ${fmt(totalRate(w))} req/s for ${fmt(res.arrivalWindowS)} s${res.stoppedEarly ? ' (stopped early)' : ''}, ${plan.scheduler} on ${gpusUsed(plan)} ${a.backend === 'onnx' ? 'machine' : 'GPU(s)'}` +
          `${plan.feasible ? '' : ` (plan INFEASIBLE: ${plan.reason})`}, backend ${a.backend}`,
        table(['model', 'arrived', 'completed', 'dropped', 'violations', 'p50 ms', 'p99 ms', 'SLO ms'], rows),
        `requests: ${s.requests.arrived} arrived = ${s.requests.completed} completed + ${s.requests.dropped} dropped` +
          ` (${Object.entries(s.dropped_by_reason).filter(([, n]) => n > 0).map(([r, n]) => `${r} ${n}`).join(', ') || 'none'})`,
        `SLO violations: ${fmt(s.slo_violation_pct, 3)} %, throughput ${fmt(s.throughput_rps)} req/s, goodput ${fmt(s.goodput_rps)} req/s; gpulet restarts: ${res.restarts}`,
        `other processes used ${res.cpu === null ? 'an unknown share' : `${fmt(res.cpu.foreignCores, 2)} cores`} of the machine meanwhile`,
        'executor:',
        ...res.gpulets.map((g) => `  ${g}`),
      ].join('\n');
    });
  },
});
