import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { computeKpis } from '../kpi/index.ts';
import { median, percentile, sortNumbers } from '../kpi/stats.ts';
import { loadRun, RunReadError } from '../run-record.ts';
import { writeSampleRun } from './sample-run.ts';

// The KPI engine against the ground truth the synthetic generator planted, and the reader
// against damaged and partial run directories.

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ecert-sample-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('KPI engine on synthetic runs', () => {
  it('finds exactly what was planted in a catalog run', () => {
    const truth = writeSampleRun(tmp, { seed: 'planted', sutFailures: 4, falseAccepts: 2, wrongReasons: 1, skipped: 2, errors: 1, deliveryFailures: 2, logMismatches: 1 });
    const r = computeKpis(loadRun(truth.runDir));
    expect(r.problems).toEqual([]);
    expect(r.kpi2.overall).toMatchObject({ numerator: truth.kpi2Numerator, denominator: truth.kpi2Denominator });
    expect(r.kpi2.mockNodes.denominator).toBe(truth.mockNodeVerifications);
    expect(truth.mockNodeVerifications).toBeGreaterThan(40);
    expect(new Set(r.kpi2.failures.map((f) => f.caseId))).toEqual(new Set(truth.sutFailureCases));
    expect(r.kpi2.oracle.denominator + r.detection.documents.length).toBe(truth.harnessVerifications);
    expect(r.detection.rate).toMatchObject({ numerator: truth.correctlyRejected, denominator: truth.badWithVerdict });
    expect(r.detection.falseAccepts.map((d) => d.caseId).sort()).toEqual([...truth.falseAcceptCases].sort());
    expect(r.detection.wrongReasons.map((d) => d.caseId)).toEqual(truth.wrongReasonCases);
    expect(r.verdict.falseAccepts).toBe(2);
    expect(r.verdict.overall).toBe('fail');
    expect(r.kpi1.total.count).toBe(truth.exchanges);
    for (const p of r.kpi1.byPair) expect(p.figure.count).toBe(truth.exchangesPerPair[`${p.sender}-${p.recipient}`] ?? 0);
    expect(r.kpi1.disagreements.filter((d) => d.kind === 'not-in-recipient-log').map((d) => d.exchangeId)).toEqual(truth.logMismatchExchanges);
    expect(r.cases.totals).toMatchObject({ total: truth.cases, skipped: 2, error: 1 });
    expect(r.exclusions.find((e) => e.reason === 'case-skipped')!.items.map((i) => i.caseId).sort()).toEqual([...truth.skippedCases].sort());
    const noDecision = r.exclusions.find((e) => e.scope === 'kpi3' && e.reason === 'no-decision')!.items.map((i) => i.exchangeId);
    for (const id of truth.deliveryFailureExchanges) expect(noDecision).toContain(id);
  });

  it('computes KPI-3 per pair from the planted decision times', () => {
    const truth = writeSampleRun(tmp, { seed: 'pilot-times', kind: 'pilot', perPair: 4, countries: ['UZ', 'KG', 'TJ'] });
    const r = computeKpis(loadRun(truth.runDir));
    expect(r.kpi1.total.count).toBe(24);
    expect(r.kpi1.byPair.every((p) => p.figure.count === 4)).toBe(true);
    for (const p of r.kpi3.byPair) {
      const values = sortNumbers(truth.decisionTimesPerPair[`${p.sender}-${p.recipient}`] ?? []);
      expect(p.figure.n).toBe(values.length);
      expect(p.figure.medianMs).toBe(median(values));
      expect(p.figure.p95Ms).toBe(percentile(values, 95));
    }
    expect(r.detection.rate.denominator).toBe(0);
    // A pilot is judged on KPI-1 too: 24 exchanges, 4 per pair, is short of 60 and 10 per pair.
    expect(r.verdict).toMatchObject({ overall: 'fail', kpi2: 'pass', kpi1: 'fail' });
  });

  it('counts real recipient nodes in KPI-2, and only this run’s exchanges of a hub with history', () => {
    const truth = writeSampleRun(tmp, { seed: 'real-nodes', casesPerCategory: 2, countries: ['UZ', 'KG', 'PK'], realRecipients: true, sutFailures: 4, hubHistory: 7, hubClockSkewMs: -4_000 });
    const r = computeKpis(loadRun(truth.runDir));
    expect(truth.mockNodeVerifications).toBe(0);
    expect(r.kpi2.overall).toMatchObject({ numerator: truth.kpi2Numerator, denominator: truth.kpi2Denominator });
    expect(r.kpi2.byVerifier.recipient.denominator).toBeGreaterThan(0);
    expect(r.kpi2.mockNodes.denominator).toBe(0);
    expect(r.kpi1.total.count).toBe(truth.exchanges);
    expect(r.kpi1.logStart).toMatchObject({ afterSeq: 7, earlier: 7 });
    expect(r.kpi1.disagreements.filter((d) => d.kind === 'not-in-evidence')).toEqual([]);
  });

  it('is not hard-wired to five countries', () => {
    const truth = writeSampleRun(tmp, { seed: 'seven', kind: 'pilot', perPair: 1, countries: ['UZ', 'AZ', 'KG', 'PK', 'TJ', 'KZ', 'MN'] });
    const r = computeKpis(loadRun(truth.runDir));
    expect(r.countries).toHaveLength(7);
    expect(r.kpi2.byPair).toHaveLength(42);
    expect(r.kpi1.total.count).toBe(42);
  });
});

describe('reading a run directory', () => {
  it('reads an interrupted run: the torn last line is a listed problem, the rest counts', () => {
    const truth = writeSampleRun(tmp, { seed: 'torn', interrupted: true, casesPerCategory: 2, countries: ['UZ', 'KG'] });
    const record = loadRun(truth.runDir);
    expect(record.finished).toBe(false);
    expect(record.interrupted).toBe(true);
    expect(record.results).toBeNull();
    expect(record.problems).toEqual([expect.objectContaining({ file: 'evidence.jsonl', kind: 'torn-last-line' })]);
    const r = computeKpis(record);
    expect(r.cases.totals.total).toBe(truth.cases);
    expect(r.kpi2.overall.denominator).toBe(truth.kpi2Denominator);
  });

  it('lists a line that does not parse, and a seq that is not its line number', () => {
    const truth = writeSampleRun(tmp, { seed: 'damaged', casesPerCategory: 1, countries: ['UZ', 'KG'] });
    const file = path.join(truth.runDir, 'evidence.jsonl');
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    lines[4] = '{not json';
    lines[6] = lines[6]!.replace(/^\{"seq":7,/, '{"seq":70,');
    fs.writeFileSync(file, lines.join('\n'));
    const record = loadRun(truth.runDir);
    expect(record.problems.map((p) => [p.kind, p.line])).toEqual(
      expect.arrayContaining([
        ['bad-json', 5],
        ['seq-mismatch', 7],
      ]),
    );
  });

  it('refuses what is not a run directory, saying why', () => {
    expect(() => loadRun(path.join(tmp, 'missing'))).toThrow(RunReadError);
    const empty = fs.mkdtempSync(path.join(tmp, 'empty-'));
    try {
      loadRun(empty);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(RunReadError);
      expect((error as RunReadError).kind).toBe('not-a-run');
      expect((error as Error).message).toContain('evidence.jsonl');
    }
  });

  it('is deterministic: the same seed writes the same bytes', () => {
    const a = writeSampleRun(path.join(tmp, 'a'), { seed: 'same', casesPerCategory: 2 });
    const b = writeSampleRun(path.join(tmp, 'b'), { seed: 'same', casesPerCategory: 2 });
    expect(fs.readFileSync(path.join(a.runDir, 'evidence.jsonl'))).toEqual(fs.readFileSync(path.join(b.runDir, 'evidence.jsonl')));
  });
});
