import { describe, expect, it } from 'vitest';
import { SchedContext } from '../../engine/schedulers/batching.ts';
import { CONFIGS } from '../../engine/schedulers/index.ts';
import { defaultProfile } from '../../sim/profiles/latency.ts';

// docs/artifact.md#worked-example: the code's rules applied to the approximate Figure-3 values, 1.1x and batching
// overhead included: saturate throughput (batch) per gpulet size and the code's p_eff.
const WORKED: Record<string, { sloMs: number; sat: Record<number, [number, number?]> }> = {
  resnet50: {
    sloMs: 108,
    sat: { 100: [454, 24], 80: [440, 23], 60: [397, 21], 50: [359, 19], 40: [319, 17], 20: [186, 9] },
  },
  vgg16: { sloMs: 142, sat: { 100: [348], 80: [331], 60: [300], 50: [269], 40: [237], 20: [94] } },
  googlenet: { sloMs: 66, sat: { 100: [663], 80: [658], 60: [638], 50: [609], 40: [568], 20: [400] } },
  'ssd-mobilenetv1': { sloMs: 202, sat: { 100: [249], 80: [242], 60: [232], 50: [228], 40: [221], 20: [179] } },
};

describe('the worked example (docs/artifact.md#worked-example) on the embedded profile', () => {
  const ctx = new SchedContext(
    CONFIGS.gpulet,
    defaultProfile(),
    null,
    () => 0,
    () => 0,
  );
  for (const [model, w] of Object.entries(WORKED)) {
    const task = { model, sloMs: w.sloMs };
    it(`${model}: saturate throughput per size within 4 % of the worked values (Figure 3 read by eye, interpolated differently)`, () => {
      for (const [size, [throughput, batch]] of Object.entries(w.sat)) {
        const s = ctx.sat(task, Number(size));
        expect(Math.abs(s.throughputRps / throughput - 1)).toBeLessThan(0.04);
        if (batch !== undefined) expect(s.batch).toBe(batch);
      }
    });
    it(`${model}: p_eff is 40 % (the biggest gain per percent is the 20 -> 40 step)`, () => {
      expect(ctx.effectivePart(task)).toBe(40);
    });
  }

  it('two 50 % gpulets give ResNet-50 about 1.6x the throughput of one whole GPU', () => {
    const t = { model: 'resnet50', sloMs: 108 };
    expect((2 * ctx.sat(t, 50).throughputRps) / ctx.sat(t, 100).throughputRps).toBeCloseTo(1.58, 1);
  });

  it('ResNet-50 at 200 req/s: the residue gpulet is p_req = 20 % with the residue batch at p_eff', () => {
    // Residue batch at 40 %: largest b with L_est(b, 40) + 1000 b / 200 <= 108; then walk down.
    const t = { model: 'resnet50', sloMs: 108 };
    const p = defaultProfile();
    const est = (b: number, s: number) => 1.1 * (p.latencyMs('resnet50', b, s) + p.batchOverheadMs('resnet50', b));
    let b = 0;
    for (let k = 1; k <= 31; k++) if (est(k, 40) + (1000 * k) / 200 <= 108) b = k;
    const d = (1000 * b) / 200;
    const fitsAt20 = d >= est(b, 20) && est(b, 20) + d <= 108;
    expect(ctx.minPart(t, 40, 200)).toEqual({ sizePct: fitsAt20 ? 20 : 40, batch: b, rateRps: 200 });
  });
});
