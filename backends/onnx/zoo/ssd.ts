/**
 * SSD300 with a MobileNet-v1 backbone, as the TensorFlow Object Detection API's
 * `ssd_mobilenet_v1_coco` (Liu et al. 2016; Howard et al. 2017): 6 feature maps (19², 10², 5², 3²,
 * 2², 1²), 1×1 box predictors, 1917 anchors, 91 classes (index 0 = background), sigmoid scores,
 * centre-size box decoding (scale factors 10, 10, 5, 5) and, optionally, NonMaxSuppression.
 * About 6.8 M parameters.
 *
 * TF pads stride-2 convs "SAME" (asymmetrically); symmetric padding of 1 gives the same map sizes.
 */
import type { Act, GraphBuilder } from '../graph.ts';
import type { ResolvedZooOptions, ZooEntry } from './entry.ts';

const NUM_CLASSES = 91;
/** MobileNet-v1 separable blocks after the stem: [depthwise stride, pointwise channels]. */
const BACKBONE: readonly (readonly [number, number])[] = [
  [1, 64],
  [2, 128],
  [1, 128],
  [2, 256],
  [1, 256],
  [2, 512],
  [1, 512],
  [1, 512],
  [1, 512],
  [1, 512],
  [1, 512],
  [2, 1024],
  [1, 1024],
];
/** Extra feature layers: 1×1 to half depth, then 3×3 stride 2 to `depth`. */
const EXTRAS = [512, 256, 256, 128] as const;
/** Post-processing thresholds of the TF config. */
const NMS = { maxPerClass: 100, iou: 0.6, score: 1e-8 } as const;

/** Anchors (h, w) per location for feature map `i` of 6 (TF `create_ssd_anchors`, min 0.2, max 0.95). */
function anchorSizes(i: number): [number, number][] {
  const scale = (k: number): number => (k < 6 ? 0.2 + ((0.95 - 0.2) * k) / 5 : 1);
  const box = (s: number, ar: number): [number, number] => [s / Math.sqrt(ar), s * Math.sqrt(ar)];
  if (i === 0) return [box(0.1, 1), box(0.2, 2), box(0.2, 0.5)];
  return [...[1, 2, 0.5, 3, 1 / 3].map((ar) => box(scale(i), ar)), box(Math.sqrt(scale(i) * scale(i + 1)), 1)];
}

/** Centres (y, x) and sizes (h, w) of every anchor, in the predictor's (y, x, anchor) order. */
function anchors(maps: readonly Act[]): { centers: Float32Array; sizes: Float32Array } {
  const centers: number[] = [];
  const sizes: number[] = [];
  maps.forEach((map, i) => {
    const [, h, w] = map.shape;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (const [ah, aw] of anchorSizes(i)) {
          centers.push((y + 0.5) / h, (x + 0.5) / w);
          sizes.push(ah, aw);
        }
      }
    }
  });
  return { centers: Float32Array.from(centers), sizes: Float32Array.from(sizes) };
}

/** 1×1 predictor conv, NCHW → `[H·W·anchors, perAnchor]` in TF's NHWC order. */
function predict(b: GraphBuilder, x: Act, numAnchors: number, perAnchor: number): Act {
  const y = b.transpose(b.conv(x, { outCh: numAnchors * perAnchor, k: 1, bias: true }), [1, 2, 0]);
  return b.reshape(y, [-1, perAnchor]);
}

/** SSD-MobileNet-v1, 3×300×300 → boxes, scores (and NMS selections). */
export const ssdMobilenetV1: ZooEntry = {
  description: 'SSD300 + MobileNet-v1 (TF ssd_mobilenet_v1_coco), 3x300x300 -> 1917 boxes x 91 class scores (+ NMS)',
  inputShape: [3, 300, 300],
  inputType: 'float32',
  build(b: GraphBuilder, o: ResolvedZooOptions): void {
    // TF depth multiplier rule with min_depth 16.
    const ch = (c: number): number => Math.max(Math.floor(c * o.widthMultiplier), 16);
    let x = b.input('input', 'float32', [3, 300, 300]);
    x = b.convBn(x, { outCh: ch(32), k: 3, stride: 2, act: 'relu6' });
    const maps: Act[] = [];
    BACKBONE.forEach(([stride, outCh], i) => {
      x = b.convBn(x, { outCh: x.shape[0], k: 3, stride, groups: x.shape[0], act: 'relu6' });
      x = b.convBn(x, { outCh: ch(outCh), k: 1, act: 'relu6' });
      if (i === 10 || i === 12) maps.push(x); // Conv2d_11_pointwise (19²) and Conv2d_13_pointwise (10²)
    });
    for (const depth of EXTRAS) {
      x = b.convBn(x, { outCh: ch(depth / 2), k: 1, act: 'relu6' });
      x = b.convBn(x, { outCh: ch(depth), k: 3, stride: 2, act: 'relu6' });
      maps.push(x);
    }
    const encodings = b.concat(maps.map((m, i) => predict(b, m, anchorSizes(i).length, 4)));
    const logits = b.concat(maps.map((m, i) => predict(b, m, anchorSizes(i).length, NUM_CLASSES)));
    const scores = b.unary('Sigmoid', logits);

    const { centers, sizes } = anchors(maps);
    const numAnchors = sizes.length / 2;
    const anchorCenters = b.buffer([numAnchors, 2], { kind: 'values', values: centers });
    const anchorSizesT = b.buffer([numAnchors, 2], { kind: 'values', values: sizes });
    const scaledSizes = b.buffer([numAnchors, 2], { kind: 'values', values: sizes.map((s) => s / 10) });
    // centre = t_yx / 10 · size_a + centre_a; size = exp(t_hw / 5) · size_a.
    const center = b.add(b.binary('Mul', b.slice(encodings, 1, 0, 2), scaledSizes), anchorCenters);
    const size = b.binary(
      'Mul',
      b.unary('Exp', b.binary('Mul', b.slice(encodings, 1, 2, 4), b.scalar(0.2))),
      anchorSizesT,
    );
    const half = b.binary('Mul', size, b.scalar(0.5));
    const boxes = b.concat([b.binary('Sub', center, half), b.add(center, half)], 1); // ymin, xmin, ymax, xmax
    b.output(boxes, 'boxes');
    b.output(scores, 'scores');
    if (o.nms) {
      const perClass = b.transpose(b.slice(scores, 1, 1, NUM_CLASSES), [1, 0]);
      const [selected] = b.node(
        'NonMaxSuppression',
        [
          boxes.name,
          perClass.name,
          b.int64([NMS.maxPerClass]),
          b.buffer([1], { kind: 'values', values: Float32Array.of(NMS.iou) }),
          b.buffer([1], { kind: 'values', values: Float32Array.of(NMS.score) }),
        ],
        { center_point_box: 0 },
        ['selected_indices'],
      );
      // Rows are (batch index, class index − 1, anchor index); K varies with the input.
      b.outputRaw(selected, 'int64', ['K', 3]);
    }
  },
};
