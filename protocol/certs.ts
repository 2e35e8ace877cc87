import crypto, { type KeyObject, X509Certificate } from 'node:crypto';
import { TAG, children, content, ctx, expectTag, readOid, readTlv, whole } from './der.ts';
import { describeKey } from './keys.ts';
import { OID, subjectCountry } from './x509.ts';

// Parsed certificates, memoized by SHA-256 of the DER. Parsing an X509Certificate costs about
// 100 µs, several times a whole RSA verification, so every verifier (PDF, detached CMS, trust
// registry) goes through this cache and pays it once per certificate.

export interface ParsedCertificate {
  der: Buffer;
  x509: X509Certificate;
  /** SHA-256 of the DER, lowercase hex without colons. */
  fingerprint256: string;
  publicKey: KeyObject;
  key: { type: 'rsa' | 'ec'; bits: number; curve?: string };
  /** OID of the certificate's own signature algorithm (how its issuer signed it). */
  signatureAlgorithm: string;
  /** Digest of that signature algorithm (sha1, sha256, ...), when known. */
  signatureHash?: string;
  /** DER of the issuer Name and the serial number INTEGER content (for issuerAndSerialNumber). */
  issuerDer: Buffer;
  serial: Buffer;
  subjectKeyId?: Buffer;
  country?: string;
  notBefore: Date;
  notAfter: Date;
  isCa: boolean;
}

export const SIGNATURE_HASH: Record<string, string> = {
  [OID.sha1WithRSAEncryption]: 'sha1',
  [OID.sha256WithRSAEncryption]: 'sha256',
  [OID.sha384WithRSAEncryption]: 'sha384',
  [OID.sha512WithRSAEncryption]: 'sha512',
  [OID.ecdsaWithSHA1]: 'sha1',
  [OID.ecdsaWithSHA256]: 'sha256',
  [OID.ecdsaWithSHA384]: 'sha384',
  [OID.ecdsaWithSHA512]: 'sha512',
  '1.2.840.113549.1.1.4': 'md5',
};

const cache = new Map<string, ParsedCertificate>();
const CACHE_LIMIT = 10_000;

/** Parse (or fetch from the cache) a DER certificate. Throws on bytes that are not a certificate. */
export function parseCertificate(der: Uint8Array): ParsedCertificate {
  const fingerprint256 = crypto.createHash('sha256').update(der).digest('hex');
  const hit = cache.get(fingerprint256);
  if (hit) return hit;
  const buf = Buffer.from(der);
  const x509 = new X509Certificate(buf);
  // Fields node:crypto does not expose on Node 20 (signature algorithm, raw issuer, SKI).
  const cert = readTlv(buf, 0);
  const [tbs, sigAlg] = children(buf, cert);
  const tbsParts = children(buf, expectTag(tbs, TAG.SEQUENCE, 'tbsCertificate'));
  let i = tbsParts[0]?.tag === ctx(0) ? 1 : 0;
  const serialTlv = expectTag(tbsParts[i++], TAG.INTEGER, 'serialNumber');
  i++; // signature algorithm inside tbs
  const issuerTlv = expectTag(tbsParts[i++], TAG.SEQUENCE, 'issuer');
  const signatureAlgorithm = readOid(buf, children(buf, expectTag(sigAlg, TAG.SEQUENCE, 'signatureAlgorithm'))[0]!);
  let subjectKeyId: Buffer | undefined;
  const extsWrapper = tbsParts.find((t) => t.tag === ctx(3));
  if (extsWrapper) {
    for (const ext of children(buf, children(buf, extsWrapper)[0]!)) {
      const parts = children(buf, ext);
      if (readOid(buf, parts[0]!) === OID.subjectKeyIdentifier) {
        const value = content(buf, parts[parts.length - 1]!);
        subjectKeyId = content(value, readTlv(value, 0));
      }
    }
  }
  const publicKey = x509.publicKey;
  const parsed: ParsedCertificate = {
    der: buf,
    x509,
    fingerprint256,
    publicKey,
    key: describeKey(publicKey),
    signatureAlgorithm,
    signatureHash: SIGNATURE_HASH[signatureAlgorithm],
    issuerDer: whole(buf, issuerTlv),
    serial: content(buf, serialTlv),
    subjectKeyId,
    country: subjectCountry(x509),
    notBefore: new Date(x509.validFrom),
    notAfter: new Date(x509.validTo),
    isCa: x509.ca,
  };
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(fingerprint256, parsed);
  return parsed;
}

/** Strip leading zero octets of a DER INTEGER content, so serials compare by value. */
export function serialValue(serial: Uint8Array): Buffer {
  let i = 0;
  while (i < serial.length - 1 && serial[i] === 0) i++;
  return Buffer.from(serial.subarray(i));
}

const issuedCache = new Map<string, boolean>();

/** Whether `issuer` issued `cert`: names match and the signature verifies. Memoized by the pair. */
export function isIssuedBy(cert: ParsedCertificate, issuer: ParsedCertificate): boolean {
  const id = `${cert.fingerprint256}:${issuer.fingerprint256}`;
  let ok = issuedCache.get(id);
  if (ok === undefined) {
    ok = cert.x509.checkIssued(issuer.x509) && cert.x509.verify(issuer.publicKey);
    if (issuedCache.size >= CACHE_LIMIT) issuedCache.clear();
    issuedCache.set(id, ok);
  }
  return ok;
}

/**
 * A path from `leaf` to one of `anchors` through `intermediates` (issuers must be CAs).
 * Returns the path leaf-first, anchor last, or null. Validity periods are not checked here:
 * verification judges time separately (signing time versus the signer certificate).
 */
export function buildChain(leaf: ParsedCertificate, intermediates: readonly ParsedCertificate[], anchors: readonly ParsedCertificate[], maxDepth = 6): ParsedCertificate[] | null {
  const anchorSet = new Set(anchors.map((a) => a.fingerprint256));
  if (anchorSet.has(leaf.fingerprint256)) return [leaf];
  const walk = (cert: ParsedCertificate, path: ParsedCertificate[]): ParsedCertificate[] | null => {
    if (path.length > maxDepth) return null;
    for (const anchor of anchors) if (anchor.isCa && isIssuedBy(cert, anchor)) return [...path, anchor];
    for (const next of intermediates) {
      if (!next.isCa || path.some((p) => p.fingerprint256 === next.fingerprint256)) continue;
      if (isIssuedBy(cert, next)) {
        const found = walk(next, [...path, next]);
        if (found) return found;
      }
    }
    return null;
  };
  return walk(leaf, [leaf]);
}

/** Parse PEM or DER input into a certificate. */
export function certificateFrom(input: Uint8Array | string | X509Certificate): ParsedCertificate {
  if (input instanceof X509Certificate) return parseCertificate(input.raw);
  if (typeof input === 'string') {
    const m = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(input);
    if (!m) throw new Error('not a PEM certificate (no BEGIN CERTIFICATE block)');
    return parseCertificate(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
  }
  return parseCertificate(input);
}
