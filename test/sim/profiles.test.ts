import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../engine/errors.ts';
import {
  OUTPUTS,
  formatLatencyCsv,
  formatLooCsv,
  formatSummaryCsv,
  run,
} from '../../experiments/lib/profile-completion.ts';
import { defaultOverheadTables, parseOverheadTables } from '../../sim/profiles/batch-overhead.ts';
import { catalog, parseCatalog, resolveModel } from '../../sim/profiles/catalog.ts';
import {
  batchShape,
  monotoneCubic,
  partitionSlowdown,
  shapeLatencyMs,
  sloAnchorMs,
  smEnvelope,
  smFracAt,
} from '../../sim/profiles/completion.ts';
import { defaultProfile, loadLatencyProfile } from '../../sim/profiles/latency.ts';
import { defaultUtilProfile, loadUtilProfile } from '../../sim/profiles/util.ts';

/** The InputError message `fn` throws (fails the test if it throws anything else or nothing). */
function inputErrorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as InputError).message;
  }
  throw new Error('expected an InputError, got none');
}

describe('catalog', () => {
  it('catalog() holds the nine models of Table 4 with their SLO, memory and input size', () => {
    expect(catalog().map((m) => `${m.name}/${m.alias}`)).toEqual([
      'lenet/le',
      'googlenet/goo',
      'resnet50/res',
      'ssd-mobilenetv1/ssd',
      'vgg16/vgg',
      'mnasnet1_0/nas',
      'mobilenet_v2/mob',
      'densenet161/den',
      'bert/be',
    ]);
    const res = catalog()[2];
    expect([res.sloMs, res.memoryMb, res.inputBytes, res.inputShape, res.inputDtype]).toEqual([
      108,
      1820,
      602112,
      [3, 224, 224],
      'float32',
    ]);
    expect(catalog().map((m) => m.sloMs)).toEqual([5, 66, 108, 202, 142, 62, 64, 202, 22]);
    expect(catalog().find((m) => m.name === 'bert')?.inputBytes).toBe(112);
    expect(catalog().find((m) => m.name === 'ssd-mobilenetv1')?.inputBytes).toBe(1_080_000);
  });

  it('resolveModel(name or alias) returns the same catalog entry', () => {
    expect(resolveModel('res', 'x')).toBe(resolveModel('resnet50', 'x'));
    expect(resolveModel('be', 'x').name).toBe('bert');
  });

  it('resolveModel(unknown, where) throws InputError naming where and listing the valid names', () => {
    const message = inputErrorOf(() => resolveModel('resnet', 'w.json: models[2], field model'));
    expect(message).toBe(
      'w.json: models[2], field model: expected a model name, one of lenet (le), googlenet (goo), resnet50 (res), ' +
        'ssd-mobilenetv1 (ssd), vgg16 (vgg), mnasnet1_0 (nas), mobilenet_v2 (mob), densenet161 (den), bert (be), ' +
        'densenet121 (d121), densenet169 (d169), densenet201 (d201), inceptionv3 (inc), resnet101 (r101), resnet152 (r152), vgg19 (v19), got "resnet"',
    );
  });

  it('parseCatalog checks input_bytes against shape x dtype and rejects repeated aliases', () => {
    const header = 'model,alias,slo_ms,memory_mb,input_shape,input_dtype,input_bytes\n';
    expect(inputErrorOf(() => parseCatalog(`${header}a,x,5,50,1x28x28,float32,3000\n`, 'm.csv'))).toBe(
      'm.csv: row 2, field input_bytes: expected 3136 (1x28x28 x 4 bytes), got 3000',
    );
    expect(inputErrorOf(() => parseCatalog(`${header}a,x,5,50,14,int64,112\nb,x,5,50,14,int64,112\n`, 'm.csv'))).toBe(
      'm.csv: row 3, field alias: expected a name not used before (row 2 has it), got "x"',
    );
    expect(inputErrorOf(() => parseCatalog(`${header}a,x,-5,50,14,int64,112\n`, 'm.csv'))).toBe(
      'm.csv: row 2, field slo_ms: expected a positive number, got "-5"',
    );
  });
});

const HEADER = 'model,gpu,partition,batch,latency_ms\n';

describe('loadLatencyProfile', () => {
  it('interpolates linearly over batch within a partition: b = 16 between b = 1 (10 ms) and b = 32 (41 ms) is 25 ms', () => {
    const table = loadLatencyProfile(`${HEADER}resnet50,t,100,1,10\nresnet50,t,100,32,41\n`, 't.csv');
    // 10 + (41 - 10) * (16 - 1) / (32 - 1) = 10 + 15
    expect(table.latencyMs('resnet50', 16, 100)).toBeCloseTo(25, 12);
    expect(table.latencyMs('resnet50', 1, 100)).toBe(10);
    expect(table.latencyMs('resnet50', 32, 100)).toBe(41);
  });

  it('blends the extreme partitions for a missing one, weighted by where it sits on the batch-32 curve', () => {
    const csv = `${HEADER}res,t,20,1,20\nres,t,20,32,82\nres,t,60,1,12\nres,t,60,32,50\nres,t,100,1,10\nres,t,100,32,41\n`;
    const table = loadLatencyProfile(csv, 't.csv');
    // L32(40) between 20 % (82) and 60 % (50): 66. f = (66 - 41) / (82 - 41) = 25/41.
    // Linear over batch: L(16, 20 %) = 20 + 62 * 15/31 = 50; L(16, 100 %) = 25.
    // L(16, 40 %) = 25/41 * 50 + 16/41 * 25 = 1650/41.
    expect(table.latencyMs('resnet50', 16, 40)).toBeCloseTo(1650 / 41, 12);
    expect(table.latencyMs('resnet50', 32, 40)).toBeCloseTo(66, 12);
    expect(table.partitionsPct).toEqual([20, 60, 100]);
    expect(table.has('resnet50')).toBe(true);
    expect(table.has('vgg16')).toBe(false);
    expect(table.gpuType).toBe('t');
  });

  it('latencyMs outside the profiled partitions or batches is a RangeError (a caller bug, not bad input)', () => {
    const table = loadLatencyProfile(`${HEADER}vgg,t,20,1,2\nvgg,t,20,32,9\nvgg,t,100,1,1\nvgg,t,100,32,3\n`, 't.csv');
    expect(() => table.latencyMs('vgg16', 1, 10)).toThrow(RangeError);
    expect(() => table.latencyMs('vgg16', 33, 100)).toThrow(RangeError);
    expect(() => table.latencyMs('vgg16', 2.5, 100)).toThrow(RangeError);
    expect(() => table.latencyMs('resnet50', 1, 100)).toThrow(RangeError);
  });

  it('batchOverheadMs follows the artifact: 224x224 models 1.9 x table, SSD 2.5 x table, LeNet 0.4, BERT 1', () => {
    const csv = ['lenet', 'resnet50', 'ssd-mobilenetv1', 'bert']
      .flatMap((m) => [`${m},t,100,1,1`, `${m},t,100,32,2`])
      .join('\n');
    const table = loadLatencyProfile(`${HEADER}${csv}\n`, 't.csv');
    // The artifact holds the tables and the product in C++ floats.
    const f = Math.fround;
    expect(table.batchOverheadMs('resnet50', 32)).toBe(f(1.9 * f(10.9889)));
    expect(table.batchOverheadMs('resnet50', 1)).toBe(f(1.9 * f(0.242238)));
    expect(table.batchOverheadMs('ssd-mobilenetv1', 16)).toBe(f(2.5 * f(9.56877)));
    expect([1, 16, 32].map((b) => table.batchOverheadMs('lenet', b))).toEqual([f(0.4), f(0.4), f(0.4)]);
    expect([1, 16, 32].map((b) => table.batchOverheadMs('bert', b))).toEqual([1, 1, 1]);
  });

  const bad: [string, string, string][] = [
    [
      'an unknown model',
      `${HEADER}resnet50,t,100,1,5\nresnet,t,100,32,9\n`,
      'bad.csv: row 3, field model: expected a model name, one of lenet (le), googlenet (goo), resnet50 (res), ssd-mobilenetv1 (ssd), vgg16 (vgg), mnasnet1_0 (nas), mobilenet_v2 (mob), densenet161 (den), bert (be), densenet121 (d121), densenet169 (d169), densenet201 (d201), inceptionv3 (inc), resnet101 (r101), resnet152 (r152), vgg19 (v19), got "resnet"',
    ],
    [
      'a non-numeric latency',
      `${HEADER}res,t,100,1,abc\n`,
      'bad.csv: row 2, field latency_ms: expected a positive number, got "abc"',
    ],
    [
      'a negative latency',
      `${HEADER}res,t,100,1,-3\n`,
      'bad.csv: row 2, field latency_ms: expected a positive number, got "-3"',
    ],
    [
      'a zero latency',
      `${HEADER}res,t,100,1,0\n`,
      'bad.csv: row 2, field latency_ms: expected a positive number, got "0"',
    ],
    [
      'an empty latency',
      `${HEADER}res,t,100,1,\n`,
      'bad.csv: row 2, field latency_ms: expected a positive number, got nothing',
    ],
    [
      'partition 0',
      `${HEADER}res,t,0,1,5\n`,
      'bad.csv: row 2, field partition: expected an integer percent 1..100, got "0"',
    ],
    [
      'partition 101',
      `${HEADER}res,t,101,1,5\n`,
      'bad.csv: row 2, field partition: expected an integer percent 1..100, got "101"',
    ],
    [
      'a fractional partition',
      `${HEADER}res,t,50.5,1,5\n`,
      'bad.csv: row 2, field partition: expected an integer percent 1..100, got "50.5"',
    ],
    ['batch 0', `${HEADER}res,t,100,0,5\n`, 'bad.csv: row 2, field batch: expected an integer batch 1..32, got "0"'],
    ['batch 33', `${HEADER}res,t,100,33,5\n`, 'bad.csv: row 2, field batch: expected an integer batch 1..32, got "33"'],
    [
      'a fractional batch',
      `${HEADER}res,t,100,2.5,5\n`,
      'bad.csv: row 2, field batch: expected an integer batch 1..32, got "2.5"',
    ],
    [
      'a duplicate row',
      `${HEADER}res,t,100,1,5\nres,t,100,32,9\nresnet50,t,100,1,6\n`,
      'bad.csv: row 4, field batch: expected one row per (model, partition, batch); row 2 has resnet50 at 100 % batch 1, got 1',
    ],
    [
      'an empty file',
      '',
      'bad.csv: row 1, field header: expected a header with columns model,gpu,partition,batch,latency_ms, got an empty file',
    ],
    ['only a header', HEADER, 'bad.csv: row 2, field model: expected at least one data row, got nothing'],
    [
      'binary garbage',
      '\u0089PNG\r\n\u001a\n\u0000\u0000\u0000\rIHDR',
      'bad.csv: row 2, field header: expected a text CSV file, got binary data',
    ],
    [
      'a wrong header',
      'model,partition,batch,ms\nres,100,1,5\n',
      'bad.csv: row 1, field header: expected a header with columns model,gpu,partition,batch,latency_ms, got "model,partition,batch,ms"',
    ],
    [
      'two GPU types',
      `${HEADER}res,a,100,1,5\nres,b,100,32,9\n`,
      'bad.csv: row 3, field gpu: expected one GPU type per file (a, as in row 2), got "b"',
    ],
    [
      'a partition without batch 32',
      `${HEADER}res,t,100,1,5\nres,t,100,16,9\n`,
      'bad.csv: row 2, field batch: expected rows for batch 1 and batch 32 of resnet50 at partition 100 (interpolation needs both ends), got "batches 1, 16"',
    ],
  ];
  for (const [what, csv, message] of bad) {
    it(`loadLatencyProfile(csv with ${what}) throws InputError: ${message.slice(0, 60)}…`, () => {
      expect(inputErrorOf(() => loadLatencyProfile(csv, 'bad.csv'))).toBe(message);
    });
  }
});

describe('batching-cost tables', () => {
  it('defaultOverheadTables() holds the artifact tables for b = 1..32', () => {
    const t = defaultOverheadTables();
    expect([...t.keys()]).toEqual(['1x28x28', '3x224x224', '3x300x300']);
    expect(t.get('3x224x224')?.[32]).toBe(10.9889);
    expect(t.get('3x300x300')?.[1]).toBe(0.416397);
    expect(t.get('1x28x28')?.[32]).toBe(0.031334);
  });

  it('parseOverheadTables rejects an input with missing batches', () => {
    expect(
      inputErrorOf(() => parseOverheadTables('input,batch,overhead_ms\n3x1x1,1,0.5\n3x1x1,2,0.7\n', 'o.csv')),
    ).toMatch(/^o\.csv: row 3, field batch: expected batches 1\.\.32 for input 3x1x1, got "none for 3 4 5 /);
  });
});

describe('loadUtilProfile', () => {
  it('util(model, power of two) returns the artifact values; kernelMs the mean kernel duration', () => {
    const u = defaultUtilProfile();
    expect(u.util('resnet50', 32)).toEqual({
      smPct: 48.42085498843118,
      l2Pct: 28.1903444258127,
      dramPct: 62.27229222750162,
    });
    expect(u.kernelMs('resnet50', 32)).toBe(0.1408786986301371);
    expect(u.models).toHaveLength(9);
  });

  it('util(model, batch) interpolates linearly between powers of two, as the artifact does', () => {
    const csv =
      'model,batch,sm_pct,l2_pct,dram_pct\n' +
      [1, 2, 4, 8, 16, 32].map((b, i) => `vgg,${b},${10 * i},${i},${50 + i}`).join('\n');
    const u = loadUtilProfile(csv, 'u.csv');
    // b = 12 lies halfway between 8 (30, 3, 53) and 16 (40, 4, 54); b = 3 halfway between 2 and 4.
    expect(u.util('vgg16', 12)).toEqual({ smPct: 35, l2Pct: 3.5, dramPct: 53.5 });
    expect(u.util('vgg16', 3).smPct).toBe(15);
    expect(u.util('vgg16', 32).smPct).toBe(50);
    expect(u.util('vgg16', 12)).toBe(u.util('vgg16', 12));
    expect(() => u.kernelMs('vgg16', 32)).toThrow(RangeError);
  });

  it('loadUtilProfile rejects a non-power-of-two batch, a percent over 100 and a model with missing batches', () => {
    const header = 'model,batch,sm_pct,l2_pct,dram_pct\n';
    expect(inputErrorOf(() => loadUtilProfile(`${header}vgg,3,1,1,1\n`, 'u.csv'))).toBe(
      'u.csv: row 2, field batch: expected a batch of 1, 2, 4, 8, 16 or 32, got 3',
    );
    expect(inputErrorOf(() => loadUtilProfile(`${header}vgg,1,101,1,1\n`, 'u.csv'))).toBe(
      'u.csv: row 2, field sm_pct: expected a percent 0..100, got "101"',
    );
    expect(inputErrorOf(() => loadUtilProfile(`${header}vgg,1,1,1,1\nvgg,2,1,1,1\n`, 'u.csv'))).toBe(
      'u.csv: row 3, field batch: expected rows for batches 1, 2, 4, 8, 16, 32 of vgg16, got "none for 4, 8, 16, 32"',
    );
  });
});

describe('defaultProfile (embedded RTX 2080 Ti)', () => {
  it('reads Figure-3 values back exactly: resnet50 b16 at 50 % is 31.9 ms', () => {
    const p = defaultProfile();
    expect(p.latencyMs('resnet50', 16, 50)).toBe(31.9);
    expect(p.latencyMs('vgg16', 32, 20)).toBe(176.8);
    expect(p.latencyMs('googlenet', 1, 100)).toBe(9.6);
    expect(p.partitionsPct).toEqual([20, 40, 50, 60, 80, 100]);
    expect(p.gpuType).toBe('rtx2080ti');
    expect(catalog().every((m) => p.has(m.name))).toBe(true);
    expect(p).toBe(defaultProfile());
  });

  it('the SLO anchor holds for the completed models: L(32, 100 %) = SLO / 2 - raw batching cost', () => {
    const p = defaultProfile();
    expect(p.latencyMs('densenet161', 32, 100)).toBeCloseTo(202 / 2 - 10.9889, 3);
    expect(p.latencyMs('bert', 32, 100)).toBeCloseTo(22 / 2, 3);
  });

  it('LeNet, launch-bound, is scaled by its 12 kernels x (launch cost + mean kernel time), not by its SLO', () => {
    const p = defaultProfile();
    const u = defaultUtilProfile();
    const tau = run().constants.launchCostMs;
    expect(p.latencyMs('lenet', 32, 100)).toBeCloseTo(12 * (tau + u.kernelMs('lenet', 32)), 3);
    // Far below the 2.5 ms its SLO would imply, and flat over batch at the full GPU.
    expect(p.latencyMs('lenet', 1, 100)).toBeCloseTo(p.latencyMs('lenet', 32, 100), 3);
    expect(p.latencyMs('lenet', 32, 100)).toBeLessThan(0.5);
  });
});

describe('completion', () => {
  it('smEnvelope keeps the running maximum; smFracAt interpolates between powers of two', () => {
    expect(smEnvelope([10, 20, 15, 40, 30, 50])).toEqual([0.1, 0.2, 0.2, 0.4, 0.4, 0.5]);
    const frac = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6];
    expect(smFracAt(frac, 12)).toBeCloseTo(0.45, 12);
    expect(smFracAt(frac, 3)).toBeCloseTo(0.25, 12);
    expect(smFracAt(frac, 1)).toBe(0.1);
    expect(smFracAt(frac, 32)).toBe(0.6);
  });

  it('batchShape(a, b) is 1 at b = 32, the floor a at small batch and flat when a = 1', () => {
    expect(batchShape(0.3, 32)).toBeCloseTo(1, 12);
    // b = 1: sqrt(0.3^2 + (sqrt(1 - 0.09) / 32)^2)
    expect(batchShape(0.3, 1)).toBeCloseTo(Math.hypot(0.3, Math.sqrt(0.91) / 32), 12);
    expect(batchShape(1, 7)).toBe(1);
  });

  it('partitionSlowdown is 1 at 100 %, about 1 when the pass uses little of the GPU, about u / f when it uses much', () => {
    expect(partitionSlowdown(0.5, 100, 3)).toBe(1);
    expect(partitionSlowdown(0.02, 20, 3)).toBeCloseTo(1, 3);
    expect(partitionSlowdown(0.6, 20, 40)).toBeCloseTo(3, 2);
  });

  it('sloAnchorMs(SLO, cost) = SLO / 2 - cost; shapeLatencyMs(shape, 32, 100) is the anchor', () => {
    expect(sloAnchorMs(108, 10.9889)).toBeCloseTo(43.0111, 12);
    const shape = { scaleMs: 43, floorShare: 0.2, smFrac: [0.2, 0.3, 0.4, 0.5, 0.5, 0.5], partitionSoftness: 3 };
    expect(shapeLatencyMs(shape, 32, 100)).toBeCloseTo(43, 12);
  });

  it('monotoneCubic passes through the knots, is exact on a line and stays within monotone data', () => {
    const f = monotoneCubic([1, 2, 4, 8], [1, 2, 4, 8]);
    expect([1, 3, 5, 8].map(f)).toEqual([1, 3, 5, 8].map((x) => expect.closeTo(x, 12)));
    const g = monotoneCubic([1, 2, 4, 8, 16, 32], [9.8, 9.8, 10.3, 15.8, 25.2, 48.9]);
    const values = Array.from({ length: 32 }, (_, i) => g(i + 1));
    expect(values.every((v, i) => i === 0 || v >= values[i - 1])).toBe(true);
    expect(g(2)).toBe(9.8);
    // Between 2 and 4 (h = 2): slope 0 at 2 (flat on the left), at 4 the weighted harmonic mean of
    // 0.25 and 1.375 with weights 10 and 8: 18 / (10 / 0.25 + 8 / 1.375) = 0.392857...; at the midpoint
    // the Hermite basis gives (9.8 + 10.3) / 2 - 2 * 0.392857 / 8.
    expect(g(3)).toBeCloseTo((9.8 + 10.3) / 2 - (2 * (18 / (40 + 8 / 1.375))) / 8, 12);
  });
});

describe('profile-completion study', () => {
  const result = run();

  it('the committed profile and results equal what run() generates (golden check)', () => {
    expect(readFileSync(OUTPUTS.latency, 'utf8')).toBe(formatLatencyCsv(result.latencyRows));
    expect(readFileSync(OUTPUTS.loo, 'utf8')).toBe(formatLooCsv(result.looRows));
    expect(readFileSync(OUTPUTS.summary, 'utf8')).toBe(formatSummaryCsv(result.summaryRows));
  });

  it('the profile has 9 models x 6 partitions x 32 batches; fig3 rows only at Figure-3 batches', () => {
    expect(result.latencyRows).toHaveLength(1728);
    const bySource = (s: string) => result.latencyRows.filter((r) => r.source === s);
    expect(bySource('fig3')).toHaveLength(4 * 6 * 6);
    expect(bySource('fig3-interp')).toHaveLength(4 * 6 * 26);
    expect(new Set(bySource('fitted').map((r) => r.model))).toEqual(
      new Set(['lenet', 'mnasnet1_0', 'mobilenet_v2', 'densenet161', 'bert']),
    );
  });

  it('fitted rows are non-decreasing in batch and non-increasing in partition', () => {
    const fitted = new Map(
      result.latencyRows
        .filter((r) => r.source === 'fitted')
        .map((r) => [`${r.model}|${r.partition}|${r.batch}`, r.latencyMs]),
    );
    const at = (m: string, p: number, b: number) => fitted.get(`${m}|${p}|${b}`)!;
    const partitions = [20, 40, 50, 60, 80, 100];
    for (const m of ['lenet', 'mnasnet1_0', 'mobilenet_v2', 'densenet161', 'bert']) {
      partitions.forEach((p, j) => {
        for (let b = 1; b <= 32; b++) {
          if (b > 1) expect(at(m, p, b)).toBeGreaterThanOrEqual(at(m, p, b - 1));
          if (j > 0) expect(at(m, p, b)).toBeLessThanOrEqual(at(m, partitions[j - 1], b));
        }
      });
    }
  });

  it('leave-one-out: 36 points per Figure-3 model, and a summary row per model and method', () => {
    expect(result.looRows).toHaveLength(4 * 36);
    expect(result.summaryRows.map((r) => `${r.method}:${r.model}`)).toContain('mean-of-others:all');
    expect(result.summaryRows.filter((r) => r.model === 'all')).toHaveLength(4);
  });

  it('the CLI with --check exits 0 on the committed outputs and 2 on an unknown argument', () => {
    const script = new URL('../../experiments/lib/profile-completion.ts', import.meta.url).pathname;
    const ok = spawnSync(process.execPath, ['--import', 'tsx', script, '--check'], { encoding: 'utf8' });
    expect(ok.status, ok.stderr).toBe(0);
    const bad = spawnSync(process.execPath, ['--import', 'tsx', script, '--chek'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('unknown argument: --chek');
  });
});
