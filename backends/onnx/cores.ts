/**
 * How a gpulet's partition becomes a share of this machine's CPU cores (the CPU stand-in for an MPS
 * active-thread percentage): `threads = max(1, round(cores x p / 100))` onnxruntime intra-op threads,
 * and, where the OS lets us, those threads pinned to their own cores.
 *
 * Pinning uses the `taskset` binary (util-linux) on the worker thread's own Linux thread id, read from
 * `/proc/thread-self`. onnxruntime creates its intra-op pool when a session is created, and Linux
 * threads inherit the affinity of the thread that creates them, so pinning the worker before it
 * creates sessions pins the whole pool. No native addon is involved; where `taskset` or `/proc` is
 * missing the worker runs unpinned and says so.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** intra-op threads for a gpulet of `partitionPct` % on a machine with `cores` cores. */
export function threadsFor(partitionPct: number, cores: number): number {
  return Math.max(1, Math.round((cores * partitionPct) / 100));
}

/**
 * The partitions that are exact whole-core shares of `cores` and that a scheduler may use (its
 * gpulet sizes `allowedPct`): on 2 cores {50, 100}; on 4 cores {50, 100} (25 and 75 are not gpulet
 * sizes); on 5 cores {20, 40, 60, 80, 100}.
 */
export function coreSharePartitions(cores: number, allowedPct: readonly number[] = [20, 40, 50, 60, 80, 100]): number[] {
  const out: number[] = [];
  for (let k = 1; k <= cores; k++) {
    const p = (100 * k) / cores;
    if (Number.isInteger(p) && allowedPct.includes(p)) out.push(p);
  }
  return out;
}

/** CPU ids this process may run on (`Cpus_allowed_list`), or 0..n-1 when /proc cannot say. */
export function allowedCpus(): number[] {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const line = /^Cpus_allowed_list:\s*(.+)$/m.exec(status);
    if (line) {
      const cpus: number[] = [];
      for (const part of line[1].trim().split(',')) {
        const [a, b] = part.split('-').map(Number);
        for (let c = a; c <= (b ?? a); c++) cpus.push(c);
      }
      if (cpus.length > 0 && cpus.every(Number.isInteger)) return cpus;
    }
  } catch {
    // Not Linux, or /proc is hidden: fall through.
  }
  return Array.from({ length: availableParallelism() }, (_, i) => i);
}

/**
 * The cores of gpulet `gpulet` (0 or 1) of a GPU with `threads` threads: gpulet 0 takes the lowest
 * cores and gpulet 1 the highest, so two gpulets whose partitions sum to at most 100 % never share a
 * core. Returns CPU ids from `cpus`.
 */
export function coresFor(gpulet: number, threads: number, cpus: readonly number[]): number[] {
  const n = Math.min(threads, cpus.length);
  return gpulet === 0 ? cpus.slice(0, n) : cpus.slice(cpus.length - n);
}

/**
 * Pin the calling thread (and the threads it creates later) to `cpus`. Returns what happened, for
 * the log: `pinned to 0,1`, or `unpinned (why)`. Never throws.
 */
export function pinCurrentThread(cpus: readonly number[]): string {
  let tid: string;
  try {
    // "/proc/thread-self" -> "<pid>/task/<tid>" (Linux >= 3.17).
    tid = readlinkSync('/proc/thread-self').split('/').pop() as string;
  } catch {
    return 'unpinned (no /proc/thread-self)';
  }
  try {
    execFileSync('taskset', ['-p', '-c', cpus.join(','), tid], { stdio: 'ignore' });
    return `pinned to ${cpus.join(',')}`;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'unpinned (no taskset)' : `unpinned (taskset failed: ${(e as Error).message.split('\n')[0]})`;
  }
}
