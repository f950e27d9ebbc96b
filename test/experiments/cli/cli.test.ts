import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../../helpers.ts';
import { fileURLToPath } from 'node:url';
import { FIX_NAMES } from '../../../engine/schedulers/fixes.ts';

const dir = mkdtempSync(join(tmpdir(), 'gpulet-cli-'));
const file = (name: string, text: string | Buffer) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('gpulet schedule / simulate: bad input', () => {
  const cases: Array<[string, () => string[], RegExp]> = [
    [
      'a missing workload file',
      () => ['schedule', '-w', join(dir, 'nope.json')],
      /nope\.json: no such built-in workload .* and no such file/,
    ],
    ['a directory as workload', () => ['schedule', '-w', dir], /cannot read workload file \(EISDIR\)/],
    ['non-JSON', () => ['schedule', '-w', file('bad.json', '{"models": [')], /bad\.json: not valid JSON/],
    [
      'binary garbage',
      () => ['schedule', '-w', file('garbage.json', Buffer.from([0, 159, 146, 150, 255, 1]))],
      /garbage\.json: not valid JSON/,
    ],
    [
      'a JSON array',
      () => ['schedule', '-w', file('arr.json', '[1, 2]')],
      /arr\.json: expected a JSON object with a "models" list, got an array of 2/,
    ],
    [
      'an empty model list',
      () => ['schedule', '-w', file('empty.json', '{"models": []}')],
      /empty\.json: field models: expected a non-empty list/,
    ],
    [
      'an unknown model',
      () => ['schedule', '-w', file('unk.json', '{"models": [{"model": "alexnet", "rate": 10}]}')],
      /unk\.json: models\[0\], field model: expected a model name, one of .*got "alexnet"/,
    ],
    [
      'a negative rate',
      () => ['schedule', '-w', file('neg.json', '{"models": [{"model": "res", "rate": -5}]}')],
      /neg\.json: models\[0\], field rate: expected a non-negative number .* got -5/,
    ],
    [
      'a non-numeric rate',
      () => ['schedule', '-w', file('str.json', '{"models": [{"model": "res", "rate": "fast"}]}')],
      /str\.json: models\[0\], field rate: .*got "fast"/,
    ],
    [
      'a zero SLO',
      () => ['schedule', '-w', file('slo.json', '{"models": [{"model": "res", "rate": 5, "slo_ms": 0}]}')],
      /slo\.json: models\[0\], field slo_ms: expected a positive number of ms, got 0/,
    ],
    [
      'zero GPUs',
      () => ['schedule', '-w', file('gpus.json', '{"models": [{"model": "res", "rate": 5}], "gpus": 0}')],
      /gpus\.json: field gpus: expected a whole number of GPUs from 1 to 100000, got 0/,
    ],
    [
      'a misspelt field',
      () => ['schedule', '-w', file('typo.json', '{"modles": []}')],
      /typo\.json: field modles: unknown field/,
    ],
    [
      'an unknown scheduler',
      () => ['schedule', '-w', 'scen3', '-s', 'fast'],
      /--scheduler: expected one of temporal, .*gpulet-int, ideal, parvagpu, gpulet-mig, got "fast"/,
    ],
    [
      'a bad profile file',
      () => [
        'schedule',
        '-w',
        'scen3',
        '--profiles',
        file('prof.csv', 'model,gpu,partition,batch,latency_ms\nresnet50,x,100,1,abc\n'),
      ],
      /prof\.csv: row \d+, field latency_ms: expected a positive number, got "abc"/,
    ],
    [
      'a profile of an unknown GPU type',
      () => [
        'schedule',
        '-w',
        file('one.json', '{"models": [{"model": "res", "rate": 5}]}'),
        '--profiles',
        file('h100.csv', 'model,gpu,partition,batch,latency_ms\nresnet50,h100,100,1,2\nresnet50,h100,100,32,20\n'),
      ],
      /^gpulet: \S*h100\.csv: row 2, field gpu: expected a known GPU type \(rtx2080ti, rtx3080, a100-80gb, cpu-<cores>c or mps-gpu from gpulet profile, or one given with --gpu-types\), got "h100"\n$/,
    ],
    [
      'a prototype name as predictor',
      () => ['schedule', '-w', 'scen3', '-s', 'gpulet-int', '--predictor', 'constructor'],
      /--predictor: expected one of fitted, paper, got "constructor"/,
    ],
    [
      'a prototype name as interference model',
      () => ['simulate', '-w', 'scen3', '--interference', 'toString'],
      /--interference: expected one of truth, none, got "toString"/,
    ],
    [
      'a prototype name as workload',
      () => ['schedule', '-w', 'constructor'],
      /^gpulet: constructor: no such built-in workload \(game, .*\) and no such file\n$/,
    ],
    [
      'a prototype name as scheduler',
      () => ['schedule', '-w', 'scen3', '-s', 'constructor'],
      /--scheduler: expected one of temporal, .*, got "constructor"/,
    ],
    [
      'a negative duration',
      () => ['simulate', '-w', 'scen3', '--duration', '-1'],
      /--duration: expected a positive number, got -1/,
    ],
    ['an unknown flag', () => ['simulate', '-w', 'scen3', '--sede', '3'], /Unknown argument: sede/],
    ['an unknown command', () => ['simulat'], /Did you mean simulate\?/],
    [
      'an unknown fix',
      () => ['schedule', '-w', 'scen3', '--fixes', 'settle,bogus'],
      /--fixes: unknown fix "bogus": expected all, none, a comma list of place-small, .*burst-duty, or all,-NAME,\.\.\. for all but some\n/,
    ],
    [
      'a value outside the choices',
      () => ['maxrate', '-w', 'scen3', '--criterion', 'bogus'],
      /--criterion: expected one of slo, plan, got "bogus"\n/,
    ],
  ];
  it.each(cases)('%s: one line on stderr, exit 2', async (_name, argv, message) => {
    const r = await cli(...argv());
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(message);
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/^gpulet: /);
  });
});

describe('gpulet simulate', () => {
  it('gives byte-identical JSON for the same seed, and its accounting balances', async () => {
    const argv = [
      'simulate',
      '-w',
      'scen3',
      '-s',
      'temporal',
      '-r',
      '600',
      '-d',
      '5',
      '--interference',
      'none',
      '--seed',
      '7',
      '--format',
      'json',
    ];
    const a = await cli(...argv);
    const b = await cli(...argv);
    expect(a.code).toBe(0);
    expect(a.out).toBe(b.out);
    const doc = JSON.parse(a.out);
    expect(doc.requests.arrived).toBe(doc.requests.completed + doc.requests.dropped);
    expect(doc.requests.arrived).toBeGreaterThan(2500);
    expect(doc.interference).toBe('none');
    const c = await cli(...argv.slice(0, -3), '8', '--format', 'json');
    expect(c.out).not.toBe(a.out);
  });

  it('counts drops far beyond capacity instead of failing', async () => {
    const r = await cli('simulate', '-w', 'scen3', '-s', 'temporal', '-r', '20000', '-d', '2', '--format', 'json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.plan_feasible).toBe(false);
    expect(doc.requests.dropped).toBeGreaterThan(doc.requests.arrived / 2);
    expect(doc.requests.arrived).toBe(doc.requests.completed + doc.requests.dropped);
  });

  it('schedule --format json follows the documented plan shape', async () => {
    const r = await cli('schedule', '-w', 'scen3', '-s', 'gpulet', '-r', '900', '--format', 'json');
    const doc = JSON.parse(r.out);
    expect(doc.feasible).toBe(true);
    expect(doc.gpus_used).toBe(doc.gpus.length);
    const a = doc.gpus[0].gpulets[0];
    expect(Object.keys(a)).toEqual(['partition', 'duty_cycle_ms', 'models']);
    expect(Object.keys(a.models[0])).toEqual(['model', 'batch', 'rate', 'latency_ms']);
  });
});

describe('gpulet fixes and --fixes', () => {
  it('lists every fix with what the artifact does and what the fix does', async () => {
    const r = await cli('fixes', '--format', 'json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as { fixes: Array<{ name: string; artifact: string; fixed: string }> };
    expect(doc.fixes.map((f) => f.name)).toEqual(FIX_NAMES);
    for (const f of doc.fixes) expect(f.artifact.length * f.fixed.length).toBeGreaterThan(0);
  });

  it("--fixes none reproduces the authors' scheduler from the command line (scen3, temporal: 1260 req/s)", async () => {
    const profiles = fileURLToPath(new URL('../../fixtures/glet-artifact/latency-table.csv', import.meta.url));
    const r = await cli(
      'maxrate',
      '-w',
      'scen3',
      '-s',
      'temporal',
      '--criterion',
      'plan',
      '--fixes',
      'none',
      '--predictor',
      'paper',
      '--profiles',
      profiles,
      '--format',
      'json',
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ max_rate_rps: 1260, first_failure_rps: 1290 });
  });
});
