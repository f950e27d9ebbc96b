/**
 * Why our numbers differ from the paper's, as data: each figure (experiments/studies/NAME/figure.ts)
 * lists its notes, and the report quotes the first whose item pattern matches a comparison that
 * differs by more than 15 %. Every note must be justified from the code or the reference, and say
 * where; a difference no note covers is printed as "unexplained". Here: the note type, the
 * explanations several figures share, and who owns each figure's slot.
 */

export interface Note {
  /** Matched against the comparison's `item`. */
  item: RegExp;
  text: string;
}

/** Shared explanations for the maximum-rate figures (why ours runs higher than the paper's). */
export const PLAN_BOUND =
  "Most of our maxima are set by the plan (the `failure` column of fig12.csv says 'plan infeasible' for them), the paper's by violations measured on real servers. The simulated GPU runs the profiled latency plus the measured batching cost, with small log-normal jitter and the calibrated interference, while the scheduler plans with its safety factor on the latency and its conservative batching multipliers; so a plan the scheduler accepts rarely breaks the SLO in simulation (experiment promises counts how rarely). Real servers add what we do not simulate: the network between frontend and backends, request generation and framework variance.";
export const COMPLETED_PROFILES =
  'This workload is mostly models whose latency profile we had to complete (MnasNet, MobileNet-V2, DenseNet-161, BERT, LeNet; sim/profiles/completion.ts, with its leave-one-out error in results/profile-loo-summary.csv). The completed small models come out cheap at small partitions, which is where partitioning gains most, so gpulet and greedy gain more than the paper measured.';
export const FALLBACK =
  "With every fix gpulet-int also tries ideal's fixed layouts near the one its elastic partitioning failed with (fix layout-fallback) and plans for a little more demand where a rate falls between two that plan (fix fill-holes); `--fixes none` runs the artifact's rules alone.";

/** Who fills in the explanations for a figure whose study they own (a slot, not an excuse). */
export const OWNERS: Readonly<Record<string, string>> = {
  fig5: 'the lead',
  fig12: 'the lead',
  fig13: 'the lead',
  fig15: 'the lead',
  fig16: 'the lead',
  fig14: 'the dynamic-load engineer',
  fidelity: 'the real-backend engineer',
};

/** The sentence for a difference no note of its figure covers (with the owner's slot). */
export function unexplained(figure: string): string {
  const owner = OWNERS[figure];
  return owner
    ? `Unexplained. **[slot for ${owner}: add a note to \`notes\` in experiments/studies/${figure}/figure.ts]**`
    : 'Unexplained.';
}
