/**
 * What a run can leave besides its summary, the same for `simulate` and `serve` (only the clock and
 * the executor differ): `--timeline` (Chrome trace), `--requests` and `--batches` (tidy CSV tables,
 * docs/analysis.md) and `--out` (the JSON document). Paths are checked before any work; tables are
 * written as the run goes, into temp files renamed at the end (removed if the run fails).
 */
import type { Argv } from 'yargs';
import type { BatchObserver } from '../../engine/server/gpulet.ts';
import { checkOutputFile, writeFileAtomic } from '../lib/output.ts';
import { BatchTable, RequestTable, fanOut, type TaskColumns } from '../lib/tables.ts';
import { ChromeTimeline } from '../lib/timeline.ts';
import type { Io } from './common.ts';

export interface OutputArgs {
  timeline?: string;
  requests?: string;
  batches?: string;
  out?: string;
}

export function outputOptions<T>(y: Argv<T>) {
  return y
    .option('timeline', {
      type: 'string',
      describe:
        'Write every batch to this file as a Chrome trace (a track per gpulet, queue and arrival counters, plan and drop markers; open in ui.perfetto.dev)',
    })
    .option('requests', {
      type: 'string',
      describe:
        'Write one CSV row per request to this file: ids, task, model, arrival and end (ms), latency, outcome (completed or the drop reason), SLO met',
    })
    .option('batches', {
      type: 'string',
      describe:
        'Write one CSV row per batch to this file: GPU, gpulet, size (%), model, batch size, start and end (ms), whether it finished, requests waiting',
    })
    .option('out', {
      type: 'string',
      describe: 'Also write the JSON document (as --format json prints it) to this file, for gpulet compare',
    });
}

/** Check every output path before any work. */
export function checkOutputs(a: OutputArgs): void {
  for (const [flag, path] of [
    ['--timeline', a.timeline],
    ['--requests', a.requests],
    ['--batches', a.batches],
    ['--out', a.out],
  ] as const)
    if (path !== undefined) checkOutputFile(flag, path);
}

/** The observers a run's outputs need, and how to finish or abandon them. */
export class RunOutputs {
  private readonly timeline: ChromeTimeline | null;
  private readonly tables: Array<RequestTable | BatchTable>;
  /** One observer for the run (null: nothing to observe). */
  readonly observer: BatchObserver | null;

  constructor(
    private readonly a: OutputArgs,
    tasks: readonly TaskColumns[],
  ) {
    this.timeline = a.timeline === undefined ? null : new ChromeTimeline();
    this.tables = [
      ...(a.requests === undefined ? [] : [new RequestTable(a.requests, tasks)]),
      ...(a.batches === undefined ? [] : [new BatchTable(a.batches)]),
    ];
    this.observer = fanOut([...(this.timeline === null ? [] : [this.timeline]), ...this.tables]);
  }

  /** The run failed: remove the tables' temp files. */
  abort(): void {
    for (const t of this.tables) t.abort();
  }

  /** The run ended: close the tables and write the trace, saying so on stderr. */
  finish(io: Io, meta: Readonly<Record<string, unknown>>): void {
    for (const t of this.tables) {
      t.close();
      io.err(`wrote ${t.path}: ${t.rows} rows\n`);
    }
    const { timeline } = this;
    if (timeline !== null && this.a.timeline !== undefined) {
      timeline.write(this.a.timeline, meta);
      io.err(
        `wrote ${this.a.timeline}: ${timeline.numEvents} batches${timeline.droppedEvents > 0 ? `, ${timeline.droppedEvents} beyond the cap not recorded` : ''}\n`,
      );
    }
  }

  /** Write the JSON document to --out, if given. */
  writeDocument(doc: unknown): void {
    if (this.a.out !== undefined) writeFileAtomic(this.a.out, `${JSON.stringify(doc, null, 2)}\n`);
  }
}
