import type { HubClient, LogEntry, LogKind } from '../../protocol/hub-contract.ts';
import { linkProblem } from './log-chain.ts';

// A local mirror of one of the hub's hash-chained logs, read incrementally through the
// operator. Besides indexing entries by exchange and document, it recomputes the chain itself:
// the harness does not take the hub's word that its own log is intact.

export class LogMirror {
  private entries: LogEntry[] = [];
  private byExchange = new Map<string, LogEntry[]>();
  /** document id -> exchange id -> sequence number of its first entry */
  private byDocument = new Map<string, Map<string, number>>();
  private problem: string | undefined;
  private pending: Promise<void> | null = null;

  constructor(
    private readonly client: HubClient,
    readonly kind: LogKind,
  ) {}

  /** Fetch entries appended since the last refresh (concurrent callers share one fetch). */
  refresh(): Promise<void> {
    if (!this.pending) {
      this.pending = this.fetch().finally(() => {
        this.pending = null;
      });
    }
    return this.pending;
  }

  private async fetch(): Promise<void> {
    for (;;) {
      const after = this.entries.at(-1)?.seq ?? 0;
      const batch = await this.client.readLog(this.kind, { afterSeq: after, limit: 1000 });
      for (const entry of batch) this.add(entry);
      if (batch.length < 1000) return;
    }
  }

  private add(entry: LogEntry): void {
    const prev = this.entries.at(-1);
    if (!this.problem) this.problem = linkProblem(prev, entry);
    this.entries.push(entry);
    if (entry.exchangeId) {
      const list = this.byExchange.get(entry.exchangeId) ?? [];
      list.push(entry);
      this.byExchange.set(entry.exchangeId, list);
      const documentId = typeof entry.data.documentId === 'string' ? entry.data.documentId : undefined;
      if (documentId) {
        const map = this.byDocument.get(documentId) ?? new Map<string, number>();
        if (!map.has(entry.exchangeId)) map.set(entry.exchangeId, entry.seq);
        this.byDocument.set(documentId, map);
      }
    }
  }

  /** Exchanges about a document whose first log entry comes after `afterSeq` (this case's, not an earlier run's). */
  exchangesForDocument(documentId: string, afterSeq = 0): string[] {
    return [...(this.byDocument.get(documentId) ?? [])].filter(([, seq]) => seq > afterSeq).map(([id]) => id);
  }

  /** Sequence number of the last entry read. */
  get lastSeq(): number {
    return this.entries.at(-1)?.seq ?? 0;
  }

  knows(exchangeId: string): boolean {
    return this.byExchange.has(exchangeId);
  }

  hashesForExchange(exchangeId: string): string[] {
    return (this.byExchange.get(exchangeId) ?? []).map((e) => e.hash);
  }

  /** The first problem found while recomputing the chain, if any. */
  chainProblem(): string | undefined {
    return this.problem;
  }

  all(): readonly LogEntry[] {
    return this.entries;
  }
}
