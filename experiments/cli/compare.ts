/**
 * `gpulet compare A.json B.json`: two runs side by side, per model and in total, with the
 * difference and whether it is outside the seeds' interval (lib/compare.ts).
 */
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { compareSides, readSide, type Difference } from '../lib/compare.ts';
import { fmt, table } from '../lib/format.ts';
import { print, type Command, type Common } from './common.ts';

interface CompareArgs extends Common {
  a: string;
  b: string;
  all: boolean;
}

/** The text table shows these; --all and the JSON have every metric. */
const SHOWN = ['goodput_rps', 'slo_violation_pct', 'p99_ms'];

export const compare: Command<CompareArgs> = (io) => ({
  command: 'compare <a> <b>',
  describe: 'Compare two runs (simulate --out JSON, or gpulet run cell JSON): per model, B - A and its interval',
  builder: (y: Argv) =>
    y
      .positional('a', { type: 'string', describe: 'The baseline run (JSON)' })
      .positional('b', { type: 'string', describe: 'The run compared with it (JSON)' })
      .option('all', {
        type: 'boolean',
        default: false,
        describe: 'Show every metric (throughput and p50 too), not only goodput, SLO violations and p99',
      }) as unknown as Argv<CompareArgs>,
  handler: (a: ArgumentsCamelCase<CompareArgs>) => {
    const A = readSide(a.a);
    const B = readSide(a.b);
    const diffs = compareSides(A, B);
    const doc = {
      a: { file: A.file, label: A.label, seeds: A.runs.length, duration_s: A.durationS },
      b: { file: B.file, label: B.label, seeds: B.runs.length, duration_s: B.durationS },
      differences: diffs,
    };
    const shown = a.all ? diffs : diffs.filter((d) => SHOWN.includes(d.metric));
    const verdict = (d: Difference) => (d.outside_interval === null ? 'n/a' : d.outside_interval ? 'YES' : 'no');
    print(io, a.format, doc, () =>
      [
        `A: ${A.file}${A.label ? ` (${A.label})` : ''}, ${A.runs.length} seed(s)`,
        `B: ${B.file}${B.label ? ` (${B.label})` : ''}, ${B.runs.length} seed(s)`,
        table(
          ['model', 'metric', 'A', 'B', 'B - A', 'B - A %', '95 % interval of B - A', 'outside'],
          shown.map((d) => [
            d.model,
            d.metric,
            d.a,
            d.b,
            d.diff,
            d.diff_pct === null ? null : `${fmt(d.diff_pct, 1)} %`,
            d.ci_lo === null || d.ci_hi === null ? null : `[${fmt(d.ci_lo)}, ${fmt(d.ci_hi)}]`,
            verdict(d),
          ]),
        ),
        A.runs.length < 2 && B.runs.length < 2
          ? 'One seed on each side: no interval to judge a difference by (gpulet run with several seeds gives one).'
          : diffs.some((d) => d.interval === 'paired')
            ? 'outside: the 95 % paired t-interval of the per-seed differences (the same seeds on both sides) excludes 0.'
            : "outside: Welch's 95 % interval of the difference of means excludes 0.",
      ].join('\n'),
    );
  },
});
