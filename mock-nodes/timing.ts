// A node's pacing, light enough for the CLI to show defaults in help without loading the node.

export interface NodeTiming {
  /** Attempts of one submission (same idempotency key) before the node gives up. */
  sendAttempts: number;
  /** Attempts of any other hub call (registry, lookup, inbox, acknowledge, decision). */
  hubAttempts: number;
  retryMinMs: number;
  retryMaxMs: number;
  /** Polling of an exchange's status: first and longest interval, and the deadline. */
  followMinMs: number;
  followMaxMs: number;
  followTimeoutMs: number;
  /** Inbox pulls of a track B node (background pulling, and while waiting for a decision). */
  pullIntervalMs: number;
  /** Delay of a `slow` fault without its own delayMs. */
  slowDelayMs: number;
}

/** Real-world pacing (missions). Tests and the in-process transport use FAST_TIMING. */
export const DEFAULT_TIMING: NodeTiming = {
  sendAttempts: 5,
  hubAttempts: 4,
  retryMinMs: 500,
  retryMaxMs: 8_000,
  followMinMs: 250,
  followMaxMs: 5_000,
  followTimeoutMs: 120_000,
  pullIntervalMs: 2_000,
  slowDelayMs: 120_000,
};

export const FAST_TIMING: NodeTiming = {
  sendAttempts: 5,
  hubAttempts: 4,
  retryMinMs: 10,
  retryMaxMs: 100,
  followMinMs: 5,
  followMaxMs: 100,
  followTimeoutMs: 15_000,
  pullIntervalMs: 20,
  slowDelayMs: 60_000,
};
