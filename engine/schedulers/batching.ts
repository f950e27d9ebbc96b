/**
 * Batch size, duty cycle and gpulet-size arithmetic shared by every scheduler here (temporal-only
 * SBP, greedy, gpulet, ideal). Port of the gpulet artifact's rules (casys-kaist/glet,
 * scheduler_base.cpp and scheduler_incremental.cpp; docs/artifact.md#batching-cost-and-safety-factor and docs/artifact.md#scheduling-saturate-and-residue-gpulets):
 *
 * - estimate L_est(b, p) = 1.1 x (L(b, p) + batching overhead(b) + L(b, p) x (alpha - 1));
 * - saturate batch: the largest b with 2 L_est(b, p) <= SLO (Nexus's half-SLO rule);
 * - residue batch for rate r: the largest b with L_est(b, p) + 1000 b / r <= SLO;
 * - p_eff: the knee of saturate throughput against gpulet size; p_req: the smallest size that still
 *   serves a residue rate; a model's rate split into saturate gpulets of size p_eff and one residue
 *   (the split itself, and greedy's, are in partitioning.ts).
 */
import { InputError } from '../errors.ts';
import type { InterferencePredictor, LatencyModel } from '../types.ts';
import type { FixName, Fixes } from './fixes.ts';
import { BATCH_SLOTS, MAX_BATCH, PARTITION_SLOTS } from '../limits.ts';
import { cloneGpu, emptyNode, f32, type Gpu, type Node, type SchedTask, type State, type TaskCopy } from './state.ts';
import {
  planTables,
  type GpuletVerdict,
  type LateShareMemo,
  type VectorMemo,
  type ModelTables,
  type PlanTables,
  type SatEntry,
  type SloTables,
} from './tables.ts';

export type { SatEntry } from './tables.ts';

/**
 * Distinct (model, size, batch) keys of alpha's cache. A pair of them is one small integer (below
 * 2^30, which V8 hashes fastest); (model, size) pairs past RUNNING_KEYS / BATCH_SLOTS ask the
 * predictor each time.
 */
const RUNNING_KEYS = 1 << 15;

/** How a scheduler variant behaves. */
export interface SchedulerConfig {
  readonly name: string;
  /** Gpulet sizes the scheduler may use, descending. [100] = temporal only. */
  readonly partsPct: readonly number[];
  /** Apply the interference predictor (gpulet-int). */
  readonly interference: boolean;
  /** How a rate becomes gpulet requests, and whether time sharing may place the rest (partitioning.ts). */
  readonly partitioning: PartitionStrategy;
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

/** The step where elastic partitioning and greedy best-fit differ (implementations: partitioning.ts). */
export interface PartitionStrategy {
  readonly name: string;
  /** Split a task's rate into gpulet requests (the artifact's estimateTrp, or getEstimateTrpST for greedy). */
  estimate(ctx: SchedContext, task: SchedTask, rateRps: number): Node[];
  /** Whether what best fit and the fallback leave may time-share gpulets in use (Nexus-style). */
  readonly timeShares: boolean;
}

/** getMaxReturnPart's MIN_THRESHOLD: a size pair must gain at least 5 % (a C++ float). */
const KNEE_MIN_GAIN = f32(1.05);

/** Everything the placement code needs, fixed for one scheduling run. */
export class SchedContext {
  /** Whether the current run may split whole GPUs and merge them back (false in full search). */
  repartition = true;
  /**
   * Most gpulets an estimate returns: one more than the run's GPUs can hold (limits.ts), so a rate
   * no GPUs can carry costs work in the GPUs, not in the rate. An estimate cut here still fails to
   * fit, as the whole one would, so no decision changes.
   */
  maxEstimate = Infinity;
  /** While a tentative step may be undone (share-residue): each GPU as it was before it was first touched. */
  journal: Map<number, Gpu> | null = null;
  /** Gpulet sizes in use, descending: the configured ones the latency profile covers. */
  readonly parts: readonly number[];
  /** The safety factor as the artifact holds it (a float). */
  private readonly ratio: number;
  /** Values derived from the latency table alone, shared with other plans on it (tables.ts). */
  private readonly tables: PlanTables;
  /** The last model asked for and its tables: planning asks about one model many times in a row. */
  private lastModel = '';
  private lastTables: ModelTables | null = null;
  /** Predicted slowdowns by (self, other) key for this run's predictor, shared with other plans on the table (see alpha). */
  private readonly factors: Map<number, number>;

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
    if (this.parts.length === 0)
      throw new InputError(`profile ${latency.gpuType} covers none of the partitions ${config.partsPct.join(', ')}`);
    this.tables = planTables(latency, this.ratio, this.parts);
    this.factors = predictor === null ? new Map() : this.tables.factorsFor(predictor);
  }

  /** Whether fix `name` is in force. */
  fix(name: FixName): boolean {
    return this.config.fixes.has(name);
  }

  /** Fix burst-duty's memo of late shares, shared with other plans on the latency table (burst.ts). */
  get lateShareMemo(): LateShareMemo {
    return this.tables.lateShares;
  }

  /** Fix burst-duty's verdicts per gpulet under this run's predictor, shared with other plans on the table (burst.ts). */
  get verdictMemo(): VectorMemo<GpuletVerdict> {
    return this.tables.verdictsFor(this.predictor);
  }

  /** A small number per model, the same for every plan on the latency table. */
  modelId(model: string): number {
    return this.tables.modelId(model);
  }

  /** The sizes in use, ascending. */
  get ascendingParts(): readonly number[] {
    return this.tables.ascendingParts;
  }

  get usePart(): boolean {
    return this.parts.length > 1 || this.parts[0] !== 100;
  }

  private modelTables(model: string): ModelTables {
    if (model === this.lastModel && this.lastTables !== null) return this.lastTables;
    this.lastModel = model;
    this.lastTables = this.tables.model(model);
    return this.lastTables;
  }

  /** L_est without interference at size p, ms. */
  est(model: string, batch: number, sizePct: number): number {
    const table = this.modelTables(model).est;
    const key = sizePct * BATCH_SLOTS + batch;
    let v = table[key];
    if (Number.isNaN(v)) {
      v = f32(f32(this.pureMs(model, batch, sizePct) + this.overheadMs(model, batch)) * this.ratio);
      table[key] = v;
    }
    return v;
  }

  /** The profiled latency as a C++ float, ms. */
  private pureMs(model: string, batch: number, sizePct: number): number {
    const table = this.modelTables(model).pure;
    const key = sizePct * BATCH_SLOTS + batch;
    let v = table[key];
    if (Number.isNaN(v)) {
      v = f32(this.latency.latencyMs(model, batch, sizePct));
      table[key] = v;
    }
    return v;
  }

  /** The batching cost, ms (the latency table's batchOverheadMs, remembered). */
  batchOverheadMs(model: string, batch: number): number {
    const table = this.modelTables(model).rawOverhead;
    let v = table[batch];
    if (Number.isNaN(v)) {
      v = this.latency.batchOverheadMs(model, batch);
      table[batch] = v;
    }
    return v;
  }

  /** The batching cost as a C++ float, ms. */
  private overheadMs(model: string, batch: number): number {
    const table = this.modelTables(model).overhead;
    let v = table[batch];
    if (Number.isNaN(v)) {
      v = f32(this.latency.batchOverheadMs(model, batch));
      table[batch] = v;
    }
    return v;
  }

  /** L_est on `node` with the predicted slowdown from the other gpulet(s) of its GPU, ms. */
  estOn(model: string, batch: number, node: Node, state: State | null): number {
    if (!this.config.interference || state === null || state.gpus[node.gpu] === undefined)
      return this.est(model, batch, node.sizePct);
    const pure = this.pureMs(model, batch, node.sizePct);
    const extra = f32(pure * (this.alpha(model, batch, node, state) - 1));
    return f32(f32(f32(pure + this.overheadMs(model, batch)) + extra) * this.ratio);
  }

  /** Max predicted slowdown (>= 1) of (model, batch) on `node` over the tasks of its sibling gpulets. */
  alpha(model: string, batch: number, node: Node, state: State): number {
    const predictor = this.predictor;
    if (predictor === null) return 1;
    let a = 1;
    const selfKey = this.runningKey(model, batch, node.sizePct);
    for (const other of state.gpus[node.gpu].nodes) {
      if (other.gpu === node.gpu && other.sizePct === node.sizePct && other.dedup === node.dedup) continue;
      for (const t of other.tasks) {
        // The predictor is a pure function of the two (model, batch, size) triples; one run asks
        // for the same pairs many times.
        const otherKey = this.runningKey(t.model, t.batch, other.sizePct);
        const key = selfKey < 0 || otherKey < 0 ? -1 : selfKey * RUNNING_KEYS + otherKey;
        let f = key < 0 ? undefined : this.factors.get(key);
        if (f === undefined) {
          f = f32(
            predictor.factor(
              { model, batch, partitionPct: node.sizePct },
              { model: t.model, batch: t.batch, partitionPct: other.sizePct },
            ),
          );
          if (key >= 0) this.factors.set(key, f);
        }
        if (f > a) a = f;
      }
    }
    return a;
  }

  /** A number for (model, batch, size), below RUNNING_KEYS; -1 past that or for a size not in use. */
  private runningKey(model: string, batch: number, sizePct: number): number {
    const size =
      Number.isInteger(sizePct) && sizePct >= 0 && sizePct < PARTITION_SLOTS ? this.tables.partIndex[sizePct] : -1;
    const key = (this.tables.modelId(model) * this.parts.length + size) * BATCH_SLOTS + batch;
    return size < 0 || key >= RUNNING_KEYS ? -1 : key;
  }

  /**
   * The artifact's getMaxBatch: a 5-probe binary search over [1, 32] for the largest batch meeting
   * the saturate (2 L <= SLO) or residue (L + 1000 b / r <= SLO) rule. As coded it never probes 32,
   * so the result is at most 31 (kept: it shapes every saturate throughput). Returns 0 if even
   * batch 1 fails, except for the residue corner case, which returns batch 1 and a raised rate.
   * The search is probeSearch's, written out here without closures (planning calls it thousands
   * of times per plan).
   */
  maxBatch(
    task: { model: string; sloMs: number },
    node: Node,
    state: State | null,
    rateRps: number,
    residue: boolean,
    interference: boolean,
  ): { batch: number; rateRps: number } {
    let batch = 0;
    let low = 1;
    let high = MAX_BATCH;
    let checkLast = false;
    for (;;) {
      if (low === 1 && high === 1) checkLast = true;
      const mid = Math.floor((low + high) / 2);
      const l = interference ? this.estOn(task.model, mid, node, state) : this.est(task.model, mid, node.sizePct);
      if (residue ? f32(l + f32((1000 * mid) / rateRps)) <= task.sloMs : 2 * l <= task.sloMs) low = mid;
      else {
        if (checkLast) break;
        high = mid;
      }
      if (high - low <= 1) high = low;
      if (high === low && (low !== 1 || checkLast)) {
        batch = low;
        break;
      }
    }
    if (batch > 0 || !residue) return { batch, rateRps };
    const l1 = this.estOn(task.model, 1, node, state);
    if (l1 < 1000 / rateRps && l1 < task.sloMs) {
      return { batch: 1, rateRps: Math.trunc(f32(f32(1000 / f32(task.sloMs - l1)) * this.ratio)) };
    }
    return { batch: 0, rateRps };
  }

  /**
   * The most requests per second per whole GPU the model gets at any size in use and any batch,
   * by L_est (workBoundGpus, elastic.ts); computed once per table.
   */
  bestRpsPerGpu(model: string): number {
    const t = this.modelTables(model);
    if (Number.isNaN(t.bestRpsPerGpu[0])) {
      let best = 0;
      for (const p of this.parts)
        for (let b = 1; b <= MAX_BATCH; b++) best = Math.max(best, (1000 * b) / this.est(model, b, p) / (p / 100));
      t.bestRpsPerGpu[0] = best;
    }
    return t.bestRpsPerGpu[0];
  }

  /**
   * The shortest L_est of the model on a whole GPU at any batch, ms: no batch of it on a whole
   * gpulet takes less, interference only adds (lowerBoundGpus, elastic.ts); computed once per table.
   */
  minWholeEstMs(model: string): number {
    const t = this.modelTables(model);
    if (Number.isNaN(t.minWholeEstMs[0])) {
      let min = Infinity;
      for (let b = 1; b <= MAX_BATCH; b++) min = Math.min(min, this.est(model, b, 100));
      t.minWholeEstMs[0] = min;
    }
    return t.minWholeEstMs[0];
  }

  /** The model's saturate table and p_eff under its SLO, computed once (initSaturateTrp). */
  private sloTables(task: { model: string; sloMs: number }): SloTables {
    const bySlo = this.modelTables(task.model).bySlo;
    let t = bySlo.get(task.sloMs);
    if (t === undefined) {
      const entries = this.parts.map((sizePct) => {
        const node = emptyNode(-1, sizePct);
        const batch = Math.max(1, this.maxBatch(task, node, null, 1, false, false).batch);
        return { sizePct, batch, throughputRps: f32((batch * 1000) / this.est(task.model, batch, sizePct)) };
      });
      const bySize: (SatEntry | undefined)[] = [];
      for (const e of entries) bySize[e.sizePct] = e;
      t = { entries, bySize, effectivePct: effectivePart(this.parts, bySize) };
      bySlo.set(task.sloMs, t);
    }
    return t;
  }

  /** Saturate batch and throughput per size (initSaturateTrp). */
  satTable(task: { model: string; sloMs: number }): readonly SatEntry[] {
    return this.sloTables(task).entries;
  }

  sat(task: { model: string; sloMs: number }, sizePct: number): SatEntry {
    const e = this.sloTables(task).bySize[sizePct];
    if (e === undefined) throw new Error(`no saturate entry for ${task.model} at ${sizePct} %`);
    return e;
  }

  /** p_eff (getMaxReturnPart) of the task's model under its SLO; see {@link effectivePart}. */
  effectivePart(task: { model: string; sloMs: number }): number {
    return this.sloTables(task).effectivePct;
  }

  /**
   * p_req (getMinPart) for a residue rate: the residue batch at p_eff, then the smallest size at or
   * below p_eff, walking down, where the gpulet keeps up (1000 b / r >= L) and L + 1000 b / r <= SLO.
   * Returns size 0 when no batch works.
   */
  minPart(
    task: { model: string; sloMs: number },
    capPct: number,
    rateRps: number,
  ): { sizePct: number; batch: number; rateRps: number } {
    const parts = this.parts;
    const cap = Math.min(parts[0], capPct);
    const r = this.maxBatch(task, emptyNode(-1, cap), null, rateRps, true, false);
    if (r.batch === 0) return { sizePct: 0, batch: 0, rateRps: r.rateRps };
    let best = cap;
    for (const p of parts) {
      if (p > cap) continue;
      const l = this.est(task.model, r.batch, p);
      const d = f32((r.batch * 1000) / r.rateRps);
      if (d < l) {
        if (p === parts[0]) best = p;
        break;
      }
      if (task.sloMs < f32(l + d)) break;
      best = p;
    }
    return { sizePct: best, batch: r.batch, rateRps: r.rateRps };
  }

  /** Split `rate` into gpulet requests, as the configured partitioning does (partitioning.ts). */
  estimate(task: SchedTask, rateRps: number): Node[] {
    return this.config.partitioning.estimate(this, task, rateRps);
  }

  /**
   * Placement selects GPU `gpu` of `state` (to place on, to split, or as a dry-run fit) and may
   * change it next: inside a tentative step (share-residue), keep a copy of the GPU first.
   */
  touch(state: State, gpu: number): void {
    if (this.journal !== null && !this.journal.has(gpu)) this.journal.set(gpu, cloneGpu(state.gpus[gpu]));
  }
}

/**
 * p_eff (getMaxReturnPart): over consecutive size pairs from small to large, excluding the
 * largest pair, the high end of the pair with the best throughput gain per percent, skipping pairs
 * that gain under 5 %; the smallest size when none qualifies. Never 100 unless 100 is the only size.
 */
function effectivePart(parts: readonly number[], sat: readonly (SatEntry | undefined)[]): number {
  const n = parts.length;
  if (n === 1) return parts[0];
  let bestGain = 0;
  let best = parts[n - 1];
  for (let i = n - 1; i >= 2; i--) {
    const lo = parts[i];
    const hi = parts[i - 1];
    const tLo = (sat[lo] as SatEntry).throughputRps;
    const tHi = (sat[hi] as SatEntry).throughputRps;
    if (f32(tHi / tLo) < KNEE_MIN_GAIN) continue;
    const gain = f32(f32(tHi - tLo) / (hi - lo));
    if (gain > bestGain) {
      bestGain = gain;
      best = hi;
    }
  }
  return best;
}

export function copyOf(task: SchedTask, rateRps: number, batch: number, throughputRps: number): TaskCopy {
  return { task: task.task, model: task.model, sloMs: task.sloMs, id: task.id, rateRps, batch, throughputRps };
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
  // Every plan provisions every task's rate; remember the answer per mean (0: not yet computed).
  let n = P99_BY_MEAN[m];
  if (n === 0) {
    n = poissonP99Sum(m);
    P99_BY_MEAN[m] = n;
  }
  return n;
}

/** poissonP99 for means 1..550, filled on first use (a pure function of the mean). */
const P99_BY_MEAN = new Int32Array(551);

function poissonP99Sum(m: number): number {
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
