import type { RetryPolicy } from './service.ts';

// Defaults light enough for the CLI to show in help without loading the hub (fastify, SQLite).

/** Push retries on a real deployment: 6 attempts from 2 s, doubling, at most 5 min apart; 15 s per attempt. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 2_000, factor: 2, maxDelayMs: 300_000, attemptTimeoutMs: 15_000 };
