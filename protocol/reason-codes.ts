import type { CheckName, SubIndication } from './types.ts';

// Stable reason codes of verification failures. They are the same in every language and in
// every place that reports them: `ecert verify`, the hub's ingest verdict, a node's refusal,
// the scenario expectations and the KPI reports. Never rename one; add new ones.

export interface ReasonCodeInfo {
  check: CheckName;
  subIndication: SubIndication;
  /** INDETERMINATE rather than TOTAL_FAILED. */
  indeterminate?: boolean;
}

export const REASON_CODES = {
  // fileIntegrity
  FILE_HASH_MISMATCH: { check: 'fileIntegrity', subIndication: 'HASH_FAILURE' },
  FILE_SIZE_MISMATCH: { check: 'fileIntegrity', subIndication: 'HASH_FAILURE' },
  BYTE_RANGE_INCOMPLETE: { check: 'fileIntegrity', subIndication: 'FORMAT_FAILURE' },
  BYTE_RANGE_INVALID: { check: 'fileIntegrity', subIndication: 'FORMAT_FAILURE' },
  MESSAGE_DIGEST_MISMATCH: { check: 'fileIntegrity', subIndication: 'HASH_FAILURE' },
  NOT_A_PDF: { check: 'fileIntegrity', subIndication: 'FORMAT_FAILURE' },
  // signature
  SIGNATURE_MISSING: { check: 'signature', subIndication: 'SIGNED_DATA_NOT_FOUND' },
  CMS_MALFORMED: { check: 'signature', subIndication: 'FORMAT_FAILURE' },
  SIGNER_CERTIFICATE_MISSING: { check: 'signature', subIndication: 'NO_SIGNING_CERTIFICATE_FOUND' },
  SIGNATURE_INVALID: { check: 'signature', subIndication: 'SIG_CRYPTO_FAILURE' },
  UNSUPPORTED_SUBFILTER: { check: 'signature', subIndication: 'FORMAT_FAILURE' },
  // publicKey
  SIGNER_NOT_REGISTERED: { check: 'publicKey', subIndication: 'NO_CERTIFICATE_CHAIN_FOUND', indeterminate: true },
  CHAIN_NOT_FOUND: { check: 'publicKey', subIndication: 'NO_CERTIFICATE_CHAIN_FOUND', indeterminate: true },
  SIGNER_REVOKED: { check: 'publicKey', subIndication: 'REVOKED' },
  WEAK_ALGORITHM: { check: 'publicKey', subIndication: 'CRYPTO_CONSTRAINTS_FAILURE' },
  COUNTRY_MISMATCH: { check: 'publicKey', subIndication: 'CHAIN_CONSTRAINTS_FAILURE' },
  KEY_ID_MISMATCH: { check: 'publicKey', subIndication: 'CHAIN_CONSTRAINTS_FAILURE' },
  // metadataIntegrity
  METADATA_MISSING: { check: 'metadataIntegrity', subIndication: 'FORMAT_FAILURE' },
  METADATA_SCHEMA_INVALID: { check: 'metadataIntegrity', subIndication: 'FORMAT_FAILURE' },
  METADATA_MISMATCH: { check: 'metadataIntegrity', subIndication: 'HASH_FAILURE' },
  // validity
  DOCUMENT_EXPIRED: { check: 'validity', subIndication: 'EXPIRED' },
  DOCUMENT_NOT_YET_VALID: { check: 'validity', subIndication: 'NOT_YET_VALID' },
  SIGNER_CERT_EXPIRED_AT_SIGNING: { check: 'validity', subIndication: 'OUT_OF_BOUNDS_NO_POE', indeterminate: true },
  SIGNER_CERT_NOT_YET_VALID_AT_SIGNING: { check: 'validity', subIndication: 'NOT_YET_VALID' },
  SIGNING_TIME_IN_FUTURE: { check: 'validity', subIndication: 'SIG_CONSTRAINTS_FAILURE' },
  SIGNER_CERT_EXPIRED_NO_POE: { check: 'validity', subIndication: 'OUT_OF_BOUNDS_NO_POE', indeterminate: true },
  // A check that needs the envelope when only the PDF was given (not a failure of the document).
  ENVELOPE_REQUIRED: { check: 'fileIntegrity', subIndication: 'FORMAT_FAILURE', indeterminate: true },
} as const satisfies Record<string, ReasonCodeInfo>;

export type ReasonCode = keyof typeof REASON_CODES;

