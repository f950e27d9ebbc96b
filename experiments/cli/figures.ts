/**
 * `gpulet figures [--quick]`: run every study, draw every figure whose CSV exists (SVG and PNG),
 * and write results/REPORT.md (REPORT-quick.md for --quick), with one progress bar over the pieces.
 * Studies run one at a time, each spreading its own pieces over `--jobs` worker threads; the seed
 * replicates and the drawings are independent pieces and run on `--jobs` threads at once.
 */
import { availableParallelism, tmpdir } from 'node:os';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { InputError, show } from '../../engine/errors.ts';
import { allStudies, FIGURES, REPLICATES, seedsFile } from '../studies/index.ts';
import { parseTable } from '../figures/table.ts';
import { runOnThreads, runTask, type Settled, type Task, type TaskResult } from '../studies/tasks.ts';

import { checkOutputDir, writeCsv, writeText } from '../lib/output.ts';
import { progress } from '../lib/progress.ts';
import { buildReport } from '../studies/report.ts';
import { checkSeed, print, type Command, type Common } from './common.ts';

interface FiguresArgs extends Common {
  quick: boolean;
  seed: number;
  out: string;
  jobs: number;
  only?: string;
  drawOnly: boolean;
}

/** Seeds of the replicates besides the run's own (s + 1, s + 2): three seeds in all. */
const REPLICATE_OFFSETS = [1, 2];

export const figures: Command<FiguresArgs> = (io) => ({
  command: 'figures',
  describe: 'Run every study, draw every figure (SVG + PNG) and write REPORT.md under results/',
  builder: (y: Argv) =>
    y
      .option('quick', {
        type: 'boolean',
        default: false,
        describe: 'Quick studies (short runs, fixed seeds); the report goes to REPORT-quick.md',
      })
      .option('seed', { type: 'number', default: 1, describe: 'Base seed' })
      .option('out', { type: 'string', default: 'results', describe: 'Folder of the CSVs, figures and report' })
      .option('jobs', { type: 'number', default: availableParallelism(), describe: 'Worker threads' })
      .option('only', {
        type: 'string',
        describe: 'Comma-separated study/figure names (e.g. fig6,fig12); default: all',
      })
      .option('draw-only', {
        type: 'boolean',
        default: false,
        describe: 'Run no study: draw from the CSVs already there and rewrite the report',
      }) as unknown as Argv<FiguresArgs>,
  handler: async (a: ArgumentsCamelCase<FiguresArgs>) => {
    if (!Number.isInteger(a.jobs) || a.jobs < 1)
      throw new InputError(`--jobs: expected a whole number >= 1, got ${show(a.jobs)}`);
    const only =
      a.only === undefined
        ? null
        : a.only
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s !== '');
    const wanted = (name: string) => only === null || only.some((o) => name === o || name.startsWith(`${o}-`));
    const known = [...new Set([...allStudies().map((s) => s.name), ...FIGURES.map((f) => f.name)])];
    for (const o of only ?? [])
      if (!known.includes(o)) throw new InputError(`--only: expected names from ${known.join(', ')}, got ${show(o)}`);
    if (only !== null && only.length === 0)
      throw new InputError(`--only: expected names from ${known.join(', ')}, got ${show(a.only)}`);
    checkSeed('--seed', a.seed);
    checkOutputDir('--out', a.out); // before the studies run, not after

    const studies = a.drawOnly ? [] : allStudies().filter((s) => wanted(s.name));
    const replicates = REPLICATES.filter((r) => studies.some((s) => s.name === r.study));
    const drawings = FIGURES.filter((f) => only === null || wanted(f.name) || wanted(f.study));
    const total = studies.length + replicates.length * REPLICATE_OFFSETS.length + drawings.length + 1;
    let bar = progress('figures', total, { unit: 'pieces' });
    let done = 0;
    const log = process.stderr.isTTY ? () => {} : (what: string) => io.err(`figures: [${done}/${total}] ${what}\n`);
    const tick = (what: string) => {
      bar.update(++done);
      log(what);
    };
    const failures: string[] = [];
    const note = (s: Settled) => {
      if (!s.ok) failures.push(`${s.task.kind} ${s.task.name}: ${s.error}`);
      tick(s.ok ? describe(s.result) : `${s.task.name} FAILED`);
    };
    const opts = (seed: number, outDir: string, jobs: number) => ({
      quick: a.quick,
      seed,
      outDir,
      jobs,
      shard: { index: 0, count: 1 },
    });

    // Studies run here, one at a time: each spreads its own pieces over --jobs threads and shows
    // its own bar, so ours steps aside meanwhile.
    const studyResults: Array<Extract<TaskResult, { kind: 'study' }>> = [];
    for (const s of studies) {
      bar.stop();
      const task: Task = { kind: 'study', name: s.name, opts: opts(a.seed, a.out, a.jobs) };
      const r: Settled = await runTask(task).then(
        (result) => ({ ok: true, result }),
        (e: unknown) => ({ ok: false, task, error: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
      );
      bar = progress('figures', total, { unit: 'pieces' });
      bar.update(done);
      note(r);
      if (r.ok && r.result.kind === 'study') studyResults.push(r.result);
    }

    const scratch = mkdtempSync(join(tmpdir(), 'gpulet-figures-'));
    try {
      const tasks: Task[] = replicates.flatMap((r) =>
        REPLICATE_OFFSETS.map((k) => ({
          kind: 'study' as const,
          name: r.study,
          opts: opts(a.seed + k, join(scratch, `${r.study}-${k}`), 1),
        })),
      );
      const settled = await runOnThreads(tasks, a.jobs, note);
      if (settled.every((s) => s.ok)) for (const r of replicates) combineSeeds(r.file, a, scratch, r.study);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }

    const drawn = await runOnThreads(
      drawings.map((f) => ({ kind: 'draw' as const, name: f.name, dir: a.out, quick: a.quick })),
      a.jobs,
      note,
    );
    const report = writeText(a.out, a.quick ? 'REPORT-quick.md' : 'REPORT.md', buildReport(a.out, { quick: a.quick }));
    tick(`wrote ${report}`);
    bar.stop();

    const figuresDoc = drawn.flatMap((s) => (s.ok && s.result.kind === 'draw' ? [s.result.drawn] : []));
    const doc = { studies: studyResults, figures: figuresDoc, report, failures };
    print(io, a.format, doc, () =>
      [
        ...studyResults.map((r) => `ran ${r.name} (${r.seconds} s): ${r.files.join(', ')}`),
        ...figuresDoc.map((d) =>
          d.status === 'drawn'
            ? `drew ${d.name} from ${d.from.join(', ')}${d.warnings.length > 0 ? ` (warnings: ${d.warnings.join('; ')})` : ''}`
            : `skipped ${d.name}: ${d.reason}`,
        ),
        `wrote ${report}`,
      ].join('\n'),
    );
    if (failures.length > 0) throw new Error(`figures: ${failures.length} piece(s) failed:\n${failures.join('\n')}`);
  },
});

function describe(r: TaskResult): string {
  if (r.kind === 'study') return `${r.name} (${r.seconds} s)`;
  return r.drawn.status === 'drawn' ? `drew ${r.drawn.name} (${r.seconds} s)` : `skipped ${r.drawn.name}`;
}

/** `<file>-seeds.csv`: the rows of seed s (the main run) and of the replicates, with a leading `seed`. */
function combineSeeds(
  file: string,
  a: { seed: number; out: string; quick: boolean },
  scratch: string,
  study: string,
): void {
  const sources = [
    { seed: a.seed, path: join(a.out, file) },
    ...REPLICATE_OFFSETS.map((k) => ({ seed: a.seed + k, path: join(scratch, `${study}-${k}`, file) })),
  ];
  const tables = sources.map((s) => ({ seed: s.seed, table: parseTable(file, readFileSync(s.path, 'utf8')) }));
  const rows = tables.flatMap(({ seed, table }) => table.rows.map((r) => ({ seed, ...r })));
  writeCsv(a.out, seedsFile(file, a.quick), rows, ['seed', ...tables[0].table.columns]);
}
