// A minimal DER/BER reader over Buffers. Reading is on every verification's hot path, where
// forge's binary-string codec would cost a conversion and a full tree per call; this walks
// tag-length-value headers in place and lets callers take only the parts they need.
// Building stays with node-forge (protocol/x509.ts, protocol/cms.ts).

export class DerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DerError';
  }
}

export interface Tlv {
  /** Identifier octet (class, constructed bit and tag number below 31). */
  tag: number;
  /** Offset of the identifier octet. */
  start: number;
  /** Offset of the first content octet. */
  contentStart: number;
  /** Offset just past the content (before the end-of-contents octets for indefinite lengths). */
  contentEnd: number;
  /** Offset just past the whole element. */
  end: number;
}

export const TAG = {
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8String: 0x0c,
  SEQUENCE: 0x30,
  SET: 0x31,
  PrintableString: 0x13,
  UTCTime: 0x17,
  GeneralizedTime: 0x18,
} as const;

/** Context-specific tag [n], constructed or not. */
export const ctx = (n: number, constructed = true): number => 0x80 | (constructed ? 0x20 : 0) | n;

/** Read the element starting at `offset`; it must end at or before `limit`. */
export function readTlv(buf: Uint8Array, offset: number, limit = buf.length): Tlv {
  if (offset + 2 > limit) throw new DerError(`truncated element at offset ${offset}`);
  const tag = buf[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError(`high tag number at offset ${offset} is not supported`);
  let pos = offset + 1;
  const first = buf[pos++]!;
  if (first === 0x80) {
    // BER indefinite length (some signers emit it): children up to the end-of-contents octets.
    if (!(tag & 0x20)) throw new DerError(`indefinite length on a primitive element at offset ${offset}`);
    const contentStart = pos;
    while (true) {
      if (pos + 2 > limit) throw new DerError(`unterminated indefinite-length element at offset ${offset}`);
      if (buf[pos] === 0 && buf[pos + 1] === 0) return { tag, start: offset, contentStart, contentEnd: pos, end: pos + 2 };
      pos = readTlv(buf, pos, limit).end;
    }
  }
  let length: number;
  if (first < 0x80) length = first;
  else {
    const n = first & 0x7f;
    if (n > 4) throw new DerError(`length of ${n} octets at offset ${offset} is too large`);
    if (pos + n > limit) throw new DerError(`truncated length at offset ${offset}`);
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + buf[pos++]!;
  }
  const end = pos + length;
  if (end > limit) throw new DerError(`element at offset ${offset} claims ${length} bytes, only ${limit - pos} available`);
  return { tag, start: offset, contentStart: pos, contentEnd: end, end };
}

/** The direct children of a constructed element. */
export function children(buf: Uint8Array, parent: Tlv): Tlv[] {
  if (!(parent.tag & 0x20)) throw new DerError(`element at offset ${parent.start} is not constructed`);
  const out: Tlv[] = [];
  let pos = parent.contentStart;
  while (pos < parent.contentEnd) {
    const child = readTlv(buf, pos, parent.contentEnd);
    out.push(child);
    pos = child.end;
  }
  return out;
}

/** Read the element at `offset` and check its tag. */
export function expectTlv(buf: Uint8Array, offset: number, tag: number, what: string, limit = buf.length): Tlv {
  const tlv = readTlv(buf, offset, limit);
  if (tlv.tag !== tag) throw new DerError(`${what}: expected tag 0x${tag.toString(16)}, found 0x${tlv.tag.toString(16)}`);
  return tlv;
}

export function expectTag(tlv: Tlv | undefined, tag: number, what: string): Tlv {
  if (!tlv) throw new DerError(`${what} is missing`);
  if (tlv.tag !== tag) throw new DerError(`${what}: expected tag 0x${tag.toString(16)}, found 0x${tlv.tag.toString(16)}`);
  return tlv;
}

export const content = (buf: Uint8Array, tlv: Tlv): Buffer => Buffer.from(buf.buffer, buf.byteOffset + tlv.contentStart, tlv.contentEnd - tlv.contentStart);
export const whole = (buf: Uint8Array, tlv: Tlv): Buffer => Buffer.from(buf.buffer, buf.byteOffset + tlv.start, tlv.end - tlv.start);

const oidCache = new Map<string, string>();

/** Dotted form of an OBJECT IDENTIFIER element. */
export function readOid(buf: Uint8Array, tlv: Tlv): string {
  if (tlv.tag !== TAG.OID) throw new DerError(`expected an OBJECT IDENTIFIER at offset ${tlv.start}`);
  const bytes = content(buf, tlv);
  const key = bytes.toString('latin1');
  const cached = oidCache.get(key);
  if (cached) return cached;
  if (bytes.length === 0) throw new DerError(`empty OBJECT IDENTIFIER at offset ${tlv.start}`);
  const parts: number[] = [];
  let value = 0;
  for (const b of bytes) {
    value = value * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      parts.push(value);
      value = 0;
    }
  }
  const first = parts.shift()!;
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80];
  const dotted = [...head, ...parts].join('.');
  if (oidCache.size < 4096) oidCache.set(key, dotted);
  return dotted;
}

/** UTCTime or GeneralizedTime element as a Date. */
export function readTime(buf: Uint8Array, tlv: Tlv): Date {
  const s = content(buf, tlv).toString('latin1');
  let m: RegExpExecArray | null;
  if (tlv.tag === TAG.UTCTime && (m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?Z$/.exec(s))) {
    const yy = Number(m[1]);
    return new Date(Date.UTC(yy < 50 ? 2000 + yy : 1900 + yy, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0)));
  }
  if (tlv.tag === TAG.GeneralizedTime && (m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d+))?Z$/.exec(s))) {
    const ms = m[7] ? Math.round(Number(`0.${m[7]}`) * 1000) : 0;
    return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), ms));
  }
  throw new DerError(`unreadable time "${s}" at offset ${tlv.start}`);
}

/** Total encoded length of the element at the start of `buf` (DER header length, not trailing padding). */
export function encodedLength(buf: Uint8Array): number {
  return readTlv(buf, 0).end;
}
