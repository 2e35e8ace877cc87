import { X509Certificate } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestPki } from '../fixtures/pki.ts';
import type { Exchange } from '../protocol/hub-contract.ts';
import { type PushRecipient, type Testbed, createPushRecipient, startTestbed } from './testing.ts';

// Push delivery with bounded, exponentially backed-off retries; pull inbox with a window; the
// hub clock drives every wait (a clock shift wakes the scheduler), so nothing here sleeps.

const MINUTE = 60_000;
let tb: Testbed | undefined;
afterEach(async () => {
  await tb?.close();
  tb = undefined;
});

async function pushBed(recipient: PushRecipient, attempts = 4): Promise<Testbed> {
  tb = await startTestbed({
    countries: ['UZ', 'KG'],
    callbacks: { UZ: 'https://uz.node.test/ecert/deliveries' },
    hub: { fetch: recipient.fetch, retry: { attempts, baseDelayMs: MINUTE, factor: 2, maxDelayMs: 3 * MINUTE, attemptTimeoutMs: 200 }, retentionMs: 60 * MINUTE, pullWindowMs: 30 * MINUTE },
  });
  return tb;
}

async function send(bed: Testbed, to = 'UZ', key = 'k1'): Promise<Exchange> {
  const doc = await bed.issue('KG', to);
  const { exchange } = await bed.node('KG').submit({ pdf: doc.pdf, envelope: doc.envelope, recipient: to, idempotencyKey: key });
  await bed.hub.idle();
  return exchange;
}

async function shift(bed: Testbed, ms: number): Promise<void> {
  const { offsetMs } = await bed.operator.getClock();
  await bed.operator.setClock({ offsetMs: offsetMs + ms });
  await bed.hub.idle();
}

describe('push delivery', () => {
  it('retries with exponential back-off until the recipient acknowledges', async () => {
    const recipient = createPushRecipient('http-503');
    const bed = await pushBed(recipient, 5);
    const sent = await send(bed);
    let ex = await bed.node('KG').getExchange(sent.exchangeId);
    expect(ex.status).toBe('PendingDelivery');
    expect(ex.delivery.attempts.map((a) => a.error)).toEqual(['HTTP_503']);
    const first = Date.parse(ex.delivery.attempts[0]!.at);
    expect(Date.parse(ex.delivery.nextAttemptAt!) - first).toBeGreaterThanOrEqual(MINUTE);
    expect(Date.parse(ex.delivery.nextAttemptAt!) - first).toBeLessThan(MINUTE + 5_000);

    // Not due yet: half the back-off changes nothing.
    await shift(bed, MINUTE / 2);
    expect((await bed.node('KG').getExchange(sent.exchangeId)).delivery.attempts).toHaveLength(1);

    recipient.mode = 'refuse';
    await shift(bed, MINUTE / 2);
    ex = await bed.node('KG').getExchange(sent.exchangeId);
    expect(ex.delivery.attempts.map((a) => a.error)).toEqual(['HTTP_503', 'ECONNREFUSED']);
    // Second back-off doubles.
    const second = Date.parse(ex.delivery.attempts[1]!.at);
    expect(Date.parse(ex.delivery.nextAttemptAt!) - second).toBeGreaterThanOrEqual(2 * MINUTE);
    expect(Date.parse(ex.delivery.nextAttemptAt!) - second).toBeLessThan(2 * MINUTE + 5_000);

    recipient.mode = 'ok';
    await shift(bed, 2 * MINUTE);
    ex = await bed.node('KG').getExchange(sent.exchangeId);
    expect(ex.status).toBe('Delivered');
    expect(ex.delivery.attempts.map((a) => a.outcome)).toEqual(['error', 'error', 'ok']);
    expect(ex.delivery.nextAttemptAt).toBeUndefined();
    expect(ex.timeline.map((t) => t.status)).toEqual(['Received', 'Verified', 'PendingDelivery', 'Delivered']);
    expect(recipient.seen.map((s) => s.attempt)).toEqual([1, 2, 3]);
    expect(recipient.seen.every((s) => s.exchangeId === sent.exchangeId)).toBe(true);
  });

  it('caps the back-off at maxDelayMs', async () => {
    const recipient = createPushRecipient('http-503');
    const bed = await pushBed(recipient, 6);
    const sent = await send(bed);
    for (let i = 0; i < 3; i++) await shift(bed, 4 * MINUTE);
    const ex = await bed.node('KG').getExchange(sent.exchangeId);
    expect(ex.delivery.attempts).toHaveLength(4);
    const last = Date.parse(ex.delivery.attempts[3]!.at);
    // 1, 2, 4 -> capped at 3 minutes
    expect(Date.parse(ex.delivery.nextAttemptAt!) - last).toBeLessThanOrEqual(3 * MINUTE + 5_000);
    expect(Date.parse(ex.delivery.nextAttemptAt!) - last).toBeGreaterThanOrEqual(3 * MINUTE);
  });

  it('gives up after the attempt limit: FailedDelivery, visible to the sender, logged', async () => {
    const recipient = createPushRecipient('reset');
    const bed = await pushBed(recipient, 3);
    const sent = await send(bed);
    await shift(bed, MINUTE);
    await shift(bed, 2 * MINUTE);
    const ex = await bed.node('KG').getExchange(sent.exchangeId);
    expect(ex.status).toBe('FailedDelivery');
    expect(ex.delivery.attempts.map((a) => a.error)).toEqual(['ECONNRESET', 'ECONNRESET', 'ECONNRESET']);
    expect(ex.timeline.at(-1)).toMatchObject({ status: 'FailedDelivery', detail: expect.stringMatching(/3 attempt/) });
    // Nothing more happens however long we wait.
    await shift(bed, 60 * MINUTE);
    expect(recipient.seen).toHaveLength(3);
    const log = await bed.operator.readLog('exchange', { limit: 1000 });
    expect(log.filter((e) => e.exchangeId === sent.exchangeId).map((e) => e.type)).toEqual([
      'exchange.received',
      'exchange.verified',
      'delivery.pending',
      'delivery.attempt',
      'delivery.attempt',
      'delivery.attempt',
      'delivery.failed',
      // Model A: the undeliverable PDF is not kept beyond the retention period either.
      'document.purged',
    ]);
  });

  it('does not take a wrong acknowledgement or a timeout for delivery', async () => {
    const recipient = createPushRecipient('bad-ack');
    const bed = await pushBed(recipient, 4);
    const sent = await send(bed);
    recipient.mode = 'hang';
    await shift(bed, MINUTE);
    const ex = await bed.node('KG').getExchange(sent.exchangeId);
    expect(ex.status).toBe('PendingDelivery');
    expect(ex.delivery.attempts.map((a) => a.error)).toEqual(['BAD_ACK', 'TIMEOUT']);
  });

  it('is at least once: a lost acknowledgement is retried and the recipient de-duplicates by exchange id', async () => {
    const recipient = createPushRecipient('ack-lost');
    const bed = await pushBed(recipient, 4);
    const sent = await send(bed);
    recipient.mode = 'ok';
    await shift(bed, MINUTE);
    expect((await bed.node('KG').getExchange(sent.exchangeId)).status).toBe('Delivered');
    expect(recipient.seen.map((s) => [s.exchangeId, s.attempt])).toEqual([
      [sent.exchangeId, 1],
      [sent.exchangeId, 2],
    ]);
    expect([...recipient.processed]).toEqual([sent.exchangeId]);
    // Once delivered, never again.
    await shift(bed, 30 * MINUTE);
    expect(recipient.seen).toHaveLength(2);
  });

  it('records the decision after a push, and a decision while still pending implies delivery', async () => {
    const recipient = createPushRecipient('http-503');
    const bed = await pushBed(recipient, 4);
    const sent = await send(bed);
    const decided = await bed.node('UZ').decide(sent.exchangeId, { decision: 'refused', reasonCode: 'QR_MISMATCH', reason: 'QR code does not match' });
    expect(decided.status).toBe('Refused');
    expect(decided.timeline.map((t) => t.status)).toEqual(['Received', 'Verified', 'PendingDelivery', 'Delivered', 'Refused']);
    expect(decided.decision).toMatchObject({ decision: 'refused', reasonCode: 'QR_MISMATCH' });
    expect(decided.delivery.nextAttemptAt).toBeUndefined();
    await shift(bed, 10 * MINUTE);
    expect(recipient.seen).toHaveLength(1);
  });
});

describe('push delivery over real HTTPS', () => {
  it('trusts a callback certificate only through deliveryTls, and presents its own client certificate', async () => {
    // The node's server certificate comes from a CA the hub does not know by default.
    const nodeSide = createTestPki({ seed: 'node-servers', profiles: [] }).hub;
    const seen: Array<string | undefined> = [];
    const server = https.createServer({ key: nodeSide.server.keyPem, cert: nodeSide.server.pem, requestCert: true, rejectUnauthorized: false }, (req, res) => {
      seen.push((req.socket as TLSSocket).getPeerCertificate().fingerprint256);
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ acknowledged: req.headers['x-ecert-exchange-id'] })));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const callbackUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}/cb`;
    try {
      for (const trusted of [false, true]) {
        tb = await startTestbed({
          countries: ['UZ', 'KG'],
          callbacks: { UZ: callbackUrl },
          hub: { retry: { attempts: 2, baseDelayMs: MINUTE, factor: 2, maxDelayMs: MINUTE, attemptTimeoutMs: 5_000 }, ...(trusted ? { deliveryTls: { ca: nodeSide.ca.pem } } : {}) },
        });
        const sent = await send(tb);
        const ex = await tb.node('KG').getExchange(sent.exchangeId);
        if (trusted) {
          expect(ex.status).toBe('Delivered');
          expect(seen).toEqual([new X509Certificate(tb.hub.tls.serverCertPem).fingerprint256]);
        } else {
          expect(ex.status).toBe('PendingDelivery');
          expect(ex.delivery.attempts.map((a) => a.error)).toEqual(['TLS']);
          expect(seen).toEqual([]);
        }
        await tb.close();
        tb = undefined;
      }
    } finally {
      server.close();
    }
  });
});

describe('pull delivery', () => {
  async function pullBed(): Promise<Testbed> {
    tb = await startTestbed({ countries: ['UZ', 'KG'], hub: { pullWindowMs: 30 * MINUTE, retentionMs: 60 * MINUTE } });
    return tb;
  }

  it('waits in the inbox until pulled and acknowledged, then leaves it', async () => {
    const bed = await pullBed();
    const sent = await send(bed);
    expect(sent.delivery.mode).toBe('pull');
    const inbox = await bed.node('UZ').listInbox();
    expect(inbox).toHaveLength(1);
    expect(inbox[0]).toMatchObject({ exchangeId: sent.exchangeId, sender: 'KG', documentId: sent.documentId });
    expect(await bed.node('KG').listInbox()).toEqual([]);
    const pdf = await bed.node('UZ').fetchDocument(sent.exchangeId);
    expect(Buffer.from(pdf).subarray(0, 5).toString()).toBe('%PDF-');
    const acked = await bed.node('UZ').acknowledge(sent.exchangeId);
    expect(acked.status).toBe('Delivered');
    expect(acked.delivery.deliveredAt).toBeDefined();
    expect(await bed.node('UZ').listInbox()).toEqual([]);
    // Acknowledging again changes nothing.
    expect((await bed.node('UZ').acknowledge(sent.exchangeId)).timeline).toHaveLength(acked.timeline.length);
  });

  it('fails the delivery when the recipient does not acknowledge within the pull window', async () => {
    const bed = await pullBed();
    const sent = await send(bed);
    await shift(bed, 29 * MINUTE);
    expect((await bed.node('KG').getExchange(sent.exchangeId)).status).toBe('PendingDelivery');
    await shift(bed, 2 * MINUTE);
    const ex = await bed.node('KG').getExchange(sent.exchangeId);
    expect(ex.status).toBe('FailedDelivery');
    expect(ex.timeline.at(-1)!.detail).toMatch(/pull window/);
    expect(await bed.node('UZ').listInbox()).toEqual([]);
    await expect(bed.node('UZ').acknowledge(sent.exchangeId)).rejects.toMatchObject({ status: 409, code: 'INVALID_STATE' });
  });
});
