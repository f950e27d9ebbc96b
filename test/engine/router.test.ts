import { describe, expect, it } from 'vitest';
import { WeightedRoundRobin } from '../../engine/server/router.ts';

describe('WeightedRoundRobin', () => {
  it('next() splits 2:1 as 0,0,1 repeating (ties to the lower index)', () => {
    // Hand-worked: credits+step: (0.5,1)->0; (1,1) tie->0; (1.5,1)->1; (1.5,2)->0; (2,2)->0; (2.5,2)->1
    const wrr = new WeightedRoundRobin([2, 1]);
    expect(Array.from({ length: 6 }, () => wrr.next())).toEqual([0, 0, 1, 0, 0, 1]);
  });

  it('next() follows planned throughputs over a long run', () => {
    const wrr = new WeightedRoundRobin([300, 120, 80]);
    const counts = [0, 0, 0];
    for (let i = 0; i < 5000; i++) counts[wrr.next()]++;
    expect(counts).toEqual([3000, 1200, 800]);
  });

  it('rejects a non-positive weight', () => {
    expect(() => new WeightedRoundRobin([1, 0])).toThrow(/positive/);
  });
});
