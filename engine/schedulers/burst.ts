/**
 * Fix burst-duty: a plan must hold its SLO under Poisson arrivals, not only carry the mean (or the
 * per-second 99th percentile) rate. The artifact sizes batches and duty cycles for a steady stream:
 * a batch-1 gpulet that is busy 86 % of the time, or a task planned at its mean rate after the 0.85
 * re-check accepted a shortfall, meets that model and still queues under Poisson bursts.
 *
 * The check serves each planned gpulet, alone, a Poisson stream per task at the task's mean rate
 * times its share of the task's planned throughput (what weighted round robin routes there), for
 * {@link ARRIVALS} arrivals, with the serving rules of the default path: a task's batch collects
 * from its oldest waiting request until it is full or a duty cycle has passed, frozen batches run
 * one at a time in the order they froze, at most one batch per task with the executor. A batch
 * takes the scheduler's latency estimate without its safety factor (the 1.1 of every estimate;
 * predicted interference and batching cost included). The plan holds if at most
 * {@link LATE_SHARE} of every task's requests on every gpulet finish later than its SLO.
 *
 * Deterministic: the same exponential draws (one fixed seed) for every check, scaled by the rate,
 * so a lower rate never checks worse for lack of luck.
 */
import type { SchedContext } from './batching.ts';
import type { Node, State } from './state.ts';
import type { GpuletVerdict, LateShareMemo, VectorMemo } from './tables.ts';

/** Arrivals simulated per gpulet. */
export const ARRIVALS = 4000;
/** Largest share of a task's requests on one gpulet that may end after its SLO. */
export const LATE_SHARE = 0.01;

/** Unit-mean exponential draws, shared by all checks (a fixed LCG seed). */
const DRAWS: Float64Array = (() => {
  const out = new Float64Array(ARRIVALS);
  let s = 0x9e3779b9;
  for (let i = 0; i < ARRIVALS; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = -Math.log((s + 0.5) / 4294967296);
  }
  return out;
})();

/** One task's load on a gpulet. */
export interface BurstLoad {
  /** Mean arrival rate routed here, req/s. */
  rateRps: number;
  batch: number;
  sloMs: number;
  /** Batch latency for a batch of n, ms. */
  serviceMs: (n: number) => number;
}

/** A load with its batch latencies tabled: `serviceMs[n]` for a batch of n, 1..batch. */
interface TabledLoad {
  rateRps: number;
  batch: number;
  sloMs: number;
  serviceMs: Float64Array;
}

const tabled = (l: BurstLoad): TabledLoad => {
  const sv = new Float64Array(l.batch + 1);
  for (let n = 1; n <= l.batch; n++) sv[n] = l.serviceMs(n);
  return { rateRps: l.rateRps, batch: l.batch, sloMs: l.sloMs, serviceMs: sv };
};

/**
 * Serve the loads on one gpulet with duty cycle `dutyMs`; the late share per load (requests that
 * finish more than their SLO after arriving). Arrivals of the loads are split in proportion to
 * their rates, `ARRIVALS` in all.
 */
export function lateShares(loads: readonly BurstLoad[], dutyMs: number): number[] {
  return serve(loads.map(tabled), dutyMs);
}

/** Entries a memo of lateShares keeps before it starts over. */
const MEMO_ENTRIES = 50_000;

/** lateShares's inputs as one array: duty cycle, then per load its rate, batch, SLO and batch latencies. */
function inputsOf(loads: readonly TabledLoad[], dutyMs: number): Float64Array {
  let n = 1;
  for (const l of loads) n += 3 + l.batch;
  const out = new Float64Array(n);
  out[0] = dutyMs;
  let i = 1;
  for (const l of loads) {
    out[i++] = l.rateRps;
    out[i++] = l.batch;
    out[i++] = l.sloMs;
    for (let b = 1; b <= l.batch; b++) out[i++] = l.serviceMs[b];
  }
  return out;
}

/** One number's two 32-bit words (hashOf). */
const WORD_F64 = new Float64Array(1);
const WORDS = new Uint32Array(WORD_F64.buffer);

/** FNV-1a over the 32-bit words of `a[0..n)` (a hash; equal keys are then compared value for value). */
function hashOf(a: Float64Array, n: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < n; i++) {
    WORD_F64[0] = a[i];
    h = Math.imul(h ^ WORDS[0], 0x01000193);
    h = Math.imul(h ^ WORDS[1], 0x01000193);
  }
  return h >>> 0;
}

function sameKey(stored: Float64Array, key: Float64Array, n: number): boolean {
  if (stored.length !== n) return false;
  for (let i = 0; i < n; i++) if (!Object.is(stored[i], key[i])) return false;
  return true;
}

/** The value remembered for `key[0..n)` (hash `h`), or undefined. */
function recall<V>(memo: VectorMemo<V>, key: Float64Array, n: number, h: number): V | undefined {
  const bucket = memo.get(h);
  if (bucket !== undefined) for (const e of bucket) if (sameKey(e.key, key, n)) return e.value;
  return undefined;
}

/** Remember `value` for a copy of `key[0..n)` (hash `h`); a memo past MEMO_ENTRIES buckets starts over. */
function remember<V>(memo: VectorMemo<V>, key: Float64Array, n: number, h: number, value: V): void {
  if (memo.size >= MEMO_ENTRIES) memo.clear();
  const entry = { key: key.slice(0, n), value };
  const bucket = memo.get(h);
  if (bucket === undefined) memo.set(h, [entry]);
  else bucket.push(entry);
}

/**
 * lateShares through `memo`, keyed by its inputs (rates, batches, SLOs, batch latencies, duty
 * cycle), which determine it: the draws are fixed. A plan re-checks the gpulets it re-derives at
 * each GPU count and burst retry, and successive plans on one table (an autoscaling run, a rate
 * search) meet the same gpulets again.
 */
function memoShares(memo: LateShareMemo, loads: readonly TabledLoad[], dutyMs: number): readonly number[] {
  const inputs = inputsOf(loads, dutyMs);
  const n = inputs.length;
  const h = hashOf(inputs, n);
  let shares = recall(memo, inputs, n, h);
  if (shares === undefined) {
    shares = serve(loads, dutyMs);
    remember(memo, inputs, n, h, shares);
  }
  return shares;
}

function serve(loads: readonly TabledLoad[], dutyMs: number): number[] {
  const k = loads.length;
  const total = loads.reduce((s, l) => s + l.rateRps, 0);
  if (total <= 0) return loads.map(() => 0);
  // Per load: arrival times, and its batches (windows open at the oldest waiting arrival and
  // freeze when full or a duty cycle later) as (freeze time, first index, size).
  const arrivals: Float64Array[] = [];
  const batchAt: Float64Array[] = [];
  const batchFirst: Int32Array[] = [];
  const batchCount: number[] = [];
  let offset = 0;
  for (let j = 0; j < k; j++) {
    const l = loads[j];
    const count = Math.max(1, Math.round((ARRIVALS * l.rateRps) / total));
    const a = new Float64Array(count);
    const scale = 1000 / l.rateRps;
    let t = 0;
    for (let i = 0; i < count; i++) {
      t += DRAWS[(offset + i) % ARRIVALS] * scale;
      a[i] = t;
    }
    offset += count;
    arrivals.push(a);
    const at = new Float64Array(count);
    const first = new Int32Array(count);
    let nb = 0;
    for (let i = 0; i < count; ) {
      const f = i;
      const closeBy = a[i] + dutyMs;
      while (i < count && i - f < l.batch && a[i] <= closeBy) i++;
      at[nb] = i - f >= l.batch ? a[i - 1] : closeBy;
      first[nb++] = f;
    }
    batchAt.push(at);
    batchFirst.push(first);
    batchCount.push(nb);
  }
  // Run the batches through one executor in freeze order (ties: load order), one per load at a time.
  const late = new Array<number>(k).fill(0);
  const taskFree = new Float64Array(k);
  const next = new Int32Array(k);
  let free = 0;
  for (;;) {
    let j = -1;
    let best = Infinity;
    for (let q = 0; q < k; q++)
      if (next[q] < batchCount[q] && batchAt[q][next[q]] < best) {
        best = batchAt[q][next[q]];
        j = q;
      }
    if (j < 0) break;
    const b = next[j]++;
    const a = arrivals[j];
    const from = batchFirst[j][b];
    const to = b + 1 < batchCount[j] ? batchFirst[j][b + 1] : a.length;
    const start = Math.max(best, free, taskFree[j]);
    const end = start + loads[j].serviceMs[to - from];
    free = end;
    taskFree[j] = end;
    const limit = end - loads[j].sloMs;
    for (let i = from; i < to && a[i] < limit; i++) late[j]++;
  }
  return late.map((n, j) => n / arrivals[j].length);
}

/** A task whose requests on some gpulet would be late too often, and by how much its rate must fall there. */
export interface BurstFailure {
  taskId: number;
  task: string;
  gpu: number;
  lateShare: number;
  /** Factor (> 1) by which the rate routed to that gpulet must shrink for its late share to pass. */
  factor: number;
}

/**
 * Check every gpulet of a finished plan. `meanRps` gives each task's mean rate by task id;
 * returns the failures, worst first per task (at most one per task).
 */
export function burstFailures(ctx: SchedContext, state: State, meanRps: ReadonlyMap<number, number>): BurstFailure[] {
  const planned = new Map<number, number>();
  for (const g of state.gpus)
    for (const n of g.nodes) for (const t of n.tasks) planned.set(t.id, (planned.get(t.id) ?? 0) + t.throughputRps);
  const worst = new Map<number, BurstFailure>();
  for (const g of state.gpus)
    for (const node of g.nodes) {
      if (node.tasks.length === 0) continue;
      const rates = node.tasks.map(
        (t) => (meanRps.get(t.id) ?? 0) * (t.throughputRps / (planned.get(t.id) ?? t.throughputRps)),
      );
      const v = verdict(ctx, state, node, rates);
      node.tasks.forEach((t, j) => {
        if (!(v.shares[j] > LATE_SHARE)) return;
        const factor = v.factors[j];
        const prev = worst.get(t.id);
        if (prev === undefined || factor > prev.factor)
          worst.set(t.id, { taskId: t.id, task: t.task, gpu: g.index, lateShare: v.shares[j], factor });
      });
    }
  return [...worst.values()];
}

/**
 * The check of one gpulet whose tasks get `rates`, through the verdict memo: keyed by what the
 * check reads (gpuletKey), so a gpulet met again costs no latency estimates. On a miss, the late
 * shares come through the memo by latencies (memoShares), which plans under other predictors share.
 */
function verdict(ctx: SchedContext, state: State, node: Node, rates: readonly number[]): GpuletVerdict {
  const n = gpuletKey(ctx, state, node, rates);
  const key = keyScratch;
  const h = hashOf(key, n);
  const memo = ctx.verdictMemo;
  let v = recall(memo, key, n, h);
  if (v === undefined) {
    const ratio = ctx.config.latencyRatio;
    const loads = node.tasks.map((t, j) => loadOf(ctx, state, node, t, rates[j], ratio));
    const shares = memoShares(ctx.lateShareMemo, loads, node.dutyMs);
    const factors = shares.map((s, j) => (s > LATE_SHARE ? shrinkFactor(ctx.lateShareMemo, loads, node.dutyMs, j) : 0));
    v = { shares, factors };
    remember(memo, key, n, h, v);
  }
  return v;
}

/** Where gpuletKey writes (most keys are looked up and never kept: a kept one is copied). */
let keyScratch = new Float64Array(64);

/**
 * Everything a gpulet's check depends on, as numbers: its duty cycle, its tasks' routed rates,
 * models, batches and SLOs, and what its batch latencies (SchedContext.estOn) read: its size and,
 * where interference is predicted, every gpulet of its GPU (size, half, tasks' models and batches).
 * The latency table, safety factor and predictor are fixed per memo (PlanTables.verdictsFor).
 * Written to keyScratch; returns its length.
 */
function gpuletKey(ctx: SchedContext, state: State, node: Node, rates: readonly number[]): number {
  const gpu = ctx.predictor === null ? [] : state.gpus[node.gpu].nodes;
  let n = 3 + 4 * node.tasks.length;
  for (const other of gpu) n += 3 + 2 * other.tasks.length;
  if (keyScratch.length < n) keyScratch = new Float64Array(2 * n);
  const key = keyScratch;
  let i = 0;
  key[i++] = node.dutyMs;
  key[i++] = node.sizePct;
  key[i++] = node.tasks.length;
  node.tasks.forEach((t, j) => {
    key[i++] = rates[j];
    key[i++] = ctx.modelId(t.model);
    key[i++] = t.batch;
    key[i++] = t.sloMs;
  });
  for (const other of gpu) {
    // The gpulet itself among its GPU's: -1 marks it (its tasks are above).
    key[i++] = other === node ? -1 : other.sizePct;
    key[i++] = other.dedup;
    key[i++] = other.tasks.length;
    for (const t of other.tasks) {
      key[i++] = ctx.modelId(t.model);
      key[i++] = t.batch;
    }
  }
  return n;
}

/** Task `t`'s load on `node`: batch latency = the scheduler's estimate without its safety factor. */
function loadOf(
  ctx: SchedContext,
  state: State,
  node: Node,
  t: Node['tasks'][number],
  rateRps: number,
  ratio: number,
): TabledLoad {
  const sv = new Float64Array(t.batch + 1);
  for (let n = 1; n <= t.batch; n++) sv[n] = ctx.estOn(t.model, n, node, state) / ratio;
  return { rateRps, batch: t.batch, sloMs: t.sloMs, serviceMs: sv };
}

/** The smallest factor in 1.05 .. 4 (by 5 % steps) by which load j's rate must shrink to pass. */
function shrinkFactor(memo: LateShareMemo, loads: readonly TabledLoad[], dutyMs: number, j: number): number {
  for (let f = 1.05; f < 4; f *= 1.05) {
    const scaled = loads.map((l, k) => (k === j ? { ...l, rateRps: l.rateRps / f } : l));
    if (memoShares(memo, scaled, dutyMs)[j] <= LATE_SHARE) return f;
  }
  return 4;
}
