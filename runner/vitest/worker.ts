import fs from 'node:fs';
import path from 'node:path';
import type { CatalogCase } from '../../scenarios/types.ts';
import type { RunConfig } from '../config.ts';
import { createEnvironment } from '../environment/index.ts';
import type { HarnessEnvironment } from '../engine/environment.ts';
import { ENVIRONMENT_ERROR_FILE, EvidenceWriter } from '../engine/evidence.ts';
import { CaseLock } from '../engine/lock.ts';
import { selectCases } from '../selection.ts';

// State shared by every spec file a vitest worker runs (the runner sets isolate: false, so
// this module is evaluated once per worker): one environment (hub + nodes), one evidence
// writer, one case lock.

export interface WorkerState {
  env: HarnessEnvironment;
  evidence: EvidenceWriter;
  lock: CaseLock;
}

let state: Promise<WorkerState> | null = null;
let catalog: Promise<CatalogCase[]> | null = null;

export function selectedCases(cfg: RunConfig): Promise<CatalogCase[]> {
  catalog ??= selectCases(cfg);
  return catalog;
}

export function workerState(cfg: RunConfig): Promise<WorkerState> {
  state ??= (async () => {
    const evidence = new EvidenceWriter(cfg.runDir);
    try {
      const env = await createEnvironment(cfg, evidence);
      return { env, evidence, lock: new CaseLock() };
    } catch (error) {
      // The main process reads this to exit with code 3 and say what could not be started.
      const message = error instanceof Error ? error.message : String(error);
      const { hint, key, params } = error as { hint?: string; key?: string; params?: Record<string, string | number> };
      fs.writeFileSync(path.join(cfg.runDir, ENVIRONMENT_ERROR_FILE), JSON.stringify({ message, ...(hint ? { hint } : {}), ...(key ? { key, params } : {}) }, null, 2));
      throw error;
    }
  })();
  return state;
}

/** Export the hub's and the nodes' logs into the run directory (after every spec file: the last write wins). */
export async function exportLogs(cfg: RunConfig): Promise<void> {
  if (!state) return;
  const s = await state.catch(() => null);
  if (!s) return;
  await s.env.exportLogs(path.join(cfg.runDir, 'logs'));
}
