import http from 'node:http';
import type net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Envelope } from '../protocol/types.ts';
import { FaultController, parseFaultSpec, FaultSpecError } from './faults.ts';
import { DEFAULT_CALLBACK_PATH, type HandlerHost, type IncomingDelivery } from './handlers.ts';
import { faultInjectingFetch, type FetchLike } from './hub-link.ts';
import { InProcessNetwork, inProcessBaseUrl } from './in-process.ts';
import { NodeLog } from './log.ts';
import { ControlServer, NodeServer, deliveryFetch } from './server.ts';
import { nodeServerTls } from './server-tls.ts';

// The transports and fault controls, driven the way a hub drives a node: a push delivery over
// fetch. The host here records deliveries the way MockNode does but skips verification, so
// every fault is observed at the transport level, on both transports, with the same assertions.

interface TestHost extends HandlerHost {
  taken: IncomingDelivery[];
}

function testHost(country = 'UZ', deliveryMode: 'push' | 'pull' = 'push'): TestHost {
  const log = new NodeLog(country, () => new Date());
  const faults = new FaultController(country, log, { deliveryMode, slowDelayMs: 60_000, seed: 'transport-test' });
  const taken: IncomingDelivery[] = [];
  return {
    country,
    deliveryMode,
    callbackPath: DEFAULT_CALLBACK_PATH,
    faults,
    log,
    taken,
    takeDelivery(delivery, via) {
      taken.push(delivery);
      log.append('received', { exchangeId: delivery.exchangeId, data: { taken: true, via } });
    },
    recordUntaken(fields) {
      log.append('received', { ...(fields.exchangeId ? { exchangeId: fields.exchangeId } : {}), data: { taken: false, ...fields } });
    },
    exchangeIds: () => log.exchangeIds(),
  };
}

const envelope = {
  envelopeVersion: '1.0',
  metadata: { documentId: 'UZ-COC-1', issuingBody: { name: 'x', countryCode: 'UZ' } },
  file: { mediaType: 'application/pdf', size: 4, sha256: '0'.repeat(64) },
  signature: { subFilter: 'adbe.pkcs7.detached', keyId: 'UZ:0000000000000000' },
} as unknown as Envelope;

function push(f: FetchLike, base: string, exchangeId: string, init: { signal?: AbortSignal; attempt?: number } = {}): Promise<Response> {
  const form = new FormData();
  form.set('envelope', new Blob([JSON.stringify(envelope)], { type: 'application/json' }), 'envelope.json');
  form.set('document', new Blob([new Uint8Array([0x25, 0x50, 0x44, 0x46])], { type: 'application/pdf' }), 'document.pdf');
  return f(`${base}${DEFAULT_CALLBACK_PATH}`, {
    method: 'POST',
    body: form,
    headers: { 'X-Ecert-Exchange-Id': exchangeId, 'X-Ecert-Delivery-Attempt': String(init.attempt ?? 1), 'X-Ecert-Sender': 'KG' },
    ...(init.signal ? { signal: init.signal } : {}),
  });
}

async function errorCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    return cause?.code ?? (error as { name?: string }).name ?? 'unknown';
  }
  return 'no error';
}

interface Harness {
  name: string;
  setup(host: TestHost): Promise<{ fetch: FetchLike; base: string; server?: NodeServer }>;
  teardown(): Promise<void>;
}

const inProcess: Harness = (() => {
  return {
    name: 'in-process (msw handlers)',
    async setup(host) {
      const network = new InProcessNetwork();
      const base = network.attach(host);
      return { fetch: network.fetch, base };
    },
    async teardown() {},
  };
})();

const realServer: Harness = (() => {
  const open: Array<{ server: NodeServer; fetch: ReturnType<typeof deliveryFetch> }> = [];
  return {
    name: 'real HTTPS server',
    async setup(host) {
      const tls = nodeServerTls({ seed: 'transport-test', country: host.country });
      const server = new NodeServer(host, { port: 0, tls: { cert: tls.certPem, key: tls.keyPem } });
      await server.start();
      const f = deliveryFetch({ ca: tls.caPem });
      open.push({ server, fetch: f });
      return { fetch: f, base: server.url, server };
    },
    async teardown() {
      for (const { server, fetch } of open.splice(0)) {
        await server.close();
        await fetch.close();
      }
    },
  };
})();

for (const harness of [inProcess, realServer]) {
  describe(`node transport: ${harness.name}`, () => {
    afterEach(() => harness.teardown());

    it('takes a push delivery and acknowledges it with the exchange id', async () => {
      const host = testHost();
      const { fetch: f, base } = await harness.setup(host);
      const res = await push(f, base, 'ex-1', { attempt: 2 });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ acknowledged: 'ex-1' });
      expect(host.taken).toHaveLength(1);
      expect(host.taken[0]).toMatchObject({ exchangeId: 'ex-1', attempt: 2, sender: 'KG' });
      expect(Array.from(host.taken[0]!.pdf)).toEqual([0x25, 0x50, 0x44, 0x46]);
    });

    it('offline: the connection is refused until the fault is cleared, then deliveries get through', async () => {
      const host = testHost();
      const { fetch: f, base, server } = await harness.setup(host);
      const fault = host.faults.apply({ fault: 'down' });
      if (server) await waitFor(() => !server.listening);
      expect(await errorCode(push(f, base, 'ex-2'))).toBe('ECONNREFUSED');
      expect(host.taken).toHaveLength(0);
      host.faults.clear(fault.id);
      if (server) await waitFor(() => server.listening);
      const res = await push(f, base, 'ex-2');
      expect(await res.json()).toEqual({ acknowledged: 'ex-2' });
      const types = host.log.entries().map((e) => e.type);
      expect(types).toContain('fault-applied');
      expect(types).toContain('fault-cleared');
    });

    it('reset: the connection is reset in the middle of the request (ECONNRESET), then it recovers', async () => {
      const host = testHost();
      const { fetch: f, base } = await harness.setup(host);
      host.faults.apply({ fault: 'reset', calls: 1 });
      expect(await errorCode(push(f, base, 'ex-3'))).toBe('ECONNRESET');
      expect(host.taken).toHaveLength(0);
      expect(host.faults.active()).toEqual([]);
      expect((await push(f, base, 'ex-3')).status).toBe(200);
      expect(host.log.entries({ type: 'fault-cleared' })[0]?.data.reason).toBe('exhausted');
    });

    it('http-5xx: the next N calls answer 5xx, then the node recovers', async () => {
      const host = testHost();
      const { fetch: f, base } = await harness.setup(host);
      host.faults.apply({ fault: 'http-5xx', calls: 2, status: 502 });
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await push(f, base, 'ex-4')).status);
      expect(statuses).toEqual([502, 502, 200]);
      expect(host.taken).toHaveLength(1);
      expect(host.log.entries({ type: 'fault-triggered' }).map((e) => e.data.effect)).toEqual(['HTTP_502', 'HTTP_502']);
    });

    it('slow: the node answers later than the caller waits; the aborted delivery is not taken', async () => {
      const host = testHost();
      const { fetch: f, base } = await harness.setup(host);
      host.faults.apply({ fault: 'slow', calls: 1, delayMs: 30_000 });
      const started = Date.now();
      expect(await errorCode(push(f, base, 'ex-5', { signal: AbortSignal.timeout(150) }))).toBe('TimeoutError');
      expect(Date.now() - started).toBeLessThan(10_000);
      await waitFor(() => host.log.entries({ type: 'received' }).length > 0);
      expect(host.log.entries({ type: 'received' })[0]?.data).toMatchObject({ taken: false, reason: 'aborted-by-hub' });
      expect(host.taken).toHaveLength(0);
      expect((await push(f, base, 'ex-5')).status).toBe(200);
    });

    it('wrong and missing acknowledgements: the node answers 200 without a valid ack and does not take the document', async () => {
      const host = testHost();
      const { fetch: f, base } = await harness.setup(host);
      host.faults.apply({ fault: 'wrong-ack', calls: 1 });
      const wrong = await (await push(f, base, 'ex-6')).json();
      expect(wrong.acknowledged).toBeDefined();
      expect(wrong.acknowledged).not.toBe('ex-6');
      host.faults.apply({ fault: 'missing-ack', calls: 1 });
      const missing = await push(f, base, 'ex-6');
      expect(missing.status).toBe(200);
      expect(await missing.json()).toEqual({});
      expect(host.taken).toHaveLength(0);
      expect(await (await push(f, base, 'ex-6')).json()).toEqual({ acknowledged: 'ex-6' });
    });

    it('flaky: a seeded error rate gives the same failures for the same seed', async () => {
      const outcomes: string[][] = [];
      for (let run = 0; run < 2; run++) {
        const host = testHost();
        const { fetch: f, base } = await harness.setup(host);
        host.faults.apply({ fault: 'flaky', rate: 0.5, seed: 'flaky-seed', calls: 20 });
        const seen: string[] = [];
        for (let i = 0; i < 12; i++) {
          seen.push(await push(f, base, `ex-7-${i}`).then((r) => String(r.status), (e) => (e as { cause?: { code?: string } }).cause?.code ?? 'error'));
        }
        outcomes.push(seen);
        await harness.teardown();
      }
      expect(outcomes[0]).toEqual(outcomes[1]);
      const failures = outcomes[0]!.filter((o) => o !== '200');
      expect(failures.length).toBeGreaterThan(0);
      expect(failures.length).toBeLessThan(12);
      expect(new Set(failures)).toEqual(new Set(['503', 'ECONNRESET']));
    });
  });
}

describe('fault control API', () => {
  it('applies, lists and clears faults over HTTP, in-process and on the loopback control server', async () => {
    const host = testHost('KG', 'pull');
    const network = new InProcessNetwork();
    network.attach(host);
    const control = new ControlServer({ port: 0 });
    control.add(host);
    await control.start();
    try {
      for (const base of [`${inProcessBaseUrl('KG')}/control`, `${control.url}/kg/control`]) {
        const call = base.startsWith('http://') ? fetch : network.fetch;
        const applied = await call(`${base}/faults`, { method: 'POST', body: JSON.stringify({ fault: 'missing-ack', calls: 2 }) });
        expect(applied.status).toBe(201);
        const fault = await applied.json();
        expect(fault).toMatchObject({ spec: { fault: 'missing-ack', calls: 2 }, remaining: 2 });
        const listed = await (await call(`${base}/faults`)).json();
        expect(listed.faults.map((f: { id: string }) => f.id)).toEqual([fault.id]);
        expect((await call(`${base}/faults/${fault.id}`, { method: 'DELETE' })).status).toBe(200);
        expect((await call(`${base}/faults/${fault.id}`, { method: 'DELETE' })).status).toBe(404);
        expect((await (await call(`${base}/faults`)).json()).faults).toEqual([]);
      }
      // A push-only fault on a pull node is refused with a message that says why, in Russian when asked.
      const bad = await fetch(`${control.url}/KG/control/faults`, { method: 'POST', headers: { 'accept-language': 'ru' }, body: JSON.stringify({ fault: 'slow' }) });
      expect(bad.status).toBe(400);
      const body = await bad.json();
      expect(body.code).toBe('BAD_FAULT');
      expect(body.message).toContain('трек B');
      const log = await (await fetch(`${control.url}/KG/control/log`)).text();
      expect(log.trim().split('\n').map((l) => JSON.parse(l).type)).toEqual(['fault-applied', 'fault-cleared', 'fault-applied', 'fault-cleared']);
      expect((await fetch(`${control.url}/XX/control/faults`)).status).toBe(404);
    } finally {
      await control.close();
    }
  });

  it('rejects malformed fault specifications with a message naming the field', () => {
    const msg = (input: unknown) => {
      try {
        parseFaultSpec(input);
        return 'accepted';
      } catch (error) {
        expect(error).toBeInstanceOf(FaultSpecError);
        return (error as Error).message;
      }
    };
    expect(msg({ fault: 'melt' })).toContain('unknown fault "melt"');
    expect(msg({ fault: 'http-5xx', status: 404 })).toContain('status must be a whole number from 500 to 599');
    expect(msg({ fault: 'slow', calls: 0 })).toContain('calls must be a whole number');
    expect(msg({ fault: 'flaky', rate: 2 })).toContain('rate must be a number from 0 to 1');
    expect(msg({ fault: 'reset', delayMs: 5 })).toContain('has no field "delayMs"');
    expect(msg({ party: 'recipient', fault: 'offline', calls: 3 })).toBe('accepted');
  });
});

describe('sender-side faults (node -> hub)', () => {
  let server: http.Server;
  let url: string;
  let received = 0;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      received++;
      req.resume();
      req.on('end', () => res.writeHead(201, { 'content-type': 'application/json' }).end('{"ok":true}'));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('hub-unreachable: the call fails with ECONNREFUSED and never reaches the hub', async () => {
    const host = testHost();
    const f = faultInjectingFetch(fetch, host.faults);
    host.faults.apply({ fault: 'hub-unreachable', calls: 2 });
    const before = received;
    expect(await errorCode(f(`${url}/v1/exchanges`, { method: 'POST', body: 'x' }))).toBe('ECONNREFUSED');
    expect(await errorCode(f(`${url}/v1/inbox`))).toBe('ECONNREFUSED');
    expect(received).toBe(before);
    expect((await f(`${url}/v1/inbox`)).status).toBe(201);
    expect(received).toBe(before + 1);
  });

  it('response-lost: the hub receives the submission, the node sees a reset; other calls are untouched', async () => {
    const host = testHost();
    const f = faultInjectingFetch(fetch, host.faults);
    host.faults.apply({ fault: 'response-lost', calls: 1 });
    const before = received;
    expect((await f(`${url}/v1/exchanges/abc`)).status).toBe(201);
    expect(await errorCode(f(`${url}/v1/uploads`, { method: 'POST', body: 'x' }))).toBe('ECONNRESET');
    expect(received).toBe(before + 2);
    expect((await f(`${url}/v1/uploads`, { method: 'POST', body: 'x' })).status).toBe(201);
    expect(host.log.entries({ type: 'fault-triggered' })[0]?.data).toMatchObject({ effect: 'RESPONSE_LOST', call: 'POST /v1/uploads' });
  });
});

describe('msw global interception', () => {
  it('routes global fetch to node hosts and lets other traffic through', async () => {
    const host = testHost('PK');
    const network = new InProcessNetwork();
    network.attach(host);
    const local = http.createServer((_req, res) => res.end('passed through'));
    await new Promise<void>((r) => local.listen(0, '127.0.0.1', () => r()));
    const stop = network.interceptGlobal();
    try {
      const health = await (await fetch(`${inProcessBaseUrl('PK')}/health`)).json();
      expect(health).toMatchObject({ status: 'ok', country: 'PK' });
      host.faults.apply({ fault: 'offline', calls: 1 });
      await expect(fetch(`${inProcessBaseUrl('PK')}${DEFAULT_CALLBACK_PATH}`, { method: 'POST', headers: { 'X-Ecert-Exchange-Id': 'e' } })).rejects.toThrow();
      const port = (local.address() as net.AddressInfo).port;
      expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('passed through');
    } finally {
      stop();
      await new Promise<void>((r) => local.close(() => r()));
    }
  });
});

async function waitFor(done: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
