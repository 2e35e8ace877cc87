import crypto, { type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { type ParsedCertificate, buildChain, certificateFrom, parseCertificate, serialValue } from './certs.ts';
import { DerError, TAG, children, content, ctx, expectTag, readOid, readTime, readTlv, whole } from './der.ts';
import { describeKey } from './keys.ts';
import type { ReasonCode } from './reason-codes.ts';
import { OID } from './x509.ts';

// CMS SignedData (RFC 5652), detached, built and read by hand. node-forge provides the ASN.1
// structure (its pkcs7 module can neither verify nor sign with EC keys); every key operation and
// hash is node:crypto. Used for PDF signatures (protocol/pdf/) and for any detached signature
// another room needs (the reports room signs its evidence manifest with signDetached).

const { asn1 } = forge;
type Asn1 = forge.asn1.Asn1;

export const CMS_OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  signingCertificate: '1.2.840.113549.1.9.16.2.12',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
} as const;

export type DigestName = 'sha1' | 'sha256' | 'sha384' | 'sha512';

const DIGEST_OID: Record<DigestName, string> = { sha1: OID.sha1, sha256: OID.sha256, sha384: OID.sha384, sha512: OID.sha512 };
const DIGEST_BY_OID: Record<string, DigestName> = Object.fromEntries(Object.entries(DIGEST_OID).map(([k, v]) => [v, k as DigestName]));
const DIGEST_SIZE: Record<DigestName, number> = { sha1: 20, sha256: 32, sha384: 48, sha512: 64 };

/** Signature algorithm OIDs accepted in a SignerInfo and the digest they imply (if they carry one). */
const SIG_ALGS: Record<string, { type: 'rsa' | 'ec'; digest?: DigestName }> = {
  [OID.rsaEncryption]: { type: 'rsa' },
  [OID.sha1WithRSAEncryption]: { type: 'rsa', digest: 'sha1' },
  [OID.sha256WithRSAEncryption]: { type: 'rsa', digest: 'sha256' },
  [OID.sha384WithRSAEncryption]: { type: 'rsa', digest: 'sha384' },
  [OID.sha512WithRSAEncryption]: { type: 'rsa', digest: 'sha512' },
  [OID.ecdsaWithSHA1]: { type: 'ec', digest: 'sha1' },
  [OID.ecdsaWithSHA256]: { type: 'ec', digest: 'sha256' },
  [OID.ecdsaWithSHA384]: { type: 'ec', digest: 'sha384' },
  [OID.ecdsaWithSHA512]: { type: 'ec', digest: 'sha512' },
};

export function digestName(oid: string): DigestName | undefined {
  return DIGEST_BY_OID[oid];
}

/** Who signs: the private key, its certificate and the CA certificates to embed (not the root). */
export interface Signer {
  privateKey: KeyObject;
  /** DER of the signer certificate. */
  certificate: Uint8Array;
  /** DER of the issuing CA certificate(s), nearest first. */
  chain?: readonly Uint8Array[];
  /**
   * Produce the signature value over `data` instead of node:crypto (a token, an HSM, or the
   * deterministic ECDSA of the test fixtures). RSA signatures must be PKCS#1 v1.5, ECDSA DER.
   */
  sign?: (data: Buffer, digest: DigestName) => Buffer;
}

export interface CmsSignOptions {
  /** Digest for messageDigest and the signature; sha1 exists only for the weak-algorithm variant. */
  digest?: DigestName;
  /** signingTime attribute; null leaves it out (PAdES baseline puts the time in the PDF's /M instead). */
  signingTime?: Date | null;
  /** Add the ESS signing-certificate-v2 attribute (RFC 5035), as CAdES requires. */
  signingCertificateV2?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Building

const bin = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('binary');
const oid = (id: string): Asn1 => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(id).getBytes());
const seq = (items: Asn1[]): Asn1 => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, items);
const set = (items: Asn1[]): Asn1 => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SET, true, items);
const octets = (b: Uint8Array): Asn1 => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, bin(b));
const nullValue = (): Asn1 => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, '');
const integer = (n: number): Asn1 => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, String.fromCharCode(n));
const explicit = (n: number, inner: Asn1[]): Asn1 => asn1.create(asn1.Class.CONTEXT_SPECIFIC, n, true, inner);
const toDer = (a: Asn1): Buffer => Buffer.from(asn1.toDer(a).getBytes(), 'binary');

function time(date: Date): Asn1 {
  return date.getUTCFullYear() < 2050
    ? asn1.create(asn1.Class.UNIVERSAL, asn1.Type.UTCTIME, false, asn1.dateToUtcTime(date))
    : asn1.create(asn1.Class.UNIVERSAL, asn1.Type.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(date));
}

interface PreparedSigner {
  certificates: Asn1[];
  sid: Asn1;
  issuerSerial: Asn1;
  certDer: Buffer;
  keyType: 'rsa' | 'ec';
  keyBytes: number;
  /** Private keys already checked against the certificate. */
  keys: WeakSet<KeyObject>;
}

const prepared = new Map<string, PreparedSigner>();

/** Per-certificate parts of the CMS, computed once (forge trees of the certificates, the sid). */
function prepare(signer: Signer): PreparedSigner {
  const cert = parseCertificate(signer.certificate);
  const id = `${cert.fingerprint256}/${(signer.chain ?? []).map((c) => parseCertificate(c).fingerprint256).join(',')}`;
  let p = prepared.get(id);
  if (!p) {
    const issuer = asn1.fromDer(bin(cert.issuerDer));
    const serial = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, bin(cert.serial));
    const key = describeKey(signer.privateKey);
    p = {
      certificates: [signer.certificate, ...(signer.chain ?? [])].map((d) => asn1.fromDer(bin(d))),
      sid: seq([issuer, serial]),
      // IssuerSerial of ESS: issuer as GeneralNames (directoryName [4]).
      issuerSerial: seq([seq([explicit(4, [asn1.fromDer(bin(cert.issuerDer))])]), asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, bin(cert.serial))]),
      certDer: cert.der,
      keyType: key.type,
      keyBytes: Math.ceil(key.bits / 8),
      keys: new WeakSet(),
    };
    if (prepared.size > 1000) prepared.clear();
    prepared.set(id, p);
  }
  if (!p.keys.has(signer.privateKey)) {
    // A key that does not match the certificate would make signatures nobody can verify.
    const spki = (k: KeyObject) => k.export({ type: 'spki', format: 'der' });
    if (!spki(cert.publicKey).equals(spki(crypto.createPublicKey(signer.privateKey)))) {
      throw new Error(`the private key does not belong to the signer certificate (${cert.x509.subject.replace(/\n/g, ', ')})`);
    }
    p.keys.add(signer.privateKey);
  }
  return p;
}

function attribute(type: string, value: Asn1): Asn1 {
  return seq([oid(type), set([value])]);
}

function signatureAlgorithmFor(keyType: 'rsa' | 'ec', digest: DigestName): Asn1 {
  if (keyType === 'rsa') return seq([oid(OID.rsaEncryption), nullValue()]);
  const id = { sha1: OID.ecdsaWithSHA1, sha256: OID.ecdsaWithSHA256, sha384: OID.ecdsaWithSHA384, sha512: OID.ecdsaWithSHA512 }[digest];
  return seq([oid(id)]);
}

/**
 * A detached CMS SignedData over content whose digest (with `options.digest`) is
 * `messageDigest`. Returns DER.
 */
export function signDigest(messageDigest: Uint8Array, signer: Signer, options: CmsSignOptions = {}): Buffer {
  const digest = options.digest ?? 'sha256';
  const p = prepare(signer);
  const attrs: Asn1[] = [attribute(CMS_OID.contentType, oid(CMS_OID.data))];
  if (options.signingTime !== null) attrs.push(attribute(CMS_OID.signingTime, time(options.signingTime ?? new Date())));
  attrs.push(attribute(CMS_OID.messageDigest, octets(messageDigest)));
  if (options.signingCertificateV2) {
    const certHash = crypto.createHash('sha256').update(p.certDer).digest();
    // ESSCertIDv2 with the DEFAULT hash algorithm (sha256) omitted, as DER requires.
    attrs.push(attribute(CMS_OID.signingCertificateV2, seq([seq([seq([octets(certHash), p.issuerSerial])])])));
  }
  // DER orders a SET OF by encoding; verifiers such as OpenSSL re-encode before checking.
  const sorted = attrs.map((a) => ({ node: a, der: toDer(a) })).sort((x, y) => Buffer.compare(x.der, y.der));
  const signedAttrs = Buffer.concat(sorted.map((a) => a.der));
  const toSign = Buffer.concat([Buffer.from([0x31]), derLength(signedAttrs.length), signedAttrs]);
  const signature = signer.sign ? signer.sign(toSign, digest) : crypto.sign(digest, toSign, signer.privateKey);

  const signedAttrsNode = asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, sorted.map((a) => a.node));
  const signerInfo = seq([
    integer(1),
    p.sid,
    seq([oid(DIGEST_OID[digest]), nullValue()]),
    signedAttrsNode,
    signatureAlgorithmFor(p.keyType, digest),
    octets(signature),
  ]);
  const signedData = seq([
    integer(1),
    set([seq([oid(DIGEST_OID[digest]), nullValue()])]),
    seq([oid(CMS_OID.data)]),
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, p.certificates),
    set([signerInfo]),
  ]);
  return toDer(seq([oid(CMS_OID.signedData), explicit(0, [signedData])]));
}

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** Detached CMS signature of `data` (one buffer or several, concatenated). */
export function signDetached(data: Uint8Array | readonly Uint8Array[], signer: Signer, options: CmsSignOptions = {}): Buffer {
  const hash = crypto.createHash(options.digest ?? 'sha256');
  for (const part of Array.isArray(data) ? data : [data as Uint8Array]) hash.update(part);
  return signDigest(hash.digest(), signer, options);
}

/**
 * An upper bound of the CMS size signDigest produces for this signer, so a PDF placeholder can
 * be sized from the actual chain without signing twice.
 */
export function maxCmsSize(signer: Signer, options: CmsSignOptions = {}): number {
  const p = prepare(signer);
  const certs = [signer.certificate, ...(signer.chain ?? [])].reduce((n, c) => n + c.length, 0);
  const sid = toDer(p.sid).length;
  const sig = p.keyType === 'rsa' ? p.keyBytes : 2 * p.keyBytes + 9;
  const attrs = 150 + DIGEST_SIZE[options.digest ?? 'sha256'] + (options.signingCertificateV2 ? 60 + sid : 0);
  return certs + sid + sig + attrs + 160;
}

// ---------------------------------------------------------------------------------------------
// Reading

export class CmsError extends Error {
  constructor(
    readonly code: Extract<ReasonCode, 'CMS_MALFORMED' | 'SIGNER_CERTIFICATE_MISSING'>,
    message: string,
  ) {
    super(message);
    this.name = 'CmsError';
  }
}

export interface ParsedSignedData {
  /** The exact SignedData ContentInfo bytes (trailing padding excluded). */
  der: Buffer;
  certificates: Buffer[];
  /** Encapsulated content when the signature is not detached. */
  eContent?: Buffer;
  digestAlgorithm: string;
  digest?: DigestName;
  signatureAlgorithm: string;
  signature: Buffer;
  /** Signed attributes re-tagged as a SET (0x31), the bytes the signature covers. */
  signedAttrs?: Buffer;
  contentType?: string;
  messageDigest?: Buffer;
  signingTime?: Date;
  /** Certificate hashes from ESS signing-certificate(-v2), when present. */
  essCertHashes?: Array<{ digest: string; hash: Buffer }>;
  sid: { issuerDer: Buffer; serial: Buffer } | { subjectKeyId: Buffer };
  /** The certificate matching the SignerInfo's sid, if the CMS carries it. */
  signerCertificate?: ParsedCertificate;
}

/** Parse a CMS SignedData ContentInfo. Throws CmsError (CMS_MALFORMED) with a precise message. */
export function parseSignedData(input: Uint8Array): ParsedSignedData {
  try {
    return parseUnchecked(Buffer.from(input.buffer, input.byteOffset, input.byteLength));
  } catch (err) {
    if (err instanceof CmsError) throw err;
    throw new CmsError('CMS_MALFORMED', `the CMS signature is malformed: ${(err as Error).message}`);
  }
}

function parseUnchecked(buf: Buffer): ParsedSignedData {
  const ci = expectTag(readTlv(buf, 0), TAG.SEQUENCE, 'ContentInfo');
  const [ctype, wrapped] = children(buf, ci);
  const type = readOid(buf, expectTag(ctype, TAG.OID, 'contentType'));
  if (type !== CMS_OID.signedData) throw new DerError(`content type ${type} is not SignedData`);
  const sdTlv = expectTag(children(buf, expectTag(wrapped, ctx(0), 'content'))[0], TAG.SEQUENCE, 'SignedData');
  const sd = children(buf, sdTlv);
  let i = 1; // version
  expectTag(sd[i++], TAG.SET, 'digestAlgorithms');
  const encap = children(buf, expectTag(sd[i++], TAG.SEQUENCE, 'encapContentInfo'));
  let eContent: Buffer | undefined;
  if (encap[1]) {
    const inner = children(buf, encap[1])[0]!;
    eContent = inner.tag === TAG.OCTET_STRING ? content(buf, inner) : Buffer.concat(children(buf, inner).map((c) => content(buf, c)));
  }
  const certificates: Buffer[] = [];
  if (sd[i]?.tag === ctx(0)) {
    for (const c of children(buf, sd[i]!)) if (c.tag === TAG.SEQUENCE) certificates.push(whole(buf, c));
    i++;
  }
  if (sd[i]?.tag === ctx(1)) i++; // crls
  const infos = children(buf, expectTag(sd[i], TAG.SET, 'signerInfos'));
  if (infos.length === 0) throw new DerError('no SignerInfo');
  const si = children(buf, expectTag(infos[0], TAG.SEQUENCE, 'SignerInfo'));
  let j = 1; // version
  const sidTlv = si[j++]!;
  let sid: ParsedSignedData['sid'];
  if (sidTlv.tag === TAG.SEQUENCE) {
    const [issuer, serial] = children(buf, sidTlv);
    sid = { issuerDer: whole(buf, expectTag(issuer, TAG.SEQUENCE, 'sid issuer')), serial: content(buf, expectTag(serial, TAG.INTEGER, 'sid serial')) };
  } else if (sidTlv.tag === ctx(0, false)) {
    sid = { subjectKeyId: content(buf, sidTlv) };
  } else throw new DerError('unknown SignerIdentifier');
  const digestAlgorithm = readOid(buf, children(buf, expectTag(si[j++], TAG.SEQUENCE, 'digestAlgorithm'))[0]!);
  const out: ParsedSignedData = {
    der: whole(buf, ci),
    certificates,
    eContent,
    digestAlgorithm,
    digest: DIGEST_BY_OID[digestAlgorithm],
    signatureAlgorithm: '',
    signature: Buffer.alloc(0),
    sid,
  };
  if (si[j]?.tag === ctx(0)) {
    const attrsTlv = si[j++]!;
    // The signature covers the attributes with the SET tag in place of [0] IMPLICIT.
    const signedAttrs = Buffer.from(whole(buf, attrsTlv));
    signedAttrs[0] = TAG.SET;
    out.signedAttrs = signedAttrs;
    for (const attr of children(buf, attrsTlv)) {
      const [atype, values] = children(buf, attr);
      const id = readOid(buf, atype!);
      const first = children(buf, expectTag(values, TAG.SET, 'attribute values'))[0];
      if (!first) continue;
      if (id === CMS_OID.contentType) out.contentType = readOid(buf, first);
      else if (id === CMS_OID.messageDigest) out.messageDigest = content(buf, expectTag(first, TAG.OCTET_STRING, 'messageDigest'));
      else if (id === CMS_OID.signingTime) out.signingTime = readTime(buf, first);
      else if (id === CMS_OID.signingCertificateV2 || id === CMS_OID.signingCertificate) out.essCertHashes = readEss(buf, first, id === CMS_OID.signingCertificateV2);
    }
  }
  out.signatureAlgorithm = readOid(buf, children(buf, expectTag(si[j++], TAG.SEQUENCE, 'signatureAlgorithm'))[0]!);
  out.signature = content(buf, expectTag(si[j++], TAG.OCTET_STRING, 'signature'));
  out.signerCertificate = findSignerCertificate(out);
  return out;
}

function readEss(buf: Buffer, value: ReturnType<typeof readTlv>, v2: boolean): Array<{ digest: string; hash: Buffer }> {
  const certs = children(buf, children(buf, value)[0]!);
  return certs.map((certId) => {
    const parts = children(buf, certId);
    if (!v2) return { digest: 'sha1', hash: content(buf, parts[0]!) };
    if (parts[0]!.tag === TAG.SEQUENCE) {
      const alg = readOid(buf, children(buf, parts[0]!)[0]!);
      return { digest: DIGEST_BY_OID[alg] ?? alg, hash: content(buf, parts[1]!) };
    }
    return { digest: 'sha256', hash: content(buf, parts[0]!) };
  });
}

function findSignerCertificate(p: ParsedSignedData): ParsedCertificate | undefined {
  for (const der of p.certificates) {
    let cert: ParsedCertificate;
    try {
      cert = parseCertificate(der);
    } catch {
      continue; // an unreadable extra certificate does not hide a readable signer certificate
    }
    if ('subjectKeyId' in p.sid) {
      if (cert.subjectKeyId?.equals(p.sid.subjectKeyId)) return cert;
    } else if (cert.issuerDer.equals(p.sid.issuerDer) && serialValue(cert.serial).equals(serialValue(p.sid.serial))) return cert;
  }
  return undefined;
}

/** The digest algorithm the SignerInfo names, if it is one we can compute. */
export function contentDigest(p: ParsedSignedData, data: readonly Uint8Array[]): Buffer {
  if (!p.digest) throw new CmsError('CMS_MALFORMED', `unsupported digest algorithm ${p.digestAlgorithm}`);
  const hash = crypto.createHash(p.digest);
  for (const part of data) hash.update(part);
  return hash.digest();
}

export type SignatureCheck = { ok: true } | { ok: false; detail: string };

/**
 * Check the SignerInfo signature with `publicKey`: over the signed attributes when present,
 * otherwise over the content itself (`data` then required).
 */
export function checkSignature(p: ParsedSignedData, publicKey: KeyObject, data?: readonly Uint8Array[]): SignatureCheck {
  const alg = SIG_ALGS[p.signatureAlgorithm];
  if (!alg) return { ok: false, detail: `unsupported signature algorithm ${p.signatureAlgorithm}` };
  const keyType = publicKey.asymmetricKeyType === 'rsa' ? 'rsa' : publicKey.asymmetricKeyType === 'ec' ? 'ec' : undefined;
  if (keyType !== alg.type) return { ok: false, detail: `signature algorithm ${p.signatureAlgorithm} does not fit the ${publicKey.asymmetricKeyType} key of the signer certificate` };
  const digest = alg.digest ?? p.digest;
  if (!digest) return { ok: false, detail: `unsupported digest algorithm ${p.digestAlgorithm}` };
  try {
    if (p.signedAttrs) return crypto.verify(digest, p.signedAttrs, publicKey, p.signature) ? { ok: true } : { ok: false, detail: 'the signature value does not verify with the signer certificate' };
    if (!data) return { ok: false, detail: 'no signed attributes and no content to check the signature over' };
    const v = crypto.createVerify(digest);
    for (const part of data) v.update(part);
    return v.verify(publicKey, p.signature) ? { ok: true } : { ok: false, detail: 'the signature value does not verify with the signer certificate' };
  } catch (err) {
    return { ok: false, detail: `the signature value cannot be checked: ${(err as Error).message}` };
  }
}

/** Whether the ESS signing-certificate attribute (if any) names this certificate. */
export function essMatches(p: ParsedSignedData, cert: ParsedCertificate): boolean {
  if (!p.essCertHashes?.length) return true;
  const first = p.essCertHashes[0]!;
  try {
    return crypto.createHash(first.digest).update(cert.der).digest().equals(first.hash);
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Generic detached verification (evidence manifests and any other detached signature).

export interface DetachedVerification {
  valid: boolean;
  /** Reason code of the first failure. */
  reasonCode?: Extract<ReasonCode, 'CMS_MALFORMED' | 'SIGNER_CERTIFICATE_MISSING' | 'MESSAGE_DIGEST_MISMATCH' | 'SIGNATURE_INVALID' | 'CHAIN_NOT_FOUND'>;
  detail: string;
  signer?: { subject: string; issuer: string; serialNumber: string; fingerprint256: string; pem: string };
  signingTime?: Date;
  /** The path to a trusted certificate, leaf first, when `trusted` was given and one was found. */
  chain?: string[];
}

export interface DetachedVerifyOptions {
  /**
   * Certificates (PEM, DER or X509Certificate) the signer must be or chain to, through the
   * certificates the CMS carries. Without it only the signature itself is checked.
   */
  trusted?: ReadonlyArray<Uint8Array | string | import('node:crypto').X509Certificate>;
}

export function verifyDetached(data: Uint8Array | readonly Uint8Array[], cmsDer: Uint8Array, options: DetachedVerifyOptions = {}): DetachedVerification {
  const parts = Array.isArray(data) ? (data as Uint8Array[]) : [data as Uint8Array];
  let p: ParsedSignedData;
  try {
    p = parseSignedData(cmsDer);
  } catch (err) {
    return { valid: false, reasonCode: 'CMS_MALFORMED', detail: (err as Error).message };
  }
  const cert = p.signerCertificate;
  if (!cert) return { valid: false, reasonCode: 'SIGNER_CERTIFICATE_MISSING', detail: 'the CMS does not carry the signer certificate its SignerInfo names' };
  const signer = {
    subject: cert.x509.subject,
    issuer: cert.x509.issuer,
    serialNumber: cert.x509.serialNumber,
    fingerprint256: cert.fingerprint256,
    pem: cert.x509.toString(),
  };
  const base = { signer, signingTime: p.signingTime };
  if (p.signedAttrs) {
    if (!p.messageDigest) return { ...base, valid: false, reasonCode: 'CMS_MALFORMED', detail: 'the signed attributes have no messageDigest' };
    let digest: Buffer;
    try {
      digest = contentDigest(p, parts);
    } catch (err) {
      return { ...base, valid: false, reasonCode: 'CMS_MALFORMED', detail: (err as Error).message };
    }
    if (!digest.equals(p.messageDigest)) return { ...base, valid: false, reasonCode: 'MESSAGE_DIGEST_MISMATCH', detail: 'the data does not match the digest the signature covers (the data was changed after signing)' };
  }
  const sig = checkSignature(p, cert.publicKey, parts);
  if (!sig.ok) return { ...base, valid: false, reasonCode: 'SIGNATURE_INVALID', detail: sig.detail };
  if (!essMatches(p, cert)) return { ...base, valid: false, reasonCode: 'SIGNATURE_INVALID', detail: 'the ESS signing-certificate attribute names another certificate' };
  if (options.trusted) {
    let anchors: ParsedCertificate[];
    try {
      anchors = options.trusted.map(certificateFrom);
    } catch (err) {
      return { ...base, valid: false, reasonCode: 'CHAIN_NOT_FOUND', detail: `a trusted certificate is unreadable: ${(err as Error).message}` };
    }
    const pool = p.certificates.flatMap((d) => {
      try {
        return [parseCertificate(d)];
      } catch {
        return [];
      }
    });
    const chain = anchors.some((a) => a.fingerprint256 === cert.fingerprint256) ? [cert] : buildChain(cert, pool, anchors);
    if (!chain) return { ...base, valid: false, reasonCode: 'CHAIN_NOT_FOUND', detail: `the signer certificate (${cert.x509.subject.replace(/\n/g, ', ')}) is not trusted and does not chain to a trusted certificate` };
    return { ...base, valid: true, detail: 'the signature is valid and the signer is trusted', chain: chain.map((c) => c.fingerprint256) };
  }
  return { ...base, valid: true, detail: 'the signature is valid (signer trust not checked)' };
}
