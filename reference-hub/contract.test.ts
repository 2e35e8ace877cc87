import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki } from '../fixtures/pki.ts';
import { loadProfiles } from '../fixtures/profiles/index.ts';
import { loadContract } from '../protocol/contract.ts';
import { HubError } from '../protocol/hub-contract.ts';
import { type HubFetch, type HubResponseRecord, createHttpHubClient } from '../protocol/hub-http.ts';
import type { Envelope } from '../protocol/types.ts';
import { type Testbed, startTestbed } from './testing.ts';

// Every response of every route, over real HTTPS with mutual TLS, validates against
// protocol/openapi.yaml: success and error answers alike. The push deliveries the hub makes are
// checked against the contract's webhook too.

const contract = loadContract();

interface Checked {
  operationId: string;
  status: number;
  errors: string[];
  code?: string;
}

describe('reference hub responses conform to protocol/openapi.yaml', () => {
  const checked: Checked[] = [];
  const pushes: Array<{ headers: Record<string, string>; envelope: unknown; document: Buffer; errors: string[] }> = [];
  let tb: Testbed;

  const record = (r: HubResponseRecord) => {
    const result = contract.validateResponse({ method: r.method, path: r.path, status: r.status, contentType: r.contentType, body: r.body });
    const code = r.status >= 400 && r.body && typeof r.body === 'object' ? (r.body as { code?: string }).code : undefined;
    checked.push({ operationId: result.operationId ?? `${r.method} ${r.path}`, status: r.status, errors: result.errors, ...(code ? { code } : {}) });
  };

  // The recipient side of push deliveries: checks the hub's request against the webhook contract.
  const pushFetch: HubFetch = async (_url, init) => {
    const request = new Request('https://uz.node.test/cb', { method: init.method, headers: init.headers, body: init.body as unknown as BodyInit });
    const form = await request.formData();
    const errors: string[] = [];
    const webhook = contract.operation('deliverDocument');
    for (const p of webhook.parameters) {
      const value = init.headers[p.name.toLowerCase()];
      if (p.required && value === undefined) errors.push(`missing header ${p.name}`);
    }
    const envelopePart = form.get('envelope') as Blob;
    const envelope = JSON.parse(await envelopePart.text()) as unknown;
    const envelopeCheck = contract.validateSchema('Envelope', envelope);
    errors.push(...envelopeCheck.errors);
    const document = Buffer.from(await (form.get('document') as Blob).arrayBuffer());
    pushes.push({ headers: init.headers, envelope, document, errors });
    const ack = { acknowledged: init.headers['x-ecert-exchange-id'] };
    errors.push(...contract.validateSchema('DeliveryAck', ack).errors);
    return new Response(JSON.stringify(ack), { status: 200, headers: { 'content-type': 'application/json' } });
  };

  beforeAll(async () => {
    tb = await startTestbed({
      transport: 'https',
      countries: ['UZ', 'KG', 'PK'],
      callbacks: { UZ: 'https://uz.node.test/cb' },
      hub: { fetch: pushFetch, maxUploadBytes: 64 * 1024, retentionMs: 60_000 },
      onResponse: record,
    });
  });
  afterAll(() => tb?.close());

  const expectError = async (promise: Promise<unknown>, status: number, code?: string) => {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error, `expected ${status} ${code ?? ''}`).toBeInstanceOf(HubError);
    expect((error as HubError).status).toBe(status);
    if (code) expect((error as HubError).code).toBe(code);
  };

  it('drives every operation, with its error answers, and every answer validates', async () => {
    const op = tb.operator;
    const uz = tb.node('UZ');
    const kg = tb.node('KG');
    const pk = tb.node('PK');
    const anonymous = createHttpHubClient({ baseUrl: tb.hub.url, tls: { ca: tb.hub.caPem }, onResponse: record });

    // meta
    await anonymous.health();
    await anonymous.version();
    await op.whoami();
    await kg.whoami();
    await expectError(anonymous.whoami(), 401, 'UNAUTHENTICATED');

    // submissions (API and upload), idempotency, bad input
    const toUz = await tb.issue('KG', 'UZ');
    const pushed = await kg.submit({ pdf: toUz.pdf, envelope: toUz.envelope, recipient: 'UZ', idempotencyKey: 'c-1' });
    expect(pushed.exchange.status).toBe('PendingDelivery');
    expect((await kg.submit({ pdf: toUz.pdf, envelope: toUz.envelope, recipient: 'UZ', idempotencyKey: 'c-1' })).replayed).toBe(true);
    const other = await tb.issue('KG', 'UZ', 'genuine', { seed: 'other' });
    await expectError(kg.submit({ pdf: other.pdf, envelope: other.envelope, recipient: 'UZ', idempotencyKey: 'c-1' }), 409, 'IDEMPOTENCY_CONFLICT');
    await expectError(kg.submit({ pdf: toUz.pdf, envelope: { ...toUz.envelope, envelopeVersion: '2.0' } as unknown as Envelope, recipient: 'UZ', idempotencyKey: 'c-2' }), 400, 'ENVELOPE_INVALID');
    await expectError(kg.submit({ pdf: Buffer.from('not a pdf'), envelope: toUz.envelope, recipient: 'UZ', idempotencyKey: 'c-3' }), 422, 'NOT_A_PDF');
    await expectError(kg.submit({ pdf: toUz.pdf, envelope: toUz.envelope, recipient: 'TM', idempotencyKey: 'c-4' }), 422, 'UNKNOWN_RECIPIENT');
    await expectError(kg.submit({ pdf: Buffer.alloc(100 * 1024, 0x25), envelope: toUz.envelope, recipient: 'UZ', idempotencyKey: 'c-5' }), 413, 'PAYLOAD_TOO_LARGE');
    expect((await fetchRaw(tb, 'POST', '/v1/exchanges', { 'content-type': 'application/json', 'idempotency-key': 'c-6' }, '{}')).status).toBe(415);
    expect((await fetchRaw(tb, 'POST', '/v1/keys', { 'content-type': 'application/json' }, '{"country":')).status).toBe(403);

    const toPk = await tb.issue('KG', 'PK');
    const pulled = await kg.submit({ pdf: toPk.pdf, envelope: toPk.envelope, recipient: 'PK', idempotencyKey: 'u-1', channel: 'upload' });
    expect(pulled.exchange.channel).toBe('upload');
    await kg.submit({ pdf: toPk.pdf, envelope: toPk.envelope, recipient: 'PK', idempotencyKey: 'u-1', channel: 'upload' });
    const bad = await tb.issue('KG', 'PK', 'revoked');
    const rejected = await kg.submit({ pdf: bad.pdf, envelope: bad.envelope, recipient: 'PK', idempotencyKey: 'u-2', channel: 'upload' });
    expect(rejected.exchange.status).toBe('Rejected');

    // reading exchanges
    await kg.listExchanges();
    await kg.listExchanges({ role: 'sent', status: 'PendingDelivery', limit: 10 });
    await expectError(kg.listExchanges({ limit: 0 }), 400, 'VALIDATION_FAILED');
    await kg.getExchange(pulled.exchange.exchangeId);
    await expectError(uz.getExchange(pulled.exchange.exchangeId), 404, 'EXCHANGE_NOT_FOUND');

    // recipient side: inbox, fetch, ack, decide, purge
    const inbox = await pk.listInbox();
    expect(inbox.map((i) => i.exchangeId)).toEqual([pulled.exchange.exchangeId]);
    await pk.fetchDocument(pulled.exchange.exchangeId);
    await expectError(pk.purgeDocument(pulled.exchange.exchangeId), 409, 'INVALID_STATE');
    await expectError(kg.acknowledge(pulled.exchange.exchangeId), 403, 'NOT_RECIPIENT');
    await pk.acknowledge(pulled.exchange.exchangeId);
    await expectError(pk.acknowledge(rejected.exchange.exchangeId), 409, 'INVALID_STATE');
    await expectError(pk.decide(pulled.exchange.exchangeId, { decision: 'refused' } as never), 400, 'VALIDATION_FAILED');
    await pk.decide(pulled.exchange.exchangeId, { decision: 'accepted' });
    await expectError(pk.decide(pulled.exchange.exchangeId, { decision: 'refused', reasonCode: 'SIGNATURE_INVALID' }), 409, 'DECISION_CONFLICT');
    await pk.purgeDocument(pulled.exchange.exchangeId);
    await expectError(pk.fetchDocument(pulled.exchange.exchangeId), 410, 'DOCUMENT_PURGED');
    await expectError(pk.fetchDocument('no-such-exchange'), 404);

    // push delivery happened and conformed to the webhook
    await tb.hub.idle();
    expect(pushes.length).toBeGreaterThanOrEqual(1);
    for (const p of pushes) expect(p.errors).toEqual([]);
    expect(pushes[0]!.headers['x-ecert-exchange-id']).toBe(pushed.exchange.exchangeId);
    expect(pushes[0]!.document.equals(toUz.pdf)).toBe(true);
    expect((await uz.getExchange(pushed.exchange.exchangeId)).status).toBe('Delivered');

    // verify service and lookup
    await uz.verify({ pdf: toUz.pdf, envelope: toUz.envelope });
    await uz.verify({ pdf: toUz.pdf });
    await expectError(uz.verify({ pdf: Buffer.from('GIF89a') }), 422, 'NOT_A_PDF');
    await expectError(uz.verify({ pdf: toUz.pdf, envelope: { nope: true } as unknown as Envelope }), 400, 'ENVELOPE_INVALID');
    await uz.lookupDocument(toUz.metadata.documentId);
    await expectError(uz.lookupDocument('UZ.NOPE.1'), 404, 'DOCUMENT_NOT_FOUND');

    // key registry
    await uz.listKeys();
    await uz.listKeys('KG');
    await expectError(uz.listKeys('kg'), 400, 'VALIDATION_FAILED');
    const unregistered = tb.pki.country('UZ').variant('unregistered');
    await op.registerKey({ country: 'UZ', certificatePem: unregistered.pem, label: 'extra' });
    await op.registerKey({ country: 'UZ', certificatePem: unregistered.pem });
    await expectError(uz.registerKey({ country: 'UZ', certificatePem: unregistered.pem }), 403, 'OPERATOR_ROLE_REQUIRED');
    await expectError(op.registerKey({ country: 'UZ', certificatePem: 'not a certificate' }), 422, 'INVALID_CERTIFICATE');
    await expectError(op.registerKey({ country: 'KG', certificatePem: unregistered.pem }), 422, 'COUNTRY_MISMATCH');
    await op.revokeKey(unregistered.keyId, 'test');
    await expectError(op.revokeKey('UZ:0000000000000000', 'test'), 404, 'KEY_NOT_FOUND');
    await op.registerAnchor({ country: 'UZ', certificatePem: tb.pki.country('UZ').root.pem, kind: 'anchor' });
    await expectError(op.registerAnchor({ country: 'UZ', certificatePem: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', kind: 'anchor' }), 422, 'INVALID_CERTIFICATE');
    await uz.exportTrust();

    // node registry
    await op.listNodes();
    await expectError(uz.listNodes(), 403, 'OPERATOR_ROLE_REQUIRED');
    const tj = createTestPkiNode(tb);
    await op.registerNode({ country: 'TJ', certificatePem: tj.pem, delivery: { mode: 'pull' } });
    await op.registerNode({ country: 'TJ', certificatePem: tj.pem, delivery: { mode: 'push', callbackUrl: 'https://tj.node.test/cb' } });
    await expectError(op.registerNode({ country: 'AZ', certificatePem: tj.pem, delivery: { mode: 'pull' } }), 409, 'CERTIFICATE_IN_USE');
    await op.revokeNode('TJ');
    await expectError(op.revokeNode('AF'), 404, 'NODE_NOT_FOUND');
    const tjClient = tb.hub.client({ cert: tj.pem, key: tj.keyPem }, { onResponse: record });
    await expectError(tjClient.whoami(), 403, 'CERTIFICATE_REVOKED');

    // logs
    await op.readLog('exchange');
    await kg.readLog('exchange', { afterSeq: 2, limit: 5 });
    expect((await fetchRaw(tb, 'GET', '/v1/logs/other', {})).status).toBe(400);
    await op.exportLog('audit');
    await expectError(uz.exportLog('audit'), 403, 'OPERATOR_ROLE_REQUIRED');
    await kg.checkLog('exchange');

    // test clock
    await op.getClock();
    await op.setClock({ offsetMs: 1000 });
    await op.setClock({ now: new Date(Date.now() + 2000).toISOString() });
    await expectError(op.setClock({ offsetMs: 'soon' } as never), 400, 'VALIDATION_FAILED');
    await expectError(uz.getClock(), 403, 'OPERATOR_ROLE_REQUIRED');

    // Every answer validates; every operation answered at least once with a 2xx.
    const invalid = checked.filter((c) => c.errors.length);
    expect(invalid).toEqual([]);
    const ok = new Set(checked.filter((c) => c.status < 300).map((c) => c.operationId));
    const all = contract.operations.filter((o) => !o.webhook).map((o) => o.operationId);
    expect(all.filter((id) => !ok.has(id))).toEqual([]);
    const statuses = new Set(checked.map((c) => c.status));
    for (const s of [200, 201, 204, 400, 401, 403, 404, 409, 410, 413, 422]) expect(statuses.has(s), `status ${s} exercised`).toBe(true);
    expect(checked.every((c) => c.status < 500)).toBe(true);
  });
});

function createTestPkiNode(tb: Testbed) {
  // A country the testbed did not register.
  return createTestPki({ seed: tb.pki.seed, profiles: loadProfiles(['TJ']) }).country('TJ').node;
}

async function fetchRaw(tb: Testbed, method: string, path: string, headers: Record<string, string>, body?: string) {
  const { Agent, fetch } = await import('undici');
  const node = tb.pki.country('KG').node;
  const agent = new Agent({ connect: { ca: tb.hub.caPem, cert: node.pem, key: node.keyPem } });
  try {
    const res = await fetch(`${tb.hub.url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}), dispatcher: agent });
    const text = await res.text();
    const check = loadContract().validateResponse({ method, path, status: res.status, contentType: res.headers.get('content-type'), body: text });
    expect(check.errors).toEqual([]);
    return { status: res.status, body: text };
  } finally {
    await agent.close();
  }
}
