import crypto from 'node:crypto';
import type { LogEntry } from '../../protocol/hub-contract.ts';
import { canonicalJson } from '../../protocol/schema.ts';

// The hash chain of the hub's logs, as the contract (protocol/openapi.yaml) defines it,
// recomputed independently of the hub:
//   hash = SHA-256( prevHash || canonicalJSON({ seq, at, type, actor, exchangeId?, data }) )
// TODO(lead): align with the formula the reference hub documents in openapi.yaml.
export function recomputeEntryHash(entry: LogEntry): string {
  const body: Record<string, unknown> = { seq: entry.seq, at: entry.at, type: entry.type, actor: entry.actor, data: entry.data };
  if (entry.exchangeId !== undefined) body.exchangeId = entry.exchangeId;
  return crypto.createHash('sha256').update(entry.prevHash).update(canonicalJson(body)).digest('hex');
}

/** Verify a whole exported log: every link and every hash. */
export function verifyChain(entries: readonly LogEntry[]): { valid: boolean; entries: number; brokenAt?: number; detail?: string } {
  let prev: LogEntry | undefined;
  for (const entry of entries) {
    if (prev && entry.prevHash !== prev.hash) return { valid: false, entries: entries.length, brokenAt: entry.seq, detail: `entry ${entry.seq} does not link to entry ${prev.seq}` };
    if (recomputeEntryHash(entry) !== entry.hash) return { valid: false, entries: entries.length, brokenAt: entry.seq, detail: `entry ${entry.seq} does not hash to its recorded hash` };
    prev = entry;
  }
  return { valid: true, entries: entries.length };
}
