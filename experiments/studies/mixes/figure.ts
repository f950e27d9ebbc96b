/**
 * Random model mixes (experiments/studies/mixes/run.ts): the up-search maxima of temporal, gpulet-int and ideal
 * per mix, and how often gpulet-int beats temporal and comes within 10 % of ideal. Every number in
 * the report's sentences comes from the CSV.
 */
import type { FigureDef } from '../../figures/figure.ts';
import { groupOffset, schedulerColor, shortPair, topLevel } from '../../figures/style.ts';
import { num } from '../../figures/table.ts';

const FILE = 'mixes.csv';
const SCHEDULERS = ['temporal', 'gpulet-int', 'ideal'] as const;

export const MIXES: FigureDef = {
  name: 'mixes',
  study: 'mixes',
  inputs: [FILE],
  required: ['mix', 'models', 'scheduler', 'max_rate_rps'],
  // `failure` (optional) says why each search stopped.
  figure(t) {
    const rows = t[FILE]!.rows;
    const label = (r: Record<string, string>) => `${r.mix}: ${shortPair(r.models)}`;
    const values = rows.map((r) => ({ mix: label(r), scheduler: r.scheduler, rate: num(r, 'max_rate_rps') }));
    const x = {
      field: 'mix',
      type: 'nominal',
      title: null,
      sort: [...new Set(values.map((v) => v.mix))],
      axis: { labelAngle: -30 },
    };
    return topLevel(
      'Random model mixes on 4 GPUs',
      'maximum rate with ≤ 1 % SLO violations, raised until the first failure (median of the seeds)',
      {
        data: { values },
        width: 620,
        height: 260,
        mark: 'bar',
        encoding: {
          x,
          xOffset: groupOffset('scheduler', SCHEDULERS),
          y: { field: 'rate', type: 'quantitative', title: 'max. SLO-preserving rate (req/s)' },
          color: schedulerColor('scheduler', SCHEDULERS),
        },
      },
    );
  },
  report(t) {
    const rows = t[FILE]!.rows;
    const mixes = [...new Set(rows.map((r) => r.mix))];
    const at = (m: string, s: string) => num(rows.find((r) => r.mix === m && r.scheduler === s) ?? {}, 'max_rate_rps');
    const lines = [
      '| mix | models | temporal | gpulet-int | ideal | gpulet-int / temporal | gpulet-int / ideal |',
      '|---|---|---|---|---|---|---|',
    ];
    let beats = 0;
    let close = 0;
    for (const m of mixes) {
      const [tp, gi, id] = [at(m, 'temporal'), at(m, 'gpulet-int'), at(m, 'ideal')];
      if (gi !== null && tp !== null && gi >= tp) beats++;
      if (gi !== null && id !== null && gi >= 0.9 * id) close++;
      const ratio = (a: number | null, b: number | null) =>
        a !== null && b !== null && b > 0 ? (a / b).toFixed(2) : '–';
      lines.push(
        `| ${m} | ${shortPair(rows.find((r) => r.mix === m)?.models ?? '')} | ${tp ?? '–'} | ${gi ?? '–'} | ${id ?? '–'} | ${ratio(gi, tp)} | ${ratio(gi, id)} |`,
      );
    }
    const idealViolates = mixes.filter((m) => {
      const r = rows.find((x) => x.mix === m && x.scheduler === 'ideal');
      return (
        r !== undefined &&
        (r.failure ?? '').startsWith('median SLO violations') &&
        (num(r, 'max_rate_rps') ?? 0) < (at(m, 'gpulet-int') ?? 0)
      );
    });
    return {
      heading: 'Random model mixes',
      intro: [
        `${mixes.length} seeded mixes of two to five of the nine models, equal rates, 4 GPUs: the maximum rate each scheduler sustains with ≤ 1 % SLO violations, searched upwards as the paper describes. The paper has no such figure.`,
      ],
      comparisons: [],
      extra: [
        ...lines,
        '',
        `gpulet-int sustains at least temporal's rate on ${beats} of ${mixes.length} mixes and at least 0.9 x ideal's on ${close} of ${mixes.length}.` +
          (idealViolates.length > 0
            ? ` Ideal stops below gpulet-int on ${idealViolates.length} (${idealViolates.join(', ')}) because a rate its plan accepts breaks 1 % in simulation: a pair its fixed layouts co-locate meets more interference in the ground truth than the predictor expected (simulated without interference, such a plan holds).`
            : ''),
      ],
    };
  },
};
