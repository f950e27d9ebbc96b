/**
 * Interference adjustments of gpulets already placed: when a neighbour's predicted slowdown grows,
 * shrink batches so the SLO still holds (the artifact's adjustSatNode and adjustResNode,
 * scheduler_base.cpp; docs/artifact.md#scheduling-saturate-and-residue-gpulets), and the final re-check of every gpulet (settle).
 */
import type { SchedContext } from './batching.ts';
import { f32, type Node, type SchedTask, type State } from './state.ts';

/**
 * adjustSatNode: under predicted interference, lower a saturate gpulet's batch until 2 L <= SLO;
 * lost throughput is credited to `credit.additionalRate` (null: dropped, as the artifact's
 * two-argument form does).
 */
export function adjustSatNode(ctx: SchedContext, state: State, node: Node, credit: SchedTask | null): boolean {
  const t = node.tasks[0];
  if (t === undefined || node.tasks.length !== 1) return true;
  let l = ctx.estOn(t.model, t.batch, node, state);
  const old = t.throughputRps;
  if (2 * l < t.sloMs) {
    // Fix sat-duty: the artifact lowers the throughput to b / L but keeps the old (shorter) duty
    // cycle; the fix moves the duty cycle with it so a gpulet's summed latency never exceeds it.
    if (ctx.fix('sat-duty')) node.dutyMs = l;
    t.throughputRps = f32((t.batch * 1000) / l);
    if (credit) credit.additionalRps += Math.max(0, Math.trunc(f32(old - t.throughputRps)));
    return true;
  }
  let b = t.batch;
  let dc = node.dutyMs;
  while (t.sloMs < 2 * l) {
    b -= 1;
    if (b === 0) return false;
    l = ctx.estOn(t.model, b, node, state);
    dc = l;
  }
  t.batch = b;
  node.dutyMs = dc;
  t.throughputRps = f32(b * (1000 / dc));
  if (credit && old > t.throughputRps) credit.additionalRps += Math.trunc(f32(old - t.throughputRps));
  return true;
}

/**
 * adjustResNode: if the gpulet's summed latency plus duty cycle exceeds 1.05 x some SLO, lower each
 * task's batch (scaling the duty cycle down with it) until it fits, and take the smallest duty.
 */
export function adjustResNode(ctx: SchedContext, state: State, node: Node): boolean {
  let sum = 0;
  for (const t of node.tasks) sum = f32(sum + ctx.estOn(t.model, t.batch, node, state));
  let fits = true;
  for (const t of node.tasks) if (!(f32(sum + node.dutyMs) <= t.sloMs * 1.05)) fits = false;
  if (fits) return true;
  const dcs: number[] = [];
  const bs: number[] = [];
  for (const t of node.tasks) {
    let b = t.batch;
    let dc = node.dutyMs;
    let l = ctx.estOn(t.model, b, node, state);
    const others = f32(sum - l);
    while (t.sloMs < f32(f32(others + l) + dc)) {
      b -= 1;
      if (b === 0) return false;
      l = ctx.estOn(t.model, b, node, state);
      dc = f32(dc * f32(b / t.batch)); // compounding, as coded
    }
    dcs.push(dc);
    bs.push(b);
  }
  const dmin = Math.min(...dcs);
  sum = 0;
  node.tasks.forEach((t, i) => {
    t.batch = bs[i];
    t.throughputRps = f32((1000 * t.batch) / dmin);
    sum = f32(sum + ctx.estOn(t.model, t.batch, node, state));
  });
  node.dutyMs = dmin;
  node.occupancy = f32(sum / dmin);
  return true;
}

/**
 * After all placements, re-check every gpulet under the interference predicted from its final
 * neighbours: a saturate gpulet keeps 2 L <= SLO (adjustSatNode); on any other gpulet the duty
 * cycle grows to at least the summed latency and batches shrink until duty + L <= SLO for each task.
 * Returns the first gpulet that cannot be fixed, or null.
 *
 * Fix settle: the artifact adjusts the gpulets of a GPU when a model is placed by best fit or the
 * fallback, but not after temporal sharing or residue merging changes a neighbour, and it accepts
 * adjustments up to 1.05 x SLO; so its final plan can promise latencies that its own predictor says
 * break the SLO. With interference ignored nothing changes here.
 */
export function settle(ctx: SchedContext, state: State): string | null {
  if (!ctx.config.interference || !ctx.fix('settle')) return null;
  for (const gpu of state.gpus)
    for (const node of gpu.nodes) {
      if (node.tasks.length === 0) continue;
      if (node.tasks.length === 1 && node.occupancy >= 1) {
        if (!adjustSatNode(ctx, state, node, null))
          return `${node.tasks[0].task}: no batch meets 2 L <= SLO under the predicted interference on GPU ${gpu.index}`;
        continue;
      }
      for (;;) {
        const lat: number[] = [];
        let sum = 0;
        for (const t of node.tasks) {
          const l = ctx.estOn(t.model, t.batch, node, state);
          lat.push(l);
          sum += l;
        }
        if (sum > node.dutyMs) {
          node.dutyMs = sum;
          for (const t of node.tasks) t.throughputRps = (1000 * t.batch) / sum;
        }
        node.occupancy = sum / node.dutyMs;
        const late = node.tasks.findIndex((t, i) => node.dutyMs + lat[i] > t.sloMs);
        if (late < 0) break;
        const t = node.tasks[late];
        if (t.batch === 1)
          return `${t.task}: duty cycle + latency exceed its SLO under the predicted interference on GPU ${gpu.index}`;
        node.dutyMs *= (t.batch - 1) / t.batch;
        t.batch -= 1;
        for (const u of node.tasks) u.throughputRps = (1000 * u.batch) / node.dutyMs;
      }
    }
  return null;
}
