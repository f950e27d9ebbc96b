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

export interface GpuType {
  readonly name: string;
  /** Device memory, MB. */
  readonly memoryMb: number;
  /** Gpulet sizes its profiles cover, ascending, percent. */
  readonly partitionsPct: readonly number[];
}

/** The GPU types by name. */
export const GPU_TYPES = {
  /** Reference §2.1: 11,000 MB on the artifact's servers. */
  rtx2080ti: { name: 'rtx2080ti', memoryMb: 11_000, partitionsPct: PARTITIONS_PCT },
  rtx3080: { name: 'rtx3080', memoryMb: 10_200, partitionsPct: PARTITIONS_PCT },
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
