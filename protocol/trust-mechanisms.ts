import jsQRModule from 'jsqr';
import {
  decodePDFRawStream,
  PDFArray,
  PDFBool,
  PDFDict,
  PDFDocument,
  PDFName,
  PDFNumber,
  type PDFObject,
  type PDFPage,
  PDFRawStream,
} from 'pdf-lib';
import type { CountryCode } from './types.ts';

// Readers for the trust mechanisms a recipient checks besides the e-signature.
//
// QR code: decoded with jsQR from the pixels of the page's image XObjects (Flate, LZW, ASCII85,
// ASCIIHex, RunLength; PNG/TIFF predictors; Gray, RGB, CMYK, ICCBased, Indexed, image masks;
// 1 to 16 bits), never from a text copy of the URL. JPEG/JPEG 2000/JBIG2/CCITT images and QR codes
// drawn as vector paths are not decoded (a document carrying its QR that way reads as "no QR").
//
// Watermark: the ISO 32000 (14.8.2.2) watermark artifact, a marked-content sequence
// `/Artifact <</Subtype /Watermark ...>> BDC ... EMC` that really draws text; its text is read
// back through the font's /ToUnicode CMap (or /ActualText when the glyphs cannot be mapped), and
// the country is the ISO code that ends it ("AZSTAND · AZERBAIJAN · AZ").

export interface Watermark {
  /** ISO 3166-1 alpha-2 code that ends the watermark text, or null when it names none. */
  country: CountryCode | null;
  text: string;
}

type PdfInput = Uint8Array | PDFDocument;

// jsqr is CommonJS; under NodeNext its default import types as the module, at run time it is the function.
type JsQr = (typeof jsQRModule)['default'];
const jsQR = ((jsQRModule as unknown as { default?: JsQr }).default ?? jsQRModule) as JsQr;

async function open(pdf: PdfInput): Promise<PDFDocument> {
  if (pdf instanceof PDFDocument) return pdf;
  try {
    return await PDFDocument.load(pdf, { updateMetadata: false, ignoreEncryption: true, throwOnInvalidObject: false });
  } catch (err) {
    throw new Error(`cannot read the PDF to look for trust mechanisms: ${(err as Error).message}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Images

interface Raster {
  width: number;
  height: number;
  rgba: Uint8ClampedArray;
}

const num = (v: PDFObject | undefined): number | undefined => (v instanceof PDFNumber ? v.asNumber() : undefined);

function filterNames(dict: PDFDict): string[] {
  const f = dict.lookup(PDFName.of('Filter'));
  if (f instanceof PDFName) return [f.decodeText()];
  if (f instanceof PDFArray) return f.asArray().map((x) => (x instanceof PDFName ? x.decodeText() : ''));
  return [];
}

function lastDecodeParms(dict: PDFDict): PDFDict | undefined {
  const p = dict.lookup(PDFName.of('DecodeParms'));
  if (p instanceof PDFDict) return p;
  if (p instanceof PDFArray && p.size() > 0) {
    const last = p.lookup(p.size() - 1);
    return last instanceof PDFDict ? last : undefined;
  }
  return undefined;
}

/** Undo a PNG (>= 10) or TIFF (2) predictor. */
function unpredict(data: Uint8Array, parms: PDFDict | undefined): Uint8Array {
  const predictor = num(parms?.lookup(PDFName.of('Predictor'))) ?? 1;
  if (predictor === 1) return data;
  const colors = num(parms?.lookup(PDFName.of('Colors'))) ?? 1;
  const bpc = num(parms?.lookup(PDFName.of('BitsPerComponent'))) ?? 8;
  const columns = num(parms?.lookup(PDFName.of('Columns'))) ?? 1;
  const bpp = Math.max(1, Math.ceil((colors * bpc) / 8));
  const rowBytes = Math.ceil((colors * bpc * columns) / 8);
  if (predictor === 2) {
    if (bpc !== 8) return data;
    const out = Uint8Array.from(data);
    for (let r = 0; r * rowBytes < out.length; r++) {
      for (let i = bpp; i < rowBytes; i++) out[r * rowBytes + i] = (out[r * rowBytes + i]! + out[r * rowBytes + i - bpp]!) & 0xff;
    }
    return out;
  }
  const rows = Math.floor(data.length / (rowBytes + 1));
  const out = new Uint8Array(rows * rowBytes);
  for (let r = 0; r < rows; r++) {
    const type = data[r * (rowBytes + 1)]!;
    const src = r * (rowBytes + 1) + 1;
    const dst = r * rowBytes;
    for (let i = 0; i < rowBytes; i++) {
      const x = data[src + i]!;
      const a = i >= bpp ? out[dst + i - bpp]! : 0;
      const b = r > 0 ? out[dst - rowBytes + i]! : 0;
      const c = r > 0 && i >= bpp ? out[dst - rowBytes + i - bpp]! : 0;
      let v: number;
      if (type === 0) v = x;
      else if (type === 1) v = x + a;
      else if (type === 2) v = x + b;
      else if (type === 3) v = x + ((a + b) >> 1);
      else {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        v = x + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
      }
      out[dst + i] = v & 0xff;
    }
  }
  return out;
}

type ColorSpace = { comps: number; toRgb: (s: number[], max: number) => [number, number, number] };

const gray: ColorSpace = { comps: 1, toRgb: ([g], max) => [(g! * 255) / max, (g! * 255) / max, (g! * 255) / max] };
const rgbSpace: ColorSpace = { comps: 3, toRgb: ([r, g, b], max) => [(r! * 255) / max, (g! * 255) / max, (b! * 255) / max] };
const cmyk: ColorSpace = {
  comps: 4,
  toRgb: ([c, m, y, k], max) => [255 * (1 - c! / max) * (1 - k! / max), 255 * (1 - m! / max) * (1 - k! / max), 255 * (1 - y! / max) * (1 - k! / max)],
};

function colorSpace(doc: PDFDocument, cs: PDFObject | undefined, depth = 0): ColorSpace | null {
  if (depth > 4) return null;
  const v = cs ? doc.context.lookup(cs) : undefined;
  if (v instanceof PDFName) {
    const n = v.decodeText();
    if (n === 'DeviceGray' || n === 'G' || n === 'CalGray') return gray;
    if (n === 'DeviceRGB' || n === 'RGB' || n === 'CalRGB') return rgbSpace;
    if (n === 'DeviceCMYK' || n === 'CMYK') return cmyk;
    return null;
  }
  if (!(v instanceof PDFArray) || v.size() === 0) return null;
  const family = v.lookup(0);
  const name = family instanceof PDFName ? family.decodeText() : '';
  if (name === 'CalGray') return gray;
  if (name === 'CalRGB' || name === 'Lab') return name === 'Lab' ? null : rgbSpace;
  if (name === 'ICCBased') {
    const stream = v.lookup(1);
    const n = stream instanceof PDFRawStream ? num(stream.dict.lookup(PDFName.of('N'))) : undefined;
    return n === 1 ? gray : n === 3 ? rgbSpace : n === 4 ? cmyk : null;
  }
  if (name === 'Indexed' || name === 'I') {
    const base = colorSpace(doc, v.get(1), depth + 1);
    const lookupObj = v.lookup(3);
    if (!base) return null;
    let table: Uint8Array;
    if (lookupObj instanceof PDFRawStream) table = decodePDFRawStream(lookupObj).decode();
    else if (lookupObj && 'asBytes' in lookupObj && typeof (lookupObj as { asBytes: unknown }).asBytes === 'function') {
      table = (lookupObj as unknown as { asBytes(): Uint8Array }).asBytes();
    } else return null;
    return {
      comps: 1,
      toRgb: ([i]) => {
        const at = i! * base.comps;
        return base.toRgb(Array.from(table.subarray(at, at + base.comps)), 255);
      },
    };
  }
  return null;
}

function rasterOf(doc: PDFDocument, stream: PDFRawStream): Raster | null {
  const { dict } = stream;
  const width = num(dict.lookup(PDFName.of('Width')));
  const height = num(dict.lookup(PDFName.of('Height')));
  if (!width || !height || width < 21 || height < 21 || width * height > 16_000_000) return null;
  if (filterNames(dict).some((f) => ['DCTDecode', 'DCT', 'JPXDecode', 'JBIG2Decode', 'CCITTFaxDecode', 'CCF'].includes(f))) return null;
  const isMask = dict.lookup(PDFName.of('ImageMask')) === PDFBool.True;
  const bpc = isMask ? 1 : (num(dict.lookup(PDFName.of('BitsPerComponent'))) ?? 8);
  const cs = isMask ? gray : colorSpace(doc, dict.get(PDFName.of('ColorSpace')));
  if (!cs || ![1, 2, 4, 8, 16].includes(bpc)) return null;
  let data: Uint8Array;
  try {
    data = unpredict(decodePDFRawStream(stream).decode(), lastDecodeParms(dict));
  } catch {
    return null;
  }
  const decodeArr = dict.lookup(PDFName.of('Decode'));
  const inverted = decodeArr instanceof PDFArray && num(decodeArr.lookup(0)) === 1 && num(decodeArr.lookup(1)) === 0;
  const max = (1 << bpc) - 1;
  const rowBytes = Math.ceil((width * cs.comps * bpc) / 8);
  if (data.length < rowBytes * height) return null;
  const rgba = new Uint8ClampedArray(width * height * 4);
  const sample = (row: number, index: number): number => {
    if (bpc === 8) return data[row * rowBytes + index]!;
    if (bpc === 16) return data[row * rowBytes + index * 2]!; // high byte, scaled below
    const bit = index * bpc;
    const byte = data[row * rowBytes + (bit >> 3)]!;
    return (byte >> (8 - bpc - (bit & 7))) & max;
  };
  const scaleMax = bpc === 16 ? 255 : max;
  const comps: number[] = new Array(cs.comps);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < cs.comps; c++) {
        const s = sample(y, x * cs.comps + c);
        comps[c] = inverted ? scaleMax - s : s;
      }
      let [r, g, b] = cs.toRgb(comps, scaleMax);
      // An image mask paints (black) where the sample is 0, unless /Decode [1 0] says 1.
      if (isMask) [r, g, b] = comps[0] === 0 ? [0, 0, 0] : [255, 255, 255];
      const o = (y * width + x) * 4;
      rgba[o] = r;
      rgba[o + 1] = g;
      rgba[o + 2] = b;
      rgba[o + 3] = 255;
    }
  }
  return { width, height, rgba };
}

/** Nearest-neighbour upscale with a white margin: jsQR needs a few pixels per module and a quiet zone. */
function prepared(img: Raster): Raster {
  const k = Math.max(1, Math.min(12, Math.ceil(400 / Math.max(img.width, img.height))));
  const pad = 8 * k;
  const width = img.width * k + 2 * pad;
  const height = img.height * k + 2 * pad;
  const rgba = new Uint8ClampedArray(width * height * 4).fill(255);
  for (let y = 0; y < img.height * k; y++) {
    const sy = Math.floor(y / k);
    for (let x = 0; x < img.width * k; x++) {
      const s = (sy * img.width + Math.floor(x / k)) * 4;
      const o = ((y + pad) * width + x + pad) * 4;
      rgba[o] = img.rgba[s]!;
      rgba[o + 1] = img.rgba[s + 1]!;
      rgba[o + 2] = img.rgba[s + 2]!;
    }
  }
  return { width, height, rgba };
}

function* imageStreams(doc: PDFDocument, resources: PDFDict | undefined, depth = 0): Generator<PDFRawStream> {
  if (!resources || depth > 3) return;
  const xobjects = resources.lookup(PDFName.of('XObject'));
  if (!(xobjects instanceof PDFDict)) return;
  for (const [, ref] of xobjects.entries()) {
    const obj = doc.context.lookup(ref);
    if (!(obj instanceof PDFRawStream)) continue;
    const subtype = obj.dict.lookup(PDFName.of('Subtype'));
    if (subtype === PDFName.of('Image')) yield obj;
    else if (subtype === PDFName.of('Form')) {
      const inner = obj.dict.lookup(PDFName.of('Resources'));
      yield* imageStreams(doc, inner instanceof PDFDict ? inner : undefined, depth + 1);
    }
  }
}

/**
 * Every QR payload decoded from the document's images, page by page.
 * Throws when the bytes are not a readable PDF.
 */
export async function readQrPayloads(pdf: PdfInput): Promise<string[]> {
  const doc = await open(pdf);
  const found: string[] = [];
  for (const page of doc.getPages()) {
    for (const stream of imageStreams(doc, page.node.Resources())) {
      const raster = rasterOf(doc, stream);
      if (!raster) continue;
      const img = prepared(raster);
      const code = jsQR(img.rgba, img.width, img.height, { inversionAttempts: 'attemptBoth' });
      if (code?.data) found.push(code.data);
    }
  }
  return found;
}

/** The first QR payload on the document (page 1 first), or null when it carries no readable QR code. */
export async function readQrPayload(pdf: PdfInput): Promise<string | null> {
  return (await readQrPayloads(pdf))[0] ?? null;
}

// ---------------------------------------------------------------------------------------------
// Watermark

const TOKEN =
  /<<|>>|<[0-9A-Fa-f\s]*>|\((?:\\[\s\S]|[^\\()]|\((?:\\[\s\S]|[^\\()])*\))*\)|\[|\]|\/[^\s/[\]()<>{}%]*|[+-]?(?:\d+\.?\d*|\.\d+)|[A-Za-z'"*]+[01]?|%[^\r\n]*/g;

type Operand = string | { dict: string[] } | { array: string[] };

function stringBytes(token: string): Uint8Array | null {
  if (token.startsWith('<')) {
    let hex = token.slice(1, -1).replace(/\s+/g, '');
    if (hex.length % 2) hex += '0';
    return Uint8Array.from(Buffer.from(hex, 'hex'));
  }
  if (!token.startsWith('(')) return null;
  const body = token.slice(1, -1);
  const out: number[] = [];
  const escapes: Record<string, number> = { n: 10, r: 13, t: 9, b: 8, f: 12, '(': 40, ')': 41, '\\': 92 };
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch !== '\\') {
      out.push(ch.charCodeAt(0) & 0xff);
      continue;
    }
    const next = body[++i];
    if (next === undefined) break;
    if (next in escapes) out.push(escapes[next]!);
    else if (/[0-7]/.test(next)) {
      let oct = next;
      while (oct.length < 3 && /[0-7]/.test(body[i + 1] ?? '')) oct += body[++i];
      out.push(parseInt(oct, 8) & 0xff);
    } else if (next === '\r') {
      if (body[i + 1] === '\n') i++;
    } else if (next !== '\n') out.push(next.charCodeAt(0) & 0xff);
  }
  return Uint8Array.from(out);
}

function utf16be(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i + 1 < bytes.length; i += 2) s += String.fromCharCode((bytes[i]! << 8) | bytes[i + 1]!);
  return s;
}

/** A text string (PDF 7.9.2.2): UTF-16BE with a BOM, else PDFDocEncoding (read as Latin-1). */
function textString(token: string | undefined): string | undefined {
  const bytes = token ? stringBytes(token) : null;
  if (!bytes) return undefined;
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return utf16be(bytes.subarray(2));
  return Buffer.from(bytes).toString('latin1');
}

interface Decoder {
  decode(bytes: Uint8Array): string;
}

function parseToUnicode(cmap: string): Decoder | null {
  const map = new Map<number, string>();
  let codeBytes = 1;
  const space = /begincodespacerange\s*<([0-9A-Fa-f]+)>/.exec(cmap);
  if (space) codeBytes = Math.max(1, space[1]!.length / 2);
  for (const block of cmap.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
    for (const m of block[1]!.matchAll(/<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>/g)) {
      map.set(parseInt(m[1]!, 16), utf16be(Buffer.from(m[2]!, 'hex')));
      codeBytes = Math.max(codeBytes, m[1]!.length / 2);
    }
  }
  for (const block of cmap.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
    for (const m of block[1]!.matchAll(/<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f]*>|\[[^\]]*\])/g)) {
      const lo = parseInt(m[1]!, 16);
      const hi = parseInt(m[2]!, 16);
      if (hi - lo > 65_535) continue;
      if (m[3]!.startsWith('[')) {
        const items = [...m[3]!.matchAll(/<([0-9A-Fa-f]*)>/g)];
        items.forEach((it, k) => map.set(lo + k, utf16be(Buffer.from(it[1]!, 'hex'))));
      } else {
        const base = Buffer.from(m[3]!.slice(1, -1), 'hex');
        for (let c = lo; c <= hi; c++) {
          const dst = Buffer.from(base);
          dst.writeUInt16BE((dst.readUInt16BE(dst.length - 2) + (c - lo)) & 0xffff, dst.length - 2);
          map.set(c, utf16be(dst));
        }
      }
    }
  }
  if (map.size === 0) return null;
  return {
    decode(bytes) {
      let s = '';
      for (let i = 0; i + codeBytes <= bytes.length; i += codeBytes) {
        let code = 0;
        for (let k = 0; k < codeBytes; k++) code = (code << 8) | bytes[i + k]!;
        s += map.get(code) ?? '';
      }
      return s;
    },
  };
}

function fontDecoder(doc: PDFDocument, page: PDFPage, fontName: string | undefined): Decoder | null {
  if (!fontName) return null;
  const fonts = page.node.Resources()?.lookup(PDFName.of('Font'));
  const font = fonts instanceof PDFDict ? fonts.lookup(PDFName.of(fontName)) : undefined;
  if (!(font instanceof PDFDict)) return null;
  const toUnicode = font.lookup(PDFName.of('ToUnicode'));
  if (toUnicode instanceof PDFRawStream) {
    try {
      return parseToUnicode(Buffer.from(decodePDFRawStream(toUnicode).decode()).toString('latin1'));
    } catch {
      return null;
    }
  }
  // A simple font without ToUnicode: single-byte codes, close enough to Latin-1 for the ASCII
  // body and country codes a watermark carries.
  if (font.lookup(PDFName.of('Subtype')) !== PDFName.of('Type0')) return { decode: (b) => Buffer.from(b).toString('latin1') };
  return null;
}

function pageContent(doc: PDFDocument, page: PDFPage): string {
  const contents = page.node.Contents();
  const streams = contents instanceof PDFArray ? contents.asArray().map((r) => doc.context.lookup(r)) : [contents];
  return streams
    .map((s) => {
      if (!(s instanceof PDFRawStream)) return '';
      try {
        return Buffer.from(decodePDFRawStream(s).decode()).toString('latin1');
      } catch {
        return '';
      }
    })
    .join('\n');
}

interface MarkedFrame {
  watermark: boolean;
  actualText?: string;
  text: string;
  shows: number;
}

function watermarksOnPage(doc: PDFDocument, page: PDFPage): Watermark[] {
  const content = pageContent(doc, page);
  const found: Watermark[] = [];
  const stack: MarkedFrame[] = [];
  const decoders = new Map<string, Decoder | null>();
  let font: string | undefined;
  let operands: Operand[] = [];
  const show = (tokens: string[]) => {
    const open = stack.filter((f) => f.watermark);
    if (open.length === 0) return;
    if (!decoders.has(font ?? '')) decoders.set(font ?? '', fontDecoder(doc, page, font));
    const decoder = decoders.get(font ?? '');
    for (const t of tokens) {
      const bytes = stringBytes(t);
      if (!bytes) continue;
      const text = decoder ? decoder.decode(bytes) : '';
      for (const f of open) {
        f.text += text;
        f.shows++;
      }
    }
  };
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(content); m; m = TOKEN.exec(content)) {
    const tok = m[0];
    if (tok.startsWith('%')) continue;
    if (tok === '<<' || tok === '[') {
      // Collect a dictionary or array operand up to its matching close.
      const close = tok === '<<' ? '>>' : ']';
      const inner: string[] = [];
      let depth = 1;
      for (let n = TOKEN.exec(content); n; n = TOKEN.exec(content)) {
        if (n[0] === tok) depth++;
        else if (n[0] === close && --depth === 0) break;
        inner.push(n[0]);
      }
      operands.push(tok === '<<' ? { dict: inner } : { array: inner });
      continue;
    }
    if (/^[A-Za-z'"*]/.test(tok)) {
      const op = tok;
      if (op === 'BI') {
        // Inline image data is binary: skip to its end.
        const end = content.indexOf('EI', TOKEN.lastIndex);
        TOKEN.lastIndex = end < 0 ? content.length : end + 2;
      } else if (op === 'BDC' || op === 'BMC') {
        const props = operands[1];
        const dict = props && typeof props === 'object' && 'dict' in props ? props.dict : [];
        const subtype = dict[dict.indexOf('/Subtype') + 1];
        const at = dict.indexOf('/ActualText');
        stack.push({
          watermark: operands[0] === '/Artifact' && dict.includes('/Subtype') && subtype === '/Watermark',
          ...(at >= 0 ? { actualText: textString(dict[at + 1]) } : {}),
          text: '',
          shows: 0,
        });
      } else if (op === 'EMC') {
        const frame = stack.pop();
        if (frame?.watermark && frame.shows > 0) {
          const text = (frame.text.trim() || frame.actualText?.trim() || '').replace(/\s+/g, ' ');
          if (text) found.push({ text, country: /(?:^|[^A-Za-z])([A-Z]{2})$/.exec(text)?.[1] ?? null });
        }
      } else if (op === 'Tf') {
        const name = operands[0];
        font = typeof name === 'string' && name.startsWith('/') ? name.slice(1) : undefined;
      } else if (op === 'Tj' || op === "'") {
        const s = operands.at(-1);
        if (typeof s === 'string') show([s]);
      } else if (op === '"') {
        const s = operands.at(-1);
        if (typeof s === 'string') show([s]);
      } else if (op === 'TJ') {
        const arr = operands.at(-1);
        if (arr && typeof arr === 'object' && 'array' in arr) show(arr.array);
      }
      operands = [];
      continue;
    }
    operands.push(tok);
  }
  return found;
}

/** Every watermark artifact that draws text, page by page. Throws when the bytes are not a readable PDF. */
export async function readWatermarks(pdf: PdfInput): Promise<Watermark[]> {
  const doc = await open(pdf);
  return doc.getPages().flatMap((page) => watermarksOnPage(doc, page));
}

/** The document's watermark (page 1 first), or null when it carries none. */
export async function readWatermark(pdf: PdfInput): Promise<Watermark | null> {
  return (await readWatermarks(pdf))[0] ?? null;
}
