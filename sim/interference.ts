/**
 * The interference predictor of §4.4 (Choi et al.): a linear model of the slowdown of one gpulet
 * while its sibling runs, from each side's solo L2 and DRAM utilisation scaled by its partition:
 *
 *   alpha = c1 L2_self + c2 L2_other + c3 DRAM_self + c4 DRAM_other + c5,  clamped to >= 1
 *
 * with utilisations as fractions from UTIL.CSV at the full GPU, interpolated between power-of-two
 * batches, times partition / 100 (the artifact's interference_model.cpp; docs/artifact.md#interference-model).
 */
import type { InterferencePredictor, RunningBatch } from '../engine/types.ts';
import type { UtilProfile } from './profiles/util.ts';

/** c1..c5 in the order: self L2, other L2, self DRAM, other DRAM, constant. */
export type LinearConstants = readonly [number, number, number, number, number];

/** The artifact's fitted RTX 2080 Ti constants (resource/2080ti/INT_MODEL_CONSTANT.CSV). */
export const PAPER_RTX2080TI: LinearConstants = [
  0.11290838746224496, 0.7159598718755424, 0.35486591956022895, 0.0882038259888065, 0.8953693917277343,
];

/** The four features of the linear model for `self` next to `other`: [L2 self, L2 other, DRAM self, DRAM other]. */
export function linearFeatures(
  util: UtilProfile,
  self: RunningBatch,
  other: RunningBatch,
): [number, number, number, number] {
  const us = util.util(self.model, self.batch);
  const uo = util.util(other.model, other.batch);
  const fs = self.partitionPct / 10_000; // percent of peak x percent of GPU -> fraction
  const fo = other.partitionPct / 10_000;
  return [us.l2Pct * fs, uo.l2Pct * fo, us.dramPct * fs, uo.dramPct * fo];
}

export class LinearPredictor implements InterferencePredictor {
  constructor(
    readonly name: string,
    private readonly util: UtilProfile,
    readonly constants: LinearConstants,
  ) {}

  factor(self: RunningBatch, other: RunningBatch): number {
    const [l2s, l2o, ds, dor] = linearFeatures(this.util, self, other);
    const c = this.constants;
    const alpha = c[0] * l2s + c[1] * l2o + c[2] * ds + c[3] * dor + c[4];
    return alpha > 1 ? alpha : 1;
  }
}
