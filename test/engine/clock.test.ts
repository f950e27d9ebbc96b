import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../engine/clock.ts';

describe('VirtualClock', () => {
  it('run() pops events in time order and equal times in scheduling order', () => {
    const clock = new VirtualClock();
    const log: Array<[number, string]> = [];
    const note = (name: string) => () => log.push([clock.now(), name]);
    clock.at(5, note('a'));
    clock.at(1, note('b'));
    clock.at(5, note('c'));
    clock.at(1, note('d'));
    clock.at(3, () => {
      log.push([clock.now(), 'e']);
      clock.at(5, note('f')); // scheduled later than a and c: runs after them
      clock.at(3, note('g')); // same time as now: runs after e
    });
    clock.run();
    expect(log).toEqual([
      [1, 'b'],
      [1, 'd'],
      [3, 'e'],
      [3, 'g'],
      [5, 'a'],
      [5, 'c'],
      [5, 'f'],
    ]);
    expect(clock.numEvents).toBe(7);
  });

  it('at(t) in the past runs at now, never earlier', () => {
    const clock = new VirtualClock();
    const seen: number[] = [];
    clock.at(10, () => clock.at(2, () => seen.push(clock.now())));
    clock.run();
    expect(seen).toEqual([10]);
  });

  it('cancel(id) skips the event and does not count it', () => {
    const clock = new VirtualClock();
    const log: string[] = [];
    clock.at(1, () => log.push('kept'));
    const id = clock.at(2, () => log.push('cancelled'));
    clock.cancel(id);
    clock.run();
    expect(log).toEqual(['kept']);
    expect(clock.numEvents).toBe(1);
  });

  it('run(until) stops before later events and leaves them pending', () => {
    const clock = new VirtualClock();
    const log: number[] = [];
    for (const t of [1, 2, 3, 4]) clock.at(t, () => log.push(t));
    clock.run(2.5);
    expect(log).toEqual([1, 2]);
    expect(clock.now()).toBe(2.5);
    expect(clock.numPending).toBe(2);
    clock.run();
    expect(log).toEqual([1, 2, 3, 4]);
  });

  it('keeps heap order over many random insertions', () => {
    const clock = new VirtualClock();
    const times: number[] = [];
    let x = 12345;
    for (let i = 0; i < 2000; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      const t = x % 100;
      clock.at(t, () => times.push(clock.now()));
    }
    clock.run();
    const sorted = [...times].sort((a, b) => a - b);
    expect(times).toEqual(sorted);
  });
});
