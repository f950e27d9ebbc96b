/**
 * Temporal sharing, the last resort of placement: a task joins a gpulet that other tasks already
 * use, at a shorter common duty cycle (the artifact's allocateTimeShare, scheduler_incremental.cpp;
 * Nexus's squishy bin packing; docs/artifact.md#scheduling-saturate-and-residue-gpulets, step 5).
 */
import { MAX_BATCH } from '../limits.ts';
import { copyOf, type SchedContext } from './batching.ts';
import {
  TRP_SLACK,
  chargeMemory,
  f32,
  fitsMemory,
  hasTask,
  sameNode,
  sortInPlace,
  type Node,
  type SchedTask,
  type State,
  type TaskCopy,
} from './state.ts';

/**
 * The batch a task already on a gpulet needs at the new, shorter duty cycle d = `dutyMs`.
 *
 * The artifact uses trunc(d x stored rate / 1000), where the stored rate is the task's whole
 * remaining demand when it was placed (not its share here), truncated, at least 1. At low rates
 * that silently halves a task's planned throughput (e.g. 68 req/s at d = 29 ms: trunc(1.97) = 1
 * batch, 34.5 req/s) while the plan is still called feasible. Fix timeshare-rate keeps the task's
 * planned throughput: ceil(d x throughput / 1000). Both are clamped to MAX_BATCH (the artifact clamps
 * when committing; in its check a larger batch would make its latency lookup loop forever).
 */
function coResidentBatch(ctx: SchedContext, dutyMs: number, t: TaskCopy): number {
  const b = ctx.fix('timeshare-rate')
    ? Math.ceil((dutyMs * t.throughputRps) / 1000 - 1e-9)
    : Math.trunc(dutyMs / (1000 / t.rateRps));
  return Math.min(MAX_BATCH, Math.max(1, b));
}

const byOccupancyDesc = (a: Node, b: Node) => b.occupancy - a.occupancy;

function inRestrict(restrict: readonly Node[], node: Node): boolean {
  for (const r of restrict) if (sameNode(r, node)) return true;
  return false;
}

/**
 * Whether `task` at duty cycle d, its batch taking `lnMs`, may join `node`: the gpulet's summed
 * latency (co-residents at their batches for d) fits in d and, unless the paper baselines' "No
 * Check" is in force, d + that sum is within every task's SLO.
 */
function sharedFits(ctx: SchedContext, state: State, node: Node, task: SchedTask, d: number, lnMs: number): boolean {
  let sum = lnMs;
  let minSlo = task.sloMs;
  for (const t of node.tasks) {
    sum = f32(sum + ctx.estOn(t.model, coResidentBatch(ctx, d, t), node, state));
    if (t.sloMs < minSlo) minSlo = t.sloMs;
  }
  if (f32(sum / d) > 1) return false;
  return !(ctx.config.timeShareSloCheck && f32(sum + d) > minSlo);
}

/**
 * allocateTimeShare (Nexus-style temporal sharing), the last resort: add the task to a gpulet with
 * spare occupancy and fewer than 3 tasks, at a duty cycle d <= the gpulet's, such that the new
 * task meets d + L < SLO and the gpulet's summed latency fits in d (and, unless the paper
 * baselines' "No Check" is in force, d + sum L <= SLO for every task on it).
 */
export function allocateTimeShare(
  ctx: SchedContext,
  state: State,
  task: SchedTask,
  restrict: readonly Node[],
): boolean {
  const mem = ctx.memoryMb(task.model);
  const cands: Node[] = [];
  for (const gpu of state.gpus)
    for (const node of gpu.nodes) {
      // A gpulet that never held a task has no duty cycle, so the loop below passes over it
      // (bmax = 0); leaving it out changes nothing. The other tests are pure, the cheap ones first.
      if (node.dutyMs === 0 && node.tasks.length === 0) continue;
      if (
        restrict.length > 0
          ? !inRestrict(restrict, node)
          : !(node.occupancy < 1 && node.tasks.length < ctx.config.maxModels)
      )
        continue;
      if (fitsMemory(gpu, mem, task.id, node)) cands.push(node);
    }
  sortInPlace(cands, byOccupancyDesc);
  while (task.rateRps + task.additionalRps > TRP_SLACK) {
    let placed = false;
    for (const node of cands) {
      if (hasTask(node, task.id) || node.occupancy >= 1) continue;
      let bmax = Math.trunc(node.dutyMs * (task.rateRps / 1000));
      if (bmax === 0) continue;
      bmax = Math.min(bmax, MAX_BATCH);
      let b = bmax;
      let d = 0;
      if (ctx.fix('timeshare-search')) {
        // The artifact tries only the largest batch meeting the new task's own rules and gives up
        // on this gpulet if the gpulet-wide checks then fail, although a smaller batch (a shorter
        // duty cycle, smaller co-resident batches) often passes them; the fix goes on down to 1,
        // as squishy bin packing's search for a feasible duty cycle does.
        for (; b >= 1; b--) {
          d = Math.trunc((b * 1000) / task.rateRps); // whole milliseconds, as coded
          const ln = ctx.estOn(task.model, b, node, state);
          if (!(f32(d + ln) < task.sloMs && f32(ln / d) < 1 - node.occupancy) || d > node.dutyMs) continue;
          if (sharedFits(ctx, state, node, task, d, ln)) break;
        }
        if (b === 0) continue;
      } else {
        let ln = 0;
        for (; b >= 1; b--) {
          d = Math.trunc((b * 1000) / task.rateRps);
          ln = ctx.estOn(task.model, b, node, state);
          if (f32(d + ln) < task.sloMs && f32(ln / d) < 1 - node.occupancy) break;
        }
        if (d > node.dutyMs || b === 0) continue;
        if (!sharedFits(ctx, state, node, task, d, ln)) continue;
      }
      const throughputRps = f32(b * (1000 / d));
      ctx.touch(state, node.gpu);
      node.tasks.push(copyOf(task, task.rateRps, b, throughputRps));
      const left = f32(task.rateRps - throughputRps);
      task.rateRps = left > 0 ? Math.trunc(left) : 0;
      chargeMemory(state.gpus[node.gpu], mem, task.id, node);
      let occ = 0;
      for (const t of node.tasks) {
        if (t.id !== task.id) {
          t.batch = coResidentBatch(ctx, d, t);
          t.throughputRps = f32((t.batch * 1000) / d);
        }
        occ = f32(occ + f32(ctx.estOn(t.model, t.batch, node, state) / d));
      }
      node.dutyMs = d;
      node.occupancy = occ;
      placed = true;
      break;
    }
    if (!placed) return false;
  }
  return true;
}
