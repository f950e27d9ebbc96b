/**
 * Autoscaling under bursts (docs/design.md#dynamic-load): scen3 on up to 8 GPUs under each trace of the suite in
 * sim/traces (waves, ramps, one-step spikes x2 and x3, on/off, a compressed day, an Azure-like
 * day), gpulet-int and temporal with the same autoscaler, 3 seeds each. Per trace and variant: the
 * worst 20 s window (each window the median of the seeds), the share of windows at most 1 %, and
 * the GPU-seconds (median of the seeds).
 *
 * Variants: `gpulet-int` and `temporal` with every fix; `gpulet-int-epochs` without the two burst
 * fixes (headroom, early-replan), the artifact's epoch autoscaler; `gpulet-int-foresight`, whose
 * burst trigger knows the load 17 s ahead (the 15 s reorganisation plus the 2 s window): no server
 * has that, it measures what reacting costs. The suite is trace seed 0; traces 1000 and 1001 of
 * every kind, never looked at while the autoscaler was tuned, check that it generalises.
 */
import { median } from '../../../engine/stats.ts';
import { round } from '../../../engine/metrics.ts';
import { DEFAULT_BURST } from '../../../engine/server/replanner.ts';
import { DEFAULT_REORG_MS } from '../../lib/autoscale.ts';
import { fmt, table } from '../../lib/format.ts';
import type { AutoscaleJob, AutoscaleJobResult } from '../../lib/jobs.ts';
import { writeCsv, type CsvRow } from '../../lib/output.ts';
import { mapJobs } from '../../lib/pool.ts';
import { progress } from '../../lib/progress.ts';
import type { Experiment } from '../../lib/experiment.ts';
import { TRACE_KINDS } from '../../../sim/traces/index.ts';

export const BURSTS_MAX_GPUS = 8;
/** The suite's traces are this seed of each kind; UNSEEN_TRACE_SEEDS are drawn fresh. */
export const SUITE_TRACE_SEED = 0;
export const UNSEEN_TRACE_SEEDS = [1000, 1001];
/** How far ahead the foresight variant sees: a new gpulet's loading plus the trigger's window. */
export const FORESIGHT_MS = DEFAULT_REORG_MS + DEFAULT_BURST.windowMs;

interface Variant {
  name: string;
  scheduler: string;
  fixes: string;
  foresightMs?: number;
}

export const BURST_VARIANTS: readonly Variant[] = [
  { name: 'gpulet-int', scheduler: 'gpulet-int', fixes: 'all' },
  { name: 'gpulet-int-foresight', scheduler: 'gpulet-int', fixes: 'all', foresightMs: FORESIGHT_MS },
  { name: 'gpulet-int-epochs', scheduler: 'gpulet-int', fixes: 'all,-headroom,-early-replan' },
  { name: 'temporal', scheduler: 'temporal', fixes: 'all' },
];
/** Variants run on the unseen traces too. */
const UNSEEN_VARIANTS = ['gpulet-int', 'gpulet-int-foresight'];

export const BURSTS_COLUMNS = [
  'trace',
  'trace_seed',
  'variant',
  'scheduler',
  'duration_s',
  'windows',
  'windows_ok',
  'worst_window_pct',
  'worst_window_start_s',
  'worst_window_rate_rps',
  'gpu_seconds',
  'loading_gpu_seconds',
  'min_gpus',
  'max_gpus',
  'early_replans',
  'capped_windows',
  'requests',
  'completed',
  'dropped',
  'slo_violation_pct',
];
export const WINDOW_COLUMNS = [
  'trace',
  'variant',
  'start_s',
  'rate_rps',
  'gpus',
  'partition_sum_pct',
  'slo_violation_pct',
];

/** One trace x variant over the seeds: per-window medians and the summary row. */
export function summarizeRuns(trace: string, traceSeed: number, v: Variant, runs: readonly AutoscaleJobResult[]) {
  const n = Math.min(...runs.map((r) => r.windows.length));
  const windows = Array.from({ length: n }, (_, i) => {
    const col = (f: (w: AutoscaleJobResult['windows'][number]) => number) => median(runs.map((r) => f(r.windows[i])));
    return {
      trace,
      variant: v.name,
      start_s: runs[0].windows[i].start_s,
      rate_rps: round(
        col((w) => w.rate_rps),
        2,
      ),
      gpus: col((w) => w.gpus),
      partition_sum_pct: col((w) => w.partition_sum_pct),
      slo_violation_pct: round(
        col((w) => w.slo_violation_pct),
        4,
      ),
    };
  });
  const worst = windows.reduce((m, w) => (w.slo_violation_pct > m.slo_violation_pct ? w : m), windows[0]);
  const mid = (f: (r: AutoscaleJobResult) => number) => median(runs.map(f));
  const row = {
    trace,
    trace_seed: traceSeed,
    variant: v.name,
    scheduler: v.scheduler,
    duration_s: runs[0].duration_s,
    windows: n,
    windows_ok: windows.filter((w) => w.slo_violation_pct <= 1).length,
    worst_window_pct: worst.slo_violation_pct,
    worst_window_start_s: worst.start_s,
    worst_window_rate_rps: worst.rate_rps,
    gpu_seconds: mid((r) => r.gpu_seconds),
    loading_gpu_seconds: mid((r) => r.loading_gpu_seconds),
    min_gpus: Math.min(...windows.map((w) => w.gpus)),
    max_gpus: Math.max(...windows.map((w) => w.gpus)),
    early_replans: mid((r) => r.early_replans),
    capped_windows: mid((r) => r.capped_windows.length),
    requests: mid((r) => r.arrived),
    completed: mid((r) => r.completed),
    dropped: mid((r) => r.dropped),
    slo_violation_pct: round(
      mid((r) => r.slo_violation_pct),
      4,
    ),
  };
  return { row, windows };
}

export const bursts: Experiment = {
  name: 'bursts',
  describe:
    'Autoscaling scen3 under the trace suite (waves, ramps, spikes, on/off, a day, Azure-like): gpulet-int vs temporal, worst 20 s window and GPU-seconds',
  async run(opts, io) {
    // --quick: the suite's first 240 s, gpulet-int and temporal, one seed.
    const seeds = opts.quick ? [opts.seed] : [opts.seed, opts.seed + 1, opts.seed + 2];
    const variants = opts.quick
      ? BURST_VARIANTS.filter((v) => v.name === 'gpulet-int' || v.name === 'temporal')
      : BURST_VARIANTS;
    const cells: Array<{ trace: string; traceSeed: number; v: Variant }> = [];
    for (const traceSeed of opts.quick ? [SUITE_TRACE_SEED] : [SUITE_TRACE_SEED, ...UNSEEN_TRACE_SEEDS])
      for (const k of TRACE_KINDS)
        for (const v of variants)
          if (traceSeed === SUITE_TRACE_SEED || UNSEEN_VARIANTS.includes(v.name))
            cells.push({ trace: k.name, traceSeed, v });
    const mine = cells.filter((_, i) => i % opts.shard.count === opts.shard.index);
    const jobs: AutoscaleJob[] = mine.flatMap(({ trace, traceSeed, v }) =>
      seeds.map((seed) => ({
        workload: 'scen3',
        scheduler: v.scheduler,
        trace,
        traceSeed,
        seed,
        maxGpus: BURSTS_MAX_GPUS,
        fixes: v.fixes,
        ...(v.foresightMs !== undefined ? { foresightMs: v.foresightMs } : {}),
        ...(opts.quick ? { durationS: 240 } : {}),
      })),
    );
    io.err(
      `bursts: ${mine.length} trace x variant cells, ${jobs.length} autoscaled runs on up to ${BURSTS_MAX_GPUS} GPUs\n`,
    );
    const bar = progress('bursts', jobs.length, { unit: 'runs' });
    const res = await mapJobs('autoscale', jobs, opts.jobs, (n) => bar.update(n));
    bar.stop();
    const rows: CsvRow[] = [];
    const windowRows: CsvRow[] = [];
    mine.forEach(({ trace, traceSeed, v }, i) => {
      const s = summarizeRuns(trace, traceSeed, v, res.slice(i * seeds.length, (i + 1) * seeds.length));
      rows.push(s.row);
      if (traceSeed === SUITE_TRACE_SEED && (v.name === 'gpulet-int' || v.name === 'temporal'))
        windowRows.push(...s.windows);
    });
    const tag = opts.quick ? '-quick' : '';
    const files = [
      writeCsv(opts.outDir, `bursts${tag}.csv`, rows, BURSTS_COLUMNS),
      writeCsv(opts.outDir, `bursts-windows${tag}.csv`, windowRows, WINDOW_COLUMNS),
    ];
    const at = (trace: string, traceSeed: number, variant: string) =>
      rows.find((r) => r.trace === trace && r.trace_seed === traceSeed && r.variant === variant);
    const cell = (r: CsvRow | undefined) =>
      r === undefined ? '-' : `${fmt(Number(r.worst_window_pct), 2)} % (${r.windows_ok}/${r.windows})`;
    const gpuS = (r: CsvRow | undefined) => (r === undefined ? '-' : fmt(Number(r.gpu_seconds)));
    const traceSeeds = [...new Set(rows.map((r) => Number(r.trace_seed)))];
    const text = [
      `Autoscaling scen3 on up to ${BURSTS_MAX_GPUS} GPUs, per trace: worst 20 s window (median of ${seeds.length} seed(s)) and windows <= 1 %; GPU-seconds`,
      table(
        ['trace', 'seed', ...variants.map((v) => v.name), 'GPU-s gpulet-int', 'GPU-s temporal'],
        TRACE_KINDS.flatMap((k) =>
          traceSeeds
            .filter((ts) => at(k.name, ts, 'gpulet-int') !== undefined)
            .map((ts) => [
              k.name,
              ts,
              ...variants.map((v) => cell(at(k.name, ts, v.name))),
              gpuS(at(k.name, ts, 'gpulet-int')),
              gpuS(at(k.name, ts, 'temporal')),
            ]),
        ),
      ),
    ].join('\n');
    return { json: { max_gpus: BURSTS_MAX_GPUS, seeds, foresight_ms: FORESIGHT_MS, rows }, text, files };
  },
};
