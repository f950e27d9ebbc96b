/**
 * A load generator for tests that must hold on a busy machine (CI runs on a shared 2-core box):
 * `n` CPU-bound child processes, each ending by itself after `maxS` seconds should a test forget
 * to stop it.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface CpuLoad {
  readonly procs: readonly ChildProcess[];
  stop(): Promise<void>;
}

export function startCpuLoad(n: number, maxS = 300): CpuLoad {
  const spin = `const end = Date.now() + ${maxS * 1000}; let x = 0; while (Date.now() < end) x = (x * 31 + 7) % 1000003;`;
  const procs = Array.from({ length: n }, () => spawn(process.execPath, ['-e', spin], { stdio: 'ignore' }));
  return {
    procs,
    stop: async () => {
      await Promise.all(
        procs.map(
          (p) =>
            new Promise<void>((resolve) => {
              if (p.exitCode !== null || p.signalCode !== null) return resolve();
              p.once('exit', () => resolve());
              p.kill('SIGKILL');
            }),
        ),
      );
    },
  };
}
