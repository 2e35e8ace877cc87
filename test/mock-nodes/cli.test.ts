import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getProfile } from '../../fixtures/profiles/index.ts';
import { type ServerNodes, nodeServerTls, startServerNodes } from '../../mock-nodes/index.ts';
import { type ReferenceHub, hubTlsFromPki, startReferenceHub } from '../../reference-hub/index.ts';
import { FAST_RETRY, SEED, pki } from './support.ts';

// `ecert nodes start` as a tester runs it: a separate process serving UZ (push) and KG (pull) as
// HTTPS servers against a hub, registering them, answering deliveries, taking faults over its
// control API, and stopping cleanly on SIGTERM with its logs on disk. PK is a mock node in this
// process (a "real" country from the CLI's point of view).

const ROOT = path.resolve(import.meta.dirname, '../..');
const ecert = (args: string[], options: { cwd?: string } = {}) =>
  execa('node', [path.join(ROOT, 'bin/ecert.mjs'), ...args], { cwd: options.cwd ?? ROOT, reject: false, env: { ECERT_LANG: 'en' } });

describe('ecert nodes start', () => {
  let tmp: string;
  let hub: ReferenceHub;
  let pk: ServerNodes;
  const files = { ca: '', cert: '', key: '' };

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ecert-nodes-cli-'));
    hub = await startReferenceHub({
      dataDir: path.join(tmp, 'hub'),
      tls: hubTlsFromPki(pki().hub),
      // The mock nodes' server CA, which `ecert nodes start` writes to DATA/server-ca.pem.
      deliveryTls: { ca: nodeServerTls({ seed: SEED, country: 'UZ' }).caPem },
      retry: FAST_RETRY,
    });
    Object.assign(files, { ca: path.join(tmp, 'ca.pem'), cert: path.join(tmp, 'operator-cert.pem'), key: path.join(tmp, 'operator-key.pem') });
    fs.writeFileSync(files.ca, hub.caPem);
    fs.writeFileSync(files.cert, hub.operator.cert);
    fs.writeFileSync(files.key, hub.operator.key);
    pk = await startServerNodes({
      hub: { url: hub.url, ca: hub.caPem, operator: hub.operator },
      profiles: [getProfile('PK')],
      pki: pki(),
      seed: SEED,
      timing: { retryMinMs: 10, retryMaxMs: 100, followMinMs: 5, followMaxMs: 100 },
    });
  });
  afterAll(async () => {
    await pk?.stop();
    await hub?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('serves the selected countries, registers them, takes faults over its control API, and stops on SIGTERM', async () => {
    const data = path.join(tmp, 'nodes');
    const child = execa(
      'node',
      [
        path.join(ROOT, 'bin/ecert.mjs'),
        ...['nodes', 'start', '--countries', 'UZ,KG', '--hub', hub.url, '--hub-ca', files.ca, '--operator-cert', files.cert, '--operator-key', files.key],
        ...['--port-base', '0', '--control-port', '0', '--pull-interval', '50', '--data', data, '--seed', SEED],
      ],
      { cwd: ROOT, env: { ECERT_LANG: 'en' }, reject: false },
    );
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const deadline = Date.now() + 30_000;
    while (!stdout.includes('Press Ctrl+C') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    expect(stdout).toContain('Press Ctrl+C');
    expect(stdout).toMatch(/UZ {2}track A {2}push {2}https:\/\/127\.0\.0\.1:\d+\/ecert\/deliveries/);
    expect(stdout).toContain('KG  track B  pull');
    expect(stdout).toContain('Not mocked (real nodes expected): AZ, PK, TJ');
    expect(stdout).toContain(path.join(data, 'UZ', 'client-cert.pem'));
    expect(fs.readFileSync(path.join(data, 'server-ca.pem'), 'utf8')).toBe(nodeServerTls({ seed: SEED, country: 'UZ' }).caPem);
    const control = /Fault control API \(loopback only\): (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
    expect(control).toBeDefined();

    const sender = pk.node('PK');
    // PK -> UZ: push to the CLI's HTTPS server.
    const first = await sender.send(await sender.issue({ type: 'coc', hsCode: '8516', recipient: 'UZ' }), { recipient: 'UZ' });
    expect((await sender.follow(first.exchange.exchangeId)).status).toBe('Accepted');

    // A fault over the control API: the next push answers 503, the retry gets through.
    const applied = await fetch(`${control}/uz/control/faults`, { method: 'POST', body: JSON.stringify({ fault: 'http-5xx', calls: 1 }) });
    expect(applied.status).toBe(201);
    const second = await sender.send(await sender.issue({ type: 'coc', hsCode: '0813', recipient: 'UZ' }), { recipient: 'UZ' });
    const secondFinal = await sender.follow(second.exchange.exchangeId);
    expect(secondFinal.status).toBe('Accepted');
    expect(secondFinal.delivery.attempts.map((a) => a.error ?? 'ok')).toEqual(['HTTP_503', 'ok']);

    // PK -> KG: the CLI's KG node pulls its inbox on its own.
    const third = await sender.send(await sender.issue({ type: 'tr', hsCode: '0813', recipient: 'KG' }), { recipient: 'KG' });
    const thirdFinal = await sender.follow(third.exchange.exchangeId);
    expect(thirdFinal).toMatchObject({ status: 'Accepted', delivery: { mode: 'pull' } });

    child.kill('SIGTERM');
    const result = await child;
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('Mock nodes stopped');
    const uzLog = fs.readFileSync(path.join(data, 'logs', 'node-UZ.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(uzLog.filter((e) => e.type === 'decided').map((e) => e.exchangeId)).toEqual([first.exchange.exchangeId, second.exchange.exchangeId]);
    expect(uzLog.map((e) => e.type)).toEqual(expect.arrayContaining(['node-registered', 'fault-applied', 'fault-triggered', 'fault-cleared', 'node-stopped']));
    const kgLog = fs.readFileSync(path.join(data, 'logs', 'node-KG.jsonl'), 'utf8');
    expect(kgLog).toContain(`"type":"decided","exchangeId":"${third.exchange.exchangeId}"`);
  });

  it('server-ca writes the nodes\' server CA before any node runs, identical to what start writes', async () => {
    const result = await ecert(['nodes', 'server-ca', '--data', path.join(tmp, 'ca-only'), '--seed', SEED]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('--delivery-ca');
    expect(fs.readFileSync(path.join(tmp, 'ca-only', 'server-ca.pem'), 'utf8')).toBe(nodeServerTls({ seed: SEED, country: 'UZ' }).caPem);
  });

  it('exits 2 naming the known countries for an unknown one', async () => {
    const result = await ecert(['nodes', 'start', '--countries', 'UZ,XX', '--hub-ca', files.ca]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('unknown country "XX"');
    expect(result.stderr).toContain('AZ, KG, PK, TJ, UZ');
  });

  it('exits 3 saying what to check when the hub cannot be reached', async () => {
    const result = await ecert(['nodes', 'start', '--hub', 'https://127.0.0.1:59997', '--hub-ca', files.ca, '--data', path.join(tmp, 'unused')]);
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain('the hub at https://127.0.0.1:59997 could not be reached (ECONNREFUSED)');
    expect(result.stderr).toContain('ecert hub start');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 when the hub refuses the registration (credentials that are not the operator\'s)', async () => {
    const cert = path.join(tmp, 'not-operator.pem');
    const key = path.join(tmp, 'not-operator.key');
    fs.writeFileSync(cert, pki().country('PK').node.pem);
    fs.writeFileSync(key, pki().country('PK').node.keyPem);
    const result = await ecert([
      ...['nodes', 'start', '--countries', 'TJ', '--hub', hub.url, '--hub-ca', files.ca, '--operator-cert', cert, '--operator-key', key],
      ...['--port-base', '0', '--data', path.join(tmp, 'refused'), '--seed', SEED],
    ]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('the hub refused to register the TJ node');
    expect(result.stderr).toMatch(/40[13]/);
    expect(result.stderr).toContain('--operator-cert');
  });

  it('exits 2 when the hub CA file cannot be read', async () => {
    const result = await ecert(['nodes', 'start', '--hub-ca', path.join(tmp, 'missing.pem')]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('cannot read --hub-ca');
  });
});
