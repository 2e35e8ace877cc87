import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CountryCode } from '../../protocol/types.ts';
import { type HubClient, HubError, HubUnreachableError, type LogKind } from '../../protocol/hub-contract.ts';
import { type HubFetch, createHttpHubClient, defaultHubFetch, transportErrorCode } from '../../protocol/hub-http.ts';
import { serializeTrustRegistry, trustFingerprints } from '../../protocol/trust.ts';
import type { CountryProfile } from '../../fixtures/profile.ts';
import { loadProfiles } from '../../fixtures/profiles/index.ts';
import { type TestPki, createTestPki } from '../../fixtures/pki.ts';
import { type IssueRequest, issueDocument } from '../../fixtures/issue.ts';
import { InProcessNetwork, type MockNode, type MockNodes, type NodeClock, createClock, startInProcessNodes, startServerNodes } from '../../mock-nodes/index.ts';
import { type ReferenceHub, hubTlsFromPki, startReferenceHub } from '../../reference-hub/index.ts';
import type { FaultSpec } from '../../scenarios/types.ts';
import type { RunConfig } from '../config.ts';
import { type EnvironmentMessageKey, environmentMessages } from './messages.ts';
import type { HarnessClock, HarnessEnvironment, NodeDecision, NodeHandle, NodeReceipt } from '../engine/environment.ts';
import type { EvidenceWriter } from '../engine/evidence.ts';
import { ContractMonitor } from '../engine/contract-monitor.ts';

// Builds the world a run tests: the embedded reference hub with in-process mock nodes (CI), or
// a remote hub with the mock nodes as HTTPS servers (missions). The engine sees only
// HarnessEnvironment; which of the two it is changes nothing in the cases.

/** The environment could not start: a catalog key with parameters, rendered in English here and in the user's language by the runner. */
export class EnvironmentError extends Error {
  readonly hint: string;
  constructor(
    readonly key: EnvironmentMessageKey,
    readonly params: Record<string, string | number>,
    options?: { cause?: unknown },
  ) {
    super(environmentMessages.t('en', key, params), options);
    this.hint = environmentMessages.t('en', `${key}.hint`, params);
    this.name = 'EnvironmentError';
  }
}

/**
 * The operator's reads are idempotent, and a pooled keep-alive connection the server has just
 * closed answers with a reset: retry such a request once, so a race in connection reuse is not
 * reported as the hub's fault.
 */
export function retryStaleConnections(inner: HubFetch): HubFetch {
  return async (url, init) => {
    try {
      return await inner(url, init);
    } catch (error) {
      const idempotent = init.method === 'GET' || init.method === 'HEAD' || init.method === 'PUT';
      if (!idempotent || transportErrorCode(error) !== 'ECONNRESET') throw error;
      return inner(url, init);
    }
  };
}

/** A mock node as the engine sees it. */
function mockHandle(node: MockNode, deliveryTimeoutMs: number, countsRefusedCalls: boolean): NodeHandle {
  const receipt = (id: string): NodeReceipt => {
    const r = node.receipt(id);
    if (!r) throw new Error(`${node.country} node holds no receipt for exchange ${id}`);
    return { exchangeId: r.exchangeId, deliveries: r.deliveries, sha256: r.sha256, receivedAt: r.receivedAt };
  };
  const decisionOf = (d: import('../../mock-nodes/index.ts').NodeDecision): NodeDecision => ({
    exchangeId: d.exchangeId,
    decision: d.decision,
    ...(d.reasonCode ? { reasonCode: d.reasonCode } : {}),
    verification: d.report,
    mechanisms: d.mechanisms.map((m) => ({ mechanism: m.mechanism, ok: m.result !== 'failed', detail: m.detail })),
    at: d.decidedAt,
  });
  return {
    country: node.country,
    profile: node.profile,
    mock: true,
    delivery: node.deliveryMode,
    countsRefusedCalls,
    client: node.hub,
    async submit(doc, recipient, idempotencyKey) {
      const sent = await node.send(doc, { recipient, idempotencyKey });
      return { exchange: sent.exchange, attempts: sent.attempts };
    },
    async receive(exchangeId, timeoutMs) {
      await node.waitForDelivery(exchangeId, { timeoutMs });
      return receipt(exchangeId);
    },
    async decide(exchangeId) {
      return decisionOf(await node.decide(exchangeId));
    },
    async applyFault(fault: FaultSpec) {
      const { party: _party, ...spec } = fault;
      // A slow answer must outlast the hub's time-out for one delivery attempt.
      if (spec.fault === 'slow') node.faults.apply({ ...spec, delayMs: deliveryTimeoutMs * 2 + 200 });
      // A closed socket cannot count refusals: the engine ends this fault after the hub's attempts.
      else if (spec.fault === 'offline' && !countsRefusedCalls && node.deliveryMode === 'push') node.faults.apply({ fault: 'offline' });
      else node.faults.apply(spec);
    },
    async clearFaults() {
      node.faults.clear();
    },
    record(documentId) {
      const r = node.record(documentId);
      return {
        sent: r.sent,
        received: r.received.map((x) => ({ exchangeId: x.exchangeId, deliveries: x.deliveries, sha256: x.sha256, receivedAt: x.receivedAt })),
        decisions: r.decisions.map(decisionOf),
      };
    },
  };
}

/** A country's real node: the harness cannot drive it, only observe it through the hub. */
function realHandle(profile: CountryProfile, operator: HubClient): NodeHandle {
  const refuse = (what: string) => async (): Promise<never> => {
    throw new Error(`${profile.code} runs as a real node: the harness cannot ${what}`);
  };
  return {
    country: profile.code,
    profile,
    mock: false,
    delivery: profile.track === 'A' ? 'push' : 'pull',
    countsRefusedCalls: false,
    client: operator,
    submit: refuse('submit on its behalf'),
    receive: refuse('take delivery on its behalf'),
    decide: refuse('decide on its behalf'),
    applyFault: refuse('inject faults into it'),
    clearFaults: async () => {},
    record: () => ({ sent: [], received: [], decisions: [] }),
  };
}

function harnessClock(nodeClock: NodeClock, operator: HubClient, testClock: boolean): HarnessClock {
  return {
    now: () => nodeClock.now(),
    async advance(ms) {
      if (!testClock) throw new Error('the hub offers no test clock');
      const next = nodeClock.offsetMs + ms;
      await operator.setClock({ offsetMs: next });
      nodeClock.setOffset(next);
    },
    async reset() {
      if (nodeClock.offsetMs === 0) return;
      if (testClock) await operator.setClock({ offsetMs: 0 });
      nodeClock.setOffset(0);
    },
  };
}

/** Sequence number of the last entry of a hub log (0 for an empty log). */
async function lastSeq(operator: HubClient, kind: LogKind): Promise<number> {
  let after = 0;
  for (;;) {
    const batch = await operator.readLog(kind, { afterSeq: after, limit: 1000 });
    if (batch.length === 0) return after;
    after = batch.at(-1)!.seq;
    if (batch.length < 1000) return after;
  }
}

async function writeLog(operator: HubClient, kind: LogKind, file: string): Promise<void> {
  const lines: string[] = [];
  let after = 0;
  for (;;) {
    const batch = await operator.readLog(kind, { afterSeq: after, limit: 1000 });
    for (const e of batch) lines.push(JSON.stringify(e));
    if (batch.length < 1000) break;
    after = batch.at(-1)!.seq;
  }
  fs.writeFileSync(file, lines.length ? `${lines.join('\n')}\n` : '');
}

interface Parts {
  mode: 'embedded' | 'remote';
  contract: ContractMonitor;
  hubUrl: string;
  operator: HubClient;
  profiles: CountryProfile[];
  pki: TestPki;
  nodes: MockNodes;
  clock: NodeClock;
  deliveryTimeoutMs: number;
  extraCapabilities: string[];
  /** Hub clock minus local clock, measured at start (remote hubs). */
  clockSkewMs?: number;
  restartHub?: () => Promise<void>;
  close: () => Promise<void>;
}

async function finish(parts: Parts, cfg: RunConfig, evidence: EvidenceWriter): Promise<HarnessEnvironment> {
  const version = await parts.operator.version();
  const capabilities = new Set([...version.capabilities, ...parts.extraCapabilities]);
  const handles = new Map<CountryCode, NodeHandle>();
  for (const profile of parts.profiles) {
    const mock = parts.nodes.nodes.get(profile.code);
    handles.set(profile.code, mock ? mockHandle(mock, parts.deliveryTimeoutMs, parts.mode === 'embedded') : realHandle(profile, parts.operator));
  }
  const trust = parts.pki.trustRegistry();
  const fingerprints = trustFingerprints(trust);
  // The registry the run verified with goes into the run: anyone can re-verify its documents.
  evidence.writeFile('trust.json', serializeTrustRegistry(trust));
  const hubLogStart = { exchange: await lastSeq(parts.operator, 'exchange'), audit: await lastSeq(parts.operator, 'audit') };
  evidence.append({
    type: 'environment-ready',
    hub: {
      mode: parts.mode,
      url: parts.hubUrl,
      name: version.name,
      version: version.version,
      contractVersion: version.contractVersion,
      instanceId: version.instanceId,
      capabilities: [...capabilities].sort(),
      defects: version.defects ?? [],
    },
    trustRegistry: { sha256: fingerprints.sha256, certificates: fingerprints.certificates.map((c) => ({ ...c })) as never },
    nodes: parts.profiles.map((p) => ({ country: p.code, mock: handles.get(p.code)!.mock, delivery: handles.get(p.code)!.delivery, track: p.track })),
    hubLogStart,
    ...(parts.clockSkewMs ? { hubClockSkewMs: parts.clockSkewMs } : {}),
  });
  return {
    mode: parts.mode,
    hubUrl: parts.hubUrl,
    hubVersion: version,
    capabilities,
    profiles: parts.profiles,
    operator: parts.operator,
    clock: harnessClock(parts.clock, parts.operator, capabilities.has('test-clock')),
    trust: () => trust,
    node(country) {
      const h = handles.get(country);
      if (!h) throw new Error(`no node for ${country}`);
      return h;
    },
    issue: (req: IssueRequest) => issueDocument(req, { pki: parts.pki, profiles: parts.profiles }),
    deliveryTimeoutMs: parts.deliveryTimeoutMs,
    awaitTimeoutMs: cfg.timeouts.awaitMs,
    contract: parts.contract,
    ...(parts.restartHub ? { restartHub: parts.restartHub } : {}),
    async exportLogs(dir) {
      fs.mkdirSync(dir, { recursive: true });
      evidence.append({ type: 'contract-summary', checked: parts.contract.checked, violations: parts.contract.all().length });
      await writeLog(parts.operator, 'exchange', path.join(dir, 'hub-exchange-log.jsonl'));
      await writeLog(parts.operator, 'audit', path.join(dir, 'hub-audit-log.jsonl'));
      parts.nodes.exportLogs(dir);
    },
    close: parts.close,
  };
}

async function embedded(cfg: RunConfig & { hub: { mode: 'embedded' } }, profiles: CountryProfile[], pki: TestPki, contract: ContractMonitor): Promise<Parts> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecert-hub-'));
  const network = new InProcessNetwork();
  const clock = createClock();
  let hub: ReferenceHub;
  try {
    hub = await startReferenceHub({
      dataDir,
      tls: hubTlsFromPki(pki.hub),
      testMode: true,
      // The hub and the nodes read the same base time; the test clock shifts both together.
      clock: { now: () => Date.now() },
      retry: { ...cfg.hub.retry, attemptTimeoutMs: cfg.hub.deliveryTimeoutMs },
      pullWindowMs: cfg.hub.pullWindowMs,
      retentionMs: cfg.hub.retentionMs,
      defects: cfg.hub.defects,
      // The in-process network speaks the WHATWG fetch types, the hub undici's; same shape at run time.
      fetch: network.fetch as never,
      logger: false,
    });
  } catch (error) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw new EnvironmentError('hubStart', { reason: error instanceof Error ? error.message : String(error) }, { cause: error });
  }
  const mocked = profiles.filter((p) => !cfg.nodes.real.includes(p.code));
  const nodes = await startInProcessNodes({
    hub: { url: hub.url, ca: hub.caPem, operator: hub.operator },
    // Every node's answers from the hub are checked against the contract too.
    connect: (identity, wrapFetch) => hub.client(identity, { onResponse: contract.observe, ...(wrapFetch ? { wrapFetch } : {}) }),
    profiles: mocked,
    pki,
    seed: cfg.seed,
    network,
    clock,
    decideOnRequest: true,
  });
  return {
    mode: 'embedded',
    contract,
    hubUrl: hub.url,
    operator: hub.client('operator', { wrapFetch: retryStaleConnections, onResponse: contract.observe }),
    profiles,
    pki,
    nodes,
    clock,
    deliveryTimeoutMs: cfg.hub.deliveryTimeoutMs,
    extraCapabilities: ['hub-restart'],
    restartHub: () => hub.restart(),
    async close() {
      await nodes.stop();
      await hub.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function remote(cfg: RunConfig & { hub: { mode: 'remote' } }, profiles: CountryProfile[], pki: TestPki, contract: ContractMonitor): Promise<Parts> {
  const read = (file: string) => fs.readFileSync(file, 'utf8');
  const creds = { ca: read(cfg.hub.ca), cert: read(cfg.hub.operator.cert), key: read(cfg.hub.operator.key) };
  const operator = createHttpHubClient({ baseUrl: cfg.hub.url, tls: creds, timeoutMs: 30_000, fetch: retryStaleConnections(defaultHubFetch), onResponse: contract.observe });
  let clockSkewMs = 0;
  try {
    const sent = Date.now();
    const health = await operator.health();
    const received = Date.now();
    // The hub's time is the reference: documents are issued and signed on it, so a laptop whose
    // clock is off does not make the hub reject genuine documents as signed in the future.
    const skew = Date.parse(health.time) - (sent + received) / 2;
    if (Number.isFinite(skew) && Math.abs(skew) > 2_000) clockSkewMs = Math.round(skew);
  } catch (error) {
    const code = error instanceof HubUnreachableError ? error.errorCode : error instanceof HubError ? `HTTP ${error.status} ${error.code}` : error instanceof Error ? error.message : String(error);
    throw new EnvironmentError('hubUnreachable', { url: cfg.hub.url, code }, { cause: error });
  }
  const clock = createClock(() => new Date(Date.now() + clockSkewMs));
  const mocked = profiles.filter((p) => !cfg.nodes.real.includes(p.code));
  let nodes: MockNodes;
  try {
    nodes = await startServerNodes({
      hub: { url: cfg.hub.url, ca: creds.ca, operator: { cert: creds.cert, key: creds.key } },
      connect: (identity, wrapFetch) =>
        createHttpHubClient({ baseUrl: cfg.hub.url, tls: { ca: creds.ca, ...identity }, onResponse: contract.observe, ...(wrapFetch ? { fetch: wrapFetch(defaultHubFetch) } : {}) }),
      profiles: mocked,
      pki,
      seed: cfg.seed,
      clock,
      portBase: cfg.nodes.portBase,
      bind: cfg.nodes.host,
      ...(cfg.nodes.publicUrl ? { publicUrl: cfg.nodes.publicUrl } : {}),
      decideOnRequest: true,
    });
  } catch (error) {
    throw new EnvironmentError('nodesStart', { reason: error instanceof Error ? error.message : String(error), portBase: cfg.nodes.portBase }, { cause: error });
  }
  return {
    mode: 'remote',
    contract,
    hubUrl: cfg.hub.url,
    operator,
    profiles,
    pki,
    nodes,
    clock,
    // Unknown for a remote hub: a 'slow' fault waits long enough for any sensible time-out.
    deliveryTimeoutMs: 30_000,
    extraCapabilities: [],
    clockSkewMs,
    async close() {
      await nodes.stop();
    },
  };
}

export async function createEnvironment(cfg: RunConfig, evidence: EvidenceWriter): Promise<HarnessEnvironment> {
  const profiles = loadProfiles(cfg.federation);
  const pki = createTestPki({ seed: cfg.seed, profiles });
  const contract = new ContractMonitor(evidence);
  const parts =
    cfg.hub.mode === 'embedded'
      ? await embedded(cfg as RunConfig & { hub: { mode: 'embedded' } }, profiles, pki, contract)
      : await remote(cfg as RunConfig & { hub: { mode: 'remote' } }, profiles, pki, contract);
  try {
    return await finish(parts, cfg, evidence);
  } catch (error) {
    await parts.close().catch(() => {});
    throw error;
  }
}
