import fs from 'node:fs';
import path from 'node:path';
import { Option } from 'commander';
import { DEFAULT_RETRY, DEFECTS, DEFECT_NAMES, isDefectName, type ReferenceHub, startReferenceHub } from '../../../reference-hub/index.ts';
import { CliError, EXIT, UsageError } from '../errors.ts';
import type { CliCommandModule, CliContext } from '../index.ts';
import { hubCliMessages } from './hub.messages.ts';

// `ecert hub start` runs the reference hub in the foreground (until SIGINT / SIGTERM) and writes
// the files a client needs into DATA/tls/; `ecert hub defects` lists the defect switches.

export const DEFAULT_HUB_PORT = 8443;
export const DEFAULT_HUB_DATA = '.ecert-hub';
export const DEFAULT_HUB_SEED = 'ecert-reference-hub';
const DAY = 24 * 3_600_000;

const collect = (value: string, previous: string[] = []) => [...previous, value];

interface StartFlags {
  port: string;
  host: string;
  data: string;
  defect?: string[];
  testMode: boolean;
  seed: string;
  retryAttempts?: string;
  retryBaseMs?: string;
  retention?: string;
  pullWindow?: string;
  deliveryCa?: string[];
}

function wholeNumber(ctx: CliContext, value: string | undefined, option: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(hubCliMessages.t(ctx.lang, 'error.badNumber', { value, option, min }));
  return n;
}

/** Wait for SIGINT or SIGTERM (the hub runs in the foreground). */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

async function start(flags: StartFlags, ctx: CliContext): Promise<void> {
  const t = (key: Parameters<typeof hubCliMessages.t>[1], params?: Parameters<typeof hubCliMessages.t>[2]) => hubCliMessages.t(ctx.lang, key, params);
  const defects = flags.defect ?? [];
  const unknown = defects.filter((d) => !isDefectName(d));
  if (unknown.length) {
    throw new UsageError(t('error.unknownDefect', { names: unknown.map((n) => `"${n}"`).join(', ') }), t('error.unknownDefect.hint', { known: DEFECT_NAMES.join(', ') }));
  }
  const port = Number(flags.port);
  if (!/^\d+$/.test(flags.port) || port > 65535) throw new UsageError(t('error.badPort', { value: flags.port }));
  const attempts = wholeNumber(ctx, flags.retryAttempts, '--retry-attempts', 1);
  const baseDelayMs = wholeNumber(ctx, flags.retryBaseMs, '--retry-base-ms', 0);
  const retentionMs = wholeNumber(ctx, flags.retention, '--retention', 0);
  const pullWindowMs = wholeNumber(ctx, flags.pullWindow, '--pull-window', 0);

  const deliveryCa = (flags.deliveryCa ?? []).map((file) => {
    try {
      return fs.readFileSync(path.resolve(ctx.io.cwd, file), 'utf8');
    } catch (error) {
      throw new UsageError(t('error.deliveryCa', { file, message: (error as Error).message }));
    }
  });
  const dataDir = path.resolve(ctx.io.cwd, flags.data);
  const tlsDir = path.join(dataDir, 'tls');
  let hub: ReferenceHub;
  try {
    fs.mkdirSync(tlsDir, { recursive: true });
  } catch (error) {
    throw new CliError(t('error.data', { dir: dataDir, message: (error as Error).message }), EXIT.usage, t('error.data.hint'));
  }
  try {
    hub = await startReferenceHub({
      dataDir,
      port,
      host: flags.host,
      tlsSeed: flags.seed,
      testMode: flags.testMode,
      defects,
      retry: { ...(attempts !== undefined ? { attempts } : {}), ...(baseDelayMs !== undefined ? { baseDelayMs } : {}) },
      ...(retentionMs !== undefined ? { retentionMs } : {}),
      ...(pullWindowMs !== undefined ? { pullWindowMs } : {}),
      ...(deliveryCa.length ? { deliveryTls: { ca: deliveryCa } } : {}),
    });
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') throw new CliError(t('error.portInUse', { port, host: flags.host }), EXIT.unreachable, t('error.portInUse.hint'));
    if (e.code === 'EACCES' || e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') {
      throw new CliError(t('error.listen', { host: flags.host, port, message: e.message }), EXIT.unreachable, t('error.listen.hint'));
    }
    if (e.code === 'SQLITE_CANTOPEN' || e.code === 'EACCES' || e.code === 'EROFS' || /schema version/.test(e.message)) {
      throw new CliError(t('error.data', { dir: dataDir, message: e.message }), EXIT.usage, t('error.data.hint'));
    }
    throw error;
  }

  const files = { ca: path.join(tlsDir, 'ca.pem'), cert: path.join(tlsDir, 'operator-cert.pem'), key: path.join(tlsDir, 'operator-key.pem') };
  fs.writeFileSync(files.ca, hub.caPem);
  fs.writeFileSync(files.cert, hub.operator.cert);
  fs.writeFileSync(files.key, hub.operator.key, { mode: 0o600 });

  const row = (label: string, value: string) => `  ${label.padEnd(28)} ${value}\n`;
  ctx.io.stdout(
    `${t('started.title')}\n` +
      row(t('started.url'), hub.url) +
      row(t('started.ca'), files.ca) +
      row(t('started.operatorCert'), files.cert) +
      row(t('started.operatorKey'), files.key) +
      row(t('started.data'), dataDir) +
      row(t('started.testMode'), flags.testMode ? t('started.on') : t('started.off')) +
      row(t('started.defects'), hub.defects.length ? hub.defects.join(', ') : t('started.none')) +
      `${t('started.example', { ...files, url: hub.url })}\n${t('started.stop')}\n`,
  );
  await untilSignal();
  await hub.close();
  ctx.io.stdout(`${t('stopped', { dir: dataDir })}\n`);
}

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
      .addOption(new Option('--retry-attempts <n>', t('option.retryAttempts', { value: DEFAULT_RETRY.attempts })))
      .addOption(new Option('--retry-base-ms <ms>', t('option.retryBase', { value: DEFAULT_RETRY.baseDelayMs })))
      .addOption(new Option('--retention <ms>', t('option.retention', { value: DAY })))
      .addOption(new Option('--pull-window <ms>', t('option.pullWindow', { value: DAY })))
      .addOption(new Option('--delivery-ca <file>', t('option.deliveryCa')).argParser(collect))
      .action((flags: StartFlags) => start(flags, ctx));
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
