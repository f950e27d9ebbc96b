/**
 * A scheduler of your own, through the public API: any object with `name` and `plan(input)`. This
 * one gives every task a whole GPU and the largest batch whose latency plus its collection time
 * (batch / rate) meets the SLO: no spatial sharing, no temporal sharing. It plans and simulates
 * like the built-in ones, so it compares with them directly.
 *
 *   node --import tsx examples/custom-scheduler.ts
 */
import { plan, simulate, type Plan, type PlanInput, type Scheduler } from 'gpulet';

const oneGpuPerTask: Scheduler = {
  name: 'one-gpu-per-task',
  plan(input: PlanInput): Plan {
    const gpus: Plan['gpus'] = [];
    const shortfalls: Plan['shortfalls'] = [];
    for (const d of input.demands) {
      const slo = d.sloMs;
      let best: { batch: number; latencyMs: number; dutyMs: number } | null = null;
      for (let b = 1; b <= 32; b++) {
        const latencyMs = input.latency.latencyMs(d.model, b, 100);
        const dutyMs = (1000 * b) / d.rateRps; // time to collect b requests
        if (latencyMs + dutyMs <= slo && latencyMs <= dutyMs) best = { batch: b, latencyMs, dutyMs };
      }
      if (best === null || gpus.length === input.numGpus) {
        shortfalls.push({ task: d.task, shortfallRps: d.rateRps });
        continue;
      }
      gpus.push({
        gpu: gpus.length,
        type: input.gpuType,
        gpulets: [
          {
            partitionPct: 100,
            dutyCycleMs: best.dutyMs,
            models: [
              { task: d.task, model: d.model, batch: best.batch, rateRps: d.rateRps, latencyMs: best.latencyMs },
            ],
          },
        ],
      });
    }
    const feasible = shortfalls.length === 0;
    return {
      scheduler: this.name,
      feasible,
      gpus,
      shortfalls,
      ...(feasible ? {} : { reason: 'a task fits no whole GPU' }),
    };
  },
};

for (const scheduler of [oneGpuPerTask, 'gpulet-int'] as const) {
  const p = plan('scen1', scheduler, { rate: 600 });
  const r = simulate('scen1', p, { rate: 600, seed: 1, durationS: 10 });
  const name = typeof scheduler === 'string' ? scheduler : scheduler.name;
  console.log(
    `${name}: feasible ${p.feasible}, ${p.gpus.length} GPU(s), ${r.slo_violation_pct} % violations, ${r.requests.completed}/${r.requests.arrived} completed`,
  );
}
