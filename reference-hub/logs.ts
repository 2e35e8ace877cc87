import { GENESIS_HASH, checkLogChain, logEntryHash } from '../protocol/contract.ts';
import type { LogChainCheck, LogEntry, LogKind } from '../protocol/hub-contract.ts';
import type { HubClock } from './clock.ts';
import type { Db, LogRow } from './store.ts';

// The exchange log (KPI-1 source) and the audit log: append-only tables, each entry chained to
// the previous one with hash = sha256(prevHash || canonical entry) (protocol/contract.ts). An
// append runs inside the caller's transaction, so a state change and its log entry are written
// together or not at all.

export interface LogInput {
  type: string;
  actor: string;
  exchangeId?: string;
  /** Countries whose nodes may read this entry (sender and recipient, or the acting node). */
  parties?: string[];
  data: Record<string, unknown>;
}

function toEntry(row: LogRow): LogEntry {
  return {
    seq: row.seq,
    at: row.at,
    type: row.type,
    actor: row.actor,
    ...(row.exchange_id ? { exchangeId: row.exchange_id } : {}),
    data: JSON.parse(row.data) as Record<string, unknown>,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export class HubLogs {
  private readonly head;
  private readonly insert;
  private readonly readAll;
  private readonly readParty;
  private readonly iterateAll;

  constructor(
    db: Db,
    private readonly clock: HubClock,
    /** Defect switch break-audit-chain: audit entries hashed without the previous hash. */
    private readonly unchainedAudit = false,
  ) {
    this.head = db.prepare('SELECT seq, hash FROM logs WHERE kind = ? ORDER BY seq DESC LIMIT 1');
    this.insert = db.prepare(
      'INSERT INTO logs (kind, seq, at, type, actor, exchange_id, parties, data, prev_hash, hash) VALUES (@kind, @seq, @at, @type, @actor, @exchange_id, @parties, @data, @prev_hash, @hash)',
    );
    this.readAll = db.prepare('SELECT * FROM logs WHERE kind = ? AND seq > ? ORDER BY seq LIMIT ?');
    this.readParty = db.prepare("SELECT * FROM logs WHERE kind = ? AND seq > ? AND parties LIKE '%,' || ? || ',%' ORDER BY seq LIMIT ?");
    this.iterateAll = db.prepare('SELECT * FROM logs WHERE kind = ? ORDER BY seq');
  }

  append(kind: LogKind, input: LogInput): LogEntry {
    const head = this.head.get(kind) as { seq: number; hash: string } | undefined;
    const prevHash = head?.hash ?? GENESIS_HASH;
    // Round-trip through JSON so the hashed data is exactly what a reader parses back.
    const data = JSON.parse(JSON.stringify(input.data)) as Record<string, unknown>;
    const body = { seq: (head?.seq ?? 0) + 1, at: this.clock.iso(), type: input.type, actor: input.actor, ...(input.exchangeId ? { exchangeId: input.exchangeId } : {}), data };
    const hash = logEntryHash(kind === 'audit' && this.unchainedAudit ? GENESIS_HASH : prevHash, body);
    this.insert.run({
      kind,
      seq: body.seq,
      at: body.at,
      type: body.type,
      actor: body.actor,
      exchange_id: input.exchangeId ?? null,
      parties: `,${(input.parties ?? []).join(',')},`,
      data: JSON.stringify(data),
      prev_hash: prevHash,
      hash,
    });
    return { ...body, prevHash, hash };
  }

  /** Entries after `afterSeq`; `party` restricts to entries a node may read. */
  read(kind: LogKind, query: { afterSeq?: number; limit?: number; party?: string } = {}): LogEntry[] {
    const after = query.afterSeq ?? 0;
    const limit = query.limit ?? 100;
    const rows = (query.party ? this.readParty.all(kind, after, query.party, limit) : this.readAll.all(kind, after, limit)) as LogRow[];
    return rows.map(toEntry);
  }

  *iterate(kind: LogKind): Generator<LogEntry> {
    for (const row of this.iterateAll.iterate(kind) as IterableIterator<LogRow>) yield toEntry(row);
  }

  check(kind: LogKind): LogChainCheck {
    return checkLogChain(kind, this.iterate(kind));
  }
}
