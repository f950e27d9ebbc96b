/** Entry of a gpulet's child process (the MPS backend): the runner on the IPC channel. */
import { startRunner } from './runner.ts';
import type { FromRunner, ToRunner } from './protocol.ts';

if (process.send === undefined)
  throw new Error('backends/onnx/runner-process.ts must be started with an IPC channel (child_process.fork)');
const send = process.send.bind(process);
// Without the parent there is nobody to serve: leave instead of lingering as an orphan.
process.on('disconnect', () => process.exit(0));
startRunner({
  post: (msg: FromRunner) => void send(msg),
  onMessage: (fn) => process.on('message', (msg) => fn(msg as ToRunner)),
});
