// PDF objects (ISO 32000-1 §7.3) as a small value model, a byte-level parser and a serializer.
// Signing and reading touch a handful of objects (trailer, catalog, AcroForm, the signature
// field, the metadata attachment), so parsing only those straight from the bytes is far
// cheaper than loading the whole document with pdf-lib.

export class PdfFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PdfFormatError';
  }
}

export class PdfName {
  constructor(readonly name: string) {}
}

export class PdfString {
  constructor(
    /** Decoded bytes (escapes or hex resolved). */
    readonly bytes: Buffer,
    readonly hex: boolean,
    /** Where it was parsed from (the buffer and the offsets of its delimiters), when known. */
    readonly source?: { buf: Uint8Array; start: number; end: number },
  ) {}

  /** Text string (§7.9.2.2): UTF-16BE with a byte order mark, otherwise PDFDocEncoding (latin-1 here). */
  text(): string {
    const b = this.bytes;
    if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) {
      const swapped = Buffer.from(b.subarray(2));
      swapped.swap16();
      return swapped.toString('utf16le');
    }
    if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return b.subarray(3).toString('utf8');
    return b.toString('latin1');
  }
}

export class PdfRef {
  constructor(
    readonly num: number,
    readonly gen: number,
  ) {}
  toString(): string {
    return `${this.num} ${this.gen} R`;
  }
}

export class PdfDict {
  constructor(readonly map: Map<string, PdfValue> = new Map()) {}
  get(key: string): PdfValue | undefined {
    return this.map.get(key);
  }
  set(key: string, value: PdfValue): this {
    this.map.set(key, value);
    return this;
  }
  has(key: string): boolean {
    return this.map.has(key);
  }
}

export class PdfStream {
  constructor(
    readonly dict: PdfDict,
    /** The stream bytes as stored (still encoded). */
    readonly raw: Buffer,
  ) {}
}

export type PdfValue = null | boolean | number | PdfName | PdfString | PdfRef | PdfValue[] | PdfDict | PdfStream;

export const name = (n: string): PdfName => new PdfName(n);
export const isName = (v: PdfValue | undefined, n?: string): v is PdfName => v instanceof PdfName && (n === undefined || v.name === n);

// ---------------------------------------------------------------------------------------------
// Lexing

const WS = new Uint8Array(256);
for (const c of [0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20]) WS[c] = 1;
const DELIM = new Uint8Array(256);
for (const c of '()<>[]{}/%') DELIM[c.charCodeAt(0)] = 1;

export const isWhite = (c: number | undefined): boolean => c !== undefined && WS[c] === 1;
const isRegular = (c: number | undefined): boolean => c !== undefined && !WS[c] && !DELIM[c];

/** Offset of the next non-whitespace, non-comment byte. */
export function skipSpace(buf: Uint8Array, pos: number): number {
  while (pos < buf.length) {
    const c = buf[pos]!;
    if (WS[c]) pos++;
    else if (c === 0x25 /* % */) {
      while (pos < buf.length && buf[pos] !== 0x0a && buf[pos] !== 0x0d) pos++;
    } else break;
  }
  return pos;
}

/** Latin-1 text of buf[start, end): short runs (names, keywords) without a Buffer view. */
export function latin1(buf: Uint8Array, start: number, end: number): string {
  if (end - start > 32) return Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('latin1');
  let out = '';
  for (let i = start; i < end; i++) out += String.fromCharCode(buf[i]!);
  return out;
}

/** A regular-character token (number or keyword) at pos, without skipping space first. */
export function readWord(buf: Uint8Array, pos: number): { word: string; end: number } {
  let end = pos;
  while (end < buf.length && isRegular(buf[end])) end++;
  return { word: latin1(buf, pos, end), end };
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)$/;

export interface Parsed<T = PdfValue> {
  value: T;
  end: number;
}

/** Parse one direct object (refs allowed) starting at or after pos. */
export function parseValue(buf: Uint8Array, start: number, depth = 0): Parsed {
  if (depth > 100) throw new PdfFormatError('objects nested too deeply');
  let pos = skipSpace(buf, start);
  if (pos >= buf.length) throw new PdfFormatError('unexpected end of file while reading an object');
  const c = buf[pos]!;
  if (c === 0x2f /* / */) return parseName(buf, pos);
  if (c === 0x28 /* ( */) return parseLiteralString(buf, pos);
  if (c === 0x3c /* < */) {
    if (buf[pos + 1] === 0x3c) return parseDict(buf, pos, depth);
    return parseHexString(buf, pos);
  }
  if (c === 0x5b /* [ */) {
    const items: PdfValue[] = [];
    pos++;
    for (;;) {
      pos = skipSpace(buf, pos);
      if (pos >= buf.length) throw new PdfFormatError('unterminated array');
      if (buf[pos] === 0x5d /* ] */) return { value: items, end: pos + 1 };
      const item = parseValue(buf, pos, depth + 1);
      items.push(item.value);
      pos = item.end;
    }
  }
  if ((c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e) return parseNumberOrRef(buf, pos);
  const { word, end } = readWord(buf, pos);
  if (word === '') throw new PdfFormatError(`unexpected character "${String.fromCharCode(c)}" at offset ${pos}`);
  if (word === 'true') return { value: true, end };
  if (word === 'false') return { value: false, end };
  if (word === 'null') return { value: null, end };
  throw new PdfFormatError(`unexpected token "${word.slice(0, 20)}" at offset ${pos}`);
}

/** An unsigned integer at pos (digits only, followed by a non-regular byte), or -1. */
function uint(buf: Uint8Array, pos: number): { value: number; end: number } | null {
  let v = 0;
  let i = pos;
  while (i < buf.length && buf[i]! >= 0x30 && buf[i]! <= 0x39) v = v * 10 + (buf[i++]! - 0x30);
  if (i === pos || isRegular(buf[i])) return null;
  return { value: v, end: i };
}

// Numbers are parsed from the bytes without building strings: object and generation numbers,
// offsets and array items are most of what a reader touches.
function parseNumberOrRef(buf: Uint8Array, pos: number): Parsed {
  const first = uint(buf, pos);
  if (first) {
    // "n g R" is a reference: look ahead for a second integer and the R keyword.
    const p2 = skipSpace(buf, first.end);
    const second = p2 > first.end ? uint(buf, p2) : null;
    if (second) {
      const p3 = skipSpace(buf, second.end);
      if (p3 > second.end && buf[p3] === 0x52 /* R */ && !isRegular(buf[p3 + 1])) return { value: new PdfRef(first.value, second.value), end: p3 + 1 };
    }
    return first;
  }
  const { word, end } = readWord(buf, pos);
  if (!NUMBER.test(word)) throw new PdfFormatError(`unexpected token "${word.slice(0, 20)}" at offset ${pos}`);
  return { value: Number(word), end };
}

function parseName(buf: Uint8Array, pos: number): Parsed<PdfName> {
  let end = pos + 1;
  while (end < buf.length && isRegular(buf[end])) end++;
  let raw = latin1(buf, pos + 1, end);
  if (raw.includes('#')) raw = Buffer.from(raw.replace(/#([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
  return { value: new PdfName(raw), end };
}

function parseHexString(buf: Uint8Array, pos: number): Parsed<PdfString> {
  const close = buf.indexOf(0x3e /* > */, pos + 1);
  if (close < 0) throw new PdfFormatError(`unterminated hex string at offset ${pos}`);
  let hex = latin1(buf, pos + 1, close);
  // Buffer decoding stops at the first non-hex character: only then look closer.
  let bytes = Buffer.from(hex, 'hex');
  if (bytes.length * 2 !== hex.length) {
    hex = hex.replace(/[\0\t\n\f\r ]/g, '');
    if (!/^[0-9a-fA-F]*$/.test(hex)) throw new PdfFormatError(`invalid hex string at offset ${pos}`);
    if (hex.length % 2) hex += '0';
    bytes = Buffer.from(hex, 'hex');
  }
  return { value: new PdfString(bytes, true, { buf, start: pos, end: close + 1 }), end: close + 1 };
}

const ESCAPES: Record<number, number> = { 0x6e: 0x0a, 0x72: 0x0d, 0x74: 0x09, 0x62: 0x08, 0x66: 0x0c, 0x28: 0x28, 0x29: 0x29, 0x5c: 0x5c };

function parseLiteralString(buf: Uint8Array, pos: number): Parsed<PdfString> {
  const out: number[] = [];
  let depth = 1;
  let i = pos + 1;
  while (i < buf.length) {
    const c = buf[i++]!;
    if (c === 0x5c /* \ */) {
      const n = buf[i++];
      if (n === undefined) break;
      if (ESCAPES[n] !== undefined) out.push(ESCAPES[n]!);
      else if (n >= 0x30 && n <= 0x37) {
        let v = n - 0x30;
        for (let k = 0; k < 2 && buf[i]! >= 0x30 && buf[i]! <= 0x37; k++) v = v * 8 + (buf[i++]! - 0x30);
        out.push(v & 0xff);
      } else if (n === 0x0d) {
        if (buf[i] === 0x0a) i++;
      } else if (n !== 0x0a) out.push(n);
    } else if (c === 0x28) {
      depth++;
      out.push(c);
    } else if (c === 0x29) {
      if (--depth === 0) return { value: new PdfString(Buffer.from(out), false), end: i };
      out.push(c);
    } else out.push(c);
  }
  throw new PdfFormatError(`unterminated string at offset ${pos}`);
}

function parseDict(buf: Uint8Array, start: number, depth: number): Parsed<PdfDict> {
  const dict = new PdfDict();
  let pos = start + 2;
  for (;;) {
    pos = skipSpace(buf, pos);
    if (pos >= buf.length) throw new PdfFormatError(`unterminated dictionary at offset ${start}`);
    if (buf[pos] === 0x3e && buf[pos + 1] === 0x3e) return { value: dict, end: pos + 2 };
    if (buf[pos] !== 0x2f) throw new PdfFormatError(`dictionary key expected at offset ${pos}`);
    const key = parseName(buf, pos);
    const val = parseValue(buf, key.end, depth + 1);
    dict.map.set(key.value.name, val.value);
    pos = val.end;
  }
}

/** Expect the keyword `word` (after optional space) at pos; returns the offset after it. */
export function expectKeyword(buf: Uint8Array, pos: number, word: string): number {
  const p = skipSpace(buf, pos);
  const w = readWord(buf, p);
  if (w.word !== word) throw new PdfFormatError(`expected "${word}" at offset ${p}, found "${w.word.slice(0, 20)}"`);
  return w.end;
}

// ---------------------------------------------------------------------------------------------
// Serializing (for the objects an incremental update rewrites)

function nameToken(n: string): string {
  let out = '/';
  for (const byte of Buffer.from(n, 'utf8')) {
    out += byte < 0x21 || byte > 0x7e || byte === 0x23 || DELIM[byte] ? `#${byte.toString(16).padStart(2, '0')}` : String.fromCharCode(byte);
  }
  return out;
}

function literal(bytes: Buffer): string {
  let out = '(';
  for (const b of bytes) {
    if (b === 0x28 || b === 0x29 || b === 0x5c) out += `\\${String.fromCharCode(b)}`;
    else if (b === 0x0a) out += '\\n';
    else if (b === 0x0d) out += '\\r';
    else if (b < 0x20 || b > 0x7e) out += `\\${b.toString(8).padStart(3, '0')}`;
    else out += String.fromCharCode(b);
  }
  return `${out})`;
}

/** PDF syntax of a value (latin-1 string; every byte below 0x100). Streams are not serialized. */
export function serialize(v: PdfValue): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toFixed(6)));
  if (v instanceof PdfName) return nameToken(v.name);
  if (v instanceof PdfString) return v.hex ? `<${v.bytes.toString('hex').toUpperCase()}>` : literal(v.bytes);
  if (v instanceof PdfRef) return `${v.num} ${v.gen} R`;
  if (Array.isArray(v)) return `[${v.map(serialize).join(' ')}]`;
  if (v instanceof PdfDict) {
    let out = '<<';
    for (const [k, val] of v.map) out += `${nameToken(k)} ${serialize(val)}`;
    return `${out}>>`;
  }
  throw new PdfFormatError('a stream cannot be serialized inline');
}

/** A text string: plain ASCII literal when possible, UTF-16BE hex with a byte order mark otherwise. */
export function textString(text: string): PdfString {
  if (/^[\x20-\x7e]*$/.test(text)) return new PdfString(Buffer.from(text, 'latin1'), false);
  const utf16 = Buffer.from(text, 'utf16le');
  utf16.swap16();
  return new PdfString(Buffer.concat([Buffer.from([0xfe, 0xff]), utf16]), true);
}

/** PDF date string D:YYYYMMDDHHmmSSZ (UTC). */
export function pdfDate(date: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `D:${p(date.getUTCFullYear(), 4)}${p(date.getUTCMonth() + 1)}${p(date.getUTCDate())}${p(date.getUTCHours())}${p(date.getUTCMinutes())}${p(date.getUTCSeconds())}Z`;
}

/** Parse a PDF date string (D:YYYYMMDDHHmmSSOHH'mm), lenient about missing parts. */
export function parsePdfDate(s: string): Date | undefined {
  const m = /^(?:D:)?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:([Zz+-])(\d{2})?'?(\d{2})?'?)?/.exec(s.trim());
  if (!m) return undefined;
  const [, y, mo = '01', d = '01', h = '00', mi = '00', se = '00', tz, th = '00', tm = '00'] = m;
  let t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(se));
  if (tz === '+' || tz === '-') t -= (tz === '+' ? 1 : -1) * (Number(th) * 60 + Number(tm)) * 60_000;
  return Number.isNaN(t) ? undefined : new Date(t);
}
