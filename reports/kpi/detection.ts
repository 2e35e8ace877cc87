import type { CountryCode } from '../../protocol/types.ts';
import type { ExchangeStatus } from '../../protocol/hub-contract.ts';
import { nodeExchangeIds } from './kpi1.ts';
import { documentLinks, findingsOf, type Ev, type RecordIndex } from './record-index.ts';
import { RateTally, TallyMap } from './rate.ts';
import type { BadDocument, DetectionOutcome, DetectionResult, Exclusion } from './types.ts';

// Detection rate (target 100 %): deliberately bad documents (document events with genuine=false)
// that the hub rejected with the expected reason, over every bad document sent. A bad document
// that reached the recipient in any way is a false accept, the most severe finding: let through
// by the hub, or "Rejected" and delivered all the same (the runner's oracle counts both alike:
// FALSE_ACCEPT, DELIVERED_DESPITE_REJECTION). A rejection with another reason is counted apart
// (the document was stopped, but for the wrong reason). A bad document the hub gave no verdict on
// (the submission failed with an HTTP error, no exchange) was not detected: it stays in the
// denominator, with the reason. Only cases that ended in a harness error, or never finished, are
// left out.

export const DETECTION_TARGET_PERCENT = 100;

/** Statuses an exchange only reaches after the hub's ingest verification let it through. */
const PASSED_INGEST: ReadonlySet<ExchangeStatus> = new Set(['Verified', 'PendingDelivery', 'Delivered', 'FailedDelivery', 'Accepted', 'Refused']);
/** Statuses that mean the recipient took the document. */
const DELIVERED: ReadonlySet<ExchangeStatus> = new Set(['Delivered', 'Accepted', 'Refused']);

/** The reason(s) the case expected the hub to reject with: Expectation.hub.reasonCode of the scenario. */
export function expectedReasons(finished: Ev<'case-finished'> | undefined): string[] {
  const hub = finished?.expected?.hub as { reasonCode?: unknown; reasonCodes?: unknown } | undefined;
  if (typeof hub?.reasonCode === 'string') return [hub.reasonCode];
  if (Array.isArray(hub?.reasonCodes)) return hub.reasonCodes.filter((r): r is string => typeof r === 'string');
  return [];
}

interface HubVerdict {
  rejected: boolean;
  reasons: string[];
  status?: ExchangeStatus;
  seqs: number[];
  exchange?: Ev<'exchange'>;
}

function hubVerdict(index: RecordIndex, d: Ev<'document'>): HubVerdict | null {
  const { verifications, exchanges } = index.ofDocument(d.caseId, d.documentId);
  const hubChecks = verifications.filter((v) => v.verifier === 'hub');
  const exchange = exchanges.at(-1);
  const seqs = [...hubChecks.map((v) => v.seq), ...(exchange ? [exchange.seq] : [])];
  const verificationReasons = hubChecks.flatMap((v) => v.reasonCodes);
  if (exchange) {
    const rejection = exchange.timeline.find((t) => t.status === 'Rejected');
    if (rejection || exchange.finalStatus === 'Rejected') {
      return { rejected: true, reasons: unique([...(rejection?.reasonCodes ?? []), ...verificationReasons]), status: exchange.finalStatus, seqs, exchange };
    }
    if (exchange.timeline.some((t) => PASSED_INGEST.has(t.status)) || PASSED_INGEST.has(exchange.finalStatus)) {
      return { rejected: false, reasons: [], status: exchange.finalStatus, seqs, exchange };
    }
  }
  const last = hubChecks.at(-1);
  if (last) return { rejected: !last.valid, reasons: unique(verificationReasons), seqs, ...(exchange ? { status: exchange.finalStatus, exchange } : {}) };
  return null;
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

/** Exchange ids each node's own log says it received. */
function receivedByNode(index: RecordIndex): Map<CountryCode, Set<string>> {
  const out = new Map<CountryCode, Set<string>>();
  for (const [node, entries] of index.record.nodeLogs) out.set(node, new Set(nodeExchangeIds(node, entries).received));
  return out;
}

/** Any sign that the document reached its recipient: a delivered status, a decision, a recipient's verification or log, the oracle's finding. */
function reachedRecipient(index: RecordIndex, d: Ev<'document'>, received: Map<CountryCode, Set<string>>): { reached: boolean; seqs: number[] } {
  const { verifications, exchanges } = index.ofDocument(d.caseId, d.documentId);
  const seqs: number[] = [];
  for (const x of exchanges) {
    if (x.timeline.some((t) => DELIVERED.has(t.status)) || DELIVERED.has(x.finalStatus) || x.decision || received.get(x.recipient)?.has(x.exchangeId)) seqs.push(x.seq);
  }
  for (const v of verifications) if (v.verifier === 'recipient') seqs.push(v.seq);
  const finished = index.caseFinished.get(d.caseId);
  if (finished && findingsOf(finished.observed).some((f) => f.code === 'DELIVERED_DESPITE_REJECTION')) seqs.push(finished.seq);
  return { reached: seqs.length > 0, seqs };
}

/** Why the hub gave no verdict: its last error answer in the case, else the step that failed. */
function noVerdictReason(index: RecordIndex, d: Ev<'document'>): BadDocument['noVerdictReason'] {
  const answer = index.record.events.filter((e): e is Ev<'hub-response'> => e.type === 'hub-response' && e.caseId === d.caseId && e.seq > d.seq && e.status >= 400).at(0);
  const failed = findingsOf(index.caseFinished.get(d.caseId)?.observed).find((f) => f.code === 'STEP_FAILED' || f.code === 'LOST_EXCHANGE');
  if (!answer && !failed) return undefined;
  return { ...(answer ? { httpStatus: answer.status, ...(answer.code ? { code: answer.code } : {}), seq: answer.seq } : {}), ...(failed ? { finding: failed } : {}) };
}

export function computeDetection(index: RecordIndex): { result: DetectionResult; exclusions: Exclusion[] } {
  const rate = new RateTally(DETECTION_TARGET_PERCENT);
  const bySender = new TallyMap(DETECTION_TARGET_PERCENT, index.countries);
  const byVariant = new TallyMap(DETECTION_TARGET_PERCENT);
  const documents: BadDocument[] = [];
  const errorItems: Exclusion['items'] = [];
  const unfinishedItems: Exclusion['items'] = [];
  const received = receivedByNode(index);

  for (const d of index.documents) {
    if (d.genuine) continue;
    const status = index.caseStatus(d.caseId);
    if (status === 'error') {
      errorItems.push({ caseId: d.caseId, seq: d.seq, documentId: d.documentId });
      continue;
    }
    const expected = expectedReasons(index.caseFinished.get(d.caseId));
    const verdict = hubVerdict(index, d);
    const reached = reachedRecipient(index, d, received);
    // A run stopped while the hub was still deciding says nothing about detection.
    if (status === 'unfinished' && !verdict && !reached.reached) {
      unfinishedItems.push({ caseId: d.caseId, seq: d.seq, documentId: d.documentId });
      continue;
    }
    let outcome: DetectionOutcome;
    if (reached.reached) outcome = verdict?.rejected ? 'delivered-despite-rejection' : 'accepted';
    else if (!verdict) outcome = 'no-verdict';
    else if (!verdict.rejected) outcome = 'accepted';
    // With no expected reason recorded, any rejection stops the document: counted as expected.
    else outcome = expected.length === 0 || verdict.reasons.some((r) => expected.includes(r)) ? 'rejected-expected' : 'rejected-wrong-reason';
    const exchange = verdict?.exchange;
    const why = outcome === 'no-verdict' ? noVerdictReason(index, d) : undefined;
    const verdictSeqs = unique([...(verdict?.seqs ?? []), ...reached.seqs, ...(why?.seq !== undefined ? [why.seq] : [])]).sort((a, b) => a - b);
    const doc: BadDocument = {
      id: `d${d.seq}`,
      seq: d.seq,
      caseId: d.caseId,
      documentId: d.documentId,
      sender: d.sender,
      recipient: d.recipient,
      variant: d.variant,
      expectedReasons: expected,
      outcome,
      ...(verdict?.status ? { hubStatus: verdict.status } : {}),
      hubReasons: verdict?.reasons ?? [],
      verdictSeqs,
      ...(exchange ? { exchangeId: exchange.exchangeId } : {}),
      ...(exchange?.decision ? { recipientDecision: exchange.decision } : {}),
      ...(why ? { noVerdictReason: why } : {}),
      evidence: documentLinks(index, d.caseId, d.documentId),
    };
    documents.push(doc);
    const evidence = { seq: d.seq, caseId: d.caseId, ...(exchange ? { exchangeId: exchange.exchangeId, logHashes: exchange.hubLogHashes } : {}) };
    const ok = outcome === 'rejected-expected';
    for (const tally of [rate, bySender.get(d.sender), byVariant.get(d.variant)]) {
      tally.count(ok, evidence, doc.id);
      for (const s of doc.verdictSeqs) tally.trace.add({ seq: s });
    }
  }

  return {
    result: {
      targetPercent: DETECTION_TARGET_PERCENT,
      rate: rate.figure(),
      bySender: bySender.figures(),
      byVariant: byVariant.figures(),
      documents,
      falseAccepts: documents.filter((d) => isFalseAccept(d.outcome)),
      wrongReasons: documents.filter((d) => d.outcome === 'rejected-wrong-reason'),
    },
    exclusions: [
      { scope: 'detection', reason: 'case-error', items: errorItems },
      { scope: 'detection', reason: 'case-unfinished', items: unfinishedItems },
    ],
  };
}

export function isFalseAccept(outcome: DetectionOutcome): boolean {
  return outcome === 'accepted' || outcome === 'delivered-despite-rejection';
}
