import fs from 'node:fs';
import path from 'node:path';
import type { EvidenceEvent } from '../record.ts';

// The evidence stream: one JSON object per line, appended synchronously as things happen, so a
// run stopped at any point (Ctrl-C, crash, power cut in the field) leaves a readable record of
// everything up to that moment. `seq` is the line number; reports cite it.

export const EVIDENCE_FILE = 'evidence.jsonl';
/** Written by a vitest worker whose environment (hub, nodes) could not start; the runner exits 3 with it. */
export const ENVIRONMENT_ERROR_FILE = 'environment-error.json';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type NewEvidence = DistributiveOmit<EvidenceEvent, 'seq' | 'at'> & { at?: string };

export class EvidenceWriter {
  readonly file: string;
  private seq: number;

  constructor(
    readonly runDir: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    fs.mkdirSync(runDir, { recursive: true });
    this.file = path.join(runDir, EVIDENCE_FILE);
    this.seq = countLines(this.file);
  }

  append(event: NewEvidence): EvidenceEvent {
    const full = { ...event, seq: this.seq + 1, at: event.at ?? this.now().toISOString() } as EvidenceEvent;
    // One write per line with O_APPEND: lines never interleave, and a torn last line is the worst case.
    fs.appendFileSync(this.file, `${JSON.stringify(full)}\n`);
    this.seq += 1;
    return full;
  }

  get lastSeq(): number {
    return this.seq;
  }

  /** Write a file into the run directory; returns its path relative to the run directory. */
  writeFile(relative: string, data: Uint8Array | string): string {
    const safe = relative.split(/[\\/]+/).map(sanitize).join('/');
    const full = path.join(this.runDir, safe);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, data);
    return safe;
  }

  writeJson(relative: string, value: unknown): string {
    return this.writeFile(relative, `${JSON.stringify(value, null, 2)}\n`);
  }
}

function sanitize(part: string): string {
  return part.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_');
}

function countLines(file: string): number {
  if (!fs.existsSync(file)) return 0;
  const text = fs.readFileSync(file, 'utf8');
  if (!text) return 0;
  let n = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  // A torn last line (no newline) is terminated so the next event starts on its own line.
  if (!text.endsWith('\n')) {
    fs.appendFileSync(file, '\n');
    n++;
  }
  return n;
}

/** Read an evidence file, skipping (and reporting) lines that do not parse, e.g. one torn by a crash. */
export function readEvidence(file: string): { events: EvidenceEvent[]; damagedLines: number[] } {
  const events: EvidenceEvent[] = [];
  const damagedLines: number[] = [];
  if (!fs.existsSync(file)) return { events, damagedLines };
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    try {
      events.push(JSON.parse(line) as EvidenceEvent);
    } catch {
      damagedLines.push(i + 1);
    }
  });
  return { events, damagedLines };
}
