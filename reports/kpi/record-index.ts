import type { CountryCode } from '../../protocol/types.ts';
import type { CaseStatus, EvidenceEvent } from '../../runner/record.ts';
import type { RunRecord } from '../run-record.ts';
import type { CaseFinding, EvidenceLink, Trace } from './types.ts';

// Lookups over the evidence that every KPI module needs: cases, documents, verifications and
// exchanges by case and document, and the evidence files of each case.

export type Ev<T extends EvidenceEvent['type']> = Extract<EvidenceEvent, { type: T }>;

export interface RecordIndex {
  record: RunRecord;
  countries: CountryCode[];
  caseStarted: Map<string, Ev<'case-started'>>;
  caseFinished: Map<string, Ev<'case-finished'>>;
  documents: Ev<'document'>[];
  verifications: Ev<'verification'>[];
  /** The last exchange event per exchange id, in evidence order. */
  exchanges: Map<string, Ev<'exchange'>>;
  /** Evidence files of each case, in evidence order. */
  links: Map<string, EvidenceLink[]>;
  /** Verifications and exchanges of one document within one case. */
  ofDocument(caseId: string, documentId: string): DocumentEvidence;
  caseStatus(caseId: string): CaseStatus | 'unfinished';
}

export interface DocumentEvidence {
  verifications: Ev<'verification'>[];
  /** The last exchange event per exchange id of this document. */
  exchanges: Ev<'exchange'>[];
}

const docKey = (caseId: string, documentId: string): string => `${caseId}\u0000${documentId}`;

export function indexRecord(record: RunRecord): RecordIndex {
  const caseStarted = new Map<string, Ev<'case-started'>>();
  const caseFinished = new Map<string, Ev<'case-finished'>>();
  const documents: Ev<'document'>[] = [];
  const verifications: Ev<'verification'>[] = [];
  const exchanges = new Map<string, Ev<'exchange'>>();
  const links = new Map<string, EvidenceLink[]>();
  const seen = new Set<string>(record.info.countries);
  const countries = [...record.info.countries];
  const addCountry = (c: CountryCode | undefined): void => {
    if (c && !seen.has(c)) {
      seen.add(c);
      countries.push(c);
    }
  };
  const link = (caseId: string, l: EvidenceLink): void => {
    const list = links.get(caseId) ?? [];
    list.push(l);
    links.set(caseId, list);
  };
  for (const e of record.events) {
    switch (e.type) {
      case 'case-started':
        caseStarted.set(e.caseId, e);
        addCountry(e.country);
        addCountry(e.partner);
        break;
      case 'case-finished':
        caseFinished.set(e.caseId, e);
        break;
      case 'document':
        documents.push(e);
        addCountry(e.sender);
        addCountry(e.recipient);
        if (e.file) link(e.caseId, { kind: 'document', path: e.file, seq: e.seq, label: e.documentId });
        if (e.envelopeFile) link(e.caseId, { kind: 'envelope', path: e.envelopeFile, seq: e.seq, label: e.documentId });
        break;
      case 'verification':
        verifications.push(e);
        // A mock node's report is the harness's verifier at work: labelled as such, not as a recipient.
        if (e.reportFile) link(e.caseId, { kind: 'verification', path: e.reportFile, seq: e.seq, label: e.verifier === 'recipient' && e.mock === true ? 'mock' : e.verifier });
        break;
      case 'exchange':
        exchanges.set(e.exchangeId, e);
        break;
      case 'hub-response':
        if (e.file) link(e.caseId, { kind: 'hub-response', path: e.file, seq: e.seq, label: `${e.request} → ${e.status}${e.code ? ` ${e.code}` : ''}` });
        break;
      case 'attachment':
        link(e.caseId, { kind: 'attachment', path: e.file, seq: e.seq, label: e.name });
        break;
      default:
        break;
    }
  }
  const byDocument = new Map<string, DocumentEvidence>();
  const entry = (caseId: string, documentId: string): DocumentEvidence => {
    const key = docKey(caseId, documentId);
    let found = byDocument.get(key);
    if (!found) byDocument.set(key, (found = { verifications: [], exchanges: [] }));
    return found;
  };
  for (const v of verifications) entry(v.caseId, v.documentId).verifications.push(v);
  for (const x of exchanges.values()) entry(x.caseId, x.documentId).exchanges.push(x);
  return {
    record,
    countries,
    caseStarted,
    caseFinished,
    documents,
    verifications,
    exchanges,
    links,
    ofDocument: (caseId, documentId) => byDocument.get(docKey(caseId, documentId)) ?? { verifications: [], exchanges: [] },
    caseStatus: (caseId) => caseFinished.get(caseId)?.status ?? 'unfinished',
  };
}

/** Evidence files of a case that concern one document (its file, envelope, verification reports) plus the case's hub responses. */
export function documentLinks(index: RecordIndex, caseId: string, documentId: string): EvidenceLink[] {
  const wanted = new Set<number>();
  for (const d of index.documents) if (d.caseId === caseId && d.documentId === documentId) wanted.add(d.seq);
  for (const v of index.ofDocument(caseId, documentId).verifications) wanted.add(v.seq);
  return (index.links.get(caseId) ?? []).filter((l) => wanted.has(l.seq) || l.kind === 'hub-response' || l.kind === 'attachment');
}

/** Collects the evidence of a figure; build() sorts and de-duplicates. */
export class TraceBuilder {
  readonly #seqs = new Set<number>();
  readonly #cases = new Set<string>();
  readonly #exchanges = new Set<string>();
  readonly #hashes = new Set<string>();

  add(item: { seq?: number; caseId?: string; exchangeId?: string; logHashes?: readonly string[] }): this {
    if (item.seq !== undefined) this.#seqs.add(item.seq);
    if (item.caseId) this.#cases.add(item.caseId);
    if (item.exchangeId) this.#exchanges.add(item.exchangeId);
    for (const h of item.logHashes ?? []) this.#hashes.add(h);
    return this;
  }

  build(): Trace {
    return {
      seqs: [...this.#seqs].sort((a, b) => a - b),
      caseIds: [...this.#cases].sort(),
      exchangeIds: [...this.#exchanges].sort(),
      logHashes: [...this.#hashes].sort(),
    };
  }
}

/** Every ordered pair of distinct countries, in country order. */
export function orderedPairs(countries: readonly CountryCode[]): Array<[CountryCode, CountryCode]> {
  return countries.flatMap((s) => countries.filter((r) => r !== s).map((r): [CountryCode, CountryCode] => [s, r]));
}

export const pairKey = (sender: CountryCode, recipient: CountryCode): string => `${sender}-${recipient}`;

/** The oracle's findings a case carries in observed.findings (case-finished, results.json) (anything malformed is skipped). */
export function findingsOf(observed: Record<string, unknown> | undefined): CaseFinding[] {
  const raw = observed?.findings;
  if (!Array.isArray(raw)) return [];
  const out: CaseFinding[] = [];
  for (const f of raw as unknown[]) {
    if (!f || typeof f !== 'object' || typeof (f as { code?: unknown }).code !== 'string') continue;
    const { code, severity, attribution, message, params } = f as Record<string, unknown>;
    out.push({
      code: code as string,
      ...(typeof severity === 'string' ? { severity: severity as CaseFinding['severity'] } : {}),
      ...(typeof attribution === 'string' ? { attribution: attribution as CaseFinding['attribution'] } : {}),
      ...(typeof message === 'string' ? { message } : {}),
      ...(params && typeof params === 'object' ? { params: params as Record<string, string | number> } : {}),
    });
  }
  return out;
}
