/** `gpulet profile --backend onnx|mps`: the command line of lib/profiling.ts (what the three files of a profile set hold is there). */
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { InputError, show } from '../../engine/errors.ts';
import { allowedCpus, coreSharePartitions } from '../../backends/onnx/cores.ts';
import { parseModelList } from '../../backends/onnx/models.ts';
import { mpsPreflight } from '../../backends/mps/preflight.ts';
import { MAX_BATCH, PARTITIONS_PCT } from '../../engine/limits.ts';
import { fmt } from '../lib/format.ts';
import { checkOutputFile } from '../lib/output.ts';
import {
  DEFAULT_PROFILE_MODELS,
  profilePaths,
  profileTable,
  runProfile,
  type ProfileRunOptions,
} from '../lib/profiling.ts';
import { checkPositive, print, type Command, type Common } from './common.ts';

/** Parse a comma list of positive integers (`--batches 1,2,4`). */
export function parseIntList(
  flag: string,
  text: string,
  opts: { min?: number; max?: number; allowEmpty?: boolean } = {},
): number[] {
  const items = String(text)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (items.length === 0 && !opts.allowEmpty)
    throw new InputError(`${flag}: expected a comma-separated list of whole numbers, got ${show(text)}`);
  const out = items.map((s) => {
    const v = Number(s);
    if (!Number.isInteger(v) || v < (opts.min ?? 1) || v > (opts.max ?? Infinity))
      throw new InputError(
        `${flag}: expected whole numbers${opts.max !== undefined ? ` from ${opts.min ?? 1} to ${opts.max}` : ''}, got ${show(s)}`,
      );
    return v;
  });
  return [...new Set(out)].sort((a, b) => a - b);
}

interface ProfileArgs extends Common {
  backend: string;
  models: string;
  width: number;
  bertLayers: number;
  partitions?: string;
  batches: string;
  reps: number;
  colocBatches: string;
  affinity: boolean;
  keepWarm: boolean;
  nice?: number;
  host: string;
  out: string;
  load: number;
}

export const profile: Command<ProfileArgs> = (io) => ({
  command: 'profile',
  describe:
    'Measure the latency profile L(b, p) of zoo models on this machine (p = share of its cores) and write a profile set',
  builder: (y: Argv) =>
    y
      .option('backend', {
        type: 'string',
        choices: ['onnx', 'mps'],
        default: 'onnx',
        describe: 'onnx (CPU, core shares) or mps (GPU, MPS percentages)',
      })
      .option('models', {
        type: 'string',
        default: DEFAULT_PROFILE_MODELS,
        describe: 'Comma list of name[@width], e.g. resnet50@0.25,lenet',
      })
      .option('width', { type: 'number', default: 1, describe: 'Width multiplier for models given without @width' })
      .option('bert-layers', { type: 'number', default: 12, describe: 'BERT encoder layers' })
      .option('partitions', {
        type: 'string',
        describe: 'Partitions to measure, percent (default: the whole-core shares, {50,100} on 2 cores)',
      })
      .option('batches', {
        type: 'string',
        default: '1,2,3,4,6,8,12,16,24,32',
        describe: 'Batch sizes to measure (1 and 32 are required; the rest are interpolated)',
      })
      .option('reps', {
        type: 'number',
        default: 5,
        describe: 'Timed runs per (model, partition, batch); the median is kept',
      })
      .option('coloc-batches', {
        type: 'string',
        default: '1,8,32',
        describe: "Batches at which to measure the co-location slowdown ('' to skip)",
      })
      .option('affinity', {
        type: 'boolean',
        default: true,
        describe: 'Pin each gpulet to its cores with taskset (--no-affinity to leave it to the OS)',
      })
      .option('keep-warm', {
        type: 'boolean',
        default: true,
        describe:
          'Keep the cores out of idle with SCHED_IDLE spinners (see backends/onnx/cores.ts); serve the profile with the same setting',
      })
      .option('host', {
        type: 'string',
        default: 'process',
        describe: 'Where gpulet runners live: process (killable) or thread',
      })
      .option('nice', {
        type: 'number',
        describe:
          'Nice value for the gpulets and the measuring thread, e.g. -10 on a shared machine (negative needs CAP_SYS_NICE)',
      })
      .option('out', {
        type: 'string',
        default: 'results/cpu-profile',
        describe: 'Output stem: STEM.csv, STEM.json, STEM.workload.json',
      })
      .option('load', {
        type: 'number',
        default: 0.3,
        describe: "Share of the machine's capacity the written workload offers, a fraction (0.3 = 30 %)",
      }) as unknown as Argv<ProfileArgs>,
  handler: async (a: ArgumentsCamelCase<ProfileArgs>) => {
    const o = profileRunOptions(a);
    const { sidecar, files, set } = await runProfile(o);
    const doc = { profile: sidecar, files };
    print(io, a.format, doc, () =>
      [
        `${sidecar.gpu}: ${sidecar.cores} cores, partitions ${sidecar.partitions_pct.join(', ')} % (threads ${Object.entries(
          sidecar.threads_by_partition,
        )
          .map(([p, t]) => `${p}%->${t}`)
          .join(', ')}), ${sidecar.reps} reps, jitter CV ${fmt(sidecar.jitter_cv, 3)}` +
          `, other processes used ${sidecar.foreign_cpu_cores === null ? 'an unknown share' : `${fmt(sidecar.foreign_cpu_cores, 2)} cores`} meanwhile`,
        profileTable(set),
        `wrote ${files.join(', ')}`,
      ].join('\n'),
    );
  },
});

/** A nice value, -20..19. */
export function checkNice(v: number): number {
  if (!Number.isInteger(v) || v < -20 || v > 19)
    throw new InputError(`--nice: expected a whole number from -20 to 19, got ${show(v)}`);
  return v;
}

/** Validate the flags into {@link ProfileRunOptions}. */
function profileRunOptions(a: ProfileArgs): ProfileRunOptions {
  if (a.backend !== 'onnx' && a.backend !== 'mps')
    throw new InputError(`--backend: expected onnx or mps, got ${show(a.backend)}`);
  if (a.backend === 'mps') {
    const missing = mpsPreflight();
    if (missing !== null) throw new InputError(`--backend mps: ${missing}`);
  }
  if (a.host !== 'process' && a.host !== 'thread')
    throw new InputError(`--host: expected process or thread, got ${show(a.host)}`);
  if (!Number.isInteger(a.reps) || a.reps < 1)
    throw new InputError(`--reps: expected a whole number >= 1, got ${show(a.reps)}`);
  if (!Number.isInteger(a.bertLayers) || a.bertLayers < 1)
    throw new InputError(`--bert-layers: expected a whole number >= 1, got ${show(a.bertLayers)}`);
  checkPositive('--width', a.width);
  checkPositive('--load', a.load);
  // The three files of the set, tried before minutes of measuring.
  for (const path of Object.values(profilePaths(a.out))) checkOutputFile('--out', path);
  const cores = allowedCpus().length;
  const partitionsPct =
    a.partitions === undefined
      ? a.backend === 'onnx'
        ? coreSharePartitions(cores)
        : [...PARTITIONS_PCT]
      : parseIntList('--partitions', a.partitions, { min: 1, max: 100 });
  if (!partitionsPct.includes(100))
    throw new InputError(
      `--partitions: expected a list that includes 100 (SLOs are 2 x L(32, 100 %)), got ${show(a.partitions)}`,
    );
  const batches = parseIntList('--batches', a.batches, { min: 1, max: MAX_BATCH });
  if (!batches.includes(1) || !batches.includes(MAX_BATCH))
    throw new InputError(
      `--batches: expected a list with 1 and ${MAX_BATCH} (the profile loader interpolates between them), got ${show(a.batches)}`,
    );
  const colocationBatches = parseIntList('--coloc-batches', a.colocBatches, {
    min: 1,
    max: MAX_BATCH,
    allowEmpty: true,
  });
  for (const b of colocationBatches)
    if (!batches.includes(b))
      throw new InputError(`--coloc-batches: expected batches among --batches (${batches.join(',')}), got ${b}`);
  return {
    backend: a.backend,
    variants: parseModelList(a.models, a.width, a.bertLayers === 12 ? undefined : a.bertLayers),
    partitionsPct,
    batches,
    reps: a.reps,
    colocationBatches,
    affinity: a.affinity,
    keepWarm: a.keepWarm,
    ...(a.nice !== undefined ? { nice: checkNice(a.nice) } : {}),
    host: a.host,
    stem: a.out,
    load: a.load,
  };
}
