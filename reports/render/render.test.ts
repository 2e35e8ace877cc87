import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PDFDocument } from 'pdf-lib';
import type { Lang } from '../../protocol/i18n.ts';
import { skipWithout } from '../../test/support/external.ts';
import { launchChromium } from '../testing/browser.ts';
import { writeSampleRun, type SampleRunTruth } from '../testing/sample-run.ts';
import { reportMessages } from '../report.messages.ts';
import { formatter } from './format.ts';
import { renderRun, type RenderedReports } from './index.ts';

// The reports as a reviewer gets them: HTML opened in a real browser, PDF read back as text.

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ecert-render-'));
const artifacts = path.resolve(process.env.ECERT_TEST_ARTIFACTS ?? 'test-artifacts', 'reports');
let catalog: SampleRunTruth;
let catalogReports: RenderedReports;
let pilot: SampleRunTruth;
let pilotReports: RenderedReports;

beforeAll(async () => {
  catalog = writeSampleRun(tmp, { seed: 'render', sutFailures: 3, falseAccepts: 2, wrongReasons: 1, skipped: 2, errors: 1, deliveryFailures: 1, logMismatches: 1 });
  catalogReports = await renderRun(catalog.runDir);
  pilot = writeSampleRun(tmp, { seed: 'render-pilot', kind: 'pilot', perPair: 10 });
  pilotReports = await renderRun(pilot.runDir);
  fs.mkdirSync(artifacts, { recursive: true });
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const t = (lang: Lang, key: Parameters<typeof reportMessages.t>[1], params?: Record<string, string | number>) => reportMessages.t(lang, key, params);
const squash = (s: string): string => s.replace(/[\s\u00a0]+/g, ' ');

describe('report files', () => {
  it('writes both languages as HTML and PDF, self-contained: no script, no remote resource', () => {
    expect(catalogReports.files.map((f) => path.basename(f)).sort()).toEqual(['report.en.html', 'report.en.pdf', 'report.ru.html', 'report.ru.pdf']);
    for (const lang of ['en', 'ru']) {
      const html = fs.readFileSync(path.join(catalog.runDir, `report.${lang}.html`), 'utf8');
      expect(html).not.toMatch(/<script/i);
      expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
      expect(html).not.toMatch(/<link /i);
    }
  });

  it('links only to files that exist in the run directory', () => {
    const html = fs.readFileSync(path.join(catalog.runDir, 'report.en.html'), 'utf8');
    const hrefs = [...html.matchAll(/href="([^"#][^"]*)"/g)].map((m) => decodeURI(m[1]!.replace(/&amp;/g, '&')));
    expect(hrefs.length).toBeGreaterThan(50);
    for (const href of new Set(hrefs)) expect(fs.existsSync(path.join(catalog.runDir, href)), href).toBe(true);
  });

  it('renders the same bytes twice from the same run', async () => {
    const before = new Map(catalogReports.files.map((f) => [f, fs.readFileSync(f)]));
    const again = await renderRun(catalog.runDir);
    expect(again.files.sort()).toEqual([...before.keys()].sort());
    for (const file of again.files) expect(fs.readFileSync(file).equals(before.get(file)!), path.basename(file)).toBe(true);
  });

  it('renders a run with no data at all, and an interrupted run, saying so instead of inventing figures', async () => {
    const empty = writeSampleRun(tmp, { seed: 'render-empty', casesPerCategory: 0, countries: ['UZ', 'KG'] });
    await renderRun(empty.runDir, { langs: ['en'] });
    const html = fs.readFileSync(path.join(empty.runDir, 'report.en.html'), 'utf8');
    expect(html).toContain(t('en', 'verdict.headline.noData'));
    expect(html).toContain(t('en', 'verdict.summary.noData'));
    expect(html).not.toMatch(/>0\.0\u00a0%</);
    const torn = writeSampleRun(tmp, { seed: 'render-torn', interrupted: true, casesPerCategory: 2, countries: ['UZ', 'KG'] });
    await renderRun(torn.runDir, { langs: ['ru'], pdf: false });
    const ru = fs.readFileSync(path.join(torn.runDir, 'report.ru.html'), 'utf8');
    expect(ru).toContain(t('ru', 'notice.interrupted.title'));
    expect(ru).toContain(t('ru', 'notice.problems.title'));
  });

  it('renders the same bytes whatever path names the run (reports/out/latest or the run directory)', async () => {
    const run = writeSampleRun(path.join(tmp, 'linked'), { seed: 'render-linked', casesPerCategory: 1, countries: ['UZ', 'KG'] });
    const link = path.join(tmp, 'linked', 'latest');
    fs.symlinkSync(path.basename(run.runDir), link);
    const viaLink = await renderRun(link);
    const bytes = viaLink.files.map((f) => fs.readFileSync(f));
    const viaDir = await renderRun(run.runDir);
    viaDir.files.forEach((f, i) => expect(fs.readFileSync(f).equals(bytes[i]!), path.basename(f)).toBe(true));
    // The command the report quotes names the run by its id, not by the path it was rendered from.
    expect(bytes[0]!.toString()).toContain(`ecert evidence verify ${run.runId}`);
  });

  it('keeps links to the run when written elsewhere', async () => {
    const out = path.join(tmp, 'elsewhere', 'deep');
    await renderRun(catalog.runDir, { outDir: out, langs: ['en'], pdf: false });
    const html = fs.readFileSync(path.join(out, 'report.en.html'), 'utf8');
    const href = /href="([^"#][^"]*\.pdf)"/.exec(html)![1]!;
    expect(href.startsWith('../../')).toBe(true);
    expect(fs.existsSync(path.resolve(out, decodeURI(href)))).toBe(true);
  });
});

describe.skipIf(skipWithout('chromium'))('HTML reports in headless Chromium', () => {
  for (const lang of ['en', 'ru'] as const) {
    it(`${lang}: shows the verdict, the headline figures and the false accepts on the first screen`, async () => {
      const browser = await launchChromium();
      try {
        const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
        const requests: string[] = [];
        page.on('request', (r) => requests.push(r.url()));
        await page.goto(`file://${path.join(catalog.runDir, `report.${lang}.html`)}`);
        const f = formatter(lang);
        const r = catalogReports.report;
        const headline = page.locator('#verdict .headline');
        await expect.poll(() => headline.textContent()).toContain(t(lang, 'verdict.headline.fail'));
        expect(await headline.isVisible()).toBe(true);
        const tiles = page.locator('.tile');
        expect(await tiles.count()).toBe(6);
        const kpi2Tile = squash((await tiles.nth(0).innerText()) ?? '');
        expect(kpi2Tile).toContain(squash(f.pct(r.kpi2.overall.rate)));
        expect(kpi2Tile).toContain(`${r.kpi2.overall.numerator}`);
        expect(squash(await tiles.nth(1).innerText())).toContain(squash(f.pct(r.detection.rate.rate)));
        expect(squash(await tiles.nth(2).innerText())).toContain('2');
        // Colour carries the verdict: a met target reads green, a missed one red, whatever the page's overall verdict.
        const colour = (n: number) => tiles.nth(n).locator('.tile-value').evaluate((el) => getComputedStyle(el).color);
        expect(r.kpi2.overall.targetMet).toBe(true);
        expect(await colour(0)).toBe('rgb(26, 127, 55)');
        expect(await colour(2)).toBe('rgb(198, 40, 40)');
        // The false-accept alarm names the cases, above the fold.
        const alarm = page.locator('#verdict #false-accepts');
        expect(await alarm.isVisible()).toBe(true);
        const box = await alarm.boundingBox();
        expect(box!.y).toBeLessThan(900);
        for (const id of catalog.falseAcceptCases) expect(await alarm.innerText()).toContain(id);
        // Charts are real SVG with size.
        const charts = page.locator('figure.chart svg');
        expect(await charts.count()).toBeGreaterThanOrEqual(4);
        expect((await charts.first().boundingBox())!.width).toBeGreaterThan(300);
        // Every in-page link lands on an element.
        const missing = await page.evaluate(() => [...document.querySelectorAll('a[href^="#"]')].map((a) => a.getAttribute('href')!.slice(1)).filter((id) => !document.getElementById(id)));
        expect(missing).toEqual([]);
        // Nothing but the file itself was loaded.
        expect(requests.filter((u) => !u.startsWith('file://') && !u.startsWith('data:'))).toEqual([]);
        await page.screenshot({ path: path.join(artifacts, `report.${lang}.png`) });
      } finally {
        await browser.close();
      }
    });
  }

  it('a pilot run (no bad documents) shows a pass and says detection was not exercised', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
      await page.goto(`file://${path.join(pilot.runDir, 'report.en.html')}`);
      expect(await page.locator('#verdict .headline').textContent()).toContain(t('en', 'verdict.headline.pass'));
      expect(await page.locator('#verdict').innerText()).toContain(t('en', 'verdict.summary.passNoDetection', { target: 95 }));
      expect(squash(await page.locator('.tile').nth(1).innerText())).toContain(t('en', 'word.noData'));
      expect(squash(await page.locator('.tile').nth(3).innerText())).toContain('200');
      await page.screenshot({ path: path.join(artifacts, 'report.pilot.en.png') });
    } finally {
      await browser.close();
    }
  });
});

function pdfText(file: string): string {
  return squash(execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' }));
}

describe('PDF reports', () => {
  it('parse as PDF with pages and the run as title', async () => {
    for (const lang of ['en', 'ru']) {
      const doc = await PDFDocument.load(fs.readFileSync(path.join(catalog.runDir, `report.${lang}.pdf`)), { updateMetadata: false });
      expect(doc.getPageCount()).toBeGreaterThan(5);
      expect(doc.getTitle()).toContain(catalog.runId);
    }
  });

  it.skipIf(skipWithout('pdftotext'))('contain the headline figures, and their Cyrillic text extracts correctly', () => {
    const r = catalogReports.report;
    for (const lang of ['en', 'ru'] as const) {
      const text = pdfText(path.join(catalog.runDir, `report.${lang}.pdf`));
      const f = formatter(lang);
      expect(text).toContain(squash(t(lang, 'verdict.headline.fail')));
      expect(text).toContain(squash(t(lang, 'alarm.falseAccepts.title', { count: 2 })));
      expect(text).toContain(squash(f.pct(r.kpi2.overall.rate)));
      expect(text).toContain(squash(f.pct(r.detection.rate.rate)));
      expect(text).toContain(squash(t(lang, 'kpi2.title')));
      expect(text).toContain(squash(t(lang, 'kpi3.simulated')).slice(0, 60));
      for (const id of catalog.falseAcceptCases) expect(text).toContain(id);
    }
    const ru = pdfText(path.join(catalog.runDir, 'report.ru.pdf'));
    expect(ru).toContain('Итог: целевые значения НЕ достигнуты');
    expect(ru).toContain('Выявление испорченных документов');
    expect(ru).toContain('Узбекистан (UZ)');
    expect(ru).toMatch(/ЛОЖНЫХ ПРИЁМА/);
    // reason codes are identifiers in both languages
    expect(ru).toContain('SIGNER_REVOKED');
  });

  it.skipIf(skipWithout('pdftotext'))('a pilot PDF shows the 200 exchanges and every pair', () => {
    const text = pdfText(path.join(pilot.runDir, 'report.ru.pdf'));
    expect(text).toContain(t('ru', 'verdict.headline.pass'));
    expect(text).toContain(squash(t('ru', 'kpi1.total', { count: 200, target: 60, state: t('ru', 'word.met'), pairsMet: 20, pairs: 20, perPair: 10 })));
  });
});
