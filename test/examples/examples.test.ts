/**
 * The examples run as a user runs them (`node --import tsx examples/NAME.ts`), importing the
 * package by its name through its exports map.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = (script: string, ...args: string[]) =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', script, ...args], { cwd: root, timeout: 120_000 });

describe('examples/', () => {
  it('slo-sweep: a CSV of violation % per rate and scheduler; gpulet-int holds its SLO where it plans', async () => {
    const { stdout } = await run('examples/slo-sweep.ts', '--quick');
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toBe('rate_rps,temporal_violation_pct,gpulet-int_violation_pct');
    expect(lines).toHaveLength(3);
    const low = lines[1].split(',');
    expect(low[0]).toBe('400');
    expect(Number(low[2])).toBeLessThanOrEqual(1);
  }, 120_000);

  it('custom-scheduler: a Scheduler object plans and simulates beside a built-in one', async () => {
    const { stdout } = await run('examples/custom-scheduler.ts');
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^one-gpu-per-task: feasible (true|false), \d GPU\(s\), [\d.]+ % violations, \d+\/\d+ completed$/,
    );
    expect(lines[1]).toMatch(/^gpulet-int: feasible true, /);
  }, 120_000);
});
