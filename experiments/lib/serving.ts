/**
 * Serving a plan for real, in real time (`gpulet serve`, the fidelity study): start the executor
 * (onnxruntime on CPU core shares, or CUDA under MPS), serve a workload's seeded arrivals, close.
 */
import { WallClock } from '../../engine/clock.ts';
import { InputError } from '../../engine/errors.ts';
import { gpusUsed, type Plan } from '../../engine/plan.ts';
import { createMpsExecutor } from '../../backends/mps/executor.ts';
import { OnnxExecutor, type GpuletSetup } from '../../backends/onnx/executor.ts';
import { processHost, threadHost } from '../../backends/onnx/host.ts';
import { cpuSnapshot, cpuUse, type CpuUse } from '../../backends/onnx/load.ts';
import { variantFiles } from '../../backends/onnx/models.ts';
import { serveRealtime, type RealtimeResult } from '../../backends/realtime.ts';
import { arrivalStreams, type Workload } from '../../sim/workload.ts';
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
