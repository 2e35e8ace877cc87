import { createRequire } from 'node:module';
import path from 'node:path';
import pdfmake, { type Content, type TableCell } from 'pdfmake';
import { reportMessages } from '../report.messages.ts';
import type { Block, Cell, Inline, ReportView, Text, Tile, Tone, TraceView } from './view.ts';

// The same report as a PDF for print and signature, made with pdfmake on plain Node (no
// browser): DejaVu Sans embedded, so Cyrillic and every Latin script of the region print and
// extract correctly; charts are the same SVG, drawn as vectors.

const FONT_DIR = path.join(path.dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf');

let fontsReady = false;
function setupFonts(): void {
  if (fontsReady) return;
  const f = (name: string): string => path.join(FONT_DIR, name);
  pdfmake.setFonts({
    DejaVuSans: { normal: f('DejaVuSans.ttf'), bold: f('DejaVuSans-Bold.ttf'), italics: f('DejaVuSans-Oblique.ttf'), bolditalics: f('DejaVuSans-BoldOblique.ttf') },
    DejaVuMono: { normal: f('DejaVuSansMono.ttf'), bold: f('DejaVuSansMono-Bold.ttf'), italics: f('DejaVuSansMono-Oblique.ttf'), bolditalics: f('DejaVuSansMono-BoldOblique.ttf') },
  });
  // A report never fetches anything, and reads only its fonts from disk.
  pdfmake.setUrlAccessPolicy(() => false);
  pdfmake.setLocalAccessPolicy((p) => path.resolve(p).startsWith(FONT_DIR));
  fontsReady = true;
}

const FG: Record<Tone, string> = { good: '#1a7f37', bad: '#c62828', warn: '#8a5300', info: '#1f5fa8', neutral: '#333333' };
const BG: Record<Tone, string> = { good: '#e6f4ea', bad: '#fdecea', warn: '#fff4e0', info: '#e8f0fb', neutral: '#f1f1f1' };
const MARK: Record<Tone, string> = { good: '✔', bad: '✘', warn: '⚠', info: 'ℹ', neutral: '–' };
const PAGE_WIDTH = 595.28 - 2 * 36;

type TDocumentDefinitions = Parameters<typeof pdfmake.createPdf>[0];

interface Ctx {
  /** Anchors that exist in the document: internal links go only there. */
  ids: Set<string>;
}

function span(ctx: Ctx, i: Inline): Content {
  if (typeof i === 'string') return { text: i };
  const out: Record<string, unknown> = { text: i.text };
  if (i.bold) out.bold = true;
  if (i.code) out.font = 'DejaVuMono';
  if (i.tone && i.tone !== 'neutral') out.color = FG[i.tone];
  if (i.href?.startsWith('#')) {
    if (ctx.ids.has(i.href.slice(1))) {
      out.linkToDestination = i.href.slice(1);
      out.color ??= '#0b57a4';
    }
  } else if (i.href) {
    out.link = i.href;
    out.color ??= '#0b57a4';
  }
  return out as unknown as Content;
}

const text = (ctx: Ctx, t: Text): Content[] => t.map((i) => span(ctx, i));

function traceContent(ctx: Ctx, trace: TraceView): Content {
  // Plain text: a link annotation per case id would triple the file for no reader's gain.
  const plain = (l: Text): Text => l.map((i) => (typeof i === 'string' ? i : { ...i, href: undefined }));
  return {
    stack: [{ text: trace.summary, italics: true }, ...trace.lines.map((l) => ({ text: text(ctx, plain(l)) }))],
    fontSize: 6.5,
    color: '#555555',
    margin: [0, 1, 0, 4],
  } as Content;
}

function tableCell(ctx: Ctx, c: Cell, header = false): TableCell {
  const mark = c.tone === 'good' || c.tone === 'bad' ? `${MARK[c.tone]} ` : '';
  return {
    text: [mark, ...text(ctx, c.text)],
    ...(c.tone && c.tone !== 'neutral' ? { fillColor: BG[c.tone], color: FG[c.tone] } : {}),
    ...(header ? { bold: true, fillColor: '#eef1f4' } : {}),
    alignment: c.align ?? 'left',
  } as TableCell;
}

function tileCell(ctx: Ctx, t: Tile): TableCell {
  return {
    stack: [
      { text: t.label.toUpperCase(), fontSize: 7, color: '#444444' },
      { text: `${t.tone === 'good' || t.tone === 'bad' ? `${MARK[t.tone]} ` : ''}${t.value}`, fontSize: 18, bold: true, color: FG[t.tone], margin: [0, 2, 0, 2] },
      { text: text(ctx, t.detail), fontSize: 7.5 },
      { text: t.target, fontSize: 7.5, bold: true, color: FG[t.tone], margin: [0, 2, 0, 0] },
    ],
    fillColor: t.tone === 'good' || t.tone === 'bad' ? BG[t.tone] : '#fafafa',
    margin: [4, 4, 4, 4],
  } as TableCell;
}

const thinLines = {
  hLineWidth: () => 0.5,
  vLineWidth: () => 0.5,
  hLineColor: () => '#c8ccd1',
  vLineColor: () => '#c8ccd1',
  paddingLeft: () => 3,
  paddingRight: () => 3,
  paddingTop: () => 2,
  paddingBottom: () => 2,
};

function block(ctx: Ctx, b: Block): Content[] {
  switch (b.kind) {
    case 'heading':
      return [{ text: b.text, style: `h${b.level}`, ...(b.id ? { id: b.id } : {}) } as Content];
    case 'paragraph':
      return [{ text: text(ctx, b.text), fontSize: b.small ? 7.5 : 9, color: b.small ? '#444444' : undefined, margin: [0, 2, 0, 4] } as Content];
    case 'alert':
      return [
        {
          table: {
            widths: [4, '*'],
            body: [[{ text: '', fillColor: FG[b.tone] }, { stack: [{ text: `${MARK[b.tone]} ${b.title}`, bold: true, color: FG[b.tone], fontSize: b.tone === 'bad' ? 11 : 9 }, ...b.lines.map((l) => ({ text: text(ctx, l), fontSize: 8.5 }))], fillColor: BG[b.tone] }]],
          },
          layout: 'noBorders',
          margin: [0, 4, 0, 6],
          ...(b.id ? { id: b.id } : {}),
        } as Content,
      ];
    case 'tiles': {
      const rows: TableCell[][] = [];
      for (let i = 0; i < b.tiles.length; i += 3) {
        const row = b.tiles.slice(i, i + 3).map((t) => tileCell(ctx, t));
        while (row.length < 3) row.push({ text: '' });
        rows.push(row);
      }
      return [{ table: { widths: ['*', '*', '*'], body: rows }, layout: { ...thinLines, hLineColor: () => '#ffffff', vLineColor: () => '#ffffff', hLineWidth: () => 3, vLineWidth: () => 3 }, margin: [0, 4, 0, 6] } as Content];
    }
    case 'facts':
      return [
        {
          table: { widths: [110, '*'], body: b.rows.map((r) => [{ text: r.label, color: '#555555' }, { text: text(ctx, r.value) }]) },
          layout: 'noBorders',
          fontSize: 8,
          margin: [0, 2, 0, 6],
        } as Content,
      ];
    case 'table': {
      const n = b.columns.length;
      const body: TableCell[][] = [];
      if (b.groups) {
        body.push(b.groups.flatMap((g) => [{ text: g.text, colSpan: g.span, bold: true, alignment: 'center', fillColor: '#e3e8ee' } as TableCell, ...Array.from({ length: g.span - 1 }, () => ({ text: '' }))]));
      }
      body.push(b.columns.map((c) => tableCell(ctx, { text: [c.text], ...(c.align ? { align: c.align } : {}) }, true)));
      for (const r of b.rows) {
        const cells = r.cells.map((c) => tableCell(ctx, c));
        if (r.id) (cells[0] as Record<string, unknown>).id = r.id;
        body.push(cells);
        if (r.trace && r.trace.lines.length) body.push([{ ...(traceContent(ctx, r.trace) as object), colSpan: n } as TableCell, ...Array.from({ length: n - 1 }, () => ({ text: '' }))]);
      }
      if (b.rows.length === 0) body.push([{ text: b.empty ?? '', colSpan: n } as TableCell, ...Array.from({ length: n - 1 }, () => ({ text: '' }))]);
      return [{ table: { headerRows: b.groups ? 2 : 1, widths: b.columns.map((c, i) => (i === n - 1 ? '*' : c.width ?? 'auto')), body, dontBreakRows: true }, layout: thinLines, fontSize: 7.5, margin: [0, 2, 0, 8] } as Content];
    }
    case 'chart': {
      const width = Math.min(PAGE_WIDTH, b.width * 0.75);
      return [{ svg: b.svg, width, font: 'DejaVuSans', margin: [0, 4, 0, 2] } as Content, { text: b.alt, fontSize: 7, color: '#555555', margin: [0, 0, 0, 8] } as Content];
    }
    case 'list':
      return [
        {
          ul: b.items.map((i, n) => ({ text: text(ctx, i), ...(b.itemIds?.[n] ? { id: b.itemIds[n] } : {}) })),
          fontSize: 8.5,
          margin: [0, 2, 0, 6],
        } as Content,
      ];
    case 'details':
      return [{ stack: b.blocks.flatMap((x) => block(ctx, x)), fontSize: 7.5 } as Content];
    case 'trace':
      return [traceContent(ctx, b.trace)];
  }
}

/** Every anchor id the view defines, so internal links never point nowhere. */
function collectIds(view: ReportView): Set<string> {
  const ids = new Set<string>(view.sections.map((s) => s.id));
  const walk = (b: Block): void => {
    if ((b.kind === 'heading' || b.kind === 'alert') && b.id) ids.add(b.id);
    if (b.kind === 'table') for (const r of b.rows) if (r.id) ids.add(r.id);
    if (b.kind === 'list') for (const id of b.itemIds ?? []) ids.add(id);
    if (b.kind === 'details') b.blocks.forEach(walk);
  };
  view.verdict.blocks.forEach(walk);
  for (const s of view.sections) s.blocks.forEach(walk);
  return ids;
}

export async function renderPdf(view: ReportView): Promise<Buffer> {
  setupFonts();
  const ctx: Ctx = { ids: collectIds(view) };
  const verdictTone = view.verdict.tone;
  const content: Content[] = [
    { text: view.title, style: 'title' },
    { text: view.subtitle, fontSize: 8.5, color: '#444444', margin: [0, 0, 0, 6] },
    {
      table: { widths: ['*'], body: [[{ text: `${MARK[verdictTone]} ${view.verdict.headline}`, color: '#ffffff', fillColor: FG[verdictTone === 'neutral' ? 'neutral' : verdictTone], fontSize: 15, bold: true, margin: [6, 4, 6, 4] }]] },
      layout: 'noBorders',
      margin: [0, 0, 0, 4],
    } as Content,
    ...view.verdict.blocks.flatMap((b) => block(ctx, b)),
    { text: view.tocTitle, style: 'h3', pageBreak: 'before' },
    { ol: view.toc.map((e) => ({ text: e.title, linkToDestination: e.id, color: '#0b57a4' })), fontSize: 9, margin: [0, 0, 0, 8] } as Content,
  ];
  for (const s of view.sections) {
    content.push({ text: s.title, style: 'h2', id: s.id, pageBreak: 'before' } as Content);
    for (const b of s.blocks) content.push(...block(ctx, b));
  }
  content.push({ text: view.footer, fontSize: 7, color: '#555555', margin: [0, 12, 0, 0] });
  const doc: TDocumentDefinitions = {
    pageSize: 'A4',
    pageMargins: [36, 40, 36, 40],
    info: { title: `${view.title} — ${view.meta.runId}`, author: view.meta.author, subject: view.subtitle, creator: view.meta.author, producer: view.meta.author, creationDate: view.meta.date },
    defaultStyle: { font: 'DejaVuSans', fontSize: 9, lineHeight: 1.15 },
    styles: {
      title: { fontSize: 15, bold: true, color: '#12355b' },
      h2: { fontSize: 14, bold: true, color: '#12355b', margin: [0, 0, 0, 6] },
      h3: { fontSize: 11, bold: true, margin: [0, 8, 0, 3] },
      h4: { fontSize: 9.5, bold: true, margin: [0, 6, 0, 2] },
    },
    header: (page: number) => (page > 1 ? { text: `${view.title} — ${view.meta.runId}`, fontSize: 7, color: '#777777', margin: [36, 18, 36, 0] } : { text: '' }),
    footer: (page: number, pages: number) => ({
      text: reportMessages.t(view.lang, 'pdf.page', { page, pages }),
      alignment: 'right',
      fontSize: 7,
      color: '#777777',
      margin: [36, 12, 36, 0],
    }),
    content,
  };
  return pdfmake.createPdf(doc).getBuffer();
}
