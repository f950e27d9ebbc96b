/**
 * The CLI's commands: each parses its flags, calls pure functions from experiments/ and prints a
 * table or (with --format json) one JSON document. Output goes through `io` so tests can capture it.
 */
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { InputError, show } from '../engine/errors.ts';
import { gpusUsed, type Plan } from '../engine/plan.ts';
import { SCHEDULER_NAMES } from '../engine/schedulers/index.ts';
import { loadContext, planWorkload, resolveWorkload, simulatePlan } from './context.ts';
import { fmt, table } from './format.ts';
import { progress } from './progress.ts';
import { BUILTIN_WORKLOADS, totalRate } from '../sim/workload.ts';

/** Where a command writes: stdout for results, stderr for progress and logs. */
export interface Io {
  out(s: string): void;
  err(s: string): void;
}

interface Common {
  format: 'table' | 'json';
  profiles?: string;
}

interface WorkloadArgs extends Common {
  workload: string;
  scheduler: string;
  rate?: number;
  gpus?: number;
}

const WORKLOAD_HELP = `Built-in name (${Object.keys(BUILTIN_WORKLOADS).join(', ')}) or a JSON file {"models": [{"model", "rate", "slo_ms"?}], "gpus"?, "gpu"?, "arrival"?}`;

function workloadOptions<T>(y: Argv<T>) {
  return y
    .option('workload', { alias: 'w', type: 'string', demandOption: true, describe: WORKLOAD_HELP })
    .option('scheduler', { alias: 's', type: 'string', default: 'gpulet-int', describe: `One of ${SCHEDULER_NAMES.join(', ')}` })
    .option('rate', { alias: 'r', type: 'number', describe: 'Total rate, req/s (application requests/s for game and traffic); default: the workload\'s own' })
    .option('gpus', { alias: 'g', type: 'number', describe: 'GPUs available (default: the workload\'s, 4 for built-ins)' })
    .option('profiles', { type: 'string', describe: 'Latency profile CSV (model,gpu,partition,batch,latency_ms); default: the embedded RTX 2080 Ti set' });
}

/** The `schedule` JSON document (DESIGN.md). */
export function planJson(plan: Plan) {
  return {
    scheduler: plan.scheduler,
    feasible: plan.feasible,
    ...(plan.reason !== undefined ? { reason: plan.reason } : {}),
    gpus_used: gpusUsed(plan),
    gpus: plan.gpus.map((g) => ({
      gpu: g.gpu,
      type: g.type,
      gpulets: g.gpulets.map((l) => ({
        partition: l.partitionPct,
        duty_cycle_ms: Number(l.dutyCycleMs.toFixed(3)),
        models: l.models.map((a) => ({
          model: a.model,
          ...(a.task !== a.model ? { task: a.task } : {}),
          batch: a.batch,
          rate: Number(a.rateRps.toFixed(3)),
          latency_ms: Number(a.latencyMs.toFixed(3)),
        })),
      })),
    })),
    shortfalls: plan.shortfalls.map((s) => ({ task: s.task, shortfall_rps: Number(s.shortfallRps.toFixed(3)) })),
  };
}

function planTable(plan: Plan): string {
  const rows: Array<Array<string | number>> = [];
  for (const g of plan.gpus)
    g.gpulets.forEach((l, i) => {
      for (const a of l.models) rows.push([`${g.gpu}.${i}`, l.partitionPct, l.dutyCycleMs, a.task, a.batch, a.rateRps, a.latencyMs]);
    });
  const head = `${plan.scheduler}: ${plan.feasible ? 'feasible' : `INFEASIBLE (${plan.reason ?? 'no reason given'})`}, ${gpusUsed(plan)} GPU(s) used`;
  const short = plan.shortfalls.map((s) => `  shortfall accepted by the 0.85 re-check: ${s.task} ${fmt(s.shortfallRps)} req/s`).join('\n');
  return [head, table(['gpulet', 'size %', 'duty ms', 'task', 'batch', 'rate rps', 'latency ms'], rows), short].filter((s) => s !== '').join('\n');
}

export function commands(io: Io): CommandModule<Common, any>[] {
  const print = (format: 'table' | 'json', json: unknown, text: () => string) =>
    io.out(format === 'json' ? `${JSON.stringify(json, null, 2)}\n` : `${text()}\n`);

  const schedule: CommandModule<Common, WorkloadArgs> = {
    command: 'schedule',
    describe: 'Plan gpulets for a workload and print the plan',
    builder: (y) => workloadOptions(y) as unknown as Argv<WorkloadArgs>,
    handler: (a: ArgumentsCamelCase<WorkloadArgs>) => {
      const ctx = loadContext({ profiles: a.profiles });
      const w = resolveWorkload(a.workload, { rate: a.rate, gpus: a.gpus });
      const plan = planWorkload(w, a.scheduler, ctx);
      print(a.format, { workload: w.name, rate_rps: totalRate(w), ...planJson(plan) }, () => planTable(plan));
    },
  };

  interface SimArgs extends WorkloadArgs {
    duration: number;
    seed: number;
    jitter: number;
  }
  const simulate: CommandModule<Common, SimArgs> = {
    command: 'simulate',
    describe: 'Plan, then serve the plan on the simulated GPUs under seeded arrivals, and report the accounting',
    builder: (y) =>
      workloadOptions(y)
        .option('duration', { alias: 'd', type: 'number', default: 20, describe: 'Seconds of arrivals (queues then drain)' })
        .option('seed', { type: 'number', default: 1, describe: 'Run seed: same seed, same inputs, same output' })
        .option('jitter', { type: 'number', default: 0.02, describe: 'Coefficient of variation of batch-latency jitter' }) as unknown as Argv<SimArgs>,
    handler: (a: ArgumentsCamelCase<SimArgs>) => {
      const ctx = loadContext({ profiles: a.profiles });
      const w = resolveWorkload(a.workload, { rate: a.rate, gpus: a.gpus });
      checkPositive('--duration', a.duration);
      checkNonNegative('--jitter', a.jitter);
      const plan = planWorkload(w, a.scheduler, ctx);
      const bar = progress('simulating', Math.ceil(a.duration), { unit: 's', quiet: a.duration < 5 });
      const res = simulatePlan(w, plan, ctx, { seed: a.seed, durationS: a.duration, jitterCv: a.jitter, onProgress: (s) => bar.update(s) });
      bar.stop();
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
      print(a.format, doc, () => {
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
  };

  return [schedule, simulate];
}

function checkPositive(flag: string, v: number): void {
  if (!(v > 0) || !Number.isFinite(v)) throw new InputError(`${flag}: expected a positive number, got ${show(v)}`);
}
function checkNonNegative(flag: string, v: number): void {
  if (!(v >= 0) || !Number.isFinite(v)) throw new InputError(`${flag}: expected a non-negative number, got ${show(v)}`);
}
