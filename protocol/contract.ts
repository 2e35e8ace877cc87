import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Ajv2020, type ErrorObject, type Options as AjvOptions, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import type { LogChainCheck, LogEntry, LogKind } from './hub-contract.ts';
import { canonicalJson } from './schema.ts';

// The hub contract (protocol/openapi.yaml) as something code can check against: find the
// operation a request went to, validate a response (status, content type, body) with ajv 2020,
// and check a hash-chained log. Independent of the reference hub, so the runner can hold a REAL
// hub's answers to the same contract.
//
// $refs are resolved by ajv itself: the component schemas become one schema resource
// (`CONTRACT_SCHEMA_ID#/$defs/<Name>`) and the metadata/envelope/trust schema files referenced by
// relative path are loaded and addressed by their own `$id`.

// ajv-formats is CommonJS; under NodeNext its default import may be the module object.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv2020) => Ajv2020;

export const OPENAPI_FILE = path.join(import.meta.dirname, 'openapi.yaml');
export const CONTRACT_SCHEMA_ID = 'urn:ecert:hub-contract:components';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export type HttpMethod = 'get' | 'put' | 'post' | 'delete' | 'patch';
const METHODS: readonly HttpMethod[] = ['get', 'put', 'post', 'delete', 'patch'];

export interface ContractParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required: boolean;
  /** JSON Schema with absolute $refs (compilable by the contract's ajv). */
  schema: JsonObject;
}

export interface ContractOperation {
  operationId: string;
  method: HttpMethod;
  /** OpenAPI path template, e.g. /v1/exchanges/{exchangeId}. */
  path: string;
  parameters: ContractParameter[];
  /** Request body schemas by media type (absolute $refs). */
  requestBody?: { required: boolean; content: Record<string, JsonObject> };
  /** Responses by status key ("200", "4XX", "default"), $refs to components resolved. */
  responses: Record<string, { content?: Record<string, { schema?: JsonObject; lineSchema?: JsonObject }> }>;
  /** Public (no client certificate needed). */
  public: boolean;
  /** Roles from x-ecert-roles (e.g. operator); empty = any authenticated principal. */
  roles: string[];
  webhook: boolean;
  matcher: RegExp;
}

export interface ResponseToCheck {
  method: string;
  /** Request path, with or without query string / origin; or a path template. */
  path: string;
  status: number;
  /** Content-Type header of the response (parameters ignored). */
  contentType?: string | null;
  /** Parsed JSON, text, or raw bytes. */
  body?: unknown;
}

export interface ContractCheck {
  valid: boolean;
  operationId?: string;
  /** Human-readable problems, each naming where (JSON pointer) and what. */
  errors: string[];
}

export interface Contract {
  readonly file: string;
  readonly version: string;
  readonly operations: readonly ContractOperation[];
  /** Ajv instance with every contract schema loaded (no coercion). */
  readonly ajv: Ajv2020;
  operation(operationId: string): ContractOperation;
  findOperation(method: string, requestPath: string): { operation: ContractOperation; params: Record<string, string> } | undefined;
  /** A compiled validator for a component schema by name (e.g. "Exchange", "Error"). */
  validator(schemaName: string): ValidateFunction;
  /** `{ $ref }` to a component schema, for building other schemas. */
  schemaRef(schemaName: string): JsonObject;
  validateResponse(response: ResponseToCheck): ContractCheck;
  /** Validate a value against a component schema. */
  validateSchema(schemaName: string, value: unknown): ContractCheck;
  /** Files (schemas) the contract loaded besides openapi.yaml, by $id. */
  readonly externalSchemas: ReadonlyMap<string, { file: string; schema: JsonObject }>;
  /** Make another ajv instance (e.g. with coercion for query strings) holding the same schemas. */
  createAjv(options?: AjvOptions): Ajv2020;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function pointerGet(doc: Json, pointer: string): Json | undefined {
  if (pointer === '' || pointer === '#') return doc;
  let node: Json | undefined = doc;
  for (const raw of pointer.replace(/^#?\//, '').split('/')) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) node = node[Number(key)];
    else if (isObject(node)) node = node[key];
    else return undefined;
  }
  return node;
}

class ContractLoadError extends Error {
  constructor(file: string, detail: string) {
    super(`cannot load the hub contract ${file}: ${detail}`);
    this.name = 'ContractLoadError';
  }
}

function formatAjvErrors(errors: ErrorObject[] | null | undefined, prefix = ''): string[] {
  return (errors ?? []).map((e) => {
    const where = `${prefix}${e.instancePath || '/'}`;
    const extra =
      e.keyword === 'additionalProperties'
        ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})`
        : e.keyword === 'enum'
          ? ` (${JSON.stringify((e.params as { allowedValues?: unknown }).allowedValues)})`
          : '';
    return `${where}: ${e.message ?? e.keyword}${extra}`;
  });
}

function loadContractFile(file: string): Contract {
  let raw: Json;
  try {
    raw = parseYaml(fs.readFileSync(file, 'utf8')) as Json;
  } catch (error) {
    throw new ContractLoadError(file, (error as Error).message);
  }
  if (!isObject(raw) || !isObject(raw.components) || !isObject(raw.paths)) throw new ContractLoadError(file, 'not an OpenAPI document');
  const doc = raw;
  const dir = path.dirname(file);
  const external = new Map<string, { file: string; schema: JsonObject }>();
  const idByFile = new Map<string, string>();

  // Load a schema file referenced by relative path, register it under its $id, and return the id.
  const externalId = (relFile: string): string => {
    const abs = path.resolve(dir, relFile);
    const known = idByFile.get(abs);
    if (known) return known;
    let schema: JsonObject;
    try {
      schema = JSON.parse(fs.readFileSync(abs, 'utf8')) as JsonObject;
    } catch (error) {
      throw new ContractLoadError(file, `referenced schema ${relFile}: ${(error as Error).message}`);
    }
    const id = typeof schema.$id === 'string' ? schema.$id : `file://${abs}`;
    idByFile.set(abs, id);
    external.set(id, { file: abs, schema: rewriteRefs(schema, abs) as JsonObject });
    return id;
  };

  // Make every $ref absolute: components -> CONTRACT_SCHEMA_ID#/$defs/X; files -> their $id.
  function rewriteRefs(node: Json, base: string): Json {
    if (Array.isArray(node)) return node.map((n) => rewriteRefs(n, base));
    if (!isObject(node)) return node;
    const out: JsonObject = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') {
        if (base === file && value.startsWith('#/components/schemas/')) {
          out.$ref = `${CONTRACT_SCHEMA_ID}#/$defs/${value.slice('#/components/schemas/'.length)}`;
        } else if (!value.startsWith('#') && !/^[a-z][a-z0-9+.-]*:/i.test(value)) {
          const [relFile, fragment] = value.split('#', 2) as [string, string | undefined];
          const target = path.relative(dir, path.resolve(path.dirname(base), relFile));
          out.$ref = `${externalId(target)}${fragment ? `#${fragment}` : ''}`;
        } else out.$ref = value;
      } else out[key] = rewriteRefs(value, base);
    }
    return out;
  }

  const components = doc.components as JsonObject;
  const schemas = rewriteRefs((components.schemas ?? {}) as Json, file) as JsonObject;
  const componentResource: JsonObject = { $id: CONTRACT_SCHEMA_ID, $defs: schemas };

  // OpenAPI-level refs (#/components/parameters|responses|requestBodies/...) resolve in the document.
  const deref = (node: Json | undefined): Json | undefined => {
    let current = node;
    for (let i = 0; i < 10 && isObject(current) && typeof current.$ref === 'string' && current.$ref.startsWith('#/components/') && !current.$ref.startsWith('#/components/schemas/'); i++) {
      current = pointerGet(doc, current.$ref);
    }
    return current;
  };
  const schemaOf = (node: Json | undefined): JsonObject => (isObject(node) ? (rewriteRefs(node, file) as JsonObject) : {});

  const createAjv = (options: AjvOptions = {}): Ajv2020 => {
    const ajv = new Ajv2020({ allErrors: true, strict: false, ...options });
    addFormats(ajv);
    for (const { schema } of external.values()) if (!ajv.getSchema(String(schema.$id ?? ''))) ajv.addSchema(schema);
    ajv.addSchema(componentResource);
    return ajv;
  };

  const operations: ContractOperation[] = [];
  const addOperations = (pathKey: string, item: JsonObject, webhook: boolean) => {
    const shared = Array.isArray(item.parameters) ? item.parameters : [];
    for (const method of METHODS) {
      const op = item[method];
      if (!isObject(op)) continue;
      const params = [...shared, ...(Array.isArray(op.parameters) ? op.parameters : [])].map(deref).filter(isObject);
      const parameters: ContractParameter[] = params.map((p) => ({
        name: String(p.name),
        in: p.in as ContractParameter['in'],
        required: p.required === true,
        schema: schemaOf(p.schema),
      }));
      let requestBody: ContractOperation['requestBody'];
      const rb = deref(op.requestBody);
      if (isObject(rb) && isObject(rb.content)) {
        const content: Record<string, JsonObject> = {};
        for (const [media, spec] of Object.entries(rb.content)) content[media] = isObject(spec) ? schemaOf(spec.schema) : {};
        requestBody = { required: rb.required === true, content };
      }
      const responses: ContractOperation['responses'] = {};
      for (const [status, r] of Object.entries(isObject(op.responses) ? op.responses : {})) {
        const resolved = deref(r);
        if (!isObject(resolved)) continue;
        if (!isObject(resolved.content)) {
          responses[status] = {};
          continue;
        }
        const content: Record<string, { schema?: JsonObject; lineSchema?: JsonObject }> = {};
        for (const [media, spec] of Object.entries(resolved.content)) {
          if (!isObject(spec)) continue;
          content[media] = {
            ...(isObject(spec.schema) ? { schema: schemaOf(spec.schema) } : {}),
            ...(isObject(spec['x-ecert-line-schema']) ? { lineSchema: schemaOf(spec['x-ecert-line-schema']) } : {}),
          };
        }
        responses[status] = { content };
      }
      const security = Array.isArray(op.security) ? op.security : Array.isArray(doc.security) ? doc.security : [];
      const pattern = pathKey.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{([^}]+)\}/g, '(?<$1>[^/]+)');
      operations.push({
        operationId: String(op.operationId),
        method,
        path: pathKey,
        parameters,
        ...(requestBody ? { requestBody } : {}),
        responses,
        public: security.length === 0,
        roles: Array.isArray(op['x-ecert-roles']) ? op['x-ecert-roles'].map(String) : [],
        webhook,
        matcher: new RegExp(`^${pattern}$`),
      });
    }
  };
  for (const [p, item] of Object.entries(doc.paths as JsonObject)) if (isObject(item)) addOperations(p, item, false);
  for (const [name, item] of Object.entries(isObject(doc.webhooks) ? doc.webhooks : {})) if (isObject(item)) addOperations(name, item, true);
  // Literal segments win over parameters when two templates could match one path.
  const byPath = operations.filter((o) => !o.webhook).sort((a, b) => (a.path.match(/\{/g)?.length ?? 0) - (b.path.match(/\{/g)?.length ?? 0));

  const ajv = createAjv();
  const compiled = new Map<string, ValidateFunction>();
  const compile = (schema: JsonObject): ValidateFunction => {
    const key = JSON.stringify(schema);
    let fn = compiled.get(key);
    if (!fn) {
      fn = ajv.compile(schema);
      compiled.set(key, fn);
    }
    return fn;
  };

  const info = isObject(doc.info) ? doc.info : {};
  const contract: Contract = {
    file,
    version: String(info.version ?? ''),
    operations,
    ajv,
    externalSchemas: external,
    createAjv,
    operation(operationId) {
      const op = operations.find((o) => o.operationId === operationId);
      if (!op) throw new Error(`the hub contract has no operation "${operationId}"`);
      return op;
    },
    findOperation(method, requestPath) {
      const m = method.toLowerCase();
      let p = requestPath;
      try {
        if (/^https?:\/\//i.test(p)) p = new URL(p).pathname;
      } catch {
        // not a URL: use as given
      }
      p = p.split('?')[0]!.replace(/\/+$/, '') || '/';
      for (const op of byPath) {
        if (op.method !== m) continue;
        if (op.path === p) return { operation: op, params: {} };
        const match = op.matcher.exec(p);
        if (match) {
          const params: Record<string, string> = {};
          for (const [k, v] of Object.entries(match.groups ?? {})) params[k] = decodeURIComponent(v);
          return { operation: op, params };
        }
      }
      return undefined;
    },
    schemaRef: (name) => ({ $ref: `${CONTRACT_SCHEMA_ID}#/$defs/${name}` }),
    validator(name) {
      if (!isObject(schemas[name])) throw new Error(`the hub contract has no schema "${name}"`);
      return compile(contract.schemaRef(name));
    },
    validateSchema(name, value) {
      const fn = contract.validator(name);
      return fn(value) ? { valid: true, errors: [] } : { valid: false, errors: formatAjvErrors(fn.errors) };
    },
    validateResponse(response) {
      const found = contract.findOperation(response.method, response.path);
      if (!found) return { valid: false, errors: [`${response.method.toUpperCase()} ${response.path} is not an operation of the hub contract`] };
      const { operation } = found;
      const fail = (...errors: string[]): ContractCheck => ({ valid: false, operationId: operation.operationId, errors });
      const status = String(response.status);
      const spec = operation.responses[status] ?? operation.responses[`${status[0]}XX`] ?? operation.responses.default;
      if (!spec) {
        return fail(`${operation.operationId}: status ${status} is not a declared response (declared: ${Object.keys(operation.responses).join(', ')})`);
      }
      const media = (response.contentType ?? '').split(';')[0]!.trim().toLowerCase();
      const hasBody = !(response.body === undefined || response.body === null || response.body === '' || (response.body instanceof Uint8Array && response.body.length === 0));
      if (!spec.content) {
        return hasBody ? fail(`${operation.operationId} ${status}: the contract declares no body, got ${media || 'a body'}`) : { valid: true, operationId: operation.operationId, errors: [] };
      }
      const content = spec.content[media];
      if (!content) return fail(`${operation.operationId} ${status}: content type "${media || '(none)'}" is not declared (declared: ${Object.keys(spec.content).join(', ')})`);
      const asText = (): string =>
        typeof response.body === 'string' ? response.body : response.body instanceof Uint8Array ? Buffer.from(response.body).toString('utf8') : JSON.stringify(response.body);
      if (media === 'application/pdf') {
        const bytes = response.body instanceof Uint8Array ? Buffer.from(response.body) : Buffer.from(asText(), 'latin1');
        return bytes.subarray(0, 5).toString('latin1') === '%PDF-' ? { valid: true, operationId: operation.operationId, errors: [] } : fail(`${operation.operationId} ${status}: the body is not a PDF`);
      }
      if (media === 'application/x-ndjson') {
        const errors: string[] = [];
        const lineFn = content.lineSchema ? compile(content.lineSchema) : undefined;
        asText()
          .split('\n')
          .forEach((line, i) => {
            if (!line.trim()) return;
            let value: unknown;
            try {
              value = JSON.parse(line);
            } catch {
              errors.push(`${operation.operationId} ${status}: line ${i + 1} is not JSON`);
              return;
            }
            if (lineFn && !lineFn(value)) errors.push(...formatAjvErrors(lineFn.errors, `line ${i + 1}`));
          });
        return errors.length ? fail(...errors) : { valid: true, operationId: operation.operationId, errors: [] };
      }
      let body = response.body;
      if (typeof body === 'string' || body instanceof Uint8Array) {
        try {
          body = JSON.parse(asText());
        } catch {
          return fail(`${operation.operationId} ${status}: the body is not JSON`);
        }
      }
      if (!content.schema) return { valid: true, operationId: operation.operationId, errors: [] };
      const fn = compile(content.schema);
      return fn(body) ? { valid: true, operationId: operation.operationId, errors: [] } : fail(...formatAjvErrors(fn.errors, `${operation.operationId} ${status} body`));
    },
  };
  return contract;
}

const loaded = new Map<string, Contract>();

/** The hub contract (memoized per file). Throws with a clear message if a file is missing or malformed. */
export function loadContract(file: string = OPENAPI_FILE): Contract {
  const abs = path.resolve(file);
  let contract = loaded.get(abs);
  if (!contract) {
    contract = loadContractFile(abs);
    loaded.set(abs, contract);
  }
  return contract;
}

/** Validate one hub response against the contract (see Contract.validateResponse). */
export function validateResponse(response: ResponseToCheck): ContractCheck {
  return loadContract().validateResponse(response);
}

// ---------------------------------------------------------------------------------------------
// Hash-chained logs: hash = sha256(prevHash || canonical(entry)), lower-case hex. The first
// entry's prevHash is GENESIS_HASH. Anyone holding an export can re-check it without the hub.

export const GENESIS_HASH = '0'.repeat(64);

export type LogEntryBody = Pick<LogEntry, 'seq' | 'at' | 'type' | 'actor' | 'exchangeId' | 'data'>;

/** RFC 8785 canonical JSON of the hashed part of an entry. */
export function canonicalLogEntry(entry: LogEntryBody): string {
  const body: Record<string, unknown> = { seq: entry.seq, at: entry.at, type: entry.type, actor: entry.actor, data: entry.data };
  if (entry.exchangeId !== undefined) body.exchangeId = entry.exchangeId;
  return canonicalJson(body);
}

export function logEntryHash(prevHash: string, entry: LogEntryBody): string {
  return crypto.createHash('sha256').update(prevHash).update(canonicalLogEntry(entry)).digest('hex');
}

/** Check a whole log, from its first entry: sequence, links and hashes. */
export function checkLogChain(log: LogKind, entries: Iterable<LogEntry>): LogChainCheck {
  let prev = GENESIS_HASH;
  let count = 0;
  for (const entry of entries) {
    count++;
    const broken = (detail: string): LogChainCheck => ({ log, valid: false, entries: count, headHash: prev, brokenAt: entry.seq, detail });
    if (entry.seq !== count) return broken(`entry ${count} has sequence number ${entry.seq} (an entry is missing or out of order)`);
    if (entry.prevHash !== prev) return broken(`entry ${entry.seq} does not link to the previous entry (prevHash ${entry.prevHash.slice(0, 12)}…, expected ${prev.slice(0, 12)}…)`);
    const expected = logEntryHash(prev, entry);
    if (entry.hash !== expected) return broken(`entry ${entry.seq} was modified: its content hashes to ${expected.slice(0, 12)}…, the log says ${entry.hash.slice(0, 12)}…`);
    prev = entry.hash;
  }
  return { log, valid: true, entries: count, headHash: prev };
}
