import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipWithout } from '../../test/support/external.ts';
import { writeSampleRun } from '../testing/sample-run.ts';
import { EvidenceError, listRunFiles, MANIFEST_FILE, sealRun, SIGNATURE_FILE, verifyEvidence } from './manifest.ts';
import { loadOrCreateTester, TESTER_CERT_FILE, TesterKeyError, type TesterIdentity } from './tester.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ecert-evidence-'));
const env = { ECERT_HOME: path.join(tmp, 'home') };
let tester: TesterIdentity;
let runDir: string;

beforeAll(() => {
  tester = loadOrCreateTester({ env });
  runDir = writeSampleRun(path.join(tmp, 'runs'), { seed: 'evidence', casesPerCategory: 1, countries: ['UZ', 'KG'], falseAccepts: 1 }).runDir;
  sealRun(runDir, tester);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Change one byte of a file (seeded position), run fn, put the byte back. */
function withFlippedByte<T>(file: string, position: number, fn: () => T): T {
  const original = fs.readFileSync(file);
  const changed = Buffer.from(original);
  changed[position] = changed[position]! ^ 0x01;
  fs.writeFileSync(file, changed);
  try {
    return fn();
  } finally {
    fs.writeFileSync(file, original);
  }
}

function seededPosition(name: string, size: number): number {
  return crypto.createHash('sha256').update(name).digest().readUInt32BE(0) % size;
}

describe('tester identity', () => {
  it('is created once with a random key, stored privately, and reused', () => {
    expect(tester.source).toBe('created');
    const keyFile = path.join(env.ECERT_HOME, 'tester', 'tester-key.pem');
    expect(fs.statSync(keyFile).mode & 0o077).toBe(0);
    const again = loadOrCreateTester({ env });
    expect(again.source).toBe('stored');
    expect(again.fingerprint256).toBe(tester.fingerprint256);
    const other = loadOrCreateTester({ env: { ECERT_HOME: path.join(tmp, 'other-home') } });
    expect(other.fingerprint256).not.toBe(tester.fingerprint256);
  });

  it('can be given by path, and refuses a key that is not the certificate’s', () => {
    const given = loadOrCreateTester({ keyFile: tester.keyFile, certFile: tester.certFile });
    expect(given.source).toBe('given');
    const other = loadOrCreateTester({ env: { ECERT_HOME: path.join(tmp, 'third-home') } });
    expect(() => loadOrCreateTester({ keyFile: other.keyFile, certFile: tester.certFile })).toThrow(TesterKeyError);
    expect(() => loadOrCreateTester({ keyFile: tester.keyFile })).toThrow(/without its certificate/);
    expect(() => loadOrCreateTester({ keyFile: path.join(tmp, 'nope.pem'), certFile: tester.certFile })).toThrow(/cannot read/);
  });
});

describe('evidence manifest', () => {
  it('lists every file of the run with its hash, the tester certificate included', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(runDir, MANIFEST_FILE), 'utf8'));
    const files = listRunFiles(runDir);
    expect(manifest.files.map((f: { path: string }) => f.path)).toEqual(files);
    expect(files).toContain(TESTER_CERT_FILE);
    expect(files).toContain('evidence.jsonl');
    expect(files).not.toContain(MANIFEST_FILE);
    expect(files).not.toContain(SIGNATURE_FILE);
    const ev = manifest.files.find((f: { path: string }) => f.path === 'evidence.jsonl');
    expect(ev.sha256).toBe(crypto.createHash('sha256').update(fs.readFileSync(path.join(runDir, 'evidence.jsonl'))).digest('hex'));
  });

  it('verifies an intact run', () => {
    const v = verifyEvidence(runDir);
    expect(v).toMatchObject({ ok: true, altered: [], changed: [], missing: [], added: [] });
    expect(v.signature.valid).toBe(true);
    expect(v.signature.signer!.fingerprint256).toBe(tester.fingerprint256);
    expect(v.filesChecked).toBeGreaterThan(20);
  });

  it('fails after a one-byte change to any file of the run, naming that file', () => {
    const all = [...listRunFiles(runDir), MANIFEST_FILE, SIGNATURE_FILE];
    expect(all.length).toBeGreaterThan(20);
    for (const rel of all) {
      const file = path.join(runDir, rel);
      const v = withFlippedByte(file, seededPosition(rel, fs.statSync(file).size), () => verifyEvidence(runDir));
      expect(v.ok, rel).toBe(false);
      expect(v.altered, rel).toEqual([rel]);
    }
    expect(verifyEvidence(runDir).ok).toBe(true);
  });

  it('fails on a change to any single byte of the signature', () => {
    const file = path.join(runDir, SIGNATURE_FILE);
    const size = fs.statSync(file).size;
    const accepted: number[] = [];
    for (let i = 0; i < size; i++) {
      const v = withFlippedByte(file, i, () => verifyEvidence(runDir));
      if (v.ok || !v.altered.includes(SIGNATURE_FILE)) accepted.push(i);
    }
    expect(accepted).toEqual([]);
  });

  it('fails on 300 seeded single-byte changes of the manifest', () => {
    const file = path.join(runDir, MANIFEST_FILE);
    const size = fs.statSync(file).size;
    for (let n = 0; n < 300; n++) {
      const v = withFlippedByte(file, seededPosition(`m${n}`, size), () => verifyEvidence(runDir));
      expect(v.ok).toBe(false);
      expect(v.altered).toContain(MANIFEST_FILE);
    }
  });

  it('names added and missing files', () => {
    const extra = path.join(runDir, 'documents', 'smuggled.pdf');
    fs.writeFileSync(extra, '%PDF-1.7 not from the run');
    const removed = path.join(runDir, 'junit.xml');
    const saved = fs.readFileSync(removed);
    fs.rmSync(removed);
    try {
      const v = verifyEvidence(runDir);
      expect(v.ok).toBe(false);
      expect(v.added).toEqual(['documents/smuggled.pdf']);
      expect(v.missing).toEqual(['junit.xml']);
      expect(v.altered).toEqual(['documents/smuggled.pdf', 'junit.xml']);
    } finally {
      fs.rmSync(extra);
      fs.writeFileSync(removed, saved);
    }
  });

  it('fails when the run was re-signed by someone else and the caller trusts the original tester', () => {
    const copy = path.join(tmp, 'resigned');
    fs.cpSync(runDir, copy, { recursive: true });
    const intruder = loadOrCreateTester({ env: { ECERT_HOME: path.join(tmp, 'intruder-home') } });
    sealRun(copy, intruder);
    expect(verifyEvidence(copy).ok).toBe(true);
    const v = verifyEvidence(copy, { trustedCertPem: tester.certificatePem });
    expect(v.ok).toBe(false);
    expect(v.trusted).toBe(false);
    expect(verifyEvidence(runDir, { trustedCertPem: tester.certificatePem })).toMatchObject({ ok: true, trusted: true });
  });

  it('says when a directory cannot be checked at all', () => {
    expect(() => verifyEvidence(path.join(tmp, 'missing'))).toThrow(EvidenceError);
    const unsealed = writeSampleRun(path.join(tmp, 'unsealed'), { seed: 'unsealed', casesPerCategory: 1, countries: ['UZ', 'KG'] }).runDir;
    try {
      verifyEvidence(unsealed);
      expect.unreachable();
    } catch (error) {
      expect((error as EvidenceError).kind).toBe('not-sealed');
    }
    const empty = fs.mkdtempSync(path.join(tmp, 'empty-'));
    expect(() => verifyEvidence(empty)).toThrow(/not a run directory/);
  });

  it.skipIf(skipWithout('openssl'))('is a CMS signature openssl accepts, with the tester certificate as trust anchor', () => {
    const out = execFileSync(
      'openssl',
      ['cms', '-verify', '-binary', '-inform', 'DER', '-in', path.join(runDir, SIGNATURE_FILE), '-content', path.join(runDir, MANIFEST_FILE), '-CAfile', path.join(runDir, TESTER_CERT_FILE), '-purpose', 'any', '-out', '/dev/null'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    expect(out).toBe('');
  });
});
