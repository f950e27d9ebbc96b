/**
 * gpulet on MIG (`-s gpulet-mig`): gpulet's rules for sizing gpulets, with MIG instances as the
 * gpulets. A small dedicated packer, not the elastic code (elastic.ts assumes at most two MPS
 * gpulets per GPU whose sizes sum to 100 %; a MIG GPU holds up to seven instances under placement
 * rules).
 *
 * Kept from gpulet (batching.ts): the estimate L_est(b, s) = 1.1 x L(b, s) (here the MIG profile's
 * single-process latency of a batch in an s-GPC instance); batches up to MAX_BATCH (32); the
 * saturate batch, the largest b with 2 L_est <= SLO; the rate provisioned as the artifact's Poisson
 * p99 (poissonP99), a remainder of at most 15 req/s dropped where the rest carries the mean
 * (TRP_SLACK); a rate split into saturate gpulets of size p_eff and one residue gpulet of the
 * smallest size whose batch meets the residue rule L_est(b, s) + 1000 b / r <= SLO with its duty
 * cycle 1000 b / r at least L_est (the largest such b).
 *
 * Changed or dropped: p_eff is the instance size with the most saturate throughput per GPC (a
 * larger size only when strictly better), not the artifact's 5 % knee over percentages; one MPS
 * process and one task per instance (no time sharing, no merging of residues); no interference
 * (MIG isolates instances); no repartitioning, readjusting or burst re-checks; placement is
 * first-fit decreasing by instance size onto GPUs, an instance fitting where engine/mig.ts finds a
 * valid layout (valid start slots, no overlap, at most 7 GPCs) for the GPU's instances with it.
 */
import { InputError, show } from '../errors.ts';
import { MAX_BATCH } from '../limits.ts';
import { migLayout, migPercent, type MigProfile } from '../mig.ts';
import type { Demand, GpuPlan, Plan } from '../plan.ts';
import { poissonP99 } from './batching.ts';
import type { PlanInput, Scheduler } from './scheduler.ts';
import { TRP_SLACK } from './state.ts';

/** gpulet's safety factor on every latency estimate (SchedulerConfig.latencyRatio). */
const LATENCY_RATIO = 1.1;

/** One planned instance: a gpulet of one task. */
interface Instance {
  readonly demand: Demand;
  readonly size: number;
  readonly batch: number;
  readonly rateRps: number;
  readonly latencyMs: number;
  readonly dutyCycleMs: number;
}

/** Instances (size, batch, rate) that carry `d` by gpulet's saturate/residue split, or a reason. */
function sizeTask(mig: MigProfile, d: Demand): Instance[] | string {
  const sizes = mig.geometry.sizes;
  const est = (b: number, s: number) => LATENCY_RATIO * mig.latencyMs(d.model, s, b, 1);
  const sat = sizes.map((s) => {
    let batch = 0;
    for (let b = 1; b <= MAX_BATCH; b++) if (2 * est(b, s) <= d.sloMs) batch = b;
    return { size: s, batch, rateRps: batch > 0 ? (1000 * batch) / est(batch, s) : 0 };
  });
  let eff = sat[0];
  for (const e of sat) if (e.rateRps / e.size > eff.rateRps / eff.size) eff = e;
  if (eff.batch === 0)
    return `${d.task}: no MIG instance runs a batch of ${d.model} within half its SLO (${d.sloMs} ms)`;
  const out: Instance[] = [];
  const saturate = (): Instance => {
    const latencyMs = est(eff.batch, eff.size);
    return { demand: d, size: eff.size, batch: eff.batch, rateRps: eff.rateRps, latencyMs, dutyCycleMs: latencyMs };
  };
  let rest = poissonP99(d.rateRps);
  for (; rest > eff.rateRps; rest -= eff.rateRps) out.push(saturate());
  // gpulet's TRP_SLACK: a remainder of 15 req/s or less is left to the p99 headroom, where the
  // saturate gpulets already carry the mean rate.
  if (rest <= 0 || (rest <= TRP_SLACK && out.length * eff.rateRps >= d.rateRps)) return out;
  for (const s of sizes) {
    let best: Instance | null = null;
    for (let b = 1; b <= MAX_BATCH; b++) {
      const latencyMs = est(b, s);
      const duty = (1000 * b) / rest;
      if (duty >= latencyMs && latencyMs + duty <= d.sloMs)
        best = { demand: d, size: s, batch: b, rateRps: rest, latencyMs, dutyCycleMs: duty };
    }
    if (best !== null) return [...out, best];
  }
  return [...out, saturate()]; // no residue gpulet: one more saturate one carries the rest
}

export class GpuletMigScheduler implements Scheduler {
  readonly name = 'gpulet-mig';

  plan(input: PlanInput): Plan {
    const mig = input.mig;
    if (mig === undefined || mig === null)
      throw new InputError(
        `gpulet-mig plans MIG instances: GPU type ${show(input.gpuType)} has no MIG profile (use a GPU type with MIG, a100-80gb)`,
      );
    const geometry = mig.geometry;
    const problems: string[] = [];
    const instances: Instance[] = [];
    for (const d of input.demands) {
      if (d.rateRps <= 0) continue;
      if (!mig.has(d.model))
        throw new InputError(`gpulet-mig: the ${mig.gpuType} MIG profile has no model ${show(d.model)}`);
      const r = sizeTask(mig, d);
      if (typeof r === 'string') problems.push(r);
      else instances.push(...r);
    }
    // First-fit decreasing: largest instances first (stable: demand order within a size).
    const order = instances.map((_, i) => i).sort((a, b) => instances[b].size - instances[a].size || a - b);
    const bins: Instance[][] = [];
    for (const i of order) {
      const inst = instances[i];
      const bin = bins.find((g) => migLayout(geometry, [...g.map((x) => x.size), inst.size]) !== null);
      if (bin !== undefined) bin.push(inst);
      else bins.push([inst]);
    }
    if (bins.length > input.numGpus) problems.push(`${bins.length} GPUs needed, ${input.numGpus} given`);
    const gpus: GpuPlan[] = bins.slice(0, input.numGpus).map((bin, n) => {
      const starts = migLayout(
        geometry,
        bin.map((x) => x.size),
      ) as number[];
      const byStart = bin.map((_, k) => k).sort((a, b) => starts[a] - starts[b]);
      return {
        gpu: n,
        type: input.gpuType,
        gpulets: byStart.map((k) => {
          const x = bin[k];
          return {
            partitionPct: migPercent(geometry, x.size),
            dutyCycleMs: x.dutyCycleMs,
            models: [
              {
                task: x.demand.task,
                model: x.demand.model,
                batch: x.batch,
                rateRps: x.rateRps,
                latencyMs: x.latencyMs,
              },
            ],
            mig: { start: starts[k], size: x.size, procs: 1, proc: 0 },
          };
        }),
      };
    });
    const plan: Plan = { scheduler: this.name, feasible: problems.length === 0, gpus, shortfalls: [] };
    if (problems.length > 0) plan.reason = problems.join('; ');
    return plan;
  }
}
