import type { CountryCode, Envelope, TrustRegistry, VerificationReport } from '../../protocol/types.ts';
import type { Decision, Exchange, HubClient, HubVersion } from '../../protocol/hub-contract.ts';
import type { CountryProfile } from '../../fixtures/profile.ts';
import type { IssuedDocument, IssueRequest } from '../../fixtures/issue.ts';
import type { FaultSpec } from '../../scenarios/types.ts';
import type { ContractMonitor } from './contract-monitor.ts';

// What the case engine needs from the world it tests: a hub (through HubClient), the nodes of
// every country (mock or real), a clock, and test material. runner/environment/ builds it for the
// embedded reference hub (CI) or for a remote hub (missions); the engine does not know which.

export interface NodeReceipt {
  exchangeId: string;
  /** Deliveries received for it (duplicates included). */
  deliveries: number;
  sha256: string;
  receivedAt: string;
}

export interface NodeDecision {
  exchangeId: string;
  decision: Decision['decision'];
  reasonCode?: string;
  /** The node's own verification of what it received. */
  verification: VerificationReport;
  /** Trust mechanisms it checked, with their outcome. */
  mechanisms: Array<{ mechanism: string; ok: boolean; detail?: string }>;
  at: string;
}

export interface NodeHandle {
  readonly country: CountryCode;
  readonly profile: CountryProfile;
  /** A mock node the harness drives; false for a country's real node (observed through the hub only). */
  readonly mock: boolean;
  readonly delivery: 'push' | 'pull';
  /**
   * Whether an 'offline' fault limited to N calls ends by itself. A real listening socket that
   * is closed cannot count the connections it refuses; the engine then ends the fault once the
   * hub has recorded N failed attempts.
   */
  readonly countsRefusedCalls: boolean;
  /** The node's own hub client (its credentials). */
  readonly client: HubClient;
  /**
   * Submit on the node's track (API for track A, file upload for track B), retrying with the same
   * idempotency key on transport failures; resolves to the exchange as the hub answered.
   */
  submit(doc: IssuedDocument, recipient: CountryCode, idempotencyKey: string): Promise<{ exchange: Exchange; attempts: number }>;
  /** Take delivery of an exchange: wait for the push, or pull the inbox until it is there. */
  receive(exchangeId: string, timeoutMs: number): Promise<NodeReceipt>;
  /** Verify the received document independently and report the decision to the hub. */
  decide(exchangeId: string): Promise<NodeDecision>;
  applyFault(fault: FaultSpec): Promise<void>;
  clearFaults(): Promise<void>;
  /** The node's local record about one document: what it sent, received and decided. */
  record(documentId: string): { sent: string[]; received: NodeReceipt[]; decisions: NodeDecision[] };
}

export interface HarnessClock {
  now(): Date;
  /** Shift the hub's test clock and the mock nodes' clocks together. */
  advance(ms: number): Promise<void>;
  /** Back to real time (offset 0). */
  reset(): Promise<void>;
}

export interface HarnessEnvironment {
  readonly mode: 'embedded' | 'remote';
  readonly hubUrl: string;
  readonly hubVersion: HubVersion;
  readonly capabilities: ReadonlySet<string>;
  readonly profiles: readonly CountryProfile[];
  /** Operator client (registry, logs, clock, any exchange). */
  readonly operator: HubClient;
  readonly clock: HarnessClock;
  /** The harness's own trust registry: the oracle verifies with it. */
  trust(): TrustRegistry;
  node(country: CountryCode): NodeHandle;
  /** Issue a document as `req.sender` would (fixtures: factory + signer + variant). */
  issue(req: IssueRequest): Promise<IssuedDocument>;
  /** Delivery time-out the hub uses for one push attempt (so 'slow' faults exceed it). */
  readonly deliveryTimeoutMs: number;
  /** How long awaits may wait before a case is failed as stuck. */
  readonly awaitTimeoutMs: number;
  /** Checks every hub answer against the contract. */
  readonly contract: ContractMonitor;
  /** Stop the hub abruptly and start it on the same data (capability 'hub-restart', embedded hub only). */
  restartHub?(): Promise<void>;
  /** Write the hub's logs and every mock node's log into `dir` (logs/ of the run). */
  exportLogs(dir: string): Promise<void>;
  close(): Promise<void>;
}

export type { Envelope };
