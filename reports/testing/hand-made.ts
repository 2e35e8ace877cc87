import type { CheckName, CheckResultValue, CountryCode } from '../../protocol/types.ts';
import { CHECK_NAMES } from '../../protocol/types.ts';
import type { LogEntry } from '../../protocol/hub-contract.ts';
import type { NodeLogEntry } from '../../mock-nodes/log.ts';
import type { EvidenceEvent, RunInfo } from '../../runner/record.ts';
import type { RunRecord } from '../run-record.ts';

// Hand-made run records for the KPI tests: a few events written out, seq assigned in order,
// so each test states exactly what the evidence says and what the figures must be.

type NoSeq<T> = T extends unknown ? Omit<T, 'seq' | 'at'> & { at?: string } : never;
export type EventSpec = NoSeq<EvidenceEvent>;

export function runInfo(overrides: Partial<RunInfo> = {}): RunInfo {
  return {
    runId: '20260101-000000-test',
    kind: 'catalog',
    startedAt: '2026-01-01T00:00:00.000Z',
    seed: 'test',
    harness: { name: 'ecert-harness', version: '0.0.0', commit: 'abc' },
    hub: { mode: 'embedded', url: 'https://127.0.0.1', name: 'hub', version: '0', contractVersion: '1.0.0', instanceId: 'i', capabilities: [], defects: [] },
    clock: { mode: 'test', startedAt: '2026-01-01T00:00:00.000Z' },
    countries: ['UZ', 'KG'],
    selection: {},
    environment: { node: 'v20', platform: 'linux', arch: 'x64', cpus: 2 },
    trustRegistry: { sha256: '00', certificates: [] },
    simulated: true,
    ...overrides,
  };
}

export function makeRecord(
  specs: EventSpec[],
  extra: { info?: Partial<RunInfo>; hubExchangeLog?: LogEntry[] | null; nodeLogs?: Record<CountryCode, NodeLogEntry[]>; finished?: boolean } = {},
): RunRecord {
  const info = runInfo(extra.info);
  const events = [{ type: 'run-started', run: info } as EventSpec, ...specs].map(
    (e, i) => ({ at: '2026-01-01T00:00:00.000Z', ...e, seq: i + 1 }) as EvidenceEvent,
  );
  return {
    dir: '/nonexistent',
    info,
    events,
    results: null,
    hubExchangeLog: extra.hubExchangeLog === undefined ? null : extra.hubExchangeLog,
    hubAuditLog: null,
    nodeLogs: new Map(Object.entries(extra.nodeLogs ?? {})),
    tester: null,
    finished: extra.finished ?? true,
    interrupted: !(extra.finished ?? true),
    problems: [],
  };
}

/** Check results: all passed except the ones given. */
export function checks(
  failing: Partial<Record<CheckName, CheckResultValue | [CheckResultValue, string]>> = {},
): Record<CheckName, { result: CheckResultValue; reasonCode?: string }> {
  return Object.fromEntries(
    CHECK_NAMES.map((n) => {
      const f = failing[n];
      if (f === undefined) return [n, { result: 'passed' }];
      return [n, Array.isArray(f) ? { result: f[0], reasonCode: f[1] } : { result: f }];
    }),
  ) as Record<CheckName, { result: CheckResultValue; reasonCode?: string }>;
}

let counter = 0;

/** A verification event of a document. */
export function verification(
  caseId: string,
  verifier: 'harness' | 'hub' | 'recipient',
  opts: { sender?: CountryCode; recipient?: CountryCode; genuine?: boolean; documentId?: string; checks?: ReturnType<typeof checks>; exchangeId?: string; mock?: boolean } = {},
): EventSpec {
  const c = opts.checks ?? checks();
  const valid = Object.values(c).every((x) => x.result === 'passed');
  return {
    type: 'verification',
    caseId,
    documentId: opts.documentId ?? `${caseId}-doc`,
    sha256: `sha-${++counter}`,
    verifier,
    ...(opts.exchangeId ? { exchangeId: opts.exchangeId } : {}),
    ...(verifier === 'recipient' ? { node: opts.recipient ?? 'KG' } : {}),
    ...(opts.mock !== undefined ? { mock: opts.mock } : {}),
    sender: opts.sender ?? 'UZ',
    recipient: opts.recipient ?? 'KG',
    genuine: opts.genuine ?? true,
    valid,
    indication: valid ? 'TOTAL_PASSED' : 'TOTAL_FAILED',
    reasonCodes: Object.values(c).flatMap((x) => (x.reasonCode ? [x.reasonCode] : [])),
    checks: c,
  };
}

export function caseStarted(caseId: string, country: CountryCode = 'UZ', category: 'standard' | 'bad-signature' | 'expired-document' | 'connection-failure' = 'standard'): EventSpec {
  return { type: 'case-started', caseId, country, category, title: { en: caseId, ru: caseId }, requirement: 'C.3', tags: [] };
}

export function caseFinished(
  caseId: string,
  status: 'passed' | 'failed' | 'skipped' | 'error' = 'passed',
  expected: Record<string, unknown> = {},
  observed: Record<string, unknown> = {},
): EventSpec {
  const findings = Array.isArray(observed.findings) ? (observed.findings as Array<{ severity?: string; attribution?: string; message?: string }>) : [];
  const primary = findings[0];
  return {
    type: 'case-finished',
    caseId,
    status,
    durationMs: 1,
    expected,
    observed,
    exchangeIds: [],
    ...(primary?.severity ? { severity: primary.severity as never } : {}),
    ...(primary?.attribution ? { attribution: primary.attribution as never } : {}),
    ...(primary?.message ? { message: primary.message } : {}),
  };
}

/** The worker's environment-ready event: mock nodes for the run's countries, plus what a real hub adds. */
export function environmentReady(extra: { countries?: CountryCode[]; mock?: boolean; hubLogStart?: { exchange: number; audit: number }; hubClockSkewMs?: number } = {}): EventSpec {
  const info = runInfo();
  return {
    type: 'environment-ready',
    hub: info.hub,
    trustRegistry: info.trustRegistry,
    nodes: (extra.countries ?? info.countries).map((country) => ({ country, mock: extra.mock ?? true, delivery: 'push' as const, track: 'A' as const })),
    ...(extra.hubLogStart ? { hubLogStart: extra.hubLogStart } : {}),
    ...(extra.hubClockSkewMs !== undefined ? { hubClockSkewMs: extra.hubClockSkewMs } : {}),
  };
}
