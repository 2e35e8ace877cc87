import { afterEach, describe, expect, it } from 'vitest';
import { HubError } from '../protocol/hub-contract.ts';
import { type Testbed, createPushRecipient, startTestbed } from './testing.ts';

// Model A (temporary caching): the PDF is kept for a retention period after delivery, then
// purged; metadata, statuses and logs stay. Driven by the hub's test clock.

const HOUR = 3_600_000;
let tb: Testbed | undefined;
afterEach(async () => {
  await tb?.close();
  tb = undefined;
});

async function shift(bed: Testbed, ms: number): Promise<void> {
  const { offsetMs } = await bed.operator.getClock();
  await bed.operator.setClock({ offsetMs: offsetMs + ms });
  await bed.hub.idle();
}

describe('Model A: temporary caching', () => {
  it('purges the PDF a retention period after delivery; 410 with a clear message; metadata, statuses and logs stay', async () => {
    tb = await startTestbed({ countries: ['UZ', 'KG'], hub: { retentionMs: 2 * HOUR } });
    const doc = await tb.issue('KG', 'UZ');
    const { exchange } = await tb.node('KG').submit({ pdf: doc.pdf, envelope: doc.envelope, recipient: 'UZ', idempotencyKey: 'm1' });
    const uz = tb.node('UZ');
    await uz.acknowledge(exchange.exchangeId);
    await uz.decide(exchange.exchangeId, { decision: 'accepted' });

    await shift(tb, HOUR);
    const before = await uz.getExchange(exchange.exchangeId);
    expect(before.document).toMatchObject({ available: true, sha256: doc.envelope.file.sha256 });
    expect(Date.parse(before.document.retainedUntil!) - Date.parse(before.delivery.deliveredAt!)).toBe(2 * HOUR);
    expect(Buffer.from(await uz.fetchDocument(exchange.exchangeId)).equals(doc.pdf)).toBe(true);

    await shift(tb, HOUR + 1000);
    for (const [lang, pattern] of [
      ['en', /purged.*Model A.*metadata, statuses and logs remain/],
      ['ru', /удалён.*модель A.*Метаданные, статусы и журналы сохранены/],
    ] as const) {
      const error = await tb
        .node('UZ', { lang })
        .fetchDocument(exchange.exchangeId)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HubError);
      expect(error).toMatchObject({ status: 410, code: 'DOCUMENT_PURGED' });
      expect((error as HubError).message).toMatch(pattern);
    }
    // The sender gets the same answer; metadata and statuses are all still there.
    await expect(tb.node('KG').fetchDocument(exchange.exchangeId)).rejects.toMatchObject({ status: 410 });
    const after = await uz.getExchange(exchange.exchangeId);
    expect(after.status).toBe('Accepted');
    expect(after.document).toMatchObject({ available: false, sha256: doc.envelope.file.sha256, size: doc.pdf.length });
    expect(after.document.purgedAt).toBeDefined();
    expect(after.document.retainedUntil).toBeUndefined();
    expect(after.timeline.map((t) => t.status)).toEqual(['Received', 'Verified', 'PendingDelivery', 'Delivered', 'Accepted']);
    expect(await uz.lookupDocument(doc.metadata.documentId)).toMatchObject({ status: 'Verified', sha256: doc.envelope.file.sha256 });
    const log = await tb.operator.readLog('exchange', { limit: 1000 });
    expect(log.filter((e) => e.exchangeId === exchange.exchangeId).map((e) => e.type)).toEqual([
      'exchange.received',
      'exchange.verified',
      'delivery.pending',
      'exchange.delivered',
      'exchange.accepted',
      'document.fetched',
      'document.purged',
    ]);
    expect((await tb.operator.checkLog('exchange')).valid).toBe(true);
  });

  it('keeps nothing of a rejected document and purges a pushed one after its retention too', async () => {
    const recipient = createPushRecipient('ok');
    tb = await startTestbed({ countries: ['UZ', 'KG'], callbacks: { UZ: 'https://uz.node.test/cb' }, hub: { fetch: recipient.fetch, retentionMs: HOUR } });
    const bad = await tb.issue('KG', 'UZ', 'tampered');
    const rejected = (await tb.node('KG').submit({ pdf: bad.pdf, envelope: bad.envelope, recipient: 'UZ', idempotencyKey: 'bad' })).exchange;
    expect(rejected.status).toBe('Rejected');
    expect(rejected.document.available).toBe(false);
    await expect(tb.node('KG').fetchDocument(rejected.exchangeId)).rejects.toMatchObject({ status: 410 });

    const doc = await tb.issue('KG', 'UZ');
    const pushed = (await tb.node('KG').submit({ pdf: doc.pdf, envelope: doc.envelope, recipient: 'UZ', idempotencyKey: 'good' })).exchange;
    await tb.hub.idle();
    expect((await tb.node('UZ').getExchange(pushed.exchangeId)).document.available).toBe(true);
    await shift(tb, HOUR);
    expect((await tb.node('UZ').getExchange(pushed.exchangeId)).document.available).toBe(false);
  });

  it('lets a party purge at once after delivery, but not while delivery is pending', async () => {
    tb = await startTestbed({ countries: ['UZ', 'KG'] });
    const doc = await tb.issue('KG', 'UZ');
    const { exchange } = await tb.node('KG').submit({ pdf: doc.pdf, envelope: doc.envelope, recipient: 'UZ', idempotencyKey: 'p1' });
    await expect(tb.node('UZ').purgeDocument(exchange.exchangeId)).rejects.toMatchObject({ status: 409, code: 'INVALID_STATE' });
    await tb.node('UZ').acknowledge(exchange.exchangeId);
    const purged = await tb.node('UZ').purgeDocument(exchange.exchangeId);
    expect(purged.document.available).toBe(false);
    expect((await tb.node('UZ').purgeDocument(exchange.exchangeId)).document.purgedAt).toBe(purged.document.purgedAt);
    await expect(tb.node('UZ').fetchDocument(exchange.exchangeId)).rejects.toMatchObject({ status: 410 });
  });
});
