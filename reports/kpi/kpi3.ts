import type { CountryCode } from '../../protocol/types.ts';
import { orderedPairs, pairKey, TraceBuilder, type Ev, type RecordIndex } from './record-index.ts';
import { median, percentile, sortNumbers } from './stats.ts';
import type { Exclusion, Kpi3Result, TimeFigure } from './types.ts';

// KPI-3, processing time: issuance -> importer-side decision (accepted or refused) of each
// exchange of a genuine document, median and 95th percentile (nearest rank) per ordered pair,
// and the reduction of the median against the baseline in run.kpi3Baseline (target >= 30 %).
// An exchange whose case moved the hub's test clock is left out: its issuance -> decision time
// includes the jump (a +48 h step would read as two days of processing), not a real duration.

export const KPI3_TARGET_PERCENT = 30;

function timeFigure(durations: number[], baselineMs: number | null, trace: TraceBuilder): TimeFigure {
  const sorted = sortNumbers(durations);
  const med = median(sorted);
  const reduction = med !== null && baselineMs ? 1 - med / baselineMs : null;
  return {
    n: sorted.length,
    minMs: sorted[0] ?? null,
    q1Ms: percentile(sorted, 25),
    medianMs: med,
    q3Ms: percentile(sorted, 75),
    p95Ms: percentile(sorted, 95),
    maxMs: sorted.at(-1) ?? null,
    baselineMs,
    reduction,
    targetPercent: KPI3_TARGET_PERCENT,
    // (baseline - median) / baseline >= 30 %, in a form without division.
    targetMet: med !== null && baselineMs ? (baselineMs - med) * 100 >= KPI3_TARGET_PERCENT * baselineMs : null,
    trace: trace.build(),
  };
}

/** Baseline of a pair: perPairMs["UZ-KG"] (also "UZ->KG", "UZ→KG"), else overallMs. */
export function baselineFor(baseline: Ev<'run-started'>['run']['kpi3Baseline'], sender?: CountryCode, recipient?: CountryCode): number | null {
  if (!baseline) return null;
  if (sender && recipient) {
    for (const key of [pairKey(sender, recipient), `${sender}->${recipient}`, `${sender}→${recipient}`]) {
      const v = baseline.perPairMs?.[key];
      if (typeof v === 'number' && v > 0) return v;
    }
  }
  return typeof baseline.overallMs === 'number' && baseline.overallMs > 0 ? baseline.overallMs : null;
}

export function computeKpi3(index: RecordIndex): { result: Kpi3Result; exclusions: Exclusion[] } {
  const { run } = { run: index.record.info };
  const all: number[] = [];
  const allTrace = new TraceBuilder();
  const pairs = new Map(orderedPairs(index.countries).map(([s, r]) => [pairKey(s, r), { values: [] as number[], trace: new TraceBuilder() }]));
  const noDecision: Exclusion['items'] = [];
  const bad: Exclusion['items'] = [];
  const shifted: Exclusion['items'] = [];
  const errors: Exclusion['items'] = [];
  for (const x of index.exchanges.values()) {
    const item = { caseId: x.caseId, seq: x.seq, exchangeId: x.exchangeId, documentId: x.documentId };
    if (index.caseStatus(x.caseId) === 'error') {
      errors.push(item);
      continue;
    }
    if (!x.genuine) {
      bad.push(item);
      continue;
    }
    const decided = x.decidedAt ? Date.parse(x.decidedAt) : NaN;
    const issued = Date.parse(x.issuedAt);
    if (!x.decision || !Number.isFinite(decided) || !Number.isFinite(issued)) {
      noDecision.push({ ...item, detail: x.finalStatus });
      continue;
    }
    if (x.clockShiftedMs) {
      shifted.push({ ...item, durationMs: x.clockShiftedMs });
      continue;
    }
    const ms = decided - issued;
    const evidence = { seq: x.seq, caseId: x.caseId, exchangeId: x.exchangeId, logHashes: x.hubLogHashes };
    all.push(ms);
    allTrace.add(evidence);
    const p = pairs.get(pairKey(x.sender, x.recipient));
    if (p) {
      p.values.push(ms);
      p.trace.add(evidence);
    }
  }
  return {
    result: {
      simulated: run.simulated,
      clockMode: run.clock.mode,
      ...(run.kpi3Baseline?.source ? { baselineSource: run.kpi3Baseline.source } : {}),
      overall: timeFigure(all, baselineFor(run.kpi3Baseline), allTrace),
      byPair: orderedPairs(index.countries).map(([sender, recipient]) => {
        const p = pairs.get(pairKey(sender, recipient))!;
        return { sender, recipient, figure: timeFigure(p.values, baselineFor(run.kpi3Baseline, sender, recipient), p.trace) };
      }),
    },
    exclusions: [
      { scope: 'kpi3', reason: 'no-decision', items: noDecision },
      { scope: 'kpi3', reason: 'clock-shifted', items: shifted },
      { scope: 'kpi3', reason: 'bad-document-exchange', items: bad },
      { scope: 'kpi3', reason: 'case-error', items: errors },
    ],
  };
}
