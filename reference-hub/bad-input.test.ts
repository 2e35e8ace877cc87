import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormData, Request as UndiciRequest } from 'undici';
import { HubError } from '../protocol/hub-contract.ts';
import type { HubFetch, HttpHubClient } from '../protocol/hub-http.ts';
import type { Envelope } from '../protocol/types.ts';
import { type TestDocument, type Testbed, startTestbed } from './testing.ts';

// Bad input gets the right 4xx naming the problem, never a 5xx, never a crash, and writes
// nothing: after every case below the hub is healthy and holds no exchange.

const LIMIT = 48 * 1024;

const failure = async (promise: Promise<unknown>): Promise<HubError> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof HubError)) throw new Error(`expected a HubError, got ${error === undefined ? 'success' : String(error)}`);
  return error;
};

/** A client whose request body / headers a test rewrites on the way out. */
function rewriting(tb: Testbed, rewrite: (init: Parameters<HubFetch>[1]) => Parameters<HubFetch>[1]): HttpHubClient {
  return tb.node('KG', { wrapFetch: (inner) => (url, init) => inner(url, rewrite(init)) });
}

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('bad input', () => {
  let tb: Testbed;
  let doc: TestDocument;
  beforeAll(async () => {
    tb = await startTestbed({ countries: ['UZ', 'KG'], hub: { maxUploadBytes: LIMIT } });
    doc = await tb.issue('KG', 'UZ');
  });
  afterAll(async () => {
    // Nothing was half-written by any case.
    expect(await tb.operator.listExchanges()).toEqual([]);
    expect((await tb.operator.readLog('exchange')).length).toBe(0);
    expect(await tb.operator.health()).toMatchObject({ status: 'ok' });
    await tb.close();
  });

  const submit = (over: Partial<{ pdf: Uint8Array; envelope: unknown; recipient: string; idempotencyKey: string; channel: 'api' | 'upload' }> = {}, client?: HttpHubClient) =>
    (client ?? tb.node('KG')).submit({
      pdf: doc.pdf,
      envelope: doc.envelope,
      recipient: 'UZ',
      idempotencyKey: `k-${Math.random()}`,
      ...over,
    } as Parameters<HttpHubClient['submit']>[0]);

  it('names the envelope field that breaks the schema (400)', async () => {
    const metadata = { ...doc.envelope.metadata, products: [{ ...doc.envelope.metadata.products[0]!, hsCode: '08.13' }] };
    const error = await failure(submit({ envelope: { ...doc.envelope, metadata } }));
    expect(error).toMatchObject({ status: 400, code: 'ENVELOPE_INVALID' });
    expect(error.message).toContain('/metadata/products/0/hsCode');
    expect((error.details as { errors: Array<{ path: string }> }).errors.map((e) => e.path)).toContain('/metadata/products/0/hsCode');
    const ru = await failure(submit({ envelope: { ...doc.envelope, metadata } }, tb.node('KG', { lang: 'ru' })));
    expect(ru.message).toMatch(/^Конверт некорректен в поле \/metadata\/products\/0\/hsCode/);
  });

  it('refuses missing and malformed parts and fields (400)', async () => {
    const dropPart = (name: string) => (init: Parameters<HubFetch>[1]) => {
      const form = new FormData();
      for (const [k, v] of (init.body as FormData).entries()) if (k !== name) form.append(k, v);
      return { ...init, body: form };
    };
    expect(await failure(submit({}, rewriting(tb, dropPart('document'))))).toMatchObject({ status: 400, code: 'MISSING_FIELD', details: { field: 'document' } });
    expect(await failure(submit({}, rewriting(tb, dropPart('envelope'))))).toMatchObject({ status: 400, code: 'MISSING_FIELD', details: { field: 'envelope' } });
    expect(await failure(submit({}, rewriting(tb, dropPart('recipient'))))).toMatchObject({ status: 400, code: 'MISSING_FIELD', details: { field: 'recipient' } });
    expect(await failure(submit({ channel: 'upload' }, rewriting(tb, dropPart('idempotencyKey'))))).toMatchObject({ status: 400, code: 'MISSING_FIELD', details: { field: 'idempotencyKey' } });
    expect(await failure(submit({ recipient: 'uzb' }))).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', details: { field: 'recipient' } });
    const noKey = await failure(submit({}, rewriting(tb, (init) => ({ ...init, headers: Object.fromEntries(Object.entries(init.headers).filter(([k]) => k !== 'idempotency-key')) }))));
    expect(noKey).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect(noKey.message).toMatch(/idempotency-key/);
    const notJson = (init: Parameters<HubFetch>[1]) => {
      const form = new FormData();
      for (const [k, v] of (init.body as FormData).entries()) form.append(k, k === 'envelope' ? new Blob(['{"envelopeVersion": '], { type: 'application/json' }) : v);
      return { ...init, body: form };
    };
    expect(await failure(submit({}, rewriting(tb, notJson)))).toMatchObject({ status: 400, code: 'ENVELOPE_NOT_JSON' });
  });

  it('answers 422 to a file that is not a PDF or not readable as one, to an unknown recipient and to itself', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    expect(await failure(submit({ pdf: png }))).toMatchObject({ status: 422, code: 'NOT_A_PDF' });
    const rnd = mulberry32(7);
    const garbage = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.from(Array.from({ length: 2000 }, () => Math.floor(rnd() * 256)))]);
    const malformed = await failure(submit({ pdf: garbage }));
    expect(malformed).toMatchObject({ status: 422, code: 'NOT_A_PDF' });
    expect(malformed.message).toMatch(/not a readable PDF/);
    expect(await failure(submit({ recipient: 'TM' }))).toMatchObject({ status: 422, code: 'UNKNOWN_RECIPIENT' });
    expect(await failure(submit({ recipient: 'KG' }))).toMatchObject({ status: 422, code: 'RECIPIENT_IS_SENDER' });
    expect(await failure(tb.node('KG').verify({ pdf: png }))).toMatchObject({ status: 422, code: 'NOT_A_PDF' });
  });

  it('answers 413 to an upload over the limit, naming the limit', async () => {
    const big = Buffer.concat([doc.pdf, Buffer.alloc(LIMIT, 0x20)]);
    const error = await failure(submit({ pdf: big }));
    expect(error).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE', details: { limitBytes: LIMIT } });
    expect(error.message).toContain(String(LIMIT));
    expect(await failure(tb.node('KG').verify({ pdf: big }))).toMatchObject({ status: 413 });
    const hugeJson = await failure(tb.operator.registerNode({ country: 'UZ', certificatePem: 'A'.repeat(2 * 1024 * 1024), delivery: { mode: 'pull' } }));
    expect(hugeJson).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE', details: { limitBytes: 1024 * 1024 } });
  });

  it('answers 415 to the wrong content type and 400 to broken JSON or multipart bodies', async () => {
    const asText = rewriting(tb, (init) => ({ ...init, body: 'hello', headers: { ...init.headers, 'content-type': 'text/plain' } }));
    expect(await failure(submit({}, asText))).toMatchObject({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
    const asXml = rewriting(tb, (init) => ({ ...init, body: '<x/>', headers: { ...init.headers, 'content-type': 'application/xml' } }));
    expect(await failure(submit({}, asXml))).toMatchObject({ status: 415 });
    const brokenMultipart = rewriting(tb, (init) => ({ ...init, body: '--xyz\r\nContent-Disposition: form-data; name="recipient"\r\n\r\nUZ', headers: { ...init.headers, 'content-type': 'multipart/form-data; boundary=xyz' } }));
    expect((await failure(submit({}, brokenMultipart))).status).toBe(400);
    const brokenJson = tb.hub.client('operator', { transport: 'inject', wrapFetch: (inner) => (url, init) => inner(url, { ...init, body: '{"country": "UZ",' }) });
    expect(await failure(brokenJson.registerNode({ country: 'UZ', certificatePem: 'x', delivery: { mode: 'pull' } }))).toMatchObject({ status: 400, code: 'INVALID_JSON' });
    const badCallback = await failure(tb.operator.registerNode({ country: 'UZ', certificatePem: tb.pki.country('UZ').node.pem, delivery: { mode: 'push', callbackUrl: 'ftp://uz.example/cb' } }));
    expect(badCallback).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect(badCallback.message).toMatch(/body\/delivery/);
    const route = await failure(rewriting(tb, (init) => init).getExchange('../../v2/secret'));
    expect(route.status).toBe(404);
  });

  it('never answers 5xx to a mangled submission (seeded fuzz: byte flips and truncations)', async () => {
    const form = new FormData();
    form.append('envelope', new Blob([JSON.stringify(doc.envelope)], { type: 'application/json' }), 'envelope.json');
    form.append('document', new Blob([new Uint8Array(doc.pdf)], { type: 'application/pdf' }), 'document.pdf');
    form.append('recipient', 'KG');
    const encoded = new UndiciRequest('https://x/', { method: 'POST', body: form });
    const contentType = encoded.headers.get('content-type')!;
    const body = Buffer.from(await encoded.arrayBuffer());
    const rnd = mulberry32(20250101);
    const statuses = new Map<number, number>();
    for (let i = 0; i < 60; i++) {
      const mutated = Buffer.from(body);
      const flips = 1 + Math.floor(rnd() * 8);
      for (let f = 0; f < flips; f++) mutated[Math.floor(rnd() * mutated.length)] = Math.floor(rnd() * 256);
      const payload = i % 3 === 0 ? mutated.subarray(0, Math.floor(rnd() * mutated.length)) : mutated;
      const client = rewriting(tb, (init) => ({ ...init, body: payload as unknown as string, headers: { ...init.headers, 'content-type': contentType } }));
      const result = await submit({ recipient: 'KG' }, client).then(
        () => 201,
        (e: unknown) => (e instanceof HubError ? e.status : -1),
      );
      statuses.set(result, (statuses.get(result) ?? 0) + 1);
    }
    for (const status of statuses.keys()) expect(status, `statuses seen: ${JSON.stringify([...statuses])}`).toBeGreaterThanOrEqual(400);
    for (const status of statuses.keys()) expect(status).toBeLessThan(500);
  });

  it('keeps serving after all of it', async () => {
    const ok = await tb.node('KG').verify({ pdf: doc.pdf, envelope: doc.envelope as Envelope });
    expect(ok.valid).toBe(true);
  });
});
