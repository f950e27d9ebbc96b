import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../../helpers.ts';
import { fittedRtx2080Ti } from '../../../sim/interference-fit.ts';
import { parseTruthParams } from '../../../sim/interference-truth-params.ts';

const dir = mkdtempSync(join(tmpdir(), 'gpulet-interference-'));
const PCTS = ['p50', 'p75', 'p90', 'p95', 'p99', 'max'];

describe('gpulet interference profile | fit', () => {
  const data = join(dir, 'profile.csv');

  it('profile --out FILE writes 2,500 points (1,250 pairs, one per side) with the features and the factor', async () => {
    const r = await cli('interference', 'profile', '--out', data, '--format', 'json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect([doc.pairs, doc.points, doc.backend, doc.interference]).toEqual([1250, 2500, 'sim', 'truth']);
    expect(Object.keys(doc.overhead_pct)).toEqual(PCTS);
    const lines = readFileSync(data, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(2501);
    expect(lines[0]).toBe(
      'pair,self_model,self_batch,self_partition,other_model,other_batch,other_partition,l2_self,l2_other,dram_self,dram_other,solo_ms,colocated_ms,factor',
    );
  });

  it('fit --data FILE --out CONSTANTS reproduces the embedded fitted constants, with provenance', async () => {
    const out = join(dir, 'constants.csv');
    const r = await cli('interference', 'fit', '--data', data, '--out', out, '--format', 'json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect([doc.points, doc.train_points, doc.validation_points]).toEqual([2500, 1750, 750]);
    expect(Object.values(doc.constants)).toEqual([...fittedRtx2080Ti()].map((c) => expect.closeTo(c, 12)));
    const written = readFileSync(out, 'utf8');
    expect(written).toMatch(/^gpu,c1_l2_self,c2_l2_other,c3_dram_self,c4_dram_other,c5_constant,.*source\nrtx2080ti,/);
    expect(written).toContain(`gpulet interference fit --seed 1 on ${data}`);
  });

  it('fit without --data profiles the grid itself and gives the same result', async () => {
    const a = JSON.parse((await cli('interference', 'fit', '--format', 'json')).out);
    const b = JSON.parse((await cli('interference', 'fit', '--data', data, '--format', 'json')).out);
    expect(a.constants).toEqual(b.constants);
    expect(a.error_pct).toEqual(b.error_pct);
  });

  it('bad input is one line and exit 2: an unknown backend, a missing file, a bad row', async () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'l2_self,l2_other,dram_self,dram_other,factor\n0.1,0.2,0.3,x,1.1\n');
    const cases: Array<[string[], RegExp]> = [
      [['interference', 'profile', '--backend', 'gpu'], /--backend: expected one of sim, onnx, got "gpu"/],
      [['interference', 'profile', '--reps', '3'], /--reps: applies with --backend onnx only|--reps.*--backend onnx/],
      [['interference', 'profile', '--rounds', '3'], /--rounds.*--backend onnx/],
      [
        ['interference', 'fit', '--data', join(dir, 'nope.csv')],
        /--data: expected a readable dataset CSV, got ".*nope\.csv" \(ENOENT\)/,
      ],
      [
        ['interference', 'fit', '--data', bad],
        /bad\.csv: row 2, field dram_other: expected a utilisation fraction 0\.\.1, got "x"/,
      ],
      [['interference', 'fite'], /Unknown argument: fite|Did you mean fit/],
    ];
    for (const [argv, message] of cases) {
      const r = await cli(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err, argv.join(' ')).toMatch(message);
    }
  });
});

describe('gpulet interference calibrate', () => {
  it('--quick --format json prints the Figure 6 percentiles reached beside the paper, the same for the same seed', async () => {
    const out = join(dir, 'truth.csv');
    const r = await cli('interference', 'calibrate', '--quick', '--out', out, '--format', 'json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.command).toBe('gpulet interference calibrate --seed 1 --budget 6 --starts 12');
    expect([doc.budget, doc.evaluations, doc.converged]).toEqual([6, 6, false]);
    expect(Object.keys(doc.overhead_pct)).toEqual(PCTS);
    expect(doc.paper_overhead_pct).toEqual({ p50: 4.4, p75: 10.8, p90: 17.7, p95: 25, p99: 38, max: 60 });
    const file = readFileSync(out, 'utf8');
    expect(file.split('\n')[0]).toBe(`# produced by: ${doc.command}`);
    expect(parseTruthParams(file, out)).toEqual(doc.params);
    const again = await cli(
      'interference',
      'calibrate',
      '--quick',
      '--out',
      join(dir, 'truth2.csv'),
      '--format',
      'json',
    );
    expect({ ...JSON.parse(again.out), out }).toEqual(doc);
    expect(readFileSync(join(dir, 'truth2.csv'), 'utf8')).toBe(file);
  });

  it('bad flags are one line and exit 2', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['interference', 'calibrate', '--budget', '0'], /--budget: expected a whole number of evaluations >= 1, got 0/],
      [['interference', 'calibrate', '--starts', '1.5'], /--starts: expected a whole number, got 1\.5/],
      [['interference', 'calibrate', '--seed', '1.5'], /--seed: expected a whole number/],
    ];
    for (const [argv, message] of cases) {
      const r = await cli(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err, argv.join(' ')).toMatch(message);
    }
  });
});

describe('gpulet interference profile --backend onnx | compare', () => {
  it('measures every ordered pair on the core partitions for real, and compare holds each model out', async () => {
    const pairs = join(dir, 'pairs.csv');
    const r = await cli(
      'interference',
      'profile',
      '--backend',
      'onnx',
      '--models',
      'lenet,googlenet@0.125,mobilenet_v2@0.25',
      '--batches',
      '1',
      '--reps',
      '1',
      '--rounds',
      '2',
      '--out',
      pairs,
      '--format',
      'json',
    );
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out);
    // 3 models: 9 ordered pairs at one batch.
    expect(doc.points).toBe(9);
    const lines = readFileSync(pairs, 'utf8').trimEnd().split('\n');
    expect(lines[0].split(',').slice(0, 7)).toEqual([
      'self',
      'other',
      'batch',
      'self_solo_ms',
      'other_solo_ms',
      'colocated_ms',
      'slowdown',
    ]);
    expect(lines.length).toBe(10);
    // Two rounds: every point has its solo retest (round 2's alone time over round 1's).
    const header = lines[0].split(',');
    const retest = header.indexOf('solo_retest');
    expect(retest).toBeGreaterThan(0);
    for (const l of lines.slice(1)) expect(Number(l.split(',')[retest])).toBeGreaterThan(0);
    const c = await cli('interference', 'compare', '--data', pairs, '--format', 'json');
    expect(c.code, c.err).toBe(0);
    const cmp = JSON.parse(c.out);
    expect(cmp.summary.map((x: { predictor: string }) => x.predictor)).toEqual(['none', 'linear', 'igniter', 'knn']);
    // Each model held out in turn: its 5 pairs (3 as self, 3 as other, less itself twice).
    for (const x of cmp.summary) expect(x.points).toBe(3 * 5);
    for (const x of cmp.summary) {
      expect(x.p90_lo).toBeLessThanOrEqual(x.p90_hi);
      expect(x.p90_lo).toBeGreaterThanOrEqual(0); // errors are absolute values
    }
    // Every resample has exactly one lowest p90.
    expect(cmp.summary.reduce((a: number, x: { best_share: number }) => a + x.best_share, 0)).toBeCloseTo(1, 6);
    expect(cmp.noise.points).toBe(9);
    expect(cmp.paper_p90_error_pct).toBe(10.26);
  }, 300_000); // real processes: a loaded machine takes its time

  it('compare refuses a file that is not a pairs dataset, in one line', async () => {
    const bad = join(dir, 'bad-pairs.csv');
    writeFileSync(bad, 'self,other,batch\na,b,1\n');
    const r = await cli('interference', 'compare', '--data', bad);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/bad-pairs\.csv: expected a column self_solo_ms/);
  });
});
