/**
 * The simulated GPU executor. Each gpulet runs one batch at a time; the gpulets of one GPU run
 * concurrently. On a MIG GPU a gpulet is one MPS process of a MIG instance: its batch takes the
 * latency the MIG profile measured with that many processes busy in an instance of that size, and
 * nothing on other instances slows it (MIG isolates them; the caller passes no co-location model). A batch's solo time is its profiled latency L(b, p) times seeded jitter; while a
 * sibling gpulet is busy the batch progresses `1 / slowdown` times as fast, so co-location costs
 * exactly the slowdown factor over the overlapping part (the slowdown comes from a
 * {@link ColocationModel}: the simulator's ground truth, or `none`).
 *
 * A batch also pays its measured CPU-side batching cost (the artifact's tables at face value), run
 * before the forward pass on the same gpulet. The scheduler's 1.1 safety factor and its
 * conservative multipliers on that cost (1.9x, 2.5x) are the scheduler's business, not the GPU's.
 */
import { standardNormal, streamRng, type Rng } from './rng.ts';
import type { BatchJob, Clock, Executor, LatencyModel, RunningBatch, TimerId } from '../engine/types.ts';
import type { MigProfile } from '../engine/mig.ts';

/** How much slower a batch runs while a sibling gpulet runs another. */
export interface ColocationModel {
  /** `none`, or the name of the ground-truth model. */
  readonly name: string;
  /** Slowdown factor (>= 1) of `self` while `other` runs on the sibling gpulet; `rng` for seeded noise. */
  slowdown(self: RunningBatch, other: RunningBatch, rng: Rng): number;
}

/** Co-location costs nothing: the explicit `none` model. */
export const NO_INTERFERENCE: ColocationModel = { name: 'none', slowdown: () => 1 };

export interface SimulatedGpuOptions {
  clock: Clock;
  latency: LatencyModel;
  /** Run seed; jitter and interference noise draw from streams derived from it. */
  seed: number | string;
  /**
   * Coefficient of variation of the log-normal jitter on each batch's solo latency.
   * @default 0.02
   */
  jitterCv?: number;
  /**
   * Draw each batch's jitter factor from these measured ratios (latency over its cell's median,
   * e.g. a profile's `latency_ratios`) instead of the log-normal: the measured heavy tail, and a
   * mean above 1 where slow outliers pull it up. Overrides `jitterCv`.
   */
  jitterRatios?: readonly number[];
  /** @default NO_INTERFERENCE */
  colocation?: ColocationModel;
  /** Measured batching cost of a batch, ms, added to its solo time. @default none (0) */
  batchCostMs?: (model: string, batch: number) => number;
  /**
   * The GPU's MIG profile: a batch of a MIG gpulet (job.mig) runs for the latency its profile
   * measured at that instance size and process count (a partial batch interpolated over batch).
   */
  mig?: MigProfile;
}

interface Running {
  job: BatchJob;
  /** Solo milliseconds of work left as of `sinceMs`. */
  soloLeftMs: number;
  /** Progress per ms: 1 / current slowdown. */
  speed: number;
  sinceMs: number;
  timer: TimerId;
  done: (finishedAtMs: number) => void;
}

export class SimulatedGpu implements Executor {
  private readonly clock: Clock;
  private readonly latency: LatencyModel;
  private readonly colocation: ColocationModel;
  private readonly sigma: number;
  private readonly ratios: readonly number[] | null;
  private readonly jitterRng = new Map<number, Rng>();
  private readonly noiseRng = new Map<number, Rng>();
  private readonly seed: number | string;
  private readonly batchCostMs: ((model: string, batch: number) => number) | null;
  private readonly mig: MigProfile | null;
  /** Running batches per GPU, at most one per gpulet. */
  private readonly running = new Map<number, Running[]>();
  /** Batches run, and batches that ran some time next to a busy sibling. */
  numBatches = 0;
  numColocatedBatches = 0;
  /** Busy time per GPU, ms (sum over its gpulets). */
  readonly busyMsByGpu = new Map<number, number>();

  constructor(opts: SimulatedGpuOptions) {
    this.clock = opts.clock;
    this.latency = opts.latency;
    this.colocation = opts.colocation ?? NO_INTERFERENCE;
    this.seed = opts.seed;
    this.batchCostMs = opts.batchCostMs ?? null;
    this.mig = opts.mig ?? null;
    const cv = opts.jitterCv ?? 0.02;
    if (!(cv >= 0)) throw new Error(`jitterCv must be >= 0, got ${cv}`);
    this.sigma = Math.sqrt(Math.log(1 + cv * cv));
    const ratios = opts.jitterRatios ?? null;
    if (ratios !== null && (ratios.length === 0 || !ratios.every((x) => x > 0 && Number.isFinite(x))))
      throw new Error('jitterRatios must be positive numbers, at least one');
    this.ratios = ratios;
  }

  /** The co-location model in force (`none` when interference is off). */
  get interference(): string {
    return this.colocation.name;
  }

  run(job: BatchJob, done: (finishedAtMs: number) => void, _failed: (reason: string) => void): void {
    const now = this.clock.now();
    const costMs = this.batchCostMs === null ? 0 : this.batchCostMs(job.model, job.batch);
    const soloMs = (this.soloLatencyMs(job) + costMs) * this.jitter(job.gpu);
    const r: Running = { job, soloLeftMs: soloMs, speed: 1, sinceMs: now, timer: -1, done };
    let onGpu = this.running.get(job.gpu);
    if (onGpu === undefined) {
      onGpu = [];
      this.running.set(job.gpu, onGpu);
    }
    if (onGpu.some((o) => o.job.gpulet === job.gpulet))
      throw new Error(`gpulet ${job.gpu}.${job.gpulet} is already running a batch`);
    onGpu.push(r);
    this.numBatches++;
    this.busyMsByGpu.set(job.gpu, (this.busyMsByGpu.get(job.gpu) ?? 0) + soloMs);
    if (onGpu.length > 1) this.numColocatedBatches++;
    this.refresh(job.gpu, now);
    if (r.timer === -1) this.schedule(r);
  }

  private soloLatencyMs(job: BatchJob): number {
    if (job.mig === undefined) return this.latency.latencyMs(job.model, job.batch, job.partitionPct);
    if (this.mig === null)
      throw new Error(`gpulet ${job.gpu}.${job.gpulet} is a MIG process on a GPU without a MIG profile`);
    const ms = this.mig.latencyMs(job.model, job.mig.size, job.batch, job.mig.procs);
    if (Number.isNaN(ms))
      throw new RangeError(
        `${this.mig.gpuType} MIG profile: no latency for ${job.model}, batch ${job.batch}, ${job.mig.size}g, ${job.mig.procs} process(es)`,
      );
    return ms;
  }

  private jitter(gpu: number): number {
    if (this.sigma === 0 && this.ratios === null) return 1;
    let rng = this.jitterRng.get(gpu);
    if (rng === undefined) {
      rng = streamRng(this.seed, 'jitter', `gpu${gpu}`);
      this.jitterRng.set(gpu, rng);
    }
    if (this.ratios !== null)
      return this.ratios[Math.min(this.ratios.length - 1, Math.floor(rng() * this.ratios.length))];
    return Math.exp(this.sigma * standardNormal(rng) - (this.sigma * this.sigma) / 2);
  }

  private schedule(r: Running): void {
    r.timer = this.clock.at(r.sinceMs + r.soloLeftMs / r.speed, () => this.finish(r));
  }

  private finish(r: Running): void {
    const now = this.clock.now();
    const onGpu = this.running.get(r.job.gpu) as Running[];
    onGpu.splice(onGpu.indexOf(r), 1);
    if (onGpu.length > 0) this.refresh(r.job.gpu, now);
    r.done(now);
  }

  /** Re-derive every running batch's speed on `gpu` and move its completion if the speed changed. */
  private refresh(gpu: number, now: number): void {
    if (this.colocation === NO_INTERFERENCE) return;
    const onGpu = this.running.get(gpu) as Running[];
    for (const r of onGpu) {
      let factor = 1;
      for (const other of onGpu) {
        if (other !== r) factor = Math.max(factor, this.colocation.slowdown(r.job, other.job, this.noise(gpu)));
      }
      const speed = 1 / factor;
      if (speed === r.speed) continue;
      r.soloLeftMs -= (now - r.sinceMs) * r.speed;
      r.sinceMs = now;
      r.speed = speed;
      if (r.timer !== -1) {
        this.clock.cancel(r.timer);
        this.schedule(r);
      }
    }
  }

  private noise(gpu: number): Rng {
    let rng = this.noiseRng.get(gpu);
    if (rng === undefined) {
      rng = streamRng(this.seed, 'interference', `gpu${gpu}`);
      this.noiseRng.set(gpu, rng);
    }
    return rng;
  }
}
