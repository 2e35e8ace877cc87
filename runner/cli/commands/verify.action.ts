import fs from 'node:fs';
import path from 'node:path';
import type { Lang } from '../../../protocol/i18n.ts';
import { DEFAULT_POLICY, getPolicy, POLICIES, UnknownPolicyError } from '../../../protocol/policy.ts';
import { checkLabel, checkText } from '../../../protocol/reason-messages.ts';
import { validateEnvelope } from '../../../protocol/schema.ts';
import { emptyTrustRegistry, parseTrustRegistry, TrustRegistryError } from '../../../protocol/trust.ts';
import { CHECK_NAMES, type CheckResultValue, type Envelope, type TrustRegistry, type VerificationPolicy, type VerificationReport } from '../../../protocol/types.ts';
import { verifyDocument } from '../../../protocol/verify.ts';
import { EXIT, UsageError } from '../errors.ts';
import type { CliContext } from '../index.ts';
import { parseTime, pdfProblem, readInput } from './doc-files.ts';
import { verifyMessages } from './verify.messages.ts';

// What `ecert verify` does; verify.ts registers the command and loads this module (the verifier,
// the JSON Schemas) only when a document is verified.

type Key = Parameters<typeof verifyMessages.t>[1];
type Params = Parameters<typeof verifyMessages.t>[2];

export interface VerifyFlags {
  envelope?: string;
  trust?: string;
  at?: string;
  policy?: string;
  json?: boolean;
}

const SYMBOL: Record<CheckResultValue, string> = { passed: '✓', failed: '✗', indeterminate: '?', skipped: '–' };

function loadEnvelope(file: string, ctx: CliContext, notes: string[]): Envelope {
  const t = (k: Key, p?: Params) => verifyMessages.t(ctx.lang, k, p);
  const text = readInput(file, ctx.io.cwd, ctx.lang).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UsageError(t('error.envelopeJson', { path: file, message: (err as Error).message }), t('error.envelopeJson.hint'));
  }
  const result = validateEnvelope(value, { lang: ctx.lang });
  if (!result.valid) {
    const frame = result.errors.filter((e) => !e.path.startsWith('/metadata/') && e.path !== '/metadata');
    if (frame.length) {
      const problems = frame.slice(0, 5).map((e) => e.message); // each message names its field
      if (frame.length > 5) problems.push('…');
      throw new UsageError(t('error.envelopeSchema', { path: file, count: frame.length, problems: problems.join('; ') }), t('error.envelopeSchema.hint'));
    }
    notes.push(t('note.metadataSchema'));
  }
  return value as Envelope;
}

function loadTrust(file: string, ctx: CliContext): TrustRegistry {
  const text = readInput(file, ctx.io.cwd, ctx.lang).toString('utf8');
  try {
    return parseTrustRegistry(text, file);
  } catch (err) {
    if (!(err instanceof TrustRegistryError)) throw err;
    throw new UsageError(verifyMessages.t(ctx.lang, 'error.trust', { message: err.localized(ctx.lang) }), err.hint(ctx.lang));
  }
}

function policyFor(name: string | undefined, lang: Lang): VerificationPolicy {
  if (name === undefined) return DEFAULT_POLICY;
  try {
    return getPolicy(name);
  } catch (err) {
    if (!(err instanceof UnknownPolicyError)) throw err;
    throw new UsageError(verifyMessages.t(lang, 'error.unknownPolicy', { policy: name, known: Object.keys(POLICIES).join(', ') }));
  }
}

/** The readable report: document, file, signer, time; one line per check; the verdict. */
export function renderReport(report: VerificationReport, lang: Lang, trustLabel: string): string {
  const t = (k: Key, p?: Params) => verifyMessages.t(lang, k, p);
  const labels = [t('label.document'), t('label.file'), t('label.signer'), t('label.verified')];
  const w = Math.max(...labels.map((l) => l.length)) + 2;
  const row = (label: string, text: string) => `${label.padEnd(w)}${text}`;
  const lines: string[] = [];
  const d = report.document;
  lines.push(row(t('label.document'), d?.documentId ? t('document.line', { id: d.documentId, type: d.documentType ?? 'unknown', country: d.issuingCountry ?? '?' }) : t('document.unknown')));
  if (d) lines.push(row(t('label.file'), t('file.line', { size: d.size, sha256: d.sha256 })));
  const s = report.signer;
  if (s) {
    lines.push(row(t('label.signer'), s.subject));
    lines.push(row('', t('signer.key', { keyId: s.keyId ?? '?', algorithm: s.algorithm ?? '?', subFilter: s.subFilter ?? '?', signingTime: s.signingTime ?? '?' })));
  }
  lines.push(row(t('label.verified'), t('verified.line', { at: report.verifiedAt, policy: report.policy, trust: trustLabel })));
  lines.push('');
  const cw = Math.max(...CHECK_NAMES.map((c) => checkLabel(lang, c).length)) + 2;
  for (const name of CHECK_NAMES) {
    const c = report.checks[name];
    lines.push(`${SYMBOL[c.result]} ${checkLabel(lang, name).padEnd(cw)}${c.reasonCode ? `[${c.reasonCode}] ` : ''}${checkText(lang, c)}`);
  }
  lines.push('');
  const codes = report.reasonCodes.join(', ') || '-';
  const sub = report.subIndication ?? 'none';
  if (report.valid) lines.push(t('result.valid', { indication: report.indication }));
  else lines.push(t(report.indication === 'INDETERMINATE' ? 'result.indeterminate' : 'result.invalid', { indication: report.indication, sub, codes }));
  return `${lines.join('\n')}\n`;
}

export async function verify(file: string, flags: VerifyFlags, ctx: CliContext): Promise<void> {
  const { io, lang } = ctx;
  const t = (k: Key, p?: Params) => verifyMessages.t(lang, k, p);
  const notes: string[] = [];
  const policy = policyFor(flags.policy, lang);
  const at = flags.at !== undefined ? parseTime(flags.at, '--at', lang) : new Date();
  const pdf = readInput(file, io.cwd, lang);
  const envelope = flags.envelope !== undefined ? loadEnvelope(flags.envelope, ctx, notes) : undefined;

  let trust: TrustRegistry;
  let trustLabel: string;
  let trustFile: string | undefined = flags.trust;
  if (trustFile === undefined && fs.existsSync(path.join(io.cwd, 'trust.json'))) {
    trustFile = 'trust.json';
    notes.push(t('note.trustFound', { file: trustFile }));
  }
  if (trustFile !== undefined) {
    trust = loadTrust(trustFile, ctx);
    trustLabel = trustFile;
  } else {
    trust = emptyTrustRegistry();
    trustLabel = t('trust.none');
    notes.push(t('note.noTrust'));
  }
  if (!envelope) {
    notes.push(t('note.noEnvelope'));
    const base = file.replace(/\.pdf$/i, '');
    const beside = [`${base}.json`, `${base}.envelope.json`].find((f) => f !== file && fs.existsSync(path.resolve(io.cwd, f)));
    if (beside) notes.push(t('note.envelopeBeside', { file: beside }));
  }

  const report = verifyDocument({ pdf, envelope: envelope ?? null, trust, at, policy });
  const notPdf = report.checks.fileIntegrity.reasonCode === 'NOT_A_PDF';
  if (notPdf) throw new UsageError(t('error.notPdf', { path: file, message: pdfProblem(String(report.checks.fileIntegrity.params?.error ?? '')) }), t('error.notPdf.hint'));

  if (flags.json) {
    for (const n of notes) io.stderr(`${n}\n`);
    const inputs = { pdf: file, envelope: flags.envelope ?? null, trust: trustFile ?? null };
    // `detail` stays English (the report's contract); `text` is the same text in --lang.
    const checks = Object.fromEntries(CHECK_NAMES.map((c) => [c, { ...report.checks[c], text: checkText(lang, report.checks[c]) }]));
    io.stdout(`${JSON.stringify({ ...report, checks, inputs }, null, 2)}\n`);
  } else {
    io.stdout(renderReport(report, lang, trustLabel));
    if (notes.length) io.stdout(`\n${notes.join('\n')}\n`);
  }
  if (!report.valid) ctx.setExitCode(EXIT.failed);
}

