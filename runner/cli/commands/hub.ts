import { Option } from 'commander';
import { DEFECTS } from '../../../reference-hub/defects.ts';
import type { CliCommandModule } from '../index.ts';
import { DEFAULT_RETRY as HUB_DEFAULT_RETRY } from '../../../reference-hub/defaults.ts';
import type { StartFlags } from './hub.action.ts';
import { hubCliMessages } from './hub.messages.ts';

// `ecert hub start` runs the reference hub in the foreground (until SIGINT / SIGTERM) and writes
// the files a client needs into DATA/tls/; `ecert hub defects` lists the defect switches.
// Starting a hub needs fastify and SQLite: hub.action.ts is loaded only then, so help is fast.

export const DEFAULT_HUB_PORT = 8443;
export const DEFAULT_HUB_DATA = '.ecert-hub';
export const DEFAULT_HUB_SEED = 'ecert-reference-hub';
const DAY = 24 * 3_600_000;

const collect = (value: string, previous: string[] = []) => [...previous, value];
const actions = () => import('./hub.action.ts');

export const hubCommand: CliCommandModule = {
  register(program, ctx) {
    const t = (key: Parameters<typeof hubCliMessages.t>[1], params?: Parameters<typeof hubCliMessages.t>[2]) => hubCliMessages.t(ctx.lang, key, params);
    const hub = program.command('hub').description(t('hub.description'));
    hub
      .command('start')
      .description(t('start.description'))
      .addOption(new Option('--port <port>', t('option.port', { port: DEFAULT_HUB_PORT })).default(String(DEFAULT_HUB_PORT)))
      .addOption(new Option('--host <host>', t('option.host')).default('127.0.0.1'))
      .addOption(new Option('--data <dir>', t('option.data', { dir: DEFAULT_HUB_DATA })).default(DEFAULT_HUB_DATA))
      .addOption(new Option('--defect <name>', t('option.defect')).argParser(collect))
      .addOption(new Option('--no-test-mode', t('option.noTestMode')))
      .addOption(new Option('--seed <seed>', t('option.seed', { seed: DEFAULT_HUB_SEED })).default(DEFAULT_HUB_SEED))
      .addOption(new Option('--retry-attempts <n>', t('option.retryAttempts', { value: HUB_DEFAULT_RETRY.attempts })))
      .addOption(new Option('--retry-base-ms <ms>', t('option.retryBase', { value: HUB_DEFAULT_RETRY.baseDelayMs })))
      .addOption(new Option('--retention <ms>', t('option.retention', { value: DAY })))
      .addOption(new Option('--pull-window <ms>', t('option.pullWindow', { value: DAY })))
      .addOption(new Option('--delivery-ca <file>', t('option.deliveryCa')).argParser(collect))
      .action(async (flags: StartFlags) => (await actions()).start(flags, ctx));
    hub
      .command('defects')
      .description(t('defects.description'))
      .option('--json', t('option.json'))
      .action((flags: { json?: boolean }) => {
        if (flags.json) {
          ctx.io.stdout(`${JSON.stringify(DEFECTS, null, 2)}\n`);
          return;
        }
        ctx.io.stdout(`${t('defects.header', { count: DEFECTS.length })}\n`);
        for (const d of DEFECTS) {
          ctx.io.stdout(`\n  ${d.name}\n    ${d.description[ctx.lang]}\n    ${t('defects.breaks', { rule: d.breaks.rule, text: d.breaks.text[ctx.lang] })}\n`);
        }
      });
  },
};
