/**
 * A model and a GPU type added as data, with no code edit: a catalog CSV (`--catalog`), a GPU types
 * CSV (`--gpu-types`) and a latency profile CSV (`--profiles`) for a made-up model on a made-up GPU
 * plan and simulate through the CLI and through the public API (docs/formats.md).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadContext, plan, simulate } from '../../experiments/lib/api.ts';
import { InputError } from '../../engine/errors.ts';
import { cli } from '../helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'gpulet-data-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const CATALOG = file(
  'models.csv',
  'model,alias,slo_ms,memory_mb,input_shape,input_dtype,input_bytes\ntinyvit,tv,40,900,3x224x224,float32,602112\n',
);
const GPUS = file('gpus.csv', 'name,memory_mb,interference,source\nl4,23034,none,made up for this test\n');
/** tinyvit at half and the whole GPU, batches 1 and 32 (the rest is interpolated). */
const PROFILE = file(
  'profile.csv',
  [
    'model,gpu,partition,batch,latency_ms,source',
    'tinyvit,l4,50,1,4,test',
    'tinyvit,l4,50,32,30,test',
    'tv,l4,100,1,3,test',
    'tv,l4,100,32,16,test',
  ].join('\n'),
);
const WORKLOAD = file('w.json', '{"models": [{"model": "tv", "rate": 500}], "gpus": 2}');
const DATA = ['--profiles', PROFILE, '--catalog', CATALOG, '--gpu-types', GPUS];

interface PlanDoc {
  feasible: boolean;
  gpus: Array<{ type: string; gpulets: Array<{ partition: number; models: Array<{ model: string; rate: number }> }> }>;
}

/** Planned throughput of `model` over the whole plan, req/s. */
const plannedRps = (doc: PlanDoc, model: string) =>
  doc.gpus.flatMap((g) => g.gpulets.flatMap((l) => l.models)).reduce((s, a) => s + (a.model === model ? a.rate : 0), 0);

describe('a model and a GPU type as data', () => {
  it('gpulet schedule plans the new model on the new GPU type for its whole rate', async () => {
    const r = await cli('schedule', '-w', WORKLOAD, ...DATA, '--format', 'json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as PlanDoc;
    expect(doc.feasible).toBe(true);
    expect(doc.gpus.every((g) => g.type === 'l4')).toBe(true);
    expect(plannedRps(doc, 'tinyvit')).toBeGreaterThanOrEqual(500);
    // Only the profiled range 50..100 % exists for this model.
    for (const g of doc.gpus) for (const l of g.gpulets) expect(l.partition).toBeGreaterThanOrEqual(50);
  });

  it('gpulet simulate serves every request of it within its 40 ms SLO, without interference (the type says none)', async () => {
    const r = await cli('simulate', '-w', WORKLOAD, ...DATA, '-d', '5', '--format', 'json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as {
      interference: string;
      requests: { arrived: number; completed: number; dropped: number };
      models: Record<string, { slo_ms: number; p99_ms: number }>;
    };
    expect(doc.interference).toBe('none');
    // 500 req/s for 5 s: about 2,500 Poisson arrivals (±5 sigma is ±250).
    expect(doc.requests.arrived).toBeGreaterThan(2250);
    expect(doc.requests.arrived).toBeLessThan(2750);
    expect(doc.requests.completed).toBe(doc.requests.arrived);
    expect(doc.models.tinyvit.slo_ms).toBe(40);
    expect(doc.models.tinyvit.p99_ms).toBeLessThanOrEqual(40);
  });

  it('the GPU type memory is the one planned with: 500 MB cannot hold a 900 MB model', async () => {
    const small = file('small.csv', 'name,memory_mb,interference\nl4,500,none\n');
    const r = await cli('schedule', '-w', WORKLOAD, ...DATA.slice(0, 4), '--gpu-types', small, '--format', 'json');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as PlanDoc).feasible).toBe(false);
  });

  it('the API: loadContext({ profiles, catalog, gpuTypes }) plans and simulates the same', () => {
    const ctx = loadContext({ profiles: PROFILE, catalog: CATALOG, gpuTypes: GPUS });
    const p = plan(WORKLOAD, 'gpulet-int', { ctx });
    expect(p.feasible).toBe(true);
    expect(p.gpus.every((g) => g.type === 'l4')).toBe(true);
    const served = p.gpus.flatMap((g) => g.gpulets.flatMap((l) => l.models)).filter((a) => a.model === 'tinyvit');
    expect(served.reduce((s, a) => s + a.rateRps, 0)).toBeGreaterThanOrEqual(500);
    const r = simulate(WORKLOAD, p, { ctx, seed: 1, durationS: 5 });
    expect(r.requests.completed).toBe(r.requests.arrived);
    expect(r.requests.arrived).toBeGreaterThan(2250);
  });

  it('the same profile without --catalog names an unknown model, without --gpu-types an unknown GPU type', async () => {
    const noCatalog = await cli('schedule', '-w', WORKLOAD, '--profiles', PROFILE);
    expect(noCatalog.code).toBe(2);
    expect(noCatalog.err).toMatch(
      /^gpulet: .*profile\.csv: row 2, field model: expected a model name, one of .*got "tinyvit"\n$/,
    );
    const noTypes = await cli('schedule', '-w', WORKLOAD, '--profiles', PROFILE, '--catalog', CATALOG);
    expect(noTypes.code).toBe(2);
    expect(noTypes.err).toMatch(
      /^gpulet: .*profile\.csv: row 2, field gpu: expected a known GPU type \(rtx2080ti, rtx3080, a100-80gb, cpu-<cores>c or mps-gpu from gpulet profile, or one given with --gpu-types\), got "l4"\n$/,
    );
  });

  it('a new model on a GPU type with the interference truth is refused: it has no kernel utilisation', async () => {
    const onTruth = file('truth.csv', 'name,memory_mb,interference\nl4,23034,truth\n');
    const r = await cli('schedule', '-w', WORKLOAD, ...DATA.slice(0, 4), '--gpu-types', onTruth);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^gpulet: .*: model tinyvit has no kernel-utilisation rows, .*interference none/);
  });
});

describe('bad catalog and GPU types files: one line naming file, row, field and reason', () => {
  const head = 'model,alias,slo_ms,memory_mb,input_shape,input_dtype,input_bytes\n';
  const cases: Array<[string, string, string, string]> = [
    [
      'a model the embedded catalog has',
      '--catalog',
      `${head}resnet50,r5,10,100,1x8,float32,32\n`,
      'row 2, field model: expected a name not already in the catalog (resnet50 has it), got "resnet50"',
    ],
    [
      'an alias the embedded catalog has',
      '--catalog',
      `${head}new,res,10,100,1x8,float32,32\n`,
      'row 2, field alias: expected a name not already in the catalog (resnet50 has it), got "res"',
    ],
    [
      'wrong input bytes',
      '--catalog',
      `${head}new,nw,10,100,1x8,float32,64\n`,
      'row 2, field input_bytes: expected 32 (1x8 x 4 bytes), got 64',
    ],
    [
      'a GPU type named like a built-in one',
      '--gpu-types',
      'name,memory_mb,interference\nrtx2080ti,1,none\n',
      `row 2, field name: expected a name that is not a built-in GPU type or a measured profile's, got "rtx2080ti"`,
    ],
    [
      'a GPU type twice',
      '--gpu-types',
      'name,memory_mb,interference\nx,1,none\nx,2,none\n',
      'row 3, field name: expected a name not used before (row 2 has it), got "x"',
    ],
    [
      'an interference model that does not exist',
      '--gpu-types',
      'name,memory_mb,interference\nx,1,mig\n',
      'row 2, field interference: expected none or truth, got "mig"',
    ],
    [
      'memory in GB by mistake',
      '--gpu-types',
      'name,memory_mb,interference\nx,24GB,none\n',
      'row 2, field memory_mb: expected a positive number of MB, got "24GB"',
    ],
  ];
  it.each(cases)('%s', async (name, flag, text, reason) => {
    const path = file(`${name.replaceAll(' ', '-')}.csv`, text);
    const r = await cli('schedule', '-w', 'scen3', flag, path);
    expect(r).toEqual({ code: 2, out: '', err: `gpulet: ${path}: ${reason}\n` });
  });

  it('an unreadable file is named with its error code', () => {
    expect(() => loadContext({ catalog: join(dir, 'none.csv') })).toThrow(
      new InputError(`${join(dir, 'none.csv')}: cannot read models file (ENOENT)`),
    );
    expect(() => loadContext({ gpuTypes: join(dir, 'none.csv') })).toThrow(
      new InputError(`${join(dir, 'none.csv')}: cannot read GPU types file (ENOENT)`),
    );
  });
});
