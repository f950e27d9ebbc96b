/**
 * `npm run bench -- fewest`: where bisection (engine/schedulers/elastic.ts bisectFewest) gives the
 * scan's fewest GPUs. It assumes feasibility monotone in the number of GPUs, which the scan does not;
 * here both plan the same inputs and the plans are compared byte for byte: every scenario of the
 * schedulability sweep (fig15's 19,682, on 4 GPUs) per elastic scheduler, and the bench's fleet mixes
 * of 64 and 1,000 GPUs. Also reports the time of each.
 */
import { gpusUsed } from '../../engine/plan.ts';
import { CONFIGS } from '../../engine/schedulers/index.ts';
import { ElasticScheduler } from '../../engine/schedulers/elastic.ts';
import type { PlanInput } from '../../engine/schedulers/scheduler.ts';
import { predictorByName, DEFAULT_PREDICTOR } from '../../sim/predictors.ts';
import type { Context } from '../lib/context.ts';
import { planInput, resolveWorkload } from '../lib/context.ts';
import { NUM_SCENARIOS, scenarioDemands } from '../lib/scenarios.ts';
import { fleetMix } from './fleet.ts';
import type { Figure } from './figure.ts';

const SWEEP_SCHEDULERS = ['temporal', 'greedy', 'gpulet', 'gpulet-int'] as const;

/** Plans of `input` by scan and by bisection: whether they are the same, and the ms of each. */
function compare(name: (typeof SWEEP_SCHEDULERS)[number], input: PlanInput) {
  const scan = new ElasticScheduler(CONFIGS[name], { search: 'scan' });
  const bisect = new ElasticScheduler(CONFIGS[name], { search: 'bisect' });
  let t0 = performance.now();
  const a = scan.plan(input);
  const scanMs = performance.now() - t0;
  t0 = performance.now();
  const b = bisect.plan(input);
  const bisectMs = performance.now() - t0;
  return {
    same: JSON.stringify(a) === JSON.stringify(b),
    scanGpus: gpusUsed(a),
    bisectGpus: gpusUsed(b),
    scanMs,
    bisectMs,
  };
}

export function fewest(ctx: Context, opts: { sweepStep: number; fleets: readonly number[] }): Figure[] {
  const out: Figure[] = [];
  const base = planInput(resolveWorkload('scen3'), ctx);
  const predictor = predictorByName(DEFAULT_PREDICTOR);
  for (const s of SWEEP_SCHEDULERS) {
    let differ = 0;
    let count = 0;
    const examples: number[] = [];
    for (let k = opts.sweepStep; k <= NUM_SCENARIOS; k += opts.sweepStep) {
      const input = {
        ...base,
        numGpus: 4,
        demands: scenarioDemands(k),
        predictor: CONFIGS[s].interference ? predictor : null,
      };
      count++;
      if (!compare(s, input).same) {
        differ++;
        if (examples.length < 3) examples.push(k);
      }
    }
    out.push({
      key: `fewest_sweep_${s.replace('-', '_')}_identical`,
      value: (count - differ) / count,
      unit: 'ratio',
      target: { value: 1, higherIsBetter: true },
      note: `share of ${count} sweep scenarios (${opts.sweepStep === 1 ? 'all' : `every ${opts.sweepStep}th`} of ${NUM_SCENARIOS}, 4 GPUs; FEWEST_STEP=1 for all) planned byte-identically by bisection and by the scan${examples.length ? ` (differ: scenario ${examples.join(', ')}${differ > examples.length ? ', ...' : ''})` : ''}`,
    });
  }
  for (const gpus of opts.fleets) {
    const input = { ...base, demands: fleetMix(gpus, ctx), numGpus: gpus };
    const r = compare('gpulet', input);
    out.push({
      key: `fewest_${gpus}_gpus_bisect_ms`,
      value: r.bisectMs,
      unit: 'ms',
      note: `gpulet, the bench's ${gpus}-GPU mix: ${r.bisectGpus} GPUs by bisection, ${r.scanGpus} by the scan in ${(r.scanMs / 1000).toFixed(1)} s; plans ${r.same ? 'identical' : 'DIFFERENT'}`,
    });
  }
  return out;
}
