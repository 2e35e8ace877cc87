import type { CheckName, CheckResultValue, CountryCode, DocumentType, Indication } from '../protocol/types.ts';
import type { Channel, ExchangeStatus, TimelineEntry } from '../protocol/hub-contract.ts';

// The run record: what `ecert run` / `ecert pilot` write into reports/out/<run-id>/.
//   evidence.jsonl  append-only, one EvidenceEvent per line, written as the run goes
//   results.json    RunResults, written at the end (validated against runner/results.schema.json)
// reports/ computes every KPI from these two files alone; every figure names the evidence
// lines (seq) it came from.

export { CASE_CATEGORIES, type CaseCategory } from '../scenarios/types.ts';
import type { CaseCategory } from '../scenarios/types.ts';
export type CaseStatus = 'passed' | 'failed' | 'skipped' | 'error';
/** Who is to blame for a failed case. */
export type Attribution = 'hub' | 'node' | 'network' | 'harness';
/** How bad a failure is; false-accept (a bad document accepted) is the worst. */
export type Severity = 'false-accept' | 'data-leak' | 'false-reject' | 'wrong-reason' | 'lost-exchange' | 'duplicate' | 'log-mismatch' | 'other';

export interface Localized {
  en: string;
  ru: string;
}

export interface RunInfo {
  runId: string;
  kind: 'catalog' | 'pilot';
  startedAt: string;
  endedAt?: string;
  seed: string;
  harness: { name: string; version: string; commit: string };
  hub: {
    mode: 'embedded' | 'remote';
    url: string;
    name: string;
    version: string;
    contractVersion: string;
    instanceId: string;
    capabilities: string[];
    defects: string[];
  };
  clock: { mode: 'real' | 'test'; startedAt: string };
  countries: CountryCode[];
  selection: Record<string, unknown>;
  environment: { node: string; platform: string; arch: string; cpus: number; hostname?: string };
  /** SHA-256 fingerprints of every certificate in the trust registry used by the run. */
  trustRegistry: { sha256: string; certificates: Array<{ country: CountryCode; role: 'anchor' | 'intermediate' | 'signer'; keyId?: string; status?: string; fingerprint256: string; subject: string }> };
  /** KPI-3 baseline from the config, in milliseconds per pair or overall. */
  kpi3Baseline?: { overallMs?: number; perPairMs?: Record<string, number>; source?: string };
  simulated: boolean;
}

interface EventBase {
  /** Line number in evidence.jsonl, starting at 1. */
  seq: number;
  at: string;
  caseId?: string;
}

export type EvidenceEvent =
  | (EventBase & { type: 'run-started'; run: RunInfo })
  /** Written by the worker once the hub and nodes are up: the hub's identity and the trust material in use. */
  | (EventBase & {
      type: 'environment-ready';
      hub: RunInfo['hub'];
      trustRegistry: RunInfo['trustRegistry'];
      nodes: Array<{ country: CountryCode; mock: boolean; delivery: 'push' | 'pull'; track: 'A' | 'B' }>;
      /** Last sequence number of each hub log before the run: this run's entries come after it (a real hub keeps history). */
      hubLogStart?: { exchange: number; audit: number };
      /** Hub clock minus harness clock at start (ms); the harness signs on hub time when they differ. */
      hubClockSkewMs?: number;
    })
  | (EventBase & {
      type: 'case-started';
      caseId: string;
      country: CountryCode;
      partner?: CountryCode;
      category: CaseCategory;
      title: Localized;
      /** The requirement in English (canonical), and in every language for the reports. */
      requirement: string;
      requirementText?: Localized;
      tags: string[];
    })
  | (EventBase & { type: 'step'; caseId: string; name: string; status: 'passed' | 'failed'; durationMs: number; detail?: string })
  | (EventBase & {
      type: 'document';
      caseId: string;
      documentId: string;
      sender: CountryCode;
      recipient: CountryCode;
      documentType: DocumentType;
      hsCode: string;
      /** false for deliberately bad documents (tampered, wrong key, expired, ...). */
      genuine: boolean;
      variant: string;
      sha256: string;
      size: number;
      issuedAt: string;
      /** Paths relative to the run directory. */
      file?: string;
      envelopeFile?: string;
    })
  | (EventBase & {
      type: 'verification';
      caseId: string;
      documentId: string;
      sha256: string;
      exchangeId?: string;
      /** Who verified: the harness itself, the hub at ingest, or the recipient / sender node. */
      verifier: 'harness' | 'hub' | 'recipient';
      node?: CountryCode;
      /** The verifying node is one of the harness's mock nodes (its verifier is the harness's own code). */
      mock?: boolean;
      sender: CountryCode;
      recipient: CountryCode;
      genuine: boolean;
      valid: boolean;
      indication: Indication;
      reasonCodes: string[];
      /** Per check: result, reason code and the parameters its localized explanation needs. */
      checks: Record<CheckName, { result: CheckResultValue; reasonCode?: string; params?: Record<string, string | number> }>;
      reportFile?: string;
    })
  | (EventBase & {
      type: 'exchange';
      caseId: string;
      exchangeId: string;
      sender: CountryCode;
      recipient: CountryCode;
      documentId: string;
      channel: Channel;
      genuine: boolean;
      finalStatus: ExchangeStatus;
      timeline: TimelineEntry[];
      issuedAt: string;
      decidedAt?: string;
      decision?: 'accepted' | 'refused';
      decisionReason?: string;
      deliveryAttempts: number;
      /** Hashes of the hub's exchange-log entries about this exchange. */
      hubLogHashes: string[];
      /** The case moved the hub's test clock by this much while the exchange was under way (its times are not real durations). */
      clockShiftedMs?: number;
    })
  | (EventBase & { type: 'hub-response'; caseId: string; request: string; status: number; code?: string; file?: string })
  | (EventBase & { type: 'fault'; caseId: string; node: CountryCode; fault: string; action: 'applied' | 'cleared'; params?: Record<string, unknown> })
  | (EventBase & {
      type: 'reconciliation';
      caseId: string;
      ok: boolean;
      hub: string[];
      sender: string[];
      recipient: string[];
      lost: string[];
      duplicated: string[];
    })
  | (EventBase & { type: 'log-chain'; log: 'exchange' | 'audit'; valid: boolean; entries: number; headHash: string; brokenAt?: number })
  /** A hub answer that does not match protocol/openapi.yaml. */
  | (EventBase & { type: 'contract-violation'; request: string; status: number; operationId?: string; errors: string[]; exchangeId?: string })
  /** How many hub answers were checked against the contract so far (written after each spec file). */
  | (EventBase & { type: 'contract-summary'; checked: number; violations: number })
  | (EventBase & { type: 'attachment'; caseId: string; name: string; file: string; contentType: string })
  | (EventBase & {
      type: 'case-finished';
      caseId: string;
      status: CaseStatus;
      durationMs: number;
      expected: Record<string, unknown>;
      observed: Record<string, unknown>;
      exchangeIds: string[];
      attribution?: Attribution;
      severity?: Severity;
      message?: string;
      skipReason?: string;
      /** The skip reason as a catalog code with parameters (runner/engine/findings.ts), for localized reports. */
      skip?: { code: string; params?: Record<string, string> };
    })
  | (EventBase & { type: 'run-finished'; summary: RunSummary; interrupted?: boolean });

export type EvidenceType = EvidenceEvent['type'];

export interface Counts {
  total: number;
  passed: number;
  failed: number;
  skipped: number;
  error: number;
}

export interface RunSummary extends Counts {
  byCountry: Record<CountryCode, Counts>;
  byCategory: Record<CaseCategory, Counts>;
  byCountryCategory: Record<CountryCode, Record<CaseCategory, Counts>>;
  falseAccepts: number;
  durationMs: number;
}

export interface CaseResult {
  id: string;
  country: CountryCode;
  partner?: CountryCode;
  category: CaseCategory;
  title: Localized;
  requirement: string;
  requirementText?: Localized;
  tags: string[];
  status: CaseStatus;
  expected: Record<string, unknown>;
  observed: Record<string, unknown>;
  durationMs: number;
  exchangeIds: string[];
  attribution?: Attribution;
  severity?: Severity;
  message?: string;
  skipReason?: string;
  skip?: { code: string; params?: Record<string, string> };
  /** The primary finding as a catalog code with parameters (runner/engine/findings.ts), for localized text. */
  finding?: { code: string; params: Record<string, string | number> };
  /** First and last evidence line of this case. */
  evidence: { firstSeq: number; lastSeq: number };
  attachments: string[];
}

export interface RunResults {
  format: 'ecert-results/1';
  run: RunInfo;
  cases: CaseResult[];
  summary: RunSummary;
  /** The run was stopped before every selected case ran (cases not run are listed as skipped). */
  interrupted?: boolean;
  /** The hub or a node could not be started or reached. */
  environmentError?: { message: string; hint?: string };
  /** Evidence lines that did not parse (a line torn by a crash). */
  damagedEvidenceLines?: number[];
  /** Hub answers checked against protocol/openapi.yaml; violations not tied to a case's exchange are listed. */
  contract?: { checked: number; violations: number; unattributed: Array<{ request: string; status: number; operationId?: string; errors: string[]; seq: number }> };
}
