/**
 * The scheduler's working state: GPUs, their gpulets ("nodes" in the artifact's vocabulary), and
 * the task copies placed on them; plus GPU-memory and input-bandwidth bookkeeping.
 *
 * Port of the data model of the gpulet artifact (casys-kaist/glet, src/scheduler/scheduler_base.h,
 * docs/artifact.md#scheduling-saturate-and-residue-gpulets): a GPU starts as one 100 % node; placing a smaller request splits it into p and
 * 100 - p, never further. Integer fields of the artifact (rates, batches, SLOs, sizes) stay integers
 * here (Math.trunc where the C++ truncates); its float32 fields are doubles.
 */
import type { Assignment, GpuletPlan, Plan } from '../plan.ts';

/** Constants of the artifact (docs/artifact.md#models-and-slos, docs/artifact.md#scheduling-saturate-and-residue-gpulets). */
export const CONTEXT_MB = 1230; // PyTorch context of every gpulet process
export const MEM_ROOM = 0.9; // usable share of device memory
export const NET_LIMIT_GBIT = 3.0; // per-GPU input bandwidth, with Giga = 1024^3
export const TRP_SLACK = 15; // remaining rates at or below this are ignored, req/s

/**
 * Round to IEEE single precision. The artifact keeps latencies, duty cycles, occupancies and
 * throughputs in C++ `float` (and rates in `int`); storing through f32 wherever it stores a float
 * reproduces its decisions at the boundaries (e.g. 5 / (5 / 114 req/s) is 114 in float, 113.99... in
 * double, and the artifact truncates it to an int rate).
 */
export const f32 = Math.fround;
/** The artifact's usable share of device memory, a C++ float. */
const MEM_ROOM_F32 = f32(MEM_ROOM);

/**
 * A task as the scheduler works on it (the artifact's Task): `rateRps` is the remaining
 * (provisioned) rate, an integer.
 */
export interface SchedTask {
  readonly task: string;
  readonly model: string;
  readonly sloMs: number;
  /** Tie-break identity: the artifact's model id (larger id first on equal rate x SLO). */
  readonly id: number;
  /** Remaining rate, req/s (C++ request_rate). */
  rateRps: number;
  /** Throughput lost to interference adjustments, to be served again, req/s (C++ additional_rate). */
  additionalRps: number;
  /** The task's mean demand, req/s (the burst check routes this). */
  readonly meanRps: number;
}

/** One task on one gpulet. `rateRps` is the task's remaining rate when the copy was made (C++ request_rate). */
export interface TaskCopy {
  readonly task: string;
  readonly model: string;
  readonly sloMs: number;
  readonly id: number;
  rateRps: number;
  batch: number;
  /** Planned throughput here, req/s (C++ throughput). */
  throughputRps: number;
}

/** A gpulet (the artifact's Node). */
export interface Node {
  /** GPU index. */
  gpu: number;
  /** Share of the GPU, percent (C++ resource_pntg). */
  sizePct: number;
  /** Tells apart the two halves of a 50/50 GPU (C++ dedup_num). */
  dedup: number;
  /** Duty cycle, ms (C++ duty_cycle). */
  dutyMs: number;
  /** Sum of batch latencies over the duty cycle; 1 marks a saturate node. */
  occupancy: number;
  /** C++ vTaskList. */
  tasks: TaskCopy[];
}

/** A GPU (the artifact's GPU). */
export interface Gpu {
  /** C++ GPUID. */
  index: number;
  /** C++ TOTAL_MEMORY. */
  totalMemMb: number;
  /** C++ used_memory. */
  usedMemMb: number;
  /** Gpulet processes whose context has been charged: (size, dedup) (C++ vLoadedParts). */
  loaded: Array<{ sizePct: number; dedup: number }>;
  /** One 100 % node, or two complementary nodes (the requested one first) (C++ vNodeList). */
  nodes: Node[];
}

export interface State {
  gpus: Gpu[];
}

export function emptyNode(gpu: number, sizePct: number, dedup = 0): Node {
  return { gpu, sizePct, dedup, dutyMs: 0, occupancy: 0, tasks: [] };
}

/** GPUs each with one whole node, or with the given per-GPU layouts (full search). */
export function freshState(numGpus: number, memMb: number, layouts?: number[][]): State {
  const gpus: Gpu[] = [];
  for (let i = 0; i < numGpus; i++) {
    const sizes = layouts ? layouts[i] : [100];
    const nodes = sizes.map((s, k) => emptyNode(i, s, k === 1 && s === sizes[0] ? 1 : 0));
    gpus.push({ index: i, totalMemMb: memMb, usedMemMb: 0, loaded: [], nodes });
  }
  return { gpus };
}

/**
 * A deep copy of a GPU, as structuredClone makes it (no object in a state is shared between two
 * places, so copying field by field gives the same state), at a fraction of its cost.
 */
export function cloneGpu(g: Gpu): Gpu {
  return {
    index: g.index,
    totalMemMb: g.totalMemMb,
    usedMemMb: g.usedMemMb,
    loaded: g.loaded.map((m) => ({ sizePct: m.sizePct, dedup: m.dedup })),
    nodes: g.nodes.map((n) => ({
      gpu: n.gpu,
      sizePct: n.sizePct,
      dedup: n.dedup,
      dutyMs: n.dutyMs,
      occupancy: n.occupancy,
      tasks: n.tasks.map((t) => ({ ...t })),
    })),
  };
}

/**
 * Sort `a` in place as Array.prototype.sort does (stably), by insertion for short arrays: planning
 * sorts arrays of a few gpulets millions of times, and the built-in sort copies each one first.
 */
export function sortInPlace<T>(a: T[], cmp: (x: T, y: T) => number): T[] {
  if (a.length > 16) return a.sort(cmp);
  for (let i = 1; i < a.length; i++) {
    const x = a[i];
    let j = i - 1;
    for (; j >= 0 && cmp(a[j], x) > 0; j--) a[j + 1] = a[j];
    a[j + 1] = x;
  }
  return a;
}

export function sameNode(a: Node, b: Node): boolean {
  return a.gpu === b.gpu && a.sizePct === b.sizePct && a.dedup === b.dedup;
}

/** The first other node on `node`'s GPU, or null. */
export function otherNode(state: State, node: Node): Node | null {
  const gpu = state.gpus[node.gpu];
  if (gpu === undefined) return null;
  return gpu.nodes.find((n) => !sameNode(n, node)) ?? null;
}

export function hasTask(node: Node, id: number): boolean {
  for (const t of node.tasks) if (t.id === id) return true;
  return false;
}

/** Split a whole GPU's node into `sizePct` and its complement (appended). */
export function split(state: State, node: Node, sizePct: number): Node {
  node.sizePct = sizePct;
  const complement = emptyNode(node.gpu, 100 - sizePct, sizePct === 50 ? 1 : 0);
  state.gpus[node.gpu].nodes.push(complement);
  return complement;
}

// ---- GPU memory (CHECK_MEM; docs/artifact.md#models-and-slos) ----

function isPartLoaded(gpu: Gpu, node: Node): boolean {
  for (const m of gpu.loaded) if (m.sizePct === node.sizePct && m.dedup === node.dedup) return true;
  return false;
}

function isModelLoaded(gpu: Gpu, node: Node, id: number): boolean {
  if (!isPartLoaded(gpu, node)) return false;
  for (const n of gpu.nodes) if (n.sizePct === node.sizePct && n.dedup === node.dedup && hasTask(n, id)) return true;
  return false;
}

/** Whether the model fits on `node`'s GPU: model memory, plus a context if the gpulet is new. */
export function fitsMemory(gpu: Gpu, memMb: number, id: number, node: Node): boolean {
  if (isModelLoaded(gpu, node, id)) return true;
  const extra = isPartLoaded(gpu, node) ? 0 : CONTEXT_MB;
  return f32(f32(gpu.totalMemMb * MEM_ROOM_F32) - gpu.usedMemMb) > memMb + extra;
}

/**
 * Charge memory after a task was inserted. Like the artifact, a model joining a gpulet whose
 * process already exists is not charged (it counts only the first model of each gpulet).
 */
export function chargeMemory(gpu: Gpu, memMb: number, id: number, node: Node): void {
  if (isModelLoaded(gpu, node, id)) return;
  const extra = isPartLoaded(gpu, node) ? 0 : CONTEXT_MB;
  if (fitsMemory(gpu, memMb, id, node)) {
    gpu.usedMemMb += memMb + extra;
    gpu.loaded.push({ sizePct: node.sizePct, dedup: node.dedup });
  }
}

/** Release a model's memory (never the gpulet context, as in the artifact). */
export function releaseMemory(gpu: Gpu, memMb: number, id: number, node: Node): void {
  if (!isModelLoaded(gpu, node, id)) return;
  if (gpu.usedMemMb - memMb >= 0) gpu.usedMemMb -= memMb;
}

// ---- Input bandwidth (CHECK_NETBW; docs/artifact.md#scheduling-saturate-and-residue-gpulets) ----

/** Input traffic of a GPU, Gbit/s (Giga = 1024^3, as the artifact). */
export function gpuGbits(gpu: Gpu, inputBytes: (model: string) => number): number {
  let bytesPerS = 0;
  for (const n of gpu.nodes) for (const t of n.tasks) bytesPerS += t.throughputRps * inputBytes(t.model);
  return (bytesPerS * 8) / 1024 ** 3;
}

// ---- Output ----

/** Convert a finished state into a Plan: GPUs with at least one busy gpulet, busy gpulets only. */
export function toPlan(
  state: State,
  scheduler: string,
  gpuType: string,
  latencyOf: (node: Node, t: TaskCopy) => number,
): Plan {
  const gpus = [];
  for (const gpu of state.gpus) {
    const gpulets: GpuletPlan[] = [];
    for (const node of gpu.nodes) {
      if (node.tasks.length === 0) continue;
      const models: Assignment[] = node.tasks.map((t) => ({
        task: t.task,
        model: t.model,
        batch: t.batch,
        rateRps: t.throughputRps,
        latencyMs: latencyOf(node, t),
      }));
      gpulets.push({ partitionPct: node.sizePct, dutyCycleMs: node.dutyMs, models });
    }
    if (gpulets.length > 0) gpus.push({ gpu: gpu.index, type: gpuType, gpulets });
  }
  return { scheduler, feasible: true, gpus, shortfalls: [] };
}
