import { benchDocuments } from './documents.ts';
import { benchHub } from './hub.ts';
import { benchReports } from './reports.ts';
import { benchRunner } from './runner.ts';
import type { BenchRow, BenchSection } from './types.ts';

// `npm run bench`: every section, one table each. Rooms add their section to this list.
const SECTIONS: Array<{ name: string; run: () => Promise<BenchSection> }> = [
  { name: 'documents', run: benchDocuments },
  { name: 'hub', run: benchHub },
  { name: 'reports', run: benchReports },
  { name: 'runner', run: benchRunner },
];

function fmt(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1);
}

function missedTarget(r: BenchRow): boolean {
  if (!r.ratio) return false;
  if (r.ratio.atMost !== undefined) return r.ratio.value > r.ratio.atMost;
  return r.ratio.target !== undefined && r.ratio.value < r.ratio.target;
}

function table(section: BenchSection): string {
  const head = ['operation', 'ops/s', 'ms/op', 'ratio', 'target', ''];
  const rows = section.rows.map((r: BenchRow) => {
    const atMost = r.ratio?.atMost;
    const ratio = !r.ratio ? '' : atMost !== undefined ? `${r.ratio.value.toFixed(3)} × "${r.ratio.of}"` : `${(r.ratio.value * 100).toFixed(1)} % of "${r.ratio.of}"`;
    const target = atMost !== undefined ? `<= ${atMost} ×` : r.ratio?.target !== undefined ? `>= ${(r.ratio.target * 100).toFixed(0)} %` : '';
    const status = target ? (missedTarget(r) ? 'MISSED' : 'met') : '';
    const ops = r.opsPerSec !== undefined ? [fmt(r.opsPerSec), (1000 / r.opsPerSec).toFixed(3)] : ['', ''];
    return [r.name, ...ops, ratio, target, status];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 1 || i === 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const out = [`## ${section.title}`, '', line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
  if (section.notes?.length) out.push('', ...section.notes.map((n) => `  ${n}`));
  return `${out.join('\n')}\n`;
}

const only = process.argv.slice(2);
console.log(`ecert-harness benchmarks · node ${process.version} · ${process.platform}/${process.arch}\n`);
let missed = 0;
for (const s of SECTIONS) {
  if (only.length && !only.includes(s.name)) continue;
  const section = await s.run();
  missed += section.rows.filter(missedTarget).length;
  console.log(table(section));
}
if (missed) console.log(`${missed} target(s) missed on this machine.`);
