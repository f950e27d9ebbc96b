import { describe, expect, it } from 'vitest';
import { LOG_EVERY_MS, logProgress } from '../../../experiments/lib/progress.ts';

describe('progress off a terminal', () => {
  it('writes one line at most every 5 s, and a last one at the end only if it printed before', () => {
    let t = 0;
    const lines: string[] = [];
    const p = logProgress('simulating', 100, (l) => lines.push(l), { unit: 's', now: () => t });
    for (let done = 1; done <= 100; done++) {
      t += 200; // 100 updates over 20 s
      p.update(done);
    }
    p.stop();
    // Every 5 s of the 20 s (4 lines), the last of them at 100: no extra closing line.
    expect(lines).toEqual([
      'simulating: 25/100 s (25 %)\n',
      'simulating: 50/100 s (50 %)\n',
      'simulating: 75/100 s (75 %)\n',
      'simulating: 100/100 s (100 %)\n',
    ]);
    expect(LOG_EVERY_MS).toBe(5000);
  });

  it('a run shorter than 5 s prints nothing', () => {
    let t = 0;
    const lines: string[] = [];
    const p = logProgress('x', 10, (l) => lines.push(l), { now: () => t });
    for (let d = 1; d <= 10; d++) {
      t += 100;
      p.update(d);
    }
    p.stop();
    expect(lines).toEqual([]);
  });

  it('ends with the final count when the last line was older', () => {
    let t = 0;
    const lines: string[] = [];
    const p = logProgress('x', 10, (l) => lines.push(l), { now: () => t });
    t = 6000;
    p.update(3);
    t = 7000;
    p.update(10);
    p.stop();
    expect(lines).toEqual(['x: 3/10 (30 %)\n', 'x: 10/10 (100 %)\n']);
  });
});
