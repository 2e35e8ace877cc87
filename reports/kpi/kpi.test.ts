import { describe, expect, it } from 'vitest';
import type { LogEntry } from '../../protocol/hub-contract.ts';
import type { NodeLogEntry } from '../../mock-nodes/log.ts';
import { caseFinished, caseStarted, checks, environmentReady, makeRecord, verification, type EventSpec } from '../testing/hand-made.ts';
import { computeKpis } from './index.ts';

// The KPI maths on hand-made evidence with known answers.

/** n genuine verifications by the hub of UZ -> KG documents, `fail` of which fail the signature check. */
function hubVerifications(n: number, fail: number, opts: { sender?: string; recipient?: string; prefix?: string } = {}): EventSpec[] {
  const out: EventSpec[] = [];
  for (let i = 0; i < n; i++) {
    const id = `${opts.prefix ?? 'C'}${i}`;
    out.push(caseStarted(id, opts.sender ?? 'UZ'));
    out.push(
      verification(id, 'hub', {
        sender: opts.sender ?? 'UZ',
        recipient: opts.recipient ?? 'KG',
        ...(i < fail ? { checks: checks({ signature: ['failed', 'SIGNATURE_INVALID'] }) } : {}),
      }),
    );
    out.push(caseFinished(id, i < fail ? 'failed' : 'passed'));
  }
  return out;
}

describe('KPI-2 verification success rate', () => {
  it('has no data with a zero denominator: no rate, no interval, no verdict (never 0 % or 100 %)', () => {
    const r = computeKpis(makeRecord([caseStarted('A'), verification('A', 'harness'), caseFinished('A')]));
    expect(r.kpi2.overall).toMatchObject({ numerator: 0, denominator: 0, rate: null, interval: null, targetMet: null });
    expect(r.kpi2.bySender.UZ).toMatchObject({ denominator: 0, rate: null, targetMet: null });
    expect(r.verdict.kpi2).toBe('no-data');
    expect(r.verdict.overall).toBe('no-data');
  });

  it('meets the target at exactly 95 % (19 of 20)', () => {
    const r = computeKpis(makeRecord(hubVerifications(20, 1)));
    expect(r.kpi2.overall).toMatchObject({ numerator: 19, denominator: 20, rate: 0.95, targetMet: true });
    expect(r.kpi2.overall.interval!.low).toBeCloseTo(0.7639, 3);
    expect(r.kpi2.overall.interval!.high).toBeCloseTo(0.9911, 3);
    expect(r.kpi2.overall.lowerBoundMet).toBe(false);
    expect(r.verdict.kpi2).toBe('pass');
  });

  it('misses the target at 18 of 20, and at 0 of n when everything fails', () => {
    expect(computeKpis(makeRecord(hubVerifications(20, 2))).kpi2.overall).toMatchObject({ numerator: 18, denominator: 20, rate: 0.9, targetMet: false });
    const all = computeKpis(makeRecord(hubVerifications(7, 7)));
    expect(all.kpi2.overall).toMatchObject({ numerator: 0, denominator: 7, rate: 0, targetMet: false });
    expect(all.kpi2.overall.interval!.low).toBe(0);
    expect(all.kpi2.failures).toHaveLength(7);
    expect(all.kpi2.byCheck.signature).toMatchObject({ numerator: 0, denominator: 7 });
    expect(all.kpi2.byCheck.publicKey).toMatchObject({ numerator: 7, denominator: 7 });
    expect(all.verdict.overall).toBe('fail');
  });

  it('is not green for a run stopped before its end, even when what ran passed', () => {
    const stopped = makeRecord([...hubVerifications(20, 0), caseStarted('C1'), caseFinished('C1', 'passed')], { finished: false });
    expect(computeKpis(stopped).verdict.overall).toBe('no-data');
  });

  it('is not green while any case failed, even with every KPI met; nor with hub answers off the contract', () => {
    const good = hubVerifications(20, 0);
    expect(computeKpis(makeRecord([...good, caseStarted('C1'), caseFinished('C1', 'passed')])).verdict.overall).toBe('pass');
    const failed = computeKpis(makeRecord([...good, caseStarted('C1'), caseFinished('C1', 'failed')]));
    expect(failed.verdict).toMatchObject({ overall: 'fail', kpi2: 'pass' });
    const record = makeRecord([...good, caseStarted('C1'), caseFinished('C1', 'passed')]);
    record.results = { contract: { checked: 40, violations: 1, unattributed: [{ request: 'GET /v1/version', status: 200, errors: ['body: must have required property contractVersion'], seq: 3 }] } } as never;
    expect(computeKpis(record).verdict.overall).toBe('fail');
  });

  it('counts only hub and recipient verifications of genuine documents; the harness is the oracle', () => {
    const r = computeKpis(
      makeRecord([
        caseStarted('A'),
        verification('A', 'harness'),
        verification('A', 'hub'),
        verification('A', 'recipient'),
        caseFinished('A'),
        caseStarted('B', 'UZ', 'bad-signature'),
        verification('B', 'harness', { genuine: false, checks: checks({ fileIntegrity: ['failed', 'MESSAGE_DIGEST_MISMATCH'] }) }),
        verification('B', 'hub', { genuine: false, checks: checks({ fileIntegrity: ['failed', 'MESSAGE_DIGEST_MISMATCH'] }) }),
        caseFinished('B'),
      ]),
    );
    expect(r.kpi2.overall).toMatchObject({ numerator: 2, denominator: 2 });
    expect(r.kpi2.overall.trace.seqs).toEqual([4, 5]);
    expect(r.kpi2.oracle).toMatchObject({ numerator: 1, denominator: 1 });
    expect(r.kpi2.byVerifier.hub).toMatchObject({ numerator: 1, denominator: 1 });
    expect(r.kpi2.byVerifier.recipient).toMatchObject({ numerator: 1, denominator: 1 });
    const reasons = r.exclusions.filter((e) => e.scope === 'kpi2').map((e) => [e.reason, e.items.map((i) => i.seq)]);
    expect(reasons).toEqual([
      ['oracle-verification', [3, 8]],
      ['bad-document-verification', [9]],
    ]);
  });

  it('ignores validity (not a KPI-2 check) and counts a skipped KPI-2 check as not verified', () => {
    const r = computeKpis(
      makeRecord([
        caseStarted('A'),
        verification('A', 'hub', { checks: checks({ validity: ['failed', 'DOCUMENT_EXPIRED'] }) }),
        verification('A', 'recipient', { checks: checks({ metadataIntegrity: 'skipped' }) }),
        caseFinished('A'),
      ]),
    );
    expect(r.kpi2.overall).toMatchObject({ numerator: 1, denominator: 2 });
    expect(r.kpi2.failures).toHaveLength(1);
    expect(r.kpi2.failures[0]).toMatchObject({ verifier: 'recipient', checks: [{ check: 'metadataIntegrity', result: 'skipped' }] });
    expect(r.kpi2.byCheck.metadataIntegrity).toMatchObject({ numerator: 1, denominator: 2, misses: [r.kpi2.failures[0]!.id] });
  });

  it('splits by sender, recipient, ordered pair and check, with the evidence of each', () => {
    const r = computeKpis(
      makeRecord([...hubVerifications(4, 1, { sender: 'UZ', recipient: 'KG', prefix: 'U' }), ...hubVerifications(3, 0, { sender: 'KG', recipient: 'UZ', prefix: 'K' })]),
    );
    expect(r.kpi2.bySender.UZ).toMatchObject({ numerator: 3, denominator: 4 });
    expect(r.kpi2.bySender.KG).toMatchObject({ numerator: 3, denominator: 3 });
    expect(r.kpi2.byRecipient.KG).toMatchObject({ numerator: 3, denominator: 4 });
    expect(r.kpi2.byRecipient.UZ).toMatchObject({ numerator: 3, denominator: 3 });
    expect(r.kpi2.byPair.map((p) => [p.sender, p.recipient, p.figure.numerator, p.figure.denominator])).toEqual([
      ['UZ', 'KG', 3, 4],
      ['KG', 'UZ', 3, 3],
    ]);
    expect(r.kpi2.byCheck.signature).toMatchObject({ numerator: 6, denominator: 7 });
    expect(r.kpi2.bySender.UZ!.trace.caseIds).toEqual(['U0', 'U1', 'U2', 'U3']);
    expect(r.kpi2.bySender.UZ!.misses).toEqual(['v3']);
    expect(r.kpi2.failures[0]).toMatchObject({ id: 'v3', caseId: 'U0', checks: [{ check: 'signature', result: 'failed', reasonCode: 'SIGNATURE_INVALID' }] });
  });

  it('leaves out cases that ended in a harness error, and says so', () => {
    const r = computeKpis(makeRecord([caseStarted('A'), verification('A', 'hub', { checks: checks({ signature: 'failed' }) }), caseFinished('A', 'error')]));
    expect(r.kpi2.overall.denominator).toBe(0);
    expect(r.exclusions.find((e) => e.scope === 'kpi2' && e.reason === 'case-error')!.items).toEqual([{ caseId: 'A', seq: 3, documentId: 'A-doc' }]);
  });

  it('lists oracle disagreements', () => {
    const r = computeKpis(
      makeRecord([caseStarted('A'), verification('A', 'harness'), verification('A', 'hub', { checks: checks({ publicKey: ['indeterminate', 'SIGNER_NOT_REGISTERED'] }) }), caseFinished('A', 'failed')]),
    );
    expect(r.kpi2.disagreements).toEqual([{ caseId: 'A', documentId: 'A-doc', verifier: 'hub', oracleValid: true, sutValid: false, seqs: [3, 4] }]);
  });
});

/** A bad-document case: document, hub verification with `hubReasons` (none = accepted), exchange. */
function badCase(id: string, variant: string, expected: string | null, hubReasons: string[] | 'none', opts: { status?: 'passed' | 'failed' | 'error'; sender?: string } = {}): EventSpec[] {
  const accepted = hubReasons !== 'none' && hubReasons.length === 0;
  const exchangeId = `x-${id}`;
  return [
    caseStarted(id, opts.sender ?? 'UZ', 'bad-signature'),
    {
      type: 'document',
      caseId: id,
      documentId: `${id}-doc`,
      sender: opts.sender ?? 'UZ',
      recipient: 'KG',
      documentType: 'coc',
      hsCode: '081310',
      genuine: false,
      variant,
      sha256: 'x',
      size: 1,
      issuedAt: '2026-01-01T00:00:00.000Z',
      file: `documents/${id}/${id}-doc.pdf`,
    },
    ...(hubReasons === 'none'
      ? []
      : [
          verification(id, 'hub', {
            genuine: false,
            documentId: `${id}-doc`,
            exchangeId,
            checks: accepted ? checks() : checks({ signature: ['failed', hubReasons[0]!] }),
          }),
          {
            type: 'exchange',
            caseId: id,
            exchangeId,
            sender: opts.sender ?? 'UZ',
            recipient: 'KG',
            documentId: `${id}-doc`,
            channel: 'api',
            genuine: false,
            finalStatus: accepted ? 'Refused' : 'Rejected',
            timeline: accepted
              ? [
                  { status: 'Received', at: '2026-01-01T00:00:01.000Z' },
                  { status: 'Verified', at: '2026-01-01T00:00:02.000Z' },
                  { status: 'Delivered', at: '2026-01-01T00:00:03.000Z' },
                  { status: 'Refused', at: '2026-01-01T00:00:04.000Z' },
                ]
              : [
                  { status: 'Received', at: '2026-01-01T00:00:01.000Z' },
                  { status: 'Rejected', at: '2026-01-01T00:00:02.000Z', reasonCodes: hubReasons },
                ],
            issuedAt: '2026-01-01T00:00:00.000Z',
            ...(accepted ? { decision: 'refused' as const, decidedAt: '2026-01-01T00:00:04.000Z' } : {}),
            deliveryAttempts: accepted ? 1 : 0,
            hubLogHashes: [],
          } as EventSpec,
        ]),
    caseFinished(id, opts.status ?? 'passed', expected ? { hub: { status: 'Rejected', reasonCode: expected } } : {}),
  ];
}

describe('detection rate and false accepts', () => {
  it('counts correct rejections, false accepts and wrong reasons separately', () => {
    const r = computeKpis(
      makeRecord([
        ...badCase('S1', 'byte-flip', 'MESSAGE_DIGEST_MISMATCH', ['MESSAGE_DIGEST_MISMATCH']),
        ...badCase('S2', 'revoked-key', 'SIGNER_REVOKED', ['SIGNER_REVOKED', 'DOCUMENT_EXPIRED']),
        ...badCase('S3', 'corrupted-cms', 'SIGNATURE_INVALID', [], { status: 'failed' }),
        ...badCase('S4', 'weak-key', 'WEAK_ALGORITHM', ['SIGNATURE_INVALID'], { status: 'failed', sender: 'KG' }),
        ...badCase('S5', 'byte-flip', 'MESSAGE_DIGEST_MISMATCH', 'none'),
        ...badCase('S6', 'byte-flip', 'MESSAGE_DIGEST_MISMATCH', [], { status: 'error' }),
      ]),
    );
    const d = r.detection;
    // S5 got no hub verdict: not detected, and in the denominator (the rate is over bad documents sent).
    expect(d.rate).toMatchObject({ numerator: 2, denominator: 5, rate: 0.4, targetMet: false });
    expect(d.falseAccepts.map((x) => [x.caseId, x.hubStatus, x.recipientDecision])).toEqual([['S3', 'Refused', 'refused']]);
    expect(d.wrongReasons.map((x) => [x.caseId, x.hubReasons, x.expectedReasons])).toEqual([['S4', ['SIGNATURE_INVALID'], ['WEAK_ALGORITHM']]]);
    expect(d.byVariant['byte-flip']).toMatchObject({ numerator: 1, denominator: 2 });
    expect(d.bySender.KG).toMatchObject({ numerator: 0, denominator: 1 });
    expect(d.documents.find((x) => x.caseId === 'S5')!.outcome).toBe('no-verdict');
    const excl = r.exclusions.filter((e) => e.scope === 'detection').map((e) => [e.reason, e.items.map((i) => i.caseId)]);
    expect(excl).toEqual([['case-error', ['S6']]]);
    expect(d.rate.misses).toContain(d.documents.find((x) => x.caseId === 'S5')!.id);
    expect(r.verdict).toMatchObject({ detection: 'fail', falseAccepts: 1 });
  });

  it('is 100 % when every bad document is rejected with the expected reason, and a single false accept fails the verdict', () => {
    const clean = computeKpis(makeRecord([...hubVerifications(3, 0), ...badCase('S1', 'byte-flip', 'MESSAGE_DIGEST_MISMATCH', ['MESSAGE_DIGEST_MISMATCH'])]));
    expect(clean.detection.rate).toMatchObject({ numerator: 1, denominator: 1, rate: 1, targetMet: true });
    expect(clean.verdict).toEqual({ overall: 'pass', kpi2: 'pass', detection: 'pass', falseAccepts: 0 });
    const dirty = computeKpis(makeRecord([...hubVerifications(3, 0), ...badCase('S1', 'byte-flip', 'MESSAGE_DIGEST_MISMATCH', [])]));
    expect(dirty.verdict).toEqual({ overall: 'fail', kpi2: 'pass', detection: 'fail', falseAccepts: 1 });
  });

  it('has no detection figure when no bad document was sent (a pilot), without blocking the KPI-2 verdict', () => {
    const r = computeKpis(makeRecord(hubVerifications(3, 0)));
    expect(r.detection.rate).toMatchObject({ denominator: 0, rate: null, targetMet: null });
    expect(r.verdict).toEqual({ overall: 'pass', kpi2: 'pass', detection: 'no-data', falseAccepts: 0 });
  });
});

function logEntry(seq: number, exchangeId: string, type: string, data: Record<string, unknown> = {}): LogEntry {
  return { seq, at: '2026-01-01T00:00:00.000Z', type, actor: 'hub', exchangeId, data, prevHash: `h${seq - 1}`, hash: `h${seq}` };
}

function exchangeEvent(id: string, sender: string, recipient: string, opts: { status?: 'Accepted' | 'Rejected' | 'FailedDelivery'; hashes?: string[]; issuedAt?: string; decidedAt?: string; genuine?: boolean } = {}): EventSpec {
  const status = opts.status ?? 'Accepted';
  const delivered = status === 'Accepted';
  return {
    type: 'exchange',
    caseId: `case-${id}`,
    exchangeId: id,
    sender,
    recipient,
    documentId: `doc-${id}`,
    channel: 'api',
    genuine: opts.genuine ?? true,
    finalStatus: status,
    timeline: [{ status: 'Received', at: '2026-01-01T00:00:00.000Z' }, ...(delivered ? [{ status: 'Delivered' as const, at: '2026-01-01T00:00:01.000Z' }] : []), { status, at: '2026-01-01T00:00:02.000Z' }],
    issuedAt: opts.issuedAt ?? '2026-01-01T00:00:00.000Z',
    ...(delivered ? { decision: 'accepted' as const, decidedAt: opts.decidedAt ?? '2026-01-01T00:10:00.000Z' } : {}),
    deliveryAttempts: 1,
    hubLogHashes: opts.hashes ?? [],
  };
}

function nodeEntry(seq: number, node: string, type: NodeLogEntry['type'], exchangeId: string, data: Record<string, unknown> = {}): NodeLogEntry {
  return { seq, at: '2026-01-01T00:00:00.000Z', node, type, exchangeId, data };
}

describe('KPI-1 exchanges and the pair matrix', () => {
  it('counts exchanges per ordered pair from the hub log, against 60 overall and 10 per pair', () => {
    const log: LogEntry[] = [];
    const events: EventSpec[] = [];
    let seq = 0;
    const add = (id: string, s: string, r: string): void => {
      log.push(logEntry(++seq, id, 'exchange.received', { sender: s, recipient: r }));
      events.push(exchangeEvent(id, s, r, { hashes: [`h${seq}`] }));
    };
    for (let i = 0; i < 12; i++) add(`a${i}`, 'UZ', 'KG');
    for (let i = 0; i < 3; i++) add(`b${i}`, 'KG', 'UZ');
    for (let i = 0; i < 2; i++) add(`c${i}`, 'UZ', 'AZ');
    const r = computeKpis(makeRecord(events, { info: { countries: ['UZ', 'KG', 'AZ'] }, hubExchangeLog: log }));
    expect(r.kpi1.source).toBe('hub-log');
    expect(r.kpi1.total).toMatchObject({ count: 17, target: 60, met: false });
    expect(r.kpi1.byPair.map((p) => `${p.sender}-${p.recipient}:${p.figure.count}:${p.figure.met}`)).toEqual([
      'UZ-KG:12:true',
      'UZ-AZ:2:false',
      'KG-UZ:3:false',
      'KG-AZ:0:false',
      'AZ-UZ:0:false',
      'AZ-KG:0:false',
    ]);
    expect(r.kpi1.pairsMet).toBe(1);
    expect(r.kpi1.byPair[0]!.figure.trace.logHashes).toHaveLength(12);
    expect(r.kpi1.disagreements).toEqual([]);
  });

  it('lists every disagreement between the hub log, the evidence and the node logs', () => {
    const log = [logEntry(1, 'x1', 'exchange.received', { sender: 'UZ', recipient: 'KG' }), logEntry(2, 'x2', 'exchange.received', { sender: 'UZ', recipient: 'KG' })];
    const events = [exchangeEvent('x1', 'UZ', 'KG', { hashes: ['h1', 'h-forged'] }), exchangeEvent('x3', 'UZ', 'KG')];
    const nodeLogs = {
      UZ: [nodeEntry(1, 'UZ', 'sent', 'x1'), nodeEntry(2, 'UZ', 'sent', 'x2')],
      KG: [nodeEntry(1, 'KG', 'decided', 'x1'), nodeEntry(2, 'KG', 'decided', 'x1')],
    };
    const r = computeKpis(makeRecord(events, { hubExchangeLog: log, nodeLogs }));
    const kinds = r.kpi1.disagreements.map((d) => `${d.kind}:${d.exchangeId ?? ''}`).sort();
    expect(kinds).toEqual(['decided-twice:x1', 'hash-not-in-hub-log:x1', 'not-in-evidence:x2', 'not-in-hub-log:x3', 'not-in-recipient-log:x1']);
    expect(r.kpi1.total.count).toBe(2);
  });

  it('counts from the evidence when the hub log was not exported, and says so', () => {
    const r = computeKpis(makeRecord([exchangeEvent('x1', 'UZ', 'KG'), exchangeEvent('x2', 'KG', 'UZ', { status: 'Rejected' })]));
    expect(r.kpi1.source).toBe('evidence');
    expect(r.kpi1.total.count).toBe(2);
    expect(r.kpi1.byStatus).toEqual({ Accepted: 1, Rejected: 1 });
  });
});

describe('KPI-3 processing time', () => {
  const at = (min: number): string => new Date(Date.UTC(2026, 0, 1, 0, min)).toISOString();

  it('gives median and p95 per pair and the reduction against the baseline', () => {
    const minutes = [10, 20, 30, 40, 100];
    const events = minutes.map((m, i) => exchangeEvent(`x${i}`, 'UZ', 'KG', { issuedAt: at(0), decidedAt: at(m) }));
    events.push(exchangeEvent('y', 'KG', 'UZ', { issuedAt: at(0), decidedAt: at(50) }));
    events.push(exchangeEvent('z', 'KG', 'UZ', { status: 'FailedDelivery' }));
    events.push(exchangeEvent('bad', 'KG', 'UZ', { status: 'Rejected', genuine: false }));
    const r = computeKpis(makeRecord(events, { info: { kpi3Baseline: { overallMs: 60 * 60_000, perPairMs: { 'KG-UZ': 50 * 60_000 } } } }));
    const uzkg = r.kpi3.byPair.find((p) => p.sender === 'UZ')!.figure;
    expect(uzkg).toMatchObject({ n: 5, medianMs: 30 * 60_000, p95Ms: 100 * 60_000, minMs: 10 * 60_000, maxMs: 100 * 60_000, baselineMs: 60 * 60_000 });
    expect(uzkg.reduction).toBeCloseTo(0.5, 10);
    expect(uzkg.targetMet).toBe(true);
    const kguz = r.kpi3.byPair.find((p) => p.sender === 'KG')!.figure;
    expect(kguz).toMatchObject({ n: 1, medianMs: 50 * 60_000, baselineMs: 50 * 60_000, reduction: 0, targetMet: false });
    expect(r.kpi3.overall).toMatchObject({ n: 6, medianMs: 35 * 60_000 });
    expect(r.exclusions.filter((e) => e.scope === 'kpi3').map((e) => [e.reason, e.items.map((i) => i.exchangeId)])).toEqual([
      ['no-decision', ['z']],
      ['bad-document-exchange', ['bad']],
    ]);
  });

  it('meets the 30 % target exactly at 30 %, and has no reduction without a baseline', () => {
    const r = computeKpis(makeRecord([exchangeEvent('x', 'UZ', 'KG', { issuedAt: at(0), decidedAt: at(70) })], { info: { kpi3Baseline: { overallMs: 100 * 60_000 } } }));
    expect(r.kpi3.overall).toMatchObject({ targetMet: true });
    expect(r.kpi3.overall.reduction).toBeCloseTo(0.3, 10);
    const none = computeKpis(makeRecord([exchangeEvent('x', 'UZ', 'KG', { issuedAt: at(0), decidedAt: at(70) })]));
    expect(none.kpi3.overall).toMatchObject({ baselineMs: null, reduction: null, targetMet: null });
    expect(none.kpi3.simulated).toBe(true);
  });
});

describe('cases per country', () => {
  it('counts run, passed, failed, skipped, error and unfinished, and states skips with their reason', () => {
    const r = computeKpis(
      makeRecord([
        caseStarted('A', 'UZ'),
        caseFinished('A', 'passed'),
        caseStarted('B', 'UZ', 'expired-document'),
        { type: 'case-finished', caseId: 'B', status: 'skipped', durationMs: 0, expected: {}, observed: {}, exchangeIds: [], skipReason: 'needs test-clock' },
        caseStarted('C', 'KG', 'connection-failure'),
        { type: 'case-finished', caseId: 'C', status: 'failed', durationMs: 0, expected: {}, observed: {}, exchangeIds: [], severity: 'lost-exchange', attribution: 'hub', message: 'lost' },
        caseStarted('D', 'KG'),
      ]),
    );
    expect(r.cases.totals).toEqual({ total: 4, passed: 1, failed: 1, skipped: 1, error: 0, unfinished: 1, notRun: 0 });
    expect(r.cases.byCountry.UZ!.byCategory['expired-document']).toMatchObject({ total: 1, skipped: 1 });
    expect(r.cases.byCountry.KG!.cases.map((c) => [c.id, c.status, c.attribution])).toEqual([
      ['C', 'failed', 'hub'],
      ['D', 'unfinished', undefined],
    ]);
    expect(r.exclusions.find((e) => e.reason === 'case-skipped')!.items).toEqual([{ caseId: 'B', seq: 5, detail: 'needs test-clock' }]);
  });
});

describe('cases known only from results.json', () => {
  it('lists a case skipped before it started, with its reason, and does not call the record damaged', () => {
    const record = makeRecord([caseStarted('A'), caseFinished('A', 'passed')]);
    const base = { country: 'KG', category: 'standard' as const, title: { en: 'B', ru: 'B' }, requirement: 'C.3', tags: [], expected: {}, observed: {}, durationMs: 0, exchangeIds: [], attachments: [] };
    record.results = {
      format: 'ecert-results/1',
      run: record.info,
      cases: [
        { ...base, id: 'A', country: 'UZ', status: 'passed', evidence: { firstSeq: 2, lastSeq: 3 } },
        { ...base, id: 'B', status: 'skipped', skipReason: 'the hub lacks capability test-clock', evidence: { firstSeq: 0, lastSeq: 0 } },
      ],
      summary: { total: 2, passed: 1, failed: 0, skipped: 1, error: 0, byCountry: {}, byCategory: {} as never, byCountryCategory: {}, falseAccepts: 0, durationMs: 0 },
    };
    const r = computeKpis(record);
    expect(r.cases.totals).toMatchObject({ total: 2, passed: 1, skipped: 1 });
    expect(r.cases.byCountry.KG!.cases[0]).toMatchObject({ id: 'B', status: 'skipped', skipReason: 'the hub lacks capability test-clock' });
    expect(r.exclusions.find((e) => e.reason === 'case-skipped')!.items).toEqual([{ caseId: 'B', detail: 'the hub lacks capability test-clock' }]);
  });
});

// ---------------------------------------------------------------------------------------------
// Review findings (each test failed before its fix)

describe('KPI-2 measures the system under test only', () => {
  it('leaves out the mock nodes’ verifications (the harness’s own verifier), reports them apart and says why', () => {
    const r = computeKpis(
      makeRecord([
        caseStarted('A'),
        verification('A', 'harness'),
        verification('A', 'hub'),
        // a mock node failing a genuine document is the harness's verifier failing, not the hub
        verification('A', 'recipient', { mock: true, checks: checks({ signature: ['failed', 'SIGNATURE_INVALID'] }) }),
        caseFinished('A'),
        caseStarted('B', 'KG'),
        verification('B', 'hub', { sender: 'KG', recipient: 'UZ' }),
        verification('B', 'recipient', { sender: 'KG', recipient: 'UZ', mock: true }),
        caseFinished('B'),
      ]),
    );
    // Each genuine document counted once, by the hub; before, 3 of 4 with the mock nodes in.
    expect(r.kpi2.overall).toMatchObject({ numerator: 2, denominator: 2, rate: 1 });
    expect(r.kpi2.failures).toEqual([]);
    expect(r.kpi2.byVerifier.recipient).toMatchObject({ denominator: 0, rate: null });
    expect(r.kpi2.mockNodes).toMatchObject({ numerator: 1, denominator: 2 });
    expect(r.kpi2.mockNodes.trace.seqs).toEqual([5, 9]);
    // "As recipient": the hub's verifications of the documents addressed to the country.
    expect(r.kpi2.byRecipient.KG).toMatchObject({ numerator: 1, denominator: 1 });
    expect(r.kpi2.byRecipient.KG!.trace.seqs).toEqual([4]);
    expect(r.kpi2.byRecipient.UZ!.trace.seqs).toEqual([8]);
    const mock = r.exclusions.find((e) => e.scope === 'kpi2' && e.reason === 'mock-node-verification');
    expect(mock!.items.map((i) => [i.seq, i.detail])).toEqual([
      [5, 'KG'],
      [9, 'UZ'],
    ]);
    // The mock node's verdict is not a disagreement of the system under test with the oracle.
    expect(r.kpi2.disagreements).toEqual([]);
  });

  it('counts a real national node’s verification as the recipient’s', () => {
    const r = computeKpis(makeRecord([caseStarted('A'), verification('A', 'hub'), verification('A', 'recipient', { mock: false, checks: checks({ publicKey: ['failed', 'SIGNER_NOT_REGISTERED'] }) }), caseFinished('A', 'failed')]));
    expect(r.kpi2.overall).toMatchObject({ numerator: 1, denominator: 2 });
    expect(r.kpi2.byVerifier.recipient).toMatchObject({ numerator: 0, denominator: 1 });
    expect(r.kpi2.failures.map((f) => [f.verifier, f.node])).toEqual([['recipient', 'KG']]);
  });
});

describe('KPI-3 leaves out exchanges whose case moved the hub’s clock', () => {
  it('excludes them with the shift, so a +48 h jump does not read as two days of processing', () => {
    const at = (min: number): string => new Date(Date.UTC(2026, 0, 1, 0, min)).toISOString();
    const shifted = { ...exchangeEvent('jump', 'UZ', 'KG', { issuedAt: at(0), decidedAt: at(48 * 60 + 2) }), clockShiftedMs: 48 * 3_600_000 } as EventSpec;
    const r = computeKpis(makeRecord([exchangeEvent('x1', 'UZ', 'KG', { issuedAt: at(0), decidedAt: at(10) }), exchangeEvent('x2', 'UZ', 'KG', { issuedAt: at(0), decidedAt: at(20) }), shifted]));
    expect(r.kpi3.overall).toMatchObject({ n: 2, medianMs: 15 * 60_000, p95Ms: 20 * 60_000, maxMs: 20 * 60_000 });
    expect(r.kpi3.overall.trace.exchangeIds).toEqual(['x1', 'x2']);
    const excl = r.exclusions.find((e) => e.scope === 'kpi3' && e.reason === 'clock-shifted');
    expect(excl!.items).toEqual([{ caseId: 'case-jump', seq: 4, exchangeId: 'jump', documentId: 'doc-jump', durationMs: 48 * 3_600_000 }]);
  });
});

describe('KPI-1 against a hub that keeps history', () => {
  it('counts only the exchanges that began after hubLogStart.exchange, and cross-checks only those', () => {
    const log: LogEntry[] = [
      logEntry(1, 'old1', 'exchange.received', { sender: 'UZ', recipient: 'KG' }),
      logEntry(2, 'old2', 'exchange.received', { sender: 'KG', recipient: 'UZ' }),
      logEntry(3, 'old1', 'exchange.decided'),
      logEntry(4, 'x1', 'exchange.received', { sender: 'UZ', recipient: 'KG' }),
      // an older exchange touched during the run (a purge) is still history
      logEntry(5, 'old2', 'exchange.purged'),
      logEntry(6, 'x1', 'exchange.decided'),
    ];
    const r = computeKpis(makeRecord([environmentReady({ hubLogStart: { exchange: 3, audit: 7 } }), exchangeEvent('x1', 'UZ', 'KG', { hashes: ['h4', 'h6'] })], { hubExchangeLog: log }));
    expect(r.kpi1.total.count).toBe(1);
    expect(r.kpi1.byPair.map((p) => [p.sender, p.recipient, p.figure.count])).toEqual([
      ['UZ', 'KG', 1],
      ['KG', 'UZ', 0],
    ]);
    expect(r.kpi1.total.trace.logHashes).toEqual(['h4', 'h6']);
    expect(r.kpi1.disagreements).toEqual([]);
    expect(r.kpi1.logStart).toEqual({ afterSeq: 3, earlier: 2, seq: 2 });
    // Without hubLogStart (the embedded hub starts empty) every exchange of the log is counted.
    const all = computeKpis(makeRecord([exchangeEvent('x1', 'UZ', 'KG', { hashes: ['h4', 'h6'] })], { hubExchangeLog: log }));
    expect(all.kpi1.total.count).toBe(3);
    expect(all.kpi1.logStart).toBeUndefined();
  });
});

describe('pilot verdict includes KPI-1', () => {
  const exchanges = (n: number): EventSpec[] => Array.from({ length: n }, (_, i) => exchangeEvent(`x${i}`, i % 2 ? 'KG' : 'UZ', i % 2 ? 'UZ' : 'KG'));

  it('fails a pilot run below 60 exchanges or 10 per pair, whatever KPI-2 says', () => {
    const r = computeKpis(makeRecord([...hubVerifications(20, 0), ...exchanges(20)], { info: { kind: 'pilot' } }));
    expect(r.verdict).toEqual({ overall: 'fail', kpi2: 'pass', detection: 'no-data', kpi1: 'fail', falseAccepts: 0 });
    // 60 in total but one pair short of 10: still not met.
    const lopsided = [...Array.from({ length: 55 }, (_, i) => exchangeEvent(`u${i}`, 'UZ', 'KG')), ...Array.from({ length: 9 }, (_, i) => exchangeEvent(`k${i}`, 'KG', 'UZ'))];
    expect(computeKpis(makeRecord([...hubVerifications(20, 0), ...lopsided], { info: { kind: 'pilot' } })).verdict).toMatchObject({ overall: 'fail', kpi1: 'fail' });
  });

  it('passes a pilot run that meets both, and leaves KPI-1 out of a catalog run’s verdict', () => {
    const pilot = computeKpis(makeRecord([...hubVerifications(20, 0), ...exchanges(60)], { info: { kind: 'pilot' } }));
    expect(pilot.verdict).toEqual({ overall: 'pass', kpi2: 'pass', detection: 'no-data', kpi1: 'pass', falseAccepts: 0 });
    const catalog = computeKpis(makeRecord([...hubVerifications(20, 0), ...exchanges(20)]));
    expect(catalog.verdict).toEqual({ overall: 'pass', kpi2: 'pass', detection: 'no-data', falseAccepts: 0 });
  });
});

describe('one notion of false accept, and detection over bad documents sent', () => {
  it('counts a bad document the hub rejected and then delivered as a false accept, as the oracle does', () => {
    const events = badCase('S1', 'byte-flip', 'MESSAGE_DIGEST_MISMATCH', ['MESSAGE_DIGEST_MISMATCH'], { status: 'failed' });
    const exchange = events.find((e) => e.type === 'exchange') as Extract<EventSpec, { type: 'exchange' }>;
    exchange.timeline.push({ status: 'Delivered', at: '2026-01-01T00:00:03.000Z' });
    const r = computeKpis(makeRecord(events));
    expect(r.detection.documents[0]!.outcome).toBe('delivered-despite-rejection');
    expect(r.detection.falseAccepts.map((d) => d.caseId)).toEqual(['S1']);
    expect(r.detection.rate).toMatchObject({ numerator: 0, denominator: 1 });
    expect(r.verdict).toMatchObject({ overall: 'fail', detection: 'fail', falseAccepts: 1 });
  });

  it('takes any sign of delivery: the recipient’s log, its verification, or the oracle’s finding', () => {
    const viaLog = computeKpis(makeRecord(badCase('S1', 'byte-flip', 'MESSAGE_DIGEST_MISMATCH', ['MESSAGE_DIGEST_MISMATCH']), { nodeLogs: { KG: [nodeEntry(1, 'KG', 'received', 'x-S1', { taken: true })] } }));
    expect(viaLog.detection.falseAccepts.map((d) => d.outcome)).toEqual(['delivered-despite-rejection']);
    const viaVerification = badCase('S2', 'byte-flip', 'MESSAGE_DIGEST_MISMATCH', ['MESSAGE_DIGEST_MISMATCH']);
    viaVerification.splice(-1, 0, verification('S2', 'recipient', { genuine: false, documentId: 'S2-doc', mock: true, checks: checks({ fileIntegrity: ['failed', 'MESSAGE_DIGEST_MISMATCH'] }) }));
    expect(computeKpis(makeRecord(viaVerification)).detection.falseAccepts).toHaveLength(1);
    const viaFinding = badCase('S3', 'byte-flip', 'MESSAGE_DIGEST_MISMATCH', ['MESSAGE_DIGEST_MISMATCH']);
    viaFinding[viaFinding.length - 1] = caseFinished('S3', 'failed', { hub: { status: 'Rejected', reasonCode: 'MESSAGE_DIGEST_MISMATCH' } }, {
      findings: [{ code: 'DELIVERED_DESPITE_REJECTION', severity: 'false-accept', attribution: 'hub', message: 'the recipient received the document 1 time(s) although it must never reach it', params: { deliveries: 1 } }],
    });
    expect(computeKpis(makeRecord(viaFinding)).detection.falseAccepts.map((d) => d.caseId)).toEqual(['S3']);
  });

  it('keeps a bad document whose submission failed with an HTTP error in the denominator, as not detected, with the reason', () => {
    const events: EventSpec[] = [
      ...badCase('S1', 'byte-flip', 'MESSAGE_DIGEST_MISMATCH', ['MESSAGE_DIGEST_MISMATCH']),
      ...badCase('S2', 'corrupted-cms', 'SIGNATURE_INVALID', 'none').slice(0, -1),
      { type: 'hub-response', caseId: 'S2', request: 'submit', status: 422, code: 'NOT_A_PDF', file: 'hub-responses/S2/01-submit.json' },
      caseFinished('S2', 'failed', { hub: { status: 'Rejected', reasonCode: 'SIGNATURE_INVALID' } }, {
        findings: [{ code: 'LOST_EXCHANGE', severity: 'lost-exchange', attribution: 'hub', message: 'the hub holds no exchange for the submitted document', params: {} }],
      }),
    ];
    const r = computeKpis(makeRecord(events));
    expect(r.detection.rate).toMatchObject({ numerator: 1, denominator: 2, targetMet: false });
    const s2 = r.detection.documents.find((d) => d.caseId === 'S2')!;
    expect(s2.outcome).toBe('no-verdict');
    expect(s2.noVerdictReason).toMatchObject({ httpStatus: 422, code: 'NOT_A_PDF', finding: { code: 'LOST_EXCHANGE' } });
    expect(r.detection.rate.misses).toEqual([s2.id]);
    expect(r.exclusions.filter((e) => e.scope === 'detection')).toEqual([]);
    expect(r.verdict).toMatchObject({ detection: 'fail', falseAccepts: 0 });
  });

  it('leaves out a bad document of a case the stopped run never finished, and says so', () => {
    const r = computeKpis(makeRecord(badCase('S1', 'byte-flip', 'MESSAGE_DIGEST_MISMATCH', 'none').slice(0, -1), { finished: false }));
    expect(r.detection.rate.denominator).toBe(0);
    expect(r.exclusions.find((e) => e.scope === 'detection' && e.reason === 'case-unfinished')!.items.map((i) => i.caseId)).toEqual(['S1']);
  });
});

describe('an interrupted run counts every case', () => {
  it('counts the cases that never finished and those never run, instead of nowhere', () => {
    const record = makeRecord([caseStarted('A'), caseFinished('A', 'passed'), caseStarted('B'), caseStarted('C', 'KG')], { finished: false });
    const base = { country: 'KG', category: 'standard' as const, title: { en: 'D', ru: 'D' }, requirement: 'C.3', tags: [], expected: {}, observed: {}, durationMs: 0, exchangeIds: [], attachments: [] };
    record.results = {
      format: 'ecert-results/1',
      run: record.info,
      interrupted: true,
      cases: [
        { ...base, id: 'D', status: 'skipped', skipReason: 'not run: the run was interrupted', evidence: { firstSeq: 0, lastSeq: 0 } },
        { ...base, id: 'E', status: 'skipped', skipReason: 'not run: the run was interrupted', evidence: { firstSeq: 0, lastSeq: 0 } },
      ],
      summary: { total: 2, passed: 0, failed: 0, skipped: 2, error: 0, byCountry: {}, byCategory: {} as never, byCountryCategory: {}, falseAccepts: 0, durationMs: 0 },
    };
    const r = computeKpis(record);
    expect(r.cases.totals).toEqual({ total: 5, passed: 1, failed: 0, skipped: 0, error: 0, unfinished: 2, notRun: 2 });
    expect(r.cases.byCountry.KG!.counts).toMatchObject({ total: 3, unfinished: 1, notRun: 2 });
    expect(r.exclusions.find((e) => e.reason === 'case-not-run')!.items.map((i) => i.caseId)).toEqual(['D', 'E']);
    expect(r.exclusions.find((e) => e.reason === 'case-unfinished')!.items.map((i) => i.caseId)).toEqual(['B', 'C']);
  });
});
