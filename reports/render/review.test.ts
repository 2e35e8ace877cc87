import { describe, expect, it } from 'vitest';
import type { Lang, MessageParams } from '../../protocol/i18n.ts';
import { findingText, skipText } from '../../runner/engine/findings.ts';
import type { RunRecord } from '../run-record.ts';
import { formatFingerprint } from '../evidence/tester.ts';
import { computeKpis } from '../kpi/index.ts';
import { caseFinished, caseStarted, checks, environmentReady, makeRecord, verification, type EventSpec } from '../testing/hand-made.ts';
import { reportMessages, type ReportMessageKey } from '../report.messages.ts';
import { buildReportView } from './build.ts';
import { formatter } from './format.ts';
import { renderHtml } from './html.ts';

// What the reports say about the points a review of generated reports raised, in both languages,
// on hand-made evidence (fast: HTML only, no files).

const LANGS: Lang[] = ['en', 'ru'];
const t = (lang: Lang, key: ReportMessageKey, params?: MessageParams): string => reportMessages.t(lang, key, params);

/** The report's visible text: tags dropped, entities decoded, white space squashed. */
function reportText(record: RunRecord, lang: Lang): string {
  const html = renderHtml(buildReportView(computeKpis(record), record, lang));
  return squash(
    html
      .replace(/<style[\s\S]*?<\/style>/g, ' ')
      // inline tags join their text; block tags separate it
      .replace(/<\/?(span|strong|em|a|code|b|i)\b[^>]*>/g, '')
      .replace(/<[^>]+>/g, ' ')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, '&'),
  );
}
const squash = (s: string): string => s.replace(/[\s\u00a0]+/g, ' ').trim();
/** Where the text is cut by a link or a code span in the HTML, compare without it. */
const has = (text: string, message: string): boolean => text.includes(squash(message));

function genuineCase(id: string, sender: string, recipient: string, mock = true): EventSpec[] {
  return [
    caseStarted(id, sender),
    verification(id, 'harness', { sender, recipient }),
    verification(id, 'hub', { sender, recipient }),
    verification(id, 'recipient', { sender, recipient, mock }),
    caseFinished(id),
  ];
}

function exchange(id: string, sender: string, recipient: string, extra: Record<string, unknown> = {}): EventSpec {
  return {
    type: 'exchange',
    caseId: `case-${id}`,
    exchangeId: id,
    sender,
    recipient,
    documentId: `doc-${id}`,
    channel: 'api',
    genuine: true,
    finalStatus: 'Accepted',
    timeline: [{ status: 'Received', at: '2026-01-01T00:00:00.000Z' }],
    issuedAt: '2026-01-01T00:00:00.000Z',
    decidedAt: '2026-01-01T00:05:00.000Z',
    decision: 'accepted',
    deliveryAttempts: 1,
    hubLogHashes: [],
    ...extra,
  } as EventSpec;
}

describe('KPI-2 in the report counts the system under test only', () => {
  for (const lang of LANGS) {
    it(`${lang}: labels the per-country figures as verifications, reports the mock nodes apart and states their exclusion`, () => {
      const record = makeRecord([environmentReady(), ...genuineCase('A', 'UZ', 'KG'), ...genuineCase('B', 'KG', 'UZ')]);
      const text = reportText(record, lang);
      const f = formatter(lang);
      expect(has(text, t(lang, 'kpi2.overall', { rate: f.pct(1), numerator: 2, denominator: 2, interval: f.interval(computeKpis(record).kpi2.overall.interval), target: 95, state: t(lang, 'word.met') }))).toBe(true);
      for (const key of ['col.asSender', 'col.asRecipient', 'country.kpi2Recipient', 'col.kpi2Received', 'kpi2.mock.title'] as const) expect(has(text, t(lang, key)), key).toBe(true);
      expect(has(text, t(lang, 'kpi2.mock.text', { denominator: 2, numerator: 2, rate: f.pct(1) }))).toBe(true);
      expect(has(text, t(lang, 'exclusion.kpi2.mock-node-verification', { count: 2 }))).toBe(true);
      expect(text).not.toMatch(/Documents it received|Полученные ею документы/);
    });
  }
});

describe('evidence links of a mock node', () => {
  it('name its verification report as the harness’s mock node, not as a real recipient', () => {
    const mockReport = { ...verification('A', 'recipient', { mock: true }), reportFile: 'verifications/A/recipient-A-doc.json' } as EventSpec;
    const record = makeRecord([caseStarted('A'), verification('A', 'hub'), mockReport, caseFinished('A', 'failed')]);
    for (const lang of LANGS) {
      const text = reportText(record, lang);
      expect(text).toContain(t(lang, 'evidence.verification', { label: t(lang, 'verifier.mock') }));
      expect(text).not.toContain(t(lang, 'evidence.verification', { label: t(lang, 'verifier.recipient') }));
    }
  });
});

describe('first screen of a pilot run', () => {
  for (const lang of LANGS) {
    it(`${lang}: fails on KPI-1 and says why`, () => {
      const events = [...genuineCase('A', 'UZ', 'KG'), ...Array.from({ length: 12 }, (_, i) => exchange(`x${i}`, 'UZ', 'KG'))];
      const text = reportText(makeRecord(events, { info: { kind: 'pilot' } }), lang);
      expect(has(text, t(lang, 'verdict.headline.fail'))).toBe(true);
      expect(has(text, t(lang, 'verdict.reason.kpi1', { count: 12, pairsMet: 1, pairs: 2, perPair: 10, total: 60 }))).toBe(true);
    });
  }
});

describe('bad documents with no hub verdict', () => {
  it('are listed as not detected, with the hub’s HTTP answer', () => {
    const events: EventSpec[] = [
      caseStarted('S1', 'UZ', 'bad-signature'),
      { type: 'document', caseId: 'S1', documentId: 'S1-doc', sender: 'UZ', recipient: 'KG', documentType: 'coc', hsCode: '081310', genuine: false, variant: 'corrupted-cms', sha256: 'x', size: 1, issuedAt: '2026-01-01T00:00:00.000Z' },
      { type: 'hub-response', caseId: 'S1', request: 'submit', status: 422, code: 'NOT_A_PDF' },
      caseFinished('S1', 'failed', { hub: { status: 'Rejected', reasonCode: 'SIGNATURE_INVALID' } }),
    ];
    for (const lang of LANGS) {
      const text = reportText(makeRecord(events), lang);
      expect(has(text, t(lang, 'detection.noVerdict.title', { count: 1 })), lang).toBe(true);
      expect(has(text, t(lang, 'detection.noVerdict.http', { status: 422, code: ' NOT_A_PDF' })), lang).toBe(true);
      expect(has(text, t(lang, 'detection.overall', { rate: formatter(lang).pct(0), numerator: 0, denominator: 1, state: t(lang, 'word.notMet') })), lang).toBe(true);
    }
  });
});

describe('findings in the report’s language', () => {
  const finding = { code: 'FALSE_ACCEPT', severity: 'false-accept', attribution: 'hub', message: 'the hub accepted a bad document (status Verified); expected rejection with MESSAGE_DIGEST_MISMATCH', params: { status: 'Verified', expected: 'MESSAGE_DIGEST_MISMATCH' } };
  const record = makeRecord([caseStarted('S1', 'UZ', 'bad-signature'), caseFinished('S1', 'failed', {}, { hub: { status: 'Verified' }, findings: [finding] })]);

  it('ru: every finding through the findings catalog; severity, attribution and the hub mode in Russian', () => {
    const text = reportText(record, 'ru');
    expect(text).toContain(findingText('ru', finding));
    expect(text).not.toContain(finding.message);
    expect(text).toContain(`ЛОЖНЫЙ ПРИЁМ. ${t('ru', 'attribution', { who: 'hub' })}.`);
    expect(text).not.toMatch(/\bfalse-accept\b|"attribution":"hub"/);
    expect(text).toContain('(встроенный, https://127.0.0.1)');
    expect(text).not.toContain('(embedded,');
  });

  it('en: the same finding in English, the mode word in English', () => {
    const text = reportText(record, 'en');
    expect(text).toContain(findingText('en', finding));
    expect(text).toContain('(embedded, https://127.0.0.1)');
  });
});

describe('skip reasons in the report’s language', () => {
  it('render the runner’s skip code through its catalog, in the case list and under exclusions', () => {
    const skip = { code: 'skip.capability' as const, params: { capabilities: 'test-clock' } };
    const record = makeRecord([caseStarted('A', 'UZ', 'expired-document'), { ...caseFinished('A', 'skipped'), skipReason: skipText('en', skip), skip } as EventSpec]);
    const ru = reportText(record, 'ru');
    expect(ru).toContain(t('ru', 'skipReason', { reason: skipText('ru', skip) }));
    expect(ru).not.toContain(skipText('en', skip));
    expect(ru).toContain(`${skipText('ru', skip)}: A`);
  });
});

describe('country names and Russian wording', () => {
  it('uses the profiles’ names (Kyrgyz Republic), Intl’s for a country without a profile, and “начальное значение (seed)”', () => {
    const record = makeRecord([caseStarted('A', 'KG'), caseFinished('A')], { info: { countries: ['UZ', 'KG', 'KZ'] } });
    const en = reportText(record, 'en');
    expect(en).toContain('Kyrgyz Republic (KG)');
    expect(en).not.toContain('Kyrgyzstan');
    expect(en).toContain('Kazakhstan (KZ)');
    const ru = reportText(record, 'ru');
    expect(ru).toContain('Кыргызская Республика (KG)');
    expect(ru).toContain('Казахстан (KZ)');
    expect(ru).toContain('начальное значение (seed) test');
    expect(ru).toContain('Начальное значение (seed)');
    expect(ru).not.toMatch(/[Зз]ерно|ложное принятие|ложного принятия/);
  });
});

describe('an interrupted run', () => {
  for (const lang of LANGS) {
    it(`${lang}: counts the cases that did not finish, with a clear label`, () => {
      const record = makeRecord([caseStarted('A'), caseFinished('A'), caseStarted('B'), caseStarted('C', 'KG')], { finished: false });
      const text = reportText(record, lang);
      expect(has(text, t(lang, 'verdict.cases', { passed: 1, total: 3, failed: 0, skipped: 0, error: 0, unfinished: 2, notRun: 0 }))).toBe(true);
      expect(has(text, t(lang, 'tile.cases.detail', { failed: 0, skipped: 0, error: 0, unfinished: 2, notRun: 0 }))).toBe(true);
      expect(text).toMatch(lang === 'en' ? /2 did not finish \(the run stopped during them\)/ : /не завершено \(прогон остановлен во время выполнения\) — 2/);
    });
  }
});

describe('environment facts and KPI-3 exclusions', () => {
  for (const lang of LANGS) {
    it(`${lang}: shows the hub clock offset, the hub’s log start, the tester’s fingerprint, and exchanges left out of KPI-3 for a clock shift`, () => {
      const f = formatter(lang);
      const record = makeRecord([environmentReady({ hubLogStart: { exchange: 41, audit: 97 }, hubClockSkewMs: -4_000 }), exchange('x1', 'UZ', 'KG'), exchange('jump', 'UZ', 'KG', { clockShiftedMs: 48 * 3_600_000 })], { hubExchangeLog: [] });
      const fingerprint = 'ab'.repeat(32);
      const withTester = { ...record, tester: { subject: 'O=ecert-harness evidence, CN=tester', fingerprint256: fingerprint } };
      const text = reportText(withTester, lang);
      expect(has(text, t(lang, 'fact.clockSkewValue', { skew: f.duration(4_000), ahead: 'false' }))).toBe(true);
      expect(has(text, t(lang, 'fact.hubLogStartValue', { exchange: 41, audit: 97 }))).toBe(true);
      expect(has(text, t(lang, 'kpi1.logStart', { afterSeq: 41, seq: 2, earlier: 0 }))).toBe(true);
      expect(text).toContain(formatFingerprint(fingerprint));
      expect(formatFingerprint(fingerprint)).toMatch(/^AB:AB:.*:AB$/);
      expect(has(text, t(lang, 'exclusion.kpi3.clock-shifted', { count: 1 }))).toBe(true);
      expect(has(text, t(lang, 'exclusion.clockShift', { duration: f.duration(48 * 3_600_000) }))).toBe(true);
      expect(has(reportText(record, lang), t(lang, 'fact.testerNone'))).toBe(true);
    });
  }
});

describe('verification checks are unchanged by the review', () => {
  it('a failing hub check still shows as a KPI-2 failure', () => {
    const record = makeRecord([caseStarted('A'), verification('A', 'hub', { checks: checks({ signature: ['failed', 'SIGNATURE_INVALID'] }) }), caseFinished('A', 'failed')]);
    expect(reportText(record, 'en')).toContain(t('en', 'kpi2.failures.title', { count: 1 }));
  });
});
