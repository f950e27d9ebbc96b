/**
 * `gpulet models build|list`: the ONNX model zoo (backends/onnx). `build` writes the models to the
 * git-ignored cache (.cache/models) and lists name, parameters, GFLOPs per sample and file bytes;
 * `--latency` also times batch 1 and 32 on this machine (one session on all cores, the median of
 * `--reps` runs after one warm-up). `list` only counts parameters and FLOPs (no weights, instant).
 */
import { median } from '../../engine/stats.ts';
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { InputError, show } from '../../engine/errors.ts';
import { round } from '../../engine/metrics.ts';
import { allowedCpus } from '../../backends/onnx/cores.ts';
import { cpuSnapshot, cpuUse } from '../../backends/onnx/load.ts';
import { parseModelList, variantFiles, variantLabel, type ModelVariant } from '../../backends/onnx/models.ts';
import { sessionOptions } from '../../backends/onnx/session-options.ts';
import { buildModel, MODEL_NAMES, type ModelName } from '../../backends/onnx/zoo.ts';
import { table } from '../lib/format.ts';
import { checkPositive, print, type Command, type Common } from './common.ts';

interface ModelsArgs extends Common {
  action: string;
  models: string;
  width: number;
  bertLayers: number;
  latency: boolean;
  reps: number;
}

interface ModelRow {
  model: string;
  variant: string;
  params: number;
  gflops_per_sample: number;
  bytes: number | null;
  file: string | null;
  latency_b1_ms?: number;
  latency_b32_ms?: number;
}

/** Median latency of `batch` on one session over `reps` runs after a warm-up, ms. */
async function timeModel(
  path: string,
  inputShape: number[],
  inputType: 'float32' | 'int64',
  batch: number,
  reps: number,
): Promise<number> {
  // Loaded here, not at start: onnxruntime-node is optional, and simulate-only installs lack it.
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(path, sessionOptions(allowedCpus().length, 'cpu'));
  try {
    const dims = [batch, ...inputShape];
    const size = dims.reduce((a, b) => a * b, 1);
    const tensor =
      inputType === 'int64'
        ? new ort.Tensor(
            'int64',
            BigInt64Array.from({ length: size }, (_, i) => BigInt((i * 7919) % 30522)),
            dims,
          )
        : new ort.Tensor(
            'float32',
            Float32Array.from({ length: size }, (_, i) => Math.sin(i)),
            dims,
          );
    const feeds = { [session.inputNames[0]]: tensor };
    await session.run(feeds);
    const xs: number[] = [];
    for (let r = 0; r < reps; r++) {
      const t0 = performance.now();
      await session.run(feeds);
      xs.push(performance.now() - t0);
    }
    return median(xs);
  } finally {
    await session.release();
  }
}

export const models: Command<ModelsArgs> = (io) => ({
  command: 'models <action>',
  describe: 'The ONNX model zoo: `build` writes the models to .cache/models and lists their size; `list` only counts',
  builder: (y: Argv) =>
    y
      .positional('action', {
        type: 'string',
        choices: ['build', 'list'],
        describe: 'build: generate the files; list: count parameters and FLOPs only',
      })
      .option('models', { type: 'string', default: MODEL_NAMES.join(','), describe: 'Comma list of name[@width]' })
      .option('width', { type: 'number', default: 1, describe: 'Width multiplier for models given without @width' })
      .option('bert-layers', { type: 'number', default: 12, describe: 'BERT encoder layers' })
      .option('latency', {
        type: 'boolean',
        default: false,
        describe: 'build: also time batch 1 and 32 here (slow for the big models)',
      })
      .option('reps', {
        type: 'number',
        default: 3,
        describe: 'Timed runs per batch with --latency',
      }) as unknown as Argv<ModelsArgs>,
  handler: async (a: ArgumentsCamelCase<ModelsArgs>) => {
    checkPositive('--width', a.width);
    if (!Number.isInteger(a.bertLayers) || a.bertLayers < 1)
      throw new InputError(`--bert-layers: expected a whole number >= 1, got ${show(a.bertLayers)}`);
    if (!Number.isInteger(a.reps) || a.reps < 1)
      throw new InputError(`--reps: expected a whole number >= 1, got ${show(a.reps)}`);
    if (a.latency && a.action !== 'build')
      throw new InputError('--latency: only with `models build` (timing needs the weights)');
    const variants: Record<string, ModelVariant> = parseModelList(
      a.models,
      a.width,
      a.bertLayers === 12 ? undefined : a.bertLayers,
    );
    const rows: ModelRow[] = [];
    const before = cpuSnapshot();
    if (a.action === 'list') {
      for (const [name, v] of Object.entries(variants)) {
        const m = buildModel(name as ModelName, {
          widthMultiplier: v.width,
          weights: 'none',
          ...(v.bertLayers !== undefined ? { numLayers: v.bertLayers } : {}),
        });
        rows.push({
          model: name,
          variant: variantLabel(name, v),
          params: m.params,
          gflops_per_sample: round(m.gflopsPerSample, 4),
          bytes: null,
          file: null,
        });
      }
    } else {
      for (const [name, v] of Object.entries(variants)) {
        io.err(`gpulet: building ${variantLabel(name, v)}\n`);
        const f = variantFiles({ [name]: v })[name];
        const row: ModelRow = {
          model: name,
          variant: variantLabel(name, v),
          params: f.params,
          gflops_per_sample: round(f.gflopsPerSample, 4),
          bytes: f.fileBytes,
          file: f.path,
        };
        if (a.latency) {
          row.latency_b1_ms = round(await timeModel(f.path, f.inputShape, f.inputType, 1, a.reps), 3);
          row.latency_b32_ms = round(await timeModel(f.path, f.inputShape, f.inputType, 32, a.reps), 3);
        }
        rows.push(row);
      }
    }
    const use = a.latency ? cpuUse(before, cpuSnapshot()) : null;
    const foreign = use === null ? null : round(use.foreignCores, 3);
    print(io, a.format, { models: rows, ...(a.latency ? { foreign_cpu_cores: foreign } : {}) }, () => {
      const header = [
        'model',
        'params',
        'GFLOPs/sample',
        'MB',
        ...(a.latency ? ['b=1 ms', 'b=32 ms'] : []),
        ...(a.action === 'build' ? ['file'] : []),
      ];
      const body = rows.map((r) => [
        r.variant,
        r.params,
        String(Number(r.gflops_per_sample.toPrecision(3))), // keeps LeNet's 0.0008 visible
        r.bytes === null ? null : Number((r.bytes / 1e6).toFixed(1)),
        ...(a.latency ? [r.latency_b1_ms ?? null, r.latency_b32_ms ?? null] : []),
        ...(a.action === 'build' ? [r.file] : []),
      ]);
      const note = `\n(latency: one session, ${allowedCpus().length} intra-op threads, median of ${a.reps} after a warm-up; other processes used ${foreign ?? 'an unknown share of'} cores meanwhile)`;
      return `${table(header, body)}${a.latency ? note : ''}`;
    });
  },
});
