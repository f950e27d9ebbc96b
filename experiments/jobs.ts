/**
 * Jobs the worker pool can run: plain functions of structured-clonable arguments. Each worker
 * loads its own profiles (cached per thread).
 */
import { loadContext, type Context } from './context.ts';
import { maxRate, type MaxRateOptions, type MaxRateResult } from './maxrate.ts';
import { colocationModel } from '../sim/colocation.ts';

const contexts = new Map<string, Context>();
function context(profiles: string | undefined): Context {
  const key = profiles ?? '';
  let ctx = contexts.get(key);
  if (ctx === undefined) {
    ctx = loadContext({ profiles });
    contexts.set(key, ctx);
  }
  return ctx;
}

/** Max-rate search arguments that cross a thread boundary (functions become names). */
export type MaxRateJob = Omit<MaxRateOptions, 'colocation' | 'onRate'> & { interference?: string; profiles?: string };

export const JOBS = {
  maxrate: (a: MaxRateJob): MaxRateResult => {
    const { interference, profiles, ...opts } = a;
    return maxRate({ ...opts, colocation: interference === undefined ? undefined : () => colocationModel(interference) }, context(profiles));
  },
};

export type JobName = keyof typeof JOBS;
export type JobArgs<J extends JobName> = Parameters<(typeof JOBS)[J]>[0];
export type JobResult<J extends JobName> = ReturnType<(typeof JOBS)[J]>;
