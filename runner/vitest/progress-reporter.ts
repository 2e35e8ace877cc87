import path from 'node:path';
import type { Reporter, SerializedError, TestCase, TestModule } from 'vitest/node';
import type { Lang } from '../../protocol/i18n.ts';
import { runMessages } from '../cli/commands/run.messages.ts';
import { findingText, labelText, skipText, type SkipInfo } from '../engine/findings.ts';
import type { CaseMeta } from './suite.ts';

// One line per finished case with its verdict and live counts. On a terminal: colour and every
// case. Not a terminal, or in CI: plain text, failures in full, passes folded into a count line
// every 25 cases (quiet logs that still show the run is alive).

export interface ProgressOptions {
  lang: Lang;
  write: (text: string) => void;
  interactive: boolean;
  color: boolean;
  total: number;
}

const COLORS = { passed: 32, failed: 31, error: 35, skipped: 33 } as const;

export class ProgressReporter implements Reporter {
  readonly outcomes = new Map<string, { state: 'passed' | 'failed' | 'skipped' | 'pending'; errors: string[]; durationMs: number; meta?: CaseMeta }>();
  /** Spec files vitest ran (file name -> errors that stopped the whole file, e.g. it failed to load). */
  readonly modules = new Map<string, string[]>();
  /** Errors outside any test (a crash in a hook, an unhandled rejection). */
  readonly unhandled: string[] = [];
  private counts = { passed: 0, failed: 0, error: 0, skipped: 0 };
  private done = 0;

  constructor(private readonly opts: ProgressOptions) {}

  onTestCaseResult(test: TestCase): void {
    const result = test.result();
    const meta = test.meta().ecert;
    const caseId = meta?.caseId ?? test.name.split(' ')[0]!;
    const diagnostic = test.diagnostic();
    const errors = (result.errors ?? []).map((e) => e.message ?? String(e));
    this.outcomes.set(caseId, { state: result.state, errors, durationMs: diagnostic?.duration ?? 0, ...(meta ? { meta } : {}) });
    // Without our verdict, vitest stopped the test itself (a failed hook, a time-out): an error.
    const status = meta?.status ?? (result.state === 'passed' ? 'passed' : 'error');
    this.counts[status]++;
    this.done++;
    const line = this.format(caseId, status, meta, errors, diagnostic?.duration ?? 0);
    if (this.opts.interactive || status !== 'passed') this.opts.write(`${line}\n`);
    else if (this.done % 25 === 0 || this.done === this.opts.total) this.opts.write(`${this.countsText()}\n`);
  }

  onTestModuleEnd(module: TestModule): void {
    this.modules.set(path.basename(module.moduleId), module.errors().map((e) => e.message ?? String(e)));
  }

  onTestRunEnd(_modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    for (const e of unhandledErrors) this.unhandled.push(e.message ?? String(e));
  }

  private paint(status: keyof typeof COLORS, text: string): string {
    return this.opts.color ? `\u001b[${COLORS[status]}m${text}\u001b[0m` : text;
  }

  private countsText(): string {
    const { lang } = this.opts;
    return runMessages.t(lang, 'progress.counts', { done: this.done, total: this.opts.total, ...this.counts });
  }

  private format(caseId: string, status: keyof typeof COLORS, meta: CaseMeta | undefined, errors: string[], durationMs: number): string {
    const { lang } = this.opts;
    const mark = { passed: '✓', failed: '✗', error: '!', skipped: '-' }[status];
    const verdict = runMessages.t(lang, `status.${status}`);
    let detail = '';
    if (status === 'skipped') detail = meta?.skip ? skipText(lang, meta.skip as SkipInfo) : (meta?.skipReason ?? '');
    else if (status !== 'passed') {
      const who = meta?.attribution ? runMessages.t(lang, `attribution.${meta.attribution as 'hub' | 'node' | 'network' | 'harness'}`) : '';
      const what = meta?.finding ? findingText(lang, { ...meta.finding, ...(meta.message ? { message: meta.message } : {}) }) : (meta?.message ?? errors[0]?.split('\n')[0] ?? '');
      detail = `${meta?.severity ? `[${labelText(lang, `severity.${meta.severity}`)}] ` : ''}${who ? `${who}: ` : ''}${what}`;
    }
    const head = `${this.paint(status, `${mark} ${verdict.padEnd(10)}`)} ${caseId.padEnd(16)} ${runMessages.t(lang, 'progress.ms', { ms: Math.round(durationMs) }).padStart(8)}`;
    return `${head}  [${this.countsText()}]${detail ? `\n    ${detail}` : ''}`;
  }
}
