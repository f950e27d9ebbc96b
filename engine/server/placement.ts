/**
 * Putting a new plan on physical GPUs while the serving plan is still loaded (docs/artifact.md#gpulets-and-reorganisation,
 * "Reorganization cost"): the new gpulets load in the background next to the serving ones, so on
 * each GPU the memory of both must fit. The artifact checks 0.9 x capacity with 1,230 MB per new
 * gpulet process (`doesFitMemLimit`); we count, per GPU,
 *
 *   serving gpulets: 1,230 MB each + the memory of every model they hold, plus
 *   new gpulets:     1,230 MB each + their models; a gpulet kept at its place (same GPU, size and
 *                    half) adds only the models it does not hold yet,
 *
 * and require the sum to be at most 0.9 x the GPU's memory. Gpulets of earlier plans still draining
 * are not counted: their queues empty within one SLO (at most 202 ms here), long before the new
 * gpulets' models are loaded (process start comes first, and the whole takes 10-15 s).
 *
 * The scheduler numbers its GPUs from 0; which physical GPU gets which of its GPUs is ours to
 * choose. Each planned GPU goes, in order of how many of its gpulets it could keep, to the GPU with
 * room where it keeps the most, then to an idle GPU, then to its own number, then the lowest.
 */
import type { Plan } from '../plan.ts';
import { CONTEXT_MB, MEM_ROOM } from '../schedulers/state.ts';
import { gpuletPlaces, type GpuletPlace } from './dispatcher.ts';

/** A serving gpulet as placement sees it. */
export interface LoadedGpulet {
  place: GpuletPlace;
  /** Models it holds. */
  models: readonly string[];
}

export interface PlacementInput {
  /** The new plan, GPUs numbered by the scheduler. */
  plan: Plan;
  /** The serving plan's gpulets, on physical GPUs. */
  serving: readonly LoadedGpulet[];
  /** Physical GPUs there are (the autoscaling limit). */
  numGpus: number;
  /** Memory of one GPU, MB. */
  gpuMemoryMb: number;
  modelMemoryMb: (model: string) => number;
}

export type PlacementResult = { ok: true; plan: Plan; numKept: number; numNew: number } | { ok: false; reason: string };

/** Memory of one gpulet process holding `models`, MB. */
export function gpuletMemoryMb(models: Iterable<string>, modelMemoryMb: (model: string) => number): number {
  let mb = CONTEXT_MB;
  for (const m of new Set(models)) mb += modelMemoryMb(m);
  return mb;
}

/** Map the plan's GPUs onto physical GPUs so that old and new gpulets fit together. */
export function placeOnGpus(input: PlacementInput): PlacementResult {
  const { plan, serving, numGpus, modelMemoryMb } = input;
  const budgetMb = input.gpuMemoryMb * MEM_ROOM;
  if (plan.gpus.length > numGpus)
    return { ok: false, reason: `the plan needs ${plan.gpus.length} GPUs, ${numGpus} exist` };
  const usedMb = new Float64Array(numGpus);
  const byGpu: LoadedGpulet[][] = Array.from({ length: numGpus }, () => []);
  for (const g of serving) {
    if (g.place.gpu >= numGpus)
      return { ok: false, reason: `a serving gpulet is on GPU ${g.place.gpu}, beyond the ${numGpus} GPUs` };
    usedMb[g.place.gpu] += gpuletMemoryMb(g.models, modelMemoryMb);
    byGpu[g.place.gpu].push(g);
  }
  // For planned GPU i on physical GPU p: gpulets kept, and memory added.
  const fit = (i: number, p: number): { kept: number; addMb: number } => {
    const gpu = { ...plan.gpus[i], gpu: p };
    let kept = 0;
    let addMb = 0;
    gpuletPlaces(gpu).forEach((place, k) => {
      const models = gpu.gpulets[k].models.map((a) => a.model);
      if (models.length === 0) return;
      const old = byGpu[p].find((o) => o.place.partitionPct === place.partitionPct && o.place.dedup === place.dedup);
      if (old === undefined) {
        addMb += gpuletMemoryMb(models, modelMemoryMb);
        return;
      }
      kept++;
      for (const m of new Set(models)) if (!old.models.includes(m)) addMb += modelMemoryMb(m);
    });
    return { kept, addMb };
  };
  const fits = Array.from({ length: plan.gpus.length }, (_, i) => Array.from({ length: numGpus }, (_, p) => fit(i, p)));
  const bestKept = fits.map((row) =>
    Math.max(0, ...row.filter((f, p) => usedMb[p] + f.addMb <= budgetMb).map((f) => f.kept)),
  );
  const order = plan.gpus.map((_, i) => i).sort((a, b) => bestKept[b] - bestKept[a] || a - b);
  const taken = new Uint8Array(numGpus);
  const physical = new Array<number>(plan.gpus.length);
  let numKept = 0;
  for (const i of order) {
    let best = -1;
    for (let p = 0; p < numGpus; p++) {
      if (taken[p] || usedMb[p] + fits[i][p].addMb > budgetMb) continue;
      if (
        best < 0 ||
        better(
          fits[i][p].kept,
          usedMb[p] === 0,
          p === plan.gpus[i].gpu,
          fits[i][best].kept,
          usedMb[best] === 0,
          best === plan.gpus[i].gpu,
        )
      )
        best = p;
    }
    if (best < 0) {
      const need = Math.min(...fits[i].map((f) => f.addMb));
      const desc = plan.gpus[i].gpulets
        .map((g) => `${g.partitionPct} %: ${g.models.map((a) => a.model).join('+')}`)
        .join(', ');
      return {
        ok: false,
        reason: `GPU memory: no GPU has ${Math.round(need)} MB free for [${desc}] next to the serving gpulets`,
      };
    }
    taken[best] = 1;
    physical[i] = best;
    numKept += fits[i][best].kept;
  }
  const gpus = plan.gpus.map((g, i) => ({ ...g, gpu: physical[i] })).sort((a, b) => a.gpu - b.gpu);
  const numGpulets = plan.gpus.reduce((n, g) => n + g.gpulets.filter((l) => l.models.length > 0).length, 0);
  return { ok: true, plan: { ...plan, gpus }, numKept, numNew: numGpulets - numKept };
}

/** More gpulets kept first; then an idle GPU; then the GPU's own number (ties keep the lower index). */
function better(
  kept: number,
  idle: boolean,
  own: boolean,
  bestKept: number,
  bestIdle: boolean,
  bestOwn: boolean,
): boolean {
  if (kept !== bestKept) return kept > bestKept;
  if (idle !== bestIdle) return idle;
  return own && !bestOwn;
}
