import type { Decision, ExchangeStatus } from '../../protocol/hub-contract.ts';
import type { Expectation } from '../../scenarios/types.ts';
import type { Attribution, CaseStatus, Severity } from '../record.ts';
import { type LeakProbe, findingText } from './findings.ts';

// The oracle: from what a case observed to a verdict. Pure, so every rule below is unit-tested
// with hand-made observations. The rules are strict on purpose: a negative case passes only on
// the specific expected rejection, and a hub that accepts a bad document is a false accept,
// the most severe finding.

export interface CaseObservation {
  /** The harness's own verification of the document as sent (null when none was issued). */
  oracle: { valid: boolean; reasonCodes: string[] } | null;
  /** SHA-256 of the PDF the sender submitted. */
  sentSha256?: string;
  /** The hub's final view of the case's exchange, as the operator (or sender) reads it. */
  hub: {
    exchangeId: string;
    status: ExchangeStatus;
    reasonCodes: string[];
    deliveryMode: 'push' | 'pull';
    deliveryAttempts: number;
    /** Push attempts the hub itself recorded as acknowledged. */
    okDeliveryAttempts: number;
    decision?: Decision['decision'];
  } | null;
  /** What the sender sees when it reads its exchange ('unreadable' when the hub would not show it). */
  senderSees?: ExchangeStatus | 'unreadable';
  senderSeesError?: string;
  /** The recipient's side, from its local log. */
  recipient: {
    /** Whether it is a mock node the harness controls (a real node's decision comes from the hub only). */
    mock: boolean;
    /** Whether the case put faults on it (a fault can legitimately cause a repeated delivery). */
    faulted?: boolean;
    /** Deliveries of this case's document it received (duplicates included). */
    deliveries: number;
    /** SHA-256 of what it received (first delivery). */
    receivedSha256?: string;
    decisions: Array<{ decision: Decision['decision']; reasonCode?: string }>;
  };
  /** Exchange ids for the case's document(s) in each log. */
  exchanges: { hub: string[]; sender: string[]; recipient: string[] };
  /** Model A: the document after retention. */
  purge?: { documentGone: boolean; httpStatus?: number; statusKept: boolean };
  /** What a third country's node could see of the exchange (each entry a probe that was not refused). */
  privacy?: { third: string; leaks: LeakProbe[] };
  /** Answers about the case's exchanges that break the contract (protocol/openapi.yaml). */
  contractViolations?: Array<{ request: string; status: number; errors: string[] }>;
  /** The hub's hash-chained logs, checked after the case. */
  logChains?: Array<{ log: string; valid: boolean; detail?: string }>;
  /** A step that could not complete (time-out, unreachable, unexpected answer). */
  stepFailure?: { step: string; kind: 'timeout' | 'unreachable' | 'hub-error' | 'error'; message: string; injected?: boolean };
}

export type FindingCode =
  | 'ORACLE_MISMATCH'
  | 'FALSE_ACCEPT'
  | 'WRONG_REASON'
  | 'UNEXPLAINED_REASON'
  | 'FALSE_REJECT'
  | 'WRONG_STATUS'
  | 'DELIVERED_DESPITE_REJECTION'
  | 'NOT_DELIVERED'
  | 'CONTENT_CHANGED_IN_TRANSIT'
  | 'WRONG_DECISION'
  | 'DUPLICATE_DECISION'
  | 'DUPLICATE_DELIVERY'
  | 'PRIVACY_LEAK'
  | 'SENDER_VIEW_MISMATCH'
  | 'DELIVERY_ATTEMPTS_OUT_OF_BOUNDS'
  | 'EXCHANGE_COUNT_MISMATCH'
  | 'LOST_EXCHANGE'
  | 'LOGS_DISAGREE'
  | 'DUPLICATE_EXCHANGE'
  | 'NOT_PURGED'
  | 'STATUS_LOST_ON_PURGE'
  | 'LOG_CHAIN_BROKEN'
  | 'CONTRACT_VIOLATION'
  | 'STEP_FAILED';

export interface Finding {
  code: FindingCode;
  severity: Severity;
  attribution: Attribution;
  /** English text for logs and results.json; reports render the localized text from code + params. */
  message: string;
  params: Record<string, string | number>;
}

export interface CaseVerdict {
  status: Exclude<CaseStatus, 'skipped'>;
  findings: Finding[];
  /** The most severe finding (what the case is reported as). */
  primary?: Finding;
}

const SEVERITY_ORDER: Severity[] = ['false-accept', 'data-leak', 'lost-exchange', 'duplicate', 'false-reject', 'wrong-reason', 'log-mismatch', 'other'];

function finding(code: FindingCode, severity: Severity, attribution: Attribution, params: Record<string, string | number> = {}): Finding {
  return { code, severity, attribution, message: findingText('en', { code, params }), params };
}

const ACCEPTED_BY_HUB: readonly ExchangeStatus[] = ['Verified', 'PendingDelivery', 'Delivered', 'FailedDelivery', 'Accepted', 'Refused'];

/** Node refusal codes that come from the hub's own registry answers: a wrong answer is the hub's. */
const HUB_LOOKUP_REFUSALS = new Set(['REGISTRY_NOT_FOUND', 'REGISTRY_MISMATCH']);

const codesText = (codes: readonly string[]): string => codes.join(', ');

export function evaluate(expect: Expectation, obs: CaseObservation): CaseVerdict {
  const out: Finding[] = [];
  const expectedExchanges = expect.exchanges ?? 1;

  // 1. The harness's own verdict must match what the case claims about its document; otherwise the
  //    test material is wrong and nothing else can be judged.
  if (obs.oracle) {
    const oracleOk = expect.oracle === 'valid' ? obs.oracle.valid : !obs.oracle.valid && obs.oracle.reasonCodes.includes(expect.oracle);
    if (!oracleOk) {
      out.push(finding('ORACLE_MISMATCH', 'other', 'harness', { expected: expect.oracle, observed: obs.oracle.valid ? 'valid' : codesText(obs.oracle.reasonCodes) }));
      return verdict(out, 'error');
    }
  }

  const hub = obs.hub;
  const expectRejection = expect.hub.status === 'Rejected';

  // 2. The hub's verdict and final status.
  if (!hub) {
    out.push(obs.stepFailure ? stepFinding(obs.stepFailure) : finding('LOST_EXCHANGE', 'lost-exchange', 'hub'));
  } else if (expectRejection) {
    if (hub.status !== 'Rejected') {
      out.push(finding('FALSE_ACCEPT', 'false-accept', 'hub', { status: hub.status, expected: expect.hub.reasonCode ?? '' }));
    } else if (expect.hub.reasonCode && !hub.reasonCodes.includes(expect.hub.reasonCode)) {
      out.push(finding('WRONG_REASON', 'wrong-reason', 'hub', { expected: expect.hub.reasonCode, observed: codesText(hub.reasonCodes) }));
    } else if (obs.oracle) {
      // Passing on the expected code alone would let a hub that lists every code pass: each code it
      // gives must be warranted by the document (the harness verified the same bytes).
      const unexplained = hub.reasonCodes.filter((c) => !obs.oracle!.reasonCodes.includes(c));
      if (unexplained.length) out.push(finding('UNEXPLAINED_REASON', 'wrong-reason', 'hub', { codes: codesText(unexplained), oracle: codesText(obs.oracle.reasonCodes) }));
    }
  } else if (hub.status === 'Rejected') {
    out.push(finding('FALSE_REJECT', 'false-reject', 'hub', { observed: codesText(hub.reasonCodes) }));
  } else if (hub.status !== expect.hub.status) {
    const attribution: Attribution = obs.stepFailure?.kind === 'error' ? 'harness' : obs.stepFailure?.kind === 'unreachable' && !obs.stepFailure.injected ? 'network' : 'hub';
    const severity: Severity = expect.hub.status === 'Accepted' && hub.status === 'FailedDelivery' ? 'lost-exchange' : 'other';
    out.push(finding('WRONG_STATUS', severity, attribution, { expected: expect.hub.status, observed: hub.status }));
  }
  if (hub && !expectRejection && expect.hub.reasonCode && !hub.reasonCodes.includes(expect.hub.reasonCode)) {
    out.push(finding('WRONG_REASON', 'wrong-reason', 'hub', { expected: expect.hub.reasonCode, observed: codesText(hub.reasonCodes) }));
  }

  // 3. The recipient.
  const rec = obs.recipient;
  if (expect.recipient === 'not-delivered') {
    if (rec.deliveries > 0) {
      out.push(finding('DELIVERED_DESPITE_REJECTION', expectRejection ? 'false-accept' : 'other', 'hub', { deliveries: rec.deliveries }));
    }
  } else if (hub && (!expectRejection || hub.status !== 'Rejected')) {
    if (rec.deliveries === 0 && rec.mock) out.push(finding('NOT_DELIVERED', 'lost-exchange', 'hub'));
    if (rec.deliveries > 0 && obs.sentSha256 && rec.receivedSha256 && rec.receivedSha256 !== obs.sentSha256) {
      out.push(finding('CONTENT_CHANGED_IN_TRANSIT', 'false-accept', 'hub', { sent: obs.sentSha256, received: rec.receivedSha256 }));
    }
    const decision = rec.mock ? rec.decisions[0] : hub.decision ? { decision: hub.decision } : undefined;
    if (rec.mock && rec.decisions.length > 1) out.push(finding('DUPLICATE_DECISION', 'duplicate', 'hub', { decisions: rec.decisions.length }));
    if (!decision) {
      if (rec.deliveries > 0 || !rec.mock) out.push(finding('WRONG_DECISION', 'other', rec.mock ? 'node' : 'hub', { expected: expect.recipient.decision, observed: '' }));
    } else if (decision.decision !== expect.recipient.decision || (expect.recipient.reasonCode && decision.reasonCode !== expect.recipient.reasonCode)) {
      // A mock node decides from what it received and from the hub's registry answers: changed
      // bytes or a refusal based on the hub's lookup are the hub's fault, anything else the node's.
      const changed = obs.sentSha256 && rec.receivedSha256 && rec.receivedSha256 !== obs.sentSha256;
      const fromHubLookup = decision.reasonCode !== undefined && HUB_LOOKUP_REFUSALS.has(decision.reasonCode);
      out.push(
        finding('WRONG_DECISION', expect.recipient.decision === 'accepted' ? 'false-reject' : 'false-accept', changed || fromHubLookup ? 'hub' : 'node', {
          expected: `${expect.recipient.decision}${expect.recipient.reasonCode ? ` ${expect.recipient.reasonCode}` : ''}`,
          observed: `${decision.decision}${decision.reasonCode ? ` ${decision.reasonCode}` : ''}`,
        }),
      );
    }
  }

  // 4. What the sender sees, and how the hub delivered (push attempts are the hub's; a pull recipient fetches).
  const senderExpected = expect.senderSees ?? (hub ? expect.hub.status : undefined);
  if (hub && senderExpected && obs.senderSees && obs.senderSees !== senderExpected) {
    const observed = obs.senderSees === 'unreadable' ? `unreadable (${obs.senderSeesError ?? 'no answer'})` : obs.senderSees;
    out.push(finding('SENDER_VIEW_MISMATCH', 'other', 'hub', { expected: senderExpected, observed }));
  }
  if (hub && hub.deliveryMode === 'push' && expect.deliveryAttempts) {
    const { min, max } = expect.deliveryAttempts;
    if ((min !== undefined && hub.deliveryAttempts < min) || (max !== undefined && hub.deliveryAttempts > max)) {
      out.push(finding('DELIVERY_ATTEMPTS_OUT_OF_BOUNDS', 'other', 'hub', { observed: hub.deliveryAttempts, min: min ?? 0, max: max ?? '∞' }));
    }
  }
  // At least once, but not more than needed: after an acknowledged delivery the hub stops. For a
  // push: more than one acknowledged attempt in the hub's own log, or more deliveries at the
  // recipient than attempts the hub admits (a timed-out attempt may legitimately arrive too). For a
  // pull: an unfaulted recipient that acknowledged must not find the exchange in its inbox again.
  if (hub && hub.deliveryMode === 'push' && hub.okDeliveryAttempts > 1) {
    out.push(finding('DUPLICATE_DELIVERY', 'duplicate', 'hub', { count: hub.okDeliveryAttempts }));
  } else if (hub && hub.deliveryMode === 'push' && rec.mock && rec.deliveries > Math.max(1, hub.deliveryAttempts)) {
    out.push(finding('DUPLICATE_DELIVERY', 'duplicate', 'hub', { count: rec.deliveries }));
  } else if (hub && hub.deliveryMode === 'pull' && rec.mock && !rec.faulted && rec.deliveries > 1) {
    out.push(finding('DUPLICATE_DELIVERY', 'duplicate', 'hub', { count: rec.deliveries }));
  }
  if (expect.privateToParties && obs.privacy && obs.privacy.leaks.length > 0) {
    out.push(finding('PRIVACY_LEAK', 'data-leak', 'hub', { third: obs.privacy.third, probes: JSON.stringify(obs.privacy.leaks) }));
  }

  // 5. Reconciliation: nothing lost, nothing duplicated, the three logs agree.
  const { hub: hubIds, sender, recipient } = obs.exchanges;
  if (hubIds.length > expectedExchanges) {
    out.push(finding('DUPLICATE_EXCHANGE', 'duplicate', 'hub', { observed: hubIds.length, expected: expectedExchanges }));
  } else if (hub && hubIds.length < expectedExchanges) {
    out.push(finding('EXCHANGE_COUNT_MISMATCH', 'lost-exchange', 'hub', { observed: hubIds.length, expected: expectedExchanges }));
  }
  const missingAtHub = sender.filter((id) => !hubIds.includes(id));
  const unknownToRecipient = recipient.filter((id) => !hubIds.includes(id));
  if (missingAtHub.length || unknownToRecipient.length) {
    out.push(finding('LOGS_DISAGREE', 'lost-exchange', 'hub', { sender: missingAtHub.join(', '), recipient: unknownToRecipient.join(', ') }));
  }

  // 6. Model A, the hash-chained logs, and the contract.
  if (expect.documentPurged && obs.purge) {
    if (!obs.purge.documentGone) out.push(finding('NOT_PURGED', 'other', 'hub', { httpStatus: obs.purge.httpStatus ?? 0 }));
    if (!obs.purge.statusKept) out.push(finding('STATUS_LOST_ON_PURGE', 'lost-exchange', 'hub'));
  }
  for (const v of obs.contractViolations ?? []) {
    out.push(finding('CONTRACT_VIOLATION', 'other', 'hub', { request: v.request, status: v.status, errors: v.errors.slice(0, 3).join('; ') }));
  }
  for (const chain of obs.logChains ?? []) {
    if (!chain.valid) out.push(finding('LOG_CHAIN_BROKEN', 'log-mismatch', 'hub', { log: chain.log, detail: chain.detail ?? '' }));
  }

  // A step failure not explained by the findings above still fails the case.
  if (obs.stepFailure && hub && out.length === 0) out.push(stepFinding(obs.stepFailure));

  return verdict(out);
}

function stepFinding(f: NonNullable<CaseObservation['stepFailure']>): Finding {
  const attribution: Attribution = f.kind === 'unreachable' ? 'network' : f.kind === 'error' ? 'harness' : 'hub';
  return finding('STEP_FAILED', 'other', attribution, { step: f.step, kind: f.kind, message: f.message });
}

function verdict(findings: Finding[], forced?: 'error'): CaseVerdict {
  const sorted = [...findings].sort((a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity));
  const primary = sorted[0];
  const status: CaseVerdict['status'] = forced ?? (findings.length === 0 ? 'passed' : primary?.attribution === 'harness' ? 'error' : 'failed');
  return { status, findings: sorted, ...(primary ? { primary } : {}) };
}

export { ACCEPTED_BY_HUB };
