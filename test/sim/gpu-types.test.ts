import { describe, expect, it } from 'vitest';
import { InputError } from '../../engine/errors.ts';
import {
  GPU_TYPES,
  MEASURED_PROFILE_MEMORY_MB,
  cpuProfileGpu,
  gpuMemoryMb,
  isMeasuredProfileGpu,
  MPS_PROFILE_GPU,
} from '../../sim/gpu-types.ts';

describe('GPU types', () => {
  it('give the memory of each known type (the RTX 2080 Ti: 11,000 MB, docs/artifact.md#models-and-slos)', () => {
    expect(gpuMemoryMb('rtx2080ti')).toBe(11_000);
    expect(gpuMemoryMb('rtx3080')).toBe(GPU_TYPES.rtx3080.memoryMb);
  });

  it("plan a profile measured by gpulet profile (cpu-<cores>c, mps-gpu) with the RTX 2080 Ti's memory", () => {
    expect(MEASURED_PROFILE_MEMORY_MB).toBe(GPU_TYPES.rtx2080ti.memoryMb);
    for (const t of [cpuProfileGpu(1), cpuProfileGpu(16), MPS_PROFILE_GPU]) {
      expect(isMeasuredProfileGpu(t)).toBe(true);
      expect(gpuMemoryMb(t)).toBe(MEASURED_PROFILE_MEMORY_MB);
    }
  });

  it.each(['h100', 'cpu-c', 'cpu-0c', 'constructor', 'toString', '__proto__'])(
    'refuse an unknown type %s in one line naming the known ones',
    (name) => {
      expect(() => gpuMemoryMb(name)).toThrow(InputError);
      expect(() => gpuMemoryMb(name)).toThrow(
        `unknown GPU type ${JSON.stringify(name)}: expected one of rtx2080ti, rtx3080, a100-80gb, or a profile from gpulet profile (cpu-<cores>c, mps-gpu)`,
      );
    },
  );
});
