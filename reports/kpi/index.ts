import type { RunRecord } from '../run-record.ts';
import { computeCases } from './cases.ts';
import { computeDetection } from './detection.ts';
import { computeKpi1 } from './kpi1.ts';
import { computeKpi2 } from './kpi2.ts';
import { computeKpi3 } from './kpi3.ts';
import { indexRecord } from './record-index.ts';
import type { KpiReport, Verdict } from './types.ts';

// The KPI engine: pure functions from a run record to figures. Nothing here reads files.

export function computeKpis(record: RunRecord): KpiReport {
  const index = indexRecord(record);
  const kpi2 = computeKpi2(index);
  const detection = computeDetection(index);
  const kpi3 = computeKpi3(index);
  const kpi1 = computeKpi1(index);
  const cases = computeCases(index);
  const falseAccepts = detection.result.falseAccepts.length;
  const verdictOf = (met: boolean | null): Verdict => (met === null ? 'no-data' : met ? 'pass' : 'fail');
  const kpi2Verdict = verdictOf(kpi2.result.overall.targetMet);
  const detectionVerdict = falseAccepts > 0 ? 'fail' : verdictOf(detection.result.rate.targetMet);
  // A conformance report is not green while any case failed (a lost or duplicated exchange, a data
  // leak, an answer off the contract), whatever the KPI figures say; nor while hub answers that
  // belong to no case break the contract.
  const failedCases = cases.result.totals.failed + cases.result.totals.error;
  const contractViolations = record.results?.contract?.unattributed.length ?? 0;
  // KPI-1 (volume) is judged on pilot runs: a catalog run exchanges a few documents per pair to
  // test the hub, not to reach 60.
  const kpi1Verdict: Verdict | undefined = record.info.kind === 'pilot' ? (kpi1.total.met && kpi1.pairsMet === kpi1.byPair.length ? 'pass' : 'fail') : undefined;
  // A run without bad documents (a pilot) has no detection figure; that alone does not block a verdict.
  const overall: Verdict =
    kpi2Verdict === 'fail' || detectionVerdict === 'fail' || kpi1Verdict === 'fail' || failedCases > 0 || contractViolations > 0
      ? 'fail'
      : // A run stopped before its end cannot pass: what it did not run was not tested.
        kpi2Verdict === 'no-data' || record.interrupted
        ? 'no-data'
        : 'pass';
  return {
    run: record.info,
    countries: index.countries,
    finished: record.finished,
    interrupted: record.interrupted,
    problems: record.problems,
    kpi1,
    kpi2: kpi2.result,
    detection: detection.result,
    kpi3: kpi3.result,
    cases: cases.result,
    exclusions: [...kpi2.exclusions, ...detection.exclusions, ...kpi3.exclusions, ...cases.exclusions].filter((e) => e.items.length > 0),
    verdict: { overall, kpi2: kpi2Verdict, detection: detectionVerdict, ...(kpi1Verdict ? { kpi1: kpi1Verdict } : {}), falseAccepts },
  };
}

export type * from './types.ts';
export { wilson, median, percentile, meetsPercent, Z95 } from './stats.ts';
export { KPI2_TARGET_PERCENT, kpi2Success, isMockNode } from './kpi2.ts';
export { DETECTION_TARGET_PERCENT, isFalseAccept } from './detection.ts';
export { KPI1_TOTAL_TARGET, KPI1_PAIR_TARGET } from './kpi1.ts';
export { KPI3_TARGET_PERCENT } from './kpi3.ts';
