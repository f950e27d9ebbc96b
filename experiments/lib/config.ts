/**
 * Experiment configs (`gpulet run CONFIG.json`): a JSON file naming workloads x schedulers x rates
 * x durations x seeds, validated against a schema (zod; the JSON Schema is docs/config.schema.json,
 * the format docs/config.md). A config expands into cells, one per (workload, scheduler, rate,
 * duration): each cell is planned once and served once per seed, and is the unit a shard takes.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { InputError, show } from '../../engine/errors.ts';
import { SCHEDULER_NAMES } from '../../engine/schedulers/index.ts';
import { parseFixes } from '../../engine/schedulers/fixes.ts';
import { COLOCATION_MODELS } from '../../sim/colocation.ts';
import { PREDICTORS } from '../../sim/predictors.ts';
import { BUILTIN_WORKLOADS } from '../../sim/workload.ts';

const name = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'a name of letters, digits, ".", "_" or "-" (it names the output files)');
const unique = <T>(xs: readonly T[]) => new Set(xs).size === xs.length;

/** The config's schema: the source of docs/config.schema.json. */
export const CONFIG_SCHEMA = z
  .strictObject({
    name: name.describe('Names the outputs: NAME.csv, NAME-summary.csv, NAME-runs/, NAME.svg and NAME.png'),
    description: z.string().optional().describe('Free text, copied into the per-run JSON'),
    workloads: z
      .array(z.string().min(1))
      .min(1)
      .refine(unique, 'no workload twice')
      .describe('Built-in workload names or workload JSON files (a path is relative to the config file)'),
    schedulers: z
      .array(z.enum(SCHEDULER_NAMES as [string, ...string[]]))
      .min(1)
      .refine(unique, 'no scheduler twice')
      .describe('Schedulers to compare'),
    rates_rps: z
      .array(z.number().positive().finite())
      .min(1)
      .refine(unique, 'no rate twice')
      .optional()
      .describe(
        "Total request rates, req/s, each split as the workload splits its own; default: the workload's own rate",
      ),
    durations_s: z
      .array(z.number().positive().finite())
      .min(1)
      .refine(unique, 'no duration twice')
      .default([20])
      .describe('Seconds of arrivals per run (queues then drain)'),
    seeds: z
      .array(z.number().int().min(0).max(Number.MAX_SAFE_INTEGER))
      .min(1)
      .refine(unique, 'no seed twice')
      .default([1, 2, 3])
      .describe('Run seeds; the summary gives 95 % t-intervals across them'),
    gpus: z.number().int().min(1).optional().describe("GPUs available to the planner; default: the workload's"),
    fixes: z
      .string()
      .default('all')
      .describe('Fixes in force: all, none, a comma list, or all,-NAME (gpulet fixes lists them)'),
    predictor: z
      .enum(Object.keys(PREDICTORS) as [string, ...string[]])
      .optional()
      .describe('Interference predictor of the interference-aware schedulers'),
    interference: z
      .enum(Object.keys(COLOCATION_MODELS) as [string, ...string[]])
      .optional()
      .describe('Co-location slowdown the simulated GPUs apply'),
    jitter: z.number().min(0).max(10).optional().describe('Coefficient of variation of batch-latency jitter'),
    profiles: z
      .string()
      .min(1)
      .optional()
      .describe('A latency profile CSV (relative to the config file); default: the embedded RTX 2080 Ti profiles'),
    catalog: z
      .string()
      .min(1)
      .optional()
      .describe(
        'A models catalog CSV adding models to the embedded ones (relative to the config file; docs/formats.md)',
      ),
    gpu_types: z
      .string()
      .min(1)
      .optional()
      .describe('A GPU types CSV adding types to the built-in ones (relative to the config file; docs/formats.md)'),
  })
  .describe('A gpulet experiment config: workloads x schedulers x rates x durations x seeds');

export type Config = z.infer<typeof CONFIG_SCHEMA>;

/** One cell of a config: planned once, served once per seed. */
export interface Cell {
  /** Position in the config's full expansion (0-based); rows sort by it. */
  index: number;
  /** As written in the config (a built-in name or a path). */
  workload: string;
  /** The built-in name, or the path resolved against the config's folder. */
  workloadRef: string;
  scheduler: string;
  /** Total rate, req/s, or null for the workload's own. */
  rateRps: number | null;
  durationS: number;
  seeds: number[];
}

/** A config as read from a file: the parsed fields and the paths resolved. */
export interface LoadedConfig {
  file: string;
  config: Config;
  /** `profiles`, `catalog` and `gpu_types` resolved against the config's folder. */
  files: { profiles?: string; catalog?: string; gpuTypes?: string };
  cells: Cell[];
}

/** One line for the first problem zod found: the file, the field's path, the reason. */
function schemaError(file: string, error: z.ZodError): InputError {
  const issue = error.issues[0];
  const field = issue.path.length === 0 ? '(top level)' : issue.path.map(String).join('.');
  let reason = issue.message;
  if (issue.code === 'unrecognized_keys') reason = `unknown field ${issue.keys.map((k) => show(k)).join(', ')}`;
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more)` : '';
  return new InputError(`${file}: field ${field}: ${reason}${more}`);
}

/** Parse and check a config's text; `file` names it in errors and anchors its relative paths. */
export function parseConfig(text: string, file: string): LoadedConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new InputError(`${file}: expected JSON, got a parse error (${(e as Error).message})`);
  }
  const parsed = CONFIG_SCHEMA.safeParse(raw);
  if (!parsed.success) throw schemaError(file, parsed.error);
  const config = parsed.data;
  try {
    parseFixes(config.fixes, 'fixes');
  } catch (e) {
    throw new InputError(`${file}: field ${(e as Error).message}`);
  }
  const base = dirname(resolve(file));
  const at = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const workloadRef = (w: string) => (Object.hasOwn(BUILTIN_WORKLOADS, w) ? w : at(w));
  const cells: Cell[] = [];
  for (const workload of config.workloads)
    for (const scheduler of config.schedulers)
      for (const rateRps of config.rates_rps ?? [null])
        for (const durationS of config.durations_s)
          cells.push({
            index: cells.length,
            workload,
            workloadRef: workloadRef(workload),
            scheduler,
            rateRps,
            durationS,
            seeds: config.seeds,
          });
  const files = {
    ...(config.profiles !== undefined ? { profiles: at(config.profiles) } : {}),
    ...(config.catalog !== undefined ? { catalog: at(config.catalog) } : {}),
    ...(config.gpu_types !== undefined ? { gpuTypes: at(config.gpu_types) } : {}),
  };
  return { file, config, files, cells };
}

/** Read `file` and {@link parseConfig} it. */
export function loadConfig(file: string): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(
      `${file}: expected a config file, ${code === 'ENOENT' ? 'found nothing there' : `could not read it (${code})`}`,
    );
  }
  return parseConfig(text, file);
}

/** The JSON Schema of a config (docs/config.schema.json is this, written by a test that checks it). */
export function configJsonSchema(): unknown {
  return z.toJSONSchema(CONFIG_SCHEMA, { io: 'input' });
}
