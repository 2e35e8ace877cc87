import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { skipWithout } from '../test/support/external.ts';
import { CMS_OID, parseSignedData, signDetached, verifyDetached } from './cms.ts';
import { DerError, encodedLength, readTlv } from './der.ts';
import { miniChain } from './testing.ts';
import { derToPem } from './x509.ts';

const rsa = miniChain('UZ');
const ec = miniChain('UZ', { type: 'ec', curve: 'P-256' }, 'protocol-tests-ec');
const data = Buffer.from('{"manifest":"evidence","files":3}\n');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ecert-cms-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('DER reader', () => {
  it('reads the length from the header, so trailing zero bytes (padding, or a CMS ending in 00) are never guessed at', () => {
    const der = Buffer.from([0x30, 0x03, 0x02, 0x01, 0x00]);
    expect(encodedLength(Buffer.concat([der, Buffer.alloc(100)]))).toBe(5);
    expect(encodedLength(der)).toBe(5);
  });

  it('rejects an element longer than the data', () => {
    expect(() => readTlv(Buffer.from([0x30, 0x82, 0x01, 0x00, 0x02]), 0)).toThrow(DerError);
  });

  it('reads BER indefinite lengths', () => {
    const ber = Buffer.from([0x30, 0x80, 0x02, 0x01, 0x07, 0x00, 0x00, 0xff]);
    expect(readTlv(ber, 0).end).toBe(7);
  });
});

describe('signDetached / verifyDetached', () => {
  for (const [name, chain] of [
    ['RSA-2048', rsa],
    ['ECDSA-P-256', ec],
  ] as const) {
    it(`${name}: valid, trusted through the embedded CA, and the structure is what RFC 5652 says`, () => {
      const cms = signDetached(data, chain.signer, { signingTime: new Date('2025-06-01T00:00:00Z') });
      const v = verifyDetached(data, cms, { trusted: [chain.root] });
      expect(v).toMatchObject({ valid: true });
      expect(v.chain).toHaveLength(3);
      expect(v.signingTime?.toISOString()).toBe('2025-06-01T00:00:00.000Z');
      const p = parseSignedData(cms);
      expect(p.certificates).toHaveLength(2); // signer + issuing CA, not the root
      expect(p.contentType).toBe(CMS_OID.data);
      expect(p.digest).toBe('sha256');
      expect(p.eContent).toBeUndefined();
      expect(p.signerCertificate?.der.equals(chain.signer.certificate)).toBe(true);
    });
  }

  it('ESS signing-certificate-v2 names the signer certificate', () => {
    const cms = signDetached(data, rsa.signer, { signingCertificateV2: true, signingTime: null });
    const p = parseSignedData(cms);
    expect(p.signingTime).toBeUndefined();
    expect(p.essCertHashes?.[0]?.digest).toBe('sha256');
    expect(verifyDetached(data, cms).valid).toBe(true);
  });

  it('signs several chunks as one message', () => {
    const cms = signDetached([data.subarray(0, 5), data.subarray(5)], rsa.signer);
    expect(verifyDetached(data, cms).valid).toBe(true);
  });

  it('MESSAGE_DIGEST_MISMATCH when the data changed', () => {
    const cms = signDetached(data, rsa.signer);
    expect(verifyDetached(Buffer.from(`${data}x`), cms)).toMatchObject({ valid: false, reasonCode: 'MESSAGE_DIGEST_MISMATCH' });
  });

  it('SIGNATURE_INVALID when the signature value changed', () => {
    const cms = Buffer.from(signDetached(data, rsa.signer));
    cms[cms.length - 1] = cms[cms.length - 1]! ^ 1;
    expect(verifyDetached(data, cms)).toMatchObject({ valid: false, reasonCode: 'SIGNATURE_INVALID' });
  });

  it('CMS_MALFORMED for bytes that are not a SignedData', () => {
    expect(verifyDetached(data, Buffer.from('not a cms'))).toMatchObject({ valid: false, reasonCode: 'CMS_MALFORMED' });
  });

  it('CHAIN_NOT_FOUND when the signer does not chain to the trusted certificate', () => {
    const other = miniChain('KG');
    const cms = signDetached(data, rsa.signer);
    expect(verifyDetached(data, cms, { trusted: [derToPem(other.root)] })).toMatchObject({ valid: false, reasonCode: 'CHAIN_NOT_FOUND' });
    // Trusting the signer certificate itself is enough.
    expect(verifyDetached(data, cms, { trusted: [rsa.signer.certificate] }).valid).toBe(true);
  });

  it('refuses a private key that does not belong to the certificate', () => {
    expect(() => signDetached(data, { ...rsa.signer, privateKey: ec.signer.privateKey })).toThrow(/does not belong/);
  });

  it.skipIf(skipWithout('openssl'))('openssl cms -verify accepts the detached signature (RSA and ECDSA, with and without ESS)', () => {
    for (const [i, chain] of [rsa, ec].entries()) {
      for (const cades of [false, true]) {
        const cms = signDetached(data, chain.signer, { signingCertificateV2: cades });
        const dir = path.join(tmp, `${i}-${cades}`);
        fs.mkdirSync(dir);
        fs.writeFileSync(path.join(dir, 'data'), data);
        fs.writeFileSync(path.join(dir, 'sig.p7s'), cms);
        fs.writeFileSync(path.join(dir, 'ca.pem'), derToPem(chain.root));
        const out = execFileSync(
          'openssl',
          ['cms', '-verify', '-binary', '-inform', 'DER', '-in', 'sig.p7s', '-content', 'data', '-CAfile', 'ca.pem', '-purpose', 'any', '-out', '/dev/null'],
          { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
        );
        expect(out).toBe('');
      }
    }
  });

  it.skipIf(skipWithout('openssl'))('openssl cms -verify rejects changed data', () => {
    const cms = signDetached(data, rsa.signer);
    const dir = path.join(tmp, 'bad');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'data'), Buffer.from(`${data}x`));
    fs.writeFileSync(path.join(dir, 'sig.p7s'), cms);
    fs.writeFileSync(path.join(dir, 'ca.pem'), derToPem(rsa.root));
    expect(() =>
      execFileSync('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', 'sig.p7s', '-content', 'data', '-CAfile', 'ca.pem', '-purpose', 'any', '-out', '/dev/null'], {
        cwd: dir,
        stdio: 'pipe',
      }),
    ).toThrow();
  });
});
