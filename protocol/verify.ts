import crypto from 'node:crypto';
import type { ParsedCertificate } from './certs.ts';
import { parseCertificate } from './certs.ts';
import { CmsError, type ParsedSignedData, checkSignature, essMatches, parseSignedData } from './cms.ts';
import { DerError, encodedLength } from './der.ts';
import { PdfFormatError } from './pdf/objects.ts';
import { type PdfInspection, type PdfSignature, METADATA_FILE_NAME, checkByteRange, inspectPdf, primarySignature } from './pdf/inspect.ts';
import { DEFAULT_POLICY, effectiveCrypto, getPolicy } from './policy.ts';
import { REASON_CODES, type ReasonCode } from './reason-codes.ts';
import { type CheckMessageKey, MESSAGE_PARAM, checkMessages, reasonMessages } from './reason-messages.ts';
import { canonicalJson, validateMetadata } from './schema.ts';
import { compileTrust } from './trust.ts';
import {
  CHECK_NAMES,
  type CheckName,
  type CheckResult,
  type CryptoPolicy,
  type EcertMetadata,
  type Envelope,
  type Indication,
  type SubIndication,
  type TrustRegistry,
  type VerificationPolicy,
  type VerificationReport,
} from './types.ts';

// Independent verification of a signed e-CERT document: five checks, each with an ETSI EN 319
// 102-1 style indication, a stable reason code and params for localized text.
//
// Precedence. Every check is evaluated on its own and reports its own first finding, so one
// defect never hides another (`reasonCodes` lists them all, in check order). Within a check:
//  - a definitive failure (TOTAL_FAILED) is reported before an inconclusive one (INDETERMINATE);
//  - structural findings come before content findings, the in-file ones before envelope ones:
//    fileIntegrity: NOT_A_PDF > BYTE_RANGE_INVALID > BYTE_RANGE_INCOMPLETE > MESSAGE_DIGEST_MISMATCH
//                   > FILE_SIZE_MISMATCH > FILE_HASH_MISMATCH > ENVELOPE_REQUIRED
//    signature:     SIGNATURE_MISSING > UNSUPPORTED_SUBFILTER > CMS_MALFORMED
//                   > SIGNER_CERTIFICATE_MISSING > SIGNATURE_INVALID
//    publicKey:     COUNTRY_MISMATCH > SIGNER_REVOKED > WEAK_ALGORITHM > KEY_ID_MISMATCH
//                   > SIGNER_NOT_REGISTERED > CHAIN_NOT_FOUND
//    metadata:      METADATA_MISSING > METADATA_SCHEMA_INVALID (embedded, then envelope) > METADATA_MISMATCH
//    validity:      SIGNER_CERT_NOT_YET_VALID_AT_SIGNING > SIGNING_TIME_IN_FUTURE > DOCUMENT_EXPIRED
//                   > DOCUMENT_NOT_YET_VALID > SIGNER_CERT_EXPIRED_AT_SIGNING / SIGNER_CERT_EXPIRED_NO_POE
//  - a check whose input is missing because another check failed (no signer certificate, no
//    metadata) is INDETERMINATE without a reason code of its own; the cause is in the other check.
// Overall: TOTAL_FAILED if a required check failed (sub-indication of the first one in check
// order), else INDETERMINATE if a required check is indeterminate, else TOTAL_PASSED.
// Advisory checks are reported (and listed in reasonCodes) but do not decide; 'off' ones are skipped.

export interface VerifyInput {
  pdf: Uint8Array;
  /** The envelope that travelled with the PDF (parsed JSON). Without it, the checks that need it say so. */
  envelope?: Envelope | null;
  trust: TrustRegistry;
  /** Verification time (clock control). */
  at: Date | string;
  /** A policy object or the name of a built-in one; default score-full. */
  policy?: VerificationPolicy | string;
}

type Params = Record<string, string | number>;

function fail(code: ReasonCode, params: Params = {}): CheckResult {
  const info = REASON_CODES[code] as { subIndication: SubIndication; indeterminate?: boolean };
  return {
    result: info.indeterminate ? 'indeterminate' : 'failed',
    indication: info.indeterminate ? 'INDETERMINATE' : 'TOTAL_FAILED',
    subIndication: info.subIndication,
    reasonCode: code,
    detail: reasonMessages.t('en', code, params),
    params,
  };
}

function pass(message: CheckMessageKey, params: Params = {}): CheckResult {
  const p = { ...params, [MESSAGE_PARAM]: message };
  return { result: 'passed', indication: 'TOTAL_PASSED', detail: checkMessages.t('en', message, p), params: p };
}

function notEvaluated(reason: 'notPdf' | 'noSignature' | 'noCertificate' | 'noMetadata' | 'noByteRange'): CheckResult {
  const p = { reason, [MESSAGE_PARAM]: 'notEvaluated' };
  return { result: 'indeterminate', indication: 'INDETERMINATE', detail: checkMessages.t('en', 'notEvaluated', p), params: p };
}

const iso = (d: Date): string => d.toISOString().replace('.000Z', 'Z');
const subjectLine = (c: ParsedCertificate): string => c.x509.subject.split('\n').join(', ');

interface Context {
  buf: Buffer;
  at: Date;
  policy: VerificationPolicy;
  crypto: CryptoPolicy;
  envelope?: Envelope;
  trust: TrustRegistry;
  inspection?: PdfInspection;
  sig?: PdfSignature;
  cms?: ParsedSignedData;
  cert?: ParsedCertificate;
  /** Embedded (signed) metadata when readable as JSON. */
  embedded?: unknown;
  sha256: string;
}

/** Verify a signed e-CERT PDF (synchronous). */
export function verifyDocument(input: VerifyInput): VerificationReport {
  const policy = typeof input.policy === 'string' ? getPolicy(input.policy) : (input.policy ?? DEFAULT_POLICY);
  const at = input.at instanceof Date ? input.at : new Date(input.at);
  if (Number.isNaN(at.getTime())) throw new TypeError(`verifyDocument: invalid verification time ${String(input.at)}`);
  const pdf = input.pdf;
  const buf = Buffer.isBuffer(pdf) ? pdf : Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength);
  const ctx: Context = {
    buf,
    at,
    policy,
    crypto: effectiveCrypto(policy.crypto, input.trust.policy),
    envelope: input.envelope ?? undefined,
    trust: input.trust,
    sha256: '',
  };
  const checks = {} as Record<CheckName, CheckResult>;

  let notPdf: string | undefined;
  try {
    ctx.inspection = inspectPdf(buf);
  } catch (err) {
    // Whatever the reader trips over, the answer for the user is the same: not a readable PDF.
    notPdf = err instanceof PdfFormatError ? err.message : `unreadable structure (${(err as Error).message})`;
  }

  if (notPdf !== undefined || !ctx.inspection) {
    ctx.sha256 = crypto.createHash('sha256').update(buf).digest('hex');
    checks.fileIntegrity = fail('NOT_A_PDF', { error: notPdf ?? 'unreadable' });
    checks.signature = notEvaluated('notPdf');
    checks.publicKey = notEvaluated('notPdf');
    checks.metadataIntegrity = notEvaluated('notPdf');
    checks.validity = notEvaluated('notPdf');
    return finish(ctx, checks);
  }

  const inspection = ctx.inspection;
  if (inspection.metadata.found && inspection.metadata.value !== undefined) ctx.embedded = inspection.metadata.value;
  ctx.sig = primarySignature(inspection);
  checks.signature = signatureCheck(ctx, inspection);
  checks.fileIntegrity = fileIntegrityCheck(ctx);
  checks.publicKey = publicKeyCheck(ctx);
  checks.metadataIntegrity = metadataCheck(ctx);
  checks.validity = validityCheck(ctx);
  return finish(ctx, checks);
}

// ---------------------------------------------------------------------------------------------
// signature

const SUBFILTERS = new Set(['adbe.pkcs7.detached', 'ETSI.CAdES.detached']);

function signatureCheck(ctx: Context, inspection: PdfInspection): CheckResult {
  const sig = ctx.sig;
  if (!sig) return fail('SIGNATURE_MISSING', { fields: inspection.emptySignatureFields.join(', ') || 'none' });
  if (!sig.subFilter || !SUBFILTERS.has(sig.subFilter)) return fail('UNSUPPORTED_SUBFILTER', { subFilter: sig.subFilter ?? '(none)' });
  if (!sig.contents || sig.contents.length === 0) return fail('CMS_MALFORMED', { error: 'the signature dictionary has no /Contents' });
  try {
    // The CMS length comes from its DER header: the placeholder padding is not part of it, and
    // a CMS may itself end in 00 bytes.
    const length = encodedLength(sig.contents);
    ctx.cms = parseSignedData(sig.contents.subarray(0, length));
  } catch (err) {
    if (err instanceof CmsError && err.code === 'SIGNER_CERTIFICATE_MISSING') return fail('SIGNER_CERTIFICATE_MISSING');
    if (err instanceof CmsError || err instanceof DerError) return fail('CMS_MALFORMED', { error: err.message.replace(/^the CMS signature is malformed: /, '') });
    throw err;
  }
  const cms = ctx.cms;
  if (cms.signedAttrs && !cms.messageDigest) return fail('CMS_MALFORMED', { error: 'the signed attributes have no messageDigest' });
  if (!cms.signerCertificate) return fail('SIGNER_CERTIFICATE_MISSING');
  ctx.cert = cms.signerCertificate;
  // Without signed attributes the signature is over the content itself, which needs a sound range.
  let data: Buffer[] | undefined;
  if (!cms.signedAttrs) {
    const br = checkByteRange(ctx.buf, sig);
    data = br.ranges;
  }
  const result = checkSignature(cms, ctx.cert.publicKey, data);
  if (!result.ok) {
    const algorithm = /unsupported|does not fit/.test(result.detail);
    return fail('SIGNATURE_INVALID', { problem: algorithm ? 'algorithm' : 'value', error: result.detail });
  }
  if (!essMatches(cms, ctx.cert)) return fail('SIGNATURE_INVALID', { problem: 'ess', error: 'ESS signing-certificate mismatch' });
  return pass('signature.passed', { algorithm: algorithmName(ctx.cert, cms), subFilter: sig.subFilter });
}

function algorithmName(cert: ParsedCertificate, cms: ParsedSignedData): string {
  const key = cert.key.type === 'rsa' ? `RSA-${cert.key.bits}` : `ECDSA-${cert.key.curve}`;
  return `${key}/${(cms.digest ?? cms.digestAlgorithm).toUpperCase().replace('SHA', 'SHA-')}`;
}

// ---------------------------------------------------------------------------------------------
// fileIntegrity

function fileIntegrityCheck(ctx: Context): CheckResult {
  const { buf, sig, cms, envelope } = ctx;
  let br: ReturnType<typeof checkByteRange> | undefined;
  let digestMismatch: string | undefined;
  if (sig) {
    br = checkByteRange(buf, sig);
    // One pass over the bytes for both hashes: the file hash continues through the gap, the
    // ByteRange digest (usually the same algorithm) skips it.
    const [r1, r2] = br.ranges ?? [];
    if (r1 && r2 && br.gap && cms?.digest === 'sha256') {
      const whole = crypto.createHash('sha256').update(r1);
      const signed = whole.copy();
      whole.update(buf.subarray(br.gap[0]));
      signed.update(r2);
      ctx.sha256 = whole.digest('hex');
      if (cms.messageDigest && !signed.digest().equals(cms.messageDigest)) digestMismatch = cms.digest;
    } else if (r1 && r2 && cms?.digest && cms.messageDigest) {
      const d = crypto.createHash(cms.digest).update(r1).update(r2).digest();
      if (!d.equals(cms.messageDigest)) digestMismatch = cms.digest;
    }
  }
  if (!ctx.sha256) ctx.sha256 = crypto.createHash('sha256').update(buf).digest('hex');

  if (br?.code === 'BYTE_RANGE_INVALID') return fail('BYTE_RANGE_INVALID', { problem: br.problem ?? 'shape' });
  if (br?.code === 'BYTE_RANGE_INCOMPLETE') return fail('BYTE_RANGE_INCOMPLETE', br.params);
  if (digestMismatch) return fail('MESSAGE_DIGEST_MISMATCH', { digest: digestMismatch.toUpperCase().replace('SHA', 'SHA-') });
  // (A CMS without signed attributes has no messageDigest: its signature over the ranges is the
  // content check, reported by the signature check.)
  if (envelope) {
    const size = (envelope as { file?: { size?: unknown } }).file?.size;
    const sha = (envelope as { file?: { sha256?: unknown } }).file?.sha256;
    if (size !== buf.length) return fail('FILE_SIZE_MISMATCH', { expected: typeof size === 'number' ? size : String(size ?? 'none'), actual: buf.length });
    if (typeof sha !== 'string' || sha.toLowerCase() !== ctx.sha256) return fail('FILE_HASH_MISMATCH', { expected: typeof sha === 'string' ? sha : 'none', actual: ctx.sha256 });
  }
  if (!sig) return notEvaluated('noSignature');
  if (!cms) return notEvaluated('noSignature');
  if (!envelope) return fail('ENVELOPE_REQUIRED');
  return pass('fileIntegrity.passed');
}

// ---------------------------------------------------------------------------------------------
// publicKey

function issuingCountry(ctx: Context): string | undefined {
  const fromMeta = (m: unknown): string | undefined => {
    const cc = (m as { issuingBody?: { countryCode?: unknown } } | undefined)?.issuingBody?.countryCode;
    return typeof cc === 'string' && /^[A-Z]{2}$/.test(cc) ? cc : undefined;
  };
  return fromMeta(ctx.embedded) ?? fromMeta(ctx.envelope?.metadata);
}

function publicKeyCheck(ctx: Context): CheckResult {
  const { cert, cms } = ctx;
  if (!cert || !cms) return notEvaluated(ctx.sig ? 'noCertificate' : 'noSignature');
  const country = issuingCountry(ctx) ?? cert.country;
  if (!country) return notEvaluated('noMetadata');
  const compiled = compileTrust(ctx.trust);
  const keyId = `${country}:${cert.fingerprint256.slice(0, 16)}`;
  const subject = subjectLine(cert);

  if (cert.country && cert.country !== country) return fail('COUNTRY_MISMATCH', { certCountry: cert.country, issuingCountry: country });
  const registration = compiled.country(country)?.signers.get(cert.fingerprint256);
  if (registration?.entry.status === 'revoked') {
    return fail('SIGNER_REVOKED', { keyId: registration.entry.keyId, revokedAt: registration.entry.revokedAt ?? 'none', reason: registration.entry.revocationReason ?? 'none' });
  }
  const weak = weakness(ctx.crypto, cert, cms);
  if (weak) return fail('WEAK_ALGORITHM', weak);
  const envelopeKeyId = ctx.envelope?.signature?.keyId;
  if (ctx.envelope && envelopeKeyId !== keyId) return fail('KEY_ID_MISMATCH', { envelopeKeyId: String(envelopeKeyId ?? 'none'), keyId });
  if (!registration) {
    const elsewhere = compiled.registrations(cert).map((r) => r.country);
    return fail('SIGNER_NOT_REGISTERED', { subject, country, keyId, registeredIn: elsewhere.join(', ') || 'none' });
  }
  const extra = cms.certificates.flatMap((d) => {
    try {
      return [parseCertificate(d)];
    } catch {
      return [];
    }
  });
  if (!compiled.chain(country, cert, extra)) return fail('CHAIN_NOT_FOUND', { subject, country });
  return pass('publicKey.passed', { keyId, country });
}

function weakness(policy: CryptoPolicy, cert: ParsedCertificate, cms: ParsedSignedData): Params | undefined {
  const allowedCurves = policy.allowedCurves.join(', ');
  const allowedDigests = policy.allowedDigests.join(', ');
  if (cert.key.type === 'rsa' && cert.key.bits < policy.minRsaBits) return { what: 'key', algorithm: `RSA-${cert.key.bits}`, minimum: policy.minRsaBits, allowed: allowedCurves };
  if (cert.key.type === 'ec' && !policy.allowedCurves.includes(cert.key.curve ?? '')) return { what: 'curve', algorithm: cert.key.curve ?? 'unknown', minimum: policy.minRsaBits, allowed: allowedCurves };
  if (!cert.signatureHash || !policy.allowedDigests.includes(cert.signatureHash)) {
    return { what: 'certDigest', algorithm: cert.signatureHash ?? cert.signatureAlgorithm, minimum: policy.minRsaBits, allowed: allowedDigests };
  }
  if (!cms.digest || !policy.allowedDigests.includes(cms.digest)) return { what: 'digest', algorithm: cms.digest ?? cms.digestAlgorithm, minimum: policy.minRsaBits, allowed: allowedDigests };
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// metadataIntegrity

function metadataCheck(ctx: Context): CheckResult {
  const meta = ctx.inspection!.metadata;
  if (!meta.found) return fail('METADATA_MISSING', { file: METADATA_FILE_NAME, error: 'none' });
  if (meta.parseError !== undefined) return fail('METADATA_MISSING', { file: METADATA_FILE_NAME, error: meta.parseError.startsWith('cannot decode') ? meta.parseError : `not JSON: ${meta.parseError}` });
  const embedded = validateMetadata(ctx.embedded);
  if (!embedded.valid) return schemaFailure('embedded', embedded.errors);
  if (!ctx.envelope) return pass('metadataIntegrity.passedEmbedded');
  // Equal JSON values have equal canonical forms (RFC 8785), and equal values are equally
  // schema-valid: the structural comparison settles the common case without serializing.
  if (jsonEqual(ctx.envelope.metadata, ctx.embedded)) return pass('metadataIntegrity.passed');
  const transmitted = validateMetadata(ctx.envelope.metadata);
  if (!transmitted.valid) return schemaFailure('envelope', transmitted.errors);
  if (canonicalJson(ctx.envelope.metadata) !== canonicalJson(ctx.embedded)) {
    return fail('METADATA_MISMATCH', { fields: differingFields(ctx.envelope.metadata, ctx.embedded).join(', ') || '(none)' });
  }
  return pass('metadataIntegrity.passed');
}

/** Deep equality of JSON values (object key order ignored), as canonical JSON would compare them. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  for (const k of ka) if (!Object.hasOwn(b, k) || !jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  return true;
}

function schemaFailure(copy: 'embedded' | 'envelope', errors: Array<{ path: string; message: string }>): CheckResult {
  const first = errors[0]!;
  return fail('METADATA_SCHEMA_INVALID', { copy, path: first.path, first: first.message, count: errors.length, more: errors.length - 1 });
}

function differingFields(a: unknown, b: unknown): string[] {
  const ra = (a ?? {}) as Record<string, unknown>;
  const rb = (b ?? {}) as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(ra), ...Object.keys(rb)])].sort();
  return keys.filter((k) => canonicalJson(ra[k] ?? null) !== canonicalJson(rb[k] ?? null));
}

// ---------------------------------------------------------------------------------------------
// validity

function validityCheck(ctx: Context): CheckResult {
  const { cert, cms, sig, at, policy } = ctx;
  if (!cert || !cms || !sig) return notEvaluated(ctx.sig ? 'noCertificate' : 'noSignature');
  const claimed = cms.signingTime ?? sig.signingTime;
  const meta = (ctx.embedded ?? ctx.envelope?.metadata) as Partial<EcertMetadata> | undefined;
  const atIso = iso(at);
  const failures: CheckResult[] = [];

  // When the claimed time is not trusted (or absent), only the verification time is evidence.
  const signingTime = policy.trustClaimedSigningTime && claimed ? claimed : undefined;
  const reference = signingTime ?? at;
  if (reference < cert.notBefore) failures.push(fail('SIGNER_CERT_NOT_YET_VALID_AT_SIGNING', { notBefore: iso(cert.notBefore), signingTime: iso(reference) }));
  if (claimed && claimed.getTime() > at.getTime() + policy.clockSkewSeconds * 1000) {
    failures.push(fail('SIGNING_TIME_IN_FUTURE', { signingTime: iso(claimed), at: atIso, skewSeconds: policy.clockSkewSeconds }));
  }
  let window = 'none';
  if (meta && typeof meta === 'object') {
    const until = typeof meta.validUntil === 'string' ? new Date(meta.validUntil) : undefined;
    const from = typeof meta.validFrom === 'string' ? new Date(meta.validFrom) : undefined;
    if (until && !Number.isNaN(until.getTime())) {
      window = 'checked';
      if (at > until) failures.push(fail('DOCUMENT_EXPIRED', { validUntil: meta.validUntil!, at: atIso }));
    }
    if (from && !Number.isNaN(from.getTime())) {
      window = 'checked';
      if (at < from) failures.push(fail('DOCUMENT_NOT_YET_VALID', { validFrom: meta.validFrom!, at: atIso }));
    }
  }
  if (reference > cert.notAfter) {
    failures.push(
      signingTime
        ? fail('SIGNER_CERT_EXPIRED_AT_SIGNING', { notAfter: iso(cert.notAfter), signingTime: iso(signingTime) })
        : fail('SIGNER_CERT_EXPIRED_NO_POE', { notAfter: iso(cert.notAfter), at: atIso }),
    );
  }
  if (failures.length) return failures.find((f) => f.result === 'failed') ?? failures[0]!;
  if (!meta) return notEvaluated('noMetadata');
  return window === 'none'
    ? pass('validity.passedNoWindow', { signingTime: iso(reference) })
    : pass('validity.passed', { signingTime: iso(reference), at: atIso, window });
}

// ---------------------------------------------------------------------------------------------

function finish(ctx: Context, computed: Record<CheckName, CheckResult>): VerificationReport {
  const { policy } = ctx;
  const checks = {} as Record<CheckName, CheckResult>;
  const reasonCodes: string[] = [];
  let failed: CheckResult | undefined;
  let indeterminate: CheckResult | undefined;
  for (const name of CHECK_NAMES) {
    const level = policy.checks[name];
    if (level === 'off') {
      const p = { policy: policy.name, [MESSAGE_PARAM]: 'skipped' };
      checks[name] = { result: 'skipped', indication: 'INDETERMINATE', detail: checkMessages.t('en', 'skipped', p), params: p };
      continue;
    }
    const c = computed[name];
    checks[name] = c;
    if (c.reasonCode && !reasonCodes.includes(c.reasonCode)) reasonCodes.push(c.reasonCode);
    if (level !== 'required') continue;
    if (c.result === 'failed' && !failed) failed = c;
    if (c.result === 'indeterminate' && !indeterminate) indeterminate = c;
  }
  const decisive = failed ?? indeterminate;
  const indication: Indication = failed ? 'TOTAL_FAILED' : indeterminate ? 'INDETERMINATE' : 'TOTAL_PASSED';
  const report: VerificationReport = {
    valid: indication === 'TOTAL_PASSED',
    indication,
    ...(decisive?.subIndication ? { subIndication: decisive.subIndication } : {}),
    reasonCodes,
    checks,
    verifiedAt: ctx.at.toISOString(),
    policy: policy.name,
  };
  const meta = (ctx.embedded ?? ctx.envelope?.metadata) as Partial<EcertMetadata> | undefined;
  report.document = {
    ...(typeof meta?.documentId === 'string' ? { documentId: meta.documentId } : {}),
    ...(meta?.documentType === 'coc' || meta?.documentType === 'tr' ? { documentType: meta.documentType } : {}),
    ...(issuingCountry(ctx) ? { issuingCountry: issuingCountry(ctx) } : {}),
    sha256: ctx.sha256,
    size: ctx.buf.length,
  };
  if (ctx.cert) {
    const country = issuingCountry(ctx) ?? ctx.cert.country;
    const claimed = ctx.cms?.signingTime ?? ctx.sig?.signingTime;
    report.signer = {
      subject: subjectLine(ctx.cert),
      issuer: ctx.cert.x509.issuer.split('\n').join(', '),
      serialNumber: ctx.cert.x509.serialNumber,
      ...(country ? { keyId: `${country}:${ctx.cert.fingerprint256.slice(0, 16)}` } : {}),
      ...(ctx.cert.country ? { country: ctx.cert.country } : {}),
      fingerprint256: ctx.cert.fingerprint256,
      ...(claimed ? { signingTime: claimed.toISOString() } : {}),
      ...(ctx.sig?.subFilter ? { subFilter: ctx.sig.subFilter } : {}),
      ...(ctx.cms ? { algorithm: algorithmName(ctx.cert, ctx.cms) } : {}),
    };
  }
  return report;
}
