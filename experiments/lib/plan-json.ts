import { gpusUsed, type GpuPlan, type Plan } from '../../engine/plan.ts';
import { fmt, table } from './format.ts';

/** Whether some GPU of `plan` is partitioned with MIG. */
export function isMigPlan(plan: Plan): boolean {
  return plan.gpus.some((g) => g.gpulets.some((l) => l.mig !== undefined));
}

/** `schedule`'s table for a MIG plan: one row per instance (GPU.start), with its processes. */
export function migPlanTable(plan: Plan): string {
  const rows: Array<Array<string | number>> = [];
  for (const g of plan.gpus)
    for (const i of migInstances(g))
      rows.push([`${g.gpu}.${i.start}`, `${i.size}g`, i.task ?? i.model, i.batch, i.processes, i.rate, i.latency_ms]);
  const head = `${plan.scheduler}: ${plan.feasible ? 'feasible' : `INFEASIBLE (${plan.reason ?? 'no reason given'})`}, ${gpusUsed(plan)} GPU(s) used`;
  const short = plan.shortfalls.map((s) => `  short: ${s.task} ${fmt(s.shortfallRps)} req/s`).join('\n');
  return [head, table(['instance', 'size', 'task', 'batch', 'procs', 'rate rps', 'latency ms'], rows), short]
    .filter((s) => s !== '')
    .join('\n');
}

/** The `schedule` JSON document (docs/design.md#command-line-contract). */
export function planJson(plan: Plan) {
  return {
    scheduler: plan.scheduler,
    feasible: plan.feasible,
    ...(plan.reason !== undefined ? { reason: plan.reason } : {}),
    gpus_used: gpusUsed(plan),
    gpus: plan.gpus.map((g) => ({
      gpu: g.gpu,
      type: g.type,
      ...(g.gpulets.some((l) => l.mig !== undefined) ? { instances: migInstances(g) } : {}),
      gpulets: g.gpulets.map((l) => ({
        partition: l.partitionPct,
        duty_cycle_ms: Number(l.dutyCycleMs.toFixed(3)),
        ...(l.mig !== undefined ? { mig: { start: l.mig.start, size: l.mig.size, process: l.mig.proc } } : {}),
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

/**
 * A MIG GPU's instances: start slot, size in GPCs, and the model each runs with its batch and MPS
 * processes (`rate`: the instance's throughput, all processes together; `latency_ms`: one batch
 * while all processes run). The plan holds one gpulet per process (`gpulets`, each with its `mig`
 * instance and process); they are grouped back here.
 */
export function migInstances(g: GpuPlan) {
  const out: Array<{
    start: number;
    size: number;
    model: string;
    task?: string;
    batch: number;
    processes: number;
    rate: number;
    latency_ms: number;
    duty_cycle_ms: number;
  }> = [];
  for (const l of g.gpulets) {
    if (l.mig === undefined || l.mig.proc !== 0) continue;
    const a = l.models[0];
    const procs = g.gpulets.filter((o) => o.mig?.start === l.mig?.start);
    out.push({
      start: l.mig.start,
      size: l.mig.size,
      model: a.model,
      ...(a.task !== a.model ? { task: a.task } : {}),
      batch: a.batch,
      processes: l.mig.procs,
      rate: Number(procs.reduce((s, o) => s + o.models[0].rateRps, 0).toFixed(3)),
      latency_ms: Number(a.latencyMs.toFixed(3)),
      duty_cycle_ms: Number(l.dutyCycleMs.toFixed(3)),
    });
  }
  return out;
}
