/**
 * Completing the latency profile L(b, p) for models that Choi et al. (ATC'22) give no per-partition
 * numbers for. Pure functions; `experiments/lib/profile-completion.ts` does the I/O.
 *
 * The paper's Figure 3 (docs/artifact.md#latency-profile-figure-3) gives L(b, p) for GoogLeNet, ResNet-50, SSD-MobileNet and
 * VGG-16 at b in {1, 2, 4, 8, 16, 32} and p in {20, 40, 50, 60, 80, 100}. For LeNet, MnasNet,
 * MobileNet-V2, DenseNet-161 and BERT we have only the SLO (Table 4: SLO = 2 x solo latency) and the
 * artifact's kernel utilisation UTIL.CSV (docs/artifact.md#kernel-utilisation). The completion is a product of two small factors:
 *
 *   L(b, p) = S * beta(b) * sigma(b, p)
 *
 * - Batch shape at the full GPU, beta(b) = (a^2 + (w b / 32)^2)^(1/2), w = (1 - a^2)^(1/2), so that
 *   beta(32) = 1: a smooth maximum of a batch-independent floor a (share of L(32, 100 %)) and work
 *   that grows linearly with batch. Figure 3 shows both regimes: latency flat at small batch (the
 *   floor: per-kernel launch and framework cost), then linear (the paper's §3.1: "at small batch it hardly
 *   changes"). The floor share comes from UTIL.CSV: the floor is (number of kernels) x (launch cost
 *   tau) and the work at b = 32 is (number of kernels) x (mean kernel duration at b = 32), so
 *   a = min(1, tau / kernelMs(32)); the kernel count cancels. tau is one constant for the GPU,
 *   fitted on Figure 3.
 * - Partition slowdown, sigma(b, p) = h(u(b) / f) / h(u(b)), f = p / 100, h(x) = (1 + x^k)^(1/k): a
 *   smooth max(1, u / f). A forward pass that uses a fraction u of the GPU's SM throughput at 100 %
 *   (UTIL.CSV "Compute (SM) %") is barely slowed by a partition larger than u and slowed u / f-fold
 *   by a smaller one. This is why Figure 3's small batches ignore the partition (u is small) and why
 *   VGG-16, at 42 % SM already at b = 1, does not. u(b) is the running maximum over batch of SM %
 *   (measured SM % dips, e.g. LeNet 13.6 % at b = 4 and 11.5 % at b = 8; a larger batch should not
 *   need less of the GPU), interpolated between powers of two as the artifact does. The softness k is
 *   one constant, fitted on Figure 3.
 * - Scale S = L(32, 100 %) from the SLO: S = SLO / 2 - c(32), c = the artifact's measured batching
 *   cost of the model's input shape (raw table, no conservative multiplier; 0 for BERT, whose 112-byte
 *   input has no table). The four Figure-3 models fit SLO = 2 (L(32, 100 %) + c(32)) within
 *   -0.6 % (GoogLeNet), +1.1 % (ResNet-50), +4.6 % (VGG-16) and -12.5 % (SSD).
 *
 * tau and k are fitted by least squares on relative error (a 1-D search each) over the Figure-3
 * models: tau on L(b, 100) / L(32, 100), k on L(b, p) / L(b, 100). Leave-one-out validation lives in
 * the experiment. During development we also tried a + m b + c b / (f (1 - exp(-b / (f B)))), with B
 * and the memory share predicted from SM-saturation and DRAM % features: its single saturation batch
 * B has to serve both the batch knee and the partition slope, which Figure 3 does not allow at once,
 * and its leave-one-out error was worse (mean MAPE 48 % against 34 %; a one-off check, not kept).
 *
 * Figure 3 itself is completed over batch with monotone piecewise-cubic (Fritsch-Carlson / PCHIP)
 * interpolation between its measured batches: it keeps the data's monotonicity, and in a drop-one-knot
 * test on Figure 3 it missed by 5.3 % on average against 6.2 % for linear interpolation.
 */
import { MAX_BATCH, POW2_BATCHES } from '../../engine/limits.ts';

/** Batches measured in Figure 3 and read from UTIL.CSV. */
export const SHAPE_BATCHES = POW2_BATCHES;
/** Order of the smooth maximum between floor and work in the batch shape. */
export const FLOOR_SOFTMAX_ORDER = 2;

/** What the completion needs to know about a model besides its latencies. */
export interface ModelFeatures {
  /** Running maximum of SM throughput as a fraction (0..1) at SHAPE_BATCHES, from UTIL.CSV. */
  readonly smFrac: readonly number[];
  /** Mean kernel duration at b = 32, ms, from UTIL.CSV. */
  readonly kernelMs32: number;
}

/** Latencies measured at SHAPE_BATCHES x partitionsPct (rows = batches). 100 % must be present. */
export interface Surface {
  readonly partitionsPct: readonly number[];
  readonly latencyMs: readonly (readonly number[])[];
}

/** A model with both features and measured latencies: what the constants are fitted on. */
export interface TrainingModel {
  readonly features: ModelFeatures;
  readonly surface: Surface;
}

/** The two constants of one GPU type. */
export interface CompletionConstants {
  /** Per-kernel launch floor tau, ms. */
  readonly launchCostMs: number;
  /** Softness k of the partition slowdown. */
  readonly partitionSoftness: number;
}

/** Everything needed to evaluate one model's completed latency. */
export interface Shape {
  /** L(32, 100 %), ms. */
  readonly scaleMs: number;
  /** Floor share a of L(32, 100 %), 0..1. */
  readonly floorShare: number;
  readonly smFrac: readonly number[];
  readonly partitionSoftness: number;
}

/** Running maximum of SM % at SHAPE_BATCHES, as fractions. */
export function smEnvelope(smPct: readonly number[]): number[] {
  let max = 0;
  return smPct.map((pct) => (max = Math.max(max, pct / 100)));
}

/** SM fraction at any batch 1..32: linear between the powers of two around it (artifact rule). */
export function smFracAt(smFrac: readonly number[], batch: number): number {
  const i = 31 - Math.clz32(batch);
  const below = 1 << i;
  if (below >= MAX_BATCH) return smFrac[SHAPE_BATCHES.length - 1];
  const t = (batch - below) / below;
  return smFrac[i] * (1 - t) + smFrac[i + 1] * t;
}

/** beta(b): latency at the full GPU relative to b = 32, for floor share a. */
export function batchShape(floorShare: number, batch: number): number {
  const q = FLOOR_SOFTMAX_ORDER;
  const work = (1 - floorShare ** q) ** (1 / q) * (batch / MAX_BATCH);
  return (floorShare ** q + work ** q) ** (1 / q);
}

/** h(x) = (1 + x^k)^(1/k), written to stay finite for large x. */
function softMaxOne(x: number, k: number): number {
  return x <= 1 ? (1 + x ** k) ** (1 / k) : x * (1 + x ** -k) ** (1 / k);
}

/** sigma: slowdown on a `partitionPct` gpulet of a pass using fraction `smFrac` of the full GPU. */
export function partitionSlowdown(smFrac: number, partitionPct: number, softness: number): number {
  return softMaxOne(smFrac / (partitionPct / 100), softness) / softMaxOne(smFrac, softness);
}

/** Floor share a = min(1, tau / kernel duration at b = 32). */
export function floorShareOf(launchCostMs: number, kernelMs32: number): number {
  return Math.min(1, launchCostMs / kernelMs32);
}

/** S = SLO / 2 - batching cost at b = 32 (the paper's SLO = 2 x solo latency). */
export function sloAnchorMs(sloMs: number, overhead32Ms: number): number {
  return sloMs / 2 - overhead32Ms;
}

/** The completed shape of a model from its features, the GPU's constants and its scale. */
export function shapeFor(features: ModelFeatures, constants: CompletionConstants, scaleMs: number): Shape {
  return {
    scaleMs,
    floorShare: floorShareOf(constants.launchCostMs, features.kernelMs32),
    smFrac: features.smFrac,
    partitionSoftness: constants.partitionSoftness,
  };
}

/** L(b, p) of a completed shape, ms. */
export function shapeLatencyMs(shape: Shape, batch: number, partitionPct: number): number {
  const u = smFracAt(shape.smFrac, batch);
  return (
    shape.scaleMs * batchShape(shape.floorShare, batch) * partitionSlowdown(u, partitionPct, shape.partitionSoftness)
  );
}

/** Least-squares tau over the models' full-GPU batch curves, relative error. */
export function fitLaunchCostMs(models: readonly TrainingModel[]): number {
  const curves = models.map(({ features, surface }) => {
    const col = surface.partitionsPct.indexOf(100);
    if (col < 0) throw new RangeError('fitLaunchCostMs: every surface needs the 100 % partition');
    const l32 = surface.latencyMs[SHAPE_BATCHES.length - 1][col];
    return { kernelMs32: features.kernelMs32, ratios: surface.latencyMs.map((row) => row[col] / l32) };
  });
  const loss = (logTau: number) => {
    let sum = 0;
    for (const { kernelMs32, ratios } of curves) {
      const a = floorShareOf(Math.exp(logTau), kernelMs32);
      SHAPE_BATCHES.forEach((b, i) => {
        sum += (batchShape(a, b) / ratios[i] - 1) ** 2;
      });
    }
    return sum;
  };
  return Math.exp(minimizeScalar(loss, Math.log(1e-4), Math.log(1)));
}

/** Least-squares partition softness k over the models' L(b, p) / L(b, 100), relative error. */
export function fitPartitionSoftness(models: readonly TrainingModel[]): number {
  const loss = (logK: number) => {
    const k = Math.exp(logK);
    let sum = 0;
    for (const { features, surface } of models) {
      const col = surface.partitionsPct.indexOf(100);
      SHAPE_BATCHES.forEach((b, i) => {
        const u = smFracAt(features.smFrac, b);
        surface.partitionsPct.forEach((p, j) => {
          const ratio = surface.latencyMs[i][j] / surface.latencyMs[i][col];
          sum += (partitionSlowdown(u, p, k) / ratio - 1) ** 2;
        });
      });
    }
    return sum;
  };
  return Math.exp(minimizeScalar(loss, Math.log(0.5), Math.log(20)));
}

/** Both constants fitted on `models`. */
export function fitConstants(models: readonly TrainingModel[]): CompletionConstants {
  return { launchCostMs: fitLaunchCostMs(models), partitionSoftness: fitPartitionSoftness(models) };
}

/**
 * Minimise f on [lo, hi]: the best of 65 evenly spaced points, then golden-section search between its
 * neighbours. Deterministic; finds the global minimum when it is not narrower than the grid step.
 */
export function minimizeScalar(f: (x: number) => number, lo: number, hi: number): number {
  const n = 64;
  let best = 0;
  let bestValue = Infinity;
  for (let i = 0; i <= n; i++) {
    const value = f(lo + ((hi - lo) * i) / n);
    if (value < bestValue) [best, bestValue] = [i, value];
  }
  let a = lo + ((hi - lo) * Math.max(0, best - 1)) / n;
  let b = lo + ((hi - lo) * Math.min(n, best + 1)) / n;
  const g = (Math.sqrt(5) - 1) / 2;
  let c = b - g * (b - a);
  let d = a + g * (b - a);
  let fc = f(c);
  let fd = f(d);
  while (b - a > 1e-10 * (1 + Math.abs(a) + Math.abs(b))) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - g * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + g * (b - a);
      fd = f(d);
    }
  }
  return (a + b) / 2;
}

/**
 * Monotone piecewise-cubic Hermite interpolant through (xs, ys), xs strictly increasing
 * (Fritsch & Carlson 1980, with the Fritsch-Butland interior slopes and the three-point end slopes
 * of common PCHIP implementations). Monotone data give a monotone interpolant.
 */
export function monotoneCubic(xs: readonly number[], ys: readonly number[]): (x: number) => number {
  const n = xs.length;
  const h = xs.slice(1).map((x, i) => x - xs[i]);
  const m = h.map((hi, i) => (ys[i + 1] - ys[i]) / hi);
  const d = new Array<number>(n).fill(0);
  for (let i = 1; i < n - 1; i++) {
    if (m[i - 1] * m[i] <= 0) continue;
    const w1 = 2 * h[i] + h[i - 1];
    const w2 = h[i] + 2 * h[i - 1];
    d[i] = (w1 + w2) / (w1 / m[i - 1] + w2 / m[i]);
  }
  const end = (h0: number, h1: number, m0: number, m1: number) => {
    const slope = ((2 * h0 + h1) * m0 - h0 * m1) / (h0 + h1);
    if (Math.sign(slope) !== Math.sign(m0)) return 0;
    if (Math.sign(m0) !== Math.sign(m1) && Math.abs(slope) > 3 * Math.abs(m0)) return 3 * m0;
    return slope;
  };
  if (n > 2) {
    d[0] = end(h[0], h[1], m[0], m[1]);
    d[n - 1] = end(h[n - 2], h[n - 3], m[n - 2], m[n - 3]);
  } else {
    d[0] = d[n - 1] = m[0];
  }
  return (x: number) => {
    let i = 0;
    while (i < n - 2 && x > xs[i + 1]) i++;
    const t = (x - xs[i]) / h[i];
    const t2 = t * t;
    const t3 = t2 * t;
    return (
      (2 * t3 - 3 * t2 + 1) * ys[i] +
      (t3 - 2 * t2 + t) * h[i] * d[i] +
      (-2 * t3 + 3 * t2) * ys[i + 1] +
      (t3 - t2) * h[i] * d[i + 1]
    );
  };
}
