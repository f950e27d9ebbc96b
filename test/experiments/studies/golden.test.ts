/**
 * Golden outputs (STYLE habit 13): every study's `--quick --seed 1` CSVs, byte for byte against
 * test/golden/<study>/. A change of output is a deliberate act: regenerate with
 *   UPDATE_GOLDEN=1 npx vitest run test/experiments/studies/golden.test.ts
 * and say in the commit why the numbers moved.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { allStudies } from '../../../experiments/studies/index.ts';

const GOLDEN = fileURLToPath(new URL('../../golden', import.meta.url));
const UPDATE = process.env.UPDATE_GOLDEN === '1';

/** Studies with no golden file, and why. */
const NOT_GOLDEN: Readonly<Record<string, string>> = {
  'cpu-interference':
    'real co-location on this CPU: its timings are measurements, not byte-reproducible (experiments/studies/cpu-interference/run.ts)',
  fidelity:
    'real execution on this CPU: its timings are measurements, not byte-reproducible (experiments/studies/fidelity/run.ts)',
};

const studies = allStudies().filter((s) => !Object.hasOwn(NOT_GOLDEN, s.name));

describe('golden CSVs (--quick --seed 1)', () => {
  it.each(studies.map((s) => [s.name, s] as const))(
    '%s writes CSVs byte-identical to its folder in test/golden',
    async (name, study) => {
      const out = mkdtempSync(join(tmpdir(), `gpulet-golden-${name}-`));
      const r = await study.run(
        { quick: true, seed: 1, outDir: out, jobs: availableParallelism(), shard: { index: 0, count: 1 } },
        { out: () => {}, err: () => {} },
      );
      const csvs = r.files
        .filter((f) => f.endsWith('.csv'))
        .map((f) => basename(f))
        .sort();
      expect(csvs.length).toBeGreaterThan(0);
      const dir = join(GOLDEN, name);
      if (UPDATE) {
        mkdirSync(dir, { recursive: true });
        for (const f of csvs) writeFileSync(join(dir, f), readFileSync(join(out, f)));
      }
      if (!existsSync(dir))
        throw new Error(
          `no golden files for ${name} in ${dir}: create them with UPDATE_GOLDEN=1 npx vitest run test/experiments/studies/golden.test.ts and commit them`,
        );
      // The study writes exactly the files the golden folder has.
      expect(csvs).toEqual(readdirSync(dir).sort());
      for (const f of csvs)
        expect(readFileSync(join(out, f), 'utf8'), `${name}/${f}`).toBe(readFileSync(join(dir, f), 'utf8'));
    },
    300_000,
  );

  it('every golden folder belongs to a study (no stale goldens)', () => {
    const names = new Set(studies.map((s) => s.name));
    const folders = existsSync(GOLDEN) ? readdirSync(GOLDEN) : [];
    expect(folders.filter((f) => !names.has(f))).toEqual([]);
  });
});
