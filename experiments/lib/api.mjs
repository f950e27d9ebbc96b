// The package's JavaScript entry (`import { plan, simulate } from 'gpulet'`): loads the TypeScript
// API (api.ts, where the types and docs live) through tsx, scoped to this import.
import { tsImport } from 'tsx/esm/api';

const api = await tsImport('./api.ts', import.meta.url);

export const {
  plan,
  simulate,
  simulateAutoscale,
  maxRate,
  loadWorkload,
  loadContext,
  resolveWorkload,
  gpuTypes,
  SCHEDULER_NAMES,
  FIX_NAMES,
  BUILTIN_WORKLOADS,
  InputError,
  runConfig,
  compareRuns,
  RequestTable,
  BatchTable,
  ChromeTimeline,
  fanOut,
  CONFIG_SCHEMA,
} = api;
