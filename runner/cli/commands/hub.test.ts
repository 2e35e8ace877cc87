import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpHubClient } from '../../../protocol/hub-http.ts';
import { DEFECT_NAMES } from '../../../reference-hub/index.ts';

// `ecert hub ...` as a user runs it: a child process of bin/ecert.mjs.

const ROOT = path.resolve(import.meta.dirname, '../../..');
const ecert = (args: string[], env: Record<string, string> = {}) =>
  execa('node', [path.join(ROOT, 'bin/ecert.mjs'), ...args], { cwd: ROOT, reject: false, env: { ECERT_LANG: 'en', ...env } });

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'ecert-hub-cli-'));
  dirs.push(d);
  return d;
};

describe('ecert hub', () => {
  it('lists the defect switches in English, Russian and JSON', async () => {
    const en = await ecert(['hub', 'defects']);
    expect(en.exitCode).toBe(0);
    for (const name of DEFECT_NAMES) expect(en.stdout).toContain(name);
    expect(en.stdout).toMatch(/breaks HUB-VERIFY-FILE-INTEGRITY/);
    const ru = await ecert(['hub', 'defects', '--lang', 'ru']);
    expect(ru.stdout).toMatch(new RegExp(`Переключателей дефектов: ${DEFECT_NAMES.length}`));
    expect(ru.stdout).toMatch(/нарушает HUB-IDEMPOTENCY/);
    const json = JSON.parse((await ecert(['hub', 'defects', '--json'])).stdout) as Array<{ name: string }>;
    expect(json.map((d) => d.name)).toEqual([...DEFECT_NAMES]);
  });

  it('refuses an unknown defect switch with exit 2, listing the known ones', async () => {
    const r = await ecert(['hub', 'start', '--defect', 'accept-everything', '--data', tmp()]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/unknown defect switch "accept-everything"/);
    expect(r.stderr).toMatch(/known defect switches: accept-tampered, .*no-purge/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('says what to do when the port is in use (exit 3)', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const r = await ecert(['hub', 'start', '--port', String(port), '--data', tmp()]);
      expect(r.exitCode).toBe(3);
      expect(r.stderr).toMatch(new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`));
      expect(r.stderr).toMatch(/--port 0/);
    } finally {
      blocker.close();
    }
  });

  it('starts, prints the URL and the credentials a client needs, serves them, and stops cleanly on SIGTERM', async () => {
    const data = tmp();
    const proc = execa('node', [path.join(ROOT, 'bin/ecert.mjs'), 'hub', 'start', '--port', '0', '--data', data, '--defect', 'no-purge'], {
      cwd: ROOT,
      reject: false,
      env: { ECERT_LANG: 'en' },
      buffer: false,
    });
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no start-up output: ${out}`)), 30_000);
      proc.stdout!.on('data', () => {
        if (out.includes('Ctrl+C')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const url = /URL\s+(https:\/\/\S+)/.exec(out)![1]!;
    const ca = /CA certificate \(trust this\)\s+(\S+)/.exec(out)![1]!;
    const cert = /Operator certificate\s+(\S+)/.exec(out)![1]!;
    const key = /Operator key\s+(\S+)/.exec(out)![1]!;
    expect([ca, cert, key].every((f) => f.startsWith(path.join(data, 'tls')) && fs.existsSync(f))).toBe(true);
    expect(fs.statSync(key).mode & 0o077).toBe(0);
    expect(out).toMatch(/Defect switches\s+no-purge/);
    const client = createHttpHubClient({ baseUrl: url, tls: { ca: fs.readFileSync(ca, 'utf8'), cert: fs.readFileSync(cert, 'utf8'), key: fs.readFileSync(key, 'utf8') } });
    expect(await client.whoami()).toMatchObject({ role: 'operator' });
    expect((await client.version()).defects).toEqual(['no-purge']);
    await client.close();
    proc.kill('SIGTERM');
    const result = await proc;
    expect(result.exitCode).toBe(0);
    expect(out).toMatch(/Reference hub stopped/);
    expect(fs.existsSync(path.join(data, 'hub.sqlite'))).toBe(true);
  });
});
