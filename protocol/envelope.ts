import crypto from 'node:crypto';
import type { EcertMetadata, Envelope, SignatureSubFilter } from './types.ts';

// The envelope that travels beside a signed PDF: the metadata (also embedded, signed, in the
// PDF), the file's size and SHA-256 (which cannot live inside the file it hashes) and the
// signature info.

export interface EnvelopeOptions {
  /** Registry key id of the signer certificate (trust.ts keyIdFor). */
  keyId: string;
  subFilter: SignatureSubFilter;
  /** File name without a path. */
  name?: string;
}

export function buildEnvelope(pdf: Uint8Array, metadata: EcertMetadata, options: EnvelopeOptions): Envelope {
  return {
    envelopeVersion: '1.0',
    metadata,
    file: {
      mediaType: 'application/pdf',
      size: pdf.byteLength,
      sha256: crypto.createHash('sha256').update(pdf).digest('hex'),
      ...(options.name ? { name: options.name } : {}),
    },
    signature: { subFilter: options.subFilter, keyId: options.keyId },
  };
}
