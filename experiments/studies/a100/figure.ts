/**
 * The A100 study (experiments/studies/a100/run.ts): GPUs each scheduler uses on ParvaGPU's six
 * rows, with the authors' own counts marked, and the simulated SLO violations of every plan. Every
 * number in the report's sentences comes from the CSV.
 */
import { MAX_BATCH } from '../../../engine/limits.ts';
import type { FigureDef } from '../../figures/figure.ts';
import { PAPER_MARK, groupOffset, schedulerColor, topLevel } from '../../figures/style.ts';
import { num } from '../../figures/table.ts';

const FILE = 'a100.csv';
const SCHEDULERS = ['temporal', 'gpulet-int', 'gpulet-mig', 'parvagpu'] as const;

export const A100: FigureDef = {
  name: 'a100',
  study: 'a100',
  inputs: [FILE],
  required: ['row', 'scheduler', 'gpus_used', 'parvagpu_c_gpus', 'slo_violation_pct'],
  figure(t) {
    const rows = t[FILE]!.rows;
    const values = rows.map((r) => ({
      row: `row ${r.row}`,
      scheduler: r.scheduler,
      gpus: num(r, 'gpus_used'),
      violations: num(r, 'slo_violation_pct'),
    }));
    const theirs = rows
      .filter((r) => r.scheduler === 'parvagpu')
      .map((r) => ({ row: `row ${r.row}`, scheduler: 'parvagpu', gpus: num(r, 'parvagpu_c_gpus') }));
    const x = { field: 'row', type: 'nominal', title: "ParvaGPU's SLO row", axis: { labelAngle: 0 } };
    const xOffset = groupOffset('scheduler', SCHEDULERS);
    return topLevel(
      'A100 80GB: GPUs for the same load',
      [
        "bars: GPUs each plan uses; diamonds: ParvaGPU's released scheduler (C, same commit)",
        'labels: simulated SLO violations, %',
      ],
      {
        width: 620,
        height: 280,
        layer: [
          {
            data: { values },
            mark: 'bar',
            encoding: {
              x,
              xOffset,
              y: { field: 'gpus', type: 'quantitative', title: 'GPUs used' },
              color: schedulerColor('scheduler', SCHEDULERS),
            },
          },
          {
            data: { values },
            mark: { type: 'text', dy: -6, fontSize: 9 },
            encoding: {
              x,
              xOffset,
              y: { field: 'gpus', type: 'quantitative' },
              text: { field: 'violations', format: '.2f' },
            },
          },
          {
            data: { values: theirs },
            mark: PAPER_MARK,
            encoding: { x, xOffset, y: { field: 'gpus', type: 'quantitative' } },
          },
        ],
      },
    );
  },
  report(t) {
    const rows = t[FILE]!.rows;
    const at = (row: string, s: string) => rows.find((r) => r.row === row && r.scheduler === s);
    const rowIds = [...new Set(rows.map((r) => r.row))];
    const cell = (row: string, s: string) => {
      const r = at(row, s);
      return r === undefined ? '–' : `${r.gpus_used} (${Number(r.slo_violation_pct).toFixed(2)} %)`;
    };
    const lines = [
      '| row | models | req/s | parvagpu | ParvaGPU C / shipped | gpulet-mig (MIG) | gpulet-int (MPS) | temporal (MPS) | worst parvagpu model |',
      '|---|---|---|---|---|---|---|---|---|',
      ...rowIds.map((row) => {
        const p = at(row, 'parvagpu');
        return `| ${row} | ${p?.models ?? '–'} | ${p?.rate_rps ?? '–'} | ${cell(row, 'parvagpu')} | ${p?.parvagpu_c_gpus ?? '–'} / ${p?.parvagpu_shipped_gpus ?? '–'} | ${cell(row, 'gpulet-mig')} | ${cell(row, 'gpulet-int')} | ${cell(row, 'temporal')} | ${p?.worst_model ? `${p.worst_model} ${Number(p.worst_model_violation_pct).toFixed(2)} %` : '–'} |`;
      }),
    ];
    const same = rowIds.filter((row) => at(row, 'parvagpu')?.gpus_used === at(row, 'parvagpu')?.parvagpu_c_gpus).length;
    const over = rowIds.filter((row) => (num(at(row, 'parvagpu') ?? {}, 'slo_violation_pct') ?? 0) > 1);
    const migOver = rowIds.filter((row) => (num(at(row, 'gpulet-mig') ?? {}, 'slo_violation_pct') ?? 0) > 1);
    const sum = (s: string) => rowIds.reduce((a, row) => a + (num(at(row, s) ?? {}, 'gpus_used') ?? 0), 0);
    return {
      heading: 'A100 80GB: ParvaGPU, gpulet and temporal sharing on the same load',
      intro: [
        "ParvaGPU's six published service-level rows (Lee et al., SC'24; MunQ-Lee/ParvaGPU_SC24 at 5f3de1e, MIT) on simulated A100 80GB GPUs with their measured profiles: `parvagpu` is our port of the authors' released scheduler (MIG instances with MPS processes inside), `gpulet-mig` sizes MIG instances by gpulet's rules, `gpulet-int` and `temporal` plan MPS partitions of the whole GPU. Each plan is served for the same seeded Poisson arrivals. The table gives GPUs used and, in brackets, simulated SLO violations.",
        "Assumptions: in MPS mode a p % gpulet runs as a MIG instance with p % of the 7g instance's GPCs, and no interference between MPS gpulets is simulated or predicted (the A100 data has no gpulet pairs), which favours gpulet-int and temporal; MIG instances are isolated, MPS processes inside one run at the latency measured with all of them busy.",
      ],
      comparisons: [],
      extra: [
        ...lines,
        '',
        `parvagpu uses the GPUs the authors' released scheduler uses on ${same} of ${rowIds.length} rows (their deployment maps segment for segment: test/integration/a100.test.ts). Over all rows parvagpu uses ${sum('parvagpu')} GPUs, gpulet-mig ${sum('gpulet-mig')}, gpulet-int ${sum('gpulet-int')}, temporal ${sum('temporal')}.` +
          (over.length > 0
            ? ` parvagpu's plan breaks 1 % on row ${over.join(', ')} (${over.map((row) => `${at(row, 'parvagpu')?.worst_model} ${Number(at(row, 'parvagpu')?.worst_model_violation_pct).toFixed(1)} % late`).join('; ')}): ParvaGPU sizes segments to the rate with no headroom${over.includes('5') ? " (on row 5 densenet121's two segments carry its rate at almost their full capacity, as in the authors' own maps), and no queue keeps its SLO under Poisson arrivals at that load" : ''}.`
            : '') +
          ` gpulet-mig (gpulet's sizing rules with MIG instances as gpulets, one process and one model each, first-fit decreasing onto GPUs: engine/schedulers/gpulet-mig.ts) breaks 1 % on ${migOver.length === 0 ? 'no row' : `row ${migOver.join(', ')}`}; it needs more GPUs than parvagpu on ${rowIds.filter((row) => (num(at(row, 'gpulet-mig') ?? {}, 'gpus_used') ?? 0) > (num(at(row, 'parvagpu') ?? {}, 'gpus_used') ?? 0)).length} of ${rowIds.length} rows (batches up to ${MAX_BATCH}, one process per instance, and the Poisson p99 provisioned) and fewer than gpulet-int on ${rowIds.filter((row) => (num(at(row, 'gpulet-mig') ?? {}, 'gpus_used') ?? 0) < (num(at(row, 'gpulet-int') ?? {}, 'gpus_used') ?? 0)).length} of ${rowIds.length} (seven instance sizes where gpulet has at most two gpulets per GPU).` +
          ` gpulet-int and temporal need more GPUs mainly because their batches stop at ${MAX_BATCH} (the gpulet artifact's MAX_BATCH) with one process per gpulet, where ParvaGPU's segments run larger batches with several MPS processes per MIG instance: at these rates a batch of at most ${MAX_BATCH} takes most of its duty cycle to run, which leaves little to share (where as many GPUs as models are used, every model has a GPU of its own).`,
      ],
    };
  },
};
