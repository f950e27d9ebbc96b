/**
 * Best fit over a list of empty gpulets (packing.ts: emptyGpulets, findBestFit, allocateFit) gives
 * the artifact's answer: checked against its forward scan over every gpulet of random states, and
 * allocateFit's list, patched as it splits GPUs, against a fresh list per request.
 */
import { describe, expect, it } from 'vitest';
import { SchedContext } from '../../../engine/schedulers/batching.ts';
import { CONFIGS } from '../../../engine/schedulers/index.ts';
import { allocateFit, emptyGpulets, findBestFit } from '../../../engine/schedulers/packing.ts';
import {
  cloneGpu,
  emptyNode,
  freshState,
  sortInPlace,
  type Node,
  type SchedTask,
  type State,
} from '../../../engine/schedulers/state.ts';
import { loadContext } from '../../../experiments/lib/context.ts';
import { DEFAULT_PREDICTOR, predictorByName } from '../../../sim/predictors.ts';
import { streamRng, type Rng } from '../../../sim/rng.ts';

const base = loadContext({});
const MODELS = Object.values(base.models).filter((m) => base.latency.has(m.name));
const LAYOUTS = [[100], [50, 50], [60, 40], [80, 20]];

const contextOf = (name: 'gpulet' | 'gpulet-int') =>
  new SchedContext(
    CONFIGS[name],
    base.latency,
    name === 'gpulet-int' ? predictorByName(DEFAULT_PREDICTOR) : null,
    (m) => base.models[m].memoryMb,
    (m) => base.models[m].inputBytes,
  );

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)];

/** GPUs of random layouts, about half their gpulets busy with one random task, some memory in use. */
function randomState(rng: Rng, numGpus: number): State {
  const state = freshState(
    numGpus,
    11_000,
    Array.from({ length: numGpus }, () => pick(rng, LAYOUTS)),
  );
  for (const gpu of state.gpus) {
    gpu.usedMemMb = Math.floor(rng() * 8000);
    for (const node of gpu.nodes) {
      if (rng() < 0.5) continue;
      const m = pick(rng, MODELS);
      const batch = 1 + Math.floor(rng() * 16);
      node.dutyMs = 2 + rng() * 120;
      node.occupancy = rng();
      node.tasks = [{ task: m.name, model: m.name, sloMs: m.sloMs, id: 100, rateRps: 100, batch, throughputRps: 100 }];
      gpu.loaded.push({ sizePct: node.sizePct, dedup: node.dedup });
    }
  }
  return state;
}

function randomRequest(rng: Rng): Node {
  const m = pick(rng, MODELS);
  const req = emptyNode(-1, pick(rng, [20, 40, 50, 60, 80, 100]));
  req.dutyMs = rng() * 60;
  req.tasks = [
    {
      task: m.name,
      model: m.name,
      sloMs: m.sloMs,
      id: 7,
      rateRps: 50,
      batch: 1 + Math.floor(rng() * 16),
      throughputRps: 50,
    },
  ];
  return req;
}

/**
 * The artifact's findBestFit: a forward scan over every gpulet; an eligible whole GPU or exact fit
 * beats any other, and among equals the later one wins; otherwise the least slack, later winning
 * ties. Eligibility of one gpulet is asked of findBestFit with that gpulet as the only candidate.
 */
function forwardScan(ctx: SchedContext, state: State, req: Node, exclude: readonly Node[]): Node | null {
  let top: Node | null = null;
  let best: Node | null = null;
  let bestDiff = Infinity;
  for (const gpu of state.gpus)
    for (const node of gpu.nodes) {
      if (exclude.includes(node) || findBestFit(ctx, state, req, [], [node]) !== node) continue;
      const diff = node.sizePct - req.sizePct;
      if ((node.sizePct === 100 && ctx.usePart) || diff === 0) top = node;
      else if (diff <= bestDiff) {
        best = node;
        bestDiff = diff;
      }
    }
  return top ?? best;
}

describe('best fit over the list of empty gpulets', () => {
  for (const name of ['gpulet', 'gpulet-int'] as const)
    it(`${name}: the artifact's forward scan, on 300 random states and requests`, () => {
      const rng = streamRng(7, 'best-fit', name);
      const ctx = contextOf(name);
      let found = 0;
      let ruledOut = 0;
      for (let i = 0; i < 300; i++) {
        const state = randomState(rng, 2 + Math.floor(rng() * 12));
        const req = randomRequest(rng);
        const all = state.gpus.flatMap((g) => g.nodes);
        const exclude = all.filter(() => rng() < 0.1);
        const empties = emptyGpulets(ctx, state);
        // Every empty gpulet the list leaves out is one no request may take.
        ruledOut += all.filter((n) => n.tasks.length === 0 && !empties.includes(n)).length;
        const want = forwardScan(ctx, state, req, exclude);
        expect(findBestFit(ctx, state, req, exclude, empties), `case ${i}`).toBe(want);
        if (want !== null) found++;
      }
      // The cases exercise both outcomes and the list's filter.
      expect(found).toBeGreaterThan(50);
      expect(found).toBeLessThan(300);
      expect(ruledOut).toBeGreaterThan(10);
    });

  it('allocateFit: one list patched as GPUs split places as a fresh list per request does', () => {
    const rng = streamRng(7, 'allocate-fit');
    const ctx = contextOf('gpulet-int');
    let split = 0;
    for (let i = 0; i < 100; i++) {
      const state = randomState(rng, 2 + Math.floor(rng() * 10));
      // Whole GPUs get split: leave most of them empty, with memory to spare.
      for (const gpu of state.gpus)
        if (gpu.nodes.length === 1 && rng() < 0.8) {
          gpu.usedMemMb = 0;
          gpu.nodes[0].tasks = [];
          gpu.nodes[0].dutyMs = 0;
          gpu.nodes[0].occupancy = 0;
        }
      const m = pick(rng, MODELS);
      const task = (): SchedTask => ({
        task: m.name,
        model: m.name,
        sloMs: m.sloMs,
        id: 3,
        rateRps: 200 + Math.floor(rng() * 2000),
        additionalRps: 0,
        meanRps: 0,
      });
      const together = task();
      const oneByOne = { ...together };
      // Saturate requests of random sizes (equal sizes in a row: the second fits the complement
      // of the GPU the first split), then the estimate's own.
      const sizes = Array.from({ length: 1 + Math.floor(rng() * 4) }, () => pick(rng, [20, 40, 50, 50, 60, 80]));
      const requests = (t: SchedTask) => [
        ...sizes.map((p) => {
          const { batch, throughputRps } = ctx.sat(t, p);
          const req = emptyNode(-1, p);
          req.occupancy = 1;
          req.dutyMs = ctx.est(t.model, batch, p);
          req.tasks = [{ ...t, batch, throughputRps }];
          return req;
        }),
        ...ctx.estimate(t, t.rateRps),
      ];
      const a: State = { gpus: state.gpus.map(cloneGpu) };
      const b: State = { gpus: state.gpus.map(cloneGpu) };
      const okA = allocateFit(ctx, a, requests(together), together, false);
      let okB = true;
      for (const req of requests(oneByOne))
        if (!allocateFit(ctx, b, [req], oneByOne, false)) {
          okB = false;
          break;
        }
      expect(okB, `case ${i}`).toBe(okA);
      expect(JSON.stringify(b), `case ${i}`).toBe(JSON.stringify(a));
      expect(oneByOne.rateRps).toBe(together.rateRps);
      split += a.gpus.filter((g, j) => g.nodes.length > state.gpus[j].nodes.length).length;
    }
    expect(split).toBeGreaterThan(20);
  });
});

describe('sortInPlace', () => {
  it('orders as the built-in stable sort does, ties kept in place, short and long arrays', () => {
    const rng = streamRng(7, 'sort');
    for (let i = 0; i < 500; i++) {
      const n = Math.floor(rng() * 24);
      // Few distinct keys, so most elements tie; the index tells equal keys apart.
      const a = Array.from({ length: n }, (_, j) => ({ key: Math.floor(rng() * 4), j }));
      const cmp = (x: { key: number }, y: { key: number }) => y.key - x.key;
      const want = [...a].sort(cmp);
      expect(sortInPlace(a, cmp)).toEqual(want);
    }
  });
});
