import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { default as addFormatsModule } from 'ajv-formats';
import { type ParsedCertificate, buildChain, certificateFrom, parseCertificate } from './certs.ts';
import type { Lang, MessageParams } from './i18n.ts';
import { trustMessages } from './trust.messages.ts';
import type { CountryCode, CountryTrust, SignerEntry, TrustRegistry } from './types.ts';
import { derToPem, pemToDers } from './x509.ts';

// The trust registry: country -> anchors, intermediates and registered signer certificates with
// their status (protocol/schemas/trust.schema.json, serialized as trust.json). The hub, the
// mock nodes and `ecert verify` share it. Registries are treated as immutable values: the
// editing functions return a new registry, which lets verification memoize the parsed form
// (certificates, chains) per registry object.

export const TRUST_FORMAT = 'ecert-trust/1';

type MessageKey = (typeof trustMessages.keys)[number];

export interface TrustProblem {
  /** JSON pointer into the registry ("" for the root). */
  path: string;
  message: string;
}

export class TrustRegistryError extends Error {
  constructor(
    readonly code: 'TRUST_UNREADABLE' | 'TRUST_INVALID' | 'UNKNOWN_KEY' | 'UNKNOWN_COUNTRY',
    readonly messageKey: MessageKey,
    readonly params: MessageParams,
    readonly problems: TrustProblem[] = [],
  ) {
    super(trustMessages.t('en', messageKey, params));
    this.name = 'TrustRegistryError';
  }
  localized(lang: Lang): string {
    return trustMessages.t(lang, this.messageKey, this.params);
  }
  hint(lang: Lang = 'en'): string {
    return trustMessages.t(lang, 'hint');
  }
}

/** Registry key id: `<COUNTRY>:<first 16 hex of SHA-256 of the certificate DER>`. */
export function keyIdFor(certificate: Uint8Array | string, country: CountryCode): string {
  const der = typeof certificate === 'string' ? pemToDers(certificate)[0] : certificate;
  if (!der) throw new TypeError('keyIdFor: no certificate in the PEM text');
  return `${country.toUpperCase()}:${crypto.createHash('sha256').update(der).digest('hex').slice(0, 16)}`;
}

export function emptyTrustRegistry(generatedAt?: string): TrustRegistry {
  return { format: TRUST_FORMAT, ...(generatedAt ? { generatedAt } : {}), countries: {} };
}

// ---------------------------------------------------------------------------------------------
// Loading and saving

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv2020) => Ajv2020;
let validator: ValidateFunction | undefined;

function schemaValidator(): ValidateFunction {
  if (!validator) {
    const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
    addFormats(ajv);
    const schema = JSON.parse(fs.readFileSync(new URL('./schemas/trust.schema.json', import.meta.url), 'utf8')) as object;
    validator = ajv.compile(schema);
  }
  return validator;
}

function describeAjvError(e: ErrorObject): TrustProblem {
  let p = e.instancePath;
  if (e.keyword === 'required') p = `${p}/${String(e.params.missingProperty)}`;
  if (e.keyword === 'additionalProperties') return { path: `${p}/${String(e.params.additionalProperty)}`, message: 'unknown field' };
  if (e.keyword === 'required') return { path: p, message: 'is required' };
  if (e.keyword === 'pattern' && /\/keyId$/.test(p)) return { path: p, message: 'must be <COUNTRY>:<16 lowercase hex characters>' };
  if (e.keyword === 'pattern' && /(certificate|anchors\/\d+|intermediates\/\d+)$/.test(p)) return { path: p, message: 'must be one PEM certificate (-----BEGIN CERTIFICATE----- ...)' };
  if (e.keyword === 'propertyNames' || (e.keyword === 'pattern' && e.propertyName)) return { path: p, message: 'country keys must be ISO 3166-1 alpha-2 codes in capitals (e.g. UZ)' };
  return { path: p, message: e.message ?? e.keyword };
}

/**
 * Check a registry value (parsed JSON) against the schema and the certificates inside it:
 * every PEM readable, every keyId matching its certificate and country, no duplicate signers.
 * Throws TrustRegistryError listing every problem with its JSON pointer.
 */
export function parseTrustRegistry(input: string | unknown, source = 'trust registry'): TrustRegistry {
  let value: unknown = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (err) {
      throw new TrustRegistryError('TRUST_INVALID', 'notJson', { source, error: (err as Error).message });
    }
  }
  const validate = schemaValidator();
  const problems: TrustProblem[] = [];
  if (!validate(value)) {
    const seen = new Set<string>();
    for (const e of validate.errors ?? []) {
      if (e.keyword === 'if') continue;
      const p = describeAjvError(e);
      const key = `${p.path}\u0000${p.message}`;
      if (!seen.has(key)) {
        seen.add(key);
        problems.push(p);
      }
    }
  } else {
    const reg = value as TrustRegistry;
    for (const [country, ct] of Object.entries(reg.countries)) {
      const base = `/countries/${country}`;
      const check = (pem: string, where: string): Buffer | undefined => {
        try {
          return certificateFrom(pem).der;
        } catch (err) {
          problems.push({ path: where, message: trustMessages.t('en', 'badCertificate', { path: where, error: (err as Error).message }) });
          return undefined;
        }
      };
      ct.anchors.forEach((pem, i) => check(pem, `${base}/anchors/${i}`));
      (ct.intermediates ?? []).forEach((pem, i) => check(pem, `${base}/intermediates/${i}`));
      const ids = new Set<string>();
      ct.signers.forEach((s, i) => {
        const where = `${base}/signers/${i}`;
        const der = check(s.certificate, `${where}/certificate`);
        if (der) {
          const expected = keyIdFor(der, country);
          if (expected !== s.keyId) problems.push({ path: `${where}/keyId`, message: trustMessages.t('en', 'keyIdMismatch', { path: `${where}/keyId`, keyId: s.keyId, expected }) });
        }
        if (ids.has(s.keyId)) problems.push({ path: where, message: trustMessages.t('en', 'duplicateSigner', { path: where, keyId: s.keyId }) });
        ids.add(s.keyId);
      });
    }
  }
  if (problems.length) {
    const shown = problems.slice(0, 10).map((p) => (p.message.startsWith(p.path) ? p.message : `${p.path || '/'}: ${p.message}`));
    if (problems.length > 10) shown.push(`... ${problems.length - 10} more`);
    throw new TrustRegistryError('TRUST_INVALID', 'invalid', { source, count: problems.length, problems: shown.join('; ') }, problems);
  }
  return value as TrustRegistry;
}

export function loadTrustRegistry(file: string): TrustRegistry {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new TrustRegistryError('TRUST_UNREADABLE', 'unreadable', { source: file, error: e.code === 'ENOENT' ? 'no such file' : e.message });
  }
  return parseTrustRegistry(text, file);
}

/** trust.json text: stable key order, two-space indentation, final newline. */
export function serializeTrustRegistry(registry: TrustRegistry): string {
  return `${JSON.stringify(registry, null, 2)}\n`;
}

/** Write atomically (temporary file + rename), so a crash never leaves half a registry. */
export function saveTrustRegistry(file: string, registry: TrustRegistry): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, serializeTrustRegistry(registry));
  fs.renameSync(tmp, file);
}

// ---------------------------------------------------------------------------------------------
// Editing (pure: every function returns a new registry)

const toPem = (cert: Uint8Array | string): string => (typeof cert === 'string' ? derToPem(certificateFrom(cert).der) : derToPem(cert));

function withCountry(registry: TrustRegistry, country: CountryCode, edit: (c: CountryTrust) => CountryTrust): TrustRegistry {
  const cc = country.toUpperCase();
  const current = registry.countries[cc] ?? { anchors: [], intermediates: [], signers: [] };
  return { ...registry, countries: { ...registry.countries, [cc]: edit(current) } };
}

/** Add a root (anchor) or intermediate CA certificate for a country; no-op when already present. */
export function addCaCertificate(registry: TrustRegistry, country: CountryCode, certificate: Uint8Array | string, kind: 'anchor' | 'intermediate' = 'anchor'): TrustRegistry {
  const pem = toPem(certificate);
  const fp = certificateFrom(pem).fingerprint256;
  return withCountry(registry, country, (c) => {
    const list = kind === 'anchor' ? c.anchors : (c.intermediates ?? []);
    if (list.some((p) => certificateFrom(p).fingerprint256 === fp)) return c;
    return kind === 'anchor' ? { ...c, anchors: [...c.anchors, pem] } : { ...c, intermediates: [...list, pem] };
  });
}

/** Register a signer certificate (active unless said otherwise). Re-registering replaces the entry. */
export function registerSigner(
  registry: TrustRegistry,
  country: CountryCode,
  certificate: Uint8Array | string,
  options: { label?: string; registeredAt?: string; status?: SignerEntry['status']; revokedAt?: string; revocationReason?: string } = {},
): { registry: TrustRegistry; entry: SignerEntry } {
  const pem = toPem(certificate);
  const cc = country.toUpperCase();
  const entry: SignerEntry = {
    keyId: keyIdFor(pem, cc),
    ...(options.label ? { label: options.label } : {}),
    certificate: pem,
    status: options.status ?? 'active',
    ...(options.registeredAt ? { registeredAt: options.registeredAt } : {}),
    ...(options.revokedAt ? { revokedAt: options.revokedAt } : {}),
    ...(options.revocationReason ? { revocationReason: options.revocationReason } : {}),
  };
  const next = withCountry(registry, cc, (c) => ({ ...c, signers: [...c.signers.filter((s) => s.keyId !== entry.keyId), entry] }));
  return { registry: next, entry };
}

/** Mark a signer revoked. Throws TrustRegistryError (UNKNOWN_KEY) when the key id is not registered. */
export function revokeSigner(registry: TrustRegistry, keyId: string, options: { reason?: string; at?: string } = {}): { registry: TrustRegistry; entry: SignerEntry } {
  const found = findSigner(registry, keyId);
  if (!found) throw new TrustRegistryError('UNKNOWN_KEY', 'unknownKey', { keyId });
  const entry: SignerEntry = {
    ...found.entry,
    status: 'revoked',
    ...(options.at ? { revokedAt: options.at } : {}),
    ...(options.reason ? { revocationReason: options.reason } : {}),
  };
  const next = withCountry(registry, found.country, (c) => ({ ...c, signers: c.signers.map((s) => (s.keyId === keyId ? entry : s)) }));
  return { registry: next, entry };
}

export function findSigner(registry: TrustRegistry, keyId: string): { country: CountryCode; entry: SignerEntry } | undefined {
  const country = keyId.slice(0, 2);
  const entry = registry.countries[country]?.signers.find((s) => s.keyId === keyId);
  return entry ? { country, entry } : undefined;
}

// ---------------------------------------------------------------------------------------------
// Fingerprints (run record, reports)

export interface TrustCertificateInfo {
  country: CountryCode;
  role: 'anchor' | 'intermediate' | 'signer';
  keyId?: string;
  status?: string;
  fingerprint256: string;
  subject: string;
}

/** Every certificate of the registry with its SHA-256 fingerprint (shape of RunInfo.trustRegistry). */
export function trustFingerprints(registry: TrustRegistry): { sha256: string; certificates: TrustCertificateInfo[] } {
  const certificates: TrustCertificateInfo[] = [];
  for (const country of Object.keys(registry.countries).sort()) {
    const ct = registry.countries[country]!;
    const info = (pem: string) => {
      const c = certificateFrom(pem);
      return { fingerprint256: c.fingerprint256, subject: c.x509.subject.replace(/\n/g, ', ') };
    };
    for (const pem of ct.anchors) certificates.push({ country, role: 'anchor', ...info(pem) });
    for (const pem of ct.intermediates ?? []) certificates.push({ country, role: 'intermediate', ...info(pem) });
    for (const s of ct.signers) certificates.push({ country, role: 'signer', keyId: s.keyId, status: s.status, ...info(s.certificate) });
  }
  return { sha256: crypto.createHash('sha256').update(serializeTrustRegistry(registry)).digest('hex'), certificates };
}

// ---------------------------------------------------------------------------------------------
// The parsed form used by verification (memoized per registry object)

export interface RegisteredSigner {
  country: CountryCode;
  entry: SignerEntry;
  certificate: ParsedCertificate;
}

export interface CompiledCountry {
  anchors: ParsedCertificate[];
  intermediates: ParsedCertificate[];
  signers: Map<string, RegisteredSigner>;
}

export class CompiledTrust {
  private readonly countries = new Map<CountryCode, CompiledCountry>();
  /** fingerprint -> registrations in any country. */
  private readonly byFingerprint = new Map<string, RegisteredSigner[]>();
  private readonly chains = new Map<string, ParsedCertificate[] | null>();

  constructor(readonly registry: TrustRegistry) {
    for (const [country, ct] of Object.entries(registry.countries)) {
      const parse = (pems: readonly string[]) => pems.flatMap((p) => pemToDers(p).map(parseCertificate));
      const signers = new Map<string, RegisteredSigner>();
      for (const entry of ct.signers) {
        const der = pemToDers(entry.certificate)[0];
        if (!der) continue;
        const reg = { country, entry, certificate: parseCertificate(der) };
        signers.set(reg.certificate.fingerprint256, reg);
        const list = this.byFingerprint.get(reg.certificate.fingerprint256) ?? [];
        list.push(reg);
        this.byFingerprint.set(reg.certificate.fingerprint256, list);
      }
      this.countries.set(country, { anchors: parse(ct.anchors), intermediates: parse(ct.intermediates ?? []), signers });
    }
  }

  country(cc: CountryCode): CompiledCountry | undefined {
    return this.countries.get(cc);
  }

  /** Where this certificate is registered (any country). */
  registrations(cert: ParsedCertificate): RegisteredSigner[] {
    return this.byFingerprint.get(cert.fingerprint256) ?? [];
  }

  /**
   * A chain from `cert` to one of the country's anchors, through the registry's intermediates and
   * any extra CA certificates (those the signature carries). Memoized.
   */
  chain(country: CountryCode, cert: ParsedCertificate, extra: readonly ParsedCertificate[] = []): ParsedCertificate[] | null {
    const id = `${country}:${cert.fingerprint256}:${extra.map((e) => e.fingerprint256).join(',')}`;
    if (this.chains.has(id)) return this.chains.get(id)!;
    const c = this.countries.get(country);
    const chain = c ? buildChain(cert, [...c.intermediates, ...extra.filter((e) => e.isCa)], c.anchors) : null;
    if (this.chains.size > 10_000) this.chains.clear();
    this.chains.set(id, chain);
    return chain;
  }
}

const compiled = new WeakMap<TrustRegistry, CompiledTrust>();

/** The parsed, indexed form of a registry, built once per registry object. */
export function compileTrust(registry: TrustRegistry): CompiledTrust {
  let c = compiled.get(registry);
  if (!c) {
    c = new CompiledTrust(registry);
    compiled.set(registry, c);
  }
  return c;
}
