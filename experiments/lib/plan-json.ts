import { gpusUsed, type Plan } from '../../engine/plan.ts';

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
