/**
 * A timeline of every batch, for debugging and teaching: a {@link BatchObserver} that records each
 * batch as a Chrome trace event (the JSON format chrome://tracing and https://ui.perfetto.dev open),
 * one process per GPU and one track (thread) per gpulet, the model as the slice name, times in
 * simulated (or wall) milliseconds written as the format's microseconds.
 */
import type { BatchObserver } from '../../engine/server/gpulet.ts';
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
}

/** Records batches; {@link toJson} renders the trace. */
export class ChromeTimeline implements BatchObserver {
  private readonly slices: Slice[] = [];
  private readonly maxEvents: number;
  /** Batches beyond `maxEvents`, not recorded. */
  droppedEvents = 0;

  constructor(opts: TimelineOptions = {}) {
    this.maxEvents = opts.maxEvents ?? 2_000_000;
  }

  get numEvents(): number {
    return this.slices.length;
  }

  batchStarted(): void {}

  batchEnded(job: BatchJob, startedAtMs: number, endedAtMs: number, ok: boolean): void {
    if (this.slices.length >= this.maxEvents) {
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
    }
    const other = {
      ...meta,
      batches: this.slices.length,
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
