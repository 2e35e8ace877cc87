import crypto from 'node:crypto';
import type { CountryCode } from '../protocol/types.ts';
import { deriveKeyPair } from '../protocol/keys.ts';
import { buildCertificate, derToPem } from '../protocol/x509.ts';

// Server certificates of the mock nodes' HTTPS servers (the real-server transport). The test PKI
// gives each node a TLS *client* certificate for the hub; a node that the hub calls back also
// needs a *server* certificate. They come from a small CA of their own, derived from the seed
// like all test material, so a hub is told to trust one CA file for all mock nodes. RSA keys:
// node:crypto signs ECDSA with random nonces, RSA PKCS#1 v1.5 deterministically, so the same
// seed gives byte-identical certificates in every process.

export interface NodeServerTls {
  /** PEM of the mock nodes' server CA: what the hub must trust to deliver to the nodes. */
  caPem: string;
  certPem: string;
  keyPem: string;
}

const NOT_BEFORE = new Date('2024-01-01T00:00:00Z');
const NOT_AFTER = new Date('2049-12-31T23:59:59Z');

function serial(label: string): string {
  return crypto.createHash('sha256').update(label).digest('hex').slice(0, 16);
}

const caCache = new Map<string, { pem: string; key: crypto.KeyObject; publicKey: crypto.KeyObject }>();

function serverCa(seed: string) {
  let ca = caCache.get(seed);
  if (!ca) {
    const pair = deriveKeyPair(seed, 'mock-nodes/server-ca', { type: 'rsa', bits: 2048 });
    const subject = { CN: 'e-CERT harness mock nodes server CA', O: 'ecert-harness' };
    const der = buildCertificate({
      subject,
      publicKey: pair.publicKey,
      signingKey: pair.privateKey,
      serialHex: serial(`${seed}/server-ca`),
      notBefore: NOT_BEFORE,
      notAfter: NOT_AFTER,
      ca: true,
      pathLength: 0,
      keyUsage: ['keyCertSign', 'cRLSign'],
    });
    ca = { pem: derToPem(der), key: pair.privateKey, publicKey: pair.publicKey };
    caCache.set(seed, ca);
  }
  return ca;
}

/** PEM of the mock nodes' server CA for a seed (what a hub trusts to push to the nodes). */
export function nodeServerCaPem(seed: string): string {
  return serverCa(seed).pem;
}

/**
 * The server certificate of one node, valid for localhost, 127.0.0.1, ::1, its in-process name
 * (<cc>.node.ecert.test) and any extra host names (the public host a remote hub calls).
 */
export function nodeServerTls(options: { seed: string; country: CountryCode; hostnames?: string[] }): NodeServerTls {
  const ca = serverCa(options.seed);
  const pair = deriveKeyPair(options.seed, `mock-nodes/server/${options.country}`, { type: 'rsa', bits: 2048 });
  const extra = options.hostnames ?? [];
  const ips = extra.filter((h) => /^[\d.]+$|:/.test(h));
  const names = extra.filter((h) => !ips.includes(h));
  const der = buildCertificate({
    subject: { CN: `${options.country} mock node`, O: 'ecert-harness', C: options.country },
    issuer: { CN: 'e-CERT harness mock nodes server CA', O: 'ecert-harness' },
    publicKey: pair.publicKey,
    signingKey: ca.key,
    issuerPublicKey: ca.publicKey,
    serialHex: serial(`${options.seed}/server/${options.country}/${extra.join(',')}`),
    notBefore: NOT_BEFORE,
    notAfter: NOT_AFTER,
    ca: false,
    keyUsage: ['digitalSignature', 'keyEncipherment'],
    extKeyUsage: ['1.3.6.1.5.5.7.3.1'],
    dnsNames: [...new Set(['localhost', `${options.country.toLowerCase()}.node.ecert.test`, ...names])],
    ipAddresses: [...new Set(['127.0.0.1', '::1', ...ips])],
  });
  return { caPem: ca.pem, certPem: derToPem(der), keyPem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
}
