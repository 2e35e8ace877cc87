import crypto, { type KeyObject, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildCertificate, derToPem, pemToDers } from '../../protocol/x509.ts';

// The tester's signing identity for evidence manifests. A real tester gets a random key, made
// on first use and kept in $ECERT_HOME/tester/ (default ~/.ecert/tester/), never a key derived
// from a seed: anyone could re-derive that one. A key and certificate can also be given by path.

export interface TesterIdentity {
  privateKey: KeyObject;
  certificatePem: string;
  certificateDer: Buffer;
  /** SHA-256 of the certificate DER, lowercase hex. */
  fingerprint256: string;
  subject: string;
  source: 'created' | 'stored' | 'given';
  keyFile: string;
  certFile: string;
}

export class TesterKeyError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'TesterKeyError';
  }
}

export const TESTER_KEY_FILE = 'tester-key.pem';
export const TESTER_CERT_FILE = 'tester-certificate.pem';

/** A SHA-256 fingerprint as people compare it: upper-case hex pairs joined by colons (as openssl and browsers show it). */
export function formatFingerprint(hex: string): string {
  return hex.replace(/[^0-9a-f]/gi, '').toUpperCase().match(/../g)?.join(':') ?? hex;
}

/** Subject and SHA-256 fingerprint of a PEM certificate; null when it holds none. */
export function certificateIdentity(pem: string): { subject: string; fingerprint256: string } | null {
  const der = pemToDers(pem)[0];
  if (!der) return null;
  try {
    const cert = new X509Certificate(der);
    return { subject: cert.subject.replace(/\n/g, ', '), fingerprint256: crypto.createHash('sha256').update(der).digest('hex') };
  } catch {
    return null;
  }
}

export function testerHome(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.ECERT_HOME || path.join(os.homedir(), '.ecert'), 'tester');
}

function identityFrom(keyPem: string, certPem: string, source: TesterIdentity['source'], keyFile: string, certFile: string): TesterIdentity {
  let privateKey: KeyObject;
  try {
    privateKey = crypto.createPrivateKey(keyPem);
  } catch (error) {
    throw new TesterKeyError(`the tester key ${keyFile} is not a readable private key (${(error as Error).message})`, 'give a PEM private key (PKCS#8 or traditional), unencrypted');
  }
  const der = pemToDers(certPem)[0];
  if (!der) throw new TesterKeyError(`${certFile} holds no PEM certificate`, 'give the tester certificate as PEM (-----BEGIN CERTIFICATE-----)');
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(der);
  } catch (error) {
    throw new TesterKeyError(`${certFile} is not a readable certificate (${(error as Error).message})`, 'give the tester certificate as PEM');
  }
  const spki = (k: KeyObject): Buffer => k.export({ type: 'spki', format: 'der' });
  if (!spki(crypto.createPublicKey(privateKey)).equals(spki(cert.publicKey))) {
    throw new TesterKeyError(`the tester key ${keyFile} does not belong to the certificate ${certFile}`, 'give the key and the certificate of the same tester');
  }
  return {
    privateKey,
    certificatePem: derToPem(der),
    certificateDer: der,
    fingerprint256: crypto.createHash('sha256').update(der).digest('hex'),
    subject: cert.subject.replace(/\n/g, ', '),
    source,
    keyFile,
    certFile,
  };
}

export interface TesterOptions {
  /** Key and certificate given by path (both, or neither). Env: ECERT_TESTER_KEY / ECERT_TESTER_CERT. */
  keyFile?: string;
  certFile?: string;
  env?: NodeJS.ProcessEnv;
  /** Start of the new certificate's validity (default now). */
  now?: Date;
}

/** The tester identity: given, stored, or created now (and stored for next time). */
export function loadOrCreateTester(options: TesterOptions = {}): TesterIdentity {
  const env = options.env ?? process.env;
  const keyFile = options.keyFile ?? env.ECERT_TESTER_KEY;
  const certFile = options.certFile ?? env.ECERT_TESTER_CERT;
  if (keyFile || certFile) {
    if (!keyFile || !certFile) throw new TesterKeyError('a tester key was given without its certificate, or the other way round', 'give both ECERT_TESTER_KEY and ECERT_TESTER_CERT (or neither, to use the stored tester key)');
    const read = (file: string): string => {
      try {
        return fs.readFileSync(file, 'utf8');
      } catch (error) {
        throw new TesterKeyError(`cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, 'check the path of the tester key and certificate');
      }
    };
    return identityFrom(read(keyFile), read(certFile), 'given', keyFile, certFile);
  }
  const dir = testerHome(env);
  const storedKey = path.join(dir, TESTER_KEY_FILE);
  const storedCert = path.join(dir, TESTER_CERT_FILE);
  if (fs.existsSync(storedKey) && fs.existsSync(storedCert)) {
    return identityFrom(fs.readFileSync(storedKey, 'utf8'), fs.readFileSync(storedCert, 'utf8'), 'stored', storedKey, storedCert);
  }
  // ECDSA P-256: fast, small signatures, accepted by openssl cms and every PDF reader.
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const now = options.now ?? new Date();
  const user = (() => {
    try {
      return os.userInfo().username;
    } catch {
      return 'tester';
    }
  })();
  const subject = { O: 'ecert-harness evidence', CN: `ecert-harness tester ${user}@${os.hostname()}`.slice(0, 64) };
  const der = buildCertificate({
    subject,
    publicKey,
    signingKey: privateKey,
    serialHex: crypto.randomBytes(16).toString('hex'),
    notBefore: new Date(now.getTime() - 24 * 3600_000),
    notAfter: new Date(now.getTime() + 10 * 365 * 24 * 3600_000),
    ca: false,
    keyUsage: ['digitalSignature', 'nonRepudiation'],
    extKeyUsage: ['1.3.6.1.5.5.7.3.4'],
  });
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  fs.writeFileSync(storedKey, keyPem, { mode: 0o600 });
  fs.writeFileSync(storedCert, derToPem(der));
  return { ...identityFrom(keyPem, derToPem(der), 'created', storedKey, storedCert) };
}
