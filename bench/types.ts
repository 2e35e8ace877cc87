// The benchmark harness's shapes: `npm run bench` runs every section of bench/index.ts and prints
// one table per section. Ratios are measured in the same run (same machine, same load), which
// is what makes them comparable between machines; absolute figures are not.

export interface BenchRow {
  name: string;
  /** Operations per second (median over the measured rounds); absent for a row that is not a throughput. */
  opsPerSec?: number;
  /**
   * Ratio of this row's figure to another row's (name): a throughput share with a floor (`target`,
   * printed as a percentage), or a growth factor with a ceiling (`atMost`, printed as "× ...").
   */
  ratio?: { of: string; value: number; target?: number; atMost?: number };
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
