import type { BenchRow, MeasureOptions } from './types.ts';

// Throughput measurement. The functions being compared run in interleaved rounds (A B C, A B C,
// ...) and each reports its median, so a burst of load from another process hits all of them
// alike instead of skewing one ratio.

function round(fn: () => unknown, ms: number): number {
  let n = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    for (let i = 0; i < 8; i++) fn();
    n += 8;
    elapsed = performance.now() - start;
  } while (elapsed < ms);
  return (n * 1000) / elapsed;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Ops/s of each function, measured in interleaved rounds after a warm-up. */
export function measure(fns: Record<string, () => unknown>, options: MeasureOptions = {}): Record<string, number> {
  const rounds = options.rounds ?? 7;
  const ms = options.roundMs ?? 250;
  const names = Object.keys(fns);
  for (const name of names) round(fns[name]!, Math.min(ms, 150));
  const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) for (const name of names) samples[name]!.push(round(fns[name]!, ms));
  return Object.fromEntries(names.map((n) => [n, median(samples[n]!)]));
}

/** A row comparing `name` with the row `of`. */
export function ratioRow(name: string, results: Record<string, number>, of: string, target?: number, note?: string): BenchRow {
  const value = results[name]! / results[of]!;
  return { name, opsPerSec: results[name]!, ratio: { of, value, ...(target !== undefined ? { target } : {}) }, ...(note ? { note } : {}) };
}
