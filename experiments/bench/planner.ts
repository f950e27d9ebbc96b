/**
 * `npm run bench -- planner`: milliseconds per plan of the four artifact schedulers on one case,
 * side by side with the authors' C++ scheduler (casys-kaist/glet standalone_scheduler).
 *
 * The case: scen3 at 900 req/s on 4 GPUs, the latency table the authors' scheduler was run on
 * (test/fixtures/glet-artifact/latency-table.csv) and the published interference constants
 * (`--predictor paper`); the artifact-exact mode (`--fixes none`), which the C++ figures compare
 * with, and the default (`--fixes all`), reported beside them. Ours: one scheduler instance planning
 * the same input in a loop (as the C++ holds one initialised scheduler), timed after a second of
 * warm-up (the JIT), per-plan mean of 100 plans per round. Theirs: the `computation time(ms)` the
 * binary prints (runScheduling only), one run per round. 20 rounds, each ours then theirs, so both
 * see the same machine load (a shared machine's load swings several-fold within seconds); the
 * ratio is the median of the rounds' ratios, the times the medians of the rounds'.
 *
 * The C++ build: GLET_SRC names a source tree made by the artifact sample's build.sh (its
 * `build-quiet/standalone_scheduler`, -O2 without debug prints, and `resource/` with the 4-GPU
 * configs); experiments/bench/vs-cpp.sh builds one and runs this. Without it the ratios are against
 * REFERENCE_CPP_MS, measured that way on the 2-core development machine.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plan } from '../../engine/plan.ts';
import { ARTIFACT_IDS } from '../../engine/schedulers/elastic.ts';
import { ALL_FIXES, NO_FIXES, fixesLabel, type Fixes } from '../../engine/schedulers/fixes.ts';
import type { PlanInput } from '../../engine/schedulers/scheduler.ts';
import { loadContext, planInput, predictorFor, resolveWorkload, schedulerFor } from '../lib/context.ts';
import { NUM_SCENARIOS, scenarioDemands } from '../lib/scenarios.ts';
import { fmt } from '../lib/format.ts';
import type { Figure } from './figure.ts';

/** The schedulers compared, and the artifact's config name for each (resource/SchedConfigs4). */
const ARTIFACT_CONFIGS = {
  'gpulet-int': 'gpulet-int',
  gpulet: 'gpulet-noint',
  greedy: 'greedy_part',
  temporal: 'timesharing_only',
} as const;
type Compared = keyof typeof ARTIFACT_CONFIGS;

/** The authors' C++ on this case, ms per plan (20 runs, -O2, no debug prints; 2-core development machine). */
export const REFERENCE_CPP_MS: Readonly<Record<Compared, number>> = {
  'gpulet-int': 0.18,
  gpulet: 0.16,
  greedy: 0.11,
  temporal: 0.06,
};

/** How much slower than the C++ each may be. */
const ALLOWED_RATIO: Readonly<Record<Compared, number>> = { 'gpulet-int': 1.5, gpulet: 1.5, greedy: 1.5, temporal: 1 };

const RATE_RPS = 900;
const NUM_GPUS = 4;
const ROUNDS = 20;
const PLANS_PER_ROUND = 100;
const WARM_UP_MS = 1000;

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The authors' binary and its resource folder, or null when no build is given or present. */
function gletBuild(): { bin: string; resource: string } | null {
  const src = process.env.GLET_SRC;
  if (src === undefined || src === '') return null;
  const bin = join(src, 'build-quiet', 'standalone_scheduler');
  const resource = join(src, 'resource');
  return existsSync(bin) && existsSync(join(resource, 'SchedConfigs4')) ? { bin, resource } : null;
}

/**
 * The C++'s `--task_config` file: the task count, then `model_id,rate,slo_ms,` per task, with the
 * artifact's model ids (its lenet is lenet1).
 */
function taskConfig(tasks: ReadonlyArray<{ task: string; rateRps: number; sloMs: number }>): string {
  const id = (task: string) => ARTIFACT_IDS.indexOf(task === 'lenet' ? 'lenet1' : task);
  return `${tasks.length}\n${tasks.map((t) => `${id(t.task)},${t.rateRps},${t.sloMs},\n`).join('')}`;
}

/** One run of the authors' scheduler: its computation time, ms, and whether it planned. */
function runCpp(
  build: { bin: string; resource: string },
  taskFile: string,
  config: string,
  out: string,
): { ms: number; ok: boolean } {
  const r = runCppRaw(build, taskFile, config, out);
  if (r.ms === null) throw new Error(`${build.bin}: no "computation time(ms)" line in its output`);
  return { ms: r.ms, ok: r.ok };
}

/**
 * The same, for a case it may not plan: it then exits 1 and prints no computation time (null);
 * the sweep sample times the plans it makes.
 */
function runCppRaw(
  build: { bin: string; resource: string },
  taskFile: string,
  config: string,
  out: string,
): { ms: number | null; ok: boolean } {
  const r = build.resource;
  let stdout: string;
  try {
    stdout = execFileSync(
      build.bin,
      [
        '--resource_dir',
        r,
        '--task_config',
        taskFile,
        '--sched_config',
        join(r, 'SchedConfigs4', `config-${config}.json`),
        '--mem_config',
        join(r, 'mem-config.json'),
        '--device_config',
        join(r, 'device-config.json'),
        '--output',
        out,
      ],
      { cwd: join(build.bin, '..'), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    );
  } catch (e) {
    const failed = e as { status?: number; stdout?: string };
    if (failed.status !== 1 || typeof failed.stdout !== 'string') throw e;
    stdout = failed.stdout;
  }
  const m = /computation time\(ms\): ([0-9.]+)/.exec(stdout);
  return { ms: m === null ? null : Number(m[1]), ok: stdout.includes('[main] Success') };
}

/** Per-plan mean over `n` plans of `input`, ms, and the last plan. */
function timeOurs(plan: (input: PlanInput) => Plan, input: PlanInput, n: number): { ms: number; last: Plan } {
  let last = plan(input);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) last = plan(input);
  return { ms: (performance.now() - t0) / n, last };
}

export function planner(): Figure[] {
  const ctx = loadContext({
    profiles: fileURLToPath(new URL('../../test/fixtures/glet-artifact/latency-table.csv', import.meta.url)),
  });
  const w = resolveWorkload('scen3', { rate: RATE_RPS, gpus: NUM_GPUS });
  const build = gletBuild();
  const dir = mkdtempSync(join(tmpdir(), 'gpulet-bench-planner-'));
  const taskFile = join(dir, 'tasks.csv');
  writeFileSync(
    taskFile,
    taskConfig(w.tasks.map((t) => ({ task: t.task, rateRps: Math.trunc(t.rateRps), sloMs: t.sloMs }))),
  );
  const source = build === null ? 'reference (no C++ build: set GLET_SRC, see vs-cpp.sh)' : 'measured now';
  const out: Figure[] = [];
  try {
    for (const s of Object.keys(ARTIFACT_CONFIGS) as Compared[]) {
      const cppMs: number[] = [];
      let cppOk = true;
      const ours = new Map<Fixes, number[]>([
        [NO_FIXES, []],
        [ALL_FIXES, []],
      ]);
      const feasible = new Map<Fixes, boolean>();
      const planners = [...ours.keys()].map((fixes) => {
        const scheduler = schedulerFor(s, fixes);
        const input = planInput(w, ctx, predictorFor(s, 'paper'));
        const plan = (i: PlanInput) => scheduler.plan(i);
        const t0 = performance.now();
        let n = 0;
        while (performance.now() - t0 < WARM_UP_MS || n < PLANS_PER_ROUND) {
          plan(input);
          n++;
        }
        return { fixes, plan, input };
      });
      for (let round = 0; round < ROUNDS; round++) {
        for (const p of planners) {
          const r = timeOurs(p.plan, p.input, PLANS_PER_ROUND);
          ours.get(p.fixes)?.push(r.ms);
          feasible.set(p.fixes, r.last.feasible);
        }
        if (build !== null) {
          const r = runCpp(build, taskFile, ARTIFACT_CONFIGS[s], join(dir, 'plan.txt'));
          cppMs.push(r.ms);
          cppOk &&= r.ok;
        } else cppMs.push(REFERENCE_CPP_MS[s]);
      }
      const cpp = median(cppMs);
      const key = s.replace('-', '_');
      for (const [fixes, times] of ours) {
        const ms = median(times);
        const exact = fixes === NO_FIXES;
        const planned = feasible.get(fixes) ? 'feasible' : 'INFEASIBLE';
        out.push({
          key: exact ? `plan_scen3_${key}_ms` : `plan_scen3_${key}_fixes_all_ms`,
          value: ms,
          unit: 'ms',
          note: `scen3 ${RATE_RPS} req/s, ${NUM_GPUS} GPUs, --fixes ${fixesLabel(fixes)} (${planned}): ${fmt(ms / cpp, 2)}x the C++ ${fmt(cpp, 3)} ms/plan (${source}${build !== null && exact && !cppOk ? ', C++ did NOT plan it' : ''})`,
        });
        if (exact)
          out.push({
            key: `plan_scen3_${key}_vs_cpp`,
            value: median(times.map((t, i) => t / cppMs[i])),
            unit: 'ratio',
            target: { value: ALLOWED_RATIO[s], higherIsBetter: false },
            note: `ours / the authors' C++ per plan, --fixes none, median of ${ROUNDS} interleaved rounds; C++ ${fmt(cpp, 3)} ms (${source})`,
          });
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

/** Every SWEEP_SAMPLE-th sweep scenario (fig15 --quick's subset): 202 of them. */
const SWEEP_SAMPLE = 97;
/** Runs of the C++ per scenario; the median counts (one run scatters by 2x). */
const SWEEP_REPEATS = 3;

/**
 * The authors' C++ on the sweep sample: ms per scenario it plans, the median of 3 runs each
 * (2026-11-30, the build of vs-cpp.sh on this 2-core machine, the artifact sample's latency table).
 */
export const REFERENCE_CPP_SWEEP_MS: Readonly<Record<Compared, number>> = {
  'gpulet-int': 0.327,
  gpulet: 0.223,
  greedy: 0.579,
  temporal: 0.127,
};

/**
 * The schedulability sweep against the authors' C++ on the artifact sample's latency table (4 GPUs;
 * the 4 schedulers both have). The C++ plans one scenario per process and prints a computation
 * time only for those it plans: it runs every 97th scenario, SWEEP_REPEATS times each (the median
 * counts), and its mean per timed scenario is scaled to all 19,682 (failures assumed to cost as
 * much). Ours plans the whole sweep on one thread, as fig15 asks (feasible()), in the artifact's
 * exact mode (--fixes none) and with every fix. What the sweep's 5 s target asks is read against
 * what the authors' own planner takes for it.
 */
export function sweepVsCpp(): Figure[] {
  const ctx = loadContext({
    profiles: fileURLToPath(new URL('../../test/fixtures/glet-artifact/latency-table.csv', import.meta.url)),
  });
  const build = gletBuild();
  const source = build === null ? 'reference (no C++ build: set GLET_SRC, see vs-cpp.sh)' : 'measured now';
  const all = Array.from({ length: NUM_SCENARIOS }, (_, i) => i + 1);
  const sample = all.filter((k) => k % SWEEP_SAMPLE === 0);
  const base = resolveWorkload('scen3', { gpus: NUM_GPUS });
  const dir = mkdtempSync(join(tmpdir(), 'gpulet-bench-sweep-cpp-'));
  const out: Figure[] = [];
  const total = { cpp: 0, none: 0, all: 0 };
  try {
    for (const s of Object.keys(ARTIFACT_CONFIGS) as Compared[]) {
      let cpp = REFERENCE_CPP_SWEEP_MS[s];
      let timed = 0;
      if (build !== null) {
        let sum = 0;
        for (const k of sample) {
          const demands = scenarioDemands(k);
          const taskFile = join(dir, 'tasks.csv');
          writeFileSync(taskFile, taskConfig(demands));
          const runs: number[] = [];
          for (let i = 0; i < SWEEP_REPEATS; i++) {
            const r = runCppRaw(build, taskFile, ARTIFACT_CONFIGS[s], join(dir, 'plan.txt')).ms;
            if (r !== null) runs.push(r);
          }
          if (runs.length === 0) continue;
          sum += median(runs);
          timed++;
        }
        cpp = sum / Math.max(1, timed);
      }
      const input = planInput(base, ctx, predictorFor(s, 'paper'));
      const oursS = (fixes: Fixes): number => {
        const p = schedulerFor(s, fixes);
        const feasible = (k: number) => {
          const i = { ...input, demands: scenarioDemands(k) };
          return p.feasible === undefined ? p.plan(i).feasible : p.feasible(i);
        };
        for (const k of sample) feasible(k); // warm-up: the JIT, and the tables of this latency table
        const t0 = performance.now();
        for (const k of all) feasible(k);
        return (performance.now() - t0) / 1000;
      };
      const none = oursS(NO_FIXES);
      const every = oursS(ALL_FIXES);
      const cppS = (cpp * NUM_SCENARIOS) / 1000;
      total.cpp += cppS;
      total.none += none;
      total.all += every;
      out.push({
        key: `sweep_${s.replace('-', '_')}_vs_cpp`,
        value: none / cppS,
        unit: 'ratio',
        note: `the sweep on one thread, ours (--fixes none) / the C++: ${fmt(none, 2)} s vs ${fmt(cppS, 2)} s (${fmt(cpp, 3)} ms a scenario over the ${build === null ? '' : `${timed} of ${sample.length} `}sampled scenarios it plans, ${source}); ours with every fix ${fmt(every, 2)} s`,
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  out.push({
    key: 'sweep_cpp_s',
    value: total.cpp,
    unit: 's',
    note: `the authors' C++ for the 4 schedulers' sweep on one thread, scaled from the sample (${source}); ours ${fmt(total.none, 1)} s --fixes none, ${fmt(total.all, 1)} s with every fix, on the artifact sample's table`,
  });
  return out;
}
