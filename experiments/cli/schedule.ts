/** `gpulet schedule`: plan gpulets for a workload and print the plan. */
import { parseFixes } from '../../engine/schedulers/fixes.ts';
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { gpusUsed, type Plan } from '../../engine/plan.ts';
import { loadContext, planForServing, resolveWorkload } from '../lib/context.ts';
import { fmt, table } from '../lib/format.ts';
import { totalRate } from '../../sim/workload.ts';
import { isMigPlan, migPlanTable, planJson } from '../lib/plan-json.ts';
import { catalogOptions, print, workloadOptions, type Command, type WorkloadArgs } from './common.ts';

function planTable(plan: Plan): string {
  const rows: Array<Array<string | number>> = [];
  for (const g of plan.gpus)
    g.gpulets.forEach((l, i) => {
      for (const a of l.models)
        rows.push([`${g.gpu}.${i}`, l.partitionPct, l.dutyCycleMs, a.task, a.batch, a.rateRps, a.latencyMs]);
    });
  const head = `${plan.scheduler}: ${plan.feasible ? 'feasible' : `INFEASIBLE (${plan.reason ?? 'no reason given'})`}, ${gpusUsed(plan)} GPU(s) used`;
  const short = plan.shortfalls
    .map((s) => `  shortfall accepted by the 0.85 re-check: ${s.task} ${fmt(s.shortfallRps)} req/s`)
    .join('\n');
  return [head, table(['gpulet', 'size %', 'duty ms', 'task', 'batch', 'rate rps', 'latency ms'], rows), short]
    .filter((s) => s !== '')
    .join('\n');
}

export const schedule: Command<WorkloadArgs> = (io) => ({
  command: 'schedule',
  describe: 'Plan gpulets for a workload and print the plan',
  builder: (y: Argv) => catalogOptions(workloadOptions(y)) as unknown as Argv<WorkloadArgs>,
  handler: (a: ArgumentsCamelCase<WorkloadArgs>) => {
    const ctx = loadContext(a);
    const w = resolveWorkload(a.workload, { rate: a.rate, gpus: a.gpus, ctx });
    const plan = planForServing(w, a.scheduler, ctx, {
      predictor: a.predictor,
      fixes: parseFixes(a.fixes),
      allowSlow: a.allowSlow,
    });
    print(io, a.format, { workload: w.name, rate_rps: totalRate(w), ...planJson(plan) }, () =>
      isMigPlan(plan) ? migPlanTable(plan) : planTable(plan),
    );
  },
});
