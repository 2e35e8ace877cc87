import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki } from '../../../fixtures/pki.ts';
import { loadProfiles } from '../../../fixtures/profiles/index.ts';
import { VARIANT_NAMES, VARIANTS } from '../../../fixtures/variants.ts';
import { inspectPdf } from '../../../protocol/pdf/inspect.ts';
import { loadTrustRegistry } from '../../../protocol/trust.ts';
import type { Envelope } from '../../../protocol/types.ts';
import { verifyDocument } from '../../../protocol/verify.ts';
import { buildCli, type CliIO } from '../index.ts';
import { docCommand } from './doc.ts';
import { verifyCommand } from './verify.ts';

// `ecert doc issue | variants | envelope | trust-add` driven through the CLI frame with captured
// output: files written, exit codes, and every bad-input path (exit 2, a message naming the
// problem, nothing already on disk lost).

const PKI_SEED = 'cli-doc-test';
const ISSUED_AT = '2026-03-02T07:30:00Z';
let tmp: string;

async function ecert(argv: string[], options: { cwd?: string; lang?: string } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { stdout: (s) => void out.push(s), stderr: (s) => void err.push(s), env: { ECERT_LANG: options.lang ?? 'en' }, cwd: options.cwd ?? tmp, isTTY: false };
  const code = await buildCli([docCommand, verifyCommand], [], io).run(argv);
  const stderr = err.join('');
  // Whatever happens, the user never gets a stack trace.
  expect(stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  return { code, stdout: out.join(''), stderr };
}

const issueArgs = (out: string, ...extra: string[]) => ['doc', 'issue', '--country', 'UZ', '--to', 'KG', '--type', 'coc', '--pki-seed', PKI_SEED, '--issued-at', ISSUED_AT, '--out', out, ...extra];
const sha = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const jsonOf = <T>(file: string): T => JSON.parse(fs.readFileSync(file, 'utf8')) as T;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ecert-doc-cli-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('ecert doc issue', () => {
  it('writes the PDF, its envelope and the trust registry, and they verify', async () => {
    const r = await ecert(issueArgs('genuine', '--json'));
    expect(r.code, r.stderr).toBe(0);
    const info = JSON.parse(r.stdout) as { documentId: string; files: Record<string, string>; genuine: boolean; keyId: string; sender: string; recipient: string; documentType: string };
    expect(info).toMatchObject({ sender: 'UZ', recipient: 'KG', documentType: 'coc', genuine: true });
    expect(Object.keys(info.files).sort()).toEqual(['envelope', 'pdf', 'trust']);
    expect(info.files.pdf).toBe(path.join('genuine', `${info.documentId}.pdf`));
    expect(info.files.envelope).toBe(path.join('genuine', `${info.documentId}.json`));
    const pdf = fs.readFileSync(path.join(tmp, info.files.pdf!));
    const envelope = jsonOf<Envelope>(path.join(tmp, info.files.envelope!));
    expect(envelope.file.sha256).toBe(sha(path.join(tmp, info.files.pdf!)));
    expect(envelope.signature.keyId).toBe(info.keyId);
    expect(envelope.metadata.issueDateTime.endsWith('+05:00')).toBe(true);
    expect(Date.parse(envelope.metadata.issueDateTime)).toBe(Date.parse(ISSUED_AT));
    const trust = loadTrustRegistry(path.join(tmp, info.files.trust!));
    expect(trust).toEqual(createTestPki({ seed: PKI_SEED, profiles: loadProfiles() }).trustRegistry());
    expect(verifyDocument({ pdf, envelope, trust, at: ISSUED_AT }).valid).toBe(true);
  });

  it('is deterministic: the same command leaves identical files untouched', async () => {
    const first = await ecert(issueArgs('again', '--json'));
    const files = (JSON.parse(first.stdout) as { files: Record<string, string> }).files;
    const before = Object.values(files).map((f) => sha(path.join(tmp, f)));
    const second = await ecert(issueArgs('again', '--json'));
    expect(second.code, second.stderr).toBe(0);
    expect(Object.values(files).map((f) => sha(path.join(tmp, f)))).toEqual(before);
    // Another seed is another document, added beside the first, in the same registry.
    const third = await ecert(issueArgs('again', '--seed', '2', '--json'));
    expect((JSON.parse(third.stdout) as { documentId: string }).documentId).not.toBe(path.basename(files.pdf!, '.pdf'));
    expect(fs.readdirSync(path.join(tmp, 'again')).length).toBe(5);
  });

  it('issues a bad variant and says which reason code a verifier must give', async () => {
    const r = await ecert(issueArgs('bad', '--variant', 'byte-flip'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Issued a bad (byte-flip) certificate of conformity');
    expect(r.stdout).toContain('must reject it with MESSAGE_DIGEST_MISMATCH');
    expect(r.stdout).toMatch(/Check it: ecert verify bad\/\S+\.pdf --envelope bad\/\S+\.json --trust bad\/trust\.json/);
    const id = fs.readdirSync(path.join(tmp, 'bad')).find((f) => f.endsWith('.pdf'))!.replace(/\.pdf$/, '');
    const report = verifyDocument({
      pdf: fs.readFileSync(path.join(tmp, 'bad', `${id}.pdf`)),
      envelope: jsonOf<Envelope>(path.join(tmp, 'bad', `${id}.json`)),
      trust: loadTrustRegistry(path.join(tmp, 'bad', 'trust.json')),
      at: ISSUED_AT,
    });
    expect(report.reasonCodes).toEqual(['MESSAGE_DIGEST_MISMATCH']);
  });

  it('fills defaults from what the pair exchanges', async () => {
    // PK trades heaters (8516) only with UZ: the product picks the partner.
    const heaters = await ecert(['doc', 'issue', '--country', 'pk', '--product', '8516', '--pki-seed', PKI_SEED, '--issued-at', ISSUED_AT, '--out', 'defaults', '--json']);
    expect(heaters.code, heaters.stderr).toBe(0);
    const info = JSON.parse(heaters.stdout) as { recipient: string; hsCode: string };
    expect(info.recipient).toBe('UZ');
    expect(info.hsCode.startsWith('8516')).toBe(true);
    // PK and KG exchange test reports only: the type follows the pair.
    const tr = await ecert(['doc', 'issue', '--country', 'PK', '--to', 'KG', '--pki-seed', PKI_SEED, '--issued-at', ISSUED_AT, '--out', 'defaults', '--json']);
    expect((JSON.parse(tr.stdout) as { documentType: string }).documentType).toBe('tr');
  });

  it('--unsigned writes a PDF with the metadata embedded and an empty signature field', async () => {
    const r = await ecert(issueArgs('unsigned', '--unsigned'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Prepared an unsigned certificate of conformity');
    expect(r.stdout).toContain('ecert doc envelope signed.pdf');
    const files = fs.readdirSync(path.join(tmp, 'unsigned')).sort();
    expect(files.filter((f) => f !== 'trust.json').map((f) => f.replace(/^.*?(\.metadata\.json|\.pdf)$/, '$1')).sort()).toEqual(['.metadata.json', '.pdf']);
    const pdf = fs.readFileSync(path.join(tmp, 'unsigned', files.find((f) => f.endsWith('.pdf'))!));
    const inspection = inspectPdf(pdf);
    expect(inspection.signatures).toEqual([]);
    expect(inspection.emptySignatureFields).toEqual(['ecert_signature']);
    expect(inspection.metadata.found && inspection.metadata.value).toEqual(jsonOf(path.join(tmp, 'unsigned', files.find((f) => f.endsWith('.metadata.json'))!)));
    // A metadata variant works unsigned; a signing or post-signing one cannot.
    expect((await ecert(issueArgs('unsigned-exp', '--unsigned', '--variant', 'expired-document'))).code).toBe(0);
    const refused = await ecert(issueArgs('unsigned-bad', '--unsigned', '--variant', 'revoked-key'));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('variant "revoked-key" acts at the signing stage');
    expect(fs.existsSync(path.join(tmp, 'unsigned-bad'))).toBe(false);
  });

  describe('bad input: exit 2, a message naming the problem, nothing written', () => {
    const cases: Array<[string, string[], RegExp]> = [
      ['unknown country', ['--country', 'FR'], /unknown country "FR" \(known: AZ, KG, PK, TJ, UZ\)/],
      ['recipient is the sender', ['--to', 'UZ'], /--to UZ is the issuing country itself/],
      ['unknown type', ['--type', 'pdf'], /unknown document type "pdf": use coc or tr/],
      ['unknown variant', ['--variant', 'bit-rot'], /unknown variant "bit-rot"[\s\S]*ecert doc variants/],
      ['product not traded by the pair', ['--product', '8516'], /HS 8516 is not a pilot product that UZ and KG trade \(they trade: 0813\)/],
      ['malformed HS code', ['--product', '08.13'], /HS 08\.13 is not a pilot product/],
      ['type the pair does not exchange', ['--country', 'KG', '--to', 'PK', '--type', 'coc'], /KG and PK do not exchange certificates of conformity in the pilot \(they exchange: tr\)/],
      ['validity variant of a test report', ['--country', 'KG', '--to', 'PK', '--type', 'tr', '--variant', 'expired-document'], /variant "expired-document" sets the validity window, which only a certificate of conformity has .*: use --type coc/],
      ['bad issue time', ['--issued-at', 'yesterday'], /--issued-at "yesterday" is not an ISO 8601 date-time/],
      ['bad sub-filter', ['--sub-filter', 'pkcs7'], /unknown sub-filter "pkcs7"/],
      ['bad verify URL', ['--verify-url', 'hub.example'], /--verify-url "hub.example" is not an http\(s\) URL/],
    ];
    for (const [what, flags, message] of cases) {
      it(what, async () => {
        const base = ['doc', 'issue', '--country', 'UZ', '--to', 'KG', '--pki-seed', PKI_SEED, '--issued-at', ISSUED_AT, '--out', `rejected-${what.replace(/\W+/g, '-')}`];
        // Later flags win in commander, so the case's flags override the defaults above.
        const r = await ecert([...base, ...flags]);
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(message);
        expect(fs.existsSync(path.join(tmp, `rejected-${what.replace(/\W+/g, '-')}`))).toBe(false);
      });
    }

    it('missing --out or --country', async () => {
      const r = await ecert(['doc', 'issue', '--country', 'UZ']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/missing required option .*--out/);
      expect((await ecert(['doc', 'issue', '--out', 'x'])).stderr).toMatch(/--country/);
    });

    it('a file with other content is kept unless --force', async () => {
      await ecert(issueArgs('keep'));
      const pdfName = fs.readdirSync(path.join(tmp, 'keep')).find((f) => f.endsWith('.pdf'))!;
      const file = path.join(tmp, 'keep', pdfName);
      fs.writeFileSync(file, 'the tester\u2019s own file');
      const r = await ecert(issueArgs('keep'));
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${path.join('keep', pdfName)} already exists with other content`);
      expect(r.stderr).toContain('--force');
      expect(fs.readFileSync(file, 'utf8')).toBe('the tester\u2019s own file');
      expect((await ecert(issueArgs('keep', '--force'))).code).toBe(0);
      expect(fs.readFileSync(file).subarray(0, 5).toString()).toBe('%PDF-');
    });

    it('a broken trust.json in the output directory is left untouched and nothing is written', async () => {
      fs.mkdirSync(path.join(tmp, 'broken'));
      fs.writeFileSync(path.join(tmp, 'broken', 'trust.json'), '{"format": "ecert-trust/1", "countries": {"UZ": {"anchors": ["nope"], "signers": []}}}');
      const r = await ecert(issueArgs('broken'));
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/the existing broken\/trust\.json is not a valid trust registry, so it was left untouched/);
      expect(r.stderr).toContain('/countries/UZ/anchors/0');
      expect(fs.readdirSync(path.join(tmp, 'broken'))).toEqual(['trust.json']);
    });
  });

  it('merges into a trust.json that registers other certificates, keeping them', async () => {
    await ecert(issueArgs('merge'));
    const file = path.join(tmp, 'merge', 'trust.json');
    const other = createTestPki({ seed: 'cli-doc-test-national', profiles: loadProfiles('UZ') }).trustRegistry();
    fs.writeFileSync(file, `${JSON.stringify(other, null, 2)}\n`);
    const r = await ecert(issueArgs('merge', '--seed', '3'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('(merged into the existing registry)');
    const merged = loadTrustRegistry(file);
    const keyIds = (reg: typeof merged, cc: string) => reg.countries[cc]?.signers.map((s) => s.keyId) ?? [];
    for (const id of keyIds(other, 'UZ')) expect(keyIds(merged, 'UZ')).toContain(id);
    expect(keyIds(merged, 'UZ')).toContain(createTestPki({ seed: PKI_SEED, profiles: loadProfiles() }).country('UZ').signer.keyId);
    expect(Object.keys(merged.countries).sort()).toEqual(['AZ', 'KG', 'PK', 'TJ', 'UZ']);
  });

  it('speaks Russian with --lang ru', async () => {
    const r = await ecert([...issueArgs('ru', '--variant', 'revoked-key'), '--lang', 'ru']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Выпущен дефектный (revoked-key) сертификат соответствия');
    expect(r.stdout).toContain('обязан отклонить его с кодом SIGNER_REVOKED: Подписан сертификатом, отозванным в реестре');
    const bad = await ecert(['doc', 'issue', '--country', 'XX', '--out', 'x', '--lang', 'ru']);
    expect(bad.stderr).toContain('ошибка: неизвестная страна «XX»');
  });
});

describe('ecert doc variants', () => {
  it('lists every variant with its stage and expected reason code', async () => {
    const r = await ecert(['doc', 'variants']);
    expect(r.code).toBe(0);
    for (const name of VARIANT_NAMES) {
      const v = VARIANTS[name];
      const line = r.stdout.split('\n').find((l) => l.startsWith(`${name} `));
      expect(line, name).toBeDefined();
      expect(line).toContain('expectedReasonCode' in v ? v.expectedReasonCode : '(valid)');
      expect(line).toContain(v.description.en);
    }
  });

  it('--json gives the machine-readable list, --lang ru the Russian descriptions', async () => {
    const list = JSON.parse((await ecert(['doc', 'variants', '--json'])).stdout) as Array<{ name: string; genuine: boolean; expectedReasonCode?: string; stage: string; unsigned: boolean }>;
    expect(list.map((v) => v.name)).toEqual(VARIANT_NAMES);
    expect(list.find((v) => v.name === 'truncated-cms')).toMatchObject({ genuine: false, expectedReasonCode: 'CMS_MALFORMED', stage: 'post-signing', unsigned: false });
    expect(list.find((v) => v.name === 'short-validity')).toMatchObject({ genuine: true, stage: 'metadata', unsigned: true });
    const ru = await ecert(['doc', 'variants', '--lang', 'ru']);
    expect(ru.stdout).toContain(VARIANTS['weak-key'].description.ru);
    expect(ru.stdout).toContain('ОЖИДАЕМЫЙ КОД ПРИЧИНЫ');
  });
});

describe('ecert doc envelope and ecert doc trust-add', () => {
  it('writes the envelope of a signed PDF, equal to the one issued with it', async () => {
    const r = await ecert(issueArgs('env', '--json'));
    const files = (JSON.parse(r.stdout) as { files: Record<string, string> }).files;
    const copy = path.join(tmp, 'env', 'copy.pdf');
    fs.copyFileSync(path.join(tmp, files.pdf!), copy);
    const e = await ecert(['doc', 'envelope', 'env/copy.pdf']);
    expect(e.code, e.stderr).toBe(0);
    expect(e.stdout).toMatch(/Wrote the envelope of \S+ \(key UZ:[0-9a-f]{16}, adbe\.pkcs7\.detached\) to env\/copy\.json/);
    const { name, ...file } = jsonOf<Envelope>(path.join(tmp, 'env', 'copy.json')).file;
    expect(name).toBe('copy.pdf');
    const issued = jsonOf<Envelope>(path.join(tmp, files.envelope!));
    expect({ ...jsonOf<Envelope>(path.join(tmp, 'env', 'copy.json')), file }).toEqual(issued);
  });

  it('refuses an unsigned PDF, a non-PDF and a missing file', async () => {
    await ecert(issueArgs('env-unsigned', '--unsigned'));
    const pdf = fs.readdirSync(path.join(tmp, 'env-unsigned')).find((f) => f.endsWith('.pdf'))!;
    const unsigned = await ecert(['doc', 'envelope', path.join('env-unsigned', pdf)]);
    expect(unsigned.code).toBe(2);
    expect(unsigned.stderr).toContain('is not signed yet (empty signature field: ecert_signature)');
    expect(unsigned.stderr).toContain('Sign it first');
    fs.writeFileSync(path.join(tmp, 'notes.pdf'), 'just text');
    const text = await ecert(['doc', 'envelope', 'notes.pdf']);
    expect(text.code).toBe(2);
    expect(text.stderr).toContain('notes.pdf is not a readable PDF');
    const missing = await ecert(['doc', 'envelope', 'nowhere.pdf']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read nowhere.pdf: no such file');
  });

  it('trust-add registers a signer and its CA certificates, and refuses what it cannot use', async () => {
    const uz = createTestPki({ seed: 'cli-doc-test-national', profiles: loadProfiles('UZ') }).country('UZ');
    fs.mkdirSync(path.join(tmp, 'reg'));
    fs.writeFileSync(path.join(tmp, 'reg', 'signer.pem'), uz.signer.pem);
    fs.writeFileSync(path.join(tmp, 'reg', 'root.der'), uz.root.der);
    fs.writeFileSync(path.join(tmp, 'reg', 'chain.pem'), uz.issuingCa.pem + uz.root.pem);
    const signerOnly = await ecert(['doc', 'trust-add', '--trust', 'reg/trust.json', '--country', 'UZ', '--cert', 'reg/signer.pem', '--label', 'OneID']);
    expect(signerOnly.code, signerOnly.stderr).toBe(0);
    expect(signerOnly.stdout).toContain(`Registered signer ${uz.signer.keyId} (active) for UZ`);
    expect(signerOnly.stdout).toContain('UZ has no root CA (anchor) in the registry yet');
    const ca = await ecert(['doc', 'trust-add', '--trust', 'reg/trust.json', '--country', 'uz', '--anchor', 'reg/root.der', '--intermediate', 'reg/chain.pem']);
    expect(ca.code, ca.stderr).toBe(0);
    const trust = loadTrustRegistry(path.join(tmp, 'reg', 'trust.json'));
    expect(trust.countries.UZ!.signers).toMatchObject([{ keyId: uz.signer.keyId, label: 'OneID', status: 'active' }]);
    expect(trust.countries.UZ!.anchors).toHaveLength(1);
    // A registry built this way verifies that country's documents.
    const { issueDocument } = await import('../../../fixtures/issue.ts');
    const doc = await issueDocument({ sender: 'UZ', recipient: 'KG', type: 'coc', hsCode: '0813', variant: 'genuine', seed: 's', issuedAt: new Date(ISSUED_AT) }, { pki: createTestPki({ seed: 'cli-doc-test-national', profiles: loadProfiles('UZ') }) });
    expect(verifyDocument({ pdf: doc.pdf, envelope: doc.envelope, trust, at: ISSUED_AT }).valid).toBe(true);

    const before = fs.readFileSync(path.join(tmp, 'reg', 'trust.json'));
    const asSigner = await ecert(['doc', 'trust-add', '--trust', 'reg/trust.json', '--country', 'UZ', '--cert', 'reg/root.der']);
    expect(asSigner.code).toBe(2);
    expect(asSigner.stderr).toContain('is a CA certificate; register it with --anchor');
    fs.writeFileSync(path.join(tmp, 'reg', 'junk.pem'), '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    const junk = await ecert(['doc', 'trust-add', '--trust', 'reg/trust.json', '--country', 'UZ', '--cert', 'reg/junk.pem']);
    expect(junk.code).toBe(2);
    expect(junk.stderr).toContain('reg/junk.pem holds no readable certificate');
    expect((await ecert(['doc', 'trust-add', '--trust', 'reg/trust.json', '--country', 'UZ'])).stderr).toContain('nothing to register');
    expect(fs.readFileSync(path.join(tmp, 'reg', 'trust.json')).equals(before)).toBe(true);
  });
});

describe('help', () => {
  it('every doc command has --help, in English and Russian', async () => {
    for (const sub of ['issue', 'variants', 'envelope', 'trust-add']) {
      const r = await ecert(['doc', sub, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: ecert doc ${sub}`);
    }
    const issue = await ecert(['doc', 'issue', '--help']);
    for (const flag of ['--country', '--type', '--to', '--product', '--variant', '--seed', '--unsigned', '--out']) expect(issue.stdout).toContain(flag);
    const ru = await ecert(['doc', 'issue', '--help', '--lang', 'ru']);
    expect(ru.stdout).toContain('Использование: ecert doc issue');
    expect(ru.stdout).toContain('страна выдачи (отправитель)');
  });
});
