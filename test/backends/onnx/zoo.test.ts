import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../../engine/errors.ts';
import { ensureModel } from '../../../backends/onnx/cache.ts';
import { ProtoWriter } from '../../../backends/onnx/proto.ts';
import {
  buildModel,
  MODEL_NAMES,
  type BuiltModel,
  type ModelName,
  type ZooOptions,
} from '../../../backends/onnx/zoo.ts';

const SESSION: ort.InferenceSession.SessionOptions = { graphOptimizationLevel: 'all', intraOpNumThreads: 1 };

function bytesOf(w: ProtoWriter): number[] {
  return [...w.finish()];
}

/** A deterministic input batch: sin(i) for images, token ids spread over the vocabulary for BERT. */
function inputFor(m: BuiltModel, batch: number): ort.Tensor {
  const dims = [batch, ...m.inputShape];
  const size = dims.reduce((a, b) => a * b, 1);
  if (m.inputType === 'int64')
    return new ort.Tensor(
      'int64',
      BigInt64Array.from({ length: size }, (_, i) => BigInt((i * 7919) % 30522)),
      dims,
    );
  return new ort.Tensor(
    'float32',
    Float32Array.from({ length: size }, (_, i) => Math.sin(i)),
    dims,
  );
}

async function runAt(m: BuiltModel, batches: readonly number[]): Promise<Record<string, ort.Tensor>[]> {
  const session = await ort.InferenceSession.create(m.bytes, SESSION);
  try {
    const results: Record<string, ort.Tensor>[] = [];
    for (const batch of batches) results.push(await session.run({ [session.inputNames[0]]: inputFor(m, batch) }));
    return results;
  } finally {
    await session.release();
  }
}

function allFinite(t: ort.Tensor): boolean {
  return (t.data as Float32Array).every((v) => Number.isFinite(v));
}

describe('ProtoWriter encodes the protobuf wire format', () => {
  it('varint(v) writes 7-bit groups, least significant first, high bit = more', () => {
    expect(bytesOf(new ProtoWriter().varint(0))).toEqual([0x00]);
    expect(bytesOf(new ProtoWriter().varint(1))).toEqual([0x01]);
    expect(bytesOf(new ProtoWriter().varint(127))).toEqual([0x7f]);
    expect(bytesOf(new ProtoWriter().varint(150))).toEqual([0x96, 0x01]); // protobuf docs' example
    expect(bytesOf(new ProtoWriter().varint(300))).toEqual([0xac, 0x02]);
    expect(bytesOf(new ProtoWriter().varint(2 ** 32))).toEqual([0x80, 0x80, 0x80, 0x80, 0x10]);
  });

  it('varint(-1) writes int64 two’s complement: nine 0xff then 0x01', () => {
    expect(bytesOf(new ProtoWriter().varint(-1))).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
  });

  it('int(field, v) prefixes the key (field << 3 | 0)', () => {
    expect(bytesOf(new ProtoWriter().int(1, 150))).toEqual([0x08, 0x96, 0x01]);
    expect(bytesOf(new ProtoWriter().int(20, 7))).toEqual([0xa0, 0x01, 0x07]); // key 160 needs two bytes
  });

  it('float(field, v) writes key (field << 3 | 5) and 4 little-endian IEEE-754 bytes', () => {
    expect(bytesOf(new ProtoWriter().float(2, 1))).toEqual([0x15, 0x00, 0x00, 0x80, 0x3f]);
    expect(bytesOf(new ProtoWriter().float(2, -2.5))).toEqual([0x15, 0x00, 0x00, 0x20, 0xc0]);
  });

  it('string and nested message are length-delimited (wire type 2)', () => {
    expect(bytesOf(new ProtoWriter().string(2, 'testing'))).toEqual([
      0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67,
    ]);
    expect(bytesOf(new ProtoWriter().message(3, new ProtoWriter().int(1, 150)))).toEqual([
      0x1a, 0x03, 0x08, 0x96, 0x01,
    ]);
  });

  it('bytes(field, large payload) keeps it by reference and copies it once in finish()', () => {
    const payload = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
    const inner = new ProtoWriter().int(1, 5).bytes(9, payload);
    const out = new ProtoWriter().message(7, inner).int(2, 1).finish();
    expect([...out.subarray(0, 7)]).toEqual([0x3a, 0xb1, 0x02, 0x08, 0x05, 0x4a, 0xac]); // inner 2 + 1 + 2 + 300 = 305 = 0xb1 0x02
    expect(out[7]).toBe(0x02);
    expect([...out.subarray(8, 308)]).toEqual([...payload]);
    expect([...out.subarray(308)]).toEqual([0x10, 0x01]);
  });
});

describe('LeNet-5', () => {
  it('has 61,706 parameters and 416,520 MACs per sample', () => {
    // conv1 6·(1·5·5)+6 = 156; conv2 16·(6·5·5)+16 = 2,416; fc 400·120+120 = 48,120;
    // 120·84+84 = 10,164; 84·10+10 = 850. Sum 61,706.
    // MACs: 6·28²·25 = 117,600; 16·10²·150 = 240,000; 48,000 + 10,080 + 840 = 58,920.
    const m = buildModel('lenet', { weights: 'none' });
    expect(m.params).toBe(61_706);
    expect(m.gflopsPerSample).toBeCloseTo((2 * 416_520) / 1e9, 12);
    expect(m.bytes.length).toBe(0);
  });

  it('runs at batch 1 and 4: probs [N, 10], each row sums to 1', async () => {
    const m = buildModel('lenet');
    expect(m.inputShape).toEqual([1, 28, 28]);
    const results = await runAt(m, [1, 4]);
    results.forEach(({ probs }, i) => {
      const n = [1, 4][i];
      expect(probs.dims).toEqual([n, 10]);
      const data = probs.data as Float32Array;
      for (let r = 0; r < n; r++)
        expect(data.subarray(r * 10, r * 10 + 10).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    });
  });

  it('buildModel(name, {seed}) is deterministic in the seed', () => {
    // Buffer.equals, not toEqual: a deep diff of 250 kB arrays takes a second.
    const a = Buffer.from(buildModel('lenet', { seed: 7 }).bytes);
    expect(a.equals(buildModel('lenet', { seed: 7 }).bytes)).toBe(true);
    expect(a.equals(buildModel('lenet', { seed: 8 }).bytes)).toBe(false);
  });
});

describe('full-size models match their published parameter counts (within 2%)', () => {
  // torchvision / Hugging Face counts; GoogLeNet from the paper's topology; SSD from TF's model.
  const published: Record<ModelName, number> = {
    lenet: 61_706,
    googlenet: 7.0e6,
    resnet50: 25.557e6,
    'ssd-mobilenetv1': 6.8e6,
    vgg16: 138.358e6,
    mnasnet1_0: 4.383e6,
    mobilenet_v2: 3.505e6,
    densenet161: 28.681e6,
    bert: 109.482e6, // with the pooler; 108.9 M without
  };
  for (const name of MODEL_NAMES) {
    it(`${name}: ${published[name]} parameters`, () => {
      const m = buildModel(name, { weights: 'none' });
      expect(Math.abs(m.params / published[name] - 1)).toBeLessThan(0.02);
    });
  }

  it('GFLOPs per sample are 2 x the published GMACs', () => {
    const gmacs: Partial<Record<ModelName, number>> = {
      resnet50: 4.09,
      vgg16: 15.47,
      densenet161: 7.73,
      mobilenet_v2: 0.3,
      mnasnet1_0: 0.31,
      googlenet: 1.58,
    };
    for (const [name, g] of Object.entries(gmacs) as [ModelName, number][]) {
      expect(buildModel(name, { weights: 'none' }).gflopsPerSample / (2 * g)).toBeCloseTo(1, 1);
    }
    // BERT at 14 tokens, per layer: 14·(4·768² + 2·768·3072) linear + 2·12·14·14·64 attention; pooler 768².
    const bertMacs = 12 * (14 * (4 * 768 ** 2 + 2 * 768 * 3072) + 2 * 12 * 14 * 14 * 64) + 768 ** 2;
    expect(buildModel('bert', { weights: 'none' }).gflopsPerSample).toBeCloseTo((2 * bertMacs) / 1e9, 9);
  });
});

describe('reduced variants run under onnxruntime at batch 1 and 2', () => {
  const reduced: ZooOptions = { widthMultiplier: 0.125, numLayers: 2 };
  for (const name of MODEL_NAMES.filter((n) => n !== 'lenet')) {
    it(`${name} x0.125 gives its declared output shapes`, async () => {
      const m = buildModel(name, reduced);
      const results = await runAt(m, [1, 2]);
      results.forEach((out, i) => {
        const batch = i + 1;
        expect(Object.keys(out).sort()).toEqual(m.outputs.map((o) => o.name).sort());
        for (const o of m.outputs) {
          const t = out[o.name];
          expect(t.dims.length).toBe(o.dims.length);
          o.dims.forEach((d, axis) => {
            if (d === 'N') expect(t.dims[axis]).toBe(batch);
            else if (typeof d === 'number') expect(t.dims[axis]).toBe(d);
          });
          if (t.type === 'float32') expect(allFinite(t)).toBe(true);
        }
      });
    });
  }

  it('bert with numLayers 2 and width 0.125 has hidden size 96 (12 heads of 8)', () => {
    expect(buildModel('bert', { ...reduced, weights: 'none' }).outputs).toEqual([{ name: 'pooled', dims: ['N', 96] }]);
  });
});

describe('options are validated', () => {
  it('buildModel rejects a non-positive width multiplier with an InputError', () => {
    expect(() => buildModel('lenet', { widthMultiplier: 0 })).toThrow(InputError);
    expect(() => buildModel('lenet', { widthMultiplier: 0 })).toThrow(
      'zoo options, field widthMultiplier: expected a positive number, got 0',
    );
  });
  it('buildModel rejects an unknown model name', () => {
    expect(() => buildModel('alexnet' as ModelName)).toThrow(InputError);
  });
});

describe('ensureModel(name, opts, dir)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gpulet-zoo-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes <name>-w<mult>.onnx once, then reuses it; regenerates it when deleted', async () => {
    const first = ensureModel('lenet', { widthMultiplier: 0.5 }, dir);
    expect(first.path).toBe(join(dir, 'lenet-w0.5.onnx'));
    expect(first.generated).toBe(true);
    expect(first.params).toBe(buildModel('lenet', { widthMultiplier: 0.5, weights: 'none' }).params);
    const again = ensureModel('lenet', { widthMultiplier: 0.5 }, dir);
    expect(again).toEqual({ ...first, generated: false });
    rmSync(first.path);
    expect(existsSync(first.path)).toBe(false);
    expect(ensureModel('lenet', { widthMultiplier: 0.5 }, dir).generated).toBe(true);
    const session = await ort.InferenceSession.create(first.path, SESSION);
    expect(session.outputNames).toEqual(['probs']);
    await session.release();
  });

  it('names the full-width default model <name>.onnx', () => {
    expect(ensureModel('lenet', {}, dir).path).toBe(join(dir, 'lenet.onnx'));
  });
});
