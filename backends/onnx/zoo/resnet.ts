/**
 * ResNet-50 v1.5 (He et al. 2016; torchvision `resnet50`): the stride-2 of each downsampling
 * bottleneck sits on the 3×3 conv, not the first 1×1. 25,557,032 parameters, 4.1 GMAC.
 */
import type { Act, GraphBuilder } from '../graph.ts';
import { scaled, type ResolvedZooOptions, type ZooEntry } from './entry.ts';

/** [blocks, bottleneck width] per stage; output width is 4× the bottleneck width. */
const STAGES: readonly (readonly [number, number])[] = [
  [3, 64],
  [4, 128],
  [6, 256],
  [3, 512],
];

function bottleneck(b: GraphBuilder, x: Act, width: number, stride: number): Act {
  const outCh = width * 4;
  let y = b.convBn(x, { outCh: width, k: 1, act: 'relu' });
  y = b.convBn(y, { outCh: width, k: 3, stride, act: 'relu' });
  y = b.convBn(y, { outCh, k: 1, act: 'none' });
  const shortcut = stride !== 1 || x.shape[0] !== outCh ? b.convBn(x, { outCh, k: 1, stride, act: 'none' }) : x;
  return b.relu(b.add(y, shortcut));
}

/** ResNet-50 v1.5, 3×224×224 → 1000 class probabilities. */
export const resnet50: ZooEntry = {
  description: 'ResNet-50 v1.5, 3x224x224 -> 1000 class probabilities',
  inputShape: [3, 224, 224],
  inputType: 'float32',
  build(b: GraphBuilder, o: ResolvedZooOptions): void {
    let x = b.input('input', 'float32', [3, 224, 224]);
    x = b.convBn(x, { outCh: scaled(64, o.widthMultiplier), k: 7, stride: 2, act: 'relu' });
    x = b.maxPool(x, { k: 3, stride: 2, pad: 1 });
    STAGES.forEach(([blocks, width], stage) => {
      for (let i = 0; i < blocks; i++) {
        x = bottleneck(b, x, scaled(width, o.widthMultiplier), i === 0 && stage > 0 ? 2 : 1);
      }
    });
    x = b.flatten(b.globalAvgPool(x));
    b.output(b.softmax(b.gemm(x, 1000)), 'probs');
  },
};
