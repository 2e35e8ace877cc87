import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import forge from 'node-forge';
import { checkSignature, CMS_OID, parseSignedData, signDetached, verifyDetached } from '../../protocol/cms.ts';
import { parseCertificate } from '../../protocol/certs.ts';
import { OID, pemToDers } from '../../protocol/x509.ts';
import { TESTER_CERT_FILE, type TesterIdentity } from './tester.ts';

// The evidence pack: manifest.json lists every file of the run with its SHA-256 and size, and
// manifest.json.p7s is a detached CMS signature of it by the tester. The tester's certificate is
// a file of the run, so the manifest covers it too. Changing any byte of any file makes
// verifyEvidence fail and name the file.

export const MANIFEST_FILE = 'manifest.json';
export const SIGNATURE_FILE = 'manifest.json.p7s';
const NOT_LISTED = new Set([MANIFEST_FILE, SIGNATURE_FILE]);

export interface ManifestEntry {
  path: string;
  size: number;
  sha256: string;
}

export interface Manifest {
  format: 'ecert-manifest/1';
  runId: string;
  algorithm: 'sha256';
  /** When the tester sealed the run (the real clock: it is an attestation, not generated data). */
  sealedAt: string;
  tester: { subject: string; fingerprint256: string; certificate: string };
  files: ManifestEntry[];
}

export type EvidenceErrorKind = 'not-found' | 'not-a-run' | 'not-sealed' | 'unreadable';

/** The directory cannot be checked at all (as opposed to: checked, and altered). */
export class EvidenceError extends Error {
  constructor(
    readonly kind: EvidenceErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'EvidenceError';
  }
}

/** Every regular file under the run directory, as sorted POSIX paths relative to it. */
export function listRunFiles(runDir: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, rel: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full, relPath);
      else if (entry.isFile() || (entry.isSymbolicLink() && fs.statSync(full).isFile())) {
        if (!(rel === '' && NOT_LISTED.has(entry.name))) out.push(relPath);
      }
    }
  };
  walk(runDir, '');
  return out.sort();
}

function hashFile(file: string): { sha256: string; size: number } {
  const data = fs.readFileSync(file);
  return { sha256: crypto.createHash('sha256').update(data).digest('hex'), size: data.length };
}

function runIdOf(runDir: string): string {
  return path.basename(path.resolve(runDir));
}

export interface SealResult {
  manifestFile: string;
  signatureFile: string;
  files: number;
  tester: TesterIdentity;
}

/** Put the tester certificate into the run (before rendering, so the reports can show its fingerprint). */
export function writeTesterCertificate(runDir: string, tester: TesterIdentity): void {
  fs.writeFileSync(path.join(path.resolve(runDir), TESTER_CERT_FILE), tester.certificatePem);
}

/**
 * An existing seal that no longer verifies (files changed, added or missing since): re-sealing
 * would cover the changes, so callers refuse unless told to. null when there is no seal, or it holds.
 */
export function brokenSeal(runDir: string): EvidenceVerification | null {
  if (!fs.existsSync(path.join(path.resolve(runDir), MANIFEST_FILE))) return null;
  const v = verifyEvidence(runDir);
  return v.ok ? null : v;
}

/**
 * Write the tester certificate, manifest.json over every file, and its detached signature.
 * Overwrites an existing seal: check brokenSeal() first.
 */
export function sealRun(runDir: string, tester: TesterIdentity, now: Date = new Date()): SealResult {
  const dir = path.resolve(runDir);
  if (!fs.existsSync(path.join(dir, 'evidence.jsonl'))) throw new EvidenceError('not-a-run', `${dir} has no evidence.jsonl, so it is not a run directory`);
  writeTesterCertificate(dir, tester);
  const manifest: Manifest = {
    format: 'ecert-manifest/1',
    runId: runIdOf(dir),
    algorithm: 'sha256',
    sealedAt: now.toISOString(),
    tester: { subject: tester.subject, fingerprint256: tester.fingerprint256, certificate: TESTER_CERT_FILE },
    files: listRunFiles(dir).map((p) => ({ path: p, ...hashFile(path.join(dir, p)) })),
  };
  const bytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
  const cms = signDetached(bytes, { privateKey: tester.privateKey, certificate: tester.certificateDer }, { signingTime: now });
  fs.writeFileSync(path.join(dir, MANIFEST_FILE), bytes);
  fs.writeFileSync(path.join(dir, SIGNATURE_FILE), cms);
  return { manifestFile: path.join(dir, MANIFEST_FILE), signatureFile: path.join(dir, SIGNATURE_FILE), files: manifest.files.length, tester };
}

// ---------------------------------------------------------------------------------------------

const der = {
  len(n: number): Buffer {
    if (n < 0x80) return Buffer.from([n]);
    const bytes: number[] = [];
    for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
    return Buffer.from([0x80 | bytes.length, ...bytes]);
  },
  tlv(tag: number, ...parts: Buffer[]): Buffer {
    const body = Buffer.concat(parts);
    return Buffer.concat([Buffer.from([tag]), der.len(body.length), body]);
  },
  oid: (id: string): Buffer => der.tlv(0x06, Buffer.from(forge.asn1.oidToDer(id).getBytes(), 'binary')),
  NULL: Buffer.from([0x05, 0x00]),
  ONE: Buffer.from([0x02, 0x01, 0x01]),
};

/**
 * The signature must be exactly what sealRun writes: the CMS that signDetached makes, with the
 * tester certificate as its only certificate. Its variable parts (signed attributes, signature
 * value) are checked by the signature; rebuilding the rest from the certificate and comparing
 * bytes means no byte of the .p7s can change unnoticed (versions, algorithm identifiers and
 * other parts a CMS verifier reads leniently).
 */
function exactCmsProblem(p7s: Buffer, certDer: Buffer): string | null {
  let parsed: ReturnType<typeof parseSignedData>;
  try {
    parsed = parseSignedData(p7s);
  } catch (error) {
    return (error as Error).message;
  }
  if (!parsed.signedAttrs) return 'the signature has no signed attributes';
  const cert = parseCertificate(certDer);
  const sid = der.tlv(0x30, cert.issuerDer, der.tlv(0x02, cert.serial));
  const digestAlg = der.tlv(0x30, der.oid(OID.sha256), der.NULL);
  const sigAlg = cert.key.type === 'rsa' ? der.tlv(0x30, der.oid(OID.rsaEncryption), der.NULL) : der.tlv(0x30, der.oid(OID.ecdsaWithSHA256));
  const attrs = Buffer.from(parsed.signedAttrs);
  attrs[0] = 0xa0;
  const signerInfo = der.tlv(0x30, der.ONE, sid, digestAlg, attrs, sigAlg, der.tlv(0x04, parsed.signature));
  const signedData = der.tlv(0x30, der.ONE, der.tlv(0x31, digestAlg), der.tlv(0x30, der.oid(CMS_OID.data)), der.tlv(0xa0, certDer), der.tlv(0x31, signerInfo));
  const expected = der.tlv(0x30, der.oid(CMS_OID.signedData), der.tlv(0xa0, signedData));
  return expected.equals(p7s) ? null : 'the signature file is not the CMS the harness writes (bytes outside the signed parts differ)';
}

/**
 * The manifest does not match the digest the signature carries: either the manifest changed
 * (the signature itself still verifies) or the digest inside the signature did (it does not).
 */
function digestMismatchCulprit(p7s: Buffer, certDer: Buffer): string {
  try {
    return checkSignature(parseSignedData(p7s), parseCertificate(certDer).publicKey).ok ? MANIFEST_FILE : SIGNATURE_FILE;
  } catch {
    return SIGNATURE_FILE;
  }
}

export interface EvidenceVerification {
  ok: boolean;
  /** Every file found altered, added, missing, or at fault in the signature, sorted. */
  altered: string[];
  changed: Array<{ path: string; expected: ManifestEntry; actual: { sha256: string; size: number } }>;
  missing: string[];
  added: string[];
  signature: { valid: boolean; detail: string; reasonCode?: string; signer?: { subject: string; fingerprint256: string }; signingTime?: string };
  /** The signer is the certificate the caller said to trust (when one was given). */
  trusted?: boolean;
  /**
   * Who sealed the run is established: a trusted certificate was given and the run is signed by it.
   * Without one, matching hashes and a valid signature prove only that the files match a seal made
   * with the certificate in the run, which anyone re-sealing an edited run would also put there.
   */
  authenticated: boolean;
  manifest?: Manifest;
  filesChecked: number;
}

/** Recompute every hash, find added and missing files, check the signature. */
export function verifyEvidence(runDir: string, options: { trustedCertPem?: string } = {}): EvidenceVerification {
  const dir = path.resolve(runDir);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    throw new EvidenceError('not-found', `no such directory: ${dir}`);
  }
  if (!stat.isDirectory()) throw new EvidenceError('not-a-run', `${dir} is a file, not a run directory`);
  const manifestPath = path.join(dir, MANIFEST_FILE);
  const signaturePath = path.join(dir, SIGNATURE_FILE);
  if (!fs.existsSync(manifestPath)) {
    if (!fs.existsSync(path.join(dir, 'evidence.jsonl'))) throw new EvidenceError('not-a-run', `${dir} has neither evidence.jsonl nor manifest.json, so it is not a run directory`);
    throw new EvidenceError('not-sealed', `${dir} has no ${MANIFEST_FILE}: the run was never sealed, so there is nothing to check against`);
  }
  const altered = new Set<string>();
  let manifestBytes: Buffer;
  try {
    manifestBytes = fs.readFileSync(manifestPath);
  } catch (error) {
    throw new EvidenceError('unreadable', `cannot read ${manifestPath}: ${(error as Error).message}`);
  }

  // The signature first: it says whether the manifest itself can be trusted.
  const certPath = path.join(dir, TESTER_CERT_FILE);
  const certDer = fs.existsSync(certPath) ? pemToDers(fs.readFileSync(certPath, 'utf8'))[0] : undefined;
  let signature: EvidenceVerification['signature'];
  if (!fs.existsSync(signaturePath)) {
    signature = { valid: false, detail: `${SIGNATURE_FILE} is missing` };
    altered.add(SIGNATURE_FILE);
  } else if (!certDer) {
    signature = { valid: false, detail: `${TESTER_CERT_FILE} is missing or holds no certificate` };
    altered.add(TESTER_CERT_FILE);
  } else {
    const p7s = fs.readFileSync(signaturePath);
    const v = verifyDetached(manifestBytes, p7s, { trusted: [certDer] });
    signature = {
      valid: v.valid,
      detail: v.detail,
      ...(v.reasonCode ? { reasonCode: v.reasonCode } : {}),
      ...(v.signer ? { signer: { subject: v.signer.subject.replace(/\n/g, ', '), fingerprint256: v.signer.fingerprint256 } } : {}),
      ...(v.signingTime ? { signingTime: v.signingTime.toISOString() } : {}),
    };
    if (!v.valid) altered.add(v.reasonCode === 'MESSAGE_DIGEST_MISMATCH' ? digestMismatchCulprit(p7s, certDer) : v.reasonCode === 'CHAIN_NOT_FOUND' ? `${SIGNATURE_FILE}|${TESTER_CERT_FILE}` : SIGNATURE_FILE);
    else {
      const problem = exactCmsProblem(p7s, certDer);
      if (problem) {
        signature = { ...signature, valid: false, detail: problem };
        altered.add(SIGNATURE_FILE);
      }
    }
  }

  let manifest: Manifest | undefined;
  try {
    manifest = JSON.parse(manifestBytes.toString('utf8')) as Manifest;
    if (manifest.format !== 'ecert-manifest/1' || !Array.isArray(manifest.files)) throw new Error('not an ecert manifest');
  } catch {
    manifest = undefined;
    altered.add(MANIFEST_FILE);
  }

  const changed: EvidenceVerification['changed'] = [];
  const missing: string[] = [];
  const added: string[] = [];
  if (manifest) {
    const listed = new Map(manifest.files.map((f) => [f.path, f]));
    const present = new Set(listRunFiles(dir));
    for (const [p, entry] of listed) {
      if (!present.has(p)) {
        missing.push(p);
        continue;
      }
      const actual = hashFile(path.join(dir, p));
      if (actual.sha256 !== entry.sha256 || actual.size !== entry.size) changed.push({ path: p, expected: entry, actual });
    }
    for (const p of present) if (!listed.has(p)) added.push(p);
  }
  for (const p of [...changed.map((c) => c.path), ...missing, ...added]) altered.add(p);
  // A signer that is not the run's certificate: blame the certificate if it changed, else the signature.
  if (altered.has(`${SIGNATURE_FILE}|${TESTER_CERT_FILE}`)) {
    altered.delete(`${SIGNATURE_FILE}|${TESTER_CERT_FILE}`);
    altered.add(changed.some((c) => c.path === TESTER_CERT_FILE) ? TESTER_CERT_FILE : SIGNATURE_FILE);
  }

  let trusted: boolean | undefined;
  if (options.trustedCertPem !== undefined) {
    const want = pemToDers(options.trustedCertPem)[0];
    trusted = Boolean(want && certDer && want.equals(certDer) && signature.valid);
  }
  return {
    ok: altered.size === 0 && signature.valid && trusted !== false,
    altered: [...altered].sort(),
    changed,
    missing,
    added,
    signature,
    ...(trusted !== undefined ? { trusted } : {}),
    authenticated: trusted === true && altered.size === 0,
    ...(manifest ? { manifest } : {}),
    filesChecked: manifest?.files.length ?? 0,
  };
}
