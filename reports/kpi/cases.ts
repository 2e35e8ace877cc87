import { CASE_CATEGORIES, type CaseCategory } from '../../runner/record.ts';
import { findingsOf, type RecordIndex } from './record-index.ts';
import type { CaseCounts, CaseRow, CasesResult, CountryCases, Exclusion } from './types.ts';

// The cases of the run per country and category (the shape of the pilot's D5 deliverable):
// run, passed, failed with reasons and attribution, skipped with the reason, errors; and, for a
// stopped run, the cases that never finished and the ones that never started.

type Tally = CaseCounts;
const empty = (): Tally => ({ total: 0, passed: 0, failed: 0, skipped: 0, error: 0, unfinished: 0, notRun: 0 });
const COUNT_KEY = { passed: 'passed', failed: 'failed', skipped: 'skipped', error: 'error', unfinished: 'unfinished', 'not-run': 'notRun' } as const satisfies Record<CaseRow['status'], keyof Tally>;

export function computeCases(index: RecordIndex): { result: CasesResult; exclusions: Exclusion[] } {
  const rows: CaseRow[] = [];
  for (const started of index.caseStarted.values()) {
    const finished = index.caseFinished.get(started.caseId);
    rows.push({
      id: started.caseId,
      country: started.country,
      ...(started.partner ? { partner: started.partner } : {}),
      category: started.category,
      title: started.title,
      requirement: started.requirement,
      ...(started.requirementText ? { requirementText: started.requirementText } : {}),
      status: finished?.status ?? 'unfinished',
      ...(finished?.severity ? { severity: finished.severity } : {}),
      ...(finished?.attribution ? { attribution: finished.attribution } : {}),
      ...(finished?.message ? { message: finished.message } : {}),
      ...(finished?.skipReason ? { skipReason: finished.skipReason } : {}),
      ...(finished?.skip ? { skip: finished.skip } : {}),
      findings: findingsOf(finished?.observed),
      expected: finished?.expected ?? {},
      observed: finished?.observed ?? {},
      ...(finished ? { durationMs: finished.durationMs } : {}),
      exchangeIds: finished?.exchangeIds ?? [],
      startSeq: started.seq,
      ...(finished ? { finishSeq: finished.seq } : {}),
      evidence: index.links.get(started.caseId) ?? [],
    });
  }
  // Cases the runner never started (skipped up front: a missing capability, a stopped run) exist
  // only in results.json; they are listed too, so no skip is silent. In a stopped run, a case
  // that never started was not run: that is what it is called, not "skipped".
  const seen = new Set(rows.map((r) => r.id));
  for (const c of index.record.results?.cases ?? []) {
    if (seen.has(c.id)) continue;
    const notRun = c.status === 'skipped' && (c.skip?.code === 'skip.interrupted' || (index.record.interrupted && !c.evidence.firstSeq));
    rows.push({
      id: c.id,
      country: c.country,
      ...(c.partner ? { partner: c.partner } : {}),
      category: c.category,
      title: c.title,
      requirement: c.requirement,
      ...(c.requirementText ? { requirementText: c.requirementText } : {}),
      status: notRun ? 'not-run' : c.status,
      ...(c.severity ? { severity: c.severity } : {}),
      ...(c.attribution ? { attribution: c.attribution } : {}),
      ...(c.message ? { message: c.message } : {}),
      ...(c.skipReason && !notRun ? { skipReason: c.skipReason } : {}),
      ...(c.skip && !notRun ? { skip: c.skip } : {}),
      findings: findingsOf(c.observed),
      expected: c.expected,
      observed: c.observed,
      durationMs: c.durationMs,
      exchangeIds: c.exchangeIds,
      startSeq: c.evidence.firstSeq,
      ...(c.evidence.lastSeq ? { finishSeq: c.evidence.lastSeq } : {}),
      evidence: [],
    });
  }
  const totals = empty();
  const byCountry: Record<string, CountryCases> = {};
  for (const c of index.countries) {
    byCountry[c] = { counts: empty(), byCategory: Object.fromEntries(CASE_CATEGORIES.map((k) => [k, empty()])) as Record<CaseCategory, Tally>, cases: [] };
  }
  for (const row of rows) {
    const country = (byCountry[row.country] ??= {
      counts: empty(),
      byCategory: Object.fromEntries(CASE_CATEGORIES.map((k) => [k, empty()])) as Record<CaseCategory, Tally>,
      cases: [],
    });
    country.cases.push(row);
    for (const t of [totals, country.counts, country.byCategory[row.category]]) {
      t.total++;
      t[COUNT_KEY[row.status]]++;
    }
  }
  const item = (r: CaseRow, detail?: string) => {
    const seq = r.finishSeq ?? r.startSeq;
    return { caseId: r.id, ...(seq > 0 ? { seq } : {}), ...(detail ? { detail } : {}) };
  };
  return {
    result: { totals, byCountry, rows },
    exclusions: [
      { scope: 'cases', reason: 'case-skipped', items: rows.filter((r) => r.status === 'skipped').map((r) => item(r, r.skipReason)) },
      { scope: 'cases', reason: 'case-error', items: rows.filter((r) => r.status === 'error').map((r) => item(r, r.message)) },
      { scope: 'cases', reason: 'case-unfinished', items: rows.filter((r) => r.status === 'unfinished').map((r) => item(r)) },
      { scope: 'cases', reason: 'case-not-run', items: rows.filter((r) => r.status === 'not-run').map((r) => item(r)) },
    ],
  };
}
