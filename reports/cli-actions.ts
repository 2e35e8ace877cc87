import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Lang } from '../protocol/i18n.ts';
import type { CliContext } from '../runner/cli/index.ts';
import { CliError, EXIT, UsageError } from '../runner/cli/errors.ts';
import { reportsCliMessages as m } from './cli.messages.ts';
import { brokenSeal, EvidenceError, MANIFEST_FILE, sealRun, verifyEvidence, writeTesterCertificate, type EvidenceVerification, type Manifest } from './evidence/manifest.ts';
import { formatFingerprint, loadOrCreateTester, TESTER_CERT_FILE, TesterKeyError, type TesterIdentity } from './evidence/tester.ts';
import { formatter } from './render/format.ts';
import { renderRun } from './render/index.ts';
import { RunReadError } from './run-record.ts';

// What the reports room's commands do (see cli-extension.ts, which registers them and loads this
// module, with the renderers' echarts and pdfmake, only when one of them runs). Paths in what they
// print are absolute: a command a tester copies works from any folder.

/** The absolute path with links resolved: reports/out/latest moves on with the next run, the run's own directory does not. */
export function fullPath(cwd: string, p: string): string {
  const abs = path.resolve(cwd, p);
  try {
    return fs.realpathSync(abs);
  } catch {
    return abs;
  }
}

function runError(error: unknown, lang: Lang): never {
  if (error instanceof RunReadError) throw new CliError(error.message, EXIT.usage, m.t(lang, 'run.notARunHint'));
  if (error instanceof TesterKeyError) throw new CliError(error.message, EXIT.usage, error.hint);
  throw error;
}

export async function renderAndReport(runDir: string, ctx: CliContext, langs: Lang[], outDir?: string): Promise<string[]> {
  const { io, lang } = ctx;
  let rendered;
  try {
    rendered = await renderRun(runDir, { langs, ...(outDir ? { outDir } : {}) });
  } catch (error) {
    runError(error, lang);
  }
  for (const file of rendered.files) io.stdout(`${m.t(lang, 'report.written', { file })}\n`);
  const { verdict, kpi2, detection, kpi1 } = rendered.report;
  const f = formatter(lang);
  io.stdout(
    `${m.t(lang, 'report.verdict', { verdict: m.t(lang, `verdict.${verdict.overall}`), kpi2: f.pct(kpi2.overall.rate), detection: f.pct(detection.rate.rate), falseAccepts: verdict.falseAccepts })}\n`,
  );
  if (verdict.kpi1) {
    io.stdout(`${m.t(lang, 'report.verdictKpi1', { count: kpi1.total.count, pairsMet: kpi1.pairsMet, pairs: kpi1.byPair.length, verdict: m.t(lang, `verdict.${verdict.kpi1}`) })}\n`);
  }
  return rendered.files;
}

/** Reports written into a sealed run that differ from the sealed ones are no longer covered. */
function warnIfSealStale(runDir: string, files: string[], ctx: CliContext): void {
  const manifestPath = path.join(runDir, MANIFEST_FILE);
  if (!fs.existsSync(manifestPath)) return;
  let manifest: Manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as Manifest;
  } catch {
    return; // `ecert evidence verify` is the place to say the manifest is damaged
  }
  const sealed = new Map(manifest.files.map((e) => [e.path, e.sha256]));
  const stale = files.some((file) => {
    const rel = path.relative(runDir, file).split(path.sep).join('/');
    return sealed.get(rel) !== crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  });
  if (stale) {
    ctx.io.stderr(`${m.t(ctx.lang, 'report.sealStale')}\n`);
    ctx.io.stderr(`  ${m.t(ctx.lang, 'report.sealStaleHint', { dir: runDir })}\n`);
  }
}

function printVerification(v: EvidenceVerification, runDir: string, ctx: CliContext): void {
  const { io, lang } = ctx;
  const signer = { subject: v.signature.signer?.subject ?? '?', fingerprint: v.signature.signer ? formatFingerprint(v.signature.signer.fingerprint256) : '?' };
  if (v.ok && v.authenticated) {
    io.stdout(`${m.t(lang, 'verify.intact', { files: v.filesChecked, ...signer, time: v.signature.signingTime ?? '?' })}\n`);
    return;
  }
  if (v.ok) {
    // No trust anchor given: the hashes and the signature hold, but nothing says whose key it is.
    io.stdout(`${m.t(lang, 'verify.intactUnauthenticated', { files: v.filesChecked, time: v.signature.signingTime ?? '?' })}\n`);
    io.stdout(`${m.t(lang, 'verify.unauthenticated', signer)}\n`);
    io.stdout(`${m.t(lang, 'verify.unauthenticatedHint', { dir: runDir })}\n`);
    return;
  }
  if (v.altered.length) {
    io.stdout(`${m.t(lang, 'verify.altered', { count: v.altered.length })}\n`);
    for (const c of v.changed) io.stdout(`${m.t(lang, 'verify.changed', { path: c.path, expected: c.expected.sha256.slice(0, 16), actual: c.actual.sha256.slice(0, 16) })}\n`);
    for (const p of v.missing) io.stdout(`${m.t(lang, 'verify.missing', { path: p })}\n`);
    for (const p of v.added) io.stdout(`${m.t(lang, 'verify.added', { path: p })}\n`);
    const listed = new Set([...v.changed.map((c) => c.path), ...v.missing, ...v.added]);
    for (const p of v.altered) if (!listed.has(p)) io.stdout(`${m.t(lang, 'verify.signatureFile', { path: p, detail: v.signature.detail })}\n`);
  }
  if (v.trusted === false && v.signature.signer) {
    io.stdout(`${m.t(lang, 'verify.untrusted', signer)}\n`);
  }
}

export function evidenceVerify(runDirArg: string, opts: { trustedCert?: string; json?: boolean }, ctx: CliContext): void {
  const { io, lang } = ctx;
  const runDir = fullPath(io.cwd, runDirArg);
  let trustedCertPem: string | undefined;
  if (opts.trustedCert) {
    try {
      trustedCertPem = fs.readFileSync(path.resolve(io.cwd, opts.trustedCert), 'utf8');
    } catch (error) {
      throw new UsageError(m.t(lang, 'verify.badTrusted', { file: opts.trustedCert, detail: (error as NodeJS.ErrnoException).code ?? (error as Error).message }));
    }
  }
  let v: EvidenceVerification;
  try {
    v = verifyEvidence(runDir, trustedCertPem !== undefined ? { trustedCertPem } : {});
  } catch (error) {
    if (!(error instanceof EvidenceError)) throw error;
    const dir = runDir;
    if (error.kind === 'not-sealed') throw new CliError(m.t(lang, 'verify.notSealed', { dir }), EXIT.usage, m.t(lang, 'verify.notSealedHint', { dir }));
    if (error.kind === 'not-found') throw new CliError(m.t(lang, 'verify.notFound', { dir }), EXIT.usage, m.t(lang, 'verify.hint'));
    throw new CliError(m.t(lang, 'verify.notARun', { message: error.message }), EXIT.usage, m.t(lang, 'verify.hint'));
  }
  if (opts.json) {
    const { manifest: _manifest, ...rest } = v;
    io.stdout(`${JSON.stringify(rest, null, 2)}\n`);
  } else printVerification(v, runDir, ctx);
  // Intact but unauthenticated (no --trusted-cert) exits 0: without a trust anchor the command can
  // only say the files match their seal, and says loudly that the signer is not established.
  if (!v.ok) ctx.setExitCode(EXIT.failed);
}

function loadTester(ctx: CliContext): TesterIdentity {
  let tester: TesterIdentity;
  try {
    tester = loadOrCreateTester({ env: ctx.io.env });
  } catch (error) {
    runError(error, ctx.lang);
  }
  if (tester.source === 'created') ctx.io.stderr(`${m.t(ctx.lang, 'seal.created', { dir: path.dirname(tester.keyFile) })}\n`);
  return tester;
}

/** Languages of the reports rendered inside the run directory. */
function inPlaceReportLangs(runDir: string): Lang[] {
  return (['en', 'ru'] as const).filter((l) => ['html', 'pdf'].some((ext) => fs.existsSync(path.join(runDir, `report.${l}.${ext}`))));
}

/** Whether the run's tester certificate is another key's than the one about to seal it (or absent). */
function sealedByAnother(runDir: string, tester: TesterIdentity): boolean {
  try {
    return fs.readFileSync(path.join(runDir, TESTER_CERT_FILE), 'utf8').trim() !== tester.certificatePem.trim();
  } catch {
    return true;
  }
}

/** `ecert evidence seal`: refuses to re-seal a run whose files changed since its seal, unless forced. */
export async function seal(runDir: string, ctx: CliContext, opts: { force?: boolean } = {}, tester: TesterIdentity = loadTester(ctx)): Promise<void> {
  const { io, lang } = ctx;
  let result;
  try {
    const broken = opts.force ? null : brokenSeal(runDir);
    if (broken) {
      const files = broken.altered.length > 8 ? `${broken.altered.slice(0, 8).join(', ')}, …` : broken.altered.join(', ');
      throw new CliError(m.t(lang, 'seal.refused', { dir: runDir, count: broken.altered.length, files }), EXIT.failed, m.t(lang, 'seal.refusedHint', { dir: runDir }));
    }
    // The reports name the key that sealed the run; sealed now by another key, they would name the
    // previous one. Re-render them in place first, so the seal covers reports that name its key.
    const langs = inPlaceReportLangs(runDir);
    if (langs.length && sealedByAnother(runDir, tester)) {
      writeTesterCertificate(runDir, tester);
      io.stderr(`${m.t(lang, 'seal.rerender', { fingerprint: formatFingerprint(tester.fingerprint256) })}\n`);
      await renderAndReport(runDir, ctx, langs);
    }
    result = sealRun(runDir, tester);
  } catch (error) {
    if (error instanceof EvidenceError) throw new CliError(error.message, EXIT.usage, m.t(lang, 'run.notARunHint'));
    throw error;
  }
  io.stdout(`${m.t(lang, 'seal.done', { files: result.files, dir: runDir, subject: tester.subject, fingerprint: formatFingerprint(tester.fingerprint256) })}\n`);
  io.stdout(`${m.t(lang, 'seal.verifyHint', { dir: runDir })}\n`);
}

/** `ecert report`: re-render the reports from the run's files; say so when that leaves the seal stale. */
export async function report(runDirArg: string, opts: { out?: string }, langs: Lang[], ctx: CliContext): Promise<void> {
  const runDir = fullPath(ctx.io.cwd, runDirArg);
  const outDir = opts.out ? path.resolve(ctx.io.cwd, opts.out) : undefined;
  const files = await renderAndReport(runDir, ctx, langs, outDir);
  if (!outDir || path.resolve(outDir) === runDir) warnIfSealStale(runDir, files, ctx);
}

/**
 * Render every report of the run, then seal it, so the manifest covers the reports too. The tester
 * certificate goes into the run first, so the reports show the fingerprint of the key that seals it.
 */
export async function renderAndSeal(runDir: string, ctx: CliContext): Promise<void> {
  const tester = loadTester(ctx);
  // A run sealed before keeps its certificate until `seal` decides whether it may be re-sealed.
  if (!fs.existsSync(path.join(runDir, MANIFEST_FILE))) writeTesterCertificate(runDir, tester);
  await renderAndReport(runDir, ctx, ['en', 'ru']);
  await seal(runDir, ctx, {}, tester);
}
