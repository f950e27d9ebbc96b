/**
 * Weighted round robin across the gpulets that serve one task (reference §4.4, the artifact's
 * load balancer): each gpulet earns credit 1/weight per request it takes, and the next request goes
 * to the gpulet whose credit would be smallest after taking it. Over any window the split follows
 * the weights (planned throughputs) to within one request; ties go to the lower index.
 */
export class WeightedRoundRobin {
  private readonly step: Float64Array;
  private readonly credit: Float64Array;

  /** `weights[i]` > 0: planned throughput of target i, any unit. */
  constructor(weights: readonly number[]) {
    if (weights.length === 0) throw new Error('WeightedRoundRobin needs at least one target');
    this.step = Float64Array.from(weights, (w) => {
      if (!(w > 0)) throw new Error(`WeightedRoundRobin weight must be positive, got ${w}`);
      return 1 / w;
    });
    this.credit = new Float64Array(weights.length);
  }

  /** Index of the target for the next request. */
  next(): number {
    const { step, credit } = this;
    let best = 0;
    let bestCredit = credit[0] + step[0];
    for (let i = 1; i < step.length; i++) {
      const c = credit[i] + step[i];
      if (c < bestCredit) {
        best = i;
        bestCredit = c;
      }
    }
    credit[best] = bestCredit;
    // Keep credits small so float rounding never changes the order over long runs.
    if (bestCredit > 1e6) {
      let min = Infinity;
      for (let i = 0; i < credit.length; i++) min = Math.min(min, credit[i]);
      for (let i = 0; i < credit.length; i++) credit[i] -= min;
    }
    return best;
  }
}
