/**
 * An SLO sweep through the public API: for each rate, plan scen3 with two schedulers and serve each
 * plan on simulated GPUs with three seeds; print the violation percentage (mean of the seeds).
 *
 *   node --import tsx examples/slo-sweep.ts [--quick]
 */
import { plan, simulate } from 'gpulet';

const quick = process.argv.includes('--quick');
const rates = quick ? [400, 1200] : [300, 600, 900, 1200, 1500, 1800];
const schedulers = ['temporal', 'gpulet-int'];
const seeds = quick ? [1] : [1, 2, 3];

console.log(['rate_rps', ...schedulers.map((s) => `${s}_violation_pct`)].join(','));
for (const rate of rates) {
  const cells = schedulers.map((s) => {
    const p = plan('scen3', s, { rate });
    if (!p.feasible) return 'infeasible';
    const pct = seeds.map((seed) => simulate('scen3', p, { rate, seed, durationS: quick ? 5 : 20 }).slo_violation_pct);
    return (pct.reduce((a, b) => a + b, 0) / pct.length).toFixed(3);
  });
  console.log([rate, ...cells].join(','));
}
