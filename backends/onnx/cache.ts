/**
 * On-disk cache of generated zoo models, so serving processes and workers load a file instead of
 * regenerating weights (VGG-16 takes seconds to build). Files are written once, atomically, next to
 * a JSON sidecar holding the builder's statistics; a missing, truncated or outdated file is rebuilt.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../engine/errors.ts';
import type { Dim } from './graph.ts';
import { buildModel, resolveZooOptions, type ModelName, type ZooOptions } from './zoo.ts';

/** Bump whenever a builder change alters the bytes of any model: older cache entries are rebuilt. */
export const GENERATOR_VERSION = 1;

/** A model file in the cache and the statistics its builder reported. */
export interface CachedModel {
  /** Path of the `.onnx` file (relative paths resolve against the working directory). */
  path: string;
  /** Size of the `.onnx` file, bytes. */
  fileBytes: number;
  /** Trainable parameters. */
  params: number;
  /** GFLOPs per sample (multiply-add = 2 FLOPs; Conv, Gemm, MatMul only). */
  gflopsPerSample: number;
  /** Input shape of one sample (the graph input is `[N, ...inputShape]`). */
  inputShape: number[];
  inputType: 'float32' | 'int64';
  outputs: { name: string; dims: Dim[] }[];
  /** Whether this call generated the file (false: it was already cached). */
  generated: boolean;
}

interface Sidecar extends Omit<CachedModel, 'path' | 'generated'> {
  generatorVersion: number;
}

/** Cache file stem: `<name>`, then `-w<mult>`, `-l<layers>`, `-s<seed>`, `-nonms` for non-default options. */
export function cacheStem(name: ModelName, opts: ZooOptions = {}): string {
  const o = resolveZooOptions(opts);
  let stem: string = name;
  if (o.widthMultiplier !== 1) stem += `-w${o.widthMultiplier}`;
  if (name === 'bert' && o.numLayers !== 12) stem += `-l${o.numLayers}`;
  if (o.seed !== 1) stem += `-s${o.seed}`;
  if (name === 'ssd-mobilenetv1' && !o.nms) stem += '-nonms';
  return stem;
}

/** Return the cached model file for `name` with `opts`, generating it first if needed. */
export function ensureModel(name: ModelName, opts: ZooOptions = {}, cacheDir = '.cache/models'): CachedModel {
  if (opts.weights === 'none')
    throw new InputError('ensureModel: field weights: expected "random" (a cached model needs weights), got "none"');
  const stem = cacheStem(name, opts);
  const path = join(cacheDir, `${stem}.onnx`);
  const sidecarPath = join(cacheDir, `${stem}.json`);
  const cached = readSidecar(path, sidecarPath);
  if (cached) return { path, ...cached, generated: false };

  const m = buildModel(name, { ...opts, weights: 'random' });
  mkdirSync(cacheDir, { recursive: true });
  // Write-then-rename: a concurrent reader never sees a partial file.
  writeAtomic(path, m.bytes);
  const stats: Sidecar = {
    generatorVersion: GENERATOR_VERSION,
    fileBytes: m.bytes.length,
    params: m.params,
    gflopsPerSample: m.gflopsPerSample,
    inputShape: m.inputShape,
    inputType: m.inputType,
    outputs: m.outputs,
  };
  writeAtomic(sidecarPath, `${JSON.stringify(stats, null, 2)}\n`);
  const { generatorVersion: _, ...rest } = stats;
  return { path, ...rest, generated: true };
}

/** The sidecar's statistics if both files exist, the version matches and the file size agrees. */
function readSidecar(path: string, sidecarPath: string): Omit<CachedModel, 'path' | 'generated'> | undefined {
  if (!existsSync(path) || !existsSync(sidecarPath)) return undefined;
  let s: Sidecar;
  try {
    s = JSON.parse(readFileSync(sidecarPath, 'utf8')) as Sidecar;
  } catch {
    return undefined; // A corrupt sidecar is rebuilt, not an error: the cache is disposable.
  }
  if (s.generatorVersion !== GENERATOR_VERSION || statSync(path).size !== s.fileBytes) return undefined;
  const { generatorVersion: _, ...rest } = s;
  return rest;
}

function writeAtomic(path: string, data: Uint8Array | string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}
