import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../../experiments/cli/main.ts';
import { ChromeTimeline, WORKLOAD_PID } from '../../../experiments/lib/timeline.ts';
import type { Plan } from '../../../engine/plan.ts';

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
    const res = job(1, 0, 'resnet50', 8, 40);
    t.batchStarted(res, 10, { gpulet: 3, task: 5 });
    t.batchEnded(res, 10, 22.5, true);
    t.batchEnded(job(0, 1, 'vgg16', 4, 60), 0.25, 30, false);
    const lines = t.toJson({ seed: 7 }).trimEnd().split('\n');
    expect(lines).toEqual([
      '{"displayTimeUnit":"ms","otherData":{"seed":7,"batches":2,"markers":0,"dropped_batches":0,"time_unit":"ms of simulated time, written as us"},"traceEvents":[',
      '{"name":"process_name","ph":"M","pid":0,"tid":0,"args":{"name":"GPU 0"}},',
      '{"name":"process_sort_index","ph":"M","pid":0,"tid":0,"args":{"sort_index":0}},',
      '{"name":"process_name","ph":"M","pid":1,"tid":0,"args":{"name":"GPU 1"}},',
      '{"name":"process_sort_index","ph":"M","pid":1,"tid":0,"args":{"sort_index":1}},',
      '{"name":"thread_name","ph":"M","pid":0,"tid":1,"args":{"name":"gpulet 1 (60 %)"}},',
      '{"name":"thread_sort_index","ph":"M","pid":0,"tid":1,"args":{"sort_index":1}},',
      '{"name":"thread_name","ph":"M","pid":1,"tid":0,"args":{"name":"gpulet 0 (40 %)"}},',
      '{"name":"thread_sort_index","ph":"M","pid":1,"tid":0,"args":{"sort_index":0}},',
      '{"name":"resnet50","cat":"batch","ph":"X","ts":10000,"dur":12500,"pid":1,"tid":0,"args":{"batch":8,"partition_pct":40}},',
      '{"name":"gpulet 0 queued","ph":"C","ts":10000,"pid":1,"args":{"held":3,"resnet50 shared":5}},',
      '{"name":"vgg16","cat":"failed","ph":"X","ts":250,"dur":29750,"pid":0,"tid":1,"args":{"batch":4,"partition_pct":60,"failed":true}},',
      '{"name":"gpulet 1 queued","ph":"C","ts":250,"pid":0,"args":{"held":0,"vgg16 shared":0}}',
      ']}',
    ]);
  });

  it('a gpulet whose size changes (re-planning) lists every size in its track name', () => {
    const t = new ChromeTimeline();
    t.batchEnded(job(0, 0, 'bert', 1, 60), 0, 1, true);
    t.batchEnded(job(0, 0, 'bert', 1, 40), 1, 2, true);
    expect(t.toJson()).toContain('"args":{"name":"gpulet 0 (40 % / 60 %)"}');
  });

  it('counts arrivals per task per second, and marks plans (the first, then re-plans) and drops with their reason', () => {
    const t = new ChromeTimeline();
    const req = (id: number, task: string, at: number) => ({ id, task, arrivedAtMs: at, parent: null });
    const plan = {
      scheduler: 'gpulet',
      feasible: true,
      gpus: [{ gpulets: [{ models: ['m'] }, { models: ['m'] }] }, { gpulets: [] }],
    };
    t.planApplied(plan as unknown as Plan, 0);
    for (const [i, at] of [0, 400, 999.9, 1000, 2500].entries()) t.requestArrived(req(i, 'a', at), at);
    t.requestArrived(req(9, 'b', 1500), 1500);
    t.requestEnded(req(9, 'b', 1500), 'completed', 1600);
    t.requestEnded(req(4, 'a', 2500), 'queue_timeout', 2700);
    t.planApplied({ ...plan, gpus: [{ gpulets: [{ models: ['m'] }] }] } as unknown as Plan, 3000);
    const events = (JSON.parse(t.toJson()) as { traceEvents: Array<Record<string, unknown>> }).traceEvents;
    expect(events.filter((e) => e.ph === 'C').map((e) => [e.ts, e.args])).toEqual([
      [0, { a: 3, b: 0 }],
      [1000000, { a: 1, b: 1 }],
      [2000000, { a: 1, b: 0 }],
    ]);
    expect(events.filter((e) => e.ph === 'i').map((e) => [e.name, e.ts, e.s, e.args])).toEqual([
      ['plan', 0, 'g', { scheduler: 'gpulet', gpus: 1, gpulets: 2 }],
      ['drop: queue_timeout', 2700000, 'p', { task: 'a', request: 4 }],
      ['re-plan', 3000000, 'g', { scheduler: 'gpulet', gpus: 1, gpulets: 1 }],
    ]);
    expect(events).toContainEqual({
      name: 'process_name',
      ph: 'M',
      pid: WORKLOAD_PID,
      tid: 0,
      args: { name: 'workload' },
    });
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
    const doc = JSON.parse(out) as { gpus_used: number; requests: { arrived: number; dropped: number } };
    // The arrival counters add up to the run's arrivals; one plan marker at the start.
    const counted = trace.traceEvents
      .filter((e) => e.ph === 'C' && e.name === 'arrivals (req/s)')
      .reduce((n, e) => n + Object.values(e.args).reduce((a: number, v) => a + Number(v), 0), 0);
    expect(counted).toBe(doc.requests.arrived);
    expect(trace.traceEvents.filter((e) => e.ph === 'i' && e.name === 'plan').map((e) => e.ts)).toEqual([0]);
    expect(trace.traceEvents.filter((e) => e.ph === 'i' && e.name.startsWith('drop')).length).toBe(
      doc.requests.dropped,
    );
    expect(trace.traceEvents.filter((e) => e.ph === 'C' && e.name.endsWith('queued')).length).toBe(slices.length);
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
