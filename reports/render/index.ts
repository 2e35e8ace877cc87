import fs from 'node:fs';
import path from 'node:path';
import type { Lang } from '../../protocol/i18n.ts';
import { computeKpis } from '../kpi/index.ts';
import type { KpiReport } from '../kpi/types.ts';
import { loadRun, type RunRecord } from '../run-record.ts';
import { buildReportView } from './build.ts';
import { renderHtml } from './html.ts';
import { renderPdf } from './pdf.ts';

// Renders a run's reports from its files alone: report.<lang>.html and report.<lang>.pdf.

export interface RenderOptions {
  langs?: readonly Lang[];
  /** Where to write; default the run directory. Links to the run's files stay relative. */
  outDir?: string;
  /** Skip the PDFs (faster, e.g. for a quick look). */
  html?: boolean;
  pdf?: boolean;
}

export interface RenderedReports {
  report: KpiReport;
  /** Absolute paths of the files written. */
  files: string[];
}

export async function renderReportFiles(record: RunRecord, report: KpiReport, options: RenderOptions = {}): Promise<string[]> {
  const outDir = path.resolve(options.outDir ?? record.dir);
  fs.mkdirSync(outDir, { recursive: true });
  const rel = path.relative(outDir, record.dir).split(path.sep).join('/');
  const linkBase = rel ? `${rel}/` : '';
  const files: string[] = [];
  for (const lang of options.langs ?? ['en', 'ru']) {
    const view = buildReportView(report, record, lang, { linkBase });
    if (options.html !== false) {
      const file = path.join(outDir, `report.${lang}.html`);
      fs.writeFileSync(file, renderHtml(view));
      files.push(file);
    }
    if (options.pdf !== false) {
      const file = path.join(outDir, `report.${lang}.pdf`);
      fs.writeFileSync(file, await renderPdf(view));
      files.push(file);
    }
  }
  return files;
}

export async function renderRun(runDir: string, options: RenderOptions = {}): Promise<RenderedReports> {
  const record = loadRun(runDir);
  const report = computeKpis(record);
  return { report, files: await renderReportFiles(record, report, options) };
}

export { buildReportView } from './build.ts';
export { renderHtml } from './html.ts';
export { renderPdf } from './pdf.ts';
export type * from './view.ts';
