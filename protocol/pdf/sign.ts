import crypto from 'node:crypto';
import { type CmsSignOptions, type DigestName, type Signer, maxCmsSize, signDigest } from '../cms.ts';
import type { SignatureSubFilter } from '../types.ts';
import { SIGNATURE_FIELD_NAME, walkFields } from './inspect.ts';
import { PdfDict, PdfFormatError, PdfName, PdfRef, type PdfValue, name, pdfDate, serialize, textString } from './objects.ts';
import { PdfReader } from './reader.ts';
import { IncrementalUpdate, asRef, copyDict } from './update.ts';

// Signing a PDF: one incremental update that fills the signature field (or adds one), with an
// ISO 32000 signature dictionary whose /ByteRange covers the whole file except the /Contents
// hex string, where the detached CMS goes. The original bytes are copied, never re-rendered.

export interface PdfSignOptions {
  subFilter?: SignatureSubFilter;
  /** Claimed signing time: /M and, for adbe.pkcs7.detached, the CMS signingTime attribute. */
  signingTime?: Date;
  /** Digest; sha1 exists only for the weak-algorithm test variant. */
  digest?: DigestName;
  /** Field to fill (created when absent). */
  fieldName?: string;
  name?: string;
  reason?: string;
  location?: string;
  /** CMS space to reserve in bytes; by default computed from the signer's certificates. */
  placeholderBytes?: number;
}

export class PdfSignError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PdfSignError';
  }
}

/** Sign `pdf` (bytes of a complete PDF) and return the signed file. */
export function signPdf(pdf: Uint8Array, signer: Signer, options: PdfSignOptions = {}): Buffer {
  const subFilter = options.subFilter ?? 'adbe.pkcs7.detached';
  if (subFilter !== 'adbe.pkcs7.detached' && subFilter !== 'ETSI.CAdES.detached') throw new PdfSignError(`unsupported sub-filter ${String(subFilter)}`);
  const signingTime = options.signingTime ?? new Date();
  const cmsOptions: CmsSignOptions = {
    digest: options.digest ?? 'sha256',
    // PAdES (ETSI.CAdES.detached) carries the claimed time in /M only and requires the ESS
    // signing-certificate-v2 attribute.
    signingTime: subFilter === 'ETSI.CAdES.detached' ? null : signingTime,
    signingCertificateV2: subFilter === 'ETSI.CAdES.detached',
  };
  const buf = Buffer.isBuffer(pdf) ? pdf : Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength);
  let prepared: { bytes: Buffer; sigOffset: number };
  try {
    prepared = prepareUpdate(buf, subFilter, signingTime, options, placeholderSize(signer, cmsOptions, options.placeholderBytes));
  } catch (err) {
    if (err instanceof PdfFormatError) throw new PdfSignError(`cannot sign this PDF: ${err.message}`);
    throw err;
  }
  const { bytes, sigOffset } = prepared;
  const contentsAt = bytes.indexOf('/Contents <', sigOffset, 'latin1') + '/Contents '.length;
  const contentsEnd = bytes.indexOf(0x3e /* > */, contentsAt) + 1;
  const byteRange = [0, contentsAt, contentsEnd, bytes.length - contentsEnd];
  const brAt = bytes.indexOf('/ByteRange [', sigOffset, 'latin1') + '/ByteRange '.length;
  const brEnd = bytes.indexOf(0x5d /* ] */, brAt) + 1;
  bytes.write(`[${byteRange.join(' ')}]`.padEnd(brEnd - brAt, ' '), brAt, 'latin1');

  const hash = crypto.createHash(cmsOptions.digest!);
  hash.update(bytes.subarray(0, contentsAt));
  hash.update(bytes.subarray(contentsEnd));
  const cms = signDigest(hash.digest(), signer, cmsOptions);
  const room = (contentsEnd - contentsAt - 2) / 2;
  if (cms.length > room) throw new PdfSignError(`the signature (${cms.length} bytes) does not fit the ${room}-byte placeholder; pass a larger placeholderBytes`);
  bytes.write(cms.toString('hex'), contentsAt + 1, 'latin1');
  return bytes;
}

function placeholderSize(signer: Signer, cms: CmsSignOptions, explicit?: number): number {
  if (explicit) return explicit;
  // Rounded up so the layout depends only on the chain and key size, not on the signature.
  return Math.ceil((maxCmsSize(signer, cms) + 64) / 512) * 512;
}

function prepareUpdate(
  pdf: Buffer,
  subFilter: SignatureSubFilter,
  signingTime: Date,
  options: PdfSignOptions,
  placeholderBytes: number,
): { bytes: Buffer; sigOffset: number } {
  const reader = new PdfReader(pdf);
  const update = new IncrementalUpdate(reader);
  const catalogRef = asRef(reader.trailer.get('Root'), 'the document catalog');
  const catalog = reader.resolve(catalogRef);
  if (!(catalog instanceof PdfDict)) throw new PdfFormatError('the document catalog is missing');
  const fieldName = options.fieldName ?? SIGNATURE_FIELD_NAME;
  const sigRef = update.allocate();

  const field = walkFields(reader, catalog).find((f) => f.fullName === fieldName);
  const formValue = catalog.get('AcroForm');
  const form = reader.resolve(formValue);
  let newForm: PdfDict;
  if (field) {
    if (field.type !== 'Sig') throw new PdfSignError(`the field "${fieldName}" is not a signature field`);
    if (field.dict.get('V') !== undefined && reader.resolve(field.dict.get('V')) !== null) throw new PdfSignError(`the signature field "${fieldName}" is already signed`);
    update.set(asRef(field.ref, `the signature field "${fieldName}"`), copyDict(field.dict).set('V', sigRef));
    newForm = copyDict(form as PdfDict);
  } else {
    // No field: add an invisible signature widget on the first page.
    const pageRef = firstPage(reader, catalog);
    const page = reader.resolve(pageRef) as PdfDict;
    const fieldRef = update.allocate();
    update.set(
      fieldRef,
      new PdfDict(
        new Map<string, PdfValue>([
          ['Type', name('Annot')],
          ['Subtype', name('Widget')],
          ['FT', name('Sig')],
          ['T', textString(fieldName)],
          ['V', sigRef],
          ['Rect', [0, 0, 0, 0]],
          ['F', 132],
          ['P', pageRef],
        ]),
      ),
    );
    update.set(pageRef, copyDict(page).set('Annots', appendTo(reader, update, page.get('Annots'), fieldRef)));
    newForm = form instanceof PdfDict ? copyDict(form) : new PdfDict();
    newForm.set('Fields', appendTo(reader, update, newForm.get('Fields'), fieldRef));
  }
  newForm.set('SigFlags', 3);
  if (formValue instanceof PdfRef) update.set(formValue, newForm);
  else if (!(form instanceof PdfDict) || !field || reader.resolve(form.get('SigFlags')) !== 3) {
    const formRef = update.allocate();
    update.set(formRef, newForm);
    update.set(catalogRef, copyDict(catalog).set('AcroForm', formRef));
  }

  const text = (s: string | undefined, key: string): string => (s ? ` /${key} ${serialize(textString(s))}` : '');
  const widths = '0000000000';
  const sigDict =
    `<</Type /Sig /Filter /Adobe.PPKLite /SubFilter /${subFilter}` +
    ` /ByteRange [0 ${widths} ${widths} ${widths}]` +
    ` /Contents <${'0'.repeat(placeholderBytes * 2)}>` +
    ` /M ${serialize(textString(pdfDate(signingTime)))}` +
    text(options.name, 'Name') +
    text(options.reason, 'Reason') +
    text(options.location, 'Location') +
    '>>';
  update.setRaw(sigRef, sigDict);
  const { bytes, offsets } = update.build();
  return { bytes, sigOffset: offsets.get(sigRef.num)! };
}

function firstPage(reader: PdfReader, catalog: PdfDict): PdfRef {
  let node: PdfValue | undefined = catalog.get('Pages');
  for (let depth = 0; depth < 32; depth++) {
    const dict = reader.resolve(node);
    if (!(dict instanceof PdfDict)) break;
    const type = dict.get('Type');
    if (type instanceof PdfName && type.name === 'Page') return asRef(node, 'the first page');
    const kids = reader.resolve(dict.get('Kids'));
    if (!Array.isArray(kids) || kids.length === 0) break;
    node = kids[0];
  }
  throw new PdfFormatError('the document has no page to attach a signature field to');
}

/** An array value with `ref` appended; an indirect array is rewritten in place. */
function appendTo(reader: PdfReader, update: IncrementalUpdate, current: PdfValue | undefined, ref: PdfRef): PdfValue {
  if (current instanceof PdfRef) {
    const arr = reader.resolve(current);
    update.set(current, [...(Array.isArray(arr) ? arr : []), ref]);
    return current;
  }
  return [...(Array.isArray(current) ? current : []), ref];
}
