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
import { loadTrace, traceLoad, type Load } from '../../sim/trace.ts';
import type { Workload } from '../../sim/workload.ts';

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
  predictor: string;
  /** all, none or a comma list (parseFixes). */
  fixes: string;
}

const WORKLOAD_HELP = `Built-in name (${Object.keys(BUILTIN_WORKLOADS).join(', ')}) or a JSON file {"models": [{"model", "rate", "slo_ms"?}], "gpus"?, "gpu"?, "arrival"?}`;

/** --workload, --scheduler, --rate, --gpus, --profiles. */
export function workloadOptions<T>(y: Argv<T>) {
  return y
    .option('workload', { alias: 'w', type: 'string', demandOption: true, describe: WORKLOAD_HELP })
    .option('scheduler', {
      alias: 's',
      type: 'string',
      default: 'gpulet-int',
      describe: `One of ${SCHEDULER_NAMES.join(', ')}`,
    })
    .option('rate', {
      alias: 'r',
      type: 'number',
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
      default: DEFAULT_PREDICTOR,
      describe: `Interference predictor gpulet-int and ideal plan with: ${Object.keys(PREDICTORS).join(', ')}`,
    })
    .option('fixes', {
      type: 'string',
      default: 'all',
      describe: `Departures from the authors' artifact in force: all, none (the artifact's rules exactly, bugs included) a comma list of ${FIX_NAMES.join(', ')}, or all,-NAME,... for all but some (\`gpulet fixes\` says what each does)`,
    });
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

export interface TraceArgs {
  trace?: string;
  traceScale: number;
  traceStepS: number;
  azureMap: 'top' | 'sum';
}

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
      default: 1,
      describe: 'Multiply trace rates by this (replay: play this many times faster)',
    })
    .option('trace-step-s', { type: 'number', default: 20, describe: 'Seconds each line of a rate-steps trace lasts' })
    .option('azure-map', {
      choices: ['top', 'sum'] as const,
      default: 'top',
      describe:
        "Azure counts: the busiest functions drive the tasks in order (top), or their sum scales the workload's rates (sum)",
    });
}

/** The load `--trace` describes for `w`, or null without it. */
export function traceFrom(a: TraceArgs, w: Workload): Load | null {
  checkPositive('--trace-step-s', a.traceStepS);
  return a.trace === undefined
    ? null
    : traceLoad(
        w,
        loadTrace(a.trace, resolveModel, { scale: a.traceScale, stepMs: a.traceStepS * 1000, azure: a.azureMap }),
      );
}

export interface AutoscaleArgs {
  autoscale: boolean;
  maxGpus?: number;
  epochS: number;
  p99: boolean;
}

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
      default: EPOCH_MS / 1000,
      describe: 'With --autoscale: seconds between re-plans (the paper: 20); also the window of the per-window counts',
    })
    .option('p99', {
      type: 'boolean',
      default: true,
      describe: 'With --autoscale: plan for the Poisson p99 of each target rate (--no-p99: the targets as they are)',
    });
}
