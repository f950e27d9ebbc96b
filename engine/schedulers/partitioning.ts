/**
 * The step where the scheduler variants partition differently: how a task's rate becomes gpulet
 * requests, and whether what best fit leaves may time-share gpulets already in use. Elastic
 * partitioning (temporal, gpulet, gpulet-int, ideal) splits at the knee p_eff with a residue at
 * p_req and time-shares; greedy best-fit takes the smallest size that carries the rest and never
 * time-shares. Ports of the artifact's estimateTrp and getEstimateTrpST (casys-kaist/glet,
 * scheduler_incremental.cpp and scheduler_base.cpp).
 */
import { InputError } from '../errors.ts';
import { copyOf, type PartitionStrategy, type SchedContext } from './batching.ts';
import { TRP_SLACK, emptyNode, f32, type Node, type SchedTask } from './state.ts';

/**
 * Elastic partitioning's split (estimateTrp): saturate gpulets of size p_eff while the rate exceeds
 * their throughput, then one residue gpulet of size p_req. Remaining rates of at most 15 req/s are
 * ignored (TRP_SLACK).
 */
function estimateElastic(ctx: SchedContext, task: SchedTask, rateRps: number): Node[] {
  const out: Node[] = [];
  let r = rateRps;
  while (r > TRP_SLACK) {
    const pe = ctx.effectivePart(task);
    const s = ctx.sat(task, pe);
    const n = emptyNode(out.length, pe);
    if (s.throughputRps < r) {
      const whole = ctx.fix('fit-whole-rate') ? wholeRateNode(ctx, task, r, pe, s.throughputRps, out.length) : null;
      if (whole !== null) {
        out.push(whole);
        break;
      }
      n.tasks = [copyOf(task, r, s.batch, s.throughputRps)];
      n.occupancy = 1;
      n.dutyMs = ctx.est(task.model, s.batch, pe);
      out.push(n);
      if (out.length >= ctx.maxEstimate) break; // more than the GPUs hold: it cannot fit anyway
      r = Math.trunc(f32(r - s.throughputRps));
      continue;
    }
    // A residue no batch can serve: the artifact would go on with an unset batch; we stop here and
    // let placement fail for this rate (spec Q-MP1).
    const res = residueNode(ctx, task, r, pe, out.length);
    if (res !== null) out.push(res);
    break;
  }
  return out;
}

/** The artifact's residue gpulet for `rateRps`: its p_req at or below `capPct`, batch and duty for the rate. */
function residueNode(ctx: SchedContext, task: SchedTask, rateRps: number, capPct: number, index: number): Node | null {
  const m = ctx.minPart(task, capPct, rateRps);
  if (m.batch === 0) return null;
  const n = emptyNode(index, m.sizePct);
  const l = ctx.est(task.model, m.batch, m.sizePct);
  n.dutyMs = Math.max(f32(m.batch * f32(1000 / m.rateRps)), l);
  n.tasks = [copyOf(task, m.rateRps, m.batch, f32((m.batch * 1000) / n.dutyMs))];
  n.occupancy = f32(l / n.dutyMs);
  return n;
}

/**
 * Fix fit-whole-rate. The artifact splits a rate just above one efficient gpulet's saturate
 * throughput into that gpulet and a residue gpulet (mobilenet_v2 at 693 req/s: 40 % for 670 and
 * 20 % for the 23 left). If one gpulet smaller than the two together carries the whole rate (50 %
 * here), plan that one instead: less of the GPU, one gpulet fewer to place.
 */
function wholeRateNode(
  ctx: SchedContext,
  task: SchedTask,
  rateRps: number,
  pe: number,
  satRps: number,
  index: number,
): Node | null {
  const residue = Math.trunc(f32(rateRps - satRps));
  if (residue <= TRP_SLACK) return null;
  const split = pe + (residueNode(ctx, task, residue, pe, index)?.sizePct ?? pe);
  for (let k = ctx.parts.length - 1; k >= 0; k--) {
    const p = ctx.parts[k];
    if (p <= pe) continue;
    if (p >= split) break;
    const n = residueNode(ctx, task, rateRps, p, index);
    if (n !== null && n.tasks[0].throughputRps >= rateRps) return n;
  }
  return null;
}

/** Greedy best-fit's split (getEstimateTrpST): the smallest size whose saturate throughput exceeds the rest. */
function estimateGreedy(ctx: SchedContext, task: SchedTask, rateRps: number): Node[] {
  const out: Node[] = [];
  if (rateRps <= TRP_SLACK) return out;
  const ascending = ctx.ascendingParts;
  let r = rateRps;
  while (r > 0) {
    let chosen = ascending[0];
    let t = 0;
    let batch = 1;
    for (const p of ascending) {
      const s = ctx.sat(task, p);
      chosen = p;
      t = Math.trunc(s.throughputRps);
      batch = s.batch;
      if (t > r) break;
    }
    if (t === 0)
      throw new InputError(
        `greedy: ${task.model} serves under 1 req/s even on a whole GPU (batch ${batch}, SLO ${task.sloMs} ms); greedy plans whole requests per second`,
      );
    const n = emptyNode(out.length, chosen);
    const l = ctx.est(task.model, batch, chosen);
    if (ctx.fix('greedy-duty')) {
      // The artifact sets duty = b / r (below the batch latency when r > T) and claims throughput
      // T for every chunk, also the last, smaller one; the fix floors the duty cycle at the
      // latency and claims what the gpulet serves at that duty cycle.
      n.dutyMs = Math.max(f32(batch * (1000 / r)), l);
      n.tasks = [copyOf(task, r, batch, f32((batch * 1000) / n.dutyMs))];
    } else {
      n.dutyMs = f32(batch * (1000 / r));
      n.tasks = [copyOf(task, r, batch, t)];
    }
    n.occupancy = f32(l / n.dutyMs);
    out.push(n);
    if (out.length >= ctx.maxEstimate) break; // more than the GPUs hold: it cannot fit anyway
    r -= t;
  }
  return out;
}

/** Elastic partitioning (Algorithm 1): knee-sized saturate gpulets, a residue, temporal sharing. */
export const ELASTIC: PartitionStrategy = { name: 'elastic', estimate: estimateElastic, timeShares: true };

/** Greedy best-fit: the smallest adequate partition, no time sharing. */
export const GREEDY: PartitionStrategy = { name: 'greedy', estimate: estimateGreedy, timeShares: false };
