/**
 * What a scheduler decides (docs/design.md#core-types): which gpulets exist on which GPU, and which
 * models each serves with what batch size and duty cycle. What a scheduler is given, and the
 * Scheduler interface itself, live beside the schedulers (schedulers/scheduler.ts).
 */

/** Demand for one task: a model instance with its own rate and SLO. */
export interface Demand {
  /** Unique name of the task (`lenet3` in the game app); equals `model` for plain workloads. */
  task: string;
  /** Profile/catalog model the task runs, e.g. `lenet`. */
  model: string;
  /** Mean arrival rate, requests per second. */
  rateRps: number;
  /** Latency SLO of one request of this task, ms. */
  sloMs: number;
}

/** One task served on one gpulet. */
export interface Assignment {
  task: string;
  model: string;
  /** Planned batch size. */
  batch: number;
  /** Throughput planned for this task on this gpulet, req/s. */
  rateRps: number;
  /** The scheduler's latency estimate for one batch (safety factor and interference included), ms. */
  latencyMs: number;
}

/**
 * Where a gpulet of a MIG plan sits: one of the `procs` MPS processes inside the MIG instance of
 * `size` GPCs that starts at memory slice `start` (engine/mig.ts). The processes of one instance are
 * consecutive gpulets of their GPU with the same start.
 */
export interface MigSlot {
  start: number;
  size: number;
  procs: number;
  /** Which process, 0..procs-1. */
  proc: number;
}

/** A gpulet: a spatial share of one GPU, serving up to 3 tasks in turn. */
export interface GpuletPlan {
  /** Share of the GPU's SMs, percent (for a MIG process: its instance's share of the GPCs). */
  partitionPct: number;
  /** Period in which each task on the gpulet runs one batch, ms. */
  dutyCycleMs: number;
  models: Assignment[];
  /** Present on a GPU partitioned with MIG: the instance and process this gpulet is. */
  mig?: MigSlot;
}

/**
 * One physical GPU: at most two gpulets whose sizes sum to at most 100, or (MIG) instances that
 * fit its geometry, each with its MPS processes as gpulets.
 */
export interface GpuPlan {
  gpu: number;
  type: string;
  gpulets: GpuletPlan[];
}

/** A task whose planned throughput is below its demand, accepted by the artifact's re-check rule. */
export interface Shortfall {
  task: string;
  shortfallRps: number;
}

export interface Plan {
  scheduler: string;
  feasible: boolean;
  /** GPUs that hold at least one gpulet, in index order. */
  gpus: GpuPlan[];
  /** Why the plan is infeasible: which task, which rule. */
  reason?: string;
  shortfalls: Shortfall[];
}

/** Number of GPUs a plan uses. */
export function gpusUsed(plan: Plan): number {
  return plan.gpus.filter((g) => g.gpulets.some((l) => l.models.length > 0)).length;
}
