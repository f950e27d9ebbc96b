/**
 * Serving a plan: one {@link GpuletRuntime} per planned gpulet, and one shared queue per task that
 * the gpulets serving it pull from under weighted round robin by planned throughput (gpulet.ts;
 * docs/artifact.md#run-time-batching-routing-and-dropping).
 *
 * Plans change at run time in two steps (docs/artifact.md#gpulets-and-reorganisation; the artifact's
 * OracleScheduler): {@link Dispatcher.stage} lays out the next plan's gpulets, reusing each gpulet
 * that the serving plan has at the same place (GPU, size and, for 50/50, which half: the
 * artifact's proxy identity) and creating the others, which then load in the background while the
 * serving plan goes on; {@link Dispatcher.apply} switches routing to them at once. Gpulets left out
 * of the new plan stop receiving requests and drain their queues; nothing queued is lost.
 */
import { GpuletRuntime, SharedQueue, type BatchObserver, type GpuletSpec } from './gpulet.ts';
import type { ModelRequest, RequestSink } from './request.ts';
import type { GpuPlan, Plan } from '../plan.ts';
import type { Clock, Executor } from '../types.ts';

interface Route {
  /** Requests submitted for the task so far (the rate monitor's counter). */
  numSubmitted: number;
  /** The gpulets serving the task, with their slot for it. */
  targets: Array<{ gpulet: GpuletRuntime; slot: number }>;
  /** The task's shared queue. */
  shared: SharedQueue;
}

/** Where a gpulet sits: its GPU, its size, and which of two equal halves (the artifact's dedup). */
export interface GpuletPlace {
  gpu: number;
  partitionPct: number;
  dedup: number;
  /** On a MIG GPU: the instance (start, size) and the process, `start.size.procs.proc`. */
  mig?: string;
}

/** The places of a GPU plan's gpulets, in its order (the second of two equal sizes has dedup 1). */
export function gpuletPlaces(gpu: GpuPlan): GpuletPlace[] {
  return gpu.gpulets.map((g, i) => ({
    gpu: gpu.gpu,
    partitionPct: g.partitionPct,
    dedup: gpu.gpulets.slice(0, i).filter((o) => o.partitionPct === g.partitionPct).length,
    ...(g.mig ? { mig: `${g.mig.start}.${g.mig.size}.${g.mig.procs}.${g.mig.proc}` } : {}),
  }));
}

const keyOf = (p: GpuletPlace) => `${p.gpu}/${p.partitionPct}/${p.dedup}${p.mig === undefined ? '' : `/${p.mig}`}`;

/** One gpulet of a staged plan. */
export interface StagedGpulet {
  readonly place: GpuletPlace;
  readonly runtime: GpuletRuntime;
  /** What it serves once the plan is applied. */
  readonly spec: GpuletSpec;
  /** Whether the gpulet is new (a process to start) rather than one the serving plan has. */
  readonly fresh: boolean;
  /** Models it must load before it can serve `spec`: all of them when fresh. */
  readonly toLoad: readonly string[];
  /** Planned throughput per task of `spec`, the routing weights. */
  readonly weights: readonly number[];
}

/** A plan laid out on gpulets, not serving yet. */
export interface Staging {
  readonly plan: Plan;
  readonly gpulets: readonly StagedGpulet[];
}

export class Dispatcher {
  /** The gpulets of the serving plan. */
  gpulets: GpuletRuntime[] = [];
  /** Gpulets of earlier plans that still have requests to finish. */
  private retired: GpuletRuntime[] = [];
  private serving: Staging;
  private servingByPlace = new Map<string, StagedGpulet>();
  private readonly routes = new Map<string, Route>();

  /**
   * @param plan served from the start (its gpulets are taken as loaded).
   * @param sloMsByTask queueing bound per task, ms (requests queued longer are dropped).
   */
  constructor(
    plan: Plan,
    private readonly sloMsByTask: ReadonlyMap<string, number>,
    private readonly clock: Clock,
    private readonly executor: Executor,
    private readonly sink: RequestSink,
    private readonly observer: BatchObserver | null = null,
    /** One batching window at a time per gpulet, as the artifact (without fix concurrent-windows). */
    private readonly sequentialBatching = false,
  ) {
    for (const [task, sloMs] of sloMsByTask)
      this.routes.set(task, { numSubmitted: 0, targets: [], shared: new SharedQueue(task, sloMs, sink) });
    this.serving = { plan: { ...plan, gpus: [] }, gpulets: [] };
    this.apply(this.stage(plan));
  }

  /** The plan being served. */
  get plan(): Plan {
    return this.serving.plan;
  }

  /** The serving plan's gpulets with their places and specs. */
  get servingGpulets(): readonly StagedGpulet[] {
    return this.serving.gpulets;
  }

  /** Whether some gpulet serves `task`. */
  serves(task: string): boolean {
    return (this.routes.get(task)?.targets.length ?? 0) > 0;
  }

  /** Requests submitted for `task` so far. */
  numSubmitted(task: string): number {
    return this.routes.get(task)?.numSubmitted ?? 0;
  }

  /** Route one request; a task with no gpulet has its request dropped as `not_placed`. */
  submit(req: ModelRequest): void {
    const route = this.routes.get(req.task);
    if (route === undefined) throw new Error(`request for task ${req.task}, which has no SLO`);
    route.numSubmitted++;
    const n = route.targets.length;
    if (n === 0) {
      this.sink.dropped(req, 'not_placed', this.clock.now());
      return;
    }
    route.shared.queue.push(req);
    route.shared.offer();
  }

  /**
   * Lay out `plan` (its GPU indices are physical GPUs) without serving it: a gpulet at the place of
   * a serving one reuses it (loading only the models it lacks), any other is created. New gpulets
   * get the lowest gpulet number free on their GPU, so they never share one with a gpulet that is
   * still serving or draining.
   */
  stage(plan: Plan): Staging {
    this.prune();
    const taken = new Map<number, Set<number>>();
    const take = (gpu: number, id: number) => {
      let s = taken.get(gpu);
      if (s === undefined) {
        s = new Set();
        taken.set(gpu, s);
      }
      s.add(id);
    };
    for (const g of [...this.gpulets, ...this.retired]) take(g.spec.gpu, g.spec.gpulet);
    const staged: StagedGpulet[] = [];
    for (const gpu of plan.gpus) {
      const places = gpuletPlaces(gpu);
      gpu.gpulets.forEach((g, index) => {
        if (g.models.length === 0) return;
        const tasks = g.models.map((a) => {
          const sloMs = this.sloMsByTask.get(a.task);
          if (sloMs === undefined) throw new Error(`plan serves task ${a.task} that has no SLO`);
          return { task: a.task, model: a.model, batch: a.batch, sloMs };
        });
        const weights = g.models.map((a) => Math.max(a.rateRps, 1e-6)); // a ~0 gpulet still gets a tiny share
        const place = places[index];
        const old = this.servingByPlace.get(keyOf(place));
        if (old !== undefined) {
          const loaded = new Set(old.spec.tasks.map((t) => t.model));
          const spec = { ...old.spec, dutyCycleMs: g.dutyCycleMs, tasks };
          const toLoad = [...new Set(tasks.map((t) => t.model))].filter((m) => !loaded.has(m));
          staged.push({ place, runtime: old.runtime, spec, fresh: false, toLoad, weights });
          return;
        }
        let id = index;
        if (taken.get(gpu.gpu)?.has(id)) for (id = 0; taken.get(gpu.gpu)?.has(id); ) id++;
        take(gpu.gpu, id);
        const spec: GpuletSpec = {
          gpu: gpu.gpu,
          gpulet: id,
          partitionPct: g.partitionPct,
          dutyCycleMs: g.dutyCycleMs,
          tasks,
          ...(g.mig ? { mig: { size: g.mig.size, procs: g.mig.procs } } : {}),
        };
        const runtime = new GpuletRuntime(
          spec,
          this.clock,
          this.executor,
          this.sink,
          this.observer,
          this.sequentialBatching,
        );
        staged.push({ place, runtime, spec, fresh: true, toLoad: [...new Set(tasks.map((t) => t.model))], weights });
      });
    }
    return { plan, gpulets: staged };
  }

  /**
   * Serve a staged plan from now on: reused gpulets take their new spec, routing switches to the
   * staged gpulets at once, and serving gpulets left out stop receiving requests and drain.
   */
  apply(staging: Staging): void {
    const next = new Set(staging.gpulets.map((s) => s.runtime));
    for (const g of this.gpulets)
      if (!next.has(g)) {
        this.retired.push(g);
        g.retire();
      }
    const weights = new Map<string, number[]>();
    for (const route of this.routes.values()) route.targets = [];
    for (const s of staging.gpulets) {
      s.spec.tasks.forEach((t, slot) => {
        const route = this.routes.get(t.task) as Route;
        route.targets.push({ gpulet: s.runtime, slot });
        let w = weights.get(t.task);
        if (w === undefined) {
          w = [];
          weights.set(t.task, w);
        }
        w.push(s.weights[slot]);
      });
    }
    const now = this.clock.now();
    for (const [task, route] of this.routes) {
      route.shared.setMembers(
        route.targets.map((t) => t.gpulet),
        weights.get(task) ?? [],
      );
      // A task the new plan does not serve: what waits for it cannot be served.
      if (route.targets.length === 0) route.shared.dropAll('not_placed', now);
    }
    // Kept gpulets take their new spec (duty cycle, batches, tasks); new ones their first.
    for (const s of staging.gpulets)
      s.runtime.attach(
        s.spec,
        s.spec.tasks.map((t) => (this.routes.get(t.task) as Route).shared),
      );
    this.gpulets = staging.gpulets.map((s) => s.runtime);
    this.serving = staging;
    this.servingByPlace = new Map(staging.gpulets.map((s) => [keyOf(s.place), s] as const));
    this.prune();
    this.observer?.planApplied?.(staging.plan, now);
    for (const g of this.gpulets) g.kick();
  }

  /** Requests waiting in all queues, draining gpulets included. */
  get numQueued(): number {
    let n = 0;
    for (const route of this.routes.values()) n += route.shared.queue.length;
    for (const g of this.gpulets) n += g.numQueued;
    for (const g of this.retired) n += g.numQueued;
    return n;
  }

  /** Gpulets of earlier plans still finishing their queues. */
  get numDraining(): number {
    this.prune();
    return this.retired.length;
  }

  /** Forget retired gpulets that have nothing left to do. */
  private prune(): void {
    if (this.retired.length === 0) return;
    const still: GpuletRuntime[] = [];
    for (const g of this.retired) {
      if (g.isBusy || g.numQueued > 0) still.push(g);
      else this.executor.release?.(g.spec.gpu, g.spec.gpulet);
    }
    this.retired = still;
  }
}
