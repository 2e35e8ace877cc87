import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCertificate } from './certs.ts';
import { miniChain } from './testing.ts';
import {
  TrustRegistryError,
  addCaCertificate,
  compileTrust,
  emptyTrustRegistry,
  findSigner,
  keyIdFor,
  loadTrustRegistry,
  parseTrustRegistry,
  registerSigner,
  revokeSigner,
  saveTrustRegistry,
  trustFingerprints,
} from './trust.ts';
import { derToPem } from './x509.ts';

const uz = miniChain('UZ');

describe('keyIdFor', () => {
  it('is <CC>:<first 16 hex of SHA-256 of the DER>, from DER or PEM', () => {
    const expected = `UZ:${crypto.createHash('sha256').update(uz.signer.certificate).digest('hex').slice(0, 16)}`;
    expect(keyIdFor(uz.signer.certificate, 'UZ')).toBe(expected);
    expect(keyIdFor(derToPem(uz.signer.certificate), 'uz')).toBe(expected);
  });
});

describe('editing', () => {
  it('adds anchors once, registers and revokes signers without touching the original', () => {
    const empty = emptyTrustRegistry();
    const withRoot = addCaCertificate(addCaCertificate(empty, 'UZ', uz.root), 'UZ', derToPem(uz.root));
    expect(withRoot.countries.UZ!.anchors).toHaveLength(1);
    const { registry, entry } = registerSigner(withRoot, 'UZ', uz.signer.certificate, { label: 'OneID', registeredAt: '2025-01-01T00:00:00Z' });
    expect(entry).toMatchObject({ keyId: keyIdFor(uz.signer.certificate, 'UZ'), status: 'active', label: 'OneID' });
    const revoked = revokeSigner(registry, entry.keyId, { reason: 'keyCompromise', at: '2025-06-01T00:00:00Z' });
    expect(revoked.entry).toMatchObject({ status: 'revoked', revocationReason: 'keyCompromise' });
    expect(findSigner(registry, entry.keyId)?.entry.status).toBe('active');
    expect(findSigner(revoked.registry, entry.keyId)?.entry.status).toBe('revoked');
    expect(empty.countries).toEqual({});
  });

  it('revoking an unknown key id names it', () => {
    expect(() => revokeSigner(uz.registry(), 'UZ:0000000000000000')).toThrow(/UZ:0000000000000000/);
  });
});

describe('loading and saving', () => {
  it('round-trips through trust.json and validates', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecert-trust-'));
    const file = path.join(dir, 'nested', 'trust.json');
    saveTrustRegistry(file, uz.registry());
    expect(loadTrustRegistry(file)).toEqual(uz.registry());
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('names a missing file', () => {
    const err = (() => {
      try {
        loadTrustRegistry('/nonexistent/trust.json');
      } catch (e) {
        return e as TrustRegistryError;
      }
    })();
    expect(err).toBeInstanceOf(TrustRegistryError);
    expect(err?.code).toBe('TRUST_UNREADABLE');
    expect(err?.message).toContain('/nonexistent/trust.json');
    expect(err?.localized('ru')).toContain('Не удалось прочитать');
  });

  it('reports invalid JSON', () => {
    expect(() => parseTrustRegistry('{ nope', 'trust.json')).toThrow(/trust.json is not valid JSON/);
  });

  it('lists schema problems with their JSON pointers', () => {
    const bad = JSON.parse(JSON.stringify(uz.registry())) as Record<string, unknown> & { countries: Record<string, { signers: Array<Record<string, unknown>> }> };
    bad.countries.UZ!.signers[0]!.status = 'paused';
    bad.countries.UZ!.signers[0]!.keyId = 'bad';
    (bad.countries as Record<string, unknown>).uzb = { anchors: [], signers: [] };
    try {
      parseTrustRegistry(bad, 'trust.json');
      expect.unreachable();
    } catch (e) {
      const err = e as TrustRegistryError;
      expect(err.code).toBe('TRUST_INVALID');
      const paths = err.problems.map((p) => p.path);
      expect(paths).toContain('/countries/UZ/signers/0/status');
      expect(paths).toContain('/countries/UZ/signers/0/keyId');
      expect(err.message).toMatch(/not valid \(\d+ problems\)/);
    }
  });

  it('rejects an unreadable certificate and a keyId that does not match its certificate', () => {
    const reg = JSON.parse(JSON.stringify(uz.registry()));
    reg.countries.UZ.anchors[0] = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
    reg.countries.UZ.signers[0].keyId = 'UZ:0123456789abcdef';
    try {
      parseTrustRegistry(reg);
      expect.unreachable();
    } catch (e) {
      const err = e as TrustRegistryError;
      expect(err.problems.map((p) => p.path)).toEqual(['/countries/UZ/anchors/0', '/countries/UZ/signers/0/keyId']);
      expect(err.problems[1]!.message).toContain(keyIdFor(uz.signer.certificate, 'UZ'));
    }
  });
});

describe('compiled form', () => {
  it('indexes signers by fingerprint, builds the chain to the anchor, and memoizes per registry', () => {
    const reg = uz.registry();
    const compiled = compileTrust(reg);
    expect(compileTrust(reg)).toBe(compiled);
    const cert = parseCertificate(uz.signer.certificate);
    expect(compiled.country('UZ')?.signers.get(cert.fingerprint256)?.entry.keyId).toBe(keyIdFor(uz.signer.certificate, 'UZ'));
    expect(compiled.registrations(cert).map((r) => r.country)).toEqual(['UZ']);
    const chain = compiled.chain('UZ', cert);
    expect(chain?.map((c) => c.x509.subject.split('\n').pop())).toEqual(['CN=UZ test signer signer', 'CN=UZ Test Issuing CA', 'CN=UZ Test Root']);
    // Without the intermediate in the registry, the CA carried by the signature completes the chain.
    const noIntermediate = { ...reg, countries: { UZ: { ...reg.countries.UZ!, intermediates: [] } } };
    expect(compileTrust(noIntermediate).chain('UZ', cert)).toBeNull();
    expect(compileTrust(noIntermediate).chain('UZ', cert, [parseCertificate(uz.ca)])).toHaveLength(3);
  });

  it('lists every certificate with its fingerprint for the run record', () => {
    const { sha256, certificates } = trustFingerprints(uz.registry());
    expect(sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(certificates.map((c) => c.role)).toEqual(['anchor', 'intermediate', 'signer']);
    expect(certificates[2]).toMatchObject({ country: 'UZ', keyId: keyIdFor(uz.signer.certificate, 'UZ'), status: 'active', fingerprint256: parseCertificate(uz.signer.certificate).fingerprint256 });
  });
});
