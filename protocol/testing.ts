import type { KeyObject } from 'node:crypto';
import type { Signer } from './cms.ts';
import { type KeySpec, deriveKeyPair } from './keys.ts';
import { addCaCertificate, emptyTrustRegistry, registerSigner } from './trust.ts';
import type { CountryCode, EcertMetadata, TrustRegistry } from './types.ts';
import { type DistinguishedName, type HashName, OID, buildCertificate } from './x509.ts';

// Test material for protocol/'s own tests and benchmarks, which may not import fixtures/ (the
// one-way rule): a minimal chain (root -> issuing CA -> signer) and a schema-valid metadata
// record. The full deterministic test PKI of the harness is fixtures/pki.ts.

export interface MiniSigner extends Signer {
  certificate: Buffer;
  chain: Buffer[];
  privateKey: KeyObject;
}

export interface MiniChain {
  country: CountryCode;
  root: Buffer;
  ca: Buffer;
  caKey: KeyObject;
  caDn: DistinguishedName;
  signer: MiniSigner;
  /** Another certificate from the same CA, with its own key. */
  issue(label: string, options?: { spec?: KeySpec; notBefore?: string; notAfter?: string; hash?: HashName; country?: CountryCode; cn?: string }): MiniSigner;
  registry(extra?: Array<{ signer: MiniSigner; status?: 'active' | 'revoked' }>): TrustRegistry;
}

const chains = new Map<string, MiniChain>();

export function miniChain(country: CountryCode = 'UZ', spec: KeySpec = { type: 'rsa', bits: 2048 }, seed = 'protocol-tests'): MiniChain {
  const id = `${seed}/${country}/${JSON.stringify(spec)}`;
  const hit = chains.get(id);
  if (hit) return hit;
  const ec: KeySpec = { type: 'ec', curve: 'P-256' };
  const rootKey = deriveKeyPair(seed, `${country}/root`, ec);
  const caKey = deriveKeyPair(seed, `${country}/ca`, ec);
  const rootDn: DistinguishedName = { C: country, O: `${country} Test Standards Body`, CN: `${country} Test Root` };
  const caDn: DistinguishedName = { C: country, O: `${country} Test Standards Body`, CN: `${country} Test Issuing CA` };
  const caWindow = { notBefore: new Date('2024-01-01T00:00:00Z'), notAfter: new Date('2050-01-01T00:00:00Z') };
  const root = buildCertificate({ subject: rootDn, publicKey: rootKey.publicKey, signingKey: rootKey.privateKey, serialHex: '01', ...caWindow, ca: true, keyUsage: ['keyCertSign', 'cRLSign'] });
  const ca = buildCertificate({
    subject: caDn,
    issuer: rootDn,
    publicKey: caKey.publicKey,
    signingKey: rootKey.privateKey,
    issuerPublicKey: rootKey.publicKey,
    serialHex: '02',
    ...caWindow,
    ca: true,
    pathLength: 0,
    keyUsage: ['keyCertSign', 'cRLSign'],
  });
  let serial = 0x100;
  const issue: MiniChain['issue'] = (label, o = {}) => {
    const kp = deriveKeyPair(seed, `${country}/${label}`, o.spec ?? spec);
    const certificate = buildCertificate({
      subject: { C: o.country ?? country, O: `${country} Test Standards Body`, CN: o.cn ?? `${country} test signer ${label}` },
      issuer: caDn,
      publicKey: kp.publicKey,
      signingKey: caKey.privateKey,
      issuerPublicKey: caKey.publicKey,
      serialHex: (serial++).toString(16),
      notBefore: new Date(o.notBefore ?? '2025-01-01T00:00:00Z'),
      notAfter: new Date(o.notAfter ?? '2036-01-01T00:00:00Z'),
      ca: false,
      keyUsage: ['digitalSignature', 'nonRepudiation'],
      extKeyUsage: [OID.emailProtection, OID.documentSigning],
      ...(o.hash ? { hash: o.hash } : {}),
    });
    return { certificate, chain: [ca], privateKey: kp.privateKey };
  };
  const signer = issue('signer');
  const chain: MiniChain = {
    country,
    root,
    ca,
    caKey: caKey.privateKey,
    caDn,
    signer,
    issue,
    registry(extra = []) {
      let reg = addCaCertificate(emptyTrustRegistry(), country, root, 'anchor');
      reg = addCaCertificate(reg, country, ca, 'intermediate');
      reg = registerSigner(reg, country, signer.certificate, { label: 'test' }).registry;
      for (const e of extra) reg = registerSigner(reg, country, e.signer.certificate, { status: e.status ?? 'active', ...(e.status === 'revoked' ? { revokedAt: '2025-06-01T00:00:00Z', revocationReason: 'test' } : {}) }).registry;
      return reg;
    },
  };
  chains.set(id, chain);
  return chain;
}

/** A schema-valid CoC record issued by `country`. */
export function miniMetadata(country: CountryCode = 'UZ', overrides: Partial<EcertMetadata> = {}): EcertMetadata {
  return {
    schemaVersion: '1.0',
    documentType: 'coc',
    documentId: `${country}.TEST.COC.2025.000001`,
    revision: 1,
    status: 'issued',
    issueDateTime: '2025-06-01T10:00:00+05:00',
    validFrom: '2025-06-01T10:00:00+05:00',
    validUntil: '2026-06-01T10:00:00+05:00',
    issuePlace: { name: 'Capital', countryCode: country },
    issuingBody: { name: `${country} Test Standards Body`, countryCode: country, id: '100200300' },
    conformityAssessmentBody: {
      name: 'Test Certification Body',
      countryCode: country,
      id: '400500600',
      accreditation: { body: 'Test Accreditation Centre', number: 'ACC-001', standard: 'ISO/IEC 17065' },
    },
    applicant: { name: 'Dried Fruit Exporter LLC', countryCode: country },
    manufacturer: { name: 'Dried Fruit Exporter LLC', countryCode: country },
    products: [{ name: 'Dried apricots', hsCode: '081310', quantity: { value: 20000, unit: 'KGM' } }],
    standards: [{ id: 'CODEX STAN 130-1981', title: 'Standard for Dried Apricots' }],
    overallConformance: 'conformant',
    signatory: { name: 'Test Signatory', role: 'Head of Certification' },
    verifyUrl: `https://hub.ecert.test/v1/verify/${country}.TEST.COC.2025.000001`,
    ...overrides,
  };
}
