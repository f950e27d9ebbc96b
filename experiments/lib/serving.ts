/**
 * Serving for real, in real time (`gpulet serve`, the fidelity study): start the executor
 * (onnxruntime on CPU core shares, or CUDA under MPS), serve a workload's seeded arrivals (or a
 * trace's) with the engine's Run on the real-time clock, re-planning with `autoscale`, close.
 */
import { RealtimeClock } from '../../engine/clock.ts';
import { InputError } from '../../engine/errors.ts';
import { gpusUsed, type Plan } from '../../engine/plan.ts';
import { createMpsExecutor } from '../../backends/mps/executor.ts';
import { OnnxExecutor, type GpuletSetup } from '../../backends/onnx/executor.ts';
import { processHost, threadHost } from '../../backends/onnx/host.ts';
import { cpuSnapshot, cpuUse, type CpuUse } from '../../backends/onnx/load.ts';
import { variantFiles } from '../../backends/onnx/models.ts';
import { RunnerLoader, type LoadRecord } from '../../backends/onnx/loader.ts';
import { Run, type RunResult } from '../../engine/server/run.ts';
import type { BatchObserver } from '../../engine/server/gpulet.ts';
import type { GpuletLoader } from '../../engine/server/replanner.ts';
import type { Load } from '../../sim/trace.ts';
import { autoscaleStats, replanSetup, type ReplanSettings } from './autoscale.ts';
import { streamsFor, type Context } from './context.ts';
import type { Workload } from '../../sim/workload.ts';
import type { Io } from './io.ts';
import { variantsFor, type ProfileSidecar } from './profiling.ts';
import { progress } from './progress.ts';

/** One setup per planned gpulet that serves something; each model once, at its largest batch. */
export function gpuletSetups(plan: Plan): GpuletSetup[] {
  const out: GpuletSetup[] = [];
  for (const g of plan.gpus) {
    g.gpulets.forEach((l, index) => {
      if (l.models.length === 0) return;
      const maxBatch = new Map<string, number>();
      for (const a of l.models) maxBatch.set(a.model, Math.max(maxBatch.get(a.model) ?? 1, Math.floor(a.batch)));
      out.push({
        gpu: g.gpu,
        gpulet: index,
        partitionPct: l.partitionPct,
        models: [...maxBatch].map(([model, b]) => ({ model, maxBatch: b })),
      });
    });
  }
  return out;
}

export interface ServeRealOptions {
  backend: 'onnx' | 'mps';
  seed: number;
  durationS: number;
  sidecar: ProfileSidecar | null;
  /** Arrivals follow this load (a trace) instead of the workload's constant rates. */
  load?: Load | null;
  /**
   * Re-plan as the load changes, on the wall clock, with the simulator's re-planner; new gpulets are
   * started and loaded for real (the measured time is the reorganisation cost). The plan argument
   * is then ignored: the first plan is the re-planner's.
   */
  autoscale?: { scheduler: string; ctx: Context; settings: ReplanSettings };
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
  /** Observes the run (batches, requests, plans): the same hooks as a simulation's. */
  observer?: BatchObserver | null;
}

export interface ServeRealResult extends RunResult {
  /** The plan served first (the only one without autoscale). */
  plan: Plan;
  /** What the re-planner did, with autoscale. */
  autoscale: (ReturnType<typeof autoscaleStats> & { loads: LoadRecord[] }) | null;
  /** CPU other processes used while serving (null off Linux). */
  cpu: CpuUse | null;
  restarts: number;
  /** How late the real-time loop ran events, ms: the mean over its steps and the most. */
  clockLagMs: { mean: number; max: number };
  failures: OnnxExecutor['failures'];
  gpulets: string[];
}

/** Start an executor for `plan`, serve `w`'s seeded arrivals in real time, close it. */
export async function servePlanForReal(w: Workload, plan: Plan, o: ServeRealOptions): Promise<ServeRealResult> {
  const clock = new RealtimeClock();
  const log = (line: string): void => o.io?.err(`gpulet: ${line}\n`);
  // The loader needs the executor, which needs the first plan, which the re-planner's setup makes.
  let loader: RunnerLoader | null = null;
  const forward: GpuletLoader = { load: (g, ready) => (loader as RunnerLoader).load(g, ready) };
  const setup = o.autoscale
    ? replanSetup(w, o.autoscale.scheduler, o.autoscale.ctx, { ...o.autoscale.settings, load: o.load }, forward)
    : null;
  const first = setup?.plan0 ?? plan;
  if (o.backend === 'onnx' && (o.autoscale ? o.autoscale.settings.maxGpus : gpusUsed(first)) > 1)
    throw new InputError(
      o.autoscale
        ? `--max-gpus: the onnx backend serves this machine as one GPU; expected 1, got ${o.autoscale.settings.maxGpus}`
        : `--backend onnx: the plan uses ${gpusUsed(first)} GPUs but this machine is one; give the workload 1 GPU (--gpus 1)`,
    );
  const setups = gpuletSetups(first);
  // With re-planning any model of the workload may come to a gpulet later.
  const models = o.autoscale
    ? [...new Set(w.tasks.map((t) => t.model))]
    : [...new Set(setups.flatMap((s) => s.models.map((m) => m.model)))];
  const files = variantFiles(variantsFor(models, o.sidecar));
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
  loader = new RunnerLoader(executor, clock, log);
  const onHardStop = (): void => void executor.close();
  o.hardStop?.addEventListener('abort', onHardStop, { once: true });
  const bar = progress('serving', Math.ceil(o.durationS), { unit: 's', quiet: o.quiet || o.durationS < 5 });
  try {
    const before = cpuSnapshot();
    const untilMs = o.durationS * 1000;
    const run = new Run({
      clock,
      executor,
      plan: first,
      tasks: w.tasks,
      app: w.app,
      streams: streamsFor(w, o.load, o.seed),
      untilMs,
      windowMs: setup?.epochMs ?? (o.load ? 20_000 : undefined),
      fixes: o.autoscale?.settings.fixes,
      ...(setup ? { replan: setup.replan } : {}),
      observer: o.observer ?? null,
    });
    const res = await run.serve({
      signal: o.signal,
      onDrainTimeout: () => executor.close(),
      onProgress: (s) => bar.update(Math.min(s, Math.ceil(o.durationS))),
    });
    return {
      ...res,
      plan: first,
      autoscale: setup ? { ...autoscaleStats(run, untilMs, setup.epochMs), loads: loader.loads } : null,
      cpu: cpuUse(before, cpuSnapshot()),
      restarts: executor.numRestarts,
      clockLagMs: { mean: clock.numLaggedSteps === 0 ? 0 : clock.lagSumMs / clock.numLaggedSteps, max: clock.maxLagMs },
      failures: [...executor.failures],
      gpulets: executor.describe(),
    };
  } finally {
    bar.stop();
    o.hardStop?.removeEventListener('abort', onHardStop);
    await executor.close();
  }
}
