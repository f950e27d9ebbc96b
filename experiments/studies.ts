/** Registers every study with the experiment registry (imported by the `experiment` command). */
import { register } from './registry.ts';

register();
