/**
 * The scheduler registry: one typed object, one factory per policy (STYLE habit 10).
 * All variants share the elastic-partitioning code (elastic.ts); they differ only in configuration.
 */
import { PARTITIONS_PCT } from '../limits.ts';
import type { Scheduler } from './scheduler.ts';
import type { SchedulerConfig } from './batching.ts';
import { ElasticScheduler } from './elastic.ts';
import { ALL_FIXES, type Fixes } from './fixes.ts';
import { ELASTIC, GREEDY } from './partitioning.ts';
import { GpuletMigScheduler } from './gpulet-mig.ts';
import { ParvaGpuScheduler } from './parvagpu.ts';

/** The artifact's partition set {50, 60, 80, 100} with complements, descending (docs/artifact.md#gpulets-and-reorganisation). */
export const GPULET_PARTS: readonly number[] = [...PARTITIONS_PCT].reverse();

const base: Omit<SchedulerConfig, 'name'> = {
  partsPct: GPULET_PARTS,
  interference: false,
  partitioning: ELASTIC,
  timeShareSloCheck: true,
  latencyRatio: 1.1,
  maxModels: 3,
  recheckThreshold: 0.85,
  provisionP99: true,
  networkLimit: true,
  fixes: ALL_FIXES,
};

/** Scheduler configurations by name. */
export const CONFIGS = {
  /**
   * Nexus squishy bin packing: whole GPUs, time sharing only, with the released artifact's (and
   * Nexus's) check that d + sum L <= SLO for every task sharing a gpulet.
   */
  temporal: { ...base, name: 'temporal', partsPct: [100] },
  /**
   * The same without that check: the older artifact's "No Check", which its baseline configs set.
   * Plans it accepts can break the SLO of a co-resident task (an ablation; see results/REPORT.md).
   */
  'temporal-nocheck': { ...base, name: 'temporal-nocheck', partsPct: [100], timeShareSloCheck: false },
  /** Greedy best-fit partitioning: smallest adequate partition, no time sharing. */
  greedy: { ...base, name: 'greedy', partitioning: GREEDY },
  /** Elastic partitioning, interference ignored (the paper's "glet"). */
  gpulet: { ...base, name: 'gpulet' },
  /** Elastic partitioning with the interference predictor (the paper's "glet+int"). */
  'gpulet-int': { ...base, name: 'gpulet-int', interference: true },
  /** Exhaustive search over fixed per-GPU layouts, with gpulet-int's rules inside each (§5.2 "ideal"). */
  ideal: { ...base, name: 'ideal', interference: true },
} as const satisfies Record<string, SchedulerConfig>;

export type SchedulerName = keyof typeof CONFIGS;

/**
 * Schedulers that are not elastic-partitioning configurations (MIG GPUs only): ParvaGPU's port, and
 * gpulet's sizing rules with MIG instances as gpulets (gpulet-mig.ts).
 */
export const OTHER_SCHEDULERS = ['parvagpu', 'gpulet-mig'] as const;
export type PlannerName = SchedulerName | (typeof OTHER_SCHEDULERS)[number];
export const SCHEDULER_NAMES = [...Object.keys(CONFIGS), ...OTHER_SCHEDULERS] as PlannerName[];

/**
 * Fresh scheduler instances by name, with the given fixes in force (default: all). The fixes are
 * the gpulet artifact's; parvagpu has its own departures, always in force (parvagpu.ts).
 */
export const SCHEDULERS: Record<PlannerName, (fixes?: Fixes) => Scheduler> = {
  temporal: (fixes = ALL_FIXES) => new ElasticScheduler({ ...CONFIGS.temporal, fixes }),
  'temporal-nocheck': (fixes = ALL_FIXES) => new ElasticScheduler({ ...CONFIGS['temporal-nocheck'], fixes }),
  greedy: (fixes = ALL_FIXES) => new ElasticScheduler({ ...CONFIGS.greedy, fixes }),
  gpulet: (fixes = ALL_FIXES) => new ElasticScheduler({ ...CONFIGS.gpulet, fixes }),
  'gpulet-int': (fixes = ALL_FIXES) => new ElasticScheduler({ ...CONFIGS['gpulet-int'], fixes }),
  ideal: (fixes = ALL_FIXES) => new ElasticScheduler({ ...CONFIGS.ideal, fixes }, { fullSearch: true }),
  parvagpu: () => new ParvaGpuScheduler(),
  'gpulet-mig': () => new GpuletMigScheduler(),
};
