/**
 * The CLI's commands, in --help order. Each command is one file in this folder exporting a
 * `Command`; add a new one here.
 */
import type { CommandModule } from 'yargs';
import type { Common, Io } from './common.ts';
import { schedule } from './schedule.ts';
import { simulate } from './simulate.ts';
import { maxrate } from './maxrate.ts';
import { experiment } from './experiment.ts';
import { interference } from './interference.ts';
import { figures } from './figures.ts';
import { models } from './models.ts';
import { profile } from './profile.ts';
import { serve } from './serve.ts';
import { bench } from './bench.ts';
import { fixes } from './fixes.ts';
import { run } from './run.ts';
import { joinCmd } from './join.ts';
import { compare } from './compare.ts';

export type { Io } from './common.ts';

// biome-ignore lint/suspicious/noExplicitAny: each command has its own argument type; yargs takes them as one list
export function commands(io: Io): CommandModule<Common, any>[] {
  return [
    schedule,
    simulate,
    maxrate,
    fixes,
    run,
    joinCmd,
    compare,
    experiment,
    interference,
    figures,
    serve,
    profile,
    models,
    bench,
  ].map((c) => c(io));
}
