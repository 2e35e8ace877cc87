import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { Readable } from 'node:stream';
import { Agent, fetch as undiciFetch } from 'undici';
import type { CountryCode } from '../protocol/types.ts';
import { type HandlerHost, type NodeHandler, TransportFault, createNodeHandler } from './handlers.ts';
import type { FetchLike } from './hub-link.ts';

// Real-server transport (missions): the same handlers served by node:https so a remote hub can
// deliver to the node. Faults are real here: offline closes the listening socket (the hub gets a
// real ECONNREFUSED) and reopens it on the same port when the fault clears; a reset destroys the
// TCP connection in the middle of the request with an RST (a real ECONNRESET).
//
// The control API (faults, log) is not served on the public port: a node that is offline has no
// open port, and a hub must not be able to switch faults. It lives on a loopback-only HTTP port
// (ControlServer), one for all nodes of a process, under /<cc>/control/...
//
// A closed socket cannot count the connections it refuses, so on this transport an offline
// fault lasts until it is cleared; its `calls` count only applies in-process.

export interface NodeServerOptions {
  /** Address to bind (default 127.0.0.1; 0.0.0.0 to be reachable from another machine). */
  bind?: string;
  /** Port; 0 picks a free one at the first listen (kept when an offline fault reopens it). */
  port: number;
  tls: { cert: string; key: string };
  /** When set, the hub must present a client certificate issued by this CA (PEM). */
  clientCa?: string;
  /** The base URL the hub reaches this node at, when not https://<bind>:<port> (NAT, tunnel); {port} = the listening port. */
  publicUrl?: string;
}

const TRANSPORT = 'https';
const netServerClose = net.Server.prototype.close;

export class NodeServer {
  readonly #host: HandlerHost;
  readonly #options: NodeServerOptions;
  readonly #handle: NodeHandler;
  readonly #sockets = new Set<net.Socket>();
  #server: https.Server | null = null;
  #port: number;
  #closed = false;
  /** Serializes listen / close transitions driven by offline faults. */
  #transition: Promise<void> = Promise.resolve();
  readonly #unsubscribe: () => void;

  constructor(host: HandlerHost, options: NodeServerOptions) {
    this.#host = host;
    this.#options = options;
    this.#port = options.port;
    this.#handle = createNodeHandler(host, { control: false, transport: TRANSPORT });
    this.#unsubscribe = host.faults.onChange(() => {
      this.#transition = this.#transition.then(() => this.#sync()).catch(() => {});
    });
  }

  get country(): CountryCode {
    return this.#host.country;
  }

  get port(): number {
    return this.#port;
  }

  get listening(): boolean {
    return this.#server !== null;
  }

  /** The base URL the hub calls (publicUrl, or https://<bind>:<port>). */
  get url(): string {
    if (this.#options.publicUrl) return this.#options.publicUrl.replaceAll('{port}', String(this.#port)).replace(/\/+$/, '');
    const bind = this.#options.bind ?? '127.0.0.1';
    const host = bind === '0.0.0.0' || bind === '::' ? '127.0.0.1' : bind.includes(':') ? `[${bind}]` : bind;
    return `https://${host}:${this.#port}`;
  }

  get callbackUrl(): string {
    return `${this.url}${this.#host.callbackPath}`;
  }

  /** Start listening (unless the node is offline right now). */
  async start(): Promise<void> {
    this.#closed = false;
    await (this.#transition = this.#transition.then(() => this.#sync()));
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#unsubscribe();
    await (this.#transition = this.#transition.then(() => this.#stopListening()));
  }

  async #sync(): Promise<void> {
    const shouldListen = !this.#closed && !this.#host.faults.isOffline();
    if (shouldListen && !this.#server) await this.#listen();
    else if (!shouldListen && this.#server) await this.#stopListening();
  }

  async #listen(): Promise<void> {
    const server = https.createServer({
      cert: this.#options.tls.cert,
      key: this.#options.tls.key,
      ...(this.#options.clientCa ? { ca: this.#options.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
    });
    server.on('secureConnection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
    server.on('request', (req, res) => void this.#serve(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, this.#options.bind ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#port = (server.address() as net.AddressInfo).port;
    this.#server = server;
  }

  async #stopListening(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = null;
    const closed = new Promise<void>((resolve) => {
      try {
        server.close(() => resolve());
      } catch {
        // Node 20's http pre-close trips over a connection whose socket was reset (null socket);
        // closing the listening socket itself is all that is needed.
        netServerClose.call(server, () => resolve());
      }
    });
    // Open keep-alive connections would otherwise still carry deliveries to an "offline" node.
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }

  async #serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort(new Error('the caller closed the connection'));
    });
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    const request = new Request(new URL(req.url ?? '/', this.url), {
      method: req.method ?? 'GET',
      headers,
      ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream, duplex: 'half' } : {}),
      signal: abort.signal,
    } as RequestInit);
    let response: Response;
    try {
      response = await this.#handle(request);
    } catch (error) {
      if (error instanceof TransportFault) {
        // Mid-request: the headers are in, the body is not read. RST, not FIN, so the caller sees ECONNRESET.
        resetConnection(req.socket);
        return;
      }
      response = Response.json({ code: 'NODE_INTERNAL_ERROR', message: error instanceof Error ? error.message : String(error) }, { status: 500 });
    }
    if (res.destroyed) return;
    const body = Buffer.from(await response.arrayBuffer());
    const outHeaders = Object.fromEntries(response.headers);
    // A request body left unread would poison the next request on a kept-alive connection.
    if (hasBody && !request.bodyUsed) outHeaders.connection = 'close';
    res.writeHead(response.status, outHeaders);
    res.end(body);
  }
}

/** Tear a connection down with a TCP RST (a TLS socket resets its underlying TCP socket). */
export function resetConnection(socket: net.Socket): void {
  const tcp = ((socket as { _parent?: net.Socket })._parent ?? socket) as net.Socket & { resetAndDestroy?: () => void };
  try {
    if (typeof tcp.resetAndDestroy === 'function') {
      tcp.resetAndDestroy();
      socket.destroy();
      return;
    }
  } catch {
    // fall through to a plain destroy
  }
  socket.destroy();
}

/** Loopback-only HTTP server for the control API of every node of the process: /<cc>/control/... */
export class ControlServer {
  readonly #handlers = new Map<CountryCode, NodeHandler>();
  #server: http.Server | null = null;
  #port = 0;

  constructor(private readonly options: { port: number; bind?: string }) {
    this.#port = options.port;
  }

  add(host: HandlerHost): void {
    this.#handlers.set(host.country.toUpperCase(), createNodeHandler(host, { control: true, transport: 'control' }));
  }

  get url(): string {
    return `http://${this.options.bind ?? '127.0.0.1'}:${this.#port}`;
  }

  async start(): Promise<void> {
    const server = http.createServer((req, res) => void this.#serve(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, this.options.bind ?? '127.0.0.1', () => resolve());
    });
    this.#port = (server.address() as net.AddressInfo).port;
    this.#server = server;
  }

  async close(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async #serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://control');
    const m = /^\/([A-Za-z]{2})(\/.*)$/.exec(url.pathname);
    const handle = m ? this.#handlers.get(m[1]!.toUpperCase()) : undefined;
    let response: Response;
    if (url.pathname === '/' || url.pathname === '') {
      response = Response.json({ nodes: [...this.#handlers.keys()] });
    } else if (!handle || !m) {
      response = Response.json({ code: 'NODE_NOT_FOUND', message: `no mock node at ${url.pathname}; nodes: ${[...this.#handlers.keys()].join(', ')}` }, { status: 404 });
    } else {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(name, value);
      const body = chunks.length ? Buffer.concat(chunks) : undefined;
      response = await handle(new Request(`http://control${m[2]}${url.search}`, { method: req.method ?? 'GET', headers, ...(body ? { body } : {}) })).catch(
        (error: unknown) => Response.json({ code: 'NODE_INTERNAL_ERROR', message: String(error) }, { status: 500 }),
      );
    }
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  }
}

/**
 * A fetch for a hub's push deliveries to real node servers: trusts the nodes' server CA and, when
 * given, presents the hub's client certificate (for nodes that check it).
 */
export function deliveryFetch(options: { ca: string | string[]; cert?: string; key?: string; timeoutMs?: number }): FetchLike & { close(): Promise<void> } {
  const agent = new Agent({
    connect: { ca: options.ca, ...(options.cert && options.key ? { cert: options.cert, key: options.key } : {}) },
    ...(options.timeoutMs ? { headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs } : {}),
  });
  // undici's own fetch does not recognise the global FormData / Request (another undici inside
  // Node): let the global Request serialize the body, then send plain bytes.
  const f = (async (input: string | URL | Request, init?: RequestInit) => {
    const request = new Request(input, init?.body ? ({ duplex: 'half', ...init } as RequestInit) : init);
    const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
    const response = await undiciFetch(request.url, {
      method: request.method,
      headers: [...request.headers],
      ...(body ? { body } : {}),
      signal: request.signal,
      dispatcher: agent,
    });
    return response as unknown as Response;
  }) as FetchLike & { close(): Promise<void> };
  f.close = () => agent.close();
  return f;
}
