/**
 * The schedulability sweep's scenarios (the artifact's createSchedulingCases.py; docs/artifact.md#schedulability-sweep):
 * each of the 9 models at 0, 100 or 200 req/s, not all zero, on 4 GPUs. Kept apart from the study
 * (fig15.ts) so the worker pool's jobs can plan scenarios without importing a study.
 */
import type { Demand } from '../../engine/plan.ts';
import { catalog } from '../../sim/profiles/catalog.ts';
import { predictorByName, DEFAULT_PREDICTOR } from '../../sim/predictors.ts';
import { DEFAULT_GPUS } from '../../sim/workload.ts';
import { planInput, schedulerFor, type Context } from './context.ts';

/** The artifact's model order for the scenario digits (createSchedulingCases.py). */
export const SWEEP_MODELS = [
  'lenet',
  'googlenet',
  'resnet50',
  'ssd-mobilenetv1',
  'vgg16',
  'mnasnet1_0',
  'mobilenet_v2',
  'densenet161',
  'bert',
] as const;
export const SWEEP_RATES = [0, 100, 200] as const;
export const NUM_SCENARIOS = 3 ** SWEEP_MODELS.length - 1; // 19,682
export const FIG15_SCHEDULERS = ['temporal', 'greedy', 'gpulet', 'gpulet-int', 'ideal'] as const;

/** Scenario k (1..19,682): base-3 digits, most significant first, give each model's rate. */
export function scenarioDigits(k: number): string {
  return k.toString(3).padStart(SWEEP_MODELS.length, '0');
}

/** The sweep models' SLOs, ms, in SWEEP_MODELS order (looked up once). */
let sweepSlos: readonly number[] | undefined;

export function scenarioDemands(k: number): Demand[] {
  sweepSlos ??= SWEEP_MODELS.map((m) => catalog().find((c) => c.name === m)?.sloMs as number);
  const slos = sweepSlos;
  const out: Demand[] = [];
  // Base-3 digits, most significant (SWEEP_MODELS[0]) first, as scenarioDigits writes them.
  for (let i = SWEEP_MODELS.length - 1, rest = k; i >= 0; i--, rest = Math.floor(rest / 3)) {
    const rate = SWEEP_RATES[rest % 3];
    const model = SWEEP_MODELS[i];
    if (rate !== 0) out.push({ task: model, model, rateRps: rate, sloMs: slos[i] });
  }
  return out.reverse();
}

/** Feasibility (1/0) of scenarios `ks` for each scheduler; a pool job. */
export function schedulable(
  ctx: Context,
  ks: readonly number[],
  schedulers: readonly string[],
  predictor = DEFAULT_PREDICTOR,
): number[][] {
  const base = planInput(
    {
      name: 'sweep',
      tasks: [],
      app: null,
      appRateRps: 0,
      numGpus: DEFAULT_GPUS,
      gpuType: null,
      arrival: { process: 'poisson' },
    },
    ctx,
  );
  const p = predictorByName(predictor);
  const scheds = schedulers.map((s) => schedulerFor(s));
  return ks.map((k) => {
    const demands = scenarioDemands(k);
    return scheds.map((s) => {
      const input = { ...base, demands, predictor: p };
      return (s.feasible === undefined ? s.plan(input).feasible : s.feasible(input)) ? 1 : 0;
    });
  });
}
