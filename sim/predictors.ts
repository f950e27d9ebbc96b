/**
 * Interference predictors the interference-aware schedulers can plan with, by name
 * (`--predictor NAME`): `paper`, the artifact's published RTX 2080 Ti constants.
 */
import { InputError, show } from '../engine/errors.ts';
import type { InterferencePredictor } from '../engine/types.ts';
import { LinearPredictor, PAPER_RTX2080TI } from './interference.ts';
import { defaultUtilProfile } from './profiles/util.ts';

export const PREDICTORS: Record<string, () => InterferencePredictor> = {
  paper: () => new LinearPredictor('paper', defaultUtilProfile(), PAPER_RTX2080TI),
};

/** What gpulet-int and ideal plan with when `--predictor` is not given. */
export const DEFAULT_PREDICTOR = 'paper';

export function predictorByName(name: string): InterferencePredictor {
  const make = PREDICTORS[name];
  if (make === undefined) throw new InputError(`--predictor: expected one of ${Object.keys(PREDICTORS).join(', ')}, got ${show(name)}`);
  return make();
}
