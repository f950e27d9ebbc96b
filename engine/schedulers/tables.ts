/**
 * What planning derives from a latency table alone, kept from one plan to the next: per model, the
 * estimate L_est(b, p) and its two single-precision inputs (profiled latency, batching cost), and
 * per (model, SLO) the saturate table and p_eff; and fix burst-duty's late shares by their inputs,
 * and its verdicts by what a gpulet holds (per predictor: the latencies they rest on depend on it).
 *
 * The artifact computes the same once, before it schedules (initSaturateTrp in
 * standalone_scheduler.cpp runs outside its timed runScheduling, on tables loaded at start-up).
 * Here they are filled on first use and kept in a WeakMap on the latency table object, so the
 * plans of a sweep, an autoscaling scan or a rate search on one table share them. Every entry is a
 * pure function of the (immutable) table, the safety factor, the sizes in use and (verdicts,
 * interference factors) the predictor, so no decision depends on whether a value was already there
 * (test/integration/sweep-shortcuts.test.ts plans with warm memos and with fresh ones).
 */
import { BATCH_SLOTS, PARTITION_SLOTS } from '../limits.ts';
import type { InterferencePredictor, LatencyModel } from '../types.ts';

/** A memo keyed by a vector of numbers: entries by a hash of the vector, each with the vector it was computed for (burst.ts). */
export type VectorMemo<V> = Map<number, Array<{ key: Float64Array; value: V }>>;

/** Fix burst-duty's memo of late shares by their inputs (rates, batches, SLOs, batch latencies, duty cycle). */
export type LateShareMemo = VectorMemo<readonly number[]>;

/** Fix burst-duty's verdict on one gpulet: the late share per task, and for those over the limit the rate factor that passes. */
export interface GpuletVerdict {
  readonly shares: readonly number[];
  /** Per task: the factor its rate must shrink by (shrinkFactor), or 0 where its share passes. */
  readonly factors: readonly number[];
}

/** One row of a model's saturate table (the artifact's SatTrpEntry: part, max_batch, sat_trp). */
export interface SatEntry {
  sizePct: number;
  batch: number;
  throughputRps: number;
}

/** A model's saturate table and p_eff under one SLO. */
export interface SloTables {
  /** Saturate batch and throughput per size in use (descending). */
  readonly entries: readonly SatEntry[];
  /** The entry per size, percent. */
  readonly bySize: readonly (SatEntry | undefined)[];
  /** p_eff (getMaxReturnPart), percent. */
  readonly effectivePct: number;
}

/** One model's cached values; NaN marks a slot not yet computed. */
export interface ModelTables {
  /** L_est without interference at [sizePct * BATCH_SLOTS + batch], ms. */
  readonly est: Float64Array;
  /** The profiled latency as a C++ float at [sizePct * BATCH_SLOTS + batch], ms. */
  readonly pure: Float64Array;
  /** The batching cost as a C++ float at [batch], ms. */
  readonly overhead: Float64Array;
  /** The batching cost as the table gives it at [batch], ms. */
  readonly rawOverhead: Float64Array;
  /** By SLO, ms. */
  readonly bySlo: Map<number, SloTables>;
  /** [0]: the most req/s per whole GPU at any size in use and batch (SchedContext.bestRpsPerGpu); NaN until computed. */
  readonly bestRpsPerGpu: Float64Array;
  /** [0]: the shortest L_est on a whole GPU at any batch, ms (SchedContext.minWholeEstMs); NaN until computed. */
  readonly minWholeEstMs: Float64Array;
}

/** The cached values of one (latency table, safety factor, sizes in use). */
export class PlanTables {
  /** The sizes in use, ascending. */
  readonly ascendingParts: readonly number[];
  /** Each size's position in the sizes in use (descending) by percent, -1 for a size not in use. */
  readonly partIndex: Int8Array;
  private readonly models = new Map<string, ModelTables>();
  /** Fix burst-duty's late shares by their inputs (burst.ts). */
  readonly lateShares: LateShareMemo = new Map();
  private readonly modelIds = new Map<string, number>();
  private readonly factors = new WeakMap<InterferencePredictor, Map<number, number>>();
  private readonly verdicts = new WeakMap<InterferencePredictor, VectorMemo<GpuletVerdict>>();
  private readonly plainVerdicts: VectorMemo<GpuletVerdict> = new Map();

  /** `parts`: the sizes in use, descending. */
  constructor(parts: readonly number[]) {
    this.ascendingParts = [...parts].sort((a, b) => a - b);
    this.partIndex = new Int8Array(PARTITION_SLOTS).fill(-1);
    parts.forEach((p, i) => {
      this.partIndex[p] = i;
    });
  }

  /** A number per model, in order of first use (SchedContext.alpha's keys). */
  modelId(name: string): number {
    let id = this.modelIds.get(name);
    if (id === undefined) {
      id = this.modelIds.size;
      this.modelIds.set(name, id);
    }
    return id;
  }

  /**
   * Predicted slowdowns by (self, other) key under `predictor` (SchedContext.alpha): a predictor is
   * a pure function of the two (model, batch, size) triples, so plans on this table share them.
   */
  factorsFor(predictor: InterferencePredictor): Map<number, number> {
    let m = this.factors.get(predictor);
    if (m === undefined) {
      m = new Map();
      this.factors.set(predictor, m);
    }
    return m;
  }

  /**
   * Fix burst-duty's verdicts by what a gpulet holds (burst.ts), under `predictor` (null: latency
   * estimates without interference): the estimates a verdict rests on depend on the predictor.
   */
  verdictsFor(predictor: InterferencePredictor | null): VectorMemo<GpuletVerdict> {
    if (predictor === null) return this.plainVerdicts;
    let m = this.verdicts.get(predictor);
    if (m === undefined) {
      m = new Map();
      this.verdicts.set(predictor, m);
    }
    return m;
  }

  /** The model's tables, created empty on first use. */
  model(name: string): ModelTables {
    let t = this.models.get(name);
    if (t === undefined) {
      t = {
        est: new Float64Array(PARTITION_SLOTS * BATCH_SLOTS).fill(Number.NaN),
        pure: new Float64Array(PARTITION_SLOTS * BATCH_SLOTS).fill(Number.NaN),
        overhead: new Float64Array(BATCH_SLOTS).fill(Number.NaN),
        rawOverhead: new Float64Array(BATCH_SLOTS).fill(Number.NaN),
        bySlo: new Map(),
        bestRpsPerGpu: new Float64Array(1).fill(Number.NaN),
        minWholeEstMs: new Float64Array(1).fill(Number.NaN),
      };
      this.models.set(name, t);
    }
    return t;
  }
}

const byTable = new WeakMap<LatencyModel, Map<string, PlanTables>>();

/**
 * planTables's last answers (a sweep or a search asks for the same few tables plan after plan; the
 * scheduler variants differ in their sizes), newest first. They hold their latency tables.
 */
const recent: Array<{ latency: LatencyModel; ratio: number; parts: readonly number[]; tables: PlanTables }> = [];
const RECENT = 4;

/** The shared tables for `latency` under safety factor `ratio` (a float) with sizes `parts`. */
export function planTables(latency: LatencyModel, ratio: number, parts: readonly number[]): PlanTables {
  for (const r of recent)
    if (
      r.latency === latency &&
      r.ratio === ratio &&
      r.parts.length === parts.length &&
      r.parts.every((p, i) => p === parts[i])
    )
      return r.tables;
  const tables = lookUp(latency, ratio, parts);
  recent.unshift({ latency, ratio, parts: [...parts], tables });
  if (recent.length > RECENT) recent.pop();
  return tables;
}

function lookUp(latency: LatencyModel, ratio: number, parts: readonly number[]): PlanTables {
  let forTable = byTable.get(latency);
  if (forTable === undefined) {
    forTable = new Map();
    byTable.set(latency, forTable);
  }
  const key = `${ratio}|${parts.join(',')}`;
  let t = forTable.get(key);
  if (t === undefined) {
    t = new PlanTables(parts);
    forTable.set(key, t);
  }
  return t;
}
