import fs from 'node:fs';
import path from 'node:path';
import { createTestPki } from '../../../fixtures/pki.ts';
import { PROFILE_CODES, loadProfiles } from '../../../fixtures/profiles/index.ts';
import { HubError, HubUnreachableError } from '../../../protocol/hub-contract.ts';
import { createHttpHubClient } from '../../../protocol/hub-http.ts';
import { DEFAULT_TIMING, type ServerNodes, nodeServerCaPem, startServerNodes } from '../../../mock-nodes/index.ts';
import { CliError, EXIT, UnreachableError, UsageError } from '../errors.ts';
import type { CliContext } from '../index.ts';
import { DEFAULT_HUB_DATA } from './hub.ts';
import { DEFAULT_HUB_URL, DEFAULT_NODES_DATA, DEFAULT_NODES_PORT_BASE, DEFAULT_NODES_SEED, HUB_TLS, type T } from './nodes.ts';
import { nodesCliMessages } from './nodes.messages.ts';
import { untilSignal } from '../signals.ts';

// What `ecert nodes start` and `ecert nodes server-ca` do; nodes.ts registers the commands and
// loads this module only when one of them runs.

export interface StartFlags {
  countries?: string;
  hub?: string;
  hubCa?: string;
  operatorCert?: string;
  operatorKey?: string;
  portBase?: string;
  bind?: string;
  publicUrl?: string;
  hubClientCa?: string;
  controlPort?: string;
  pullInterval?: string;
  data?: string;
  seed?: string;
}

/** The innermost cause's message: what actually went wrong on the wire (refused, TLS, ...). */
function rootMessage(error: unknown): string {
  let e = error as { message?: string; cause?: unknown };
  for (let depth = 0; e?.cause && depth < 6; depth++) e = e.cause as { message?: string; cause?: unknown };
  return e?.message ?? String(error);
}

function wholeNumber(t: T, value: string, option: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < min || n > max) throw new UsageError(t('error.badNumber', { value, option, min, max }));
  return n;
}

function readPem(t: T, cwd: string, option: string, file: string): string {
  const full = path.resolve(cwd, file);
  try {
    return fs.readFileSync(full, 'utf8');
  } catch (error) {
    throw new UsageError(t('error.readFile', { option, file: full, message: (error as Error).message }), t('error.readFile.hint'));
  }
}

export async function start(given: StartFlags, ctx: CliContext): Promise<void> {
  const t: T = (key, params) => nodesCliMessages.t(ctx.lang, key, params);
  // Defaults here rather than in commander, whose "(default: ...)" would not be localized.
  const flags = {
    ...given,
    hub: given.hub ?? DEFAULT_HUB_URL,
    portBase: given.portBase ?? String(DEFAULT_NODES_PORT_BASE),
    bind: given.bind ?? '127.0.0.1',
    pullInterval: given.pullInterval ?? String(DEFAULT_TIMING.pullIntervalMs),
    data: given.data ?? DEFAULT_NODES_DATA,
    seed: given.seed ?? DEFAULT_NODES_SEED,
  };
  const cwd = ctx.io.cwd;

  // Which countries are mocked.
  const wanted = flags.countries === undefined ? [...PROFILE_CODES] : flags.countries.split(',').map((c) => c.trim().toUpperCase()).filter(Boolean);
  if (!wanted.length) throw new UsageError(t('error.noCountries'), t('error.unknownCountry.hint', { known: PROFILE_CODES.join(', ') }));
  const unknown = wanted.filter((c) => !PROFILE_CODES.includes(c));
  if (unknown.length) {
    throw new UsageError(t('error.unknownCountry', { names: unknown.map((c) => `"${c}"`).join(', ') }), t('error.unknownCountry.hint', { known: PROFILE_CODES.join(', ') }));
  }
  const profiles = loadProfiles(wanted);

  // Where the hub is and how to trust and administer it.
  let hubUrl: URL;
  try {
    hubUrl = new URL(flags.hub);
    if (hubUrl.protocol !== 'https:') throw new Error('not https');
  } catch {
    throw new UsageError(t('error.badUrl', { value: flags.hub, option: '--hub' }));
  }
  if (flags.publicUrl !== undefined && !/^https:\/\//.test(flags.publicUrl)) throw new UsageError(t('error.badUrl', { value: flags.publicUrl, option: '--public-url' }));
  const portBase = wholeNumber(t, flags.portBase, '--port-base', 0, 65_535 - profiles.length);
  const controlPort = flags.controlPort !== undefined ? wholeNumber(t, flags.controlPort, '--control-port', 0, 65_535) : portBase ? portBase + 100 : 0;
  const pullIntervalMs = wholeNumber(t, flags.pullInterval, '--pull-interval', 10, 3_600_000);
  const hubTlsDir = path.resolve(cwd, DEFAULT_HUB_DATA, 'tls');
  const defaultFile = (name: string) => {
    const file = path.join(hubTlsDir, name);
    return fs.existsSync(file) ? file : undefined;
  };
  const hubCaFile = flags.hubCa ?? defaultFile(HUB_TLS.ca);
  if (!hubCaFile) throw new UsageError(t('error.noHubCa', { file: path.join(hubTlsDir, HUB_TLS.ca) }), t('error.noHubCa.hint'));
  const hubCa = readPem(t, cwd, '--hub-ca', hubCaFile);
  const usingDefaultOperator = flags.operatorCert === undefined && flags.operatorKey === undefined;
  const operatorCertFile = flags.operatorCert ?? (usingDefaultOperator ? defaultFile(HUB_TLS.cert) : undefined);
  const operatorKeyFile = flags.operatorKey ?? (usingDefaultOperator ? defaultFile(HUB_TLS.key) : undefined);
  if (Boolean(operatorCertFile) !== Boolean(operatorKeyFile)) throw new UsageError(t('error.partialOperator'));
  const operator =
    operatorCertFile && operatorKeyFile ? { cert: readPem(t, cwd, '--operator-cert', operatorCertFile), key: readPem(t, cwd, '--operator-key', operatorKeyFile) } : undefined;
  const hubClientCa = flags.hubClientCa ? readPem(t, cwd, '--hub-client-ca', flags.hubClientCa) : undefined;

  // Is the hub there at all? (health needs no client certificate)
  const probe = createHttpHubClient({ baseUrl: hubUrl.href, tls: { ca: hubCa }, timeoutMs: 15_000, lang: ctx.lang });
  try {
    await probe.health();
  } catch (error) {
    if (error instanceof HubUnreachableError) {
      throw new UnreachableError(t('error.hubUnreachable', { url: hubUrl.origin, code: error.errorCode, message: rootMessage(error) }), t('error.hubUnreachable.hint'));
    }
    throw error;
  } finally {
    await probe.close();
  }

  // Certificates the nodes and the hub operator need, written where a tester can hand them over.
  const dataDir = path.resolve(cwd, flags.data);
  const pki = createTestPki({ seed: flags.seed, profiles: loadProfiles() });
  const clientCerts = new Map<string, string>();
  try {
    fs.mkdirSync(path.join(dataDir, 'logs'), { recursive: true });
    for (const profile of profiles) {
      const dir = path.join(dataDir, profile.code);
      fs.mkdirSync(dir, { recursive: true });
      const own = pki.country(profile.code);
      const certFile = path.join(dir, 'client-cert.pem');
      fs.writeFileSync(certFile, own.node.pem);
      fs.writeFileSync(path.join(dir, 'client-key.pem'), own.node.keyPem, { mode: 0o600 });
      fs.writeFileSync(path.join(dir, 'ca.pem'), `${own.root.pem}${own.issuingCa.pem}`);
      fs.writeFileSync(path.join(dir, 'signer-cert.pem'), own.signer.pem);
      clientCerts.set(profile.code, certFile);
    }
  } catch (error) {
    throw new CliError(t('error.data', { dir: dataDir, message: (error as Error).message }), EXIT.usage, t('error.data.hint'));
  }

  let nodes: ServerNodes;
  try {
    nodes = await startServerNodes({
      hub: { url: hubUrl.origin + hubUrl.pathname.replace(/\/+$/, ''), ca: hubCa, ...(operator ? { operator } : {}) },
      profiles,
      pki,
      seed: flags.seed,
      timing: { ...DEFAULT_TIMING, pullIntervalMs },
      logDir: path.join(dataDir, 'logs'),
      portBase,
      controlPort,
      bind: flags.bind,
      ...(flags.publicUrl ? { publicUrl: flags.publicUrl } : {}),
      ...(hubClientCa ? { hubClientCa } : {}),
      hostnames: flags.publicUrl && !flags.publicUrl.includes('{') ? [new URL(flags.publicUrl).hostname.replace(/^\[|\]$/g, '')] : [],
    });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { address?: string; port?: number };
    if (e.code === 'EADDRINUSE' || e.code === 'EACCES' || e.code === 'EADDRNOTAVAIL') {
      throw new CliError(t('error.listen', { bind: flags.bind, port: e.port ?? portBase, message: e.message }), EXIT.unreachable, t('error.listen.hint'));
    }
    if (error instanceof HubUnreachableError) {
      throw new UnreachableError(t('error.hubUnreachable', { url: hubUrl.origin, code: error.errorCode, message: rootMessage(error) }), t('error.hubUnreachable.hint'));
    }
    if (error instanceof HubError) {
      const country = /^[A-Z]{2}$/.test(String((error.details as { country?: unknown })?.country ?? '')) ? String((error.details as { country: string }).country) : wanted.join(', ');
      throw new CliError(t('error.register', { country, message: `${error.status} ${error.code}: ${error.message}` }), EXIT.usage, t('error.register.hint'));
    }
    throw error;
  }
  const serverCaFile = path.join(dataDir, 'server-ca.pem');
  fs.writeFileSync(serverCaFile, nodes.serverCaPem);

  const out: string[] = [t('started.title', { hub: hubUrl.origin })];
  for (const profile of profiles) {
    const node = nodes.node(profile.code);
    const line =
      node.delivery.mode === 'push'
        ? t('started.push', { country: profile.code, url: node.delivery.callbackUrl })
        : t('started.pull', { country: profile.code, ms: pullIntervalMs });
    out.push(`  ${line}`, `      ${t('started.clientCert', { file: clientCerts.get(profile.code)! })}`);
  }
  const real = PROFILE_CODES.filter((c) => !wanted.includes(c));
  if (real.length) out.push(t('started.real', { countries: real.join(', ') }));
  out.push(t('started.serverCa', { file: serverCaFile }));
  out.push(operator ? t('started.registered') : t('started.notRegistered', { dir: dataDir }));
  out.push(t('started.control', { url: nodes.control.url }));
  out.push(t('started.logs', { dir: path.join(dataDir, 'logs') }));
  out.push(t('started.stop'));
  ctx.io.stdout(`${out.join('\n')}\n`);

  await untilSignal();
  await nodes.stop();
  ctx.io.stdout(`${t('stopped', { dir: path.join(dataDir, 'logs') })}\n`);
}

/** `ecert nodes server-ca`: the CA is derived from the seed, so it can be handed to the hub before any node runs. */
export function serverCa(flags: { data?: string; seed?: string }, ctx: CliContext): void {
  const t: T = (key, params) => nodesCliMessages.t(ctx.lang, key, params);
  const dataDir = path.resolve(ctx.io.cwd, flags.data ?? DEFAULT_NODES_DATA);
  const file = path.join(dataDir, 'server-ca.pem');
  try {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(file, nodeServerCaPem(flags.seed ?? DEFAULT_NODES_SEED));
  } catch (error) {
    throw new CliError(t('error.data', { dir: dataDir, message: (error as Error).message }), EXIT.usage, t('error.data.hint'));
  }
  ctx.io.stdout(`${t('serverCa.written', { file })}\n`);
}
