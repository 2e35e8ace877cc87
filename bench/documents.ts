import crypto from 'node:crypto';
import { generateMetadata, renderDocumentPdf } from '../fixtures/documents/index.ts';
import { createTestPki } from '../fixtures/pki.ts';
import { getProfile } from '../fixtures/profiles/index.ts';
import type { Signer } from '../protocol/cms.ts';
import { buildEnvelope } from '../protocol/envelope.ts';
import { samplePdf } from '../protocol/pdf/sample.ts';
import { signPdf } from '../protocol/pdf/sign.ts';
import { verifyDocument } from '../protocol/verify.ts';
import { measure, ratioRow } from './measure.ts';
import type { BenchRow, BenchSection } from './types.ts';

// Issue 2's figures: signing and verifying throughput of a 1-page document and a 1 MB document,
// against the raw node:crypto limit on the same bytes and machine (RSA-2048 sign; SHA-256 + RSA
// verify). Targets: signing >= 50 % of raw sign; verifying a 1-page document >= 20 % of raw verify.

export async function benchDocuments(): Promise<BenchSection> {
  const pki = createTestPki({ seed: 'bench', profiles: [getProfile('UZ')] });
  const uz = pki.country('UZ');
  // The plain node:crypto path (the test signer's deterministic hook is for fixtures).
  const signer: Signer = { privateKey: uz.signer.privateKey, certificate: uz.signer.certificate, chain: uz.signer.chain };
  const trust = pki.trustRegistry();
  const profile = getProfile('UZ');
  const metadata = generateMetadata({ profile, recipient: 'PK', type: 'coc', product: '8516', seed: 'bench', issuedAt: '2025-06-01T10:00:00Z' });
  const onePage = Buffer.from(await renderDocumentPdf(metadata, { profile }));
  const oneMb = await samplePdf({ metadata, padToBytes: 1 << 20 });
  const signingTime = new Date('2025-06-01T10:05:00Z');
  const at = '2025-07-01T00:00:00Z';

  const rows: BenchRow[] = [];
  const notes: string[] = [];
  for (const [label, unsigned, target] of [
    ['1-page', onePage, true],
    ['1 MB', oneMb, false],
  ] as const) {
    const signed = signPdf(unsigned, signer, { signingTime });
    const envelope = buildEnvelope(signed, metadata, { keyId: uz.signer.keyId, subFilter: 'adbe.pkcs7.detached' });
    const check = verifyDocument({ pdf: signed, envelope, trust, at });
    if (!check.valid) throw new Error(`bench document does not verify: ${check.reasonCodes.join(', ')}`);
    const rawSig = crypto.sign('sha256', signed, signer.privateKey);
    const publicKey = uz.signer.publicKey;
    const r = measure({
      [`raw RSA-2048 sign (${label})`]: () => crypto.sign('sha256', unsigned, signer.privateKey),
      [`sign PDF (${label})`]: () => signPdf(unsigned, signer, { signingTime }),
      [`raw SHA-256 + RSA verify (${label})`]: () => crypto.verify('sha256', signed, publicKey, rawSig),
      [`verify PDF (${label})`]: () => verifyDocument({ pdf: signed, envelope, trust, at }),
    });
    rows.push(
      { name: `raw RSA-2048 sign (${label})`, opsPerSec: r[`raw RSA-2048 sign (${label})`]! },
      ratioRow(`sign PDF (${label})`, r, `raw RSA-2048 sign (${label})`, target ? 0.5 : undefined),
      { name: `raw SHA-256 + RSA verify (${label})`, opsPerSec: r[`raw SHA-256 + RSA verify (${label})`]! },
      ratioRow(`verify PDF (${label})`, r, `raw SHA-256 + RSA verify (${label})`, target ? 0.2 : undefined),
    );
    notes.push(`${label}: ${unsigned.length.toLocaleString('en-US')} bytes unsigned, ${signed.length.toLocaleString('en-US')} signed`);
  }
  notes.push(
    'raw = node:crypto over the same document bytes; sign PDF = incremental update + CMS (adbe.pkcs7.detached) + RSA-2048;',
    'verify PDF = verifyDocument with envelope and trust registry: all five checks (parse, ByteRange, digest, signature, chain, schema, metadata, validity).',
  );
  return { title: 'Signed documents (issue 2)', rows, notes };
}
