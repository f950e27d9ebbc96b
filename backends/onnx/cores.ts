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
 *
 * Keeping cores warm. On this machine kind (a VM whose idle vCPUs halt, cpuidle `haltpoll`) a core
 * that has been idle for a few ms runs the next ~10 ms of work up to 1.7x slower: a plain JS loop
 * of 6.3 ms takes 9.3-10.3 ms (median, p90) after 5-20 ms of sleep, GoogLeNet x0.25 batch 4 takes
 * 10 ms instead of 6 (measured). A serving gpulet idles between batches and a profile runs them
 * back to back, so the two would disagree by that much. {@link keepCoresWarm} therefore runs one
 * spinning thread per core of the machine under SCHED_IDLE (`chrt -i`, util-linux): the core never halts,
 * yet the spinner gets the core only when nothing else wants it, so the gpulet's own work, the
 * main thread and other processes preempt it at once (measured: the 6.3 ms loop stays 6.3 ms with
 * a spinner on its core, and takes 6.1-6.3 ms after any gap). Where `chrt` is missing no spinner
 * runs: spinning at normal priority would steal the gpulet's own core.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { availableParallelism, setPriority } from 'node:os';

/** intra-op threads for a gpulet of `partitionPct` % on a machine with `cores` cores. */
export function threadsFor(partitionPct: number, cores: number): number {
  return Math.max(1, Math.round((cores * partitionPct) / 100));
}

/**
 * The partitions that are exact whole-core shares of `cores` and that a scheduler may use (its
 * gpulet sizes `allowedPct`): on 2 cores {50, 100}; on 4 cores {50, 100} (25 and 75 are not gpulet
 * sizes); on 5 cores {20, 40, 60, 80, 100}.
 */
export function coreSharePartitions(
  cores: number,
  allowedPct: readonly number[] = [20, 40, 50, 60, 80, 100],
): number[] {
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
    return code === 'ENOENT'
      ? 'unpinned (no taskset)'
      : `unpinned (taskset failed: ${(e as Error).message.split('\n')[0]})`;
  }
}

/**
 * Set the calling thread's nice value (Linux applies setpriority to one thread; threads it creates
 * later inherit it, so a runner does this before creating its sessions). A lower value than now
 * needs CAP_SYS_NICE. Returns `nice -10`, or `nice unchanged (why)`. Never throws.
 */
export function setNice(nice: number): string {
  try {
    setPriority(0, nice);
    return `nice ${nice}`;
  } catch (e) {
    return `nice unchanged (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`;
  }
}

/** The spinner: set SCHED_IDLE and pin itself, report, then spin until the process ends. */
const SPINNER = `
const { parentPort, workerData } = require('node:worker_threads');
const { execFileSync } = require('node:child_process');
const { readlinkSync } = require('node:fs');
let status;
try {
  const tid = readlinkSync('/proc/thread-self').split('/').pop();
  execFileSync('chrt', ['-i', '-p', '0', tid], { stdio: 'ignore' });
  execFileSync('taskset', ['-p', '-c', String(workerData.cpu), tid], { stdio: 'ignore' });
  status = 'ok';
} catch (e) {
  status = e.code === 'ENOENT' ? 'no chrt or taskset' : 'chrt/taskset failed';
}
parentPort.postMessage(status);
if (status === 'ok') for (;;) {}
`;

/** Spinners started by {@link keepCoresWarm}. */
export interface WarmCores {
  /** `spinning on 0,1`, or `off (why)`. */
  readonly status: string;
  /** End the spinners (they are plain JS loops, so terminating them is safe). */
  stop(): Promise<void>;
}

/**
 * Start one SCHED_IDLE spinner thread pinned to each of `cpus` (see the module comment). If any
 * cannot get SCHED_IDLE, all are stopped and the status says why. The threads are unref'd: they
 * never keep the process alive.
 */
export async function keepCoresWarm(cpus: readonly number[]): Promise<WarmCores> {
  const workers: Worker[] = [];
  const results = await Promise.all(
    cpus.map(
      (cpu) =>
        new Promise<string>((resolve) => {
          const w = new Worker(SPINNER, { eval: true, workerData: { cpu } });
          w.unref();
          workers.push(w);
          w.once('message', (m: string) => resolve(m));
          w.once('error', (e) => resolve(`spinner failed: ${e.message}`));
        }),
    ),
  );
  const stop = async (): Promise<void> => {
    await Promise.all(workers.map((w) => w.terminate()));
  };
  const bad = results.find((r) => r !== 'ok');
  if (bad !== undefined) {
    await stop();
    return { status: `off (${bad})`, stop: async () => {} };
  }
  return { status: `spinning on ${cpus.join(',')}`, stop };
}
