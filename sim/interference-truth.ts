/**
 * The simulator's ground-truth co-location slowdown: what a busy sibling gpulet costs a running
 * batch on the simulated GPU. It is deliberately *not* the predictor's form
 * (docs/design.md#interference-truth-and-predictor): the linear model of §4.4 is fitted to samples profiled
 * from this truth (sim/interference-profile.ts) and never reads the formula below.
 *
 * A contention model of the two gpulets' shared memory system, in the utilisations of UTIL.CSV
 * (docs/artifact.md#kernel-utilisation; `l`, `d`, `c` = L2, DRAM and SM % of peak at the full GPU / 100, for the model
 * and batch each gpulet runs at that moment; `f` = partition / 100):
 *
 *  - traffic: a gpulet of share f drives t = d·f^γ of the DRAM bandwidth (γ < 1: a memory-bound
 *    kernel on fewer SMs still keeps the bus busy), and holds l·f^γ of the L2;
 *  - cache pressure: the sibling's L2 footprint evicts part of self's working set, so self's
 *    traffic grows by g_s = 1 + κ·l_s·l_o·f_o^γ, and likewise the other way;
 *  - saturation: the bus arbiter caps what the sibling can occupy, so its effective load is
 *    e_o = S·(1 − exp(−t_o·g_o / S)): linear for a light sibling, flat at S for a heavy one;
 *  - queueing: memory latency grows like an M/M/1 queue, 1 / (1 − ρ), with ρ = t_s·g_s + e_o
 *    (capped at ρmax); self's memory time stretches by g_s·(1 − t_s) / (1 − ρ);
 *  - kernel mix: only the memory-bound part of self's time stretches, a fraction
 *    a·d_s^β·(d_s / c_s)^η of it (capped at 1): kernels with more DRAM per SM cycle wait more;
 *  - model pair: a log-normal factor P(self model, other model) = exp(σ_p·z), z standard normal
 *    truncated to ±2, drawn once per ordered pair of model names from the GPU's pair seed: how two
 *    particular networks' kernels overlap, which no utilisation feature records.
 *
 * structural slowdown = 1 + P·min(1, a·d_s^β·(d_s/c_s)^η)·(g_s·(1 − t_s)/(1 − ρ) − 1).
 *
 * The linear predictor reads l and d scaled by f, but not c, not the pair, and not the bend of the
 * saturation and the queue; what it cannot express shows as its error (Figure 10).
 *
 * Run-time noise on top, per call (one draw each time the pair changes, from the GPU's seeded
 * stream): the overhead is multiplied by a log-normal exp(σZ − σ²/2) and, with probability q, by a
 * Pareto(α) spike (≥ 1, mean α/(α − 1)) — the heavy tail of Figure 6. The result is never below 1.
 *
 * The knobs are calibrated by `gpulet interference calibrate` (sim/interference-calibrate.ts), whose
 * only objective is Figure 6's overhead CDF over the paper's grid; they are read from
 * profiles/data/rtx2080ti-interference-truth.csv (sim/interference-truth-params.ts).
 */
import type { RunningBatch } from '../engine/types.ts';
import type { ColocationModel } from './gpu.ts';
import { calibratedParams, type ContentionParams } from './interference-truth-params.ts';
import { standardNormal, streamRng, type Rng } from './rng.ts';
import type { UtilProfile } from './profiles/util.ts';

export type { ContentionParams };

/** Truncation of the per-pair normal draw, in standard deviations: P lies in [e^(−2σp), e^(2σp)]. */
export const PAIR_Z_MAX = 2;

/**
 * The standard-normal draw z of the ordered model pair (self, other), truncated to ±{@link PAIR_Z_MAX}
 * by redrawing: fixed by the pair seed and the names alone, so σ_p scales it without reshuffling.
 */
export function pairZ(pairSeed: number, selfModel: string, otherModel: string): number {
  const rng = streamRng(pairSeed, 'interference-truth', 'pair', selfModel, otherModel);
  for (;;) {
    const z = standardNormal(rng);
    if (Math.abs(z) <= PAIR_Z_MAX) return z;
  }
}

/** The per-model-pair factor P = exp(σ_p·z) of `self` next to `other`. */
export function pairFactor(k: ContentionParams, selfModel: string, otherModel: string): number {
  return Math.exp(k.pairSigma * pairZ(k.pairSeed, selfModel, otherModel));
}

/**
 * The structural (noise-free) slowdown of `self` next to `other`: deterministic, >= 1. `pair` is
 * the per-model-pair factor ({@link pairFactor}); callers that evaluate many points pass it cached.
 */
export function contentionSlowdown(
  util: UtilProfile,
  self: RunningBatch,
  other: RunningBatch,
  k: ContentionParams,
  pair = pairFactor(k, self.model, other.model),
): number {
  const us = util.util(self.model, self.batch);
  const uo = util.util(other.model, other.batch);
  const ws = (self.partitionPct / 100) ** k.partitionExponent;
  const wo = (other.partitionPct / 100) ** k.partitionExponent;
  const ls = us.l2Pct / 100;
  const lo = uo.l2Pct / 100;
  const ds = us.dramPct / 100;
  const dOther = uo.dramPct / 100;
  const growthSelf = 1 + k.cacheCoupling * ls * lo * wo;
  const growthOther = 1 + k.cacheCoupling * lo * ls * ws;
  const effectiveOther = k.siblingSaturation * (1 - Math.exp((-dOther * wo * growthOther) / k.siblingSaturation));
  const rhoSolo = Math.min(ds * ws, k.rhoMax);
  const rho = Math.min(ds * ws * growthSelf + effectiveOther, k.rhoMax);
  const stretch = (growthSelf * (1 - rhoSolo)) / (1 - rho);
  const kernelMix = (us.dramPct / us.smPct) ** k.kernelMixExponent;
  const memoryFraction = Math.min(1, k.memoryScale * ds ** k.memoryExponent * kernelMix);
  return 1 + pair * memoryFraction * Math.max(0, stretch - 1);
}

/** One noisy draw of the overhead multiplier: log-normal body times a rare Pareto spike. */
export function noiseMultiplier(rng: Rng, k: ContentionParams): number {
  const z = standardNormal(rng);
  let m = Math.exp(k.noiseSigma * z - (k.noiseSigma * k.noiseSigma) / 2);
  if (rng() < k.spikeProb) m *= (1 - rng()) ** (-1 / k.spikeShape);
  return m;
}

/** The ground truth as a {@link ColocationModel}: `--interference truth`. */
export class ContentionTruth implements ColocationModel {
  readonly name = 'truth';
  /** Per-pair factors by "self\tother", drawn on first use (deterministic, so caching changes nothing). */
  private readonly pairs = new Map<string, number>();

  constructor(
    private readonly util: UtilProfile,
    readonly params: ContentionParams = calibratedParams(),
  ) {}

  slowdown(self: RunningBatch, other: RunningBatch, rng: Rng): number {
    const key = `${self.model}\t${other.model}`;
    let pair = this.pairs.get(key);
    if (pair === undefined) {
      pair = pairFactor(this.params, self.model, other.model);
      this.pairs.set(key, pair);
    }
    const overhead = contentionSlowdown(this.util, self, other, this.params, pair) - 1;
    return 1 + overhead * noiseMultiplier(rng, this.params);
  }
}
