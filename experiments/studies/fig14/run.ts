/**
 * Figure 14: serving scen3 (MobileNetV2 + ResNet-50 + VGG-16) for 3,200 s under a two-wave load on
 * up to 8 GPUs, re-planning every 20 s (docs/artifact.md#figure-14-dynamic-scaling, paper §5.2 "scalability"). Per 20 s window:
 * the offered rate, the GPUs and the sum of gpulet sizes of the serving plan, and the SLO violations;
 * gpulet-int next to the temporal scheduler with the same autoscaling, and the GPU-seconds of each.
 *
 * The paper's trace is not published; ours is shaped from its figure (sim/traces WAVES_SHAPE): a
 * first wave to about 1,600 req/s at 800 s, down to about 350 at 1,200 s, a second wave to about
 * 2,680 req/s over 2,400-2,700 s, and back to a few hundred at 3,200 s (raised-cosine ramps).
 * It is written to results/fig14-trace.txt in the artifact's flux format, so
 * `simulate -w scen3 --trace results/fig14-trace.txt --autoscale --max-gpus 8` replays it.
 */
import { round } from '../../../engine/metrics.ts';
import type { WindowRow } from '../../../engine/server/windows.ts';
import { simulateAutoscale, DEFAULT_REORG_MS, type AutoscaleResult } from '../../lib/autoscale.ts';
import { loadContext, resolveWorkload } from '../../lib/context.ts';
import { fmt, table } from '../../lib/format.ts';
import { writeCsv, writeText, type CsvRow } from '../../lib/output.ts';
import type { Experiment } from '../../lib/experiment.ts';
import { FLUX_STEP_MS, traceLoad } from '../../../sim/trace.ts';
import { traceKind } from '../../../sim/traces/index.ts';

export const FIG14_SCHEDULERS = ['gpulet-int', 'temporal'] as const;
export const FIG14_MAX_GPUS = 8;
export const FIG14_DURATION_S = 3200;
/** The paper's Figure 14 (docs/artifact.md#figure-14-dynamic-scaling, read from the figure). */
export const FIG14_PAPER = {
  peaks_rps: [1600, 2680],
  /** GPUs used, as (time s, GPUs) steps. */
  gpu_steps: [
    [0, 2],
    [296, 3],
    [716, 4],
    [956, 3],
    [1096, 2],
    [1456, 3],
    [1656, 4],
    [1797, 5],
    [2037, 6],
    [2297, 7],
    [2657, 8],
    [3200, 2],
  ] as Array<[number, number]>,
  partition_sum_pct: { start: 140, first_peak: 360, second_peak: 680, end: 120 },
  max_window_violation_pct: 0.76,
} as const;

export const FIG14_COLUMNS = [
  'scheduler',
  'start_s',
  'end_s',
  'rate_rps',
  'gpus',
  'partition_sum_pct',
  'slo_violation_pct',
];

/** The trace: the suite's `waves` at seed 0 (sim/traces), its first `durationS` s. */
export function fig14Trace(durationS = FIG14_DURATION_S): Float64Array {
  const waves = traceKind('waves').make(0);
  if (waves.kind !== 'total') throw new Error('waves: expected a total-rate trace');
  return waves.totalRps.slice(0, Math.ceil(durationS / (FLUX_STEP_MS / 1000)));
}

export interface Fig14Summary {
  scheduler: string;
  requests: number;
  slo_violation_pct: number;
  max_window_violation_pct: number;
  max_window_at_s: number;
  gpu_seconds: number;
  /** GPU-seconds of GPUs that only held loading gpulets (outside the serving plan). */
  loading_gpu_seconds: number;
  max_gpus: number;
  max_partition_sum_pct: number;
  /** (start s of the window, GPUs) wherever the GPU count changes. */
  gpu_steps: Array<[number, number]>;
  replans: AutoscaleResult['replans'];
  gpulets_kept: number;
  gpulets_loaded: number;
  /** Wall time of the simulation, s (not in the CSV: it varies). */
  wall_s: number;
}

export function summarize(scheduler: string, r: AutoscaleResult, wallS: number): Fig14Summary {
  const worst = r.windows.reduce((m, x) => (x.slo_violation_pct > m.slo_violation_pct ? x : m), r.windows[0]);
  const steps: Array<[number, number]> = [];
  for (const x of r.windows)
    if (steps.length === 0 || steps[steps.length - 1][1] !== x.gpus) steps.push([x.start_s, x.gpus]);
  return {
    scheduler,
    requests: r.requests.arrived,
    slo_violation_pct: r.slo_violation_pct,
    max_window_violation_pct: worst.slo_violation_pct,
    max_window_at_s: worst.start_s,
    gpu_seconds: r.gpu_seconds,
    loading_gpu_seconds: r.loading_gpu_seconds,
    max_gpus: Math.max(...r.windows.map((x) => x.gpus)),
    max_partition_sum_pct: Math.max(...r.windows.map((x) => x.partition_sum_pct)),
    gpu_steps: steps,
    replans: r.replans,
    gpulets_kept: r.gpulets_kept,
    gpulets_loaded: r.gpulets_loaded,
    wall_s: round(wallS, 2),
  };
}

const SUMMARY_COLUMNS = [
  'scheduler',
  'requests',
  'slo_violation_pct',
  'max_window_violation_pct',
  'max_window_at_s',
  'gpu_seconds',
  'loading_gpu_seconds',
  'max_gpus',
  'max_partition_sum_pct',
];

export const fig14: Experiment = {
  name: 'fig14',
  describe:
    'Autoscaling scen3 over 3,200 s of a two-wave load on up to 8 GPUs, per 20 s window; gpulet-int vs temporal (Figure 14)',
  async run(opts, io) {
    // --quick: the first 600 s (the first ramp), same seed rules.
    const durationS = opts.quick ? 600 : FIG14_DURATION_S;
    const trace = fig14Trace(durationS);
    const ctx = loadContext();
    const w = resolveWorkload('scen3', { gpus: FIG14_MAX_GPUS });
    const load = traceLoad(w, { kind: 'total', source: 'fig14', stepMs: FLUX_STEP_MS, totalRps: trace });
    const rows: Array<WindowRow & { scheduler: string }> = [];
    const summaries: Fig14Summary[] = [];
    const epochs: Record<string, AutoscaleResult['epochs']> = {};
    for (const scheduler of FIG14_SCHEDULERS) {
      io.err(`fig14: ${scheduler}, ${durationS} s on up to ${FIG14_MAX_GPUS} GPUs ...\n`);
      const t0 = performance.now();
      const r = simulateAutoscale(w, scheduler, ctx, {
        seed: opts.seed,
        durationS,
        maxGpus: FIG14_MAX_GPUS,
        load,
        reorgMs: DEFAULT_REORG_MS,
      });
      const wallS = (performance.now() - t0) / 1000;
      for (const x of r.windows) rows.push({ scheduler, ...x });
      summaries.push(summarize(scheduler, r, wallS));
      epochs[scheduler] = r.epochs;
    }
    const tag = opts.quick ? '-quick' : '';
    const files = [
      writeText(opts.outDir, `fig14${tag}-trace.txt`, `${Array.from(trace).join('\n')}\n`),
      writeCsv(opts.outDir, `fig14${tag}.csv`, rows as unknown as CsvRow[], FIG14_COLUMNS),
      writeCsv(opts.outDir, `fig14-summary${tag}.csv`, summaries as unknown as CsvRow[], SUMMARY_COLUMNS),
    ];
    const [ours, temporal] = summaries;
    const ratio = round(temporal.gpu_seconds / ours.gpu_seconds, 3);
    const json = {
      workload: 'scen3',
      duration_s: durationS,
      max_gpus: FIG14_MAX_GPUS,
      reorg_s: DEFAULT_REORG_MS / 1000,
      seed: opts.seed,
      trace_rps: Array.from(trace),
      summary: summaries,
      temporal_over_gpulet_int_gpu_seconds: ratio,
      paper: FIG14_PAPER,
      epochs,
    };
    // The file leaves out wall times so it changes only when the results do.
    const stable = { ...json, summary: summaries.map(({ wall_s: _wall, ...s }) => s) };
    files.push(writeText(opts.outDir, `fig14${tag}.json`, `${JSON.stringify(stable, null, 1)}\n`));
    const peak = (from: number, to: number) =>
      Math.max(
        ...rows
          .filter((x) => x.scheduler === 'gpulet-int' && x.start_s >= from && x.start_s < to)
          .map((x) => x.rate_rps),
      );
    const text = [
      `Figure 14: scen3 for ${durationS} s on up to ${FIG14_MAX_GPUS} GPUs, re-planned every 20 s, new gpulets ready after ${DEFAULT_REORG_MS / 1000} s`,
      `offered rate per 20 s window: peaks ${fmt(peak(0, 1200))} req/s (first wave)${durationS > 1200 ? ` and ${fmt(peak(1200, durationS))} req/s (second)` : ''}; paper ${FIG14_PAPER.peaks_rps.join(' and ')}`,
      table(
        ['scheduler', 'violations', 'worst window', 'GPU-seconds', '+ loading', 'max GPUs', 'max size sum', 'wall s'],
        summaries.map((s) => [
          s.scheduler,
          `${fmt(s.slo_violation_pct, 3)} %`,
          `${fmt(s.max_window_violation_pct, 3)} % at ${s.max_window_at_s} s`,
          fmt(s.gpu_seconds),
          fmt(s.loading_gpu_seconds),
          s.max_gpus,
          `${s.max_partition_sum_pct} %`,
          fmt(s.wall_s),
        ]),
      ),
      `paper (gpulet-int): worst window ${FIG14_PAPER.max_window_violation_pct} %, 8 GPUs at the second peak, gpulet sizes summing to ${FIG14_PAPER.partition_sum_pct.first_peak} % and ${FIG14_PAPER.partition_sum_pct.second_peak} % at the peaks`,
      `GPU steps, gpulet-int (s: GPUs): ${ours.gpu_steps.map(([t, g]) => `${t}: ${g}`).join(', ')}`,
      `GPU steps, paper:               ${FIG14_PAPER.gpu_steps.map(([t, g]) => `${t}: ${g}`).join(', ')}`,
      `GPU steps, temporal:            ${temporal.gpu_steps.map(([t, g]) => `${t}: ${g}`).join(', ')}`,
      `temporal used ${fmt(ratio)} x the GPU-seconds of gpulet-int`,
    ].join('\n');
    return { json: { ...json, epochs: undefined }, text, files };
  },
};
