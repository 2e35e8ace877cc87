import { TraceBuilder } from './record-index.ts';
import { meetsPercent, wilson } from './stats.ts';
import type { RateFigure } from './types.ts';

/** Accumulates one success rate: each item counted, a success or a miss, with its evidence. */
export class RateTally {
  numerator = 0;
  denominator = 0;
  readonly trace = new TraceBuilder();
  readonly misses: string[] = [];

  constructor(readonly targetPercent: number) {}

  count(success: boolean, evidence: { seq: number; caseId?: string; exchangeId?: string; logHashes?: readonly string[] }, missId: string): void {
    this.denominator++;
    if (success) this.numerator++;
    else this.misses.push(missId);
    this.trace.add(evidence);
  }

  figure(): RateFigure {
    return rateFigure(this.numerator, this.denominator, this.targetPercent, this);
  }
}

export function rateFigure(
  numerator: number,
  denominator: number,
  targetPercent: number,
  from: { trace: TraceBuilder; misses: string[] } = { trace: new TraceBuilder(), misses: [] },
): RateFigure {
  const interval = wilson(numerator, denominator);
  return {
    numerator,
    denominator,
    rate: denominator === 0 ? null : numerator / denominator,
    interval,
    targetPercent,
    targetMet: meetsPercent(numerator, denominator, targetPercent),
    lowerBoundMet: interval ? interval.low * 100 >= targetPercent - 1e-9 : null,
    trace: from.trace.build(),
    misses: [...from.misses],
  };
}

/** A tally per key, created on first use, in first-use order unless keys are given up front. */
export class TallyMap {
  readonly #map = new Map<string, RateTally>();

  constructor(
    readonly targetPercent: number,
    keys: readonly string[] = [],
  ) {
    for (const k of keys) this.get(k);
  }

  get(key: string): RateTally {
    let t = this.#map.get(key);
    if (!t) {
      t = new RateTally(this.targetPercent);
      this.#map.set(key, t);
    }
    return t;
  }

  figures(): Record<string, RateFigure> {
    return Object.fromEntries([...this.#map].map(([k, t]) => [k, t.figure()]));
  }
}
