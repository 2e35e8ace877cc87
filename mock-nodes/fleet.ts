import path from 'node:path';
import type { CountryProfile } from '../fixtures/profile.ts';
import type { HubClient } from '../protocol/hub-contract.ts';
import { type HubFetch, createHttpHubClient, defaultHubFetch } from '../protocol/hub-http.ts';
import { issueDocument } from '../fixtures/issue.ts';
import { SIGNER_VARIANTS, type TestPki } from '../fixtures/pki.ts';
import type { CountryCode, VerificationPolicy } from '../protocol/types.ts';
import { type NodeClock, createClock } from './clock.ts';
import type { ActiveFault, FaultSpec } from './faults.ts';
import { InProcessNetwork } from './in-process.ts';
import type { NodeExchangeIds } from './log.ts';
import { FAST_TIMING, type Issuer, MockNode, type NodeMaterial, type NodeTiming } from './node.ts';
import { ControlServer, NodeServer, deliveryFetch } from './server.ts';
import { nodeServerTls } from './server-tls.ts';

// A set of mock nodes against one hub, on either transport: what the scenario runner and
// `ecert nodes start` drive. Both transports share everything but how the hub reaches a node.

export interface HubAccess {
  url: string;
  /** CA certificate(s) (PEM) of the hub's server certificate. */
  ca: string | string[];
  /** Operator credentials: register the nodes, their CA and signer certificates at start. */
  operator?: { cert: string; key: string };
}

export interface NodeSetOptions {
  hub: HubAccess;
  /** The countries to mock, one node each. */
  profiles: readonly CountryProfile[];
  /**
   * The run's test PKI: each node's material (materialFromPki) and its document issuer
   * (fixtures/issue.ts issueDocument, every variant) unless given below.
   */
  pki?: TestPki;
  /** Each node's certificates and keys (default: materialFromPki with `pki`). */
  material?: (profile: CountryProfile) => NodeMaterial;
  seed: string;
  /** One clock for all nodes (the runner shifts it with the hub's test clock). */
  clock?: NodeClock;
  timing?: Partial<NodeTiming>;
  /** Default: issueDocument with `pki`. */
  issuer?: (profile: CountryProfile) => Issuer;
  policy?: VerificationPolicy;
  /** Write each node's log as it happens to <logDir>/node-<CC>.jsonl. */
  logDir?: string;
  /**
   * Builds a hub client for an identity, its transport wrapped by `wrapFetch` when given (default:
   * the HTTP client of protocol/hub-http.ts; for an in-process reference hub, `hub.client(identity,
   * { transport: 'inject', wrapFetch })`).
   */
  connect?: (identity: { cert: string; key: string }, wrapFetch?: (inner: HubFetch) => HubFetch) => HubClient;
  /** Register the nodes at the hub at start (default: when operator credentials are given). */
  register?: boolean;
  /** Nodes hold received documents until decide(exchangeId) (the harness drives decisions). */
  decideOnRequest?: boolean;
}

export interface MockNodes {
  readonly nodes: ReadonlyMap<CountryCode, MockNode>;
  /** The node of a country; throws naming the mocked countries when there is none. */
  node(country: CountryCode): MockNode;
  readonly clock: NodeClock;
  /** Apply a fault to one node (a scenario's fault entry can be passed as it is). */
  fault(country: CountryCode, spec: FaultSpec): ActiveFault;
  clearFaults(country?: CountryCode): void;
  /** Exchange ids per node: sent, received, decided (for the "nothing lost" check). */
  exchangeIds(): Record<CountryCode, NodeExchangeIds>;
  /** Write every node's log to <dir>/node-<CC>.jsonl; returns the files. */
  exportLogs(dir: string): string[];
  stop(): Promise<void>;
}

function defaultConnect(hub: HubAccess) {
  return (identity: { cert: string; key: string }, wrapFetch?: (inner: HubFetch) => HubFetch): HubClient =>
    createHttpHubClient({ baseUrl: hub.url, tls: { ca: hub.ca, cert: identity.cert, key: identity.key }, ...(wrapFetch ? { fetch: wrapFetch(defaultHubFetch) } : {}) });
}

/**
 * A node's material from the test PKI: its TLS client certificate, its CA certificates, every
 * signer the PKI registers (the valid one and the bad variants, revoked ones marked, exactly as
 * trustRegistry() lists them, so the hub's registry equals the harness's), and the anchors of
 * every country of the PKI as its out-of-band trust.
 */
export function materialFromPki(pki: TestPki, country: CountryCode): NodeMaterial {
  const own = pki.country(country);
  const signers = [own.signer, ...SIGNER_VARIANTS.map((v) => own.variant(v))].filter((s) => s.registration !== 'none');
  const seen = new Set<string>();
  const trustAnchors: NodeMaterial['trustAnchors'] = {};
  for (const cc of pki.countries) {
    const c = pki.country(cc);
    trustAnchors[cc] = { anchors: [c.root.pem], intermediates: [c.issuingCa.pem] };
  }
  return {
    tls: { cert: own.node.pem, key: own.node.keyPem },
    ca: { anchors: [own.root.pem], intermediates: [own.issuingCa.pem] },
    signers: signers
      .filter((s) => !seen.has(s.fingerprint256) && seen.add(s.fingerprint256))
      .map((s) => ({ certificatePem: s.pem, label: s.label, country: s.country, ...(s.registration === 'revoked' ? { revoked: true } : {}) })),
    trustAnchors,
  };
}

class NodeSet implements MockNodes {
  readonly nodes = new Map<CountryCode, MockNode>();
  readonly #closers: Array<() => Promise<void>> = [];

  constructor(readonly clock: NodeClock) {}

  add(node: MockNode): void {
    this.nodes.set(node.country, node);
  }

  onStop(fn: () => Promise<void>): void {
    this.#closers.push(fn);
  }

  node(country: CountryCode): MockNode {
    const node = this.nodes.get(country.toUpperCase());
    if (!node) throw new Error(`no mock node for ${country}; mocked countries: ${[...this.nodes.keys()].join(', ') || 'none'}`);
    return node;
  }

  fault(country: CountryCode, spec: FaultSpec): ActiveFault {
    return this.node(country).faults.apply(spec);
  }

  clearFaults(country?: CountryCode): void {
    for (const node of country ? [this.node(country)] : this.nodes.values()) node.faults.clear();
  }

  exchangeIds(): Record<CountryCode, NodeExchangeIds> {
    return Object.fromEntries([...this.nodes].map(([cc, node]) => [cc, node.exchangeIds()]));
  }

  exportLogs(dir: string): string[] {
    return [...this.nodes.values()].map((node) => {
      const file = path.join(dir, `node-${node.country}.jsonl`);
      node.log.exportTo(file);
      return file;
    });
  }

  async stop(): Promise<void> {
    await Promise.allSettled([...this.nodes.values()].map((n) => n.stop()));
    for (const close of this.#closers.splice(0).reverse()) await close().catch(() => {});
  }
}

function createNodes(
  options: NodeSetOptions,
  set: NodeSet,
  delivery: (profile: CountryProfile) => { mode: 'push'; callbackUrl: string } | { mode: 'pull' },
  extra: { autoPull: boolean },
): void {
  const connect = options.connect ?? defaultConnect(options.hub);
  const operator = options.hub.operator && options.register !== false ? connect(options.hub.operator) : undefined;
  if (operator) set.onStop(async () => (operator as Partial<{ close(): Promise<void> }>).close?.());
  const { pki } = options;
  const materialOf = options.material ?? (pki ? (p: CountryProfile) => materialFromPki(pki, p.code) : undefined);
  if (!materialOf) throw new Error('mock nodes need their material: give `pki` or `material`');
  const issuerOf = options.issuer ?? (pki ? (): Issuer => (req) => issueDocument(req, { pki }) : undefined);
  for (const profile of options.profiles) {
    const material = materialOf(profile);
    const node = new MockNode({
      profile,
      material,
      connectHub: (wrapFetch) => connect(material.tls, wrapFetch),
      ...(operator ? { operator } : {}),
      delivery: delivery(profile),
      clock: set.clock,
      seed: options.seed,
      ...(options.policy ? { policy: options.policy } : {}),
      ...(issuerOf ? { issuer: issuerOf(profile) } : {}),
      ...(options.timing ? { timing: options.timing } : {}),
      ...(options.logDir ? { logFile: path.join(options.logDir, `node-${profile.code}.jsonl`) } : {}),
      autoPull: extra.autoPull,
      ...(options.decideOnRequest ? { decideOnRequest: true } : {}),
    });
    set.add(node);
  }
}

export interface InProcessNodes extends MockNodes {
  readonly network: InProcessNetwork;
  /** Give this to the hub as its push-delivery fetch. */
  readonly deliveryFetch: InProcessNetwork['fetch'];
}

/**
 * Start mock nodes inside this process (CI). Create the network first when the hub needs its
 * delivery fetch before the nodes exist: `const network = new InProcessNetwork()`, start the hub
 * with `fetch: network.fetch`, then pass `network` here.
 */
export async function startInProcessNodes(options: NodeSetOptions & { network?: InProcessNetwork; autoPull?: boolean }): Promise<InProcessNodes> {
  const network = options.network ?? new InProcessNetwork();
  const set = new NodeSet(options.clock ?? createClock());
  const timing = { ...FAST_TIMING, ...options.timing };
  createNodes(
    { ...options, timing },
    set,
    (profile) => (profile.track === 'A' ? { mode: 'push', callbackUrl: `${network.urlOf(profile.code)}/ecert/deliveries` } : { mode: 'pull' }),
    { autoPull: options.autoPull ?? false },
  );
  for (const node of set.nodes.values()) network.attach(node);
  set.onStop(async () => {
    for (const cc of set.nodes.keys()) network.detach(cc);
  });
  await startAll(set);
  return Object.assign(set, { network, deliveryFetch: network.fetch });
}

export interface ServerNodesOptions extends NodeSetOptions {
  /** Node i (in profile order) listens on portBase + i; 0 = free ports. */
  portBase?: number;
  /** Address to bind (default 127.0.0.1). */
  bind?: string;
  /**
   * Base URL the hub reaches the nodes at. With {cc} (the country, lower case) or {port} it is a
   * template (https://{cc}.nodes.example.org); otherwise each node gets it with its own port
   * (https://203.0.113.5 -> https://203.0.113.5:<port>).
   */
  publicUrl?: string;
  /** Extra host names in the nodes' server certificates (the public host). */
  hostnames?: string[];
  /** Loopback control API port (default: portBase + 100, or a free port). */
  controlPort?: number;
  /** When set, the hub must present a client certificate issued by this CA. */
  hubClientCa?: string;
}

export interface ServerNodes extends MockNodes {
  readonly servers: ReadonlyMap<CountryCode, NodeServer>;
  readonly control: ControlServer;
  /** PEM of the CA of the nodes' server certificates: the hub must trust it to deliver. */
  readonly serverCaPem: string;
  /** A fetch that trusts the nodes' server CA: for a hub in this process, or for tests. */
  deliveryFetch(clientCert?: { cert: string; key: string }): ReturnType<typeof deliveryFetch>;
}

/** Start mock nodes as real HTTPS servers (missions, or CI tests of the real transport). */
export async function startServerNodes(options: ServerNodesOptions): Promise<ServerNodes> {
  const set = new NodeSet(options.clock ?? createClock());
  const servers = new Map<CountryCode, NodeServer>();
  const portBase = options.portBase ?? 0;
  let serverCaPem = '';
  createNodes(
    options,
    set,
    (profile) => {
      if (profile.track !== 'A') return { mode: 'pull' };
      // A push node registers its callback URL, known once its server listens: set before start.
      return { mode: 'push', callbackUrl: 'https://pending.invalid/ecert/deliveries' };
    },
    { autoPull: true },
  );
  let index = 0;
  for (const profile of options.profiles) {
    const node = set.node(profile.code);
    const tls = nodeServerTls({ seed: options.seed, country: profile.code, hostnames: options.hostnames ?? [] });
    serverCaPem = tls.caPem;
    const port = portBase ? portBase + index : 0;
    index++;
    const server = new NodeServer(node, {
      port,
      tls: { cert: tls.certPem, key: tls.keyPem },
      ...(options.bind ? { bind: options.bind } : {}),
      ...(options.publicUrl ? { publicUrl: publicUrlFor(options.publicUrl, profile.code) } : {}),
      ...(options.hubClientCa ? { clientCa: options.hubClientCa } : {}),
    });
    servers.set(profile.code, server);
  }
  const control = new ControlServer({ port: options.controlPort ?? (portBase ? portBase + 100 : 0) });
  set.onStop(() => control.close());
  for (const server of servers.values()) {
    await server.start();
    set.onStop(() => server.close());
  }
  for (const node of set.nodes.values()) {
    const server = servers.get(node.country)!;
    if (node.deliveryMode === 'push') node.setCallbackUrl(server.callbackUrl);
    control.add(node);
  }
  await control.start();
  await startAll(set);
  const fetches: Array<ReturnType<typeof deliveryFetch>> = [];
  set.onStop(async () => {
    for (const f of fetches) await f.close();
  });
  return Object.assign(set, {
    servers,
    control,
    serverCaPem,
    deliveryFetch(clientCert?: { cert: string; key: string }) {
      const f = deliveryFetch({ ca: serverCaPem, ...(clientCert ?? {}) });
      fetches.push(f);
      return f;
    },
  });
}

export function publicUrlFor(template: string, country: CountryCode): string {
  const filled = template.replaceAll('{cc}', country.toLowerCase()).replaceAll('{CC}', country);
  if (filled !== template || template.includes('{port}')) return filled;
  const u = new URL(template);
  return `${u.protocol}//${u.hostname}:{port}${u.pathname.replace(/\/+$/, '')}`;
}

async function startAll(set: NodeSet): Promise<void> {
  try {
    for (const node of set.nodes.values()) await node.start();
  } catch (error) {
    await set.stop();
    throw error;
  }
}
