// Shared data types of the e-CERT exchange: what travels (metadata, envelope), what verifies it
// (trust registry, policy) and what verification says (report). The JSON Schemas in
// protocol/schemas/ are the normative form of the first two; these types mirror them.

/** ISO 3166-1 alpha-2 code. Data, not a closed list: any CAREC member can join. */
export type CountryCode = string;

export type DocumentType = 'coc' | 'tr';

export type TrustMechanism = 'e-signature' | 'qr' | 'registry' | 'unique-id' | 'watermark';

export interface Party {
  name: string;
  countryCode: CountryCode;
  address?: string;
  /** Registration / tax / business id in the party's country. */
  id?: string;
}

export interface Accreditation {
  /** Accreditation body, e.g. "O'zAKK", "PNAC". */
  body: string;
  number: string;
  /** ISO/IEC 17065 for certification bodies, ISO/IEC 17025 for laboratories. */
  standard: string;
  validUntil?: string;
}

export interface ConformityAssessmentBody extends Party {
  id: string;
  accreditation: Accreditation;
}

export interface Product {
  name: string;
  model?: string;
  /** HS code, 6 to 10 digits, no dots. */
  hsCode: string;
  quantity?: { value: number; unit: string };
  description?: string;
}

export interface ReferencedStandard {
  id: string;
  title?: string;
}

export interface TestResult {
  criterion: string;
  value?: string | number;
  unit?: string;
  conformance: 'pass' | 'fail' | 'not-applicable';
}

/**
 * Minimum viable dataset (MVD) of a certificate of conformity (CoC) or a test report (TR),
 * aligned with UN/CEFACT e-CERT and the UNTP Digital Conformity Credential.
 */
export interface EcertMetadata {
  schemaVersion: '1.0';
  documentType: DocumentType;
  documentId: string;
  revision: number;
  status: 'issued' | 'amended' | 'suspended' | 'withdrawn';
  /** RFC 3339 date-time. */
  issueDateTime: string;
  /** CoC only (a TR has no validity window). */
  validFrom?: string;
  validUntil?: string;
  issuePlace: { name: string; countryCode: CountryCode };
  /** The national standards / certification body that issues and signs; its country is the issuing country. */
  issuingBody: Party;
  conformityAssessmentBody: ConformityAssessmentBody;
  applicant: Party;
  manufacturer: Party;
  products: Product[];
  standards: ReferencedStandard[];
  regulations?: ReferencedStandard[];
  results?: TestResult[];
  overallConformance: 'conformant' | 'non-conformant';
  signatory: { name: string; role: string };
  /** Where the document can be looked up (what the QR code encodes). */
  verifyUrl: string;
  /** BCP 47 tags of the languages the PDF is written in. */
  languages?: string[];
  /** Trust mechanisms the issuer applied to this document besides the e-signature. */
  trustMechanisms?: TrustMechanism[];
}

export type SignatureSubFilter = 'adbe.pkcs7.detached' | 'ETSI.CAdES.detached';

/** What travels with the PDF. The file hash cannot be inside the file, so it lives here. */
export interface Envelope {
  envelopeVersion: '1.0';
  metadata: EcertMetadata;
  file: { mediaType: 'application/pdf'; size: number; sha256: string; name?: string };
  signature: { subFilter: SignatureSubFilter; keyId: string };
}

// ---------------------------------------------------------------------------------------------
// Trust registry: country -> anchors and registered signer certificates with their status.
// Serialized as trust.json (format documented in README).

export interface SignerEntry {
  /** Registry key id: `<COUNTRY>:<first 16 hex chars of SHA-256 of the certificate DER>`. */
  keyId: string;
  /** Mechanism label: OneID, ASAN, SİMA, Rutoken, PSQCA, PNAC, Tajikstandart, ... */
  label?: string;
  /** PEM. */
  certificate: string;
  status: 'active' | 'revoked';
  registeredAt?: string;
  revokedAt?: string;
  revocationReason?: string;
}

export interface CountryTrust {
  /** Root CA certificates (PEM) the country's signer chains must end in. */
  anchors: string[];
  /** Intermediate CA certificates (PEM) used to build chains. */
  intermediates?: string[];
  signers: SignerEntry[];
}

export interface CryptoPolicy {
  minRsaBits: number;
  allowedCurves: string[];
  /** Digest algorithms allowed for the message digest and the signature, e.g. sha256, sha384, sha512. */
  allowedDigests: string[];
}

export interface TrustRegistry {
  format: 'ecert-trust/1';
  generatedAt?: string;
  policy?: CryptoPolicy;
  countries: Record<CountryCode, CountryTrust>;
}

// ---------------------------------------------------------------------------------------------
// Verification

export type CheckName = 'fileIntegrity' | 'signature' | 'publicKey' | 'metadataIntegrity' | 'validity';
export const CHECK_NAMES: readonly CheckName[] = ['fileIntegrity', 'signature', 'publicKey', 'metadataIntegrity', 'validity'];
/** The checks KPI-2 is measured on (the workshop excludes content and validity re-assessment). */
export const KPI2_CHECKS: readonly CheckName[] = ['signature', 'publicKey', 'fileIntegrity', 'metadataIntegrity'];

/** ETSI EN 319 102-1 main indications. */
export type Indication = 'TOTAL_PASSED' | 'TOTAL_FAILED' | 'INDETERMINATE';

/** ETSI EN 319 102-1 sub-indications used here. */
export type SubIndication =
  | 'HASH_FAILURE'
  | 'FORMAT_FAILURE'
  | 'SIG_CRYPTO_FAILURE'
  | 'NO_SIGNING_CERTIFICATE_FOUND'
  | 'NO_CERTIFICATE_CHAIN_FOUND'
  | 'REVOKED'
  | 'CRYPTO_CONSTRAINTS_FAILURE'
  | 'CHAIN_CONSTRAINTS_FAILURE'
  | 'SIG_CONSTRAINTS_FAILURE'
  | 'EXPIRED'
  | 'NOT_YET_VALID'
  | 'OUT_OF_BOUNDS_NO_POE'
  | 'SIGNED_DATA_NOT_FOUND';

export type CheckResultValue = 'passed' | 'failed' | 'indeterminate' | 'skipped';

export interface CheckResult {
  result: CheckResultValue;
  indication: Indication;
  subIndication?: SubIndication;
  /** Stable reason code (see reason-codes.ts), identical in every language. */
  reasonCode?: string;
  /** Human detail in English; render localized text from reasonCode + params. */
  detail: string;
  params?: Record<string, string | number>;
}

export interface VerificationReport {
  valid: boolean;
  indication: Indication;
  subIndication?: SubIndication;
  /** Reason codes of every failed or indeterminate check, in check order. */
  reasonCodes: string[];
  checks: Record<CheckName, CheckResult>;
  /** ISO time the verification was evaluated at (the clock parameter). */
  verifiedAt: string;
  policy: string;
  document?: { documentId?: string; documentType?: DocumentType; issuingCountry?: CountryCode; sha256: string; size: number };
  signer?: {
    subject: string;
    issuer: string;
    serialNumber: string;
    keyId?: string;
    country?: CountryCode;
    fingerprint256: string;
    signingTime?: string;
    subFilter?: string;
    algorithm?: string;
  };
}

/**
 * A verification level (the pilot's "SCORE" scope is still open, so levels are data).
 * A check that is 'off' is reported as skipped; 'advisory' failures are reported but do not
 * make the document invalid.
 */
export interface VerificationPolicy {
  name: string;
  checks: Record<CheckName, 'required' | 'advisory' | 'off'>;
  crypto: CryptoPolicy;
  /** Tolerated clock skew for "signing time in the future". */
  clockSkewSeconds: number;
  /**
   * The pilot has no time-stamping authority, so the claimed signing time (CMS signingTime) is
   * the only evidence of when a signature was made. When true it is trusted for the "certificate
   * valid at signing time" check; when false a certificate expired at verification time yields
   * INDETERMINATE / OUT_OF_BOUNDS_NO_POE.
   */
  trustClaimedSigningTime: boolean;
}
