import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IssuedDocument, issueDocument } from '../../../fixtures/issue.ts';
import { createTestPki } from '../../../fixtures/pki.ts';
import { loadProfiles } from '../../../fixtures/profiles/index.ts';
import { VARIANT_NAMES, VARIANTS, type VariantName, variantInfo } from '../../../fixtures/variants.ts';
import { reasonMessages } from '../../../protocol/reason-messages.ts';
import { serializeTrustRegistry } from '../../../protocol/trust.ts';
import { CHECK_NAMES, type VerificationReport } from '../../../protocol/types.ts';
import { skipWithout } from '../../../test/support/external.ts';
import { buildCli, type CliIO } from '../index.ts';
import { docCommand } from './doc.ts';
import { verifyCommand } from './verify.ts';

// `ecert verify` driven through the CLI frame with captured output: the readable and the JSON
// report, exit 0 / 1 / 2, every unusable-input path, and a document signed by an external
// standard signer (poppler's pdfsig with an NSS database) accepted once its certificate is
// registered with `ecert doc trust-add`.

const PKI_SEED = 'cli-verify-test';
const pki = createTestPki({ seed: PKI_SEED, profiles: loadProfiles() });
const ISSUED_AT = new Date('2026-03-02T07:30:00Z');
const AT = '2026-03-02T07:35:00Z';
let tmp: string;
const docs = new Map<VariantName, { pdf: string; envelope: string; doc: IssuedDocument }>();

async function ecert(argv: string[], options: { cwd?: string; lang?: string } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { stdout: (s) => void out.push(s), stderr: (s) => void err.push(s), env: { ECERT_LANG: options.lang ?? 'en' }, cwd: options.cwd ?? tmp, isTTY: false };
  const code = await buildCli([docCommand, verifyCommand], [], io).run(argv);
  const stderr = err.join('');
  expect(stderr).not.toMatch(/\n\s+at .+:\d+:\d+/); // never a stack trace
  return { code, stdout: out.join(''), stderr };
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ecert-verify-cli-'));
  fs.writeFileSync(path.join(tmp, 'registry.json'), serializeTrustRegistry(pki.trustRegistry()));
  fs.mkdirSync(path.join(tmp, 'docs'));
  for (const variant of VARIANT_NAMES) {
    const doc = await issueDocument({ sender: 'AZ', recipient: 'UZ', type: 'coc', hsCode: '0813', variant, seed: 'cli-verify/1', issuedAt: ISSUED_AT }, { pki });
    const pdf = path.join('docs', `${variant}.pdf`);
    const envelope = path.join('docs', `${variant}.envelope.json`);
    fs.writeFileSync(path.join(tmp, pdf), doc.pdf);
    fs.writeFileSync(path.join(tmp, envelope), JSON.stringify(doc.envelope));
    docs.set(variant, { pdf, envelope, doc });
  }
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const full = (variant: VariantName, ...extra: string[]) => ['verify', docs.get(variant)!.pdf, '--envelope', docs.get(variant)!.envelope, '--trust', 'registry.json', '--at', AT, ...extra];

describe('the report', () => {
  it('a genuine document: every check passed, exit 0', async () => {
    const r = await ecert(full('genuine'));
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    for (const label of ['File integrity', 'Signature', 'Public key', 'Metadata integrity', 'Validity']) {
      expect(lines.find((l) => l.startsWith(`✓ ${label} `)), label).toBeDefined();
    }
    const doc = docs.get('genuine')!.doc;
    expect(r.stdout).toMatch(new RegExp(`^Document\\s+${doc.metadata.documentId.replace(/\./g, '\\.')} · certificate of conformity · issued by AZ$`, 'm'));
    expect(r.stdout).toContain(`key ${doc.keyId} · ECDSA-P-256/SHA-256 · adbe.pkcs7.detached · signed 2026-03-02T07:30:00.000Z`);
    expect(r.stdout).toContain(`SHA-256 ${doc.sha256}`);
    expect(r.stdout).toContain('at 2026-03-02T07:35:00.000Z · policy score-full · trust registry registry.json');
    expect(r.stdout).toContain('\nVALID (TOTAL_PASSED)\n');
  });

  it('--json has {valid, indication, checks: {result, indication, subIndication, reasonCode, detail}} and the rest of the report', async () => {
    const r = await ecert(full('revoked-key', '--json'));
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as VerificationReport & { inputs: Record<string, string> };
    expect(report.valid).toBe(false);
    expect(report.indication).toBe('TOTAL_FAILED');
    expect(Object.keys(report.checks)).toEqual([...CHECK_NAMES]);
    expect(report.checks.publicKey).toMatchObject({ result: 'failed', indication: 'TOTAL_FAILED', subIndication: 'REVOKED', reasonCode: 'SIGNER_REVOKED' });
    expect(report.checks.publicKey.detail).toMatch(/^The signer key AZ:[0-9a-f]{16} was revoked in the registry on 2025-06-01T00:00:00Z/);
    expect(report.checks.signature).toMatchObject({ result: 'passed', indication: 'TOTAL_PASSED' });
    expect(report.reasonCodes).toEqual(['SIGNER_REVOKED']);
    expect(report.signer?.keyId).toBe(docs.get('revoked-key')!.doc.keyId);
    expect(report.inputs).toEqual({ pdf: docs.get('revoked-key')!.pdf, envelope: docs.get('revoked-key')!.envelope, trust: 'registry.json' });
    expect(r.stderr).toBe('');
  });

  for (const variant of VARIANT_NAMES.filter((v) => !VARIANTS[v].genuine)) {
    const code = variantInfo(variant).expectedReasonCode!;
    it(`${variant}: exit 1, ✗ or ? on the check of ${code}, with its localized reason`, async () => {
      const r = await ecert(full(variant));
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(new RegExp(`^[✗?] .*\\[${code}\\] `, 'm'));
      expect(r.stdout).toMatch(/^(NOT VALID|NOT CONFIRMED): /m);
      const ru = await ecert(full(variant, '--json', '--lang', 'ru'));
      const report = JSON.parse(ru.stdout) as { reasonCodes: string[]; checks: Record<string, { reasonCode?: string; text: string; params?: Record<string, string | number> }> };
      expect(report.reasonCodes).toContain(code);
      const check = Object.values(report.checks).find((c) => c.reasonCode === code)!;
      expect(check.text).toBe(reasonMessages.t('ru', code, check.params));
    });
  }

  it('speaks Russian with --lang ru', async () => {
    const r = await ecert(full('expired-document', '--lang', 'ru'));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('✓ Подпись');
    expect(r.stdout).toMatch(/✗ Срок действия\s+\[DOCUMENT_EXPIRED\] Срок действия документа истёк/);
    expect(r.stdout).toContain('НЕДЕЙСТВИТЕЛЕН: TOTAL_FAILED / EXPIRED (коды причин: DOCUMENT_EXPIRED)');
  });

  it('takes Russian from a locale-style ECERT_LANG, and says so when ECERT_LANG names a language it does not speak', async () => {
    const locale = await ecert(full('genuine'), { lang: 'ru_RU.UTF-8' });
    expect(locale.code).toBe(0);
    expect(locale.stdout).toContain('✓ Подпись');
    expect(locale.stderr).toBe('');
    const unknown = await ecert(full('genuine'), { lang: 'fr' });
    expect(unknown.code).toBe(0);
    expect(unknown.stdout).toContain('✓ Signature');
    expect(unknown.stderr).toContain('ECERT_LANG="fr"');
    expect(unknown.stderr).toContain('English');
    // An explicit --lang wins and leaves nothing to warn about.
    const explicit = await ecert(full('genuine', '--lang', 'en'), { lang: 'fr' });
    expect(explicit.stderr).toBe('');
  });
});

describe('what a tester in the field may be missing', () => {
  it('only the PDF: the envelope checks say so, the others still run', async () => {
    const r = await ecert(['verify', docs.get('genuine')!.pdf, '--trust', 'registry.json', '--at', AT]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^\? File integrity\s+\[ENVELOPE_REQUIRED\] The signed range is intact, but without the envelope/m);
    expect(r.stdout).toMatch(/^✓ Signature /m);
    expect(r.stdout).toMatch(/^✓ Public key /m);
    expect(r.stdout).toMatch(/^✓ Metadata integrity\s+The metadata embedded in the PDF is schema-valid \(no envelope to compare with\)/m);
    expect(r.stdout).toContain('Note: no envelope given');
    // A tampered PDF is still caught without its envelope.
    const flipped = await ecert(['verify', docs.get('byte-flip')!.pdf, '--trust', 'registry.json', '--at', AT]);
    expect(flipped.stdout).toMatch(/^✗ File integrity\s+\[MESSAGE_DIGEST_MISMATCH\]/m);
  });

  it('points at an envelope lying beside the PDF', async () => {
    fs.mkdirSync(path.join(tmp, 'beside'));
    fs.copyFileSync(path.join(tmp, docs.get('genuine')!.pdf), path.join(tmp, 'beside', 'doc.pdf'));
    fs.copyFileSync(path.join(tmp, docs.get('genuine')!.envelope), path.join(tmp, 'beside', 'doc.json'));
    const r = await ecert(['verify', 'beside/doc.pdf', '--trust', 'registry.json', '--at', AT]);
    expect(r.stdout).toContain('Note: beside/doc.json lies beside the PDF; pass --envelope beside/doc.json to check it too.');
    const withIt = await ecert(['verify', 'beside/doc.pdf', '--envelope', 'beside/doc.json', '--trust', 'registry.json', '--at', AT]);
    expect(withIt.code).toBe(0);
  });

  it('no registry: says the public key check cannot pass and how to get one; ./trust.json is used when present', async () => {
    const none = await ecert(full('genuine').filter((a, i, all) => a !== '--trust' && all[i - 1] !== '--trust'));
    expect(none.code).toBe(1);
    expect(none.stdout).toMatch(/^\? Public key\s+\[SIGNER_NOT_REGISTERED\]/m);
    expect(none.stdout).toContain('no trust registry, so the public key check cannot pass');
    expect(none.stdout).toContain('ecert doc issue --out DIR');
    expect(none.stdout).toContain('trust registry none');

    const cwd = path.join(tmp, 'with-trust');
    fs.mkdirSync(cwd);
    fs.copyFileSync(path.join(tmp, 'registry.json'), path.join(cwd, 'trust.json'));
    const d = docs.get('genuine')!;
    const found = await ecert(['verify', path.join(tmp, d.pdf), '--envelope', path.join(tmp, d.envelope), '--at', AT], { cwd });
    expect(found.code, found.stdout).toBe(0);
    expect(found.stdout).toContain('Note: using the trust registry trust.json found in the current directory.');
  });

  it('--at moves the clock: the short-validity certificate expires two days later', async () => {
    expect((await ecert(full('short-validity'))).code).toBe(0);
    const later = await ecert([...full('short-validity'), '--at', '2026-03-04T08:00:00Z']);
    expect(later.code).toBe(1);
    expect(later.stdout).toContain('[DOCUMENT_EXPIRED] The document expired on');
  });

  it('--policy selects a verification level', async () => {
    // Under score-basic validity is advisory: the lapsed certificate is reported, not decisive.
    const basic = await ecert([...full('short-validity'), '--at', '2026-03-04T08:00:00Z', '--policy', 'score-basic', '--json']);
    expect(basic.code).toBe(0);
    const report = JSON.parse(basic.stdout) as VerificationReport;
    expect(report).toMatchObject({ valid: true, policy: 'score-basic', reasonCodes: ['DOCUMENT_EXPIRED'] });
    const unknown = await ecert([...full('genuine'), '--policy', 'strictest']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown verification policy "strictest" (known: score-full, score-basic, score-strict-time)');
  });
});

describe('unusable input: exit 2 with a message naming the problem and what to do', () => {
  const write = (name: string, text: string | Buffer) => {
    fs.writeFileSync(path.join(tmp, name), text);
    return name;
  };

  it('a missing PDF, a directory, a file that is not a PDF, an empty file', async () => {
    const missing = await ecert(['verify', 'nothing-here.pdf']);
    expect(missing).toMatchObject({ code: 2 });
    expect(missing.stderr).toContain('error: cannot read nothing-here.pdf: no such file');
    expect(missing.stderr).toContain('what to do: Check the path.');
    expect((await ecert(['verify', 'docs'])).stderr).toContain('cannot read docs: it is a directory, not a file');
    const text = await ecert(['verify', write('letter.pdf', 'Dear colleagues, please find the certificate attached.'), '--trust', 'registry.json']);
    expect(text.code).toBe(2);
    expect(text.stderr).toContain('letter.pdf is not a readable PDF');
    expect(text.stderr).toContain('its first bytes are %PDF-');
    const empty = await ecert(['verify', write('empty.pdf', ''), '--trust', 'registry.json']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('empty.pdf is not a readable PDF');
    // A PDF cut off in transfer is still a PDF: the verdict says what is missing (exit 1).
    const cut = await ecert(['verify', write('cut.pdf', fs.readFileSync(path.join(tmp, docs.get('genuine')!.pdf)).subarray(0, 900)), '--trust', 'registry.json']);
    expect(cut.code).toBe(1);
    expect(cut.stdout).toMatch(/^✗ Signature\s+\[SIGNATURE_MISSING\]/m);
  });

  it('an envelope that is missing, not JSON, or breaks the envelope schema', async () => {
    const pdf = docs.get('genuine')!.pdf;
    const base = ['verify', pdf, '--trust', 'registry.json', '--at', AT, '--envelope'];
    expect((await ecert([...base, 'none.json'])).stderr).toContain('cannot read none.json: no such file');
    const notJson = await ecert([...base, write('broken.json', '{"envelopeVersion": "1.0", ')]);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toMatch(/the envelope broken\.json is not valid JSON: /);
    const envelope = JSON.parse(fs.readFileSync(path.join(tmp, docs.get('genuine')!.envelope), 'utf8'));
    const badHash = await ecert([...base, write('bad-hash.json', JSON.stringify({ ...envelope, file: { ...envelope.file, sha256: 'abc' } }))]);
    expect(badHash.code).toBe(2);
    expect(badHash.stderr).toContain('the envelope bad-hash.json breaks the envelope schema (1 problem): file/sha256 must be a SHA-256 digest of 64 lowercase hex characters, got "abc"');
    expect(badHash.stderr).toContain('ecert doc envelope FILE.pdf');
    const noSignature = await ecert([...base, write('no-sig.json', JSON.stringify({ ...envelope, signature: undefined }))]);
    expect(noSignature.code).toBe(2);
    expect(noSignature.stderr).toContain('(1 problem): signature is required');
  });

  it('an envelope whose only problem is its metadata is a finding (exit 1), not a usage error', async () => {
    const envelope = JSON.parse(fs.readFileSync(path.join(tmp, docs.get('genuine')!.envelope), 'utf8'));
    envelope.metadata.products[0].hsCode = '08.13';
    const r = await ecert(['verify', docs.get('genuine')!.pdf, '--envelope', write('bad-meta.json', JSON.stringify(envelope)), '--trust', 'registry.json', '--at', AT]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^✗ Metadata integrity\s+\[METADATA_SCHEMA_INVALID\] The envelope metadata breaks the schema/m);
    expect(r.stdout).toContain('Note: the envelope metadata breaks the schema');
  });

  it('a trust file that is missing, not JSON, or invalid', async () => {
    const base = ['verify', docs.get('genuine')!.pdf, '--at', AT, '--trust'];
    expect((await ecert([...base, 'absent.json'])).stderr).toContain('cannot read absent.json: no such file');
    const notJson = await ecert([...base, write('trust-broken.json', 'format: ecert-trust/1')]);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toContain('The trust registry trust-broken.json is not valid JSON');
    expect(notJson.stderr).toContain('what to do: Fix the file, or write a fresh one with `ecert doc issue --out DIR`');
    const registry = pki.trustRegistry();
    const uz = registry.countries.UZ!;
    const wrongId = { ...registry, countries: { ...registry.countries, UZ: { ...uz, signers: [{ ...uz.signers[0]!, keyId: 'UZ:0000000000000000' }, ...uz.signers.slice(1)] } } };
    const invalid = await ecert([...base, write('trust-wrong.json', JSON.stringify(wrongId))]);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('/countries/UZ/signers/0/keyId says keyId UZ:0000000000000000, but the certificate gives UZ:');
    const ru = await ecert([...base, 'trust-wrong.json', '--lang', 'ru']);
    expect(ru.stderr).toContain('ошибка: Реестр доверия trust-wrong.json некорректен');
  });

  it('a bad --at, a missing file argument, an unknown option', async () => {
    const at = await ecert(['verify', docs.get('genuine')!.pdf, '--at', '02.03.2026']);
    expect(at.code).toBe(2);
    expect(at.stderr).toContain('--at "02.03.2026" is not an ISO 8601 date-time');
    const noFile = await ecert(['verify']);
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toContain('missing argument');
    const unknown = await ecert(['verify', docs.get('genuine')!.pdf, '--envelop', 'x.json']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown option --envelop');
    // The help to run names the command, not the file argument, and the suggestion is localized.
    expect(unknown.stderr).toContain('Run "ecert verify --help" to see the options. (Did you mean --envelope?)');
    const russian = await ecert(['verify', docs.get('genuine')!.pdf, '--envelop', 'x.json', '--lang', 'ru']);
    expect(russian.stderr).toContain('«ecert verify --help». (Возможно, имелось в виду --envelope?)');
  });

  it('--help, in English and Russian', async () => {
    const en = await ecert(['verify', '--help']);
    expect(en.code).toBe(0);
    for (const flag of ['--envelope', '--trust', '--at', '--policy', '--json']) expect(en.stdout).toContain(flag);
    expect(en.stdout.replace(/\s+/g, ' ')).toContain('Exit 0 valid, 1 not valid, 2 unusable input');
    const ru = await ecert(['verify', '--help', '--lang', 'ru']);
    expect(ru.stdout).toContain('Использование: ecert verify');
    expect(ru.stdout).toContain('реестр доверия (trust.json)');
  });
});

describe.skipIf(skipWithout('pdfsig', 'certutil', 'pk12util', 'openssl'))('a document signed by an external standard signer (pdfsig)', () => {
  it('issue --unsigned, sign with pdfsig from an NSS database, write the envelope, register the certificate, verify', async () => {
    const dir = path.join(tmp, 'external');
    fs.mkdirSync(dir);
    const r = await ecert(['doc', 'issue', '--country', 'UZ', '--to', 'KG', '--type', 'coc', '--pki-seed', PKI_SEED, '--unsigned', '--out', 'external/out']);
    expect(r.code, r.stderr).toBe(0);
    const unsigned = path.join(dir, 'out', fs.readdirSync(path.join(dir, 'out')).find((f) => f.endsWith('.pdf'))!);

    // The country's "own" certificate: valid, from the UZ CA, but not in the harness registry.
    const national = pki.country('UZ').variant('unregistered');
    const db = path.join(dir, 'nssdb');
    fs.mkdirSync(db);
    const put = (name: string, text: string) => {
      fs.writeFileSync(path.join(dir, name), text);
      return path.join(dir, name);
    };
    const key = put('national.key', national.keyPem);
    const cert = put('national.pem', national.pem);
    const ca = put('ca.pem', pki.country('UZ').issuingCa.pem);
    const p12 = path.join(dir, 'national.p12');
    const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: 'pipe', encoding: 'utf8' });
    run('certutil', ['-N', '-d', `sql:${db}`, '--empty-password']);
    run('openssl', ['pkcs12', '-export', '-inkey', key, '-in', cert, '-certfile', ca, '-name', 'national', '-passout', 'pass:test', '-out', p12]);
    run('pk12util', ['-i', p12, '-d', `sql:${db}`, '-W', 'test']);
    const signed = path.join(dir, 'signed.pdf');
    run('pdfsig', ['-nssdir', `sql:${db}`, '-sign', 'ecert_signature', '-nick', 'national', '-reason', 'e-CERT', unsigned, signed]);
    expect(fs.existsSync(signed)).toBe(true);

    const env = await ecert(['doc', 'envelope', 'external/signed.pdf']);
    expect(env.code, env.stderr).toBe(0);
    expect(env.stdout).toContain(`key ${national.keyId}`);
    const verifyArgs = ['verify', 'external/signed.pdf', '--envelope', 'external/signed.json', '--trust', 'external/out/trust.json'];

    // Not registered yet: the signature is sound, the key is not known.
    const before = await ecert([...verifyArgs, '--json']);
    expect(before.code).toBe(1);
    const report = JSON.parse(before.stdout) as VerificationReport;
    expect(report.reasonCodes).toEqual(['SIGNER_NOT_REGISTERED']);
    expect(report.checks.signature.result).toBe('passed');

    const add = await ecert(['doc', 'trust-add', '--trust', 'external/out/trust.json', '--country', 'UZ', '--cert', 'external/national.pem', '--label', 'OneID']);
    expect(add.code, add.stderr).toBe(0);
    const after = await ecert(verifyArgs);
    expect(after.code, after.stdout).toBe(0);
    expect(after.stdout).toContain('VALID (TOTAL_PASSED)');
    expect(after.stdout).toContain(`key ${national.keyId} · RSA-2048/SHA-256 · adbe.pkcs7.detached`);
  });
});
