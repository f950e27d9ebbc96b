import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../../experiments/cli/main.ts';
import { fittedRtx2080Ti } from '../../../sim/interference-fit.ts';

async function cli(...argv: string[]) {
  let out = '';
  const code = await main(argv, { out: (s) => (out += s), err: () => {} });
  return { code, out };
}

const dir = mkdtempSync(join(tmpdir(), 'gpulet-interference-figures-'));
const PCTS = ['p50', 'p75', 'p90', 'p95', 'p99', 'max'];

describe('gpulet experiment fig6 | fig10', () => {
  it('fig6 --format json gives {overhead_pct: {p50 … max}} and writes the CDF CSV', async () => {
    const r = await cli('experiment', 'fig6', '--format', 'json', '--out', dir);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(Object.keys(doc.overhead_pct)).toEqual(PCTS);
    const csv = readFileSync(join(dir, 'fig6-overhead-cdf.csv'), 'utf8').split('\n');
    expect(csv[0]).toBe('percentile,overhead_pct,paper_overhead_pct');
    expect(csv[51]).toMatch(/^50,[\d.]+,4\.4$/);
  });

  it('fig10 --format json gives {error_pct, validation_points, constants} and writes the CDF and constants CSV', async () => {
    const r = await cli('experiment', 'fig10', '--format', 'json', '--out', dir);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(Object.keys(doc.error_pct)).toEqual(PCTS);
    expect(doc.validation_points).toBe(750);
    expect(Object.values(doc.constants)).toEqual([...fittedRtx2080Ti()].map((c) => expect.closeTo(c, 12)));
    expect(readFileSync(join(dir, 'fig10-error-cdf.csv'), 'utf8')).toMatch(
      /^percentile,error_pct,paper_error_pct,published_constants_error_pct\n/,
    );
    expect(readFileSync(join(dir, 'fig10-constants.csv'), 'utf8')).toMatch(
      /^constant,fitted,published_rtx2080ti\nc1_l2_self,/,
    );
  });
});
