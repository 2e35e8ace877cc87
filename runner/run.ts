import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import AllureReporter from 'allure-vitest/reporter';
import { createVitest } from 'vitest/node';
import type { Lang } from '../protocol/i18n.ts';
import { PROFILE_CODES } from '../fixtures/profiles/index.ts';
import { CASE_CATEGORIES, type CaseCategory, type CatalogCase } from '../scenarios/types.ts';
import { EXIT, UnreachableError, UsageError } from './cli/errors.ts';
import type { CliContext } from './cli/index.ts';
import { runMessages } from './cli/commands/run.messages.ts';
import { EMBEDDED_DEFAULTS, type EcertConfig, type RunConfig, loadConfig } from './config.ts';
import { DEFECT_NAMES, isDefectName } from '../reference-hub/defects.ts';
import { DEFAULT_SEED } from './defaults.ts';
import { DEFAULT_NODES_PORT_BASE } from './cli/commands/nodes.ts';
import { ENVIRONMENT_ERROR_FILE, EvidenceWriter } from './engine/evidence.ts';
import { findingText, labelText } from './engine/findings.ts';
import { type EnvironmentMessageKey, environmentMessages } from './environment/messages.ts';
import type { RunInfo, RunResults } from './record.ts';
import { type VitestCaseOutcome, buildResults, writeResults } from './results.ts';
import type { RunRequest } from './selection.ts';
import { resolveSelection, selectCases, splitList } from './selection.ts';
import { ProgressReporter } from './vitest/progress-reporter.ts';
import { specFileOf } from './vitest/spec-files.ts';

// `ecert run` / `ecert pilot`: resolve the configuration, plan the cases, run them through
// vitest (spec files as grouped in vitest/spec-files.ts), then write results.json, print the summary
// and hand the run directory to the report renderers.

export const PROJECT_ROOT = path.resolve(import.meta.dirname, '..');
export { DEFAULT_SEED };

export type { RunRequest } from './selection.ts';

export interface RunOutcome {
  exitCode: number;
  runDir: string;
  results: RunResults;
}

const t = runMessages.t.bind(runMessages);

function harnessIdentity(): RunInfo['harness'] {
  const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
  let commit = process.env.ECERT_COMMIT ?? 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: PROJECT_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: PROJECT_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (dirty) commit += '-dirty';
  } catch {
    // Not a git checkout (an npm pack, say): the version alone identifies the harness.
  }
  return { name: pkg.name, version: pkg.version, commit };
}

function newRunId(outDir: string, seed: string, now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const base = `${stamp}-${seed.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 32)}`;
  let id = base;
  for (let n = 2; fs.existsSync(path.join(outDir, id)); n++) id = `${base}-${n}`;
  return id;
}

/** Point reports/out/latest at the run (a symlink; a text file where links are not allowed). */
function updateLatest(outDir: string, runId: string): void {
  const link = path.join(outDir, 'latest');
  try {
    fs.rmSync(link, { force: true, recursive: false });
  } catch {
    // a directory named latest is left alone
  }
  try {
    fs.symlinkSync(runId, link, 'dir');
  } catch {
    fs.writeFileSync(path.join(outDir, 'latest.txt'), `${runId}\n`);
  }
}

function parseShard(value: string | undefined, lang: Lang): string | undefined {
  if (!value) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(value);
  if (!m || Number(m[1]) < 1 || Number(m[1]) > Number(m[2])) throw new UsageError(t(lang, 'error.badShard', { value }));
  return value;
}

function checkReadable(file: string, what: string, lang: Lang): void {
  try {
    fs.accessSync(file, fs.constants.R_OK);
  } catch {
    throw new UsageError(t(lang, 'error.fileMissing', { what, file }), t(lang, 'error.remoteConfig.hint'));
  }
}

/** Merge config file and command line into the serializable RunConfig. */
export async function resolveRunConfig(req: RunRequest, lang: Lang): Promise<{ cfg: RunConfig; config: EcertConfig }> {
  const { config } = await loadConfig(req.cwd, req.configFile, lang);
  const selection = await resolveSelection(req, lang, config);
  parseShard(req.shard, lang);
  if (req.seed !== undefined && !req.seed.trim()) throw new UsageError(t(lang, 'error.emptySeed'));
  const seed = req.seed ?? config.seed ?? DEFAULT_SEED;
  const outDir = path.resolve(req.cwd, req.out ?? config.out ?? path.join(PROJECT_ROOT, 'reports', 'out'));
  try {
    fs.mkdirSync(outDir, { recursive: true });
    fs.accessSync(outDir, fs.constants.W_OK);
  } catch (error) {
    throw new UsageError(t(lang, 'error.outDir', { dir: outDir, reason: (error as NodeJS.ErrnoException).code ?? String(error) }), t(lang, 'error.outDir.hint'));
  }
  const runId = newRunId(outDir, seed, new Date());

  const hubUrl = req.hubUrl ?? config.hub?.url;
  let hub: RunConfig['hub'];
  if (hubUrl && !/^https:\/\/[^/]+/.test(hubUrl)) throw new UsageError(t(lang, 'error.hubUrl', { url: hubUrl }));
  if (hubUrl) {
    if (!config.hub?.ca || !config.hub.operator?.cert || !config.hub.operator.key) throw new UsageError(t(lang, 'error.remoteConfig', { url: hubUrl }), t(lang, 'error.remoteConfig.hint'));
    checkReadable(config.hub.ca, 'hub.ca', lang);
    checkReadable(config.hub.operator.cert, 'hub.operator.cert', lang);
    checkReadable(config.hub.operator.key, 'hub.operator.key', lang);
    hub = { mode: 'remote', url: hubUrl, ca: config.hub.ca, operator: config.hub.operator };
  } else {
    const e = config.embedded ?? {};
    for (const name of [...(e.defects ?? []), ...(splitList(req.defects) ?? [])]) {
      if (!isDefectName(name)) throw new UsageError(t(lang, 'error.unknownDefect', { name, known: DEFECT_NAMES.join(', ') }), t(lang, 'error.unknownDefect.hint'));
    }
    hub = {
      mode: 'embedded',
      defects: [...new Set([...(e.defects ?? []), ...(splitList(req.defects) ?? [])])],
      deliveryTimeoutMs: e.deliveryTimeoutMs ?? EMBEDDED_DEFAULTS.deliveryTimeoutMs,
      retry: { ...EMBEDDED_DEFAULTS.retry, ...e.retry },
      pullWindowMs: e.pullWindowMs ?? EMBEDDED_DEFAULTS.pullWindowMs,
      retentionMs: e.retentionMs ?? EMBEDDED_DEFAULTS.retentionMs,
    };
  }
  const remote = hub.mode === 'remote';
  const cfg: RunConfig = {
    ...selection,
    runId,
    runDir: path.join(outDir, runId),
    projectRoot: PROJECT_ROOT,
    seed,
    hub,
    nodes: {
      host: config.nodes?.host ?? '127.0.0.1',
      portBase: config.nodes?.portBase ?? DEFAULT_NODES_PORT_BASE,
      ...(config.nodes?.publicUrl ? { publicUrl: config.nodes.publicUrl } : {}),
      real: config.nodes?.real ?? [],
    },
    // A remote hub retries on its own schedule (seconds to minutes); the embedded one in milliseconds.
    timeouts: { caseMs: config.timeouts?.caseMs ?? (remote ? 15 * 60_000 : 60_000), awaitMs: config.timeouts?.awaitMs ?? (remote ? 10 * 60_000 : 15_000) },
    concurrency: req.concurrency ?? config.concurrency ?? 6,
    lang,
    ...(config.kpi3Baseline ? { kpi3Baseline: config.kpi3Baseline } : {}),
  };
  return { cfg, config };
}

function describeSelection(cfg: RunConfig): string {
  const s = cfg.selection;
  return [s.countries && `countries ${s.countries.join(',')}`, s.categories && `category ${s.categories.join(',')}`, s.pattern && `case ${s.pattern}`, s.tags && `tag ${s.tags.join(',')}`].filter(Boolean).join('; ') || 'all';
}

/** The spec files of the selected cases (see vitest/spec-files.ts for how cases are grouped). */
function writeSpecFiles(cases: readonly CatalogCase[], dir: string): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const suite = path.join(PROJECT_ROOT, 'runner', 'vitest', 'suite.ts');
  const specs = new Map(cases.map((c) => { const s = specFileOf(c); return [s.file, s] as const; }));
  return [...specs.values()].map((spec) => {
    const file = path.join(dir, spec.file);
    const tmp = `${file}.${process.pid}.tmp`;
    // Written then renamed: shards starting together on one machine never read a half-written file.
    fs.writeFileSync(tmp, `// Generated by ecert run.\nimport { defineCatalogSuite } from ${JSON.stringify(suite)};\n\nawait defineCatalogSuite(${JSON.stringify(spec)});\n`);
    fs.renameSync(tmp, file);
    return file;
  });
}

export async function executeRun(req: RunRequest, ctx: CliContext): Promise<RunOutcome> {
  const { io, lang } = ctx;
  const { cfg } = await resolveRunConfig(req, lang);
  const selected = await selectCases(cfg);
  if (selected.length === 0) throw new UsageError(t(lang, 'error.noCases', { selection: describeSelection(cfg) }), t(lang, 'error.noCases.hint'));

  const out = req.json ? io.stderr : io.stdout;
  const started = new Date();
  const evidence = new EvidenceWriter(cfg.runDir);
  const hubLabel = cfg.hub.mode === 'remote' ? cfg.hub.url : cfg.hub.defects.length ? t(lang, 'run.embeddedHubDefects', { defects: cfg.hub.defects.join(', ') }) : t(lang, 'run.embeddedHub');
  const runInfo: RunInfo = {
    runId: cfg.runId,
    kind: cfg.kind,
    startedAt: started.toISOString(),
    seed: cfg.seed,
    harness: harnessIdentity(),
    hub: {
      mode: cfg.hub.mode,
      url: cfg.hub.mode === 'remote' ? cfg.hub.url : 'embedded',
      name: 'unknown',
      version: 'unknown',
      contractVersion: 'unknown',
      instanceId: 'unknown',
      capabilities: [],
      defects: cfg.hub.mode === 'embedded' ? cfg.hub.defects : [],
    },
    clock: { mode: cfg.hub.mode === 'embedded' ? 'test' : 'real', startedAt: started.toISOString() },
    countries: cfg.selection.countries ?? cfg.federation,
    selection: { ...cfg.selection, ...(req.shard ? { shard: req.shard } : {}), ...(cfg.kind === 'pilot' ? { perPair: cfg.perPair ?? 10 } : {}) },
    environment: { node: process.version, platform: process.platform, arch: process.arch, cpus: os.cpus().length, hostname: os.hostname() },
    trustRegistry: { sha256: '', certificates: [] },
    ...(cfg.kpi3Baseline
      ? {
          kpi3Baseline: {
            ...(cfg.kpi3Baseline.overallHours !== undefined ? { overallMs: cfg.kpi3Baseline.overallHours * 3_600_000 } : {}),
            ...(cfg.kpi3Baseline.perPairHours ? { perPairMs: Object.fromEntries(Object.entries(cfg.kpi3Baseline.perPairHours).map(([k, v]) => [k, v * 3_600_000])) } : {}),
            ...(cfg.kpi3Baseline.source ? { source: cfg.kpi3Baseline.source } : {}),
          },
        }
      : {}),
    simulated: cfg.hub.mode === 'embedded' || cfg.kind === 'pilot',
  };
  evidence.append({ type: 'run-started', run: runInfo });
  out(`${t(lang, 'run.starting', { runId: cfg.runId, total: selected.length, hub: hubLabel, seed: cfg.seed })}\n`);

  // Every shard of a run must see its spec files at the same path (vitest splits shards by their
  // names and merges blob reports by their paths), so the folder is named after the selection,
  // not the run; it stays for `vitest --merge-reports`.
  const suiteDir = path.join(os.tmpdir(), `ecert-suite-${crypto.createHash('sha256').update(JSON.stringify([cfg.kind, cfg.seed, cfg.perPair, cfg.selection, PROJECT_ROOT])).digest('hex').slice(0, 16)}`);
  writeSpecFiles(selected, suiteDir);
  const progress = new ProgressReporter({
    lang,
    write: out,
    interactive: io.isTTY && !io.env.CI,
    color: io.isTTY && !io.env.NO_COLOR && !io.env.CI,
    total: selected.length,
  });
  fs.rmSync(path.join(cfg.runDir, 'allure-results'), { recursive: true, force: true });
  const shard = parseShard(req.shard, lang);
  const exitBefore = process.exitCode;
  const signals = new RunSignals(() => io.stderr(`${t(lang, 'run.stopping')}\n`));
  try {
    return await runAndReport();
  } finally {
    signals.dispose();
  }

  async function runAndReport(): Promise<RunOutcome> {
    const vitestLogFile = path.join(cfg.runDir, 'vitest.log');
    const vitestLog = fs.createWriteStream(vitestLogFile, { flags: 'a' });
    const vitest = await createVitest(
      'test',
      {
        // The generated folder is the root, so every shard sees the same relative file names
        // (vitest splits shards by them) whatever the folder is called in each process.
        root: suiteDir,
        dir: suiteDir,
        include: ['**/*.spec.ts'],
        config: false,
        watch: false,
        pool: 'forks',
        maxWorkers: 1,
        isolate: false,
        fileParallelism: false,
        maxConcurrency: cfg.concurrency,
        testTimeout: cfg.timeouts.caseMs,
        hookTimeout: cfg.timeouts.caseMs * 2,
        silent: !io.env.ECERT_DEBUG,
        setupFiles: [fileURLToPath(import.meta.resolve('allure-vitest/setup'))],
        reporters: [
          progress,
          ['junit', { outputFile: path.join(cfg.runDir, 'junit.xml') }],
          new AllureReporter({ resultsDir: path.join(cfg.runDir, 'allure-results') }),
          ...(shard ? [['blob', { outputFile: path.join(cfg.runDir, 'blob', `blob-${shard.replace('/', '-')}.json`) }] as ['blob', { outputFile: string }]] : []),
        ],
        ...(shard ? { shard } : {}),
        provide: { ecertRun: cfg },
      },
      // vite's cache stays out of the run directory.
      { server: { fs: { strict: false } }, logLevel: 'silent', cacheDir: path.join(os.tmpdir(), 'ecert-harness-vite-cache') },
      // vitest's own messages ("JUNIT report written to ...", collection errors) go to vitest.log in
      // the run directory: stdout belongs to the progress lines and, with --json, to results.json.
      { stdout: vitestLog, stderr: vitestLog },
    );
    signals.adopt(vitest);
    try {
      if (!signals.interrupted) await vitest.start();
    } finally {
      signals.release();
      await vitest.close();
      await new Promise<void>((resolve) => vitestLog.end(resolve));
      // vitest sets the process exit code itself; the runner decides it.
      process.exitCode = exitBefore;
    }

    const envErrorFile = path.join(cfg.runDir, ENVIRONMENT_ERROR_FILE);
    const environmentError = fs.existsSync(envErrorFile) ? (JSON.parse(fs.readFileSync(envErrorFile, 'utf8')) as { message: string; hint?: string; key?: EnvironmentMessageKey; params?: Record<string, string | number> }) : undefined;
    const outcomes = new Map<string, VitestCaseOutcome>();
    for (const [caseId, o] of progress.outcomes) outcomes.set(caseId, { caseId, state: o.state, errors: o.errors, durationMs: o.durationMs });
    // With --shard, this process ran only its share of the files: report the cases of those files.
    const fileOf = (c: CatalogCase) => specFileOf(c).file;
    const ran = shard ? selected.filter((c) => outcomes.has(c.id) || progress.modules.has(fileOf(c))) : selected;
    const moduleError = (c: CatalogCase) => progress.modules.get(fileOf(c))?.[0] ?? progress.unhandled[0];
    if (progress.unhandled.length || [...progress.modules.values()].some((e) => e.length)) {
      const first = [...progress.modules.entries()].find(([, e]) => e.length);
      io.stderr(`${t(lang, 'run.vitestErrors', { file: first?.[0] ?? '-', error: (first?.[1][0] ?? progress.unhandled[0] ?? '').split('\n')[0], log: path.join(cfg.runDir, 'junit.xml') })}\n`);
    }
    runInfo.endedAt = new Date().toISOString();
    const interrupted = signals.interrupted;
    const results = buildResults({ runDir: cfg.runDir, run: runInfo, selected: ran, vitest: outcomes, interrupted, notRunMessage: moduleError, ...(environmentError ? { environmentError } : {}) });
    // The worker appended to the file meanwhile: a fresh writer counts its lines again, so seq stays the line number.
    new EvidenceWriter(cfg.runDir).append({ type: 'run-finished', summary: results.summary, ...(interrupted ? { interrupted: true } : {}) });
    writeResults(cfg.runDir, results);
    updateLatest(path.dirname(cfg.runDir), cfg.runId);

    // With --json, stdout carries results.json alone: the renderers' messages go to stderr.
    const hookCtx: CliContext = req.json ? { ...ctx, io: { ...io, stdout: io.stderr } } : ctx;
    // A renderer that fails must not cost the run its summary or its exit code: results.json and the
    // evidence are already written; the failure is said, and the run does not count as passed.
    let hookFailed = false;
    const hooksStarted = Date.now();
    for (const hook of ctx.hooks.onRunComplete) {
      try {
        await hook(cfg.runDir, hookCtx);
      } catch (error) {
        hookFailed = true;
        io.stderr(`${t(lang, 'error.hook', { message: error instanceof Error ? error.message : String(error) })}\n`);
        if (io.env.ECERT_DEBUG && error instanceof Error && error.stack) io.stderr(`${error.stack}\n`);
      }
    }

    if (req.json) io.stdout(`${JSON.stringify(results, null, 2)}\n`);
    else printSummary(results, cfg, ctx, interrupted, { afterMs: Date.now() - hooksStarted, totalMs: Date.now() - started.getTime() });
    if (shard && !req.json) io.stdout(`${t(lang, 'summary.shardMerge', { blobs: path.join(cfg.runDir, 'blob'), root: suiteDir })}\n`);

    if (environmentError) {
      const { key, params } = environmentError;
      const message = key ? environmentMessages.t(lang, key, params) : environmentError.message;
      const hint = key ? environmentMessages.t(lang, `${key}.hint`, params) : (environmentError.hint ?? t(lang, 'error.environment.hint'));
      throw new UnreachableError(t(lang, 'error.environment', { message }), hint);
    }
    const contractBroken = (results.contract?.unattributed.length ?? 0) > 0;
    const nothingRan = results.summary.total === results.summary.skipped;
    const exitCode = results.summary.failed + results.summary.error > 0 || interrupted || contractBroken || nothingRan || hookFailed ? EXIT.failed : EXIT.ok;
    return { exitCode, runDir: cfg.runDir, results };
  }
}

/**
 * The runner owns Ctrl-C for the whole run: the first one stops the cases and keeps everything
 * recorded so far (results, reports, seal); a second one leaves at once. vitest's logger would
 * exit the process on a signal, so its handlers are taken off once vitest is created.
 */
class RunSignals {
  interrupted = false;
  private vitest: { cancelCurrentRun(reason: 'keyboard-input'): Promise<void> } | null = null;
  private readonly handler = () => {
    if (this.interrupted) process.exit(130);
    this.interrupted = true;
    this.onStop();
    void this.vitest?.cancelCurrentRun('keyboard-input');
  };
  private readonly ours = new Map<string, Set<unknown>>();

  constructor(private readonly onStop: () => void) {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.on(signal, this.handler);
      this.ours.set(signal, new Set(process.listeners(signal)));
    }
  }

  adopt(vitest: { cancelCurrentRun(reason: 'keyboard-input'): Promise<void> }): void {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      for (const listener of process.listeners(signal)) if (!this.ours.get(signal)!.has(listener)) process.off(signal, listener as () => void);
    }
    this.vitest = vitest;
  }

  release(): void {
    this.vitest = null;
  }

  dispose(): void {
    process.off('SIGINT', this.handler);
    process.off('SIGTERM', this.handler);
  }
}

/** The cases' own time (results.json) and what the command took in all, reports and seal included. */
interface CommandTiming {
  afterMs: number;
  totalMs: number;
}

function printSummary(results: RunResults, cfg: RunConfig, ctx: CliContext, interrupted: boolean, timing: CommandTiming): void {
  const { io, lang } = ctx;
  const color = io.isTTY && !io.env.NO_COLOR && !io.env.CI;
  const red = (s: string) => (color ? `\u001b[31;1m${s}\u001b[0m` : s);
  const s = results.summary;
  const categories = CASE_CATEGORIES.filter((c) => s.byCategory[c].total > 0);
  const header = [t(lang, 'summary.country'), ...categories.map((c) => labelText(lang, `category.${c}`)), t(lang, 'summary.total')];
  const rows = Object.keys(s.byCountry)
    .sort()
    .map((cc) => [cc, ...categories.map((cat) => cellText(s.byCountryCategory[cc]?.[cat])), cellText(s.byCountry[cc])]);
  rows.push([t(lang, 'summary.total'), ...categories.map((cat) => cellText(s.byCategory[cat])), cellText(s)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  io.stdout(`\n${t(lang, 'summary.title')}\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${rows.map(line).join('\n')}\n\n`);
  if (s.falseAccepts > 0) io.stdout(`${red(t(lang, 'summary.falseAccepts', { count: s.falseAccepts }))}\n`);
  const failures = results.cases.filter((c) => c.status === 'failed' || c.status === 'error');
  if (failures.length) {
    io.stdout(`${t(lang, 'summary.failures')}\n`);
    for (const c of failures) {
      const severity = c.severity ? labelText(lang, `severity.${c.severity}`) : t(lang, `status.${c.status}`);
      const who = c.attribution ? t(lang, `attribution.${c.attribution}`) : '?';
      const what = c.finding ? findingText(lang, { ...c.finding, ...(c.message ? { message: c.message } : {}) }) : (c.message ?? '');
      io.stdout(`  ${c.id}  [${severity}, ${who}] ${what}\n`);
    }
    io.stdout('\n');
  }
  if (s.skipped > 0) io.stdout(`${t(lang, 'summary.skippedNote', { count: s.skipped })}\n`);
  const contract = results.contract;
  if (contract) {
    io.stdout(`${t(lang, 'summary.contract', { checked: contract.checked, violations: contract.violations })}\n`);
    for (const v of contract.unattributed.slice(0, 10)) io.stdout(red(`  ${v.request} → HTTP ${v.status}: ${v.errors.slice(0, 2).join('; ')}`) + '\n');
  }
  const verdict = failures.length
    ? red(t(lang, 'summary.verdict.fail', { failed: s.failed, error: s.error, total: s.total }))
    : s.total === s.skipped
      ? red(t(lang, 'summary.verdict.noneRan', { total: s.total }))
      : interrupted
      ? t(lang, 'summary.verdict.partial', { ran: s.total - s.skipped, total: s.total })
      : t(lang, 'summary.verdict.pass', { passed: s.passed });
  io.stdout(`${verdict}\n`);
  const sec = (ms: number) => (ms / 1000).toFixed(1);
  io.stdout(`${t(lang, 'summary.duration', { total: sec(timing.totalMs), cases: sec(s.durationMs), after: sec(timing.afterMs) })}\n`);
  if (interrupted) io.stdout(`${t(lang, 'summary.interrupted', { dir: cfg.runDir })}\n`);
  io.stdout(`${t(lang, 'summary.reportPath', { dir: cfg.runDir })}\n`);
}

function cellText(c: { total: number; passed: number; failed: number; error: number; skipped: number } | undefined): string {
  if (!c || c.total === 0) return '-';
  const bad = c.failed + c.error;
  return `${c.passed}/${c.total}${bad ? ` ✗${bad}` : ''}${c.skipped ? ` -${c.skipped}` : ''}`;
}
