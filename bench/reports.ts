import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sealRun } from '../reports/evidence/manifest.ts';
import { loadOrCreateTester } from '../reports/evidence/tester.ts';
import { computeKpis } from '../reports/kpi/index.ts';
import { buildReportView } from '../reports/render/build.ts';
import { renderHtml } from '../reports/render/html.ts';
import { renderPdf } from '../reports/render/pdf.ts';
import { loadRun } from '../reports/run-record.ts';
import { writeSampleRun, type SampleRunOptions } from '../reports/testing/sample-run.ts';
import type { BenchRow, BenchSection } from './types.ts';

// Size and generation time of the KPI evidence reports, on synthetic runs shaped like the two
// that matter: the full catalog (~130 cases, 5 countries, a few failures) and a 200-exchange
// pilot (10 per ordered pair of 5 countries). Ratios compare each step with reading the run.

const ROUNDS = 3;

async function median(fn: () => Promise<unknown> | unknown): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)]!;
}

const kib = (n: number): string => `${(n / 1024).toFixed(0)} KiB`;

async function benchRun(label: string, dir: string, options: SampleRunOptions, rows: BenchRow[], notes: string[]): Promise<void> {
  const truth = writeSampleRun(dir, options);
  const runDir = truth.runDir;
  const loadMs = await median(() => computeKpis(loadRun(runDir)));
  const record = loadRun(runDir);
  const report = computeKpis(record);
  const views = { en: buildReportView(report, record, 'en'), ru: buildReportView(report, record, 'ru') };
  const htmlMs = await median(() => {
    for (const v of Object.values(views)) renderHtml(v);
  });
  const pdfMs = await median(async () => {
    for (const v of Object.values(views)) await renderPdf(v);
  });
  const buildMs = await median(() => {
    buildReportView(report, record, 'en');
    buildReportView(report, record, 'ru');
  });
  const sizes: string[] = [];
  for (const [lang, view] of Object.entries(views)) {
    sizes.push(`report.${lang}.html ${kib(Buffer.byteLength(renderHtml(view)))}`, `report.${lang}.pdf ${kib((await renderPdf(view)).length)}`);
  }
  const tester = loadOrCreateTester({ env: { ECERT_HOME: path.join(dir, 'home') } });
  const sealMs = await median(() => sealRun(runDir, tester));
  const totalMs = loadMs + buildMs + htmlMs + pdfMs + sealMs;
  const row = (name: string, ms: number): BenchRow => ({ name: `${label}: ${name}`, opsPerSec: 1000 / ms, ratio: { of: `${label}: read run + compute KPIs`, value: loadMs / ms } });
  rows.push(
    { name: `${label}: read run + compute KPIs`, opsPerSec: 1000 / loadMs },
    row('build report content (en + ru, charts)', buildMs),
    row('render HTML (en + ru)', htmlMs),
    row('render PDF (en + ru)', pdfMs),
    row('seal (manifest + signature)', sealMs),
    { name: `${label}: everything after the run`, opsPerSec: 1000 / totalMs, note: `${(totalMs / 1000).toFixed(2)} s` },
  );
  const files = fs.readFileSync(path.join(runDir, 'manifest.json'), 'utf8').match(/"path"/g)?.length ?? 0;
  notes.push(`${label}: ${truth.cases} cases, ${truth.exchanges} exchanges, ${record.events.length} evidence lines, ${files} files sealed; ${sizes.join(', ')}; total ${(totalMs / 1000).toFixed(2)} s`);
}

export async function benchReports(): Promise<BenchSection> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ecert-bench-reports-'));
  const rows: BenchRow[] = [];
  const notes: string[] = [];
  try {
    await benchRun(
      'catalog',
      path.join(tmp, 'catalog'),
      {
        seed: 'bench-catalog',
        casesPerCategory: { standard: 7, 'bad-signature': 6, 'expired-document': 7, 'connection-failure': 6 },
        sutFailures: 3,
        falseAccepts: 1,
        wrongReasons: 1,
        skipped: 2,
        errors: 1,
        deliveryFailures: 2,
      },
      rows,
      notes,
    );
    await benchRun('pilot', path.join(tmp, 'pilot'), { seed: 'bench-pilot', kind: 'pilot', perPair: 10 }, rows, notes);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  notes.push(`median of ${ROUNDS} rounds; synthetic runs from reports/testing/sample-run.ts (re-measure on real runs)`);
  return { title: 'reports: KPI engine, HTML/PDF rendering, evidence seal', rows, notes };
}
