import fs from 'node:fs';
import path from 'node:path';
import { CmsError, parseSignedData } from '../../../protocol/cms.ts';
import { DerError, encodedLength } from '../../../protocol/der.ts';
import { buildEnvelope } from '../../../protocol/envelope.ts';
import { inspectPdf, primarySignature } from '../../../protocol/pdf/inspect.ts';
import { PdfFormatError } from '../../../protocol/pdf/objects.ts';
import { validateMetadata } from '../../../protocol/schema.ts';
import { type ParsedCertificate, parseCertificate } from '../../../protocol/certs.ts';
import { addCaCertificate, emptyTrustRegistry, keyIdFor, parseTrustRegistry, registerSigner, serializeTrustRegistry, TrustRegistryError } from '../../../protocol/trust.ts';
import { pemToDers } from '../../../protocol/x509.ts';
import type { CountryCode, DocumentType, EcertMetadata, SignatureSubFilter, TrustRegistry } from '../../../protocol/types.ts';
import { IssueError, type IssueRequest, issueDocument, issueUnsigned, variantWorksUnsigned } from '../../../fixtures/issue.ts';
import { createTestPki } from '../../../fixtures/pki.ts';
import type { CountryProfile } from '../../../fixtures/profile.ts';
import { documentTypesForPair, loadProfiles, PROFILE_CODES, productsForPair } from '../../../fixtures/profiles/index.ts';
import { isVariantName, VARIANT_NAMES, VARIANTS, type VariantName } from '../../../fixtures/variants.ts';
import { UsageError } from '../errors.ts';
import type { CliContext } from '../index.ts';
import { parseTime, pdfProblem, readInput, type WriteOutcome, writeOutput } from './doc-files.ts';
import { docMessages } from './doc.messages.ts';

// What the `ecert doc` commands do; doc.ts registers them and loads this module (the document
// factory: pdf-lib, fonts, faker; the test PKI) only when one of them runs.

type Key = Parameters<typeof docMessages.t>[1];
type Params = Parameters<typeof docMessages.t>[2];

const SUB_FILTERS: readonly SignatureSubFilter[] = ['adbe.pkcs7.detached', 'ETSI.CAdES.detached'];

export interface IssueFlags {
  country: string;
  type?: string;
  to?: string;
  product?: string;
  variant: string;
  seed: string;
  pkiSeed: string;
  issuedAt?: string;
  verifyUrl?: string;
  subFilter: string;
  unsigned?: boolean;
  out: string;
  force?: boolean;
  json?: boolean;
}

interface Resolved {
  sender: CountryProfile;
  recipient: CountryProfile;
  type: DocumentType;
  product: string;
}

function profileFor(code: string, profiles: readonly CountryProfile[], t: (k: Key, p?: Params) => string): CountryProfile {
  const found = profiles.find((p) => p.code === code.trim().toUpperCase());
  if (!found) throw new UsageError(t('error.unknownCountry', { code, known: PROFILE_CODES.join(', ') }), t('error.unknownCountry.hint'));
  return found;
}

/** Sender, recipient, type and product from the flags, defaults filled from what the pair exchanges. */
function resolvePair(flags: IssueFlags, t: (k: Key, p?: Params) => string): Resolved {
  const profiles = loadProfiles();
  const sender = profileFor(flags.country, profiles, t);
  let type: DocumentType | undefined;
  if (flags.type !== undefined) {
    const lower = flags.type.toLowerCase();
    if (lower !== 'coc' && lower !== 'tr') throw new UsageError(t('error.badType', { type: flags.type }));
    type = lower;
  }
  const product = flags.product?.trim();
  if (product !== undefined && !/^\d{4}(\d{2}){0,3}$/.test(product)) {
    throw new UsageError(t('error.badProduct', { product, sender: sender.code, recipient: flags.to ?? '-', traded: '0813, 8516' }));
  }
  const heading = product?.slice(0, 4);
  let recipient: CountryProfile;
  if (flags.to !== undefined) {
    recipient = profileFor(flags.to, profiles, t);
    if (recipient.code === sender.code) throw new UsageError(t('error.sameCountry', { code: recipient.code }));
  } else {
    const partner = profiles.find(
      (p) => p.code !== sender.code && (!type || documentTypesForPair(sender, p).includes(type)) && (!heading || productsForPair(sender, p).includes(heading)),
    );
    if (!partner) {
      const what = [type, heading && `HS ${heading}`].filter(Boolean).join(', ');
      throw new UsageError(t('error.noPartner', { what, sender: sender.code }), t('error.noPartner.hint'));
    }
    recipient = partner;
  }
  const types = documentTypesForPair(sender, recipient);
  if (!type) type = types[0] ?? 'coc';
  else if (!types.includes(type)) {
    throw new UsageError(t('error.notExchanged', { sender: sender.code, recipient: recipient.code, type, types: types.join(', ') || '-' }), t('error.noPartner.hint'));
  }
  const traded = productsForPair(sender, recipient);
  const chosen = product ?? (traded.includes('0813') ? '0813' : traded[0]);
  if (!chosen || !traded.includes(chosen.slice(0, 4))) {
    throw new UsageError(t('error.badProduct', { product: chosen ?? '-', sender: sender.code, recipient: recipient.code, traded: traded.join(', ') || '-' }));
  }
  return { sender, recipient, type, product: chosen };
}

/** Merge `add` into an existing trust.json (if any) without dropping what it registers. */
function mergedTrust(file: string, add: TrustRegistry, existing: Buffer | undefined, lang: CliContext['lang']): { registry: TrustRegistry; merged: boolean } {
  const t = (k: Key, p?: Params) => docMessages.t(lang, k, p);
  if (!existing) return { registry: add, merged: false };
  let current: TrustRegistry;
  try {
    current = parseTrustRegistry(existing.toString('utf8'), file);
  } catch (err) {
    if (!(err instanceof TrustRegistryError)) throw err;
    const message = err.localized(lang);
    throw new UsageError(t('error.trustInvalid', { path: file, message }), t('error.trustInvalid.hint'));
  }
  let registry = current;
  for (const [cc, country] of Object.entries(add.countries)) {
    for (const pem of country.anchors) registry = addCaCertificate(registry, cc, pem, 'anchor');
    for (const pem of country.intermediates ?? []) registry = addCaCertificate(registry, cc, pem, 'intermediate');
    for (const s of country.signers) {
      if (registry.countries[cc]?.signers.some((e) => e.keyId === s.keyId)) continue; // the tester's entry wins
      registry = registerSigner(registry, cc, s.certificate, {
        ...(s.label ? { label: s.label } : {}),
        status: s.status,
        ...(s.registeredAt ? { registeredAt: s.registeredAt } : {}),
        ...(s.revokedAt ? { revokedAt: s.revokedAt } : {}),
        ...(s.revocationReason ? { revocationReason: s.revocationReason } : {}),
      }).registry;
    }
  }
  if (!registry.policy && add.policy) registry = { ...registry, policy: add.policy };
  return { registry, merged: serializeTrustRegistry(registry) !== existing.toString('utf8') };
}

function readIfPresent(file: string, lang: CliContext['lang']): Buffer | undefined {
  return fs.existsSync(file) ? readInput(file, '/', lang) : undefined;
}

export async function issue(flags: IssueFlags, ctx: CliContext): Promise<void> {
  const { lang, io } = ctx;
  const t = (k: Key, p?: Params) => docMessages.t(lang, k, p);
  if (!isVariantName(flags.variant)) throw new UsageError(t('error.unknownVariant', { variant: flags.variant }), t('error.unknownVariant.hint', { known: VARIANT_NAMES.join(', ') }));
  const variant: VariantName = flags.variant;
  if (!(SUB_FILTERS as readonly string[]).includes(flags.subFilter)) throw new UsageError(t('error.badSubFilter', { value: flags.subFilter }));
  if (flags.unsigned && !variantWorksUnsigned(variant)) {
    throw new UsageError(
      t('error.unsignedVariant', { variant, stage: t(`stage.${VARIANTS[variant].stage}` as Key), allowed: VARIANT_NAMES.filter(variantWorksUnsigned).join(', ') }),
    );
  }
  const issuedAt = flags.issuedAt !== undefined ? parseTime(flags.issuedAt, '--issued-at', lang) : new Date(Math.floor(Date.now() / 1000) * 1000);
  if (flags.verifyUrl !== undefined && !/^https?:\/\/[^\s/]+/.test(flags.verifyUrl)) throw new UsageError(t('error.badUrl', { value: flags.verifyUrl }));
  const pair = resolvePair(flags, t);
  const pki = createTestPki({ seed: flags.pkiSeed, profiles: loadProfiles() });
  const req: IssueRequest = {
    sender: pair.sender.code,
    recipient: pair.recipient.code,
    type: pair.type,
    hsCode: pair.product,
    variant,
    seed: flags.seed,
    issuedAt,
  };
  const issueCtx = { pki, subFilter: flags.subFilter as SignatureSubFilter, ...(flags.verifyUrl ? { verifyBaseUrl: flags.verifyUrl } : {}) };

  let made: { pdf: Uint8Array; metadata: EcertMetadata; envelope?: ReturnType<typeof buildEnvelope>; keyId?: string; genuine: boolean; expectedReasonCode?: string };
  try {
    if (flags.unsigned) {
      const u = await issueUnsigned(req, issueCtx);
      made = { ...u, genuine: VARIANTS[variant].genuine };
    } else {
      const d = await issueDocument(req, issueCtx);
      made = { pdf: d.pdf, metadata: d.metadata, envelope: d.envelope, keyId: d.keyId, genuine: d.genuine, ...(d.expectedReasonCode ? { expectedReasonCode: d.expectedReasonCode } : {}) };
    }
  } catch (err) {
    if (err instanceof IssueError && err.code === 'VARIANT_NEEDS_COC') throw new UsageError(t('error.variantNeedsCoc', { variant }));
    if (err instanceof IssueError) throw new UsageError(t('error.issue', { message: err.message }));
    throw err;
  }

  const outDir = path.resolve(io.cwd, flags.out);
  const id = made.metadata.documentId;
  const files: Record<string, string> = {};
  const outcomes: Record<string, WriteOutcome> = {};
  const write = (label: string, name: string, data: Uint8Array | string) => {
    const file = path.join(outDir, name);
    outcomes[label] = writeOutput(file, data, { lang, ...(flags.force ? { force: true } : {}) });
    files[label] = path.relative(io.cwd, file) || file;
  };
  // Check the registry first: a broken trust.json stops the command before anything is written.
  const trustFile = path.join(outDir, 'trust.json');
  const trust = mergedTrust(path.relative(io.cwd, trustFile) || trustFile, pki.trustRegistry(), readIfPresent(trustFile, lang), lang);
  write('pdf', `${id}.pdf`, made.pdf);
  if (made.envelope) write('envelope', `${id}.json`, `${JSON.stringify(made.envelope, null, 2)}\n`);
  else write('metadata', `${id}.metadata.json`, `${JSON.stringify(made.metadata, null, 2)}\n`);
  const trustText = serializeTrustRegistry(trust.registry);
  outcomes.trust = writeOutput(trustFile, trustText, { lang, force: true });
  files.trust = path.relative(io.cwd, trustFile) || trustFile;

  if (flags.json) {
    io.stdout(
      `${JSON.stringify(
        {
          documentId: id,
          documentType: made.metadata.documentType,
          sender: req.sender,
          recipient: req.recipient,
          hsCode: made.metadata.products[0]?.hsCode ?? req.hsCode,
          variant,
          genuine: made.genuine,
          ...(made.expectedReasonCode ? { expectedReasonCode: made.expectedReasonCode } : {}),
          signed: !flags.unsigned,
          ...(made.keyId ? { keyId: made.keyId } : {}),
          issuedAt: made.metadata.issueDateTime,
          pkiSeed: flags.pkiSeed,
          seed: flags.seed,
          files,
        },
        null,
        2,
      )}\n`,
    );
    return;
  }
  const common = { type: made.metadata.documentType, id, sender: req.sender, recipient: req.recipient, hs: made.metadata.products[0]?.hsCode ?? req.hsCode };
  const lines: string[] = [flags.unsigned ? t('issued.unsignedTitle', common) : t('issued.title', { ...common, variant })];
  if (!flags.unsigned) {
    const signer = made.keyId ? signerOf(made.pdf) : undefined;
    if (signer) lines.push(t('issued.signer', { subject: signer.subject, keyId: made.keyId!, signingTime: signer.signingTime }));
    lines.push(made.genuine ? t('issued.genuine') : t('issued.expect', { code: made.expectedReasonCode ?? '-', description: VARIANTS[variant].description[lang] }));
  }
  for (const [label, file] of Object.entries(files)) {
    lines.push(`${t('issued.file', { label: t(`label.${label}` as Key), path: file })}${label === 'trust' && trust.merged ? ` ${t('issued.trustMerged')}` : ''}`);
  }
  if (flags.unsigned) lines.push(t('issued.unsignedNext', { pdf: files.pdf!, trust: files.trust! }));
  else lines.push(t('issued.next', { command: `ecert verify ${files.pdf} --envelope ${files.envelope} --trust ${files.trust}` }));
  io.stdout(`${lines.join('\n')}\n`);
}

function signerOf(pdf: Uint8Array): { subject: string; signingTime: string } | undefined {
  const sig = primarySignature(inspectPdf(pdf));
  if (!sig?.contents) return undefined;
  try {
    const cms = parseSignedData(sig.contents.subarray(0, encodedLength(sig.contents)));
    const cert = cms.signerCertificate;
    const time = cms.signingTime ?? sig.signingTime;
    return cert ? { subject: cert.x509.subject.split('\n').join(', '), signingTime: time ? time.toISOString() : '-' } : undefined;
  } catch {
    return undefined; // a tampered CMS (truncated-cms) has no readable signer
  }
}

export function variants(flags: { json?: boolean }, ctx: CliContext): void {
  const { lang, io } = ctx;
  const t = (k: Key, p?: Params) => docMessages.t(lang, k, p);
  if (flags.json) {
    const list = VARIANT_NAMES.map((name) => {
      const v = VARIANTS[name];
      return { name, genuine: v.genuine, stage: v.stage, ...('expectedReasonCode' in v ? { expectedReasonCode: v.expectedReasonCode } : {}), description: v.description[lang], unsigned: variantWorksUnsigned(name) };
    });
    io.stdout(`${JSON.stringify(list, null, 2)}\n`);
    return;
  }
  const lines = [t('variants.header', { count: VARIANT_NAMES.length }), t('variants.columns')];
  for (const name of VARIANT_NAMES) {
    const v = VARIANTS[name];
    const code = 'expectedReasonCode' in v ? v.expectedReasonCode : t('variants.valid');
    lines.push(`${name.padEnd(27)} ${t(`stage.${v.stage}` as Key).padEnd(14)} ${code.padEnd(37)} ${v.description[lang]}`);
  }
  io.stdout(`${lines.join('\n')}\n`);
}

/** The envelope of a PDF signed by any standard signer: the embedded metadata, the file hash, the signer's key id. */
export function envelope(file: string, flags: { out?: string; force?: boolean }, ctx: CliContext): void {
  const { lang, io } = ctx;
  const t = (k: Key, p?: Params) => docMessages.t(lang, k, p);
  const pdf = readInput(file, io.cwd, lang);
  let inspection;
  try {
    inspection = inspectPdf(pdf);
  } catch (err) {
    if (!(err instanceof PdfFormatError)) throw err;
    throw new UsageError(t('error.notPdf', { path: file, message: pdfProblem(err.message) }));
  }
  const sig = primarySignature(inspection);
  if (!sig) throw new UsageError(t('error.unsignedPdf', { path: file, fields: inspection.emptySignatureFields.join(', ') || 'none' }), t('error.unsignedPdf.hint'));
  if (sig.subFilter !== 'adbe.pkcs7.detached' && sig.subFilter !== 'ETSI.CAdES.detached') {
    throw new UsageError(t('error.envelopeSignature', { path: file, message: `sub-filter ${sig.subFilter ?? '(none)'} (use adbe.pkcs7.detached or ETSI.CAdES.detached)` }));
  }
  let cert;
  try {
    if (!sig.contents) throw new CmsError('CMS_MALFORMED', 'no /Contents');
    cert = parseSignedData(sig.contents.subarray(0, encodedLength(sig.contents))).signerCertificate;
  } catch (err) {
    if (!(err instanceof CmsError || err instanceof DerError)) throw err;
    throw new UsageError(t('error.envelopeSignature', { path: file, message: err.message }));
  }
  if (!cert) throw new UsageError(t('error.envelopeSignature', { path: file, message: 'the signature does not carry the signer certificate' }));
  const meta = inspection.metadata;
  if (!meta.found || meta.parseError !== undefined) {
    throw new UsageError(t('error.envelopeMetadata', { path: file, message: meta.found ? `not JSON: ${meta.parseError}` : meta.detail }), t('error.envelopeMetadata.hint'));
  }
  const valid = validateMetadata(meta.value, { lang });
  if (!valid.valid) {
    const problems = valid.errors.slice(0, 5).map((e) => e.message).join('; '); // each message names its field
    throw new UsageError(t('error.envelopeMetadata', { path: file, message: problems }), t('error.envelopeMetadata.hint'));
  }
  const metadata = valid.value;
  const keyId = keyIdFor(cert.der, metadata.issuingBody.countryCode as CountryCode);
  const env = buildEnvelope(pdf, metadata, { keyId, subFilter: sig.subFilter, name: path.basename(file) });
  const target = path.resolve(io.cwd, flags.out ?? file.replace(/\.pdf$/i, '') + '.json');
  writeOutput(target, `${JSON.stringify(env, null, 2)}\n`, { lang, ...(flags.force ? { force: true } : {}) });
  io.stdout(`${t('envelope.written', { id: metadata.documentId, keyId, subFilter: sig.subFilter, path: path.relative(io.cwd, target) || target })}\n`);
}

export interface TrustAddFlags {
  trust: string;
  country: string;
  cert?: string;
  anchor?: string[];
  intermediate?: string[];
  label?: string;
  revoked?: boolean;
}

/** Every certificate of a PEM or DER file. */
function certificatesIn(file: string, ctx: CliContext): ParsedCertificate[] {
  const t = (k: Key, p?: Params) => docMessages.t(ctx.lang, k, p);
  const bytes = readInput(file, ctx.io.cwd, ctx.lang);
  try {
    const text = bytes.toString('latin1');
    const ders = text.includes('-----BEGIN CERTIFICATE-----') ? pemToDers(text) : [bytes];
    if (ders.length === 0) throw new Error('no certificate');
    return ders.map((d) => parseCertificate(d));
  } catch (err) {
    throw new UsageError(t('error.notCertificate', { path: file, message: (err as Error).message }));
  }
}

/** Register a country's certificates (e.g. its real signing certificate) in a trust.json. */
export function trustAdd(flags: TrustAddFlags, ctx: CliContext): void {
  const { lang, io } = ctx;
  const t = (k: Key, p?: Params) => docMessages.t(lang, k, p);
  const country = flags.country.trim().toUpperCase();
  if (!/^[A-Z]{2}$/.test(country)) throw new UsageError(t('error.unknownCountry', { code: flags.country, known: PROFILE_CODES.join(', ') }), t('error.unknownCountry.hint'));
  if (!flags.cert && !flags.anchor?.length && !flags.intermediate?.length) throw new UsageError(t('error.nothingToAdd'));
  const file = path.resolve(io.cwd, flags.trust);
  const shown = path.relative(io.cwd, file) || file;
  let registry: TrustRegistry = emptyTrustRegistry();
  const existing = readIfPresent(file, lang);
  if (existing) {
    try {
      registry = parseTrustRegistry(existing.toString('utf8'), shown);
    } catch (err) {
      if (!(err instanceof TrustRegistryError)) throw err;
      throw new UsageError(t('error.trustInvalid', { path: shown, message: err.localized(lang) }), t('error.trustInvalid.hint'));
    }
  }
  const lines: string[] = [];
  let cas = 0;
  for (const [kind, files] of [['anchor', flags.anchor ?? []], ['intermediate', flags.intermediate ?? []]] as const) {
    for (const f of files) {
      for (const c of certificatesIn(f, ctx)) {
        registry = addCaCertificate(registry, country, c.der, kind);
        cas++;
      }
    }
  }
  if (cas) {
    const ct = registry.countries[country]!;
    lines.push(t('trustAdd.ca', { count: cas, country, anchors: ct.anchors.length, intermediates: ct.intermediates?.length ?? 0 }));
  }
  if (flags.cert) {
    const signer = certificatesIn(flags.cert, ctx)[0]!;
    if (signer.isCa) throw new UsageError(t('error.signerIsCa', { path: flags.cert }));
    const status = flags.revoked ? 'revoked' : 'active';
    const { registry: next, entry } = registerSigner(registry, country, signer.der, { ...(flags.label ? { label: flags.label } : {}), status, registeredAt: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') });
    registry = next;
    lines.push(t('trustAdd.signer', { keyId: entry.keyId, status, country, subject: signer.x509.subject.split('\n').join(', ') }));
    if (signer.country && signer.country !== country) lines.push(t('trustAdd.countryWarning', { certCountry: signer.country, country }));
  }
  if (!registry.countries[country]?.anchors.length) lines.push(t('trustAdd.noAnchor', { country }));
  // Validate what is about to be written with the same rules as loading it.
  parseTrustRegistry(serializeTrustRegistry(registry), shown);
  writeOutput(file, serializeTrustRegistry(registry), { lang, force: true });
  lines.push(t('trustAdd.saved', { path: shown }));
  io.stdout(`${lines.join('\n')}\n`);
}

