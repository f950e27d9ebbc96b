/** Entry of a gpulet's worker thread: the runner on the worker's parentPort. */
import { parentPort } from 'node:worker_threads';
import { startRunner } from './runner.ts';
import type { ToRunner } from './protocol.ts';

if (parentPort === null) throw new Error('backends/onnx/worker.ts must run in a worker thread');
const port = parentPort;
startRunner({
  post: (msg) => port.postMessage(msg),
  onMessage: (fn) => port.on('message', (msg: ToRunner) => fn(msg)),
});
