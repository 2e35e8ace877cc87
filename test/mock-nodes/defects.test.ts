import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flipByte } from '../../fixtures/tamper.ts';
import { buildEnvelope } from '../../protocol/envelope.ts';
import { verifyDocument } from '../../protocol/verify.ts';
import type { IssuedDocument } from '../../fixtures/issue.ts';
import { type World, pki, startWorld } from './support.ts';

// A node never takes the hub's verdict: when a defective hub lets a tampered document through,
// the recipient still refuses it, with the verifier's own reason code. And when a defective hub
// delivers twice, the recipient's effect stays exactly once.

function tampered(doc: IssuedDocument) {
  // One byte changed inside the signed range; the envelope is rebuilt over the changed bytes, so
  // only the signature's message digest can notice.
  const pdf = flipByte(doc.pdf);
  const envelope = buildEnvelope(pdf, doc.envelope.metadata, { keyId: doc.envelope.signature.keyId, subFilter: doc.envelope.signature.subFilter });
  return { pdf, envelope };
}

describe('recipient verifies independently of a hub that accepts tampered files', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld({ transport: 'in-process', defects: ['accept-tampered'] });
  });
  afterAll(() => world?.close());

  for (const [from, to] of [
    ['UZ', 'PK'],
    ['AZ', 'KG'],
  ] as const) {
    it(`${from} -> ${to}: the hub delivers the tampered document, ${to} refuses it with the verifier's reason code`, async () => {
      const sender = world.nodes.node(from);
      const recipient = world.nodes.node(to);
      const bad = tampered(await sender.issue({ type: 'tr', hsCode: '0813', recipient: to }));
      const oracle = verifyDocument({ pdf: bad.pdf, envelope: bad.envelope, trust: pki().trustRegistry(), at: new Date() });
      expect(oracle.valid).toBe(false);
      expect(oracle.reasonCodes[0]).toBe('MESSAGE_DIGEST_MISMATCH');

      const sent = await sender.send(bad, { recipient: to });
      expect(sent.exchange.verification.valid).toBe(true); // the defective hub's verdict
      const decision = await recipient.waitForDecision(sent.exchange.exchangeId);
      expect(decision).toMatchObject({ decision: 'refused', reasonCode: oracle.reasonCodes[0], reported: true });
      expect(decision.report.checks.fileIntegrity.reasonCode).toBe('MESSAGE_DIGEST_MISMATCH');
      expect(decision.mechanisms).toEqual([]);
      const final = await sender.follow(sent.exchange.exchangeId);
      expect(final.status).toBe('Refused');
      expect(final.decision).toMatchObject({ decision: 'refused', reasonCode: 'MESSAGE_DIGEST_MISMATCH' });
      expect(recipient.log.entries({ type: 'verified', exchangeId: sent.exchange.exchangeId })[0]?.data).toMatchObject({
        valid: false,
        reasonCodes: expect.arrayContaining(['MESSAGE_DIGEST_MISMATCH']),
      });
    });
  }
});

describe('the same tampered document against a conforming hub', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld({ transport: 'in-process' });
  });
  afterAll(() => world?.close());

  it('is rejected on ingest and never reaches the recipient', async () => {
    const uz = world.nodes.node('UZ');
    const bad = tampered(await uz.issue({ type: 'tr', hsCode: '0813', recipient: 'PK' }));
    const sent = await uz.send(bad, { recipient: 'PK' });
    expect(sent.exchange.status).toBe('Rejected');
    expect(sent.exchange.verification.reasonCodes).toContain('MESSAGE_DIGEST_MISMATCH');
    expect(world.nodes.node('PK').exchangeIds().received).not.toContain(sent.exchange.exchangeId);
  });
});

describe('a hub that delivers twice', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld({ transport: 'in-process', defects: ['deliver-twice'] });
  });
  afterAll(() => world?.close());

  it('the recipient takes both deliveries and decides once', async () => {
    const uz = world.nodes.node('UZ');
    const pk = world.nodes.node('PK');
    const doc = await uz.issue({ type: 'coc', hsCode: '8516', recipient: 'PK' });
    const id = (await uz.send(doc, { recipient: 'PK' })).exchange.exchangeId;
    await pk.waitForDecision(id);
    await world.hub.idle();
    const deadline = Date.now() + 5_000;
    while ((pk.receipt(id)?.deliveries ?? 0) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(pk.receipt(id)?.deliveries).toBe(2);
    expect(pk.log.entries({ type: 'decided', exchangeId: id })).toHaveLength(1);
    expect(pk.exchangeIds()).toMatchObject({ redelivered: [id], decidedTwice: [] });
    expect((await uz.follow(id)).status).toBe('Accepted');
  });
});
