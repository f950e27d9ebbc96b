/** Registers every study with the experiment registry (imported by the `experiment` command). */
import { register } from './registry.ts';
import { fidelity } from './fidelity.ts';
import { fig6 } from './fig6.ts';
import { fig10 } from './fig10.ts';
import { fig5 } from './fig5.ts';
import { fig12 } from './fig12.ts';
import { fig13 } from './fig13.ts';
import { fig14 } from './fig14.ts';
import { fig15 } from './fig15.ts';
import { fig16 } from './fig16.ts';
import { promises } from './promises.ts';
import { mixes } from './mixes.ts';
import { bursts } from './bursts.ts';

register(fig5, fig12, fig13, fig15, fig16, fig6, fig10);
register(fidelity);
register(fig14, bursts);
register(promises, mixes);
