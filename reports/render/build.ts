import type { Lang, MessageParams } from '../../protocol/i18n.ts';
import type { CountryCode } from '../../protocol/types.ts';
import { checkLabel } from '../../protocol/reason-messages.ts';
import { getProfile } from '../../fixtures/profiles/index.ts';
import { findingText, labelText, skipText, type SkipInfo } from '../../runner/engine/findings.ts';
import { CASE_CATEGORIES } from '../../runner/record.ts';
import type { RunRecord } from '../run-record.ts';
import { formatFingerprint } from '../evidence/tester.ts';
import { isFalseAccept } from '../kpi/detection.ts';
import { KPI1_PAIR_TARGET, KPI1_TOTAL_TARGET } from '../kpi/kpi1.ts';
import type { Ev } from '../kpi/record-index.ts';
import type {
  BadDocument,
  CaseCounts,
  CaseFinding,
  CaseRow,
  EvidenceLink,
  Exclusion,
  KpiReport,
  PairFigure,
  RateFigure,
  TimeFigure,
  Trace,
} from '../kpi/types.ts';
import { reportMessages, type ReportMessageKey } from '../report.messages.ts';
import { pairMatrixChart, ratesByCountryChart, timesChart, type ChartSvg } from './charts.ts';
import { formatter, type Formatter } from './format.ts';
import type { Block, Cell, ReportView, Section, Span, Text, Tile, Tone, TraceView } from './view.ts';

// The report's content, written once for both renderers: what a reviewer reads, in which order,
// with every figure tied to its evidence. Layout belongs to html.ts and pdf.ts.

export interface BuildOptions {
  /** Prefix that turns a run-relative path into a link from where the report is written ('' when in the run directory). */
  linkBase?: string;
}

interface Ctx {
  lang: Lang;
  f: Formatter;
  t: (key: ReportMessageKey, params?: MessageParams) => string;
  href: (runRelative: string) => string;
  report: KpiReport;
  record: RunRecord;
  country: (code: CountryCode) => string;
}

const displayNames = new Map<Lang, Intl.DisplayNames>();

/** The name the cases and profiles use (e.g. "Kyrgyz Republic"); Intl's for a country without a profile. */
export function countryName(lang: Lang, code: CountryCode): string {
  try {
    return getProfile(code).name[lang];
  } catch {
    // no profile for this code: fall back to the region name
  }
  let names = displayNames.get(lang);
  if (!names) displayNames.set(lang, (names = new Intl.DisplayNames([lang], { type: 'region' })));
  try {
    return names.of(code) ?? code;
  } catch {
    return code;
  }
}

export function buildReportView(report: KpiReport, record: RunRecord, lang: Lang, options: BuildOptions = {}): ReportView {
  const base = options.linkBase ?? '';
  const ctx: Ctx = {
    lang,
    f: formatter(lang),
    t: (key, params) => reportMessages.t(lang, key, params),
    href: (p) => encodeURI(`${base}${p}`),
    report,
    record,
    country: (code) => countryName(lang, code),
  };
  const sections: Section[] = [
    kpi2Section(ctx),
    detectionSection(ctx),
    kpi1Section(ctx),
    kpi3Section(ctx),
    countriesSection(ctx),
    failuresSection(ctx),
    exclusionsSection(ctx),
    environmentSection(ctx),
    methodSection(ctx),
  ];
  const verdict = verdictBlock(ctx);
  const run = report.run;
  return {
    lang,
    title: ctx.t('report.title'),
    subtitle: ctx.t('report.subtitle', { runId: run.runId, kind: ctx.t(run.kind === 'pilot' ? 'kind.pilot' : 'kind.catalog'), date: ctx.f.time(run.startedAt) }),
    verdict,
    tocTitle: ctx.t('toc.title'),
    toc: sections.map((s) => ({ id: s.id, title: s.title })),
    sections,
    footer: ctx.t('footer', { harness: run.harness.name, version: run.harness.version, runId: run.runId }),
    // The run's own times, never the wall clock: re-rendering a run gives the same bytes.
    meta: { runId: run.runId, date: new Date(run.endedAt ?? run.startedAt), author: `${run.harness.name} ${run.harness.version}` },
  };
}

// ---------------------------------------------------------------------------------------------
// small pieces

const toneOf = (met: boolean | null): Tone => (met === null ? 'neutral' : met ? 'good' : 'bad');

function state(ctx: Ctx, met: boolean | null): string {
  return ctx.t(met === null ? 'word.noData' : met ? 'word.met' : 'word.notMet');
}

function caseLink(id: string): Span {
  return { text: id, href: `#case-${id}` };
}

function joinSpans(items: Span[], sep = ', '): Text {
  const out: Text = [];
  items.forEach((s, i) => {
    if (i) out.push(sep);
    out.push(s);
  });
  return out;
}

function code(text: string): Span {
  return { text, code: true };
}

function reasons(list: readonly string[]): Text {
  return list.length ? joinSpans(list.map(code)) : ['—'];
}

function traceView(ctx: Ctx, trace: Trace, misses: readonly string[] = []): TraceView {
  if (trace.seqs.length === 0 && trace.exchangeIds.length === 0) return { summary: ctx.t('trace.empty'), lines: [] };
  const lines: Text[] = [];
  if (trace.seqs.length) lines.push([ctx.t('trace.lines'), ' ', { text: ctx.f.ranges(trace.seqs), href: ctx.href('evidence.jsonl') }]);
  if (trace.caseIds.length) lines.push([ctx.t('trace.cases'), ' ', ...joinSpans(trace.caseIds.map(caseLink))]);
  if (trace.exchangeIds.length) lines.push([ctx.t('trace.exchanges'), ' ', code(trace.exchangeIds.join(', '))]);
  if (trace.logHashes.length) {
    lines.push([ctx.t('trace.hashes'), ' ', ...joinSpans(trace.logHashes.map((h) => ({ text: h.slice(0, 12), title: h, code: true })), ' ')]);
  }
  if (misses.length) lines.push([{ text: ctx.t('trace.misses'), tone: 'bad' }, ' ', ...joinSpans(misses.map((m) => ({ text: m, href: `#${m}` })))]);
  return { summary: ctx.t('trace.summary', { lines: trace.seqs.length }), lines };
}

function rateCells(ctx: Ctx, fig: RateFigure): Cell[] {
  return [
    { text: [{ text: ctx.f.pct(fig.rate), bold: true }], tone: toneOf(fig.targetMet), align: 'right' },
    { text: [`${ctx.f.int(fig.numerator)} / ${ctx.f.int(fig.denominator)}`], align: 'right' },
    { text: [ctx.f.interval(fig.interval)], align: 'right' },
    { text: [state(ctx, fig.targetMet)], tone: toneOf(fig.targetMet) },
  ];
}

function rateColumns(ctx: Ctx, first: string): Array<{ text: string; align?: 'left' | 'right' }> {
  return [{ text: first }, { text: ctx.t('col.rate'), align: 'right' }, { text: ctx.t('col.count'), align: 'right' }, { text: ctx.t('col.ci'), align: 'right' }, { text: ctx.t('col.target') }];
}

function chartBlock(chart: ChartSvg, alt: string): Block {
  return { kind: 'chart', svg: chart.svg, alt, width: chart.width, height: chart.height };
}

function evidenceLinks(ctx: Ctx, links: readonly EvidenceLink[]): Text {
  return joinSpans(
    links.map((l) => {
      const label = l.kind === 'verification' && (l.label === 'hub' || l.label === 'recipient' || l.label === 'harness' || l.label === 'mock') ? ctx.t(`verifier.${l.label}`) : (l.label ?? l.path);
      return { text: ctx.t(`evidence.${l.kind}`, { label }), href: ctx.href(l.path), title: l.path };
    }),
    ' · ',
  );
}

const pairLabel = (p: { sender: string; recipient: string }): string => `${p.sender} → ${p.recipient}`;

// ---------------------------------------------------------------------------------------------
// the first screen

function verdictBlock(ctx: Ctx): ReportView['verdict'] {
  const { report, t, f } = ctx;
  const { kpi2, detection, kpi1, kpi3, cases, verdict } = report;
  const blocks: Block[] = [];
  const target = kpi2.targetPercent;
  const headlineKey = verdict.overall === 'pass' ? 'verdict.headline.pass' : verdict.overall === 'fail' ? 'verdict.headline.fail' : 'verdict.headline.noData';
  const summary: Text[] = [];
  if (verdict.overall === 'pass') summary.push([t(detection.rate.denominator ? 'verdict.summary.pass' : 'verdict.summary.passNoDetection', { target })]);
  if (verdict.kpi2 === 'no-data') summary.push([t('verdict.summary.noData')]);
  if (report.interrupted && verdict.overall === 'no-data') summary.push([{ text: t('verdict.summary.interrupted'), bold: true }]);
  if (verdict.kpi2 === 'fail') summary.push([t('verdict.reason.kpi2', { rate: f.pct(kpi2.overall.rate), target })]);
  if (verdict.falseAccepts > 0) summary.push([{ text: t('verdict.reason.falseAccepts', { count: verdict.falseAccepts }), bold: true, tone: 'bad' }]);
  if (detection.rate.targetMet === false) summary.push([t('verdict.reason.detection', { rate: f.pct(detection.rate.rate) })]);
  if (verdict.kpi1) {
    const params = { count: f.int(kpi1.total.count), pairsMet: kpi1.pairsMet, pairs: kpi1.byPair.length, perPair: KPI1_PAIR_TARGET, total: KPI1_TOTAL_TARGET };
    if (verdict.kpi1 === 'fail') summary.push([{ text: t('verdict.reason.kpi1', params), bold: true, tone: 'bad' }, ' ', { text: '→', href: '#kpi1' }]);
    else summary.push([t('verdict.summary.kpi1', params)]);
  }
  const failedCases = cases.totals.failed + cases.totals.error;
  if (failedCases > 0) summary.push([{ text: t('verdict.reason.cases', { count: failedCases }), bold: true, tone: 'bad' }, ' ', { text: '→', href: '#failures' }]);
  const contract = ctx.record.results?.contract;
  if (contract && contract.unattributed.length > 0) summary.push([{ text: t('verdict.reason.contract', { count: contract.unattributed.length }), bold: true, tone: 'bad' }]);
  summary.push([t('verdict.cases', { ...cases.totals })]);
  blocks.push({ kind: 'paragraph', text: [identityLine(ctx)], small: true });
  blocks.push({ kind: 'list', items: summary });

  if (detection.falseAccepts.length) blocks.push(falseAcceptAlarm(ctx, detection.falseAccepts));

  const tiles: Tile[] = [
    {
      label: t('tile.kpi2.label'),
      value: f.pct(kpi2.overall.rate),
      detail: [t('tile.kpi2.detail', { numerator: f.int(kpi2.overall.numerator), denominator: f.int(kpi2.overall.denominator), interval: f.interval(kpi2.overall.interval) })],
      target: t('tile.target', { target: t('tile.targetPercent', { target }), state: state(ctx, kpi2.overall.targetMet) }),
      tone: toneOf(kpi2.overall.targetMet),
      href: '#kpi2',
    },
    {
      label: t('tile.detection.label'),
      value: f.pct(detection.rate.rate),
      detail: [t('tile.detection.detail', { numerator: f.int(detection.rate.numerator), denominator: f.int(detection.rate.denominator) })],
      target: t('tile.target', { target: t('tile.targetAll', { target: 100 }), state: state(ctx, detection.rate.targetMet) }),
      tone: toneOf(detection.rate.targetMet),
      href: '#detection',
    },
    {
      label: t('tile.falseAccepts.label'),
      value: f.int(verdict.falseAccepts),
      detail: [t('tile.falseAccepts.detail')],
      target: t('tile.target', { target: '0', state: state(ctx, detection.rate.denominator ? verdict.falseAccepts === 0 : null) }),
      tone: verdict.falseAccepts > 0 ? 'bad' : detection.rate.denominator ? 'good' : 'neutral',
      href: '#detection',
    },
    // A catalog run exchanges a few documents per pair to test the hub; the KPI-1 volume target is
    // what the pilot simulation (ecert pilot) measures, so a catalog run shows the count without a verdict.
    report.run.kind === 'pilot'
      ? {
          label: t('tile.kpi1.label'),
          value: f.int(kpi1.total.count),
          detail: [t('tile.kpi1.detail', { met: kpi1.pairsMet, pairs: kpi1.byPair.length, perPair: KPI1_PAIR_TARGET })],
          target: t('tile.target', {
            target: t('tile.kpi1.target', { total: KPI1_TOTAL_TARGET, perPair: KPI1_PAIR_TARGET }),
            state: state(ctx, kpi1.total.met && kpi1.pairsMet === kpi1.byPair.length),
          }),
          tone: toneOf(kpi1.total.met && kpi1.pairsMet === kpi1.byPair.length),
          href: '#kpi1',
        }
      : {
          label: t('tile.kpi1.label'),
          value: f.int(kpi1.total.count),
          detail: [t('tile.kpi1.detail', { met: kpi1.pairsMet, pairs: kpi1.byPair.length, perPair: KPI1_PAIR_TARGET })],
          target: t('tile.kpi1.catalog'),
          tone: 'neutral',
          href: '#kpi1',
        },
    {
      label: t('tile.kpi3.label'),
      value: f.duration(kpi3.overall.medianMs),
      detail: [t('tile.kpi3.detail', { n: kpi3.overall.n, reduction: reductionText(ctx, kpi3.overall) })],
      target: t('tile.target', { target: t('tile.kpi3.target', { target: kpi3.overall.targetPercent }), state: state(ctx, kpi3.overall.targetMet) }),
      tone: toneOf(kpi3.overall.targetMet),
      href: '#kpi3',
    },
    {
      label: t('tile.cases.label'),
      value: `${f.int(cases.totals.passed)}\u00a0/\u00a0${f.int(cases.totals.total)}`,
      detail: [t('tile.cases.detail', { failed: cases.totals.failed, skipped: cases.totals.skipped, error: cases.totals.error, unfinished: cases.totals.unfinished, notRun: cases.totals.notRun })],
      target: t('tile.target', { target: t('tile.cases.target'), state: state(ctx, cases.totals.total ? cases.totals.passed === cases.totals.total : null) }),
      tone: cases.totals.total === 0 ? 'neutral' : cases.totals.passed === cases.totals.total ? 'good' : 'bad',
      href: '#failures',
    },
  ];
  blocks.push({ kind: 'tiles', tiles });

  for (const notice of notices(ctx)) blocks.push(notice);
  blocks.push({ kind: 'facts', rows: identityFacts(ctx) });
  return { tone: verdict.overall === 'pass' ? 'good' : verdict.overall === 'fail' ? 'bad' : 'neutral', headline: t(headlineKey), blocks };
}

function falseAcceptAlarm(ctx: Ctx, docs: readonly BadDocument[]): Block {
  return {
    kind: 'alert',
    tone: 'bad',
    id: 'false-accepts',
    title: ctx.t('alarm.falseAccepts.title', { count: docs.length }),
    lines: docs.map((d) => [
      ...textWithCase(ctx.t('alarm.falseAccepts.item', {
        caseId: '\u0000',
        variant: d.variant,
        documentId: d.documentId,
        sender: d.sender,
        recipient: d.recipient,
        status: d.hubStatus ?? '?',
        expected: d.expectedReasons.join(' / ') || ctx.t('detection.anyReason'),
      }), d.caseId),
      ' ',
      ...(d.outcome === 'delivered-despite-rejection' ? [{ text: ctx.t('alarm.falseAccepts.delivered'), bold: true }, ' '] : []),
      ctx.t('alarm.falseAccepts.recipient', { decision: d.recipientDecision ?? 'none' }),
      ' ',
      ...evidenceLinks(ctx, d.evidence),
    ]),
  };
}

/** Puts a link to the case where the message has the placeholder character. */
function textWithCase(message: string, caseId: string): Text {
  return textWith(message, { ...caseLink(caseId), bold: true });
}

/** Puts a span (a link, a code) where the message has the placeholder character. */
function textWith(message: string, span: Span): Text {
  const [before, after] = message.split('\u0000');
  return after === undefined ? [message, ' ', span] : [before ?? '', span, after];
}

function notices(ctx: Ctx): Block[] {
  const { report, t } = ctx;
  const out: Block[] = [];
  if (report.run.simulated) out.push({ kind: 'alert', tone: 'info', title: t('notice.simulated.title'), lines: [[t('notice.simulated')]] });
  if (report.interrupted) out.push({ kind: 'alert', tone: 'warn', title: t('notice.interrupted.title'), lines: [[t('notice.interrupted')]] });
  const envError = ctx.record.results?.environmentError;
  if (envError) out.push({ kind: 'alert', tone: 'bad', title: t('notice.environment.title'), lines: [[envError.message], ...(envError.hint ? [[envError.hint]] : [])] });
  if (report.run.hub.defects.length) out.push({ kind: 'alert', tone: 'warn', title: t('notice.defects.title'), lines: [[t('notice.defects', { defects: report.run.hub.defects.join(', ') })]] });
  if (report.problems.length) out.push({ kind: 'alert', tone: 'warn', title: t('notice.problems.title'), lines: [[t('notice.problems', { count: report.problems.length }), ' ', { text: '→', href: '#environment' }]] });
  const contract = ctx.record.results?.contract;
  if (contract && contract.violations > 0) {
    const listed = contract.unattributed.slice(0, 5).map((v): Text => [code(v.request), ` → HTTP ${v.status}: ${v.errors.slice(0, 2).join('; ')} `, t('contract.line', { seq: v.seq })]);
    out.push({ kind: 'alert', tone: 'bad', title: t('notice.contract.title'), lines: [[t('notice.contract', { violations: contract.violations, checked: contract.checked, unattributed: contract.unattributed.length })], ...listed] });
  }
  return out;
}

function identityFacts(ctx: Ctx): Array<{ label: string; value: Text }> {
  const { run } = ctx.report;
  const { t, f } = ctx;
  return [
    { label: t('fact.run'), value: [code(run.runId)] },
    { label: t('fact.kind'), value: [t(run.kind === 'pilot' ? 'kind.pilot' : 'kind.catalog')] },
    { label: t('fact.period'), value: [`${f.time(run.startedAt)} – ${f.time(run.endedAt)}`] },
    {
      label: t('fact.hub'),
      value: [t('fact.hubValue', { name: run.hub.name, version: run.hub.version, mode: t(`mode.${run.hub.mode}`), url: run.hub.url, contract: run.hub.contractVersion, instance: run.hub.instanceId })],
    },
    { label: t('fact.harness'), value: [t('fact.harnessValue', { name: run.harness.name, version: run.harness.version, commit: run.harness.commit })] },
    { label: t('fact.seed'), value: [code(run.seed)] },
    { label: t('fact.countries'), value: [ctx.report.countries.map((c) => `${ctx.country(c)} (${c})`).join(', ')] },
    { label: t('fact.clock'), value: [t('fact.clockValue', { mode: run.clock.mode, at: f.time(run.clock.startedAt) })] },
    ...(ctx.record.results?.contract
      ? [{ label: t('fact.contract'), value: [t('fact.contractValue', { checked: ctx.record.results.contract.checked, violations: ctx.record.results.contract.violations })] }]
      : []),
  ];
}

function identityLine(ctx: Ctx): string {
  const { run } = ctx.report;
  return ctx.t('verdict.identity', {
    hub: `${run.hub.name} ${run.hub.version} (${ctx.t(`mode.${run.hub.mode}`)}, ${run.hub.url})`,
    harness: `${run.harness.version} (${run.harness.commit})`,
    seed: run.seed,
    countries: ctx.report.countries.join(', '),
    date: ctx.f.time(run.startedAt),
  });
}

function reductionText(ctx: Ctx, fig: TimeFigure): string {
  return fig.reduction === null ? ctx.t('word.noData') : ctx.f.pct(fig.reduction);
}

// ---------------------------------------------------------------------------------------------
// KPI-2

function kpi2Section(ctx: Ctx): Section {
  const { report, t, f } = ctx;
  const k = report.kpi2;
  const blocks: Block[] = [{ kind: 'paragraph', text: [t('kpi2.definition')], small: true }];
  blocks.push({
    kind: 'paragraph',
    text: [
      {
        text: t('kpi2.overall', {
          rate: f.pct(k.overall.rate),
          numerator: f.int(k.overall.numerator),
          denominator: f.int(k.overall.denominator),
          interval: f.interval(k.overall.interval),
          target: k.targetPercent,
          state: state(ctx, k.overall.targetMet),
        }),
        bold: true,
        tone: toneOf(k.overall.targetMet),
      },
      ...(k.overall.interval ? [' ', k.overall.lowerBoundMet ? t('kpi2.lowerBound.above') : t('kpi2.lowerBound.below', { low: f.pct(k.overall.interval.low) })] : []),
    ],
  });
  blocks.push({ kind: 'trace', trace: traceView(ctx, k.overall.trace, k.overall.misses) });

  blocks.push({ kind: 'heading', level: 3, text: t('kpi2.byCountry.title') });
  blocks.push(
    chartBlock(
      ratesByCountryChart({
        countries: report.countries,
        sender: report.countries.map((c) => k.bySender[c]?.rate ?? null),
        recipient: report.countries.map((c) => k.byRecipient[c]?.rate ?? null),
        targetPercent: k.targetPercent,
        labels: { sender: t('chart.sender'), recipient: t('chart.recipient'), target: t('chart.target', { target: k.targetPercent }), axis: t('chart.percent'), noData: t('chart.noData') },
      }),
      t('kpi2.chart.alt'),
    ),
  );
  blocks.push({
    kind: 'table',
    groups: [
      { text: '', span: 1 },
      { text: t('col.asSender'), span: 4 },
      { text: t('col.asRecipient'), span: 4 },
    ],
    columns: [{ text: t('col.country') }, ...rateColumns(ctx, '').slice(1), ...rateColumns(ctx, '').slice(1)],
    rows: report.countries.map((c) => {
      const s = k.bySender[c]!;
      const r = k.byRecipient[c]!;
      return {
        cells: [{ text: [{ text: `${ctx.country(c)} (${c})`, href: `#country-${c}` }] }, ...rateCells(ctx, s), ...rateCells(ctx, r)],
        trace: mergeTraces(ctx, [s, r]),
      };
    }),
  });

  blocks.push({ kind: 'heading', level: 3, text: t('kpi2.byCheck.title') });
  blocks.push({
    kind: 'table',
    columns: rateColumns(ctx, t('col.check')),
    rows: k.checks.map((c) => ({ cells: [{ text: [checkLabel(ctx.lang, c)] }, ...rateCells(ctx, k.byCheck[c])], trace: traceView(ctx, k.byCheck[c].trace, k.byCheck[c].misses) })),
  });
  blocks.push({ kind: 'heading', level: 3, text: t('kpi2.byVerifier.title') });
  blocks.push({
    kind: 'table',
    columns: rateColumns(ctx, t('col.verifier')),
    rows: (['hub', 'recipient'] as const).map((v) => ({ cells: [{ text: [t(`verifier.${v}`)] }, ...rateCells(ctx, k.byVerifier[v])], trace: traceView(ctx, k.byVerifier[v].trace, k.byVerifier[v].misses) })),
  });

  blocks.push({ kind: 'heading', level: 3, text: t('kpi2.pairs.title') });
  blocks.push(
    chartBlock(
      pairMatrixChart({
        countries: report.countries,
        cells: k.byPair.map((p) => ({
          sender: p.sender,
          recipient: p.recipient,
          met: p.figure.targetMet,
          label: p.figure.rate === null ? '—' : `${f.pct(p.figure.rate)}\nn=${p.figure.denominator}`,
        })),
        labels: { sender: t('chart.axisSender'), recipient: t('chart.axisRecipient') },
      }),
      t('kpi2.pairs.alt'),
    ),
  );
  blocks.push({
    kind: 'table',
    columns: rateColumns(ctx, t('col.pair')),
    rows: k.byPair.map((p) => ({ cells: [{ text: [pairLabel(p)] }, ...rateCells(ctx, p.figure)], trace: traceView(ctx, p.figure.trace, p.figure.misses) })),
  });

  blocks.push({ kind: 'heading', level: 3, text: t('kpi2.failures.title', { count: k.failures.length }) });
  if (k.failures.length === 0) blocks.push({ kind: 'paragraph', text: [t('kpi2.failures.none')] });
  else {
    blocks.push({
      kind: 'list',
      items: k.failures.map((fl) => [
        { text: fl.id, bold: true, tone: 'bad' },
        ' ',
        ...textWithCase(
          t('kpi2.failure', {
            verifier: `${t(`verifier.${fl.verifier}`)}${fl.node ? ` ${fl.node}` : ''}`,
            documentId: fl.documentId,
            sender: fl.sender,
            recipient: fl.recipient,
            caseId: '\u0000',
          }),
          fl.caseId,
        ),
        ' ',
        ...joinSpans(
          fl.checks.map((c) => ({ text: `${checkLabel(ctx.lang, c.check)} ${t(`result.${c.result}`)}${c.reasonCode ? ` ${c.reasonCode}` : ''}`, tone: 'bad' as Tone })),
          '; ',
        ),
        ` (${t('trace.lines')} `,
        { text: String(fl.seq), href: ctx.href('evidence.jsonl') },
        ') ',
        ...evidenceLinks(ctx, fl.evidence),
      ]),
      // Anchors for the failure ids the traces cite.
      itemIds: k.failures.map((fl) => fl.id),
    });
  }

  blocks.push({ kind: 'heading', level: 3, text: t('kpi2.oracle.title') });
  blocks.push({ kind: 'paragraph', text: [t('kpi2.oracle.text', { denominator: f.int(k.oracle.denominator), numerator: f.int(k.oracle.numerator), rate: f.pct(k.oracle.rate) })] });
  blocks.push({ kind: 'trace', trace: traceView(ctx, k.oracle.trace) });
  blocks.push({ kind: 'heading', level: 4, text: t('kpi2.disagreements.title', { count: k.disagreements.length }) });
  if (k.disagreements.length === 0) blocks.push({ kind: 'paragraph', text: [t('kpi2.disagreements.none')] });
  else {
    blocks.push({
      kind: 'list',
      items: k.disagreements.map((d) => [
        ...textWithCase(
          t('kpi2.disagreement', {
            caseId: '\u0000',
            documentId: d.documentId,
            oracle: t(d.oracleValid ? 'word.valid' : 'word.invalid'),
            verifier: t(`verifier.${d.verifier}`),
            sut: t(d.sutValid ? 'word.valid' : 'word.invalid'),
          }),
          d.caseId,
        ),
        ` (${t('trace.lines')} ${d.seqs.join(', ')})`,
      ]),
    });
  }
  blocks.push({ kind: 'heading', level: 3, text: t('kpi2.mock.title') });
  if (k.mockNodes.denominator === 0) blocks.push({ kind: 'paragraph', text: [t('kpi2.mock.none')] });
  else {
    blocks.push({ kind: 'paragraph', text: [t('kpi2.mock.text', { denominator: f.int(k.mockNodes.denominator), numerator: f.int(k.mockNodes.numerator), rate: f.pct(k.mockNodes.rate) })] });
    blocks.push({ kind: 'trace', trace: traceView(ctx, k.mockNodes.trace) });
  }
  return { id: 'kpi2', title: t('kpi2.title'), blocks };
}

function mergeTraces(ctx: Ctx, figs: RateFigure[]): TraceView {
  const merged: Trace = { seqs: [], caseIds: [], exchangeIds: [], logHashes: [] };
  for (const fig of figs) {
    merged.seqs.push(...fig.trace.seqs);
    merged.caseIds.push(...fig.trace.caseIds);
    merged.exchangeIds.push(...fig.trace.exchangeIds);
    merged.logHashes.push(...fig.trace.logHashes);
  }
  const uniq = <T>(xs: T[]): T[] => [...new Set(xs)];
  return traceView(
    ctx,
    { seqs: uniq(merged.seqs).sort((a, b) => a - b), caseIds: uniq(merged.caseIds).sort(), exchangeIds: uniq(merged.exchangeIds).sort(), logHashes: uniq(merged.logHashes).sort() },
    uniq(figs.flatMap((x) => x.misses)),
  );
}

// ---------------------------------------------------------------------------------------------
// Detection

function detectionSection(ctx: Ctx): Section {
  const { report, t, f } = ctx;
  const d = report.detection;
  const blocks: Block[] = [{ kind: 'paragraph', text: [t('detection.definition')], small: true }];
  if (d.documents.length === 0) {
    blocks.push({ kind: 'paragraph', text: [t('detection.none')] });
    return { id: 'detection', title: t('detection.title'), blocks };
  }
  blocks.push({
    kind: 'paragraph',
    text: [
      {
        text: t('detection.overall', { rate: f.pct(d.rate.rate), numerator: f.int(d.rate.numerator), denominator: f.int(d.rate.denominator), state: state(ctx, d.rate.targetMet) }),
        bold: true,
        tone: toneOf(d.rate.targetMet),
      },
    ],
  });
  blocks.push({ kind: 'trace', trace: traceView(ctx, d.rate.trace, d.rate.misses) });
  if (d.falseAccepts.length) blocks.push(falseAcceptAlarm(ctx, d.falseAccepts));
  else blocks.push({ kind: 'alert', tone: 'good', title: t('detection.falseAccepts.none'), lines: [] });

  if (d.wrongReasons.length) {
    blocks.push({ kind: 'heading', level: 3, text: t('detection.wrongReasons.title', { count: d.wrongReasons.length }) });
    blocks.push({
      kind: 'list',
      items: d.wrongReasons.map((w) => [caseLink(w.caseId), `: ${w.variant} — `, ...reasons(w.expectedReasons), ' → ', ...reasons(w.hubReasons), ' ', ...evidenceLinks(ctx, w.evidence)]),
    });
  }

  const noVerdict = d.documents.filter((doc) => doc.outcome === 'no-verdict');
  if (noVerdict.length) {
    blocks.push({ kind: 'heading', level: 3, text: t('detection.noVerdict.title', { count: noVerdict.length }) });
    blocks.push({
      kind: 'list',
      items: noVerdict.map((doc) => [caseLink(doc.caseId), `: ${doc.variant} (${pairLabel(doc)}) — `, noVerdictText(ctx, doc), ` (${t('trace.lines')} `, { text: [doc.seq, ...doc.verdictSeqs].join(', '), href: ctx.href('evidence.jsonl') }, ') ', ...evidenceLinks(ctx, doc.evidence)]),
    });
  }

  blocks.push({ kind: 'heading', level: 3, text: t('detection.byVariant.title') });
  blocks.push({
    kind: 'table',
    columns: rateColumns(ctx, t('col.variant')),
    rows: Object.entries(d.byVariant)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([variant, fig]) => ({ cells: [{ text: [code(variant)] }, ...rateCells(ctx, fig)], trace: traceView(ctx, fig.trace, fig.misses) })),
  });
  blocks.push({ kind: 'heading', level: 3, text: t('detection.bySender.title') });
  blocks.push({
    kind: 'table',
    columns: rateColumns(ctx, t('col.country')),
    rows: report.countries.map((c) => ({ cells: [{ text: [`${ctx.country(c)} (${c})`] }, ...rateCells(ctx, d.bySender[c]!)], trace: traceView(ctx, d.bySender[c]!.trace, d.bySender[c]!.misses) })),
  });

  blocks.push({ kind: 'heading', level: 3, text: t('detection.documents.title') });
  blocks.push({
    kind: 'table',
    id: 'bad-documents',
    columns: [
      { text: t('col.case') },
      { text: t('col.variant') },
      { text: t('col.pair') },
      { text: t('col.expected') },
      { text: t('col.hubStatus') },
      { text: t('col.hubReasons') },
      { text: t('col.outcome') },
    ],
    rows: d.documents.map((doc) => ({
      id: doc.id,
      cells: [
        { text: [caseLink(doc.caseId)] },
        { text: [code(doc.variant)] },
        { text: [pairLabel(doc)] },
        { text: doc.expectedReasons.length ? reasons(doc.expectedReasons) : [t('detection.anyReason')] },
        { text: [doc.hubStatus ?? '—'] },
        { text: reasons(doc.hubReasons) },
        {
          text: [{ text: t(`outcome.${doc.outcome}`), bold: isFalseAccept(doc.outcome) }, ...(doc.outcome === 'no-verdict' ? [': ', noVerdictText(ctx, doc)] : [])],
          tone: doc.outcome === 'rejected-expected' ? 'good' : 'bad',
        },
      ],
      trace: { summary: t('trace.summary', { lines: 1 + doc.verdictSeqs.length }), lines: [[t('trace.lines'), ' ', [doc.seq, ...doc.verdictSeqs].join(', ')], evidenceLinks(ctx, doc.evidence)] },
    })),
  });
  return { id: 'detection', title: t('detection.title'), blocks };
}

/** Why the hub gave no verdict on a bad document, in the report's language. */
function noVerdictText(ctx: Ctx, doc: BadDocument): string {
  const why = doc.noVerdictReason;
  const parts: string[] = [];
  if (why?.httpStatus !== undefined) parts.push(ctx.t('detection.noVerdict.http', { status: why.httpStatus, code: why.code ? ` ${why.code}` : '' }));
  if (why?.finding) parts.push(findingText(ctx.lang, why.finding));
  return parts.length ? parts.join('; ') : ctx.t('detection.noVerdict.unknown');
}

// ---------------------------------------------------------------------------------------------
// KPI-1

function kpi1Section(ctx: Ctx): Section {
  const { report, t, f } = ctx;
  const k = report.kpi1;
  const blocks: Block[] = [{ kind: 'paragraph', text: [t('kpi1.definition', { total: KPI1_TOTAL_TARGET, perPair: KPI1_PAIR_TARGET })], small: true }];
  blocks.push({ kind: 'paragraph', text: [t(`kpi1.source.${k.source}`)] });
  // A hub that started empty (the embedded one) has no history to leave out.
  if (k.logStart && k.logStart.afterSeq > 0) blocks.push({ kind: 'paragraph', text: [t('kpi1.logStart', { afterSeq: k.logStart.afterSeq, seq: k.logStart.seq, earlier: k.logStart.earlier })] });
  blocks.push({
    kind: 'paragraph',
    text: [
      {
        text: t('kpi1.total', { count: f.int(k.total.count), target: KPI1_TOTAL_TARGET, state: state(ctx, k.total.met), pairsMet: k.pairsMet, pairs: k.byPair.length, perPair: KPI1_PAIR_TARGET }),
        bold: true,
        tone: toneOf(k.total.met && k.pairsMet === k.byPair.length),
      },
      ' ',
      t('kpi1.byStatus', {
        list: Object.entries(k.byStatus)
          .map(([s, n]) => `${s} ${n}`)
          .join(', '),
      }),
    ],
  });
  blocks.push({ kind: 'trace', trace: traceView(ctx, k.total.trace) });
  blocks.push({ kind: 'heading', level: 3, text: t('kpi1.pairs.title') });
  blocks.push(
    chartBlock(
      pairMatrixChart({
        countries: report.countries,
        cells: k.byPair.map((p) => ({ sender: p.sender, recipient: p.recipient, met: p.figure.met, label: String(p.figure.count) })),
        labels: { sender: t('chart.axisSender'), recipient: t('chart.axisRecipient') },
      }),
      t('kpi1.pairs.alt'),
    ),
  );
  blocks.push({
    kind: 'table',
    columns: [{ text: t('col.pair') }, { text: t('col.exchanges'), align: 'right' }, { text: t('col.target') }],
    rows: k.byPair.map((p) => ({
      cells: [{ text: [pairLabel(p)] }, { text: [f.int(p.figure.count)], align: 'right', tone: toneOf(p.figure.met) }, { text: [`≥ ${p.figure.target}: ${state(ctx, p.figure.met)}`], tone: toneOf(p.figure.met) }],
      trace: traceView(ctx, p.figure.trace),
    })),
  });

  blocks.push({ kind: 'heading', level: 3, text: t('kpi1.disagreements.title', { count: k.disagreements.length }) });
  if (k.nodeLogs.length === 0) blocks.push({ kind: 'alert', tone: 'warn', title: t('kpi1.nodeLogs.none'), lines: [] });
  if (k.disagreements.length === 0) blocks.push({ kind: 'paragraph', text: [t('kpi1.disagreements.none')] });
  else {
    blocks.push({
      kind: 'list',
      items: k.disagreements.map((d) => {
        const reconciled = [
          ...(d.lost?.length ? [t('reconciliation.lost', { ids: d.lost.join(', ') })] : []),
          ...(d.duplicated?.length ? [t('reconciliation.duplicated', { ids: d.duplicated.join(', ') })] : []),
        ].join('; ');
        const text = t(`disagreement.${d.kind}`, { exchangeId: d.exchangeId ?? '', node: d.node ?? '', caseId: d.caseId ?? '', detail: d.detail ?? reconciled });
        return [
          { text, tone: 'bad' as Tone },
          ...(d.caseId ? [' (', caseLink(d.caseId), ')'] : []),
          ...(d.seq !== undefined ? [` — ${t('trace.lines')} `, { text: String(d.seq), href: ctx.href('evidence.jsonl') }] : []),
        ];
      }),
    });
  }
  if (k.logChains.length) {
    blocks.push({ kind: 'heading', level: 4, text: t('kpi1.chains.title') });
    blocks.push({
      kind: 'list',
      items: k.logChains.map((c) => [
        {
          text: t('kpi1.chain', { log: c.log, entries: c.entries, head: c.headHash.slice(0, 16), state: c.valid ? t('word.intact') : t('word.broken', { at: c.brokenAt ?? '?' }) }),
          tone: c.valid ? 'good' : 'bad',
        },
        ` (${t('trace.lines')} ${c.seq})`,
      ]),
    });
  }
  return { id: 'kpi1', title: t('kpi1.title'), blocks };
}

// ---------------------------------------------------------------------------------------------
// KPI-3

function kpi3Section(ctx: Ctx): Section {
  const { report, t, f } = ctx;
  const k = report.kpi3;
  const blocks: Block[] = [{ kind: 'paragraph', text: [t('kpi3.definition', { target: k.overall.targetPercent })], small: true }];
  if (k.simulated) blocks.push({ kind: 'alert', tone: 'info', title: t('notice.simulated.title'), lines: [[t('kpi3.simulated')]] });
  const baseline = report.run.kpi3Baseline;
  blocks.push({
    kind: 'paragraph',
    text: [k.overall.baselineMs ? t('kpi3.baseline', { baseline: f.duration(k.overall.baselineMs), source: baseline?.source ?? t('kpi3.baselineUnknownSource') }) : t('kpi3.noBaseline')],
  });
  if (k.overall.n === 0) {
    blocks.push({ kind: 'paragraph', text: [t('kpi3.none')] });
    return { id: 'kpi3', title: t('kpi3.title'), blocks };
  }
  blocks.push({
    kind: 'paragraph',
    text: [
      {
        text: t('kpi3.overall', {
          median: f.duration(k.overall.medianMs),
          p95: f.duration(k.overall.p95Ms),
          n: k.overall.n,
          reduction: reductionText(ctx, k.overall),
          target: k.overall.targetPercent,
          state: state(ctx, k.overall.targetMet),
        }),
        bold: true,
        tone: toneOf(k.overall.targetMet),
      },
    ],
  });
  blocks.push({ kind: 'trace', trace: traceView(ctx, k.overall.trace) });
  const minutes = (ms: number | null): number => (ms === null ? 0 : Math.round((ms / 60_000) * 10) / 10);
  const withData = k.byPair.filter((p) => p.figure.n > 0);
  blocks.push(
    chartBlock(
      timesChart({
        pairs: withData.map((p) => `${p.sender}→${p.recipient}`),
        boxes: withData.map((p) => [minutes(p.figure.minMs), minutes(p.figure.q1Ms), minutes(p.figure.medianMs), minutes(p.figure.q3Ms), minutes(p.figure.maxMs)]),
        baseline: k.overall.baselineMs ? minutes(k.overall.baselineMs) : null,
        target: k.overall.baselineMs ? minutes(k.overall.baselineMs * (1 - k.overall.targetPercent / 100)) : null,
        labels: { axis: t('kpi3.chart.axis'), baseline: t('kpi3.chart.baseline'), target: t('kpi3.chart.target', { target: k.overall.targetPercent }) },
      }),
      t('kpi3.chart.alt'),
    ),
  );
  blocks.push({ kind: 'heading', level: 3, text: t('kpi3.pairs.title') });
  blocks.push({
    kind: 'table',
    columns: [
      { text: t('col.pair') },
      { text: t('col.n'), align: 'right' },
      { text: t('col.median'), align: 'right' },
      { text: t('col.p95'), align: 'right' },
      { text: t('col.baseline'), align: 'right' },
      { text: t('col.reduction'), align: 'right' },
      { text: t('col.target') },
    ],
    rows: k.byPair.map((p) => timeRow(ctx, p)),
  });
  return { id: 'kpi3', title: t('kpi3.title'), blocks };
}

function timeRow(ctx: Ctx, p: PairFigure<TimeFigure>): { cells: Cell[]; trace: TraceView } {
  const { f } = ctx;
  const fig = p.figure;
  return {
    cells: [
      { text: [pairLabel(p)] },
      { text: [f.int(fig.n)], align: 'right' },
      { text: [f.duration(fig.medianMs)], align: 'right' },
      { text: [f.duration(fig.p95Ms)], align: 'right' },
      { text: [f.duration(fig.baselineMs)], align: 'right' },
      { text: [reductionText(ctx, fig)], align: 'right', tone: toneOf(fig.targetMet) },
      { text: [state(ctx, fig.targetMet)], tone: toneOf(fig.targetMet) },
    ],
    trace: traceView(ctx, fig.trace),
  };
}

// ---------------------------------------------------------------------------------------------
// Per country (the D5 shape)

function countriesSection(ctx: Ctx): Section {
  const { report, t } = ctx;
  const blocks: Block[] = [];
  for (const c of report.countries) blocks.push(...countryBlocks(ctx, c));
  return { id: 'countries', title: t('countries.title'), blocks };
}

function countryBlocks(ctx: Ctx, c: CountryCode): Block[] {
  const { report, t, f } = ctx;
  const cc = report.cases.byCountry[c];
  const blocks: Block[] = [{ kind: 'heading', level: 3, text: t('country.title', { name: ctx.country(c), code: c }), id: `country-${c}` }];
  if (!cc || cc.cases.length === 0) blocks.push({ kind: 'paragraph', text: [t('country.noCases')] });
  if (cc && cc.cases.length) {
    const hasUnfinished = cc.counts.unfinished > 0;
    const hasNotRun = cc.counts.notRun > 0;
    const countCells = (n: CaseCounts): Cell[] => [
      { text: [f.int(n.total)], align: 'right' },
      { text: [f.int(n.passed)], align: 'right', tone: n.total && n.passed === n.total ? 'good' : 'neutral' },
      { text: [f.int(n.failed)], align: 'right', tone: n.failed ? 'bad' : 'neutral' },
      { text: [f.int(n.skipped)], align: 'right', tone: n.skipped ? 'warn' : 'neutral' },
      { text: [f.int(n.error)], align: 'right', tone: n.error ? 'warn' : 'neutral' },
      ...(hasUnfinished ? [{ text: [f.int(n.unfinished)], align: 'right' as const, tone: n.unfinished ? ('warn' as const) : ('neutral' as const) }] : []),
      ...(hasNotRun ? [{ text: [f.int(n.notRun)], align: 'right' as const, tone: n.notRun ? ('warn' as const) : ('neutral' as const) }] : []),
    ];
    blocks.push({ kind: 'heading', level: 4, text: t('country.cases.title') });
    blocks.push({
      kind: 'table',
      columns: [
        { text: t('col.category') },
        { text: t('col.run'), align: 'right' },
        { text: t('col.passed'), align: 'right' },
        { text: t('col.failed'), align: 'right' },
        { text: t('col.skipped'), align: 'right' },
        { text: t('col.error'), align: 'right' },
        ...(hasUnfinished ? [{ text: t('status.unfinished'), align: 'right' as const }] : []),
        ...(hasNotRun ? [{ text: t('status.not-run'), align: 'right' as const }] : []),
      ],
      rows: [
        ...CASE_CATEGORIES.map((k) => ({ cells: [{ text: [t(`category.${k}`)] }, ...countCells(cc.byCategory[k])] })),
        { cells: [{ text: [{ text: t('word.total'), bold: true }] }, ...countCells(cc.counts)] },
      ],
    });
  }

  const k2 = report.kpi2;
  const det = report.detection.bySender[c];
  blocks.push({ kind: 'heading', level: 4, text: t('country.kpis.title') });
  blocks.push({
    kind: 'table',
    columns: rateColumns(ctx, t('col.figure')),
    rows: [
      { cells: [{ text: [t('country.kpi2Sender')] }, ...rateCells(ctx, k2.bySender[c]!)], trace: traceView(ctx, k2.bySender[c]!.trace, k2.bySender[c]!.misses) },
      { cells: [{ text: [t('country.kpi2Recipient')] }, ...rateCells(ctx, k2.byRecipient[c]!)], trace: traceView(ctx, k2.byRecipient[c]!.trace, k2.byRecipient[c]!.misses) },
      ...(det && det.denominator ? [{ cells: [{ text: [t('country.detection')] }, ...rateCells(ctx, det)], trace: traceView(ctx, det.trace, det.misses) }] : []),
    ],
  });

  const partners = report.countries.filter((p) => p !== c);
  const find = <F>(list: PairFigure<F>[], s: string, r: string): F | undefined => list.find((p) => p.sender === s && p.recipient === r)?.figure;
  blocks.push({ kind: 'heading', level: 4, text: t('country.pairs.title') });
  blocks.push({
    kind: 'table',
    columns: [
      { text: t('col.partner') },
      { text: t('col.sent'), align: 'right' },
      { text: t('col.kpi2Sent'), align: 'right' },
      { text: t('col.received'), align: 'right' },
      { text: t('col.kpi2Received'), align: 'right' },
      { text: t('col.medianSent'), align: 'right' },
    ],
    rows: partners.map((p) => {
      const sent = find(report.kpi1.byPair, c, p);
      const recv = find(report.kpi1.byPair, p, c);
      const ks = find(k2.byPair, c, p);
      const kr = find(k2.byPair, p, c);
      const time = find(report.kpi3.byPair, c, p);
      return {
        cells: [
          { text: [`${ctx.country(p)} (${p})`] },
          { text: [f.int(sent?.count ?? 0)], align: 'right', tone: toneOf(sent ? sent.met : null) },
          { text: [ks ? `${f.pct(ks.rate)} (${ks.numerator}/${ks.denominator})` : '—'], align: 'right', tone: toneOf(ks?.targetMet ?? null) },
          { text: [f.int(recv?.count ?? 0)], align: 'right', tone: toneOf(recv ? recv.met : null) },
          { text: [kr ? `${f.pct(kr.rate)} (${kr.numerator}/${kr.denominator})` : '—'], align: 'right', tone: toneOf(kr?.targetMet ?? null) },
          { text: [f.duration(time?.medianMs ?? null)], align: 'right' },
        ],
      };
    }),
  });

  if (cc && cc.cases.length) {
    blocks.push({ kind: 'heading', level: 4, text: t('country.caseList.title', { code: c }) });
    blocks.push({
      kind: 'table',
      columns: [{ text: t('col.case') }, { text: t('col.category') }, { text: t('col.title') }, { text: t('col.status') }, { text: t('col.finding') }],
      rows: cc.cases.map((row) => caseRow(ctx, row)),
    });
  }
  return blocks;
}

function statusTone(status: CaseRow['status']): Tone {
  return status === 'passed' ? 'good' : status === 'failed' ? 'bad' : 'warn';
}

/** Severity names as the terminal says them (one vocabulary, runner/engine/findings.ts); the two worst in capitals. */
function severityLabel(lang: Lang, severity: string): string {
  const label = labelText(lang, `severity.${severity}`);
  return severity === 'false-accept' || severity === 'data-leak' ? label.toLocaleUpperCase(lang) : label;
}

/** Why a case was skipped, in the report's language when the record carries the reason's code. */
function skipReasonText(ctx: Ctx, row: Pick<CaseRow, 'skip' | 'skipReason'>): string | undefined {
  return row.skip ? skipText(ctx.lang, row.skip as SkipInfo) : row.skipReason;
}

/** One finding of the oracle: severity and attribution through the report's catalog, the text through the findings catalog. */
function findingLine(ctx: Ctx, fd: CaseFinding): Text {
  const { t } = ctx;
  const out: Text = [];
  if (fd.severity) out.push({ text: severityLabel(ctx.lang, fd.severity), bold: true, tone: fd.severity === 'false-accept' || fd.severity === 'data-leak' ? 'bad' : 'neutral' }, '. ');
  if (fd.attribution) out.push(t('attribution', { who: fd.attribution }), '. ');
  out.push(findingText(ctx.lang, fd));
  return out;
}

/** The case's primary finding (the one results.json names), else its first. */
function primaryFinding(row: CaseRow): CaseFinding | undefined {
  return row.findings.find((fd) => fd.message === row.message && fd.severity === row.severity) ?? row.findings[0];
}

function finding(ctx: Ctx, row: CaseRow): Text {
  const { t } = ctx;
  const out: Text = [];
  if (row.findings.length) {
    // Every finding, the primary first, each in the report's language.
    const primary = primaryFinding(row)!;
    [primary, ...row.findings.filter((fd) => fd !== primary)].forEach((fd, i) => out.push(...(i ? [' · '] : []), ...findingLine(ctx, fd)));
  } else if (row.severity || row.attribution || row.message) {
    // A record without findings (older runs): the primary finding as results.json states it.
    out.push(...findingLine(ctx, { code: '', ...(row.severity ? { severity: row.severity } : {}), ...(row.attribution ? { attribution: row.attribution } : {}), ...(row.message ? { message: row.message } : {}) }));
  }
  const skip = skipReasonText(ctx, row);
  if (skip) out.push(t('skipReason', { reason: skip }));
  return out;
}

function caseRow(ctx: Ctx, row: CaseRow): { id: string; cells: Cell[] } {
  const { t } = ctx;
  const failed = row.status === 'failed' || row.status === 'error';
  return {
    id: `case-${row.id}`,
    cells: [
      { text: [failed ? { text: row.id, href: `#fail-${row.id}`, bold: true } : { text: row.id, code: true }] },
      { text: [labelText(ctx.lang, `category.${row.category}`)] },
      { text: [row.title[ctx.lang] ?? row.title.en] },
      { text: [t(`status.${row.status}`)], tone: statusTone(row.status) },
      { text: finding(ctx, row) },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Failures with their evidence

function failuresSection(ctx: Ctx): Section {
  const { report, t } = ctx;
  const rank = (r: CaseRow): number => (r.severity === 'false-accept' ? 0 : r.status === 'failed' ? 1 : 2);
  const failed = report.cases.rows.filter((r) => r.status === 'failed' || r.status === 'error').sort((a, b) => rank(a) - rank(b) || a.startSeq - b.startSeq);
  const blocks: Block[] = [];
  if (failed.length === 0) blocks.push({ kind: 'paragraph', text: [t('failures.none')] });
  for (const row of failed) {
    blocks.push({ kind: 'heading', level: 3, text: t('failure.heading', { caseId: row.id, title: row.title[ctx.lang] ?? row.title.en }), id: `fail-${row.id}` });
    const rows: Array<{ label: string; value: Text }> = [
      { label: t('failure.status'), value: [{ text: t(`status.${row.status}`), tone: statusTone(row.status), bold: true }, ' · ', t(`category.${row.category}`), ' · ', row.requirementText?.[ctx.lang] ?? row.requirement] },
    ];
    const fnd = finding(ctx, row);
    if (fnd.length) rows.push({ label: t('failure.finding'), value: fnd });
    rows.push({ label: t('failure.expected'), value: [code(JSON.stringify(row.expected))] });
    // The findings are shown above in the report's language; the rest of the observation as recorded.
    const { findings: _findings, ...observed } = row.observed;
    rows.push({ label: t('failure.observed'), value: [code(JSON.stringify(observed))] });
    if (row.exchangeIds.length) rows.push({ label: t('failure.exchanges'), value: [code(row.exchangeIds.join(', '))] });
    if (row.startSeq > 0) rows.push({ label: t('failure.lines'), value: [{ text: `${row.startSeq}–${row.finishSeq ?? '…'}`, href: ctx.href('evidence.jsonl') }] });
    if (row.evidence.length) rows.push({ label: t('failure.files'), value: evidenceLinks(ctx, row.evidence) });
    blocks.push({ kind: 'facts', rows });
  }
  return { id: 'failures', title: t('failures.title'), blocks };
}

// ---------------------------------------------------------------------------------------------
// Exclusions, environment, method

function exclusionsSection(ctx: Ctx): Section {
  const { report, t } = ctx;
  const blocks: Block[] = [{ kind: 'paragraph', text: [t('exclusions.intro')] }];
  if (report.exclusions.length === 0) blocks.push({ kind: 'paragraph', text: [t('exclusions.none')] });
  for (const ex of report.exclusions) {
    blocks.push({ kind: 'paragraph', text: [{ text: t(`exclusion.${ex.scope}.${ex.reason}` as ReportMessageKey, { count: ex.items.length }), bold: true }] });
    blocks.push({ kind: 'details', summary: t('exclusions.list', { count: ex.items.length }), blocks: [{ kind: 'list', items: groupExclusion(ctx, ex) }] });
  }
  return { id: 'exclusions', title: t('exclusions.title'), blocks };
}

/** What an excluded item's detail says, in the report's language where it is not an identifier. */
function exclusionDetail(ctx: Ctx, ex: Exclusion, item: Exclusion['items'][number]): string {
  if (item.durationMs !== undefined) return ctx.t('exclusion.clockShift', { duration: ctx.f.duration(item.durationMs) });
  if (ex.scope === 'cases' && ex.reason === 'case-skipped' && item.caseId) {
    const row = ctx.report.cases.rows.find((r) => r.id === item.caseId);
    if (row) return skipReasonText(ctx, row) ?? '';
  }
  if (ex.reason === 'bad-document-verification' && (item.detail === 'hub' || item.detail === 'recipient' || item.detail === 'harness')) return ctx.t(`verifier.${item.detail}`);
  if (ex.scope === 'cases' && ex.reason === 'case-error' && item.caseId) {
    const row = ctx.report.cases.rows.find((r) => r.id === item.caseId);
    const primary = row && primaryFinding(row);
    if (primary) return findingText(ctx.lang, primary);
  }
  return item.detail ?? '';
}

/** One line per detail value (e.g. per skip reason or final status), listing its items. */
function groupExclusion(ctx: Ctx, ex: Exclusion): Text[] {
  const groups = new Map<string, Exclusion['items']>();
  for (const item of ex.items) {
    const key = exclusionDetail(ctx, ex, item);
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  return [...groups].map(([detail, items]) => {
    const cases = [...new Set(items.flatMap((i) => (i.caseId ? [i.caseId] : [])))];
    const seqs = items.flatMap((i) => (i.seq !== undefined ? [i.seq] : [])).sort((a, b) => a - b);
    return [
      ...(detail ? [{ text: detail, bold: true }, ': '] : []),
      ...joinSpans(cases.map(caseLink)),
      ...(seqs.length ? [` (${ctx.t('trace.lines')} `, { text: ctx.f.ranges(seqs), href: ctx.href('evidence.jsonl') }, ')'] : []),
    ];
  });
}

function environmentSection(ctx: Ctx): Section {
  const { report, record, t } = ctx;
  const run = report.run;
  const facts: Array<{ label: string; value: Text }> = [
    ...identityFacts(ctx),
    { label: t('fact.capabilities'), value: [run.hub.capabilities.join(', ') || t('word.none')] },
    { label: t('fact.defects'), value: [run.hub.defects.length ? { text: run.hub.defects.join(', '), tone: 'warn' } : t('word.none')] },
    { label: t('fact.node'), value: [t('fact.nodeValue', { ...run.environment, node: run.environment.node })] },
    { label: t('fact.selection'), value: [code(JSON.stringify(run.selection))] },
  ];
  const env = record.events.find((e): e is Ev<'environment-ready'> => e.type === 'environment-ready');
  if (env) {
    facts.push({
      label: t('fact.nodes'),
      value: [env.nodes.map((n) => t('fact.nodesValue', { country: n.country, mock: String(n.mock), track: n.track, delivery: n.delivery })).join('; ')],
    });
    if (env.hubClockSkewMs) {
      facts.push({ label: t('fact.clockSkew'), value: [t('fact.clockSkewValue', { skew: ctx.f.duration(Math.abs(env.hubClockSkewMs)), ahead: String(env.hubClockSkewMs > 0) })] });
    }
    if (env.hubLogStart && (env.hubLogStart.exchange > 0 || env.hubLogStart.audit > 0)) facts.push({ label: t('fact.hubLogStart'), value: [t('fact.hubLogStartValue', { exchange: env.hubLogStart.exchange, audit: env.hubLogStart.audit })] });
  }
  // Who sealed the run: a reviewer compares this fingerprint with the one the tester published.
  facts.push({
    label: t('fact.tester'),
    value: record.tester
      ? textWith(t('fact.testerValue', { subject: record.tester.subject, fingerprint: '\u0000' }), { text: formatFingerprint(record.tester.fingerprint256), code: true, bold: true })
      : [t('fact.testerNone')],
  });
  const blocks: Block[] = [{ kind: 'facts', rows: facts }];
  blocks.push({ kind: 'heading', level: 3, text: t('env.trust.title') });
  blocks.push({ kind: 'paragraph', text: [t('env.trust.sha', { sha: '' }), code(run.trustRegistry.sha256)] });
  blocks.push({
    kind: 'table',
    columns: [{ text: t('col.country') }, { text: t('col.role') }, { text: t('col.keyId') }, { text: t('col.subject') }, { text: t('col.fingerprint') }],
    rows: run.trustRegistry.certificates.map((c) => ({
      cells: [
        { text: [c.country] },
        { text: [`${t(`role.${c.role}`)}${c.status ? ` (${t('role.status', { status: c.status })})` : ''}`] },
        { text: [c.keyId ? code(c.keyId) : '—'] },
        { text: [c.subject] },
        { text: [{ text: c.fingerprint256, code: true }] },
      ],
    })),
  });
  if (report.problems.length) {
    blocks.push({ kind: 'heading', level: 3, text: t('env.problems.title') });
    blocks.push({
      kind: 'list',
      items: report.problems.map((p) => [{ text: t(`problem.${p.kind}`, { file: p.file, line: p.line ?? '—', detail: p.detail }), tone: 'warn' }]),
    });
  }
  // The run id, not the path it was rendered from: re-rendering gives the same bytes whatever path was typed.
  blocks.push({ kind: 'paragraph', text: textWith(t('env.integrity', { command: '\u0000', runId: run.runId }), code(`ecert evidence verify ${run.runId}`)) });
  return { id: 'environment', title: t('env.title'), blocks };
}

function methodSection(ctx: Ctx): Section {
  const { t } = ctx;
  return {
    id: 'method',
    title: t('method.title'),
    blocks: [{ kind: 'list', items: [[t('method.evidence')], [t('method.wilson')], [t('method.target')], [t('method.percentile')], [t('method.reasons')]] }],
  };
}
