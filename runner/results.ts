import fs from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { CatalogCase } from '../scenarios/types.ts';
import { CASE_CATEGORIES } from '../scenarios/types.ts';
import { readEvidence } from './engine/evidence.ts';
import type { CaseCategory, CaseResult, CaseStatus, Counts, EvidenceEvent, RunInfo, RunResults, RunSummary } from './record.ts';
import schema from './results.schema.json' with { type: 'json' };

// results.json: built at the end of a run from the evidence stream (the truth, written as the
// run went) plus what vitest saw (a case that crashed or timed out has no case-finished line),
// validated against runner/results.schema.json before it is written.

export const RESULTS_FILE = 'results.json';

export interface VitestCaseOutcome {
  caseId: string;
  state: 'passed' | 'failed' | 'skipped' | 'pending';
  errors: string[];
  durationMs: number;
}

const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats.default(ajv);
const validate = ajv.compile<RunResults>(schema);

export function validateResults(value: unknown): string[] {
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`.trim());
}

function zero(): Counts {
  return { total: 0, passed: 0, failed: 0, skipped: 0, error: 0 };
}

function bump(c: Counts, status: CaseStatus): void {
  c.total++;
  c[status]++;
}

/** The first (most severe) finding the oracle stored with the case, as code and parameters. */
function primaryFinding(observed: Record<string, unknown>): { finding?: { code: string; params: Record<string, string | number> } } {
  const findings = observed.findings as Array<{ code: string; params?: Record<string, string | number> }> | undefined;
  const first = findings?.[0];
  return first ? { finding: { code: first.code, params: first.params ?? {} } } : {};
}

export function summarize(cases: readonly CaseResult[], durationMs: number): RunSummary {
  const summary: RunSummary = { ...zero(), byCountry: {}, byCategory: {} as Record<CaseCategory, Counts>, byCountryCategory: {}, falseAccepts: 0, durationMs };
  for (const cat of CASE_CATEGORIES) summary.byCategory[cat] = zero();
  for (const c of cases) {
    bump(summary, c.status);
    bump((summary.byCountry[c.country] ??= zero()), c.status);
    bump(summary.byCategory[c.category], c.status);
    const row = (summary.byCountryCategory[c.country] ??= Object.fromEntries(CASE_CATEGORIES.map((k) => [k, zero()])) as Record<CaseCategory, Counts>);
    bump(row[c.category], c.status);
    if (c.severity === 'false-accept') summary.falseAccepts++;
  }
  return summary;
}

export interface BuildInput {
  runDir: string;
  run: RunInfo;
  /** Every case selected for the run, in catalog order. */
  selected: readonly CatalogCase[];
  vitest: ReadonlyMap<string, VitestCaseOutcome>;
  interrupted: boolean;
  environmentError?: { message: string; hint?: string; key?: string; params?: Record<string, string | number> };
  /** Why a case that never started did not run when the run was not interrupted (a spec file that failed to load). */
  notRunMessage?: (c: CatalogCase) => string | undefined;
}

export function buildResults(input: BuildInput): RunResults {
  const { events, damagedLines } = readEvidence(path.join(input.runDir, 'evidence.jsonl'));
  const started = new Map<string, Extract<EvidenceEvent, { type: 'case-started' }>>();
  const finished = new Map<string, Extract<EvidenceEvent, { type: 'case-finished' }>>();
  const lastSeq = new Map<string, number>();
  const attachments = new Map<string, Set<string>>();
  let hub = input.run.hub;
  let trustRegistry = input.run.trustRegistry;
  for (const e of events) {
    if (e.type === 'environment-ready') {
      hub = e.hub;
      trustRegistry = e.trustRegistry;
    }
    if (!e.caseId) continue;
    lastSeq.set(e.caseId, e.seq);
    if (e.type === 'case-started') started.set(e.caseId, e);
    if (e.type === 'case-finished') finished.set(e.caseId, e);
    const files = [
      'file' in e ? e.file : undefined,
      'envelopeFile' in e ? e.envelopeFile : undefined,
      'reportFile' in e ? e.reportFile : undefined,
    ].filter((f): f is string => typeof f === 'string');
    if (files.length) {
      const set = attachments.get(e.caseId) ?? new Set<string>();
      for (const f of files) set.add(f);
      attachments.set(e.caseId, set);
    }
  }

  const cases: CaseResult[] = input.selected.map((c) => {
    const s = started.get(c.id);
    const f = finished.get(c.id);
    const v = input.vitest.get(c.id);
    const base = {
      id: c.id,
      country: c.country,
      partner: c.partner,
      category: c.category,
      title: c.title,
      requirement: c.requirement.en,
      requirementText: c.requirement,
      tags: c.tags,
      expected: { ...c.expect, sender: c.sender, recipient: c.recipient, document: c.document } as Record<string, unknown>,
      attachments: [...(attachments.get(c.id) ?? [])],
      evidence: { firstSeq: s?.seq ?? 0, lastSeq: lastSeq.get(c.id) ?? 0 },
    };
    if (f) {
      return {
        ...base,
        status: f.status,
        expected: f.expected,
        observed: f.observed,
        durationMs: f.durationMs,
        exchangeIds: f.exchangeIds,
        ...(f.attribution ? { attribution: f.attribution } : {}),
        ...(f.severity ? { severity: f.severity } : {}),
        ...(f.message ? { message: f.message } : {}),
        ...(f.skipReason ? { skipReason: f.skipReason } : {}),
        ...(f.skip ? { skip: f.skip } : {}),
        ...primaryFinding(f.observed),
      };
    }
    if (input.environmentError) {
      return { ...base, status: 'error', observed: {}, durationMs: 0, exchangeIds: [], attribution: 'network', severity: 'other', message: `not run: ${input.environmentError.message}` };
    }
    if (s || (v && v.state === 'failed')) {
      // Started but never finished: the per-case time-out or a crash inside the engine.
      return {
        ...base,
        status: 'error',
        observed: {},
        durationMs: v?.durationMs ?? 0,
        exchangeIds: [],
        attribution: 'harness',
        severity: 'other',
        message: v?.errors[0] ?? 'the case started but never finished (interrupted)',
      };
    }
    if (input.interrupted) return { ...base, status: 'skipped', observed: {}, durationMs: 0, exchangeIds: [], skipReason: 'not run: the run was interrupted', skip: { code: 'skip.interrupted' } };
    // Selected, not interrupted, never started: the harness failed to run it. Never silent, never green.
    return {
      ...base,
      status: 'error',
      observed: {},
      durationMs: 0,
      exchangeIds: [],
      attribution: 'harness',
      severity: 'other',
      message: `never ran: ${input.notRunMessage?.(c) ?? 'its test file did not run'}`,
    };
  });

  // Contract conformance of every hub answer: violations about a case's exchange already failed
  // that case; the rest are listed for the run.
  const caseExchanges = new Set(cases.flatMap((c) => c.exchangeIds));
  const checked = events.filter((e): e is Extract<EvidenceEvent, { type: 'contract-summary' }> => e.type === 'contract-summary').at(-1)?.checked ?? 0;
  const violations = events.filter((e): e is Extract<EvidenceEvent, { type: 'contract-violation' }> => e.type === 'contract-violation');
  const unattributed = violations
    .filter((v) => !v.exchangeId || !caseExchanges.has(v.exchangeId))
    .map((v) => ({ request: v.request, status: v.status, ...(v.operationId ? { operationId: v.operationId } : {}), errors: v.errors, seq: v.seq }));

  const started0 = Date.parse(input.run.startedAt);
  const ended = input.run.endedAt ? Date.parse(input.run.endedAt) : Date.now();
  return {
    format: 'ecert-results/1',
    run: { ...input.run, hub, trustRegistry },
    cases,
    summary: summarize(cases, ended - started0),
    ...(input.interrupted ? { interrupted: true } : {}),
    ...(input.environmentError ? { environmentError: { message: input.environmentError.message, ...(input.environmentError.hint ? { hint: input.environmentError.hint } : {}) } } : {}),
    ...(damagedLines.length ? { damagedEvidenceLines: damagedLines } : {}),
    ...(checked || violations.length ? { contract: { checked, violations: violations.length, unattributed } } : {}),
  };
}

export function writeResults(runDir: string, results: RunResults): string {
  const problems = validateResults(results);
  const file = path.join(runDir, RESULTS_FILE);
  fs.writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  if (problems.length) throw new Error(`results.json does not match runner/results.schema.json (a harness bug): ${problems.slice(0, 5).join('; ')}`);
  return file;
}

export function readResults(runDir: string): RunResults {
  const file = path.join(runDir, RESULTS_FILE);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as RunResults;
}
