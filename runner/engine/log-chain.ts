import crypto from 'node:crypto';
import type { LogEntry } from '../../protocol/hub-contract.ts';
import { canonicalJson } from '../../protocol/schema.ts';

// The hash chain of the hub's logs as the contract (protocol/openapi.yaml, "Logs") defines it,
// recomputed here independently of the hub's own check:
//   hash = SHA-256( prevHash || RFC 8785 JSON of { seq, at, type, actor, exchangeId?, data } )
// with the first entry's prevHash 64 zeros and sequence numbers 1, 2, 3, ... without gaps.

export const GENESIS = '0'.repeat(64);

export function recomputeEntryHash(entry: LogEntry): string {
  const body: Record<string, unknown> = { seq: entry.seq, at: entry.at, type: entry.type, actor: entry.actor, data: entry.data };
  if (entry.exchangeId !== undefined) body.exchangeId = entry.exchangeId;
  return crypto.createHash('sha256').update(entry.prevHash).update(canonicalJson(body)).digest('hex');
}

/** The first problem of `entry` as the successor of `prev` (undefined for the first entry). */
export function linkProblem(prev: LogEntry | undefined, entry: LogEntry): string | undefined {
  const expectedSeq = (prev?.seq ?? 0) + 1;
  if (entry.seq !== expectedSeq) return `entry ${entry.seq} follows entry ${prev?.seq ?? 0} (an entry is missing or out of order)`;
  const expectedPrev = prev?.hash ?? GENESIS;
  if (entry.prevHash !== expectedPrev) return `entry ${entry.seq} does not link to entry ${prev?.seq ?? 'genesis'} (prevHash ${entry.prevHash.slice(0, 12)}… ≠ ${expectedPrev.slice(0, 12)}…)`;
  if (recomputeEntryHash(entry) !== entry.hash) return `entry ${entry.seq} does not hash to its recorded hash (its content was changed)`;
  return undefined;
}

/** Verify a whole exported log: every sequence number, link and hash. */
export function verifyChain(entries: readonly LogEntry[]): { valid: boolean; entries: number; brokenAt?: number; detail?: string } {
  let prev: LogEntry | undefined;
  for (const entry of entries) {
    const problem = linkProblem(prev, entry);
    if (problem) return { valid: false, entries: entries.length, brokenAt: entry.seq, detail: problem };
    prev = entry;
  }
  return { valid: true, entries: entries.length };
}
