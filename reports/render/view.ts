import type { Lang } from '../../protocol/i18n.ts';

// The report as a document tree, already localized: build.ts writes the content once, and the
// HTML and PDF renderers only lay it out, so both say exactly the same thing.

export type Tone = 'good' | 'bad' | 'warn' | 'info' | 'neutral';

export interface Span {
  text: string;
  /** A file of the run (relative path, as written in the HTML) or an anchor in the report (#id). */
  href?: string;
  bold?: boolean;
  code?: boolean;
  tone?: Tone;
  /** Full value when the text is shortened (a hash prefix). */
  title?: string;
}

export type Inline = string | Span;
export type Text = Inline[];

export interface TraceView {
  summary: string;
  lines: Text[];
}

export interface Cell {
  text: Text;
  tone?: Tone;
  align?: 'left' | 'right' | 'center';
}

export interface TableRow {
  id?: string;
  cells: Cell[];
  /** "Computed from ..." of the figures in this row. */
  trace?: TraceView;
}

export type Block =
  | { kind: 'heading'; level: 2 | 3 | 4; text: string; id?: string }
  | { kind: 'paragraph'; text: Text; small?: boolean }
  | { kind: 'alert'; tone: Tone; title: string; lines: Text[]; id?: string }
  | { kind: 'tiles'; tiles: Tile[] }
  | { kind: 'facts'; rows: Array<{ label: string; value: Text }> }
  | { kind: 'table'; id?: string; /** A header row above the columns: labels spanning several columns. */ groups?: Array<{ text: string; span: number }>; columns: Array<{ text: string; align?: 'left' | 'right' | 'center'; width?: number }>; rows: TableRow[]; empty?: string }
  | { kind: 'chart'; svg: string; alt: string; width: number; height: number }
  | { kind: 'list'; items: Text[]; /** Anchor ids of the items, for links from traces. */ itemIds?: string[] }
  | { kind: 'details'; summary: string; blocks: Block[] }
  | { kind: 'trace'; trace: TraceView };

export interface Tile {
  label: string;
  value: string;
  detail: Text;
  target: string;
  tone: Tone;
  href?: string;
}

export interface Section {
  id: string;
  title: string;
  blocks: Block[];
}

export interface ReportView {
  lang: Lang;
  title: string;
  subtitle: string;
  /** The verdict block: the first screen. */
  verdict: { tone: Tone; headline: string; blocks: Block[] };
  tocTitle: string;
  toc: Array<{ id: string; title: string }>;
  sections: Section[];
  footer: string;
  /** For the PDF document info. */
  meta: { runId: string; date: Date; author: string };
}
