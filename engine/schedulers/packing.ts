/**
 * Packing one task's gpulet requests onto the scheduler's GPUs: best fit, the readjust fallback and
 * residue merging (temporal sharing is in timeshare.ts, interference adjustments in adjust.ts).
 * Putting a finished plan on physical GPUs is another matter: engine/server/placement.ts.
 *
 * Port of the gpulet artifact (casys-kaist/glet, scheduler_incremental.cpp and scheduler_base.cpp;
 * docs/artifact.md#scheduling-saturate-and-residue-gpulets). Decisions follow the artifact's loop orders and
 * tie-breaks; each deliberate departure is a named fix (fixes.ts), switched off by `--fixes none`.
 */
import { adjustResNode, adjustSatNode } from './adjust.ts';
import { copyOf, type SchedContext } from './batching.ts';
import {
  NET_LIMIT_GBIT,
  TRP_SLACK,
  chargeMemory,
  f32,
  fitsMemory,
  gpuGbits,
  releaseMemory,
  sameNode,
  sortInPlace,
  split,
  type Node,
  type SchedTask,
  type State,
  type TaskCopy,
} from './state.ts';

const bySizeDesc = (a: Node, b: Node) => b.sizePct - a.sizePct;

/**
 * The empty gpulets of `state` that findBestFit may pick, in its scan order: the last GPU first,
 * and within a GPU the last gpulet first. On a fleet of many GPUs most are busy, and a scan over
 * the whole fleet per request was most of a plan's time; so callers that place several requests
 * build this once. Whether a gpulet may take a request depends only on its own GPU, and placing a
 * request changes only the GPU it lands on, so the list stays exact if the caller adds what a
 * split creates (allocateFit); a gpulet in it that has since been filled is skipped.
 *
 * Left out: gpulets whose neighbour the artifact's check says would break (neighbourWouldBreak,
 * which does not depend on the request). Their GPU has no other empty gpulet (the neighbour is
 * busy), so no placement here changes them.
 */
export function emptyGpulets(ctx: SchedContext, state: State): Node[] {
  const out: Node[] = [];
  for (let g = state.gpus.length - 1; g >= 0; g--) {
    const nodes = state.gpus[g].nodes;
    for (let k = nodes.length - 1; k >= 0; k--) {
      const node = nodes[k];
      if (node.tasks.length === 0 && !neighbourWouldBreak(ctx, state, node)) out.push(node);
    }
  }
  return out;
}

/**
 * findBestFit: an empty gpulet of at least the requested size whose GPU has memory for the model,
 * where the request's batch meets its SLO, and whose neighbour is not pushed over its SLO. The
 * artifact prefers a whole (100 %) GPU, then an exact fit, and among equals takes the LAST in GPU
 * order (so the highest-index GPU fills first); otherwise the last with the least slack.
 * `empties`: every empty gpulet of the state in scan order (emptyGpulets), filled ones allowed.
 */
export function findBestFit(
  ctx: SchedContext,
  state: State,
  req: Node,
  exclude: readonly Node[],
  empties: readonly Node[],
): Node | null {
  const rt = req.tasks[0];
  const memMb = ctx.memoryMb(rt.model);
  // Fix fit-at-size: the artifact tests a whole GPU's candidacy at 100 % although it then splits
  // it to the request's size; the fix tests at the size the request will run at (it matters for
  // greedy's saturate batches, which can miss their SLO at their own size).
  const atSize = ctx.fix('fit-at-size') && ctx.usePart && ctx.repartition;
  // The artifact scans forward and lets later candidates win ties, so scanning backward and taking
  // the first winner gives the same answer while checking eligibility (the costly part) only for
  // candidates that could still win: a whole GPU or exact fit ends the search at once; otherwise
  // only a strictly smaller slack can beat what is held.
  let best: Node | null = null;
  let bestDiff = Infinity;
  for (const node of empties) {
    if (node.sizePct < req.sizePct || node.tasks.length > 0 || exclude.includes(node)) continue;
    const diff = node.sizePct - req.sizePct;
    const top = (node.sizePct === 100 && ctx.usePart) || diff === 0;
    if (!top && diff >= bestDiff) continue;
    if (!eligible(ctx, state, node.gpu, node, req, memMb, atSize)) continue;
    if (top) {
      ctx.touch(state, node.gpu);
      return node;
    }
    best = node;
    bestDiff = diff;
  }
  if (best !== null) ctx.touch(state, best.gpu);
  return best;
}

/**
 * Whether `req` may take empty gpulet `node` of GPU `g`: its GPU has memory for the model, the
 * request's batch meets its SLO there (at the request's own size when a whole GPU will be split
 * and `atSize`), and the neighbour is not pushed over its SLO. All three are pure tests, so the
 * one that usually fails (the neighbour, on a fleet of split GPUs) goes first.
 */
function eligible(
  ctx: SchedContext,
  state: State,
  g: number,
  node: Node,
  req: Node,
  memMb: number,
  atSize: boolean,
): boolean {
  if (neighbourWouldBreak(ctx, state, node)) return false;
  const rt = req.tasks[0];
  if (!fitsMemory(state.gpus[g], memMb, rt.id, node)) return false;
  const at = atSize && node.sizePct === 100 ? { ...node, sizePct: req.sizePct } : node;
  return f32(ctx.estOn(rt.model, rt.batch, at, state) + req.dutyMs) <= rt.sloMs;
}

/**
 * checkForInterference as the artifact evaluates it: its temporary GPU never contains the new
 * neighbour, so the predicted slowdown is always 1 and the test reduces to "batching overhead +
 * 2 x the neighbour's duty cycle > the neighbour's SLO". Kept as coded; the interference-aware
 * protection of neighbours comes from adjustSatNode/adjustResNode after placement.
 */
function neighbourWouldBreak(ctx: SchedContext, state: State, cand: Node): boolean {
  if (cand.sizePct === 100) return false;
  const gpu = state.gpus[cand.gpu];
  if (gpu === undefined) return false;
  for (const nb of gpu.nodes) {
    if (sameNode(nb, cand)) continue;
    // The first other gpulet of the GPU (otherNode).
    for (const t of nb.tasks)
      if (f32(f32(ctx.batchOverheadMs(t.model, t.batch) + nb.dutyMs) + nb.dutyMs) > t.sloMs) return true;
    return false;
  }
  return false;
}

/** checkFit: a dry run of placing every request; a whole GPU counts as splittable once. */
export function checkFit(ctx: SchedContext, state: State, est: readonly Node[]): boolean {
  const flagged: Node[] = [];
  const remain = new Map<Node, number>();
  // A dry run: the state does not change, nor its empty gpulets.
  const empties = emptyGpulets(ctx, state);
  for (const req of est) {
    let res: Node | null;
    for (;;) {
      res = findBestFit(ctx, state, req, flagged, empties);
      if (res === null) return false;
      if (!remain.has(res)) remain.set(res, res.sizePct);
      if ((remain.get(res) as number) < req.sizePct) {
        flagged.push(res);
        continue;
      }
      break;
    }
    const left = remain.get(res) as number;
    remain.set(res, ctx.repartition && left === 100 ? left - req.sizePct : 0);
    if (remain.get(res) === 0) flagged.push(res);
  }
  return true;
}

/**
 * allocateFit: place each request on its best fit, splitting a whole GPU, re-batching for a larger
 * split gpulet, and (with interference) adjusting every gpulet of that GPU. Decrements task.rate.
 * Fails if a request finds no fit, or (unless `placesAll` is false) if more than 15 req/s remain.
 */
export function allocateFit(
  ctx: SchedContext,
  state: State,
  est: readonly Node[],
  task: SchedTask,
  placesAll = true,
): boolean {
  // Placing a request fills one empty gpulet and may split its GPU; every other gpulet of the
  // state stays as it is (the adjustments below change only that GPU's gpulets, never empty one).
  const empties = emptyGpulets(ctx, state);
  for (const req of est) {
    const isResidue = req.occupancy !== 1;
    const bf = findBestFit(ctx, state, req, [], empties);
    if (bf === null) return false;
    const bp = bf.sizePct;
    const rp = req.sizePct;
    if (bp !== 100 && bp > rp) {
      // Landing in a larger, already split gpulet: batch and duty cycle for its size.
      // Fix fit-target-gpu: the artifact evaluates interference here on GPU number "estimate
      // index" (the request's position in the estimate, which emptyNode gave it as its GPU) with
      // dedup 0, instead of on the target GPU.
      req.sizePct = bp;
      if (ctx.fix('fit-target-gpu')) {
        req.gpu = bf.gpu;
        req.dedup = bf.dedup;
      }
      const rt = req.tasks[0];
      const r = ctx.maxBatch(rt, req, state, rt.rateRps, isResidue, true);
      rt.rateRps = r.rateRps;
      rt.batch = r.batch;
      if (rt.batch === 0) return false;
      const l = ctx.estOn(rt.model, rt.batch, req, state);
      req.dutyMs = isResidue ? Math.max(f32((rt.batch * 1000) / rt.rateRps), l) : l;
      rt.throughputRps = f32((rt.batch * 1000) / req.dutyMs);
      req.occupancy = f32(l / req.dutyMs);
    }
    // The complement of a split comes after `bf` on its GPU, so just before it in scan order.
    if (bp === 100 && rp < 100 && ctx.repartition) empties.splice(empties.indexOf(bf), 0, split(state, bf, rp));
    bf.occupancy = req.occupancy;
    if (ctx.repartition) bf.sizePct = req.sizePct;
    bf.dutyMs = req.dutyMs;
    bf.tasks = req.tasks.map((t) => ({ ...t }));
    const gpu = state.gpus[bf.gpu];
    chargeMemory(gpu, ctx.memoryMb(task.model), task.id, bf);
    if (ctx.config.interference) {
      for (const n of gpu.nodes) {
        if (n.occupancy === 1) {
          if (!adjustSatNode(ctx, state, n, task)) return false;
        } else adjustResNode(ctx, state, n);
      }
    }
    task.rateRps = Math.trunc(f32(task.rateRps - bf.tasks[0].throughputRps));
  }
  if (!placesAll) return true;
  if (task.rateRps + task.additionalRps > TRP_SLACK) return false;
  task.rateRps = 0;
  return true;
}

/** Cut a task's batch (and throughput in proportion) to the GPU's remaining input bandwidth. */
function fitBandwidth(ctx: SchedContext, state: State, rt: TaskCopy, gpuIndex: number): boolean {
  if (!ctx.config.networkLimit) return true;
  const rem = Math.max(NET_LIMIT_GBIT - gpuGbits(state.gpus[gpuIndex], ctx.inputBytes), 0);
  if (rem === 0) return false;
  const bytes = ctx.inputBytes(rt.model);
  const b0 = rt.batch;
  const t0 = rt.throughputRps;
  for (let i = b0; i >= 1; i--) {
    if (((i / b0) * t0 * bytes * 8) / 1024 ** 3 <= rem) {
      rt.batch = i;
      rt.throughputRps = f32(f32(i / b0) * t0);
      return true;
    }
  }
  return false;
}

/** After tentatively placing on `node`: revert if bandwidth or a neighbour's SLO breaks. */
function needsRevert(ctx: SchedContext, state: State, node: Node, task: SchedTask): boolean {
  let revert = false;
  const gpu = state.gpus[node.gpu];
  if (ctx.config.networkLimit && gpuGbits(gpu, ctx.inputBytes) > NET_LIMIT_GBIT) revert = true;
  if (ctx.config.interference) {
    for (const n of gpu.nodes) {
      if (n.dedup === node.dedup && n.sizePct === node.sizePct) continue;
      if (n.occupancy >= 1) {
        if (!adjustSatNode(ctx, state, n, null)) {
          revert = true;
          break;
        }
      } else if (!adjustResNode(ctx, state, n)) revert = true;
    }
    if (!revert) {
      task.rateRps += task.additionalRps;
      task.additionalRps = 0;
    }
  }
  return revert;
}

function revertNode(node: Node): void {
  node.occupancy = 0;
  node.tasks = [];
  node.dutyMs = 0;
}

/** If `node` is a whole GPU, split it to the first size a fresh estimate asks for. */
function splitForEstimate(ctx: SchedContext, state: State, node: Node, task: SchedTask, given: Node[]): number | null {
  if (!(node.sizePct === 100 && ctx.usePart && ctx.repartition)) return null;
  const cands = ctx.estimate(task, task.rateRps);
  if (cands.length === 0) return null;
  const sz = cands[0].sizePct;
  if (sz < 100) {
    given.push(split(state, node, sz));
    const rest = sortInPlace(given.slice(1), bySizeDesc);
    given.splice(1, rest.length, ...rest);
  }
  return cands[0].tasks[0].batch;
}

/**
 * readjust, the fallback when best fit fails: walk the empty gpulets largest first; fill whole
 * saturate gpulets while one more is needed, then residue gpulets; a whole GPU is first split to
 * the size a fresh estimate for the remaining rate asks for.
 */
export function readjust(ctx: SchedContext, state: State, task: SchedTask, given: Node[]): boolean {
  sortInPlace(given, bySizeDesc);
  if (ctx.config.interference) {
    task.rateRps += task.additionalRps;
    task.additionalRps = 0;
  }
  const mem = ctx.memoryMb(task.model);
  let proceedResidue = false;
  while (task.rateRps + task.additionalRps > TRP_SLACK && given.length > 0) {
    const nd = given[0];
    ctx.touch(state, nd.gpu);
    let b = splitForEstimate(ctx, state, nd, task, given);
    if (b === null) b = Math.max(1, ctx.maxBatch(task, nd, state, task.rateRps, false, true).batch);
    const l = ctx.estOn(task.model, b, nd, state);
    const full = f32(b * (1000 / l));
    if (full > task.rateRps) {
      proceedResidue = true;
      break;
    }
    const rt = copyOf(task, task.rateRps, b, full);
    if (!fitBandwidth(ctx, state, rt, nd.gpu)) return false;
    const gpu = state.gpus[nd.gpu];
    if (fitsMemory(gpu, mem, task.id, nd)) {
      nd.occupancy = 1;
      nd.tasks.push(rt);
      nd.dutyMs = ctx.estOn(task.model, b, nd, state);
      if (needsRevert(ctx, state, nd, task)) revertNode(nd);
      else {
        task.rateRps = Math.trunc(f32(task.rateRps - rt.throughputRps));
        chargeMemory(gpu, mem, task.id, nd);
      }
    }
    given.splice(given.indexOf(nd), 1);
  }
  if (proceedResidue) {
    while (task.rateRps > TRP_SLACK && given.length > 0) {
      const nd = given[0];
      ctx.touch(state, nd.gpu);
      splitForEstimate(ctx, state, nd, task, given);
      const r = ctx.maxBatch(task, nd, state, task.rateRps, true, true);
      task.rateRps = r.rateRps;
      if (r.batch === 0) return false;
      // Fix duty-floor: the artifact sets duty = b / r with no floor at the batch latency, so such
      // a gpulet can claim more throughput than it can run (occupancy > 1). The fix floors the duty
      // cycle at the latency, as its own estimateTrp does; the unserved rest goes to the next gpulet.
      nd.dutyMs = f32(r.batch * (1000 / task.rateRps));
      if (ctx.fix('duty-floor')) nd.dutyMs = Math.max(nd.dutyMs, ctx.estOn(task.model, r.batch, nd, state));
      const rt = copyOf(task, task.rateRps, r.batch, f32((1000 * r.batch) / nd.dutyMs));
      if (!fitBandwidth(ctx, state, rt, nd.gpu)) return false;
      nd.occupancy = f32(ctx.estOn(task.model, rt.batch, nd, state) / nd.dutyMs);
      const gpu = state.gpus[nd.gpu];
      if (fitsMemory(gpu, mem, task.id, nd)) {
        nd.tasks.push(rt);
        if (needsRevert(ctx, state, nd, task)) revertNode(nd);
        else {
          task.rateRps = task.rateRps >= rt.throughputRps ? Math.trunc(f32(task.rateRps - rt.throughputRps)) : 0;
          chargeMemory(gpu, mem, task.id, nd);
        }
      }
      given.splice(given.indexOf(nd), 1);
    }
  }
  return task.rateRps <= TRP_SLACK;
}

const isOwnResidue = (node: Node, task: SchedTask) =>
  node.occupancy < 1 && node.tasks.length === 1 && node.tasks[0].id === task.id;

/**
 * mergeResidue: if the task's residue gpulets together (plus what is unserved) fit one gpulet of
 * the smallest of their sizes, clear them and place the merged rate on the first empty gpulet of
 * that size; GPUs left empty become whole again.
 */
export function mergeResidue(ctx: SchedContext, state: State, task: SchedTask): boolean {
  let r = task.rateRps;
  let count = 0;
  let minT = Infinity;
  let target = 0;
  for (const gpu of state.gpus)
    for (const node of gpu.nodes) {
      if (!isOwnResidue(node, task)) continue;
      r = Math.trunc(f32(r + node.tasks[0].throughputRps));
      count++;
      const t = ctx.sat(task, node.sizePct).throughputRps;
      if (t < minT) {
        minT = t;
        target = node.sizePct;
      }
    }
  if (count === 0 || (count === 1 && r < TRP_SLACK) || minT < r) return task.rateRps <= TRP_SLACK;
  const mem = ctx.memoryMb(task.model);
  for (const gpu of state.gpus)
    for (const node of gpu.nodes) {
      if (!isOwnResidue(node, task)) continue;
      releaseMemory(gpu, mem, task.id, node);
      revertNode(node);
    }
  outer: for (const gpu of state.gpus)
    for (const node of gpu.nodes) {
      if (!fitsMemory(gpu, mem, task.id, node)) continue;
      if (node.tasks.length > 0 || node.sizePct !== target) continue;
      ctx.touch(state, gpu.index);
      const m = ctx.maxBatch(task, node, state, r, true, true);
      r = m.rateRps;
      if (m.batch === 0) continue;
      node.dutyMs = f32((m.batch * 1000) / r);
      if (ctx.fix('duty-floor')) node.dutyMs = Math.max(node.dutyMs, ctx.estOn(task.model, m.batch, node, state));
      node.occupancy = f32(ctx.estOn(task.model, m.batch, node, state) / node.dutyMs);
      const throughput = f32((m.batch * 1000) / node.dutyMs);
      node.tasks.push(copyOf(task, Math.trunc(throughput), m.batch, throughput));
      task.rateRps = r > throughput ? Math.trunc(f32(r - throughput)) : 0;
      break outer;
    }
  if (task.rateRps > TRP_SLACK) return false;
  for (const gpu of state.gpus) {
    if (gpu.nodes.length > 1 && gpu.nodes.every((n) => n.tasks.length === 0) && ctx.repartition) {
      const keep = gpu.nodes[0];
      keep.dedup = 0;
      keep.sizePct = 100;
      gpu.nodes = [keep];
    }
  }
  return true;
}
