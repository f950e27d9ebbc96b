/**
 * Work limits (docs/design.md#work-limits-and-hostile-input): numbers the validation accepts must not start unbounded work.
 * Each input beyond a bound (engine/limits.ts) is refused at once with one line that names the
 * bound and the flag that raises it; a demand no GPUs carry is planned in bounded work and reported
 * infeasible; large inputs within the bounds still run.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MAX_GPULETS_PER_GPU } from '../../engine/limits.ts';
import { SCHEDULERS } from '../../engine/schedulers/index.ts';
import { loadContext, planInput, resolveWorkload } from '../../experiments/lib/context.ts';
import { expectedRequests } from '../../sim/limits.ts';
import { cli } from '../helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'gpulet-limits-'));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

const bigRate = file('big.json', JSON.stringify({ models: [{ model: 'resnet50', rate: 1e12 }] }));
const burstyCv = file(
  'cv.json',
  JSON.stringify({ models: [{ model: 'resnet50', rate: 300 }], arrival: { process: 'gamma', cv: 1e6 } }),
);
const hugeStep = file('steps.txt', '100\n1e12\n');
const epochReplay = file('epoch.csv', 'time_s,model\n1700000000,resnet50\n1700000001.5,resnet50\n');
const replay = file('replay.csv', 'time_s,model\n1,resnet50\n2,resnet50\n');
const slowProfile = (() => {
  const embedded = fileURLToPath(new URL('../../sim/profiles/data/rtx2080ti-latency.csv', import.meta.url));
  const lines = readFileSync(embedded, 'utf8').split('\n');
  const i = lines.findIndex((l) => l.startsWith('resnet50,'));
  const cells = lines[i].split(',');
  cells[4] = '1e300';
  lines[i] = cells.join(',');
  return file('profile.csv', lines.join('\n'));
})();

/** Each refused case: argv, and what its one line must say. */
const REFUSED: Array<[string, string[], RegExp]> = [
  ['a rate of 1e9 for 1 s', ['simulate', '-w', 'scen3', '-r', '1e9', '-d', '1'], /1e9 requests.*--max-requests/],
  ['a rate of 1e308', ['simulate', '-w', 'scen3', '-r', '1e308'], /requests expected.*--max-requests/],
  ['a rate of 1e12 in a workload file', ['simulate', '-w', bigRate], /2e13 requests expected.*--max-requests/],
  ['a trace line of 1e12 req/s', ['simulate', '-w', 'scen3', '--trace', hugeStep], /requests expected.*--max-requests/],
  [
    '--trace-scale overflowing to Infinity',
    ['simulate', '-w', 'scen3', '--trace', hugeStep, '--trace-scale', '1e300'],
    /line 2: .*--trace-scale.*overflows/,
  ],
  [
    'replay times overflowing by --trace-scale',
    ['simulate', '-w', 'scen3', '--trace', replay, '--trace-scale', '1e-320'],
    /time_s: .*overflows/,
  ],
  ['a profile latency of 1e300', ['schedule', '-w', 'scen3', '--profiles', slowProfile], /latency_ms: .*1000000 ms/],
  ['gamma cv 1e6', ['simulate', '-w', burstyCv, '-d', '2'], /arrival\.cv: expected at most 100/],
  [
    'replay times in Unix epoch seconds',
    ['simulate', '-w', 'scen3', '--trace', epochReplay],
    /1\.7e9 s, more than the bound of 1e6 s.*--max-duration.*relative to the first/,
  ],
  ['a duration of 1e7 s', ['simulate', '-w', 'scen3', '-r', '1', '-d', '1e7'], /--duration: .*--max-duration/],
  ['ideal on 10 GPUs', ['schedule', '-w', 'scen3', '-s', 'ideal', '-g', '10'], /4\^10 .*bound of 6 GPUs.*--allow-slow/],
  ['2000 GPUs', ['schedule', '-w', 'scen3', '-g', '2000'], /--gpus: 2000 GPUs .*--allow-slow/],
  [
    'autoscaling over 2000 GPUs',
    ['simulate', '-w', 'scen3', '--autoscale', '--max-gpus', '2000'],
    /--max-gpus: 2000 GPUs .*--allow-slow/,
  ],
  [
    'a 0.1 ms epoch',
    ['simulate', '-w', 'scen3', '--autoscale', '--epoch-s', '0.0001'],
    /200000 windows .*raise --epoch-s/,
  ],
  ['maxrate simulating 1e6 s per rate', ['maxrate', '-w', 'scen3', '-d', '1e6'], /lower --duration/],
  [
    '--max-requests below the run',
    ['simulate', '-w', 'scen3', '-r', '3e5', '-d', '1', '--max-requests', '1e5'],
    /bound of 100000 per run/,
  ],
];

describe('inputs beyond a work limit are refused in one line', () => {
  it.each(REFUSED)('%s', async (_name, argv, says) => {
    const t0 = Date.now();
    const r = await cli(...argv);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^gpulet: [^\n]*\n$/);
    expect(r.err).toMatch(says);
  });
});

describe('large inputs within the limits run, in bounded work', () => {
  it('a demand no GPUs carry plans at once, infeasible, with its full shortfall', async () => {
    for (const rate of ['1e12', '1e308']) {
      const t0 = Date.now();
      const r = await cli('schedule', '-w', 'scen3', '-r', rate, '--format', 'json');
      expect(Date.now() - t0).toBeLessThan(10_000);
      expect(r.code).toBe(0);
      const doc = JSON.parse(r.out);
      expect(doc.feasible).toBe(false);
      expect(doc.shortfalls.length).toBe(3);
      for (const s of doc.shortfalls) expect(s.shortfall_rps).toBeGreaterThan(Number(rate) / 4);
    }
  });

  it("every scheduler's estimate stops at what the GPUs can hold, so the work does not grow with the rate", () => {
    const ctx = loadContext();
    for (const name of ['temporal', 'greedy', 'gpulet', 'gpulet-int'] as const) {
      const input = planInput(resolveWorkload('scen3', { rate: 1e15, gpus: 2 }), ctx);
      const plan = SCHEDULERS[name]().plan(input);
      expect(plan.feasible).toBe(false);
      for (const g of plan.gpus) expect(g.gpulets.length).toBeLessThanOrEqual(MAX_GPULETS_PER_GPU);
    }
  });

  it('a million requests in one simulated second complete the accounting', async () => {
    const r = await cli('simulate', '-w', 'scen3', '-r', '1e6', '-d', '1', '--format', 'json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.requests.arrived).toBeGreaterThan(990_000);
    expect(doc.requests.arrived).toBe(doc.requests.completed + doc.requests.dropped);
  }, 60_000);

  it('--allow-slow lifts the ideal bound', async () => {
    const r = await cli('schedule', '-w', 'scen3', '-s', 'ideal', '-g', '7', '-r', '300', '--allow-slow');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ideal: feasible/);
  }, 60_000);

  it('expected requests count application requests once per task and follow a trace', () => {
    const game = resolveWorkload('game', { rate: 100 });
    expect(expectedRequests(game, null, 10)).toBe(100 * 7 * 10);
    const scen3 = resolveWorkload('scen3', { rate: 300 });
    const load = {
      kind: 'rates' as const,
      stepMs: 20_000,
      numSteps: 2,
      rpsByTask: new Map(scen3.tasks.map((t) => [t.task, Float64Array.of(100, 200)] as const)),
    };
    expect(expectedRequests(scen3, load, 30)).toBeCloseTo(3 * (100 * 20 + 200 * 10));
  });
});
