import zlib from 'node:zlib';
import { PDFContext, type PDFDict, PDFName, PDFNumber, PDFRawStream, decodePDFRawStream } from 'pdf-lib';
import {
  PdfDict,
  PdfFormatError,
  PdfName,
  PdfRef,
  PdfStream,
  type PdfValue,
  expectKeyword,
  isName,
  isWhite,
  parseValue,
  readWord,
  skipSpace,
} from './objects.ts';

// Random-access PDF reading: startxref -> cross-reference sections (classic tables and xref
// streams, following /Prev and /XRefStm) -> objects on demand, including objects inside object
// streams. Anything it cannot read raises PdfFormatError; callers then retry in recovery mode,
// which rebuilds the object table by scanning the file for "n g obj" (what viewers do with a
// damaged cross-reference table). Filters other than FlateDecode are decoded with pdf-lib's
// decoders. (pdf-lib's document loader itself is asynchronous, and verification is synchronous.)

/** What both the fast reader and the pdf-lib fallback provide. */
export interface ObjectSource {
  readonly kind: 'fast' | 'recovered';
  readonly trailer: PdfDict;
  /** The object a reference points to (null when it does not exist, as ISO 32000 says). */
  resolve(v: PdfValue | undefined): PdfValue | undefined;
}

type XrefEntry = { type: 1; offset: number; gen: number } | { type: 2; stream: number; index: number };

/**
 * A classic table is kept as its subsections and read entry by entry when an object is asked
 * for (entries are 20 bytes, so entry n is at a known offset); streams and irregular tables are
 * decoded into a map.
 */
type Layer = { kind: 'table'; subsections: Array<{ first: number; count: number; at: number }> } | { kind: 'map'; map: Map<number, XrefEntry> };

export interface XrefInfo {
  /** Offset of the newest cross-reference section (what startxref says). */
  startxref: number;
  /** Whether the newest section is a cross-reference stream. */
  isStream: boolean;
  /** Highest object number + 1 over all sections. */
  size: number;
}

export class PdfReader implements ObjectSource {
  readonly kind: 'fast' | 'recovered';
  readonly trailer: PdfDict;
  readonly xref: XrefInfo;
  /** Cross-reference sections, newest first; an object's newest entry wins. */
  private readonly layers: Layer[] = [];
  private readonly resolved = new Map<number, XrefEntry | null>();
  private readonly cache = new Map<number, PdfValue>();
  private readonly objStreams = new Map<number, { data: Buffer; offsets: Map<number, number> }>();

  constructor(
    readonly bytes: Buffer,
    options: { recover?: boolean } = {},
  ) {
    if (bytes.length < 8 || bytes.subarray(0, 1024).indexOf('%PDF-') < 0) throw new PdfFormatError('not a PDF file (no %PDF- header)');
    this.kind = options.recover ? 'recovered' : 'fast';
    if (options.recover) {
      const r = this.recover();
      this.trailer = r.trailer;
      this.xref = r.xref;
      return;
    }
    const startxref = findStartxref(bytes);
    let trailer: PdfDict | undefined;
    let isStream = false;
    let size = 0;
    const seen = new Set<number>();
    let next: number | undefined = startxref;
    while (next !== undefined) {
      if (seen.has(next)) throw new PdfFormatError('cross-reference sections form a loop');
      seen.add(next);
      const section = this.readSection(next);
      if (!trailer) {
        trailer = section.trailer;
        isStream = section.isStream;
      }
      size = Math.max(size, numberOf(section.trailer.get('Size')) ?? 0);
      // A hybrid file's table points at a stream holding the objects of its object streams.
      const stm = numberOf(section.trailer.get('XRefStm'));
      if (stm !== undefined && !seen.has(stm)) {
        seen.add(stm);
        this.readSection(stm);
      }
      next = numberOf(section.trailer.get('Prev'));
    }
    this.trailer = trailer!;
    this.xref = { startxref, isStream, size };
    if (!(this.trailer.get('Root') instanceof PdfRef)) throw new PdfFormatError('the trailer has no /Root catalog reference');
  }

  /** Rebuild the object table by scanning the whole file; the last definition of a number wins. */
  private recover(): { trailer: PdfDict; xref: XrefInfo } {
    const text = this.bytes.toString('latin1');
    const re = /(?<![0-9])(\d{1,10})[\0\t\n\f\r ]+(\d{1,5})[\0\t\n\f\r ]+obj\b/g;
    let max = 0;
    const map = new Map<number, XrefEntry>();
    this.layers.push({ kind: 'map', map });
    for (const m of text.matchAll(re)) {
      const num = Number(m[1]);
      map.set(num, { type: 1, offset: m.index!, gen: Number(m[2]) });
      max = Math.max(max, num + 1);
    }
    let trailer: PdfDict | undefined;
    for (let at = text.lastIndexOf('trailer'); at >= 0 && !trailer; at = text.lastIndexOf('trailer', at - 1)) {
      try {
        const t = parseValue(this.bytes, at + 7).value;
        if (t instanceof PdfDict && t.get('Root') instanceof PdfRef) trailer = t;
      } catch {
        // keep looking further back
      }
    }
    const streams: number[] = [];
    for (const num of [...map.keys()].sort((a, b) => b - a)) {
      let v: PdfValue | undefined;
      try {
        v = this.object(num);
      } catch {
        continue;
      }
      if (!(v instanceof PdfStream)) continue;
      if (!trailer && isName(v.dict.get('Type'), 'XRef') && v.dict.get('Root') instanceof PdfRef) trailer = v.dict;
      if (isName(v.dict.get('Type'), 'ObjStm')) streams.push(num);
    }
    // Objects inside object streams: register those not defined at top level.
    for (const sn of streams) {
      try {
        this.fromObjectStream(-1, sn, 0);
      } catch {
        // reading fails below only if a needed object was in it
      }
      for (const num of this.objStreams.get(sn)?.offsets.keys() ?? []) {
        if (!map.has(num)) map.set(num, { type: 2, stream: sn, index: 0 });
        max = Math.max(max, num + 1);
      }
    }
    if (!trailer) {
      for (const num of map.keys()) {
        try {
          const v = this.object(num);
          if (v instanceof PdfDict && isName(v.get('Type'), 'Catalog')) trailer = new PdfDict(new Map([['Root', new PdfRef(num, 0)]]));
        } catch {
          // unreadable object: skip
        }
      }
    }
    if (!trailer) throw new PdfFormatError('no document catalog found (the file is damaged beyond recovery or is not a PDF)');
    this.cache.clear();
    this.resolved.clear();
    return { trailer, xref: { startxref: findStartxrefOr(this.bytes, -1), isStream: false, size: max } };
  }

  private readSection(offset: number): { trailer: PdfDict; isStream: boolean } {
    if (offset < 0 || offset >= this.bytes.length) throw new PdfFormatError(`cross-reference offset ${offset} lies outside the file`);
    const pos = skipSpace(this.bytes, offset);
    const word = readWord(this.bytes, pos);
    if (word.word === 'xref') return { trailer: this.readTable(word.end), isStream: false };
    return { trailer: this.readXrefStream(offset), isStream: true };
  }

  private readTable(start: number): PdfDict {
    const buf = this.bytes;
    const subsections: Array<{ first: number; count: number; at: number }> = [];
    let regular = true;
    let pos = start;
    for (;;) {
      pos = skipSpace(buf, pos);
      const head = readWord(buf, pos);
      if (head.word === 'trailer') {
        const t = parseValue(buf, head.end);
        if (!(t.value instanceof PdfDict)) throw new PdfFormatError('the trailer is not a dictionary');
        if (regular) this.layers.push({ kind: 'table', subsections });
        else this.layers.push({ kind: 'map', map: this.parseTableEntries(start) });
        return t.value;
      }
      const countWord = readWord(buf, skipSpace(buf, head.end));
      if (!/^\d+$/.test(head.word) || !/^\d+$/.test(countWord.word)) throw new PdfFormatError(`malformed cross-reference table at offset ${pos}`);
      const first = Number(head.word);
      const count = Number(countWord.word);
      const at = skipSpace(buf, countWord.end);
      // Entries are exactly 20 bytes ("oooooooooo ggggg n" + 2-byte EOL); some writers use 19.
      if (count > 0 && (!isEntry(buf, at) || !isEntry(buf, at + (count - 1) * 20))) regular = false;
      subsections.push({ first, count, at });
      pos = regular ? at + count * 20 : this.skipEntries(at, count);
    }
  }

  private skipEntries(pos: number, count: number): number {
    for (let i = 0; i < count; i++) {
      for (let k = 0; k < 3; k++) pos = readWord(this.bytes, skipSpace(this.bytes, pos)).end;
    }
    return pos;
  }

  /** Token-by-token reading of a table whose entries are not 20 bytes each. */
  private parseTableEntries(start: number): Map<number, XrefEntry> {
    const buf = this.bytes;
    const map = new Map<number, XrefEntry>();
    let pos = start;
    for (;;) {
      pos = skipSpace(buf, pos);
      const head = readWord(buf, pos);
      if (head.word === 'trailer') return map;
      const countWord = readWord(buf, skipSpace(buf, head.end));
      const first = Number(head.word);
      const count = Number(countWord.word);
      pos = countWord.end;
      for (let i = 0; i < count; i++) {
        const o = readWord(buf, skipSpace(buf, pos));
        const g = readWord(buf, skipSpace(buf, o.end));
        const t = readWord(buf, skipSpace(buf, g.end));
        pos = t.end;
        if ((t.word !== 'n' && t.word !== 'f') || !/^\d+$/.test(o.word) || !/^\d+$/.test(g.word)) throw new PdfFormatError(`malformed cross-reference entry for object ${first + i}`);
        if (!map.has(first + i)) map.set(first + i, t.word === 'n' ? { type: 1, offset: Number(o.word), gen: Number(g.word) } : { type: 1, offset: -1, gen: 0 });
      }
    }
  }

  /** The newest cross-reference entry of an object. */
  private entry(num: number): XrefEntry | undefined {
    const cached = this.resolved.get(num);
    if (cached !== undefined) return cached ?? undefined;
    let found: XrefEntry | null = null;
    for (const layer of this.layers) {
      if (layer.kind === 'map') {
        const e = layer.map.get(num);
        if (e) {
          found = e;
          break;
        }
        continue;
      }
      const sub = layer.subsections.find((s) => num >= s.first && num < s.first + s.count);
      if (sub) {
        found = readEntry(this.bytes, sub.at + (num - sub.first) * 20, num);
        break;
      }
    }
    this.resolved.set(num, found);
    return found ?? undefined;
  }

  private readXrefStream(offset: number): PdfDict {
    const { value } = this.parseIndirectAt(offset, undefined);
    if (!(value instanceof PdfStream) || !isName(value.dict.get('Type'), 'XRef')) throw new PdfFormatError(`no cross-reference table or stream at offset ${offset}`);
    const dict = value.dict;
    const w = (dict.get('W') as PdfValue[] | undefined)?.map((n) => Number(n));
    if (!w || w.length !== 3 || w.some((n) => !Number.isInteger(n) || n < 0)) throw new PdfFormatError('cross-reference stream without a valid /W');
    const size = numberOf(dict.get('Size')) ?? 0;
    const index = ((dict.get('Index') as PdfValue[] | undefined) ?? [0, size]).map((n) => Number(n));
    const data = decodeStream(value, this);
    const rowLen = w[0]! + w[1]! + w[2]!;
    const map = new Map<number, XrefEntry>();
    this.layers.push({ kind: 'map', map });
    let row = 0;
    for (let s = 0; s + 1 < index.length; s += 2) {
      const first = index[s]!;
      for (let i = 0; i < index[s + 1]!; i++, row++) {
        const at = row * rowLen;
        if (at + rowLen > data.length) throw new PdfFormatError('cross-reference stream is shorter than its /Index says');
        const field = (k: number, def: number): number => {
          if (w[k] === 0) return def;
          let v = 0;
          const from = at + (k === 0 ? 0 : k === 1 ? w[0]! : w[0]! + w[1]!);
          for (let b = 0; b < w[k]!; b++) v = v * 256 + data[from + b]!;
          return v;
        };
        const num = first + i;
        if (map.has(num)) continue;
        const type = field(0, 1);
        if (type === 1) map.set(num, { type: 1, offset: field(1, 0), gen: field(2, 0) });
        else if (type === 2) map.set(num, { type: 2, stream: field(1, 0), index: field(2, 0) });
        else map.set(num, { type: 1, offset: -1, gen: 0 });
      }
    }
    return dict;
  }

  /** Parse "num gen obj ... endobj" at offset. */
  private parseIndirectAt(offset: number, expectNum: number | undefined): { num: number; value: PdfValue } {
    const buf = this.bytes;
    let pos = skipSpace(buf, offset);
    const n = readWord(buf, pos);
    const g = readWord(buf, skipSpace(buf, n.end));
    if (!/^\d+$/.test(n.word) || !/^\d+$/.test(g.word)) throw new PdfFormatError(`no object at offset ${offset}`);
    const num = Number(n.word);
    if (expectNum !== undefined && num !== expectNum) throw new PdfFormatError(`the cross-reference table points object ${expectNum} at offset ${offset}, where object ${num} is`);
    pos = expectKeyword(buf, g.end, 'obj');
    const parsed = parseValue(buf, pos);
    pos = skipSpace(buf, parsed.end);
    if (parsed.value instanceof PdfDict && readWord(buf, pos).word === 'stream') {
      let start = pos + 6;
      if (buf[start] === 0x0d) start++;
      if (buf[start] === 0x0a) start++;
      const declared = this.resolveLength(parsed.value.get('Length'));
      let end = declared !== undefined ? start + declared : -1;
      if (end < start || end > buf.length || !isEndstream(buf, end)) {
        // A wrong /Length: find endstream instead (and drop the EOL before it).
        const found = buf.indexOf('endstream', start, 'latin1');
        if (found < 0) throw new PdfFormatError(`stream of object ${num} has no endstream`);
        end = found;
        if (buf[end - 1] === 0x0a) end--;
        if (buf[end - 1] === 0x0d) end--;
      }
      return { num, value: new PdfStream(parsed.value, buf.subarray(start, end)) };
    }
    return { num, value: parsed.value };
  }

  private resolveLength(v: PdfValue | undefined): number | undefined {
    if (typeof v === 'number') return v;
    if (v instanceof PdfRef) {
      const r = this.resolve(v);
      return typeof r === 'number' ? r : undefined;
    }
    return undefined;
  }

  /** The object with this number, or undefined when the cross-reference data has none. */
  object(num: number): PdfValue | undefined {
    if (this.cache.has(num)) return this.cache.get(num);
    const entry = this.entry(num);
    if (!entry || (entry.type === 1 && entry.offset < 0)) return undefined;
    let value: PdfValue;
    if (entry.type === 1) {
      if (entry.offset >= this.bytes.length) throw new PdfFormatError(`object ${num} is said to lie at offset ${entry.offset}, past the end of the file`);
      value = this.parseIndirectAt(entry.offset, num).value;
    } else value = this.fromObjectStream(num, entry.stream, entry.index);
    this.cache.set(num, value);
    return value;
  }

  private fromObjectStream(num: number, streamNum: number, _index: number): PdfValue {
    let os = this.objStreams.get(streamNum);
    if (!os) {
      const stream = this.object(streamNum);
      if (!(stream instanceof PdfStream)) throw new PdfFormatError(`object stream ${streamNum} is missing`);
      const data = decodeStream(stream, this);
      const n = numberOf(stream.dict.get('N')) ?? 0;
      const first = numberOf(stream.dict.get('First')) ?? 0;
      const offsets = new Map<number, number>();
      let pos = 0;
      for (let i = 0; i < n; i++) {
        const a = readWord(data, skipSpace(data, pos));
        const b = readWord(data, skipSpace(data, a.end));
        pos = b.end;
        offsets.set(Number(a.word), first + Number(b.word));
      }
      os = { data, offsets };
      this.objStreams.set(streamNum, os);
    }
    if (num < 0) return null;
    const at = os.offsets.get(num);
    if (at === undefined) throw new PdfFormatError(`object ${num} is not in object stream ${streamNum}`);
    return parseValue(os.data, at).value;
  }

  resolve(v: PdfValue | undefined): PdfValue | undefined {
    let cur = v;
    for (let i = 0; cur instanceof PdfRef && i < 32; i++) cur = this.object(cur.num) ?? null;
    return cur;
  }

  /** Byte offset of an object (type-1 entries only), for tools that patch files in place. */
  offsetOf(num: number): number | undefined {
    const e = this.entry(num);
    return e?.type === 1 && e.offset >= 0 ? e.offset : undefined;
  }
}

const isDigit = (c: number | undefined): boolean => c !== undefined && c >= 0x30 && c <= 0x39;

function isEntry(buf: Buffer, at: number): boolean {
  if (at + 20 > buf.length) return false;
  for (let i = 0; i < 10; i++) if (!isDigit(buf[at + i])) return false;
  for (let i = 11; i < 16; i++) if (!isDigit(buf[at + i])) return false;
  const t = buf[at + 17];
  return buf[at + 10] === 0x20 && buf[at + 16] === 0x20 && (t === 0x6e || t === 0x66) && isWhite(buf[at + 18]) && isWhite(buf[at + 19]);
}

function readEntry(buf: Buffer, at: number, num: number): XrefEntry {
  if (!isEntry(buf, at)) throw new PdfFormatError(`the cross-reference entry of object ${num} is damaged`);
  if (buf[at + 17] === 0x66) return { type: 1, offset: -1, gen: 0 };
  let offset = 0;
  for (let i = 0; i < 10; i++) offset = offset * 10 + buf[at + i]! - 0x30;
  let gen = 0;
  for (let i = 11; i < 16; i++) gen = gen * 10 + buf[at + i]! - 0x30;
  return { type: 1, offset, gen };
}

function isEndstream(buf: Buffer, end: number): boolean {
  const p = skipSpace(buf, end);
  return buf.toString('latin1', p, p + 9) === 'endstream';
}

export function numberOf(v: PdfValue | undefined): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

/** Offset given by the last startxref keyword of the file. */
export function findStartxref(bytes: Buffer): number {
  const from = Math.max(0, bytes.length - 2048);
  const at = bytes.lastIndexOf('startxref', bytes.length, 'latin1');
  if (at < from) throw new PdfFormatError('no startxref near the end of the file (truncated or not a PDF)');
  const w = readWord(bytes, skipSpace(bytes, at + 9));
  if (!/^\d+$/.test(w.word)) throw new PdfFormatError('startxref is not followed by an offset');
  return Number(w.word);
}

function findStartxrefOr(bytes: Buffer, fallback: number): number {
  try {
    return findStartxref(bytes);
  } catch {
    return fallback;
  }
}

/** Decode a stream's data (FlateDecode with PNG/TIFF predictors, or no filter). */
export function decodeStream(stream: PdfStream, source?: ObjectSource): Buffer {
  const filters = asArray(source ? source.resolve(stream.dict.get('Filter')) : stream.dict.get('Filter'));
  if (filters.length === 0) return stream.raw;
  const params = asArray(source ? source.resolve(stream.dict.get('DecodeParms')) : stream.dict.get('DecodeParms'));
  let data: Buffer = stream.raw;
  filters.forEach((f, i) => {
    if (!(f instanceof PdfName) || (f.name !== 'FlateDecode' && f.name !== 'Fl')) {
      data = decodeWithPdfLib(data, f, params[i]);
      return;
    }
    data = inflate(data);
    const p = params[i];
    if (p instanceof PdfDict) data = unpredict(data, p);
  });
  return data;
}

/** Filters we do not implement (ASCII85, ASCIIHex, LZW, RunLength) through pdf-lib's decoders. */
function decodeWithPdfLib(data: Buffer, filter: PdfValue, parms: PdfValue | undefined): Buffer {
  if (!(filter instanceof PdfName)) throw new PdfFormatError('a stream /Filter entry is not a name');
  const context = PDFContext.create();
  const dict = context.obj({}) as PDFDict;
  dict.set(PDFName.of('Filter'), PDFName.of(filter.name));
  if (parms instanceof PdfDict) {
    const p = context.obj({}) as PDFDict;
    for (const [k, v] of parms.map) if (typeof v === 'number') p.set(PDFName.of(k), PDFNumber.of(v));
    dict.set(PDFName.of('DecodeParms'), p);
  }
  try {
    return Buffer.from(decodePDFRawStream(PDFRawStream.of(dict, data)).decode());
  } catch (err) {
    throw new PdfFormatError(`cannot decode a ${filter.name} stream: ${(err as Error).message}`);
  }
}

function asArray(v: PdfValue | undefined): PdfValue[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

function inflate(data: Buffer): Buffer {
  try {
    return zlib.inflateSync(data);
  } catch {
    try {
      // Some writers emit raw deflate or a stream without its checksum.
      return zlib.inflateSync(data, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    } catch {
      try {
        return zlib.inflateRawSync(data);
      } catch (err) {
        throw new PdfFormatError(`cannot inflate a FlateDecode stream: ${(err as Error).message}`);
      }
    }
  }
}

function unpredict(data: Buffer, parms: PdfDict): Buffer {
  const predictor = numberOf(parms.get('Predictor')) ?? 1;
  if (predictor < 10) {
    if (predictor === 1) return data;
    throw new PdfFormatError(`unsupported predictor ${predictor}`);
  }
  const colors = numberOf(parms.get('Colors')) ?? 1;
  const bpc = numberOf(parms.get('BitsPerComponent')) ?? 8;
  const columns = numberOf(parms.get('Columns')) ?? 1;
  const bpp = Math.max(1, Math.ceil((colors * bpc) / 8));
  const rowLen = Math.ceil((colors * bpc * columns) / 8);
  const rows = Math.floor(data.length / (rowLen + 1));
  const out = Buffer.alloc(rows * rowLen);
  for (let r = 0; r < rows; r++) {
    const type = data[r * (rowLen + 1)]!;
    const src = r * (rowLen + 1) + 1;
    const dst = r * rowLen;
    for (let i = 0; i < rowLen; i++) {
      const raw = data[src + i]!;
      const left = i >= bpp ? out[dst + i - bpp]! : 0;
      const up = r > 0 ? out[dst - rowLen + i]! : 0;
      const upLeft = r > 0 && i >= bpp ? out[dst - rowLen + i - bpp]! : 0;
      let v: number;
      switch (type) {
        case 0:
          v = raw;
          break;
        case 1:
          v = raw + left;
          break;
        case 2:
          v = raw + up;
          break;
        case 3:
          v = raw + ((left + up) >> 1);
          break;
        case 4: {
          const p = left + up - upLeft;
          const pa = Math.abs(p - left);
          const pb = Math.abs(p - up);
          const pc = Math.abs(p - upLeft);
          v = raw + (pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft);
          break;
        }
        default:
          throw new PdfFormatError(`unknown PNG predictor type ${type}`);
      }
      out[dst + i] = v & 0xff;
    }
  }
  return out;
}
