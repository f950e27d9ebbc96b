/**
 * Interference predictors the interference-aware schedulers can plan with, by name
 * (`--predictor NAME`): `fitted`, the constants fitted to pairs profiled on the simulated GPU
 * (`gpulet interference fit`, stored in profiles/data/rtx2080ti-interference-fitted.csv), and
 * `paper`, the artifact's published RTX 2080 Ti constants.
 */
import { InputError, show } from '../engine/errors.ts';
import type { InterferencePredictor } from '../engine/types.ts';
import { LinearPredictor, PAPER_RTX2080TI } from './interference.ts';
import { fittedRtx2080Ti } from './interference-fit.ts';
import { defaultUtilProfile } from './profiles/util.ts';

export const PREDICTORS: Record<string, () => InterferencePredictor> = {
  fitted: () => new LinearPredictor('fitted', defaultUtilProfile(), fittedRtx2080Ti()),
  paper: () => new LinearPredictor('paper', defaultUtilProfile(), PAPER_RTX2080TI),
};

/** What gpulet-int and ideal plan with when `--predictor` is not given: the fitted constants. */
export const DEFAULT_PREDICTOR = 'fitted';

export function predictorByName(name: string): InterferencePredictor {
  if (!Object.hasOwn(PREDICTORS, name))
    throw new InputError(`--predictor: expected one of ${Object.keys(PREDICTORS).join(', ')}, got ${show(name)}`);
  return PREDICTORS[name]();
}
