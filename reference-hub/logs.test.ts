import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { checkLogChain } from '../protocol/contract.ts';
import { type Testbed, startTestbed } from './testing.ts';

// The exchange and audit logs are append-only hash chains; the check endpoint (and anyone holding
// an export) finds a modified or removed entry.

let tb: Testbed | undefined;
let dir: string | undefined;
afterEach(async () => {
  await tb?.close();
  tb = undefined;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

async function activeBed(): Promise<Testbed> {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-logs-'));
  tb = await startTestbed({ countries: ['UZ', 'KG'], hub: { dataDir: dir } });
  for (const kind of ['genuine', 'revoked', 'genuine'] as const) {
    const doc = await tb.issue('KG', 'UZ', kind, { seed: `${kind}-${Math.random()}` });
    await tb.node('KG').submit({ pdf: doc.pdf, envelope: doc.envelope, recipient: 'UZ', idempotencyKey: `k-${Math.random()}` });
  }
  return tb;
}

describe('hash-chained logs', () => {
  it('exports both logs whole, chain-valid, matching the check endpoint', async () => {
    const bed = await activeBed();
    for (const kind of ['exchange', 'audit'] as const) {
      const exported = await bed.operator.exportLog(kind);
      const check = await bed.operator.checkLog(kind);
      expect(check.valid).toBe(true);
      expect(check.entries).toBe(exported.length);
      expect(checkLogChain(kind, exported)).toEqual(check);
      expect(exported.map((e) => e.seq)).toEqual(exported.map((_e, i) => i + 1));
      // Paging through readLog gives the same entries.
      const paged = [...(await bed.operator.readLog(kind, { limit: 3 })), ...(await bed.operator.readLog(kind, { afterSeq: 3, limit: 1000 }))];
      expect(paged).toEqual(exported);
    }
    const audit = await bed.operator.exportLog('audit');
    expect(audit.map((e) => e.type)).toEqual(expect.arrayContaining(['hub.started', 'anchor.registered', 'key.registered', 'key.revoked', 'node.registered']));
    expect(audit.find((e) => e.type === 'key.revoked')).toMatchObject({ actor: expect.stringMatching(/^operator:/), data: { reason: 'keyCompromise (test)' } });
  });

  it('detects an entry modified in the store', async () => {
    const bed = await activeBed();
    const db = new Database(path.join(dir!, 'hub.sqlite'));
    try {
      const target = db.prepare("SELECT seq, data FROM logs WHERE kind = 'exchange' AND type = 'exchange.rejected'").get() as { seq: number; data: string };
      const data = JSON.parse(target.data) as { reasonCodes: string[] };
      data.reasonCodes = [];
      db.prepare("UPDATE logs SET data = ? WHERE kind = 'exchange' AND seq = ?").run(JSON.stringify(data), target.seq);
      const check = await bed.operator.checkLog('exchange');
      expect(check).toMatchObject({ log: 'exchange', valid: false, brokenAt: target.seq });
      expect(check.detail).toMatch(/modified/);
      expect((await bed.operator.checkLog('audit')).valid).toBe(true);
    } finally {
      db.close();
    }
  });

  it('detects an entry removed from the store', async () => {
    const bed = await activeBed();
    const db = new Database(path.join(dir!, 'hub.sqlite'));
    try {
      db.prepare("DELETE FROM logs WHERE kind = 'audit' AND seq = 3").run();
      expect(await bed.operator.checkLog('audit')).toMatchObject({ valid: false, brokenAt: 4 });
    } finally {
      db.close();
    }
  });

  it('shows a node only the entries about its own exchanges and actions', async () => {
    const bed = await activeBed();
    const all = await bed.operator.readLog('exchange', { limit: 1000 });
    const uz = await bed.node('UZ').readLog('exchange', { limit: 1000 });
    expect(uz.length).toBeGreaterThan(0);
    expect(uz).toEqual(all.filter((e) => e.exchangeId));
    const audit = await bed.node('UZ').readLog('audit', { limit: 1000 });
    expect(audit.every((e) => JSON.stringify(e.data).includes('UZ'))).toBe(true);
  });
});
