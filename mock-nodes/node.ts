import crypto from 'node:crypto';
import pRetry from 'p-retry';
import type { IssueRequest, IssuedDocument } from '../fixtures/issue.ts';
import type { CountryProfile } from '../fixtures/profile.ts';
import type { VariantName } from '../fixtures/variants.ts';
import {
  type Channel,
  type Decision,
  type Exchange,
  type ExchangeStatus,
  type HubClient,
  HubError,
  HubUnreachableError,
  TERMINAL_STATUSES,
} from '../protocol/hub-contract.ts';
import type { CountryCode, DocumentType, EcertMetadata, TrustMechanism, TrustRegistry, VerificationPolicy, VerificationReport } from '../protocol/types.ts';
import { readQrPayload, readWatermark } from '../protocol/trust-mechanisms.ts';
import { keyIdFor } from '../protocol/trust.ts';
import { verifyDocument } from '../protocol/verify.ts';
import { type NodeClock, createClock, sleep } from './clock.ts';
import { FaultController } from './faults.ts';
import { DEFAULT_CALLBACK_PATH, type HandlerHost, type IncomingDelivery, wrongAckId } from './handlers.ts';
import { faultInjectingFetch } from './hub-link.ts';
import type { HubFetch } from '../protocol/hub-http.ts';
import { NodeLog, type NodeExchangeIds } from './log.ts';
import { nodeMessages } from './messages.ts';
import type { NodeReasonCode } from './reason-codes.ts';

// The mock national node: one engine for every country, its behaviour taken from the country
// profile (track, trust mechanisms, document types per partner). It sends on its track, follows
// its exchanges, receives (push callback or inbox pull), verifies every received document itself
// and reports one decision per exchange, and keeps a local log of all of it.
//
// Trust, decided here: a node never takes the hub's verdict. It verifies with the protocol
// verifier against a registry it assembles itself: the trust anchors (root and intermediate CA
// certificates) of every country are configured out of band (from the test PKI), and only the
// signer list with its revocation status is read from the hub's key registry. A signer the hub
// lists still has to chain to a locally configured anchor of its country, so a hub that lists a
// rogue signer cannot make the node accept a document.

export interface NodeMaterial {
  /** The node's TLS client certificate and key (PEM): its identity at the hub. */
  tls: { cert: string; key: string };
  /** The country's CA certificates, registered in the hub's registry at start. */
  ca: { anchors: string[]; intermediates: string[] };
  /** The country's signer certificates, registered in the hub's key registry at start (revoked ones then revoked). */
  signers: Array<{ certificatePem: string; label?: string; revoked?: boolean; /** Registry country (default: the node's). */ country?: CountryCode }>;
  /** Trust anchors of every country, configured out of band (never taken from the hub). */
  trustAnchors: Record<CountryCode, { anchors: string[]; intermediates?: string[] }>;
}

export interface IssueOptions {
  type: DocumentType;
  hsCode: string;
  recipient: CountryCode;
  /** Default 'genuine'. */
  variant?: VariantName;
  /** Draw the QR code (default: the profile's practice). */
  qr?: boolean;
  /** Default: derived from the node's seed and a counter. */
  seed?: string;
  /** Default: the node's clock. */
  issuedAt?: Date;
}

/** Issues and signs a document (fixtures/issue.ts with the node's PKI). */
export type Issuer = (request: IssueRequest) => Promise<IssuedDocument>;

import { DEFAULT_TIMING, FAST_TIMING, type NodeTiming } from './timing.ts';

export { DEFAULT_TIMING, FAST_TIMING, type NodeTiming };

export type DeliverySetting = { mode: 'push'; callbackUrl: string } | { mode: 'pull' };

export interface MockNodeOptions {
  profile: CountryProfile;
  material: NodeMaterial;
  /**
   * Builds the node's own hub client (mutual TLS as this node). The client's transport must go
   * through `wrapFetch`: that is where the sender-side faults act.
   */
  connectHub: (wrapFetch: (inner: HubFetch) => HubFetch) => HubClient;
  /** Operator client: registers the node, its CA and signer certificates at start. */
  operator?: HubClient;
  /** Default: push for track A (needs callbackUrl), pull for track B. */
  delivery: DeliverySetting;
  callbackPath?: string;
  clock?: NodeClock;
  seed?: string;
  policy?: VerificationPolicy;
  issuer?: Issuer;
  timing?: Partial<NodeTiming>;
  /** Append the local log to this file as it happens. */
  logFile?: string;
  /** A pull node pulls its inbox on its own every pullIntervalMs once started. */
  autoPull?: boolean;
  /**
   * Hold each received document until decide(exchangeId) is called, instead of verifying and
   * deciding at once. The harness uses it so a decision happens when the scenario says (after
   * its clock has moved, say); a node on a mission decides on its own.
   */
  decideOnRequest?: boolean;
}

export interface SendOptions {
  recipient: CountryCode;
  /** Default: derived from the node's seed and a counter (stable for a seed). */
  idempotencyKey?: string;
  /** Default: the profile's track (A: 'api', B: 'upload'). */
  channel?: Channel;
}

export interface SendResult {
  exchange: Exchange;
  replayed: boolean;
  idempotencyKey: string;
  /** Submission attempts made (1 when the first one got through). */
  attempts: number;
}

export interface MechanismResult {
  mechanism: TrustMechanism;
  result: 'passed' | 'failed' | 'not-applicable';
  reasonCode?: NodeReasonCode;
  detail: string;
}

export interface NodeDecision {
  exchangeId: string;
  decision: 'accepted' | 'refused';
  /** The verifier's reason code when verification failed, else the node's own (mechanisms, type). */
  reasonCode?: string;
  reason: string;
  report: VerificationReport;
  mechanisms: MechanismResult[];
  decidedAt: string;
  /** The hub confirmed the decision (false when every attempt to report it failed). */
  reported: boolean;
  /** The exchange as the hub returned it after the decision. */
  exchange?: Exchange;
}

export interface NodeReceipt {
  exchangeId: string;
  documentId: string;
  /** Deliveries taken for this exchange (more than 1 under at-least-once delivery). */
  deliveries: number;
  sha256: string;
  receivedAt: string;
}

export interface PullResult {
  /** Items the inbox listed. */
  listed: number;
  /** Exchanges taken (acknowledged) in this pull. */
  taken: string[];
  /** Exchanges listed again that the node had already taken (re-acknowledged, not re-processed). */
  duplicates: string[];
  /** Exchanges not taken (ack faults, fetch failures). */
  untaken: string[];
  /** Why the pull did not happen or stopped (offline fault, hub error). */
  skipped?: 'offline';
  error?: string;
}

export class NodeSendError extends Error {
  constructor(
    readonly country: CountryCode,
    readonly idempotencyKey: string,
    readonly attempts: number,
    options: { cause: unknown },
  ) {
    super(`${country} node: submission ${idempotencyKey} failed after ${attempts} attempt(s): ${describeError(options.cause)}`, options);
    this.name = 'NodeSendError';
  }
}

export class NodeTimeoutError extends Error {
  constructor(
    message: string,
    readonly last?: Exchange,
  ) {
    super(message);
    this.name = 'NodeTimeoutError';
  }
}

function describeError(error: unknown): string {
  if (error instanceof HubError) return `${error.status} ${error.code}: ${error.message}`;
  if (error instanceof HubUnreachableError) return `${error.errorCode}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

function errorData(error: unknown): Record<string, unknown> {
  if (error instanceof HubError) return { error: 'HubError', status: error.status, code: error.code, message: error.message };
  if (error instanceof HubUnreachableError) return { error: 'HubUnreachable', code: error.errorCode, message: error.message };
  return { error: error instanceof Error ? error.name : 'Error', message: describeError(error) };
}

/** Transient failures worth another attempt: the network, the hub's 5xx, 408 and 429. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof HubUnreachableError) return true;
  if (error instanceof HubError) return error.status >= 500 || error.status === 408 || error.status === 429;
  return false;
}

const sha256 = (data: Uint8Array): string => crypto.createHash('sha256').update(data).digest('hex');

export class MockNode implements HandlerHost {
  readonly country: CountryCode;
  readonly profile: CountryProfile;
  readonly clock: NodeClock;
  readonly log: NodeLog;
  readonly faults: FaultController;
  /** The node's own hub client, on the fault-injecting fetch. */
  readonly hub: HubClient;
  readonly deliveryMode: 'push' | 'pull';
  readonly callbackPath: string;
  readonly timing: NodeTiming;

  readonly #options: MockNodeOptions;
  readonly #seed: string;
  #delivery: DeliverySetting;
  /** Exchanges taken, each with the outcome of its one processing. */
  readonly #taken = new Map<string, { outcome: Promise<NodeDecision | undefined>; settle: (d: NodeDecision | undefined) => void }>();
  readonly #decisions = new Map<string, NodeDecision>();
  readonly #inflight = new Set<Promise<unknown>>();
  /** Documents taken but not yet decided on (decideOnRequest). */
  readonly #held = new Map<string, IncomingDelivery>();
  /** Decisions asked for before the document was held (taken, acknowledgement under way). */
  readonly #decideRequested = new Set<string>();
  #keyCounter = 0;
  #issueCounter = 0;
  #pullTimer: NodeJS.Timeout | null = null;
  #pulling: Promise<PullResult> | null = null;
  #started = false;
  #stopped = false;

  constructor(options: MockNodeOptions) {
    this.#options = options;
    this.profile = options.profile;
    this.country = options.profile.code;
    this.clock = options.clock ?? createClock();
    this.#seed = options.seed ?? 'ecert';
    this.timing = { ...DEFAULT_TIMING, ...options.timing };
    this.#delivery = options.delivery;
    this.deliveryMode = options.delivery.mode;
    this.callbackPath = options.callbackPath ?? DEFAULT_CALLBACK_PATH;
    this.log = new NodeLog(this.country, () => this.clock.now(), options.logFile);
    this.faults = new FaultController(this.country, this.log, { deliveryMode: this.deliveryMode, slowDelayMs: this.timing.slowDelayMs, seed: this.#seed });
    this.hub = options.connectHub((inner) => faultInjectingFetch(inner, this.faults));
  }

  get track(): 'A' | 'B' {
    return this.profile.track;
  }

  get delivery(): DeliverySetting {
    return this.#delivery;
  }

  /** Set the push callback URL before start (a real server knows its port only once listening). */
  setCallbackUrl(callbackUrl: string): void {
    if (this.#started) throw new Error(`${this.country} node: the callback URL cannot change after start`);
    if (this.#delivery.mode !== 'push') throw new Error(`${this.country} node pulls its inbox; it has no callback URL`);
    this.#delivery = { mode: 'push', callbackUrl };
  }

  /** Register at the hub (when an operator client was given) and start pulling (pull + autoPull). */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    this.log.append('node-started', { data: { country: this.country, track: this.track, delivery: this.delivery } });
    if (this.#options.operator) await this.register(this.#options.operator);
    if (this.deliveryMode === 'pull' && this.#options.autoPull) this.#schedulePull();
  }

  /**
   * Register this node at the hub: its TLS certificate and delivery mode, its CA certificates and
   * its signer certificates. Registrations the hub already has are not errors.
   */
  async register(operator: HubClient): Promise<void> {
    const { material } = this.#options;
    const tolerate = async <T>(what: string, fn: () => Promise<T>): Promise<{ what: string; outcome: string }> => {
      try {
        await fn();
        return { what, outcome: 'registered' };
      } catch (error) {
        if (error instanceof HubError && error.status === 409) return { what, outcome: `already registered (${error.code})` };
        throw error;
      }
    };
    const results = [
      await tolerate('node', () => operator.registerNode({ country: this.country, certificatePem: material.tls.cert, delivery: this.delivery })),
    ];
    for (const pem of material.ca.anchors) {
      results.push(await tolerate('anchor', () => operator.registerAnchor({ country: this.country, certificatePem: pem, kind: 'anchor' })));
    }
    for (const pem of material.ca.intermediates) {
      results.push(await tolerate('intermediate', () => operator.registerAnchor({ country: this.country, certificatePem: pem, kind: 'intermediate' })));
    }
    for (const signer of material.signers) {
      let keyId: string | undefined;
      const country = signer.country ?? this.country;
      results.push(
        await tolerate('signer', async () => {
          keyId = (await operator.registerKey({ country, certificatePem: signer.certificatePem, ...(signer.label ? { label: signer.label } : {}) })).keyId;
        }),
      );
      if (signer.revoked) {
        keyId ??= keyIdFor(signer.certificatePem, country);
        results.push(await tolerate('revocation', () => operator.revokeKey(keyId!, 'test PKI: revoked signer variant')));
      }
    }
    this.log.append('node-registered', { data: { delivery: this.delivery, results } });
  }

  /** Stop pulling, let in-flight processing finish, close the log file. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#pullTimer) clearTimeout(this.#pullTimer);
    this.#pullTimer = null;
    await Promise.allSettled([...this.#inflight, ...(this.#pulling ? [this.#pulling] : [])]);
    this.log.append('node-stopped', { data: { exchanges: this.exchangeIds() } });
    this.log.close();
    await (this.hub as Partial<{ close(): Promise<void> }>).close?.();
  }

  // ------------------------------------------------------------------------------------------
  // Sending

  /** Issue and sign a document from this node's PKI (needs an issuer). */
  async issue(request: IssueOptions): Promise<IssuedDocument> {
    const issuer = this.#options.issuer;
    if (!issuer) throw new Error(`${this.country} node has no document issuer configured`);
    const seed = request.seed ?? `${this.#seed}/${this.country}/doc-${++this.#issueCounter}`;
    const issuedAt = request.issuedAt ?? this.clock.now();
    const doc = await issuer({
      sender: this.country,
      recipient: request.recipient,
      type: request.type,
      hsCode: request.hsCode,
      variant: request.variant ?? 'genuine',
      ...(request.qr !== undefined ? { qr: request.qr } : {}),
      seed,
      issuedAt,
    });
    this.log.append('issued', {
      data: {
        documentId: doc.envelope.metadata.documentId,
        documentType: doc.envelope.metadata.documentType,
        hsCode: request.hsCode,
        recipient: request.recipient,
        variant: doc.variant,
        genuine: doc.genuine,
        keyId: doc.keyId,
        sha256: sha256(doc.pdf),
        size: doc.pdf.length,
      },
    });
    return doc;
  }

  /** A fresh idempotency key, stable for the node's seed and the order of calls. */
  nextIdempotencyKey(documentId: string): string {
    const n = ++this.#keyCounter;
    const digest = crypto.createHash('sha256').update(`${this.#seed}\u0000${this.country}\u0000${documentId}\u0000${n}`).digest('hex');
    return `${this.country}-${digest.slice(0, 24)}`;
  }

  /**
   * Submit a document on the node's track and return the exchange the hub created. A failure of
   * the network or a 5xx is retried with back-off and the same idempotency key, so a response
   * lost after the hub accepted yields the original exchange, never a second one.
   */
  async send(doc: Pick<IssuedDocument, 'pdf' | 'envelope'>, options: SendOptions): Promise<SendResult> {
    const documentId = doc.envelope.metadata.documentId;
    const idempotencyKey = options.idempotencyKey ?? this.nextIdempotencyKey(documentId);
    const channel = options.channel ?? (this.track === 'A' ? 'api' : 'upload');
    const base = { idempotencyKey, data: { documentId, recipient: options.recipient, channel } };
    let attempts = 0;
    try {
      const result = await pRetry(
        async () => {
          attempts++;
          const res = await this.hub.submit({ pdf: doc.pdf, envelope: doc.envelope, recipient: options.recipient, idempotencyKey, channel });
          this.log.append('send-attempt', { ...base, exchangeId: res.exchange.exchangeId, data: { ...base.data, attempt: attempts, outcome: 'ok', replayed: res.replayed } });
          return res;
        },
        {
          retries: this.timing.sendAttempts - 1,
          factor: 2,
          minTimeout: this.timing.retryMinMs,
          maxTimeout: this.timing.retryMaxMs,
          randomize: false,
          onFailedAttempt: ({ error }) => {
            this.log.append('send-attempt', { ...base, data: { ...base.data, attempt: attempts, outcome: 'error', retryable: isRetryable(error), ...errorData(error) } });
          },
          shouldRetry: ({ error }) => isRetryable(error),
        },
      );
      this.log.append('sent', {
        ...base,
        exchangeId: result.exchange.exchangeId,
        data: { ...base.data, attempts, replayed: result.replayed, status: result.exchange.status },
      });
      return { exchange: result.exchange, replayed: result.replayed, idempotencyKey, attempts };
    } catch (error) {
      this.log.append('send-failed', { ...base, data: { ...base.data, attempts, ...errorData(error) } });
      if (error instanceof HubError && !isRetryable(error)) throw error;
      throw new NodeSendError(this.country, idempotencyKey, attempts, { cause: error });
    }
  }

  /**
   * Poll an exchange until its status is one of `until` (default: a terminal status), with
   * back-off, bounded by a deadline. Transient hub failures while polling are retried.
   */
  async follow(exchangeId: string, options: { until?: readonly ExchangeStatus[] | 'terminal'; timeoutMs?: number } = {}): Promise<Exchange> {
    const until = !options.until || options.until === 'terminal' ? TERMINAL_STATUSES : options.until;
    const deadline = Date.now() + (options.timeoutMs ?? this.timing.followTimeoutMs);
    let wait = this.timing.followMinMs;
    let last: Exchange | undefined;
    let lastError: unknown;
    for (;;) {
      try {
        const exchange = await this.hub.getExchange(exchangeId);
        if (exchange.status !== last?.status) {
          this.log.append('status', { exchangeId, data: { status: exchange.status, terminal: TERMINAL_STATUSES.includes(exchange.status) } });
        }
        last = exchange;
        if (until.includes(exchange.status)) return exchange;
        if (TERMINAL_STATUSES.includes(exchange.status)) {
          // Nothing more will happen: waiting for another status would only run into the deadline.
          return exchange;
        }
      } catch (error) {
        if (!isRetryable(error)) throw error;
        lastError = error;
      }
      if (Date.now() + wait > deadline) {
        const why = last ? `still ${last.status}` : `hub not answering (${describeError(lastError)})`;
        throw new NodeTimeoutError(`${this.country} node: exchange ${exchangeId} did not reach ${until.join('/')} in time: ${why}`, last);
      }
      await sleep(wait);
      wait = Math.min(wait * 2, this.timing.followMaxMs);
    }
  }

  // ------------------------------------------------------------------------------------------
  // Receiving

  /** Record and process a delivery the node acknowledges; exactly one processing per exchange. */
  takeDelivery(delivery: IncomingDelivery, via: 'push' | 'pull'): void {
    if (this.#record(delivery, via)) this.#startProcessing(delivery);
  }

  recordUntaken(fields: { exchangeId?: string; attempt?: number; via: 'push' | 'pull'; reason: string; faultId?: string }): void {
    this.log.append('received', {
      ...(fields.exchangeId ? { exchangeId: fields.exchangeId } : {}),
      data: { taken: false, via: fields.via, reason: fields.reason, ...(fields.attempt ? { attempt: fields.attempt } : {}), ...(fields.faultId ? { faultId: fields.faultId } : {}) },
    });
  }

  /** Log the receipt; true when it is the first receipt of this exchange. */
  #record(delivery: IncomingDelivery, via: 'push' | 'pull'): boolean {
    const duplicate = this.#taken.has(delivery.exchangeId);
    this.log.append('received', {
      exchangeId: delivery.exchangeId,
      data: {
        taken: true,
        duplicate,
        via,
        attempt: delivery.attempt,
        sender: delivery.sender,
        documentId: delivery.envelope.metadata?.documentId,
        sha256: sha256(delivery.pdf),
        size: delivery.pdf.length,
      },
    });
    if (!duplicate) {
      let settle!: (d: NodeDecision | undefined) => void;
      const outcome = new Promise<NodeDecision | undefined>((resolve) => (settle = resolve));
      this.#taken.set(delivery.exchangeId, { outcome, settle });
    }
    return !duplicate;
  }

  #startProcessing(delivery: IncomingDelivery): void {
    // A decision asked for while the document was still being acknowledged starts now.
    if (this.#options.decideOnRequest && !this.#decideRequested.delete(delivery.exchangeId)) {
      this.#held.set(delivery.exchangeId, delivery);
      return;
    }
    this.#runProcessing(delivery);
  }

  #runProcessing(delivery: IncomingDelivery): void {
    const processing = this.#process(delivery);
    void processing.then(this.#taken.get(delivery.exchangeId)!.settle);
    this.#inflight.add(processing);
    void processing.finally(() => this.#inflight.delete(processing));
  }

  /**
   * Pull the inbox once (track B): fetch each new document, acknowledge it, then verify and
   * decide. An exchange listed again after the node took it (its acknowledgement was lost) is
   * acknowledged again and not processed twice.
   */
  pullInbox(): Promise<PullResult> {
    // One pull at a time: a background pull and a scenario's pull must not take an item twice.
    if (this.#pulling) return this.#pulling;
    const pulling = this.#pullOnce().finally(() => {
      this.#pulling = null;
    });
    this.#pulling = pulling;
    return pulling;
  }

  async #pullOnce(): Promise<PullResult> {
    const result: PullResult = { listed: 0, taken: [], duplicates: [], untaken: [] };
    if (!this.faults.pullAllowed()) {
      this.log.append('inbox-polled', { data: { skipped: 'offline' } });
      return { ...result, skipped: 'offline' };
    }
    let items;
    try {
      items = await this.hub.listInbox();
    } catch (error) {
      this.log.append('inbox-polled', { data: { ...errorData(error) } });
      return { ...result, error: describeError(error) };
    }
    result.listed = items.length;
    // An empty pull is not worth a line: a node pulling every few seconds would bury its log.
    if (items.length) this.log.append('inbox-polled', { data: { listed: items.length, exchangeIds: items.map((i) => i.exchangeId) } });
    for (const item of items) {
      const exchangeId = item.exchangeId;
      if (this.#taken.has(exchangeId)) {
        this.log.append('received', { exchangeId, data: { taken: true, duplicate: true, via: 'pull', sender: item.sender, documentId: item.documentId } });
        result.duplicates.push(exchangeId);
        await this.#acknowledge(exchangeId);
        continue;
      }
      let pdf: Uint8Array;
      try {
        pdf = await this.#hubCall(() => this.hub.fetchDocument(exchangeId));
      } catch (error) {
        this.recordUntaken({ exchangeId, via: 'pull', reason: `fetch-failed: ${describeError(error)}` });
        result.untaken.push(exchangeId);
        continue;
      }
      const ack = this.faults.ack({ exchangeId });
      if (ack.ack !== 'ok') {
        let answer = 'not sent';
        if (ack.ack === 'wrong') {
          try {
            await this.hub.acknowledge(wrongAckId(exchangeId));
            answer = 'accepted by the hub';
          } catch (error) {
            answer = describeError(error);
          }
        }
        this.log.append('received', { exchangeId, data: { taken: false, via: 'pull', reason: `${ack.ack}-ack`, faultId: ack.faultId, hubAnswer: answer } });
        result.untaken.push(exchangeId);
        continue;
      }
      const delivery: IncomingDelivery = { exchangeId, attempt: 1, sender: item.sender, envelope: item.envelope, pdf };
      this.#record(delivery, 'pull');
      result.taken.push(exchangeId);
      await this.#acknowledge(exchangeId);
      this.#startProcessing(delivery);
    }
    return result;
  }

  async #acknowledge(exchangeId: string): Promise<void> {
    try {
      const exchange = await this.#hubCall(() => this.hub.acknowledge(exchangeId));
      this.log.append('acknowledged', { exchangeId, data: { status: exchange.status } });
    } catch (error) {
      // The exchange stays in the inbox and is acknowledged at the next pull.
      this.log.append('ack-failed', { exchangeId, data: errorData(error) });
    }
  }

  #schedulePull(): void {
    if (this.#stopped) return;
    this.#pullTimer = setTimeout(() => {
      void this.pullInbox().finally(() => this.#schedulePull());
    }, this.timing.pullIntervalMs);
    this.#pullTimer.unref();
  }

  /** Resolves once the node has taken the exchange's document (push received or pulled). */
  async waitForDelivery(exchangeId: string, options: { timeoutMs?: number } = {}): Promise<void> {
    await this.#waitUntil(() => this.#taken.has(exchangeId), options.timeoutMs, `${this.country} node: exchange ${exchangeId} was not delivered in time`);
  }

  /**
   * Resolves with the node's decision on an exchange once it is made and reported to the hub.
   * A pull node pulls its inbox while it waits.
   */
  async waitForDecision(exchangeId: string, options: { timeoutMs?: number } = {}): Promise<NodeDecision> {
    await this.waitForDelivery(exchangeId, options);
    const timeoutMs = options.timeoutMs ?? this.timing.followTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const decision = await Promise.race([
      this.#taken.get(exchangeId)!.outcome,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new NodeTimeoutError(`${this.country} node: no decision on exchange ${exchangeId} within ${timeoutMs} ms`)), timeoutMs);
        timer.unref();
      }),
    ]).finally(() => clearTimeout(timer));
    if (!decision) {
      const failure = this.log.entries({ type: 'processing-failed', exchangeId }).at(-1);
      throw new Error(`${this.country} node could not decide on exchange ${exchangeId}: ${String(failure?.data.message ?? 'unknown error')}`);
    }
    return decision;
  }

  /**
   * Verify and decide now on a document the node holds (decideOnRequest), or wait for the
   * decision already under way. Waits for the delivery first (a pull node pulls meanwhile).
   */
  async decide(exchangeId: string, options: { timeoutMs?: number } = {}): Promise<NodeDecision> {
    await this.waitForDelivery(exchangeId, options);
    const held = this.#held.get(exchangeId);
    if (held) {
      this.#held.delete(exchangeId);
      this.#runProcessing(held);
    } else if (this.#options.decideOnRequest && !this.#decisions.has(exchangeId)) {
      this.#decideRequested.add(exchangeId);
    }
    return this.waitForDecision(exchangeId, options);
  }

  async #waitUntil(done: () => boolean, timeoutMs: number | undefined, message: string): Promise<void> {
    const deadline = Date.now() + (timeoutMs ?? this.timing.followTimeoutMs);
    while (!done()) {
      if (Date.now() > deadline) throw new NodeTimeoutError(message);
      if (this.deliveryMode === 'pull') {
        await this.pullInbox();
        if (done()) return;
        await sleep(this.timing.pullIntervalMs);
      } else {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(finish, Math.max(1, Math.min(this.timing.followMaxMs, deadline - Date.now())));
          const unsubscribe = this.log.subscribe((e) => {
            if (e.type === 'received') finish();
          });
          function finish() {
            clearTimeout(timer);
            unsubscribe();
            resolve();
          }
        });
      }
    }
  }

  /** What the node received for an exchange: deliveries taken (duplicates included), hash, first receipt. */
  receipt(exchangeId: string): NodeReceipt | undefined {
    const taken = this.log.entries({ type: 'received', exchangeId }).filter((e) => e.data.taken === true);
    const first = taken.find((e) => typeof e.data.sha256 === 'string');
    if (!first) return undefined;
    return {
      exchangeId,
      documentId: String(first.data.documentId ?? ''),
      deliveries: taken.length,
      sha256: String(first.data.sha256),
      receivedAt: first.at,
    };
  }

  /** The node's local record about one document: exchanges it sent, receipts, decisions. */
  record(documentId: string): { sent: string[]; received: NodeReceipt[]; decisions: NodeDecision[] } {
    const sent = [...new Set(this.log.entries({ type: 'sent' }).filter((e) => e.data.documentId === documentId).map((e) => e.exchangeId!))];
    const exchangeIds = [...this.#taken.keys()];
    const received = exchangeIds.map((id) => this.receipt(id)).filter((r): r is NodeReceipt => r?.documentId === documentId);
    const decisions = received.map((r) => this.#decisions.get(r.exchangeId)).filter((d): d is NodeDecision => !!d);
    return { sent, received, decisions };
  }

  decision(exchangeId: string): NodeDecision | undefined {
    return this.#decisions.get(exchangeId);
  }

  decisions(): NodeDecision[] {
    return [...this.#decisions.values()];
  }

  exchangeIds(): NodeExchangeIds {
    return this.log.exchangeIds();
  }

  // ------------------------------------------------------------------------------------------
  // Verification and decision

  async #process(delivery: IncomingDelivery): Promise<NodeDecision | undefined> {
    const { exchangeId, envelope, pdf } = delivery;
    try {
      const trust = await this.#trustRegistry();
      const report = verifyDocument({ pdf, envelope, trust, at: this.clock.now(), ...(this.#options.policy ? { policy: this.#options.policy } : {}) });
      this.log.append('verified', {
        exchangeId,
        data: {
          valid: report.valid,
          indication: report.indication,
          ...(report.subIndication ? { subIndication: report.subIndication } : {}),
          reasonCodes: report.reasonCodes,
          checks: Object.fromEntries(Object.entries(report.checks).map(([k, c]) => [k, c.reasonCode ? `${c.result}:${c.reasonCode}` : c.result])),
          keyId: report.signer?.keyId,
          documentId: report.document?.documentId,
          verifiedAt: report.verifiedAt,
          policy: report.policy,
        },
      });

      let mechanisms: MechanismResult[] = [];
      let decision: Decision;
      if (!report.valid) {
        const code = report.reasonCodes[0];
        const failed = Object.values(report.checks).find((c) => c.reasonCode === code);
        decision = { decision: 'refused', ...(code ? { reasonCode: code } : {}), reason: failed?.detail ?? report.indication };
      } else {
        mechanisms = await this.#checkMechanisms(delivery);
        for (const m of mechanisms) this.log.append('mechanism-checked', { exchangeId, data: { ...m } });
        const failed = mechanisms.find((m) => m.result === 'failed');
        const typeRefusal = this.#typeRefusal(envelope.metadata, delivery.sender);
        if (failed) decision = { decision: 'refused', reasonCode: failed.reasonCode!, reason: failed.detail };
        else if (typeRefusal) decision = typeRefusal;
        else {
          const used = ['e-signature', ...mechanisms.filter((m) => m.result === 'passed').map((m) => m.mechanism)].join(', ');
          decision = { decision: 'accepted', reason: nodeMessages.t('en', 'reason.accepted', { mechanisms: used }) };
        }
      }
      const decidedAt = this.clock.now().toISOString();
      this.log.append('decided', { exchangeId, data: { ...decision } });

      let exchange: Exchange | undefined;
      try {
        exchange = await this.#hubCall(() => this.hub.decide(exchangeId, decision));
        this.log.append('decision-reported', { exchangeId, data: { status: exchange.status } });
      } catch (error) {
        this.log.append('decision-report-failed', { exchangeId, data: errorData(error) });
      }
      const result: NodeDecision = {
        exchangeId,
        decision: decision.decision,
        ...(decision.reasonCode ? { reasonCode: decision.reasonCode } : {}),
        reason: decision.reason ?? '',
        report,
        mechanisms,
        decidedAt,
        reported: exchange !== undefined,
        ...(exchange ? { exchange } : {}),
      };
      this.#decisions.set(exchangeId, result);
      return result;
    } catch (error) {
      this.log.append('processing-failed', { exchangeId, data: errorData(error) });
      return undefined;
    }
  }

  /** Local anchors (out of band) + the hub's signer list with revocation status. */
  async #trustRegistry(): Promise<TrustRegistry> {
    const signers = await this.#hubCall(() => this.hub.listKeys());
    const countries: TrustRegistry['countries'] = {};
    for (const [country, local] of Object.entries(this.#options.material.trustAnchors)) {
      countries[country] = { anchors: [...local.anchors], intermediates: [...(local.intermediates ?? [])], signers: [] };
    }
    for (const signer of signers) {
      const country = signer.keyId.split(':')[0]!;
      // A country the node has no anchors for gets none: its signers cannot chain, so they fail.
      (countries[country] ??= { anchors: [], intermediates: [], signers: [] }).signers.push(signer);
    }
    return { format: 'ecert-trust/1', generatedAt: this.clock.now().toISOString(), countries };
  }

  async #checkMechanisms(delivery: IncomingDelivery): Promise<MechanismResult[]> {
    const meta = delivery.envelope.metadata;
    const checks = new Set(this.profile.trust.checks);
    const claimed = new Set(meta.trustMechanisms ?? []);
    const results: MechanismResult[] = [];
    let registryDone = false;
    const registry = async (why: string) => {
      registryDone = true;
      const check = await this.#registryCheck(meta, delivery.pdf);
      results.push({ mechanism: 'registry', ...check, detail: `${why}: ${check.detail}` });
    };

    if (checks.has('qr')) {
      const payload = await readQrPayload(delivery.pdf).catch(() => null);
      if (payload === null) {
        const policy = claimed.has('qr') ? 'refuse' : this.profile.trust.whenNoQr;
        if (policy === 'refuse') {
          results.push({ mechanism: 'qr', result: 'failed', reasonCode: 'QR_MISSING', detail: nodeMessages.t('en', 'reason.QR_MISSING') });
        } else if (policy === 'registry') {
          results.push({ mechanism: 'qr', result: 'not-applicable', detail: 'no QR code on the document; verified by registry lookup instead' });
          await registry('no QR code: registry lookup by document id');
        } else {
          results.push({ mechanism: 'qr', result: 'not-applicable', detail: 'no QR code on the document; the e-signature alone applies' });
        }
      } else if (payload !== meta.verifyUrl) {
        results.push({
          mechanism: 'qr',
          result: 'failed',
          reasonCode: 'QR_MISMATCH',
          detail: nodeMessages.t('en', 'reason.QR_MISMATCH', { found: payload, expected: meta.verifyUrl }),
        });
      } else {
        results.push({ mechanism: 'qr', result: 'passed', detail: `QR code encodes ${payload}` });
        await registry('QR code resolved at the hub');
      }
    }
    if ((checks.has('registry') || checks.has('unique-id')) && !registryDone) await registry('registry lookup by document id');
    if (checks.has('watermark')) {
      if (!claimed.has('watermark')) {
        results.push({ mechanism: 'watermark', result: 'not-applicable', detail: 'the issuer applies no watermark to this document' });
      } else {
        const mark = await readWatermark(delivery.pdf).catch(() => null);
        const expected = meta.issuingBody.countryCode;
        if (!mark) results.push({ mechanism: 'watermark', result: 'failed', reasonCode: 'WATERMARK_MISSING', detail: nodeMessages.t('en', 'reason.WATERMARK_MISSING') });
        else if (mark.country !== expected) {
          results.push({
            mechanism: 'watermark',
            result: 'failed',
            reasonCode: 'WATERMARK_MISMATCH',
            detail: nodeMessages.t('en', 'reason.WATERMARK_MISMATCH', { found: mark.country ?? 'no country', expected }),
          });
        } else results.push({ mechanism: 'watermark', result: 'passed', detail: `watermark "${mark.text}"` });
      }
    }
    return results;
  }

  async #registryCheck(meta: EcertMetadata, pdf: Uint8Array): Promise<Omit<MechanismResult, 'mechanism'>> {
    const documentId = meta.documentId;
    let record;
    try {
      record = await this.#hubCall(() => this.hub.lookupDocument(documentId));
    } catch (error) {
      if (error instanceof HubError && error.status === 404) {
        return { result: 'failed', reasonCode: 'REGISTRY_NOT_FOUND', detail: nodeMessages.t('en', 'reason.REGISTRY_NOT_FOUND', { documentId }) };
      }
      throw error;
    }
    const problems: string[] = [];
    const hash = sha256(pdf);
    if (record.sha256 !== hash) problems.push(`registry SHA-256 ${record.sha256.slice(0, 16)}… ≠ received ${hash.slice(0, 16)}…`);
    if (record.status !== 'Verified') problems.push(`registry status ${record.status}`);
    if (record.issuingCountry !== meta.issuingBody.countryCode) problems.push(`registry country ${record.issuingCountry}`);
    if (problems.length) {
      return { result: 'failed', reasonCode: 'REGISTRY_MISMATCH', detail: nodeMessages.t('en', 'reason.REGISTRY_MISMATCH', { documentId, detail: problems.join('; ') }) };
    }
    return { result: 'passed', detail: `hub registry: ${documentId} Verified, SHA-256 matches` };
  }

  #typeRefusal(meta: EcertMetadata, sender: CountryCode): Decision | null {
    const docs = this.profile.documents;
    const accepted = docs.perPartner?.[sender] ?? docs.accepts;
    if (accepted.includes(meta.documentType)) return null;
    return {
      decision: 'refused',
      reasonCode: 'DOCUMENT_TYPE_NOT_ACCEPTED',
      reason: nodeMessages.t('en', 'reason.DOCUMENT_TYPE_NOT_ACCEPTED', { country: this.country, type: meta.documentType.toUpperCase(), sender }),
    };
  }

  /** A hub call other than a submission: transient failures retried with back-off. */
  #hubCall<T>(fn: () => Promise<T>): Promise<T> {
    return pRetry(fn, {
      retries: this.timing.hubAttempts - 1,
      factor: 2,
      minTimeout: this.timing.retryMinMs,
      maxTimeout: this.timing.retryMaxMs,
      randomize: false,
      shouldRetry: ({ error }) => isRetryable(error),
    });
  }
}
