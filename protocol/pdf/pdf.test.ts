import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipWithout } from '../../test/support/external.ts';
import { parseSignedData } from '../cms.ts';
import { encodedLength } from '../der.ts';
import { buildEnvelope } from '../envelope.ts';
import { miniChain, miniMetadata } from '../testing.ts';
import { keyIdFor } from '../trust.ts';
import { verifyDocument } from '../verify.ts';
import { derToPem } from '../x509.ts';
import { METADATA_FILE_NAME, SIGNATURE_FIELD_NAME, checkByteRange, inspectPdf, primarySignature } from './inspect.ts';
import { PdfString, parsePdfDate, parseValue, pdfDate, serialize, textString } from './objects.ts';
import { PdfReader } from './reader.ts';
import { samplePdf } from './sample.ts';
import { PdfSignError, signPdf } from './sign.ts';

const rsa = miniChain('UZ');
const ec = miniChain('UZ', { type: 'ec', curve: 'P-256' }, 'protocol-tests-ec');
const meta = miniMetadata('UZ', { validUntil: '2035-01-01T00:00:00+05:00' });
const SIGNED_AT = new Date('2025-06-01T06:00:00Z');
let unsigned: Buffer;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ecert-pdf-'));

beforeAll(async () => {
  unsigned = await samplePdf({ metadata: meta });
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function envelopeFor(pdf: Buffer) {
  return buildEnvelope(pdf, meta, { keyId: keyIdFor(rsa.signer.certificate, 'UZ'), subFilter: 'adbe.pkcs7.detached' });
}

describe('PDF objects', () => {
  it('parses literal strings with escapes, nesting and octal codes', () => {
    const { value } = parseValue(Buffer.from('(a\\(b\\) (nested) \\101\\n\\\\end)'), 0);
    expect((value as PdfString).bytes.toString('latin1')).toBe('a(b) (nested) A\n\\end');
  });

  it('parses names with # escapes, references, arrays and dictionaries', () => {
    const { value } = parseValue(Buffer.from('<</A#20B 12 0 R /K [1 -2.5 /N (s) <414243>] /T true /Z null>>'), 0);
    expect(serialize(value)).toBe('<</A#20B 12 0 R/K [1 -2.5 /N (s) <414243>]/T true/Z null>>');
  });

  it('round-trips text strings (UTF-16BE with BOM for non-ASCII) and dates', () => {
    expect(textString('Toshkent').hex).toBe(false);
    const ru = textString('Ташкент, Oʻzbekiston');
    expect(ru.text()).toBe('Ташкент, Oʻzbekiston');
    expect((parseValue(Buffer.from(serialize(ru)), 0).value as PdfString).text()).toBe('Ташкент, Oʻzbekiston');
    expect(pdfDate(SIGNED_AT)).toBe('D:20250601060000Z');
    expect(parsePdfDate("D:20250601110000+05'00'")?.toISOString()).toBe('2025-06-01T06:00:00.000Z');
  });
});

describe('reading', () => {
  it('finds the empty signature field and the metadata attachment of an unsigned document', () => {
    const ins = inspectPdf(unsigned);
    expect(ins.reader).toBe('fast');
    expect(ins.signatures).toEqual([]);
    expect(ins.emptySignatureFields).toEqual([SIGNATURE_FIELD_NAME]);
    expect(ins.metadata).toMatchObject({ found: true, value: meta });
  });

  it('reads documents saved with object streams and a cross-reference stream', async () => {
    const compact = await samplePdf({ metadata: meta, useObjectStreams: true });
    expect(compact.toString('latin1')).toContain('/ObjStm');
    const ins = inspectPdf(compact);
    expect(ins.metadata).toMatchObject({ found: true, value: meta });
    expect(ins.emptySignatureFields).toEqual([SIGNATURE_FIELD_NAME]);
    // ... and signs and verifies them (the update's classic table chains to the xref stream).
    const signed = signPdf(compact, rsa.signer, { signingTime: SIGNED_AT });
    const report = verifyDocument({ pdf: signed, envelope: envelopeFor(signed), trust: rsa.registry(), at: '2025-07-01T00:00:00Z' });
    expect(report.reasonCodes).toEqual([]);
  });

  it('rebuilds the object table of a file whose cross-reference offsets are damaged', () => {
    const damaged = Buffer.from(unsigned);
    const at = damaged.lastIndexOf('startxref');
    damaged.write('9', damaged.indexOf('\n', at) + 1, 'latin1');
    expect(() => new PdfReader(damaged)).toThrow();
    const ins = inspectPdf(damaged);
    expect(ins.reader).toBe('recovered');
    expect(ins.metadata).toMatchObject({ found: true, value: meta });
  });

  it('says what is wrong with bytes that are not a PDF', () => {
    expect(() => inspectPdf(Buffer.from('%PDF-1.7\ngarbage'))).toThrow(/catalog|startxref/);
    expect(() => inspectPdf(Buffer.from('hello'))).toThrow(/not a PDF/);
  });
});

describe('signing', () => {
  it('appends one incremental update that fills ecert_signature, keeping the original bytes', () => {
    const signed = signPdf(unsigned, rsa.signer, { signingTime: SIGNED_AT, reason: 'Certificate of conformity', location: 'Тошкент', name: 'Aziz Karimov' });
    expect(signed.subarray(0, unsigned.length).equals(unsigned)).toBe(true);
    const ins = inspectPdf(signed);
    expect(ins.emptySignatureFields).toEqual([]);
    const sig = primarySignature(ins)!;
    expect(sig).toMatchObject({ fieldName: SIGNATURE_FIELD_NAME, filter: 'Adobe.PPKLite', subFilter: 'adbe.pkcs7.detached', m: 'D:20250601060000Z', location: 'Тошкент', name: 'Aziz Karimov' });
    const br = checkByteRange(signed, sig);
    expect(br.ok).toBe(true);
    // The placeholder is sized from the chain (signer + CA), not a fixed guess.
    const cmsLength = encodedLength(sig.contents!);
    expect(sig.contents!.length).toBeGreaterThanOrEqual(cmsLength);
    expect(sig.contents!.length - cmsLength).toBeLessThan(1100);
    expect(parseSignedData(sig.contents!.subarray(0, cmsLength)).certificates).toHaveLength(2);
    expect(signed.toString('latin1')).toMatch(/\/SigFlags 3/);
  });

  it('is deterministic for RSA (same input, same bytes)', () => {
    const a = signPdf(unsigned, rsa.signer, { signingTime: SIGNED_AT });
    const b = signPdf(unsigned, rsa.signer, { signingTime: SIGNED_AT });
    expect(a.equals(b)).toBe(true);
  });

  it('adds a signature field, widget and AcroForm when the document has none', async () => {
    const bare = await samplePdf({ metadata: meta, signatureField: false });
    expect(inspectPdf(bare).emptySignatureFields).toEqual([]);
    const signed = signPdf(bare, ec.signer, { signingTime: SIGNED_AT, subFilter: 'ETSI.CAdES.detached' });
    const report = verifyDocument({ pdf: signed, trust: ec.registry(), at: '2025-07-01T00:00:00Z' });
    expect(report.checks.signature.result).toBe('passed');
    expect(report.reasonCodes).toEqual(['ENVELOPE_REQUIRED']);
    expect(inspectPdf(signed).signatures.map((s) => s.fieldName)).toEqual([SIGNATURE_FIELD_NAME]);
  });

  it('refuses to sign a field twice and names the field', () => {
    const signed = signPdf(unsigned, rsa.signer, { signingTime: SIGNED_AT });
    expect(() => signPdf(signed, rsa.signer)).toThrow(PdfSignError);
    expect(() => signPdf(signed, rsa.signer)).toThrow(/"ecert_signature" is already signed/);
  });

  it('a second signature in another field leaves the first one covering only its revision', () => {
    const first = signPdf(unsigned, rsa.signer, { signingTime: SIGNED_AT });
    const second = signPdf(first, ec.signer, { signingTime: SIGNED_AT, fieldName: 'countersignature' });
    const sigs = inspectPdf(second).signatures;
    expect(sigs.map((s) => s.fieldName).sort()).toEqual(['countersignature', SIGNATURE_FIELD_NAME]);
    // The verifier checks ecert_signature, which no longer covers the file.
    expect(verifyDocument({ pdf: second, trust: rsa.registry(), at: '2025-07-01T00:00:00Z' }).checks.fileIntegrity.reasonCode).toBe('BYTE_RANGE_INCOMPLETE');
  });

  it('says when the signature would not fit a too-small placeholder', () => {
    expect(() => signPdf(unsigned, rsa.signer, { placeholderBytes: 200 })).toThrow(/does not fit/);
  });

  it('rejects what is not a PDF with a message', () => {
    expect(() => signPdf(Buffer.from('hello'), rsa.signer)).toThrow(/cannot sign this PDF: not a PDF/);
  });
});

// ---------------------------------------------------------------------------------------------
// Independent validators

function nssDb(name: string, roots: Buffer[]): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir);
  execFileSync('certutil', ['-N', '-d', `sql:${dir}`, '--empty-password'], { stdio: 'pipe' });
  roots.forEach((root, i) => {
    const file = path.join(dir, `root${i}.pem`);
    fs.writeFileSync(file, derToPem(root));
    execFileSync('certutil', ['-A', '-d', `sql:${dir}`, '-n', `root${i}`, '-t', 'CT,C,C', '-i', file], { stdio: 'pipe' });
  });
  return dir;
}

function pdfsig(args: string[]): string {
  try {
    return execFileSync('pdfsig', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    // pdfsig exits non-zero for invalid signatures; its report is still on stdout.
    return String((err as { stdout?: string }).stdout ?? '');
  }
}

describe.skipIf(skipWithout('pdfsig', 'certutil'))('pdfsig', () => {
  it('accepts our signatures (RSA and ECDSA, both sub-filters) with the test root trusted', () => {
    for (const [name, chain] of [
      ['rsa', rsa],
      ['ec', ec],
    ] as const) {
      // One database per chain: both test roots share a name and serial, which NSS refuses in one store.
      const db = nssDb(`accept-${name}`, [chain.root]);
      for (const subFilter of ['adbe.pkcs7.detached', 'ETSI.CAdES.detached'] as const) {
        const file = path.join(tmp, `${name}-${subFilter}.pdf`);
        fs.writeFileSync(file, signPdf(unsigned, chain.signer, { signingTime: SIGNED_AT, subFilter }));
        const out = pdfsig(['-nssdir', `sql:${db}`, file]);
        expect(out, out).toContain('Signature Validation: Signature is Valid.');
        expect(out, out).toContain('Certificate Validation: Certificate is Trusted.');
        expect(out).toContain(`Signature Type: ${subFilter}`);
        expect(out).toContain('Total document signed');
      }
    }
  });

  it('rejects a document changed after signing', () => {
    const db = nssDb('reject', [rsa.root]);
    const signed = signPdf(unsigned, rsa.signer, { signingTime: SIGNED_AT });
    const at = signed.indexOf('595 842 ]', 0, 'latin1');
    const file = path.join(tmp, 'tampered.pdf');
    fs.writeFileSync(file, Buffer.concat([signed.subarray(0, at), Buffer.from('595 841 ]'), signed.subarray(at + 9)]));
    const out = pdfsig(['-nssdir', `sql:${db}`, file]);
    expect(out).toMatch(/Signature Validation: (Digest Mismatch|Signature is Invalid)/);
  });
});

describe.skipIf(skipWithout('pdfsig', 'certutil', 'pk12util', 'openssl'))('a document signed by pdfsig (a standard external signer)', () => {
  it('verifies with our verifier when the signer certificate is registered', () => {
    const db = nssDb('signer', [rsa.root]);
    const key = path.join(db, 'signer.key');
    const cert = path.join(db, 'signer.pem');
    const ca = path.join(db, 'ca.pem');
    const p12 = path.join(db, 'signer.p12');
    fs.writeFileSync(key, rsa.signer.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    fs.writeFileSync(cert, derToPem(rsa.signer.certificate));
    fs.writeFileSync(ca, derToPem(rsa.ca));
    execFileSync('openssl', ['pkcs12', '-export', '-inkey', key, '-in', cert, '-certfile', ca, '-name', 'signer', '-passout', 'pass:test', '-out', p12], { stdio: 'pipe' });
    execFileSync('pk12util', ['-i', p12, '-d', `sql:${db}`, '-W', 'test'], { stdio: 'pipe' });
    const input = path.join(tmp, 'for-pdfsig.pdf');
    const output = path.join(tmp, 'signed-by-pdfsig.pdf');
    fs.writeFileSync(input, unsigned);
    pdfsig(['-nssdir', `sql:${db}`, '-sign', SIGNATURE_FIELD_NAME, '-nick', 'signer', '-reason', 'e-CERT', input, output]);
    const signed = fs.readFileSync(output);
    const report = verifyDocument({ pdf: signed, envelope: envelopeFor(signed), trust: rsa.registry(), at: new Date(Date.now() + 60_000) });
    expect(report.reasonCodes, JSON.stringify(report.checks, null, 1)).toEqual([]);
    expect(report.valid).toBe(true);
    expect(report.signer?.subject).toContain('UZ test signer');
  });
});

describe('metadata', () => {
  it('is read from the name tree by its file name', () => {
    expect(METADATA_FILE_NAME).toBe('ecert-metadata.json');
    const ins = inspectPdf(unsigned);
    expect(ins.metadata.found && ins.metadata.bytes.toString('utf8')).toContain('"documentId"');
  });
});
