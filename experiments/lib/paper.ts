/**
 * The paper's reported values we compare against (docs/artifact.md#results; [fig]
 * values were read from the paper's vector figures).
 */

export const WORKLOADS = ['game', 'traffic', 'scen1', 'scen2', 'scen3', 'scen4', 'scen5'] as const;

/** Figure 12: maximum SLO-preserving throughput on 4 GPUs, req/s (docs/artifact.md#figure-12-maximum-throughput). */
export const FIG12: Readonly<
  Record<(typeof WORKLOADS)[number], Readonly<Record<'temporal' | 'greedy' | 'gpulet' | 'gpulet-int', number>>>
> = {
  game: { temporal: 690, greedy: 340, gpulet: 1600, 'gpulet-int': 1650 },
  traffic: { temporal: 340, greedy: 440, gpulet: 500, 'gpulet-int': 580 },
  scen1: { temporal: 1880, greedy: 2080, gpulet: 2680, 'gpulet-int': 2800 },
  scen2: { temporal: 820, greedy: 960, gpulet: 1100, 'gpulet-int': 1240 },
  scen3: { temporal: 1290, greedy: 1320, gpulet: 1830, 'gpulet-int': 1890 },
  scen4: { temporal: 900, greedy: 1110, gpulet: 1230, 'gpulet-int': 1290 },
  scen5: { temporal: 1240, greedy: 1280, gpulet: 1520, 'gpulet-int': 1640 },
};

/** Headline ratios (§8.1): gpulet-int over temporal (SBP) and over greedy, means over the 7 workloads. */
export const HEADLINE = { intOverTemporal: 1.617, intOverGreedy: 1.812, intOverGpulet: 1.075 } as const;

/** Figure 13: SLO violation % at the highest rate tested (docs/artifact.md#figure-13-slo-violations-at-the-highest-rate); null: not schedulable. */
export const FIG13: Readonly<
  Record<(typeof WORKLOADS)[number], { rate: number; gpulet: number; 'gpulet-int': number | null }>
> = {
  game: { rate: 1600, gpulet: 0.91, 'gpulet-int': 0.32 },
  traffic: { rate: 500, gpulet: 0.0, 'gpulet-int': 0.09 },
  scen1: { rate: 2800, gpulet: 0.84, 'gpulet-int': 0.85 },
  scen2: { rate: 1300, gpulet: 4.02, 'gpulet-int': null },
  scen3: { rate: 1950, gpulet: 2.96, 'gpulet-int': null },
  scen4: { rate: 1200, gpulet: 0.74, 'gpulet-int': 0.62 },
  scen5: { rate: 1600, gpulet: 1.15, 'gpulet-int': 0.39 },
};

/** Figure 16: gpulet-int's maximum schedulable rate over ideal's (docs/artifact.md#figure-16-against-ideal); mean 0.926. */
export const FIG16: Readonly<Record<(typeof WORKLOADS)[number], number>> = {
  game: 0.94,
  traffic: 0.95,
  scen1: 0.93,
  scen2: 0.95,
  scen3: 0.95,
  scen4: 0.88,
  scen5: 0.88,
};

/** Figure 15: schedulable scenarios of 19,682 (docs/artifact.md#figures-4-and-15-schedulability). */
export const FIG15 = { total: 19_682, ideal: 18_659, 'gpulet-int': 18_139 } as const;

/** Figure 5: SLO-preserved throughput normalised to greedy, two-model pairs on 2 GPUs (docs/artifact.md#figure-5-motivation). */
export const FIG5: ReadonlyArray<{ pair: [string, string]; temporal: number; staticIdeal: number }> = [
  { pair: ['ssd-mobilenetv1', 'bert'], temporal: 0.51, staticIdeal: 1.28 },
  { pair: ['resnet50', 'vgg16'], temporal: 0.83, staticIdeal: 1.26 },
  { pair: ['googlenet', 'mobilenet_v2'], temporal: 0.98, staticIdeal: 1.14 },
  { pair: ['mnasnet1_0', 'densenet161'], temporal: 0.54, staticIdeal: 1.23 },
];
