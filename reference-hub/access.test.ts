import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki } from '../fixtures/pki.ts';
import { loadProfiles } from '../fixtures/profiles/index.ts';
import { HubError, type Exchange } from '../protocol/hub-contract.ts';
import { createHttpHubClient } from '../protocol/hub-http.ts';
import { type Testbed, startTestbed } from './testing.ts';

// Access control over real HTTPS with mutual TLS: nodes see only their own exchanges, and
// another node's exchange is indistinguishable from one that does not exist.

const failure = async (promise: Promise<unknown>): Promise<HubError> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof HubError)) throw new Error(`expected a HubError, got ${String(error)}`);
  return error;
};

describe('access control', () => {
  let tb: Testbed;
  let exchange: Exchange;

  beforeAll(async () => {
    tb = await startTestbed({ transport: 'https', countries: ['UZ', 'KG', 'PK'] });
    const doc = await tb.issue('KG', 'UZ');
    exchange = (await tb.node('KG').submit({ pdf: doc.pdf, envelope: doc.envelope, recipient: 'UZ', idempotencyKey: 'a1' })).exchange;
  });
  afterAll(() => tb?.close());

  it('a third node cannot read, fetch, acknowledge, decide or purge the exchange, and learns nothing about it', async () => {
    const pk = tb.node('PK');
    const attempts = {
      read: () => pk.getExchange(exchange.exchangeId),
      fetch: () => pk.fetchDocument(exchange.exchangeId),
      acknowledge: () => pk.acknowledge(exchange.exchangeId),
      decide: () => pk.decide(exchange.exchangeId, { decision: 'accepted' }),
      purge: () => pk.purgeDocument(exchange.exchangeId),
    };
    for (const [what, attempt] of Object.entries(attempts)) {
      const error = await failure(attempt());
      expect([what, error.status, error.code]).toEqual([what, 404, 'EXCHANGE_NOT_FOUND']);
      // Same answer as for an id that does not exist.
      const missing = await failure(pk.getExchange('00000000-0000-0000-0000-000000000000'));
      expect(error.message.replace(exchange.exchangeId, 'ID')).toBe(missing.message.replace('00000000-0000-0000-0000-000000000000', 'ID'));
    }
    expect(await pk.listExchanges()).toEqual([]);
    expect(await pk.listInbox()).toEqual([]);
    const log = await pk.readLog('exchange', { limit: 1000 });
    expect(log.filter((e) => e.exchangeId === exchange.exchangeId)).toEqual([]);
    // The exchange is intact for its parties.
    expect((await tb.node('UZ').getExchange(exchange.exchangeId)).status).toBe('PendingDelivery');
    expect((await tb.node('KG').listExchanges({ role: 'sent' })).map((e) => e.exchangeId)).toEqual([exchange.exchangeId]);
  });

  it('the sender can read its exchange but not act as the recipient', async () => {
    const kg = tb.node('KG');
    expect((await kg.getExchange(exchange.exchangeId)).exchangeId).toBe(exchange.exchangeId);
    for (const attempt of [() => kg.acknowledge(exchange.exchangeId), () => kg.decide(exchange.exchangeId, { decision: 'accepted' })]) {
      expect(await failure(attempt())).toMatchObject({ status: 403, code: 'NOT_RECIPIENT' });
    }
    expect(await tb.node('UZ').listExchanges({ role: 'received' })).toHaveLength(1);
    expect(await tb.node('UZ').listExchanges({ role: 'sent' })).toEqual([]);
  });

  it('refuses calls without a certificate or with an unknown one (401), and operator calls from nodes (403)', async () => {
    const anonymous = createHttpHubClient({ baseUrl: tb.hub.url, tls: { ca: tb.hub.caPem } });
    expect(await failure(anonymous.getExchange(exchange.exchangeId))).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    const stranger = createTestPki({ seed: 'somebody-else', profiles: loadProfiles(['UZ']) }).country('UZ').node;
    const impostor = createHttpHubClient({ baseUrl: tb.hub.url, tls: { ca: tb.hub.caPem, cert: stranger.pem, key: stranger.keyPem } });
    const unknown = await failure(impostor.getExchange(exchange.exchangeId));
    expect(unknown).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    expect(unknown.message).toMatch(/not registered/);
    const uz = tb.node('UZ');
    for (const attempt of [
      () => uz.registerNode({ country: 'UZ', certificatePem: stranger.pem, delivery: { mode: 'pull' } }),
      () => uz.revokeNode('KG'),
      () => uz.revokeKey(tb.pki.country('KG').signer.keyId, 'hostile'),
      () => uz.registerAnchor({ country: 'UZ', certificatePem: stranger.pem, kind: 'anchor' }),
      () => uz.setClock({ offsetMs: 1 }),
      () => uz.listNodes(),
    ]) {
      expect(await failure(attempt())).toMatchObject({ status: 403, code: 'OPERATOR_ROLE_REQUIRED' });
    }
    // Nothing changed.
    expect((await tb.operator.listKeys('KG')).find((k) => k.keyId === tb.pki.country('KG').signer.keyId)?.status).toBe('active');
  });

  it('refuses a revoked node certificate on every call, and accepts the node again once re-registered', async () => {
    const pkPki = tb.pki.country('PK').node;
    await tb.operator.revokeNode('PK');
    const pk = tb.node('PK');
    for (const attempt of [() => pk.whoami(), () => pk.listInbox(), () => pk.listExchanges(), () => pk.listKeys()]) {
      expect(await failure(attempt())).toMatchObject({ status: 403, code: 'CERTIFICATE_REVOKED' });
    }
    const doc = await tb.issue('KG', 'PK');
    // Nor can documents be sent to it.
    expect(await failure(tb.node('KG').submit({ pdf: doc.pdf, envelope: doc.envelope, recipient: 'PK', idempotencyKey: 'to-revoked' }))).toMatchObject({
      status: 422,
      code: 'UNKNOWN_RECIPIENT',
    });
    await tb.operator.registerNode({ country: 'PK', certificatePem: pkPki.pem, delivery: { mode: 'pull' } });
    expect(await pk.whoami()).toMatchObject({ role: 'node', country: 'PK' });
    const audit = await tb.operator.readLog('audit', { limit: 1000 });
    expect(audit.map((e) => e.type)).toEqual(expect.arrayContaining(['node.revoked', 'node.registered']));
  });

  it('does not let a node submit a document issued by another country', async () => {
    const doc = await tb.issue('KG', 'UZ');
    expect(await failure(tb.node('PK').submit({ pdf: doc.pdf, envelope: doc.envelope, recipient: 'UZ', idempotencyKey: 'not-mine' }))).toMatchObject({
      status: 422,
      code: 'SENDER_NOT_ISSUER',
    });
  });
});
