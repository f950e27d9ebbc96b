/**
 * Inverted-residual mobile networks, following torchvision exactly (same channel rounding, so the
 * full-width parameter counts match): MobileNetV2 (Sandler et al. 2018) and MnasNet-A1 1.0
 * (Tan et al. 2019).
 */
import type { Act, GraphBuilder } from '../graph.ts';
import { makeDivisible, type ResolvedZooOptions, type ZooEntry } from './entry.ts';

/**
 * Expand 1×1 (skipped when `expand` is 1) → depthwise k×k → linear 1×1 projection, with an identity
 * shortcut when shapes allow. `act` is ReLU6 in MobileNetV2 and ReLU in MnasNet.
 */
function invertedResidual(
  b: GraphBuilder,
  x: Act,
  o: { outCh: number; k: number; stride: number; expand: number; act: 'relu' | 'relu6' },
): Act {
  const inCh = x.shape[0];
  const hidden = Math.round(inCh * o.expand);
  let y = o.expand === 1 ? x : b.convBn(x, { outCh: hidden, k: 1, act: o.act });
  y = b.convBn(y, { outCh: hidden, k: o.k, stride: o.stride, groups: hidden, act: o.act });
  y = b.convBn(y, { outCh: o.outCh, k: 1, act: 'none' });
  return o.stride === 1 && inCh === o.outCh ? b.add(y, x) : y;
}

/** MobileNetV2 stages: expansion t, channels c, repeats n, first stride s. */
const MOBILENET_V2: readonly (readonly [number, number, number, number])[] = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];

/** MobileNetV2 (torchvision `mobilenet_v2`), 3.50 M parameters, 0.30 GMAC. */
export const mobilenetV2: ZooEntry = {
  description: 'MobileNetV2 1.0, 3x224x224 -> 1000 class probabilities',
  inputShape: [3, 224, 224],
  inputType: 'float32',
  build(b: GraphBuilder, o: ResolvedZooOptions): void {
    const m = o.widthMultiplier;
    let x = b.input('input', 'float32', [3, 224, 224]);
    x = b.convBn(x, { outCh: makeDivisible(32 * m), k: 3, stride: 2, act: 'relu6' });
    for (const [t, c, n, s] of MOBILENET_V2) {
      for (let i = 0; i < n; i++) {
        x = invertedResidual(b, x, {
          outCh: makeDivisible(c * m),
          k: 3,
          stride: i === 0 ? s : 1,
          expand: t,
          act: 'relu6',
        });
      }
    }
    // torchvision never shrinks the last layer below 1280 channels.
    x = b.convBn(x, { outCh: makeDivisible(1280 * Math.max(1, m)), k: 1, act: 'relu6' });
    x = b.flatten(b.globalAvgPool(x));
    b.output(b.softmax(b.gemm(x, 1000)), 'probs');
  },
};

/** MnasNet stacks: kernel, first stride, expansion, repeats (output widths in MNASNET_DEPTHS[2..]). */
const MNASNET_STACKS: readonly (readonly [number, number, number, number])[] = [
  [3, 2, 3, 3],
  [5, 2, 3, 3],
  [5, 2, 6, 3],
  [3, 1, 6, 2],
  [5, 2, 6, 4],
  [3, 1, 6, 1],
];
const MNASNET_DEPTHS = [32, 16, 24, 40, 80, 96, 192, 320] as const;

/** MnasNet 1.0 (torchvision `mnasnet1_0`, the B1 search result), 4.38 M parameters, 0.31 GMAC. */
export const mnasnet10: ZooEntry = {
  description: 'MnasNet 1.0, 3x224x224 -> 1000 class probabilities',
  inputShape: [3, 224, 224],
  inputType: 'float32',
  build(b: GraphBuilder, o: ResolvedZooOptions): void {
    const depths = MNASNET_DEPTHS.map((d) => makeDivisible(d * o.widthMultiplier));
    let x = b.input('input', 'float32', [3, 224, 224]);
    x = b.convBn(x, { outCh: depths[0], k: 3, stride: 2, act: 'relu' });
    // Depthwise separable stem block without a shortcut.
    x = b.convBn(x, { outCh: depths[0], k: 3, groups: depths[0], act: 'relu' });
    x = b.convBn(x, { outCh: depths[1], k: 1, act: 'none' });
    MNASNET_STACKS.forEach(([k, stride, expand, repeats], i) => {
      for (let r = 0; r < repeats; r++) {
        x = invertedResidual(b, x, { outCh: depths[i + 2], k, stride: r === 0 ? stride : 1, expand, act: 'relu' });
      }
    });
    // The 1280-wide head is not scaled by the width multiplier in torchvision.
    x = b.convBn(x, { outCh: 1280, k: 1, act: 'relu' });
    x = b.flatten(b.globalAvgPool(x));
    b.output(b.softmax(b.gemm(x, 1000)), 'probs');
  },
};
