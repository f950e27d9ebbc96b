/**
 * How much CPU other processes took while we measured. A real run on a shared machine is only as
 * good as the machine was quiet, so profiles and real serving report it.
 *
 * Foreign CPU = all busy CPU time of the machine (/proc/stat: user, nice, system, irq, softirq)
 * minus the CPU time of this process and its children (/proc/self/stat utime, stime, cutime,
 * cstime, plus the children still alive). Our keep-warm spinners are threads of this process, so
 * they count as ours. Steal time (the hypervisor running someone else) is reported apart. Linux
 * only; elsewhere every figure is null.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** One reading of the counters, in clock ticks (USER_HZ). */
export interface CpuSnapshot {
  atMs: number;
  busyTicks: number;
  stealTicks: number;
  ownTicks: number;
}

/** CPU use between two snapshots, in cores (1 = one core busy the whole time). */
export interface CpuUse {
  /** Cores used by other processes. */
  foreignCores: number;
  /** Cores used by this process and its children. */
  ownCores: number;
  /** Cores' worth of time the hypervisor gave to others. */
  stealCores: number;
}

const TICKS_PER_S = 100; // USER_HZ is 100 on every Linux that Node supports

function statTicks(text: string, fields: readonly number[]): number {
  // Fields after the ")" that closes the command name, which may contain spaces.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); field n is rest[n - 3].
  return fields.reduce((a, f) => a + Number(rest[f - 3]), 0);
}

function childPids(): number[] {
  try {
    const pids: number[] = [];
    for (const task of readdirSync('/proc/self/task')) {
      const text = readFileSync(`/proc/self/task/${task}/children`, 'utf8').trim();
      if (text) for (const p of text.split(/\s+/)) pids.push(Number(p));
    }
    return pids;
  } catch {
    return [];
  }
}

/** Read the counters now; null where /proc is not available. */
export function cpuSnapshot(): CpuSnapshot | null {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal ...
    const busyTicks = cpu[0] + cpu[1] + cpu[2] + cpu[5] + cpu[6];
    const stealTicks = cpu[7] ?? 0;
    // utime 14, stime 15, cutime 16, cstime 17 (proc(5)).
    let ownTicks = statTicks(readFileSync('/proc/self/stat', 'utf8'), [14, 15, 16, 17]);
    for (const pid of childPids()) {
      try {
        ownTicks += statTicks(readFileSync(`/proc/${pid}/stat`, 'utf8'), [14, 15, 16, 17]);
      } catch {
        // Exited between the two reads; its time is in our cutime from now on.
      }
    }
    return { atMs: performance.now(), busyTicks, stealTicks, ownTicks };
  } catch {
    return null;
  }
}

/** CPU use between `a` and `b`; null when either reading is missing or no time passed. */
export function cpuUse(a: CpuSnapshot | null, b: CpuSnapshot | null): CpuUse | null {
  if (a === null || b === null || b.atMs <= a.atMs) return null;
  const s = (b.atMs - a.atMs) / 1000;
  const cores = (ticks: number): number => Math.max(0, ticks / TICKS_PER_S / s);
  return {
    foreignCores: cores(b.busyTicks - a.busyTicks - (b.ownTicks - a.ownTicks)),
    ownCores: cores(b.ownTicks - a.ownTicks),
    stealCores: cores(b.stealTicks - a.stealTicks),
  };
}

/**
 * Wait until a whole `windowMs` passes with other processes using at most `maxForeignCores`, or
 * until `timeoutMs`. Resolves with the last window's use and whether it was quiet.
 */
export async function waitForQuiet(
  maxForeignCores: number,
  windowMs = 1000,
  timeoutMs = 60_000,
): Promise<{ quiet: boolean; use: CpuUse | null }> {
  const start = performance.now();
  for (;;) {
    const a = cpuSnapshot();
    await new Promise((r) => setTimeout(r, windowMs));
    const use = cpuUse(a, cpuSnapshot());
    if (use === null || use.foreignCores <= maxForeignCores) return { quiet: true, use };
    if (performance.now() - start > timeoutMs) return { quiet: false, use };
  }
}
