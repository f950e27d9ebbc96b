/**
 * Interference predictors tried on real co-location: pairs of models co-located on this machine's
 * core partitions (`gpulet interference profile --backend onnx`), each point the measured slowdown
 * of `self` while `other` runs on the sibling partition. Four predictors, each fitted on training
 * points and asked for the slowdown of held-out ones:
 *
 * - `none`: no interference (slowdown 1), what a scheduler blind to it assumes;
 * - `linear`: the paper's form (§4.4 of Choi et al.: overhead linear in the two sides' utilisation
 *   of shared resources, docs/artifact.md#interference-model), with CPU counterparts of its
 *   features: each side's compute rate (GFLOP/ms) and weight traffic (MB of parameters per ms),
 *   least squares;
 * - `igniter`: iGniter's analytic form (Xu et al., TPDS 2022): the overhead is the co-runner's demand
 *   on the shared resource times the victim's sensitivity to it; here memory traffic, overhead =
 *   a x traffic(other) x self's memory-bound share (traffic / (traffic + compute), each in units of
 *   the training points' median), one coefficient by least squares through the origin;
 * - `knn`: a small learned model, the mean slowdown of the 3 nearest training points in the
 *   standardised feature space (both sides' features and log batch).
 *
 * Errors are |predicted - measured| / measured of the co-located latency (the slowdown ratio), in
 * percent, as Figure 10 measures the paper's predictor. Evaluation is leave-one-model-out: for each
 * model, fit on the points where neither side is that model, test on those where either is.
 */

/** One co-located point with the measured solo facts of both sides. */
export interface PairPoint {
  self: string;
  other: string;
  batch: number;
  /** Measured slowdown of self: co-located / solo latency. */
  slowdown: number;
  /** Per side: solo latency at the partition (ms), GFLOP per sample, parameters. */
  selfSoloMs: number;
  otherSoloMs: number;
  selfGflops: number;
  otherGflops: number;
  selfParams: number;
  otherParams: number;
}

export const PREDICTOR_NAMES = ['none', 'linear', 'igniter', 'knn'] as const;
export type CpuPredictorName = (typeof PREDICTOR_NAMES)[number];

/** Compute rate (GFLOP/ms) and weight traffic (MB/ms) of one side of a point. */
function rates(gflopsPerSample: number, params: number, batch: number, soloMs: number) {
  return { compute: (gflopsPerSample * batch) / soloMs, traffic: (params * 4e-6) / soloMs };
}

/** The raw features of a point: self compute, self traffic, other compute, other traffic, log batch. */
export function features(p: PairPoint): number[] {
  const s = rates(p.selfGflops, p.selfParams, p.batch, p.selfSoloMs);
  const o = rates(p.otherGflops, p.otherParams, p.batch, p.otherSoloMs);
  return [s.compute, s.traffic, o.compute, o.traffic, Math.log(p.batch)];
}

/** Column means and standard deviations (1 where a column is constant). */
function standardiser(rows: readonly number[][]) {
  const k = rows[0]?.length ?? 0;
  const mean = Array.from({ length: k }, (_, j) => rows.reduce((a, r) => a + r[j], 0) / rows.length);
  const sd = mean.map((m, j) => Math.sqrt(rows.reduce((a, r) => a + (r[j] - m) ** 2, 0) / rows.length) || 1);
  return (r: readonly number[]) => r.map((x, j) => (x - mean[j]) / sd[j]);
}

/** Least squares x for A x ~ b by the normal equations, with a tiny ridge for stability. */
export function leastSquares(a: readonly number[][], b: readonly number[]): number[] {
  const k = a[0].length;
  const m = Array.from({ length: k }, (_, i) =>
    Array.from({ length: k }, (_, j) => a.reduce((s, r) => s + r[i] * r[j], 0) + (i === j ? 1e-9 : 0)),
  );
  const v = Array.from({ length: k }, (_, i) => a.reduce((s, r, n) => s + r[i] * b[n], 0));
  // Gaussian elimination with partial pivoting.
  for (let c = 0; c < k; c++) {
    let piv = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(m[r][c]) > Math.abs(m[piv][c])) piv = r;
    [m[c], m[piv]] = [m[piv], m[c]];
    [v[c], v[piv]] = [v[piv], v[c]];
    for (let r = c + 1; r < k; r++) {
      const f = m[r][c] / m[c][c];
      for (let j = c; j < k; j++) m[r][j] -= f * m[c][j];
      v[r] -= f * v[c];
    }
  }
  const x = new Array<number>(k).fill(0);
  for (let r = k - 1; r >= 0; r--) {
    let s = v[r];
    for (let j = r + 1; j < k; j++) s -= m[r][j] * x[j];
    x[r] = s / m[r][r];
  }
  return x;
}

/** Fit predictor `name` on `train`; returns the slowdown it predicts for a point (at least 1). */
export function fitPredictor(name: CpuPredictorName, train: readonly PairPoint[]): (p: PairPoint) => number {
  if (name === 'none' || train.length === 0) return () => 1;
  const raw = train.map(features);
  const std = standardiser(raw);
  const z = raw.map(std);
  const y = train.map((p) => p.slowdown - 1);
  if (name === 'linear') {
    const c = leastSquares(
      z.map((r) => [r[0], r[1], r[2], r[3], 1]),
      y,
    );
    return (p) => {
      const r = std(features(p));
      return Math.max(1, 1 + c[0] * r[0] + c[1] * r[1] + c[2] * r[2] + c[3] * r[3] + c[4]);
    };
  }
  if (name === 'igniter') {
    // Traffic and compute in units of the training points' medians, so the share is unit-free.
    const mid = (j: number) => [...raw.map((r) => r[j])].sort((u, v) => u - v)[Math.floor(raw.length / 2)] || 1;
    const [mc, mt] = [mid(0), mid(1)];
    const term = (f: readonly number[]) => {
      const demand = f[3] / mt;
      const share = f[1] / mt / (f[1] / mt + f[0] / mc);
      return demand * share;
    };
    const t = raw.map(term);
    const a =
      t.reduce((s, x, i) => s + x * y[i], 0) /
      Math.max(
        1e-12,
        t.reduce((s, x) => s + x * x, 0),
      );
    return (p) => Math.max(1, 1 + a * term(features(p)));
  }
  // knn: the 3 nearest training points (Euclidean, standardised), mean slowdown.
  return (p) => {
    const q = std(features(p));
    const nearest = z
      .map((r, i) => ({ d: r.reduce((s, x, j) => s + (x - q[j]) ** 2, 0), s: train[i].slowdown }))
      .sort((u, v) => u.d - v.d)
      .slice(0, 3);
    return Math.max(1, nearest.reduce((s, n) => s + n.s, 0) / nearest.length);
  };
}

/** Relative error of a predicted slowdown, percent. */
export const errorPct = (predicted: number, measured: number): number =>
  (100 * Math.abs(predicted - measured)) / measured;

/** Leave-one-model-out errors of every predictor: per predictor, one error per (held-out model, point). */
export function leaveOneModelOut(points: readonly PairPoint[]): Record<CpuPredictorName, number[]> {
  const models = [...new Set(points.flatMap((p) => [p.self, p.other]))].sort();
  const out = Object.fromEntries(PREDICTOR_NAMES.map((n) => [n, [] as number[]])) as Record<CpuPredictorName, number[]>;
  for (const m of models) {
    const train = points.filter((p) => p.self !== m && p.other !== m);
    const test = points.filter((p) => p.self === m || p.other === m);
    for (const name of PREDICTOR_NAMES) {
      const predict = fitPredictor(name, train);
      for (const p of test) out[name].push(errorPct(predict(p), p.slowdown));
    }
  }
  return out;
}
