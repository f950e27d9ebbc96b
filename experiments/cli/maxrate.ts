/** `gpulet maxrate`: the paper's maximum SLO-preserving rate for one workload and scheduler. */
import { parseFixes } from '../../engine/schedulers/fixes.ts';
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { InputError, show } from '../../engine/errors.ts';
import { loadContext } from '../lib/context.ts';
import { fmt } from '../lib/format.ts';
import { maxRate, SEARCH_LIMIT_RPS, type Criterion, type Search } from '../lib/maxrate.ts';
import { progress } from '../lib/progress.ts';
import { COLOCATION_MODELS, DEFAULT_COLOCATION, colocationModel } from '../../sim/colocation.ts';
import { checkOutputFile, writeFileAtomic } from '../lib/output.ts';
import {
  catalogOptions,
  checkApplies,
  checkPositive,
  print,
  workloadOptions,
  type Command,
  type WorkloadArgs,
} from './common.ts';

/** Seconds of load per simulation unless --duration says otherwise. */
const DEFAULT_DURATION_S = 20;

/** The smallest --step: 1 req/s (20,000 rates to the search limit at most). */
const MIN_STEP_RPS = 1;

interface MaxRateArgs extends WorkloadArgs {
  criterion: Criterion;
  search: Search;
  step?: number;
  duration?: number;
  interference?: string;
  out?: string;
}

export const maxrate: Command<MaxRateArgs> = (io) => ({
  command: 'maxrate',
  describe: 'Highest total rate the scheduler calls feasible that also simulates within 1 % SLO violations',
  builder: (y: Argv) =>
    catalogOptions(workloadOptions(y, { rate: false }))
      .option('criterion', {
        choices: ['slo', 'plan'] as const,
        default: 'slo' as const,
        describe:
          'plan: the scheduler calls it feasible; slo: and 20 s of Poisson load keeps violations <= 1 % (median of 3 seeds)',
      })
      .option('search', {
        choices: ['up', 'down'] as const,
        default: 'up' as const,
        describe:
          "up: raise the rate until the first failure (the paper's text); down: highest plan-feasible rates first (the artifact's peak-search scripts)",
      })
      .option('step', {
        type: 'number',
        describe: `Rate step, req/s, from ${MIN_STEP_RPS} to ${SEARCH_LIMIT_RPS / 2} (default: 10 per model, the artifact's grid: 30 for scen3's three models, 10 for an application; the search stops at ${SEARCH_LIMIT_RPS} req/s)`,
      })
      .option('duration', {
        alias: 'd',
        type: 'number',
        defaultDescription: String(DEFAULT_DURATION_S),
        describe: 'With --criterion slo: seconds of load per simulation',
      })
      .option('interference', {
        type: 'string',
        defaultDescription: DEFAULT_COLOCATION,
        describe: `With --criterion slo: co-location slowdown in the simulations: ${Object.keys(COLOCATION_MODELS).join(', ')}`,
      })
      .option('out', {
        type: 'string',
        describe: 'Also write the JSON document (as --format json prints it) to this file',
      }) as unknown as Argv<MaxRateArgs>,
  handler: (a: ArgumentsCamelCase<MaxRateArgs>) => {
    if (a.rate !== undefined) throw new InputError('--rate: maxrate searches the rate itself; leave --rate out');
    if (a.out !== undefined) checkOutputFile('--out', a.out);
    if (a.step !== undefined && !(a.step >= MIN_STEP_RPS && a.step <= SEARCH_LIMIT_RPS / 2))
      // Below 1 req/s the search plans tens of thousands of rates; above half the limit it tries one.
      throw new InputError(
        `--step: expected a rate step from ${MIN_STEP_RPS} to ${SEARCH_LIMIT_RPS / 2} req/s (the search stops at ${SEARCH_LIMIT_RPS} req/s), got ${show(a.step)}`,
      );
    // The simulations' settings do not apply where nothing is simulated.
    checkApplies('--duration', a.duration !== undefined, '--criterion slo', a.criterion === 'slo');
    checkApplies('--interference', a.interference !== undefined, '--criterion slo', a.criterion === 'slo');
    const duration = a.duration ?? DEFAULT_DURATION_S;
    const interference = a.interference ?? DEFAULT_COLOCATION;
    checkPositive('--duration', duration);
    colocationModel(interference); // validate before a long search
    const ctx = loadContext(a);
    let bar: ReturnType<typeof progress> | null = null;
    const res = maxRate(
      {
        workload: a.workload,
        scheduler: a.scheduler,
        criterion: a.criterion,
        search: a.search,
        gpus: a.gpus,
        stepRps: a.step,
        durationS: duration,
        predictor: a.predictor,
        fixes: parseFixes(a.fixes),
        allowSlow: a.allowSlow,
        colocation: () => colocationModel(interference),
        onRate: (r) => {
          bar ??= progress(`${a.workload}/${a.scheduler}: trying`, 5000, { unit: 'req/s' });
          bar.update(r);
        },
      },
      ctx,
    );
    (bar as ReturnType<typeof progress> | null)?.stop();
    if (a.out !== undefined) writeFileAtomic(a.out, `${JSON.stringify(res, null, 2)}\n`);
    print(io, a.format, res, () =>
      [
        `${res.workload}, ${res.scheduler}: max rate ${fmt(res.max_rate_rps)} req/s (${res.criterion} criterion, ${res.search} search) on ${res.gpus} GPU(s)` +
          (res.slo_violation_pct === null ? '' : `, ${fmt(res.slo_violation_pct, 3)} % SLO violations there`),
        `first failure at ${fmt(res.first_failure_rps)} req/s: ${res.failure}`,
      ].join('\n'),
    );
  },
});
