// The benchmark harness's shapes: `npm run bench` runs every section of bench/index.ts and prints
// one table per section. Ratios are measured in the same run (same machine, same load), which
// is what makes them comparable between machines; absolute figures are not.

export interface BenchRow {
  name: string;
  /** Operations per second (median over the measured rounds). */
  opsPerSec: number;
  /** Ratio of this row's throughput to another row's (name), with the target if there is one. */
  ratio?: { of: string; value: number; target?: number };
  note?: string;
}

export interface BenchSection {
  title: string;
  rows: BenchRow[];
  /** What the section measured on (document sizes, algorithms), shown under the table. */
  notes?: string[];
}

export interface MeasureOptions {
  /** Rounds per function; the median is reported. */
  rounds?: number;
  /** Duration of one round. */
  roundMs?: number;
}
