/**
 * The pieces `gpulet figures` hands to worker threads: run one study, or draw one figure. Plain
 * data in, plain data out, so a piece runs the same in a thread or in-process.
 */
import type { Io } from '../lib/io.ts';
import type { ExperimentOptions } from '../lib/experiment.ts';
import { drawFigure, type Drawn } from '../figures/draw.ts';
import { allStudies, figureByName } from './index.ts';
import { WorkerPool } from '../lib/pool.ts';

export type Task =
  | { kind: 'study'; name: string; opts: ExperimentOptions }
  | { kind: 'draw'; name: string; dir: string; quick: boolean };

export type TaskResult =
  | { kind: 'study'; name: string; files: string[]; text: string; seconds: number }
  | { kind: 'draw'; drawn: Drawn; seconds: number };

const quietIo: Io = { out: () => {}, err: () => {} };

export async function runTask(task: Task): Promise<TaskResult> {
  const t0 = performance.now();
  const seconds = () => Math.round((performance.now() - t0) / 100) / 10;
  if (task.kind === 'study') {
    const study = allStudies().find((s) => s.name === task.name);
    if (study === undefined) throw new Error(`figures: no study ${task.name}`);
    const r = await study.run(task.opts, quietIo);
    return { kind: 'study', name: task.name, files: r.files, text: r.text, seconds: seconds() };
  }
  const def = figureByName(task.name);
  if (def === undefined) throw new Error(`figures: no figure ${task.name}`);
  return { kind: 'draw', drawn: await drawFigure(def, task.dir, { quick: task.quick }), seconds: seconds() };
}

export type Settled = { ok: true; result: TaskResult } | { ok: false; task: Task; error: string };

/** Run `tasks` on `size` threads (studies/worker.ts), results in submission order; a piece that fails settles as an error and the others go on. */
export async function runOnThreads(
  tasks: readonly Task[],
  size: number,
  onDone?: (s: Settled) => void,
): Promise<Settled[]> {
  const settled = (s: Settled): Settled => {
    onDone?.(s);
    return s;
  };
  const pool = new WorkerPool<Task, TaskResult>(Math.max(1, Math.min(size, tasks.length)), {
    base: 'worker',
    fromUrl: import.meta.url,
  });
  try {
    return await Promise.all(
      tasks.map((task) =>
        pool.run(task).then(
          (result) => settled({ ok: true, result }),
          (e: Error) => settled({ ok: false, task, error: e.stack ?? e.message }),
        ),
      ),
    );
  } finally {
    await pool.close();
  }
}
