import type { Block, Cell, Inline, ReportView, Text, Tile, Tone, TraceView } from './view.ts';

// One self-contained HTML file: inline CSS, inline SVG charts, no script and no network, so it
// opens from a USB stick in any browser and reads the same years later. The "computed from"
// evidence of each figure is a <details> element: no script needed to open it.

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const MARK: Record<Tone, string> = { good: '✔', bad: '✘', warn: '⚠', info: 'ℹ', neutral: '–' };

function inline(i: Inline): string {
  if (typeof i === 'string') return esc(i);
  let html = esc(i.text);
  if (i.code) html = `<code>${html}</code>`;
  if (i.bold) html = `<strong>${html}</strong>`;
  const cls = i.tone ? ` class="t-${i.tone}"` : '';
  const title = i.title ? ` title="${esc(i.title)}"` : '';
  if (i.href) return `<a href="${esc(i.href)}"${cls}${title}>${html}</a>`;
  return cls || title ? `<span${cls}${title}>${html}</span>` : html;
}

const text = (t: Text): string => t.map(inline).join('');

function traceHtml(trace: TraceView, cls: string): string {
  const body = trace.lines.map((l) => `<p>${text(l)}</p>`).join('');
  return `<details class="${cls}"><summary>${esc(trace.summary)}</summary><div class="pop">${body}</div></details>`;
}

function cell(c: Cell, tag: 'td' | 'th' = 'td'): string {
  const cls = [c.tone && c.tone !== 'neutral' ? `t-${c.tone}` : '', c.align && c.align !== 'left' ? `a-${c.align}` : ''].filter(Boolean).join(' ');
  const mark = c.tone === 'good' || c.tone === 'bad' ? `<span class="mark" aria-hidden="true">${MARK[c.tone]}</span> ` : '';
  return `<${tag}${cls ? ` class="${cls}"` : ''}>${mark}${text(c.text)}</${tag}>`;
}

function tile(t: Tile): string {
  const open = t.href ? `<a class="tile tone-${t.tone}" href="${esc(t.href)}">` : `<div class="tile tone-${t.tone}">`;
  return `${open}<div class="tile-label">${esc(t.label)}</div><div class="tile-value">${t.tone === 'good' || t.tone === 'bad' ? `${MARK[t.tone]} ` : ''}${esc(t.value)}</div><div class="tile-detail">${text(t.detail)}</div><div class="tile-target">${esc(t.target)}</div>${t.href ? '</a>' : '</div>'}`;
}

function block(b: Block): string {
  switch (b.kind) {
    case 'heading':
      return `<h${b.level}${b.id ? ` id="${esc(b.id)}"` : ''}>${esc(b.text)}</h${b.level}>`;
    case 'paragraph':
      return `<p${b.small ? ' class="small"' : ''}>${text(b.text)}</p>`;
    case 'alert':
      return `<div class="alert tone-${b.tone}"${b.id ? ` id="${esc(b.id)}"` : ''} role="${b.tone === 'bad' ? 'alert' : 'note'}"><p class="alert-title">${MARK[b.tone]} ${esc(b.title)}</p>${b.lines.map((l) => `<p>${text(l)}</p>`).join('')}</div>`;
    case 'tiles':
      return `<div class="tiles">${b.tiles.map(tile).join('')}</div>`;
    case 'facts':
      return `<dl class="facts">${b.rows.map((r) => `<dt>${esc(r.label)}</dt><dd>${text(r.value)}</dd>`).join('')}</dl>`;
    case 'table': {
      const withTrace = b.rows.some((r) => r.trace);
      const groups = b.groups ? `<tr class="groups">${b.groups.map((g) => `<th colspan="${g.span}">${esc(g.text)}</th>`).join('')}${withTrace ? '<th></th>' : ''}</tr>` : '';
      const head = `${groups}<tr>${b.columns.map((c) => `<th${c.align && c.align !== 'left' ? ` class="a-${c.align}"` : ''}>${esc(c.text)}</th>`).join('')}${withTrace ? '<th class="ev-col"></th>' : ''}</tr>`;
      const rows = b.rows
        .map((r) => `<tr${r.id ? ` id="${esc(r.id)}"` : ''}>${r.cells.map((c) => cell(c)).join('')}${withTrace ? `<td class="ev">${r.trace ? traceHtml(r.trace, 'tr') : ''}</td>` : ''}</tr>`)
        .join('');
      const empty = b.rows.length === 0 && b.empty ? `<tr><td colspan="${b.columns.length}">${esc(b.empty)}</td></tr>` : '';
      return `<div class="table-wrap"><table${b.id ? ` id="${esc(b.id)}"` : ''}><thead>${head}</thead><tbody>${rows}${empty}</tbody></table></div>`;
    }
    case 'chart': {
      const svg = b.svg.replace(/^<svg /, `<svg role="img" aria-label="${esc(b.alt)}" class="chart-svg" `);
      return `<figure class="chart">${svg}<figcaption>${esc(b.alt)}</figcaption></figure>`;
    }
    case 'list':
      return `<ul>${b.items.map((i, n) => `<li${b.itemIds?.[n] ? ` id="${esc(b.itemIds[n]!)}"` : ''}>${text(i)}</li>`).join('')}</ul>`;
    case 'details':
      return `<details class="more"><summary>${esc(b.summary)}</summary>${b.blocks.map(block).join('')}</details>`;
    case 'trace':
      return traceHtml(b.trace, 'trace');
  }
}

const CSS = `
:root{--good:#1a7f37;--good-bg:#e6f4ea;--bad:#c62828;--bad-bg:#fdecea;--warn:#8a5300;--warn-bg:#fff4e0;--info:#1f5fa8;--info-bg:#e8f0fb;--neutral:#555;--neutral-bg:#f1f1f1;--line:#d0d4d9}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 "DejaVu Sans","Segoe UI",Verdana,Arial,sans-serif;color:#1b1b1b;background:#fff}
header.top{background:#12355b;color:#fff;padding:14px 28px}
header.top h1{margin:0;font-size:21px;font-weight:600}
header.top p{margin:2px 0 0;opacity:.85;font-size:13px}
.verdict{padding:14px 28px 18px;border-bottom:1px solid var(--line)}
.verdict .headline{font-size:26px;margin:0 0 6px;padding:8px 14px;border-radius:6px}
.verdict.tone-good .headline{background:var(--good);color:#fff}
.verdict.tone-bad .headline{background:var(--bad);color:#fff}
.verdict.tone-neutral .headline{background:var(--neutral);color:#fff}
.verdict ul{margin:6px 0 10px;padding-left:22px}
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(190px,1fr));gap:10px;margin:10px 0}
.tile{display:block;border-radius:6px;padding:10px 12px;border:1px solid var(--line);border-left-width:6px;color:inherit;text-decoration:none}
.tile-label{font-size:12px;text-transform:uppercase;letter-spacing:.03em;color:#444}
.tile-value{font-size:24px;font-weight:700;line-height:1.2;margin:2px 0}
.tile-detail{font-size:12.5px;color:#333}
.tile-target{font-size:12.5px;margin-top:4px;font-weight:600}
.tone-good{border-left-color:var(--good)}.tile.tone-good>.tile-value,.tile.tone-good>.tile-target{color:var(--good)}
.tone-bad{border-left-color:var(--bad)}.tile.tone-bad>.tile-value,.tile.tone-bad>.tile-target{color:var(--bad)}
.tile.tone-neutral>.tile-value{color:#555}
.tone-warn{border-left-color:var(--warn)}.tone-neutral{border-left-color:#999}.tone-info{border-left-color:var(--info)}
.tile.tone-bad{background:var(--bad-bg)}.tile.tone-good{background:var(--good-bg)}
.alert{border-radius:6px;padding:8px 12px;margin:10px 0;border:1px solid var(--line);border-left-width:6px}
.alert p{margin:3px 0}.alert-title{font-weight:700}
.alert.tone-bad{background:var(--bad-bg);border-color:var(--bad);color:#7a1010}
.alert.tone-bad .alert-title{font-size:18px;color:var(--bad)}
.alert.tone-warn{background:var(--warn-bg)}.alert.tone-info{background:var(--info-bg)}.alert.tone-good{background:var(--good-bg)}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:3px 14px;margin:10px 0;font-size:13.5px}
dl.facts dt{color:#555}dl.facts dd{margin:0;overflow-wrap:anywhere}
nav.toc{padding:10px 28px;background:#f6f8fa;border-bottom:1px solid var(--line);font-size:14px}
nav.toc h2{font-size:14px;margin:0 0 4px}nav.toc ol{margin:0;padding-left:20px;columns:2}
main{padding:4px 28px 20px}
main>section{border-top:2px solid #12355b;margin-top:22px}
h2{font-size:21px;margin:14px 0 8px;color:#12355b}h3{font-size:17px;margin:18px 0 6px}h4{font-size:15px;margin:14px 0 4px}
p.small{font-size:13px;color:#444;max-width:980px}
.table-wrap{overflow-x:auto;margin:6px 0 10px}
table{border-collapse:collapse;font-size:13.5px;min-width:50%}
th,td{border:1px solid var(--line);padding:4px 8px;vertical-align:top;text-align:left}
th{background:#eef1f4;font-weight:600}
td.a-right,th.a-right{text-align:right}td.a-center{text-align:center}
td.t-good{background:var(--good-bg);color:var(--good)}td.t-bad{background:var(--bad-bg);color:var(--bad)}td.t-warn{background:var(--warn-bg)}
.t-good{color:var(--good)}.t-bad{color:var(--bad)}.t-warn{color:var(--warn)}
td.ev{position:relative;white-space:nowrap;font-size:12px}
td>code,td.t-good,td.t-bad,td.t-warn{white-space:nowrap}
tr.groups th{text-align:center;background:#e3e8ee}
details.tr summary,details.trace summary,details.more summary{cursor:pointer;color:var(--info);font-size:12.5px}
details.tr[open] .pop{position:absolute;right:0;z-index:5;width:min(680px,80vw);white-space:normal;background:#fff;border:1px solid #9aa4ae;box-shadow:0 4px 14px rgba(0,0,0,.18);padding:6px 10px}
details.trace{margin:2px 0 10px}
details .pop p{margin:3px 0;font-size:12.5px;overflow-wrap:anywhere}
code{font-family:"DejaVu Sans Mono",Consolas,monospace;font-size:.92em;background:#f3f4f6;padding:0 3px;border-radius:3px;overflow-wrap:anywhere}
figure.chart{margin:8px 0 12px}figure.chart figcaption{font-size:12px;color:#555}
.chart-svg{max-width:100%;height:auto}
a{color:#0b57a4}
ul{padding-left:22px}li{margin:2px 0}
li:target,tr:target,h3:target{outline:3px solid #f0b400;outline-offset:2px}
footer{padding:12px 28px;border-top:1px solid var(--line);font-size:12.5px;color:#555}
@media print{nav.toc{display:none}.tile{break-inside:avoid}main>section{break-before:page}}
`;

export function renderHtml(view: ReportView): string {
  const sections = view.sections.map((s) => `<section id="${esc(s.id)}"><h2>${esc(s.title)}</h2>${s.blocks.map(block).join('\n')}</section>`).join('\n');
  const toc = `<nav class="toc"><h2>${esc(view.tocTitle)}</h2><ol>${view.toc.map((e) => `<li><a href="#${esc(e.id)}">${esc(e.title)}</a></li>`).join('')}</ol></nav>`;
  return `<!DOCTYPE html>
<html lang="${view.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="${esc(view.meta.author)}">
<title>${esc(view.title)} — ${esc(view.meta.runId)}</title>
<style>${CSS}</style>
</head>
<body>
<header class="top"><h1>${esc(view.title)}</h1><p>${esc(view.subtitle)}</p></header>
<section class="verdict tone-${view.verdict.tone}" id="verdict"><h2 class="headline">${MARK[view.verdict.tone]} ${esc(view.verdict.headline)}</h2>
${view.verdict.blocks.map(block).join('\n')}
</section>
${toc}
<main>
${sections}
</main>
<footer>${esc(view.footer)}</footer>
</body>
</html>
`;
}
