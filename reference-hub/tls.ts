import { type HubPki, createTestPki } from '../fixtures/pki.ts';

// TLS material of a reference hub: its CA, its server certificate (localhost, 127.0.0.1, ::1)
// and an operator client certificate, from the deterministic test PKI, so a hub restarted with
// the same seed presents the same certificates.

export interface HubTlsMaterial {
  /** PEM of the CA that issued the server certificate (what clients trust). */
  caPem: string;
  serverCertPem: string;
  serverKeyPem: string;
  /** Operator client certificate and key (PEM). */
  operatorCertPem: string;
  operatorKeyPem: string;
}

export function hubTlsFromPki(hub: HubPki): HubTlsMaterial {
  return {
    caPem: hub.ca.pem,
    serverCertPem: hub.server.pem,
    serverKeyPem: hub.server.keyPem,
    operatorCertPem: hub.operator.pem,
    operatorKeyPem: hub.operator.keyPem,
  };
}

/** Hub CA, server and operator certificates of the test PKI for a seed. */
export function generateHubTls(seed: string): HubTlsMaterial {
  return hubTlsFromPki(createTestPki({ seed, profiles: [] }).hub);
}
