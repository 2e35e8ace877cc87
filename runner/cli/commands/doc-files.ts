import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Lang } from '../../../protocol/i18n.ts';
import { CliError, EXIT, UsageError } from '../errors.ts';
import { docMessages } from './doc.messages.ts';

// File input and output of `ecert doc` and `ecert verify`: every failure becomes a message that
// names the file and what to do, and nothing already on disk is lost (writes are atomic, and a
// file with other content is only replaced with --force).

function reason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return 'no such file';
  if (e.code === 'EISDIR') return 'it is a directory, not a file';
  if (e.code === 'EACCES' || e.code === 'EPERM') return 'permission denied';
  return e.message;
}

/** Read a whole input file, or throw a usage error (exit 2) naming it. */
export function readInput(file: string, cwd: string, lang: Lang): Buffer {
  const full = path.resolve(cwd, file);
  try {
    return fs.readFileSync(full);
  } catch (err) {
    throw new UsageError(docMessages.t(lang, 'error.read', { path: file, message: reason(err) }), docMessages.t(lang, 'error.read.hint'));
  }
}

export type WriteOutcome = 'written' | 'unchanged';

/**
 * Write a file atomically (temporary file + rename). Identical content is left alone; other
 * content is replaced only with `force`.
 */
export function writeOutput(file: string, data: Uint8Array | string, options: { force?: boolean; lang: Lang }): WriteOutcome {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const { lang } = options;
  let existing: Buffer | undefined;
  try {
    existing = fs.readFileSync(file);
  } catch {
    existing = undefined;
  }
  if (existing?.equals(bytes)) return 'unchanged';
  if (existing && !options.force) throw new UsageError(docMessages.t(lang, 'error.exists', { path: file }), docMessages.t(lang, 'error.exists.hint'));
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(tmp, bytes);
    fs.renameSync(tmp, file);
  } catch (err) {
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      // Nothing was written where the folder could not be made (ENOTDIR, EACCES): nothing to clean.
    }
    throw new CliError(docMessages.t(lang, 'error.write', { path: file, message: reason(err) }), EXIT.usage, docMessages.t(lang, 'error.write.hint'));
  }
  return 'written';
}

/** An ISO 8601 date-time option, or a usage error. */
export function parseTime(value: string, option: string, lang: Lang): Date {
  const date = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}(T.*)?$/.test(value) || Number.isNaN(date.getTime())) {
    throw new UsageError(docMessages.t(lang, 'error.badTime', { option, value }));
  }
  return date;
}

/** A PDF reader error for a person: the reader's "recovery failed too" retry says the same thing twice. */
export function pdfProblem(message: string): string {
  const m = /^(.*); recovery failed too: (.*)$/.exec(message);
  return m && m[1] === m[2] ? m[1]! : message;
}
