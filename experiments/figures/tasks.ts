/**
 * The pieces `gpulet figures` hands to worker threads: run one study, or draw one figure. Plain
 * data in, plain data out, so a piece runs the same in a thread or in-process.
 */
import type { Io } from '../commands/common.ts';
import { EXPERIMENTS, type ExperimentOptions } from '../registry.ts';
import '../studies.ts';
import { drawFigure, type Drawn } from './draw.ts';
import { FIGURE_STUDIES, figureByName } from './index.ts';

export type Task =
  | { kind: 'study'; name: string; opts: ExperimentOptions }
  | { kind: 'draw'; name: string; dir: string; quick: boolean };

export type TaskResult =
  | { kind: 'study'; name: string; files: string[]; text: string; seconds: number }
  | { kind: 'draw'; drawn: Drawn; seconds: number };

/** Every study `figures` can run: the registered experiments, then the figures' own. */
export function allStudies() {
  return [...Object.values(EXPERIMENTS), ...FIGURE_STUDIES];
}

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
