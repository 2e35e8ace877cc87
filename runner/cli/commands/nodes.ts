import path from 'node:path';
import { Option } from 'commander';
import { DEFAULT_SEED } from '../../defaults.ts';
import { PROFILE_CODES } from '../../../fixtures/profiles/index.ts';
import type { CliCommandModule } from '../index.ts';
import { DEFAULT_TIMING } from '../../../mock-nodes/timing.ts';

const NODES_DEFAULT_PULL_INTERVAL_MS = DEFAULT_TIMING.pullIntervalMs;
import { DEFAULT_HUB_DATA, DEFAULT_HUB_PORT } from './hub.ts';
import type { StartFlags } from './nodes.action.ts';
import { nodesCliMessages } from './nodes.messages.ts';

// `ecert nodes start`: the mock national nodes as real HTTPS servers, for missions against a real
// hub (or the reference hub started with `ecert hub start`). `--countries` selects which
// countries are mocked, so a tester can run one country's real node with the others as mocks.
// The nodes (msw, the test PKI) are loaded from nodes.action.ts only when a command runs.

export const DEFAULT_NODES_DATA = '.ecert-nodes';
export const DEFAULT_NODES_PORT_BASE = 9443;
// The same seed as runs: `ecert nodes` and `ecert run` then use the same test PKI and node certificates.
export const DEFAULT_NODES_SEED = DEFAULT_SEED;
export const DEFAULT_HUB_URL = `https://127.0.0.1:${DEFAULT_HUB_PORT}`;
export const HUB_TLS = { ca: 'ca.pem', cert: 'operator-cert.pem', key: 'operator-key.pem' };

export type T = (key: Parameters<typeof nodesCliMessages.t>[1], params?: Parameters<typeof nodesCliMessages.t>[2]) => string;

const actions = () => import('./nodes.action.ts');

export const nodesCommand: CliCommandModule = {
  register(program, ctx) {
    const t: T = (key, params) => nodesCliMessages.t(ctx.lang, key, params);
    const hubTls = (name: string) => path.join(DEFAULT_HUB_DATA, 'tls', name);
    const nodes = program.command('nodes').description(t('nodes.description'));
    nodes
      .command('start')
      .description(t('start.description'))
      .addOption(new Option('--countries <list>', t('option.countries', { known: PROFILE_CODES.join(',') })))
      .addOption(new Option('--hub <url>', t('option.hub', { url: DEFAULT_HUB_URL })))
      .addOption(new Option('--hub-ca <file>', t('option.hubCa', { file: hubTls(HUB_TLS.ca) })))
      .addOption(new Option('--operator-cert <file>', t('option.operatorCert', { file: hubTls(HUB_TLS.cert) })))
      .addOption(new Option('--operator-key <file>', t('option.operatorKey', { file: hubTls(HUB_TLS.key) })))
      .addOption(new Option('--port-base <n>', t('option.portBase', { port: DEFAULT_NODES_PORT_BASE })))
      .addOption(new Option('--bind <addr>', t('option.bind')))
      .addOption(new Option('--public-url <url>', t('option.publicUrl')))
      .addOption(new Option('--hub-client-ca <file>', t('option.hubClientCa')))
      .addOption(new Option('--control-port <n>', t('option.controlPort')))
      .addOption(new Option('--pull-interval <ms>', t('option.pullInterval', { ms: NODES_DEFAULT_PULL_INTERVAL_MS })))
      .addOption(new Option('--data <dir>', t('option.data', { dir: DEFAULT_NODES_DATA })))
      .addOption(new Option('--seed <seed>', t('option.seed', { seed: DEFAULT_NODES_SEED })))
      .action(async (flags: StartFlags) => (await actions()).start(flags, ctx));
    nodes
      .command('server-ca')
      .description(t('serverCa.description'))
      .addOption(new Option('--data <dir>', t('option.data', { dir: DEFAULT_NODES_DATA })))
      .addOption(new Option('--seed <seed>', t('option.seed', { seed: DEFAULT_NODES_SEED })))
      .action(async (flags: { data?: string; seed?: string }) => (await actions()).serverCa(flags, ctx));
  },
};
