import { type Command, Option } from 'commander';
import { UsageError } from '../errors.ts';
import type { CliCommandModule, CliContext } from '../index.ts';
import type { RunRequest } from '../../selection.ts';

// run.ts pulls in vitest; it is loaded only when a run starts, so other commands start fast.
const executeRun: typeof import('../../run.ts').executeRun = async (...args) => (await import('../../run.ts')).executeRun(...args);
import { runMessages } from './run.messages.ts';

const collect = (value: string, previous: string[] = []) => [...previous, value];

function positiveInt(ctx: CliContext, option: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(runMessages.t(ctx.lang, 'error.badNumber', { value, option }));
    return n;
  };
}

interface RunFlags {
  hub?: string;
  config?: string;
  countries?: string[];
  category?: string[];
  case?: string;
  tag?: string[];
  seed?: string;
  out?: string;
  rerunFailed?: string;
  shard?: string;
  json?: boolean;
  defect?: string[];
  concurrency?: number;
  perPair?: number;
}

function request(flags: RunFlags, ctx: CliContext, kind: RunRequest['kind']): RunRequest {
  return {
    cwd: ctx.io.cwd,
    kind,
    ...(flags.config ? { configFile: flags.config } : {}),
    ...(flags.hub ? { hubUrl: flags.hub } : {}),
    ...(flags.countries ? { countries: flags.countries } : {}),
    ...(flags.category ? { categories: flags.category } : {}),
    ...(flags.case ? { pattern: flags.case } : {}),
    ...(flags.tag ? { tags: flags.tag } : {}),
    ...(flags.seed ? { seed: flags.seed } : {}),
    ...(flags.out ? { out: flags.out } : {}),
    ...(flags.rerunFailed ? { rerunFailed: flags.rerunFailed } : {}),
    ...(flags.shard ? { shard: flags.shard } : {}),
    ...(flags.json ? { json: true } : {}),
    ...(flags.defect ? { defects: flags.defect } : {}),
    ...(flags.concurrency ? { concurrency: flags.concurrency } : {}),
    ...(flags.perPair ? { perPair: flags.perPair } : {}),
  };
}

/** The options that select cases (shared by `run` and `cases`). */
export function selectionOptions(cmd: Command, ctx: CliContext): Command {
  const m = (key: Parameters<typeof runMessages.t>[1]) => runMessages.t(ctx.lang, key);
  return cmd
    .option('--config <file>', m('option.config'))
    .option('--countries <list>', m('option.countries'), collect)
    .option('--category <name>', m('option.category'), collect)
    .option('--case <pattern>', m('option.case'))
    .option('--tag <tag>', m('option.tag'), collect);
}

export const runCommand: CliCommandModule = {
  register(program, ctx) {
    const m = (key: Parameters<typeof runMessages.t>[1]) => runMessages.t(ctx.lang, key);
    selectionOptions(program.command('run').description(m('run.description')).option('--hub <url>', m('option.hub')), ctx)
      .option('--seed <seed>', m('option.seed'))
      .option('--out <dir>', m('option.out'))
      .option('--rerun-failed <runDir>', m('option.rerunFailed'))
      .option('--shard <i/n>', m('option.shard'))
      .option('--json', m('option.json'))
      .addOption(new Option('--defect <name>', m('option.defect')).argParser(collect))
      .option('--concurrency <n>', m('option.concurrency'), positiveInt(ctx, '--concurrency'))
      .action(async (flags: RunFlags) => {
        const outcome = await executeRun(request(flags, ctx, 'catalog'), ctx);
        ctx.setExitCode(outcome.exitCode);
      });

    program
      .command('pilot')
      .description(m('pilot.description'))
      .option('--per-pair <n>', m('option.perPair'), positiveInt(ctx, '--per-pair'))
      .option('--hub <url>', m('option.hub'))
      .option('--config <file>', m('option.config'))
      .option('--countries <list>', m('option.countries'), collect)
      .option('--seed <seed>', m('option.seed'))
      .option('--out <dir>', m('option.out'))
      .option('--json', m('option.json'))
      .option('--concurrency <n>', m('option.concurrency'), positiveInt(ctx, '--concurrency'))
      .action(async (flags: RunFlags) => {
        const outcome = await executeRun({ ...request(flags, ctx, 'pilot'), perPair: flags.perPair ?? 10 }, ctx);
        ctx.setExitCode(outcome.exitCode);
      });
  },
};
