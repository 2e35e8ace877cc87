import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki } from '../fixtures/pki.ts';
import { HubError, HubUnreachableError } from './hub-contract.ts';
import { type HubFetch, type HubResponseRecord, createHttpHubClient, defaultHubFetch } from './hub-http.ts';
import type { Envelope } from './types.ts';

// The HTTP binding against small local servers: what goes on the wire, how answers and
// transport failures are mapped.

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  peerFingerprint?: string;
}

type Reply = (seen: Seen, res: http.ServerResponse) => void;

const json = (res: http.ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

function serve(reply: Reply, server: http.Server | https.Server = http.createServer()): Promise<{ url: string; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const socket = req.socket as import('node:tls').TLSSocket;
      const peer = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined;
      const s: Seen = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks), ...(peer?.fingerprint256 ? { peerFingerprint: peer.fingerprint256 } : {}) };
      seen.push(s);
      reply(s, res);
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      const scheme = server instanceof https.Server ? 'https' : 'http';
      resolve({
        url: `${scheme}://127.0.0.1:${port}`,
        seen,
        close: () =>
          new Promise((r) => {
            server.closeAllConnections?.();
            server.close(() => r());
          }),
      });
    });
  });
}

async function formOf(seen: Seen): Promise<FormData> {
  return new Response(seen.body as unknown as BodyInit, { headers: { 'content-type': String(seen.headers['content-type']) } }).formData();
}

const envelope = { envelopeVersion: '1.0', metadata: { documentId: 'UZ.1' }, file: { mediaType: 'application/pdf', size: 9, sha256: 'x' }, signature: { subFilter: 'adbe.pkcs7.detached', keyId: 'UZ:0' } } as unknown as Envelope;
const pdf = new TextEncoder().encode('%PDF-1.7\n');

describe('createHttpHubClient', () => {
  const pki = createTestPki({ seed: 'hub-http-test', profiles: [] });
  let server: Awaited<ReturnType<typeof serve>>;
  let next: Reply = (_s, res) => json(res, 200, {});

  beforeAll(async () => {
    server = await serve((s, res) => next(s, res));
  });
  afterAll(() => server.close());

  it('submits through the API channel as multipart with the Idempotency-Key header, 201 = new, 200 = replay', async () => {
    const client = createHttpHubClient({ baseUrl: `${server.url}/`, lang: 'ru' });
    next = (_s, res) => json(res, 201, { exchangeId: 'e1', status: 'PendingDelivery' });
    const first = await client.submit({ pdf, envelope, recipient: 'KG', idempotencyKey: 'key-1' });
    expect(first).toEqual({ exchange: { exchangeId: 'e1', status: 'PendingDelivery' }, replayed: false });
    const seen = server.seen.at(-1)!;
    expect(seen.method).toBe('POST');
    expect(seen.url).toBe('/v1/exchanges');
    expect(seen.headers['idempotency-key']).toBe('key-1');
    expect(seen.headers['accept-language']).toBe('ru');
    const form = await formOf(seen);
    expect(JSON.parse(await (form.get('envelope') as Blob).text())).toEqual(envelope);
    expect((form.get('envelope') as Blob).type).toBe('application/json');
    expect(Buffer.from(await (form.get('document') as Blob).arrayBuffer())).toEqual(Buffer.from(pdf));
    expect((form.get('document') as Blob).type).toBe('application/pdf');
    expect(form.get('recipient')).toBe('KG');

    next = (_s, res) => json(res, 200, { exchangeId: 'e1' });
    expect((await client.submit({ pdf, envelope, recipient: 'KG', idempotencyKey: 'key-1' })).replayed).toBe(true);
  });

  it('uses the file-upload route with the idempotency key as a form field for channel "upload"', async () => {
    const client = createHttpHubClient({ baseUrl: server.url });
    next = (_s, res) => json(res, 201, { exchangeId: 'e2' });
    await client.submit({ pdf, envelope, recipient: 'UZ', idempotencyKey: 'key-2', channel: 'upload' });
    const seen = server.seen.at(-1)!;
    expect(seen.url).toBe('/v1/uploads');
    expect(seen.headers['idempotency-key']).toBeUndefined();
    const form = await formOf(seen);
    expect(form.get('idempotencyKey')).toBe('key-2');
    expect(form.get('recipient')).toBe('UZ');
  });

  it('sends JSON bodies, encodes path parameters and query strings', async () => {
    const client = createHttpHubClient({ baseUrl: server.url });
    next = (_s, res) => json(res, 200, { items: [] });
    await client.listExchanges({ role: 'received', status: 'Delivered', limit: 5 });
    expect(server.seen.at(-1)!.url).toBe('/v1/exchanges?role=received&status=Delivered&limit=5');
    next = (_s, res) => json(res, 200, { keyId: 'UZ:0123456789abcdef' });
    await client.revokeKey('UZ:0123456789abcdef', 'compromised');
    const seen = server.seen.at(-1)!;
    expect(seen.url).toBe('/v1/keys/UZ%3A0123456789abcdef/revoke');
    expect(seen.headers['content-type']).toBe('application/json');
    expect(JSON.parse(seen.body.toString())).toEqual({ reason: 'compromised' });
    next = (_s, res) => {
      res.writeHead(204);
      res.end();
    };
    await expect(client.registerAnchor({ country: 'UZ', certificatePem: 'x', kind: 'anchor' })).resolves.toBeUndefined();
    next = (_s, res) => {
      res.writeHead(200, { 'content-type': 'application/pdf' });
      res.end(Buffer.from(pdf));
    };
    expect(Buffer.from(await client.fetchDocument('a/b'))).toEqual(Buffer.from(pdf));
    expect(server.seen.at(-1)!.url).toBe('/v1/exchanges/a%2Fb/document');
  });

  it('maps a non-2xx answer to HubError with the hub\u2019s code, message and details', async () => {
    const client = createHttpHubClient({ baseUrl: server.url });
    next = (_s, res) => json(res, 409, { code: 'IDEMPOTENCY_CONFLICT', message: 'used before', details: { exchangeId: 'e1' } });
    const error = await client.getExchange('e1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HubError);
    expect(error).toMatchObject({ status: 409, code: 'IDEMPOTENCY_CONFLICT', message: 'used before', details: { exchangeId: 'e1' } });

    next = (_s, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<h1>Bad gateway</h1>');
    };
    const proxy = await client.health().catch((e: unknown) => e);
    expect(proxy).toMatchObject({ status: 502, code: 'HTTP_502' });
    expect((proxy as Error).message).toMatch(/Bad gateway/);

    next = (_s, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    };
    await expect(client.health()).rejects.toMatchObject({ code: 'INVALID_RESPONSE' });
  });

  it('reports every answer to onResponse, errors included', async () => {
    const records: HubResponseRecord[] = [];
    const client = createHttpHubClient({ baseUrl: server.url, onResponse: (r) => void records.push(r) });
    next = (s, res) => (s.url.includes('missing') ? json(res, 404, { code: 'EXCHANGE_NOT_FOUND', message: 'no' }) : json(res, 200, { status: 'ok', time: 't' }));
    await client.health();
    await client.getExchange('missing').catch(() => undefined);
    expect(records.map((r) => [r.method, r.path, r.status])).toEqual([
      ['GET', '/v1/health', 200],
      ['GET', '/v1/exchanges/missing', 404],
    ]);
    expect(records[1]!.body).toEqual({ code: 'EXCHANGE_NOT_FOUND', message: 'no' });
    expect(records[1]!.contentType).toBe('application/json');
  });

  it('routes every call through an injected fetch, which can fake a lost response', async () => {
    const calls: string[] = [];
    let loseNext = false;
    const wrapped: HubFetch = async (url, init) => {
      calls.push(`${init.method} ${new URL(url).pathname}`);
      const response = await defaultHubFetch(url, init);
      if (loseNext) throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      return response;
    };
    const client = createHttpHubClient({ baseUrl: server.url, fetch: wrapped });
    next = (_s, res) => json(res, 201, { exchangeId: 'e9' });
    loseNext = true;
    const error = await client.submit({ pdf, envelope, recipient: 'KG', idempotencyKey: 'k' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HubUnreachableError);
    expect(error).toMatchObject({ errorCode: 'ECONNRESET' });
    // The request did reach the server: the lost-response case the node must retry.
    expect(server.seen.at(-1)!.url).toBe('/v1/exchanges');
    expect(calls).toEqual(['POST /v1/exchanges']);
  });

  it('maps transport failures: refused, reset, timeout, DNS', async () => {
    const closed = await serve(() => undefined);
    await closed.close();
    const refused = await createHttpHubClient({ baseUrl: closed.url }).health().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(HubUnreachableError);
    expect(refused).toMatchObject({ errorCode: 'ECONNREFUSED', url: `${closed.url}/v1/health` });
    expect((refused as Error).message).toMatch(/could not be reached \(ECONNREFUSED\)/);

    next = (_s, res) => res.socket?.destroy();
    await expect(createHttpHubClient({ baseUrl: server.url }).health()).rejects.toMatchObject({ name: 'HubUnreachableError', errorCode: 'ECONNRESET' });

    next = () => undefined; // never answers
    await expect(createHttpHubClient({ baseUrl: server.url, timeoutMs: 150 }).health()).rejects.toMatchObject({ name: 'HubUnreachableError', errorCode: 'ETIMEDOUT' });

    await expect(createHttpHubClient({ baseUrl: 'http://no-such-hub.invalid' }).health()).rejects.toMatchObject({ name: 'HubUnreachableError', errorCode: 'ENOTFOUND' });
  });

  it('speaks mutual TLS: presents the client certificate, trusts only the given CA', async () => {
    const tlsServer = await serve(
      (s, res) => json(res, 200, { peer: s.peerFingerprint ?? null }),
      https.createServer({ key: pki.hub.server.keyPem, cert: pki.hub.server.pem, requestCert: true, rejectUnauthorized: false }),
    );
    try {
      const client = createHttpHubClient({ baseUrl: tlsServer.url, tls: { ca: pki.hub.ca.pem, cert: pki.hub.operator.pem, key: pki.hub.operator.keyPem } });
      expect(await client.health()).toEqual({ peer: pki.hub.operator.x509.fingerprint256 });
      const other = createTestPki({ seed: 'another-hub', profiles: [] });
      const wrongCa = await createHttpHubClient({ baseUrl: tlsServer.url, tls: { ca: other.hub.ca.pem } })
        .health()
        .catch((e: unknown) => e);
      expect(wrongCa).toBeInstanceOf(HubUnreachableError);
      expect(wrongCa).toMatchObject({ errorCode: 'TLS' });
    } finally {
      await tlsServer.close();
    }
  });
});
