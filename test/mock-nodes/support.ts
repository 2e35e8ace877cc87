import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestPki, type TestPki } from '../../fixtures/pki.ts';
import { loadProfiles } from '../../fixtures/profiles/index.ts';
import { type InProcessNodes, InProcessNetwork, startInProcessNodes, startServerNodes, type ServerNodes } from '../../mock-nodes/index.ts';
import { type ReferenceHub, hubTlsFromPki, startReferenceHub } from '../../reference-hub/index.ts';

// Test support for the mock-node tests against the reference hub: a hub + five nodes on either
// transport, with millisecond retry timing.

export const SEED = 'mock-nodes-test';
export const profiles = loadProfiles();
let pkiCache: TestPki | undefined;
export function pki(): TestPki {
  return (pkiCache ??= createTestPki({ seed: SEED, profiles }));
}

export const FAST_RETRY = { attempts: 4, baseDelayMs: 20, factor: 2, maxDelayMs: 200, attemptTimeoutMs: 400 };

export interface World {
  hub: ReferenceHub;
  nodes: InProcessNodes | ServerNodes;
  close(): Promise<void>;
}

export async function startWorld(options: { transport: 'in-process' | 'server'; defects?: string[]; retry?: Partial<typeof FAST_RETRY>; pullWindowMs?: number }): Promise<World> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecert-nodes-test-'));
  // Material and issuer (fixtures/issue.ts, every variant) from the test PKI.
  const base = { profiles, pki: pki(), seed: SEED };
  if (options.transport === 'in-process') {
    const network = new InProcessNetwork();
    const hub = await startReferenceHub({
      dataDir,
      listen: false,
      tls: hubTlsFromPki(pki().hub),
      fetch: network.fetch as never,
      retry: { ...FAST_RETRY, ...options.retry },
      testMode: true,
      ...(options.pullWindowMs ? { pullWindowMs: options.pullWindowMs } : {}),
      ...(options.defects ? { defects: options.defects } : {}),
    });
    const nodes = await startInProcessNodes({
      ...base,
      network,
      hub: { url: hub.url, ca: hub.caPem, operator: hub.operator },
      connect: (identity, wrapFetch) => hub.client(identity, { transport: 'inject', ...(wrapFetch ? { wrapFetch } : {}) }),
    });
    return { hub, nodes, close: async () => (await nodes.stop(), await hub.close(), fs.rmSync(dataDir, { recursive: true, force: true })) };
  }
  // Real sockets both ways: the hub listens on HTTPS with mutual TLS, the nodes are HTTPS servers.
  const serverCa = (await import('../../mock-nodes/server-tls.ts')).nodeServerTls({ seed: SEED, country: 'UZ' }).caPem;
  const hub = await startReferenceHub({
    dataDir,
    tls: hubTlsFromPki(pki().hub),
    deliveryTls: { ca: serverCa },
    retry: { ...FAST_RETRY, ...options.retry },
    testMode: true,
    ...(options.pullWindowMs ? { pullWindowMs: options.pullWindowMs } : {}),
    ...(options.defects ? { defects: options.defects } : {}),
  });
  const nodes = await startServerNodes({ ...base, hub: { url: hub.url, ca: hub.caPem, operator: hub.operator }, timing: { pullIntervalMs: 20, retryMinMs: 10, retryMaxMs: 100, followMinMs: 5, followMaxMs: 100 } });
  return { hub, nodes, close: async () => (await nodes.stop(), await hub.close(), fs.rmSync(dataDir, { recursive: true, force: true })) };
}
