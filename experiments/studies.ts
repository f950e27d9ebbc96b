/** Registers every study with the experiment registry (imported by the `experiment` command). */
import { register } from './registry.ts';
import { fig6 } from './fig6.ts';
import { fig10 } from './fig10.ts';
import { fig12 } from './fig12.ts';

register(fig12, fig6, fig10);
