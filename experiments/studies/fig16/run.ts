/**
 * Figure 16: gpulet-int's maximum schedulable rate against the ideal scheduler's (an exhaustive
 * search over per-GPU layouts), per workload on 4 GPUs (docs/artifact.md#figure-16-against-ideal; paper mean 0.926).
 * Schedulable = the plan criterion; the highest plan-feasible rate (down search).
 */
import { round } from '../../../engine/metrics.ts';
import { fmt, table } from '../../lib/format.ts';
import type { MaxRateJob } from '../../lib/jobs.ts';
import { writeCsv } from '../../lib/output.ts';
import { FIG16, WORKLOADS } from '../../lib/paper.ts';
import { mapJobs } from '../../lib/pool.ts';
import { progress } from '../../lib/progress.ts';
import type { Experiment } from '../../lib/experiment.ts';

export const fig16: Experiment = {
  name: 'fig16',
  describe: "gpulet-int maximum schedulable rate over ideal's (exhaustive layout search), per workload (Figure 16)",
  async run(opts) {
    const workloads = WORKLOADS.filter((_, i) => i % opts.shard.count === opts.shard.index);
    const jobs: MaxRateJob[] = workloads.flatMap((w) =>
      (['gpulet-int', 'ideal'] as const).map((s) => ({
        workload: w,
        scheduler: s,
        criterion: 'plan' as const,
        search: 'down' as const,
        ...(opts.quick ? { stepRps: 50 } : {}),
      })),
    );
    const bar = progress('fig16', jobs.length, { unit: 'searches' });
    const res = await mapJobs('maxrate', jobs, opts.jobs, (n) => bar.update(n));
    bar.stop();
    const rows = workloads.map((w, i) => {
      const int = res[2 * i].max_rate_rps;
      const ideal = res[2 * i + 1].max_rate_rps;
      return {
        workload: w,
        gpulet_int_rps: int,
        ideal_rps: ideal,
        ratio: ideal > 0 ? round(int / ideal, 3) : null,
        paper_ratio: FIG16[w],
      };
    });
    const ratios = rows.map((r) => r.ratio).filter((r): r is number => r !== null);
    const mean = ratios.length ? round(ratios.reduce((a, b) => a + b, 0) / ratios.length, 3) : null;
    const file = writeCsv(opts.outDir, opts.quick ? 'fig16-quick.csv' : 'fig16.csv', rows, [
      'workload',
      'gpulet_int_rps',
      'ideal_rps',
      'ratio',
      'paper_ratio',
    ]);
    return {
      json: { rows, mean_ratio: mean, paper_mean_ratio: 0.926 },
      text: [
        table(
          ['workload', 'gpulet-int', 'ideal', 'ratio', 'paper ratio'],
          rows.map((r) => [r.workload, r.gpulet_int_rps, r.ideal_rps, r.ratio, r.paper_ratio]),
        ),
        `mean gpulet-int / ideal: ${mean === null ? '-' : fmt(mean, 3)} (paper 0.926)`,
      ].join('\n'),
      files: [file],
    };
  },
};
