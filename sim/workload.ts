/**
 * Workloads: which tasks receive requests at what rates, and how arrivals are drawn.
 * Built-ins follow the paper's §5.1 and Table 5 (docs/artifact.md#workloads): the Nexus applications `game` and `traffic` and the five
 * model-level scenarios of the paper's Table 5 (equal rates within a scenario).
 */
import { readFileSync } from 'node:fs';
import { InputError, show } from '../engine/errors.ts';
import { MAX_GAMMA_CV } from '../engine/limits.ts';
import type { Demand } from '../engine/plan.ts';
import type { AppSpec } from '../engine/server/tracker.ts';
import type { ArrivalStream } from '../engine/server/session.ts';
import type { ModelInfo } from '../engine/types.ts';
import { exponential, gamma, streamRng, type Rng } from './rng.ts';

/** Inter-arrival process of every stream. */
export type ArrivalProcess = { process: 'poisson' } | { process: 'gamma'; cv: number };

export interface Workload {
  readonly name: string;
  /** One demand per task; for apps every task's rate equals the application rate. */
  readonly tasks: readonly Demand[];
  /** The application DAG, or null when requests arrive per task. */
  readonly app: AppSpec | null;
  /** Application requests per second (app workloads only; 0 otherwise). */
  readonly appRateRps: number;
  /** GPUs available. @default 4 (the paper's two servers with two RTX 2080 Ti each) */
  readonly numGpus: number;
  /** GPU type the workload asks for; null: whatever the latency profile describes. */
  readonly gpuType: string | null;
  readonly arrival: ArrivalProcess;
}

/** Finds a model by name or alias; throws InputError naming `where` if unknown. */
export type ModelResolver = (nameOrAlias: string, where: string) => ModelInfo;

export const DEFAULT_GPUS = 4;

interface BuiltinSpec {
  /** Default total rate (req/s, or app req/s), a load every scheduler here serves. */
  defaultRateRps: number;
  models: string[];
  app?: { sloMs: number; tasks: Array<{ task: string; model: string; sloMs: number }>; stages: string[][] };
}

const GAME_LENETS = ['lenet1', 'lenet2', 'lenet3', 'lenet4', 'lenet5', 'lenet6'];

/** Table 5 scenarios and the two applications (docs/artifact.md#workloads). */
export const BUILTIN_WORKLOADS: Readonly<Record<string, BuiltinSpec>> = {
  game: {
    defaultRateRps: 400,
    models: [],
    // Six LeNets and ResNet-50 in parallel; the app SLO, 108 ms, is every model's SLO (§7.1).
    app: {
      sloMs: 108,
      tasks: [
        ...GAME_LENETS.map((task) => ({ task, model: 'lenet', sloMs: 108 })),
        { task: 'resnet50', model: 'resnet50', sloMs: 108 },
      ],
      stages: [[...GAME_LENETS, 'resnet50']],
    },
  },
  traffic: {
    defaultRateRps: 200,
    models: [],
    // SSD, then GoogLeNet and VGG-16 in parallel; per-model SLOs 90 + 112 = 202 ms end to end.
    app: {
      sloMs: 202,
      tasks: [
        { task: 'ssd-mobilenetv1', model: 'ssd-mobilenetv1', sloMs: 90 },
        { task: 'googlenet', model: 'googlenet', sloMs: 112 },
        { task: 'vgg16', model: 'vgg16', sloMs: 112 },
      ],
      stages: [['ssd-mobilenetv1'], ['googlenet', 'vgg16']],
    },
  },
  scen1: { defaultRateRps: 1200, models: ['mobilenet_v2', 'bert', 'mnasnet1_0', 'googlenet'] },
  scen2: { defaultRateRps: 600, models: ['densenet161', 'vgg16'] },
  scen3: { defaultRateRps: 800, models: ['mobilenet_v2', 'resnet50', 'vgg16'] },
  scen4: { defaultRateRps: 600, models: ['ssd-mobilenetv1', 'mnasnet1_0', 'densenet161'] },
  scen5: { defaultRateRps: 800, models: ['lenet', 'ssd-mobilenetv1', 'mnasnet1_0', 'vgg16'] },
};

/** Build a built-in workload at its default rate. */
export function builtinWorkload(name: string, resolve: ModelResolver): Workload {
  if (!Object.hasOwn(BUILTIN_WORKLOADS, name))
    throw new InputError(
      `unknown workload ${show(name)}: expected one of ${Object.keys(BUILTIN_WORKLOADS).join(', ')} or a JSON file`,
    );
  const spec = BUILTIN_WORKLOADS[name];
  const base = { name, numGpus: DEFAULT_GPUS, gpuType: null, arrival: { process: 'poisson' } as const };
  if (spec.app) {
    const rate = spec.defaultRateRps;
    for (const t of spec.app.tasks) resolve(t.model, `workload ${name}`);
    return {
      ...base,
      tasks: spec.app.tasks.map((t) => ({ ...t, rateRps: rate })),
      app: { name, sloMs: spec.app.sloMs, stages: spec.app.stages },
      appRateRps: rate,
    };
  }
  const perModel = spec.defaultRateRps / spec.models.length;
  return {
    ...base,
    tasks: spec.models.map((m) => {
      const info = resolve(m, `workload ${name}`);
      return { task: info.name, model: info.name, rateRps: perModel, sloMs: info.sloMs };
    }),
    app: null,
    appRateRps: 0,
  };
}

/** Total offered rate: application requests per second for apps, else the sum over tasks. */
export function totalRate(w: Workload): number {
  return w.app ? w.appRateRps : w.tasks.reduce((s, t) => s + t.rateRps, 0);
}

/**
 * The same workload at total rate `rateRps`: for apps every task runs at the application rate; for
 * model workloads the rates are scaled in proportion (equal rates stay equal).
 */
export function withTotalRate(w: Workload, rateRps: number): Workload {
  if (!(rateRps >= 0) || !Number.isFinite(rateRps))
    throw new InputError(`--rate: expected a non-negative number, got ${show(rateRps)}`);
  if (w.app) return { ...w, appRateRps: rateRps, tasks: w.tasks.map((t) => ({ ...t, rateRps })) };
  const total = totalRate(w);
  const equal = total === 0 ? rateRps / w.tasks.length : 0;
  // Shares as rate x (own / total), not own x (rate / total): equal shares then come out exactly
  // rate / n (1380 over three equal tasks is 460, not 459.99999999999994, which the scheduler's
  // integer rates would truncate to 459).
  // (rate x own overflows for a rate near the largest double: then rate x (own / total).)
  const share = (own: number) => {
    const v = (rateRps * own) / total;
    return Number.isFinite(v) ? v : rateRps * (own / total);
  };
  return { ...w, tasks: w.tasks.map((t) => ({ ...t, rateRps: total > 0 ? share(t.rateRps) : equal })) };
}

/** A built-in name, or else a JSON workload file. */
export function loadWorkload(nameOrFile: string, resolve: ModelResolver): Workload {
  if (Object.hasOwn(BUILTIN_WORKLOADS, nameOrFile)) return builtinWorkload(nameOrFile, resolve);
  let text: string;
  try {
    text = readFileSync(nameOrFile, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new InputError(
        `${nameOrFile}: no such built-in workload (${Object.keys(BUILTIN_WORKLOADS).join(', ')}) and no such file`,
      );
    throw new InputError(`${nameOrFile}: cannot read workload file (${code ?? String(e)})`);
  }
  return parseWorkload(text, nameOrFile, resolve);
}

const WORKLOAD_KEYS = ['models', 'gpus', 'gpu', 'arrival', 'name'];
const MODEL_KEYS = ['model', 'rate', 'slo_ms'];

/** Parse and validate a JSON workload (docs/design.md#command-line-contract; format: docs/formats.md#workload-json). */
export function parseWorkload(text: string, file: string, resolve: ModelResolver): Workload {
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, '')); // a byte-order mark is no mistake
  } catch (e) {
    throw new InputError(`${file}: not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new InputError(`${file}: expected a JSON object with a "models" list, got ${show(doc)}`);
  const o = doc as Record<string, unknown>;
  for (const k of Object.keys(o))
    if (!WORKLOAD_KEYS.includes(k))
      throw new InputError(`${file}: field ${k}: unknown field (expected ${WORKLOAD_KEYS.join(', ')})`);
  if (!Array.isArray(o.models) || o.models.length === 0)
    throw new InputError(`${file}: field models: expected a non-empty list of {model, rate}, got ${show(o.models)}`);
  const seen = new Set<string>();
  const tasks: Demand[] = o.models.map((entry: unknown, i: number) => {
    const where = `${file}: models[${i}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
      throw new InputError(`${where}: expected an object {model, rate}, got ${show(entry)}`);
    const m = entry as Record<string, unknown>;
    for (const k of Object.keys(m))
      if (!MODEL_KEYS.includes(k))
        throw new InputError(`${where}, field ${k}: unknown field (expected ${MODEL_KEYS.join(', ')})`);
    if (typeof m.model !== 'string')
      throw new InputError(`${where}, field model: expected a model name, got ${show(m.model)}`);
    const info = resolve(m.model, `${where}, field model`);
    if (seen.has(info.name)) throw new InputError(`${where}, field model: ${info.name} is listed twice`);
    seen.add(info.name);
    const rate = m.rate;
    if (typeof rate !== 'number' || !Number.isFinite(rate) || rate < 0)
      throw new InputError(
        `${where}, field rate: expected a non-negative number of requests per second, got ${show(rate)}`,
      );
    let sloMs = info.sloMs;
    if (m.slo_ms !== undefined) {
      if (typeof m.slo_ms !== 'number' || !Number.isFinite(m.slo_ms) || m.slo_ms <= 0)
        throw new InputError(`${where}, field slo_ms: expected a positive number of ms, got ${show(m.slo_ms)}`);
      sloMs = m.slo_ms;
    }
    return { task: info.name, model: info.name, rateRps: rate, sloMs };
  });
  let numGpus = DEFAULT_GPUS;
  if (o.gpus !== undefined) {
    if (typeof o.gpus !== 'number' || !Number.isInteger(o.gpus) || o.gpus < 1 || o.gpus > 100_000)
      throw new InputError(
        `${file}: field gpus: expected a whole number of GPUs from 1 to 100000, got ${show(o.gpus)}`,
      );
    numGpus = o.gpus;
  }
  let gpuType: string | null = null;
  if (o.gpu !== undefined) {
    if (typeof o.gpu !== 'string' || o.gpu.length === 0)
      throw new InputError(`${file}: field gpu: expected a GPU type name, got ${show(o.gpu)}`);
    gpuType = o.gpu;
  }
  // The name is printed: control characters in it would reach the terminal.
  const control = (t: string) => [...t].some((c) => c.charCodeAt(0) < 0x20 || (c >= '\u007f' && c <= '\u009f'));
  if (o.name !== undefined && (typeof o.name !== 'string' || o.name === '' || control(o.name)))
    throw new InputError(`${file}: field name: expected a printable name, got ${show(o.name)}`);
  const name = typeof o.name === 'string' ? o.name : file;
  return { name, tasks, app: null, appRateRps: 0, numGpus, gpuType, arrival: parseArrival(o.arrival, file) };
}

function parseArrival(a: unknown, file: string): ArrivalProcess {
  if (a === undefined) return { process: 'poisson' };
  if (typeof a !== 'object' || a === null || Array.isArray(a))
    throw new InputError(`${file}: field arrival: expected an object {process}, got ${show(a)}`);
  const o = a as Record<string, unknown>;
  const keys = o.process === 'gamma' ? ['process', 'cv'] : ['process'];
  for (const k of Object.keys(o))
    if (!keys.includes(k))
      throw new InputError(
        `${file}: field arrival.${k}: unknown field (expected ${keys.join(', ')} for ${show(o.process)})`,
      );
  if (o.process === 'poisson') return { process: 'poisson' };
  if (o.process === 'gamma') {
    if (typeof o.cv !== 'number' || !Number.isFinite(o.cv) || o.cv <= 0)
      throw new InputError(
        `${file}: field arrival.cv: expected a positive coefficient of variation, got ${show(o.cv)}`,
      );
    if (o.cv > MAX_GAMMA_CV)
      throw new InputError(
        `${file}: field arrival.cv: expected at most ${MAX_GAMMA_CV} (a fixed bound: beyond it bursts of about cv^2/2 requests arrive at one instant), got ${show(o.cv)}`,
      );
    return { process: 'gamma', cv: o.cv };
  }
  throw new InputError(`${file}: field arrival.process: expected "poisson" or "gamma", got ${show(o.process)}`);
}

/** Renewal arrivals at a constant mean rate: exponential (Poisson) or gamma inter-arrival times. */
export class RenewalStream implements ArrivalStream {
  private atMs: number;
  private readonly meanGapMs: number;
  private readonly shape: number;

  constructor(
    readonly task: string | null,
    rateRps: number,
    private readonly rng: Rng,
    arrival: ArrivalProcess = { process: 'poisson' },
    startMs = 0,
  ) {
    this.atMs = startMs;
    this.meanGapMs = rateRps > 0 ? 1000 / rateRps : Infinity;
    // Gamma with shape k has CV 1/sqrt(k): k = 1/cv^2.
    this.shape = arrival.process === 'gamma' ? 1 / (arrival.cv * arrival.cv) : 1;
  }

  nextArrivalMs(): number {
    if (this.meanGapMs === Infinity) return Infinity;
    const gap =
      this.shape === 1
        ? exponential(this.rng, this.meanGapMs)
        : (gamma(this.rng, this.shape) / this.shape) * this.meanGapMs;
    this.atMs += gap;
    return this.atMs;
  }
}

/** One seeded stream per task (or one for the application), derived from the run seed. */
export function arrivalStreams(w: Workload, seed: number | string): ArrivalStream[] {
  if (w.app) return [new RenewalStream(null, w.appRateRps, streamRng(seed, 'arrivals', w.app.name), w.arrival)];
  return w.tasks.map((t) => new RenewalStream(t.task, t.rateRps, streamRng(seed, 'arrivals', t.task), w.arrival));
}
