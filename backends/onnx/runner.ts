/**
 * The runner side of one gpulet: pin the thread, load one onnxruntime session per model, warm every
 * batch size the plan can give it, then run batches one at a time as the executor asks.
 *
 * It runs in its own worker thread (or process) because `session.run()` blocks the thread that calls
 * it for the whole batch (backends/onnx/README.md); the serving loop on the main thread stays
 * free. Session options follow the measurements there: `graphOptimizationLevel 'all'`, sequential
 * execution, `interOpNumThreads 1`, and intra-op spinning off so idle pool threads do not steal the
 * cores of the sibling gpulet or of the main thread.
 *
 * Inputs are synthetic and built once per model at its largest batch; a batch of b is a view of
 * the first b samples, so no input is copied per batch. The profiler measures batches through this
 * same path, so the simulator and real serving see the same cost.
 */
import * as ort from 'onnxruntime-node';
import { pinCurrentThread, setNice } from './cores.ts';
import { sessionOptions } from './session-options.ts';
import type { FromRunner, RunnerInit, RunnerModel, ToRunner } from './protocol.ts';

/** The transport: a worker's parentPort or a child process's IPC channel. */
export interface RunnerPort {
  post(msg: FromRunner): void;
  onMessage(fn: (msg: ToRunner) => void): void;
}

interface Loaded {
  session: ort.InferenceSession;
  inputName: string;
  spec: RunnerModel;
  data: Float32Array | BigInt64Array;
  sampleSize: number;
}

/** Deterministic input values: a sine ramp for images, token ids spread over BERT's vocabulary. */
function inputData(spec: RunnerModel, sampleSize: number): Float32Array | BigInt64Array {
  const n = sampleSize * spec.maxBatch;
  if (spec.inputType === 'int64') return BigInt64Array.from({ length: n }, (_, i) => BigInt((i * 7919) % 30522));
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i));
}

function feeds(m: Loaded, batch: number): Record<string, ort.Tensor> {
  const dims = [batch, ...m.spec.inputShape];
  const view = m.data.subarray(0, batch * m.sampleSize);
  const tensor =
    m.spec.inputType === 'int64'
      ? new ort.Tensor('int64', view as BigInt64Array, dims)
      : new ort.Tensor('float32', view as Float32Array, dims);
  return { [m.inputName]: tensor };
}

async function load(init: RunnerInit): Promise<Map<string, Loaded>> {
  const opts = sessionOptions(init.threads, init.provider);
  const loaded = new Map<string, Loaded>();
  for (const spec of init.models) {
    const session = await ort.InferenceSession.create(spec.path, opts);
    const sampleSize = spec.inputShape.reduce((a, b) => a * b, 1);
    loaded.set(spec.name, {
      session,
      inputName: session.inputNames[0],
      spec,
      data: inputData(spec, sampleSize),
      sampleSize,
    });
  }
  return loaded;
}

/** Serve on `port` until the process or thread is ended; the first message must be `init`. */
export function startRunner(port: RunnerPort): void {
  let models: Map<string, Loaded> | null = null;
  // Batches are run strictly one at a time: the executor sends the next only after `done`, but
  // chain them anyway so a misbehaving caller cannot interleave two runs on one session.
  let chain: Promise<void> = Promise.resolve();

  const init = async (msg: RunnerInit): Promise<void> => {
    const pinned = msg.cpus === null ? 'unpinned (affinity off)' : pinCurrentThread(msg.cpus);
    const affinity = msg.nice === null ? pinned : `${pinned}, ${setNice(msg.nice)}`;
    const t0 = performance.now();
    try {
      models = await load(msg);
    } catch (e) {
      // Stay alive: the executor ends this runner once it has read the message.
      port.post({
        type: 'fatal',
        message: `gpulet ${msg.label}: cannot load models: ${(e as Error).message.split('\n')[0]}`,
      });
      return;
    }
    const t1 = performance.now();
    for (const m of models.values()) {
      for (let b = 1; b <= m.spec.maxBatch; b++)
        for (let r = 0; r < msg.warmRuns; r++) await m.session.run(feeds(m, b));
    }
    port.post({ type: 'ready', affinity, loadMs: t1 - t0, warmMs: performance.now() - t1 });
  };

  const run = async (id: number, model: string, batch: number): Promise<void> => {
    const m = models?.get(model);
    if (m === undefined) {
      port.post({ type: 'error', id, message: `no session for model ${model}` });
      return;
    }
    if (!(batch >= 1 && batch <= m.spec.maxBatch)) {
      port.post({ type: 'error', id, message: `batch ${batch} outside 1..${m.spec.maxBatch} for ${model}` });
      return;
    }
    const t0 = performance.now();
    try {
      await m.session.run(feeds(m, batch));
    } catch (e) {
      port.post({ type: 'error', id, message: (e as Error).message.split('\n')[0] });
      return;
    }
    port.post({ type: 'done', id, runMs: performance.now() - t0 });
  };

  port.onMessage((msg) => {
    if (msg.type === 'init') chain = chain.then(() => init(msg.init));
    else if (msg.type === 'run') chain = chain.then(() => run(msg.id, msg.model, msg.batch));
    else if (msg.type === 'block') {
      const until = performance.now() + msg.ms;
      while (performance.now() < until) {
        // Deliberately busy: a hung runner, for fault-injection tests.
      }
    }
  });
}
