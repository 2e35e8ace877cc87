import crypto, { X509Certificate } from 'node:crypto';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { Agent, FormData, Headers as UndiciHeaders, Request as UndiciRequest, Response as UndiciResponse } from 'undici';
import { type HttpHubClient, type HubFetch, type HubResponseRecord, createHttpHubClient, defaultHubFetch } from '../protocol/hub-http.ts';
import type { Lang } from '../protocol/i18n.ts';
import type { VerificationPolicy } from '../protocol/types.ts';
import { INJECT_HEADER, buildApp } from './app.ts';
import { HubClock, type TimeSource } from './clock.ts';
import { type DefectName, parseDefects } from './defects.ts';
import { DeliveryScheduler } from './delivery.ts';
import { DEFAULT_RETRY } from './defaults.ts';
import { HubService, type RetryPolicy } from './service.ts';
import { type Db, getMeta, openStore, setMeta } from './store.ts';
import { type HubTlsMaterial, generateHubTls } from './tls.ts';

// startReferenceHub: the reference e-CERT Hub, over HTTPS with mutual TLS on loopback, or
// in-process through fastify inject (hub.client(creds, { transport: 'inject' })). The SQLite
// file in dataDir is the truth: restart() or a new process on the same dataDir resumes pending
// deliveries.

export { DEFAULT_RETRY };
const HOUR = 3_600_000;

export interface ReferenceHubOptions {
  /** Directory of the hub's SQLite store (created if missing). */
  dataDir: string;
  /** TCP port (default 0: any free port). */
  port?: number;
  host?: string;
  /** Listen on HTTPS (default true); false = in-process only (fastify inject). */
  listen?: boolean;
  /** TLS material (default: generated from `tlsSeed`). */
  tls?: HubTlsMaterial;
  tlsSeed?: string;
  /** Time source (default the system clock); test mode adds an operator-controlled offset. */
  clock?: TimeSource;
  /** Enables the test-clock capability (PUT /v1/test/clock). Default false. */
  testMode?: boolean;
  retry?: Partial<RetryPolicy>;
  /** Time a pull recipient has to pull and acknowledge before FailedDelivery (default 24 h). */
  pullWindowMs?: number;
  /** Model A: how long the PDF is kept after delivery (default 24 h). */
  retentionMs?: number;
  /** Largest accepted upload (default 10 MiB); larger answers 413. */
  maxUploadBytes?: number;
  /** Defect switches (reference-hub/defects.ts); none unless asked for. */
  defects?: readonly string[];
  /** Transport of push deliveries (in-process mock nodes plug in here). Receives the hub's mTLS agent as `dispatcher`. */
  fetch?: HubFetch;
  /**
   * TLS of push deliveries: CAs trusted for HTTPS callback URLs (besides the hub's own CA), and the
   * client certificate the hub presents to the nodes (default: its server certificate).
   */
  deliveryTls?: { ca?: string | string[]; cert?: string; key?: string; rejectUnauthorized?: boolean };
  /** Verification policy on ingest (default score-full). */
  policy?: VerificationPolicy;
  /** Pushes in flight at once (default 16). */
  deliveryConcurrency?: number;
  logger?: boolean | FastifyBaseLogger;
}

export interface ClientCredentials {
  /** PEM client certificate. */
  cert: string;
  /** PEM private key (needed over HTTPS, not in-process). */
  key?: string;
}

export interface HubClientOptions {
  /** 'https' (default when listening) or 'inject' (in-process, no sockets). */
  transport?: 'https' | 'inject';
  lang?: Lang;
  timeoutMs?: number;
  onResponse?: (record: HubResponseRecord) => void | Promise<void>;
  /** Wrap the transport (fault injection); receives the default fetch of the chosen transport. */
  wrapFetch?: (inner: HubFetch) => HubFetch;
}

export interface ReferenceHub {
  /** https://host:port (or http://reference-hub.inject when not listening). */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  readonly instanceId: string;
  readonly defects: readonly DefectName[];
  /** PEM of the CA a client needs to trust the hub. */
  readonly caPem: string;
  readonly operator: { cert: string; key: string };
  readonly tls: HubTlsMaterial;
  /** The current fastify instance (changes on restart). */
  readonly app: FastifyInstance;
  readonly clock: HubClock;
  /** A HubClient for the given credentials (default: the operator). */
  client(credentials?: ClientCredentials | 'operator', options?: HubClientOptions): HttpHubClient;
  /** Wakes the scheduler and resolves when nothing is in flight and nothing is due now. */
  idle(): Promise<void>;
  /** Stop and start again on the same data and port (pushes in flight are abandoned, as in a crash). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

function fingerprintOf(pem: string): string {
  return new X509Certificate(pem).fingerprint256;
}

function commonName(pem: string): string {
  return /(?:^|\n)CN=([^\n]+)/.exec(new X509Certificate(pem).subject)?.[1] ?? 'operator';
}

interface Running {
  db: Db;
  service: HubService;
  scheduler: DeliveryScheduler;
  app: FastifyInstance;
}

export async function startReferenceHub(options: ReferenceHubOptions): Promise<ReferenceHub> {
  const defects = parseDefects(options.defects ?? []);
  const tls = options.tls ?? generateHubTls(options.tlsSeed ?? 'ecert-reference-hub');
  const host = options.host ?? '127.0.0.1';
  const listen = options.listen ?? true;
  const retry: RetryPolicy = { ...DEFAULT_RETRY, ...options.retry };
  const clock = new HubClock(options.clock);
  const injectSecret = crypto.randomBytes(16).toString('hex');
  const operators = new Map([[fingerprintOf(tls.operatorCertPem), commonName(tls.operatorCertPem)]]);
  const deliveryAgent = new Agent({
    connect: {
      cert: options.deliveryTls?.cert ?? tls.serverCertPem,
      key: options.deliveryTls?.key ?? tls.serverKeyPem,
      ca: [tls.caPem, ...[options.deliveryTls?.ca ?? []].flat()],
      ...(options.deliveryTls?.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}),
    },
  });
  const deliveryFetch: HubFetch = (url, init) => (options.fetch ?? defaultHubFetch)(url, { ...init, dispatcher: deliveryAgent });

  let port = options.port ?? 0;
  let instanceId = '';
  let running: Running | undefined;

  const open = async (): Promise<Running> => {
    const db = openStore(options.dataDir);
    try {
      instanceId = getMeta(db, 'instanceId') ?? '';
      if (!instanceId) {
        instanceId = crypto.randomUUID();
        setMeta(db, 'instanceId', instanceId);
      }
      const service = new HubService(db, clock, {
        retry,
        pullWindowMs: options.pullWindowMs ?? 24 * HOUR,
        retentionMs: options.retentionMs ?? 24 * HOUR,
        ...(options.policy ? { policy: options.policy } : {}),
        defects,
        operators,
      });
      if (options.testMode) service.restoreClock();
      if (defects.has('lose-pending-on-restart')) service.dropPendingSchedule();
      const scheduler = new DeliveryScheduler(service, {
        fetch: deliveryFetch,
        concurrency: options.deliveryConcurrency ?? 16,
        onError: (error) => app.log.error({ err: error }, 'delivery scheduler error'),
      });
      const app = buildApp({
        service,
        instanceId,
        testMode: options.testMode ?? false,
        defects,
        maxUploadBytes: options.maxUploadBytes ?? 10 * 1024 * 1024,
        injectSecret,
        https: { key: tls.serverKeyPem, cert: tls.serverCertPem, ca: tls.caPem },
        ...(options.logger !== undefined ? { logger: options.logger } : {}),
        onScheduleChange: () => scheduler.wake(),
      });
      const unsubscribe = clock.onChange(() => scheduler.wake());
      app.addHook('onClose', async () => {
        unsubscribe();
        await scheduler.stop();
      });
      await app.ready();
      if (listen) {
        await app.listen({ port, host });
        const address = app.server.address();
        if (address && typeof address === 'object') port = address.port;
      }
      service.audit('hub', 'hub.started', { name: 'ecert-reference-hub', instanceId, defects: [...defects], testMode: options.testMode ?? false });
      scheduler.start();
      return { db, service, scheduler, app };
    } catch (error) {
      db.close();
      throw error;
    }
  };

  const shut = async (r: Running) => {
    await r.app.close();
    r.db.close();
  };

  running = await open();
  const hostInUrl = host.includes(':') ? `[${host}]` : host;
  const url = listen ? `https://${hostInUrl}:${port}` : 'http://reference-hub.inject';

  const injectFetch = (fingerprint: string | undefined): HubFetch => async (target, init) => {
    const current = running;
    if (!current) throw Object.assign(new Error('the in-process hub is closed'), { code: 'ECONNREFUSED' });
    const headers: Record<string, string> = { ...init.headers };
    if (fingerprint) headers[INJECT_HEADER] = `${injectSecret} ${fingerprint}`;
    let payload: Buffer | string | undefined;
    if (init.body instanceof FormData) {
      const req = new UndiciRequest(target, { method: init.method, body: init.body });
      headers['content-type'] = req.headers.get('content-type') ?? 'multipart/form-data';
      payload = Buffer.from(await req.arrayBuffer());
    } else payload = init.body;
    init.signal?.throwIfAborted();
    const u = new URL(target);
    const res = await current.app.inject({ method: init.method as 'GET', url: `${u.pathname}${u.search}`, headers, ...(payload !== undefined ? { payload } : {}) });
    const outHeaders = new UndiciHeaders();
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) outHeaders.set(k, Array.isArray(v) ? v.join(', ') : String(v));
    const empty = res.statusCode === 204 || res.statusCode === 304;
    return new UndiciResponse(empty ? null : res.rawPayload, { status: res.statusCode, headers: outHeaders });
  };

  const hub: ReferenceHub = {
    get url() {
      return url;
    },
    get port() {
      return port;
    },
    dataDir: options.dataDir,
    get instanceId() {
      return instanceId;
    },
    defects: [...defects],
    caPem: tls.caPem,
    operator: { cert: tls.operatorCertPem, key: tls.operatorKeyPem },
    tls,
    get app() {
      if (!running) throw new Error('the reference hub is closed');
      return running.app;
    },
    clock,
    client(credentials = 'operator', clientOptions = {}) {
      const creds = credentials === 'operator' ? { cert: tls.operatorCertPem, key: tls.operatorKeyPem } : credentials;
      const transport = clientOptions.transport ?? (listen ? 'https' : 'inject');
      if (transport === 'https' && !listen) throw new Error('this reference hub does not listen; use { transport: "inject" }');
      if (transport === 'https' && !creds.key) throw new Error('an HTTPS client needs the private key of its certificate');
      const inner = transport === 'inject' ? injectFetch(fingerprintOf(creds.cert)) : defaultHubFetch;
      const fetch = clientOptions.wrapFetch ? clientOptions.wrapFetch(inner) : inner;
      return createHttpHubClient({
        baseUrl: url,
        tls: { ca: tls.caPem, cert: creds.cert, ...(creds.key ? { key: creds.key } : {}) },
        fetch,
        ...(clientOptions.lang ? { lang: clientOptions.lang } : {}),
        ...(clientOptions.timeoutMs ? { timeoutMs: clientOptions.timeoutMs } : {}),
        ...(clientOptions.onResponse ? { onResponse: clientOptions.onResponse } : {}),
      });
    },
    async idle() {
      if (!running) return;
      running.scheduler.wake();
      await running.scheduler.idle();
    },
    async restart() {
      if (running) {
        const r = running;
        running = undefined;
        await shut(r);
      }
      running = await open();
    },
    async close() {
      if (running) {
        const r = running;
        running = undefined;
        await shut(r);
      }
      await deliveryAgent.close();
    },
  };
  return hub;
}
