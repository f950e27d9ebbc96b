/**
 * A timeline of every batch, for debugging and teaching: a {@link BatchObserver} that records each
 * batch as a Chrome trace event (the JSON format chrome://tracing and https://ui.perfetto.dev open),
 * one process per GPU and one track (thread) per gpulet, the model as the slice name, times in
 * simulated (or wall) milliseconds written as the format's microseconds. Beside the batches:
 * counters of the requests waiting as each batch starts (per gpulet: held by it, and in its task's
 * shared queue), a "workload" process with the arrivals per second of each task, and instant
 * markers where a plan took effect and where a request was dropped (with the reason).
 */
import type { BatchObserver, QueueDepth } from '../../engine/server/gpulet.ts';
import type { DropReason, ModelRequest } from '../../engine/server/request.ts';
import { gpusUsed, type Plan } from '../../engine/plan.ts';
import type { BatchJob } from '../../engine/types.ts';
import { writeFileAtomic } from './output.ts';

export interface TimelineOptions {
  /**
   * Keep at most this many batches; later ones are counted in `droppedEvents` (and in the file's
   * metadata), never silently lost. @default 2_000_000 (about 300 MB of JSON)
   */
  maxEvents?: number;
}

interface Slice {
  gpu: number;
  gpulet: number;
  model: string;
  batch: number;
  partitionPct: number;
  startMs: number;
  endMs: number;
  ok: boolean;
  queued: QueueDepth;
}

/** The trace's process for what is not on a GPU: arrivals, drops, plans. */
export const WORKLOAD_PID = 100_000;

interface Marker {
  name: string;
  atMs: number;
  args: Record<string, string | number>;
  global: boolean;
}

/** Records batches; {@link toJson} renders the trace. */
export class ChromeTimeline implements BatchObserver {
  private readonly slices: Slice[] = [];
  private readonly maxEvents: number;
  /** Batches (and drop markers) beyond `maxEvents`, not recorded. */
  droppedEvents = 0;
  /** Arrivals per task per whole second of the run. */
  private readonly arrivals = new Map<string, number[]>();
  private readonly markers: Marker[] = [];

  constructor(opts: TimelineOptions = {}) {
    this.maxEvents = opts.maxEvents ?? 2_000_000;
  }

  get numEvents(): number {
    return this.slices.length;
  }

  private readonly queuedAtStart = new Map<BatchJob, QueueDepth>();

  batchStarted(job: BatchJob, _startedAtMs: number, queued: QueueDepth): void {
    this.queuedAtStart.set(job, queued);
  }

  requestArrived(req: ModelRequest, atMs: number): void {
    let perS = this.arrivals.get(req.task);
    if (perS === undefined) {
      perS = [];
      this.arrivals.set(req.task, perS);
    }
    const s = Math.max(0, Math.floor(atMs / 1000));
    while (perS.length <= s) perS.push(0);
    perS[s]++;
  }

  requestEnded(req: ModelRequest, outcome: 'completed' | DropReason, atMs: number): void {
    if (outcome === 'completed') return;
    if (this.slices.length + this.markers.length >= this.maxEvents) {
      this.droppedEvents++;
      return;
    }
    this.markers.push({ name: `drop: ${outcome}`, atMs, args: { task: req.task, request: req.id }, global: false });
  }

  planApplied(plan: Plan, atMs: number): void {
    const gpulets = plan.gpus.reduce((n, g) => n + g.gpulets.length, 0);
    this.markers.push({
      name: this.markers.some((m) => m.global) ? 're-plan' : 'plan',
      atMs,
      args: { scheduler: plan.scheduler, gpus: gpusUsed(plan), gpulets },
      global: true,
    });
  }

  batchEnded(job: BatchJob, startedAtMs: number, endedAtMs: number, ok: boolean): void {
    const queued = this.queuedAtStart.get(job) ?? { gpulet: 0, task: 0 };
    this.queuedAtStart.delete(job);
    if (this.slices.length + this.markers.length >= this.maxEvents) {
      this.droppedEvents++;
      return;
    }
    this.slices.push({
      gpu: job.gpu,
      gpulet: job.gpulet,
      model: job.model,
      batch: job.batch,
      partitionPct: job.partitionPct,
      startMs: startedAtMs,
      endMs: endedAtMs,
      ok,
      queued,
    });
  }

  /** The trace: metadata naming each GPU and gpulet track, then one complete ("X") event per batch. */
  toJson(meta: Readonly<Record<string, unknown>> = {}): string {
    const tracks = new Map<string, { gpu: number; gpulet: number; partitions: Set<number> }>();
    for (const s of this.slices) {
      const key = `${s.gpu}/${s.gpulet}`;
      let t = tracks.get(key);
      if (t === undefined) {
        t = { gpu: s.gpu, gpulet: s.gpulet, partitions: new Set() };
        tracks.set(key, t);
      }
      t.partitions.add(s.partitionPct);
    }
    const sorted = [...tracks.values()].sort((a, b) => a.gpu - b.gpu || a.gpulet - b.gpulet);
    const events: object[] = [];
    for (const gpu of [...new Set(sorted.map((t) => t.gpu))]) {
      events.push({ name: 'process_name', ph: 'M', pid: gpu, tid: 0, args: { name: `GPU ${gpu}` } });
      events.push({ name: 'process_sort_index', ph: 'M', pid: gpu, tid: 0, args: { sort_index: gpu } });
    }
    for (const t of sorted) {
      const sizes = [...t.partitions]
        .sort((a, b) => a - b)
        .map((p) => `${p} %`)
        .join(' / ');
      events.push({
        name: 'thread_name',
        ph: 'M',
        pid: t.gpu,
        tid: t.gpulet,
        args: { name: `gpulet ${t.gpulet} (${sizes})` },
      });
      events.push({ name: 'thread_sort_index', ph: 'M', pid: t.gpu, tid: t.gpulet, args: { sort_index: t.gpulet } });
    }
    for (const s of this.slices) {
      events.push({
        name: s.model,
        cat: s.ok ? 'batch' : 'failed',
        ph: 'X',
        ts: micros(s.startMs),
        // From the rounded ends, so a batch never appears to overlap the next one on its track.
        dur: Math.round((micros(s.endMs) - micros(s.startMs)) * 1e3) / 1e3,
        pid: s.gpu,
        tid: s.gpulet,
        args: { batch: s.batch, partition_pct: s.partitionPct, ...(s.ok ? {} : { failed: true }) },
      });
      events.push({
        name: `gpulet ${s.gpulet} queued`,
        ph: 'C',
        ts: micros(s.startMs),
        pid: s.gpu,
        args: { held: s.queued.gpulet, [`${s.model} shared`]: s.queued.task },
      });
    }
    if (this.arrivals.size > 0 || this.markers.length > 0) {
      events.push({ name: 'process_name', ph: 'M', pid: WORKLOAD_PID, tid: 0, args: { name: 'workload' } });
      events.push({ name: 'process_sort_index', ph: 'M', pid: WORKLOAD_PID, tid: 0, args: { sort_index: -1 } });
    }
    const tasks = [...this.arrivals.keys()].sort();
    const seconds = Math.max(0, ...[...this.arrivals.values()].map((a) => a.length));
    for (let i = 0; i < seconds; i++)
      events.push({
        name: 'arrivals (req/s)',
        ph: 'C',
        ts: micros(i * 1000),
        pid: WORKLOAD_PID,
        args: Object.fromEntries(tasks.map((t) => [t, this.arrivals.get(t)?.[i] ?? 0])),
      });
    for (const m of this.markers)
      events.push({
        name: m.name,
        ph: 'i',
        s: m.global ? 'g' : 'p',
        ts: micros(m.atMs),
        pid: WORKLOAD_PID,
        tid: 0,
        args: m.args,
      });
    const other = {
      ...meta,
      batches: this.slices.length,
      markers: this.markers.length,
      dropped_batches: this.droppedEvents,
      time_unit: 'ms of simulated time, written as us',
    };
    // One event per line: diffable, and still one JSON document.
    return `{"displayTimeUnit":"ms","otherData":${JSON.stringify(other)},"traceEvents":[\n${events.map((e) => JSON.stringify(e)).join(',\n')}\n]}\n`;
  }

  /** Write the trace to `path`, whole or not at all. */
  write(path: string, meta: Readonly<Record<string, unknown>> = {}): void {
    writeFileAtomic(path, this.toJson(meta));
  }
}

/** Milliseconds as the trace's microseconds, to the nanosecond (byte-stable text). */
function micros(ms: number): number {
  return Math.round(ms * 1e6) / 1e3;
}
