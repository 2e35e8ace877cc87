import fs from 'node:fs';
import path from 'node:path';
import type { CountryCode } from '../protocol/types.ts';
import type { LogEntry } from '../protocol/hub-contract.ts';
import type { NodeLogEntry } from '../mock-nodes/log.ts';
import type { EvidenceEvent, RunInfo, RunResults } from '../runner/record.ts';
import { certificateIdentity, TESTER_CERT_FILE } from './evidence/tester.ts';

// Reads a run directory (docs/ARCHITECTURE.md, "The run directory") into memory. Everything the
// reports say is computed from what this returns, so a report can be re-rendered from a run's
// files alone. Damage is not hidden: a line that does not parse is skipped and listed as a
// problem, and the reports show every problem.

export interface RecordProblem {
  file: string;
  /** 1-based line, for JSON Lines files. */
  line?: number;
  kind: 'bad-json' | 'seq-mismatch' | 'torn-last-line' | 'unreadable' | 'results-mismatch';
  detail: string;
}

export interface RunRecord {
  dir: string;
  info: RunInfo;
  events: EvidenceEvent[];
  results: RunResults | null;
  /** null when the run has no exported hub exchange log (e.g. a remote hub without operator access). */
  hubExchangeLog: LogEntry[] | null;
  hubAuditLog: LogEntry[] | null;
  nodeLogs: Map<CountryCode, NodeLogEntry[]>;
  /** The certificate that seals the run (tester-certificate.pem), when the run directory has one. */
  tester: { subject: string; fingerprint256: string } | null;
  /** The evidence ends with run-finished. */
  finished: boolean;
  /** The run was stopped before it finished (no run-finished, or run-finished says interrupted). */
  interrupted: boolean;
  problems: RecordProblem[];
}

export type RunReadErrorKind = 'not-found' | 'not-a-run' | 'unreadable';

/** The directory cannot be read as a run at all. */
export class RunReadError extends Error {
  constructor(
    readonly kind: RunReadErrorKind,
    readonly dir: string,
    message: string,
  ) {
    super(message);
    this.name = 'RunReadError';
  }
}

/** Parsed lines with their 1-based line numbers. */
function readJsonLines<T>(file: string, rel: string, problems: RecordProblem[]): Array<{ value: T; line: number }> {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  // A file written line by line ends with "\n"; anything after the last newline is a torn write.
  const last = lines.length - 1;
  const out: Array<{ value: T; line: number }> = [];
  lines.forEach((text, i) => {
    if (text.trim() === '') return;
    try {
      out.push({ value: JSON.parse(text) as T, line: i + 1 });
    } catch (error) {
      problems.push(
        i === last
          ? { file: rel, line: i + 1, kind: 'torn-last-line', detail: `${text.length} bytes after the last complete line` }
          : { file: rel, line: i + 1, kind: 'bad-json', detail: (error as Error).message },
      );
    }
  });
  return out;
}

function optionalLog<T>(dir: string, rel: string, problems: RecordProblem[]): T[] | null {
  const file = path.join(dir, rel);
  if (!fs.existsSync(file)) return null;
  try {
    return readJsonLines<T>(file, rel, problems).map((l) => l.value);
  } catch (error) {
    problems.push({ file: rel, kind: 'unreadable', detail: (error as Error).message });
    return null;
  }
}

export function loadRun(runDir: string): RunRecord {
  const dir = path.resolve(runDir);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    throw new RunReadError('not-found', dir, `no such directory: ${dir}`);
  }
  if (!stat.isDirectory()) throw new RunReadError('not-a-run', dir, `${dir} is a file, not a run directory`);
  const evidenceFile = path.join(dir, 'evidence.jsonl');
  if (!fs.existsSync(evidenceFile)) throw new RunReadError('not-a-run', dir, `${dir} has no evidence.jsonl, so it is not a run directory`);

  const problems: RecordProblem[] = [];
  let lines: Array<{ value: EvidenceEvent; line: number }>;
  try {
    lines = readJsonLines<EvidenceEvent>(evidenceFile, 'evidence.jsonl', problems);
  } catch (error) {
    throw new RunReadError('unreadable', dir, `cannot read ${evidenceFile}: ${(error as Error).message}`);
  }
  // seq is the line number and every figure cites it, so a mismatch must be visible.
  for (const { value, line } of lines) {
    if (value.seq !== line) problems.push({ file: 'evidence.jsonl', line, kind: 'seq-mismatch', detail: `line ${line} carries seq ${String(value.seq)}` });
  }
  const events = lines.map((l) => l.value);

  let results: RunResults | null = null;
  const resultsFile = path.join(dir, 'results.json');
  if (fs.existsSync(resultsFile)) {
    try {
      results = JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as RunResults;
    } catch (error) {
      problems.push({ file: 'results.json', kind: 'bad-json', detail: (error as Error).message });
    }
  }

  const started = events.find((e): e is Extract<EvidenceEvent, { type: 'run-started' }> => e.type === 'run-started');
  // Without results.json, the hub's identity comes from environment-ready (known once the hub is up).
  const ready = events.find((e): e is Extract<EvidenceEvent, { type: 'environment-ready' }> => e.type === 'environment-ready');
  const info = results?.run ?? (started && ready ? { ...started.run, hub: ready.hub, trustRegistry: ready.trustRegistry } : started?.run);
  if (!info) throw new RunReadError('not-a-run', dir, `${evidenceFile} has no run-started event and there is no readable results.json`);
  const finishedEvent = events.find((e): e is Extract<EvidenceEvent, { type: 'run-finished' }> => e.type === 'run-finished');

  const nodeLogs = new Map<CountryCode, NodeLogEntry[]>();
  const logsDir = path.join(dir, 'logs');
  if (fs.existsSync(logsDir)) {
    for (const name of fs.readdirSync(logsDir).sort()) {
      const m = /^node-([A-Z]{2})\.jsonl$/.exec(name);
      if (!m) continue;
      const entries = optionalLog<NodeLogEntry>(dir, `logs/${name}`, problems);
      if (entries) nodeLogs.set(m[1]!, entries);
    }
  }

  const record: RunRecord = {
    dir,
    info,
    events,
    results,
    hubExchangeLog: optionalLog<LogEntry>(dir, 'logs/hub-exchange-log.jsonl', problems),
    hubAuditLog: optionalLog<LogEntry>(dir, 'logs/hub-audit-log.jsonl', problems),
    nodeLogs,
    tester: readTester(dir, problems),
    finished: Boolean(finishedEvent),
    interrupted: !finishedEvent || Boolean(finishedEvent.interrupted) || Boolean(results?.interrupted),
    problems,
  };
  problems.push(...compareResults(record));
  return record;
}

function readTester(dir: string, problems: RecordProblem[]): RunRecord['tester'] {
  const file = path.join(dir, TESTER_CERT_FILE);
  if (!fs.existsSync(file)) return null;
  const identity = certificateIdentity(fs.readFileSync(file, 'utf8'));
  if (!identity) problems.push({ file: TESTER_CERT_FILE, kind: 'unreadable', detail: 'holds no readable PEM certificate' });
  return identity;
}

/** results.json must agree with the evidence on every case's status. */
function compareResults(record: RunRecord): RecordProblem[] {
  if (!record.results) return [];
  const fromEvidence = new Map<string, string>();
  for (const e of record.events) if (e.type === 'case-finished') fromEvidence.set(e.caseId, e.status);
  const problems: RecordProblem[] = [];
  for (const c of record.results.cases) {
    const s = fromEvidence.get(c.id);
    // A case skipped before it started has no events by design: results.json is its record.
    if (s === undefined && c.status === 'skipped' && !c.evidence?.firstSeq) continue;
    if (s === undefined) problems.push({ file: 'results.json', kind: 'results-mismatch', detail: `case ${c.id} is in results.json but has no case-finished event` });
    else if (s !== c.status) problems.push({ file: 'results.json', kind: 'results-mismatch', detail: `case ${c.id}: results.json says ${c.status}, the evidence says ${s}` });
  }
  return problems;
}
