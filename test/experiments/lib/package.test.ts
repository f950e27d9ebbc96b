/**
 * The package as a user gets it: `npm pack`, installed into an empty folder without dev
 * dependencies, without network (`--offline`, from the npm cache the project's own install filled)
 * and without install scripts; then onnxruntime-node is removed (a platform without it: it is an
 * optional dependency), and `npx gpulet simulate` and a script importing `gpulet` both work.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('npm pack, installed --omit=dev', () => {
  it('runs `npx gpulet simulate` and a script that imports gpulet', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gpulet-pack-'));
    await exec('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: root, timeout: 120_000 });
    const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'));
    expect(tgz).toBeDefined();
    const app = join(dir, 'app');
    await exec('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    await exec(
      'npm',
      ['install', '--offline', '--ignore-scripts', '--no-audit', '--no-fund', '--omit=dev', join(dir, tgz as string)],
      { cwd: app, timeout: 300_000 },
    );
    rmSync(join(app, 'node_modules', 'onnxruntime-node'), { recursive: true, force: true });
    expect(readdirSync(join(app, 'node_modules'))).not.toContain('onnxruntime-node');
    const sim = await exec(
      'npx',
      ['--no-install', 'gpulet', 'simulate', '-w', 'scen3', '-d', '2', '--format', 'json'],
      {
        cwd: app,
        timeout: 120_000,
      },
    );
    const doc = JSON.parse(sim.stdout);
    expect(doc.requests.arrived).toBe(doc.requests.completed + doc.requests.dropped);
    writeFileSync(
      join(app, 'use.mjs'),
      "import { plan, simulate } from 'gpulet';\nconst p = plan('scen3', 'gpulet-int', { rate: 900 });\nconst r = simulate('scen3', p, { rate: 900, durationS: 2 });\nconsole.log(JSON.stringify({ feasible: p.feasible, arrived: r.requests.arrived }));\n",
    );
    const use = await exec(process.execPath, ['use.mjs'], { cwd: app, timeout: 120_000 });
    expect(JSON.parse(use.stdout)).toMatchObject({ feasible: true });
    // An experiment config, from the command line and through the API.
    const config = {
      name: 'c',
      workloads: ['scen3'],
      schedulers: ['temporal', 'gpulet'],
      durations_s: [1],
      seeds: [1, 2],
    };
    writeFileSync(join(app, 'c.json'), JSON.stringify(config));
    const ran = await exec(
      'npx',
      ['--no-install', 'gpulet', 'run', 'c.json', '--out', 'out', '--jobs', '1', '--format', 'json'],
      {
        cwd: app,
        timeout: 120_000,
      },
    );
    expect(JSON.parse(ran.stdout)).toMatchObject({ config: 'c', cells: 2, runs: 4 });
    expect(readdirSync(join(app, 'out')).sort()).toEqual(['c-runs', 'c-summary.csv', 'c.csv', 'c.png', 'c.svg']);
    writeFileSync(
      join(app, 'config.mjs'),
      `import { runConfig } from 'gpulet';\nconst r = await runConfig(${JSON.stringify(config)}, { outDir: 'api' });\nconsole.log(JSON.stringify({ rows: r.rows.length, summary: r.summary.length }));\n`,
    );
    const viaApi = await exec(process.execPath, ['config.mjs'], { cwd: app, timeout: 120_000 });
    // scen3: 3 models + all, per run (4 runs); the summary per cell (2) and model.
    expect(JSON.parse(viaApi.stdout)).toEqual({ rows: 16, summary: 8 });
  }, 600_000);
});
