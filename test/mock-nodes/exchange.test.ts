import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentTypesForPair, getProfile, productsForPair } from '../../fixtures/profiles/index.ts';
import { type World, profiles, startWorld } from './support.ts';

// Each profile issues, sends on its track, and each one receives (push for track A, inbox pull
// for track B), verifies independently, checks its trust mechanisms and decides: on both
// transports, against the reference hub. Every country sends once and receives once.

const PAIRS: Array<[string, string]> = [
  ['UZ', 'PK'], // A -> A: API submit, push delivery
  ['PK', 'KG'], // A -> B: API submit, inbox pull (TR only for this pair)
  ['AZ', 'UZ'], // B -> A: file upload, push delivery
  ['KG', 'TJ'], // B -> B: file upload, inbox pull
  ['TJ', 'AZ'], // B -> B: TJ documents carry no QR code
];

const sha256 = (b: Uint8Array) => crypto.createHash('sha256').update(b).digest('hex');

for (const transport of ['in-process', 'server'] as const) {
  describe(`mock nodes end to end (${transport} transport)`, () => {
    let world: World;
    beforeAll(async () => {
      world = await startWorld({ transport });
    });
    afterAll(() => world?.close());

    it('covers every profile as a sender and as a recipient', () => {
      expect(new Set(PAIRS.map(([s]) => s))).toEqual(new Set(profiles.map((p) => p.code)));
      expect(new Set(PAIRS.map(([, r]) => r))).toEqual(new Set(profiles.map((p) => p.code)));
    });

    PAIRS.forEach(([from, to], i) => {
      it(`${from} -> ${to}: issue, send, receive, verify, decide`, async () => {
        const sender = world.nodes.node(from);
        const recipient = world.nodes.node(to);
        const types = documentTypesForPair(getProfile(from), getProfile(to));
        const type = types[i % types.length]!;
        const hsCode = productsForPair(getProfile(from), getProfile(to))[0]!;
        const doc = await sender.issue({ type, hsCode, recipient: to });

        const sent = await sender.send(doc, { recipient: to });
        expect(sent.exchange.channel).toBe(sender.track === 'A' ? 'api' : 'upload');
        expect(sent.exchange.verification.valid).toBe(true);
        expect(sent).toMatchObject({ attempts: 1, replayed: false });
        const exchangeId = sent.exchange.exchangeId;

        const decision = await recipient.waitForDecision(exchangeId);
        expect(decision).toMatchObject({ decision: 'accepted', reported: true });
        expect(decision.report.valid).toBe(true);
        expect(decision.mechanisms.filter((m) => m.result === 'failed')).toEqual([]);
        expect(recipient.receipt(exchangeId)).toMatchObject({ deliveries: 1, sha256: sha256(doc.pdf), documentId: doc.envelope.metadata.documentId });

        const final = await sender.follow(exchangeId);
        expect(final.status).toBe('Accepted');
        expect(final.delivery.mode).toBe(recipient.track === 'A' ? 'push' : 'pull');
        expect(final.decision).toMatchObject({ decision: 'accepted' });

        expect(sender.exchangeIds().sent).toContain(exchangeId);
        expect(recipient.exchangeIds()).toMatchObject({ decidedTwice: [], decisionNotReported: [] });
        expect(recipient.exchangeIds().received).toContain(exchangeId);
        expect(recipient.exchangeIds().decided).toContain(exchangeId);
        expect(sender.record(doc.envelope.metadata.documentId).sent).toEqual([exchangeId]);
        expect(recipient.record(doc.envelope.metadata.documentId).decisions.map((d) => d.decision)).toEqual(['accepted']);

        // What each profile checks, beyond the signature.
        const byMechanism = Object.fromEntries(decision.mechanisms.map((m) => [m.mechanism, m.result]));
        if (to === 'PK' || to === 'UZ') expect(byMechanism.qr).toBe('passed');
        if (to === 'TJ') expect(byMechanism.registry).toBe('passed');
        if (to === 'AZ') expect(byMechanism).toMatchObject({ qr: 'not-applicable', watermark: 'not-applicable' });
        if (to === 'KG') expect(byMechanism).toMatchObject({ registry: 'passed' });
      });
    });

    it('exports each node\'s log as logs/node-<CC>.jsonl, consistent with the hub', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'node-logs-'));
      try {
        const files = world.nodes.exportLogs(dir);
        expect(files.map((f) => path.basename(f)).sort()).toEqual(profiles.map((p) => `node-${p.code}.jsonl`).sort());
        const hubExchanges = await world.hub.client().listExchanges({ limit: 1000 });
        for (const [cc, ids] of Object.entries(world.nodes.exchangeIds())) {
          const lines = fs.readFileSync(path.join(dir, `node-${cc}.jsonl`), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
          expect(lines.every((e, i) => e.seq === i + 1 && e.node === cc)).toBe(true);
          // Nothing lost, nothing duplicated: what the node sent and decided is what the hub holds.
          expect(new Set(ids.sent)).toEqual(new Set(hubExchanges.filter((x) => x.sender === cc).map((x) => x.exchangeId)));
          expect(new Set(ids.decided)).toEqual(new Set(hubExchanges.filter((x) => x.recipient === cc && x.decision).map((x) => x.exchangeId)));
          expect(ids.decidedTwice).toEqual([]);
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('KG verifies a document without a QR code by registry lookup (TJ -> KG)', async () => {
      const tj = world.nodes.node('TJ');
      const kg = world.nodes.node('KG');
      const doc = await tj.issue({ type: 'coc', hsCode: '0813', recipient: 'KG' });
      const sent = await tj.send(doc, { recipient: 'KG' });
      const decision = await kg.waitForDecision(sent.exchange.exchangeId);
      expect(decision.decision).toBe('accepted');
      expect(decision.mechanisms.map((m) => [m.mechanism, m.result])).toEqual([
        ['qr', 'not-applicable'],
        ['registry', 'passed'],
      ]);
      expect(decision.mechanisms[1]!.detail).toContain('no QR code: registry lookup');
    });

    it('refuses a document that claims a QR code but carries none (QR_MISSING), and the hub records it', async () => {
      const uz = world.nodes.node('UZ');
      const pk = world.nodes.node('PK');
      const doc = await uz.issue({ type: 'coc', hsCode: '8516', recipient: 'PK', qr: false });
      expect(doc.envelope.metadata.trustMechanisms).toContain('qr');
      const sent = await uz.send(doc, { recipient: 'PK' });
      const decision = await pk.waitForDecision(sent.exchange.exchangeId);
      expect(decision).toMatchObject({ decision: 'refused', reasonCode: 'QR_MISSING', reported: true });
      const final = await uz.follow(sent.exchange.exchangeId);
      expect(final.status).toBe('Refused');
      expect(final.decision?.reasonCode).toBe('QR_MISSING');
    });
  });
}
