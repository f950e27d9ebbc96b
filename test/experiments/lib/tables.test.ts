import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { csvParse } from 'd3-dsv';
import { describe, expect, it } from 'vitest';
import { main } from '../../../experiments/cli/main.ts';
import { nearestRank } from '../../../engine/stats.ts';

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

interface Doc {
  requests: { arrived: number; completed: number; dropped: number; slo_violations: number };
  dropped_by_reason: Record<string, number>;
  p50_ms: number;
  p99_ms: number;
  models: Record<string, { arrived: number; completed: number; p99_ms: number | null }>;
}

describe('gpulet simulate --requests / --batches / --out', () => {
  // scen3 at 2,400 req/s on one GPU: overloaded, so that drops appear.
  const dir = mkdtempSync(join(tmpdir(), 'gpulet-tables-'));
  const files = { requests: join(dir, 'r.csv'), batches: join(dir, 'b.csv'), out: join(dir, 'run.json') };

  it('the tables account for every request and every batch, and agree with the JSON', async () => {
    const r = await run([
      'simulate',
      '-w',
      'scen3',
      '-r',
      '2400',
      '--gpus',
      '1',
      '-d',
      '2',
      '--seed',
      '5',
      '--format',
      'json',
      '--requests',
      files.requests,
      '--batches',
      files.batches,
      '--out',
      files.out,
    ]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as Doc;
    // --out holds the printed document.
    expect(JSON.parse(readFileSync(files.out, 'utf8'))).toEqual(doc);
    const reqs = csvParse(readFileSync(files.requests, 'utf8'));
    expect(reqs.columns).toEqual([
      'request_id',
      'app_request_id',
      'task',
      'model',
      'arrived_ms',
      'ended_ms',
      'latency_ms',
      'outcome',
      'slo_ms',
      'met_slo',
    ]);
    // One row per request; ids unique; outcomes as counted.
    expect(reqs.length).toBe(doc.requests.arrived);
    expect(new Set(reqs.map((x) => x.request_id)).size).toBe(reqs.length);
    expect(reqs.filter((x) => x.outcome === 'completed').length).toBe(doc.requests.completed);
    expect(doc.requests.dropped).toBeGreaterThan(0);
    for (const [reason, n] of Object.entries(doc.dropped_by_reason))
      expect(reqs.filter((x) => x.outcome === reason).length).toBe(n);
    expect(reqs.filter((x) => x.met_slo !== 'true').length).toBe(doc.requests.slo_violations);
    // Latencies reproduce the percentiles (nearest rank, as the run computes them).
    const lat = reqs.filter((x) => x.outcome === 'completed').map((x) => Number(x.latency_ms));
    expect(nearestRank(lat, 0.5)).toBeCloseTo(doc.p50_ms, 2);
    expect(nearestRank(lat, 0.99)).toBeCloseTo(doc.p99_ms, 2);
    for (const x of reqs) expect(Number(x.ended_ms)).toBeGreaterThanOrEqual(Number(x.arrived_ms));

    const batches = csvParse(readFileSync(files.batches, 'utf8'));
    // Completed requests are exactly those in finished batches; batches on one gpulet never overlap.
    const inBatches = batches.filter((b) => b.ok === 'true').reduce((n, b) => n + Number(b.batch_size), 0);
    expect(inBatches).toBe(doc.requests.completed);
    const byGpulet = new Map<string, Array<{ s: number; e: number }>>();
    for (const b of batches) {
      const key = `${b.gpu}/${b.gpulet}`;
      byGpulet.set(key, [...(byGpulet.get(key) ?? []), { s: Number(b.started_ms), e: Number(b.ended_ms) }]);
      expect(Number(b.duration_ms)).toBeCloseTo(Number(b.ended_ms) - Number(b.started_ms), 2);
    }
    for (const list of byGpulet.values()) {
      list.sort((p, q) => p.s - q.s);
      for (let i = 1; i < list.length; i++) expect(list[i].s).toBeGreaterThanOrEqual(list[i - 1].e - 1e-3);
    }
    // Overload: requests wait as batches start.
    expect(batches.some((b) => Number(b.queued_task) > 0)).toBe(true);
    // No temp files left beside the outputs.
    expect(readdirSync(dir).sort()).toEqual(['b.csv', 'r.csv', 'run.json']);
  });

  it('an application workload: each model request names its application request', async () => {
    const file = join(dir, 'game.csv');
    const r = await run(['simulate', '-w', 'game', '-d', '1', '--format', 'json', '--requests', file]);
    expect(r.code).toBe(0);
    const reqs = csvParse(readFileSync(file, 'utf8'));
    expect(reqs.length).toBeGreaterThan(0);
    expect(reqs.every((x) => x.app_request_id !== '')).toBe(true);
    // game: several model requests per application request.
    expect(new Set(reqs.map((x) => x.app_request_id)).size).toBeLessThan(reqs.length);
  });

  it('an output path that cannot be written is refused before the run, with nothing left behind', async () => {
    const r = await run(['simulate', '-w', 'scen3', '-d', '1', '--requests', join(dir, 'no', 'such', 'r.csv')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^gpulet: --requests: expected a path in an existing folder/);
    expect(r.out).toBe('');
  });
});
