/**
 * ParvaGPU (Lee et al., SC'24) as a baseline scheduler: MIG instances with MPS processes inside
 * ("GPU segments"), planned by its segment configurator and segment allocator.
 *
 * A port of the authors' released C code, MunQ-Lee/ParvaGPU_SC24 at commit
 * 5f3de1e18582b4c81896a1c3eb0e2915238dfee6 (MIT licence, Copyright (c) 2024 sslab6943; the notice
 * is in sim/profiles/data/parvagpu-LICENSE): src/configurator.c (optimal_triplet_decision,
 * demand_matching) and src/allocator.c (segment_relocation, dequeueing, find_fit_gpu,
 * find_fit_placement, optimization), with its single-precision arithmetic (every `float` of the C
 * is a Math.fround here), its loop orders and its tie rules, so that on the six published SLO rows
 * it makes the same deployment maps as the C built from that commit (test/integration/a100.test.ts
 * against test/fixtures/parvagpu/).
 *
 * Configurator, per model: among the profiled (instance size, batch, processes) triplets whose
 * batch latency is below 0.45 x SLO (half the SLO to collect a batch, 10 % margin), the one with the
 * most throughput per GPC; floor(rate / its throughput) segments of it, and the remainder on the
 * smallest instance size whose best triplet carries it. Allocator: segments largest first, each
 * on the GPU with the fewest free GPCs that still hold it (first such GPU), at the C's preferred
 * start slot; then, from the last GPU down, every segment on a GPU with 4 or fewer GPCs in use is
 * split into 2g and 1g segments of its model and re-placed the same way (fewer GPUs with holes).
 *
 * Departures from the C, each only where the C crashes, writes out of bounds or loses a segment
 * (none of them happens on the six published rows), and the layout of the plan:
 *  - `mig-layout`: the C records the start slots its find_fit_placement picks, which may overlap
 *    (a 1g at slot 6 beside a 3g at slot 4); its deploy script ignores them and lets the driver
 *    place the instances largest first. The plan gives every GPU a valid layout of the same
 *    instances (engine/mig.ts, the C's slot kept where it fits); `parvaAllocate` keeps the C's slots.
 *  - `no-size`: a size with no triplet under the SLO is skipped when the remainder looks for one
 *    (the C dereferences a null pointer there).
 *  - `no-slot`: when the C's slot rule finds no free start slot on the chosen GPU it writes the
 *    segment outside the GPU's array and loses it; here the segment takes any valid free start,
 *    else the next GPU that has one.
 *  - `keep-segment`: the C removes a segment it cannot split (its model has no 1g and no 2g
 *    triplet) and never places it again; here it stays where it was.
 *  - `report`: a model no triplet serves, or segments beyond the GPUs given, make the plan
 *    infeasible with a reason (the C leaves the model out, or stops placing, silently).
 *  - inputs: the C reads rates and SLOs with atoi (integers); the SLO is truncated the same way
 *    (216.5 ms plans as 216), a rate is used as given (the published rates are whole numbers).
 *    Tasks are taken in model-name order, the C's (alphabetical profile files); the GPUs given
 *    (`numGpus`) play the C's TOTAL_GPU (2000).
 */
import { InputError, show } from '../errors.ts';
import { migLayout, migPercent, type MigGeometry, type MigPoint, type MigProfile } from '../mig.ts';
import type { Demand, GpuPlan, GpuletPlan, Plan } from '../plan.ts';
import type { PlanInput, Scheduler } from './scheduler.ts';

const f = Math.fround;
/** C's FLT_MIN, the configurator's starting maximum. */
const FLT_MIN = 1.1754943508222875e-38;

/** A triplet as the C holds it: float throughput of all processes, float latency in ms. */
interface Triplet {
  readonly size: number;
  readonly batch: number;
  readonly procs: number;
  /** Throughput of the whole segment (all processes), single precision, req/s. */
  readonly trp: number;
  /** Batch latency, single precision, ms. */
  readonly ltc: number;
  readonly point: MigPoint;
}

/** One model's service: the C's svc_level_obj. */
interface Service {
  readonly index: number;
  readonly demand: Demand;
  readonly reqRate: number;
  readonly sloLtc: number;
  optimal: Triplet | null;
  numOptimal: number;
  last: Triplet | null;
  /** Best triplet per instance size (size_1_point ... size_7_point). */
  readonly bySize: Map<number, Triplet>;
}

/** A placed segment, at the slot the C's rule chose. */
export interface RawSegment {
  readonly placement: number;
  readonly size: number;
  readonly service: Service;
}

/** One GPU of the C's map. */
export interface RawGpu {
  /** Index among all GPUs (node x 8 + GPU in the C's deploy file). */
  readonly index: number;
  readonly usage: number;
  /** Segments in the C's output order (largest first, selection sort), with batch and processes. */
  readonly segments: ReadonlyArray<{
    task: string;
    model: string;
    placement: number;
    size: number;
    batch: number;
    procs: number;
    triplet: Triplet;
  }>;
}

export interface RawAllocation {
  readonly gpus: readonly RawGpu[];
  readonly services: readonly Service[];
  /** Problems that make the plan infeasible (a model not served, segments beyond the GPUs). */
  readonly problems: readonly string[];
  /** How often each departure from the C acted (all 0 where the C's behaviour is defined). */
  readonly departures: { readonly noSize: number; readonly noSlot: number; readonly keepSegment: number };
}

/** The C's find_fit_placement: start slots tried in order, per size (A100). */
const C_SLOT_ORDER: Readonly<Record<number, readonly number[]>> = {
  7: [0],
  4: [0],
  3: [4],
  2: [0, 4, 2],
  1: [0, 6, 4, 1, 2, 3, 5],
};

function triplets(mig: MigProfile, model: string): Triplet[] {
  const max = mig.geometry.maxProcs;
  return mig
    .points(model)
    .filter((p) => p.procs <= max)
    .map((p) => ({
      size: p.size,
      batch: p.batch,
      procs: p.procs,
      trp: f(f(p.procThroughputRps) * p.procs),
      ltc: f(f(p.latencyMs / 1000) * 1000),
      point: p,
    }));
}

/** optimal_triplet_decision + demand_matching for one service. */
function configure(s: Service, all: readonly Triplet[], sizes: readonly number[], counts: { noSize: number }): void {
  const req = s.reqRate;
  const threshold = f(f(s.sloLtc / 2) * 0.9);
  let maxPer = FLT_MIN;
  const sizeMax = new Map<number, number>();
  for (const t of all) {
    if (!(t.ltc < threshold)) continue;
    const per = f(t.trp / f(t.size));
    if (per > maxPer) {
      maxPer = per;
      s.optimal = t;
      s.numOptimal = Math.floor(f(req / t.trp));
      if (req % t.trp === 0) s.numOptimal--;
    }
    if (per > (sizeMax.get(t.size) ?? FLT_MIN)) {
      sizeMax.set(t.size, per);
      s.bySize.set(t.size, t);
    }
  }
  if (s.optimal === null) return;
  const optimalTrp = f(s.optimal.trp * s.numOptimal);
  const lastTrp = f(req - optimalTrp);
  for (const size of sizes) {
    const t = s.bySize.get(size);
    if (t === undefined) {
      counts.noSize++; // departure no-size: the C dereferences NULL here
      continue;
    }
    if (lastTrp <= t.trp) {
      s.last = t;
      break;
    }
  }
}

/** The allocator's GPUs, as the C's gpu_device array. */
class Gpus {
  readonly usage: number[] = [];
  readonly slots: Array<Array<RawSegment | null>> = [];
  /** GPUs ever used: every GPU at or above this index is empty. */
  high = 0;
  lost = 0;
  /** Segments the departures had to handle (counted for the tests). */
  readonly departures = { noSlot: 0, keepSegment: 0 };
  private readonly queues = new Map<number, Service[]>();

  constructor(
    private readonly geometry: MigGeometry,
    private readonly total: number,
  ) {
    for (const size of geometry.sizes) this.queues.set(size, []);
  }

  private gpu(i: number): Array<RawSegment | null> {
    while (this.slots.length <= i) {
      this.slots.push(new Array<RawSegment | null>(this.geometry.memorySlices).fill(null));
      this.usage.push(0);
    }
    return this.slots[i];
  }

  enqueue(size: number, s: Service): void {
    (this.queues.get(size) as Service[]).push(s);
  }

  /** find_fit_gpu: the fewest free GPCs that still hold `size`, first such GPU; `skip`: GPUs tried. */
  private findFitGpu(size: number, skip: ReadonlySet<number>): number {
    let best = -1;
    let min = Number.MAX_SAFE_INTEGER;
    const n = Math.min(this.total, this.high + 1);
    for (let i = 0; i < n; i++) {
      if (skip.has(i)) continue;
      const slots = this.gpu(i);
      const empty = this.geometry.gpcs - this.usage[i];
      const diff = empty - size;
      if (empty >= size && min > diff) {
        if (size === 3 && slots[4]?.size === 3) continue;
        if (size === 1 && slots[0]?.size === 3 && slots[4]?.size === 3) continue;
        best = i;
        min = diff;
      }
    }
    return best;
  }

  /** find_fit_placement; then (departure no-slot) any valid start whose memory slices are free. */
  private findSlot(i: number, size: number): number {
    const slots = this.gpu(i);
    for (const s of C_SLOT_ORDER[size] ?? this.geometry.placements[size].starts) if (slots[s] === null) return s;
    const used = new Array<boolean>(this.geometry.memorySlices).fill(false);
    for (const x of slots)
      if (x !== null)
        for (let m = x.placement; m < x.placement + this.geometry.placements[x.size].span; m++) used[m] = true;
    const span = this.geometry.placements[size].span;
    for (const s of this.geometry.placements[size].starts) {
      let free = s + span <= this.geometry.memorySlices;
      for (let m = s; m < s + span && free; m++) if (used[m]) free = false;
      if (free) {
        this.departures.noSlot++;
        return s;
      }
    }
    return -1;
  }

  /** dequeueing: `count` segments, largest queue first; false when the GPUs ran out. */
  dequeue(count: number): boolean {
    const desc = [...this.geometry.sizes].sort((a, b) => b - a);
    for (let k = 0; k < count; k++) {
      const size = desc.find((x) => (this.queues.get(x) as Service[]).length > 0);
      if (size === undefined) continue;
      const service = (this.queues.get(size) as Service[]).shift() as Service;
      const skip = new Set<number>();
      let placed = false;
      for (;;) {
        const i = this.findFitGpu(size, skip);
        if (i < 0) break;
        const slot = this.findSlot(i, size);
        if (slot < 0) {
          skip.add(i);
          continue;
        }
        this.gpu(i)[slot] = { placement: slot, size, service };
        this.usage[i] += size;
        this.high = Math.max(this.high, i + 1);
        placed = true;
        break;
      }
      if (!placed) {
        // The C breaks out here: this segment and the rest of the count are not placed.
        this.lost += 1 + [...this.queues.values()].reduce((n, q) => n + q.length, 0);
        for (const q of this.queues.values()) q.length = 0;
        return false;
      }
    }
    return true;
  }

  /** optimization: from the last GPU down, split the segments of GPUs with <= 4 GPCs in use into 2g/1g. */
  optimize(services: readonly Service[]): void {
    const opti = services.map(() => 0);
    for (let i = this.high - 1; i >= 0; i--) {
      if (this.usage[i] > 4) continue;
      const slots = this.gpu(i);
      for (let j = 0; j < slots.length; j++) {
        const seg = slots[j];
        if (seg === null) continue;
        const s = seg.service;
        const one = s.bySize.get(1);
        const two = s.bySize.get(2);
        if (one === undefined && two === undefined) {
          this.departures.keepSegment++; // departure keep-segment: the C removes it for good
          continue;
        }
        const optimal = s.optimal as Triplet;
        const segRate = seg.size === optimal.size ? optimal.trp : (s.last as Triplet).trp;
        opti[s.index] = f(opti[s.index] + segRate);
        this.usage[i] -= seg.size;
        slots[j] = null;
        let count = 0;
        const take = (t: Triplet, n: number) => {
          for (let k = 0; k < n; k++) {
            this.enqueue(t.size, s);
            count++;
            opti[s.index] = f(opti[s.index] - t.trp);
          }
        };
        if (two === undefined) take(one as Triplet, Math.ceil(f(opti[s.index] / (one as Triplet).trp)));
        else if (one === undefined) take(two, Math.ceil(f(opti[s.index] / two.trp)));
        else if (f(two.trp / 2) > one.trp) {
          take(two, Math.floor(f(opti[s.index] / two.trp)));
          take(one, Math.ceil(f(opti[s.index] / one.trp)));
        } else take(one, Math.ceil(f(opti[s.index] / one.trp)));
        this.dequeue(count);
      }
    }
  }
}

/** The triplet a segment of `size` runs: the C's choice when it writes the deploy file. */
function tripletOf(s: Service, size: number): Triplet {
  const t =
    s.optimal?.size === size
      ? s.optimal
      : s.last?.size === size
        ? s.last
        : size === 2
          ? s.bySize.get(2)
          : size === 1
            ? s.bySize.get(1)
            : undefined;
  if (t === undefined) throw new Error(`parvagpu: no triplet for a ${size}g segment of ${s.demand.task}`);
  return t;
}

/** Why `input` cannot be planned with MIG, or the MIG profile. */
function migOf(input: PlanInput): MigProfile {
  const mig = input.mig;
  if (mig === undefined || mig === null)
    throw new InputError(
      `parvagpu plans MIG instances: GPU type ${show(input.gpuType)} has no MIG profile (use a GPU type with MIG, a100-80gb)`,
    );
  for (const d of input.demands)
    if (!mig.has(d.model))
      throw new InputError(`parvagpu: the ${mig.gpuType} MIG profile has no model ${show(d.model)}`);
  return mig;
}

/** The C's configurator and allocator, its start slots as it records them. */
export function parvaAllocate(input: PlanInput): RawAllocation {
  const mig = migOf(input);
  const geometry = mig.geometry;
  const demands = input.demands
    .filter((d) => d.rateRps > 0)
    .sort((a, b) => (a.model < b.model ? -1 : a.model > b.model ? 1 : a.task < b.task ? -1 : a.task > b.task ? 1 : 0));
  const services: Service[] = demands.map((demand, index) => ({
    index,
    demand,
    reqRate: f(demand.rateRps),
    sloLtc: f(Math.trunc(demand.sloMs)),
    optimal: null,
    numOptimal: 0,
    last: null,
    bySize: new Map(),
  }));
  const problems: string[] = [];
  const counts = { noSize: 0 };
  for (const s of services) {
    configure(s, triplets(mig, s.demand.model), geometry.sizes, counts);
    if (s.optimal === null)
      problems.push(
        `${s.demand.task}: no MIG segment of ${s.demand.model} runs a batch within 0.45 x its SLO (${s.demand.sloMs} ms)`,
      );
    else if (s.last === null) problems.push(`${s.demand.task}: no segment carries the remainder of its rate`);
  }
  const gpus = new Gpus(geometry, input.numGpus);
  let queued = 0;
  for (const s of services) {
    if (s.optimal === null || s.last === null) continue;
    for (let i = 0; i < s.numOptimal; i++) gpus.enqueue(s.optimal.size, s);
    gpus.enqueue(s.last.size, s);
    queued += s.numOptimal + 1;
  }
  gpus.dequeue(queued);
  if (gpus.lost === 0) gpus.optimize(services);
  if (gpus.lost > 0) problems.push(`${gpus.lost} segment(s) did not fit on ${input.numGpus} GPU(s)`);
  const out: RawGpu[] = [];
  for (let i = 0; i < gpus.slots.length; i++) {
    if (gpus.usage[i] === 0) continue;
    const segs = gpus.slots[i].filter((x): x is RawSegment => x !== null);
    // The C's selection sort, largest first (not stable).
    for (let j = 0; j < segs.length - 1; j++) {
      let largest = j;
      for (let k = j + 1; k < segs.length; k++) if (segs[k].size > segs[largest].size) largest = k;
      if (largest !== j) [segs[j], segs[largest]] = [segs[largest], segs[j]];
    }
    out.push({
      index: i,
      usage: gpus.usage[i],
      segments: segs.map((x) => {
        const t = tripletOf(x.service, x.size);
        return {
          task: x.service.demand.task,
          model: x.service.demand.model,
          placement: x.placement,
          size: x.size,
          batch: t.batch,
          procs: t.procs,
          triplet: t,
        };
      }),
    });
  }
  return { gpus: out, services, problems, departures: { noSize: counts.noSize, ...gpus.departures } };
}

export class ParvaGpuScheduler implements Scheduler {
  readonly name = 'parvagpu';

  plan(input: PlanInput): Plan {
    const geometry = migOf(input).geometry;
    const raw = parvaAllocate(input);
    const problems = [...raw.problems];
    const sloOf = new Map(input.demands.map((d) => [d.task, d.sloMs]));
    const gpus: GpuPlan[] = [];
    raw.gpus.forEach((g, n) => {
      const starts = migLayout(
        geometry,
        g.segments.map((s) => s.size),
        g.segments.map((s) => s.placement),
      );
      if (starts === null) {
        problems.push(`GPU ${n}: no valid MIG layout for instances ${g.segments.map((s) => `${s.size}g`).join(', ')}`);
        return;
      }
      const order = g.segments.map((_, k) => k).sort((a, b) => starts[a] - starts[b]);
      const gpulets: GpuletPlan[] = [];
      for (const k of order) {
        const s = g.segments[k];
        const sloMs = sloOf.get(s.task) as number;
        for (let proc = 0; proc < s.procs; proc++)
          gpulets.push({
            partitionPct: migPercent(geometry, s.size),
            // ParvaGPU's budget: half the SLO to collect a batch, the rest (0.45 SLO and more) to run it.
            dutyCycleMs: sloMs / 2,
            models: [
              {
                task: s.task,
                model: s.model,
                batch: s.batch,
                rateRps: s.triplet.point.procThroughputRps,
                latencyMs: s.triplet.point.latencyMs,
              },
            ],
            mig: { start: starts[k], size: s.size, procs: s.procs, proc },
          });
      }
      gpus.push({ gpu: n, type: input.gpuType, gpulets });
    });
    const plan: Plan = { scheduler: this.name, feasible: problems.length === 0, gpus, shortfalls: [] };
    if (problems.length > 0) plan.reason = problems.join('; ');
    // What the segments carry against the demand (the C's split can leave a task short).
    const carried = new Map<string, number>();
    for (const g of gpus)
      for (const l of g.gpulets) for (const a of l.models) carried.set(a.task, (carried.get(a.task) ?? 0) + a.rateRps);
    for (const d of input.demands) {
      const c = carried.get(d.task) ?? 0;
      if (d.rateRps > 0 && c > 0 && c < d.rateRps) plan.shortfalls.push({ task: d.task, shortfallRps: d.rateRps - c });
    }
    return plan;
  }
}
