/**
 * `--fixes none` reproduces the authors' scheduler: on the latency table the authors' standalone
 * scheduler was run on (test/fixtures/glet-artifact/README.md), for 7 workloads x 4 scheduler
 * configurations, every rate of the artifact's grid is planned feasible exactly when the authors'
 * code planned it, the sampled plans are the same gpulets with the same batches and duty cycles,
 * and the plan-criterion maxima (up search) equal the team's sample of the authors' results.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { csvParse } from 'd3-dsv';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../engine/plan.ts';
import { NO_FIXES } from '../../engine/schedulers/fixes.ts';
import { loadContext, planWorkload, resolveWorkload } from '../../experiments/lib/context.ts';
import { maxRate } from '../../experiments/lib/maxrate.ts';

const dir = (f: string) => fileURLToPath(new URL(`../fixtures/glet-artifact/${f}`, import.meta.url));
const ctx = loadContext({ profiles: dir('latency-table.csv') });
const feasibility = csvParse(readFileSync(dir('feasibility.csv'), 'utf8'));
const plans = csvParse(readFileSync(dir('plans.csv'), 'utf8'));
const sample = csvParse(readFileSync(dir('maxrate-sample.csv'), 'utf8'));
const ARTIFACT_CONFIG: Readonly<Record<string, string>> = {
  timesharing_only: 'temporal',
  greedy_part: 'greedy',
  'gpulet-noint': 'gpulet',
  'gpulet-int': 'gpulet-int',
};

const planAt = (workload: string, scheduler: string, rate: number): Plan =>
  planWorkload(resolveWorkload(workload, { rate, gpus: 4 }), scheduler, ctx, { predictor: 'paper', fixes: NO_FIXES });

/** A plan as the artifact's ModelList lines (gpu, partition, task, batch), each with its duty cycle, ms. */
const lines = (plan: Plan): Array<[string, number]> =>
  plan.gpus
    .flatMap((g) =>
      g.gpulets.flatMap((l) =>
        l.models.map((a): [string, number] => [`${g.gpu},${l.partitionPct},${a.task},${a.batch}`, l.dutyCycleMs]),
      ),
    )
    .sort((a, b) => a[0].localeCompare(b[0]) || a[1] - b[1]);

describe("--fixes none: the authors' scheduler, decision for decision", () => {
  it.each(feasibility.map((r) => [r.workload as string, r.scheduler as string, r] as const))(
    '%s, %s: feasible at exactly the rates the artifact planned',
    (workload, scheduler, row) => {
      const step = Number(row.step_rps);
      const infeasible = new Set(
        (row.infeasible_rps as string)
          .split(' ')
          .filter((x) => x !== '')
          .map(Number),
      );
      const mismatches: number[] = [];
      for (let rate = step; rate <= Number(row.max_rps); rate += step) {
        if (planAt(workload, scheduler, rate).feasible === infeasible.has(rate)) mismatches.push(rate);
      }
      expect(mismatches).toEqual([]);
    },
  );

  it("the sampled plans are the artifact's gpulets, batches and duty cycles", () => {
    const byKey = new Map<string, Array<[string, number]>>();
    for (const r of plans) {
      const key = `${r.workload},${r.scheduler},${r.rate_rps}`;
      const list = byKey.get(key) ?? [];
      list.push([`${r.gpu},${r.partition},${r.task},${r.batch}`, Number(r.duty_cycle_ms)]);
      byKey.set(key, list);
    }
    expect(byKey.size).toBeGreaterThan(100);
    for (const [key, expected] of byKey) {
      const [workload, scheduler, rate] = key.split(',');
      const plan = planAt(workload, scheduler, Number(rate));
      expect(plan.feasible, key).toBe(true);
      const got = lines(plan);
      expect(
        got.map((x) => x[0]),
        key,
      ).toEqual(expected.map((x) => x[0]).sort());
      // The artifact prints duty cycles with 6 decimals (printf %f of a float).
      got.forEach(([gpulet, duty], i) => {
        expect(
          Math.abs(duty - expected.sort((a, b) => a[0].localeCompare(b[0]) || a[1] - b[1])[i][1]),
          `${key} ${gpulet}`,
        ).toBeLessThan(1e-5);
      });
    }
  });

  it.each(
    sample.map(
      (r) => [r.workload as string, ARTIFACT_CONFIG[r.scheduler as string], Number(r.max_total_rate_rps)] as const,
    ),
  )("maxrate %s -s %s --criterion plan --fixes none: %d req/s, the sample's value", (workload, scheduler, expected) => {
    const r = maxRate({ workload, scheduler, criterion: 'plan', gpus: 4, predictor: 'paper', fixes: NO_FIXES }, ctx);
    expect(r.max_rate_rps).toBe(expected);
  });
});
