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
 *
 * `--trace FILE` makes arrivals follow a trace; `--autoscale` re-plans every epoch on the wall
 * clock with the simulator's re-planner, starting and loading new gpulets for real while the
 * serving plan goes on (the time each load took is reported: the reorganisation cost).
 */
import { parseFixes } from '../../engine/schedulers/fixes.ts';
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { InputError, show } from '../../engine/errors.ts';
import { gpusUsed } from '../../engine/plan.ts';
import { mpsPreflight } from '../../backends/mps/preflight.ts';
import { totalRate } from '../../sim/workload.ts';
import { loadContext, planForServing, resolveWorkload, type Context } from '../lib/context.ts';
import { loadDurationMs } from '../../sim/trace.ts';
import { checkRunSize } from '../../sim/limits.ts';
import { fmt, table } from '../lib/format.ts';
import { loadProfileSet, type ProfileSidecar } from '../lib/profiling.ts';
import { servePlanForReal, type ServeRealResult } from '../lib/serving.ts';
import { checkNice } from './profile.ts';
import {
  autoscaleOptions,
  autoscaleSettings,
  checkPositive,
  limitOptions,
  runLimits,
  checkSeed,
  print,
  traceFrom,
  traceOptions,
  workloadOptions,
  type AutoscaleArgs,
  type Command,
  type LimitArgs,
  type TraceArgs,
  type WorkloadArgs,
} from './common.ts';
import { atPeak, windowsLine } from './simulate.ts';
import { checkOutputs, outputOptions, RunOutputs, type OutputArgs } from './outputs.ts';

interface ServeArgs extends WorkloadArgs, TraceArgs, AutoscaleArgs, LimitArgs, OutputArgs {
  backend: string;
  duration?: number;
  seed: number;
  host: string;
  affinity: boolean;
  keepWarm?: boolean;
  nice?: number;
  hangTimeoutS: number;
  /** The old flag in ms, refused (see the handler). */
  hangTimeout?: unknown;
}

export const serve: Command<ServeArgs> = (io) => ({
  command: 'serve',
  describe:
    'Plan, then serve the plan for real in real time (onnxruntime on CPU core shares, or CUDA under MPS) under the seeded arrivals, and report the accounting',
  builder: (y) =>
    outputOptions(limitOptions(autoscaleOptions(traceOptions(workloadOptions(y)))))
      .option('backend', {
        type: 'string',
        choices: ['onnx', 'mps'],
        default: 'onnx',
        describe: 'onnx (CPU; needs --profiles from `gpulet profile`) or mps (NVIDIA GPUs under MPS)',
      })
      .option('duration', {
        alias: 'd',
        type: 'number',
        describe: 'Seconds of arrivals, queues then drain (default: 30, or the whole trace)',
      })
      .option('seed', { type: 'number', default: 1, describe: 'Run seed: the same arrivals as `simulate --seed`' })
      .option('host', {
        type: 'string',
        default: 'process',
        describe: 'onnx: gpulet runners as processes (killable) or threads',
      })
      .option('affinity', {
        type: 'boolean',
        default: true,
        describe: 'onnx: pin each gpulet to its cores with taskset',
      })
      .option('keep-warm', {
        type: 'boolean',
        describe: 'onnx: keep the cores out of idle with SCHED_IDLE spinners (default: as the profile was measured)',
      })
      .option('nice', {
        type: 'number',
        describe:
          'onnx: nice value for the gpulets and the serving thread, e.g. -10 on a shared machine (negative needs CAP_SYS_NICE)',
      })
      .option('hang-timeout-s', {
        type: 'number',
        default: 10,
        describe: 'A batch with no answer after this many seconds counts as a hung gpulet, which is restarted',
      })
      .option('hang-timeout', { hidden: true }) as unknown as Argv<ServeArgs>,
  handler: async (a: ArgumentsCamelCase<ServeArgs>) => {
    if (a.backend !== 'onnx' && a.backend !== 'mps')
      throw new InputError(`--backend: expected onnx or mps, got ${show(a.backend)}`);
    if (a.host !== 'process' && a.host !== 'thread')
      throw new InputError(`--host: expected process or thread, got ${show(a.host)}`);
    // Every time flag is in seconds; this one was in ms. Refused rather than aliased: a second
    // spelling in another unit would stay a trap, and the message gives the value to type.
    if (a.hangTimeout !== undefined)
      throw new InputError(
        `--hang-timeout: renamed --hang-timeout-s, in seconds like every other time flag${typeof a.hangTimeout === 'number' ? ` (${a.hangTimeout} ms is --hang-timeout-s ${a.hangTimeout / 1000})` : ''}`,
      );
    checkPositive('--hang-timeout-s', a.hangTimeoutS);
    checkSeed('--seed', a.seed);
    checkOutputs(a);
    const auto = autoscaleSettings(a);
    if (a.backend === 'mps') {
      const missing = mpsPreflight(); // before building any model: say at once what is missing
      if (missing !== null) throw new InputError(`--backend mps: ${missing}`);
    }
    if (a.backend === 'onnx' && a.profiles === undefined)
      throw new InputError(
        '--backend onnx: expected --profiles STEM.csv measured on this machine (run `gpulet profile --backend onnx` first), got nothing',
      );
    let ctx: Context;
    let sidecar: ProfileSidecar | null = null;
    if (a.profiles !== undefined) ({ ctx, sidecar } = loadProfileSet(a.profiles));
    else ctx = loadContext({});
    const w = resolveWorkload(a.workload, { rate: a.trace === undefined ? a.rate : undefined, gpus: a.gpus });
    const load = traceFrom(a, w);
    const durationS = a.duration ?? (load ? loadDurationMs(load) / 1000 : 30);
    checkPositive('--duration', durationS);
    const windowS = a.autoscale ? auto.epochS : undefined;
    const size = { load, durationS, durationGiven: a.duration !== undefined, windowS, trace: a.trace };
    checkRunSize(w, size, runLimits(a));
    const fixes = parseFixes(a.fixes);
    const autoscale = a.autoscale
      ? {
          scheduler: a.scheduler,
          ctx,
          settings: {
            maxGpus: auto.maxGpus ?? w.numGpus,
            predictor: a.predictor,
            provisionP99: auto.p99,
            fixes,
            epochMs: auto.epochS * 1000,
            allowSlow: a.allowSlow,
          },
        }
      : undefined;
    // Without re-planning, a static plan under a trace is made for the trace's busiest step.
    const plan = planForServing(load && !autoscale ? atPeak(w, load) : w, a.scheduler, ctx, {
      predictor: a.predictor,
      fixes,
      allowSlow: a.allowSlow,
    });

    const stop = new AbortController();
    const hardStop = new AbortController();
    const onSigint = (): void => {
      if (!stop.signal.aborted) {
        io.err('gpulet: stopping arrivals; draining (Ctrl-C again to fail what is left)\n');
        stop.abort();
      } else hardStop.abort();
    };
    process.on('SIGINT', onSigint);
    const outputs = new RunOutputs(a, w.tasks);
    let res: ServeRealResult;
    try {
      res = await servePlanForReal(w, plan, {
        backend: a.backend,
        seed: a.seed,
        durationS,
        sidecar,
        load,
        autoscale,
        host: a.host,
        affinity: a.affinity,
        keepWarm: a.keepWarm,
        ...(a.nice !== undefined ? { nice: checkNice(a.nice) } : {}),
        hangTimeoutMs: a.hangTimeoutS * 1000,
        signal: stop.signal,
        hardStop: hardStop.signal,
        io,
        observer: outputs.observer,
      });
    } catch (e) {
      outputs.abort();
      throw e;
    } finally {
      process.off('SIGINT', onSigint);
    }
    outputs.finish(io, {
      workload: w.name,
      scheduler: res.plan.scheduler,
      seed: a.seed,
      duration_s: durationS,
      backend: a.backend,
    });
    const s = res.summary;
    const first = res.plan;
    const scaled = res.autoscale;
    const doc = {
      workload: w.name,
      scheduler: first.scheduler,
      backend: a.backend,
      rate_rps: load ? null : totalRate(w),
      ...(a.trace !== undefined ? { trace: a.trace } : {}),
      duration_s: durationS,
      seed: a.seed,
      plan_feasible: first.feasible,
      ...(first.reason !== undefined ? { plan_reason: first.reason } : {}),
      gpus_used: gpusUsed(first),
      ...s,
      ...(res.windows !== null ? { windows: res.windows } : {}),
      ...(scaled !== null
        ? {
            autoscale: {
              epoch_s: auto.epochS,
              replans: scaled.replans,
              gpulets_kept: scaled.gpulets_kept,
              gpulets_loaded: scaled.gpulets_loaded,
              gpu_seconds: scaled.gpu_seconds,
              loads: scaled.loads.map((l) => ({
                gpulet: l.gpulet,
                at_ms: Number(l.startedAtMs.toFixed(1)),
                load_ms: Number(l.loadMs.toFixed(1)),
                error: l.error,
              })),
              epochs: scaled.epochs.map((e) => ({
                at_ms: Number(e.atMs.toFixed(1)),
                action: e.action,
                gpus_before: e.gpusBefore,
                gpus_after: e.gpusAfter,
                new_gpulets: e.numNew,
                targets: e.targets,
              })),
            },
          }
        : {}),
      stopped_early: res.stoppedEarly,
      arrival_window_s: Number(res.arrivalWindowS.toFixed(3)),
      drain_ms: Number(res.drainMs.toFixed(1)),
      foreign_cpu_cores: res.cpu === null ? null : Number(res.cpu.foreignCores.toFixed(3)),
      executor: {
        gpulets: res.gpulets,
        restarts: res.restarts,
        failures: res.failures.map((f) => ({ gpulet: f.gpulet, at_ms: Number(f.atMs.toFixed(1)), reason: f.reason })),
      },
    };
    outputs.writeDocument(doc);
    print(io, a.format, doc, () => {
      const rows = Object.entries(s.models).map(([m, t]) => [
        m,
        t.arrived,
        t.completed,
        t.dropped,
        t.slo_violations,
        t.p50_ms,
        t.p99_ms,
        t.slo_ms,
      ]);
      return [
        `${w.name} ${load ? `following ${a.trace}` : `at ${fmt(totalRate(w))} req/s`} for ${fmt(res.arrivalWindowS)} s${res.stoppedEarly ? ' (stopped early)' : ''}, ${first.scheduler} on ${gpusUsed(first)} ${a.backend === 'onnx' ? 'machine' : 'GPU(s)'}` +
          `${scaled ? `, re-planned every ${auto.epochS} s` : ''}${first.feasible ? '' : ` (first plan INFEASIBLE: ${first.reason})`}, backend ${a.backend}`,
        table(['model', 'arrived', 'completed', 'dropped', 'violations', 'p50 ms', 'p99 ms', 'SLO ms'], rows),
        `requests: ${s.requests.arrived} arrived = ${s.requests.completed} completed + ${s.requests.dropped} dropped` +
          ` (${
            Object.entries(s.dropped_by_reason)
              .filter(([, n]) => n > 0)
              .map(([r, n]) => `${r} ${n}`)
              .join(', ') || 'none'
          })`,
        `SLO violations: ${fmt(s.slo_violation_pct, 3)} %, throughput ${fmt(s.throughput_rps)} req/s, goodput ${fmt(s.goodput_rps)} req/s; gpulet restarts: ${res.restarts}`,
        ...(res.windows !== null && res.windows.length > 0 ? [windowsLine(res.windows)] : []),
        ...(scaled !== null
          ? [
              `epochs: ${Object.entries(scaled.replans)
                .map(([k, n]) => `${n} ${k}`)
                .join(', ')}; gpulets kept ${scaled.gpulets_kept}, loaded ${scaled.gpulets_loaded}` +
                (scaled.loads.length > 0
                  ? `; loading took ${fmt(Math.min(...scaled.loads.map((l) => l.loadMs)))}-${fmt(Math.max(...scaled.loads.map((l) => l.loadMs)))} ms`
                  : ''),
            ]
          : []),
        `other processes used ${res.cpu === null ? 'an unknown share' : `${fmt(res.cpu.foreignCores, 2)} cores`} of the machine meanwhile`,
        'executor:',
        ...res.gpulets.map((g) => `  ${g}`),
      ].join('\n');
    });
  },
});
