import { describe, expect, it } from 'vitest';
import { meetsPercent, median, percentile, wilson } from './stats.ts';

describe('wilson interval', () => {
  // Published values: Newcombe (1998), "Two-sided confidence intervals for the single
  // proportion", Statistics in Medicine 17, table I, method 3 (score interval, no correction).
  it.each([
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0.0, 0.1611],
    [1, 29, 0.0061, 0.1718],
  ])('%i/%i gives [%f, %f]', (x, n, low, high) => {
    const ci = wilson(x, n)!;
    expect(ci.low).toBeCloseTo(low, 4);
    expect(ci.high).toBeCloseTo(high, 4);
  });

  it('is exactly 1 at the top when every trial succeeds, and below 1 at the bottom', () => {
    const ci = wilson(20, 20)!;
    expect(ci.high).toBe(1);
    // symmetric to 0/20
    expect(ci.low).toBeCloseTo(1 - 0.1611, 4);
  });

  it('gives no interval for no data, never [0, 0] or [1, 1]', () => {
    expect(wilson(0, 0)).toBeNull();
  });

  it('refuses impossible counts', () => {
    expect(() => wilson(3, 2)).toThrow(RangeError);
    expect(() => wilson(-1, 2)).toThrow(RangeError);
    expect(() => wilson(0.5, 2)).toThrow(RangeError);
  });
});

describe('target comparison', () => {
  it('meets 95 % at exactly 95 %, whatever the floating point', () => {
    expect(meetsPercent(19, 20, 95)).toBe(true);
    expect(meetsPercent(57, 60, 95)).toBe(true);
    expect(meetsPercent(95, 100, 95)).toBe(true);
    expect(meetsPercent(190, 200, 95)).toBe(true);
  });

  it('misses just below the target', () => {
    expect(meetsPercent(18, 20, 95)).toBe(false);
    expect(meetsPercent(949, 1000, 95)).toBe(false);
    expect(meetsPercent(99, 100, 100)).toBe(false);
  });

  it('has no verdict without data', () => {
    expect(meetsPercent(0, 0, 95)).toBeNull();
  });
});

describe('median and percentile', () => {
  it('median of odd and even counts', () => {
    expect(median([1, 2, 9])).toBe(2);
    expect(median([1, 2, 3, 10])).toBe(2.5);
    expect(median([])).toBeNull();
  });

  it('nearest-rank percentile', () => {
    const values = Array.from({ length: 20 }, (_, i) => i + 1); // 1..20
    expect(percentile(values, 95)).toBe(19); // ceil(0.95*20) = 19th value
    expect(percentile(values, 100)).toBe(20);
    expect(percentile([5], 95)).toBe(5);
    expect(percentile([], 95)).toBeNull();
    expect(percentile(Array.from({ length: 100 }, (_, i) => i + 1), 95)).toBe(95);
  });
});
