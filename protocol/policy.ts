import type { CheckName, CryptoPolicy, VerificationPolicy } from './types.ts';

// Verification levels as data. The pilot calls its verification level "SCORE" and has not fixed
// its scope yet, so a level is a named set of required / advisory / off checks plus crypto
// constraints; adding a level is adding an entry here (or passing a policy object).

export const DEFAULT_CRYPTO_POLICY: CryptoPolicy = Object.freeze({
  minRsaBits: 2048,
  allowedCurves: Object.freeze(['P-256', 'P-384']) as string[],
  allowedDigests: Object.freeze(['sha256', 'sha384', 'sha512']) as string[],
});

const ALL_REQUIRED: Record<CheckName, 'required'> = {
  fileIntegrity: 'required',
  signature: 'required',
  publicKey: 'required',
  metadataIntegrity: 'required',
  validity: 'required',
};

function policy(p: VerificationPolicy): VerificationPolicy {
  return Object.freeze({ ...p, checks: Object.freeze({ ...p.checks }) as VerificationPolicy['checks'] });
}

/** All five checks must pass (the default). */
export const SCORE_FULL = policy({
  name: 'score-full',
  checks: ALL_REQUIRED,
  crypto: DEFAULT_CRYPTO_POLICY,
  clockSkewSeconds: 300,
  // The pilot has no time-stamping authority: the signed claimed signing time (CMS signingTime,
  // or /M, which the signature also covers) is the only evidence of when a signature was made.
  // Trusting it lets a document signed while its certificate was valid stay verifiable after
  // the certificate expires, as the receiving side needs for documents in transit. A forger
  // would need the private key to back-date a signature, and then the key is the problem.
  trustClaimedSigningTime: true,
});

/** Signature, file integrity and key must pass; metadata and validity findings are advisory. */
export const SCORE_BASIC = policy({
  name: 'score-basic',
  checks: { ...ALL_REQUIRED, metadataIntegrity: 'advisory', validity: 'advisory' },
  crypto: DEFAULT_CRYPTO_POLICY,
  clockSkewSeconds: 300,
  trustClaimedSigningTime: true,
});

/** Like score-full, but without a time-stamp the signer certificate must still be valid now. */
export const SCORE_STRICT_TIME = policy({
  name: 'score-strict-time',
  checks: ALL_REQUIRED,
  crypto: DEFAULT_CRYPTO_POLICY,
  clockSkewSeconds: 300,
  trustClaimedSigningTime: false,
});

export const POLICIES: Readonly<Record<string, VerificationPolicy>> = Object.freeze({
  [SCORE_FULL.name]: SCORE_FULL,
  [SCORE_BASIC.name]: SCORE_BASIC,
  [SCORE_STRICT_TIME.name]: SCORE_STRICT_TIME,
});

export const DEFAULT_POLICY = SCORE_FULL;

export class UnknownPolicyError extends Error {
  readonly code = 'UNKNOWN_POLICY';
  constructor(readonly policyName: string) {
    super(`unknown verification policy "${policyName}" (known: ${Object.keys(POLICIES).join(', ')})`);
    this.name = 'UnknownPolicyError';
  }
}

export function getPolicy(name: string): VerificationPolicy {
  const p = POLICIES[name];
  if (!p) throw new UnknownPolicyError(name);
  return p;
}

/**
 * The crypto constraints in force: the verification policy's, tightened by the registry
 * operator's when the registry carries some (both authorities' rules hold).
 */
export function effectiveCrypto(policyCrypto: CryptoPolicy, registryCrypto?: CryptoPolicy): CryptoPolicy {
  if (!registryCrypto) return policyCrypto;
  return {
    minRsaBits: Math.max(policyCrypto.minRsaBits, registryCrypto.minRsaBits),
    allowedCurves: policyCrypto.allowedCurves.filter((c) => registryCrypto.allowedCurves.includes(c)),
    allowedDigests: policyCrypto.allowedDigests.filter((d) => registryCrypto.allowedDigests.includes(d)),
  };
}
