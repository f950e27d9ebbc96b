/**
 * The real executor: one runner per gpulet, each holding one onnxruntime session per model the plan
 * puts on that gpulet. It implements the engine's `Executor`, so `engine/server` serves a plan on it
 * unchanged, on the `RealtimeClock`. What a runner reports (a completion, a failure) is posted to the
 * clock with `at(now(), ...)`, so engine code only ever runs inside the clock's loop.
 *
 * A runner is a child process by default, not a worker thread: `worker.terminate()` while
 * onnxruntime-node 1.30 is inside `session.run()` aborts the whole Node process ("terminate called
 * after throwing an instance of 'Napi::Error'", measured here), so a gpulet that must be killable
 * mid-batch (a hang, a fault test) has to be a process, as the paper's per-gpulet proxies are. The
 * two cost the same per batch (LeNet b=1 round trip 0.06-0.14 ms either way); `threadHost` stays
 * for runs that never kill a gpulet.
 *
 * Faults. A runner that dies (crash, kill) or hangs (no answer within `hangTimeoutMs`) fails its
 * in-flight batch through the `failed` callback; the engine then drops that batch and the gpulet's
 * queue as `executor_failed`. The runner is restarted at once; until it is ready again every batch
 * sent to that gpulet fails straight away (the gpulet is down, its requests are dropped, not
 * delayed), and once it is ready the gpulet serves again. A gpulet that dies `maxRestarts` times in a
 * row without completing a batch in between is given up (`dead`): its batches keep failing. A
 * thread stuck inside native code cannot be stopped by `terminate()` until the call returns; the
 * executor does not wait for it and ignores whatever the old runner sends later.
 */
import type { BatchJob, Clock, Executor, TimerId } from '../../engine/types.ts';
import { getPriority } from 'node:os';
import { allowedCpus, coresFor, keepCoresWarm, setNice, threadsFor, type WarmCores } from './cores.ts';
import { processHost, type GpuletHost, type HostFactory } from './host.ts';
import type { FromRunner, RunnerInit } from './protocol.ts';

/** One gpulet of the plan and the models it serves. */
export interface GpuletSetup {
  gpu: number;
  /** Index within the GPU (0 or 1). */
  gpulet: number;
  partitionPct: number;
  /** Each model once, with the largest batch the plan gives it here. */
  models: ReadonlyArray<{ model: string; maxBatch: number }>;
}

/** Where a model's ONNX file is and what it takes as input. */
export interface ModelFile {
  path: string;
  inputShape: number[];
  inputType: 'float32' | 'int64';
}

export interface OnnxExecutorOptions {
  clock: Clock;
  gpulets: readonly GpuletSetup[];
  /** Files by canonical model name; every model of `gpulets` must be here. */
  files: Readonly<Record<string, ModelFile>>;
  /** CPU ids one GPU stands for. @default every CPU this process may use */
  cpus?: readonly number[];
  /** Pin each gpulet's threads to its own cores (see cores.ts). @default true */
  affinity?: boolean;
  /**
   * Nice value for the runners (and, while open, the calling thread, which routes and batches), so
   * that other processes on a shared machine disturb a real run less; negative values need
   * CAP_SYS_NICE and fall back silently (describe() says). @default unchanged
   */
  nice?: number;
  /** Keep every core of `cpus` out of idle with SCHED_IDLE spinners while open (see cores.ts). @default true */
  keepWarm?: boolean;
  /** @default 'cpu' */
  provider?: 'cpu' | 'cuda';
  /** Where runners live. @default processHost */
  host?: HostFactory;
  /** Extra environment per gpulet (process hosts only; MPS sets its thread percentage here). */
  envFor?: (g: GpuletSetup) => Record<string, string>;
  /** intra-op threads per gpulet. @default threadsFor(partition, cores) */
  threadsFor?: (g: GpuletSetup) => number;
  /** A batch with no answer after this long counts as a hang, ms. @default 10000 */
  hangTimeoutMs?: number;
  /** Consecutive deaths without a completed batch before a gpulet is given up. @default 3 */
  maxRestarts?: number;
  /** Runs per batch size when warming. @default 1 */
  warmRuns?: number;
  /** Log lines (restarts, give-ups), without newline. @default none */
  log?: (line: string) => void;
  /** Diagnostics: called for each completed batch with the runner's own timing of `session.run`, ms. */
  onRunTimed?: (gpulet: string, model: string, batch: number, runMs: number) => void;
}

/** A failure the executor saw, for reports. */
export interface ExecutorFailure {
  gpulet: string;
  atMs: number;
  reason: string;
}

type State = 'starting' | 'ready' | 'dead' | 'closed';

interface InFlight {
  id: number;
  done: (finishedAtMs: number) => void;
  failed: (reason: string) => void;
  watchdog: TimerId;
}

interface Slot {
  readonly key: string;
  readonly setup: GpuletSetup;
  readonly init: RunnerInit;
  state: State;
  host: GpuletHost | null;
  /** Bumped on every (re)start; events from an older runner are ignored. */
  generation: number;
  job: InFlight | null;
  jobLabel: { model: string; batch: number } | null;
  deathsInARow: number;
  everReady: boolean;
  affinity: string;
  /** Settles the first start (create(), prepare()). */
  onFirstReady: { resolve: () => void; reject: (e: Error) => void } | null;
  /** Replaced or released: ends once its batch in flight has answered. */
  retiring: boolean;
}

const keyOf = (gpu: number, gpulet: number): string => `${gpu}.${gpulet}`;

export class OnnxExecutor implements Executor {
  /** Restarts so far, over all gpulets. */
  numRestarts = 0;
  /** Runner deaths and hangs, in order. */
  readonly failures: ExecutorFailure[] = [];
  private readonly slots = new Map<string, Slot>();
  private readonly clock: Clock;
  private readonly host: HostFactory;
  private readonly hangTimeoutMs: number;
  private readonly maxRestarts: number;
  private readonly log: (line: string) => void;
  private readonly envFor: (g: GpuletSetup) => Record<string, string>;
  private readonly onRunTimed: OnnxExecutorOptions['onRunTimed'];
  private nextId = 0;
  private warm: WarmCores | null = null;
  private mainNice: { before: number; status: string } | null = null;
  private readonly cpus: readonly number[];
  private readonly opts: OnnxExecutorOptions;
  private closed = false;
  /** Runners replaced or released that still have a batch to answer. */
  private readonly leaving = new Set<Slot>();

  private constructor(opts: OnnxExecutorOptions) {
    this.clock = opts.clock;
    this.host = opts.host ?? processHost;
    this.hangTimeoutMs = opts.hangTimeoutMs ?? 10_000;
    this.maxRestarts = opts.maxRestarts ?? 3;
    this.log = opts.log ?? (() => {});
    this.envFor = opts.envFor ?? (() => ({}));
    this.onRunTimed = opts.onRunTimed;
    const cpus = opts.cpus ?? allowedCpus();
    this.cpus = cpus;
    this.opts = opts;
    for (const g of opts.gpulets) {
      const key = keyOf(g.gpu, g.gpulet);
      if (this.slots.has(key)) throw new Error(`gpulet ${key} is listed twice`);
      this.slots.set(key, this.newSlot(g));
    }
  }

  private newSlot(g: GpuletSetup): Slot {
    const { opts, cpus } = this;
    const key = keyOf(g.gpu, g.gpulet);
    const threads = opts.threadsFor?.(g) ?? threadsFor(g.partitionPct, cpus.length);
    const init: RunnerInit = {
      label: key,
      threads,
      cpus: opts.affinity === false ? null : coresFor(g.gpulet, threads, cpus),
      provider: opts.provider ?? 'cpu',
      warmRuns: opts.warmRuns ?? 1,
      nice: opts.nice ?? null,
      models: g.models.map(({ model, maxBatch }) => {
        const f = opts.files[model];
        if (f === undefined) throw new Error(`no model file for ${model} (gpulet ${key})`);
        return {
          name: model,
          path: f.path,
          inputShape: f.inputShape,
          inputType: f.inputType,
          maxBatch: Math.max(1, Math.floor(maxBatch)),
        };
      }),
    };
    return {
      key,
      setup: g,
      init,
      state: 'starting',
      host: null,
      generation: 0,
      job: null,
      jobLabel: null,
      deathsInARow: 0,
      everReady: false,
      affinity: '',
      onFirstReady: null,
      retiring: false,
    };
  }

  /**
   * Get a gpulet ready for `setup` while serving goes on (re-planning: engine/server/replanner.ts's
   * GpuletLoader). A gpulet not running yet gets a runner; one that lacks models or batch sizes gets
   * a new runner with the union, and the old one keeps serving until the new one is ready, then
   * finishes its batch and ends. Resolves once the gpulet can serve `setup`.
   */
  async prepare(setup: GpuletSetup): Promise<void> {
    const key = keyOf(setup.gpu, setup.gpulet);
    const old = this.slots.get(key);
    let g = setup;
    if (old !== undefined && old.state !== 'dead' && old.state !== 'closed') {
      const have = new Map(old.setup.models.map((m) => [m.model, m.maxBatch] as const));
      if (
        old.setup.partitionPct === setup.partitionPct &&
        setup.models.every((m) => (have.get(m.model) ?? 0) >= m.maxBatch)
      )
        return;
      const union = new Map(have);
      for (const m of setup.models) union.set(m.model, Math.max(union.get(m.model) ?? 0, m.maxBatch));
      g = { ...setup, models: [...union].map(([model, maxBatch]) => ({ model, maxBatch })) };
    }
    const slot = this.newSlot(g);
    try {
      await new Promise<void>((resolve, reject) => {
        slot.onFirstReady = { resolve, reject };
        this.start(slot);
      });
    } catch (e) {
      // A gpulet that never started stays known (dead), so its batches fail instead of throwing.
      if (!this.slots.has(key)) this.slots.set(key, slot);
      throw e;
    }
    if (this.closed) {
      await slot.host?.terminate();
      return;
    }
    const before = this.slots.get(key);
    this.slots.set(key, slot);
    if (before !== undefined && before !== slot) this.retire(before);
  }

  /**
   * The gpulet left the plan and has nothing left to run (the dispatcher calls this): end its
   * runner and forget it.
   */
  release(gpu: number, gpulet: number): void {
    const key = keyOf(gpu, gpulet);
    const slot = this.slots.get(key);
    if (slot === undefined) return;
    this.slots.delete(key);
    this.retire(slot);
  }

  /** End a runner no longer routed to, once its batch in flight (if any) has answered. */
  private retire(slot: Slot): void {
    slot.retiring = true;
    if (slot.job !== null) {
      this.leaving.add(slot);
      return;
    }
    this.leaving.delete(slot);
    slot.state = 'closed';
    slot.generation++;
    void slot.host?.terminate();
    slot.host = null;
  }

  /** Start every gpulet's runner, load and warm its sessions; resolves once all are ready. */
  static async create(opts: OnnxExecutorOptions): Promise<OnnxExecutor> {
    const ex = new OnnxExecutor(opts);
    if (opts.nice !== undefined) {
      ex.mainNice = { before: getPriority(0), status: setNice(opts.nice) };
    }
    if (opts.keepWarm ?? true) ex.warm = await keepCoresWarm(ex.cpus);
    const ready = [...ex.slots.values()].map(
      (slot) =>
        new Promise<void>((resolve, reject) => {
          slot.onFirstReady = { resolve, reject };
          ex.start(slot);
        }),
    );
    try {
      await Promise.all(ready);
    } catch (e) {
      await ex.close();
      throw e;
    }
    return ex;
  }

  run(job: BatchJob, done: (finishedAtMs: number) => void, failed: (reason: string) => void): void {
    const key = keyOf(job.gpu, job.gpulet);
    const slot = this.slots.get(key);
    if (slot === undefined) throw new Error(`batch for gpulet ${key}, which this executor does not run`);
    if (slot.state !== 'ready' || slot.host === null) {
      failed(`gpulet ${key} is ${slot.state === 'starting' ? 'restarting' : slot.state}`);
      return;
    }
    if (slot.job !== null) throw new Error(`gpulet ${key} is already running a batch`);
    const id = this.nextId++;
    const watchdog = this.clock.at(this.clock.now() + this.hangTimeoutMs, () => {
      if (slot.job?.id !== id) return;
      const host = slot.host;
      this.lost(slot, `hung (no answer in ${this.hangTimeoutMs} ms)`);
      void host?.terminate();
    });
    slot.job = { id, done, failed, watchdog };
    slot.jobLabel = { model: job.model, batch: job.batch };
    slot.host.post({ type: 'run', id, model: job.model, batch: job.batch });
  }

  /**
   * Fault injection (tests, chaos runs): `crash` terminates the gpulet's runner as a crash would;
   * `hang` blocks its thread so its next batch trips the watchdog.
   */
  inject(gpu: number, gpulet: number, fault: 'crash' | 'hang'): void {
    const slot = this.slots.get(keyOf(gpu, gpulet));
    if (slot?.host == null) throw new Error(`gpulet ${keyOf(gpu, gpulet)} has no running runner`);
    if (fault === 'crash') void slot.host.terminate();
    else slot.host.post({ type: 'block', ms: 10 * this.hangTimeoutMs });
  }

  /** State of every gpulet, `0.0: ready, 1 thread(s), pinned to 0`, then `keep-warm: spinning on 0,1`. */
  describe(): string[] {
    const gpulets = [...this.slots.values()].map(
      (s) => `${s.key}: ${s.state}, ${s.init.threads} thread(s), ${s.affinity || 'not started'}`,
    );
    return [
      ...gpulets,
      `keep-warm: ${this.warm?.status ?? 'off'}`,
      ...(this.mainNice ? [`serving thread: ${this.mainNice.status}`] : []),
    ];
  }

  /** Whether every gpulet is ready (none restarting or given up). */
  get allReady(): boolean {
    return [...this.slots.values()].every((s) => s.state === 'ready');
  }

  /** Fail what is in flight, end every runner, and wait for them to go. */
  async close(): Promise<void> {
    this.closed = true;
    const ends: Promise<void>[] = [];
    for (const slot of [...this.slots.values(), ...this.leaving]) {
      slot.state = 'closed';
      slot.generation++;
      const job = slot.job;
      slot.job = null;
      if (job) {
        this.clock.cancel(job.watchdog);
        this.post(() => job.failed('executor closed'));
      }
      if (slot.host) ends.push(slot.host.terminate());
      slot.host = null;
    }
    this.leaving.clear();
    if (this.warm) ends.push(this.warm.stop());
    this.warm = null;
    if (this.mainNice) setNice(this.mainNice.before);
    this.mainNice = null;
    await Promise.all(ends);
  }

  private start(slot: Slot): void {
    const generation = ++slot.generation;
    const host = this.host(this.envFor(slot.setup));
    slot.host = host;
    host.onMessage((msg) => {
      if (slot.generation === generation) this.onMessage(slot, msg);
    });
    host.onExit((reason) => {
      if (slot.generation === generation) this.lost(slot, reason);
    });
    host.post({ type: 'init', init: slot.init });
  }

  private onMessage(slot: Slot, msg: FromRunner): void {
    switch (msg.type) {
      case 'ready':
        slot.state = 'ready';
        slot.everReady = true;
        slot.affinity = msg.affinity;
        slot.onFirstReady?.resolve();
        slot.onFirstReady = null;
        return;
      case 'fatal': {
        const host = slot.host;
        this.lost(slot, msg.message);
        void host?.terminate();
        return;
      }
      case 'done':
      case 'error': {
        const job = slot.job;
        if (job === null || job.id !== msg.id) return; // an answer to a batch already failed
        slot.job = null;
        this.clock.cancel(job.watchdog);
        if (msg.type === 'error') {
          const message = msg.message;
          this.post(() => job.failed(`gpulet ${slot.key}: batch failed: ${message}`));
          if (slot.retiring) this.retire(slot);
          return;
        }
        slot.deathsInARow = 0;
        if (this.onRunTimed && slot.jobLabel)
          this.onRunTimed(slot.key, slot.jobLabel.model, slot.jobLabel.batch, msg.runMs);
        const finishedAtMs = this.clock.now();
        this.post(() => job.done(finishedAtMs));
        if (slot.retiring) this.retire(slot);
      }
    }
  }

  /** Hand `fn` to the clock's loop, now. */
  private post(fn: () => void): void {
    this.clock.at(this.clock.now(), fn);
  }

  /** The runner is gone or useless: fail its batch, then restart it or give it up. */
  private lost(slot: Slot, reason: string): void {
    if (slot.state === 'closed' || slot.state === 'dead') return;
    if (slot.retiring) {
      // A runner on its way out: fail its batch, do not restart it.
      this.leaving.delete(slot);
      slot.state = 'closed';
      slot.generation++;
      slot.host = null;
      const job = slot.job;
      slot.job = null;
      if (job) {
        this.clock.cancel(job.watchdog);
        this.post(() => job.failed(`gpulet ${slot.key}: ${reason}`));
      }
      return;
    }
    slot.generation++; // ignore anything the old runner still says
    slot.host = null;
    this.failures.push({ gpulet: slot.key, atMs: this.clock.now(), reason });
    const job = slot.job;
    slot.job = null;
    if (job) {
      this.clock.cancel(job.watchdog);
      this.post(() => job.failed(`gpulet ${slot.key}: ${reason}`));
    }
    if (!slot.everReady) {
      // Never started: a missing file or a bad model does not heal by retrying.
      slot.state = 'dead';
      slot.onFirstReady?.reject(new Error(`gpulet ${slot.key} did not start: ${reason}`));
      slot.onFirstReady = null;
      return;
    }
    slot.deathsInARow++;
    if (slot.deathsInARow > this.maxRestarts) {
      slot.state = 'dead';
      this.log(`gpulet ${slot.key}: ${reason}; given up after ${this.maxRestarts} restarts in a row`);
      return;
    }
    slot.state = 'starting';
    this.numRestarts++;
    this.log(`gpulet ${slot.key}: ${reason}; restarting`);
    this.start(slot);
  }
}
