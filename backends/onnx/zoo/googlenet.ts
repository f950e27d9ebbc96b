/**
 * GoogLeNet / Inception-v1 as in the paper (Szegedy et al. 2015, Table 1): real 5×5 branches, conv
 * biases, no BatchNorm, no LRN, no auxiliary classifiers (they are training-only). About 7.0 M
 * parameters. (torchvision's `googlenet` differs: BN, 3×3 in place of 5×5, 6.6 M parameters.)
 */
import type { Act, GraphBuilder } from '../graph.ts';
import { scaled, type ResolvedZooOptions, type ZooEntry } from './entry.ts';

/** Branch widths of one inception module: 1×1, 3×3 reduce, 3×3, 5×5 reduce, 5×5, pool proj. */
type Inception = readonly [number, number, number, number, number, number];

const STAGE3: readonly Inception[] = [
  [64, 96, 128, 16, 32, 32],
  [128, 128, 192, 32, 96, 64],
];
const STAGE4: readonly Inception[] = [
  [192, 96, 208, 16, 48, 64],
  [160, 112, 224, 24, 64, 64],
  [128, 128, 256, 24, 64, 64],
  [112, 144, 288, 32, 64, 64],
  [256, 160, 320, 32, 128, 128],
];
const STAGE5: readonly Inception[] = [
  [256, 160, 320, 32, 128, 128],
  [384, 192, 384, 48, 128, 128],
];

function convRelu(b: GraphBuilder, x: Act, outCh: number, k: number, stride = 1): Act {
  return b.relu(b.conv(x, { outCh, k, stride, bias: true }));
}

function inception(b: GraphBuilder, x: Act, widths: Inception, m: number): Act {
  const [c1, r3, c3, r5, c5, pp] = widths.map((c) => scaled(c, m));
  const b1 = convRelu(b, x, c1, 1);
  const b2 = convRelu(b, convRelu(b, x, r3, 1), c3, 3);
  const b3 = convRelu(b, convRelu(b, x, r5, 1), c5, 5);
  const b4 = convRelu(b, b.maxPool(x, { k: 3, stride: 1, pad: 1 }), pp, 1);
  return b.concat([b1, b2, b3, b4]);
}

/** Inception-v1, 3×224×224 → 1000 class probabilities. */
export const googlenet: ZooEntry = {
  description: 'GoogLeNet / Inception-v1 (paper topology, no LRN, no aux heads), 3x224x224 -> 1000 class probabilities',
  inputShape: [3, 224, 224],
  inputType: 'float32',
  build(b: GraphBuilder, o: ResolvedZooOptions): void {
    const m = o.widthMultiplier;
    const pool = (x: Act): Act => b.maxPool(x, { k: 3, stride: 2, ceil: true });
    let x = b.input('input', 'float32', [3, 224, 224]);
    x = pool(convRelu(b, x, scaled(64, m), 7, 2));
    x = convRelu(b, convRelu(b, x, scaled(64, m), 1), scaled(192, m), 3);
    x = pool(x);
    for (const w of STAGE3) x = inception(b, x, w, m);
    x = pool(x);
    for (const w of STAGE4) x = inception(b, x, w, m);
    x = pool(x);
    for (const w of STAGE5) x = inception(b, x, w, m);
    x = b.flatten(b.globalAvgPool(x));
    b.output(b.softmax(b.gemm(x, 1000)), 'probs');
  },
};
