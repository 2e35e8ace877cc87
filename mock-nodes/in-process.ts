import { type HttpHandler, HttpResponse, getResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import type { CountryCode } from '../protocol/types.ts';
import { type HandlerHost, type NodeHandler, TransportFault, createNodeHandler } from './handlers.ts';
import type { FetchLike } from './hub-link.ts';
import { fetchFailed, netErrorCode, systemError, type NetErrorCode } from './net-errors.ts';

// In-process transport (CI): the nodes live in the runner's process and the hub reaches them
// through a fetch that resolves requests against msw request handlers, one per node host
// (https://uz.node.ecert.test/...). That fetch is handed to the hub as its delivery fetch, so no
// global is patched: the hub's own HTTPS traffic, other tests and several node sets in one
// process never interfere. Faults below HTTP come out exactly as undici reports real ones:
// offline is msw's HttpResponse.error() turned into ECONNREFUSED, a reset is ECONNRESET, and a
// slow node is a handler that outlives the hub's time-out (the hub's abort ends the call).
//
// For a hub that cannot take an injected fetch (it calls the global fetch), interceptGlobal()
// installs the same handlers with msw's setupServer and lets all other traffic through.

export const IN_PROCESS_DOMAIN = 'node.ecert.test';

export function inProcessBaseUrl(country: CountryCode): string {
  return `https://${country.toLowerCase()}.${IN_PROCESS_DOMAIN}`;
}

const TRANSPORT = 'in-process';

export class InProcessNetwork {
  readonly #handlers = new Map<CountryCode, HttpHandler>();

  /** Serve a node at its in-process host; returns its base URL. */
  attach(node: HandlerHost): string {
    const base = inProcessBaseUrl(node.country);
    const handle: NodeHandler = createNodeHandler(node, { control: true, transport: TRANSPORT });
    this.#handlers.set(
      node.country,
      http.all(`${base}/*`, async ({ request }) => {
        try {
          return await handle(request);
        } catch (error) {
          if (error instanceof TransportFault) {
            if (error.action === 'refuse') return HttpResponse.error();
            throw systemError('ECONNRESET', request.url);
          }
          throw error;
        }
      }),
    );
    return base;
  }

  urlOf(country: CountryCode): string {
    return inProcessBaseUrl(country);
  }

  detach(country: CountryCode): void {
    this.#handlers.delete(country);
  }

  get handlers(): HttpHandler[] {
    return [...this.#handlers.values()];
  }

  /** The fetch to give the hub for push deliveries (and to anyone calling a node's control API). */
  readonly fetch: FetchLike = async (input, init) => {
    const request = new Request(input, init?.body ? ({ duplex: 'half', ...init, body: portableBody(init.body) } as RequestInit) : init);
    const signal = request.signal;
    if (signal.aborted) throw signal.reason;
    let response: Response | undefined;
    try {
      response = await raceAbort(getResponse(this.handlers, request), signal);
    } catch (error) {
      if (signal.aborted && error === signal.reason) throw error;
      const code = netErrorCode(error);
      if (code) throw fetchFailed(code as NetErrorCode, request.url);
      // A defect in a node handler: a real server would answer 500.
      return Response.json({ code: 'NODE_INTERNAL_ERROR', message: error instanceof Error ? error.message : String(error) }, { status: 500 });
    }
    // No node serves this host: what DNS would say about an unknown name.
    if (!response) throw new TypeError('fetch failed', { cause: Object.assign(new Error(`getaddrinfo ENOTFOUND ${new URL(request.url).hostname}`), { code: 'ENOTFOUND', errno: -3008, syscall: 'getaddrinfo' }) });
    if (response.type === 'error') throw fetchFailed('ECONNREFUSED', request.url);
    return response;
  };

  /**
   * Route the process's global fetch (and node:http) requests for node hosts to the nodes with
   * msw's setupServer; everything else passes through untouched. Returns the function that
   * removes the interception.
   */
  interceptGlobal(): () => void {
    const server = setupServer(
      http.all(`https://*.${IN_PROCESS_DOMAIN}/*`, async ({ request }) => {
        // Same semantics as this.fetch, so a fault looks the same whichever way the hub calls.
        try {
          return await this.fetch(request.clone());
        } catch (error) {
          const code = netErrorCode(error);
          if (code === 'ECONNREFUSED') return HttpResponse.error();
          if (code) throw systemError(code as NetErrorCode, request.url);
          throw error;
        }
      }),
    );
    server.listen({ onUnhandledRequest: () => {} });
    return () => server.close();
  }
}

/**
 * The hub builds multipart bodies with undici's own FormData, which the global Request (another
 * undici, inside Node) does not recognise and would send as "[object FormData]": copy its
 * entries into a global FormData.
 */
function portableBody(body: unknown): BodyInit {
  if (body instanceof FormData || !body || typeof body !== 'object') return body as BodyInit;
  const tag = (body as { [Symbol.toStringTag]?: string })[Symbol.toStringTag];
  if (tag !== 'FormData' || typeof (body as FormData).entries !== 'function') return body as BodyInit;
  const copy = new FormData();
  for (const [name, value] of (body as FormData).entries()) {
    if (typeof value === 'string') copy.append(name, value);
    else copy.append(name, value, (value as File).name);
  }
  return copy;
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
