/**
 * The request lifecycle above the dispatcher: arrivals, application DAGs, and the accounting that
 * every run ends with (arrived = completed + dropped, for every task and for the top level).
 */
import { RequestCounts } from '../metrics.ts';
import type { AppRequest, DropReason, ModelRequest, RequestSink } from './request.ts';

/** An application: stages run one after another; the tasks of a stage run in parallel. */
export interface AppSpec {
  readonly name: string;
  /** End-to-end SLO of one application request, ms. */
  readonly sloMs: number;
  /** Task names per stage, e.g. traffic: [['ssd-mobilenetv1'], ['googlenet', 'vgg16']]. */
  readonly stages: readonly (readonly string[])[];
}

export class RequestTracker implements RequestSink {
  /** Top-level requests: application requests for an app workload, model requests otherwise. */
  readonly total: RequestCounts;
  /** Per task, in the order given. */
  readonly byTask = new Map<string, RequestCounts>();
  private nextId = 0;
  /** Application requests not ended yet. */
  numAppsInFlight = 0;

  /**
   * @param sloMsByTask every task's SLO, ms.
   * @param app the application DAG, or null when requests arrive per task.
   * @param submit hands a model request to the dispatcher.
   */
  constructor(
    sloMsByTask: ReadonlyMap<string, number>,
    private readonly app: AppSpec | null,
    private readonly submit: (req: ModelRequest) => void,
  ) {
    for (const [task, slo] of sloMsByTask) this.byTask.set(task, new RequestCounts(slo));
    this.total = new RequestCounts(app ? app.sloMs : Infinity);
  }

  /** A request for one task arrives (model workloads). */
  arriveTask(task: string, atMs: number): void {
    this.total.arrived++;
    this.spawn(task, atMs, null);
  }

  /** An application request arrives. */
  arriveApp(atMs: number): void {
    if (this.app === null) throw new Error('arriveApp on a tracker without an application');
    this.total.arrived++;
    this.numAppsInFlight++;
    const parent: AppRequest = { id: this.nextId++, arrivedAtMs: atMs, stage: 0, pending: 0, dropped: false };
    this.startStage(parent, atMs);
  }

  completed(req: ModelRequest, completedAtMs: number): void {
    this.counts(req.task).complete(completedAtMs - req.arrivedAtMs);
    const parent = req.parent;
    if (parent === null) {
      this.topLevelComplete(req.task, completedAtMs - req.arrivedAtMs);
      return;
    }
    if (--parent.pending > 0) return;
    this.numAppsInFlight--;
    if (parent.dropped) return; // counted when its first part was dropped
    const app = this.app as AppSpec;
    if (parent.stage + 1 < app.stages.length) {
      this.numAppsInFlight++;
      parent.stage++;
      this.startStage(parent, completedAtMs);
    } else {
      this.total.complete(completedAtMs - parent.arrivedAtMs);
    }
  }

  dropped(req: ModelRequest, reason: DropReason, _droppedAtMs: number): void {
    this.counts(req.task).drop(reason);
    const parent = req.parent;
    if (parent === null) {
      this.total.drop(reason);
      return;
    }
    if (!parent.dropped) {
      parent.dropped = true;
      this.total.drop(reason);
    }
    if (--parent.pending === 0) this.numAppsInFlight--;
  }

  /** Whether every request that arrived has ended, per task and at the top level. */
  get allEnded(): boolean {
    const t = this.total;
    if (t.arrived !== t.completed + t.dropped || this.numAppsInFlight !== 0) return false;
    for (const c of this.byTask.values()) if (c.arrived !== c.completed + c.dropped) return false;
    return true;
  }

  /**
   * The end-of-run check: every request that arrived has ended. Throws, naming the counts, if not
   * (STYLE habit 5: nothing disappears silently).
   */
  checkAccounting(): void {
    const problems: string[] = [];
    const check = (name: string, c: RequestCounts): void => {
      if (c.arrived !== c.completed + c.dropped)
        problems.push(`${name}: arrived ${c.arrived} != completed ${c.completed} + dropped ${c.dropped}`);
    };
    check('all requests', this.total);
    for (const [task, c] of this.byTask) check(task, c);
    if (problems.length > 0) throw new Error(`request accounting does not balance: ${problems.join('; ')}`);
  }

  private topLevelComplete(task: string, latencyMs: number): void {
    // A plain model request is its own top-level request, judged by its task's SLO.
    const slo = this.counts(task).sloMs;
    this.total.completed++;
    if (latencyMs > slo) this.total.late++;
    this.total.latencies.push(latencyMs);
  }

  private startStage(parent: AppRequest, atMs: number): void {
    const tasks = (this.app as AppSpec).stages[parent.stage];
    parent.pending = tasks.length;
    for (const task of tasks) this.spawn(task, atMs, parent);
  }

  private spawn(task: string, atMs: number, parent: AppRequest | null): void {
    const req: ModelRequest = { id: this.nextId++, task, arrivedAtMs: atMs, parent };
    this.counts(task).arrived++;
    this.submit(req);
  }

  private counts(task: string): RequestCounts {
    const c = this.byTask.get(task);
    if (c === undefined) throw new Error(`request for unknown task ${task}`);
    return c;
  }
}
