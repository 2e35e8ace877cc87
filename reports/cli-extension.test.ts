import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, type CliContext, type CliIO } from '../runner/cli/index.ts';
import { reportsExtension } from './cli-extension.ts';
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
  const i = io();
  const code = await buildCli([], [reportsExtension], i).run(argv);
  return { code, out: i.out.join(''), err: i.err.join('') };
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
    expect(ok.out).toMatch(/^intact: \d+ files match the manifest/);
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
    expect((await ecert('evidence', 'verify', copy)).code).toBe(0);
    const again = await ecert('report', copy);
    expect(again.code).toBe(0);
    expect(again.err).toBe('');
    expect((await ecert('evidence', 'verify', copy)).code).toBe(0);
  });

  it('is wired into the real `ecert` command', () => {
    const copy = path.join(tmp, 'completed');
    const out = execFileSync(process.execPath, [path.join(ROOT, 'bin', 'ecert.mjs'), 'evidence', 'verify', copy], { encoding: 'utf8', env: { ...process.env, ...env } });
    expect(out).toMatch(/^intact:/);
  });
});
