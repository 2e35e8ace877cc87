import type { Lang } from '../protocol/i18n.ts';
import type { CountryCode, Envelope } from '../protocol/types.ts';
import { sleep } from './clock.ts';
import { FaultSpecError, type FaultController, type FaultSpec } from './faults.ts';
import type { NodeLog } from './log.ts';
import { nodeMessages } from './messages.ts';

// A node's HTTP interface as plain `(request: Request) => Promise<Response>` functions, kept apart
// from any transport (as msw keeps handlers apart from interception): the in-process transport
// calls them from a fetch, the real-server transport from node:https. Faults that live below HTTP
// (a refused connection, a reset) cannot be expressed as a Response: the handler throws a
// TransportFault and each transport realises it its own way.
//
// Routes
//   POST <callbackPath>            push delivery from the hub (track A); faults apply
//   GET  /health                   liveness
//   GET  /control/faults           active faults                        (control; no faults apply)
//   POST /control/faults           apply a fault (JSON FaultSpec) -> 201
//   DELETE /control/faults[/<id>]  clear all faults, or one
//   GET  /control/log              the node's local log (JSON Lines)
//   GET  /control/exchanges        exchange ids sent / received / decided

export type NodeHandler = (request: Request) => Promise<Response>;

export const DEFAULT_CALLBACK_PATH = '/ecert/deliveries';

/** A fault below HTTP: the transport refuses or resets the connection. */
export class TransportFault extends Error {
  constructor(
    readonly action: 'refuse' | 'reset',
    readonly faultId: string,
  ) {
    super(action === 'refuse' ? 'connection refused (fault)' : 'connection reset (fault)');
    this.name = 'TransportFault';
  }
}

/** What a push delivery carries once parsed. */
export interface IncomingDelivery {
  exchangeId: string;
  attempt: number;
  sender: CountryCode;
  envelope: Envelope;
  pdf: Uint8Array;
}

/** What the handlers need from a node (MockNode implements it). */
export interface HandlerHost {
  readonly country: CountryCode;
  readonly deliveryMode: 'push' | 'pull';
  readonly callbackPath: string;
  readonly faults: FaultController;
  readonly log: NodeLog;
  /** Take a delivery the node acknowledges (de-duplicated by exchange id; processing is async). */
  takeDelivery(delivery: IncomingDelivery, via: 'push' | 'pull'): void;
  /** Record a delivery the node got but does not take (ack fault, aborted by the hub, bad form). */
  recordUntaken(fields: { exchangeId?: string; attempt?: number; via: 'push' | 'pull'; reason: string; faultId?: string }): void;
  exchangeIds(): unknown;
}

function langOf(request: Request): Lang {
  return /^\s*ru\b/i.test(request.headers.get('accept-language') ?? '') ? 'ru' : 'en';
}

function errorResponse(status: number, code: string, message: string, details?: unknown): Response {
  return Response.json({ code, message, ...(details === undefined ? {} : { details }) }, { status });
}

export interface HandlerOptions {
  /** Serve the control routes (in-process: yes; a real server serves them on its loopback control port only). */
  control: boolean;
  /** Name of the transport, recorded with every fault the handler realises. */
  transport: string;
}

export function createNodeHandler(host: HandlerHost, options: HandlerOptions): NodeHandler {
  return async (request) => {
    const url = new URL(request.url);
    const lang = langOf(request);
    const t = (key: Parameters<typeof nodeMessages.t>[1], params?: Record<string, string | number>) => nodeMessages.t(lang, key, params);
    const path = url.pathname.replace(/\/+$/, '') || '/';

    if (path === host.callbackPath.replace(/\/+$/, '')) {
      if (request.method !== 'POST') return errorResponse(405, 'METHOD_NOT_ALLOWED', t('http.methodNotAllowed', { method: request.method, path }));
      return deliver(host, request, options.transport, t);
    }
    if (path === '/health' && request.method === 'GET') {
      return Response.json({ status: 'ok', country: host.country, deliveryMode: host.deliveryMode, offline: host.faults.isOffline() });
    }
    if (options.control && path.startsWith('/control/')) return control(host, request, path, lang, t);
    return errorResponse(404, 'NOT_FOUND', t('http.notFound', { method: request.method, path }));
  };
}

async function deliver(
  host: HandlerHost,
  request: Request,
  transport: string,
  t: (key: Parameters<typeof nodeMessages.t>[1], params?: Record<string, string | number>) => string,
): Promise<Response> {
  const exchangeId = request.headers.get('x-ecert-exchange-id')?.trim() || undefined;
  const decision = host.faults.inbound({ ...(exchangeId ? { exchangeId } : {}), transport });
  // Connection-level faults act mid-request: the headers are in, the body is never read.
  if (decision.action === 'refuse' || decision.action === 'reset') throw new TransportFault(decision.action, decision.faultId);

  // Every other answer comes after the node has read the whole request, as a real server's
  // would; an unread body would also leave a keep-alive connection unusable for the next call.
  let parsed: { envelope: Envelope; pdf: Uint8Array } | { error: Response };
  try {
    parsed = await readDelivery(request, t);
  } catch (error) {
    parsed = { error: errorResponse(400, 'BAD_DELIVERY', t('delivery.unreadable', { detail: error instanceof Error ? error.message : String(error) })) };
  }
  if (decision.action === 'status') {
    return errorResponse(decision.status, 'NODE_UNAVAILABLE', t('delivery.unavailable', { country: host.country }));
  }
  if (decision.delayMs) {
    try {
      await sleep(decision.delayMs, request.signal);
    } catch {
      // The hub gave up waiting: nothing reaches it, so the node must not take the document.
      host.recordUntaken({ ...(exchangeId ? { exchangeId } : {}), via: 'push', reason: 'aborted-by-hub', faultId: decision.faultId! });
      return errorResponse(503, 'ABORTED', t('delivery.aborted'));
    }
  }

  if (!exchangeId) return errorResponse(400, 'BAD_DELIVERY', t('delivery.missingHeader', { header: 'X-Ecert-Exchange-Id' }));
  const attempt = Number(request.headers.get('x-ecert-delivery-attempt') ?? '1');
  if ('error' in parsed) {
    host.recordUntaken({ exchangeId, attempt, via: 'push', reason: 'unreadable-form' });
    return parsed.error;
  }
  const { envelope, pdf } = parsed;
  const sender = request.headers.get('x-ecert-sender')?.trim() || envelope.metadata.issuingBody?.countryCode || '';

  const ack = host.faults.ack({ exchangeId });
  if (ack.ack === 'wrong') {
    host.recordUntaken({ exchangeId, attempt, via: 'push', reason: 'wrong-ack', faultId: ack.faultId });
    return Response.json({ acknowledged: wrongAckId(exchangeId) });
  }
  if (ack.ack === 'missing') {
    host.recordUntaken({ exchangeId, attempt, via: 'push', reason: 'missing-ack', faultId: ack.faultId });
    return Response.json({});
  }
  host.takeDelivery({ exchangeId, attempt: Number.isInteger(attempt) && attempt > 0 ? attempt : 1, sender, envelope, pdf }, 'push');
  return Response.json({ acknowledged: exchangeId });
}

/** The id a node with a wrong-acknowledgement fault answers: plausible, but not this exchange's. */
export function wrongAckId(exchangeId: string): string {
  return `not-${exchangeId}`;
}

async function readDelivery(
  request: Request,
  t: (key: Parameters<typeof nodeMessages.t>[1], params?: Record<string, string | number>) => string,
): Promise<{ envelope: Envelope; pdf: Uint8Array } | { error: Response }> {
  const form = await request.formData();
  const env = form.get('envelope');
  const doc = form.get('document');
  if (env === null) return { error: errorResponse(400, 'BAD_DELIVERY', t('delivery.missingField', { field: 'envelope' })) };
  if (doc === null || typeof doc === 'string') return { error: errorResponse(400, 'BAD_DELIVERY', t('delivery.missingField', { field: 'document' })) };
  const parsed: unknown = JSON.parse(typeof env === 'string' ? env : await env.text());
  if (!parsed || typeof parsed !== 'object' || !(parsed as Envelope).metadata) {
    return { error: errorResponse(400, 'BAD_DELIVERY', t('delivery.badEnvelope')) };
  }
  return { envelope: parsed as Envelope, pdf: new Uint8Array(await doc.arrayBuffer()) };
}

async function control(
  host: HandlerHost,
  request: Request,
  path: string,
  lang: Lang,
  t: (key: Parameters<typeof nodeMessages.t>[1], params?: Record<string, string | number>) => string,
): Promise<Response> {
  if (path === '/control/faults') {
    if (request.method === 'GET') return Response.json({ country: host.country, faults: host.faults.active() });
    if (request.method === 'DELETE') return Response.json({ country: host.country, cleared: host.faults.clear() });
    if (request.method === 'POST') {
      let body: unknown;
      try {
        body = await request.json();
      } catch {
        return errorResponse(400, 'BAD_JSON', t('control.badJson'));
      }
      try {
        return Response.json(host.faults.apply(body as FaultSpec), { status: 201 });
      } catch (error) {
        if (error instanceof FaultSpecError) return errorResponse(400, 'BAD_FAULT', error.localized(lang));
        throw error;
      }
    }
    return errorResponse(405, 'METHOD_NOT_ALLOWED', t('http.methodNotAllowed', { method: request.method, path }));
  }
  const one = /^\/control\/faults\/([^/]+)$/.exec(path);
  if (one && request.method === 'DELETE') {
    const id = decodeURIComponent(one[1]!);
    const cleared = host.faults.clear(id);
    if (!cleared.length) return errorResponse(404, 'FAULT_NOT_FOUND', t('control.faultNotFound', { id, country: host.country }));
    return Response.json({ country: host.country, cleared });
  }
  if (path === '/control/log' && request.method === 'GET') {
    return new Response(host.log.toJsonl(), { headers: { 'content-type': 'application/x-ndjson; charset=utf-8' } });
  }
  if (path === '/control/exchanges' && request.method === 'GET') return Response.json({ country: host.country, ...(host.exchangeIds() as object) });
  return errorResponse(404, 'NOT_FOUND', t('http.notFound', { method: request.method, path }));
}
