/**
 * The co-location models a simulation can run with, by name (`--interference NAME`): `truth`, the
 * simulator's ground-truth contention model (sim/interference-truth.ts), and `none`.
 */
import { InputError, show } from '../engine/errors.ts';
import { NO_INTERFERENCE, type ColocationModel } from './gpu.ts';
import { ContentionTruth } from './interference-truth.ts';
import { defaultUtilProfile } from './profiles/util.ts';

export const COLOCATION_MODELS: Record<string, () => ColocationModel> = {
  truth: () => new ContentionTruth(defaultUtilProfile()),
  none: () => NO_INTERFERENCE,
};

/** What `simulate` uses when `--interference` is not given: the ground truth. */
export const DEFAULT_COLOCATION = 'truth';

export function colocationModel(name: string): ColocationModel {
  if (!Object.hasOwn(COLOCATION_MODELS, name))
    throw new InputError(
      `--interference: expected one of ${Object.keys(COLOCATION_MODELS).join(', ')}, got ${show(name)}`,
    );
  return COLOCATION_MODELS[name]();
}
