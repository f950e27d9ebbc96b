/**
 * The model catalog: the nine models of Choi et al. (ATC'22) Table 4 with their SLOs, GPU memory and
 * input sizes, read from `data/models.csv`.
 *
 * Provenance of `data/models.csv` (docs/artifact.md#models-and-slos): SLOs from the paper's Table 4 (SLO = 2 x solo
 * latency; also hard-coded in the artifact's scripts); memory from the artifact's
 * `resource/mem-config.json`; input shapes and dtypes from `resource/proxy_config.json`
 * (casys-kaist/glet). `input_bytes` = product of the per-request shape x dtype size, checked on load.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InputError, show } from '../../engine/errors.ts';
import type { ModelInfo } from '../../engine/types.ts';
import { fieldError, parseCsvRows, readNumber, readText } from './csv.ts';

/** A catalog entry: the engine's ModelInfo plus the input tensor description. */
export interface CatalogModel extends ModelInfo {
  /** Per-request input shape without the batch dimension, e.g. [3, 224, 224]. */
  readonly inputShape: readonly number[];
  /** Element type of the input tensor. */
  readonly inputDtype: InputDtype;
}

export type InputDtype = 'float32' | 'int64';
const DTYPE_BYTES: Record<InputDtype, number> = { float32: 4, int64: 8 };

const COLUMNS = ['model', 'alias', 'slo_ms', 'memory_mb', 'input_shape', 'input_dtype', 'input_bytes'] as const;

/**
 * Parse and validate a catalog CSV (columns as in `data/models.csv`; docs/formats.md#models-catalog-csv).
 * `base`: models already known (the embedded catalog, for a user's file); a row reusing one of their
 * names, aliases or spellings is an error, since a name must mean one model.
 */
export function parseCatalog(
  csvText: string,
  fileName: string,
  base: readonly CatalogModel[] = [],
): readonly CatalogModel[] {
  const models: CatalogModel[] = [];
  const seen = new Map<string, number>();
  const taken = new Map<string, string>(base.flatMap((m) => [[m.name, m.name] as const, [m.alias, m.name] as const]));
  for (const [spelling, name] of Object.entries(MODEL_SPELLINGS)) taken.set(spelling, name);
  for (const row of parseCsvRows(csvText, fileName, COLUMNS)) {
    const name = readText(row, 'model', fileName);
    const alias = readText(row, 'alias', fileName);
    for (const [field, key] of [
      ['model', name],
      ['alias', alias],
    ] as const) {
      const owner = taken.get(key);
      if (owner !== undefined)
        throw fieldError(row, field, fileName, `a name not already in the catalog (${owner} has it)`, key);
      const earlier = seen.get(key);
      if (earlier !== undefined) {
        throw fieldError(row, field, fileName, `a name not used before (row ${earlier} has it)`, key);
      }
      seen.set(key, row.rowNumber);
    }
    const sloMs = readNumber(row, 'slo_ms', fileName, { what: 'a positive number', above: 0 });
    const memoryMb = readNumber(row, 'memory_mb', fileName, { what: 'a positive number', above: 0 });
    const shapeText = readText(row, 'input_shape', fileName);
    if (!/^[1-9]\d*(x[1-9]\d*)*$/.test(shapeText)) {
      throw fieldError(row, 'input_shape', fileName, 'dimensions like 3x224x224', shapeText);
    }
    const inputShape = Object.freeze(shapeText.split('x').map(Number));
    const dtype = readText(row, 'input_dtype', fileName);
    if (dtype !== 'float32' && dtype !== 'int64') {
      throw fieldError(row, 'input_dtype', fileName, 'float32 or int64', dtype);
    }
    const inputBytes = readNumber(row, 'input_bytes', fileName, {
      what: 'a positive integer',
      integer: true,
      above: 0,
    });
    const expectedBytes = inputShape.reduce((a, d) => a * d, DTYPE_BYTES[dtype]);
    if (inputBytes !== expectedBytes) {
      throw fieldError(
        row,
        'input_bytes',
        fileName,
        `${expectedBytes} (${shapeText} x ${DTYPE_BYTES[dtype]} bytes)`,
        inputBytes,
      );
    }
    models.push(Object.freeze({ name, alias, sloMs, memoryMb, inputBytes, inputShape, inputDtype: dtype }));
  }
  return Object.freeze(models);
}

let cached: readonly CatalogModel[] | undefined;

/** The embedded catalog, read once from `data/models.csv` next to this module. */
export function catalog(): readonly CatalogModel[] {
  cached ??= parseCatalog(readFileSync(new URL('./data/models.csv', import.meta.url), 'utf8'), catalogFileName());
  return cached;
}

function catalogFileName(): string {
  return fileURLToPath(new URL('./data/models.csv', import.meta.url));
}

let cachedMore: readonly CatalogModel[] | undefined;

/**
 * Models only the A100 profile has (ParvaGPU's, `data/parvagpu-models.csv`): densenet121/169/201,
 * inceptionv3, resnet101/152, vgg19. Kept apart from {@link catalog}, the nine of Table 4 that the
 * RTX 2080 Ti studies draw from. Provenance: `slo_ms` is ParvaGPU's second SLO row (the one that
 * serves every model; MunQ-Lee/ParvaGPU_SC24 SLO/SLO_latency.csv), a default for workloads that name
 * no SLO; input shapes are what ParvaGPU's runtime fed (scripts/dl_infer_runtime.py: 3x224x224 for
 * every vision model, inceptionv3 included); `memory_mb` is an estimate, not a measurement: the
 * artifact's PyTorch footprints of the nearest Table 4 model scaled by parameter count (it only
 * matters to the gpulet schedulers' memory check, far from binding on an 80 GB A100).
 */
export function moreModels(): readonly CatalogModel[] {
  if (cachedMore === undefined) {
    const url = new URL('./data/parvagpu-models.csv', import.meta.url);
    cachedMore = parseCatalog(readFileSync(url, 'utf8'), fileURLToPath(url), catalog());
  }
  return cachedMore;
}

/** Every model the simulator knows: {@link catalog}'s nine, then {@link moreModels}. */
export function allModels(): readonly CatalogModel[] {
  return [...catalog(), ...moreModels()];
}

/**
 * Other spellings accepted as model names: ParvaGPU's profile file names where they differ from
 * ours (`prof_data/mobilenetv2.csv` is our mobilenet_v2; its bert, resnet50 and vgg16 are spelt as ours).
 */
export const MODEL_SPELLINGS: Readonly<Record<string, string>> = { mobilenetv2: 'mobilenet_v2' };

/** The models a run knows, and the one lookup by name that every input file goes through. */
export interface Catalog {
  /** The embedded models first, then a user's (`--models`), in file order. */
  readonly models: readonly CatalogModel[];
  /**
   * The entry for a canonical name, alias or other spelling (`resnet50`, `res`; `mobilenetv2`).
   * `where` locates the value for the error message, e.g. `workload.json: models[2], field model`;
   * unknown names throw InputError listing the valid ones.
   */
  resolve(nameOrAlias: string, where: string): CatalogModel;
}

/** A catalog of `models` (names and aliases assumed distinct, as parseCatalog checks). */
export function makeCatalog(models: readonly CatalogModel[]): Catalog {
  const frozen = Object.freeze([...models]);
  return Object.freeze({
    models: frozen,
    resolve(nameOrAlias: string, where: string): CatalogModel {
      const name = Object.hasOwn(MODEL_SPELLINGS, nameOrAlias) ? MODEL_SPELLINGS[nameOrAlias] : nameOrAlias;
      const found = frozen.find((m) => m.name === name || m.alias === name);
      if (found === undefined) {
        const valid = frozen.map((m) => `${m.name} (${m.alias})`).join(', ');
        throw new InputError(`${where}: expected a model name, one of ${valid}, got ${show(nameOrAlias)}`);
      }
      return found;
    },
  });
}

let cachedBuiltin: Catalog | undefined;

/** The embedded catalog, {@link allModels}. */
export function builtinCatalog(): Catalog {
  cachedBuiltin ??= makeCatalog(allModels());
  return cachedBuiltin;
}

/**
 * The embedded catalog plus the models of a user's catalog file (same columns as `data/models.csv`).
 * An unreadable file, a bad row, or a name the embedded catalog has is an InputError naming the file.
 */
export function catalogWithFile(path: string): Catalog {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputError(`${path}: cannot read models file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  const base = allModels();
  return makeCatalog([...base, ...parseCatalog(text, path, base)]);
}

/** {@link Catalog.resolve} on the embedded catalog. */
export function resolveModel(nameOrAlias: string, where: string): CatalogModel {
  return builtinCatalog().resolve(nameOrAlias, where);
}
