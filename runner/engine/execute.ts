import { type Exchange, type ExchangeStatus, HubError, HubUnreachableError, TERMINAL_STATUSES } from '../../protocol/hub-contract.ts';
import { verifyDocument } from '../../protocol/verify.ts';
import type { VerificationReport } from '../../protocol/types.ts';
import type { IssuedDocument } from '../../fixtures/issue.ts';
import type { CatalogCase, FaultSpec, Step } from '../../scenarios/types.ts';
import type { CaseStatus } from '../record.ts';
import type { HarnessEnvironment, NodeDecision, NodeHandle, NodeReceipt } from './environment.ts';
import type { EvidenceWriter } from './evidence.ts';
import type { CaseLock, LockRequest } from './lock.ts';
import { type LeakProbe, type SkipInfo, skipText } from './findings.ts';
import { LogMirror } from './log-mirror.ts';
import { type CaseObservation, type CaseVerdict, evaluate } from './oracle.ts';

// Runs one expanded case: applies its faults, interprets its steps against the environment,
// records evidence as it goes, collects what happened, and asks the oracle for the verdict.

export interface CaseHooks {
  /** Wrap a step (Allure step in vitest; plain call elsewhere). */
  step<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /** Attach a file to the case's test report (Allure). */
  attach(name: string, content: string | Uint8Array, contentType: string): Promise<void>;
}

export const plainHooks: CaseHooks = {
  step: (_name, fn) => fn(),
  attach: async () => {},
};

export interface CaseRunOptions {
  env: HarnessEnvironment;
  evidence: EvidenceWriter;
  lock: CaseLock;
  runId: string;
  seed: string;
  hooks?: CaseHooks;
}

export interface CaseRunResult {
  caseId: string;
  status: CaseStatus;
  verdict?: CaseVerdict;
  skipReason?: string;
  skip?: SkipInfo;
  expected: Record<string, unknown>;
  observed: Record<string, unknown>;
  exchangeIds: string[];
  durationMs: number;
  firstSeq: number;
  lastSeq: number;
}

class StepError extends Error {
  constructor(
    readonly step: string,
    readonly kind: 'timeout' | 'unreachable' | 'hub-error' | 'error',
    message: string,
    readonly injected = false,
  ) {
    super(message);
  }
}

/** Why a case cannot run against this environment, or undefined when it can. */
export function skipReason(c: CatalogCase, env: HarnessEnvironment): SkipInfo | undefined {
  const missing = c.needs.filter((n) => !env.capabilities.has(n));
  if (missing.length) return { code: 'skip.capability', params: { capabilities: missing.join(', ') } };
  for (const f of c.faults) {
    const country = f.party === 'sender' ? c.sender : c.recipient;
    if (!env.node(country).mock) return { code: 'skip.realNodeFault', params: { fault: f.fault, country } };
  }
  if (!env.node(c.sender).mock) return { code: 'skip.realSender', params: { country: c.sender } };
  return undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runCase(c: CatalogCase, opts: CaseRunOptions): Promise<CaseRunResult> {
  const { env, evidence } = opts;
  const hooks = opts.hooks ?? plainHooks;
  const started = Date.now();
  const first = evidence.append({
    type: 'case-started',
    caseId: c.id,
    country: c.country,
    partner: c.partner,
    category: c.category,
    title: c.title,
    requirement: c.requirement.en,
    requirementText: c.requirement,
    tags: c.tags,
  });
  const expected = { ...c.expect, sender: c.sender, recipient: c.recipient, document: c.document } as Record<string, unknown>;

  const skip = skipReason(c, env);
  if (skip) {
    // Stored in English (the record's language) with its code, so every report can say it in its own.
    const text = skipText('en', skip);
    const last = evidence.append({ type: 'case-finished', caseId: c.id, status: 'skipped', durationMs: 0, expected, observed: {}, exchangeIds: [], skipReason: text, skip });
    return { caseId: c.id, status: 'skipped', skipReason: text, skip, expected, observed: {}, exchangeIds: [], durationMs: 0, firstSeq: first.seq, lastSeq: last.seq };
  }

  const run = new CaseRun(c, opts, hooks);
  let observation: CaseObservation | undefined;
  let verdict: CaseVerdict;
  try {
    const mockCountries = env.profiles.map((p) => p.code).filter((code) => env.node(code).mock);
    observation = await opts.lock.run(lockRequest(c, mockCountries), () => run.execute());
    verdict = evaluate(c.expect, observation);
  } catch (error) {
    // Only a bug in the harness itself gets here: the engine turns every expected failure into an observation.
    const message = error instanceof Error ? error.message : String(error);
    verdict = {
      status: 'error',
      findings: [{ code: 'STEP_FAILED', severity: 'other', attribution: 'harness', message: `harness error: ${message}`, params: { step: 'engine', kind: 'error', message } }],
    };
    verdict.primary = verdict.findings[0];
  }
  const observed = observation ? summarize(observation) : {};
  const durationMs = Date.now() - started;
  const last = evidence.append({
    type: 'case-finished',
    caseId: c.id,
    status: verdict.status,
    durationMs,
    expected,
    observed: { ...observed, findings: verdict.findings },
    exchangeIds: run.exchangeIds,
    ...(verdict.primary ? { attribution: verdict.primary.attribution, severity: verdict.primary.severity, message: verdict.primary.message } : {}),
  });
  return {
    caseId: c.id,
    status: verdict.status,
    verdict,
    expected,
    observed,
    exchangeIds: run.exchangeIds,
    durationMs,
    firstSeq: first.seq,
    lastSeq: last.seq,
  };
}

/** What a case must not share: the hub when it moves its clock or restarts it, a node it faults. */
export function lockRequest(c: CatalogCase, federation: readonly string[]): LockRequest {
  const alone = c.steps.some((s) => s.do === 'advance-clock' || s.do === 'restart-hub' || (s.do === 'await' && s.fastForward));
  const faulted = [...c.faults, ...c.steps.filter((s): s is Extract<Step, { do: 'fault' }> => s.do === 'fault')].map((f) => (f.party === 'sender' ? c.sender : c.recipient));
  const third = c.steps.some((s) => s.do === 'probe-privacy') ? thirdCountry(c, federation) : undefined;
  return { alone, shared: [c.sender, c.recipient, ...(third ? [third] : [])], exclusive: faulted };
}

/** The country whose node probes an exchange it is not party to. */
function thirdCountry(c: CatalogCase, candidates: readonly string[]): string | undefined {
  return [...candidates].sort().find((code) => code !== c.sender && code !== c.recipient);
}

function summarize(o: CaseObservation): Record<string, unknown> {
  return {
    oracle: o.oracle,
    hub: o.hub,
    senderSees: o.senderSees,
    recipient: o.recipient,
    exchanges: o.exchanges,
    ...(o.purge ? { purge: o.purge } : {}),
    ...(o.privacy ? { privacy: o.privacy } : {}),
    ...(o.contractViolations ? { contractViolations: o.contractViolations } : {}),
    ...(o.logChains ? { logChains: o.logChains } : {}),
    ...(o.stepFailure ? { stepFailure: o.stepFailure } : {}),
  };
}

class CaseRun {
  doc?: IssuedDocument;
  oracle?: VerificationReport;
  exchange?: Exchange;
  receipt?: NodeReceipt;
  decision?: NodeDecision;
  purge?: CaseObservation['purge'];
  privacy?: CaseObservation['privacy'];
  stepFailure?: CaseObservation['stepFailure'];
  readonly exchangeIds: string[] = [];
  private readonly activeFaults: FaultSpec[] = [];
  private clockMoved = false;
  private fastForwardedMs = 0;
  /** Total movement of the hub's clock during the case (KPI-3 leaves such exchanges out). */
  private clockShiftedMs = 0;
  private logStartSeq = 0;
  private readonly watchers: Array<Promise<void>> = [];
  private hubResponses = 0;

  constructor(
    private readonly c: CatalogCase,
    private readonly opts: CaseRunOptions,
    private readonly hooks: CaseHooks,
  ) {}

  private get env() {
    return this.opts.env;
  }
  private get sender(): NodeHandle {
    return this.env.node(this.c.sender);
  }
  private get recipient(): NodeHandle {
    return this.env.node(this.c.recipient);
  }

  async execute(): Promise<CaseObservation> {
    // Where the exchange log stood when the case began: an earlier run against the same hub may
    // have exchanged a document with the same id (same seed), and that is not this case's.
    const mirror = logMirror(this.env, 'exchange');
    await mirror.refresh().catch(() => {});
    this.logStartSeq = mirror.lastSeq;
    try {
      for (const fault of this.c.faults) await this.applyFault(fault);
      for (const step of this.c.steps) {
        const ok = await this.runStep(step);
        if (!ok) break;
      }
    } finally {
      await this.cleanup();
    }
    return this.observe();
  }

  private async runStep(step: Step): Promise<boolean> {
    const name = stepName(step);
    const t0 = Date.now();
    try {
      const detail = await this.hooks.step(name, () => this.perform(step));
      this.opts.evidence.append({ type: 'step', caseId: this.c.id, name, status: 'passed', durationMs: Date.now() - t0, ...(detail ? { detail } : {}) });
      return true;
    } catch (error) {
      const failure = this.classify(name, error);
      this.stepFailure = { step: name, kind: failure.kind, message: failure.message, injected: failure.injected };
      this.opts.evidence.append({ type: 'step', caseId: this.c.id, name, status: 'failed', durationMs: Date.now() - t0, detail: `${failure.kind}: ${failure.message}` });
      return false;
    }
  }

  private classify(step: string, error: unknown): StepError {
    if (error instanceof StepError) return error;
    if (error instanceof HubUnreachableError) {
      const injected = this.activeFaults.some((f) => f.fault === 'hub-unreachable' || f.fault === 'response-lost' || f.fault === 'offline');
      return new StepError(step, 'unreachable', `${error.errorCode}: ${error.message}`, injected);
    }
    if (error instanceof HubError) return new StepError(step, 'hub-error', `HTTP ${error.status} ${error.code}: ${error.message}`);
    // A node that waited in vain for a delivery or a decision: the time-out of what the hub should have done.
    if (error instanceof Error && error.name === 'NodeTimeoutError') return new StepError(step, 'timeout', error.message);
    return new StepError(step, 'error', error instanceof Error ? error.message : String(error));
  }

  /** Perform a step; returns an optional detail for the evidence line. */
  private async perform(step: Step): Promise<string | undefined> {
    switch (step.do) {
      case 'issue':
        return this.issue();
      case 'submit':
        return this.submit();
      case 'await': {
        const done = (s: ExchangeStatus) => (step.status === 'terminal' ? TERMINAL_STATUSES.includes(s) : s === step.status || TERMINAL_STATUSES.includes(s));
        const ex = step.fastForward && this.env.capabilities.has('test-clock') ? await this.awaitFastForward(done, `status ${step.status}`) : await this.awaitStatus(done, `status ${step.status}`);
        return `status ${ex.status}${this.fastForwardedMs ? ` (hub clock moved ${Math.round(this.fastForwardedMs / 60_000)} min forward while waiting)` : ''}`;
      }
      case 'receive':
        return this.receive();
      case 'decide':
        return this.decide();
      case 'advance-clock':
        await this.env.clock.advance(step.hours * 3_600_000);
        this.clockMoved = true;
        this.clockShiftedMs += Math.abs(step.hours) * 3_600_000;
        return `clock ${step.hours >= 0 ? '+' : ''}${step.hours} h: ${this.env.clock.now().toISOString()}`;
      case 'await-purge':
        return this.awaitPurge();
      case 'revoke-signer': {
        const doc = this.requireDoc();
        await this.env.operator.revokeKey(doc.keyId, `revoked by case ${this.c.id}`);
        return `revoked ${doc.keyId}`;
      }
      case 'await-pending': {
        const ex = await this.awaitStatus((s) => ['PendingDelivery', 'Delivered', ...TERMINAL_STATUSES].includes(s), 'PendingDelivery');
        return `status ${ex.status}`;
      }
      case 'await-attempt': {
        // Polled tightly: the next step must catch the retry while it is still pending.
        const ex = await this.awaitStatus((_s, x) => x.delivery.attempts.length > 0, 'a delivery attempt', 10);
        return `${ex.delivery.attempts.length} attempt(s): ${ex.delivery.attempts.map((a) => a.error ?? a.outcome).join(', ')}`;
      }
      case 'restart-hub': {
        if (!this.env.restartHub) throw new StepError('restart-hub', 'error', 'this environment cannot restart the hub');
        const t0 = Date.now();
        await this.env.restartHub();
        return `hub restarted in ${Date.now() - t0} ms`;
      }
      case 'probe-privacy':
        return this.probePrivacy();
      case 'fault': {
        const { do: _do, ...fault } = step;
        await this.applyFault(fault as FaultSpec);
        return undefined;
      }
      case 'clear-faults':
        await this.clearFaults(step.party);
        return undefined;
    }
  }

  private requireDoc(): IssuedDocument {
    if (!this.doc) throw new StepError('issue', 'error', 'no document was issued before this step');
    return this.doc;
  }

  private requireExchange(): Exchange {
    if (!this.exchange) throw new StepError('submit', 'error', 'no exchange was created before this step');
    return this.exchange;
  }

  private async issue(): Promise<string> {
    const { c, env, opts } = this;
    const doc = await env.issue({
      sender: c.sender,
      recipient: c.recipient,
      type: c.document.type,
      hsCode: c.document.hsCode,
      variant: c.document.variant,
      ...(c.document.qr !== undefined ? { qr: c.document.qr } : {}),
      seed: `${opts.seed}/${c.id}`,
      issuedAt: env.clock.now(),
    });
    this.doc = doc;
    const id = doc.metadata.documentId;
    const file = opts.evidence.writeFile(`documents/${c.id}/${id}.pdf`, doc.pdf);
    const envelopeFile = opts.evidence.writeJson(`documents/${c.id}/${id}.envelope.json`, doc.envelope);
    opts.evidence.append({
      type: 'document',
      caseId: c.id,
      documentId: id,
      sender: c.sender,
      recipient: c.recipient,
      documentType: doc.metadata.documentType,
      hsCode: doc.metadata.products[0]?.hsCode ?? c.document.hsCode,
      genuine: doc.genuine,
      variant: doc.variant,
      sha256: doc.sha256,
      size: doc.pdf.byteLength,
      issuedAt: doc.metadata.issueDateTime,
      file,
      envelopeFile,
    });
    await this.hooks.attach(`${id}.pdf`, doc.pdf, 'application/pdf');
    // The harness verifies every document itself: the oracle the hub's and recipient's verdicts are compared with.
    const report = verifyDocument({ pdf: doc.pdf, envelope: doc.envelope, trust: env.trust(), at: env.clock.now() });
    this.oracle = report;
    this.recordVerification('harness', report);
    return `${id} (${doc.variant}, ${doc.pdf.byteLength} bytes)`;
  }

  private recordVerification(verifier: 'harness' | 'hub' | 'recipient', report: { valid: boolean; indication: VerificationReport['indication']; reasonCodes: string[]; checks: VerificationReport['checks'] | Exchange['verification']['checks'] }, node?: string, mock?: boolean): void {
    const doc = this.requireDoc();
    const checks = Object.fromEntries(
      Object.entries(report.checks).map(([k, v]) => {
        const params = 'params' in v && v.params && v.reasonCode ? { params: v.params } : {};
        return [k, { result: v.result, ...(v.reasonCode ? { reasonCode: v.reasonCode } : {}), ...params }];
      }),
    ) as Exchange['verification']['checks'];
    const reportFile = this.opts.evidence.writeJson(`verifications/${this.c.id}/${verifier}-${doc.metadata.documentId}.json`, report);
    this.opts.evidence.append({
      type: 'verification',
      caseId: this.c.id,
      documentId: doc.metadata.documentId,
      sha256: doc.sha256,
      ...(this.exchange ? { exchangeId: this.exchange.exchangeId } : {}),
      verifier,
      ...(node ? { node } : {}),
      ...(mock !== undefined ? { mock } : {}),
      sender: this.c.sender,
      recipient: this.c.recipient,
      genuine: doc.genuine,
      valid: report.valid,
      indication: report.indication,
      reasonCodes: report.reasonCodes,
      checks,
      reportFile,
    });
  }

  private recordHubResponse(what: string, status: number, body: unknown, code?: string): void {
    const n = String(++this.hubResponses).padStart(2, '0');
    const file = this.opts.evidence.writeJson(`hub-responses/${this.c.id}/${n}-${what}.json`, { status, ...(code ? { code } : {}), body });
    this.opts.evidence.append({ type: 'hub-response', caseId: this.c.id, request: what, status, ...(code ? { code } : {}), file });
  }

  private async submit(): Promise<string> {
    const doc = this.requireDoc();
    const key = `${this.opts.runId}:${this.c.id}:1`;
    try {
      const { exchange, attempts } = await this.sender.submit(doc, this.c.recipient, key);
      this.exchange = exchange;
      if (!this.exchangeIds.includes(exchange.exchangeId)) this.exchangeIds.push(exchange.exchangeId);
      this.watchOfflineFaults(exchange.exchangeId);
      this.recordHubResponse('submit', 201, exchange);
      // The hub's ingest verdict is a verification of the system under test (KPI-2).
      if (exchange.verification) this.recordVerification('hub', exchange.verification);
      return `${exchange.exchangeId}: ${exchange.status} after ${attempts} attempt(s)`;
    } catch (error) {
      if (error instanceof HubError) this.recordHubResponse('submit', error.status, { code: error.code, message: error.message, details: error.details }, error.code);
      throw error;
    }
  }

  private async awaitStatus(done: (s: ExchangeStatus, ex: Exchange) => boolean, what: string, maxDelayMs = 250): Promise<Exchange> {
    const ex = this.requireExchange();
    const deadline = Date.now() + this.env.awaitTimeoutMs;
    let delay = 10;
    let current = ex;
    for (;;) {
      current = await this.env.operator.getExchange(ex.exchangeId);
      this.exchange = current;
      if (done(current.status, current)) return current;
      if (Date.now() > deadline) throw new StepError(`await ${what}`, 'timeout', `exchange ${ex.exchangeId} still ${current.status} after ${this.env.awaitTimeoutMs} ms (waiting for ${what})`);
      await sleep(delay);
      delay = Math.min(delay * 2, maxDelayMs);
    }
  }

  /**
   * Wait for a status, moving the hub's test clock forward whenever the exchange has not changed
   * for a second: a deployed hub's retry window passes in seconds instead of hours.
   */
  private async awaitFastForward(done: (s: ExchangeStatus) => boolean, what: string): Promise<Exchange> {
    const ex = this.requireExchange();
    const deadline = Date.now() + this.env.awaitTimeoutMs;
    let step = 10 * 60_000;
    let lastChange = Date.now();
    let lastSeen = '';
    for (;;) {
      const current = await this.env.operator.getExchange(ex.exchangeId);
      this.exchange = current;
      if (done(current.status)) return current;
      const seen = `${current.status}/${current.delivery.attempts.length}`;
      if (seen !== lastSeen) {
        lastSeen = seen;
        lastChange = Date.now();
      } else if (Date.now() - lastChange > 1000 && this.fastForwardedMs < 30 * 24 * 3_600_000) {
        await this.env.clock.advance(step);
        this.clockMoved = true;
        this.fastForwardedMs += step;
        this.clockShiftedMs += step;
        step = Math.min(step * 2, 12 * 3_600_000);
        lastChange = Date.now();
      }
      if (Date.now() > deadline) throw new StepError(`await ${what}`, 'timeout', `exchange ${ex.exchangeId} still ${current.status} after ${this.env.awaitTimeoutMs} ms (waiting for ${what}; hub clock moved ${Math.round(this.fastForwardedMs / 60_000)} min)`);
      await sleep(50);
    }
  }

  /**
   * An 'offline for N calls' fault on a node that cannot count refused connections ends once the
   * hub has recorded N failed delivery attempts for the case's exchange.
   */
  private watchOfflineFaults(exchangeId: string): void {
    const recipient = this.recipient;
    if (recipient.countsRefusedCalls || recipient.delivery !== 'push') return;
    for (const fault of this.activeFaults.filter((f) => f.party === 'recipient' && f.fault === 'offline' && f.calls !== undefined)) {
      const calls = (fault as { calls: number }).calls;
      this.watchers.push(
        (async () => {
          const deadline = Date.now() + this.env.awaitTimeoutMs;
          while (Date.now() < deadline) {
            const ex = await this.env.operator.getExchange(exchangeId);
            if (ex.delivery.attempts.filter((a) => a.outcome === 'error').length >= calls || TERMINAL_STATUSES.includes(ex.status)) break;
            await sleep(100);
          }
          await this.clearFaults('recipient');
        })(),
      );
    }
  }

  private isRejected(): boolean {
    return this.exchange?.status === 'Rejected';
  }

  private async receive(): Promise<string> {
    const ex = this.requireExchange();
    if (this.isRejected()) return 'nothing to receive: rejected at ingest';
    await Promise.all(this.watchers);
    if (!this.recipient.mock) {
      const after = await this.awaitStatus((s) => ['Delivered', 'Accepted', 'Refused', 'FailedDelivery'].includes(s), 'delivery to the real node');
      return `hub reports ${after.status}`;
    }
    this.receipt = await this.recipient.receive(ex.exchangeId, this.env.awaitTimeoutMs);
    return `${this.receipt.deliveries} delivery(ies), sha256 ${this.receipt.sha256.slice(0, 12)}…`;
  }

  private async decide(): Promise<string> {
    const ex = this.requireExchange();
    if (this.isRejected()) return 'nothing to decide: rejected at ingest';
    if (!this.recipient.mock) {
      const after = await this.awaitStatus((s) => TERMINAL_STATUSES.includes(s), 'decision by the real node');
      return `hub reports ${after.status}`;
    }
    if (!this.receipt) this.receipt = await this.recipient.receive(ex.exchangeId, this.env.awaitTimeoutMs);
    this.decision = await this.recipient.decide(ex.exchangeId);
    this.recordVerification('recipient', this.decision.verification, this.c.recipient, this.recipient.mock);
    return `${this.decision.decision}${this.decision.reasonCode ? ` (${this.decision.reasonCode})` : ''}`;
  }

  private async awaitPurge(): Promise<string> {
    const ex = this.requireExchange();
    const deadline = Date.now() + this.env.awaitTimeoutMs;
    let httpStatus: number | undefined;
    for (;;) {
      try {
        await this.recipient.client.fetchDocument(ex.exchangeId);
        httpStatus = 200;
      } catch (error) {
        if (!(error instanceof HubError)) throw error;
        httpStatus = error.status;
        if (error.status === 410) {
          this.recordHubResponse('fetch-after-retention', 410, { code: error.code, message: error.message }, error.code);
          break;
        }
      }
      if (Date.now() > deadline) break;
      await sleep(50);
    }
    let statusKept = false;
    try {
      const after = await this.env.operator.getExchange(ex.exchangeId);
      statusKept = after.status === this.exchange?.status && after.documentId === ex.documentId;
      this.exchange = after;
    } catch {
      statusKept = false;
    }
    this.purge = { documentGone: httpStatus === 410, httpStatus, statusKept };
    return `document ${httpStatus === 410 ? 'purged (410)' : `still served (HTTP ${httpStatus})`}, status ${statusKept ? 'kept' : 'lost'}`;
  }

  /** A third country's node tries every way of touching the exchange; each answer other than 403/404 is a leak. */
  private async probePrivacy(): Promise<string> {
    const ex = this.requireExchange();
    const third = thirdCountry(this.c, this.env.profiles.map((p) => p.code).filter((code) => this.env.node(code).mock));
    if (!third) throw new StepError('probe-privacy', 'error', 'a privacy probe needs a third country with a mock node');
    const client = this.env.node(third).client;
    const leaks: LeakProbe[] = [];
    const refused = (e: unknown) => e instanceof HubError && (e.status === 403 || e.status === 404);
    const probes: Array<[LeakProbe['probe'], () => Promise<unknown>]> = [
      ['read', () => client.getExchange(ex.exchangeId)],
      ['fetch', () => client.fetchDocument(ex.exchangeId)],
      ['acknowledge', () => client.acknowledge(ex.exchangeId)],
      ['decide', () => client.decide(ex.exchangeId, { decision: 'refused', reasonCode: 'PRIVACY_PROBE' })],
      ['purge', () => client.purgeDocument(ex.exchangeId)],
    ];
    for (const [probe, call] of probes) {
      try {
        await call();
        leaks.push({ probe, answer: '2xx' });
      } catch (error) {
        // No answer is not a leak: the probe could not be made, which the step reports as such.
        if (error instanceof HubUnreachableError) throw error;
        if (!refused(error)) leaks.push({ probe, answer: error instanceof HubError ? `HTTP ${error.status} ${error.code}` : error instanceof Error ? error.message : String(error) });
      }
    }
    const listed = await client.listExchanges().catch(() => []);
    if (listed.some((e) => e.exchangeId === ex.exchangeId)) leaks.push({ probe: 'list', answer: '200' });
    this.privacy = { third, leaks };
    return leaks.length ? `${third} was not refused: ${leaks.map((l) => `${l.probe} (${l.answer})`).join('; ')}` : `${third} was refused every access`;
  }

  private nodeFor(party: FaultSpec['party']): NodeHandle {
    return party === 'sender' ? this.sender : this.recipient;
  }

  private async applyFault(fault: FaultSpec): Promise<void> {
    await this.nodeFor(fault.party).applyFault(fault);
    this.activeFaults.push(fault);
    const { party, fault: name, ...params } = fault;
    this.opts.evidence.append({ type: 'fault', caseId: this.c.id, node: party === 'sender' ? this.c.sender : this.c.recipient, fault: name, action: 'applied', params: { party, ...params } });
  }

  private async clearFaults(party: FaultSpec['party']): Promise<void> {
    const mine = this.activeFaults.filter((f) => f.party === party);
    if (mine.length === 0) return;
    await this.nodeFor(party).clearFaults();
    for (const f of mine) {
      this.activeFaults.splice(this.activeFaults.indexOf(f), 1);
      this.opts.evidence.append({ type: 'fault', caseId: this.c.id, node: party === 'sender' ? this.c.sender : this.c.recipient, fault: f.fault, action: 'cleared' });
    }
  }

  private async cleanup(): Promise<void> {
    await Promise.allSettled(this.watchers);
    await this.clearFaults('sender');
    await this.clearFaults('recipient');
    if (this.clockMoved) await this.env.clock.reset();
    // A 'down' recipient and hubs that give up slowly: wait for a terminal status so the
    // observation is final (bounded by the await time-out, and only when something was sent).
    if (this.exchange && !TERMINAL_STATUSES.includes(this.exchange.status) && !this.stepFailure) {
      try {
        await this.awaitStatus((s) => TERMINAL_STATUSES.includes(s), 'a final status');
      } catch (error) {
        const f = this.classify('await final status', error);
        this.stepFailure = { step: f.step, kind: f.kind, message: f.message, injected: f.injected };
      }
    }
  }

  private async observe(): Promise<CaseObservation> {
    const { c, env } = this;
    const doc = this.doc;
    let hub: CaseObservation['hub'] = null;
    let senderSees: ExchangeStatus | 'unreadable' | undefined;
    let senderSeesError: string | undefined;
    if (this.exchange) {
      let ex = this.exchange;
      try {
        ex = await env.operator.getExchange(ex.exchangeId);
      } catch (error) {
        // Judged on the last answer seen, and the failure to read the final state is itself recorded.
        const f = this.classify('read the final exchange', error);
        this.stepFailure ??= { step: f.step, kind: f.kind, message: f.message, injected: f.injected };
      }
      this.exchange = ex;
      hub = {
        exchangeId: ex.exchangeId,
        status: ex.status,
        reasonCodes: ex.verification?.reasonCodes ?? [],
        deliveryMode: ex.delivery.mode,
        deliveryAttempts: ex.delivery.attempts.length,
        okDeliveryAttempts: ex.delivery.attempts.filter((a) => a.outcome === 'ok').length,
        ...(ex.decision ? { decision: ex.decision.decision } : {}),
      };
      try {
        senderSees = (await this.sender.client.getExchange(ex.exchangeId)).status;
      } catch (error) {
        senderSees = 'unreadable';
        senderSeesError = error instanceof HubError ? `HTTP ${error.status} ${error.code}` : error instanceof Error ? error.message : String(error);
      }
    }
    const senderRecord = doc ? this.sender.record(doc.metadata.documentId) : { sent: [], received: [], decisions: [] };
    const recipientRecord = doc ? this.recipient.record(doc.metadata.documentId) : { sent: [], received: [], decisions: [] };
    const hubIds = doc ? await hubExchangesFor(env, doc.metadata.documentId, this.exchangeIds, this.logStartSeq) : [];
    for (const id of hubIds) if (!this.exchangeIds.includes(id)) this.exchangeIds.push(id);
    const receivedIds = [...new Set(recipientRecord.received.map((r) => r.exchangeId))];
    let deliveries = recipientRecord.received.reduce((n, r) => n + r.deliveries, 0);
    // A pull recipient takes only what it pulls: a document that must never reach it is looked for
    // in its inbox too (a hub may reject a document and still queue it).
    if (this.exchange && c.expect.recipient === 'not-delivered' && this.recipient.mock && this.recipient.delivery === 'pull') {
      const inbox = await this.recipient.client.listInbox().catch(() => []);
      if (inbox.some((i) => i.exchangeId === this.exchange!.exchangeId)) deliveries += 1;
    }
    const logChains = await checkLogChains(env);
    const contractViolations = env.contract.about(this.exchangeIds).map(({ request, status, errors }) => ({ request, status, errors }));

    if (this.exchange && doc) {
      const ex = this.exchange;
      const decidedAt = ex.decision?.at;
      this.opts.evidence.append({
        type: 'exchange',
        caseId: c.id,
        exchangeId: ex.exchangeId,
        sender: c.sender,
        recipient: c.recipient,
        documentId: doc.metadata.documentId,
        channel: ex.channel,
        genuine: doc.genuine,
        finalStatus: ex.status,
        timeline: ex.timeline,
        issuedAt: doc.metadata.issueDateTime,
        ...(decidedAt ? { decidedAt } : {}),
        ...(ex.decision ? { decision: ex.decision.decision } : {}),
        ...(ex.decision?.reasonCode ? { decisionReason: ex.decision.reasonCode } : {}),
        deliveryAttempts: ex.delivery.attempts.length,
        hubLogHashes: await hubLogHashesFor(env, ex.exchangeId),
        ...(this.clockShiftedMs ? { clockShiftedMs: this.clockShiftedMs } : {}),
      });
    }
    const lost = [...senderRecord.sent, ...receivedIds].filter((id) => !hubIds.includes(id));
    const duplicated = hubIds.length > (c.expect.exchanges ?? 1) ? hubIds : [];
    this.opts.evidence.append({
      type: 'reconciliation',
      caseId: c.id,
      ok: lost.length === 0 && duplicated.length === 0,
      hub: hubIds,
      sender: senderRecord.sent,
      recipient: receivedIds,
      lost: [...new Set(lost)],
      duplicated,
    });

    return {
      oracle: this.oracle ? { valid: this.oracle.valid, reasonCodes: this.oracle.reasonCodes } : null,
      ...(doc ? { sentSha256: doc.sha256 } : {}),
      hub,
      ...(senderSees ? { senderSees } : {}),
      ...(senderSeesError ? { senderSeesError } : {}),
      recipient: {
        mock: this.recipient.mock,
        faulted: c.faults.some((f) => f.party === 'recipient'),
        deliveries,
        ...(recipientRecord.received[0] ? { receivedSha256: recipientRecord.received[0].sha256 } : {}),
        decisions: recipientRecord.decisions.map((d) => ({ decision: d.decision, ...(d.reasonCode ? { reasonCode: d.reasonCode } : {}) })),
      },
      exchanges: { hub: hubIds, sender: senderRecord.sent, recipient: receivedIds },
      ...(this.purge ? { purge: this.purge } : {}),
      ...(this.privacy ? { privacy: this.privacy } : {}),
      ...(contractViolations.length ? { contractViolations } : {}),
      ...(logChains.length ? { logChains } : {}),
      ...(this.stepFailure ? { stepFailure: this.stepFailure } : {}),
    };
  }
}

function stepName(step: Step): string {
  switch (step.do) {
    case 'await':
      return `await ${step.status}`;
    case 'advance-clock':
      return `advance clock ${step.hours} h`;
    case 'fault':
      return `fault ${step.party} ${step.fault}`;
    case 'clear-faults':
      return `clear faults ${step.party}`;
    default:
      return step.do;
  }
}

// The hub's exchange log is the KPI-1 source; these read it through the operator.
async function hubExchangesFor(env: HarnessEnvironment, documentId: string, known: string[], afterSeq: number): Promise<string[]> {
  const mirror = logMirror(env, 'exchange');
  await mirror.refresh();
  const ids = mirror.exchangesForDocument(documentId, afterSeq);
  return ids.length ? ids : known.filter((id) => mirror.knows(id));
}

async function hubLogHashesFor(env: HarnessEnvironment, exchangeId: string): Promise<string[]> {
  const mirror = logMirror(env, 'exchange');
  await mirror.refresh();
  return mirror.hashesForExchange(exchangeId);
}

/** Both logs, checked twice: by the hub's own check endpoint, and recomputed by the harness. */
async function checkLogChains(env: HarnessEnvironment): Promise<Array<{ log: string; valid: boolean; detail?: string }>> {
  const out: Array<{ log: string; valid: boolean; detail?: string }> = [];
  for (const log of ['exchange', 'audit'] as const) {
    try {
      const check = await env.operator.checkLog(log);
      out.push({ log, valid: check.valid, ...(check.detail ? { detail: check.detail } : check.brokenAt !== undefined ? { detail: `broken at entry ${check.brokenAt}` } : {}) });
    } catch (error) {
      out.push({ log, valid: false, detail: `the chain check is not available: ${error instanceof Error ? error.message : String(error)}` });
    }
    const mirror = logMirror(env, log);
    try {
      await mirror.refresh();
      const own = mirror.chainProblem();
      if (own) out.push({ log: `${log} (recomputed by the harness)`, valid: false, detail: own });
    } catch (error) {
      out.push({ log: `${log} (recomputed by the harness)`, valid: false, detail: `the log could not be read: ${error instanceof Error ? error.message : String(error)}` });
    }
  }
  return out;
}

// One mirror per environment and log, read incrementally.
const mirrors = new WeakMap<HarnessEnvironment, Map<string, LogMirror>>();
function logMirror(env: HarnessEnvironment, kind: 'exchange' | 'audit'): LogMirror {
  let byKind = mirrors.get(env);
  if (!byKind) {
    byKind = new Map();
    mirrors.set(env, byKind);
  }
  let m = byKind.get(kind);
  if (!m) {
    m = new LogMirror(env.operator, kind);
    byKind.set(kind, m);
  }
  return m;
}

