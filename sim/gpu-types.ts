/**
 * Platform facts as data: the GPU types a latency profile may name, with their device memory and
 * the gpulet sizes their profiles cover. Planning asks {@link gpuMemoryMb} for the memory of the
 * profile's GPU type; an unknown type is an input error, never a silent default.
 *
 * A profile measured by `gpulet profile` names the machine it was measured on rather than a GPU
 * type: `cpu-<cores>c` (the onnx backend, partitions as core shares) or `mps-gpu` (this machine's
 * GPU through MPS). Such a profile plans with the RTX 2080 Ti's memory, {@link MEASURED_PROFILE_MEMORY_MB}:
 * the catalog's model memory figures (profiles/data/models.csv) are the artifact's PyTorch
 * footprints on that GPU, so the scheduler's memory check stays the one those figures were made for.
 */
import { readFileSync } from 'node:fs';
import { InputError, show } from '../engine/errors.ts';
import { PARTITIONS_PCT } from '../engine/limits.ts';
import type { MigGeometry } from '../engine/mig.ts';
import { fieldError, parseCsvRows, readNumber, readText } from './profiles/csv.ts';

export interface GpuType {
  readonly name: string;
  /** Device memory, MB. */
  readonly memoryMb: number;
  /** Gpulet sizes its profiles cover, ascending, percent (MPS active-thread percentages). */
  readonly partitionsPct: readonly number[];
  /** MPS partitioning: gpulets per GPU at most (the paper: two). */
  readonly mpsPerGpu: number;
  /** MIG partitioning, where the GPU has it: instance sizes, start slots, processes per instance. */
  readonly mig: MigGeometry | null;
  /**
   * What co-located work costs on this type: `truth`, the simulator's co-location ground truth
   * between the two MPS gpulets (sim/interference-truth.ts, built on the RTX 2080 Ti's profiles);
   * `mig-isolated`, MIG instances never slow each other and MPS processes inside one share it as its
   * profile measured (none of the RTX 2080 Ti's truth applies); `none`, a type given as data whose
   * co-location cost nobody measured: gpulets are planned and simulated without interference.
   */
  readonly interference: 'truth' | 'mig-isolated' | 'none';
  /** The embedded profile table (sim/profiles/data/), or null when the simulator ships none. */
  readonly profile: string | null;
}

/**
 * The A100 80GB's MIG geometry (NVIDIA's MIG user guide, A100 placements as `nvidia-smi mig
 * -lgipp` lists them: 1g.10gb {0..6}:1, 2g.20gb {0,2,4}:2, 3g.40gb {0,4}:4, 4g.40gb {0}:4, 7g.80gb
 * {0}:8), and at most 3 MPS processes per instance as ParvaGPU's scheduler reads its profiles
 * (MAX_NUM_PROC in inc/parva_sched.h; the profiles measured up to 5).
 */
export const A100_MIG: MigGeometry = {
  gpcs: 7,
  memorySlices: 8,
  sizes: [1, 2, 3, 4, 7],
  placements: {
    1: { starts: [0, 1, 2, 3, 4, 5, 6], span: 1 },
    2: { starts: [0, 2, 4], span: 2 },
    3: { starts: [0, 4], span: 4 },
    4: { starts: [0], span: 4 },
    7: { starts: [0], span: 8 },
  },
  maxProcs: 3,
};

/** The GPU types by name. */
export const GPU_TYPES = {
  /** 11,000 MB on the artifact's servers (docs/artifact.md#models-and-slos). */
  rtx2080ti: {
    name: 'rtx2080ti',
    memoryMb: 11_000,
    partitionsPct: PARTITIONS_PCT,
    mpsPerGpu: 2,
    mig: null,
    interference: 'truth',
    profile: 'rtx2080ti-latency.csv',
  },
  rtx3080: {
    name: 'rtx3080',
    memoryMb: 10_200,
    partitionsPct: PARTITIONS_PCT,
    mpsPerGpu: 2,
    mig: null,
    interference: 'truth',
    profile: null,
  },
  /**
   * NVIDIA A100 80GB (SXM): 80 GiB, 108 SMs, MIG with 7 GPCs of 14 SMs. Profile: ParvaGPU's
   * measurements (sim/profiles/a100.ts). In MPS mode p % of the GPU is taken to run as a MIG
   * instance with p % of the 7g instance's GPCs (sim/profiles/a100.ts says how).
   */
  'a100-80gb': {
    name: 'a100-80gb',
    memoryMb: 81_920,
    partitionsPct: PARTITIONS_PCT,
    mpsPerGpu: 2,
    mig: A100_MIG,
    interference: 'mig-isolated',
    profile: 'a100-80gb-mig.csv',
  },
} as const satisfies Record<string, GpuType>;

export const GPU_TYPE_NAMES = Object.keys(GPU_TYPES);

/** The GPU type of a profile that `gpulet profile` measured on CPU cores. */
export function cpuProfileGpu(cores: number): string {
  return `cpu-${cores}c`;
}

/** The GPU type of a profile that `gpulet profile --backend mps` measured. */
export const MPS_PROFILE_GPU = 'mps-gpu';

/** Whether `gpuType` is one that `gpulet profile` writes (see the module comment). */
export function isMeasuredProfileGpu(gpuType: string): boolean {
  return gpuType === MPS_PROFILE_GPU || /^cpu-[1-9]\d*c$/.test(gpuType);
}

/** Device memory a measured profile plans with, MB: the RTX 2080 Ti's (see the module comment). */
export const MEASURED_PROFILE_MEMORY_MB = GPU_TYPES.rtx2080ti.memoryMb;

/**
 * The known GPU type `name`: a built-in one or one of `extra` (a user's GPU types file), or an
 * InputError naming the known ones.
 */
export function gpuType(name: string, extra: readonly GpuType[] = []): GpuType {
  const given = extra.find((t) => t.name === name);
  if (given !== undefined) return given;
  if (!Object.hasOwn(GPU_TYPES, name))
    throw new InputError(
      `unknown GPU type ${show(name)}: expected one of ${[...GPU_TYPE_NAMES, ...extra.map((t) => t.name)].join(', ')}, or a profile from gpulet profile (cpu-<cores>c, ${MPS_PROFILE_GPU})`,
    );
  return GPU_TYPES[name as keyof typeof GPU_TYPES];
}

/**
 * The GPU type a latency profile names: {@link gpuType}'s, or for a measured profile (see the module
 * comment) a type with the RTX 2080 Ti's memory and its interference truth.
 */
export function profileGpuType(name: string, extra: readonly GpuType[] = []): GpuType {
  if (isMeasuredProfileGpu(name) && !extra.some((t) => t.name === name))
    return { ...GPU_TYPES.rtx2080ti, name, profile: null };
  return gpuType(name, extra);
}

/** Device memory per GPU of type `name`, MB; measured profiles get {@link MEASURED_PROFILE_MEMORY_MB}. */
export function gpuMemoryMb(name: string, extra: readonly GpuType[] = []): number {
  return profileGpuType(name, extra).memoryMb;
}

const GPU_TYPE_COLUMNS = ['name', 'memory_mb', 'interference'] as const;

/**
 * Parse and validate a GPU types CSV (docs/formats.md#gpu-types-csv): columns `name`, `memory_mb`
 * (device memory, MB) and `interference` (`none`, or `truth` for the simulator's RTX 2080 Ti
 * co-location model); others (`source`) are allowed and ignored. A type as data has no MIG and no
 * embedded profile; its gpulet sizes are the ones its latency profile covers, at most two per GPU
 * (the paper's MPS rule, engine/limits.ts). Built-in names, and names a measured profile uses, are
 * taken.
 */
export function parseGpuTypes(csvText: string, fileName: string): readonly GpuType[] {
  const types: GpuType[] = [];
  const seen = new Map<string, number>();
  for (const row of parseCsvRows(csvText, fileName, GPU_TYPE_COLUMNS)) {
    const name = readText(row, 'name', fileName);
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name))
      throw fieldError(row, 'name', fileName, 'a name of letters, digits, ".", "_" and "-"', name);
    if (Object.hasOwn(GPU_TYPES, name) || isMeasuredProfileGpu(name))
      throw fieldError(row, 'name', fileName, "a name that is not a built-in GPU type or a measured profile's", name);
    const earlier = seen.get(name);
    if (earlier !== undefined)
      throw fieldError(row, 'name', fileName, `a name not used before (row ${earlier} has it)`, name);
    seen.set(name, row.rowNumber);
    const memoryMb = readNumber(row, 'memory_mb', fileName, { what: 'a positive number of MB', above: 0 });
    const interference = readText(row, 'interference', fileName);
    if (interference !== 'none' && interference !== 'truth')
      throw fieldError(row, 'interference', fileName, 'none or truth', interference);
    types.push(
      Object.freeze({
        name,
        memoryMb,
        partitionsPct: PARTITIONS_PCT,
        mpsPerGpu: 2,
        mig: null,
        interference,
        profile: null,
      }),
    );
  }
  return Object.freeze(types);
}

/** A GPU types file read and parsed; an unreadable file is an InputError naming it. */
export function loadGpuTypes(path: string): readonly GpuType[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputError(`${path}: cannot read GPU types file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  return parseGpuTypes(text, path);
}
