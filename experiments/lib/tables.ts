/**
 * Tidy tables of a run, one row per request (`--requests FILE.csv`) or per batch (`--batches
 * FILE.csv`), for pandas, R or a spreadsheet: one observation per row, one variable per column,
 * times in ms from the start of the run, every column named with its unit. Both are
 * {@link BatchObserver}s; {@link fanOut} lets a run feed several at once (and the Chrome trace).
 */
import type { BatchObserver, QueueDepth } from '../../engine/server/gpulet.ts';
import type { DropReason, ModelRequest } from '../../engine/server/request.ts';
import type { BatchJob } from '../../engine/types.ts';
import type { Plan } from '../../engine/plan.ts';
import { CsvStream } from './output.ts';

/** Columns of the request table, in order. */
export const REQUEST_COLUMNS = [
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
] as const;

/** Columns of the batch table, in order. */
export const BATCH_COLUMNS = [
  'batch_id',
  'gpu',
  'gpulet',
  'partition_pct',
  'model',
  'batch_size',
  'started_ms',
  'ended_ms',
  'duration_ms',
  'ok',
  'queued_gpulet',
  'queued_task',
] as const;

/** A task's model and SLO, as the table needs them. */
export interface TaskColumns {
  task: string;
  model: string;
  sloMs: number;
}

/**
 * One row per model request that entered serving, written when it ends (so rows come in end order;
 * sort by `arrived_ms` for arrival order). `outcome` is `completed` or the drop reason; `met_slo`
 * is true for a request completed within its SLO. An application request's parts carry its id in
 * `app_request_id`; a part never sent (its application was dropped at an earlier stage) has no row.
 */
export class RequestTable implements BatchObserver {
  private readonly out: CsvStream;
  private readonly tasks: Map<string, TaskColumns>;

  constructor(path: string, tasks: readonly TaskColumns[]) {
    this.out = new CsvStream(path, REQUEST_COLUMNS, 3);
    this.tasks = new Map(tasks.map((t) => [t.task, t]));
  }

  get path(): string {
    return this.out.path;
  }

  get rows(): number {
    return this.out.rows;
  }

  batchStarted(): void {}
  batchEnded(): void {}

  requestEnded(req: ModelRequest, outcome: 'completed' | DropReason, atMs: number): void {
    const t = this.tasks.get(req.task);
    const latencyMs = atMs - req.arrivedAtMs;
    this.out.write({
      request_id: req.id,
      app_request_id: req.parent?.id ?? null,
      task: req.task,
      model: t?.model ?? null,
      arrived_ms: req.arrivedAtMs,
      ended_ms: atMs,
      latency_ms: outcome === 'completed' ? latencyMs : null,
      outcome,
      slo_ms: t?.sloMs ?? null,
      met_slo: outcome === 'completed' && t !== undefined && latencyMs <= t.sloMs,
    });
  }

  close(): void {
    this.out.close();
  }

  abort(): void {
    this.out.abort();
  }
}

/**
 * One row per batch sent to a GPU, written when it ends: where it ran, its model and size, when,
 * whether the executor finished it, and the requests waiting as it started (`queued_gpulet`: held
 * by its gpulet besides this batch; `queued_task`: of its task in the shared queue).
 */
export class BatchTable implements BatchObserver {
  private readonly out: CsvStream;
  private readonly queuedAtStart = new Map<BatchJob, QueueDepth>();
  private nextId = 0;
  private readonly ids = new Map<BatchJob, number>();

  constructor(path: string) {
    this.out = new CsvStream(path, BATCH_COLUMNS, 3);
  }

  get path(): string {
    return this.out.path;
  }

  get rows(): number {
    return this.out.rows;
  }

  batchStarted(job: BatchJob, _startedAtMs: number, queued: QueueDepth): void {
    this.queuedAtStart.set(job, queued);
    this.ids.set(job, this.nextId++);
  }

  batchEnded(job: BatchJob, startedAtMs: number, endedAtMs: number, ok: boolean): void {
    const queued = this.queuedAtStart.get(job);
    this.queuedAtStart.delete(job);
    const id = this.ids.get(job) ?? null;
    this.ids.delete(job);
    this.out.write({
      batch_id: id,
      gpu: job.gpu,
      gpulet: job.gpulet,
      partition_pct: job.partitionPct,
      model: job.model,
      batch_size: job.batch,
      started_ms: startedAtMs,
      ended_ms: endedAtMs,
      duration_ms: endedAtMs - startedAtMs,
      ok,
      queued_gpulet: queued?.gpulet ?? null,
      queued_task: queued?.task ?? null,
    });
  }

  close(): void {
    this.out.close();
  }

  abort(): void {
    this.out.abort();
  }
}

/** One observer that passes every call to each of `observers`, in order. */
export function fanOut(observers: readonly BatchObserver[]): BatchObserver | null {
  if (observers.length === 0) return null;
  if (observers.length === 1) return observers[0];
  const arrivals = observers.filter((o) => o.requestArrived !== undefined);
  const ends = observers.filter((o) => o.requestEnded !== undefined);
  const plans = observers.filter((o) => o.planApplied !== undefined);
  const all: BatchObserver = {
    batchStarted(job, at, queued) {
      for (const o of observers) o.batchStarted(job, at, queued);
    },
    batchEnded(job, startedAt, endedAt, ok) {
      for (const o of observers) o.batchEnded(job, startedAt, endedAt, ok);
    },
  };
  if (arrivals.length > 0)
    all.requestArrived = (req: ModelRequest, at: number) => {
      for (const o of arrivals) o.requestArrived?.(req, at);
    };
  if (ends.length > 0)
    all.requestEnded = (req: ModelRequest, outcome: 'completed' | DropReason, at: number) => {
      for (const o of ends) o.requestEnded?.(req, outcome, at);
    };
  if (plans.length > 0)
    all.planApplied = (plan: Plan, at: number) => {
      for (const o of plans) o.planApplied?.(plan, at);
    };
  return all;
}
