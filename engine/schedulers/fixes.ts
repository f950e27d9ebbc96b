/**
 * Named fixes: every place where the schedulers, or the serving path, depart from the authors'
 * artifact (casys-kaist/glet, scheduler_incremental.cpp and scheduler_base.cpp; proxy_thread.cpp for
 * serving) is one switch here. With no
 * fix on (`--fixes none`) every scheduler follows the artifact's rules exactly, bugs included, and
 * its plans equal the authors' standalone scheduler's on the same latency table (the parity test
 * in test/integration/artifact-parity.test.ts). The default is every fix on (`--fixes all`).
 */
import { InputError, show } from '../errors.ts';

/** One fix: what the artifact does, and what the fix does instead (one line each). */
export interface FixInfo {
  readonly artifact: string;
  readonly fixed: string;
}

/** Every fix, in the order a reader meets them in a scheduling run. */
export const FIXES = {
  'place-small': {
    artifact:
      'never places a task whose provisioned rate is 15 req/s or less (TRP_SLACK); its autoscaler drops tasks below 1 req/s',
    fixed: 'every task with demand gets a gpulet',
  },
  'fewest-gpus': {
    artifact: 'the standalone scheduler plans on every GPU it is given (its runtime autoscaler scans from 1 GPU up)',
    fixed:
      'plans on the fewest GPUs, scanning up from a lower bound on the work (bisecting ranges of more than 16 GPUs)',
  },
  'fit-whole-rate': {
    artifact:
      "a rate just above one gpulet's saturate throughput becomes that gpulet plus a residue gpulet (40 % + 20 % for 23 req/s more)",
    fixed: 'one gpulet of the smallest size that carries the whole rate, when it is smaller than the two together',
  },
  'share-residue': {
    artifact: 'a residue takes an empty gpulet of its own whenever one fits; time sharing only as the last resort',
    fixed: 'a residue first tries to time-share an existing gpulet (Algorithm 1 merges new gpulets into earlier ones)',
  },
  'greedy-duty': {
    artifact: 'greedy sets duty = b / r (below the batch latency) and claims the saturate throughput for every chunk',
    fixed: 'duty at least the batch latency, and the throughput that duty serves',
  },
  'fit-at-size': {
    artifact: "best fit tests a whole GPU's SLO at 100 % though it then splits it to the request's size",
    fixed: 'tests at the size the request will run at',
  },
  'fit-target-gpu': {
    artifact: 'when a request lands in a larger gpulet, re-batches with interference from GPU number "estimate index"',
    fixed: 'with interference from the GPU it lands on',
  },
  'sat-duty': {
    artifact: "adjustSatNode lowers a saturate gpulet's throughput to b / L but keeps the shorter duty cycle",
    fixed: 'moves the duty cycle with the throughput',
  },
  'duty-floor': {
    artifact: 'readjust and mergeResidue set duty = b / r below the batch latency (occupancy above 1)',
    fixed: 'duty at least the batch latency, as its own estimateTrp does',
  },
  'timeshare-rate': {
    artifact:
      "co-residents' batches from their whole remaining demand when placed, truncated (halves throughput at low rates)",
    fixed: "keeps each co-resident's planned throughput (rounded up)",
  },
  'timeshare-search': {
    artifact: 'tries one batch per gpulet when time sharing and gives the gpulet up if the shared checks fail',
    fixed: 'tries smaller batches down to 1',
  },
  settle: {
    artifact: 'final plans can promise latencies its own predictor says break the SLO (no re-check after time sharing)',
    fixed: 'every gpulet re-checked against its final neighbours',
  },
  'fill-holes': {
    artifact: 'feasibility is not monotone in the rate: some rates fail between rates that plan',
    fixed: 'a rate that does not plan is planned for up to 20 % more demand (a plan for more also serves less)',
  },
  'layout-fallback': {
    artifact: 'when elastic partitioning fails on the GPUs given, the rate is unschedulable',
    fixed: "then tries ideal's fixed per-GPU layouts, those nearest the failed plan's first",
  },
  headroom: {
    artifact: 'autoscaling: plans sized for the targets, so the GPUs held idle in part while a burst queues',
    fixed:
      'the GPUs Algorithm 2 keeps are planned for the most demand they carry (up to 3 x the targets); a load beyond all GPUs gets the most of it they carry',
  },
  'early-replan': {
    artifact: 'autoscaling: re-plans only every 20 s epoch, from a 20 s EWMA, and applies a plan at the next epoch',
    fixed:
      'a task 10 % (and 3 sigma) over its target in the last 2 s re-plans now, served once loaded; targets stay at the highest 2 s rate of the last 5 min',
  },
  'concurrent-windows': {
    artifact:
      "serving: one batching thread per gpulet collects its tasks' batches one after another, each for up to a duty cycle",
    fixed:
      "every task of a gpulet collects at once, its batch frozen a duty cycle after its oldest request arrived (the scheduler's model)",
  },
  'fair-share': {
    artifact:
      'an overloaded (infeasible) plan serves what its last attempt placed: some tasks get all they ask, others nothing (an app with one stage unplaced completes nothing)',
    fixed: "the largest common share of every task's demand that plans is served; the plan stays marked infeasible",
  },
  'burst-duty': {
    artifact: 'a batch sized for the mean (or per-second p99) rate; Poisson bursts within one duty cycle queue',
    fixed: "the Poisson 99th percentile of arrivals in one duty cycle must fit the batch (or the gpulet's slack)",
  },
} as const satisfies Record<string, FixInfo>;

export type FixName = keyof typeof FIXES;
export const FIX_NAMES = Object.keys(FIXES) as FixName[];

/** A set of fixes in force. */
export type Fixes = ReadonlySet<FixName>;

export const ALL_FIXES: Fixes = new Set(FIX_NAMES);
export const NO_FIXES: Fixes = new Set();

/** Parse `all`, `none`, a comma list of fix names, or `all,-NAME,...`; an unknown name is an InputError naming the valid ones. */
export function parseFixes(spec: string, flag = '--fixes'): Fixes {
  const s = spec.trim();
  if (s === 'all') return ALL_FIXES;
  if (s === 'none' || s === '') return NO_FIXES;
  const parts = s.split(',').map((p) => p.trim());
  // `all,-a,-b`: every fix but a and b.
  const out = new Set<FixName>(parts[0] === 'all' ? FIX_NAMES : []);
  for (const raw of parts[0] === 'all' ? parts.slice(1) : parts) {
    const without = parts[0] === 'all';
    const name = without && raw.startsWith('-') ? raw.slice(1) : raw;
    if (!Object.hasOwn(FIXES, name) || (without && !raw.startsWith('-')))
      throw new InputError(
        `${flag}: unknown fix ${show(raw)}: expected all, none, a comma list of ${FIX_NAMES.join(', ')}, or all,-NAME,... for all but some`,
      );
    if (without) out.delete(name as FixName);
    else out.add(name as FixName);
  }
  return out;
}

/** The canonical spelling of a set: `all`, `none`, or the names in FIXES order. */
export function fixesLabel(fixes: Fixes): string {
  if (fixes.size === 0) return 'none';
  if (FIX_NAMES.every((f) => fixes.has(f))) return 'all';
  return FIX_NAMES.filter((f) => fixes.has(f)).join(',');
}
