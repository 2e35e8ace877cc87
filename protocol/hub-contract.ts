import type {
  CheckName,
  CheckResultValue,
  CountryCode,
  DocumentType,
  Envelope,
  Indication,
  SignerEntry,
  TrustRegistry,
  VerificationReport,
} from './types.ts';

// The e-CERT Hub contract as TypeScript. protocol/openapi.yaml is the normative HTTP form; every
// hub call in the harness goes through HubClient, so the reference hub (in-process or over
// HTTPS) and the real hub (by URL) are interchangeable.

export const CONTRACT_VERSION = '1.0.0';

/**
 * Exchange statuses, modelled on the IPPC ePhyto hub's delivery statuses.
 * Received -> Verified | Rejected; Verified -> PendingDelivery -> Delivered | FailedDelivery;
 * Delivered -> Accepted | Refused.
 */
export const EXCHANGE_STATUSES = [
  'Received',
  'Verified',
  'Rejected',
  'PendingDelivery',
  'Delivered',
  'FailedDelivery',
  'Accepted',
  'Refused',
] as const;
export type ExchangeStatus = (typeof EXCHANGE_STATUSES)[number];
/** Statuses after which nothing more happens to an exchange. */
export const TERMINAL_STATUSES: readonly ExchangeStatus[] = ['Rejected', 'FailedDelivery', 'Accepted', 'Refused'];

export type Channel = 'api' | 'upload';
export type DeliveryMode = 'push' | 'pull';

export interface TimelineEntry {
  status: ExchangeStatus;
  at: string;
  reasonCodes?: string[];
  detail?: string;
}

export interface DeliveryAttempt {
  attempt: number;
  at: string;
  outcome: 'ok' | 'error';
  /** e.g. ECONNREFUSED, TIMEOUT, HTTP_503, ECONNRESET, BAD_ACK */
  error?: string;
  durationMs?: number;
}

/** The hub's ingest verdict, as stored with the exchange. */
export interface VerificationSummary {
  valid: boolean;
  indication: Indication;
  reasonCodes: string[];
  checks: Record<CheckName, { result: CheckResultValue; reasonCode?: string }>;
  verifiedAt: string;
}

export interface Exchange {
  exchangeId: string;
  idempotencyKey: string;
  channel: Channel;
  sender: CountryCode;
  recipient: CountryCode;
  documentId: string;
  documentType: DocumentType;
  status: ExchangeStatus;
  timeline: TimelineEntry[];
  verification: VerificationSummary;
  delivery: {
    mode: DeliveryMode;
    attempts: DeliveryAttempt[];
    nextAttemptAt?: string;
    deliveredAt?: string;
  };
  decision?: { decision: 'accepted' | 'refused'; reasonCode?: string; reason?: string; at: string };
  document: { sha256: string; size: number; available: boolean; retainedUntil?: string; purgedAt?: string };
  createdAt: string;
}

export interface SubmitRequest {
  pdf: Uint8Array;
  envelope: Envelope;
  recipient: CountryCode;
  idempotencyKey: string;
  /** 'api' = POST /v1/exchanges (track A); 'upload' = POST /v1/uploads, the portal's file-upload fallback (track B). */
  channel?: Channel;
}

export interface SubmitResult {
  exchange: Exchange;
  /** True when the idempotency key was seen before and the original exchange is returned. */
  replayed: boolean;
}

export interface InboxItem {
  exchangeId: string;
  sender: CountryCode;
  documentId: string;
  documentType: DocumentType;
  envelope: Envelope;
  availableSince: string;
}

/** What a push delivery carries (POST to the recipient node's callback, multipart). */
export interface PushDelivery {
  exchangeId: string;
  attempt: number;
  sender: CountryCode;
  envelope: Envelope;
  pdf: Uint8Array;
}

export interface Decision {
  decision: 'accepted' | 'refused';
  reasonCode?: string;
  reason?: string;
}

export interface DocumentRecord {
  documentId: string;
  issuingCountry: CountryCode;
  documentType: DocumentType;
  sha256: string;
  /** Verified or Rejected at the hub's latest ingest of this document id. */
  status: 'Verified' | 'Rejected';
  keyId?: string;
  firstSeenAt: string;
  validUntil?: string;
}

export interface NodeRegistration {
  country: CountryCode;
  /** PEM of the node's TLS client certificate. */
  certificatePem: string;
  delivery: { mode: 'push'; callbackUrl: string } | { mode: 'pull' };
}

export interface NodeInfo {
  country: CountryCode;
  fingerprint256: string;
  delivery: NodeRegistration['delivery'];
  status: 'active' | 'revoked';
  registeredAt: string;
}

export type LogKind = 'exchange' | 'audit';

export interface LogEntry {
  seq: number;
  at: string;
  type: string;
  actor: string;
  exchangeId?: string;
  data: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export interface LogChainCheck {
  log: LogKind;
  valid: boolean;
  entries: number;
  headHash: string;
  /** First sequence number whose hash or link does not check. */
  brokenAt?: number;
  detail?: string;
}

/** Hub capabilities beyond the contract; scenarios declare the ones they need. */
export const HUB_CAPABILITIES = ['test-clock', 'defect-switches'] as const;
export type HubCapability = (typeof HUB_CAPABILITIES)[number] | (string & {});

export interface HubVersion {
  name: string;
  version: string;
  contractVersion: string;
  instanceId: string;
  capabilities: HubCapability[];
  /** Active defect switches (reference hub only). */
  defects?: string[];
}

export interface HubClock {
  now: string;
  offsetMs: number;
}

/** Every hub call in the harness goes through this interface. */
export interface HubClient {
  readonly baseUrl: string;
  // meta
  health(): Promise<{ status: 'ok'; time: string }>;
  version(): Promise<HubVersion>;
  whoami(): Promise<{ role: 'node' | 'operator'; country?: CountryCode; name: string }>;
  // exchanges (sender side)
  submit(req: SubmitRequest): Promise<SubmitResult>;
  getExchange(exchangeId: string): Promise<Exchange>;
  listExchanges(query?: { role?: 'sent' | 'received'; status?: ExchangeStatus; limit?: number }): Promise<Exchange[]>;
  // recipient side
  listInbox(): Promise<InboxItem[]>;
  fetchDocument(exchangeId: string): Promise<Uint8Array>;
  acknowledge(exchangeId: string): Promise<Exchange>;
  decide(exchangeId: string, decision: Decision): Promise<Exchange>;
  purgeDocument(exchangeId: string): Promise<Exchange>;
  // verify service
  verify(input: { pdf: Uint8Array; envelope?: Envelope }): Promise<VerificationReport>;
  lookupDocument(documentId: string): Promise<DocumentRecord>;
  // key registry (list is open to nodes; changes need the operator role)
  listKeys(country?: CountryCode): Promise<SignerEntry[]>;
  registerKey(input: { country: CountryCode; certificatePem: string; label?: string }): Promise<SignerEntry>;
  revokeKey(keyId: string, reason: string): Promise<SignerEntry>;
  registerAnchor(input: { country: CountryCode; certificatePem: string; kind: 'anchor' | 'intermediate' }): Promise<void>;
  exportTrust(): Promise<TrustRegistry>;
  // nodes (operator)
  registerNode(input: NodeRegistration): Promise<NodeInfo>;
  revokeNode(country: CountryCode): Promise<NodeInfo>;
  listNodes(): Promise<NodeInfo[]>;
  // logs (operator, or a node for the entries about its own exchanges)
  readLog(kind: LogKind, query?: { afterSeq?: number; limit?: number }): Promise<LogEntry[]>;
  checkLog(kind: LogKind): Promise<LogChainCheck>;
  // test clock (capability 'test-clock', operator)
  getClock(): Promise<HubClock>;
  setClock(input: { offsetMs: number } | { now: string }): Promise<HubClock>;
}

/** An HTTP answer from the hub that is not a success. `code` is stable, `message` human. */
export class HubError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'HubError';
  }
}

/** The hub could not be reached at all (refused, reset, timed out, DNS, TLS). */
export class HubUnreachableError extends Error {
  constructor(
    readonly url: string,
    /** ECONNREFUSED, ECONNRESET, ETIMEDOUT, ENOTFOUND, TLS, ... */
    readonly errorCode: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'HubUnreachableError';
  }
}
