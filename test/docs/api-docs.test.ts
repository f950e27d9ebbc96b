/** `npm run docs:api`: TypeDoc documents the public API from its types, without a warning. */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('API docs (TypeDoc)', () => {
  it('documents every function of the public API, with its doc comment', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'gpulet-apidocs-')), 'api');
    const r = await promisify(execFile)(process.execPath, ['experiments/docs/typedoc.mjs', out], {
      cwd: root,
      timeout: 300_000,
    });
    expect(r.stdout).toBe(`wrote ${out}/index.html\n`);
    for (const f of ['plan', 'simulate', 'simulateAutoscale', 'maxRate', 'loadWorkload', 'runConfig', 'compareRuns'])
      expect(existsSync(join(out, 'functions', `${f}.html`))).toBe(true);
    expect(readFileSync(join(out, 'functions', 'plan.html'), 'utf8')).toContain('as <code>gpulet schedule</code> does');
  }, 300_000);
});
