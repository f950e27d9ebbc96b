/**
 * What every CLI command shares: where output goes, common flags, printing, flag checks.
 * Each command lives in its own file in this folder and is listed in index.ts.
 */
import type { Argv, CommandModule } from 'yargs';
import { InputError, show } from '../../engine/errors.ts';
import { SCHEDULER_NAMES } from '../../engine/schedulers/index.ts';
import { BUILTIN_WORKLOADS } from '../../sim/workload.ts';
import { DEFAULT_PREDICTOR, PREDICTORS } from '../../sim/predictors.ts';
import { FIX_NAMES } from '../../engine/schedulers/fixes.ts';

import type { Io } from '../lib/io.ts';

export type { Io };

/** Flags every command has. */
export interface Common {
  format: 'table' | 'json';
}

/** A command bound to its output. */
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
    .option('scheduler', { alias: 's', type: 'string', default: 'gpulet-int', describe: `One of ${SCHEDULER_NAMES.join(', ')}` })
    .option('rate', { alias: 'r', type: 'number', describe: "Total rate, req/s (application requests/s for game and traffic); default: the workload's own" })
    .option('gpus', { alias: 'g', type: 'number', describe: "GPUs available (default: the workload's, 4 for built-ins)" })
    .option('profiles', { type: 'string', describe: 'Latency profile CSV (model,gpu,partition,batch,latency_ms); default: the embedded RTX 2080 Ti set' })
    .option('predictor', { type: 'string', default: DEFAULT_PREDICTOR, describe: `Interference predictor gpulet-int and ideal plan with: ${Object.keys(PREDICTORS).join(', ')}` })
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
