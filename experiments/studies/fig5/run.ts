/**
 * Figure 5 (motivation): four model pairs at equal rates on 2 GPUs; the maximum SLO-preserving
 * rate of temporal-only sharing, gpulet, gpulet-int and a "static ideal" (one partition layout,
 * the best of {50/50, 60/40, 80/20, 100}, applied to both GPUs), normalised to greedy best-fit
 * (docs/artifact.md#figure-5-motivation; paper: greedy beats temporal by 51 % on average, static ideal beats greedy by 23 %).
 */
import { round } from '../../../engine/metrics.ts';
import { ElasticScheduler } from '../../../engine/schedulers/elastic.ts';
import { CONFIGS } from '../../../engine/schedulers/index.ts';
import { catalog } from '../../../sim/profiles/catalog.ts';
import type { Workload } from '../../../sim/workload.ts';
import { loadContext, planInput, predictorFor } from '../../lib/context.ts';
import { fmt, table } from '../../lib/format.ts';
import { maxRate, type MaxRateOptions } from '../../lib/maxrate.ts';
import { writeCsv } from '../../lib/output.ts';
import { FIG5 } from '../../lib/paper.ts';
import { progress } from '../../lib/progress.ts';
import type { Experiment } from '../../lib/experiment.ts';

const LAYOUTS = [[50, 50], [60, 40], [80, 20], [100]];

function pairWorkload(models: [string, string]): Workload {
  const slo = new Map(catalog().map((m) => [m.name, m.sloMs]));
  return {
    name: models.join('+'),
    tasks: models.map((m) => ({ task: m, model: m, rateRps: 100, sloMs: slo.get(m) as number })),
    app: null,
    appRateRps: 0,
    numGpus: 2,
    gpuType: null,
    arrival: { process: 'poisson' },
  };
}

export const fig5: Experiment = {
  name: 'fig5',
  describe: 'Motivation: two-model pairs on 2 GPUs, throughput normalised to greedy best-fit (Figure 5)',
  async run(opts) {
    const ctx = loadContext();
    const common: Omit<MaxRateOptions, 'workload' | 'scheduler'> = {
      criterion: 'slo',
      search: 'down',
      stepRps: opts.quick ? 50 : 10,
      durationS: opts.quick ? 5 : 20,
      seeds: opts.quick ? [opts.seed] : [opts.seed, opts.seed + 1, opts.seed + 2],
    };
    const bar = progress('fig5', FIG5.length, { unit: 'pairs' });
    const rows = FIG5.filter((_, i) => i % opts.shard.count === opts.shard.index).map((p, i) => {
      const w = pairWorkload(p.pair);
      const rate = (scheduler: string, plan?: MaxRateOptions['plan']) =>
        maxRate({ ...common, workload: w, scheduler, plan }, ctx).max_rate_rps;
      const byScheduler = Object.fromEntries(['greedy', 'temporal', 'gpulet', 'gpulet-int'].map((s) => [s, rate(s)]));
      // Static ideal: one layout for both GPUs, gpulet-int's rules inside it; the best layout wins.
      const staticRates = LAYOUTS.map((layout) => {
        const sched = new ElasticScheduler(
          { ...CONFIGS.ideal, name: `static-${layout.join('-')}` },
          { fullSearch: true, layouts: (n) => [Array.from({ length: n }, () => layout)] },
        );
        return rate('ideal', (x) => sched.plan(planInput(x, ctx, predictorFor('ideal'))));
      });
      const best = Math.max(...staticRates);
      bar.update(i + 1);
      const g = byScheduler.greedy;
      const norm = (x: number) => (g > 0 ? round(x / g, 3) : null);
      return {
        pair: w.name,
        greedy_rps: g,
        temporal_rps: byScheduler.temporal,
        gpulet_rps: byScheduler.gpulet,
        gpulet_int_rps: byScheduler['gpulet-int'],
        static_ideal_rps: best,
        static_ideal_layout: LAYOUTS[staticRates.indexOf(best)].join('/'),
        temporal_norm: norm(byScheduler.temporal),
        gpulet_int_norm: norm(byScheduler['gpulet-int']),
        static_ideal_norm: norm(best),
        paper_temporal_norm: p.temporal,
        paper_static_ideal_norm: p.staticIdeal,
      };
    });
    bar.stop();
    const columns = [
      'pair',
      'greedy_rps',
      'temporal_rps',
      'gpulet_rps',
      'gpulet_int_rps',
      'static_ideal_rps',
      'static_ideal_layout',
      'temporal_norm',
      'gpulet_int_norm',
      'static_ideal_norm',
      'paper_temporal_norm',
      'paper_static_ideal_norm',
    ];
    const file = writeCsv(opts.outDir, opts.quick ? 'fig5-quick.csv' : 'fig5.csv', rows, columns);
    const avg = (xs: Array<number | null>) => round(xs.reduce<number>((a, b) => a + (b ?? 0), 0) / xs.length, 3);
    return {
      json: {
        rows,
        mean_temporal_norm: avg(rows.map((r) => r.temporal_norm)),
        mean_static_ideal_norm: avg(rows.map((r) => r.static_ideal_norm)),
      },
      text: [
        'Max SLO-preserving rate on 2 GPUs, normalised to greedy best-fit (paper in parentheses):',
        table(
          ['pair', 'greedy rps', 'temporal', 'gpulet-int', 'static ideal'],
          rows.map((r) => [
            r.pair,
            r.greedy_rps,
            `${fmt(r.temporal_norm ?? NaN)} (${r.paper_temporal_norm})`,
            fmt(r.gpulet_int_norm ?? NaN),
            `${fmt(r.static_ideal_norm ?? NaN)} ${r.static_ideal_layout} (${r.paper_static_ideal_norm})`,
          ]),
        ),
      ].join('\n'),
      files: [file],
    };
  },
};
