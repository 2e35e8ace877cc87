// Run defaults light enough for any command's help (runner/run.ts pulls in vitest).

/** The seed of runs when neither --seed nor the config gives one; `ecert doc issue` uses the same PKI. */
export const DEFAULT_SEED = 'carec-2026';
