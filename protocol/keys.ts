import crypto, { type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// Deterministic key pairs: the same (seed, label, spec) always gives the same key, so test
// material is reproducible for a seed without shipping private keys. Derivation is native:
// EC keys are a scalar from an HMAC stream; RSA primes are candidates from the same stream,
// tested with OpenSSL's checkPrime (about 0.2 s for RSA-2048, against ~1 s and up for forge).
// Derived keys are cached in memory and on disk (PKCS#8) so repeated runs pay nothing.

export type KeySpec = { type: 'rsa'; bits: 1024 | 2048 | 3072 | 4096 } | { type: 'ec'; curve: 'P-256' | 'P-384' };

export interface KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
  spec: KeySpec;
}

export function specName(spec: KeySpec): string {
  return spec.type === 'rsa' ? `RSA-${spec.bits}` : `ECDSA-${spec.curve}`;
}

export function parseKeySpec(name: string): KeySpec {
  const rsa = /^RSA-(1024|2048|3072|4096)$/i.exec(name);
  if (rsa) return { type: 'rsa', bits: Number(rsa[1]) as 1024 | 2048 | 3072 | 4096 };
  const ec = /^(?:ECDSA-)?(P-256|P-384)$/i.exec(name);
  if (ec) return { type: 'ec', curve: ec[1]!.toUpperCase() as 'P-256' | 'P-384' };
  throw new Error(`unknown key algorithm "${name}" (use RSA-2048, RSA-3072, ECDSA-P-256 or ECDSA-P-384)`);
}

/** An HMAC-SHA-256 counter-mode byte stream: deterministic, native, good enough for test keys. */
function byteStream(seed: string, label: string): (n: number) => Buffer {
  const key = crypto.createHash('sha256').update(`ecert-harness/keys/v1\u0000${seed}\u0000${label}`).digest();
  let counter = 0;
  let pool = Buffer.alloc(0);
  return (n) => {
    while (pool.length < n) {
      const block = crypto.createHmac('sha256', key).update(String(counter++)).digest();
      pool = Buffer.concat([pool, block]);
    }
    const out = pool.subarray(0, n);
    pool = pool.subarray(n);
    return Buffer.from(out);
  };
}

const toBig = (b: Buffer): bigint => BigInt(`0x${b.toString('hex') || '0'}`);

function toB64u(n: bigint, length?: number): string {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let buf = Buffer.from(hex, 'hex');
  if (length && buf.length < length) buf = Buffer.concat([Buffer.alloc(length - buf.length), buf]);
  return buf.toString('base64url');
}

function modInverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [((a % m) + m) % m, m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  if (oldR !== 1n) throw new Error('not invertible');
  return ((oldS % m) + m) % m;
}

function derivePrime(next: (n: number) => Buffer, bits: number, e: bigint): bigint {
  for (;;) {
    const candidate = next(bits / 8);
    candidate[0]! |= 0xc0; // two top bits: p*q has exactly 2*bits bits
    candidate[candidate.length - 1]! |= 1;
    const p = toBig(candidate);
    if ((p - 1n) % e === 0n) continue;
    if (crypto.checkPrimeSync(p)) return p;
  }
}

function deriveRsa(seed: string, label: string, bits: number): KeyObject {
  const next = byteStream(seed, label);
  const e = 65537n;
  for (;;) {
    const p = derivePrime(next, bits / 2, e);
    const q = derivePrime(next, bits / 2, e);
    if (p === q) continue;
    const n = p * q;
    const d = modInverse(e, (p - 1n) * (q - 1n));
    const [hi, lo] = p > q ? [p, q] : [q, p];
    return crypto.createPrivateKey({
      format: 'jwk',
      key: {
        kty: 'RSA',
        n: toB64u(n),
        e: toB64u(e),
        d: toB64u(d),
        p: toB64u(hi),
        q: toB64u(lo),
        dp: toB64u(d % (hi - 1n)),
        dq: toB64u(d % (lo - 1n)),
        qi: toB64u(modInverse(lo, hi)),
      },
    });
  }
}

const CURVES = {
  'P-256': { openssl: 'prime256v1', size: 32, order: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n },
  'P-384': {
    openssl: 'secp384r1',
    size: 48,
    order: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
  },
} as const;

function deriveEc(seed: string, label: string, curve: 'P-256' | 'P-384'): KeyObject {
  const c = CURVES[curve];
  const next = byteStream(seed, label);
  // Reduce 64 extra bits mod n-1 so the scalar is close to uniform and never zero.
  const d = (toBig(next(c.size + 8)) % (c.order - 1n)) + 1n;
  const ecdh = crypto.createECDH(c.openssl);
  ecdh.setPrivateKey(Buffer.from(toB64u(d, c.size), 'base64url'));
  const pub = ecdh.getPublicKey(); // 04 || X || Y
  return crypto.createPrivateKey({
    format: 'jwk',
    key: {
      kty: 'EC',
      crv: curve,
      d: toB64u(d, c.size),
      x: pub.subarray(1, 1 + c.size).toString('base64url'),
      y: pub.subarray(1 + c.size).toString('base64url'),
    },
  });
}

const memory = new Map<string, KeyObject>();

function cacheDir(): string | null {
  if (process.env.ECERT_KEY_CACHE === 'off') return null;
  return process.env.ECERT_KEY_CACHE || path.join(os.tmpdir(), 'ecert-harness-keys');
}

/** A key pair derived from (seed, label); the same inputs always give the same key. */
export function deriveKeyPair(seed: string, label: string, spec: KeySpec): KeyPair {
  const id = crypto.createHash('sha256').update(`${seed}\u0000${label}\u0000${specName(spec)}`).digest('hex');
  let privateKey = memory.get(id);
  if (!privateKey) {
    const dir = cacheDir();
    const file = dir ? path.join(dir, `${id}.pem`) : null;
    if (file && fs.existsSync(file)) {
      try {
        privateKey = crypto.createPrivateKey(fs.readFileSync(file, 'utf8'));
      } catch {
        privateKey = undefined; // a damaged cache entry is simply derived again
      }
    }
    if (!privateKey) {
      privateKey = spec.type === 'rsa' ? deriveRsa(seed, label, spec.bits) : deriveEc(seed, label, spec.curve);
      if (file && dir) {
        try {
          fs.mkdirSync(dir, { recursive: true });
          const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
          fs.writeFileSync(tmp, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
          fs.renameSync(tmp, file);
        } catch {
          // The cache is an optimisation; a read-only tmp must not break a run.
        }
      }
    }
    memory.set(id, privateKey);
  }
  return { privateKey, publicKey: crypto.createPublicKey(privateKey), spec };
}

/** Digest and algorithm name node:crypto needs to sign with this key. */
export function describeKey(key: KeyObject): { type: 'rsa' | 'ec'; bits: number; curve?: string } {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') return { type: 'rsa', bits: details.modulusLength ?? 0 };
  if (key.asymmetricKeyType === 'ec') {
    const named = details.namedCurve ?? '';
    const curve = named === 'prime256v1' ? 'P-256' : named === 'secp384r1' ? 'P-384' : named === 'secp521r1' ? 'P-521' : named;
    const bits = curve === 'P-256' ? 256 : curve === 'P-384' ? 384 : curve === 'P-521' ? 521 : 0;
    return { type: 'ec', bits, curve };
  }
  throw new Error(`unsupported key type ${key.asymmetricKeyType}`);
}
