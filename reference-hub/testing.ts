import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateMetadata } from '../fixtures/documents/metadata.ts';
import { type TestPki, createTestPki } from '../fixtures/pki.ts';
import { loadProfiles } from '../fixtures/profiles/index.ts';
import { buildEnvelope } from '../protocol/envelope.ts';
import { type FormData, Request as UndiciRequest, Response as UndiciResponse } from 'undici';
import type { HttpHubClient, HubFetch, HubResponseRecord } from '../protocol/hub-http.ts';
import { samplePdf } from '../protocol/pdf/sample.ts';
import { signPdf } from '../protocol/pdf/sign.ts';
import type { CountryCode, EcertMetadata, Envelope } from '../protocol/types.ts';
import { type HubClientOptions, type ReferenceHub, type ReferenceHubOptions, startReferenceHub } from './hub.ts';
import { hubTlsFromPki } from './tls.ts';

// A reference hub with the test PKI's countries registered (anchors, signers, a revoked signer,
// nodes), and small signed documents for it. Used by the hub's own tests and its benchmark; the
// realistic documents of the scenarios come from fixtures/.

export const TESTBED_SEED = 'reference-hub-tests';

export type TestDocumentKind = 'genuine' | 'tampered' | 'unregistered' | 'revoked' | 'expired' | 'metadata-mismatch' | 'foreign';

export interface TestDocument {
  pdf: Buffer;
  envelope: Envelope;
  metadata: EcertMetadata;
}

export interface TestbedOptions {
  countries?: CountryCode[];
  /** Push callback URL per country; countries without one pull. */
  callbacks?: Record<CountryCode, string>;
  hub?: Omit<ReferenceHubOptions, 'dataDir'> & { dataDir?: string };
  /** 'inject' (default) or 'https'. */
  transport?: 'inject' | 'https';
  seed?: string;
  /** Record every hub answer (contract tests). */
  onResponse?: (record: HubResponseRecord) => void;
}

export interface Testbed {
  hub: ReferenceHub;
  pki: TestPki;
  countries: CountryCode[];
  operator: HttpHubClient;
  node(country: CountryCode, options?: HubClientOptions): HttpHubClient;
  issue(from: CountryCode, to: CountryCode, kind?: TestDocumentKind, options?: { seed?: string; sequence?: number }): Promise<TestDocument>;
  close(): Promise<void>;
}

const pdfCache = new Map<string, Buffer>();

/** A small signed document from `from` to `to` at the given time, genuine or broken in one way. */
export async function issueTestDocument(
  pki: TestPki,
  input: { from: CountryCode; to: CountryCode; kind?: TestDocumentKind; at: Date; seed?: string; sequence?: number },
): Promise<TestDocument> {
  const kind = input.kind ?? 'genuine';
  const country = pki.country(input.from);
  const issuedAt = kind === 'expired' ? new Date(input.at.getTime() - 400 * 86_400_000) : new Date(input.at.getTime() - 3_600_000);
  const metadata = generateMetadata({
    profile: country.profile,
    type: 'coc',
    product: '0813',
    recipient: input.to,
    seed: input.seed ?? `${input.from}-${input.to}-${kind}`,
    issuedAt,
    ...(kind === 'expired' ? { validDays: 30 } : {}),
    ...(input.sequence !== undefined ? { sequence: input.sequence } : {}),
  });
  const key = JSON.stringify(metadata);
  let unsigned = pdfCache.get(key);
  if (!unsigned) {
    unsigned = await samplePdf({ metadata });
    if (pdfCache.size > 1000) pdfCache.clear();
    pdfCache.set(key, unsigned);
  }
  const signer =
    kind === 'unregistered' ? country.variant('unregistered') : kind === 'revoked' ? country.variant('revoked') : kind === 'foreign' ? country.variant('foreign') : country.signer;
  const subFilter = 'adbe.pkcs7.detached' as const;
  let pdf = signPdf(unsigned, signer, { subFilter, signingTime: issuedAt });
  let envelope = buildEnvelope(pdf, metadata, { keyId: signer.keyId, subFilter, name: `${metadata.documentId}.pdf` });
  if (kind === 'tampered') {
    // Change one byte of the binary comment under the %PDF header after signing: inside the
    // signed byte range, harmless to the PDF structure.
    pdf = Buffer.from(pdf);
    const at = pdf.indexOf('\n%', 0, 'latin1') + 2;
    pdf[at] = pdf[at]! ^ 0x01;
  }
  if (kind === 'metadata-mismatch') envelope = { ...envelope, metadata: { ...metadata, applicant: { ...metadata.applicant, name: `${metadata.applicant.name} (edited)` } } };
  return { pdf, envelope, metadata };
}

export type RecipientMode = 'ok' | 'http-503' | 'refuse' | 'reset' | 'bad-ack' | 'hang' | 'ack-lost';

export interface PushRecipient {
  /** Pass as the hub's `fetch`: the in-process recipient of push deliveries. */
  fetch: HubFetch;
  mode: RecipientMode;
  /** Every push seen (exchange id, attempt header, outcome given). */
  readonly seen: Array<{ exchangeId: string; attempt: number; answered: RecipientMode; pdf: Buffer }>;
  /** Exchange ids processed, once each (the recipient de-duplicates by exchange id). */
  readonly processed: Set<string>;
}

/** An in-process push recipient whose behaviour a test switches (mode). */
export function createPushRecipient(mode: RecipientMode = 'ok'): PushRecipient {
  const recipient: PushRecipient = {
    mode,
    seen: [],
    processed: new Set(),
    fetch: async (_url, init) => {
      const exchangeId = init.headers['x-ecert-exchange-id'] ?? '';
      const attempt = Number(init.headers['x-ecert-delivery-attempt']);
      const current = recipient.mode;
      const form = await new UndiciRequest('https://node.test/', { method: 'POST', body: init.body as FormData }).formData();
      const pdf = Buffer.from(await (form.get('document') as Blob).arrayBuffer());
      recipient.seen.push({ exchangeId, attempt, answered: current, pdf });
      const jsonAnswer = (status: number, body: unknown) => new UndiciResponse(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
      switch (current) {
        case 'refuse':
          throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
        case 'reset':
          throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
        case 'http-503':
          return jsonAnswer(503, { error: 'unavailable' });
        case 'bad-ack':
          return jsonAnswer(200, { acknowledged: 'someone-else' });
        case 'hang':
          return new Promise((_resolve, reject) => {
            init.signal?.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'TimeoutError' })), { once: true });
          });
        case 'ack-lost':
          // Processed, but the answer never arrives: the hub must retry, the recipient de-duplicates.
          recipient.processed.add(exchangeId);
          throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
        default:
          recipient.processed.add(exchangeId);
          return jsonAnswer(200, { acknowledged: exchangeId });
      }
    },
  };
  return recipient;
}

/** Register a country's anchors, signer and revoked signer at the hub (as the operator). */
export async function registerCountryTrust(operator: HttpHubClient, pki: TestPki, country: CountryCode): Promise<void> {
  const c = pki.country(country);
  await operator.registerAnchor({ country, certificatePem: c.root.pem, kind: 'anchor' });
  await operator.registerAnchor({ country, certificatePem: c.issuingCa.pem, kind: 'intermediate' });
  await operator.registerKey({ country, certificatePem: c.signer.pem, label: c.signer.label });
  const revoked = c.variant('revoked');
  await operator.registerKey({ country, certificatePem: revoked.pem, label: revoked.label });
  await operator.revokeKey(revoked.keyId, 'keyCompromise (test)');
}

export async function startTestbed(options: TestbedOptions = {}): Promise<Testbed> {
  const countries = options.countries ?? ['UZ', 'KG', 'PK'];
  const seed = options.seed ?? TESTBED_SEED;
  const pki = createTestPki({ seed, profiles: loadProfiles(countries) });
  const ownDir = options.hub?.dataDir ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'ecert-hub-test-'));
  const transport = options.transport ?? 'inject';
  const hub = await startReferenceHub({
    tls: hubTlsFromPki(pki.hub),
    listen: transport === 'https',
    testMode: true,
    retry: { attempts: 4, baseDelayMs: 50, factor: 2, maxDelayMs: 400, attemptTimeoutMs: 2_000 },
    ...options.hub,
    dataDir: options.hub?.dataDir ?? ownDir!,
  });
  const clientOptions: HubClientOptions = { transport, ...(options.onResponse ? { onResponse: options.onResponse } : {}) };
  const operator = hub.client('operator', clientOptions);
  for (const cc of countries) {
    await registerCountryTrust(operator, pki, cc);
    const callback = options.callbacks?.[cc];
    await operator.registerNode({ country: cc, certificatePem: pki.country(cc).node.pem, delivery: callback ? { mode: 'push', callbackUrl: callback } : { mode: 'pull' } });
  }
  const clients = new Map<string, HttpHubClient>();
  return {
    hub,
    pki,
    countries,
    operator,
    node(country, extra) {
      const c = pki.country(country).node;
      if (extra) return hub.client({ cert: c.pem, key: c.keyPem }, { ...clientOptions, ...extra });
      let client = clients.get(country);
      if (!client) {
        client = hub.client({ cert: c.pem, key: c.keyPem }, clientOptions);
        clients.set(country, client);
      }
      return client;
    },
    issue: (from, to, kind = 'genuine', extra = {}) => issueTestDocument(pki, { from, to, kind, at: new Date(hub.clock.now()), ...extra }),
    async close() {
      await hub.close();
      if (ownDir) fs.rmSync(ownDir, { recursive: true, force: true });
    },
  };
}
