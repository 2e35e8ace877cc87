import { KPI2_CHECKS, type CheckName } from '../../protocol/types.ts';
import { documentLinks, orderedPairs, pairKey, type Ev, type RecordIndex } from './record-index.ts';
import { RateTally, TallyMap } from './rate.ts';
import type { Exclusion, Kpi2Failure, Kpi2Result, SutVerifier } from './types.ts';

// KPI-2, verification success rate (target >= 95 %): verifications of genuine documents by the
// system under test (the hub at ingest, and a recipient that is a real national node), each a
// success when every KPI-2 check (signature, publicKey, fileIntegrity, metadataIntegrity) passed.
// Validity is not part of KPI-2 (the workshop excludes re-assessing the certificate's content). A
// check that was not performed ('skipped') is not a success: nothing was verified. The harness's
// own verifications are the oracle, and its mock nodes run the same verifier: both are reported
// apart, never counted (counting a mock node would count each genuine document twice).

export const KPI2_TARGET_PERCENT = 95;

export function kpi2Success(checks: Ev<'verification'>['checks']): boolean {
  return KPI2_CHECKS.every((c) => checks[c]?.result === 'passed');
}

/** A recipient verification by one of the harness's mock nodes: the harness's own verifier, not the system under test. */
export function isMockNode(v: Ev<'verification'>): boolean {
  return v.verifier === 'recipient' && v.mock === true;
}

export function computeKpi2(index: RecordIndex): { result: Kpi2Result; exclusions: Exclusion[] } {
  const { countries } = index;
  const overall = new RateTally(KPI2_TARGET_PERCENT);
  const byVerifier = new TallyMap(KPI2_TARGET_PERCENT, ['hub', 'recipient']);
  const bySender = new TallyMap(KPI2_TARGET_PERCENT, countries);
  const byRecipient = new TallyMap(KPI2_TARGET_PERCENT, countries);
  const byPair = new TallyMap(KPI2_TARGET_PERCENT, orderedPairs(countries).map(([s, r]) => pairKey(s, r)));
  const byCheck = new TallyMap(KPI2_TARGET_PERCENT, KPI2_CHECKS);
  const oracle = new RateTally(KPI2_TARGET_PERCENT);
  const mockNodes = new RateTally(KPI2_TARGET_PERCENT);
  const failures: Kpi2Failure[] = [];
  const excluded = {
    oracle: [] as Exclusion['items'],
    mock: [] as Exclusion['items'],
    bad: [] as Exclusion['items'],
    error: [] as Exclusion['items'],
    noHub: [] as Exclusion['items'],
    notDelivered: [] as Exclusion['items'],
  };

  for (const v of index.verifications) {
    const id = `v${v.seq}`;
    const evidence = { seq: v.seq, caseId: v.caseId, ...(v.exchangeId ? { exchangeId: v.exchangeId } : {}) };
    if (index.caseStatus(v.caseId) === 'error') {
      excluded.error.push({ caseId: v.caseId, seq: v.seq, documentId: v.documentId });
      continue;
    }
    if (v.verifier === 'harness') {
      excluded.oracle.push({ caseId: v.caseId, seq: v.seq, documentId: v.documentId });
      if (v.genuine) oracle.count(kpi2Success(v.checks), evidence, id);
      continue;
    }
    if (isMockNode(v)) {
      excluded.mock.push({ caseId: v.caseId, seq: v.seq, documentId: v.documentId, ...(v.node ? { detail: v.node } : {}) });
      if (v.genuine) mockNodes.count(kpi2Success(v.checks), evidence, id);
      continue;
    }
    if (!v.genuine) {
      excluded.bad.push({ caseId: v.caseId, seq: v.seq, documentId: v.documentId, detail: v.verifier });
      continue;
    }
    const ok = kpi2Success(v.checks);
    const verifier: SutVerifier = v.verifier;
    for (const tally of [overall, byVerifier.get(verifier), bySender.get(v.sender), byRecipient.get(v.recipient), byPair.get(pairKey(v.sender, v.recipient))]) {
      tally.count(ok, evidence, id);
    }
    for (const check of KPI2_CHECKS) byCheck.get(check).count(v.checks[check]?.result === 'passed', evidence, id);
    if (!ok) {
      failures.push({
        id,
        seq: v.seq,
        caseId: v.caseId,
        documentId: v.documentId,
        ...(v.exchangeId ? { exchangeId: v.exchangeId } : {}),
        verifier,
        ...(v.node ? { node: v.node } : {}),
        sender: v.sender,
        recipient: v.recipient,
        checks: KPI2_CHECKS.filter((c) => v.checks[c]?.result !== 'passed').map((check) => ({
          check,
          result: v.checks[check]?.result ?? 'skipped',
          ...(v.checks[check]?.reasonCode ? { reasonCode: v.checks[check]!.reasonCode! } : {}),
        })),
        reasonCodes: v.reasonCodes,
        evidence: documentLinks(index, v.caseId, v.documentId),
      });
    }
  }

  // Genuine documents the system under test never verified: say which and why.
  for (const d of index.documents) {
    if (!d.genuine || index.caseStatus(d.caseId) === 'error') continue;
    const { verifications: mine, exchanges } = index.ofDocument(d.caseId, d.documentId);
    const exchange = exchanges.at(-1);
    const detail = exchange ? exchange.finalStatus : 'no exchange';
    const item = { caseId: d.caseId, seq: d.seq, documentId: d.documentId, ...(exchange ? { exchangeId: exchange.exchangeId } : {}), detail };
    if (!mine.some((v) => v.verifier === 'hub')) excluded.noHub.push(item);
    if (!mine.some((v) => v.verifier === 'recipient')) excluded.notDelivered.push(item);
  }

  // Oracle against the system under test, on the overall verdict of the same document.
  const disagreements: Kpi2Result['disagreements'] = [];
  for (const v of index.verifications) {
    if (v.verifier === 'harness' || isMockNode(v) || index.caseStatus(v.caseId) === 'error') continue;
    const o = index.ofDocument(v.caseId, v.documentId).verifications.find((x) => x.verifier === 'harness');
    if (o && o.valid !== v.valid) {
      disagreements.push({ caseId: v.caseId, documentId: v.documentId, verifier: v.verifier, oracleValid: o.valid, sutValid: v.valid, seqs: [o.seq, v.seq] });
    }
  }

  const exclusions: Exclusion[] = [
    { scope: 'kpi2', reason: 'oracle-verification', items: excluded.oracle },
    { scope: 'kpi2', reason: 'mock-node-verification', items: excluded.mock },
    { scope: 'kpi2', reason: 'bad-document-verification', items: excluded.bad },
    { scope: 'kpi2', reason: 'case-error', items: excluded.error },
    { scope: 'kpi2', reason: 'no-hub-verification', items: excluded.noHub },
    { scope: 'kpi2', reason: 'not-delivered', items: excluded.notDelivered },
  ];
  const pairFigures = byPair.figures();
  return {
    result: {
      targetPercent: KPI2_TARGET_PERCENT,
      checks: KPI2_CHECKS,
      overall: overall.figure(),
      byVerifier: byVerifier.figures() as Kpi2Result['byVerifier'],
      bySender: bySender.figures(),
      byRecipient: byRecipient.figures(),
      byPair: orderedPairs(countries).map(([sender, recipient]) => ({ sender, recipient, figure: pairFigures[pairKey(sender, recipient)]! })),
      byCheck: byCheck.figures() as Record<CheckName, Kpi2Result['overall']>,
      failures,
      oracle: oracle.figure(),
      mockNodes: mockNodes.figure(),
      disagreements,
    },
    exclusions,
  };
}
