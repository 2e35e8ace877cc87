import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { createTestPki } from '../fixtures/pki.ts';
import { readEvidence } from './engine/evidence.ts';
import type { RunResults } from './record.ts';
import { validateResults } from './results.ts';

// `ecert run` as a user runs it: a child process, its exit code, what it prints, what it writes.

const ROOT = path.resolve(import.meta.dirname, '..');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'ecert-run-test-'));

function ecert(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  return execa('node', [path.join(ROOT, 'bin/ecert.mjs'), ...args], { cwd: options.cwd ?? ROOT, reject: false, env: { NO_COLOR: '1', ...options.env } });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

function latest(out: string): string {
  return fs.realpathSync(path.join(out, 'latest'));
}

// Each test starts whole runs in child processes; on a loaded machine that takes a while.
describe.concurrent('ecert run', { timeout: 240_000 }, () => {
  it('runs a selection, writes a complete run directory and exits 0', async () => {
    const out = tmp();
    const r = await ecert(['run', '--case', 'UZ-STD-01-KG,AZ-SIG-03,KG-NET-07', '--out', out]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('All 3 cases passed.');
    const dir = latest(out);
    const results = JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8')) as RunResults;
    expect(validateResults(results)).toEqual([]);
    expect(results.cases.map((c) => [c.id, c.status])).toEqual([
      ['AZ-SIG-03', 'passed'],
      ['KG-NET-07', 'passed'],
      ['UZ-STD-01-KG', 'passed'],
    ]);
    expect(results.run.hub).toMatchObject({ mode: 'embedded', name: 'ecert-reference-hub', defects: [] });
    expect(results.run.trustRegistry.certificates.length).toBeGreaterThan(10);
    // Every case traces to its evidence lines; seq is the line number throughout.
    const { events, damagedLines } = readEvidence(path.join(dir, 'evidence.jsonl'));
    expect(damagedLines).toEqual([]);
    events.forEach((e, i) => expect(e.seq).toBe(i + 1));
    for (const c of results.cases) {
      const own = events.filter((e) => e.caseId === c.id);
      expect(own[0]).toMatchObject({ type: 'case-started', seq: c.evidence.firstSeq });
      expect(own.at(-1)).toMatchObject({ type: 'case-finished', seq: c.evidence.lastSeq, status: 'passed' });
    }
    expect(events.filter((e) => e.type === 'verification' && e.verifier === 'hub' && !e.valid).map((e) => e.caseId)).toEqual(['AZ-SIG-03']);
    for (const f of ['junit.xml', 'logs/hub-exchange-log.jsonl', 'logs/hub-audit-log.jsonl', 'logs/node-UZ.jsonl', 'report.en.html', 'report.ru.pdf', 'manifest.json']) {
      expect(fs.existsSync(path.join(dir, f)), f).toBe(true);
    }
    expect(fs.readdirSync(path.join(dir, 'allure-results')).length).toBeGreaterThan(0);
    expect(fs.readFileSync(path.join(dir, 'junit.xml'), 'utf8')).toContain('UZ-STD-01-KG');
  });

  it('never shows green when the suite itself cannot load: the cases are errors, exit 1', async () => {
    // A copy of the harness whose suite module throws on load (node_modules shared by a link).
    const copy = tmp();
    const skip = new Set(['node_modules', '.git', 'test-artifacts', path.join('reports', 'out')].map((p) => path.join(ROOT, p)));
    fs.cpSync(ROOT, copy, { recursive: true, filter: (src) => !skip.has(src) });
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
    const suite = path.join(copy, 'runner', 'vitest', 'suite.ts');
    fs.writeFileSync(suite, `throw new Error('suite exploded on load');\n${fs.readFileSync(suite, 'utf8')}`);
    const r = await execa('node', [path.join(copy, 'bin/ecert.mjs'), 'run', '--case', 'UZ-SIG-01,UZ-SIG-02', '--out', path.join(copy, 'out'), '--json'], { cwd: copy, reject: false, env: { NO_COLOR: '1' } });
    expect(r.exitCode).toBe(1);
    const results = JSON.parse(r.stdout) as RunResults;
    expect(results.cases.map((c) => [c.id, c.status, c.attribution])).toEqual([
      ['UZ-SIG-01', 'error', 'harness'],
      ['UZ-SIG-02', 'error', 'harness'],
    ]);
    expect(results.cases[0]!.message).toMatch(/never ran: .*suite exploded on load/);
    expect(r.stderr).toMatch(/vitest could not run part of the suite \(UZ-bad-signature\.spec\.ts: .*suite exploded on load/);
  });

  it('refuses bad input with exit 2 and a message that names the problem', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['run', '--countries', 'UZ,XX'], /unknown country "XX"\. Known profiles: AZ, KG, PK, TJ, UZ/],
      [['run', '--category', 'bad-sig'], /unknown category "bad-sig"\. Use one of: standard, bad-signature/],
      [['run', '--shard', '3/2'], /invalid --shard "3\/2"/],
      [['run', '--case', 'ZZ-*'], /no case matches the selection/],
      [['run', '--concurrency', 'many'], /invalid value "many" for --concurrency/],
      [['run', '--defect', 'eat-documents', '--case', 'UZ-STD-01-KG'], /unknown defect switch "eat-documents"\. Known: accept-tampered, /],
      [['run', '--frobnicate'], /unknown option --frobnicate/],
      [['run', '--rerun-failed', '/nonexistent'], /has no results\.json/],
      [['run', '--hub', 'https://127.0.0.1:1'], /needs credentials: hub\.ca and hub\.operator/],
    ];
    for (const [args, message] of cases) {
      const r = await ecert(args);
      expect(r.exitCode, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /); // never a stack trace
    }
  });

  it('rejects a config file with an unknown key, naming it', async () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'ecert.config.ts'), "export default { timeout: { awaitMs: 10 } };\n");
    const r = await ecert(['cases'], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/unknown key "timeout"/);
  });

  it('exits 3 with what to check when the hub cannot be reached', async () => {
    const dir = tmp();
    const port = await freePort();
    const { hub } = createTestPki({ seed: 'unreachable', profiles: [] });
    fs.writeFileSync(path.join(dir, 'ca.pem'), hub.ca.pem);
    fs.writeFileSync(path.join(dir, 'cert.pem'), hub.operator.pem);
    fs.writeFileSync(path.join(dir, 'key.pem'), hub.operator.keyPem);
    fs.writeFileSync(path.join(dir, 'ecert.config.json'), JSON.stringify({ hub: { url: `https://127.0.0.1:${port}`, ca: 'ca.pem', operator: { cert: 'cert.pem', key: 'key.pem' } } }));
    const r = await ecert(['run', '--case', 'UZ-STD-01-KG', '--out', path.join(dir, 'out')], { cwd: dir });
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(new RegExp(`the hub at https://127\\.0\\.0\\.1:${port} could not be reached \\(ECONNREFUSED`));
    expect(r.stderr).toMatch(/check the URL, the network/);
    // What was recorded is kept: the run directory says what happened.
    const results = JSON.parse(fs.readFileSync(path.join(latest(path.join(dir, 'out')), 'results.json'), 'utf8')) as RunResults;
    expect(results.environmentError?.message).toMatch(/could not be reached/);
    expect(results.cases[0]).toMatchObject({ id: 'UZ-STD-01-KG', status: 'error', attribution: 'network' });
  });

  it('goes red (exit 1) on a defective hub and reruns exactly the failed cases', async () => {
    const out = tmp();
    const first = await ecert(['run', '--case', 'UZ-SIG-01,UZ-STD-01-KG', '--defect', 'accept-tampered', '--out', out]);
    expect(first.exitCode).toBe(1);
    expect(first.stdout).toMatch(/FALSE ACCEPTS \(a bad document accepted\): 1/);
    expect(first.stdout).toMatch(/UZ-SIG-01 {2}\[false accept, hub\]/);
    const dir = latest(out);
    const rerun = await ecert(['run', '--rerun-failed', dir, '--out', out, '--json']);
    expect(rerun.exitCode).toBe(0);
    const results = JSON.parse(rerun.stdout) as RunResults;
    expect(results.cases.map((c) => [c.id, c.status])).toEqual([['UZ-SIG-01', 'passed']]);
    expect(results.run.selection).toMatchObject({ ids: ['UZ-SIG-01'] });
  });

  it('splits the catalog into shards that together run every selected case once, and merge with vitest', async () => {
    const out = tmp();
    const selection = ['--countries', 'TJ', '--category', 'standard,expired-document'];
    const shards = await Promise.all(['1/2', '2/2'].map((s) => ecert(['run', ...selection, '--shard', s, '--out', path.join(out, s.replace('/', '-'))])));
    expect(shards.map((r) => r.exitCode)).toEqual([0, 0]);
    const ran = shards.map((_, i) => (JSON.parse(fs.readFileSync(path.join(latest(path.join(out, `${i + 1}-2`)), 'results.json'), 'utf8')) as RunResults).cases.map((c) => c.id));
    const list = await ecert(['cases', ...selection, '--json']);
    const all = (JSON.parse(list.stdout) as Array<{ id: string }>).map((c) => c.id);
    // Each shard ran something, no case ran twice, and together they ran every case.
    expect(ran.every((ids) => ids.length > 0)).toBe(true);
    expect(ran.flat().sort()).toEqual(all.sort());
    // The blob reports merge with vitest as for any vitest project, with the root the run printed.
    const blobs = path.join(out, 'blobs');
    fs.mkdirSync(blobs);
    for (const i of [1, 2]) for (const f of fs.readdirSync(path.join(latest(path.join(out, `${i}-2`)), 'blob'))) fs.copyFileSync(path.join(latest(path.join(out, `${i}-2`)), 'blob', f), path.join(blobs, f));
    const root = /--root (\S+)/.exec(shards[0]!.stdout)?.[1];
    expect(root).toBeDefined();
    const junit = path.join(out, 'merged-junit.xml');
    const merged = await execa(path.join(ROOT, 'node_modules/.bin/vitest'), ['--merge-reports=' + blobs, '--root', root!, '--reporter=junit', '--outputFile=' + junit], { cwd: out, reject: false });
    expect(merged.exitCode, merged.stderr).toBe(0);
    const xml = fs.readFileSync(junit, 'utf8');
    for (const id of all) expect(xml, id).toContain(`${id} `);
  });

  it('leaves a readable partial record when stopped in the middle', async () => {
    const out = tmp();
    const child = execa('node', [path.join(ROOT, 'bin/ecert.mjs'), 'run', '--countries', 'UZ,KG', '--out', out], { cwd: ROOT, reject: false, env: { NO_COLOR: '1' } });
    // Stop once a few cases have finished (as their evidence shows), long before the end.
    const finished = () => {
      const run = fs.readdirSync(out).find((d) => d !== 'latest');
      const file = run && path.join(out, run, 'evidence.jsonl');
      return file && fs.existsSync(file) ? (fs.readFileSync(file, 'utf8').match(/"type":"case-finished"/g) ?? []).length : 0;
    };
    while (finished() < 5 && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/The run was interrupted: the evidence up to this point is kept/);
    expect(r.stdout).toMatch(/Only \d+ of 73 cases ran before the run was stopped/);
    const dir = latest(out);
    const results = JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8')) as RunResults;
    expect(results.interrupted).toBe(true);
    expect(validateResults(results)).toEqual([]);
    const done = results.cases.filter((c) => c.status === 'passed');
    const notRun = results.cases.filter((c) => c.skipReason === 'not run: the run was interrupted');
    expect(done.length).toBeGreaterThan(0);
    expect(notRun.length).toBeGreaterThan(0);
    const { events, damagedLines } = readEvidence(path.join(dir, 'evidence.jsonl'));
    expect(damagedLines).toEqual([]);
    expect(events.at(-1)).toMatchObject({ type: 'run-finished', interrupted: true });
  });
});

describe('ecert run against a hub in another process (mission mode)', { timeout: 240_000 }, () => {
  it('drives a hub by URL with the credentials of ecert.config.ts, nodes served over HTTPS', async () => {
    const dir = tmp();
    const hubPort = await freePort();
    const nodesPort = await freePort();
    const ca = await ecert(['nodes', 'server-ca', '--data', path.join(dir, 'nodes')]);
    expect(ca.exitCode, ca.stderr).toBe(0);
    const hub = execa('node', [path.join(ROOT, 'bin/ecert.mjs'), 'hub', 'start', '--port', String(hubPort), '--data', path.join(dir, 'hub'), '--delivery-ca', path.join(dir, 'nodes', 'server-ca.pem'), '--retry-base-ms', '200'], {
      cwd: dir,
      reject: false,
    });
    try {
      await new Promise<void>((resolve, reject) => {
        let text = '';
        hub.stdout!.on('data', (c: Buffer) => {
          text += c.toString();
          if (text.includes('Press Ctrl+C')) resolve();
        });
        void hub.then((r) => reject(new Error(`hub exited early: ${r.stderr}`)));
      });
      fs.writeFileSync(
        path.join(dir, 'ecert.config.ts'),
        `export default {\n  hub: { url: 'https://127.0.0.1:${hubPort}', ca: 'hub/tls/ca.pem', operator: { cert: 'hub/tls/operator-cert.pem', key: 'hub/tls/operator-key.pem' } },\n  nodes: { portBase: ${nodesPort} },\n};\n`,
      );
      // A standard exchange, a rejection, an offline recipient (ended after the hub's failed
      // attempts: a real socket cannot count them), and a case that needs a hub restart (skipped).
      const r = await ecert(['run', '--case', 'UZ-STD-01-KG,UZ-SIG-01,UZ-NET-01,UZ-NET-10', '--out', path.join(dir, 'out'), '--json'], { cwd: dir });
      const results = JSON.parse(r.stdout) as RunResults;
      expect(results.run.hub).toMatchObject({ mode: 'remote', url: `https://127.0.0.1:${hubPort}` });
      expect(Object.fromEntries(results.cases.map((c) => [c.id, c.status]))).toEqual({ 'UZ-STD-01-KG': 'passed', 'UZ-SIG-01': 'passed', 'UZ-NET-01': 'passed', 'UZ-NET-10': 'skipped' });
      expect(results.cases.find((c) => c.id === 'UZ-NET-10')?.skipReason).toMatch(/does not offer hub-restart/);
      expect(r.exitCode).toBe(0);
    } finally {
      hub.kill('SIGTERM');
      await hub;
    }
  });
});
