import type { CountryCode, DocumentType } from '../protocol/types.ts';
import type { ExchangeStatus, HubCapability } from '../protocol/hub-contract.ts';
import type { ReasonCode } from '../protocol/reason-codes.ts';
import type { CountryProfile, Localized } from '../fixtures/profile.ts';
import type { VariantName } from '../fixtures/variants.ts';

// The vocabulary cases are written in. A case file is data: who sends what to whom, which
// faults are in play, the steps, and the expected outcome. runner/ executes it; nothing here runs.

export const CASE_CATEGORIES = ['standard', 'bad-signature', 'expired-document', 'connection-failure'] as const;
export type CaseCategory = (typeof CASE_CATEGORIES)[number];

/** The short code of each category in case ids (UZ-SIG-03). */
export const CATEGORY_CODES: Record<CaseCategory, string> = {
  standard: 'STD',
  'bad-signature': 'SIG',
  'expired-document': 'EXP',
  'connection-failure': 'NET',
};

/** Which party of the exchange a fault or an action concerns. */
export type Party = 'sender' | 'recipient';

export interface DocumentSpec {
  /** Document type; default: what the pair exchanges (the sender's per-partner agreement). */
  type?: DocumentType;
  /** HS code (6+ digits); default: a pilot product the pair trades (HS 8516 only PK <-> UZ). */
  hsCode?: string;
  /** How the document is made (fixtures/variants.ts); default 'genuine'. */
  variant?: VariantName;
  /** Override the profile's QR practice (e.g. a document without QR code). */
  qr?: boolean;
}

/**
 * Faults, applied to a party's mock node before the steps run (or by a `fault` step). `calls`
 * counts the calls the fault affects, after which the node recovers on its own.
 */
export type FaultSpec =
  /** Recipient refuses connections (push) / cannot reach the hub to pull (pull). */
  | { party: Party; fault: 'offline'; calls?: number }
  /** Answers slower than the hub's delivery time-out. */
  | { party: Party; fault: 'slow'; calls: number }
  | { party: Party; fault: 'http-5xx'; calls: number; status?: number }
  /** Connection reset in the middle of the request. */
  | { party: Party; fault: 'reset'; calls: number }
  | { party: Party; fault: 'wrong-ack'; calls: number }
  | { party: Party; fault: 'missing-ack'; calls: number }
  /** The node cannot reach the hub (its own outgoing calls fail). */
  | { party: Party; fault: 'hub-unreachable'; calls: number }
  /** The hub receives the node's request but the answer is lost on the way back. */
  | { party: Party; fault: 'response-lost'; calls: number }
  /** Down for the whole case: past any retry window. */
  | { party: Party; fault: 'down' };

export type FaultName = FaultSpec['fault'];

export type Step =
  /** The sender issues and signs the document (fixtures), the harness verifies it (oracle). */
  | { do: 'issue' }
  /** The sender submits on its track (API or file upload), retrying with the same idempotency key. */
  | { do: 'submit' }
  /**
   * Wait until the hub shows the exchange in this status (or any terminal status). With
   * fastForward, a hub with a test clock has its clock moved forward while the harness waits, so
   * a real deployment's retry window (minutes to hours) passes in seconds.
   */
  | { do: 'await'; status: ExchangeStatus | 'terminal'; fastForward?: boolean }
  /** The recipient takes delivery: waits for the push (track A) or pulls its inbox (track B). */
  | { do: 'receive' }
  /** The recipient verifies independently and reports its decision to the hub. */
  | { do: 'decide' }
  /** Shift the hub's test clock and the nodes' clocks (needs 'test-clock'). */
  | { do: 'advance-clock'; hours: number }
  /** The operator revokes the signer certificate the document was signed with. */
  | { do: 'revoke-signer' }
  /** Wait until the hub has purged the document (Model A) and answers 410 for it. */
  | { do: 'await-purge' }
  /** A third country's node tries to read, list, fetch, acknowledge and decide the exchange. */
  | { do: 'probe-privacy' }
  /** Stop the hub abruptly and start it again on the same data (needs 'hub-restart'). */
  | { do: 'restart-hub' }
  /** Wait until the hub has queued the exchange for delivery (or delivered it). */
  | { do: 'await-pending' }
  /** Wait until the hub has recorded at least one (failed or not) push delivery attempt. */
  | { do: 'await-attempt' }
  | ({ do: 'fault' } & FaultSpec)
  | { do: 'clear-faults'; party: Party };

export interface Expectation {
  /** The harness's own verdict on the document as sent: valid, or invalid with this reason. */
  oracle: 'valid' | ReasonCode;
  /** The hub's final status, and for a rejection the reason code that must be among its reasons. */
  hub: { status: ExchangeStatus; reasonCode?: ReasonCode };
  /** What the recipient decides; 'not-delivered' when the document must never reach it. */
  recipient: { decision: 'accepted' | 'refused'; reasonCode?: string } | 'not-delivered';
  /** What the sender sees when it follows its exchange (default: the hub's final status). */
  senderSees?: ExchangeStatus;
  /** Bounds on the hub's delivery attempts (push). */
  deliveryAttempts?: { min?: number; max?: number };
  /** Exchanges the hub must hold for this case (default 1: nothing lost, nothing duplicated). */
  exchanges?: number;
  /** Model A: at the end the PDF is purged (410) while metadata and status remain. */
  documentPurged?: boolean;
  /** A third country must see nothing of the exchange (every probe answered 403 or 404). */
  privateToParties?: boolean;
}

export interface SelectionContext {
  profile: CountryProfile;
  /** All profiles of the run, the case's own country included. */
  profiles: readonly CountryProfile[];
}

export interface CaseDefinition {
  /** Category code and number, e.g. 'SIG-03'; the country code is prefixed when expanded. */
  id: string;
  category: CaseCategory;
  title: Localized;
  /** The requirement it traces to (pilot activity C.3 and the exception class). */
  requirement: Localized;
  /** Why the expected outcome is the right one, where that is not obvious. */
  rationale?: Localized;
  tags?: string[];
  /** Hub capabilities beyond the contract that the case needs (e.g. 'test-clock'). */
  needs?: HubCapability[];
  /**
   * The country's role in the exchange: it sends ('outbound', default) or receives ('inbound').
   * A function may choose per profile (e.g. a track-B country is never a push recipient).
   */
  direction?: 'outbound' | 'inbound' | ((ctx: SelectionContext) => 'outbound' | 'inbound');
  /**
   * Partner selection: 'each' gives one case per partner (id suffixed with the partner code),
   * 'one' a single case with a partner picked by rotation, or a function returning candidates
   * (the first is used; an empty list means the case does not apply to this country).
   */
  partners?: 'each' | 'one' | ((ctx: SelectionContext) => CountryCode[]);
  /** Whether the case applies to a country at all (default: always). */
  applies?: (ctx: SelectionContext) => boolean;
  /** The document the sender issues (type, product, variant, QR). */
  document: DocumentSpec;
  /** Faults applied before the steps. */
  faults?: FaultSpec[];
  /** Default (catalog.ts DEFAULT_STEPS): issue, submit, receive, decide, await a terminal status. */
  steps?: Step[];
  expect: Expectation;
}

/** A case expanded for one country (and partner): what the runner executes. */
export interface CatalogCase {
  /** e.g. UZ-SIG-03 or UZ-STD-01-KG */
  id: string;
  country: CountryCode;
  partner: CountryCode;
  sender: CountryCode;
  recipient: CountryCode;
  category: CaseCategory;
  title: Localized;
  requirement: Localized;
  rationale?: Localized;
  tags: string[];
  needs: HubCapability[];
  document: Required<Pick<DocumentSpec, 'type' | 'hsCode' | 'variant'>> & Pick<DocumentSpec, 'qr'>;
  faults: FaultSpec[];
  steps: Step[];
  expect: Expectation;
  /** Source module of the definition, for traceability. */
  source: string;
}

export function defineCase(def: CaseDefinition): CaseDefinition {
  if (!/^(STD|SIG|EXP|NET)-\d{2}$/.test(def.id)) throw new Error(`case id must look like SIG-03, got "${def.id}"`);
  if (!def.requirement.en || !def.requirement.ru) throw new Error(`case ${def.id}: the requirement needs English and Russian`);
  return Object.freeze(def);
}
