import { AFRelationship, PDFDocument, PDFName, PDFString, StandardFonts } from 'pdf-lib';
import { METADATA_FILE_NAME, SIGNATURE_FIELD_NAME } from './inspect.ts';

// A minimal unsigned e-CERT-shaped PDF (text, the metadata attachment, an empty signature
// field) for tests and benchmarks of the signing layer. Realistic documents come from the
// document factory in fixtures/documents/.

export interface SamplePdfOptions {
  metadata?: unknown;
  /** Add the empty ecert_signature field (default true). */
  signatureField?: boolean;
  /** Pad the document to about this many bytes with an uncompressed stream. */
  padToBytes?: number;
  /** Save with object streams and a cross-reference stream (default false, like the factory). */
  useObjectStreams?: boolean;
  pages?: number;
}

export async function samplePdf(options: SamplePdfOptions = {}): Promise<Buffer> {
  const doc = await PDFDocument.create({ updateMetadata: false });
  doc.setTitle('e-CERT sample', { showInWindowTitleBar: false });
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const pageCount = options.pages ?? 1;
  for (let i = 0; i < pageCount; i++) {
    const page = doc.addPage([595, 842]);
    page.drawText(`Certificate of conformity - sample page ${i + 1}`, { x: 50, y: 780, size: 16, font });
  }
  const first = doc.getPage(0);
  if (options.metadata !== undefined) {
    await doc.attach(Buffer.from(JSON.stringify(options.metadata, null, 2), 'utf8'), METADATA_FILE_NAME, {
      mimeType: 'application/json',
      description: 'e-CERT metadata',
      afRelationship: AFRelationship.Data,
      creationDate: new Date('2025-01-01T00:00:00Z'),
      modificationDate: new Date('2025-01-01T00:00:00Z'),
    });
  }
  if (options.signatureField ?? true) {
    const field = doc.context.obj({
      FT: 'Sig',
      T: PDFString.of(SIGNATURE_FIELD_NAME),
      Type: 'Annot',
      Subtype: 'Widget',
      Rect: [400, 40, 560, 100],
      F: 4,
      P: first.ref,
    });
    const ref = doc.context.register(field);
    first.node.set(PDFName.of('Annots'), doc.context.obj([ref]));
    doc.getForm().acroForm.addField(ref);
  }
  if (options.padToBytes) {
    const current = (await doc.save({ useObjectStreams: false })).length;
    const pad = Math.max(0, options.padToBytes - current - 200);
    // Deterministic filler that does not compress away (a document with large scanned images).
    const filler = Buffer.alloc(pad);
    let x = 0x12345678;
    for (let i = 0; i < pad; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      filler[i] = x >>> 24;
    }
    const stream = doc.context.stream(filler, { Type: 'XObject', Subtype: 'Image', Width: 1, Height: 1, ColorSpace: 'DeviceGray', BitsPerComponent: 8 });
    doc.context.register(stream);
  }
  return Buffer.from(await doc.save({ useObjectStreams: options.useObjectStreams ?? false }));
}
