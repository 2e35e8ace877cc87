import type { ExchangeStatus } from '../../protocol/hub-contract.ts';
import { documentLinks, type Ev, type RecordIndex } from './record-index.ts';
import { RateTally, TallyMap } from './rate.ts';
import type { BadDocument, DetectionOutcome, DetectionResult, Exclusion } from './types.ts';

// Detection rate (target 100 %): deliberately bad documents (document events with genuine=false)
// that the hub rejected with the expected reason, over bad documents the hub gave a verdict on.
// A bad document the hub let through is a false accept, the most severe finding; a rejection
// with another reason is counted apart (the document was stopped, but for the wrong reason).

export const DETECTION_TARGET_PERCENT = 100;

/** Statuses an exchange only reaches after the hub's ingest verification let it through. */
const PASSED_INGEST: ReadonlySet<ExchangeStatus> = new Set(['Verified', 'PendingDelivery', 'Delivered', 'FailedDelivery', 'Accepted', 'Refused']);

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

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

export function computeDetection(index: RecordIndex): { result: DetectionResult; exclusions: Exclusion[] } {
  const rate = new RateTally(DETECTION_TARGET_PERCENT);
  const bySender = new TallyMap(DETECTION_TARGET_PERCENT, index.countries);
  const byVariant = new TallyMap(DETECTION_TARGET_PERCENT);
  const documents: BadDocument[] = [];
  const errorItems: Exclusion['items'] = [];
  const noVerdict: Exclusion['items'] = [];

  for (const d of index.documents) {
    if (d.genuine) continue;
    if (index.caseStatus(d.caseId) === 'error') {
      errorItems.push({ caseId: d.caseId, seq: d.seq, documentId: d.documentId });
      continue;
    }
    const expected = expectedReasons(index.caseFinished.get(d.caseId));
    const verdict = hubVerdict(index, d);
    let outcome: DetectionOutcome;
    if (!verdict) outcome = 'no-verdict';
    else if (!verdict.rejected) outcome = 'accepted';
    // With no expected reason recorded, any rejection stops the document: counted as expected.
    else outcome = expected.length === 0 || verdict.reasons.some((r) => expected.includes(r)) ? 'rejected-expected' : 'rejected-wrong-reason';
    const exchange = verdict?.exchange;
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
      verdictSeqs: verdict?.seqs ?? [],
      ...(exchange ? { exchangeId: exchange.exchangeId } : {}),
      ...(exchange?.decision ? { recipientDecision: exchange.decision } : {}),
      evidence: documentLinks(index, d.caseId, d.documentId),
    };
    documents.push(doc);
    if (outcome === 'no-verdict') {
      noVerdict.push({ caseId: d.caseId, seq: d.seq, documentId: d.documentId, detail: index.caseStatus(d.caseId) });
      continue;
    }
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
      falseAccepts: documents.filter((d) => d.outcome === 'accepted'),
      wrongReasons: documents.filter((d) => d.outcome === 'rejected-wrong-reason'),
    },
    exclusions: [
      { scope: 'detection', reason: 'case-error', items: errorItems },
      { scope: 'detection', reason: 'no-hub-verdict', items: noVerdict },
    ],
  };
}
