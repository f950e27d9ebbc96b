/**
 * Plain convolutional stacks: LeNet-5 and VGG-16.
 */
import type { GraphBuilder } from '../graph.ts';
import { scaled, type ResolvedZooOptions, type ZooEntry } from './entry.ts';

/**
 * LeNet-5 (LeCun et al. 1998) on 28×28 MNIST digits: the first conv pads by 2 to recover the
 * original 32×32 receptive field; ReLU and max pooling instead of scaled tanh and subsampling, as in
 * every modern re-implementation. 61,706 parameters at full width.
 */
export const lenet: ZooEntry = {
  description: 'LeNet-5, 1x28x28 -> 10 class probabilities',
  inputShape: [1, 28, 28],
  inputType: 'float32',
  build(b: GraphBuilder, o: ResolvedZooOptions): void {
    const ch = (c: number): number => scaled(c, o.widthMultiplier);
    let x = b.input('input', 'float32', [1, 28, 28]);
    x = b.maxPool(b.relu(b.conv(x, { outCh: ch(6), k: 5, pad: 2, bias: true })), { k: 2, stride: 2 });
    x = b.maxPool(b.relu(b.conv(x, { outCh: ch(16), k: 5, pad: 0, bias: true })), { k: 2, stride: 2 });
    x = b.flatten(x);
    x = b.relu(b.gemm(x, ch(120)));
    x = b.relu(b.gemm(x, ch(84)));
    b.output(b.softmax(b.gemm(x, 10)), 'probs');
  },
};

/** VGG-16 configuration "D" (Simonyan & Zisserman 2015); 'M' is a 2×2 max pool. */
const VGG16_CFG: readonly (number | 'M')[] = [
  64,
  64,
  'M',
  128,
  128,
  'M',
  256,
  256,
  256,
  'M',
  512,
  512,
  512,
  'M',
  512,
  512,
  512,
  'M',
];

/**
 * VGG-16 as torchvision `vgg16` (no BN): 13 3×3 convs with bias, 3 FC layers. Its adaptive 7×7
 * average pool is the identity at 224×224 input and is omitted. 138,357,544 parameters.
 */
export const vgg16: ZooEntry = {
  description: 'VGG-16 (config D, no BN), 3x224x224 -> 1000 class probabilities',
  inputShape: [3, 224, 224],
  inputType: 'float32',
  build(b: GraphBuilder, o: ResolvedZooOptions): void {
    const ch = (c: number): number => scaled(c, o.widthMultiplier);
    let x = b.input('input', 'float32', [3, 224, 224]);
    for (const v of VGG16_CFG) {
      x = v === 'M' ? b.maxPool(x, { k: 2, stride: 2 }) : b.relu(b.conv(x, { outCh: ch(v), k: 3, bias: true }));
    }
    x = b.flatten(x);
    x = b.relu(b.gemm(x, ch(4096)));
    x = b.relu(b.gemm(x, ch(4096)));
    b.output(b.softmax(b.gemm(x, 1000)), 'probs');
  },
};
