/**
 * Batch size, duty cycle and gpulet-size arithmetic shared by every scheduler here (temporal-only
 * SBP, greedy, gpulet, ideal). Port of the gpulet artifact's rules (casys-kaist/glet,
 * scheduler_base.cpp and scheduler_incremental.cpp; reference §2.3 and §4.3):
 *
 * - estimate L_est(b, p) = 1.1 x (L(b, p) + batching overhead(b) + L(b, p) x (alpha - 1));
 * - saturate batch: the largest b with 2 L_est(b, p) <= SLO (Nexus's half-SLO rule);
 * - residue batch for rate r: the largest b with L_est(b, p) + 1000 b / r <= SLO;
 * - p_eff: the knee of saturate throughput against gpulet size; p_req: the smallest size that still
 *   serves a residue rate; a model's rate split into saturate gpulets of size p_eff and one residue.
 */
import { InputError } from '../errors.ts';
import type { InterferencePredictor, LatencyModel } from '../types.ts';
import type { FixName, Fixes } from './fixes.ts';
import { MAX_BATCH, TRP_SLACK, emptyNode, f32, sameNode, type Node, type SchedTask, type State } from './state.ts';

/** How a scheduler variant behaves. */
export interface SchedulerConfig {
  readonly name: string;
  /** Gpulet sizes the scheduler may use, descending. [100] = temporal only. */
  readonly partsPct: readonly number[];
  /** Apply the interference predictor (gpulet-int). */
  readonly interference: boolean;
  /** Greedy best-fit: smallest partition whose saturate throughput covers the rate; no time sharing. */
  readonly greedy: boolean;
  /**
   * Check d + sum L <= SLO for every co-resident when time sharing. The paper's baselines ran with
   * the older artifact's "No Check" (false); the released code always checks (true).
   */
  readonly timeShareSloCheck: boolean;
  /** Safety factor on every latency estimate. @default 1.1 */
  readonly latencyRatio: number;
  /** Tasks per gpulet. @default 3 */
  readonly maxModels: number;
  /** Re-schedule a task whose planned throughput is below this share of its rate (interference only). */
  readonly recheckThreshold: number;
  /** Provision each rate as the Poisson 99th percentile (the artifact's ADD_RATE). */
  readonly provisionP99: boolean;
  /** Enforce the 3 Gbit/s per-GPU input-bandwidth limit. */
  readonly networkLimit: boolean;
  /** Departures from the artifact in force (fixes.ts); none: the artifact's rules exactly. */
  readonly fixes: Fixes;
}

/** getMaxReturnPart's MIN_THRESHOLD: a size pair must gain at least 5 % (a C++ float). */
const KNEE_MIN_GAIN = f32(1.05);

export interface SatEntry {
  sizePct: number;
  batch: number;
  throughput: number;
}

/** Everything the placement code needs, fixed for one scheduling run. */
export class SchedContext {
  /** Whether the current run may split whole GPUs and merge them back (false in full search). */
  repartition = true;
  /** Gpulet sizes in use, descending: the configured ones the latency profile covers. */
  readonly parts: readonly number[];
  private readonly satTables = new Map<string, SatEntry[]>();
  private readonly estTables = new Map<string, Float64Array>();
  /** The safety factor as the artifact holds it (a float). */
  private readonly ratio: number;

  constructor(
    readonly config: SchedulerConfig,
    readonly latency: LatencyModel,
    readonly predictor: InterferencePredictor | null,
    readonly memoryMb: (model: string) => number,
    readonly inputBytes: (model: string) => number,
  ) {
    this.ratio = f32(config.latencyRatio);
    // A profile measured at fewer partitions (e.g. CPU core shares {50, 100}) restricts the sizes.
    this.parts = config.partsPct.filter((p) => latency.partitionsPct.includes(p));
    if (this.parts.length === 0) throw new InputError(`profile ${latency.gpuType} covers none of the partitions ${config.partsPct.join(', ')}`);
  }

  /** Whether fix `name` is in force. */
  fix(name: FixName): boolean {
    return this.config.fixes.has(name);
  }

  get usePart(): boolean {
    return this.parts.length > 1 || this.parts[0] !== 100;
  }

  /** L_est without interference at size p, ms. */
  est(model: string, batch: number, sizePct: number): number {
    // Memoised per model: planning asks for the same few (batch, size) pairs thousands of times.
    let table = this.estTables.get(model);
    if (table === undefined) {
      table = new Float64Array(101 * 33).fill(NaN);
      this.estTables.set(model, table);
    }
    const key = sizePct * 33 + batch;
    let v = table[key];
    if (v !== v) {
      v = f32(f32(f32(this.latency.latencyMs(model, batch, sizePct)) + f32(this.latency.batchOverheadMs(model, batch))) * this.ratio);
      table[key] = v;
    }
    return v;
  }


  /** L_est on `node` with the predicted slowdown from the other gpulet(s) of its GPU, ms. */
  estOn(model: string, batch: number, node: Node, state: State | null): number {
    if (!this.config.interference || state === null || state.gpus[node.gpu] === undefined) return this.est(model, batch, node.sizePct);
    const pure = f32(this.latency.latencyMs(model, batch, node.sizePct));
    const extra = f32(pure * (this.alpha(model, batch, node, state) - 1));
    return f32(f32(f32(pure + f32(this.latency.batchOverheadMs(model, batch))) + extra) * this.ratio);
  }

  /** Max predicted slowdown (>= 1) of (model, batch) on `node` over the tasks of its sibling gpulets. */
  alpha(model: string, batch: number, node: Node, state: State): number {
    if (this.predictor === null) return 1;
    let a = 1;
    const self = { model, batch, partitionPct: node.sizePct };
    for (const other of state.gpus[node.gpu].nodes) {
      if (sameNode(other, node)) continue;
      for (const t of other.tasks) {
        a = Math.max(a, f32(this.predictor.factor(self, { model: t.model, batch: t.batch, partitionPct: other.sizePct })));
      }
    }
    return a;
  }

  /**
   * The artifact's getMaxBatch: a 5-probe binary search over [1, 32] for the largest batch meeting
   * the saturate (2 L <= SLO) or residue (L + 1000 b / r <= SLO) rule. As coded it never probes 32,
   * so the result is at most 31 (kept: it shapes every saturate throughput). Returns 0 if even
   * batch 1 fails, except for the residue corner case, which returns batch 1 and a raised rate.
   */
  maxBatch(
    task: { model: string; sloMs: number },
    node: Node,
    state: State | null,
    rate: number,
    residue: boolean,
    interference: boolean,
  ): { batch: number; rate: number } {
    const lat = (b: number) => (interference ? this.estOn(task.model, b, node, state) : this.est(task.model, b, node.sizePct));
    const ok = (b: number) => (residue ? f32(lat(b) + f32((1000 * b) / rate)) <= task.sloMs : 2 * lat(b) <= task.sloMs);
    const batch = probeSearch(ok);
    if (batch > 0 || !residue) return { batch, rate };
    const l1 = this.estOn(task.model, 1, node, state);
    if (l1 < 1000 / rate && l1 < task.sloMs) {
      return { batch: 1, rate: Math.trunc(f32(f32(1000 / f32(task.sloMs - l1)) * this.ratio)) };
    }
    return { batch: 0, rate };
  }

  /** Saturate batch and throughput per size, computed once per model (initSaturateTrp). */
  satTable(task: { model: string; sloMs: number }): SatEntry[] {
    const key = `${task.model}@${task.sloMs}`;
    let table = this.satTables.get(key);
    if (table === undefined) {
      table = this.parts.map((sizePct) => {
        const node = emptyNode(-1, sizePct);
        const batch = Math.max(1, this.maxBatch(task, node, null, 1, false, false).batch);
        return { sizePct, batch, throughput: f32((batch * 1000) / this.est(task.model, batch, sizePct)) };
      });
      this.satTables.set(key, table);
    }
    return table;
  }

  sat(task: { model: string; sloMs: number }, sizePct: number): SatEntry {
    const e = this.satTable(task).find((s) => s.sizePct === sizePct);
    if (e === undefined) throw new Error(`no saturate entry for ${task.model} at ${sizePct} %`);
    return e;
  }

  /**
   * p_eff (getMaxReturnPart): over consecutive size pairs from small to large, excluding the
   * largest pair, the high end of the pair with the best throughput gain per percent, skipping pairs
   * that gain under 5 %; the smallest size when none qualifies. Never 100 unless 100 is the only size.
   */
  effectivePart(task: { model: string; sloMs: number }): number {
    const parts = this.parts;
    const n = parts.length;
    if (n === 1) return parts[0];
    let bestGain = 0;
    let best = parts[n - 1];
    for (let i = n - 1; i >= 2; i--) {
      const lo = parts[i];
      const hi = parts[i - 1];
      const tLo = this.sat(task, lo).throughput;
      const tHi = this.sat(task, hi).throughput;
      if (f32(tHi / tLo) < KNEE_MIN_GAIN) continue;
      const gain = f32(f32(tHi - tLo) / (hi - lo));
      if (gain > bestGain) {
        bestGain = gain;
        best = hi;
      }
    }
    return best;
  }

  /**
   * p_req (getMinPart) for a residue rate: the residue batch at p_eff, then the smallest size at or
   * below p_eff, walking down, where the gpulet keeps up (1000 b / r >= L) and L + 1000 b / r <= SLO.
   * Returns size 0 when no batch works.
   */
  minPart(task: { model: string; sloMs: number }, capPct: number, rate: number): { sizePct: number; batch: number; rate: number } {
    const parts = this.parts;
    const cap = Math.min(parts[0], capPct);
    const r = this.maxBatch(task, emptyNode(-1, cap), null, rate, true, false);
    if (r.batch === 0) return { sizePct: 0, batch: 0, rate: r.rate };
    let best = cap;
    for (const p of parts) {
      if (p > cap) continue;
      const l = this.est(task.model, r.batch, p);
      const d = f32((r.batch * 1000) / r.rate);
      if (d < l) {
        if (p === parts[0]) best = p;
        break;
      }
      if (task.sloMs < f32(l + d)) break;
      best = p;
    }
    return { sizePct: best, batch: r.batch, rate: r.rate };
  }

  /**
   * Split `rate` into gpulet requests (estimateTrp): saturate gpulets of size p_eff while the rate
   * exceeds their throughput, then one residue gpulet of size p_req. Greedy uses its own split.
   * Remaining rates of at most 15 req/s are ignored (TRP_SLACK).
   */
  estimate(task: SchedTask, rate: number): Node[] {
    const out: Node[] = [];
    if (this.config.greedy) return this.estimateGreedy(task, rate);
    let r = rate;
    while (r > TRP_SLACK) {
      const pe = this.effectivePart(task);
      const s = this.sat(task, pe);
      const n = emptyNode(out.length, pe);
      if (s.throughput < r) {
        const whole = this.fix('fit-whole-rate') ? this.wholeRateNode(task, r, pe, s.throughput, out.length) : null;
        if (whole !== null) {
          out.push(whole);
          break;
        }
        n.tasks = [copyOf(task, r, s.batch, s.throughput)];
        n.occupancy = 1;
        n.dutyMs = this.est(task.model, s.batch, pe);
        out.push(n);
        r = Math.trunc(f32(r - s.throughput));
        continue;
      }
      // A residue no batch can serve: the artifact would go on with an unset batch; we stop here and
      // let placement fail for this rate (spec Q-MP1).
      const res = this.residueNode(task, r, pe, out.length);
      if (res !== null) out.push(res);
      break;
    }
    return out;
  }

  /** The artifact's residue gpulet for `rate`: its p_req at or below `capPct`, batch and duty for the rate. */
  private residueNode(task: SchedTask, rate: number, capPct: number, index: number): Node | null {
    const m = this.minPart(task, capPct, rate);
    if (m.batch === 0) return null;
    const n = emptyNode(index, m.sizePct);
    const l = this.est(task.model, m.batch, m.sizePct);
    n.dutyMs = Math.max(f32(m.batch * f32(1000 / m.rate)), l);
    n.tasks = [copyOf(task, m.rate, m.batch, f32((m.batch * 1000) / n.dutyMs))];
    n.occupancy = f32(l / n.dutyMs);
    return n;
  }

  /**
   * Fix fit-whole-rate. The artifact splits a rate just above one efficient gpulet's saturate
   * throughput into that gpulet and a residue gpulet (mobilenet_v2 at 693 req/s: 40 % for 670 and
   * 20 % for the 23 left). If one gpulet smaller than the two together carries the whole rate (50 %
   * here), plan that one instead: less of the GPU, one gpulet fewer to place.
   */
  private wholeRateNode(task: SchedTask, rate: number, pe: number, satRps: number, index: number): Node | null {
    const residue = Math.trunc(f32(rate - satRps));
    if (residue <= TRP_SLACK) return null;
    const split = pe + (this.residueNode(task, residue, pe, index)?.sizePct ?? pe);
    for (let k = this.parts.length - 1; k >= 0; k--) {
      const p = this.parts[k];
      if (p <= pe) continue;
      if (p >= split) break;
      const n = this.residueNode(task, rate, p, index);
      if (n !== null && n.tasks[0].throughput >= rate) return n;
    }
    return null;
  }

  /** Greedy best-fit's split (getEstimateTrpST): the smallest size whose saturate throughput exceeds the rest. */
  private estimateGreedy(task: SchedTask, rate: number): Node[] {
    const out: Node[] = [];
    if (rate <= TRP_SLACK) return out;
    const ascending = [...this.parts].sort((a, b) => a - b);
    let r = rate;
    while (r > 0) {
      let chosen = ascending[0];
      let t = 0;
      let batch = 1;
      for (const p of ascending) {
        const s = this.sat(task, p);
        chosen = p;
        t = Math.trunc(s.throughput);
        batch = s.batch;
        if (t > r) break;
      }
      if (t === 0) throw new Error(`greedy: zero saturate throughput for ${task.model}`);
      const n = emptyNode(out.length, chosen);
      const l = this.est(task.model, batch, chosen);
      if (this.fix('greedy-duty')) {
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
      r -= t;
    }
    return out;
  }
}

export function copyOf(task: SchedTask, rate: number, batch: number, throughput: number) {
  return { task: task.task, model: task.model, sloMs: task.sloMs, id: task.id, rate, batch, throughput };
}

/**
 * The artifact's 5-probe binary search for the largest batch in [1, 31] satisfying a monotone `ok`;
 * 0 when `ok(1)` is false. Probe sequence for "b <= 5": 16, 8, 4, 6, 5.
 */
export function probeSearch(ok: (batch: number) => boolean): number {
  let low = 1;
  let high = MAX_BATCH;
  let checkLast = false;
  for (;;) {
    if (low === 1 && high === 1) checkLast = true;
    const mid = Math.floor((low + high) / 2);
    if (ok(mid)) low = mid;
    else {
      if (checkLast) return 0;
      high = mid;
    }
    if (high - low <= 1) high = low;
    if (high === low && (low !== 1 || checkLast)) return low;
  }
}

/**
 * Rate provisioning (the artifact's return99P, ADD_RATE): one more than the smallest k >= 1 with
 * P(1) + ... + P(k) >= 0.99 for a Poisson mean, P(0) excluded as coded; above 550, mean x 1.1.
 * The artifact never terminates for means of 4 or less; here those get the same rule with P(0)
 * included, and 0 stays 0.
 */
export function poissonP99(mean: number): number {
  const m = Math.trunc(mean);
  if (m <= 0) return 0;
  if (m > 550) return Math.trunc(m * 1.1);
  let sum = m <= 4 ? Math.exp(-m) : 0;
  let pmf = Math.exp(-m);
  let n = 1;
  do {
    pmf *= m / n;
    sum += pmf;
    n++;
  } while (sum < 0.99);
  return n;
}
