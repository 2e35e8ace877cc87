// Schema validation of metadata and envelopes (JSON Schema draft 2020-12 in protocol/schemas/,
// validated with ajv + ajv-formats) and canonical JSON (RFC 8785) for comparing metadata.
import fs from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { default as addFormatsModule } from 'ajv-formats';
import canonicalize from 'canonicalize';
import type { Lang } from './i18n.ts';
import { schemaMessages } from './schema.messages.ts';
import type { EcertMetadata, Envelope } from './types.ts';

/** One schema problem, located by a JSON pointer, with a message a tester can act on. */
export interface SchemaError {
  /** JSON pointer into the validated value, e.g. "/products/0/hsCode" ("" for the root). */
  path: string;
  message: string;
  /** ajv keyword that failed (required, pattern, format, ...); "validityOrder" for the validity window check. */
  keyword?: string;
}

export type Validation<T> = { valid: true; value: T; errors: [] } | { valid: false; errors: SchemaError[] };

export interface ValidateOptions {
  /** Language of the error messages (default English). */
  lang?: Lang;
}

function loadSchema(file: string): Readonly<Record<string, unknown>> {
  return Object.freeze(JSON.parse(fs.readFileSync(new URL(`./schemas/${file}`, import.meta.url), 'utf8')) as Record<string, unknown>);
}

/** The raw schema objects, for reuse (OpenAPI components, documentation). */
export const metadataSchema = loadSchema('metadata.schema.json');
export const envelopeSchema = loadSchema('envelope.schema.json');

/** Stable `$id`s, so other schemas (OpenAPI, trust.json) can `$ref` these. */
export const SCHEMA_IDS = Object.freeze({
  metadata: metadataSchema.$id as string,
  envelope: envelopeSchema.$id as string,
});

// ajv-formats is CommonJS with a default export; under NodeNext its default import is the module.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv2020) => Ajv2020;

// Compiled once per process: compiling costs milliseconds, validating microseconds.
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
addFormats(ajv);
ajv.addSchema(metadataSchema as object);
ajv.addSchema(envelopeSchema as object);
const validators = {
  metadata: ajv.getSchema(SCHEMA_IDS.metadata) as ValidateFunction,
  envelope: ajv.getSchema(SCHEMA_IDS.envelope) as ValidateFunction,
};

type MessageKey = (typeof schemaMessages.keys)[number];

// Which named rule a pattern/format error comes from, read from the schema path
// ("#/$defs/hsCode/pattern", ".../properties/sha256/pattern").
const NAMED_RULES: Record<string, MessageKey> = {
  hsCode: 'pattern.hsCode',
  countryCode: 'pattern.countryCode',
  dateTime: 'pattern.dateTime',
  documentId: 'pattern.documentId',
  sha256: 'pattern.sha256',
  keyId: 'pattern.keyId',
  unit: 'pattern.unit',
  languageTag: 'pattern.languageTag',
  text: 'pattern.text',
  verifyUrl: 'pattern.url',
  name: 'pattern.fileName',
};

function ruleName(schemaPath: string): string | undefined {
  return /(?:\$defs|properties)\/([A-Za-z0-9]+)\/(?:pattern|format)$/.exec(schemaPath)?.[1];
}

function valueAt(root: unknown, pointer: string): unknown {
  let node = root;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function shown(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

const escapePointer = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

function toSchemaError(e: ErrorObject, root: unknown, lang: Lang): SchemaError | null {
  // "if" only says that its "then" failed; the "then" errors carry the detail.
  if (e.keyword === 'if') return null;
  let path = e.instancePath;
  if (e.keyword === 'required') path = `${path}/${escapePointer(String(e.params.missingProperty))}`;
  if (e.keyword === 'additionalProperties') path = `${path}/${escapePointer(String(e.params.additionalProperty))}`;
  const field = path ? path.slice(1) : schemaMessages.t(lang, 'root');
  const got = shown(valueAt(root, path));
  const t = (key: MessageKey, params: Record<string, string | number> = {}) => schemaMessages.t(lang, key, { field, got, ...params });
  let message: string;
  switch (e.keyword) {
    case 'required':
      message = t('required');
      break;
    case 'additionalProperties':
      message = t('additionalProperties');
      break;
    case 'false schema':
      message = /^\/(validFrom|validUntil)$/.test(path) ? t('trValidity') : t('falseSchema');
      break;
    case 'type':
      message = t('type', { expected: ([] as string[]).concat(e.params.type as string | string[]).join(' | ') });
      break;
    case 'enum':
      message = t('enum', { allowed: (e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ') });
      break;
    case 'const':
      message = t('const', { allowed: JSON.stringify(e.params.allowedValue) });
      break;
    case 'minItems':
    case 'maxItems':
    case 'maxLength':
      message = t(e.keyword, { limit: Number(e.params.limit) });
      break;
    case 'minLength':
      message = t('minLength');
      break;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      message = t('minimum', { comparison: String(e.params.comparison), limit: Number(e.params.limit) });
      break;
    case 'uniqueItems':
      message = t('uniqueItems', { i: Number(e.params.i), j: Number(e.params.j) });
      break;
    case 'pattern':
    case 'format': {
      const named = NAMED_RULES[ruleName(e.schemaPath) ?? ''];
      if (named) message = t(named);
      else if (e.keyword === 'format' && e.params.format === 'uri') message = t('pattern.url');
      else if (e.keyword === 'format' && e.params.format === 'date-time') message = t('pattern.dateTime');
      else if (e.keyword === 'pattern') message = t('pattern', { pattern: String(e.params.pattern) });
      else message = t('format', { format: String(e.params.format) });
      break;
    }
    default:
      message = t('other', { detail: e.message ?? e.keyword });
  }
  return { path, message, keyword: e.keyword };
}

function collect(fn: ValidateFunction, value: unknown, lang: Lang): SchemaError[] {
  if (fn(value)) return [];
  const out: SchemaError[] = [];
  const seen = new Set<string>();
  for (const e of fn.errors ?? []) {
    const err = toSchemaError(e, value, lang);
    // A date-time breaks both its pattern and its format: report it once.
    const key = `${err?.path}\u0000${err?.message}`;
    if (!err || seen.has(key)) continue;
    seen.add(key);
    out.push(err);
  }
  return out;
}

// JSON Schema cannot compare two date-times; the validity window is checked here, reported like
// a schema error so a tester sees it in the same list.
function validityWindowErrors(metadata: unknown, base: string, lang: Lang): SchemaError[] {
  if (metadata === null || typeof metadata !== 'object') return [];
  const { validFrom, validUntil } = metadata as { validFrom?: unknown; validUntil?: unknown };
  if (typeof validFrom !== 'string' || typeof validUntil !== 'string') return [];
  const from = Date.parse(validFrom);
  const until = Date.parse(validUntil);
  if (Number.isNaN(from) || Number.isNaN(until) || until > from) return [];
  const path = `${base}/validUntil`;
  return [
    {
      path,
      keyword: 'validityOrder',
      message: schemaMessages.t(lang, 'validityOrder', { field: path.slice(1), validFrom, got: shown(validUntil) }),
    },
  ];
}

function result<T>(value: unknown, errors: SchemaError[]): Validation<T> {
  return errors.length === 0 ? { valid: true, value: value as T, errors: [] } : { valid: false, errors };
}

export function validateMetadata(value: unknown, options: ValidateOptions = {}): Validation<EcertMetadata> {
  const lang = options.lang ?? 'en';
  return result(value, [...collect(validators.metadata, value, lang), ...validityWindowErrors(value, '', lang)]);
}

export function validateEnvelope(value: unknown, options: ValidateOptions = {}): Validation<Envelope> {
  const lang = options.lang ?? 'en';
  const metadata = value !== null && typeof value === 'object' ? (value as { metadata?: unknown }).metadata : undefined;
  return result(value, [...collect(validators.envelope, value, lang), ...validityWindowErrors(metadata, '/metadata', lang)]);
}

/** RFC 8785 canonical JSON (JCS): key order and number formatting fixed, so equal data gives equal bytes. */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('canonicalJson: value has no JSON representation (undefined, a function or a symbol)');
  return text;
}
