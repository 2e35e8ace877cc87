// Metadata / envelope schemas, canonical JSON, and the QR / watermark readers (documents work, issue 2).
export {
  canonicalJson,
  envelopeSchema,
  metadataSchema,
  SCHEMA_IDS,
  type SchemaError,
  type ValidateOptions,
  type Validation,
  validateEnvelope,
  validateMetadata,
} from './schema.ts';
export { readQrPayload, readQrPayloads, readWatermark, readWatermarks, type Watermark } from './trust-mechanisms.ts';
// Signing, reading and verifying signed e-CERT PDFs; CMS; trust registry; policies (crypto work, issue 2).
export { buildChain, certificateFrom, type ParsedCertificate, parseCertificate } from './certs.ts';
export {
  CMS_OID,
  CmsError,
  type CmsSignOptions,
  type DetachedVerification,
  type DetachedVerifyOptions,
  type DigestName,
  type ParsedSignedData,
  parseSignedData,
  type Signer,
  signDetached,
  signDigest,
  verifyDetached,
} from './cms.ts';
export { DerError, encodedLength } from './der.ts';
export { buildEnvelope, type EnvelopeOptions } from './envelope.ts';
export {
  type ByteRangeCheck,
  checkByteRange,
  type EmbeddedMetadata,
  inspectPdf,
  METADATA_FILE_NAME,
  type PdfInspection,
  type PdfSignature,
  primarySignature,
  SIGNATURE_FIELD_NAME,
} from './pdf/inspect.ts';
export { PdfFormatError } from './pdf/objects.ts';
export { samplePdf, type SamplePdfOptions } from './pdf/sample.ts';
export { PdfSignError, type PdfSignOptions, signPdf } from './pdf/sign.ts';
export { DEFAULT_CRYPTO_POLICY, DEFAULT_POLICY, effectiveCrypto, getPolicy, POLICIES, SCORE_BASIC, SCORE_FULL, SCORE_STRICT_TIME, UnknownPolicyError } from './policy.ts';
export { checkLabel, checkMessages, checkText, indicationLabel, reasonMessages, reasonText } from './reason-messages.ts';
export {
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
  serializeTrustRegistry,
  TRUST_FORMAT,
  type TrustCertificateInfo,
  trustFingerprints,
  TrustRegistryError,
} from './trust.ts';
export { jsonEqual, verifyDocument, type VerifyInput } from './verify.ts';
// The hub contract: its TypeScript form, checks against protocol/openapi.yaml, the HTTP binding of HubClient (hub work, issue 3).
export {
  type Channel,
  CONTRACT_VERSION,
  type Decision,
  type DeliveryAttempt,
  type DeliveryMode,
  type DocumentRecord,
  type Exchange,
  EXCHANGE_STATUSES,
  type ExchangeStatus,
  HUB_CAPABILITIES,
  type HubCapability,
  type HubClient,
  type HubClock,
  HubError,
  HubUnreachableError,
  type HubVersion,
  type InboxItem,
  type LogChainCheck,
  type LogEntry,
  type LogKind,
  type NodeInfo,
  type NodeRegistration,
  type PushDelivery,
  type SubmitRequest,
  type SubmitResult,
  TERMINAL_STATUSES,
  type TimelineEntry,
  type VerificationSummary,
} from './hub-contract.ts';
export {
  canonicalLogEntry,
  checkLogChain,
  type Contract,
  type ContractCheck,
  type ContractOperation,
  GENESIS_HASH,
  loadContract,
  logEntryHash,
  OPENAPI_FILE,
  type ResponseToCheck,
  validateResponse,
} from './contract.ts';
export {
  createHttpHubClient,
  defaultHubFetch,
  type HttpHubClient,
  type HttpHubClientOptions,
  type HubFetch,
  type HubFetchInit,
  type HubFetchResponse,
  type HubResponseRecord,
  transportErrorCode,
} from './hub-http.ts';
