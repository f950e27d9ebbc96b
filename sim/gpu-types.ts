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
import { InputError, show } from '../engine/errors.ts';
import { PARTITIONS_PCT } from '../engine/limits.ts';
import type { MigGeometry } from '../engine/mig.ts';

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
   * profile measured (none of the RTX 2080 Ti's truth applies).
   */
  readonly interference: 'truth' | 'mig-isolated';
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
  /** Reference §2.1: 11,000 MB on the artifact's servers. */
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

/** The known GPU type `name`, or an InputError naming the known ones. */
export function gpuType(name: string): GpuType {
  if (!Object.hasOwn(GPU_TYPES, name))
    throw new InputError(
      `unknown GPU type ${show(name)}: expected one of ${GPU_TYPE_NAMES.join(', ')}, or a profile from gpulet profile (cpu-<cores>c, ${MPS_PROFILE_GPU})`,
    );
  return GPU_TYPES[name as keyof typeof GPU_TYPES];
}

/** Device memory per GPU of type `name`, MB; measured profiles get {@link MEASURED_PROFILE_MEMORY_MB}. */
export function gpuMemoryMb(name: string): number {
  return isMeasuredProfileGpu(name) ? MEASURED_PROFILE_MEMORY_MB : gpuType(name).memoryMb;
}
