import { Agent, type Dispatcher, FormData, fetch as undiciFetch } from 'undici';
import type { Lang } from './i18n.ts';
import {
  type Decision,
  type DocumentRecord,
  type Exchange,
  type ExchangeStatus,
  type HubClient,
  type HubClock,
  HubError,
  HubUnreachableError,
  type HubVersion,
  type InboxItem,
  type LogChainCheck,
  type LogEntry,
  type LogKind,
  type NodeInfo,
  type NodeRegistration,
  type SubmitRequest,
  type SubmitResult,
} from './hub-contract.ts';
import type { CountryCode, Envelope, SignerEntry, TrustRegistry, VerificationReport } from './types.ts';

// The HTTP binding of HubClient (protocol/openapi.yaml): undici 7 with mutual TLS, multipart
// bodies through undici's FormData. Non-2xx answers become HubError with the hub's stable code;
// anything that prevents an answer (refused, reset, timeout, DNS, TLS) becomes
// HubUnreachableError. The `fetch` option lets callers wrap the transport (fault injection,
// in-process hubs); `onResponse` sees every answer (evidence, contract checks).

/** The parts of a fetch Response the client uses (undici's and the global one both fit). */
export interface HubFetchResponse {
  readonly status: number;
  readonly headers: { get(name: string): string | null; forEach(cb: (value: string, key: string) => void): void };
  arrayBuffer(): Promise<ArrayBuffer>;
}

export interface HubFetchInit {
  method: string;
  headers: Record<string, string>;
  /** undici FormData (multipart) or a JSON string. */
  body?: FormData | string;
  signal?: AbortSignal;
  /** The mTLS agent; a wrapping fetch should pass it on. */
  dispatcher?: Dispatcher;
}

export type HubFetch = (url: string, init: HubFetchInit) => Promise<HubFetchResponse>;

/** undici 7's fetch: the default transport, and what a wrapping fetch should call. */
export const defaultHubFetch: HubFetch = (url, init) => undiciFetch(url, init as Parameters<typeof undiciFetch>[1]);

/** One hub answer, as the onResponse hook sees it. */
export interface HubResponseRecord {
  method: string;
  url: string;
  /** Path and query, e.g. /v1/exchanges/abc. */
  path: string;
  status: number;
  contentType: string | null;
  headers: Record<string, string>;
  /** Parsed JSON; raw bytes for PDFs; text for other types. */
  body: unknown;
  durationMs: number;
  /** ISO time the answer arrived (local clock). */
  at: string;
}

export interface HttpHubClientOptions {
  baseUrl: string;
  /** PEM strings. `ca` verifies the hub's server certificate; `cert` + `key` are the client certificate. */
  tls?: { ca?: string | string[]; cert?: string; key?: string; rejectUnauthorized?: boolean };
  fetch?: HubFetch;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
  /** Language of the hub's error messages (Accept-Language). */
  lang?: Lang;
  onResponse?: (record: HubResponseRecord) => void | Promise<void>;
}

export interface HttpHubClient extends HubClient {
  /** Every entry of a log (paged through readLog). */
  exportLog(kind: LogKind): Promise<LogEntry[]>;
  /** Close the connection pool. */
  close(): Promise<void>;
}

const TLS_CODE = /^(ERR_TLS|ERR_SSL|ERR_OSSL|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|HOSTNAME_MISMATCH|ERR_TLS_CERT)/;

/** Classify a transport failure: ECONNREFUSED, ECONNRESET, ETIMEDOUT, ENOTFOUND, TLS, ... */
export function transportErrorCode(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; current && depth < 6; depth++) {
    const e = current as { name?: string; code?: string; cause?: unknown; message?: string };
    if (e.name === 'TimeoutError') return 'ETIMEDOUT';
    const code = typeof e.code === 'string' ? e.code : undefined;
    if (code) {
      if (TLS_CODE.test(code)) return 'TLS';
      if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return 'ETIMEDOUT';
      if (code === 'EAI_AGAIN') return 'ENOTFOUND';
      if (!code.startsWith('UND_ERR')) return code;
      if (code === 'UND_ERR_SOCKET' && !e.cause) return 'ECONNRESET';
    }
    current = e.cause;
  }
  return 'NETWORK';
}

const trimSlash = (url: string): string => url.replace(/\/+$/, '');

export function createHttpHubClient(options: HttpHubClientOptions): HttpHubClient {
  const baseUrl = trimSlash(options.baseUrl);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const doFetch = options.fetch ?? defaultHubFetch;
  const tls = options.tls ?? {};
  const agent = new Agent({
    connect: {
      ...(tls.ca ? { ca: tls.ca } : {}),
      ...(tls.cert ? { cert: tls.cert } : {}),
      ...(tls.key ? { key: tls.key } : {}),
      ...(tls.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}),
    },
  });

  async function call(method: string, path: string, init: { body?: FormData | object; headers?: Record<string, string>; expect?: 'json' | 'bytes' | 'text' | 'none' } = {}) {
    const url = `${baseUrl}${path}`;
    const headers: Record<string, string> = { accept: 'application/json', ...(options.lang ? { 'accept-language': options.lang } : {}), ...init.headers };
    let body: FormData | string | undefined;
    if (init.body instanceof FormData) body = init.body;
    else if (init.body !== undefined) {
      body = JSON.stringify(init.body);
      headers['content-type'] = 'application/json';
    }
    const started = performance.now();
    let response: HubFetchResponse;
    let bytes: Buffer;
    try {
      response = await doFetch(url, { method, headers, ...(body !== undefined ? { body } : {}), signal: AbortSignal.timeout(timeoutMs), dispatcher: agent });
      bytes = Buffer.from(await response.arrayBuffer());
    } catch (error) {
      const code = transportErrorCode(error);
      const detail = error instanceof Error ? (error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message) : String(error);
      throw new HubUnreachableError(url, code, `the hub at ${baseUrl} could not be reached (${code}) for ${method} ${path}: ${detail}`, { cause: error });
    }
    const contentType = response.headers.get('content-type');
    const media = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
    let parsed: unknown = bytes;
    let parseFailed = false;
    if (media === 'application/json' || media.endsWith('+json')) {
      try {
        parsed = bytes.length ? JSON.parse(bytes.toString('utf8')) : undefined;
      } catch {
        parseFailed = true;
        parsed = bytes.toString('utf8');
      }
    } else if (media.startsWith('text/') || media === 'application/x-ndjson') parsed = bytes.toString('utf8');
    if (options.onResponse) {
      const hdrs: Record<string, string> = {};
      response.headers.forEach((value, key) => {
        hdrs[key] = value;
      });
      await options.onResponse({
        method,
        url,
        path,
        status: response.status,
        contentType,
        headers: hdrs,
        body: parsed,
        durationMs: Math.round((performance.now() - started) * 100) / 100,
        at: new Date().toISOString(),
      });
    }
    if (response.status < 200 || response.status > 299) {
      const err = (parsed && typeof parsed === 'object' && !(parsed instanceof Uint8Array) ? parsed : {}) as { code?: unknown; message?: unknown; details?: unknown };
      const code = typeof err.code === 'string' ? err.code : `HTTP_${response.status}`;
      const message = typeof err.message === 'string' ? err.message : `the hub answered ${response.status} to ${method} ${path}${bytes.length ? `: ${bytes.toString('utf8').slice(0, 200)}` : ''}`;
      throw new HubError(response.status, code, message, err.details);
    }
    const expect = init.expect ?? 'json';
    if (expect === 'json' && (parseFailed || !(media === 'application/json' || media.endsWith('+json')))) {
      throw new HubError(response.status, 'INVALID_RESPONSE', `the hub answered ${method} ${path} with ${contentType ?? 'no content type'} where JSON was expected`);
    }
    return { status: response.status, body: parsed, bytes, headers: response.headers };
  }

  const json = async <T>(method: string, path: string, body?: object): Promise<T> => (await call(method, path, body === undefined ? {} : { body })).body as T;

  const submissionForm = (req: SubmitRequest): FormData => {
    const form = new FormData();
    const name = req.envelope?.file?.name ?? `${req.envelope?.metadata?.documentId ?? 'document'}.pdf`;
    form.append('envelope', new Blob([JSON.stringify(req.envelope)], { type: 'application/json' }), 'envelope.json');
    form.append('document', new Blob([req.pdf as Uint8Array<ArrayBuffer>], { type: 'application/pdf' }), name);
    form.append('recipient', req.recipient);
    return form;
  };

  const query = (params: Record<string, string | number | undefined>): string => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
    const s = q.toString();
    return s ? `?${s}` : '';
  };
  const enc = encodeURIComponent;

  const client: HttpHubClient = {
    baseUrl,
    health: () => json('GET', '/v1/health'),
    version: () => json<HubVersion>('GET', '/v1/version'),
    whoami: () => json('GET', '/v1/whoami'),

    async submit(req: SubmitRequest): Promise<SubmitResult> {
      const form = submissionForm(req);
      const upload = req.channel === 'upload';
      if (upload) form.append('idempotencyKey', req.idempotencyKey);
      const res = await call('POST', upload ? '/v1/uploads' : '/v1/exchanges', {
        body: form,
        ...(upload ? {} : { headers: { 'idempotency-key': req.idempotencyKey } }),
      });
      return { exchange: res.body as Exchange, replayed: res.status === 200 };
    },
    getExchange: (id) => json<Exchange>('GET', `/v1/exchanges/${enc(id)}`),
    async listExchanges(q: { role?: 'sent' | 'received'; status?: ExchangeStatus; limit?: number } = {}) {
      return (await json<{ items: Exchange[] }>('GET', `/v1/exchanges${query(q)}`)).items;
    },
    async listInbox() {
      return (await json<{ items: InboxItem[] }>('GET', '/v1/inbox')).items;
    },
    async fetchDocument(id) {
      const res = await call('GET', `/v1/exchanges/${enc(id)}/document`, { headers: { accept: 'application/pdf, application/json' }, expect: 'bytes' });
      return new Uint8Array(res.bytes);
    },
    acknowledge: (id) => json<Exchange>('POST', `/v1/exchanges/${enc(id)}/ack`),
    decide: (id, decision: Decision) => json<Exchange>('POST', `/v1/exchanges/${enc(id)}/decision`, decision),
    purgeDocument: (id) => json<Exchange>('DELETE', `/v1/exchanges/${enc(id)}/document`),

    async verify(input: { pdf: Uint8Array; envelope?: Envelope }) {
      const form = new FormData();
      form.append('document', new Blob([input.pdf as Uint8Array<ArrayBuffer>], { type: 'application/pdf' }), 'document.pdf');
      if (input.envelope) form.append('envelope', new Blob([JSON.stringify(input.envelope)], { type: 'application/json' }), 'envelope.json');
      return (await call('POST', '/v1/verify', { body: form })).body as VerificationReport;
    },
    lookupDocument: (documentId) => json<DocumentRecord>('GET', `/v1/verify/${enc(documentId)}`),

    async listKeys(country?: CountryCode) {
      return (await json<{ items: SignerEntry[] }>('GET', `/v1/keys${query({ country })}`)).items;
    },
    registerKey: (input) => json<SignerEntry>('POST', '/v1/keys', input),
    revokeKey: (keyId, reason) => json<SignerEntry>('POST', `/v1/keys/${enc(keyId)}/revoke`, { reason }),
    async registerAnchor(input) {
      await call('POST', '/v1/anchors', { body: input, expect: 'none' });
    },
    exportTrust: () => json<TrustRegistry>('GET', '/v1/trust'),

    registerNode: (input: NodeRegistration) => json<NodeInfo>('POST', '/v1/nodes', input),
    revokeNode: (country) => json<NodeInfo>('POST', `/v1/nodes/${enc(country)}/revoke`),
    async listNodes() {
      return (await json<{ items: NodeInfo[] }>('GET', '/v1/nodes')).items;
    },

    async readLog(kind, q: { afterSeq?: number; limit?: number } = {}) {
      return (await json<{ items: LogEntry[] }>('GET', `/v1/logs/${enc(kind)}${query(q)}`)).items;
    },
    checkLog: (kind) => json<LogChainCheck>('GET', `/v1/logs/${enc(kind)}/check`),
    async exportLog(kind) {
      const res = await call('GET', `/v1/logs/${enc(kind)}/export`, { headers: { accept: 'application/x-ndjson, application/json' }, expect: 'text' });
      return String(res.body)
        .split('\n')
        .filter((line) => line.trim())
        .map((line) => JSON.parse(line) as LogEntry);
    },

    getClock: () => json<HubClock>('GET', '/v1/test/clock'),
    setClock: (input) => json<HubClock>('PUT', '/v1/test/clock', input),

    close: () => agent.close(),
  };
  return client;
}
