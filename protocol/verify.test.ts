import { beforeAll, describe, expect, it } from 'vitest';
import { buildEnvelope } from './envelope.ts';
import { LANGS } from './i18n.ts';
import { samplePdf } from './pdf/sample.ts';
import { type PdfSignOptions, signPdf } from './pdf/sign.ts';
import { SCORE_BASIC, SCORE_FULL, SCORE_STRICT_TIME } from './policy.ts';
import { REASON_CODES, type ReasonCode } from './reason-codes.ts';
import { checkText } from './reason-messages.ts';
import { type MiniChain, type MiniSigner, miniChain, miniMetadata } from './testing.ts';
import { keyIdFor, registerSigner, revokeSigner } from './trust.ts';
import { CHECK_NAMES, type CheckName, type EcertMetadata, type Envelope, type TrustRegistry, type VerificationReport } from './types.ts';
import { jsonEqual, verifyDocument } from './verify.ts';

const SIGNED_AT = new Date('2025-06-01T06:00:00Z');
const AT = '2025-07-01T00:00:00Z';

let uz: MiniChain;
let uzEc: MiniChain;
let unsigned: Buffer;
const meta = miniMetadata('UZ');

beforeAll(async () => {
  uz = miniChain('UZ');
  uzEc = miniChain('UZ', { type: 'ec', curve: 'P-256' }, 'protocol-tests-ec');
  unsigned = await samplePdf({ metadata: meta });
});

interface Doc {
  pdf: Buffer;
  envelope: Envelope;
  trust: TrustRegistry;
}

function sign(signer: MiniSigner = uz.signer, options: PdfSignOptions = {}, metadata: EcertMetadata = meta, base = unsigned, trust = uz.registry()): Doc {
  const pdf = signPdf(base, signer, { signingTime: SIGNED_AT, ...options });
  const envelope = buildEnvelope(pdf, metadata, { keyId: keyIdFor(signer.certificate, metadata.issuingBody.countryCode), subFilter: options.subFilter ?? 'adbe.pkcs7.detached' });
  return { pdf, envelope, trust };
}

function verify(doc: Doc, extra: Partial<Parameters<typeof verifyDocument>[0]> = {}): VerificationReport {
  return verifyDocument({ pdf: doc.pdf, envelope: doc.envelope, trust: doc.trust, at: AT, ...extra });
}

/** The check a reason code belongs to reports exactly that code, with its sub-indication. */
function expectReason(report: VerificationReport, code: ReasonCode): void {
  const info = REASON_CODES[code] as { check: CheckName; subIndication: string; indeterminate?: boolean };
  const check = report.checks[info.check];
  expect(check.reasonCode, `${info.check}: ${check.detail}`).toBe(code);
  expect(check.subIndication).toBe(info.subIndication);
  expect(check.result).toBe(info.indeterminate ? 'indeterminate' : 'failed');
  expect(check.indication).toBe(info.indeterminate ? 'INDETERMINATE' : 'TOTAL_FAILED');
  expect(report.reasonCodes).toContain(code);
  expect(report.valid).toBe(false);
  // Every result renders in every language from its code and params alone.
  for (const lang of LANGS) for (const name of CHECK_NAMES) expect(checkText(lang, report.checks[name])).not.toMatch(/^\s*$|\{|undefined/);
}

function patch(pdf: Buffer, from: string, to: string): Buffer {
  expect(to.length).toBe(from.length);
  const at = pdf.indexOf(from, 0, 'latin1');
  expect(at).toBeGreaterThan(0);
  const out = Buffer.from(pdf);
  out.write(to, at, 'latin1');
  return out;
}

describe('round trip', () => {
  for (const keyType of ['RSA-2048', 'ECDSA-P-256'] as const) {
    for (const subFilter of ['adbe.pkcs7.detached', 'ETSI.CAdES.detached'] as const) {
      it(`${keyType} × ${subFilter}: all five checks pass`, () => {
        const chain = keyType === 'RSA-2048' ? uz : uzEc;
        const doc = sign(chain.signer, { subFilter }, meta, unsigned, chain.registry());
        const report = verify(doc);
        expect(report.reasonCodes).toEqual([]);
        expect(report.valid).toBe(true);
        expect(report.indication).toBe('TOTAL_PASSED');
        for (const name of CHECK_NAMES) expect(report.checks[name].result, report.checks[name].detail).toBe('passed');
        expect(report.signer).toMatchObject({ country: 'UZ', subFilter, algorithm: `${keyType}/SHA-256`, keyId: doc.envelope.signature.keyId });
        // PAdES puts the claimed time in /M only; pkcs7 carries signingTime too. Both read back.
        expect(report.signer?.signingTime).toBe(SIGNED_AT.toISOString());
        expect(report.document).toMatchObject({ documentId: meta.documentId, documentType: 'coc', issuingCountry: 'UZ', size: doc.pdf.length, sha256: doc.envelope.file.sha256 });
      });
    }
  }

  it('accepts a Uint8Array and a Date', () => {
    const doc = sign();
    const report = verifyDocument({ pdf: new Uint8Array(doc.pdf), envelope: doc.envelope, trust: doc.trust, at: new Date(AT) });
    expect(report.valid).toBe(true);
  });

  it('without the envelope: the in-PDF checks run and the file hash is reported as needing it', () => {
    const doc = sign();
    const report = verifyDocument({ pdf: doc.pdf, trust: doc.trust, at: AT });
    expectReason(report, 'ENVELOPE_REQUIRED');
    expect(report.indication).toBe('INDETERMINATE');
    expect(report.reasonCodes).toEqual(['ENVELOPE_REQUIRED']);
    expect(report.checks.signature.result).toBe('passed');
    expect(report.checks.publicKey.result).toBe('passed');
    expect(report.checks.metadataIntegrity.result).toBe('passed');
    expect(report.checks.metadataIntegrity.params?.message).toBe('metadataIntegrity.passedEmbedded');
    expect(report.checks.validity.result).toBe('passed');
  });
});

describe('fileIntegrity', () => {
  it('NOT_A_PDF for bytes that are not a PDF; the other checks say why they did not run', () => {
    const report = verifyDocument({ pdf: Buffer.from('hello, this is not a pdf at all'), trust: uz.registry(), at: AT });
    expectReason(report, 'NOT_A_PDF');
    for (const name of ['signature', 'publicKey', 'metadataIntegrity', 'validity'] as const) {
      expect(report.checks[name].result).toBe('indeterminate');
      expect(report.checks[name].reasonCode).toBeUndefined();
    }
    expect(report.reasonCodes).toEqual(['NOT_A_PDF']);
  });

  it('MESSAGE_DIGEST_MISMATCH when a signed byte changes (and the envelope hash too)', () => {
    const doc = sign();
    const tampered = { ...doc, pdf: patch(doc.pdf, '595 842 ]', '595 841 ]') };
    const report = verify(tampered);
    expectReason(report, 'MESSAGE_DIGEST_MISMATCH');
    // The signature over the attributes itself is intact.
    expect(report.checks.signature.result).toBe('passed');
  });

  it('BYTE_RANGE_INCOMPLETE when bytes are appended after signing', () => {
    const doc = sign();
    const report = verify({ ...doc, pdf: Buffer.concat([doc.pdf, Buffer.from('% appended\n')]) });
    expectReason(report, 'BYTE_RANGE_INCOMPLETE');
    expect(report.checks.fileIntegrity.params).toMatchObject({ appended: 11 });
  });

  it('BYTE_RANGE_INVALID when the ByteRange does not start at 0', () => {
    const doc = sign();
    const report = verify({ ...doc, pdf: patch(doc.pdf, '/ByteRange [0 ', '/ByteRange [1 ') });
    expectReason(report, 'BYTE_RANGE_INVALID');
    expect(report.checks.fileIntegrity.params?.problem).toBe('start');
  });

  it('FILE_HASH_MISMATCH when the envelope describes another file of the same size', () => {
    const doc = sign();
    const envelope = { ...doc.envelope, file: { ...doc.envelope.file, sha256: '0'.repeat(64) } };
    expectReason(verify({ ...doc, envelope }), 'FILE_HASH_MISMATCH');
  });

  it('FILE_SIZE_MISMATCH when the envelope gives another size', () => {
    const doc = sign();
    const envelope = { ...doc.envelope, file: { ...doc.envelope.file, size: doc.pdf.length + 1 } };
    expectReason(verify({ ...doc, envelope }), 'FILE_SIZE_MISMATCH');
  });
});

describe('signature', () => {
  it('SIGNATURE_MISSING for an unsigned document, naming the empty field', () => {
    const report = verifyDocument({ pdf: unsigned, trust: uz.registry(), at: AT });
    expectReason(report, 'SIGNATURE_MISSING');
    expect(report.checks.signature.params?.fields).toBe('ecert_signature');
    expect(report.checks.publicKey.result).toBe('indeterminate');
  });

  it('UNSUPPORTED_SUBFILTER for another sub-filter', () => {
    const doc = sign();
    expectReason(verify({ ...doc, pdf: patch(doc.pdf, '/SubFilter /adbe.pkcs7.detached', '/SubFilter /adbe.x509.rsa_sha1 ') }), 'UNSUPPORTED_SUBFILTER');
  });

  it('CMS_MALFORMED when the CMS is cut in half', () => {
    const doc = sign();
    const at = doc.pdf.indexOf('/Contents <', 0, 'latin1') + 11;
    const pdf = Buffer.from(doc.pdf);
    const end = pdf.indexOf('>', at, 'latin1');
    pdf.fill('0', at + Math.floor((end - at) / 4) * 2 - 600, end, 'latin1');
    expectReason(verify({ ...doc, pdf }), 'CMS_MALFORMED');
  });

  it('SIGNER_CERTIFICATE_MISSING when no certificate matches the SignerInfo', () => {
    const doc = sign();
    // Change the serial number in the SignerInfo's issuerAndSerialNumber (after the certificates).
    const cert = uz.signer.certificate;
    const serialHex = '02020100'; // INTEGER 0x0100, the first certificate miniChain issues
    expect(cert.toString('hex')).toContain(serialHex);
    const at = doc.pdf.toString('latin1').lastIndexOf(serialHex);
    expect(at).toBeGreaterThan(0);
    const pdf = Buffer.from(doc.pdf);
    pdf.write('7', at + 7, 'latin1');
    expectReason(verify({ ...doc, pdf }), 'SIGNER_CERTIFICATE_MISSING');
  });

  it('SIGNATURE_INVALID when the signature value is changed', () => {
    const doc = sign();
    const end = doc.pdf.indexOf('>', doc.pdf.indexOf('/Contents <', 0, 'latin1'), 'latin1');
    // The CMS ends with the signature value; the placeholder's zero padding follows it.
    const text = doc.pdf.toString('latin1', 0, end);
    const last = text.search(/0+$/) - 2;
    const pdf = Buffer.from(doc.pdf);
    pdf.write(pdf[last] === 0x46 ? 'E' : 'F', last, 'latin1');
    expectReason(verify({ ...doc, pdf }), 'SIGNATURE_INVALID');
  });
});

describe('publicKey', () => {
  it('SIGNER_NOT_REGISTERED for a valid chain that is not in the registry', () => {
    const other = uz.issue('unregistered');
    const report = verify(sign(other));
    expectReason(report, 'SIGNER_NOT_REGISTERED');
    expect(report.checks.publicKey.params?.registeredIn).toBe('none');
  });

  it('CHAIN_NOT_FOUND when the registered certificate does not chain to the country anchor', () => {
    const kg = miniChain('KG');
    // UZ registry whose anchor is another root: the UZ signer is registered but unanchored.
    let trust = kg.registry();
    trust = { ...trust, countries: { UZ: { ...trust.countries.KG!, signers: [] } } };
    trust = registerSigner(trust, 'UZ', uz.signer.certificate).registry;
    expectReason(verify(sign(uz.signer, {}, meta, unsigned, trust)), 'CHAIN_NOT_FOUND');
  });

  it('SIGNER_REVOKED for a revoked registration', () => {
    const keyId = keyIdFor(uz.signer.certificate, 'UZ');
    const trust = revokeSigner(uz.registry(), keyId, { reason: 'keyCompromise', at: '2025-06-15T00:00:00Z' }).registry;
    const report = verify(sign(uz.signer, {}, meta, unsigned, trust));
    expectReason(report, 'SIGNER_REVOKED');
    expect(report.checks.publicKey.detail).toContain('keyCompromise');
  });

  it('WEAK_ALGORITHM for an RSA-1024 key', () => {
    const weak = uz.issue('rsa1024', { spec: { type: 'rsa', bits: 1024 } });
    const report = verify(sign(weak, {}, meta, unsigned, uz.registry([{ signer: weak }])));
    expectReason(report, 'WEAK_ALGORITHM');
    expect(report.checks.publicKey.params).toMatchObject({ what: 'key', algorithm: 'RSA-1024' });
  });

  it('WEAK_ALGORITHM for a SHA-1 signed certificate', () => {
    const weak = uz.issue('sha1cert', { hash: 'sha1' });
    const report = verify(sign(weak, {}, meta, unsigned, uz.registry([{ signer: weak }])));
    expectReason(report, 'WEAK_ALGORITHM');
    expect(report.checks.publicKey.params).toMatchObject({ what: 'certDigest', algorithm: 'sha1' });
  });

  it('WEAK_ALGORITHM for a SHA-1 message digest', () => {
    const report = verify(sign(uz.signer, { digest: 'sha1' }));
    expectReason(report, 'WEAK_ALGORITHM');
    expect(report.checks.publicKey.params).toMatchObject({ what: 'digest', algorithm: 'sha1' });
    // Cryptographically the SHA-1 signature is still sound.
    expect(report.checks.signature.result).toBe('passed');
    expect(report.checks.fileIntegrity.result).toBe('passed');
  });

  it('COUNTRY_MISMATCH when the metadata names another issuing country than the certificate', async () => {
    const kgMeta = miniMetadata('KG');
    const doc = sign(uz.signer, {}, kgMeta, await samplePdf({ metadata: kgMeta }));
    const report = verify(doc);
    expectReason(report, 'COUNTRY_MISMATCH');
    expect(report.checks.publicKey.params).toMatchObject({ certCountry: 'UZ', issuingCountry: 'KG' });
  });

  it('KEY_ID_MISMATCH when the envelope names another key', () => {
    const doc = sign();
    const envelope = { ...doc.envelope, signature: { ...doc.envelope.signature, keyId: 'UZ:0000000000000000' } };
    expectReason(verify({ ...doc, envelope }), 'KEY_ID_MISMATCH');
  });
});

describe('metadataIntegrity', () => {
  it('METADATA_MISSING when the PDF carries no metadata', async () => {
    const bare = await samplePdf();
    const report = verify(sign(uz.signer, {}, meta, bare));
    expectReason(report, 'METADATA_MISSING');
  });

  it('METADATA_SCHEMA_INVALID for an embedded copy that breaks the schema, naming the field', async () => {
    const bad = { ...meta, products: [{ ...meta.products[0]!, hsCode: '08.13' }] };
    const pdf = await samplePdf({ metadata: bad });
    const report = verify(sign(uz.signer, {}, bad, pdf));
    expectReason(report, 'METADATA_SCHEMA_INVALID');
    expect(report.checks.metadataIntegrity.params).toMatchObject({ copy: 'embedded', path: '/products/0/hsCode' });
  });

  it('METADATA_SCHEMA_INVALID for an envelope copy that breaks the schema', () => {
    const doc = sign();
    const envelope = { ...doc.envelope, metadata: { ...meta, documentType: 'invoice' } as unknown as EcertMetadata };
    const report = verify({ ...doc, envelope });
    expectReason(report, 'METADATA_SCHEMA_INVALID');
    expect(report.checks.metadataIntegrity.params).toMatchObject({ copy: 'envelope', path: '/documentType' });
  });

  it('METADATA_MISMATCH when the envelope metadata differs from the signed copy, naming the fields', () => {
    const doc = sign();
    const envelope = { ...doc.envelope, metadata: { ...meta, overallConformance: 'non-conformant' as const } };
    const report = verify({ ...doc, envelope });
    expectReason(report, 'METADATA_MISMATCH');
    expect(report.checks.metadataIntegrity.params?.fields).toBe('overallConformance');
  });

  it('key order does not matter (canonical comparison)', () => {
    const doc = sign();
    const reordered = Object.fromEntries(Object.entries(meta).reverse()) as unknown as EcertMetadata;
    expect(verify({ ...doc, envelope: { ...doc.envelope, metadata: reordered } }).valid).toBe(true);
  });
});

describe('validity', () => {
  it('DOCUMENT_EXPIRED after validUntil', () => {
    expectReason(verify(sign(), { at: '2026-07-01T00:00:00Z' }), 'DOCUMENT_EXPIRED');
  });

  it('DOCUMENT_NOT_YET_VALID before validFrom', async () => {
    const later = miniMetadata('UZ', { validFrom: '2025-08-01T00:00:00+05:00' });
    const doc = sign(uz.signer, {}, later, await samplePdf({ metadata: later }));
    expectReason(verify(doc), 'DOCUMENT_NOT_YET_VALID');
  });

  it('SIGNER_CERT_EXPIRED_AT_SIGNING for a certificate that expired before the signing time', () => {
    const expired = uz.issue('expired', { notBefore: '2020-01-01T00:00:00Z', notAfter: '2021-01-01T00:00:00Z' });
    expectReason(verify(sign(expired, {}, meta, unsigned, uz.registry([{ signer: expired }]))), 'SIGNER_CERT_EXPIRED_AT_SIGNING');
  });

  it('SIGNER_CERT_NOT_YET_VALID_AT_SIGNING for a certificate valid only later', () => {
    const future = uz.issue('future', { notBefore: '2045-01-01T00:00:00Z', notAfter: '2050-01-01T00:00:00Z' });
    expectReason(verify(sign(future, {}, meta, unsigned, uz.registry([{ signer: future }]))), 'SIGNER_CERT_NOT_YET_VALID_AT_SIGNING');
  });

  it('SIGNING_TIME_IN_FUTURE beyond the clock skew, not within it', () => {
    const at = new Date(AT);
    const twoDays = sign(uz.signer, { signingTime: new Date(at.getTime() + 2 * 86_400_000) });
    expectReason(verify(twoDays), 'SIGNING_TIME_IN_FUTURE');
    const oneMinute = sign(uz.signer, { signingTime: new Date(at.getTime() + 60_000) });
    expect(verify(oneMinute).valid).toBe(true);
  });

  it('a certificate expired by now still verifies on its claimed signing time (score-full) ...', async () => {
    const tr = miniMetadata('UZ', { documentType: 'tr', results: [{ criterion: 'Moisture', value: 18, unit: 'P1', conformance: 'pass' }] });
    delete tr.validFrom;
    delete tr.validUntil;
    const doc = sign(uz.signer, {}, tr, await samplePdf({ metadata: tr }));
    const report = verify(doc, { at: '2037-01-01T00:00:00Z' });
    expect(report.reasonCodes).toEqual([]);
    expect(report.valid).toBe(true);
    expect(report.checks.validity.params?.message).toBe('validity.passedNoWindow');
    // ... but not when the policy does not trust claimed signing times.
    expectReason(verify(doc, { at: '2037-01-01T00:00:00Z', policy: SCORE_STRICT_TIME }), 'SIGNER_CERT_EXPIRED_NO_POE');
  });
});

describe('policies and precedence', () => {
  it('score-basic: metadata and validity findings are advisory', () => {
    const doc = sign();
    const envelope = { ...doc.envelope, metadata: { ...meta, overallConformance: 'non-conformant' as const } };
    const report = verify({ ...doc, envelope }, { at: '2026-07-01T00:00:00Z', policy: SCORE_BASIC });
    expect(report.valid).toBe(true);
    expect(report.indication).toBe('TOTAL_PASSED');
    expect(report.policy).toBe('score-basic');
    expect(report.reasonCodes).toEqual(['METADATA_MISMATCH', 'DOCUMENT_EXPIRED']);
    // The same findings decide under score-full.
    const full = verify({ ...doc, envelope }, { at: '2026-07-01T00:00:00Z', policy: 'score-full' });
    expect(full.valid).toBe(false);
    expect(full.subIndication).toBe('HASH_FAILURE');
  });

  it('an "off" check is skipped and cannot fail the document', () => {
    const policy = { ...SCORE_FULL, name: 'no-validity', checks: { ...SCORE_FULL.checks, validity: 'off' as const } };
    const report = verify(sign(), { at: '2030-01-01T00:00:00Z', policy });
    expect(report.checks.validity.result).toBe('skipped');
    expect(report.valid).toBe(true);
  });

  it('every failing check reports its own reason, in check order', () => {
    const doc = sign(uz.signer, { digest: 'sha1' });
    const envelope = { ...doc.envelope, metadata: { ...meta, revision: 2 } };
    const report = verify({ ...doc, envelope, pdf: Buffer.concat([doc.pdf, Buffer.from('\n')]) }, { at: '2026-07-01T00:00:00Z' });
    expect(report.reasonCodes).toEqual(['BYTE_RANGE_INCOMPLETE', 'WEAK_ALGORITHM', 'METADATA_MISMATCH', 'DOCUMENT_EXPIRED']);
    expect(report.indication).toBe('TOTAL_FAILED');
    expect(report.subIndication).toBe('FORMAT_FAILURE');
  });

  it('within publicKey a definitive failure precedes an inconclusive one (revoked before unanchored)', () => {
    const keyId = keyIdFor(uz.signer.certificate, 'UZ');
    let trust = revokeSigner(uz.registry(), keyId).registry;
    trust = { ...trust, countries: { UZ: { ...trust.countries.UZ!, anchors: [] } } };
    expectReason(verify(sign(uz.signer, {}, meta, unsigned, trust)), 'SIGNER_REVOKED');
  });

  it('never throws on damaged input: truncations and garbage are reported, not accepted', () => {
    const doc = sign();
    for (let i = 1; i <= 40; i++) {
      const cut = doc.pdf.subarray(0, Math.floor((doc.pdf.length * i) / 41));
      const report = verify({ ...doc, pdf: cut });
      expect(report.valid).toBe(false);
      expect(report.reasonCodes.length).toBeGreaterThan(0);
    }
    const garbage = Buffer.from(doc.pdf);
    for (let i = 200; i < garbage.length; i += 97) garbage[i] = (garbage[i]! * 31 + i) & 0xff;
    expect(verify({ ...doc, pdf: garbage }).valid).toBe(false);
  });

  it('rejects an invalid verification time instead of guessing', () => {
    expect(() => verifyDocument({ pdf: unsigned, trust: uz.registry(), at: 'yesterday' })).toThrow(/invalid verification time/);
  });
});

describe('jsonEqual', () => {
  it('compares like canonical JSON', () => {
    expect(jsonEqual({ a: 1, b: [1, { c: 'x' }] }, { b: [1, { c: 'x' }], a: 1 })).toBe(true);
    expect(jsonEqual({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
    expect(jsonEqual({ a: [] }, { a: {} })).toBe(false);
    expect(jsonEqual(null, {})).toBe(false);
  });
});
