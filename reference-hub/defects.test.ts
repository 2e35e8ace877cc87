import { describe, expect, it } from 'vitest';
import { HubError } from '../protocol/hub-contract.ts';
import { DEFECTS, DEFECT_NAMES, type DefectName, parseDefects } from './defects.ts';
import { type TestDocumentKind, type Testbed, createPushRecipient, startTestbed } from './testing.ts';

// Each defect switch changes the hub's behaviour as documented: the same scenario is run on a
// clean hub and on a hub with the switch, and the observations must differ in the documented way.
// (Whether the harness catches each one is the runner's sensitivity self-test.)

const MINUTE = 60_000;

async function withBed<T>(defects: DefectName[], run: (tb: Testbed) => Promise<T>, extra: { push?: boolean } = {}): Promise<T> {
  const recipient = createPushRecipient('ok');
  const tb = await startTestbed({
    countries: ['UZ', 'KG', 'PK'],
    ...(extra.push ? { callbacks: { UZ: 'https://uz.node.test/cb' } } : {}),
    hub: { defects, fetch: recipient.fetch, retry: { attempts: 4, baseDelayMs: MINUTE, factor: 2, maxDelayMs: 10 * MINUTE, attemptTimeoutMs: 500 }, retentionMs: 60 * MINUTE },
  });
  (tb as Testbed & { recipient: typeof recipient }).recipient = recipient;
  try {
    return await run(tb);
  } finally {
    await tb.close();
  }
}

const recipientOf = (tb: Testbed) => (tb as Testbed & { recipient: ReturnType<typeof createPushRecipient> }).recipient;

async function shift(tb: Testbed, ms: number): Promise<void> {
  const { offsetMs } = await tb.operator.getClock();
  await tb.operator.setClock({ offsetMs: offsetMs + ms });
  await tb.hub.idle();
}

/** Submit a document of a kind and report the hub's verdict. */
const verdictOf = (kind: TestDocumentKind) => async (tb: Testbed) => {
  const doc = await tb.issue('KG', 'UZ', kind);
  const { exchange } = await tb.node('KG').submit({ pdf: doc.pdf, envelope: doc.envelope, recipient: 'UZ', idempotencyKey: kind });
  return { status: exchange.status, reasonCodes: exchange.verification.reasonCodes };
};

type Scenario = { clean: unknown; defective: unknown; run: (tb: Testbed) => Promise<unknown>; push?: boolean };

const SCENARIOS: Record<DefectName, Scenario> = {
  'accept-tampered': {
    run: verdictOf('tampered'),
    clean: { status: 'Rejected', reasonCodes: ['MESSAGE_DIGEST_MISMATCH'] },
    defective: { status: 'PendingDelivery', reasonCodes: [] },
  },
  'skip-registry-check': {
    run: async (tb) => [await verdictOf('unregistered')(tb), await verdictOf('foreign')(tb)],
    clean: [
      { status: 'Rejected', reasonCodes: ['SIGNER_NOT_REGISTERED'] },
      { status: 'Rejected', reasonCodes: ['COUNTRY_MISMATCH'] },
    ],
    defective: [
      { status: 'PendingDelivery', reasonCodes: [] },
      { status: 'PendingDelivery', reasonCodes: [] },
    ],
  },
  'ignore-revocation': {
    run: verdictOf('revoked'),
    clean: { status: 'Rejected', reasonCodes: ['SIGNER_REVOKED'] },
    defective: { status: 'PendingDelivery', reasonCodes: [] },
  },
  'ignore-expiry': {
    run: verdictOf('expired'),
    clean: { status: 'Rejected', reasonCodes: ['DOCUMENT_EXPIRED'] },
    defective: { status: 'PendingDelivery', reasonCodes: [] },
  },
  'skip-metadata-check': {
    run: verdictOf('metadata-mismatch'),
    clean: { status: 'Rejected', reasonCodes: ['METADATA_MISMATCH'] },
    defective: { status: 'PendingDelivery', reasonCodes: [] },
  },
  'wrong-reason-code': {
    run: async (tb) => [await verdictOf('revoked')(tb), await verdictOf('genuine')(tb)],
    clean: [
      { status: 'Rejected', reasonCodes: ['SIGNER_REVOKED'] },
      { status: 'PendingDelivery', reasonCodes: [] },
    ],
    defective: [
      { status: 'Rejected', reasonCodes: ['VERIFICATION_FAILED'] },
      { status: 'PendingDelivery', reasonCodes: [] },
    ],
  },
  'ignore-idempotency': {
    run: async (tb) => {
      const doc = await tb.issue('KG', 'UZ');
      const req = { pdf: doc.pdf, envelope: doc.envelope, recipient: 'UZ', idempotencyKey: 'retry-me' };
      const a = await tb.node('KG').submit(req);
      const b = await tb.node('KG').submit(req);
      return { replayed: b.replayed, sameExchange: a.exchange.exchangeId === b.exchange.exchangeId, exchanges: (await tb.node('KG').listExchanges()).length };
    },
    clean: { replayed: true, sameExchange: true, exchanges: 1 },
    defective: { replayed: false, sameExchange: false, exchanges: 2 },
  },
  'deliver-twice': {
    push: true,
    run: async (tb) => {
      const toUz = await tb.issue('KG', 'UZ');
      const pushed = (await tb.node('KG').submit({ pdf: toUz.pdf, envelope: toUz.envelope, recipient: 'UZ', idempotencyKey: 'p' })).exchange;
      await tb.hub.idle();
      await shift(tb, 5 * MINUTE);
      const pushes = recipientOf(tb).seen.filter((s) => s.exchangeId === pushed.exchangeId).length;
      const toPk = await tb.issue('KG', 'PK');
      const pulled = (await tb.node('KG').submit({ pdf: toPk.pdf, envelope: toPk.envelope, recipient: 'PK', idempotencyKey: 'q' })).exchange;
      await tb.node('PK').acknowledge(pulled.exchangeId);
      const inboxAfterAck = (await tb.node('PK').listInbox()).length;
      await tb.node('PK').acknowledge(pulled.exchangeId);
      const inboxAfterSecondAck = (await tb.node('PK').listInbox()).length;
      return { pushes, inboxAfterAck, inboxAfterSecondAck, status: (await tb.node('KG').getExchange(pushed.exchangeId)).status };
    },
    clean: { pushes: 1, inboxAfterAck: 0, inboxAfterSecondAck: 0, status: 'Delivered' },
    defective: { pushes: 2, inboxAfterAck: 1, inboxAfterSecondAck: 0, status: 'Delivered' },
  },
  'lose-pending-on-restart': {
    push: true,
    run: async (tb) => {
      recipientOf(tb).mode = 'http-503';
      const doc = await tb.issue('KG', 'UZ');
      const { exchange } = await tb.node('KG').submit({ pdf: doc.pdf, envelope: doc.envelope, recipient: 'UZ', idempotencyKey: 'r' });
      await tb.hub.idle();
      await tb.hub.restart();
      recipientOf(tb).mode = 'ok';
      await shift(tb, 30 * MINUTE);
      const ex = await tb.node('KG').getExchange(exchange.exchangeId);
      return { status: ex.status, attempts: ex.delivery.attempts.length, scheduled: ex.delivery.nextAttemptAt !== undefined };
    },
    clean: { status: 'Delivered', attempts: 2, scheduled: false },
    defective: { status: 'PendingDelivery', attempts: 1, scheduled: false },
  },
  'no-retry': {
    push: true,
    run: async (tb) => {
      recipientOf(tb).mode = 'refuse';
      const doc = await tb.issue('KG', 'UZ');
      const { exchange } = await tb.node('KG').submit({ pdf: doc.pdf, envelope: doc.envelope, recipient: 'UZ', idempotencyKey: 'n' });
      await tb.hub.idle();
      recipientOf(tb).mode = 'ok';
      await shift(tb, 2 * MINUTE);
      const ex = await tb.node('KG').getExchange(exchange.exchangeId);
      return { status: ex.status, attempts: ex.delivery.attempts.length };
    },
    clean: { status: 'Delivered', attempts: 2 },
    defective: { status: 'FailedDelivery', attempts: 1 },
  },
  'leak-exchanges': {
    run: async (tb) => {
      const doc = await tb.issue('KG', 'UZ');
      const { exchange } = await tb.node('KG').submit({ pdf: doc.pdf, envelope: doc.envelope, recipient: 'UZ', idempotencyKey: 'l' });
      const read = await tb
        .node('PK')
        .getExchange(exchange.exchangeId)
        .then(
          () => 200,
          (e: unknown) => (e as HubError).status,
        );
      return { read, listed: (await tb.node('PK').listExchanges()).length };
    },
    clean: { read: 404, listed: 0 },
    defective: { read: 200, listed: 1 },
  },
  'break-audit-chain': {
    run: async (tb) => {
      const check = await tb.operator.checkLog('audit');
      return { valid: check.valid, brokenAt: check.brokenAt ?? null, exchangeLogValid: (await tb.operator.checkLog('exchange')).valid };
    },
    clean: { valid: true, brokenAt: null, exchangeLogValid: true },
    defective: { valid: false, brokenAt: 2, exchangeLogValid: true },
  },
  'no-purge': {
    run: async (tb) => {
      const doc = await tb.issue('KG', 'UZ');
      const { exchange } = await tb.node('KG').submit({ pdf: doc.pdf, envelope: doc.envelope, recipient: 'UZ', idempotencyKey: 'np' });
      await tb.node('UZ').acknowledge(exchange.exchangeId);
      await shift(tb, 61 * MINUTE);
      return tb
        .node('UZ')
        .fetchDocument(exchange.exchangeId)
        .then(
          () => 200,
          (e: unknown) => (e as HubError).status,
        );
    },
    clean: 410,
    defective: 200,
  },
  'off-contract-answers': {
    run: async (tb) => {
      const doc = await tb.issue('KG', 'UZ');
      const { exchange } = await tb.node('KG').submit({ pdf: doc.pdf, envelope: doc.envelope, recipient: 'UZ', idempotencyKey: 'oc' });
      const read = await tb.node('KG').getExchange(exchange.exchangeId);
      return { createdAt: 'createdAt' in read, verifiedAt: 'verifiedAt' in read.verification, status: read.status };
    },
    clean: { createdAt: true, verifiedAt: true, status: 'PendingDelivery' },
    defective: { createdAt: false, verifiedAt: false, status: 'PendingDelivery' },
  },
};

describe('defect switches', () => {
  it('are documented: name, English and Russian description, the rule each breaks, who should catch it', () => {
    expect(Object.keys(SCENARIOS).sort()).toEqual([...DEFECT_NAMES].sort());
    expect(new Set(DEFECT_NAMES).size).toBe(DEFECTS.length);
    for (const d of DEFECTS) {
      expect(d.name).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(d.description.en.length).toBeGreaterThan(20);
      expect(d.description.ru).toMatch(/[а-я]/);
      expect(d.breaks.rule).toMatch(/^HUB-[A-Z-]+$/);
      expect(d.breaks.text.ru).toMatch(/[а-я]/);
      expect(d.detectedBy.length).toBeGreaterThan(0);
    }
    expect(() => parseDefects(['no-such-defect'])).toThrow(/unknown defect switch "no-such-defect"; known: accept-tampered/);
  });

  it('none is active unless asked for; the version endpoint lists the active ones', async () => {
    expect(await withBed([], (tb) => tb.operator.version())).toMatchObject({ defects: [], capabilities: ['test-clock', 'defect-switches'] });
    expect((await withBed(['no-purge', 'no-retry'], (tb) => tb.operator.version())).defects).toEqual(['no-purge', 'no-retry']);
  });

  for (const name of DEFECT_NAMES) {
    it(`${name} changes the hub's behaviour as documented`, async () => {
      const scenario = SCENARIOS[name];
      const clean = await withBed([], scenario.run, { push: scenario.push ?? false });
      const defective = await withBed([name], scenario.run, { push: scenario.push ?? false });
      expect(clean).toEqual(scenario.clean);
      expect(defective).toEqual(scenario.defective);
    });
  }
});
