/** `gpulet simulate`: plan, then serve the plan on simulated GPUs and report the accounting. */
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { gpusUsed } from '../../engine/plan.ts';
import { loadContext, planWorkload, resolveWorkload, simulatePlan } from '../context.ts';
import { fmt, table } from '../format.ts';
import { progress } from '../progress.ts';
import { totalRate } from '../../sim/workload.ts';
import { COLOCATION_MODELS, DEFAULT_COLOCATION, colocationModel } from '../../sim/colocation.ts';
import { ChromeTimeline } from '../timeline.ts';
import { checkNonNegative, checkPositive, print, workloadOptions, type Command, type WorkloadArgs } from './common.ts';

interface SimArgs extends WorkloadArgs {
  duration: number;
  seed: number;
  jitter: number;
  interference: string;
  timeline?: string;
}

export const simulate: Command<SimArgs> = (io) => ({
  command: 'simulate',
  describe: 'Plan, then serve the plan on the simulated GPUs under seeded arrivals, and report the accounting',
  builder: (y) =>
    workloadOptions(y)
      .option('duration', { alias: 'd', type: 'number', default: 20, describe: 'Seconds of arrivals (queues then drain)' })
      .option('seed', { type: 'number', default: 1, describe: 'Run seed: same seed, same inputs, same output' })
      .option('jitter', { type: 'number', default: 0.02, describe: 'Coefficient of variation of batch-latency jitter' })
      .option('interference', { type: 'string', default: DEFAULT_COLOCATION, describe: `Co-location slowdown the simulated GPUs apply: ${Object.keys(COLOCATION_MODELS).join(', ')}` })
      .option('timeline', { type: 'string', describe: 'Write every batch to this file as a Chrome trace (one track per gpulet; open in ui.perfetto.dev)' }) as unknown as Argv<SimArgs>,
  handler: (a: ArgumentsCamelCase<SimArgs>) => {
    const ctx = loadContext({ profiles: a.profiles });
    const w = resolveWorkload(a.workload, { rate: a.rate, gpus: a.gpus });
    checkPositive('--duration', a.duration);
    checkNonNegative('--jitter', a.jitter);
    const plan = planWorkload(w, a.scheduler, ctx, { predictor: a.predictor });
    const bar = progress('simulating', Math.ceil(a.duration), { unit: 's', quiet: a.duration < 5 });
    const timeline = a.timeline === undefined ? null : new ChromeTimeline();
    const res = simulatePlan(w, plan, ctx, { seed: a.seed, durationS: a.duration, jitterCv: a.jitter, colocation: colocationModel(a.interference), observer: timeline, onProgress: (s) => bar.update(s) });
    bar.stop();
    if (timeline !== null && a.timeline !== undefined) {
      timeline.write(a.timeline, { workload: w.name, scheduler: plan.scheduler, seed: a.seed, duration_s: a.duration });
      io.err(`wrote ${a.timeline}: ${timeline.numEvents} batches${timeline.droppedEvents > 0 ? `, ${timeline.droppedEvents} beyond the cap not recorded` : ''}\n`);
    }
    const doc = {
      workload: w.name,
      scheduler: plan.scheduler,
      rate_rps: totalRate(w),
      duration_s: a.duration,
      seed: a.seed,
      plan_feasible: plan.feasible,
      ...(plan.reason !== undefined ? { plan_reason: plan.reason } : {}),
      gpus_used: gpusUsed(plan),
      ...res,
    };
    print(io, a.format, doc, () => {
      const rows = Object.entries(res.models).map(([m, s]) => [m, s.arrived, s.completed, s.dropped, s.slo_violations, s.p50_ms, s.p99_ms, s.slo_ms]);
      return [
        `${w.name} at ${fmt(totalRate(w))} req/s for ${a.duration} s, ${plan.scheduler} on ${gpusUsed(plan)} GPU(s)` +
          `${plan.feasible ? '' : ` (plan INFEASIBLE: ${plan.reason})`}, interference: ${res.interference}`,
        table(['model', 'arrived', 'completed', 'dropped', 'violations', 'p50 ms', 'p99 ms', 'SLO ms'], rows),
        `requests: ${res.requests.arrived} arrived = ${res.requests.completed} completed + ${res.requests.dropped} dropped` +
          ` (${Object.entries(res.dropped_by_reason).filter(([, n]) => n > 0).map(([r, n]) => `${r} ${n}`).join(', ') || 'none'})`,
        `SLO violations: ${fmt(res.slo_violation_pct, 3)} %, throughput ${fmt(res.throughput_rps)} req/s, goodput ${fmt(res.goodput_rps)} req/s`,
      ].join('\n');
    });
  },
});
