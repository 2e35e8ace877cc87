// Small statistics with stated methods, so a reviewer can recompute every figure by hand.

/** z for a two-sided 95 % interval. */
export const Z95 = 1.959963984540054;

export interface Interval {
  low: number;
  high: number;
}

/**
 * Wilson score interval without continuity correction (Newcombe 1998, method 3). It stays inside
 * [0, 1] and behaves at 0 and n successes, where the normal approximation does not.
 * No interval for n = 0: there is no data, not a rate of 0 % or 100 %.
 */
export function wilson(successes: number, n: number, z = Z95): Interval | null {
  if (!Number.isInteger(successes) || !Number.isInteger(n) || successes < 0 || successes > n) {
    throw new RangeError(`wilson: need integers 0 <= successes <= n, got ${successes}/${n}`);
  }
  if (n === 0) return null;
  const p = successes / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  // Clamp the exact ends: at 0 or n successes the formula gives 0 / 1 up to rounding.
  return { low: successes === 0 ? 0 : Math.max(0, centre - half), high: successes === n ? 1 : Math.min(1, centre + half) };
}

/**
 * Whether numerator/denominator >= target, decided in integers so that exactly 95 % meets a
 * 95 % target whatever floating point makes of 0.95. `target` is given in percent.
 */
export function meetsPercent(numerator: number, denominator: number, targetPercent: number): boolean | null {
  if (denominator === 0) return null;
  return numerator * 100 >= targetPercent * denominator;
}

/** Median: the middle value, or the mean of the two middle values for an even count. */
export function median(sorted: readonly number[]): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  const mid = Math.floor(n / 2);
  return n % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Nearest-rank percentile: the smallest value with at least p % of the values at or below it. */
export function percentile(sorted: readonly number[], p: number): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * n));
  return sorted[Math.min(n, rank) - 1]!;
}

export function sortNumbers(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}
