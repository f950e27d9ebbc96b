#!/usr/bin/env node
// `npx gpulet ...`: the CLI (bin.ts) through tsx, so an install without dev dependencies runs it.
import { tsImport } from 'tsx/esm/api';

await tsImport('./bin.ts', import.meta.url);
