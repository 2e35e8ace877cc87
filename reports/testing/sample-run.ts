import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import canonicalize from 'canonicalize';
import type { CheckName, CheckResultValue, CountryCode, Indication, VerificationReport } from '../../protocol/types.ts';
import { CHECK_NAMES } from '../../protocol/types.ts';
import { REASON_CODES, type ReasonCode } from '../../protocol/reason-codes.ts';
import type { ExchangeStatus, LogEntry, TimelineEntry } from '../../protocol/hub-contract.ts';
import type { NodeLogEntry, NodeLogType } from '../../mock-nodes/log.ts';
import type {
  CaseCategory,
  CaseResult,
  CaseStatus,
  Counts,
  EvidenceEvent,
  RunInfo,
  RunResults,
  RunSummary,
  Severity,
  Attribution,
} from '../../runner/record.ts';
import { CASE_CATEGORIES } from '../../runner/record.ts';

// A synthetic run directory, made from a seed, for the reports' tests and benchmark while real
// runs are scarce. It writes what the runner writes (evidence.jsonl with every event type,
// results.json, the hub's and the nodes' logs, documents, verification reports, hub responses)
// and returns the ground truth it planted, so tests can hold the KPI engine against it.

export interface SampleRunOptions {
  seed?: string;
  countries?: CountryCode[];
  kind?: 'catalog' | 'pilot';
  /** Catalog runs: cases per country and category (default 6 each). */
  casesPerCategory?: number | Partial<Record<CaseCategory, number>>;
  /** Pilot runs: genuine exchanges per ordered country pair (default 10). */
  perPair?: number;
  /** Genuine documents whose hub or recipient verification fails a KPI-2 check. */
  sutFailures?: number;
  /** Bad documents the hub accepts. */
  falseAccepts?: number;
  /** Bad documents the hub rejects with another reason than the expected one. */
  wrongReasons?: number;
  /** Cases skipped for a missing hub capability. */
  skipped?: number;
  /** Cases that end in a harness error. */
  errors?: number;
  /** Genuine exchanges that end in FailedDelivery (no recipient verification, no decision). */
  deliveryFailures?: number;
  /** Exchanges left out of the recipient node's log (a log disagreement). */
  logMismatches?: number;
  simulated?: boolean;
  /** KPI-3 baseline for every exchange, ms (default 30 minutes). */
  baselineMs?: number;
  /** Stop before results.json and run-finished, as a run killed mid-way. */
  interrupted?: boolean;
  startedAt?: string;
  /** The recipients are real national nodes (their verifications count in KPI-2); default: the harness's mock nodes. */
  realRecipients?: boolean;
  /** A hub that keeps history: this many earlier exchanges are in its exported log before the run's. */
  hubHistory?: number;
  /** Hub clock minus harness clock at the start (remote hubs), recorded in environment-ready. */
  hubClockSkewMs?: number;
}

export interface SampleRunTruth {
  runDir: string;
  runId: string;
  countries: CountryCode[];
  cases: number;
  /** KPI-2: verifications of genuine documents by the hub or a real recipient node, in cases that did not error. */
  kpi2Denominator: number;
  kpi2Numerator: number;
  /** Verifications of genuine documents by the mock recipient nodes (outside KPI-2), in cases that did not error. */
  mockNodeVerifications: number;
  /** Verifications by the harness (the oracle), all cases that did not error. */
  harnessVerifications: number;
  /** Detection: bad documents with a hub verdict, in cases that did not error. */
  badWithVerdict: number;
  correctlyRejected: number;
  falseAcceptCases: string[];
  wrongReasonCases: string[];
  sutFailureCases: string[];
  skippedCases: string[];
  errorCases: string[];
  deliveryFailureExchanges: string[];
  logMismatchExchanges: string[];
  /** Exchanges in the hub's log per ordered pair "UZ-KG". */
  exchangesPerPair: Record<string, number>;
  exchanges: number;
  /** Processing time (ms) of every decided genuine exchange, per pair "UZ-KG". */
  decisionTimesPerPair: Record<string, number[]>;
}

const DEFAULT_COUNTRIES = ['UZ', 'AZ', 'KG', 'PK', 'TJ'];
const CATEGORY_CODE: Record<CaseCategory, string> = {
  standard: 'STD',
  'bad-signature': 'SIG',
  'expired-document': 'EXP',
  'connection-failure': 'NET',
};
const BAD_VARIANTS: Record<'bad-signature' | 'expired-document', Array<[string, ReasonCode]>> = {
  'bad-signature': [
    ['byte-flip', 'MESSAGE_DIGEST_MISMATCH'],
    ['metadata-edited', 'METADATA_MISMATCH'],
    ['unregistered-key', 'SIGNER_NOT_REGISTERED'],
    ['foreign-key', 'COUNTRY_MISMATCH'],
    ['revoked-key', 'SIGNER_REVOKED'],
    ['corrupted-cms', 'SIGNATURE_INVALID'],
    ['appended-update', 'BYTE_RANGE_INCOMPLETE'],
    ['weak-key', 'WEAK_ALGORITHM'],
  ],
  'expired-document': [
    ['expired-document', 'DOCUMENT_EXPIRED'],
    ['not-yet-valid-document', 'DOCUMENT_NOT_YET_VALID'],
    ['expired-signer-cert', 'SIGNER_CERT_EXPIRED_AT_SIGNING'],
    ['not-yet-valid-signer-cert', 'SIGNER_CERT_NOT_YET_VALID_AT_SIGNING'],
    ['future-signing-time', 'SIGNING_TIME_IN_FUTURE'],
  ],
};
const FAULTS = ['offline', 'slow', 'http-5xx', 'reset', 'response-lost'];
const SUT_FAILURE_CODES: ReasonCode[] = ['SIGNER_NOT_REGISTERED', 'MESSAGE_DIGEST_MISMATCH', 'METADATA_SCHEMA_INVALID', 'CHAIN_NOT_FOUND'];

/** mulberry32 seeded from SHA-256 of the seed: small, fast, deterministic. */
function rng(seed: string): () => number {
  let a = crypto.createHash('sha256').update(`sample-run\u0000${seed}`).digest().readUInt32BE(0);
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sha256 = (data: string | Uint8Array): string => crypto.createHash('sha256').update(data).digest('hex');
const pairKey = (s: CountryCode, r: CountryCode): string => `${s}-${r}`;

interface PlannedCase {
  id: string;
  country: CountryCode;
  partner: CountryCode;
  category: CaseCategory;
  variant: string;
  expectedReason?: ReasonCode;
  genuine: boolean;
  outcome:
    | 'ok'
    | 'sut-failure-hub'
    | 'sut-failure-recipient'
    | 'false-accept'
    | 'wrong-reason'
    | 'skipped'
    | 'error'
    | 'delivery-failed';
  logMismatch: boolean;
}

/** Write a sample run directory under `parent` and return what it contains. */
export function writeSampleRun(parent: string, options: SampleRunOptions = {}): SampleRunTruth {
  const seed = options.seed ?? 'sample';
  const random = rng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const countries = options.countries ?? DEFAULT_COUNTRIES;
  const kind = options.kind ?? 'catalog';
  const startedAt = new Date(options.startedAt ?? '2026-03-02T08:00:00.000Z');
  const runId = `${startedAt.toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-')}-${seed}`;
  const runDir = path.join(parent, runId);
  fs.mkdirSync(runDir, { recursive: true });

  // --- plan the cases -------------------------------------------------------------------------
  const planned: PlannedCase[] = [];
  if (kind === 'catalog') {
    const per = (c: CaseCategory): number =>
      typeof options.casesPerCategory === 'number' ? options.casesPerCategory : (options.casesPerCategory?.[c] ?? 6);
    for (const [ci, country] of countries.entries()) {
      const partners = countries.filter((c) => c !== country);
      for (const category of CASE_CATEGORIES) {
        for (let n = 1; n <= per(category); n++) {
          const partner = partners[(ci + n - 1) % Math.max(1, partners.length)] ?? country;
          const bad = category === 'bad-signature' || category === 'expired-document' ? BAD_VARIANTS[category] : null;
          const [variant, expectedReason] = bad ? bad[(n - 1) % bad.length]! : ['genuine', undefined];
          planned.push({
            id: `${country}-${CATEGORY_CODE[category]}-${String(n).padStart(2, '0')}`,
            country,
            partner,
            category,
            variant,
            ...(expectedReason ? { expectedReason } : {}),
            genuine: !bad,
            outcome: 'ok',
            logMismatch: false,
          });
        }
      }
    }
  } else {
    const perPair = options.perPair ?? 10;
    for (const sender of countries) {
      for (const recipient of countries) {
        if (sender === recipient) continue;
        for (let n = 1; n <= perPair; n++) {
          planned.push({
            id: `PILOT-${sender}-${recipient}-${String(n).padStart(3, '0')}`,
            country: sender,
            partner: recipient,
            category: 'standard',
            variant: 'genuine',
            genuine: true,
            outcome: 'ok',
            logMismatch: false,
          });
        }
      }
    }
  }

  // Plant the requested defects on distinct cases, chosen by the seed.
  const used = new Set<string>();
  const plant = (count: number | undefined, eligible: (c: PlannedCase) => boolean, apply: (c: PlannedCase) => void): void => {
    const pool = planned.filter((c) => !used.has(c.id) && eligible(c));
    for (let i = 0; i < (count ?? 0) && pool.length > 0; i++) {
      const chosen = pool.splice(Math.floor(random() * pool.length), 1)[0]!;
      used.add(chosen.id);
      apply(chosen);
    }
  };
  const isBad = (c: PlannedCase): boolean => !c.genuine;
  plant(options.falseAccepts, isBad, (c) => (c.outcome = 'false-accept'));
  plant(options.wrongReasons, isBad, (c) => (c.outcome = 'wrong-reason'));
  // A mock recipient is the harness's own verifier, not the system under test: only the hub can fail then.
  plant(options.sutFailures, (c) => c.genuine, (c) => (c.outcome = random() < 0.5 && options.realRecipients ? 'sut-failure-recipient' : 'sut-failure-hub'));
  plant(options.deliveryFailures, (c) => c.genuine && (c.category === 'connection-failure' || kind === 'pilot'), (c) => (c.outcome = 'delivery-failed'));
  plant(options.skipped, (c) => c.category === 'expired-document' || kind === 'pilot', (c) => (c.outcome = 'skipped'));
  plant(options.errors, () => true, (c) => (c.outcome = 'error'));
  plant(options.logMismatches, (c) => c.genuine, (c) => (c.logMismatch = true));

  // --- the run ----------------------------------------------------------------------------------
  let clock = startedAt.getTime();
  const tick = (ms: number): string => {
    clock += Math.max(1, Math.round(ms));
    return new Date(clock).toISOString();
  };
  const fingerprint = (label: string): string => sha256(`${seed}/${label}`).toUpperCase().match(/../g)!.join(':');
  const run: RunInfo = {
    runId,
    kind,
    startedAt: startedAt.toISOString(),
    seed,
    harness: { name: 'ecert-harness', version: '0.1.0', commit: sha256(`commit/${seed}`).slice(0, 12) },
    hub: {
      mode: 'embedded',
      url: 'https://127.0.0.1:8443',
      name: 'ecert-reference-hub',
      version: '0.1.0',
      contractVersion: '1.0.0',
      instanceId: sha256(`hub/${seed}`).slice(0, 16),
      capabilities: ['test-clock', 'defect-switches'],
      defects: options.falseAccepts ? ['accept-tampered'] : [],
    },
    clock: { mode: 'test', startedAt: startedAt.toISOString() },
    countries,
    selection: kind === 'pilot' ? { perPair: options.perPair ?? 10 } : { categories: [...CASE_CATEGORIES] },
    environment: { node: 'v20.20.2', platform: 'linux', arch: 'x64', cpus: 2 },
    trustRegistry: {
      sha256: sha256(`trust/${seed}`),
      certificates: countries.flatMap((c) => [
        { country: c, role: 'anchor' as const, fingerprint256: fingerprint(`${c}/root`), subject: `CN=${c} Test Root CA,C=${c}` },
        { country: c, role: 'intermediate' as const, fingerprint256: fingerprint(`${c}/ca`), subject: `CN=${c} Test Issuing CA,C=${c}` },
        {
          country: c,
          role: 'signer' as const,
          keyId: `${c}:${sha256(`${seed}/${c}/signer`).slice(0, 16)}`,
          status: 'active',
          fingerprint256: fingerprint(`${c}/signer`),
          subject: `CN=${c} National Standards Body Signer,O=${c} Standards,C=${c}`,
        },
      ]),
    },
    kpi3Baseline: { overallMs: options.baselineMs ?? 30 * 60_000, source: 'sample baseline: paper process, 30 minutes per exchange' },
    simulated: options.simulated ?? true,
  };

  const events: EvidenceEvent[] = [];
  type NoSeq<T> = T extends unknown ? Omit<T, 'seq'> : never;
  const emit = (event: NoSeq<EvidenceEvent>): EvidenceEvent => {
    const full = { seq: events.length + 1, ...event } as EvidenceEvent;
    events.push(full);
    return full;
  };
  const hubLog: LogEntry[] = [];
  const auditLog: LogEntry[] = [];
  const appendLog = (log: LogEntry[], entry: Omit<LogEntry, 'seq' | 'prevHash' | 'hash'>): LogEntry => {
    const prevHash = log.at(-1)?.hash ?? '0'.repeat(64);
    const body = { seq: log.length + 1, ...entry, prevHash };
    const full: LogEntry = { ...body, hash: sha256(prevHash + canonicalize(body)) };
    log.push(full);
    return full;
  };
  const nodeLogs = new Map<CountryCode, NodeLogEntry[]>(countries.map((c) => [c, []]));
  const nodeLog = (node: CountryCode, type: NodeLogType, at: string, exchangeId?: string, data: Record<string, unknown> = {}): void => {
    const log = nodeLogs.get(node)!;
    log.push({ seq: log.length + 1, at, node, type, ...(exchangeId ? { exchangeId } : {}), data });
  };
  const write = (rel: string, content: string | Uint8Array): void => {
    const file = path.join(runDir, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  };

  const truth: SampleRunTruth = {
    runDir,
    runId,
    countries,
    cases: planned.length,
    kpi2Denominator: 0,
    kpi2Numerator: 0,
    mockNodeVerifications: 0,
    harnessVerifications: 0,
    badWithVerdict: 0,
    correctlyRejected: 0,
    falseAcceptCases: [],
    wrongReasonCases: [],
    sutFailureCases: [],
    skippedCases: [],
    errorCases: [],
    deliveryFailureExchanges: [],
    logMismatchExchanges: [],
    exchangesPerPair: {},
    exchanges: 0,
    decisionTimesPerPair: {},
  };

  emit({ type: 'run-started', at: run.startedAt, run });
  // A hub with history: earlier exchanges already in its log, before this run's.
  for (let i = 1; i <= (options.hubHistory ?? 0); i++) {
    const at = new Date(startedAt.getTime() - (options.hubHistory! - i + 1) * 3_600_000).toISOString();
    appendLog(hubLog, { at, type: 'exchange.received', actor: `node:${countries[0]}`, exchangeId: `old-${i}`, data: { sender: countries[0], recipient: countries[1] ?? countries[0] } });
  }
  emit({
    type: 'environment-ready',
    at: tick(50),
    hub: run.hub,
    trustRegistry: run.trustRegistry,
    nodes: countries.map((country, i) => ({ country, mock: !options.realRecipients, delivery: i % 2 ? 'pull' : 'push', track: i % 2 ? 'B' : 'A' })),
    ...(options.hubHistory !== undefined ? { hubLogStart: { exchange: hubLog.at(-1)?.seq ?? 0, audit: 0 } } : {}),
    ...(options.hubClockSkewMs !== undefined ? { hubClockSkewMs: options.hubClockSkewMs } : {}),
  });
  const results: CaseResult[] = [];
  let docCounter = 0;

  const checksFor = (failing?: ReasonCode): Record<CheckName, { result: CheckResultValue; reasonCode?: string }> => {
    const checks = Object.fromEntries(CHECK_NAMES.map((c) => [c, { result: 'passed' as CheckResultValue }])) as Record<
      CheckName,
      { result: CheckResultValue; reasonCode?: string }
    >;
    if (failing) {
      const info = REASON_CODES[failing];
      checks[info.check] = { result: 'indeterminate' in info && info.indeterminate ? 'indeterminate' : 'failed', reasonCode: failing };
    }
    return checks;
  };
  const indicationOf = (failing?: ReasonCode): Indication =>
    !failing ? 'TOTAL_PASSED' : 'indeterminate' in REASON_CODES[failing] ? 'INDETERMINATE' : 'TOTAL_FAILED';

  for (const c of planned) {
    const caseStart = tick(200 + random() * 800);
    const sender = c.category === 'connection-failure' && kind === 'catalog' && random() < 0.3 ? c.partner : c.country;
    const recipient = sender === c.country ? c.partner : c.country;
    const title = {
      en: `${c.category === 'standard' ? 'Issue → exchange → verify → accept' : c.category === 'connection-failure' ? `Delivery despite fault` : `Rejects ${c.variant}`} (${sender} → ${recipient})`,
      ru: `${c.category === 'standard' ? 'Выдача → обмен → проверка → принятие' : c.category === 'connection-failure' ? 'Доставка несмотря на сбой' : `Отклонение: ${c.variant}`} (${sender} → ${recipient})`,
    };
    const requirement = `C.3 ${c.category === 'standard' ? 'standard scenario' : `exception: ${c.category}`}`;
    const tags = [c.category, `pair:${pairKey(sender, recipient)}`];
    const startEvent = emit({ type: 'case-started', at: caseStart, caseId: c.id, country: c.country, partner: c.partner, category: c.category, title, requirement, tags });
    const attachments: string[] = [];
    const exchangeIds: string[] = [];
    const expected: Record<string, unknown> = {
      oracle: c.genuine ? 'valid' : c.expectedReason,
      hub: c.genuine ? { status: 'Accepted' } : { status: 'Rejected', reasonCode: c.expectedReason },
      recipient: c.genuine ? { decision: 'accepted' } : 'not-delivered',
    };
    let status: CaseStatus = 'passed';
    let severity: Severity | undefined;
    let attribution: Attribution | undefined;
    let message: string | undefined;
    let skipReason: string | undefined;
    const observed: Record<string, unknown> = {};

    if (c.outcome === 'skipped') {
      skipReason = 'the hub lacks capability test-clock';
      status = 'skipped';
      truth.skippedCases.push(c.id);
    } else {
      if (c.category === 'connection-failure') {
        emit({ type: 'fault', at: tick(5), caseId: c.id, node: recipient, fault: pick(FAULTS), action: 'applied', params: { calls: 2 } });
      }
      // issue
      const documentId = `${sender}.SMT.COC.2026.${String(++docCounter).padStart(6, '0')}`;
      const issuedAt = tick(50 + random() * 200);
      const pdf = Buffer.from(
        `%PDF-1.7\n% synthetic e-CERT document ${documentId} (${c.variant}) seed ${seed}\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n`,
      );
      const docSha = sha256(pdf);
      const docRel = `documents/${c.id}/${documentId}.pdf`;
      const envRel = `documents/${c.id}/${documentId}.envelope.json`;
      write(docRel, pdf);
      write(envRel, JSON.stringify({ envelopeVersion: '1.0', file: { mediaType: 'application/pdf', size: pdf.length, sha256: docSha }, documentId }, null, 2));
      emit({ type: 'step', at: tick(20), caseId: c.id, name: 'issue', status: 'passed', durationMs: 20 });
      emit({
        type: 'document',
        at: issuedAt,
        caseId: c.id,
        documentId,
        sender,
        recipient,
        documentType: 'coc',
        hsCode: '081310',
        genuine: c.genuine,
        variant: c.variant,
        sha256: docSha,
        size: pdf.length,
        issuedAt,
        file: docRel,
        envelopeFile: envRel,
      });
      const verification = (verifier: 'harness' | 'hub' | 'recipient', failing: ReasonCode | undefined, exchangeId?: string): void => {
        const rel = `verifications/${c.id}/${verifier}-${documentId}.json`;
        const checks = checksFor(failing);
        const report: VerificationReport = {
          valid: !failing,
          indication: indicationOf(failing),
          reasonCodes: failing ? [failing] : [],
          checks: Object.fromEntries(
            CHECK_NAMES.map((n) => [n, { ...checks[n], indication: checks[n].result === 'passed' ? 'TOTAL_PASSED' : indicationOf(failing), detail: checks[n].result }]),
          ) as VerificationReport['checks'],
          verifiedAt: new Date(clock).toISOString(),
          policy: 'score-full',
          document: { documentId, documentType: 'coc', issuingCountry: sender, sha256: docSha, size: pdf.length },
        };
        write(rel, JSON.stringify(report, null, 2));
        emit({
          type: 'verification',
          at: tick(3),
          caseId: c.id,
          documentId,
          sha256: docSha,
          ...(exchangeId ? { exchangeId } : {}),
          verifier,
          ...(verifier === 'recipient' ? { node: recipient, mock: !options.realRecipients } : {}),
          sender,
          recipient,
          genuine: c.genuine,
          valid: !failing,
          indication: indicationOf(failing),
          reasonCodes: failing ? [failing] : [],
          checks,
          reportFile: rel,
        });
      };
      const errorCase = c.outcome === 'error';
      verification('harness', c.genuine ? undefined : c.expectedReason);
      if (!errorCase) truth.harnessVerifications++;

      // submit
      const exchangeId = `ex-${sha256(`${seed}/${c.id}`).slice(0, 12)}`;
      exchangeIds.push(exchangeId);
      nodeLog(sender, 'send-attempt', tick(2), undefined, { documentId, idempotencyKey: `${c.id}-1` });
      const submittedAt = tick(15);
      appendLog(hubLog, { at: submittedAt, type: 'exchange.received', actor: `node:${sender}`, exchangeId, data: { sender, recipient, documentId, sha256: docSha } });
      nodeLog(sender, 'sent', submittedAt, exchangeId, { documentId });
      write(`hub-responses/${c.id}/01-submit.json`, JSON.stringify({ status: 201, body: { exchangeId, status: 'Received' } }, null, 2));
      emit({ type: 'hub-response', at: submittedAt, caseId: c.id, request: 'POST /v1/exchanges', status: 201, file: `hub-responses/${c.id}/01-submit.json` });
      attachments.push(`hub-responses/${c.id}/01-submit.json`);
      truth.exchanges++;
      truth.exchangesPerPair[pairKey(sender, recipient)] = (truth.exchangesPerPair[pairKey(sender, recipient)] ?? 0) + 1;

      // the hub's verdict
      let hubFailing: ReasonCode | undefined;
      if (!c.genuine) {
        hubFailing = c.outcome === 'false-accept' ? undefined : c.outcome === 'wrong-reason' ? wrongReasonFor(c.expectedReason!) : c.expectedReason;
      } else if (c.outcome === 'sut-failure-hub') {
        hubFailing = pick(SUT_FAILURE_CODES);
      }
      verification('hub', hubFailing, exchangeId);
      const timeline: TimelineEntry[] = [{ status: 'Received', at: submittedAt }];
      let finalStatus: ExchangeStatus;
      let decision: 'accepted' | 'refused' | undefined;
      let decidedAt: string | undefined;
      let deliveryAttempts = 0;
      if (hubFailing) {
        const at = tick(8);
        timeline.push({ status: 'Rejected', at, reasonCodes: [hubFailing] });
        appendLog(hubLog, { at, type: 'exchange.rejected', actor: 'hub', exchangeId, data: { reasonCodes: [hubFailing] } });
        write(`hub-responses/${c.id}/02-status.json`, JSON.stringify({ status: 200, body: { exchangeId, status: 'Rejected', reasonCodes: [hubFailing] } }, null, 2));
        emit({ type: 'hub-response', at, caseId: c.id, request: `GET /v1/exchanges/${exchangeId}`, status: 200, file: `hub-responses/${c.id}/02-status.json` });
        finalStatus = 'Rejected';
      } else {
        const at = tick(8);
        timeline.push({ status: 'Verified', at }, { status: 'PendingDelivery', at });
        appendLog(hubLog, { at, type: 'exchange.verified', actor: 'hub', exchangeId, data: {} });
        deliveryAttempts = c.category === 'connection-failure' ? 3 : 1;
        if (c.outcome === 'delivery-failed') {
          for (let a = 1; a <= 5; a++) appendLog(hubLog, { at: tick(1000), type: 'exchange.delivery-attempt', actor: 'hub', exchangeId, data: { attempt: a, outcome: 'error', error: 'ECONNREFUSED' } });
          deliveryAttempts = 5;
          const failedAt = tick(10);
          timeline.push({ status: 'FailedDelivery', at: failedAt });
          appendLog(hubLog, { at: failedAt, type: 'exchange.failed-delivery', actor: 'hub', exchangeId, data: {} });
          finalStatus = 'FailedDelivery';
          truth.deliveryFailureExchanges.push(exchangeId);
        } else {
          for (let a = 1; a <= deliveryAttempts; a++) {
            appendLog(hubLog, { at: tick(300), type: 'exchange.delivery-attempt', actor: 'hub', exchangeId, data: { attempt: a, outcome: a === deliveryAttempts ? 'ok' : 'error' } });
          }
          const deliveredAt = tick(30);
          timeline.push({ status: 'Delivered', at: deliveredAt });
          appendLog(hubLog, { at: deliveredAt, type: 'exchange.delivered', actor: 'hub', exchangeId, data: {} });
          if (!c.logMismatch) nodeLog(recipient, 'received', deliveredAt, exchangeId, { taken: true, attempt: deliveryAttempts });
          else truth.logMismatchExchanges.push(exchangeId);
          // the recipient verifies independently: it catches a bad document the hub let through
          const recipientFailing = !c.genuine ? c.expectedReason : c.outcome === 'sut-failure-recipient' ? pick(SUT_FAILURE_CODES) : undefined;
          verification('recipient', recipientFailing, exchangeId);
          if (!c.logMismatch) nodeLog(recipient, 'verified', tick(2), exchangeId, { valid: !recipientFailing });
          decision = recipientFailing ? 'refused' : 'accepted';
          // processing time: minutes, pair-dependent so the per-pair figures differ
          const pairBias = (sender.charCodeAt(0) + recipient.charCodeAt(1)) % 7;
          clock = Date.parse(issuedAt) + Math.round((4 + pairBias * 3 + random() * 10) * 60_000);
          decidedAt = new Date(clock).toISOString();
          const st: ExchangeStatus = decision === 'accepted' ? 'Accepted' : 'Refused';
          timeline.push({ status: st, at: decidedAt, ...(recipientFailing ? { reasonCodes: [recipientFailing] } : {}) });
          appendLog(hubLog, { at: decidedAt, type: 'exchange.decided', actor: `node:${recipient}`, exchangeId, data: { decision, ...(recipientFailing ? { reasonCode: recipientFailing } : {}) } });
          if (!c.logMismatch) nodeLog(recipient, 'decided', decidedAt, exchangeId, { decision });
          finalStatus = st;
          if (c.genuine && !errorCase) {
            (truth.decisionTimesPerPair[pairKey(sender, recipient)] ??= []).push(Date.parse(decidedAt) - Date.parse(issuedAt));
          }
        }
      }
      emit({
        type: 'exchange',
        at: tick(1),
        caseId: c.id,
        exchangeId,
        sender,
        recipient,
        documentId,
        channel: kind === 'pilot' || random() < 0.6 ? 'api' : 'upload',
        genuine: c.genuine,
        finalStatus,
        timeline,
        issuedAt,
        ...(decidedAt ? { decidedAt } : {}),
        ...(decision ? { decision } : {}),
        ...(decision === 'refused' ? { decisionReason: 'verification failed' } : {}),
        deliveryAttempts,
        hubLogHashes: hubLog.filter((e) => e.exchangeId === exchangeId).map((e) => e.hash),
      });
      if (c.category === 'connection-failure') {
        emit({ type: 'fault', at: tick(5), caseId: c.id, node: recipient, fault: 'cleared', action: 'cleared' });
      }
      emit({
        type: 'reconciliation',
        at: tick(2),
        caseId: c.id,
        ok: !c.logMismatch,
        hub: [exchangeId],
        sender: [exchangeId],
        recipient: c.logMismatch || !decision ? [] : [exchangeId],
        lost: c.logMismatch ? [exchangeId] : [],
        duplicated: [],
      });

      // tally the ground truth
      if (!errorCase) {
        if (c.genuine) {
          truth.kpi2Denominator += 1; // hub
          if (c.outcome !== 'sut-failure-hub') truth.kpi2Numerator += 1;
          if (!hubFailing && finalStatus !== 'FailedDelivery') {
            if (!options.realRecipients) truth.mockNodeVerifications += 1;
            else {
              truth.kpi2Denominator += 1; // recipient
              if (c.outcome !== 'sut-failure-recipient') truth.kpi2Numerator += 1;
            }
          }
        } else {
          truth.badWithVerdict++;
          if (hubFailing === c.expectedReason) truth.correctlyRejected++;
        }
      }
      observed.hub = { status: finalStatus, ...(hubFailing ? { reasonCodes: [hubFailing] } : {}) };
      observed.recipient = decision ? { decision } : 'not-delivered';

      // verdict of the case
      if (errorCase) {
        status = 'error';
        attribution = 'harness';
        message = 'harness error: timed out waiting for the mock node to settle';
        truth.errorCases.push(c.id);
      } else if (c.outcome === 'false-accept') {
        status = 'failed';
        severity = 'false-accept';
        attribution = 'hub';
        message = `the hub accepted a bad document (${c.variant}); expected rejection with ${c.expectedReason}`;
        truth.falseAcceptCases.push(c.id);
      } else if (c.outcome === 'wrong-reason') {
        status = 'failed';
        severity = 'wrong-reason';
        attribution = 'hub';
        message = `the hub rejected with ${hubFailing}; expected ${c.expectedReason}`;
        truth.wrongReasonCases.push(c.id);
      } else if (c.outcome === 'sut-failure-hub' || c.outcome === 'sut-failure-recipient') {
        status = 'failed';
        severity = 'false-reject';
        attribution = c.outcome === 'sut-failure-hub' ? 'hub' : 'node';
        message = `a genuine document was not verified successfully by the ${c.outcome === 'sut-failure-hub' ? 'hub' : 'recipient'}`;
        truth.sutFailureCases.push(c.id);
      } else if (c.logMismatch) {
        status = 'failed';
        severity = 'log-mismatch';
        attribution = 'node';
        message = `exchange ${exchangeId} is in the hub's log but not in the recipient's log`;
      }
      emit({ type: 'step', at: tick(5), caseId: c.id, name: 'check outcome', status: status === 'passed' ? 'passed' : 'failed', durationMs: 5 });
    }

    const finishedAt = tick(10);
    const durationMs = Date.parse(finishedAt) - Date.parse(caseStart);
    const finish = emit({
      type: 'case-finished',
      at: finishedAt,
      caseId: c.id,
      status,
      durationMs,
      expected,
      observed,
      exchangeIds,
      ...(attribution ? { attribution } : {}),
      ...(severity ? { severity } : {}),
      ...(message ? { message } : {}),
      ...(skipReason ? { skipReason } : {}),
    });
    results.push({
      id: c.id,
      country: c.country,
      partner: c.partner,
      category: c.category,
      title,
      requirement,
      tags,
      status,
      expected,
      observed,
      durationMs,
      exchangeIds,
      ...(attribution ? { attribution } : {}),
      ...(severity ? { severity } : {}),
      ...(message ? { message } : {}),
      ...(skipReason ? { skipReason } : {}),
      evidence: { firstSeq: startEvent.seq, lastSeq: finish.seq },
      attachments,
    });
    if (options.interrupted && results.length >= Math.ceil(planned.length / 2)) break;
  }

  // log chain checks and the end of the run
  const endedAt = tick(100);
  if (!options.interrupted) {
    emit({ type: 'log-chain', at: endedAt, log: 'exchange', valid: true, entries: hubLog.length, headHash: hubLog.at(-1)?.hash ?? '' });
    appendLog(auditLog, { at: endedAt, type: 'log.exported', actor: 'operator', data: { entries: hubLog.length } });
    emit({ type: 'log-chain', at: endedAt, log: 'audit', valid: true, entries: auditLog.length, headHash: auditLog.at(-1)?.hash ?? '' });
  }
  const summary = summarize(results, countries, Date.parse(endedAt) - startedAt.getTime());
  if (!options.interrupted) emit({ type: 'run-finished', at: endedAt, summary });

  // A run killed mid-write leaves half a line at the end of the evidence.
  const torn = options.interrupted ? '{"seq":' + (events.length + 1) + ',"type":"step","at":"' : '';
  write('evidence.jsonl', events.map((e) => `${JSON.stringify(e)}\n`).join('') + torn);
  write('logs/hub-exchange-log.jsonl', hubLog.map((e) => `${JSON.stringify(e)}\n`).join(''));
  write('logs/hub-audit-log.jsonl', auditLog.map((e) => `${JSON.stringify(e)}\n`).join(''));
  for (const [node, log] of nodeLogs) write(`logs/node-${node}.jsonl`, log.map((e) => `${JSON.stringify(e)}\n`).join(''));
  if (!options.interrupted) {
    const resultsFile: RunResults = { format: 'ecert-results/1', run: { ...run, endedAt }, cases: results, summary };
    write('results.json', `${JSON.stringify(resultsFile, null, 2)}\n`);
    write('junit.xml', junit(results));
  }
  truth.cases = results.length;
  return truth;
}

function wrongReasonFor(expected: ReasonCode): ReasonCode {
  return expected === 'SIGNATURE_INVALID' ? 'CMS_MALFORMED' : 'SIGNATURE_INVALID';
}

function emptyCounts(): Counts {
  return { total: 0, passed: 0, failed: 0, skipped: 0, error: 0 };
}

function summarize(cases: CaseResult[], countries: CountryCode[], durationMs: number): RunSummary {
  const summary: RunSummary = {
    ...emptyCounts(),
    byCountry: Object.fromEntries(countries.map((c) => [c, emptyCounts()])),
    byCategory: Object.fromEntries(CASE_CATEGORIES.map((c) => [c, emptyCounts()])) as Record<CaseCategory, Counts>,
    byCountryCategory: Object.fromEntries(
      countries.map((c) => [c, Object.fromEntries(CASE_CATEGORIES.map((k) => [k, emptyCounts()])) as Record<CaseCategory, Counts>]),
    ),
    falseAccepts: 0,
    durationMs,
  };
  for (const c of cases) {
    for (const counts of [summary, summary.byCountry[c.country]!, summary.byCategory[c.category], summary.byCountryCategory[c.country]![c.category]]) {
      counts.total++;
      counts[c.status]++;
    }
    if (c.severity === 'false-accept') summary.falseAccepts++;
  }
  return summary;
}

function junit(cases: CaseResult[]): string {
  const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
  const body = cases
    .map((c) => {
      const inner =
        c.status === 'failed'
          ? `<failure message="${esc(c.message ?? '')}"/>`
          : c.status === 'skipped'
            ? `<skipped message="${esc(c.skipReason ?? '')}"/>`
            : c.status === 'error'
              ? `<error message="${esc(c.message ?? '')}"/>`
              : '';
      return `  <testcase classname="${c.country}.${c.category}" name="${esc(c.id)}" time="${(c.durationMs / 1000).toFixed(3)}">${inner}</testcase>`;
    })
    .join('\n');
  const failures = cases.filter((c) => c.status === 'failed').length;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="ecert" tests="${cases.length}" failures="${failures}">\n${body}\n</testsuite>\n`;
}
