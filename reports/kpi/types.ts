import type { CheckName, CheckResultValue, CountryCode } from '../../protocol/types.ts';
import type { ExchangeStatus } from '../../protocol/hub-contract.ts';
import type { Attribution, CaseCategory, CaseStatus, Counts, Localized, RunInfo, Severity } from '../../runner/record.ts';
import type { RecordProblem } from '../run-record.ts';
import type { Interval } from './stats.ts';

// What the KPI engine computes. Every figure carries the evidence it was computed from (Trace),
// so the reports can say "computed from evidence lines 12, 57, ...; cases UZ-STD-01, ...".

export interface Trace {
  /** evidence.jsonl line numbers (seq). */
  seqs: number[];
  caseIds: string[];
  exchangeIds: string[];
  /** Hashes of hub exchange-log entries. */
  logHashes: string[];
}

/** A success rate against a target (KPI-2, detection). */
export interface RateFigure {
  numerator: number;
  denominator: number;
  /** null: no data (zero denominator), never shown as 0 % or 100 %. */
  rate: number | null;
  /** Wilson 95 % interval; null with no data. */
  interval: Interval | null;
  /** Target in percent (95 for KPI-2, 100 for detection). */
  targetPercent: number;
  /** Point estimate meets the target; null with no data. */
  targetMet: boolean | null;
  /** The interval's lower bound meets the target too (the figure clears it with 95 % confidence). */
  lowerBoundMet: boolean | null;
  trace: Trace;
  /** Ids of the items counted against the figure (KPI-2 failures, detection misses). */
  misses: string[];
}

/** The system under test: the hub, and a recipient that is a real national node (never one of the harness's mock nodes). */
export type SutVerifier = 'hub' | 'recipient';

/** One verification of a genuine document by the system under test that did not pass every KPI-2 check. */
export interface Kpi2Failure {
  /** Stable id: `v<seq>`. */
  id: string;
  seq: number;
  caseId: string;
  documentId: string;
  exchangeId?: string;
  verifier: SutVerifier;
  node?: CountryCode;
  sender: CountryCode;
  recipient: CountryCode;
  /** KPI-2 checks that did not pass, with what they said. */
  checks: Array<{ check: CheckName; result: CheckResultValue; reasonCode?: string }>;
  reasonCodes: string[];
  evidence: EvidenceLink[];
}

export interface PairFigure<F> {
  sender: CountryCode;
  recipient: CountryCode;
  figure: F;
}

export interface Kpi2Result {
  targetPercent: number;
  checks: readonly CheckName[];
  overall: RateFigure;
  byVerifier: Record<SutVerifier, RateFigure>;
  bySender: Record<CountryCode, RateFigure>;
  byRecipient: Record<CountryCode, RateFigure>;
  /** Every ordered pair of the run's countries, in country order. */
  byPair: PairFigure<RateFigure>[];
  byCheck: Record<CheckName, RateFigure>;
  failures: Kpi2Failure[];
  /** The harness's own verifications of genuine documents: the oracle, outside KPI-2. */
  oracle: RateFigure;
  /** Verifications of genuine documents by the harness's mock recipient nodes (the harness's own verifier), outside KPI-2. */
  mockNodes: RateFigure;
  /** Where the oracle and the system under test disagree about a document. */
  disagreements: Array<{ caseId: string; documentId: string; verifier: SutVerifier; oracleValid: boolean; sutValid: boolean; seqs: number[] }>;
}

/**
 * accepted: the hub let it through; delivered-despite-rejection: the hub said Rejected but the
 * document reached the recipient anyway (both are false accepts, as the runner's oracle counts
 * them); no-verdict: the hub neither accepted nor rejected it (e.g. the submission failed with an
 * HTTP error): not detected.
 */
export type DetectionOutcome = 'rejected-expected' | 'rejected-wrong-reason' | 'accepted' | 'delivered-despite-rejection' | 'no-verdict';

export interface BadDocument {
  /** Stable id: `d<seq>` (seq of the document event). */
  id: string;
  seq: number;
  caseId: string;
  documentId: string;
  sender: CountryCode;
  recipient: CountryCode;
  variant: string;
  expectedReasons: string[];
  outcome: DetectionOutcome;
  hubStatus?: ExchangeStatus;
  hubReasons: string[];
  /** Evidence lines of the hub's verdict (verification and exchange events). */
  verdictSeqs: number[];
  exchangeId?: string;
  /** What the recipient did with it when the hub let it through. */
  recipientDecision?: 'accepted' | 'refused';
  /** Why there is no hub verdict (outcome no-verdict): the hub's HTTP answer, or the failed step. */
  noVerdictReason?: { httpStatus?: number; code?: string; seq?: number; finding?: CaseFinding };
  evidence: EvidenceLink[];
}

export interface DetectionResult {
  targetPercent: number;
  rate: RateFigure;
  bySender: Record<CountryCode, RateFigure>;
  byVariant: Record<string, RateFigure>;
  documents: BadDocument[];
  falseAccepts: BadDocument[];
  wrongReasons: BadDocument[];
}

export type Kpi1DisagreementKind =
  | 'not-in-hub-log'
  | 'not-in-evidence'
  | 'not-in-sender-log'
  | 'not-in-recipient-log'
  | 'unexpected-in-recipient-log'
  | 'decided-twice'
  | 'hash-not-in-hub-log'
  | 'reconciliation'
  | 'log-chain-broken'
  | 'node-log-missing';

export interface Kpi1Disagreement {
  kind: Kpi1DisagreementKind;
  exchangeId?: string;
  node?: CountryCode;
  caseId?: string;
  seq?: number;
  /** Values for the message (hashes, counts, log names). */
  detail?: string;
  /** Reconciliation: exchange ids the harness found lost or duplicated. */
  lost?: string[];
  duplicated?: string[];
}

export interface ExchangeCountFigure {
  count: number;
  target: number;
  met: boolean;
  trace: Trace;
}

export interface Kpi1Result {
  /** Where the count comes from: the hub's exported log, or (without it) the harness's exchange events. */
  source: 'hub-log' | 'evidence';
  total: ExchangeCountFigure;
  byPair: PairFigure<ExchangeCountFigure>[];
  pairsMet: number;
  byStatus: Partial<Record<ExchangeStatus | 'unknown', number>>;
  disagreements: Kpi1Disagreement[];
  logChains: Array<{ log: 'exchange' | 'audit'; valid: boolean; entries: number; headHash: string; brokenAt?: number; seq: number }>;
  nodeLogs: CountryCode[];
  /**
   * The hub keeps history: only exchanges whose first log entry comes after `afterSeq` (the last
   * sequence number before the run, from environment-ready) are this run's; `earlier` exchanges of
   * the exported log were left out. `seq`: the environment-ready line.
   */
  logStart?: { afterSeq: number; earlier: number; seq: number };
}

export interface TimeFigure {
  n: number;
  minMs: number | null;
  q1Ms: number | null;
  medianMs: number | null;
  q3Ms: number | null;
  p95Ms: number | null;
  maxMs: number | null;
  baselineMs: number | null;
  /** 1 - median / baseline; null without a baseline or data. */
  reduction: number | null;
  targetPercent: number;
  targetMet: boolean | null;
  trace: Trace;
}

export interface Kpi3Result {
  simulated: boolean;
  clockMode: 'real' | 'test';
  baselineSource?: string;
  overall: TimeFigure;
  byPair: PairFigure<TimeFigure>[];
}

export interface EvidenceLink {
  kind: 'document' | 'envelope' | 'verification' | 'hub-response' | 'attachment';
  /** Relative to the run directory. */
  path: string;
  seq: number;
  /** Verifier ('mock' for a mock node), request, or attachment name. */
  label?: string;
}

export interface CaseRow {
  id: string;
  country: CountryCode;
  partner?: CountryCode;
  category: CaseCategory;
  title: Localized;
  requirement: string;
  /** The requirement in every language, when the record has it (older runs: English only). */
  requirementText?: Localized;
  /** unfinished: started, never finished; not-run: never started because the run was stopped first. */
  status: CaseRowStatus;
  severity?: Severity;
  attribution?: Attribution;
  message?: string;
  skipReason?: string;
  /** The skip reason as a catalog code (runner/engine/findings.ts skipText), when the record carries it. */
  skip?: { code: string; params?: Record<string, string> };
  /** The oracle's findings (observed.findings of case-finished), rendered in the report's language. */
  findings: CaseFinding[];
  expected: Record<string, unknown>;
  observed: Record<string, unknown>;
  durationMs?: number;
  exchangeIds: string[];
  startSeq: number;
  finishSeq?: number;
  evidence: EvidenceLink[];
}

export type CaseRowStatus = CaseStatus | 'unfinished' | 'not-run';

export interface CaseFinding {
  code: string;
  severity?: Severity;
  attribution?: Attribution;
  /** English text, the fallback for a code the catalog does not know. */
  message?: string;
  params?: Record<string, string | number>;
}

export type CaseCounts = Counts & { unfinished: number; notRun: number };

export interface CountryCases {
  counts: CaseCounts;
  byCategory: Record<CaseCategory, CaseCounts>;
  cases: CaseRow[];
}

export interface CasesResult {
  totals: CaseCounts;
  byCountry: Record<CountryCode, CountryCases>;
  rows: CaseRow[];
}

export type ExclusionReason =
  | 'oracle-verification'
  | 'mock-node-verification'
  | 'bad-document-verification'
  | 'case-error'
  | 'case-unfinished'
  | 'case-not-run'
  | 'case-skipped'
  | 'no-hub-verification'
  | 'not-delivered'
  | 'no-decision'
  | 'clock-shifted'
  | 'bad-document-exchange';

export interface Exclusion {
  /** Which figure the items are left out of. */
  scope: 'kpi2' | 'detection' | 'kpi3' | 'cases';
  reason: ExclusionReason;
  items: Array<{ caseId?: string; seq?: number; documentId?: string; exchangeId?: string; detail?: string; durationMs?: number }>;
}

export type Verdict = 'pass' | 'fail' | 'no-data';

export interface KpiReport {
  run: RunInfo;
  countries: CountryCode[];
  finished: boolean;
  interrupted: boolean;
  problems: RecordProblem[];
  kpi1: Kpi1Result;
  kpi2: Kpi2Result;
  detection: DetectionResult;
  kpi3: Kpi3Result;
  cases: CasesResult;
  exclusions: Exclusion[];
  verdict: {
    overall: Verdict;
    kpi2: Verdict;
    detection: Verdict;
    /** Pilot runs only: KPI-1 (60+ exchanges, 10+ per ordered pair) is judged on the pilot simulation. */
    kpi1?: Verdict;
    falseAccepts: number;
  };
}
