import { afterEach, describe, expect, it } from 'vitest';
import { HubUnreachableError } from '../protocol/hub-contract.ts';
import type { HubFetch } from '../protocol/hub-http.ts';
import { type Testbed, startTestbed } from './testing.ts';

// Idempotency keys are scoped per sender: the same key and payload give the same exchange
// (200, replayed), the same key with another payload is refused (409), and a retry after a lost
// response creates nothing new.

let tb: Testbed | undefined;
afterEach(async () => {
  await tb?.close();
  tb = undefined;
});

async function receivedCount(bed: Testbed): Promise<number> {
  return (await bed.operator.readLog('exchange', { limit: 1000 })).filter((e) => e.type === 'exchange.received').length;
}

describe('idempotent submission', () => {
  it('returns the original exchange for a repeated key and payload, on both channels', async () => {
    tb = await startTestbed({ countries: ['UZ', 'KG'] });
    const doc = await tb.issue('KG', 'UZ');
    for (const channel of ['api', 'upload'] as const) {
      const key = `key-${channel}`;
      const first = await tb.node('KG').submit({ pdf: doc.pdf, envelope: doc.envelope, recipient: 'UZ', idempotencyKey: key, channel });
      const again = await tb.node('KG').submit({ pdf: doc.pdf, envelope: doc.envelope, recipient: 'UZ', idempotencyKey: key, channel });
      expect(first.replayed).toBe(false);
      expect(again.replayed).toBe(true);
      expect(again.exchange.exchangeId).toBe(first.exchange.exchangeId);
      expect(again.exchange.idempotencyKey).toBe(key);
    }
    expect(await tb.node('KG').listExchanges()).toHaveLength(2);
    expect(await receivedCount(tb)).toBe(2);
  });

  it('refuses the same key with a different payload, creating nothing', async () => {
    tb = await startTestbed({ countries: ['UZ', 'KG', 'PK'] });
    const doc = await tb.issue('KG', 'UZ');
    const first = await tb.node('KG').submit({ pdf: doc.pdf, envelope: doc.envelope, recipient: 'UZ', idempotencyKey: 'same' });
    const otherDoc = await tb.issue('KG', 'UZ', 'genuine', { seed: 'another document' });
    const variants = [
      { pdf: otherDoc.pdf, envelope: otherDoc.envelope, recipient: 'UZ' },
      { pdf: doc.pdf, envelope: doc.envelope, recipient: 'PK' },
    ];
    for (const v of variants) {
      await expect(tb.node('KG').submit({ ...v, idempotencyKey: 'same' })).rejects.toMatchObject({
        status: 409,
        code: 'IDEMPOTENCY_CONFLICT',
        details: { exchangeId: first.exchange.exchangeId },
      });
    }
    expect(await receivedCount(tb)).toBe(1);
  });

  it('scopes keys per sender', async () => {
    tb = await startTestbed({ countries: ['UZ', 'KG'] });
    const fromKg = await tb.issue('KG', 'UZ');
    const fromUz = await tb.issue('UZ', 'KG');
    const a = await tb.node('KG').submit({ pdf: fromKg.pdf, envelope: fromKg.envelope, recipient: 'UZ', idempotencyKey: 'shared' });
    const b = await tb.node('UZ').submit({ pdf: fromUz.pdf, envelope: fromUz.envelope, recipient: 'KG', idempotencyKey: 'shared' });
    expect(b.replayed).toBe(false);
    expect(b.exchange.exchangeId).not.toBe(a.exchange.exchangeId);
  });

  it('a retry after a lost response (the hub accepted, the node saw a reset) yields one exchange', async () => {
    tb = await startTestbed({ countries: ['UZ', 'KG'] });
    let lose = true;
    const lossy = (inner: HubFetch): HubFetch => async (url, init) => {
      const response = await inner(url, init);
      if (lose && init.method === 'POST') {
        lose = false;
        throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      }
      return response;
    };
    const kg = tb.node('KG', { wrapFetch: lossy });
    const doc = await tb.issue('KG', 'UZ');
    const request = { pdf: doc.pdf, envelope: doc.envelope, recipient: 'UZ', idempotencyKey: 'lost-once', channel: 'upload' as const };
    await expect(kg.submit(request)).rejects.toBeInstanceOf(HubUnreachableError);
    const retry = await kg.submit(request);
    expect(retry.replayed).toBe(true);
    expect(await kg.listExchanges()).toHaveLength(1);
    expect(await receivedCount(tb)).toBe(1);
  });
});
