import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyDocument } from '../../protocol/verify.ts';
import { type World, pki, startWorld } from './support.ts';

// A node never takes the hub's verdict: when a defective hub lets a tampered document through,
// the recipient still refuses it, with the verifier's own reason code. And when a defective hub
// delivers twice, the recipient's effect stays exactly once.

// The 'byte-flip' variant (fixtures/issue.ts): one byte changed inside the signed range, the
// envelope built over the changed bytes, so only the signature's message digest can notice.

describe('recipient verifies independently of a hub that lets bad documents through', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld({ transport: 'in-process', defects: ['accept-tampered', 'skip-registry-check', 'ignore-revocation', 'ignore-expiry'] });
  });
  afterAll(() => world?.close());

  const cases = [
    ['UZ', 'PK', 'byte-flip', 'MESSAGE_DIGEST_MISMATCH'],
    ['AZ', 'KG', 'byte-flip', 'MESSAGE_DIGEST_MISMATCH'],
    ['PK', 'UZ', 'unregistered-key', 'SIGNER_NOT_REGISTERED'],
    ['KG', 'TJ', 'revoked-key', 'SIGNER_REVOKED'],
    ['TJ', 'AZ', 'expired-document', 'DOCUMENT_EXPIRED'],
  ] as const;
  for (const [from, to, variant, code] of cases) {
    it(`${from} -> ${to} (${variant}): the hub delivers it, ${to} refuses it with the verifier's reason code ${code}`, async () => {
      const sender = world.nodes.node(from);
      const recipient = world.nodes.node(to);
      const type = from === 'TJ' ? 'coc' : 'tr';
      const bad = await sender.issue({ type, hsCode: '0813', recipient: to, variant });
      expect(bad).toMatchObject({ genuine: false, expectedReasonCode: code });
      // The harness's own verdict on the bytes, with the registry the hub should have used.
      const oracle = verifyDocument({ pdf: bad.pdf, envelope: bad.envelope, trust: pki().trustRegistry(), at: new Date() });
      expect(oracle.reasonCodes[0]).toBe(code);

      const sent = await sender.send(bad, { recipient: to });
      expect(sent.exchange.verification.valid).toBe(true); // the defective hub's verdict
      const decision = await recipient.waitForDecision(sent.exchange.exchangeId);
      expect(decision).toMatchObject({ decision: 'refused', reasonCode: code, reported: true });
      expect(decision.mechanisms).toEqual([]);
      const final = await sender.follow(sent.exchange.exchangeId);
      expect(final.status).toBe('Refused');
      expect(final.decision).toMatchObject({ decision: 'refused', reasonCode: code });
      expect(recipient.log.entries({ type: 'verified', exchangeId: sent.exchange.exchangeId })[0]?.data).toMatchObject({
        valid: false,
        reasonCodes: expect.arrayContaining([code]),
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
    const bad = await uz.issue({ type: 'tr', hsCode: '0813', recipient: 'PK', variant: 'byte-flip' });
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
