import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { type ResultPromise, execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestPki } from '../fixtures/pki.ts';
import { loadProfiles } from '../fixtures/profiles/index.ts';
import type { Exchange } from '../protocol/hub-contract.ts';
import { type HttpHubClient, createHttpHubClient } from '../protocol/hub-http.ts';
import { TESTBED_SEED, issueTestDocument, registerCountryTrust } from './testing.ts';
import { hubTlsFromPki } from './tls.ts';

// The store is the truth: the hub runs as a child process, is killed with SIGKILL while a push
// delivery is pending (waiting for a retry, or in flight), is restarted on the same data, and the
// delivery completes exactly once, as the receiving node observes it.

const MAIN = path.join(import.meta.dirname, 'main.ts');
const MINUTE = 60_000;

interface Receiver {
  url: string;
  mode: 'fail' | 'ok' | 'hang';
  requests: Array<{ exchangeId: string; attempt: string; answered: string }>;
  /** Exchange ids acknowledged with a 200 (the effect on the receiving side). */
  acknowledged: string[];
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const hanging: http.ServerResponse[] = [];
  const receiver: Receiver = { url: '', mode: 'fail', requests: [], acknowledged: [], close: async () => undefined };
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const exchangeId = String(req.headers['x-ecert-exchange-id']);
      receiver.requests.push({ exchangeId, attempt: String(req.headers['x-ecert-delivery-attempt']), answered: receiver.mode });
      if (receiver.mode === 'hang') {
        hanging.push(res);
        return;
      }
      if (receiver.mode === 'fail') {
        res.writeHead(503).end();
        return;
      }
      // De-duplicate by exchange id: the effect happens once however often it is delivered.
      if (!receiver.acknowledged.includes(exchangeId)) receiver.acknowledged.push(exchangeId);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ acknowledged: exchangeId }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ecert/deliveries`;
  receiver.close = () =>
    new Promise((r) => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      server.close(() => r());
    });
  return receiver;
}

interface HubProcess {
  url: string;
  proc: ResultPromise;
}

async function startHubProcess(configFile: string): Promise<HubProcess> {
  const proc = execa('node', ['--import', 'tsx', MAIN, configFile], { cwd: path.join(import.meta.dirname, '..'), reject: false, buffer: false });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`hub process did not start: ${err}`)), 30_000);
    proc.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.includes('"listening"'));
      if (line) {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { url: string }).url);
      }
    });
    void proc.then((r) => {
      clearTimeout(timer);
      reject(new Error(`hub process exited early (${String(r.exitCode ?? r.signal)}): ${err}`));
    });
  });
  return { url, proc };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('durability: SIGKILL while a delivery is pending', () => {
  const pki = createTestPki({ seed: TESTBED_SEED, profiles: loadProfiles(['UZ', 'KG']) });
  const tls = hubTlsFromPki(pki.hub);
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setUp(retry: object) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-durability-'));
    cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    const configFile = path.join(dataDir, 'config.json');
    fs.writeFileSync(configFile, JSON.stringify({ dataDir, port: 0, tls, testMode: true, retry }));
    const receiver = await startReceiver();
    cleanups.push(() => receiver.close());
    const start = async () => {
      const hub = await startHubProcess(configFile);
      cleanups.push(async () => {
        if (hub.proc.exitCode === null && !hub.proc.killed) hub.proc.kill('SIGKILL');
        await hub.proc;
      });
      const client = (cert: string, key: string): HttpHubClient => createHttpHubClient({ baseUrl: hub.url, tls: { ca: tls.caPem, cert, key } });
      return { ...hub, operator: client(tls.operatorCertPem, tls.operatorKeyPem), kg: client(pki.country('KG').node.pem, pki.country('KG').node.keyPem) };
    };
    return { receiver, start };
  }

  async function submitOne(hub: { operator: HttpHubClient; kg: HttpHubClient }, receiverUrl: string): Promise<Exchange> {
    for (const cc of ['UZ', 'KG']) await registerCountryTrust(hub.operator, pki, cc);
    await hub.operator.registerNode({ country: 'UZ', certificatePem: pki.country('UZ').node.pem, delivery: { mode: 'push', callbackUrl: receiverUrl } });
    await hub.operator.registerNode({ country: 'KG', certificatePem: pki.country('KG').node.pem, delivery: { mode: 'pull' } });
    const doc = await issueTestDocument(pki, { from: 'KG', to: 'UZ', at: new Date() });
    return (await hub.kg.submit({ pdf: doc.pdf, envelope: doc.envelope, recipient: 'UZ', idempotencyKey: 'durable-1' })).exchange;
  }

  it('a delivery waiting for its retry survives SIGKILL and completes exactly once after restart', async () => {
    const { receiver, start } = await setUp({ attempts: 5, baseDelayMs: 10 * MINUTE, factor: 2, maxDelayMs: 60 * MINUTE, attemptTimeoutMs: 5_000 });
    const first = await start();
    const sent = await submitOne(first, receiver.url);
    const pending = await until('the first failed attempt', async () => {
      const ex = await first.kg.getExchange(sent.exchangeId);
      return ex.delivery.attempts.length === 1 && ex.delivery.nextAttemptAt ? ex : undefined;
    });
    expect(pending.status).toBe('PendingDelivery');
    expect(pending.delivery.attempts[0]).toMatchObject({ outcome: 'error', error: 'HTTP_503' });

    first.proc.kill('SIGKILL');
    const killed = await first.proc;
    expect(killed.signal).toBe('SIGKILL');

    receiver.mode = 'ok';
    const second = await start();
    // The retry is due ten minutes after the first attempt: move the restarted hub's clock there.
    await second.operator.setClock({ offsetMs: 11 * MINUTE });
    const delivered = await until('delivery after restart', async () => {
      const ex = await second.kg.getExchange(sent.exchangeId);
      return ex.status === 'Delivered' ? ex : undefined;
    });
    expect(delivered.delivery.attempts.map((a) => a.outcome)).toEqual(['error', 'ok']);
    // Nothing more arrives later.
    await second.operator.setClock({ offsetMs: 120 * MINUTE });
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.requests.map((r) => [r.exchangeId, r.answered])).toEqual([
      [sent.exchangeId, 'fail'],
      [sent.exchangeId, 'ok'],
    ]);
    expect(receiver.acknowledged).toEqual([sent.exchangeId]);
    const log = await second.operator.exportLog('exchange');
    expect(log.filter((e) => e.type === 'exchange.delivered' && e.exchangeId === sent.exchangeId)).toHaveLength(1);
    expect((await second.operator.checkLog('exchange')).valid).toBe(true);

    second.proc.kill('SIGTERM');
    const stopped = await second.proc;
    expect(stopped.exitCode).toBe(0);
  });

  it('a push in flight at SIGKILL is delivered again after restart; the receiver de-duplicates it (effect once)', async () => {
    const { receiver, start } = await setUp({ attempts: 5, baseDelayMs: 10 * MINUTE, factor: 2, maxDelayMs: 60 * MINUTE, attemptTimeoutMs: 30_000 });
    receiver.mode = 'hang';
    const first = await start();
    const sent = await submitOne(first, receiver.url);
    await until('the push to arrive', async () => (receiver.requests.length === 1 ? true : undefined));
    first.proc.kill('SIGKILL');
    await first.proc;
    // The receiver had processed it: it answers late, so to the hub the push never finished.
    receiver.acknowledged.push(sent.exchangeId);
    receiver.mode = 'ok';

    const second = await start();
    // The in-flight push holds a lease of attemptTimeout + 1 s; past it, the push is due again.
    await second.operator.setClock({ offsetMs: 32_000 });
    await until('delivery after restart', async () => ((await second.kg.getExchange(sent.exchangeId)).status === 'Delivered' ? true : undefined));
    await second.operator.setClock({ offsetMs: 120 * MINUTE });
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.requests.map((r) => r.exchangeId)).toEqual([sent.exchangeId, sent.exchangeId]);
    expect(receiver.acknowledged).toEqual([sent.exchangeId]);
    second.proc.kill('SIGTERM');
    expect((await second.proc).exitCode).toBe(0);
  });
});
