import { describe, expect, it } from 'vitest';
import { InputError } from '../../engine/errors.ts';
import { catalog, parseCatalog, resolveModel } from '../../sim/profiles/catalog.ts';

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
