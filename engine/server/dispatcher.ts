/**
 * Serving a plan: one {@link GpuletRuntime} per planned gpulet, and a weighted round robin per task
 * over the gpulets that serve it, weighted by their planned throughput (reference §4.4).
 */
import { GpuletRuntime, type BatchObserver } from './gpulet.ts';
import { WeightedRoundRobin } from './router.ts';
import type { ModelRequest, RequestSink } from './request.ts';
import type { Plan } from '../plan.ts';
import type { Clock, Executor } from '../types.ts';

interface Route {
  wrr: WeightedRoundRobin;
  targets: Array<{ gpulet: GpuletRuntime; slot: number }>;
}

export class Dispatcher {
  readonly gpulets: GpuletRuntime[] = [];
  private readonly routes = new Map<string, Route>();

  /**
   * @param sloMsByTask queueing bound per task, ms (requests queued longer are dropped).
   */
  constructor(
    plan: Plan,
    sloMsByTask: ReadonlyMap<string, number>,
    private readonly clock: Clock,
    private readonly executor: Executor,
    private readonly sink: RequestSink,
    private readonly observer: BatchObserver | null = null,
  ) {
    const weights = new Map<string, number[]>();
    const targets = new Map<string, Route['targets']>();
    for (const gpu of plan.gpus) {
      gpu.gpulets.forEach((g, index) => {
        if (g.models.length === 0) return;
        const tasks = g.models.map((a) => {
          const sloMs = sloMsByTask.get(a.task);
          if (sloMs === undefined) throw new Error(`plan serves task ${a.task} that has no SLO`);
          return { task: a.task, model: a.model, batch: a.batch, sloMs };
        });
        const runtime = new GpuletRuntime(
          { gpu: gpu.gpu, gpulet: index, partitionPct: g.partitionPct, dutyCycleMs: g.dutyCycleMs, tasks },
          clock,
          executor,
          sink,
          observer,
        );
        this.gpulets.push(runtime);
        g.models.forEach((a, slot) => {
          if (!weights.has(a.task)) {
            weights.set(a.task, []);
            targets.set(a.task, []);
          }
          // A gpulet planned at ~0 throughput still gets a tiny share rather than none.
          weights.get(a.task)!.push(Math.max(a.rateRps, 1e-6));
          targets.get(a.task)!.push({ gpulet: runtime, slot });
        });
      });
    }
    for (const [task, w] of weights) this.routes.set(task, { wrr: new WeightedRoundRobin(w), targets: targets.get(task)! });
  }

  /** Whether some gpulet serves `task`. */
  serves(task: string): boolean {
    return this.routes.has(task);
  }

  /** Route one request; a task with no gpulet has its request dropped as `not_placed`. */
  submit(req: ModelRequest): void {
    const route = this.routes.get(req.task);
    if (route === undefined) {
      this.sink.dropped(req, 'not_placed', this.clock.now());
      return;
    }
    const target = route.targets[route.targets.length === 1 ? 0 : route.wrr.next()];
    target.gpulet.enqueue(target.slot, req);
  }

  /** Requests waiting in all queues. */
  get numQueued(): number {
    let n = 0;
    for (const g of this.gpulets) n += g.numQueued;
    return n;
  }
}
