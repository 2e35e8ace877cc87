// The hub's clock: an injectable time source plus a test-mode offset. Everything time-dependent
// in the hub (verification time, retries, pull windows, Model A purges, log timestamps) reads
// this clock, so shifting it makes due work happen without real waiting.

export interface TimeSource {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemTime: TimeSource = { now: () => Date.now() };

export class HubClock {
  private offset = 0;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly source: TimeSource = systemTime) {}

  now(): number {
    return this.source.now() + this.offset;
  }

  iso(ms: number = this.now()): string {
    return new Date(ms).toISOString();
  }

  get offsetMs(): number {
    return this.offset;
  }

  /** Set the offset from the source (test mode). Listeners (the scheduler) are woken. */
  setOffset(offsetMs: number): void {
    this.offset = offsetMs;
    for (const listener of this.listeners) listener();
  }

  /** Set the hub's "now" to a given instant (test mode). */
  setNow(ms: number): void {
    this.setOffset(ms - this.source.now());
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
