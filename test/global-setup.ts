import { loadProfiles } from '../fixtures/profiles/index.ts';
import { createTestPki } from '../fixtures/pki.ts';
import { DEFAULT_SEED } from '../runner/defaults.ts';

// Derive the default seed's test PKI once, before any test: its keys land in the disk cache
// (protocol/keys.ts), so the many `ecert run` processes the tests start in parallel read them
// instead of each deriving the same RSA keys on a fresh CI machine.
export default function setup(): void {
  const pki = createTestPki({ seed: DEFAULT_SEED, profiles: loadProfiles() });
  pki.trustRegistry();
}
