/**
 * `gpulet simulate`: plan, then serve the plan on simulated GPUs and report the accounting. With
 * `--trace` arrivals follow a trace; with `--autoscale` the plan is re-made every epoch (20 s) from
 * the measured rates on up to `--max-gpus` GPUs, and the JSON gains one `windows` entry per epoch.
 */
import { parseFixes } from '../../engine/schedulers/fixes.ts';
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { gpusUsed, type Plan } from '../../engine/plan.ts';
import {
  catalogOf,
  loadContext,
  planForServing,
  resolveWorkload,
  simulatePlan,
  type SimulateResult,
} from '../lib/context.ts';
import { DEFAULT_REORG_MS, simulateAutoscale, type AutoscaleResult } from '../lib/autoscale.ts';
import { loadDurationMs, loadRates, type Load } from '../../sim/trace.ts';
import { fmt, table } from '../lib/format.ts';
import { progress } from '../lib/progress.ts';
import { totalRate, type Workload } from '../../sim/workload.ts';
import { COLOCATION_MODELS, DEFAULT_COLOCATION, colocationModel } from '../../sim/colocation.ts';
import { checkRunSize } from '../../sim/limits.ts';
import { checkOutputs, outputOptions, RunOutputs, type OutputArgs } from './outputs.ts';
import {
  autoscaleOptions,
  autoscaleSettings,
  checkApplies,
  checkNonNegative,
  checkSeed,
  checkPositive,
  limitOptions,
  print,
  runLimits,
  traceFrom,
  traceOptions,
  catalogOptions,
  workloadOptions,
  type AutoscaleArgs,
  type Command,
  type LimitArgs,
  type TraceArgs,
  type WorkloadArgs,
} from './common.ts';

interface SimArgs extends WorkloadArgs, TraceArgs, AutoscaleArgs, LimitArgs, OutputArgs {
  duration?: number;
  seed: number;
  jitter: number;
  interference: string;
  reorgS?: number;
}

/** The workload with each task at its rate in the trace's busiest step: what a static plan serves. */
export function atPeak(w: Workload, load: Load): Workload {
  const peak = loadRates(load).peakRps;
  if (w.app)
    return {
      ...w,
      appRateRps: peak.get(null) ?? 0,
      tasks: w.tasks.map((t) => ({ ...t, rateRps: peak.get(null) ?? 0 })),
    };
  return { ...w, tasks: w.tasks.map((t) => ({ ...t, rateRps: peak.get(t.task) ?? 0 })) };
}

export const simulate: Command<SimArgs> = (io) => ({
  command: 'simulate',
  describe: 'Plan, then serve the plan on the simulated GPUs under seeded arrivals, and report the accounting',
  builder: (y) =>
    outputOptions(limitOptions(autoscaleOptions(traceOptions(catalogOptions(workloadOptions(y))))))
      .option('duration', {
        alias: 'd',
        type: 'number',
        describe: 'Seconds of arrivals, queues then drain (default: 20, or the whole trace)',
      })
      .option('seed', {
        type: 'number',
        default: 1,
        describe: 'Run seed (a whole number): same seed, same inputs, same output',
      })
      .option('jitter', { type: 'number', default: 0.02, describe: 'Coefficient of variation of batch-latency jitter' })
      .option('interference', {
        type: 'string',
        default: DEFAULT_COLOCATION,
        describe: `Co-location slowdown the simulated GPUs apply: ${Object.keys(COLOCATION_MODELS).join(', ')}`,
      })
      .option('reorg-s', {
        type: 'number',
        defaultDescription: String(DEFAULT_REORG_MS / 1000),
        describe: 'With --autoscale: seconds a new gpulet takes to start, load and warm up (paper: 10-15)',
      }) as unknown as Argv<SimArgs>,
  handler: (a: ArgumentsCamelCase<SimArgs>) => {
    // Every flag is checked, and the output path tried, before any work.
    checkSeed('--seed', a.seed);
    checkOutputs(a);
    const auto = autoscaleSettings(a, { epochWithTrace: true });
    checkApplies('--reorg-s', a.reorgS !== undefined, '--autoscale', a.autoscale);
    const reorgS = a.reorgS ?? DEFAULT_REORG_MS / 1000;
    checkNonNegative('--reorg-s', reorgS);
    colocationModel(a.interference); // validate the name before any work
    const ctx = loadContext(a);
    const w = resolveWorkload(a.workload, { rate: a.trace === undefined ? a.rate : undefined, gpus: a.gpus, ctx });
    const load = traceFrom(a, w, catalogOf(ctx).resolve);
    const durationS = a.duration ?? (load ? loadDurationMs(load) / 1000 : 20);
    checkPositive('--duration', durationS);
    checkNonNegative('--jitter', a.jitter);
    const windowS = a.autoscale || load ? auto.epochS : undefined;
    const size = { load, durationS, durationGiven: a.duration !== undefined, windowS, trace: a.trace };
    checkRunSize(w, size, runLimits(a));
    const bar = progress('simulating', Math.ceil(durationS), { unit: 's', quiet: durationS < 5 });
    const fixes = parseFixes(a.fixes);
    const outputs = new RunOutputs(a, w.tasks);
    const common = {
      seed: a.seed,
      durationS,
      jitterCv: a.jitter,
      colocation: colocationModel(a.interference),
      observer: outputs.observer,
      onProgress: (s: number) => bar.update(s),
      load,
      fixes,
    };
    let res: SimulateResult;
    let scaled: AutoscaleResult | null = null;
    let plan: Plan;
    try {
      if (a.autoscale) {
        scaled = simulateAutoscale(w, a.scheduler, ctx, {
          ...common,
          maxGpus: auto.maxGpus ?? w.numGpus,
          reorgMs: reorgS * 1000,
          predictor: a.predictor,
          provisionP99: auto.p99,
          epochMs: auto.epochS * 1000,
          allowSlow: a.allowSlow,
        });
        res = scaled;
        plan = scaled.initial_plan;
      } else {
        // A static plan under a trace is made for the trace's busiest step.
        plan = planForServing(load ? atPeak(w, load) : w, a.scheduler, ctx, {
          predictor: a.predictor,
          fixes,
          allowSlow: a.allowSlow,
        });
        res = simulatePlan(w, plan, ctx, { ...common, windowS: load ? auto.epochS : undefined });
      }
    } catch (e) {
      outputs.abort();
      throw e;
    }
    bar.stop();
    outputs.finish(io, { workload: w.name, scheduler: plan.scheduler, seed: a.seed, duration_s: durationS });
    if (scaled !== null && scaled.capped_windows.length > 0) {
      const n = scaled.capped_windows.length;
      io.err(
        `simulate: the load needed more than ${auto.maxGpus ?? w.numGpus} GPU(s) in ${n} window(s) of ${auto.epochS} s (first at ${scaled.capped_windows[0]} s); served with what there is (capped_windows in --format json)\n`,
      );
    }
    // The epoch log and the first plan stay out of the document (fig14 writes them); the counts stay in.
    const rest: SimulateResult =
      scaled === null ? res : (({ epochs: _epochs, initial_plan: _plan, ...r }) => r)(scaled);
    const maxWindowGpus = Math.max(0, ...(res.windows ?? []).map((x) => x.gpus));
    const doc = {
      workload: w.name,
      scheduler: plan.scheduler,
      rate_rps: load ? null : totalRate(w),
      ...(a.trace !== undefined ? { trace: a.trace } : {}),
      duration_s: durationS,
      seed: a.seed,
      plan_feasible: plan.feasible,
      ...(plan.reason !== undefined ? { plan_reason: plan.reason } : {}),
      gpus_used: scaled ? maxWindowGpus : gpusUsed(plan),
      ...(scaled ? { max_gpus: auto.maxGpus ?? w.numGpus, reorg_s: reorgS, p99: auto.p99 } : {}),
      ...rest,
    };
    outputs.writeDocument(doc);
    print(io, a.format, doc, () => {
      const rows = Object.entries(res.models).map(([m, s]) => [
        m,
        s.arrived,
        s.completed,
        s.dropped,
        s.slo_violations,
        s.p50_ms,
        s.p99_ms,
        s.slo_ms,
      ]);
      return [
        `${
          scaled
            ? `${w.name}${a.trace ? ` following ${a.trace}` : ` at ${fmt(totalRate(w))} req/s`} for ${durationS} s, ${plan.scheduler} re-planned every ${auto.epochS} s on up to ${auto.maxGpus ?? w.numGpus} GPU(s)`
            : `${w.name}${a.trace ? ` following ${a.trace}` : ''} at ${fmt(totalRate(load ? atPeak(w, load) : w))} req/s${a.trace ? ' (the plan: its busiest step)' : ''} for ${durationS} s, ${plan.scheduler} on ${gpusUsed(plan)} GPU(s)` +
              `${plan.feasible ? '' : ` (plan INFEASIBLE: ${plan.reason})`}`
        }, interference: ${res.interference}`,
        table(['model', 'arrived', 'completed', 'dropped', 'violations', 'p50 ms', 'p99 ms', 'SLO ms'], rows),
        `requests: ${res.requests.arrived} arrived = ${res.requests.completed} completed + ${res.requests.dropped} dropped` +
          ` (${
            Object.entries(res.dropped_by_reason)
              .filter(([, n]) => n > 0)
              .map(([r, n]) => `${r} ${n}`)
              .join(', ') || 'none'
          })`,
        `SLO violations: ${fmt(res.slo_violation_pct, 3)} %, throughput ${fmt(res.throughput_rps)} req/s, goodput ${fmt(res.goodput_rps)} req/s`,
        ...(res.windows && res.windows.length > 0 ? [windowsLine(res.windows)] : []),
        ...(scaled
          ? [
              `GPUs ${Math.min(...scaled.windows.map((x) => x.gpus))}..${maxWindowGpus}, ${fmt(scaled.gpu_seconds)} GPU-seconds; epochs: ${Object.entries(
                scaled.replans,
              )
                .map(([k, n]) => `${n} ${k}`)
                .join(', ')}; gpulets kept ${scaled.gpulets_kept}, loaded ${scaled.gpulets_loaded}`,
            ]
          : []),
      ].join('\n');
    });
  },
});

/** The worst window in one line. */
export function windowsLine(windows: NonNullable<SimulateResult['windows']>): string {
  const worst = windows.reduce((m, x) => (x.slo_violation_pct > m.slo_violation_pct ? x : m), windows[0]);
  return `${windows.length} windows of ${windows[0].end_s - windows[0].start_s} s: worst ${fmt(worst.slo_violation_pct, 3)} % violations (${worst.start_s}-${worst.end_s} s, ${fmt(worst.rate_rps)} req/s on ${worst.gpus} GPU(s))`;
}
