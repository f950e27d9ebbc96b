/**
 * DenseNet-161 (Huang et al. 2017; torchvision `densenet161`): growth rate 48, blocks (6, 12, 36,
 * 24), 96 stem channels, bottleneck width 4·growth, compression 0.5. Pre-activation layers (BN →
 * ReLU → conv), each reading the concatenation of every earlier feature map of its block.
 * 28,681,000 parameters, 7.7 GMAC.
 */
import type { Act, GraphBuilder } from '../graph.ts';
import { scaled, type ResolvedZooOptions, type ZooEntry } from './entry.ts';

const BLOCKS = [6, 12, 36, 24] as const;
const BN_SIZE = 4;

function bnReluConv(b: GraphBuilder, x: Act, outCh: number, k: number): Act {
  return b.conv(b.relu(b.batchNorm(x)), { outCh, k, bias: false });
}

/** DenseNet-161, 3×224×224 → 1000 class probabilities. */
export const densenet161: ZooEntry = {
  description: 'DenseNet-161, 3x224x224 -> 1000 class probabilities',
  inputShape: [3, 224, 224],
  inputType: 'float32',
  build(b: GraphBuilder, o: ResolvedZooOptions): void {
    const growth = scaled(48, o.widthMultiplier);
    let x = b.input('input', 'float32', [3, 224, 224]);
    x = b.convBn(x, { outCh: scaled(96, o.widthMultiplier), k: 7, stride: 2, act: 'relu' });
    x = b.maxPool(x, { k: 3, stride: 2, pad: 1 });
    BLOCKS.forEach((layers, i) => {
      const features: Act[] = [x];
      for (let l = 0; l < layers; l++) {
        const input = features.length === 1 ? features[0] : b.concat(features);
        features.push(bnReluConv(b, bnReluConv(b, input, BN_SIZE * growth, 1), growth, 3));
      }
      x = b.concat(features);
      if (i < BLOCKS.length - 1) {
        x = b.avgPool(bnReluConv(b, x, Math.floor(x.shape[0] / 2), 1), { k: 2, stride: 2 });
      }
    });
    x = b.relu(b.batchNorm(x));
    x = b.flatten(b.globalAvgPool(x));
    b.output(b.softmax(b.gemm(x, 1000)), 'probs');
  },
};
