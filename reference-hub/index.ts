// The reference e-CERT Hub: public entry of the room. Test support (a hub with the test PKI's
// countries registered, small signed documents, an in-process push recipient) is in
// reference-hub/testing.ts, kept out of this entry so that starting a hub stays light.
export { DEFAULT_RETRY, startReferenceHub } from './hub.ts';
export type { ClientCredentials, HubClientOptions, ReferenceHub, ReferenceHubOptions } from './hub.ts';
export { DEFECTS, DEFECT_NAMES, defectInfo, isDefectName, parseDefects } from './defects.ts';
export type { DefectInfo, DefectName } from './defects.ts';
export { GENERIC_REASON_CODE } from './verification.ts';
export { HUB_NAME, HUB_VERSION } from './app.ts';
export type { RetryPolicy } from './service.ts';
export { generateHubTls, hubTlsFromPki } from './tls.ts';
export type { HubTlsMaterial } from './tls.ts';
export type { TimeSource } from './clock.ts';
