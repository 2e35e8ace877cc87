import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Exchange } from '../../protocol/hub-contract.ts';
import type { FaultSpec, MockNode } from '../../mock-nodes/index.ts';
import { NodeSendError } from '../../mock-nodes/index.ts';
import { type World, startWorld } from './support.ts';

// Each fault control does what it says, observed where it matters: in the hub's record of its
// delivery attempts (what the hub saw on the wire), in the exchange's final status, and in the
// node's own log. Hub retries run in milliseconds (support.ts FAST_RETRY: 4 attempts, 400 ms
// per-attempt time-out).

async function exchange(world: World, from: string, to: string, faults: { sender?: FaultSpec[]; recipient?: FaultSpec[] } = {}) {
  const sender = world.nodes.node(from);
  const recipient = world.nodes.node(to);
  for (const f of faults.sender ?? []) sender.faults.apply(f);
  for (const f of faults.recipient ?? []) recipient.faults.apply(f);
  const doc = await sender.issue({ type: 'coc', hsCode: '0813', recipient: to });
  return { sender, recipient, doc };
}

const errors = (ex: Exchange) => ex.delivery.attempts.filter((a) => a.outcome === 'error').map((a) => a.error);

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`condition not reached: ${JSON.stringify(v).slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function clearAll(world: World) {
  world.nodes.clearFaults();
}

for (const transport of ['in-process', 'server'] as const) {
  describe(`push delivery faults (${transport} transport)`, () => {
    let world: World;
    beforeAll(async () => {
      world = await startWorld({ transport });
    });
    afterAll(() => world?.close());

    async function deliverWith(recipientFaults: FaultSpec[]) {
      clearAll(world);
      const { sender, recipient, doc } = await exchange(world, 'UZ', 'PK', { recipient: recipientFaults });
      const sent = await sender.send(doc, { recipient: 'PK' });
      return { sender, recipient, id: sent.exchange.exchangeId };
    }

    it('offline: the hub sees refused connections, then delivers once the node is back', async () => {
      clearAll(world);
      const { sender, recipient, doc } = await exchange(world, 'UZ', 'PK');
      const fault = recipient.faults.apply({ fault: 'down' });
      const id = (await sender.send(doc, { recipient: 'PK' })).exchange.exchangeId;
      await until(() => world.hub.client().getExchange(id), (ex) => errors(ex).length >= 1);
      recipient.faults.clear(fault.id);
      const final = await sender.follow(id);
      expect(final.status).toBe('Accepted');
      expect(errors(final).length).toBeGreaterThanOrEqual(1);
      expect(new Set(errors(final))).toEqual(new Set(['ECONNREFUSED']));
      expect(recipient.exchangeIds().received).toEqual(expect.arrayContaining([id]));
      expect(recipient.log.entries({ type: 'fault-triggered' }).length + (transport === 'server' ? 1 : 0)).toBeGreaterThanOrEqual(1);
    });

    it('5xx burst: two 503 answers, then the delivery goes through', async () => {
      const { sender, recipient, id } = await deliverWith([{ fault: 'http-5xx', calls: 2 }]);
      const final = await sender.follow(id);
      expect(final.status).toBe('Accepted');
      expect(errors(final)).toEqual(['HTTP_503', 'HTTP_503']);
      expect(recipient.receipt(id)?.deliveries).toBe(1);
    });

    it('reset mid-request: the hub sees ECONNRESET and retries', async () => {
      const { sender, id } = await deliverWith([{ fault: 'reset', calls: 1 }]);
      const final = await sender.follow(id);
      expect(final.status).toBe('Accepted');
      expect(errors(final)).toEqual(['ECONNRESET']);
    });

    it('slower than the hub time-out: the attempt times out, the node does not take it, the retry succeeds', async () => {
      const { sender, recipient, id } = await deliverWith([{ fault: 'slow', calls: 1 }]);
      const final = await sender.follow(id);
      expect(final.status).toBe('Accepted');
      expect(errors(final)).toEqual(['TIMEOUT']);
      expect(recipient.log.entries({ type: 'received', exchangeId: id }).map((e) => e.data.taken)).toEqual([false, true]);
      expect(recipient.receipt(id)?.deliveries).toBe(1);
    });

    it('wrong and missing acknowledgements are failed attempts at the hub', async () => {
      const { sender, recipient, id } = await deliverWith([{ fault: 'wrong-ack', calls: 1 }, { fault: 'missing-ack', calls: 1 }]);
      const final = await sender.follow(id);
      expect(final.status).toBe('Accepted');
      expect(errors(final)).toEqual(['BAD_ACK', 'BAD_ACK']);
      expect(recipient.log.entries({ type: 'received', exchangeId: id }).map((e) => e.data.reason ?? 'taken')).toEqual(['wrong-ack', 'missing-ack', 'taken']);
    });

    it('down past the retry window: the sender sees FailedDelivery, the node never took it', async () => {
      const { sender, recipient, id } = await deliverWith([{ fault: 'down' }]);
      const final = await sender.follow(id);
      expect(final.status).toBe('FailedDelivery');
      expect(errors(final)).toEqual(['ECONNREFUSED', 'ECONNREFUSED', 'ECONNREFUSED', 'ECONNREFUSED']);
      expect(recipient.exchangeIds().received).not.toContain(id);
      recipient.faults.clear();
    });

    it('response lost after the hub accepted: the node retries with the same key, one exchange', async () => {
      clearAll(world);
      const { sender, doc } = await exchange(world, 'UZ', 'PK', { sender: [{ fault: 'response-lost', calls: 1 }] });
      const sent = await sender.send(doc, { recipient: 'PK' });
      expect(sent).toMatchObject({ attempts: 2, replayed: true });
      const attempts = sender.log.entries({ type: 'send-attempt' }).filter((e) => e.idempotencyKey === sent.idempotencyKey);
      expect(attempts.map((e) => [e.data.outcome, e.data.code ?? null])).toEqual([
        ['error', 'ECONNRESET'],
        ['ok', null],
      ]);
      const sameDocument = (await world.hub.client().listExchanges({ role: 'sent', limit: 1000 })).filter(
        (ex) => ex.documentId === doc.envelope.metadata.documentId,
      );
      expect(sameDocument.map((ex) => ex.exchangeId)).toEqual([sent.exchange.exchangeId]);
      expect((await sender.follow(sent.exchange.exchangeId)).status).toBe('Accepted');
    });
  });
}

describe('sender-side and pull faults (in-process)', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld({ transport: 'in-process' });
  });
  afterAll(() => world?.close());

  it('hub unreachable for two calls: the third attempt gets through', async () => {
    clearAll(world);
    const { sender, doc } = await exchange(world, 'AZ', 'UZ', { sender: [{ fault: 'hub-unreachable', calls: 2 }] });
    const sent = await sender.send(doc, { recipient: 'UZ' });
    expect(sent).toMatchObject({ attempts: 3, replayed: false });
    expect(sent.exchange.channel).toBe('upload');
    expect((await sender.follow(sent.exchange.exchangeId)).status).toBe('Accepted');
  });

  it('hub unreachable until cleared: the send fails after its bounded attempts, nothing reaches the hub', async () => {
    clearAll(world);
    const { sender, doc } = await exchange(world, 'UZ', 'KG', { sender: [{ fault: 'hub-unreachable' }] });
    const before = (await world.hub.client().listExchanges({ limit: 1000 })).length;
    const error = await sender.send(doc, { recipient: 'KG' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NodeSendError);
    expect((error as NodeSendError).attempts).toBe(sender.timing.sendAttempts);
    expect((await world.hub.client().listExchanges({ limit: 1000 })).length).toBe(before);
    expect(sender.log.entries({ type: 'send-failed' }).at(-1)?.data).toMatchObject({ code: 'ECONNREFUSED', attempts: sender.timing.sendAttempts });
    sender.faults.clear();
  });

  it('a pull node that is offline does not pull; back online it takes the document', async () => {
    clearAll(world);
    const { sender, recipient, doc } = await exchange(world, 'UZ', 'KG', { recipient: [{ fault: 'offline', calls: 2 }] });
    const id = (await sender.send(doc, { recipient: 'KG' })).exchange.exchangeId;
    expect(await recipient.pullInbox()).toMatchObject({ skipped: 'offline', taken: [] });
    expect(await recipient.pullInbox()).toMatchObject({ skipped: 'offline', taken: [] });
    expect((await world.hub.client().getExchange(id)).status).toBe('PendingDelivery');
    expect((await recipient.pullInbox()).taken).toEqual([id]);
    expect((await recipient.waitForDecision(id)).decision).toBe('accepted');
    expect((await sender.follow(id)).status).toBe('Accepted');
  });

  it('a pull node that never acknowledges leaves the document in the inbox; the next pull takes it once', async () => {
    clearAll(world);
    const { sender, recipient, doc } = await exchange(world, 'AZ', 'KG', { recipient: [{ fault: 'missing-ack', calls: 1 }, { fault: 'wrong-ack', calls: 1 }] });
    const id = (await sender.send(doc, { recipient: 'KG' })).exchange.exchangeId;
    expect((await recipient.pullInbox()).untaken).toEqual([id]);
    expect((await recipient.pullInbox()).untaken).toEqual([id]);
    expect((await world.hub.client().getExchange(id)).status).toBe('PendingDelivery');
    const wrong = recipient.log.entries({ type: 'received', exchangeId: id }).find((e) => e.data.reason === 'wrong-ack');
    expect(wrong?.data).toMatchObject({ taken: false, reason: 'wrong-ack' });
    expect(String(wrong?.data.hubAnswer)).toContain('404');
    expect((await recipient.pullInbox()).taken).toEqual([id]);
    expect((await recipient.waitForDecision(id)).decision).toBe('accepted');
    expect(recipient.receipt(id)?.deliveries).toBe(1);
  });

  it('flaky: with a seeded 50% error rate every delivery still arrives exactly once', async () => {
    clearAll(world);
    const sender = world.nodes.node('KG');
    const recipient: MockNode = world.nodes.node('UZ');
    recipient.faults.apply({ fault: 'flaky', rate: 0.5, seed: 'flaky-hub', calls: 50 });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const doc = await sender.issue({ type: 'tr', hsCode: '0813', recipient: 'UZ' });
      ids.push((await sender.send(doc, { recipient: 'UZ' })).exchange.exchangeId);
    }
    const finals = await Promise.all(ids.map((id) => sender.follow(id)));
    const failedAttempts = finals.flatMap(errors);
    expect(failedAttempts.length).toBeGreaterThan(0);
    for (const final of finals) expect(['Accepted', 'FailedDelivery']).toContain(final.status);
    for (const id of ids) expect(recipient.log.entries({ type: 'decided', exchangeId: id }).length).toBeLessThanOrEqual(1);
    expect(recipient.exchangeIds().decidedTwice).toEqual([]);
  });
});
