/**
 * What every zoo model provides, and the channel-rounding rules the reference implementations use
 * when a width multiplier shrinks a network.
 */
import type { ElemType, GraphBuilder, WeightMode } from '../graph.ts';

/** Options for {@link ZooEntry.build}, all resolved (defaults merged in `zoo.ts`). */
export interface ResolvedZooOptions {
  /** Seed of the weight generator. */
  readonly seed: number;
  /** Channel/hidden-width multiplier; 1 is the published model. */
  readonly widthMultiplier: number;
  /** `random`: real weights; `none`: count params/FLOPs only. */
  readonly weights: WeightMode;
  /** BERT encoder layers (other models ignore it). */
  readonly numLayers: number;
  /** SSD: append NonMaxSuppression after box decoding (other models ignore it). */
  readonly nms: boolean;
}

/** One model of the zoo. */
export interface ZooEntry {
  /** One line: architecture and its reference. */
  readonly description: string;
  /** Input shape per sample (the batch dim N is prepended). */
  readonly inputShape: readonly number[];
  readonly inputType: ElemType;
  /** Add the whole graph, inputs and outputs to `b`. */
  build(b: GraphBuilder, o: ResolvedZooOptions): void;
}

/** Plain scaling: `max(1, round(c · m))`; exact at m = 1. */
export function scaled(c: number, m: number): number {
  return Math.max(1, Math.round(c * m));
}

/**
 * torchvision `_make_divisible` (MobileNetV2) and `_round_to_multiple_of` (MnasNet, bias 0.9): round
 * to the nearest multiple of `divisor`, never below `divisor`, never more than 10% below `v`.
 */
export function makeDivisible(v: number, divisor = 8): number {
  let n = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
  if (n < 0.9 * v) n += divisor;
  return n;
}
