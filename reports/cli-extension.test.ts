import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, type CliContext, type CliIO } from '../runner/cli/index.ts';
import { reportsExtension } from './cli-extension.ts';
import { formatFingerprint, loadOrCreateTester } from './evidence/tester.ts';
import { writeSampleRun } from './testing/sample-run.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ecert-cli-'));
const env = { ECERT_HOME: path.join(tmp, 'home'), ECERT_LANG: 'en' };
let runDir: string;

beforeAll(() => {
  runDir = writeSampleRun(path.join(tmp, 'runs'), { seed: 'cli', casesPerCategory: 1, countries: ['UZ', 'KG'], falseAccepts: 1 }).runDir;
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function io(): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), env: { ...env }, cwd: tmp, isTTY: false };
}

async function ecert(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  return ecertWith(env, ...argv);
}

async function ecertWith(vars: Record<string, string>, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const i = { ...io(), env: { ...vars } };
  const out: string[] = [];
  const err: string[] = [];
  const code = await buildCli([], [reportsExtension], { ...i, stdout: (t) => void out.push(t), stderr: (t) => void err.push(t) }).run(argv);
  return { code, out: out.join(''), err: err.join('') };
}

describe('ecert report', () => {
  it('renders the languages asked for, one or several', async () => {
    const outDir = path.join(tmp, 'only-ru');
    const ru = await ecert('report', runDir, '--lang', 'ru', '--out', outDir);
    expect(ru.code).toBe(0);
    expect(fs.readdirSync(outDir).sort()).toEqual(['report.ru.html', 'report.ru.pdf']);
    expect(ru.out).toContain('итог: цели НЕ достигнуты');
    const both = await ecert('report', runDir, '--lang', 'en,ru', '--out', path.join(tmp, 'both'));
    expect(both.code).toBe(0);
    expect(fs.readdirSync(path.join(tmp, 'both')).sort()).toEqual(['report.en.html', 'report.en.pdf', 'report.ru.html', 'report.ru.pdf']);
    expect(both.out).toContain('verdict: targets NOT met');
    const dflt = await ecert('report', runDir, '--out', path.join(tmp, 'default'));
    expect(fs.readdirSync(path.join(tmp, 'default'))).toHaveLength(4);
    expect(dflt.code).toBe(0);
  });

  it('refuses an unknown language and a directory that is not a run, without a stack trace', async () => {
    const bad = await ecert('report', runDir, '--lang', 'en,de');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('unknown report language "de"');
    const missing = await ecert('report', path.join(tmp, 'nowhere'));
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/error: no such directory: .*nowhere/);
    expect(missing.err).toContain('what to do: give the directory of one run');
    expect(missing.err).not.toMatch(/\n\s+at /);
  });
});

describe('ecert evidence', () => {
  it('seal, then verify: exit 0 intact, exit 1 altered naming the file, exit 2 unreadable', async () => {
    const copy = path.join(tmp, 'sealed');
    fs.cpSync(runDir, copy, { recursive: true });
    const unsealed = await ecert('evidence', 'verify', copy);
    expect(unsealed.code).toBe(2);
    expect(unsealed.err).toContain('was never sealed');
    const sealed = await ecert('evidence', 'seal', copy);
    expect(sealed.code).toBe(0);
    expect(sealed.err).toContain('created a new tester key');
    const ok = await ecert('evidence', 'verify', copy);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^hashes intact: \d+ files match the manifest/);
    const target = path.join(copy, 'logs', 'hub-exchange-log.jsonl');
    const original = fs.readFileSync(target);
    fs.writeFileSync(target, Buffer.concat([original.subarray(0, 10), Buffer.from([original[10]! ^ 1]), original.subarray(11)]));
    const altered = await ecert('evidence', 'verify', copy);
    expect(altered.code).toBe(1);
    expect(altered.out).toContain('ALTERED: 1 file differs');
    expect(altered.out).toContain('changed: logs/hub-exchange-log.jsonl');
    const json = await ecert('evidence', 'verify', copy, '--json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.out).altered).toEqual(['logs/hub-exchange-log.jsonl']);
    const nowhere = await ecert('evidence', 'verify', path.join(tmp, 'nowhere'));
    expect(nowhere.code).toBe(2);
  });

  it('speaks Russian when asked', async () => {
    const r = await ecert('--lang', 'ru', 'evidence', 'verify', path.join(tmp, 'nowhere'));
    expect(r.code).toBe(2);
    expect(r.err).toContain('ошибка: нет такого каталога');
  });
});

describe('when a run completes', () => {
  it('renders every report, then seals the run so the manifest covers them; re-rendering keeps the seal valid', async () => {
    const copy = path.join(tmp, 'completed');
    fs.cpSync(runDir, copy, { recursive: true });
    const i = io();
    const ctx: CliContext = { io: i, lang: 'en', setExitCode: () => {}, hooks: { onRunComplete: [] } };
    await reportsExtension.onRunComplete!(copy, ctx);
    const manifest = JSON.parse(fs.readFileSync(path.join(copy, 'manifest.json'), 'utf8'));
    const listed = manifest.files.map((f: { path: string }) => f.path);
    for (const f of ['report.en.html', 'report.ru.html', 'report.en.pdf', 'report.ru.pdf', 'tester-certificate.pem', 'evidence.jsonl']) expect(listed).toContain(f);
    // The reports, rendered before the seal, show the fingerprint of the key that sealed the run.
    const fingerprint = formatFingerprint(loadOrCreateTester({ env }).fingerprint256);
    for (const lang of ['en', 'ru']) expect(fs.readFileSync(path.join(copy, `report.${lang}.html`), 'utf8')).toContain(fingerprint);
    expect((await ecert('evidence', 'verify', copy)).code).toBe(0);
    const again = await ecert('report', copy);
    expect(again.code).toBe(0);
    expect(again.err).toBe('');
    expect((await ecert('evidence', 'verify', copy)).code).toBe(0);
  });

  it('is wired into the real `ecert` command', () => {
    const copy = path.join(tmp, 'completed');
    const out = execFileSync(process.execPath, [path.join(ROOT, 'bin', 'ecert.mjs'), 'evidence', 'verify', copy], { encoding: 'utf8', env: { ...process.env, ...env } });
    expect(out).toMatch(/^hashes intact:/);
    expect(out).toContain('NOT authenticated');
  });
});

describe('evidence authenticity (review findings)', () => {
  it('says a forged run (edited, re-sealed with another key) is NOT authenticated, with the signer’s fingerprint; --trusted-cert rejects it', async () => {
    const original = path.join(tmp, 'original');
    fs.cpSync(runDir, original, { recursive: true });
    expect((await ecert('evidence', 'seal', original)).code).toBe(0);
    const tester = loadOrCreateTester({ env });
    const trusted = path.join(tmp, 'published-tester.pem');
    fs.writeFileSync(trusted, tester.certificatePem);

    const genuine = await ecert('evidence', 'verify', original, '--trusted-cert', trusted);
    expect(genuine.code).toBe(0);
    expect(genuine.out).toMatch(/^intact and authenticated: \d+ files match the manifest, sealed by the trusted tester/);
    expect(genuine.out).toContain(formatFingerprint(tester.fingerprint256));

    // The forger edits results.json and re-seals with a key whose certificate has the same subject.
    const forged = path.join(tmp, 'forged');
    fs.cpSync(original, forged, { recursive: true });
    const results = path.join(forged, 'results.json');
    fs.writeFileSync(results, fs.readFileSync(results, 'utf8').replace(/"failed": [1-9]\d*/, '"failed": 0'));
    const forger = { ...env, ECERT_HOME: path.join(tmp, 'forger-home') };
    expect((await ecertWith(forger, 'evidence', 'seal', forged, '--force')).code).toBe(0);
    const forgerCert = loadOrCreateTester({ env: forger });
    expect(forgerCert.subject).toBe(tester.subject);

    const plain = await ecert('evidence', 'verify', forged);
    expect(plain.code).toBe(0);
    expect(plain.out).not.toMatch(/^intact and authenticated/m);
    expect(plain.out).toContain('the signer is NOT authenticated');
    expect(plain.out).toContain(formatFingerprint(forgerCert.fingerprint256));
    expect(plain.out).toContain(`ecert evidence verify ${fs.realpathSync(forged)} --trusted-cert`);
    const json = JSON.parse((await ecert('evidence', 'verify', forged, '--json')).out);
    expect(json).toMatchObject({ ok: true, authenticated: false });

    const checked = await ecert('evidence', 'verify', forged, '--trusted-cert', trusted);
    expect(checked.code).toBe(1);
    expect(checked.out).toContain('not by the trusted tester certificate you gave');
    expect(checked.out).toContain(formatFingerprint(forgerCert.fingerprint256));
  });

  it('re-sealed by another tester, renders the run’s reports again so that they name the key that seals it', async () => {
    const copy = path.join(tmp, 'handover');
    fs.cpSync(runDir, copy, { recursive: true });
    expect((await ecert('report', copy, '--lang', 'en')).code).toBe(0);
    expect((await ecert('evidence', 'seal', copy)).code).toBe(0);
    const first = loadOrCreateTester({ env });
    const html = () => fs.readFileSync(path.join(copy, 'report.en.html'), 'utf8');
    expect(html()).toContain(formatFingerprint(first.fingerprint256));
    // Same tester again: nothing to re-render.
    const again = await ecert('evidence', 'seal', copy);
    expect(again.err).not.toContain('rendering them again');

    const colleague = { ...env, ECERT_HOME: path.join(tmp, 'colleague-home') };
    const second = loadOrCreateTester({ env: colleague });
    const resealed = await ecertWith(colleague, 'evidence', 'seal', copy);
    expect(resealed.code).toBe(0);
    expect(resealed.err).toContain('rendering them again');
    expect(html()).toContain(formatFingerprint(second.fingerprint256));
    expect(html()).not.toContain(formatFingerprint(first.fingerprint256));
    expect(fs.existsSync(path.join(copy, 'report.ru.html'))).toBe(false); // only the languages the run had
    const trusted = path.join(tmp, 'colleague.pem');
    fs.writeFileSync(trusted, second.certificatePem);
    expect((await ecert('evidence', 'verify', copy, '--trusted-cert', trusted)).code).toBe(0);
  });

  it('refuses to re-seal a run whose files changed since its seal, naming them, unless --force', async () => {
    const copy = path.join(tmp, 'reseal');
    fs.cpSync(runDir, copy, { recursive: true });
    expect((await ecert('evidence', 'seal', copy)).code).toBe(0);
    // Re-sealing an intact run is fine.
    expect((await ecert('evidence', 'seal', copy)).code).toBe(0);
    const results = path.join(copy, 'results.json');
    fs.appendFileSync(results, ' ');
    fs.writeFileSync(path.join(copy, 'smuggled.txt'), 'x');
    const refused = await ecert('evidence', 'seal', copy);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('no longer matches its seal (2 files differ: results.json, smuggled.txt)');
    expect(refused.err).toContain(`ecert evidence seal ${fs.realpathSync(copy)} --force`);
    expect((await ecert('evidence', 'verify', copy)).code).toBe(1);
    const forced = await ecert('evidence', 'seal', copy, '--force');
    expect(forced.code).toBe(0);
    expect((await ecert('evidence', 'verify', copy)).code).toBe(0);
  });

  it('prints full paths, and re-renders the same bytes through reports/out/latest as through the run directory', async () => {
    const parent = path.join(tmp, 'out');
    const real = writeSampleRun(parent, { seed: 'linked', casesPerCategory: 1, countries: ['UZ', 'KG'] }).runDir;
    fs.symlinkSync(path.basename(real), path.join(parent, 'latest'));
    const sealed = await ecert('evidence', 'seal', 'out/latest');
    expect(sealed.out).toContain(`ecert evidence verify ${real}\n`);
    const viaLink = await ecert('report', 'out/latest');
    expect(viaLink.out).toContain(`wrote ${path.join(real, 'report.en.html')}`);
    const bytes = Object.fromEntries(['report.en.html', 'report.ru.html', 'report.en.pdf', 'report.ru.pdf'].map((f) => [f, fs.readFileSync(path.join(real, f))]));
    expect((await ecert('report', real)).code).toBe(0);
    for (const [f, before] of Object.entries(bytes)) expect(fs.readFileSync(path.join(real, f)).equals(before), f).toBe(true);
    expect(bytes['report.en.html']!.toString()).toContain(`ecert evidence verify ${path.basename(real)}`);
    expect(bytes['report.en.html']!.toString()).not.toContain('latest');
  });
});
