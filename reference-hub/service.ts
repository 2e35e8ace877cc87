import crypto, { X509Certificate } from 'node:crypto';
import type {
  Channel,
  Decision,
  DeliveryAttempt,
  DocumentRecord,
  Exchange,
  ExchangeStatus,
  InboxItem,
  LogKind,
  NodeInfo,
  NodeRegistration,
  TimelineEntry,
  VerificationSummary,
} from '../protocol/hub-contract.ts';
import type { CountryCode, Envelope, SignerEntry, TrustRegistry, VerificationPolicy, VerificationReport } from '../protocol/types.ts';
import { canonicalJson } from '../protocol/schema.ts';
import { keyIdFor } from '../protocol/trust.ts';
import { sha256Hex, subjectCountry } from '../protocol/x509.ts';
import type { HubClock } from './clock.ts';
import type { DefectName } from './defects.ts';
import { HubLogs } from './logs.ts';
import { ApiError } from './messages.ts';
import type { Statement } from 'better-sqlite3';
import { type Db, type ExchangeRow, type NodeRow, type SignerRow, getMeta, setMeta } from './store.ts';
import { hubVerify, notAPdf, summarize } from './verification.ts';

// The hub's rules, one method per operation. Every change and its log entries are one SQLite
// transaction; a method either completes or throws an ApiError having changed nothing.

export type Principal =
  | { role: 'operator'; name: string; fingerprint: string }
  | { role: 'node'; country: CountryCode; name: string; fingerprint: string };

export interface RetryPolicy {
  /** Total push attempts before FailedDelivery. */
  attempts: number;
  baseDelayMs: number;
  factor: number;
  maxDelayMs: number;
  /** Time allowed for one push attempt (connect + answer). */
  attemptTimeoutMs: number;
}

export interface ServiceConfig {
  retry: RetryPolicy;
  pullWindowMs: number;
  retentionMs: number;
  policy?: VerificationPolicy;
  defects: ReadonlySet<DefectName>;
  operators: ReadonlyMap<string, string>;
}

export interface SubmitInput {
  pdf: Buffer;
  envelope: Envelope;
  recipient: CountryCode;
  idempotencyKey: string;
  channel: Channel;
}

export interface DueDelivery {
  exchangeId: string;
  attempt: number;
  sender: CountryCode;
  recipient: CountryCode;
  callbackUrl: string | null;
  envelope: string;
  pdf: Buffer | undefined;
}

const actorOf = (p: Principal | 'hub'): string => (p === 'hub' ? 'hub' : p.role === 'node' ? `node:${p.country}` : `operator:${p.name}`);
const who = (p: Principal): string => (p.role === 'node' ? `node ${p.country}` : `operator ${p.name}`);

function parseCertificate(pem: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (error) {
    throw new ApiError(422, 'INVALID_CERTIFICATE', { problem: (error as Error).message });
  }
}

export class HubService {
  readonly logs: HubLogs;
  private trustCache: TrustRegistry | undefined;
  private readonly st;
  private readonly statements = new Map<string, Statement<unknown[]>>();

  constructor(
    readonly db: Db,
    readonly clock: HubClock,
    readonly config: ServiceConfig,
  ) {
    this.logs = new HubLogs(db, clock, config.defects.has('break-audit-chain'));
    const p = (sql: string) => db.prepare(sql);
    this.st = {
      exchange: p('SELECT * FROM exchanges WHERE id = ?'),
      byIdempotency: p('SELECT * FROM exchanges WHERE sender = ? AND idempotency_scope = ?'),
      maxSeq: p('SELECT COALESCE(MAX(seq), 0) AS seq FROM exchanges'),
      insertExchange: p(`INSERT INTO exchanges (id, seq, sender, recipient, idempotency_key, idempotency_scope, request_hash, channel, document_id, document_type,
        status, envelope, verification, delivery_mode, callback_url, next_attempt_ms, pull_deadline_ms, doc_sha256, doc_size, retain_until_ms, purged_at, created_at)
        VALUES (@id, @seq, @sender, @recipient, @idempotency_key, @idempotency_scope, @request_hash, @channel, @document_id, @document_type,
        @status, @envelope, @verification, @delivery_mode, @callback_url, @next_attempt_ms, @pull_deadline_ms, @doc_sha256, @doc_size, NULL, @purged_at, @created_at)`),
      insertBlob: p('INSERT INTO blobs (exchange_id, pdf) VALUES (?, ?)'),
      blob: p('SELECT pdf FROM blobs WHERE exchange_id = ?'),
      deleteBlob: p('DELETE FROM blobs WHERE exchange_id = ?'),
      timeline: p('SELECT status, at, reason_codes, detail FROM timeline WHERE exchange_id = ? ORDER BY seq'),
      insertTimeline: p('INSERT INTO timeline (exchange_id, seq, status, at, reason_codes, detail) VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM timeline WHERE exchange_id = ?), ?, ?, ?, ?)'),
      attempts: p('SELECT attempt, at, outcome, error, duration_ms FROM attempts WHERE exchange_id = ? ORDER BY attempt'),
      attemptCount: p('SELECT COUNT(*) AS n FROM attempts WHERE exchange_id = ?'),
      insertAttempt: p('INSERT INTO attempts (exchange_id, attempt, at, outcome, error, duration_ms) VALUES (?, ?, ?, ?, ?, ?)'),
      upsertDocument: p(`INSERT INTO documents (document_id, issuing_country, document_type, sha256, status, key_id, first_seen_at, valid_until)
        VALUES (@document_id, @issuing_country, @document_type, @sha256, @status, @key_id, @at, @valid_until)
        ON CONFLICT (document_id) DO UPDATE SET issuing_country = excluded.issuing_country, document_type = excluded.document_type,
        sha256 = excluded.sha256, status = excluded.status, key_id = excluded.key_id, valid_until = excluded.valid_until`),
      document: p('SELECT * FROM documents WHERE document_id = ?'),
      node: p('SELECT * FROM nodes WHERE country = ?'),
      nodeByFingerprint: p('SELECT * FROM nodes WHERE fingerprint = ?'),
      nodes: p('SELECT * FROM nodes ORDER BY country'),
      signer: p('SELECT * FROM signers WHERE key_id = ?'),
      signerByFingerprint: p('SELECT * FROM signers WHERE fingerprint = ?'),
      signers: p('SELECT * FROM signers ORDER BY country, registered_at, key_id'),
      signersOf: p('SELECT * FROM signers WHERE country = ? ORDER BY registered_at, key_id'),
      anchors: p('SELECT * FROM anchors ORDER BY country, registered_at, fingerprint'),
      dueDeliveries: p("SELECT id FROM exchanges WHERE next_attempt_ms IS NOT NULL AND next_attempt_ms <= ? ORDER BY next_attempt_ms LIMIT ?"),
      duePulls: p("SELECT id FROM exchanges WHERE pull_deadline_ms IS NOT NULL AND pull_deadline_ms <= ? LIMIT 500"),
      duePurges: p('SELECT id FROM exchanges WHERE retain_until_ms IS NOT NULL AND retain_until_ms <= ? LIMIT 500'),
      nextDue: p(`SELECT MIN(t) AS t FROM (
        SELECT MIN(next_attempt_ms) AS t FROM exchanges WHERE next_attempt_ms IS NOT NULL
        UNION ALL SELECT MIN(pull_deadline_ms) FROM exchanges WHERE pull_deadline_ms IS NOT NULL
        UNION ALL SELECT MIN(retain_until_ms) FROM exchanges WHERE retain_until_ms IS NOT NULL)`),
    };
  }

  /** A prepared statement, prepared once per SQL text. */
  private sql(text: string): Statement<unknown[]> {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  // -------------------------------------------------------------------------------------------
  // principals

  authenticate(fingerprint: string | undefined): Principal {
    if (!fingerprint) throw new ApiError(401, 'UNAUTHENTICATED', {}, { reason: 'no-certificate' }, 'UNAUTHENTICATED.none');
    const operator = this.config.operators.get(fingerprint);
    if (operator !== undefined) return { role: 'operator', name: operator, fingerprint };
    const node = this.st.nodeByFingerprint.get(fingerprint) as NodeRow | undefined;
    if (!node) throw new ApiError(401, 'UNAUTHENTICATED', { fingerprint }, { reason: 'unknown-certificate', fingerprint256: fingerprint }, 'UNAUTHENTICATED.unknown');
    if (node.status === 'revoked') throw new ApiError(403, 'CERTIFICATE_REVOKED', { country: node.country, at: node.revoked_at ?? '' }, { country: node.country });
    return { role: 'node', country: node.country, name: `node ${node.country}`, fingerprint };
  }

  requireOperator(p: Principal, operation: string): void {
    if (p.role !== 'operator') throw new ApiError(403, 'OPERATOR_ROLE_REQUIRED', { operation, who: who(p) });
  }

  private requireNode(p: Principal, operation: string): asserts p is Extract<Principal, { role: 'node' }> {
    if (p.role !== 'node') throw new ApiError(403, 'NODE_ROLE_REQUIRED', { operation, who: who(p) });
  }

  // -------------------------------------------------------------------------------------------
  // exchanges

  private now(): { ms: number; iso: string } {
    const ms = this.clock.now();
    return { ms, iso: this.clock.iso(ms) };
  }

  private addTimeline(id: string, status: ExchangeStatus, at: string, reasonCodes?: string[], detail?: string): void {
    this.st.insertTimeline.run(id, id, status, at, reasonCodes?.length ? JSON.stringify(reasonCodes) : null, detail ?? null);
  }

  private row(id: string): ExchangeRow | undefined {
    return this.st.exchange.get(id) as ExchangeRow | undefined;
  }

  toExchange(row: ExchangeRow): Exchange {
    const timeline = (this.st.timeline.all(row.id) as Array<{ status: ExchangeStatus; at: string; reason_codes: string | null; detail: string | null }>).map(
      (t): TimelineEntry => ({ status: t.status, at: t.at, ...(t.reason_codes ? { reasonCodes: JSON.parse(t.reason_codes) as string[] } : {}), ...(t.detail ? { detail: t.detail } : {}) }),
    );
    const attempts = (this.st.attempts.all(row.id) as Array<{ attempt: number; at: string; outcome: 'ok' | 'error'; error: string | null; duration_ms: number | null }>).map(
      (a): DeliveryAttempt => ({ attempt: a.attempt, at: a.at, outcome: a.outcome, ...(a.error ? { error: a.error } : {}), ...(a.duration_ms !== null ? { durationMs: a.duration_ms } : {}) }),
    );
    const exchange: Exchange = {
      exchangeId: row.id,
      idempotencyKey: row.idempotency_key,
      channel: row.channel as Channel,
      sender: row.sender,
      recipient: row.recipient,
      documentId: row.document_id,
      documentType: row.document_type as Exchange['documentType'],
      status: row.status as ExchangeStatus,
      timeline,
      verification: JSON.parse(row.verification) as VerificationSummary,
      delivery: {
        mode: row.delivery_mode as 'push' | 'pull',
        attempts,
        ...(row.next_attempt_ms !== null && row.status === 'PendingDelivery' ? { nextAttemptAt: this.clock.iso(row.next_attempt_ms) } : {}),
        ...(row.delivered_at ? { deliveredAt: row.delivered_at } : {}),
      },
      ...(row.decision ? { decision: JSON.parse(row.decision) as Exchange['decision'] } : {}),
      document: {
        sha256: row.doc_sha256,
        size: row.doc_size,
        available: row.purged_at === null,
        ...(row.retain_until_ms !== null ? { retainedUntil: this.clock.iso(row.retain_until_ms) } : {}),
        ...(row.purged_at ? { purgedAt: row.purged_at } : {}),
      },
      createdAt: row.created_at,
    };
    if (this.config.defects.has('off-contract-answers')) {
      const loose = exchange as Omit<Exchange, 'createdAt' | 'verification'> & { createdAt?: string; verification: Partial<VerificationSummary> };
      delete loose.createdAt;
      delete loose.verification.verifiedAt;
    }
    return exchange;
  }

  private visible(p: Principal, row: ExchangeRow | undefined, id: string): ExchangeRow {
    const ok = row && (p.role === 'operator' || row.sender === p.country || row.recipient === p.country || this.config.defects.has('leak-exchanges'));
    if (!ok) throw new ApiError(404, 'EXCHANGE_NOT_FOUND', { exchangeId: id });
    return row;
  }

  private asRecipient(p: Principal, id: string, action: string): ExchangeRow {
    const row = this.row(id);
    // Someone else's exchange is not found (even with leak-exchanges: that defect leaks reads only).
    if (!row || (p.role === 'node' && p.country !== row.recipient && p.country !== row.sender)) throw new ApiError(404, 'EXCHANGE_NOT_FOUND', { exchangeId: id });
    if (p.role !== 'node' || p.country !== row.recipient) throw new ApiError(403, 'NOT_RECIPIENT', { recipient: row.recipient, action, exchangeId: id });
    return row;
  }

  private parties(row: Pick<ExchangeRow, 'sender' | 'recipient'>): string[] {
    return [row.sender, row.recipient];
  }

  trust(): TrustRegistry {
    if (!this.trustCache) {
      const countries: TrustRegistry['countries'] = {};
      const entry = (cc: string) => (countries[cc] ??= { anchors: [], intermediates: [], signers: [] });
      for (const a of this.st.anchors.all() as Array<{ country: string; kind: string; certificate_pem: string }>) {
        if (a.kind === 'anchor') entry(a.country).anchors.push(a.certificate_pem);
        else entry(a.country).intermediates!.push(a.certificate_pem);
      }
      for (const s of this.st.signers.all() as SignerRow[]) entry(s.country).signers.push(toSignerEntry(s));
      this.trustCache = { format: 'ecert-trust/1', generatedAt: this.clock.iso(), countries };
    }
    return this.trustCache;
  }

  /** Verify with the hub's registry at the hub's time (defects applied). Throws 422 for a non-PDF. */
  verify(pdf: Uint8Array, envelope: Envelope | undefined): VerificationReport {
    const head = Buffer.from(pdf.subarray(0, 1024)).toString('latin1');
    if (!head.includes('%PDF-')) throw new ApiError(422, 'NOT_A_PDF', { problem: 'no %PDF- header in the first 1024 bytes' });
    let report: VerificationReport;
    try {
      report = hubVerify({ pdf, ...(envelope ? { envelope } : {}), trust: this.trust(), atMs: this.clock.now(), ...(this.config.policy ? { policy: this.config.policy } : {}), defects: this.config.defects });
    } catch (error) {
      throw new ApiError(422, 'NOT_A_PDF', { problem: (error as Error).message });
    }
    if (notAPdf(report)) throw new ApiError(422, 'NOT_A_PDF', { problem: report.checks.fileIntegrity?.detail ?? 'unreadable PDF structure' });
    return report;
  }

  submit(p: Principal, input: SubmitInput): { exchange: Exchange; replayed: boolean } {
    this.requireNode(p, input.channel === 'upload' ? 'uploadDocument' : 'submitExchange');
    const sender = p.country;
    const docSha = sha256Hex(input.pdf);
    const requestHash = sha256Hex(`${docSha}\n${canonicalJson(input.envelope)}\n${input.recipient}`);
    const ignoreKey = this.config.defects.has('ignore-idempotency');
    if (!ignoreKey) {
      const existing = this.st.byIdempotency.get(sender, input.idempotencyKey) as ExchangeRow | undefined;
      if (existing) {
        if (existing.request_hash !== requestHash) {
          throw new ApiError(409, 'IDEMPOTENCY_CONFLICT', { key: input.idempotencyKey, sender, exchangeId: existing.id }, { exchangeId: existing.id });
        }
        return { exchange: this.toExchange(existing), replayed: true };
      }
    }
    if (input.recipient === sender) throw new ApiError(422, 'RECIPIENT_IS_SENDER', { recipient: input.recipient });
    const recipient = this.st.node.get(input.recipient) as NodeRow | undefined;
    if (!recipient || recipient.status !== 'active') throw new ApiError(422, 'UNKNOWN_RECIPIENT', { recipient: input.recipient });
    const issuer = input.envelope.metadata.issuingBody.countryCode;
    if (issuer !== sender) throw new ApiError(422, 'SENDER_NOT_ISSUER', { sender, issuer });

    const report = this.verify(input.pdf, input.envelope);
    const { ms, iso } = this.now();
    const id = crypto.randomUUID();
    const delivery = JSON.parse(recipient.delivery) as NodeRegistration['delivery'];
    const verified = report.valid;
    const status: ExchangeStatus = verified ? 'PendingDelivery' : 'Rejected';
    const meta = input.envelope.metadata;
    const parties = [sender, input.recipient];
    const exchange = this.db.transaction(() => {
      const seq = (this.st.maxSeq.get() as { seq: number }).seq + 1;
      this.st.insertExchange.run({
        id,
        seq,
        sender,
        recipient: input.recipient,
        idempotency_key: input.idempotencyKey,
        idempotency_scope: ignoreKey ? `${input.idempotencyKey}#${id}` : input.idempotencyKey,
        request_hash: requestHash,
        channel: input.channel,
        document_id: meta.documentId,
        document_type: meta.documentType,
        status,
        envelope: JSON.stringify(input.envelope),
        verification: JSON.stringify(summarize(report)),
        delivery_mode: delivery.mode,
        callback_url: delivery.mode === 'push' ? delivery.callbackUrl : null,
        next_attempt_ms: verified && delivery.mode === 'push' ? ms : null,
        pull_deadline_ms: verified && delivery.mode === 'pull' ? ms + this.config.pullWindowMs : null,
        doc_sha256: docSha,
        doc_size: input.pdf.length,
        // A rejected document is never delivered, so Model A keeps nothing of it.
        purged_at: verified ? null : iso,
        created_at: iso,
      });
      if (verified) this.st.insertBlob.run(id, input.pdf);
      this.addTimeline(id, 'Received', iso);
      this.logs.append('exchange', {
        type: 'exchange.received',
        actor: actorOf(p),
        exchangeId: id,
        parties,
        data: { sender, recipient: input.recipient, channel: input.channel, documentId: meta.documentId, documentType: meta.documentType, sha256: docSha, size: input.pdf.length, idempotencyKey: input.idempotencyKey },
      });
      if (verified) {
        this.addTimeline(id, 'Verified', iso);
        this.logs.append('exchange', { type: 'exchange.verified', actor: 'hub', exchangeId: id, parties, data: { indication: report.indication, keyId: report.signer?.keyId ?? input.envelope.signature.keyId } });
        this.addTimeline(id, 'PendingDelivery', iso, undefined, delivery.mode === 'push' ? 'push to the recipient\u2019s callback' : 'waiting in the recipient\u2019s inbox');
        this.logs.append('exchange', { type: 'delivery.pending', actor: 'hub', exchangeId: id, parties, data: { mode: delivery.mode } });
      } else {
        this.addTimeline(id, 'Rejected', iso, report.reasonCodes, 'ingest verification failed');
        this.logs.append('exchange', { type: 'exchange.rejected', actor: 'hub', exchangeId: id, parties, data: { indication: report.indication, reasonCodes: report.reasonCodes } });
      }
      this.st.upsertDocument.run({
        document_id: meta.documentId,
        issuing_country: issuer,
        document_type: meta.documentType,
        sha256: docSha,
        status: verified ? 'Verified' : 'Rejected',
        key_id: report.signer?.keyId ?? input.envelope.signature.keyId ?? null,
        at: iso,
        valid_until: meta.validUntil ?? null,
      });
      return this.toExchange(this.row(id)!);
    })();
    return { exchange, replayed: false };
  }

  getExchange(p: Principal, id: string): Exchange {
    return this.toExchange(this.visible(p, this.row(id), id));
  }

  listExchanges(p: Principal, q: { role?: 'sent' | 'received'; status?: ExchangeStatus; limit?: number }): Exchange[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (p.role === 'node' && !this.config.defects.has('leak-exchanges')) {
      if (q.role === 'sent') where.push('sender = ?');
      else if (q.role === 'received') where.push('recipient = ?');
      else where.push('(sender = ? OR recipient = ?)');
      args.push(p.country);
      if (!q.role) args.push(p.country);
    } else if (p.role === 'node' && q.role) {
      where.push(q.role === 'sent' ? 'sender = ?' : 'recipient = ?');
      args.push(p.country);
    }
    if (q.status) {
      where.push('status = ?');
      args.push(q.status);
    }
    const sql = `SELECT * FROM exchanges ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
    return (this.sql(sql).all(...args, q.limit ?? 100) as ExchangeRow[]).map((r) => this.toExchange(r));
  }

  listInbox(p: Principal, limit = 100): InboxItem[] {
    this.requireNode(p, 'listInbox');
    const rows = this.sql("SELECT * FROM exchanges WHERE recipient = ? AND delivery_mode = 'pull' AND (status = 'PendingDelivery' OR redeliver = 1) ORDER BY seq LIMIT ?")
      .all(p.country, limit) as ExchangeRow[];
    return rows.map((r) => {
      const envelope = JSON.parse(r.envelope) as Envelope;
      return { exchangeId: r.id, sender: r.sender, documentId: r.document_id, documentType: r.document_type as InboxItem['documentType'], envelope, availableSince: r.created_at };
    });
  }

  fetchDocument(p: Principal, id: string): { pdf: Buffer; exchange: ExchangeRow } {
    const row = this.visible(p, this.row(id), id);
    if (row.purged_at) throw new ApiError(410, 'DOCUMENT_PURGED', { exchangeId: id, purgedAt: row.purged_at }, { purgedAt: row.purged_at });
    const blob = this.st.blob.get(id) as { pdf: Buffer } | undefined;
    if (!blob) throw new ApiError(410, 'DOCUMENT_PURGED', { exchangeId: id, purgedAt: '' });
    this.db.transaction(() => {
      this.logs.append('exchange', { type: 'document.fetched', actor: actorOf(p), exchangeId: id, parties: this.parties(row), data: {} });
    })();
    return { pdf: blob.pdf, exchange: row };
  }

  private markDelivered(row: ExchangeRow, via: string, actor: string, ms: number, iso: string): void {
    const redeliver = this.config.defects.has('deliver-twice') && row.redeliver === 0 ? 1 : row.redeliver;
    this.sql('UPDATE exchanges SET status = ?, delivered_at = ?, next_attempt_ms = ?, pull_deadline_ms = NULL, retain_until_ms = ?, redeliver = ? WHERE id = ?')
      .run('Delivered', iso, redeliver === 1 && row.delivery_mode === 'push' ? ms : null, ms + this.config.retentionMs, redeliver, row.id);
    this.addTimeline(row.id, 'Delivered', iso, undefined, via);
    this.logs.append('exchange', { type: 'exchange.delivered', actor, exchangeId: row.id, parties: this.parties(row), data: { mode: row.delivery_mode, via } });
  }

  acknowledge(p: Principal, id: string): Exchange {
    const row = this.asRecipient(p, id, 'acknowledge');
    return this.db.transaction(() => {
      const { ms, iso } = this.now();
      if (row.status === 'PendingDelivery') this.markDelivered(row, 'acknowledged by the recipient', actorOf(p), ms, iso);
      else if (row.status === 'Delivered' || row.status === 'Accepted' || row.status === 'Refused') {
        // Idempotent; a pending duplicate (deliver-twice) is consumed by this acknowledgement.
        if (row.redeliver === 1 && row.delivery_mode === 'pull') this.sql('UPDATE exchanges SET redeliver = 2 WHERE id = ?').run(id);
      } else throw new ApiError(409, 'INVALID_STATE', { action: 'acknowledge', exchangeId: id, status: row.status });
      return this.toExchange(this.row(id)!);
    })();
  }

  decide(p: Principal, id: string, decision: Decision): Exchange {
    const row = this.asRecipient(p, id, 'decide');
    return this.db.transaction(() => {
      if (row.status === 'Accepted' || row.status === 'Refused') {
        const prior = JSON.parse(row.decision ?? '{}') as { decision?: string };
        if (prior.decision === decision.decision) return this.toExchange(row);
        throw new ApiError(409, 'DECISION_CONFLICT', { exchangeId: id, decision: String(prior.decision) }, { decision: prior.decision });
      }
      if (row.status !== 'PendingDelivery' && row.status !== 'Delivered') throw new ApiError(409, 'INVALID_STATE', { action: 'decide', exchangeId: id, status: row.status });
      const { ms, iso } = this.now();
      // A decision proves receipt: record the delivery first when it was not acknowledged yet.
      if (row.status === 'PendingDelivery') this.markDelivered(row, 'implied by the recipient\u2019s decision', actorOf(p), ms, iso);
      const status: ExchangeStatus = decision.decision === 'accepted' ? 'Accepted' : 'Refused';
      const stored = { decision: decision.decision, ...(decision.reasonCode ? { reasonCode: decision.reasonCode } : {}), ...(decision.reason ? { reason: decision.reason } : {}), at: iso };
      this.sql('UPDATE exchanges SET status = ?, decision = ? WHERE id = ?').run(status, JSON.stringify(stored), id);
      this.addTimeline(id, status, iso, decision.reasonCode ? [decision.reasonCode] : undefined, decision.reason);
      this.logs.append('exchange', {
        type: status === 'Accepted' ? 'exchange.accepted' : 'exchange.refused',
        actor: actorOf(p),
        exchangeId: id,
        parties: this.parties(row),
        data: { ...(decision.reasonCode ? { reasonCode: decision.reasonCode } : {}), ...(decision.reason ? { reason: decision.reason } : {}) },
      });
      return this.toExchange(this.row(id)!);
    })();
  }

  private purge(row: ExchangeRow, actor: string, reason: string, iso: string): void {
    this.st.deleteBlob.run(row.id);
    this.sql('UPDATE exchanges SET purged_at = ?, retain_until_ms = NULL WHERE id = ?').run(iso, row.id);
    this.logs.append('exchange', { type: 'document.purged', actor, exchangeId: row.id, parties: this.parties(row), data: { reason } });
  }

  purgeDocument(p: Principal, id: string): Exchange {
    const row = this.visible(p, this.row(id), id);
    if (p.role === 'node' && p.country !== row.sender && p.country !== row.recipient) throw new ApiError(404, 'EXCHANGE_NOT_FOUND', { exchangeId: id });
    return this.db.transaction(() => {
      if (row.purged_at) return this.toExchange(row);
      if (row.status === 'PendingDelivery') throw new ApiError(409, 'INVALID_STATE', { action: 'purge', exchangeId: id, status: row.status });
      this.purge(row, actorOf(p), 'requested', this.now().iso);
      return this.toExchange(this.row(id)!);
    })();
  }

  lookupDocument(documentId: string): DocumentRecord {
    const r = this.st.document.get(documentId) as
      | { document_id: string; issuing_country: string; document_type: string; sha256: string; status: 'Verified' | 'Rejected'; key_id: string | null; first_seen_at: string; valid_until: string | null }
      | undefined;
    if (!r) throw new ApiError(404, 'DOCUMENT_NOT_FOUND', { documentId });
    return {
      documentId: r.document_id,
      issuingCountry: r.issuing_country,
      documentType: r.document_type as DocumentRecord['documentType'],
      sha256: r.sha256,
      status: r.status,
      ...(r.key_id ? { keyId: r.key_id } : {}),
      firstSeenAt: r.first_seen_at,
      ...(r.valid_until ? { validUntil: r.valid_until } : {}),
    };
  }

  // -------------------------------------------------------------------------------------------
  // delivery (called by the scheduler)

  dueDeliveries(limit: number, exclude: ReadonlySet<string>): DueDelivery[] {
    const ids = (this.st.dueDeliveries.all(this.clock.now(), limit + exclude.size) as Array<{ id: string }>).map((r) => r.id).filter((id) => !exclude.has(id));
    // Lease: while a push is in flight its next attempt moves to after the attempt's timeout, so
    // the row is not due again meanwhile, and a crash mid-push retries it once the lease ends.
    const lease = this.clock.now() + this.config.retry.attemptTimeoutMs + 1000;
    return ids.slice(0, limit).flatMap((id) => {
      const row = this.row(id);
      if (!row) return [];
      this.sql('UPDATE exchanges SET next_attempt_ms = ? WHERE id = ?').run(lease, id);
      const node = this.st.node.get(row.recipient) as NodeRow | undefined;
      const delivery = node ? (JSON.parse(node.delivery) as NodeRegistration['delivery']) : undefined;
      const callbackUrl = node?.status === 'active' && delivery?.mode === 'push' ? delivery.callbackUrl : null;
      const blob = this.st.blob.get(id) as { pdf: Buffer } | undefined;
      return [{ exchangeId: id, attempt: (this.st.attemptCount.get(id) as { n: number }).n + 1, sender: row.sender, recipient: row.recipient, callbackUrl, envelope: row.envelope, pdf: blob?.pdf }];
    });
  }

  /** A push abandoned at shutdown is due again at once (its attempt was not recorded). */
  releaseLease(id: string): void {
    this.sql('UPDATE exchanges SET next_attempt_ms = ? WHERE id = ? AND next_attempt_ms IS NOT NULL').run(this.clock.now(), id);
  }

  /** Record a push attempt and move the exchange on (Delivered, retry later, or FailedDelivery). */
  recordAttempt(id: string, attempt: number, outcome: { ok: boolean; error?: string; durationMs: number }): void {
    this.db.transaction(() => {
      const row = this.row(id);
      if (!row) return;
      const { ms, iso } = this.now();
      this.st.insertAttempt.run(id, attempt, iso, outcome.ok ? 'ok' : 'error', outcome.error ?? null, outcome.durationMs);
      this.logs.append('exchange', {
        type: 'delivery.attempt',
        actor: 'hub',
        exchangeId: id,
        parties: this.parties(row),
        data: { attempt, outcome: outcome.ok ? 'ok' : 'error', ...(outcome.error ? { error: outcome.error } : {}), durationMs: outcome.durationMs },
      });
      if (row.status !== 'PendingDelivery') {
        // Already delivered (a duplicate push, or the recipient decided meanwhile).
        this.sql('UPDATE exchanges SET next_attempt_ms = NULL, redeliver = CASE WHEN redeliver = 1 THEN 2 ELSE redeliver END WHERE id = ?').run(id);
        return;
      }
      if (outcome.ok) {
        this.markDelivered(row, 'push acknowledged', 'hub', ms, iso);
        return;
      }
      const failures = (this.sql("SELECT COUNT(*) AS n FROM attempts WHERE exchange_id = ? AND outcome = 'error'").get(id) as { n: number }).n;
      const { retry } = this.config;
      if (failures >= retry.attempts || this.config.defects.has('no-retry')) {
        this.failDelivery(row, `push failed after ${failures} attempt(s); last error ${outcome.error ?? 'unknown'}`, ms, iso);
      } else {
        const delay = Math.min(retry.baseDelayMs * retry.factor ** (failures - 1), retry.maxDelayMs);
        this.sql('UPDATE exchanges SET next_attempt_ms = ? WHERE id = ?').run(ms + delay, id);
      }
    })();
  }

  private failDelivery(row: ExchangeRow, detail: string, ms: number, iso: string): void {
    this.sql("UPDATE exchanges SET status = 'FailedDelivery', next_attempt_ms = NULL, pull_deadline_ms = NULL, retain_until_ms = ? WHERE id = ?")
      .run(ms + this.config.retentionMs, row.id);
    this.addTimeline(row.id, 'FailedDelivery', iso, undefined, detail);
    this.logs.append('exchange', { type: 'delivery.failed', actor: 'hub', exchangeId: row.id, parties: this.parties(row), data: { detail } });
  }

  /** Pull windows that ended and Model A purges that are due. Returns how many were handled. */
  housekeeping(): number {
    const now = this.clock.now();
    let handled = 0;
    for (const { id } of this.st.duePulls.all(now) as Array<{ id: string }>) {
      this.db.transaction(() => {
        const row = this.row(id);
        if (!row || row.status !== 'PendingDelivery') {
          this.sql('UPDATE exchanges SET pull_deadline_ms = NULL WHERE id = ?').run(id);
          return;
        }
        this.failDelivery(row, 'the recipient did not pull and acknowledge within the pull window', now, this.clock.iso(now));
      })();
      handled++;
    }
    if (!this.config.defects.has('no-purge')) {
      for (const { id } of this.st.duePurges.all(now) as Array<{ id: string }>) {
        this.db.transaction(() => {
          const row = this.row(id);
          if (row && !row.purged_at) this.purge(row, 'hub', 'retention period ended (Model A)', this.clock.iso(now));
          else this.sql('UPDATE exchanges SET retain_until_ms = NULL WHERE id = ?').run(id);
        })();
        handled++;
      }
    }
    return handled;
  }

  /** The earliest time (ms, hub clock) something is due, if anything is scheduled. */
  nextDue(): number | undefined {
    if (this.config.defects.has('no-purge')) {
      const r = this.sql(`SELECT MIN(t) AS t FROM (SELECT MIN(next_attempt_ms) AS t FROM exchanges WHERE next_attempt_ms IS NOT NULL
          UNION ALL SELECT MIN(pull_deadline_ms) FROM exchanges WHERE pull_deadline_ms IS NOT NULL)`)
        .get() as { t: number | null };
      return r.t ?? undefined;
    }
    return (this.st.nextDue.get() as { t: number | null }).t ?? undefined;
  }

  /** Defect lose-pending-on-restart: the retry schedule "was only in memory". */
  dropPendingSchedule(): void {
    this.sql("UPDATE exchanges SET next_attempt_ms = NULL WHERE status = 'PendingDelivery' AND delivery_mode = 'push'").run();
  }

  // -------------------------------------------------------------------------------------------
  // key registry

  listKeys(country?: CountryCode): SignerEntry[] {
    return ((country ? this.st.signersOf.all(country) : this.st.signers.all()) as SignerRow[]).map(toSignerEntry);
  }

  registerKey(p: Principal, input: { country: CountryCode; certificatePem: string; label?: string }): { entry: SignerEntry; created: boolean } {
    this.requireOperator(p, 'registerKey');
    const cert = parseCertificate(input.certificatePem);
    const certCountry = subjectCountry(cert);
    if (certCountry && certCountry !== input.country) throw new ApiError(422, 'COUNTRY_MISMATCH', { certificateCountry: certCountry, country: input.country });
    const keyId = keyIdFor(cert.raw, input.country);
    return this.db.transaction(() => {
      const existing = this.st.signer.get(keyId) as SignerRow | undefined;
      if (existing) return { entry: toSignerEntry(existing), created: false };
      const other = this.st.signerByFingerprint.get(cert.fingerprint256) as SignerRow | undefined;
      if (other) throw new ApiError(409, 'KEY_COUNTRY_CONFLICT', { keyId: other.key_id });
      const iso = this.now().iso;
      this.sql('INSERT INTO signers (key_id, country, fingerprint, label, certificate_pem, status, registered_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(keyId, input.country, cert.fingerprint256, input.label ?? null, cert.toString(), 'active', iso);
      this.logs.append('audit', {
        type: 'key.registered',
        actor: actorOf(p),
        parties: [input.country],
        data: { keyId, country: input.country, ...(input.label ? { label: input.label } : {}), subject: cert.subject.replace(/\n/g, ', '), fingerprint256: cert.fingerprint256 },
      });
      this.trustCache = undefined;
      return { entry: toSignerEntry(this.st.signer.get(keyId) as SignerRow), created: true };
    })();
  }

  revokeKey(p: Principal, keyId: string, reason: string): SignerEntry {
    this.requireOperator(p, 'revokeKey');
    return this.db.transaction(() => {
      const existing = this.st.signer.get(keyId) as SignerRow | undefined;
      if (!existing) throw new ApiError(404, 'KEY_NOT_FOUND', { keyId });
      if (existing.status === 'revoked') return toSignerEntry(existing);
      const iso = this.now().iso;
      this.sql("UPDATE signers SET status = 'revoked', revoked_at = ?, revocation_reason = ? WHERE key_id = ?").run(iso, reason, keyId);
      this.logs.append('audit', { type: 'key.revoked', actor: actorOf(p), parties: [existing.country], data: { keyId, country: existing.country, reason } });
      this.trustCache = undefined;
      return toSignerEntry(this.st.signer.get(keyId) as SignerRow);
    })();
  }

  registerAnchor(p: Principal, input: { country: CountryCode; certificatePem: string; kind: 'anchor' | 'intermediate' }): void {
    this.requireOperator(p, 'registerAnchor');
    const cert = parseCertificate(input.certificatePem);
    this.db.transaction(() => {
      const info = this.sql('INSERT OR IGNORE INTO anchors (country, fingerprint, kind, certificate_pem, registered_at) VALUES (?, ?, ?, ?, ?)')
        .run(input.country, cert.fingerprint256, input.kind, cert.toString(), this.now().iso);
      if (info.changes === 0) return;
      this.logs.append('audit', {
        type: 'anchor.registered',
        actor: actorOf(p),
        parties: [input.country],
        data: { country: input.country, kind: input.kind, subject: cert.subject.replace(/\n/g, ', '), fingerprint256: cert.fingerprint256 },
      });
      this.trustCache = undefined;
    })();
  }

  // -------------------------------------------------------------------------------------------
  // node registry

  registerNode(p: Principal, input: NodeRegistration): { node: NodeInfo; created: boolean } {
    this.requireOperator(p, 'registerNode');
    const cert = parseCertificate(input.certificatePem);
    const fp = cert.fingerprint256;
    const operator = this.config.operators.get(fp);
    if (operator !== undefined) throw new ApiError(409, 'CERTIFICATE_IN_USE', { holder: `operator ${operator}` });
    return this.db.transaction(() => {
      const holder = this.st.nodeByFingerprint.get(fp) as NodeRow | undefined;
      if (holder && holder.country !== input.country) throw new ApiError(409, 'CERTIFICATE_IN_USE', { holder: `node ${holder.country}` });
      const existing = this.st.node.get(input.country) as NodeRow | undefined;
      const iso = this.now().iso;
      const delivery = input.delivery.mode === 'push' ? { mode: 'push' as const, callbackUrl: input.delivery.callbackUrl } : { mode: 'pull' as const };
      this.sql(`INSERT INTO nodes (country, fingerprint, certificate_pem, delivery, status, registered_at, revoked_at) VALUES (?, ?, ?, ?, 'active', ?, NULL)
          ON CONFLICT (country) DO UPDATE SET fingerprint = excluded.fingerprint, certificate_pem = excluded.certificate_pem, delivery = excluded.delivery,
          status = 'active', registered_at = excluded.registered_at, revoked_at = NULL`)
        .run(input.country, fp, cert.toString(), JSON.stringify(delivery), iso);
      this.logs.append('audit', { type: 'node.registered', actor: actorOf(p), parties: [input.country], data: { country: input.country, fingerprint256: fp, delivery, replaced: Boolean(existing) } });
      return { node: toNodeInfo(this.st.node.get(input.country) as NodeRow), created: !existing };
    })();
  }

  revokeNode(p: Principal, country: CountryCode): NodeInfo {
    this.requireOperator(p, 'revokeNode');
    return this.db.transaction(() => {
      const existing = this.st.node.get(country) as NodeRow | undefined;
      if (!existing) throw new ApiError(404, 'NODE_NOT_FOUND', { country });
      if (existing.status === 'active') {
        this.sql("UPDATE nodes SET status = 'revoked', revoked_at = ? WHERE country = ?").run(this.now().iso, country);
        this.logs.append('audit', { type: 'node.revoked', actor: actorOf(p), parties: [country], data: { country, fingerprint256: existing.fingerprint } });
      }
      return toNodeInfo(this.st.node.get(country) as NodeRow);
    })();
  }

  listNodes(p: Principal): NodeInfo[] {
    this.requireOperator(p, 'listNodes');
    return (this.st.nodes.all() as NodeRow[]).map(toNodeInfo);
  }

  // -------------------------------------------------------------------------------------------
  // logs, clock, lifecycle

  readLog(p: Principal, kind: LogKind, q: { afterSeq?: number; limit?: number }) {
    return this.logs.read(kind, { ...q, ...(p.role === 'node' ? { party: p.country } : {}) });
  }

  audit(p: Principal | 'hub', type: string, data: Record<string, unknown>): void {
    this.db.transaction(() => {
      this.logs.append('audit', { type, actor: actorOf(p), parties: p !== 'hub' && p.role === 'node' ? [p.country] : [], data });
    })();
  }

  setClock(p: Principal, input: { offsetMs: number } | { now: string }): void {
    this.requireOperator(p, 'setClock');
    if ('now' in input) this.clock.setNow(Date.parse(input.now));
    else this.clock.setOffset(input.offsetMs);
    this.db.transaction(() => {
      setMeta(this.db, 'clockOffsetMs', String(this.clock.offsetMs));
      this.logs.append('audit', { type: 'clock.set', actor: actorOf(p), data: { offsetMs: this.clock.offsetMs, now: this.clock.iso() } });
    })();
  }

  restoreClock(): void {
    const stored = Number(getMeta(this.db, 'clockOffsetMs') ?? '0');
    if (Number.isFinite(stored) && stored !== 0) this.clock.setOffset(stored);
  }
}

function toSignerEntry(s: SignerRow): SignerEntry {
  return {
    keyId: s.key_id,
    ...(s.label ? { label: s.label } : {}),
    certificate: s.certificate_pem,
    status: s.status,
    registeredAt: s.registered_at,
    ...(s.revoked_at ? { revokedAt: s.revoked_at } : {}),
    ...(s.revocation_reason ? { revocationReason: s.revocation_reason } : {}),
  };
}

function toNodeInfo(n: NodeRow): NodeInfo {
  return { country: n.country, fingerprint256: n.fingerprint, delivery: JSON.parse(n.delivery) as NodeInfo['delivery'], status: n.status, registeredAt: n.registered_at };
}
