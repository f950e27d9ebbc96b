/**
 * The co-location models a simulation can run with, by name (`--interference NAME`): `none`, and
 * the simulator's ground truth once it exists (the interference issue).
 */
import { InputError, show } from '../engine/errors.ts';
import { NO_INTERFERENCE, type ColocationModel } from './gpu.ts';

export const COLOCATION_MODELS: Record<string, () => ColocationModel> = {
  none: () => NO_INTERFERENCE,
};

/** What `simulate` uses when `--interference` is not given. */
export const DEFAULT_COLOCATION = 'none';

export function colocationModel(name: string): ColocationModel {
  const make = COLOCATION_MODELS[name];
  if (make === undefined) throw new InputError(`--interference: expected one of ${Object.keys(COLOCATION_MODELS).join(', ')}, got ${show(name)}`);
  return make();
}
