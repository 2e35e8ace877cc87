import fs from 'node:fs';
import path from 'node:path';
import type { CountryCode } from '../protocol/types.ts';

// A node's local log: append-only, one JSON object per line. It records what the node did from
// its own point of view (sent, received, verified, decided, faults), so the runner can hold it
// against the hub's exchange log: nothing lost, nothing duplicated. With a file, every entry is
// written as it happens, so a node stopped at any point leaves a readable record.

export const NODE_LOG_TYPES = [
  'node-started',
  'node-registered',
  'node-stopped',
  'issued',
  'send-attempt',
  'sent',
  'send-failed',
  'status',
  'inbox-polled',
  'received',
  'acknowledged',
  'ack-failed',
  'verified',
  'mechanism-checked',
  'decided',
  'decision-reported',
  'decision-report-failed',
  'processing-failed',
  'fault-applied',
  'fault-triggered',
  'fault-cleared',
] as const;
export type NodeLogType = (typeof NODE_LOG_TYPES)[number];

export interface NodeLogEntry {
  /** Line number, starting at 1. */
  seq: number;
  at: string;
  node: CountryCode;
  type: NodeLogType;
  exchangeId?: string;
  idempotencyKey?: string;
  data: Record<string, unknown>;
}

export interface NodeLogFields {
  exchangeId?: string;
  idempotencyKey?: string;
  data?: Record<string, unknown>;
}

/** The exchange ids a node saw, for the runner's "nothing lost, nothing duplicated" check. */
export interface NodeExchangeIds {
  /** Exchanges the hub created for this node's submissions (a replayed submission counts once). */
  sent: string[];
  /** Exchanges whose document the node took (acknowledged), each once. */
  received: string[];
  /** Exchanges the node decided on, each once. */
  decided: string[];
  /** Exchanges delivered to the node more than once (legitimate under at-least-once delivery). */
  redelivered: string[];
  /** Exchanges the node decided more than once: a node defect, must stay empty. */
  decidedTwice: string[];
  /** Exchanges the node took whose decision the hub has not confirmed. */
  decisionNotReported: string[];
}

export class NodeLog {
  readonly #entries: NodeLogEntry[] = [];
  readonly #listeners = new Set<(entry: NodeLogEntry) => void>();
  #fd: number | null = null;

  constructor(
    readonly node: CountryCode,
    private readonly now: () => Date,
    /** Append every entry to this file as it happens (created with its folder). */
    file?: string,
  ) {
    if (file) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      this.#fd = fs.openSync(file, 'a');
    }
  }

  append(type: NodeLogType, fields: NodeLogFields = {}): NodeLogEntry {
    const entry: NodeLogEntry = {
      seq: this.#entries.length + 1,
      at: this.now().toISOString(),
      node: this.node,
      type,
      ...(fields.exchangeId !== undefined ? { exchangeId: fields.exchangeId } : {}),
      ...(fields.idempotencyKey !== undefined ? { idempotencyKey: fields.idempotencyKey } : {}),
      data: fields.data ?? {},
    };
    this.#entries.push(Object.freeze(entry));
    if (this.#fd !== null) fs.writeSync(this.#fd, `${JSON.stringify(entry)}\n`);
    for (const listener of this.#listeners) listener(entry);
    return entry;
  }

  entries(filter?: { type?: NodeLogType | NodeLogType[]; exchangeId?: string }): readonly NodeLogEntry[] {
    if (!filter) return this.#entries.slice();
    const types = filter.type === undefined ? null : new Set(Array.isArray(filter.type) ? filter.type : [filter.type]);
    return this.#entries.filter((e) => (!types || types.has(e.type)) && (filter.exchangeId === undefined || e.exchangeId === filter.exchangeId));
  }

  /** Called for every entry appended from now on; returns the unsubscribe function. */
  subscribe(listener: (entry: NodeLogEntry) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  exchangeIds(): NodeExchangeIds {
    const sent = new Set<string>();
    const received = new Map<string, number>();
    const decided = new Map<string, number>();
    const reported = new Set<string>();
    for (const e of this.#entries) {
      if (!e.exchangeId) continue;
      if (e.type === 'sent') sent.add(e.exchangeId);
      else if (e.type === 'received' && e.data.taken === true) received.set(e.exchangeId, (received.get(e.exchangeId) ?? 0) + 1);
      else if (e.type === 'decided') decided.set(e.exchangeId, (decided.get(e.exchangeId) ?? 0) + 1);
      else if (e.type === 'decision-reported') reported.add(e.exchangeId);
    }
    const many = (m: Map<string, number>) => [...m].filter(([, n]) => n > 1).map(([id]) => id);
    return {
      sent: [...sent],
      received: [...received.keys()],
      decided: [...decided.keys()],
      redelivered: many(received),
      decidedTwice: many(decided),
      decisionNotReported: [...received.keys()].filter((id) => !reported.has(id)),
    };
  }

  toJsonl(): string {
    return this.#entries.map((e) => `${JSON.stringify(e)}\n`).join('');
  }

  /** Write the whole log to a file, e.g. `<run>/logs/node-UZ.jsonl`. */
  exportTo(file: string): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, this.toJsonl());
  }

  close(): void {
    if (this.#fd !== null) fs.closeSync(this.#fd);
    this.#fd = null;
    this.#listeners.clear();
  }
}
