/**
 * Re-planning on real hardware: the engine's GpuletLoader for the ONNX executor. Loading a staged
 * gpulet starts its runner (a process with its core share, or its MPS share on a GPU), loads its
 * models and warms them, while the serving plan goes on; the time it takes is the reorganisation
 * cost, measured instead of assumed (the simulator's DelayLoader takes it as a parameter).
 */
import type { Clock } from '../../engine/types.ts';
import type { StagedGpulet } from '../../engine/server/dispatcher.ts';
import type { GpuletLoader } from '../../engine/server/replanner.ts';
import type { GpuletSetup, OnnxExecutor } from './executor.ts';

/** One load: which gpulet, when it started (clock ms), how long it took, and whether it failed. */
export interface LoadRecord {
  gpulet: string;
  startedAtMs: number;
  loadMs: number;
  error: string | null;
}

/** The runner setup a staged gpulet needs: each model once, at the largest batch it is given. */
export function setupOf(g: StagedGpulet): GpuletSetup {
  const maxBatch = new Map<string, number>();
  for (const t of g.spec.tasks) maxBatch.set(t.model, Math.max(maxBatch.get(t.model) ?? 1, Math.floor(t.batch)));
  return {
    gpu: g.spec.gpu,
    gpulet: g.spec.gpulet,
    partitionPct: g.spec.partitionPct,
    models: [...maxBatch].map(([model, b]) => ({ model, maxBatch: b })),
  };
}

export class RunnerLoader implements GpuletLoader {
  /** Every load so far, in the order they finished. */
  readonly loads: LoadRecord[] = [];

  constructor(
    private readonly executor: OnnxExecutor,
    private readonly clock: Clock,
    /** Log lines (a load that failed), without newline. */
    private readonly log: (line: string) => void = () => {},
  ) {}

  load(gpulet: StagedGpulet, ready: () => void): void {
    const setup = setupOf(gpulet);
    const key = `${setup.gpu}.${setup.gpulet}`;
    const startedAtMs = this.clock.now();
    const finish = (error: string | null): void => {
      const loadMs = this.clock.now() - startedAtMs;
      // Posted: the re-planner hears of it inside the clock's loop, never synchronously.
      this.clock.at(this.clock.now(), () => {
        this.loads.push({ gpulet: key, startedAtMs, loadMs, error });
        ready();
      });
    };
    this.executor.prepare(setup).then(
      () => finish(null),
      (e: unknown) => {
        const message = e instanceof Error ? e.message : String(e);
        // The plan goes ahead; batches sent to this gpulet fail and their requests are dropped.
        this.log(`gpulet ${key}: loading failed: ${message}`);
        finish(message);
      },
    );
  }
}
