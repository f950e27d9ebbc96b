import { describe, expect, it } from 'vitest';
import { InputError } from '../../engine/errors.ts';
import { defaultOverheadTables, parseOverheadTables } from '../../sim/profiles/batch-overhead.ts';
import { catalog, parseCatalog, resolveModel } from '../../sim/profiles/catalog.ts';
import { loadLatencyProfile } from '../../sim/profiles/latency.ts';
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
      'lenet/le', 'googlenet/goo', 'resnet50/res', 'ssd-mobilenetv1/ssd', 'vgg16/vgg',
      'mnasnet1_0/nas', 'mobilenet_v2/mob', 'densenet161/den', 'bert/be',
    ]);
    const res = catalog()[2];
    expect([res.sloMs, res.memoryMb, res.inputBytes, res.inputShape, res.inputDtype]).toEqual([108, 1820, 602112, [3, 224, 224], 'float32']);
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
        'ssd-mobilenetv1 (ssd), vgg16 (vgg), mnasnet1_0 (nas), mobilenet_v2 (mob), densenet161 (den), bert (be), got "resnet"',
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
    const csv = ['lenet', 'resnet50', 'ssd-mobilenetv1', 'bert'].flatMap((m) => [`${m},t,100,1,1`, `${m},t,100,32,2`]).join('\n');
    const table = loadLatencyProfile(`${HEADER}${csv}\n`, 't.csv');
    expect(table.batchOverheadMs('resnet50', 32)).toBeCloseTo(1.9 * 10.9889, 12);
    expect(table.batchOverheadMs('resnet50', 1)).toBeCloseTo(1.9 * 0.242238, 12);
    expect(table.batchOverheadMs('ssd-mobilenetv1', 16)).toBeCloseTo(2.5 * 9.56877, 12);
    expect([1, 16, 32].map((b) => table.batchOverheadMs('lenet', b))).toEqual([0.4, 0.4, 0.4]);
    expect([1, 16, 32].map((b) => table.batchOverheadMs('bert', b))).toEqual([1, 1, 1]);
  });

  const bad: [string, string, string][] = [
    ['an unknown model', `${HEADER}resnet50,t,100,1,5\nresnet,t,100,32,9\n`,
      'bad.csv: row 3, field model: expected a model name, one of lenet (le), googlenet (goo), resnet50 (res), ssd-mobilenetv1 (ssd), vgg16 (vgg), mnasnet1_0 (nas), mobilenet_v2 (mob), densenet161 (den), bert (be), got "resnet"'],
    ['a non-numeric latency', `${HEADER}res,t,100,1,abc\n`, 'bad.csv: row 2, field latency_ms: expected a positive number, got "abc"'],
    ['a negative latency', `${HEADER}res,t,100,1,-3\n`, 'bad.csv: row 2, field latency_ms: expected a positive number, got "-3"'],
    ['a zero latency', `${HEADER}res,t,100,1,0\n`, 'bad.csv: row 2, field latency_ms: expected a positive number, got "0"'],
    ['an empty latency', `${HEADER}res,t,100,1,\n`, 'bad.csv: row 2, field latency_ms: expected a positive number, got nothing'],
    ['partition 0', `${HEADER}res,t,0,1,5\n`, 'bad.csv: row 2, field partition: expected an integer percent 1..100, got "0"'],
    ['partition 101', `${HEADER}res,t,101,1,5\n`, 'bad.csv: row 2, field partition: expected an integer percent 1..100, got "101"'],
    ['a fractional partition', `${HEADER}res,t,50.5,1,5\n`, 'bad.csv: row 2, field partition: expected an integer percent 1..100, got "50.5"'],
    ['batch 0', `${HEADER}res,t,100,0,5\n`, 'bad.csv: row 2, field batch: expected an integer batch 1..32, got "0"'],
    ['batch 33', `${HEADER}res,t,100,33,5\n`, 'bad.csv: row 2, field batch: expected an integer batch 1..32, got "33"'],
    ['a fractional batch', `${HEADER}res,t,100,2.5,5\n`, 'bad.csv: row 2, field batch: expected an integer batch 1..32, got "2.5"'],
    ['a duplicate row', `${HEADER}res,t,100,1,5\nres,t,100,32,9\nresnet50,t,100,1,6\n`,
      'bad.csv: row 4, field batch: expected one row per (model, partition, batch); row 2 has resnet50 at 100 % batch 1, got 1'],
    ['an empty file', '', 'bad.csv: row 1, field header: expected a header with columns model,gpu,partition,batch,latency_ms, got an empty file'],
    ['only a header', HEADER, 'bad.csv: row 2, field model: expected at least one data row, got nothing'],
    ['binary garbage', '\u0089PNG\r\n\u001a\n\u0000\u0000\u0000\rIHDR', 'bad.csv: row 2, field header: expected a text CSV file, got binary data'],
    ['a wrong header', 'model,partition,batch,ms\nres,100,1,5\n',
      'bad.csv: row 1, field header: expected a header with columns model,gpu,partition,batch,latency_ms, got "model,partition,batch,ms"'],
    ['two GPU types', `${HEADER}res,a,100,1,5\nres,b,100,32,9\n`, 'bad.csv: row 3, field gpu: expected one GPU type per file (a, as in row 2), got "b"'],
    ['a partition without batch 32', `${HEADER}res,t,100,1,5\nres,t,100,16,9\n`,
      'bad.csv: row 2, field batch: expected rows for batch 1 and batch 32 of resnet50 at partition 100 (interpolation needs both ends), got "batches 1, 16"'],
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
    expect(inputErrorOf(() => parseOverheadTables('input,batch,overhead_ms\n3x1x1,1,0.5\n3x1x1,2,0.7\n', 'o.csv'))).toMatch(
      /^o\.csv: row 3, field batch: expected batches 1\.\.32 for input 3x1x1, got "none for 3 4 5 /,
    );
  });
});

describe('loadUtilProfile', () => {
  it('util(model, power of two) returns the artifact values; kernelMs the mean kernel duration', () => {
    const u = defaultUtilProfile();
    expect(u.util('resnet50', 32)).toEqual({ smPct: 48.42085498843118, l2Pct: 28.1903444258127, dramPct: 62.27229222750162 });
    expect(u.kernelMs('resnet50', 32)).toBe(0.1408786986301371);
    expect(u.models).toHaveLength(9);
  });

  it('util(model, batch) interpolates linearly between powers of two, as the artifact does', () => {
    const csv = 'model,batch,sm_pct,l2_pct,dram_pct\n' + [1, 2, 4, 8, 16, 32].map((b, i) => `vgg,${b},${10 * i},${i},${50 + i}`).join('\n');
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
