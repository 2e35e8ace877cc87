import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { GENESIS_HASH, OPENAPI_FILE, checkLogChain, loadContract, logEntryHash, validateResponse } from './contract.ts';
import { EXCHANGE_STATUSES, type LogEntry } from './hub-contract.ts';

const contract = loadContract();

function chain(n: number): LogEntry[] {
  const out: LogEntry[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const body = { seq, at: `2025-01-01T00:00:0${seq % 10}Z`, type: 'exchange.received', actor: 'node:UZ', exchangeId: `ex-${seq}`, data: { n: seq, text: 'Ташкент' } };
    const hash = logEntryHash(prev, body);
    out.push({ ...body, prevHash: prev, hash });
    prev = hash;
  }
  return out;
}

describe('the hub contract (openapi.yaml)', () => {
  it('is OpenAPI 3.1 with every HubClient route, a push webhook and mutual TLS', () => {
    const doc = parseYaml(fs.readFileSync(OPENAPI_FILE, 'utf8')) as { openapi: string; components: { securitySchemes: Record<string, { type: string }> }; webhooks: object };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.values(doc.components.securitySchemes).map((s) => s.type)).toContain('mutualTLS');
    const ids = contract.operations.map((o) => o.operationId).sort();
    expect(ids).toEqual(
      [
        'acknowledgeExchange', 'checkLog', 'decideExchange', 'deliverDocument', 'exportLog', 'exportTrust', 'fetchDocument', 'getClock', 'getExchange',
        'getHealth', 'getVersion', 'listExchanges', 'listInbox', 'listKeys', 'listNodes', 'lookupDocument', 'purgeDocument', 'readLog', 'registerAnchor',
        'registerKey', 'registerNode', 'revokeKey', 'revokeNode', 'setClock', 'submitExchange', 'uploadDocument', 'verifyDocument', 'whoami',
      ].sort(),
    );
    const webhook = contract.operation('deliverDocument');
    expect(webhook.webhook).toBe(true);
    expect(webhook.parameters.map((p) => p.name)).toEqual(['X-Ecert-Exchange-Id', 'X-Ecert-Delivery-Attempt', 'X-Ecert-Sender']);
    expect(Object.keys(webhook.requestBody!.content)).toEqual(['multipart/form-data']);
  });

  it('is a valid OpenAPI 3.1 document (official OAS schema)', async () => {
    // The referenced schema files are JSON Schema 2020-12 documents the contract loader compiles
    // with ajv; here only the OpenAPI structure is checked, with those references stubbed.
    const stub = (node: unknown): unknown =>
      Array.isArray(node)
        ? node.map(stub)
        : node && typeof node === 'object'
          ? typeof (node as { $ref?: unknown }).$ref === 'string' && (node as { $ref: string }).$ref.startsWith('./')
            ? { description: `external ${(node as { $ref: string }).$ref}` }
            : Object.fromEntries(Object.entries(node).map(([k, v]) => [k, stub(v)]))
          : node;
    const validator = new Validator();
    const result = await validator.validate(stub(parseYaml(fs.readFileSync(OPENAPI_FILE, 'utf8'))) as Record<string, unknown>);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    const broken = await new Validator().validate({ openapi: '3.1.0', info: { title: 'x', version: '1' }, paths: { '/a': { get: { responses: { '200': { content: 5 } } } } } });
    expect(broken.valid).toBe(false);
  });

  it('declares an { code, message } error body for every non-2xx answer and documents every status', () => {
    for (const op of contract.operations) {
      for (const [status, response] of Object.entries(op.responses)) {
        if (status.startsWith('2')) continue;
        expect(response.content?.['application/json']?.schema, `${op.operationId} ${status}`).toEqual(contract.schemaRef('Error'));
      }
      if (!op.public && !op.webhook) expect(Object.keys(op.responses), op.operationId).toContain('401');
    }
    const text = fs.readFileSync(OPENAPI_FILE, 'utf8');
    for (const status of EXCHANGE_STATUSES) expect(text, status).toMatch(new RegExp(`\\| \`${status}\` \\|`));
  });

  it('shares the envelope and metadata schemas with protocol/schemas by $ref', () => {
    const ids = [...contract.externalSchemas.keys()];
    expect(ids.some((id) => id.includes('envelope'))).toBe(true);
    expect(ids.some((id) => id.includes('metadata'))).toBe(true);
    const inbox = contract.validateSchema('InboxItem', {
      exchangeId: 'x',
      sender: 'UZ',
      documentId: 'd',
      documentType: 'coc',
      envelope: { envelopeVersion: '1.0' },
      availableSince: '2025-01-01T00:00:00Z',
    });
    expect(inbox.valid).toBe(false);
    expect(inbox.errors.join('\n')).toMatch(/\/envelope: must have required property 'metadata'/);
  });

  it('finds operations by method and concrete path, literal segments first', () => {
    expect(contract.findOperation('GET', '/v1/verify/UZ.SMT.COC.2025.000001')?.operation.operationId).toBe('lookupDocument');
    expect(contract.findOperation('POST', '/v1/verify')?.operation.operationId).toBe('verifyDocument');
    expect(contract.findOperation('POST', 'https://hub.example:8443/v1/keys/UZ%3A0123456789abcdef/revoke?x=1')?.params).toEqual({ keyId: 'UZ:0123456789abcdef' });
    expect(contract.findOperation('GET', '/v1/logs/audit/check')?.operation.operationId).toBe('checkLog');
    expect(contract.findOperation('GET', '/v2/nothing')).toBeUndefined();
  });

  it('accepts a conforming response and names what is wrong with a non-conforming one', () => {
    const time = '2025-01-01T00:00:00Z';
    expect(validateResponse({ method: 'GET', path: '/v1/health', status: 200, contentType: 'application/json; charset=utf-8', body: { status: 'ok', time } }).valid).toBe(true);
    const bad = validateResponse({ method: 'GET', path: '/v1/health', status: 200, contentType: 'application/json', body: { status: 'fine' } });
    expect(bad.valid).toBe(false);
    expect(bad.operationId).toBe('getHealth');
    expect(bad.errors.join('\n')).toMatch(/time/);
    // A 5xx is never part of the contract: bad input must be a 4xx.
    expect(validateResponse({ method: 'POST', path: '/v1/exchanges', status: 500, contentType: 'application/json', body: { code: 'INTERNAL', message: 'x' } }).errors[0]).toMatch(
      /status 500 is not a declared response/,
    );
    expect(validateResponse({ method: 'GET', path: '/v1/exchanges/a', status: 404, contentType: 'text/html', body: '<h1>404</h1>' }).errors[0]).toMatch(/content type "text\/html"/);
    expect(validateResponse({ method: 'GET', path: '/v1/exchanges/a', status: 404, contentType: 'application/json', body: { error: 'nope' } }).valid).toBe(false);
    expect(validateResponse({ method: 'GET', path: '/v1/exchanges/a/document', status: 200, contentType: 'application/pdf', body: Buffer.from('%PDF-1.7\n') }).valid).toBe(true);
    expect(validateResponse({ method: 'GET', path: '/v1/exchanges/a/document', status: 200, contentType: 'application/pdf', body: Buffer.from('hello') }).valid).toBe(false);
    expect(validateResponse({ method: 'POST', path: '/v1/anchors', status: 204, contentType: null, body: undefined }).valid).toBe(true);
    expect(validateResponse({ method: 'POST', path: '/v1/anchors', status: 204, contentType: 'application/json', body: '{}' }).valid).toBe(false);
  });

  it('validates JSON Lines exports line by line', () => {
    const lines = chain(3).map((e) => JSON.stringify(e)).join('\n');
    expect(validateResponse({ method: 'GET', path: '/v1/logs/audit/export', status: 200, contentType: 'application/x-ndjson', body: `${lines}\n` }).valid).toBe(true);
    const broken = validateResponse({ method: 'GET', path: '/v1/logs/audit/export', status: 200, contentType: 'application/x-ndjson', body: `${lines}\n{"seq":0}\n` });
    expect(broken.valid).toBe(false);
    expect(broken.errors.join('\n')).toMatch(/line 4/);
  });

  it('loads a contract whose referenced schema file is missing with a message naming the file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'contract-'));
    fs.copyFileSync(OPENAPI_FILE, path.join(dir, 'openapi.yaml'));
    expect(() => loadContract(path.join(dir, 'openapi.yaml'))).toThrow(/schemas\/envelope\.schema\.json/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('hash-chained logs', () => {
  it('accepts an intact chain and reports its head', () => {
    const entries = chain(5);
    expect(checkLogChain('exchange', entries)).toEqual({ log: 'exchange', valid: true, entries: 5, headHash: entries[4]!.hash });
    expect(checkLogChain('audit', [])).toEqual({ log: 'audit', valid: true, entries: 0, headHash: GENESIS_HASH });
  });

  it('detects a modified entry, a deleted entry, a reordering and an unlinked hash', () => {
    const modified = chain(5);
    modified[2] = { ...modified[2]!, data: { n: 99, text: 'Ташкент' } };
    expect(checkLogChain('exchange', modified)).toMatchObject({ valid: false, brokenAt: 3, detail: expect.stringMatching(/modified/) });

    const deleted = chain(5).filter((e) => e.seq !== 2);
    expect(checkLogChain('exchange', deleted)).toMatchObject({ valid: false, brokenAt: 3 });

    const renumbered = chain(5)
      .filter((e) => e.seq !== 2)
      .map((e, i) => ({ ...e, seq: i + 1 }));
    expect(checkLogChain('exchange', renumbered).valid).toBe(false);

    const swapped = chain(4);
    [swapped[1], swapped[2]] = [swapped[2]!, swapped[1]!];
    expect(checkLogChain('exchange', swapped)).toMatchObject({ valid: false, brokenAt: 3 });

    // Hashes computed without the previous hash (each entry valid on its own) are not a chain.
    const unlinked = chain(3).map((e) => ({ ...e, hash: logEntryHash(GENESIS_HASH, e) }));
    expect(checkLogChain('audit', unlinked)).toMatchObject({ valid: false, brokenAt: 2 });
  });
});
