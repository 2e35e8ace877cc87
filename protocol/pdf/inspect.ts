import { PdfDict, PdfFormatError, PdfName, PdfStream, PdfString, type PdfValue, parsePdfDate } from './objects.ts';
import { type ObjectSource, PdfReader, decodeStream } from './reader.ts';

// Reading a (signed) e-CERT PDF: every signature field with its signature dictionary, and the
// embedded metadata attachment. Tries the fast cross-reference reader first and rebuilds the
// object table by scanning when the file's structure is damaged, so a broken xref never hides
// a signature (the signature check then judges the bytes).

export const METADATA_FILE_NAME = 'ecert-metadata.json';
export const SIGNATURE_FIELD_NAME = 'ecert_signature';

export interface PdfSignature {
  /** Fully qualified field name (parent names joined with "."). */
  fieldName: string;
  /** /ByteRange as written (validated by checkByteRange). */
  byteRange: unknown;
  /** Decoded /Contents bytes, padding included. */
  contents: Buffer | undefined;
  /** Where /Contents was read from in the file, when the reader knows it. */
  contentsAt?: { buf: Uint8Array; start: number; end: number };
  filter?: string;
  subFilter?: string;
  /** /M as written and parsed. */
  m?: string;
  signingTime?: Date;
  name?: string;
  reason?: string;
  location?: string;
}

export type EmbeddedMetadata =
  | { found: false; detail: string }
  | { found: true; bytes: Buffer; value?: unknown; parseError?: string };

export interface PdfInspection {
  /** Which reader produced it: 'recovered' means the cross-reference data was damaged. */
  reader: 'fast' | 'recovered';
  signatures: PdfSignature[];
  /** Signature fields without a value (not signed yet). */
  emptySignatureFields: string[];
  metadata: EmbeddedMetadata;
}

/** Read signatures and metadata. Throws PdfFormatError when the bytes are not a readable PDF. */
export function inspectPdf(bytes: Uint8Array): PdfInspection {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let firstError: Error | undefined;
  try {
    return inspectWith(new PdfReader(buf));
  } catch (err) {
    if (!(err instanceof PdfFormatError)) throw err;
    firstError = err;
  }
  try {
    return inspectWith(new PdfReader(buf, { recover: true }));
  } catch (err) {
    if (!(err instanceof PdfFormatError)) throw err;
    throw new PdfFormatError(`${firstError.message}; recovery failed too: ${err.message}`);
  }
}

function inspectWith(src: ObjectSource): PdfInspection {
  const catalog = src.resolve(src.trailer.get('Root'));
  if (!(catalog instanceof PdfDict)) throw new PdfFormatError('the document catalog is missing');
  const { signatures, empty } = readSignatureFields(src, catalog);
  return { reader: src.kind, signatures, emptySignatureFields: empty, metadata: readMetadata(src, catalog) };
}

export interface FieldVisit {
  dict: PdfDict;
  ref: PdfValue | undefined;
  fullName: string;
  type?: string;
}

/** Every terminal field of the AcroForm (kids that are only widgets belong to their parent). */
export function walkFields(src: ObjectSource, catalog: PdfDict): FieldVisit[] {
  const form = src.resolve(catalog.get('AcroForm'));
  if (!(form instanceof PdfDict)) return [];
  const fields = src.resolve(form.get('Fields'));
  if (!Array.isArray(fields)) return [];
  const out: FieldVisit[] = [];
  const seen = new Set<PdfDict>();
  const visit = (ref: PdfValue, parentName: string, inheritedType: string | undefined, depth: number): void => {
    const dict = src.resolve(ref);
    if (!(dict instanceof PdfDict) || seen.has(dict) || depth > 20) return;
    seen.add(dict);
    const t = dict.get('T');
    const partial = t instanceof PdfString ? t.text() : undefined;
    const fullName = partial === undefined ? parentName : parentName ? `${parentName}.${partial}` : partial;
    const ft = dict.get('FT');
    const type = ft instanceof PdfName ? ft.name : inheritedType;
    const kids = src.resolve(dict.get('Kids'));
    const fieldKids = Array.isArray(kids) ? kids.filter((k) => {
      const kd = src.resolve(k);
      return kd instanceof PdfDict && kd.has('T');
    }) : [];
    if (fieldKids.length) for (const k of fieldKids) visit(k, fullName, type, depth + 1);
    else out.push({ dict, ref, fullName, type });
  };
  for (const f of fields) visit(f, '', undefined, 0);
  return out;
}

function readSignatureFields(src: ObjectSource, catalog: PdfDict): { signatures: PdfSignature[]; empty: string[] } {
  const signatures: PdfSignature[] = [];
  const empty: string[] = [];
  for (const field of walkFields(src, catalog)) {
    if (field.type !== 'Sig') continue;
    const v = src.resolve(field.dict.get('V'));
    if (!(v instanceof PdfDict)) {
      empty.push(field.fullName);
      continue;
    }
    const text = (key: string): string | undefined => {
      const s = src.resolve(v.get(key));
      return s instanceof PdfString ? s.text() : undefined;
    };
    const nameOf = (key: string): string | undefined => {
      const n = src.resolve(v.get(key));
      return n instanceof PdfName ? n.name : undefined;
    };
    const br = src.resolve(v.get('ByteRange'));
    const contents = src.resolve(v.get('Contents'));
    const m = text('M');
    signatures.push({
      fieldName: field.fullName,
      byteRange: Array.isArray(br) ? br.map((x) => src.resolve(x)) : br,
      contents: contents instanceof PdfString ? contents.bytes : undefined,
      ...(contents instanceof PdfString && contents.source ? { contentsAt: contents.source } : {}),
      filter: nameOf('Filter'),
      subFilter: nameOf('SubFilter'),
      m,
      signingTime: m ? parsePdfDate(m) : undefined,
      name: text('Name'),
      reason: text('Reason'),
      location: text('Location'),
    });
  }
  return { signatures, empty };
}

/** The signature to verify: the ecert_signature field when signed, else the one covering most bytes. */
export function primarySignature(inspection: PdfInspection): PdfSignature | undefined {
  const named = inspection.signatures.find((s) => s.fieldName === SIGNATURE_FIELD_NAME);
  if (named) return named;
  const end = (s: PdfSignature): number => {
    const br = s.byteRange;
    return Array.isArray(br) && br.length === 4 ? Number(br[2]) + Number(br[3]) : -1;
  };
  return [...inspection.signatures].sort((a, b) => end(b) - end(a))[0];
}

// ---------------------------------------------------------------------------------------------
// ByteRange

export type ByteRangeProblem = 'shape' | 'start' | 'overlap' | 'beyondEnd' | 'gapNotHex' | 'noContents' | 'gapMismatch';

export interface ByteRangeCheck {
  ok: boolean;
  code?: 'BYTE_RANGE_INVALID' | 'BYTE_RANGE_INCOMPLETE';
  problem?: ByteRangeProblem;
  detail: string;
  /** The two signed ranges, whenever the ByteRange is well-formed (also when it is incomplete). */
  ranges?: [Buffer, Buffer];
  /** Offsets of the excluded /Contents string (from '<' to after '>'). */
  gap?: [number, number];
  /** Bytes after the end of the signed range. */
  appended: number;
  params?: Record<string, number>;
}

function invalid(problem: ByteRangeProblem, detail: string): ByteRangeCheck {
  return { ok: false, code: 'BYTE_RANGE_INVALID', problem, detail, appended: 0 };
}

/**
 * The ByteRange must be [0 a b c] with the gap a..b holding exactly the <hex> /Contents string of
 * this signature, and b + c must be the file length: otherwise bytes outside the signature
 * (an incremental update appended after signing, say) would pass unnoticed.
 */
export function checkByteRange(bytes: Buffer, sig: PdfSignature): ByteRangeCheck {
  const br = sig.byteRange;
  if (!Array.isArray(br) || br.length !== 4 || !br.every((n) => typeof n === 'number' && Number.isInteger(n) && n >= 0)) {
    return invalid('shape', 'the /ByteRange is not four non-negative integers');
  }
  const [s1, l1, s2, l2] = br as [number, number, number, number];
  if (s1 !== 0) return invalid('start', `the /ByteRange starts at ${s1}, not at 0`);
  if (s2 < l1 + 2) return invalid('overlap', 'the /ByteRange ranges overlap or leave no room for /Contents');
  if (s2 + l2 > bytes.length) return invalid('beyondEnd', `the /ByteRange ends at ${s2 + l2}, past the end of the ${bytes.length}-byte file`);
  if (bytes[l1] !== 0x3c || bytes[s2 - 1] !== 0x3e) return invalid('gapNotHex', 'the /ByteRange gap is not a <hex> string');
  if (!sig.contents) return invalid('noContents', 'the signature dictionary has no /Contents string');
  // The gap must be this signature's /Contents, not some other string: either the reader read
  // /Contents from exactly there, or the bytes there decode to the same value.
  const at = sig.contentsAt;
  if (!(at && at.buf === bytes && at.start === l1 && at.end === s2)) {
    const mismatch = gapMismatch(bytes, l1, s2, sig.contents);
    if (mismatch) return mismatch;
  }
  const ranges: [Buffer, Buffer] = [bytes.subarray(0, l1), bytes.subarray(s2, s2 + l2)];
  const appended = bytes.length - s2 - l2;
  if (appended > 0) {
    return {
      ok: false,
      code: 'BYTE_RANGE_INCOMPLETE',
      detail: `the signature covers ${s2 + l2} of ${bytes.length} bytes: ${appended} bytes were appended after signing`,
      params: { covered: s2 + l2, size: bytes.length, appended },
      ranges,
      gap: [l1, s2],
      appended,
    };
  }
  return { ok: true, detail: 'the signature covers the whole file', ranges, gap: [l1, s2], appended: 0 };
}

function gapMismatch(bytes: Buffer, l1: number, s2: number, contents: Buffer): ByteRangeCheck | undefined {
  let gapHex = bytes.toString('latin1', l1 + 1, s2 - 1);
  if (gapHex.length !== contents.length * 2) gapHex = gapHex.replace(/[\0\t\n\f\r ]/g, '');
  const gapBytes = Buffer.from(gapHex, 'hex');
  if (gapBytes.length * 2 !== gapHex.length || !gapBytes.equals(contents)) return invalid('gapMismatch', "the /ByteRange gap does not hold the signature's /Contents");
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Embedded metadata

function readMetadata(src: ObjectSource, catalog: PdfDict): EmbeddedMetadata {
  const spec = findFileSpec(src, catalog, METADATA_FILE_NAME);
  if (!spec) return { found: false, detail: `the PDF has no embedded file named ${METADATA_FILE_NAME}` };
  const ef = src.resolve(spec.get('EF'));
  const stream = ef instanceof PdfDict ? src.resolve(ef.get('F') ?? ef.get('UF')) : undefined;
  if (!(stream instanceof PdfStream)) return { found: false, detail: `the attachment ${METADATA_FILE_NAME} has no embedded file stream` };
  let data: Buffer;
  try {
    data = decodeStream(stream, src);
  } catch (err) {
    // A damaged attachment is a metadata finding, not an unreadable document.
    return { found: true, bytes: Buffer.alloc(0), parseError: `cannot decode the attachment: ${(err as Error).message}` };
  }
  try {
    return { found: true, bytes: data, value: JSON.parse(data.toString('utf8')) };
  } catch (err) {
    return { found: true, bytes: data, parseError: (err as Error).message };
  }
}

function findFileSpec(src: ObjectSource, catalog: PdfDict, fileName: string): PdfDict | undefined {
  const names = src.resolve(catalog.get('Names'));
  if (names instanceof PdfDict) {
    const found = nameTreeLookup(src, src.resolve(names.get('EmbeddedFiles')), fileName, 0);
    const spec = src.resolve(found);
    if (spec instanceof PdfDict) return spec;
  }
  // Associated files (PDF 2.0 /AF) name the same file specifications.
  const af = src.resolve(catalog.get('AF'));
  if (Array.isArray(af)) {
    for (const item of af) {
      const spec = src.resolve(item);
      if (spec instanceof PdfDict && specName(src, spec) === fileName) return spec;
    }
  }
  return undefined;
}

function specName(src: ObjectSource, spec: PdfDict): string | undefined {
  for (const key of ['UF', 'F']) {
    const v = src.resolve(spec.get(key));
    if (v instanceof PdfString) return v.text();
  }
  return undefined;
}

function nameTreeLookup(src: ObjectSource, node: PdfValue | undefined, key: string, depth: number): PdfValue | undefined {
  if (!(node instanceof PdfDict) || depth > 32) return undefined;
  const names = src.resolve(node.get('Names'));
  if (Array.isArray(names)) {
    for (let i = 0; i + 1 < names.length; i += 2) {
      const k = src.resolve(names[i]);
      if (k instanceof PdfString && k.text() === key) return names[i + 1];
    }
  }
  const kids = src.resolve(node.get('Kids'));
  if (Array.isArray(kids)) {
    for (const kid of kids) {
      const found = nameTreeLookup(src, src.resolve(kid), key, depth + 1);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

