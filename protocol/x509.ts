import crypto, { type KeyObject, X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { describeKey } from './keys.ts';

// X.509 certificates built as ASN.1 with node-forge and signed with node:crypto. forge's own
// certificate API signs in pure JS and knows no EC keys, so only its DER codec is used here.

const { asn1 } = forge;
type Asn1 = forge.asn1.Asn1;

export const OID = {
  // algorithms
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha1WithRSAEncryption: '1.2.840.113549.1.1.5',
  sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
  sha384WithRSAEncryption: '1.2.840.113549.1.1.12',
  sha512WithRSAEncryption: '1.2.840.113549.1.1.13',
  ecPublicKey: '1.2.840.10045.2.1',
  ecdsaWithSHA1: '1.2.840.10045.4.1',
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
  ecdsaWithSHA384: '1.2.840.10045.4.3.3',
  ecdsaWithSHA512: '1.2.840.10045.4.3.4',
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  // name attributes
  commonName: '2.5.4.3',
  serialNumber: '2.5.4.5',
  countryName: '2.5.4.6',
  localityName: '2.5.4.7',
  organizationName: '2.5.4.10',
  organizationalUnitName: '2.5.4.11',
  organizationIdentifier: '2.5.4.97',
  // extensions
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  certificatePolicies: '2.5.29.32',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  // extended key usages
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  emailProtection: '1.3.6.1.5.5.7.3.4',
  documentSigning: '1.3.6.1.5.5.7.3.36',
} as const;

export interface DistinguishedName {
  /** ISO 3166-1 alpha-2. */
  C?: string;
  O?: string;
  OU?: string;
  L?: string;
  CN: string;
  serialNumber?: string;
  /** e.g. NTRUZ-123456789 (ETSI EN 319 412-1). */
  organizationIdentifier?: string;
}

export type KeyUsageName =
  | 'digitalSignature'
  | 'nonRepudiation'
  | 'keyEncipherment'
  | 'dataEncipherment'
  | 'keyAgreement'
  | 'keyCertSign'
  | 'cRLSign';

const KEY_USAGE_BITS: Record<KeyUsageName, number> = {
  digitalSignature: 0,
  nonRepudiation: 1,
  keyEncipherment: 2,
  dataEncipherment: 3,
  keyAgreement: 4,
  keyCertSign: 5,
  cRLSign: 6,
};

export type HashName = 'sha1' | 'sha256' | 'sha384' | 'sha512';

export interface CertificateSpec {
  subject: DistinguishedName;
  /** Issuer name; defaults to subject (self-signed). */
  issuer?: DistinguishedName;
  publicKey: KeyObject;
  /** Key that signs the certificate (the issuer's). */
  signingKey: KeyObject;
  /** Public key of the issuer, for the authority key identifier; defaults to publicKey. */
  issuerPublicKey?: KeyObject;
  /** Positive serial number as hex (no sign bit needed: a leading 00 is added when required). */
  serialHex: string;
  notBefore: Date;
  notAfter: Date;
  ca?: boolean;
  pathLength?: number;
  keyUsage?: KeyUsageName[];
  extKeyUsage?: string[];
  dnsNames?: string[];
  ipAddresses?: string[];
  uris?: string[];
  /** Certificate policy OIDs. */
  policies?: string[];
  /** Signature digest; sha1 exists only to make the weak-algorithm test variant. */
  hash?: HashName;
}

const bin = (buf: Uint8Array): string => Buffer.from(buf).toString('binary');
const oid = (id: string): Asn1 => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(id).getBytes());
const seq = (items: Asn1[]): Asn1 => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, items);
const set = (items: Asn1[]): Asn1 => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SET, true, items);
const octets = (bytes: string): Asn1 => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, bytes);
const bool = (v: boolean): Asn1 => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BOOLEAN, false, v ? '\xff' : '\x00');
const nullValue = (): Asn1 => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, '');

function integerFromHex(hex: string): Asn1 {
  let h = hex.replace(/^0+(?=.)/, '');
  if (h.length % 2) h = `0${h}`;
  if (parseInt(h.slice(0, 2), 16) & 0x80) h = `00${h}`;
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, forge.util.hexToBytes(h));
}

function integer(n: number): Asn1 {
  return integerFromHex(n.toString(16));
}

function time(date: Date): Asn1 {
  // RFC 5280: UTCTime through 2049, GeneralizedTime from 2050.
  return date.getUTCFullYear() < 2050
    ? asn1.create(asn1.Class.UNIVERSAL, asn1.Type.UTCTIME, false, asn1.dateToUtcTime(date))
    : asn1.create(asn1.Class.UNIVERSAL, asn1.Type.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(date));
}

function nameToAsn1(dn: DistinguishedName): Asn1 {
  const rdn = (id: string, value: string, printable = false): Asn1 =>
    set([
      seq([
        oid(id),
        asn1.create(asn1.Class.UNIVERSAL, printable ? asn1.Type.PRINTABLESTRING : asn1.Type.UTF8, false, printable ? value : forge.util.encodeUtf8(value)),
      ]),
    ]);
  const parts: Asn1[] = [];
  if (dn.C) parts.push(rdn(OID.countryName, dn.C, true));
  if (dn.L) parts.push(rdn(OID.localityName, dn.L));
  if (dn.O) parts.push(rdn(OID.organizationName, dn.O));
  if (dn.organizationIdentifier) parts.push(rdn(OID.organizationIdentifier, dn.organizationIdentifier));
  if (dn.OU) parts.push(rdn(OID.organizationalUnitName, dn.OU));
  if (dn.serialNumber) parts.push(rdn(OID.serialNumber, dn.serialNumber, true));
  parts.push(rdn(OID.commonName, dn.CN));
  return seq(parts);
}

/** The AlgorithmIdentifier and node:crypto parameters to sign with `key` using `hash`. */
export function signatureAlgorithm(key: KeyObject, hash: HashName): { algorithm: Asn1; oid: string } {
  const { type } = describeKey(key);
  if (type === 'rsa') {
    const id = {
      sha1: OID.sha1WithRSAEncryption,
      sha256: OID.sha256WithRSAEncryption,
      sha384: OID.sha384WithRSAEncryption,
      sha512: OID.sha512WithRSAEncryption,
    }[hash];
    return { algorithm: seq([oid(id), nullValue()]), oid: id };
  }
  const id = { sha1: OID.ecdsaWithSHA1, sha256: OID.ecdsaWithSHA256, sha384: OID.ecdsaWithSHA384, sha512: OID.ecdsaWithSHA512 }[hash];
  return { algorithm: seq([oid(id)]), oid: id };
}

/** SHA-1 of the subjectPublicKey BIT STRING contents (RFC 5280 method 1). */
export function keyIdentifier(publicKey: KeyObject): Buffer {
  const spki = asn1.fromDer(bin(publicKey.export({ type: 'spki', format: 'der' })));
  const bits = (spki.value as Asn1[])[1]!.value as string;
  return crypto.createHash('sha1').update(Buffer.from(bits.slice(1), 'binary')).digest();
}

function extension(id: string, critical: boolean, value: Asn1): Asn1 {
  const parts = [oid(id)];
  if (critical) parts.push(bool(true));
  parts.push(octets(asn1.toDer(value).getBytes()));
  return seq(parts);
}

function keyUsageBits(usages: KeyUsageName[]): Asn1 {
  let bits = 0;
  for (const u of usages) bits |= 0x80 >> KEY_USAGE_BITS[u];
  // One byte suffices for the first 8 usages; count trailing zero bits as unused.
  let unused = 0;
  while (unused < 7 && !(bits & (1 << unused))) unused++;
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BITSTRING, false, String.fromCharCode(unused) + String.fromCharCode(bits));
}

function ipToBytes(ip: string): string {
  if (ip.includes(':')) {
    const [head, tail] = ip.split('::') as [string, string | undefined];
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':') : [];
    const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
    return groups.map((g) => String.fromCharCode(parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff)).join('');
  }
  return ip.split('.').map((o) => String.fromCharCode(Number(o))).join('');
}

/** Build and sign a certificate. Returns DER. */
export function buildCertificate(spec: CertificateSpec): Buffer {
  const hash = spec.hash ?? 'sha256';
  const sigAlg = signatureAlgorithm(spec.signingKey, hash);
  const issuer = spec.issuer ?? spec.subject;
  const spki = asn1.fromDer(bin(spec.publicKey.export({ type: 'spki', format: 'der' })));
  const exts: Asn1[] = [];
  if (spec.ca !== undefined) {
    const bc: Asn1[] = spec.ca ? [bool(true)] : [];
    if (spec.ca && spec.pathLength !== undefined) bc.push(integer(spec.pathLength));
    exts.push(extension(OID.basicConstraints, true, seq(bc)));
  }
  if (spec.keyUsage?.length) exts.push(extension(OID.keyUsage, true, keyUsageBits(spec.keyUsage)));
  if (spec.extKeyUsage?.length) exts.push(extension(OID.extKeyUsage, false, seq(spec.extKeyUsage.map(oid))));
  exts.push(extension(OID.subjectKeyIdentifier, false, octets(bin(keyIdentifier(spec.publicKey)))));
  exts.push(
    extension(
      OID.authorityKeyIdentifier,
      false,
      seq([asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, false, bin(keyIdentifier(spec.issuerPublicKey ?? spec.publicKey)))]),
    ),
  );
  const names: Asn1[] = [
    ...(spec.dnsNames ?? []).map((d) => asn1.create(asn1.Class.CONTEXT_SPECIFIC, 2, false, d)),
    ...(spec.ipAddresses ?? []).map((ip) => asn1.create(asn1.Class.CONTEXT_SPECIFIC, 7, false, ipToBytes(ip))),
    ...(spec.uris ?? []).map((u) => asn1.create(asn1.Class.CONTEXT_SPECIFIC, 6, false, u)),
  ];
  if (names.length) exts.push(extension(OID.subjectAltName, false, seq(names)));
  if (spec.policies?.length) exts.push(extension(OID.certificatePolicies, false, seq(spec.policies.map((p) => seq([oid(p)])))));

  const tbs = seq([
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [integer(2)]),
    integerFromHex(spec.serialHex),
    sigAlg.algorithm,
    nameToAsn1(issuer),
    seq([time(spec.notBefore), time(spec.notAfter)]),
    nameToAsn1(spec.subject),
    spki,
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 3, true, [seq(exts)]),
  ]);
  const tbsDer = Buffer.from(asn1.toDer(tbs).getBytes(), 'binary');
  const signature = crypto.sign(hash, tbsDer, spec.signingKey);
  const cert = seq([tbs, sigAlg.algorithm, asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BITSTRING, false, `\x00${bin(signature)}`)]);
  return Buffer.from(asn1.toDer(cert).getBytes(), 'binary');
}

export function derToPem(der: Uint8Array, label = 'CERTIFICATE'): string {
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/** DER bytes of every PEM block of the given label in the text. */
export function pemToDers(pem: string, label = 'CERTIFICATE'): Buffer[] {
  const re = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`, 'g');
  return [...pem.matchAll(re)].map((m) => Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
}

export function sha256Hex(data: Uint8Array | string): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

/** Country code (C=) of a certificate subject, if any. */
export function subjectCountry(cert: X509Certificate): string | undefined {
  return /(?:^|\n)C=([A-Z]{2})(?:\n|$)/.exec(cert.subject)?.[1];
}
