/**
 * Which zoo variant serves each model name, and where its file is. A measured profile and the runs
 * that use it must agree on the variant (a `resnet50` profiled at width 0.25 is served at 0.25), so
 * the profile's sidecar records it and serving reads it back.
 */
import { InputError, show } from '../../engine/errors.ts';
import { ensureModel } from './cache.ts';
import type { ModelFile } from './executor.ts';
import { isModelName, MODEL_NAMES, type ZooOptions } from './zoo.ts';

/** A zoo variant: width multiplier and, for BERT, the number of encoder layers. */
export interface ModelVariant {
  /** Channel / hidden-width multiplier; 1 is the published model. */
  width: number;
  /** BERT encoder layers (ignored for other models). @default 12 */
  bertLayers?: number;
}

/** A model file in the cache with what the executor and reports need. */
export interface VariantFile extends ModelFile {
  variant: ModelVariant;
  params: number;
  gflopsPerSample: number;
  fileBytes: number;
}

function zooOptions(v: ModelVariant): ZooOptions {
  return { widthMultiplier: v.width, ...(v.bertLayers !== undefined ? { numLayers: v.bertLayers } : {}) };
}

/**
 * Parse a `--models` list: `name[@width]` items separated by commas, e.g. `resnet50@0.25,lenet`.
 * `defaultWidth` applies where no width is given.
 */
export function parseModelList(text: string, defaultWidth = 1, bertLayers?: number): Record<string, ModelVariant> {
  const out: Record<string, ModelVariant> = {};
  for (const item of text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)) {
    const [name, widthText] = item.split('@');
    if (!isModelName(name))
      throw new InputError(
        `--models: expected names from ${MODEL_NAMES.join(', ')} (each optionally @width), got ${show(name)}`,
      );
    const width = widthText === undefined ? defaultWidth : Number(widthText);
    if (!(width > 0) || !Number.isFinite(width))
      throw new InputError(`--models: ${name}: expected a positive width after @, got ${show(widthText)}`);
    if (Object.hasOwn(out, name)) throw new InputError(`--models: ${name} is listed twice`);
    out[name] = { width, ...(name === 'bert' && bertLayers !== undefined ? { bertLayers } : {}) };
  }
  if (Object.keys(out).length === 0)
    throw new InputError(`--models: expected at least one model name, got ${show(text)}`);
  return out;
}

/** Build (once, into the cache) the file of every variant; keys are model names. */
export function variantFiles(
  variants: Readonly<Record<string, ModelVariant>>,
  cacheDir = '.cache/models',
): Record<string, VariantFile> {
  const out: Record<string, VariantFile> = {};
  for (const [name, v] of Object.entries(variants)) {
    if (!isModelName(name)) throw new InputError(`model: expected one of ${MODEL_NAMES.join(', ')}, got ${show(name)}`);
    const m = ensureModel(name, zooOptions(v), cacheDir);
    out[name] = {
      path: m.path,
      inputShape: m.inputShape,
      inputType: m.inputType,
      variant: v,
      params: m.params,
      gflopsPerSample: m.gflopsPerSample,
      fileBytes: m.fileBytes,
    };
  }
  return out;
}

/** `resnet50@0.25`, `bert@0.25/2L`, or the bare name at full size. */
export function variantLabel(name: string, v: ModelVariant): string {
  const layers = name === 'bert' && v.bertLayers !== undefined && v.bertLayers !== 12 ? `/${v.bertLayers}L` : '';
  return v.width === 1 && layers === '' ? name : `${name}@${v.width}${layers}`;
}
