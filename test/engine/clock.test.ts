import { describe, expect, it } from 'vitest';
import { RealtimeClock, VirtualClock } from '../../engine/clock.ts';

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

  it('late events run after every normal event of their time, whenever those were scheduled', () => {
    const clock = new VirtualClock();
    const log: string[] = [];
    clock.at(5, () => log.push('late-1'), 'late');
    clock.at(5, () => log.push('normal-1'));
    clock.at(1, () => {
      clock.at(5, () => log.push('normal-2')); // scheduled after late-1, still before it
      clock.at(5, () => log.push('late-2'), 'late');
    });
    clock.at(5, () => {
      log.push('normal-3');
      clock.at(5, () => log.push('normal-4')); // same time, from inside the tick: before the late ones
    });
    clock.run();
    expect(log).toEqual(['normal-1', 'normal-3', 'normal-2', 'normal-4', 'late-1', 'late-2']);
  });

  it('cancelling events that already ran does not grow without bound', () => {
    const clock = new VirtualClock();
    const ids: number[] = [];
    for (let i = 0; i < 10_000; i++) ids.push(clock.at(i, () => {}));
    clock.run();
    for (const id of ids) clock.cancel(id); // all fired: nothing to keep
    const kept = clock.at(20_000, () => {});
    clock.cancel(kept);
    let ran = 0;
    clock.at(20_001, () => ran++);
    clock.run();
    expect(ran).toBe(1);
    expect((clock as unknown as { cancelled: Set<number> }).cancelled.size).toBeLessThanOrEqual(65);
  });
});

describe('RealtimeClock', () => {
  it('runs the same heap in (time, phase, sequence) order, no event before its time', async () => {
    const clock = new RealtimeClock();
    const log: Array<[string, number, number]> = [];
    const note = (name: string, atMs: number) => () => log.push([name, atMs, clock.now()]);
    clock.at(30, note('c', 30));
    clock.at(10, note('a', 10), 'late');
    clock.at(10, note('b', 10));
    clock.at(0, note('z', 0));
    await clock.runUntil(() => log.length === 4);
    expect(log.map(([n]) => n)).toEqual(['z', 'b', 'a', 'c']);
    for (const [, atMs, ranAtMs] of log) expect(ranAtMs).toBeGreaterThanOrEqual(atMs);
  });

  it('an event posted from outside the loop (an I/O callback) wakes it and runs', async () => {
    const clock = new RealtimeClock();
    let ran = false;
    setTimeout(() => clock.at(clock.now(), () => (ran = true)), 5);
    await clock.runUntil(() => ran);
    expect(ran).toBe(true);
    const bg = clock.runInBackground();
    const got = await new Promise<number>((resolve) =>
      setTimeout(() => clock.at(clock.now(), () => resolve(clock.numEvents)), 1),
    );
    await bg.stop();
    expect(got).toBe(2);
  });
});
