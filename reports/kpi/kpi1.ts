import type { CountryCode } from '../../protocol/types.ts';
import type { ExchangeStatus, LogEntry } from '../../protocol/hub-contract.ts';
import { NodeLog, type NodeExchangeIds, type NodeLogEntry } from '../../mock-nodes/log.ts';
import { orderedPairs, pairKey, TraceBuilder, type Ev, type RecordIndex } from './record-index.ts';
import type { ExchangeCountFigure, Kpi1Disagreement, Kpi1Result } from './types.ts';

// KPI-1, exchanges: counted from the hub's exchange log (every exchange the hub recorded, any
// final status), per ordered country pair, against 60+ overall and >= 10 per pair. Cross-checked
// against the harness's exchange events and every node's own log; each disagreement is listed.
// A real hub keeps history: environment-ready records the last sequence number of its exchange log
// before the run (hubLogStart), and only entries after it are this run's.

export const KPI1_TOTAL_TARGET = 60;
export const KPI1_PAIR_TARGET = 10;

/** Statuses that mean the recipient took the document. */
const DELIVERED: ReadonlySet<ExchangeStatus> = new Set(['Delivered', 'Accepted', 'Refused']);

/** What a node's log says it sent, received and decided, by the node log's own rules. */
export function nodeExchangeIds(node: CountryCode, entries: readonly NodeLogEntry[]): NodeExchangeIds {
  let at = new Date(0);
  const log = new NodeLog(node, () => at);
  for (const e of entries) {
    at = new Date(e.at);
    log.append(e.type, { ...(e.exchangeId ? { exchangeId: e.exchangeId } : {}), ...(e.idempotencyKey ? { idempotencyKey: e.idempotencyKey } : {}), data: e.data ?? {} });
  }
  return log.exchangeIds();
}

interface HubExchange {
  entries: LogEntry[];
  sender?: CountryCode;
  recipient?: CountryCode;
}

function fromHubLog(log: readonly LogEntry[]): Map<string, HubExchange> {
  const out = new Map<string, HubExchange>();
  for (const entry of log) {
    if (!entry.exchangeId) continue;
    let x = out.get(entry.exchangeId);
    if (!x) out.set(entry.exchangeId, (x = { entries: [] }));
    x.entries.push(entry);
    const data = entry.data ?? {};
    if (!x.sender && typeof data.sender === 'string') x.sender = data.sender;
    if (!x.recipient && typeof data.recipient === 'string') x.recipient = data.recipient;
  }
  return out;
}

function countFigure(count: number, target: number, trace: TraceBuilder): ExchangeCountFigure {
  return { count, target, met: count >= target, trace: trace.build() };
}

export function computeKpi1(index: RecordIndex): Kpi1Result {
  const { record, exchanges: events, countries } = index;
  const ready = record.events.find((e): e is Ev<'environment-ready'> => e.type === 'environment-ready');
  const afterSeq = ready?.hubLogStart?.exchange;
  const hubLog = record.hubExchangeLog;
  const everything = hubLog ? fromHubLog(hubLog) : null;
  // An exchange is this run's when its first entry comes after the start; an older exchange that
  // gets a new entry during the run (a purge, a late retry) is history, not this run's.
  const hub = everything && afterSeq !== undefined ? new Map([...everything].filter(([, x]) => (x.entries[0]?.seq ?? 0) > afterSeq)) : everything;
  const disagreements: Kpi1Disagreement[] = [];

  // The exchanges KPI-1 counts, with their pair and evidence.
  const counted = new Map<string, { sender?: CountryCode; recipient?: CountryCode; hashes: string[]; event?: Ev<'exchange'> }>();
  if (hub) {
    for (const [id, x] of hub) {
      const event = events.get(id);
      counted.set(id, {
        sender: x.sender ?? event?.sender,
        recipient: x.recipient ?? event?.recipient,
        hashes: x.entries.map((e) => e.hash),
        ...(event ? { event } : {}),
      });
      if (!event) disagreements.push({ kind: 'not-in-evidence', exchangeId: id, detail: x.entries[0]?.hash });
    }
    const hashes = new Set(hubLog!.map((e) => e.hash));
    for (const [id, event] of events) {
      if (!hub.has(id)) disagreements.push({ kind: 'not-in-hub-log', exchangeId: id, caseId: event.caseId, seq: event.seq });
      const missing = event.hubLogHashes.filter((h) => !hashes.has(h));
      if (missing.length) disagreements.push({ kind: 'hash-not-in-hub-log', exchangeId: id, caseId: event.caseId, seq: event.seq, detail: missing.join(', ') });
    }
  } else {
    for (const [id, event] of events) counted.set(id, { sender: event.sender, recipient: event.recipient, hashes: event.hubLogHashes, event });
  }

  // Each node's own log against the hub: the sender sent it, the recipient took what the hub delivered.
  const nodeIds = new Map<CountryCode, { sent: Set<string>; received: Set<string>; decidedTwice: string[] }>();
  for (const [node, entries] of record.nodeLogs) {
    const ids = nodeExchangeIds(node, entries);
    nodeIds.set(node, { sent: new Set(ids.sent), received: new Set(ids.received), decidedTwice: ids.decidedTwice });
  }
  const participating = new Set<CountryCode>();
  for (const [id, x] of counted) {
    const status = x.event?.finalStatus;
    const delivered = x.event ? x.event.timeline.some((t) => DELIVERED.has(t.status)) || (status !== undefined && DELIVERED.has(status)) : undefined;
    const ref = { exchangeId: id, ...(x.event ? { caseId: x.event.caseId, seq: x.event.seq } : {}) };
    if (x.sender) {
      participating.add(x.sender);
      const ids = nodeIds.get(x.sender);
      if (ids && !ids.sent.has(id)) disagreements.push({ kind: 'not-in-sender-log', node: x.sender, ...ref });
    }
    if (x.recipient) {
      participating.add(x.recipient);
      const ids = nodeIds.get(x.recipient);
      if (ids && delivered === true && !ids.received.has(id)) disagreements.push({ kind: 'not-in-recipient-log', node: x.recipient, ...ref, ...(status ? { detail: status } : {}) });
      if (ids && delivered === false && ids.received.has(id)) disagreements.push({ kind: 'unexpected-in-recipient-log', node: x.recipient, ...ref, ...(status ? { detail: status } : {}) });
    }
  }
  for (const [node, ids] of nodeIds) for (const id of ids.decidedTwice) disagreements.push({ kind: 'decided-twice', node, exchangeId: id });
  // A run with no node log at all (real national nodes) cannot be cross-checked; the report says
  // so once. A run with some node logs but not this participant's has lost one: that is listed.
  if (record.nodeLogs.size > 0) {
    for (const node of countries) if (participating.has(node) && !record.nodeLogs.has(node)) disagreements.push({ kind: 'node-log-missing', node, detail: `logs/node-${node}.jsonl` });
  }

  // What the harness itself found after each case, and the hub's own chain checks.
  const logChains: Kpi1Result['logChains'] = [];
  for (const e of record.events) {
    if (e.type === 'reconciliation' && !e.ok) {
      disagreements.push({ kind: 'reconciliation', caseId: e.caseId, seq: e.seq, lost: [...e.lost], duplicated: [...e.duplicated] });
    }
    if (e.type === 'log-chain') {
      logChains.push({ log: e.log, valid: e.valid, entries: e.entries, headHash: e.headHash, ...(e.brokenAt !== undefined ? { brokenAt: e.brokenAt } : {}), seq: e.seq });
      if (!e.valid) disagreements.push({ kind: 'log-chain-broken', seq: e.seq, detail: `${e.log}${e.brokenAt !== undefined ? ` @${e.brokenAt}` : ''}` });
    }
  }

  const total = new TraceBuilder();
  const perPair = new Map<string, { n: number; trace: TraceBuilder }>(orderedPairs(countries).map(([s, r]) => [pairKey(s, r), { n: 0, trace: new TraceBuilder() }]));
  const byStatus: Kpi1Result['byStatus'] = {};
  for (const [id, x] of counted) {
    const evidence = { exchangeId: id, logHashes: x.hashes, ...(x.event ? { seq: x.event.seq, caseId: x.event.caseId } : {}) };
    total.add(evidence);
    const key = x.event?.finalStatus ?? 'unknown';
    byStatus[key] = (byStatus[key] ?? 0) + 1;
    if (x.sender && x.recipient) {
      const p = perPair.get(pairKey(x.sender, x.recipient));
      if (p) {
        p.n++;
        p.trace.add(evidence);
      }
    }
  }
  const byPair = orderedPairs(countries).map(([sender, recipient]) => {
    const p = perPair.get(pairKey(sender, recipient))!;
    return { sender, recipient, figure: countFigure(p.n, KPI1_PAIR_TARGET, p.trace) };
  });
  return {
    source: hub ? 'hub-log' : 'evidence',
    total: countFigure(counted.size, KPI1_TOTAL_TARGET, total),
    byPair,
    pairsMet: byPair.filter((p) => p.figure.met).length,
    byStatus,
    disagreements,
    logChains,
    nodeLogs: [...record.nodeLogs.keys()],
    ...(ready && afterSeq !== undefined ? { logStart: { afterSeq, earlier: (everything?.size ?? 0) - (hub?.size ?? 0), seq: ready.seq } } : {}),
  };
}
