/**
 * What a scheduler is (docs/design.md#core-types): given demands, GPUs and profiles, it decides a
 * {@link Plan}. Every policy here is one configuration of the elastic-partitioning code (index.ts).
 */
import { InputError, show } from '../errors.ts';
import type { Demand, Plan } from '../plan.ts';
import type { MigProfile } from '../mig.ts';
import type { InterferencePredictor, LatencyModel, ModelInfo } from '../types.ts';

/** Everything a scheduler may look at. */
export interface PlanInput {
  demands: readonly Demand[];
  /** GPUs available (the autoscaling limit). */
  numGpus: number;
  gpuType: string;
  /** GPU memory per device, MB. */
  gpuMemoryMb: number;
  latency: LatencyModel;
  models: Readonly<Record<string, ModelInfo>>;
  /** Co-location slowdown predictor; absent or null means "interference ignored". */
  predictor?: InterferencePredictor | null;
  /** The GPU type's MIG profile (instance sizes x batch x MPS processes), where it has MIG. */
  mig?: MigProfile | null;
}

export interface Scheduler {
  readonly name: string;
  plan(input: PlanInput): Plan;
  /** Whether `plan(input).feasible`, answered with less work where the scheduler can; the same answer. */
  feasible?(input: PlanInput): boolean;
}

/** The catalog entry of `model`; an InputError naming the known models when the input has none. */
export function modelInfo(models: PlanInput['models'], model: string): ModelInfo {
  if (!Object.hasOwn(models, model))
    throw new InputError(`no model information for ${show(model)}: expected one of ${Object.keys(models).join(', ')}`);
  return models[model];
}
