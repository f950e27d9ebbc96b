/**
 * What every CLI command shares: where output goes, common flags, printing, flag checks.
 * Each command lives in its own file in this folder and is listed in commands.ts.
 */
import type { Argv, CommandModule } from 'yargs';
import { InputError, show } from '../../engine/errors.ts';
import { SCHEDULER_NAMES } from '../../engine/schedulers/index.ts';
import { BUILTIN_WORKLOADS } from '../../sim/workload.ts';
import { DEFAULT_PREDICTOR, PREDICTORS } from '../../sim/predictors.ts';
import { FIX_NAMES } from '../../engine/schedulers/fixes.ts';
import { EPOCH_MS } from '../../engine/server/rate-monitor.ts';
import { resolveModel } from '../../sim/profiles/catalog.ts';
import { FLUX_STEP_MS, loadTrace, traceLoad, type Load } from '../../sim/trace.ts';
import type { ModelResolver, Workload } from '../../sim/workload.ts';
import { MAX_DURATION_S, MAX_GPUS, MAX_IDEAL_GPUS, MAX_REQUESTS } from '../../engine/limits.ts';
import type { RunLimits } from '../../sim/limits.ts';

import type { Io } from '../lib/io.ts';

export type { Io };

/** Flags every command has. */
export interface Common {
  format: 'table' | 'json';
}

/** A command bound to its output. */
// biome-ignore lint/suspicious/noExplicitAny: the default stands for any command's argument type (see commands.ts)
export type Command<A extends Common = any> = (io: Io) => CommandModule<Common, A>;

export interface WorkloadArgs extends Common {
  workload: string;
  scheduler: string;
  rate?: number;
  gpus?: number;
  profiles?: string;
  /** Models catalog CSV (catalogOptions; schedule, simulate, maxrate). */
  catalog?: string;
  /** GPU types CSV (catalogOptions). */
  gpuTypes?: string;
  predictor: string;
  /** all, none or a comma list (parseFixes). */
  fixes: string;
  /** Lift the work limits on planning (sim/limits.ts checkPlanSize). */
  allowSlow: boolean;
}

const WORKLOAD_HELP = `Built-in name (${Object.keys(BUILTIN_WORKLOADS).join(', ')}) or a JSON file {"models": [{"model", "rate", "slo_ms"?}], "gpus"?, "gpu"?, "arrival"?}`;

/**
 * --workload, --scheduler, --rate, --gpus, --profiles, --predictor, --fixes. With `rate: false`
 * (maxrate, which searches the rate) --rate stays out of --help and is refused when given.
 */
export function workloadOptions<T>(y: Argv<T>, opts: { rate?: boolean } = {}) {
  return y
    .option('workload', { alias: 'w', type: 'string', demandOption: true, describe: WORKLOAD_HELP })
    .option('scheduler', {
      alias: 's',
      type: 'string',
      choices: SCHEDULER_NAMES,
      default: 'gpulet-int',
      describe: 'The scheduler that plans (`gpulet fixes` says how each departs from the artifact)',
    })
    .option('rate', {
      alias: 'r',
      type: 'number',
      hidden: opts.rate === false,
      describe: "Total rate, req/s (application requests/s for game and traffic); default: the workload's own",
    })
    .option('gpus', {
      alias: 'g',
      type: 'number',
      describe: "GPUs available (default: the workload's, 4 for built-ins)",
    })
    .option('profiles', {
      type: 'string',
      describe: 'Latency profile CSV (model,gpu,partition,batch,latency_ms); default: the embedded RTX 2080 Ti set',
    })
    .option('predictor', {
      type: 'string',
      choices: Object.keys(PREDICTORS),
      default: DEFAULT_PREDICTOR,
      describe: 'Interference predictor gpulet-int and ideal plan with',
    })
    .option('fixes', {
      type: 'string',
      default: 'all',
      describe: `Departures from the authors' artifact in force: all, none (the artifact's rules exactly, bugs included) a comma list of ${FIX_NAMES.join(', ')}, or all,-NAME,... for all but some (\`gpulet fixes\` says what each does)`,
    })
    .option('allow-slow', {
      type: 'boolean',
      default: false,
      describe: `Plan on more than ${MAX_GPUS} GPUs, or with ideal on more than ${MAX_IDEAL_GPUS} (4^n layouts): planning may take minutes or more`,
    });
}

/**
 * --catalog and --gpu-types: a model or a GPU type added as data (docs/formats.md), for the commands
 * that plan and simulate with a profile (not serve, which runs the ONNX zoo's own models).
 */
export function catalogOptions<T>(y: Argv<T>) {
  return y
    .option('catalog', {
      type: 'string',
      describe:
        'Models catalog CSV adding models to the embedded ones (columns as sim/profiles/data/models.csv: model,alias,slo_ms,memory_mb,input_shape,input_dtype,input_bytes); give their latency rows with --profiles',
    })
    .option('gpu-types', {
      type: 'string',
      describe:
        'GPU types CSV adding types a --profiles file may name (columns name,memory_mb,interference; memory in MB, interference none or truth)',
    });
}

/** The run-size bounds a command's flags set (sim/limits.ts). */
export interface LimitArgs {
  maxRequests?: number;
  maxDuration?: number;
}

/** --max-requests and --max-duration (simulate, serve, maxrate). */
export function limitOptions<T>(y: Argv<T>) {
  return y
    .option('max-requests', {
      type: 'number',
      defaultDescription: String(MAX_REQUESTS),
      describe: 'Refuse a run expected to bring more requests than this (each costs about 1-7 us and up to ~50 bytes)',
    })
    .option('max-duration', {
      type: 'number',
      defaultDescription: String(MAX_DURATION_S),
      describe: 'Refuse a run with more seconds of arrivals than this (--duration, or the trace)',
    });
}

/** The bounds --max-requests and --max-duration set. */
export function runLimits(a: LimitArgs): RunLimits {
  if (a.maxRequests !== undefined) checkPositive('--max-requests', a.maxRequests);
  if (a.maxDuration !== undefined) checkPositive('--max-duration', a.maxDuration);
  return { maxRequests: a.maxRequests, maxDurationS: a.maxDuration };
}

/** Print a JSON document or a text rendering. */
export function print(io: Io, format: 'table' | 'json', json: unknown, text: () => string): void {
  io.out(format === 'json' ? `${JSON.stringify(json, null, 2)}\n` : `${text()}\n`);
}

export function checkPositive(flag: string, v: number): void {
  if (!(v > 0) || !Number.isFinite(v)) throw new InputError(`${flag}: expected a positive number, got ${show(v)}`);
}
export function checkNonNegative(flag: string, v: number): void {
  if (!(v >= 0) || !Number.isFinite(v)) throw new InputError(`${flag}: expected a non-negative number, got ${show(v)}`);
}

/** A run seed: a whole number (seeds are hashed as text, so 1.5 or 1e300 would not mean what they say). */
export function checkSeed(flag: string, v: number): number {
  if (!Number.isSafeInteger(v))
    throw new InputError(`${flag}: expected a whole number up to ${Number.MAX_SAFE_INTEGER}, got ${show(v)}`);
  return v;
}

/** An option given without the one it works with is an error, not ignored. */
export function checkApplies(flag: string, given: boolean, needs: string, present: boolean): void {
  if (given && !present) throw new InputError(`${flag}: applies only with ${needs}; add ${needs} or leave ${flag} out`);
}

/**
 * --trace and its settings. The settings have no yargs default, so that one given without --trace
 * can be told from one left out (an error, not ignored); {@link traceFrom} applies the defaults.
 */
export interface TraceArgs {
  trace?: string;
  traceScale?: number;
  traceStepS?: number;
  azureMap?: 'top' | 'sum';
}

const TRACE_DEFAULTS = { traceScale: 1, traceStepS: FLUX_STEP_MS / 1000, azureMap: 'top' } as const;

/** --trace and how to read it (simulate, serve). */
export function traceOptions<T>(y: Argv<T>) {
  return y
    .option('trace', {
      type: 'string',
      describe:
        'Arrivals from a trace: one total req/s per line per step (the artifact flux format), a CSV time_s,model of request times, or Azure Functions 2019 per-minute counts',
    })
    .option('trace-scale', {
      type: 'number',
      defaultDescription: String(TRACE_DEFAULTS.traceScale),
      describe: 'With --trace: multiply trace rates by this (replay: play this many times faster)',
    })
    .option('trace-step-s', {
      type: 'number',
      defaultDescription: String(TRACE_DEFAULTS.traceStepS),
      describe: 'With --trace: seconds each line of a rate-steps trace lasts',
    })
    .option('azure-map', {
      choices: ['top', 'sum'] as const,
      defaultDescription: TRACE_DEFAULTS.azureMap,
      describe:
        "With --trace: Azure counts: the busiest functions drive the tasks in order (top), or their sum scales the workload's rates (sum)",
    });
}

/**
 * The load `--trace` describes for `w`, or null without it. The trace's settings without --trace,
 * and --rate with it (the trace gives the rates), are errors.
 */
export function traceFrom(
  a: TraceArgs & { rate?: number },
  w: Workload,
  resolve: ModelResolver = resolveModel,
): Load | null {
  const has = a.trace !== undefined;
  checkApplies('--trace-scale', a.traceScale !== undefined, '--trace', has);
  checkApplies('--trace-step-s', a.traceStepS !== undefined, '--trace', has);
  checkApplies('--azure-map', a.azureMap !== undefined, '--trace', has);
  if (has && a.rate !== undefined)
    throw new InputError('--rate: not with --trace (the trace gives the rates; --trace-scale scales them)');
  const scale = a.traceScale ?? TRACE_DEFAULTS.traceScale;
  const stepS = a.traceStepS ?? TRACE_DEFAULTS.traceStepS;
  checkPositive('--trace-scale', scale);
  checkPositive('--trace-step-s', stepS);
  return a.trace === undefined
    ? null
    : traceLoad(
        w,
        loadTrace(a.trace, resolve, {
          scale,
          stepMs: stepS * 1000,
          azure: a.azureMap ?? TRACE_DEFAULTS.azureMap,
        }),
      );
}

/** --autoscale and its settings; as with the trace's, the settings have no yargs default (see {@link autoscaleSettings}). */
export interface AutoscaleArgs {
  autoscale: boolean;
  maxGpus?: number;
  epochS?: number;
  p99?: boolean;
}

const EPOCH_S = EPOCH_MS / 1000;

/** --autoscale and its settings (simulate, serve). */
export function autoscaleOptions<T>(y: Argv<T>) {
  return y
    .option('autoscale', {
      type: 'boolean',
      default: false,
      describe: 'Re-plan every epoch from the measured rates (EWMA), scaling the GPU count up and down',
    })
    .option('max-gpus', { type: 'number', describe: "With --autoscale: GPUs there are (default: the workload's)" })
    .option('epoch-s', {
      type: 'number',
      defaultDescription: String(EPOCH_S),
      describe: 'With --autoscale: seconds between re-plans (the paper: 20); also the window of the per-window counts',
    })
    .option('p99', {
      type: 'boolean',
      defaultDescription: 'true',
      describe: 'With --autoscale: plan for the Poisson p99 of each target rate (--no-p99: the targets as they are)',
    });
}

/**
 * The autoscaling settings with their defaults applied. A setting given without --autoscale is an
 * error; `epochWithTrace`: --epoch-s also sets the window of a run under --trace (simulate).
 */
export function autoscaleSettings(
  a: AutoscaleArgs & { trace?: string },
  opts: { epochWithTrace?: boolean } = {},
): { maxGpus: number | undefined; epochS: number; p99: boolean } {
  checkApplies('--max-gpus', a.maxGpus !== undefined, '--autoscale', a.autoscale);
  checkApplies(a.p99 === false ? '--no-p99' : '--p99', a.p99 !== undefined, '--autoscale', a.autoscale);
  if (opts.epochWithTrace)
    checkApplies('--epoch-s', a.epochS !== undefined, '--autoscale or --trace', a.autoscale || a.trace !== undefined);
  else checkApplies('--epoch-s', a.epochS !== undefined, '--autoscale', a.autoscale);
  const epochS = a.epochS ?? EPOCH_S;
  checkPositive('--epoch-s', epochS);
  return { maxGpus: a.maxGpus, epochS, p99: a.p99 ?? true };
}
