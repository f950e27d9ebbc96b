import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { autoType, csvParse } from 'd3-dsv';
import { describe, expect, it } from 'vitest';
import { main } from '../../../experiments/cli/main.ts';

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

const dir = mkdtempSync(join(tmpdir(), 'gpulet-run-'));
const configFile = join(dir, 'two.json');
// 2 workloads x 2 schedulers x 1 rate x 1 duration x 3 seeds: 4 cells, 12 runs.
writeFileSync(
  configFile,
  JSON.stringify({
    name: 'two',
    workloads: ['scen3', 'game'],
    schedulers: ['temporal', 'gpulet-int'],
    rates_rps: [400],
    durations_s: [2],
    seeds: [1, 2, 3],
  }),
);
const read = (f: string) => csvParse(readFileSync(f, 'utf8'), autoType) as unknown as Array<Record<string, unknown>>;

describe('gpulet run CONFIG.json', () => {
  it('a 2 x 2 x 3-seed config gives the tidy CSV, a summary with t-intervals, per-cell JSON and a figure', async () => {
    const out = join(dir, 'full');
    const r = await run(['run', configFile, '--out', out, '--jobs', '1', '--format', 'json']);
    expect(r.code).toBe(0);
    const rows = read(join(out, 'two.csv'));
    // Per run: one row per model and one `all`; scen3 has 3 models, game's app 6 distinct models.
    const totals = rows.filter((x) => x.model === 'all');
    expect(totals.length).toBe(12);
    expect(new Set(totals.map((x) => `${x.workload}/${x.scheduler}/${x.seed}`)).size).toBe(12);
    for (const x of rows) expect(Number(x.arrived)).toBe(Number(x.completed) + Number(x.dropped));
    const summary = read(join(out, 'two-summary.csv')).filter((x) => x.model === 'all');
    expect(summary.length).toBe(4);
    // The interval, worked independently: t(0.975, 2) = 4.302652729911275 (tables), s / sqrt(3).
    for (const s of summary) {
      const xs = totals
        .filter((x) => x.workload === s.workload && x.scheduler === s.scheduler)
        .map((x) => Number(x.goodput_rps));
      const mean = (xs[0] + xs[1] + xs[2]) / 3;
      const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / 2);
      expect(s.seeds).toBe(3);
      expect(Number(s.goodput_rps)).toBeCloseTo(mean, 3);
      expect(Number(s.goodput_rps_hi)).toBeCloseTo(mean + (4.302652729911275 * sd) / Math.sqrt(3), 3);
      expect(Number(s.goodput_rps_lo)).toBeCloseTo(Math.max(0, mean - (4.302652729911275 * sd) / Math.sqrt(3)), 3);
    }
    for (const k of [0, 1, 2, 3]) {
      const cell = JSON.parse(readFileSync(join(out, 'two-runs', `cell-${k}.json`), 'utf8'));
      expect(cell.runs.map((x: { seed: number }) => x.seed)).toEqual([1, 2, 3]);
    }
    expect(readFileSync(join(out, 'two.svg'), 'utf8')).toContain('<svg');
    expect(existsSync(join(out, 'two.png'))).toBe(true);
    expect(JSON.parse(r.out)).toMatchObject({ config: 'two', cells: 4, runs: 12 });
  });

  it('shards joined by gpulet join are byte-identical to the unsharded run', async () => {
    for (const i of [1, 2]) {
      const r = await run(['run', configFile, '--out', join(dir, `s${i}`), '--shard', `${i}/2`, '--jobs', '1']);
      expect(r.code).toBe(0);
    }
    const j = await run(['join', join(dir, 's1'), join(dir, 's2', 'two-2of2.csv'), '--out', join(dir, 'joined')]);
    expect(j.code).toBe(0);
    for (const f of ['two.csv', 'two-summary.csv', 'two.svg'])
      expect(readFileSync(join(dir, 'joined', f), 'utf8')).toBe(readFileSync(join(dir, 'full', f), 'utf8'));
    // A missing piece is named.
    const missing = await run(['join', join(dir, 's1'), '--out', join(dir, 'joined')]);
    expect([missing.code, missing.err]).toEqual([2, 'gpulet: join: piece 2 of 2 of two is missing\n']);
  });

  it("gpulet compare: the same seeds are compared pair by pair, and the means are the tidy rows'", async () => {
    const a = join(dir, 'full', 'two-runs', 'cell-0.json');
    const b = join(dir, 'full', 'two-runs', 'cell-1.json');
    const r = await run(['compare', a, b, '--format', 'json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as {
      differences: Array<{ model: string; metric: string; a: number; b: number; diff: number; interval: string }>;
    };
    const rows = read(join(dir, 'full', 'two.csv')).filter((x) => x.model === 'all' && x.workload === 'scen3');
    const mean = (s: string) => {
      const xs = rows.filter((x) => x.scheduler === s).map((x) => Number(x.p99_ms));
      return xs.reduce((p, q) => p + q, 0) / xs.length;
    };
    const p99 = doc.differences.find((d) => d.model === 'all' && d.metric === 'p99_ms');
    expect(p99?.a).toBeCloseTo(mean('temporal'), 3);
    expect(p99?.b).toBeCloseTo(mean('gpulet-int'), 3);
    expect(p99?.interval).toBe('paired');
    const text = await run(['compare', a, b]);
    expect(text.out).toMatch(/paired t-interval/);
  });

  it('a config with a mistake is one line naming the file and the field, before any work', async () => {
    const cases: Array<[object | string, RegExp]> = [
      [
        { name: 'x', workloads: ['scen3'], schedulers: ['temporal'], sedes: [1] },
        /field \(top level\): unknown field "sedes"/,
      ],
      [{ name: 'x', workloads: ['scen3'], schedulers: ['nexus'] }, /field schedulers\.0: /],
      [{ name: 'x', workloads: ['scen3'], schedulers: ['temporal'], seeds: [1.5] }, /field seeds\.0: /],
      [{ name: 'x', workloads: ['scen3'], schedulers: ['temporal'], seeds: [1, 1] }, /field seeds: no seed twice/],
      [{ name: '../x', workloads: ['scen3'], schedulers: ['temporal'] }, /field name: a name of letters/],
      [{ name: 'x', workloads: ['nope'], schedulers: ['temporal'] }, /field workloads\.0: .*nope/],
      [
        { name: 'x', workloads: ['scen3'], schedulers: ['temporal'], fixes: 'bogus' },
        /field fixes: unknown fix "bogus"/,
      ],
      [
        { name: 'x', workloads: ['scen3'], schedulers: ['temporal'], rates_rps: [1e9] },
        /field workloads\.0: .*requests/,
      ],
      ['{"name": ', /expected JSON/],
    ];
    mkdirSync(join(dir, 'bad'), { recursive: true });
    for (const [i, [config, message]] of cases.entries()) {
      const f = join(dir, 'bad', `c${i}.json`);
      writeFileSync(f, typeof config === 'string' ? config : JSON.stringify(config));
      const r = await run(['run', f, '--out', join(dir, 'bad', 'out')]);
      expect([r.code, r.out]).toEqual([2, '']);
      expect(r.err.split('\n').length).toBe(2);
      expect(r.err).toMatch(new RegExp(`^gpulet: ${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
      expect(r.err).toMatch(message);
      expect(existsSync(join(dir, 'bad', 'out'))).toBe(false);
    }
  });
});

describe('gpulet join: fig15 shards', () => {
  it('joined pieces equal the unsharded study, and figures --draw-only draws them', async () => {
    const base = mkdtempSync(join(tmpdir(), 'gpulet-fig15-'));
    for (const i of [1, 2, 3])
      expect(
        (
          await run([
            'experiment',
            'fig15',
            '--quick',
            '--shard',
            `${i}/3`,
            '--out',
            join(base, `s${i}`),
            '--jobs',
            '1',
          ])
        ).code,
      ).toBe(0);
    expect((await run(['experiment', 'fig15', '--quick', '--out', join(base, 'full'), '--jobs', '1'])).code).toBe(0);
    const j = await run(['join', join(base, 's1'), join(base, 's2'), join(base, 's3'), '--out', join(base, 'joined')]);
    expect(j.code).toBe(0);
    for (const f of ['fig15-quick-scenarios.csv', 'fig15-quick.csv'])
      expect(readFileSync(join(base, 'joined', f), 'utf8')).toBe(readFileSync(join(base, 'full', f), 'utf8'));
    const d = await run(['figures', '--draw-only', '--only', 'fig15', '--quick', '--out', join(base, 'joined')]);
    expect(d.code).toBe(0);
    expect(readFileSync(join(base, 'joined', 'fig15-quick.svg'), 'utf8')).toBe(
      readFileSync(join(base, 'full', 'fig15-quick.svg'), 'utf8'),
    );
  });
});
