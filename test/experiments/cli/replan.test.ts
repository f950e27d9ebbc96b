/** The command line around re-planning: `simulate --trace/--autoscale` and `experiment fig14 --quick`. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../../experiments/cli/main.ts';

async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

const steps = new URL('../../data/trace-steps.txt', import.meta.url).pathname;

describe('gpulet simulate --trace FILE --autoscale --max-gpus N', () => {
  it('adds one window per 20 s with rate, GPUs, gpulet-size sum and violations, and accounts for every request', async () => {
    // 100, 200, 0, 50 req/s x 5 = 500, 1000, 0, 250 req/s for 20 s each.
    const { code, out } = await cli(
      'simulate',
      '-w',
      'scen3',
      '--trace',
      steps,
      '--trace-scale',
      '5',
      '--autoscale',
      '--max-gpus',
      '4',
      '--format',
      'json',
    );
    expect(code).toBe(0);
    const doc = JSON.parse(out);
    expect(doc.duration_s).toBe(80);
    expect(doc.max_gpus).toBe(4);
    expect(doc.windows.map((w: Record<string, number>) => Object.keys(w))).toEqual(
      Array(4).fill(['start_s', 'end_s', 'rate_rps', 'gpus', 'partition_sum_pct', 'slo_violation_pct']),
    );
    expect(doc.windows.map((w: Record<string, number>) => [w.start_s, w.end_s])).toEqual([
      [0, 20],
      [20, 40],
      [40, 60],
      [60, 80],
    ]);
    const rates = doc.windows.map((w: Record<string, number>) => w.rate_rps);
    expect(rates[2]).toBe(0);
    expect(Math.abs(rates[0] - 500)).toBeLessThan(30);
    expect(Math.abs(rates[1] - 1000)).toBeLessThan(40);
    const arrived = doc.windows.reduce((n: number, w: Record<string, number>) => n + w.rate_rps * 20, 0);
    expect(arrived).toBeCloseTo(doc.requests.arrived, 6);
    expect(doc.requests.arrived).toBe(doc.requests.completed + doc.requests.dropped);
    expect(doc.gpu_seconds).toBeGreaterThan(0);
  });

  it('without --autoscale plans once for the busiest step and still reports windows', async () => {
    const { code, out } = await cli(
      'simulate',
      '-w',
      'scen3',
      '--trace',
      steps,
      '--trace-scale',
      '5',
      '--format',
      'json',
    );
    expect(code).toBe(0);
    const doc = JSON.parse(out);
    expect(doc.windows).toHaveLength(4);
    expect(new Set(doc.windows.map((w: Record<string, number>) => w.gpus)).size).toBe(1);
  });

  it('refuses a bad trace line, ideal with --autoscale, and a bad --max-gpus, in one line each', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'gpulet-trace-')), 'flux.txt');
    writeFileSync(file, '100\nfast\n');
    const bad = await cli('simulate', '-w', 'scen3', '--trace', file);
    expect([bad.code, bad.err]).toEqual([
      2,
      `gpulet: ${file}: line 2: expected a non-negative rate in req/s, got "fast"\n`,
    ]);
    const ideal = await cli('simulate', '-w', 'scen3', '--autoscale', '-s', 'ideal');
    expect(ideal.code).toBe(2);
    expect(ideal.err).toMatch(/--scheduler: with --autoscale expected one of .*got "ideal"/);
    const gpus = await cli('simulate', '-w', 'scen3', '--autoscale', '--max-gpus', '0');
    expect([gpus.code, gpus.err]).toEqual([2, 'gpulet: --max-gpus: expected a whole number >= 1, got 0\n']);
  });
});

describe('gpulet experiment fig14 --quick', () => {
  it('writes the per-window CSV with the agreed columns for both schedulers, and the trace it used', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gpulet-fig14-'));
    const { code, out } = await cli('experiment', 'fig14', '--quick', '--out', dir, '--format', 'json');
    expect(code).toBe(0);
    const csv = readFileSync(join(dir, 'fig14-quick.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('scheduler,start_s,end_s,rate_rps,gpus,partition_sum_pct,slo_violation_pct');
    expect(csv.filter((l) => l.startsWith('gpulet-int,'))).toHaveLength(30);
    expect(csv.filter((l) => l.startsWith('temporal,'))).toHaveLength(30);
    expect(readFileSync(join(dir, 'fig14-quick-trace.txt'), 'utf8').trim().split('\n')[0]).toBe('550');
    const doc = JSON.parse(out);
    expect(doc.summary.map((s: { scheduler: string }) => s.scheduler)).toEqual(['gpulet-int', 'temporal']);
  });
});
