import { describe, expect, it } from 'vitest';
import type { LogEntry } from '../../protocol/hub-contract.ts';
import { checkLogChain, logEntryHash } from '../../protocol/contract.ts';
import { GENESIS, recomputeEntryHash, verifyChain } from './log-chain.ts';

function chain(n: number): LogEntry[] {
  const out: LogEntry[] = [];
  let prev = GENESIS;
  for (let seq = 1; seq <= n; seq++) {
    const body = { seq, at: `2026-06-01T00:00:0${seq % 10}Z`, type: 'exchange.received', actor: 'node:UZ', exchangeId: `x${seq}`, data: { documentId: `D${seq}`, n: seq } };
    const hash = logEntryHash(prev, body);
    out.push({ ...body, prevHash: prev, hash });
    prev = hash;
  }
  return out;
}

describe('independent log-chain check', () => {
  it('agrees with the contract on an intact log, entry by entry', () => {
    const log = chain(6);
    for (const e of log) expect(recomputeEntryHash(e)).toBe(e.hash);
    expect(verifyChain(log)).toEqual({ valid: true, entries: 6 });
    expect(checkLogChain('exchange', log).valid).toBe(true);
  });

  it('finds a modified entry, a missing entry, a re-linked entry and a wrong genesis', () => {
    const modified = chain(5);
    modified[2] = { ...modified[2]!, data: { ...modified[2]!.data, n: 99 } };
    expect(verifyChain(modified)).toMatchObject({ valid: false, brokenAt: 3 });

    const missing = chain(5).filter((e) => e.seq !== 4);
    expect(verifyChain(missing)).toMatchObject({ valid: false, brokenAt: 5 });

    const relinked = chain(5);
    relinked[3] = { ...relinked[3]!, prevHash: 'f'.repeat(64) };
    expect(verifyChain(relinked)).toMatchObject({ valid: false, brokenAt: 4 });

    const rebased = chain(3).map((e, i) => (i === 0 ? { ...e, prevHash: '1'.repeat(64) } : e));
    expect(verifyChain(rebased)).toMatchObject({ valid: false, brokenAt: 1 });
  });
});
