import fs from 'node:fs';
import path from 'node:path';
import { DEFECT_NAMES, isDefectName, type ReferenceHub, startReferenceHub } from '../../../reference-hub/index.ts';
import { CliError, EXIT, UsageError } from '../errors.ts';
import type { CliContext } from '../index.ts';
import { hubCliMessages } from './hub.messages.ts';
import { untilSignal } from '../signals.ts';

// What `ecert hub start` does; hub.ts registers the command and loads this module (fastify,
// SQLite) only when a hub actually starts.

export interface StartFlags {
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

export async function start(flags: StartFlags, ctx: CliContext): Promise<void> {
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

