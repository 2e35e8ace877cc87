import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import type { RunResults } from '../runner/record.ts';
import type { BenchSection } from './types.ts';

// The runner's figures (issue 5): wall time of `ecert run` over the whole catalog against the
// embedded hub, reports and evidence seal included, and the cost per case; beside it, the pilot
// simulation's plain exchanges, so the catalog's extra cost (faults, retries, checks) is a ratio
// measured in the same run.

const ROOT = path.resolve(import.meta.dirname, '..');
const TARGET_SECONDS = 20;

async function timedRun(args: string[]): Promise<{ wallMs: number; results: RunResults }> {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'ecert-bench-run-'));
  try {
    const started = performance.now();
    const child = await execa('node', [path.join(ROOT, 'bin/ecert.mjs'), ...args, '--out', out, '--json'], { cwd: ROOT, reject: false, env: { NO_COLOR: '1' } });
    const wallMs = performance.now() - started;
    if (child.exitCode !== 0) throw new Error(`ecert ${args.join(' ')} exited ${child.exitCode}: ${child.stderr.slice(-1000)}`);
    return { wallMs, results: JSON.parse(child.stdout) as RunResults };
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

export async function benchRunner(): Promise<BenchSection> {
  // A warm-up run fills the key cache, as any second run on a machine would find it.
  await timedRun(['run', '--case', 'UZ-STD-01-KG']);
  const catalog = await timedRun(['run']);
  const pilot = await timedRun(['pilot']);
  const cases = catalog.results.cases.length;
  const exchanges = pilot.results.cases.length;
  const catalogRate = cases / (catalog.wallMs / 1000);
  const pilotRate = exchanges / (pilot.wallMs / 1000);
  const durations = catalog.results.cases.map((c) => c.durationMs);
  const seconds = catalog.wallMs / 1000;
  return {
    title: 'Runner: ecert run against the embedded hub (whole process: start, cases, results, reports, seal)',
    rows: [
      { name: `pilot: ${exchanges} plain exchanges`, opsPerSec: pilotRate },
      { name: `catalog: ${cases} cases`, opsPerSec: catalogRate, ratio: { of: `pilot: ${exchanges} plain exchanges`, value: catalogRate / pilotRate } },
    ],
    notes: [
      `catalog wall time ${seconds.toFixed(1)} s for ${cases} cases (${((catalog.wallMs / cases) | 0)} ms per case overall); target about ${TARGET_SECONDS} s on 2 cores: ${seconds <= TARGET_SECONDS * 1.25 ? 'met' : 'MISSED'}`,
      `catalog case duration inside the run: median ${percentile(durations, 50)} ms, p95 ${percentile(durations, 95)} ms, max ${Math.max(...durations)} ms (cases run concurrently; a faulted node serves one case at a time)`,
      `cases passed: ${catalog.results.summary.passed}/${cases}; pilot wall time ${(pilot.wallMs / 1000).toFixed(1)} s`,
    ],
  };
}
