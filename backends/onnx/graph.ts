/**
 * A small ONNX graph builder (ModelProto ir_version 8, default-domain opset 17) with layer helpers
 * that track per-sample shapes, so every model in the zoo counts its own parameters and
 * multiply-accumulates while it is built (nothing is hard-coded).
 *
 * Conventions:
 * - Activations ({@link Act}) carry a leading dynamic batch dim `N` that `shape` leaves out; layer
 *   helpers take axes in per-sample coordinates (axis 0 = the first dim after N).
 * - Parameters follow PyTorch's `sum(p.numel() for p in model.parameters())`: conv/linear weights
 *   and biases, BN and LayerNorm scale/shift, embedding tables. BN running mean/var and other
 *   constants are buffers and are not counted.
 * - MACs count the multiply-adds of Conv, Gemm and MatMul only; elementwise ops, pooling,
 *   normalisation and softmax are not counted (the convention behind the published 4.1 GMAC
 *   figure for ResNet-50).
 * - BatchNormalization is always emitted as its own node (γ=1, β=0, μ=0, σ²=1). onnxruntime folds
 *   Conv+BN at `graphOptimizationLevel: 'all'`, and DenseNet's pre-activation BN could not be
 *   folded into a preceding conv anyway.
 * - Weights: Kaiming-uniform (bound √(6/fan_in)) for conv/linear weights, PyTorch's ±1/√fan_in
 *   for biases, from one mulberry32 stream per model, so a seed gives identical bytes.
 */
import { ProtoWriter, float32Bytes, int64Bytes } from './proto.ts';

/** ONNX IR version written into every model (ONNX 1.10+ readers; onnxruntime 1.30 accepts it). */
export const IR_VERSION = 8;
/** Default-domain opset: 17 is the first with LayerNormalization. */
export const OPSET = 17;

/** Element types the zoo uses. */
export type ElemType = 'float32' | 'int64';
const DATA_TYPE: Record<ElemType, number> = { float32: 1, int64: 7 };

/** `random`: generate weights and encode the model. `none`: only count params/MACs (bytes empty). */
export type WeightMode = 'random' | 'none';

/** A graph dimension: a fixed size or a symbolic name such as `N`. */
export type Dim = number | string;

/** An activation tensor with a leading batch dim `N`; `shape` is per sample (N excluded). */
export interface Act {
  readonly name: string;
  readonly shape: readonly number[];
}

/** Wraps a number so it is written as a FLOAT attribute; bare numbers are INT attributes. */
export class FloatAttr {
  constructor(readonly value: number) {}
}
/** Attribute value: INT, INTS, STRING or FLOAT ({@link FloatAttr}). */
export type AttrValue = number | readonly number[] | string | FloatAttr;

/** How a float initializer is filled. */
export type Fill =
  | { readonly kind: 'uniform'; readonly bound: number }
  | { readonly kind: 'const'; readonly value: number }
  | { readonly kind: 'values'; readonly values: Float32Array };

interface Initializer {
  name: string;
  dims: number[];
  type: ElemType;
  /** Little-endian raw_data; absent in `none` mode. */
  raw?: Uint8Array;
}
interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, AttrValue>;
}
interface IoSpec {
  name: string;
  type: ElemType;
  dims: Dim[];
}

/** What {@link GraphBuilder.finish} returns. */
export interface BuiltGraph {
  /** Serialized ModelProto; empty in `none` weight mode. */
  bytes: Uint8Array;
  /** Trainable parameters (PyTorch convention, see module doc). */
  params: number;
  /** Multiply-accumulates per sample (Conv, Gemm, MatMul). */
  macsPerSample: number;
  /** Graph outputs with their dims (batch first, symbolic dims as strings). */
  outputs: { name: string; dims: Dim[] }[];
}

/** Seeded mulberry32 generator (public domain, Tommy Ettinger); uniform in [0, 1). */
export class Mulberry32 {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), 1 | t);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Fill `out` with uniform values in [-bound, bound). */
  fillUniform(out: Float32Array, bound: number): void {
    for (let i = 0; i < out.length; i++) out[i] = (this.next() * 2 - 1) * bound;
  }
}

function product(dims: readonly number[]): number {
  let p = 1;
  for (const d of dims) p *= d;
  return p;
}

/** Output size of a conv/pool window along one axis (ONNX/PyTorch formula, incl. ceil mode). */
export function windowOut(size: number, k: number, stride: number, pad: number, ceil = false): number {
  const span = size + 2 * pad - k;
  if (span < 0) throw new RangeError(`window ${k} does not fit input ${size} with pad ${pad}`);
  let out = (ceil ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  // The last window must start inside the input or left padding (PyTorch/ORT ceil-mode rule).
  if (ceil && (out - 1) * stride >= size + pad) out--;
  return out;
}

/** Numpy broadcast of two shapes. */
function broadcast(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new RangeError(`cannot broadcast [${a}] with [${b}]`);
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** Builds one ONNX graph; one instance per model. Layer helpers return the new activation. */
export class GraphBuilder {
  private readonly rng: Mulberry32;
  private readonly nodes: NodeSpec[] = [];
  private readonly inits: Initializer[] = [];
  private readonly inputs: IoSpec[] = [];
  private readonly outputs: IoSpec[] = [];
  private readonly constCache = new Map<string, string>();
  private counter = 0;
  private params = 0;
  private macs = 0;

  constructor(
    private readonly graphName: string,
    private readonly opts: { readonly seed: number; readonly weights: WeightMode },
  ) {
    this.rng = new Mulberry32(opts.seed);
  }

  // ---- graph I/O, initializers, raw nodes -------------------------------------------------------

  /** Declare a graph input `[N, ...shape]`. */
  input(name: string, type: ElemType, shape: readonly number[]): Act {
    this.inputs.push({ name, type, dims: ['N', ...shape] });
    return { name, shape };
  }

  /** Declare `x` a graph output named `name` (an Identity node renames it; ORT removes it). */
  output(x: Act, name: string, type: ElemType = 'float32'): void {
    const [out] = this.node('Identity', [x.name], {}, [name]);
    this.outputs.push({ name: out, type, dims: ['N', ...x.shape] });
  }

  /** Declare an existing tensor a graph output with explicit dims (e.g. NMS's `[K, 3]`). */
  outputRaw(name: string, type: ElemType, dims: Dim[]): void {
    this.outputs.push({ name, type, dims });
  }

  /** A trainable float initializer; counted in `params`. Returns its name. */
  param(dims: readonly number[], fill: Fill): string {
    this.params += product(dims);
    return this.floatInit(dims, fill);
  }

  /** A non-trainable float initializer (BN statistics, anchors, scalars). Returns its name. */
  buffer(dims: readonly number[], fill: Fill): string {
    return this.floatInit(dims, fill);
  }

  /** Float scalar constant (shape []), shared between uses. */
  scalar(value: number): string {
    const key = `f:${value}`;
    let name = this.constCache.get(key);
    if (name === undefined) {
      name = this.buffer([], { kind: 'values', values: Float32Array.of(value) });
      this.constCache.set(key, name);
    }
    return name;
  }

  /** Int64 constant with the given dims (shapes, axes, indices); shared between identical uses. */
  int64(values: readonly number[], dims: readonly number[] = [values.length]): string {
    const key = `i:${dims}:${values}`;
    let name = this.constCache.get(key);
    if (name === undefined) {
      name = this.fresh('c');
      this.inits.push({ name, dims: [...dims], type: 'int64', raw: int64Bytes(values) });
      this.constCache.set(key, name);
    }
    return name;
  }

  /** Add a raw node; returns its output names (fresh ones unless given). */
  node(
    op: string,
    inputs: readonly string[],
    attrs: Record<string, AttrValue> = {},
    outputs: number | string[] = 1,
  ): string[] {
    const outs = typeof outputs === 'number' ? Array.from({ length: outputs }, () => this.fresh(op)) : outputs;
    this.nodes.push({ op, inputs: [...inputs], outputs: outs, attrs });
    return outs;
  }

  /** Record multiply-accumulates per sample for a node added with {@link node}. */
  addMacs(perSample: number): void {
    this.macs += perSample;
  }

  // ---- layers ---------------------------------------------------------------------------------

  /** 2-D convolution on `[C, H, W]`; `pad` defaults to ⌊k/2⌋ (same size at stride 1). */
  conv(x: Act, o: { outCh: number; k: number; stride?: number; pad?: number; groups?: number; bias?: boolean }): Act {
    const [c, h, w] = x.shape;
    const { outCh, k, stride = 1, pad = Math.floor(k / 2), groups = 1, bias = false } = o;
    if (c % groups !== 0 || outCh % groups !== 0)
      throw new RangeError(`conv groups ${groups} must divide ${c} and ${outCh}`);
    const fanIn = (c / groups) * k * k;
    const inputs = [x.name, this.param([outCh, c / groups, k, k], { kind: 'uniform', bound: Math.sqrt(6 / fanIn) })];
    if (bias) inputs.push(this.param([outCh], { kind: 'uniform', bound: 1 / Math.sqrt(fanIn) }));
    const [y] = this.node('Conv', inputs, {
      kernel_shape: [k, k],
      strides: [stride, stride],
      pads: [pad, pad, pad, pad],
      group: groups,
    });
    const shape = [outCh, windowOut(h, k, stride, pad), windowOut(w, k, stride, pad)];
    this.macs += product(shape) * fanIn;
    return { name: y, shape };
  }

  /** BatchNormalization over channel axis 0 in inference form. */
  batchNorm(x: Act, eps = 1e-5): Act {
    const c = x.shape[0];
    const scale = this.param([c], { kind: 'const', value: 1 });
    const shift = this.param([c], { kind: 'const', value: 0 });
    const mean = this.buffer([c], { kind: 'const', value: 0 });
    const variance = this.buffer([c], { kind: 'const', value: 1 });
    const [y] = this.node('BatchNormalization', [x.name, scale, shift, mean, variance], {
      epsilon: new FloatAttr(eps),
    });
    return { name: y, shape: x.shape };
  }

  /** Conv (no bias) → BN → activation: the torchvision `Conv2dNormActivation` block. */
  convBn(
    x: Act,
    o: {
      outCh: number;
      k: number;
      stride?: number;
      pad?: number;
      groups?: number;
      act: 'relu' | 'relu6' | 'none';
      eps?: number;
    },
  ): Act {
    const y = this.batchNorm(this.conv(x, { ...o, bias: false }), o.eps);
    return o.act === 'relu' ? this.relu(y) : o.act === 'relu6' ? this.relu6(y) : y;
  }

  /** Elementwise op with one input (Relu, Sigmoid, Tanh, Exp, Erf, …). */
  unary(op: string, x: Act): Act {
    return { name: this.node(op, [x.name])[0], shape: x.shape };
  }
  relu(x: Act): Act {
    return this.unary('Relu', x);
  }
  /** ReLU6 as Clip(x, 0, 6) (opset 11+ takes min/max as inputs). */
  relu6(x: Act): Act {
    return { name: this.node('Clip', [x.name, this.scalar(0), this.scalar(6)])[0], shape: x.shape };
  }

  /** Elementwise binary op. With an Act `b` shapes broadcast; a constant `b` (a name) must broadcast into `a`. */
  binary(op: 'Add' | 'Sub' | 'Mul' | 'Div', a: Act, b: Act | string): Act {
    const shape = typeof b === 'string' ? a.shape : broadcast(a.shape, b.shape);
    return { name: this.node(op, [a.name, typeof b === 'string' ? b : b.name])[0], shape };
  }
  add(a: Act, b: Act | string): Act {
    return this.binary('Add', a, b);
  }

  /** Max pooling on `[C, H, W]`. */
  maxPool(x: Act, o: { k: number; stride: number; pad?: number; ceil?: boolean }): Act {
    return this.pool('MaxPool', x, o);
  }
  /** Average pooling on `[C, H, W]`; padding counts as zeros (PyTorch `count_include_pad=True`). */
  avgPool(x: Act, o: { k: number; stride: number; pad?: number; ceil?: boolean }): Act {
    return this.pool('AveragePool', x, o);
  }
  private pool(op: string, x: Act, o: { k: number; stride: number; pad?: number; ceil?: boolean }): Act {
    const [c, h, w] = x.shape;
    const { k, stride, pad = 0, ceil = false } = o;
    const attrs: Record<string, AttrValue> = {
      kernel_shape: [k, k],
      strides: [stride, stride],
      pads: [pad, pad, pad, pad],
      ceil_mode: ceil ? 1 : 0,
    };
    if (op === 'AveragePool') attrs.count_include_pad = 1;
    const [y] = this.node(op, [x.name], attrs);
    return { name: y, shape: [c, windowOut(h, k, stride, pad, ceil), windowOut(w, k, stride, pad, ceil)] };
  }
  /** `[C, H, W]` → `[C, 1, 1]`. */
  globalAvgPool(x: Act): Act {
    return { name: this.node('GlobalAveragePool', [x.name])[0], shape: [x.shape[0], 1, 1] };
  }

  /** Concatenate along per-sample `axis`. */
  concat(xs: readonly Act[], axis = 0): Act {
    const shape = [...xs[0].shape];
    shape[axis] = xs.reduce((s, x) => s + x.shape[axis], 0);
    return {
      name: this.node(
        'Concat',
        xs.map((x) => x.name),
        { axis: axis + 1 },
      )[0],
      shape,
    };
  }

  /** Flatten to `[prod(shape)]`. */
  flatten(x: Act): Act {
    return { name: this.node('Flatten', [x.name], { axis: 1 })[0], shape: [product(x.shape)] };
  }

  /** Fully connected layer on `[F]`, weight stored `[out, in]` as in PyTorch (Gemm transB=1). */
  gemm(x: Act, outF: number, bias = true): Act {
    const inF = x.shape[0];
    const inputs = [x.name, this.param([outF, inF], { kind: 'uniform', bound: Math.sqrt(6 / inF) })];
    if (bias) inputs.push(this.param([outF], { kind: 'uniform', bound: 1 / Math.sqrt(inF) }));
    this.macs += inF * outF;
    return { name: this.node('Gemm', inputs, { transB: 1 })[0], shape: [outF] };
  }

  /** Linear layer on the last axis of `[..., in]`: MatMul with `[in, out]` then bias Add. */
  linear(x: Act, outF: number, bound?: number): Act {
    const inF = x.shape[x.shape.length - 1];
    const w = this.param([inF, outF], { kind: 'uniform', bound: bound ?? Math.sqrt(6 / inF) });
    const b = this.param([outF], { kind: 'const', value: 0 });
    const shape = [...x.shape.slice(0, -1), outF];
    this.macs += product(shape) * inF;
    const [y] = this.node('MatMul', [x.name, w]);
    return { name: this.node('Add', [y, b])[0], shape };
  }

  /** Batched matrix product of two activations `[..., m, k] × [..., k, n]`. */
  matmul(a: Act, b: Act): Act {
    const m = a.shape[a.shape.length - 2];
    const k = a.shape[a.shape.length - 1];
    const n = b.shape[b.shape.length - 1];
    if (b.shape[b.shape.length - 2] !== k) throw new RangeError(`matmul [${a.shape}] x [${b.shape}]`);
    const shape = [...broadcast(a.shape.slice(0, -2), b.shape.slice(0, -2)), m, n];
    this.macs += product(shape) * k;
    return { name: this.node('MatMul', [a.name, b.name])[0], shape };
  }

  /** Softmax along per-sample `axis` (default: last). */
  softmax(x: Act, axis = x.shape.length - 1): Act {
    return { name: this.node('Softmax', [x.name], { axis: axis + 1 })[0], shape: x.shape };
  }

  /** Reshape each sample to `shape` (one entry may be -1); the batch dim is kept. */
  reshape(x: Act, shape: readonly number[]): Act {
    const known = product(shape.filter((d) => d !== -1));
    const out = shape.map((d) => (d === -1 ? product(x.shape) / known : d));
    if (product(out) !== product(x.shape)) throw new RangeError(`reshape [${x.shape}] to [${shape}]`);
    return { name: this.node('Reshape', [x.name, this.int64([0, ...shape])])[0], shape: out };
  }

  /** Permute per-sample axes; the batch dim stays first. */
  transpose(x: Act, perm: readonly number[]): Act {
    const [y] = this.node('Transpose', [x.name], { perm: [0, ...perm.map((p) => p + 1)] });
    return { name: y, shape: perm.map((p) => x.shape[p]) };
  }

  /** `x[..., start:end, ...]` along per-sample `axis`. */
  slice(x: Act, axis: number, start: number, end: number): Act {
    const [y] = this.node('Slice', [x.name, this.int64([start]), this.int64([end]), this.int64([axis + 1])]);
    const shape = [...x.shape];
    shape[axis] = end - start;
    return { name: y, shape };
  }

  /** Pick index `index` of per-sample `axis`, dropping that axis (Gather with a scalar index). */
  select(x: Act, axis: number, index: number): Act {
    const [y] = this.node('Gather', [x.name, this.int64([index], [])], { axis: axis + 1 });
    return { name: y, shape: x.shape.filter((_, i) => i !== axis) };
  }

  /** LayerNormalization over the last axis, with learned scale and shift. */
  layerNorm(x: Act, eps = 1e-5): Act {
    const d = x.shape[x.shape.length - 1];
    const scale = this.param([d], { kind: 'const', value: 1 });
    const shift = this.param([d], { kind: 'const', value: 0 });
    const [y] = this.node('LayerNormalization', [x.name, scale, shift], { axis: -1, epsilon: new FloatAttr(eps) });
    return { name: y, shape: x.shape };
  }

  /** GELU: exact `0.5·x·(1+erf(x/√2))`, or the tanh approximation `0.5·x·(1+tanh(√(2/π)(x+0.044715x³)))`. */
  gelu(x: Act, form: 'erf' | 'tanh' = 'erf'): Act {
    let inner: Act;
    if (form === 'erf') {
      inner = this.unary('Erf', this.binary('Mul', x, this.scalar(Math.SQRT1_2)));
    } else {
      const cube = this.binary('Mul', this.binary('Mul', x, x), x);
      const poly = this.add(x, this.binary('Mul', cube, this.scalar(0.044715)));
      inner = this.unary('Tanh', this.binary('Mul', poly, this.scalar(Math.sqrt(2 / Math.PI))));
    }
    const onePlus = this.add(inner, this.scalar(1));
    return this.binary('Mul', this.binary('Mul', x, onePlus), this.scalar(0.5));
  }

  /** Embedding lookup: a `[rows, dim]` table (trainable) gathered by int64 `ids`. */
  embedding(ids: Act, rows: number, dim: number, bound: number): Act {
    const table = this.param([rows, dim], { kind: 'uniform', bound });
    return { name: this.node('Gather', [table, ids.name], { axis: 0 })[0], shape: [...ids.shape, dim] };
  }

  // ---- encoding -------------------------------------------------------------------------------

  /** Serialize the model (unless weights are `none`) and report its statistics. */
  finish(): BuiltGraph {
    const outputs = this.outputs.map((o) => ({ name: o.name, dims: [...o.dims] }));
    const stats = { params: this.params, macsPerSample: this.macs, outputs };
    if (this.opts.weights === 'none') return { bytes: new Uint8Array(0), ...stats };
    const graph = new ProtoWriter();
    for (const n of this.nodes) graph.message(1, encodeNode(n));
    graph.string(2, this.graphName);
    for (const t of this.inits) graph.message(5, encodeTensor(t));
    for (const v of this.inputs) graph.message(11, encodeValueInfo(v));
    for (const v of this.outputs) graph.message(12, encodeValueInfo(v));
    const opset = new ProtoWriter().string(1, '').int(2, OPSET);
    const model = new ProtoWriter()
      .int(1, IR_VERSION)
      .string(2, 'gpulet')
      .string(3, '0.1.0')
      .message(8, opset)
      .message(7, graph);
    return { bytes: model.finish(), ...stats };
  }

  private fresh(prefix: string): string {
    return `${prefix}_${this.counter++}`;
  }

  private floatInit(dims: readonly number[], fill: Fill): string {
    const name = this.fresh('w');
    const init: Initializer = { name, dims: [...dims], type: 'float32' };
    if (this.opts.weights === 'random') {
      let data: Float32Array;
      if (fill.kind === 'values') data = fill.values;
      else {
        data = new Float32Array(product(dims));
        if (fill.kind === 'uniform') this.rng.fillUniform(data, fill.bound);
        else if (fill.value !== 0) data.fill(fill.value);
      }
      init.raw = float32Bytes(data);
    }
    this.inits.push(init);
    return name;
  }
}

function encodeNode(n: NodeSpec): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.outputs[0]).string(4, n.op);
  for (const [name, v] of Object.entries(n.attrs)) {
    const a = new ProtoWriter().string(1, name);
    // AttributeProto.type: FLOAT=1, INT=2, STRING=3, INTS=7.
    if (v instanceof FloatAttr) a.float(2, v.value).int(20, 1);
    else if (typeof v === 'number') a.int(3, v).int(20, 2);
    else if (typeof v === 'string') a.string(4, v).int(20, 3);
    else {
      for (const x of v) a.int(8, x);
      a.int(20, 7);
    }
    w.message(5, a);
  }
  return w;
}

function encodeTensor(t: Initializer): ProtoWriter {
  const w = new ProtoWriter();
  for (const d of t.dims) w.int(1, d);
  w.int(2, DATA_TYPE[t.type]).string(8, t.name);
  if (t.raw) w.bytes(9, t.raw);
  return w;
}

function encodeValueInfo(v: IoSpec): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of v.dims) {
    const dim = new ProtoWriter();
    if (typeof d === 'number') dim.int(1, d);
    else dim.string(2, d);
    shape.message(1, dim);
  }
  const tensorType = new ProtoWriter().int(1, DATA_TYPE[v.type]).message(2, shape);
  const type = new ProtoWriter().message(1, tensorType);
  return new ProtoWriter().string(1, v.name).message(2, type);
}
