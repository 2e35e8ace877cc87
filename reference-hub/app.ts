import { TLSSocket } from 'node:tls';
import { Readable } from 'node:stream';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { type ContractOperation, loadContract } from '../protocol/contract.ts';
import { CONTRACT_VERSION, type HubVersion, type LogKind } from '../protocol/hub-contract.ts';
import type { Lang } from '../protocol/i18n.ts';
import { validateEnvelope } from '../protocol/schema.ts';
import type { Envelope } from '../protocol/types.ts';
import type { DefectName } from './defects.ts';
import { ApiError, hubMessages } from './messages.ts';
import type { HubService, Principal } from './service.ts';

// The HTTP face of the hub, schema-first: every route is an operation of protocol/openapi.yaml,
// registered from the contract with its parameter and JSON body schemas (validated by ajv 2020
// holding the same schemas); the handlers below are looked up by operationId, and a contract
// operation without a handler stops the hub from starting. Errors are { code, message, details? }
// in the caller's language; bad input is a 4xx, never a 5xx.

export const HUB_NAME = 'ecert-reference-hub';
export const HUB_VERSION = '0.1.0';

/** Largest JSON request body (registrations, decisions); uploads have their own limit. */
const JSON_BODY_LIMIT = 1024 * 1024;

/** Header that carries an in-process principal for fastify inject (never honoured on a TLS socket). */
export const INJECT_HEADER = 'x-ecert-inject-principal';

export interface AppOptions {
  service: HubService;
  instanceId: string;
  testMode: boolean;
  defects: ReadonlySet<DefectName>;
  maxUploadBytes: number;
  /** Secret that makes INJECT_HEADER valid (in-process clients only). */
  injectSecret: string;
  https?: { key: string; cert: string; ca?: string };
  logger?: boolean | FastifyBaseLogger;
  /** Called when the clock was shifted or new push work exists. */
  onScheduleChange: () => void;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyContextConfig {
    operationId?: string;
  }
}

type Handler = (ctx: { req: FastifyRequest; reply: FastifyReply; p: Principal; params: Record<string, string>; query: Record<string, unknown>; body: unknown }) => unknown | Promise<unknown>;

/** Language from Accept-Language: the first of en / ru by quality, English otherwise. */
export function pickLang(header: string | undefined): Lang {
  if (!header) return 'en';
  const tags = header
    .split(',')
    .map((part, i) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = Number(params.find((x) => x.trim().startsWith('q='))?.trim().slice(2) ?? '1');
      return { tag: tag.toLowerCase(), q: Number.isFinite(q) ? q : 0, i };
    })
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const { tag, q } of tags) {
    if (q <= 0) continue;
    if (tag.startsWith('ru')) return 'ru';
    if (tag.startsWith('en')) return 'en';
  }
  return 'en';
}

function fastifyPath(template: string): string {
  return template.replace(/\{([^}]+)\}/g, ':$1');
}

function objectSchema(params: ContractOperation['parameters'], where: 'path' | 'query' | 'header') {
  const list = params.filter((p) => p.in === where);
  if (!list.length) return undefined;
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  for (const p of list) {
    const name = where === 'header' ? p.name.toLowerCase() : p.name;
    properties[name] = p.schema;
    if (p.required) required.push(name);
  }
  return { type: 'object', properties, ...(required.length ? { required } : {}) };
}

interface FormPart {
  buffer?: Buffer;
  value?: string;
  mimetype: string;
  filename?: string;
}

async function readForm(req: FastifyRequest): Promise<Map<string, FormPart>> {
  const parts = new Map<string, FormPart>();
  try {
    for await (const part of req.parts()) {
      if (part.type === 'file') parts.set(part.fieldname, { buffer: await part.toBuffer(), mimetype: part.mimetype, filename: part.filename });
      else parts.set(part.fieldname, { value: typeof part.value === 'string' ? part.value : JSON.stringify(part.value), mimetype: part.mimetype });
    }
  } catch (error) {
    throw toApiError(error);
  }
  return parts;
}

const partText = (part: FormPart | undefined): string | undefined => (part ? (part.value ?? part.buffer?.toString('utf8')) : undefined);

function parseEnvelope(part: FormPart | undefined): Envelope {
  const text = partText(part);
  if (text === undefined) throw new ApiError(400, 'MISSING_FIELD', { field: 'the "envelope" part (the envelope JSON)' }, { field: 'envelope' });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ApiError(400, 'ENVELOPE_NOT_JSON', { problem: (error as Error).message });
  }
  const result = validateEnvelope(value);
  if (!result.valid) {
    const [first] = result.errors;
    throw new ApiError(
      400,
      'ENVELOPE_INVALID',
      { field: first?.path || '/', problem: first?.message ?? 'invalid', more: result.errors.length - 1 },
      { errors: result.errors.map((e) => ({ path: e.path, message: e.message, ...(e.keyword ? { keyword: e.keyword } : {}) })) },
    );
  }
  return result.value;
}

function documentBytes(part: FormPart | undefined): Buffer {
  const bytes = part?.buffer ?? (part?.value !== undefined ? Buffer.from(part.value, 'latin1') : undefined);
  if (!bytes || bytes.length === 0) throw new ApiError(400, 'MISSING_FIELD', { field: 'the "document" part (the signed PDF)' }, { field: 'document' });
  return bytes;
}

const COUNTRY = /^[A-Z]{2}$/;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,128}$/;

function requiredField(parts: Map<string, FormPart>, name: string, pattern: RegExp, what: string): string {
  const value = partText(parts.get(name))?.trim();
  if (!value) throw new ApiError(400, 'MISSING_FIELD', { field: `the "${name}" field (${what})` }, { field: name });
  if (!pattern.test(value)) throw new ApiError(400, 'VALIDATION_FAILED', { field: name, problem: `must be ${what}` }, { field: name });
  return value;
}

/** Any error to an ApiError: fastify's and the multipart plugin's 4xx keep their meaning. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const e = error as { statusCode?: number; code?: string; message?: string; validation?: Array<{ instancePath?: string; message?: string; params?: Record<string, unknown> }>; validationContext?: string };
  if (e.validation?.length) {
    const v = e.validation[0]!;
    const missing = v.params?.missingProperty as string | undefined;
    const field = `${e.validationContext ?? 'request'}${v.instancePath ?? ''}${missing ? `/${missing}` : ''}`;
    return new ApiError(400, 'VALIDATION_FAILED', { field, problem: missing ? 'is required' : (v.message ?? 'is invalid') }, { context: e.validationContext, errors: e.validation });
  }
  const status = e.statusCode ?? 500;
  const code = e.code ?? '';
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new ApiError(413, 'PAYLOAD_TOO_LARGE', { limit: JSON_BODY_LIMIT }, { limitBytes: JSON_BODY_LIMIT });
  // An upload over the limit; the limit is filled in by the error handler.
  if (status === 413 || code === 'FST_REQ_FILE_TOO_LARGE') return new ApiError(413, 'PAYLOAD_TOO_LARGE', { limit: -1 });
  if (code === 'FST_INVALID_MULTIPART_CONTENT_TYPE' || code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || status === 415) {
    return new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', { contentType: 'this', expected: 'the content type the contract names for this operation' });
  }
  if (code === 'FST_INVALID_JSON_FIELD_ERROR') return new ApiError(400, 'ENVELOPE_NOT_JSON', { problem: e.message ?? '' });
  if (code.includes('JSON') || error instanceof SyntaxError) return new ApiError(400, 'INVALID_JSON', { problem: e.message ?? '' });
  if (status >= 400 && status < 500) return new ApiError(400, 'BAD_REQUEST', { problem: e.message ?? code });
  // A multipart stream that ends early or is garbled is the client's problem, not a hub failure.
  if (/multipart|boundary|unexpected end of form|malformed part header/i.test(e.message ?? '')) return new ApiError(400, 'BAD_REQUEST', { problem: e.message ?? '' });
  return new ApiError(500, 'INTERNAL', { problem: e.message ?? String(error) });
}

export function buildApp(options: AppOptions): FastifyInstance {
  const { service, defects } = options;
  const contract = loadContract();
  const app = Fastify({
    ...(typeof options.logger === 'object' ? { loggerInstance: options.logger } : { logger: options.logger ?? false }),
    bodyLimit: JSON_BODY_LIMIT,
    ...(options.https ? { https: { ...options.https, requestCert: true, rejectUnauthorized: false } } : {}),
  }) as unknown as FastifyInstance;

  const bodyAjv = contract.createAjv();
  const paramAjv = contract.createAjv({ coerceTypes: true, useDefaults: true });
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? bodyAjv : paramAjv).compile(schema as object));

  void app.register(multipart, {
    limits: { fileSize: options.maxUploadBytes, files: 3, fields: 10, parts: 13, fieldSize: 1024 * 1024 },
    throwFileSizeLimit: true,
  });

  const sendError = (req: FastifyRequest, reply: FastifyReply, error: ApiError) => {
    const lang = pickLang(req.headers['accept-language']);
    const uploadLimit = error.code === 'PAYLOAD_TOO_LARGE' && error.params.limit === -1;
    const params = uploadLimit ? { ...error.params, limit: options.maxUploadBytes } : error.params;
    const details = uploadLimit ? { limitBytes: options.maxUploadBytes } : error.details;
    if (error.status >= 500) req.log.error({ err: error }, 'hub internal error');
    return reply
      .code(error.status)
      .type('application/json; charset=utf-8')
      .send({ code: error.code, message: hubMessages.t(lang, error.key, params), ...(details !== undefined ? { details } : {}) });
  };

  app.setErrorHandler((error, req, reply) => {
    const api = toApiError(error);
    if (api.code === 'UNSUPPORTED_MEDIA_TYPE') {
      const op = req.routeOptions.config.operationId;
      const expected = op ? Object.keys(contract.operation(op).requestBody?.content ?? {}).join(' or ') : 'application/json';
      return sendError(req, reply, new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', { contentType: req.headers['content-type'] ?? '(none)', expected }));
    }
    return sendError(req, reply, api);
  });
  app.setNotFoundHandler((req, reply) => sendError(req, reply, new ApiError(404, 'ROUTE_NOT_FOUND', { method: req.method, path: req.url.split('?')[0]! })));

  const fingerprintOf = (req: FastifyRequest): string | undefined => {
    const socket = req.raw.socket;
    if (socket instanceof TLSSocket) {
      const cert = socket.getPeerCertificate();
      return cert && cert.fingerprint256 ? cert.fingerprint256 : undefined;
    }
    const injected = req.headers[INJECT_HEADER];
    if (typeof injected === 'string') {
      const [secret, fp] = injected.split(' ');
      if (secret === options.injectSecret && fp) return fp;
    }
    return undefined;
  };

  const version = (): HubVersion => ({
    name: HUB_NAME,
    version: HUB_VERSION,
    contractVersion: CONTRACT_VERSION,
    instanceId: options.instanceId,
    capabilities: [...(options.testMode ? ['test-clock'] : []), 'defect-switches'],
    defects: [...defects],
  });

  const requireTestMode = () => {
    if (!options.testMode) throw new ApiError(404, 'CAPABILITY_NOT_AVAILABLE', { capability: 'test-clock' });
  };

  const submission = async (req: FastifyRequest, reply: FastifyReply, p: Principal, channel: 'api' | 'upload') => {
    const parts = await readForm(req);
    const envelope = parseEnvelope(parts.get('envelope'));
    const pdf = documentBytes(parts.get('document'));
    const recipient = requiredField(parts, 'recipient', COUNTRY, 'an ISO 3166-1 alpha-2 country code');
    const idempotencyKey =
      channel === 'api' ? String(req.headers['idempotency-key']) : requiredField(parts, 'idempotencyKey', IDEMPOTENCY_KEY, '1-128 visible ASCII characters');
    const result = service.submit(p, { pdf, envelope, recipient, idempotencyKey, channel });
    if (!result.replayed) options.onScheduleChange();
    if (result.replayed) reply.header('idempotent-replayed', 'true');
    return reply.code(result.replayed ? 200 : 201).send(result.exchange);
  };

  const handlers: Record<string, Handler> = {
    getHealth: () => ({ status: 'ok', time: service.clock.iso() }),
    getVersion: () => version(),
    whoami: ({ p }) => (p.role === 'node' ? { role: 'node', country: p.country, name: p.name } : { role: 'operator', name: p.name }),

    submitExchange: ({ req, reply, p }) => submission(req, reply, p, 'api'),
    uploadDocument: ({ req, reply, p }) => submission(req, reply, p, 'upload'),
    listExchanges: ({ p, query }) => ({ items: service.listExchanges(p, query as { role?: 'sent' | 'received'; limit?: number }) }),
    getExchange: ({ p, params }) => service.getExchange(p, params.exchangeId!),
    fetchDocument: ({ reply, p, params }) => {
      const { pdf } = service.fetchDocument(p, params.exchangeId!);
      return reply.type('application/pdf').header('x-ecert-exchange-id', params.exchangeId!).send(pdf);
    },
    purgeDocument: ({ p, params }) => service.purgeDocument(p, params.exchangeId!),
    acknowledgeExchange: ({ p, params }) => service.acknowledge(p, params.exchangeId!),
    decideExchange: ({ p, params, body }) => service.decide(p, params.exchangeId!, body as Parameters<HubService['decide']>[2]),
    listInbox: ({ p, query }) => ({ items: service.listInbox(p, query.limit as number | undefined) }),

    verifyDocument: async ({ req }) => {
      const parts = await readForm(req);
      const pdf = documentBytes(parts.get('document'));
      const envelope = parts.has('envelope') ? parseEnvelope(parts.get('envelope')) : undefined;
      return service.verify(pdf, envelope);
    },
    lookupDocument: ({ params }) => service.lookupDocument(params.documentId!),

    listKeys: ({ query }) => ({ items: service.listKeys(query.country as string | undefined) }),
    registerKey: ({ reply, p, body }) => {
      const { entry, created } = service.registerKey(p, body as Parameters<HubService['registerKey']>[1]);
      return reply.code(created ? 201 : 200).send(entry);
    },
    revokeKey: ({ p, params, body }) => service.revokeKey(p, params.keyId!, (body as { reason: string }).reason),
    registerAnchor: ({ reply, p, body }) => {
      service.registerAnchor(p, body as Parameters<HubService['registerAnchor']>[1]);
      return reply.code(204).send();
    },
    exportTrust: () => service.trust(),

    listNodes: ({ p }) => ({ items: service.listNodes(p) }),
    registerNode: ({ reply, p, body }) => {
      const { node, created } = service.registerNode(p, body as Parameters<HubService['registerNode']>[1]);
      return reply.code(created ? 201 : 200).send(node);
    },
    revokeNode: ({ p, params }) => service.revokeNode(p, params.country!),

    readLog: ({ p, params, query }) => ({ items: service.readLog(p, params.kind as LogKind, query as { afterSeq?: number; limit?: number }) }),
    exportLog: ({ reply, params }) => {
      const kind = params.kind as LogKind;
      // Paged, so no SQLite cursor stays open while other requests run between chunks.
      const lines = Readable.from(
        (function* () {
          for (let after = 0; ; ) {
            const page = service.logs.read(kind, { afterSeq: after, limit: 1000 });
            if (!page.length) return;
            yield page.map((entry) => `${JSON.stringify(entry)}\n`).join('');
            after = page.at(-1)!.seq;
          }
        })(),
      );
      return reply.type('application/x-ndjson; charset=utf-8').send(lines);
    },
    checkLog: ({ params }) => service.logs.check(params.kind as LogKind),

    getClock: () => {
      requireTestMode();
      return { now: service.clock.iso(), offsetMs: service.clock.offsetMs };
    },
    setClock: ({ p, body }) => {
      requireTestMode();
      service.setClock(p, body as { offsetMs: number } | { now: string });
      options.onScheduleChange();
      return { now: service.clock.iso(), offsetMs: service.clock.offsetMs };
    },
  };

  for (const op of contract.operations) {
    if (op.webhook) continue;
    const handler = handlers[op.operationId];
    if (!handler) throw new Error(`reference hub: no handler for contract operation ${op.operationId}`);
    const jsonBody = op.requestBody?.content['application/json'];
    const schema: Record<string, unknown> = {};
    const params = objectSchema(op.parameters, 'path');
    const querystring = objectSchema(op.parameters, 'query');
    const headers = objectSchema(op.parameters, 'header');
    if (params) schema.params = params;
    if (querystring) schema.querystring = querystring;
    if (headers) schema.headers = headers;
    if (jsonBody) schema.body = jsonBody;
    app.route({
      method: op.method.toUpperCase() as 'GET',
      url: fastifyPath(op.path),
      schema,
      config: { operationId: op.operationId },
      onRequest: async (req) => {
        if (op.public) return;
        req.principal = service.authenticate(fingerprintOf(req));
        if (op.roles.includes('operator')) service.requireOperator(req.principal, op.operationId);
      },
      preValidation: async (req) => {
        // A JSON operation answers 415 to any other body type (rather than a schema error).
        if (jsonBody && !/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
          throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', { contentType: req.headers['content-type'] ?? '(none)', expected: 'application/json' });
        }
        if (op.requestBody?.content['multipart/form-data'] && !req.isMultipart()) {
          throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', { contentType: req.headers['content-type'] ?? '(none)', expected: 'multipart/form-data' });
        }
      },
      handler: async (req, reply) => {
        const result = await handler({
          req,
          reply,
          p: req.principal as Principal,
          params: (req.params ?? {}) as Record<string, string>,
          query: (req.query ?? {}) as Record<string, unknown>,
          body: req.body,
        });
        if (result === reply) return reply;
        return reply.type('application/json; charset=utf-8').send(result);
      },
    });
  }
  return app;
}
