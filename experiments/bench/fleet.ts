/** The bench's fleet mixes: a loaded fleet of many tasks for planning-time figures. */
import type { Demand } from '../../engine/plan.ts';
import { streamRng } from '../../sim/rng.ts';
import type { Context } from '../lib/context.ts';

/**
 * A 100-task mix sized to a fleet of `gpus`: tasks drawn from the 9 profiled models, rates
 * weighted at random and scaled to 350 req/s per GPU in total (a loaded fleet).
 */
export function fleetMix(gpus: number, ctx: Context, numTasks = 100): Demand[] {
  const rng = streamRng(42, 'bench-mix');
  const models = Object.values(ctx.models);
  const raw = Array.from({ length: numTasks }, (_, i) => {
    const m = models[Math.floor(rng() * models.length)];
    return { task: `${m.name}#${i}`, model: m.name, weight: 0.5 + rng(), sloMs: m.sloMs };
  });
  const total = raw.reduce((a, t) => a + t.weight, 0);
  return raw.map((t) => ({
    task: t.task,
    model: t.model,
    sloMs: t.sloMs,
    rateRps: Math.round((t.weight / total) * gpus * 350),
  }));
}
