import { PdfDict, PdfFormatError, PdfRef, PdfStream, type PdfValue, serialize } from './objects.ts';
import type { PdfReader } from './reader.ts';

// An incremental update (ISO 32000-1 §7.5.6): new and rewritten objects appended after the
// original bytes, with their own cross-reference section and a trailer whose /Prev points at
// the previous one. The original bytes are never touched, which is what lets an earlier
// signature stay valid and what a ByteRange check detects when it happens after signing.

type Body = { kind: 'value'; value: PdfValue } | { kind: 'raw'; text: string } | { kind: 'stream'; dict: PdfDict; data: Buffer };

export class IncrementalUpdate {
  private readonly objects = new Map<number, { gen: number; body: Body }>();
  private nextNumber: number;

  constructor(private readonly reader: PdfReader) {
    if (reader.kind !== 'fast') throw new PdfFormatError('cannot append to a PDF whose cross-reference data is damaged');
    if (reader.trailer.get('Encrypt') !== undefined) throw new PdfFormatError('encrypted PDFs are not supported');
    this.nextNumber = Math.max(reader.xref.size, 1);
  }

  /** A fresh object number. */
  allocate(): PdfRef {
    return new PdfRef(this.nextNumber++, 0);
  }

  set(ref: PdfRef, value: PdfValue): this {
    if (value instanceof PdfStream) this.objects.set(ref.num, { gen: ref.gen, body: { kind: 'stream', dict: value.dict, data: value.raw } });
    else this.objects.set(ref.num, { gen: ref.gen, body: { kind: 'value', value } });
    return this;
  }

  /** An object whose body is already PDF syntax (the signature dictionary with its placeholders). */
  setRaw(ref: PdfRef, text: string): this {
    this.objects.set(ref.num, { gen: ref.gen, body: { kind: 'raw', text } });
    return this;
  }

  /** The whole new file (original bytes + update) and where each written object starts. */
  build(): { bytes: Buffer; offsets: Map<number, number> } {
    const original = this.reader.bytes;
    const chunks: Buffer[] = [];
    let length = original.length;
    const push = (b: Buffer | string): void => {
      const buf = typeof b === 'string' ? Buffer.from(b, 'latin1') : b;
      chunks.push(buf);
      length += buf.length;
    };
    const last = original[original.length - 1];
    if (last !== 0x0a && last !== 0x0d) push('\n');
    const offsets = new Map<number, number>();
    // Raw bodies (the signature) go last, so the signed range after /Contents stays short.
    const order = [...this.objects.entries()].sort(([a, x], [b, y]) => Number(x.body.kind === 'raw') - Number(y.body.kind === 'raw') || a - b);
    for (const [num, { gen, body }] of order) {
      offsets.set(num, length);
      if (body.kind === 'stream') {
        const dict = new PdfDict(new Map(body.dict.map));
        dict.set('Length', body.data.length);
        push(`${num} ${gen} obj\n${serialize(dict)}\nstream\n`);
        push(body.data);
        push('\nendstream\nendobj\n');
      } else push(`${num} ${gen} obj\n${body.kind === 'raw' ? body.text : serialize(body.value)}\nendobj\n`);
    }
    const xrefOffset = length;
    let xref = 'xref\n';
    const nums = [...this.objects.keys()].sort((a, b) => a - b);
    for (let i = 0; i < nums.length; ) {
      let j = i;
      while (j + 1 < nums.length && nums[j + 1] === nums[j]! + 1) j++;
      xref += `${nums[i]} ${j - i + 1}\n`;
      for (let k = i; k <= j; k++) {
        const num = nums[k]!;
        xref += `${String(offsets.get(num)).padStart(10, '0')} ${String(this.objects.get(num)!.gen).padStart(5, '0')} n \n`;
      }
      i = j + 1;
    }
    const old = this.reader.trailer;
    const trailer = new PdfDict();
    trailer.set('Size', Math.max(this.nextNumber, this.reader.xref.size));
    for (const key of ['Root', 'Info', 'ID']) {
      const v = old.get(key);
      if (v !== undefined) trailer.set(key, v);
    }
    trailer.set('Prev', this.reader.xref.startxref);
    push(`${xref}trailer\n${serialize(trailer)}\nstartxref\n${xrefOffset}\n%%EOF\n`);
    const bytes = Buffer.allocUnsafe(length);
    original.copy(bytes, 0);
    let at = original.length;
    for (const c of chunks) {
      c.copy(bytes, at);
      at += c.length;
    }
    return { bytes, offsets };
  }
}

/** A copy of a dictionary (values shared), for rewriting an object with a few changed keys. */
export function copyDict(dict: PdfDict): PdfDict {
  return new PdfDict(new Map(dict.map));
}

export function asRef(v: PdfValue | undefined, what: string): PdfRef {
  if (!(v instanceof PdfRef)) throw new PdfFormatError(`${what} is not an indirect object; this layout is not supported`);
  return v;
}
