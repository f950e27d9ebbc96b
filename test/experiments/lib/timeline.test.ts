import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../../experiments/cli/main.ts';
import { ChromeTimeline } from '../../../experiments/lib/timeline.ts';

const job = (gpu: number, gpulet: number, model: string, batch: number, partitionPct: number) => ({
  gpu,
  gpulet,
  model,
  batch,
  partitionPct,
});

describe('ChromeTimeline', () => {
  it('toJson() names one track per gpulet and writes each batch as a complete event in microseconds', () => {
    const t = new ChromeTimeline();
    t.batchEnded(job(1, 0, 'resnet50', 8, 40), 10, 22.5, true);
    t.batchEnded(job(0, 1, 'vgg16', 4, 60), 0.25, 30, false);
    const lines = t.toJson({ seed: 7 }).trimEnd().split('\n');
    expect(lines).toEqual([
      '{"displayTimeUnit":"ms","otherData":{"seed":7,"batches":2,"dropped_batches":0,"time_unit":"ms of simulated time, written as us"},"traceEvents":[',
      '{"name":"process_name","ph":"M","pid":0,"tid":0,"args":{"name":"GPU 0"}},',
      '{"name":"process_sort_index","ph":"M","pid":0,"tid":0,"args":{"sort_index":0}},',
      '{"name":"process_name","ph":"M","pid":1,"tid":0,"args":{"name":"GPU 1"}},',
      '{"name":"process_sort_index","ph":"M","pid":1,"tid":0,"args":{"sort_index":1}},',
      '{"name":"thread_name","ph":"M","pid":0,"tid":1,"args":{"name":"gpulet 1 (60 %)"}},',
      '{"name":"thread_sort_index","ph":"M","pid":0,"tid":1,"args":{"sort_index":1}},',
      '{"name":"thread_name","ph":"M","pid":1,"tid":0,"args":{"name":"gpulet 0 (40 %)"}},',
      '{"name":"thread_sort_index","ph":"M","pid":1,"tid":0,"args":{"sort_index":0}},',
      '{"name":"resnet50","cat":"batch","ph":"X","ts":10000,"dur":12500,"pid":1,"tid":0,"args":{"batch":8,"partition_pct":40}},',
      '{"name":"vgg16","cat":"failed","ph":"X","ts":250,"dur":29750,"pid":0,"tid":1,"args":{"batch":4,"partition_pct":60,"failed":true}}',
      ']}',
    ]);
  });

  it('a gpulet whose size changes (re-planning) lists every size in its track name', () => {
    const t = new ChromeTimeline();
    t.batchEnded(job(0, 0, 'bert', 1, 60), 0, 1, true);
    t.batchEnded(job(0, 0, 'bert', 1, 40), 1, 2, true);
    expect(t.toJson()).toContain('"args":{"name":"gpulet 0 (40 % / 60 %)"}');
  });

  it('beyond maxEvents, batches are counted as dropped, not lost silently', () => {
    const t = new ChromeTimeline({ maxEvents: 1 });
    t.batchEnded(job(0, 0, 'bert', 1, 100), 0, 1, true);
    t.batchEnded(job(0, 0, 'bert', 1, 100), 1, 2, true);
    expect([t.numEvents, t.droppedEvents]).toEqual([1, 1]);
    expect(JSON.parse(t.toJson()).otherData).toMatchObject({ batches: 1, dropped_batches: 1 });
  });
});

describe('gpulet simulate --timeline FILE', () => {
  it('writes valid trace JSON: every batch on its gpulet track, batches on one track never overlap', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'gpulet-timeline-')), 'trace.json');
    let out = '';
    let err = '';
    const code = await main(
      ['simulate', '-w', 'scen3', '-d', '2', '--seed', '3', '--format', 'json', '--timeline', file],
      { out: (s) => (out += s), err: (s) => (err += s) },
    );
    expect(code).toBe(0);
    expect(err).toMatch(/^wrote .*trace\.json: \d+ batches\n$/);
    const trace = JSON.parse(readFileSync(file, 'utf8')) as {
      traceEvents: Array<{
        ph: string;
        name: string;
        pid: number;
        tid: number;
        ts: number;
        dur: number;
        args: Record<string, unknown>;
      }>;
      otherData: { batches: number };
    };
    const tracks = new Set(trace.traceEvents.filter((e) => e.name === 'thread_name').map((e) => `${e.pid}/${e.tid}`));
    const slices = trace.traceEvents.filter((e) => e.ph === 'X');
    expect(slices.length).toBe(trace.otherData.batches);
    expect(slices.length).toBeGreaterThan(50);
    // As many tracks as the plan has gpulets.
    const doc = JSON.parse(out) as { gpus_used: number };
    expect(tracks.size).toBeGreaterThanOrEqual(doc.gpus_used);
    const byTrack = new Map<string, typeof slices>();
    for (const s of slices) {
      expect(tracks.has(`${s.pid}/${s.tid}`)).toBe(true);
      byTrack.set(`${s.pid}/${s.tid}`, [...(byTrack.get(`${s.pid}/${s.tid}`) ?? []), s]);
    }
    for (const list of byTrack.values()) {
      const sorted = [...list].sort((a, b) => a.ts - b.ts);
      for (let i = 1; i < sorted.length; i++)
        expect(sorted[i].ts).toBeGreaterThanOrEqual(sorted[i - 1].ts + sorted[i - 1].dur - 1e-6);
    }
  });
});
