import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { DEFECT_NAMES, type DefectName } from '../reference-hub/defects.ts';
import type { RunResults, Severity } from './record.ts';

// The sensitivity self-test. For every defect switch of the reference hub, run the cases meant
// to catch it against a hub with that defect, and require the run to go red on exactly the
// expected case ids, with the expected severity; cases listed as controls must stay green (the
// harness must blame the right thing, not everything). A harness that stays green on a
// defective hub is the bug this test exists to catch. One case per class, from Uzbekistan
// (track A, RSA) and, where the defect concerns pull delivery or ECDSA, from Azerbaijan.

const ROOT = path.resolve(import.meta.dirname, '..');

interface Expectation {
  /** Cases run (exact ids). */
  run: string[];
  /** Case id -> severity it must fail with. Every other case of `run` must pass. */
  red: Record<string, Severity>;
}

const TABLE: Record<DefectName, Expectation> = {
  'accept-tampered': {
    run: ['UZ-SIG-01', 'UZ-SIG-08', 'UZ-SIG-10', 'AZ-SIG-01', 'UZ-SIG-03', 'UZ-STD-01-KG'],
    // file-swapped still trips the metadata comparison, so the hub rejects with the wrong reason.
    red: { 'UZ-SIG-01': 'false-accept', 'UZ-SIG-08': 'false-accept', 'UZ-SIG-10': 'wrong-reason', 'AZ-SIG-01': 'false-accept' },
  },
  'skip-registry-check': {
    run: ['UZ-SIG-03', 'UZ-SIG-04', 'UZ-SIG-05', 'UZ-STD-01-KG'],
    red: { 'UZ-SIG-03': 'false-accept', 'UZ-SIG-04': 'false-accept' },
  },
  'ignore-revocation': { run: ['UZ-SIG-05', 'UZ-SIG-03', 'UZ-STD-01-KG'], red: { 'UZ-SIG-05': 'false-accept' } },
  'ignore-expiry': {
    run: ['UZ-EXP-01', 'UZ-EXP-02', 'UZ-EXP-03', 'UZ-EXP-04', 'UZ-EXP-06', 'UZ-EXP-05', 'UZ-SIG-01'],
    red: { 'UZ-EXP-01': 'false-accept', 'UZ-EXP-02': 'false-accept', 'UZ-EXP-03': 'false-accept', 'UZ-EXP-04': 'false-accept', 'UZ-EXP-06': 'false-accept' },
  },
  'skip-metadata-check': { run: ['UZ-SIG-02', 'UZ-SIG-01', 'UZ-STD-01-KG'], red: { 'UZ-SIG-02': 'false-accept' } },
  'wrong-reason-code': {
    run: ['UZ-SIG-01', 'UZ-SIG-05', 'UZ-EXP-01', 'UZ-STD-01-KG'],
    red: { 'UZ-SIG-01': 'wrong-reason', 'UZ-SIG-05': 'wrong-reason', 'UZ-EXP-01': 'wrong-reason' },
  },
  'ignore-idempotency': { run: ['UZ-NET-06', 'UZ-NET-07'], red: { 'UZ-NET-06': 'duplicate' } },
  'deliver-twice': { run: ['UZ-STD-01-PK', 'PK-STD-01-UZ', 'UZ-STD-01-KG'], red: { 'UZ-STD-01-PK': 'duplicate', 'PK-STD-01-UZ': 'duplicate' } },
  'lose-pending-on-restart': { run: ['UZ-NET-10', 'AZ-NET-10', 'UZ-STD-01-KG'], red: { 'UZ-NET-10': 'lost-exchange', 'AZ-NET-10': 'lost-exchange' } },
  'no-retry': {
    run: ['UZ-NET-03', 'UZ-NET-04', 'UZ-NET-05', 'UZ-NET-06', 'UZ-NET-07'],
    // Sender-side faults (06, 07) need no hub retry; a hub that gives up at once still fails 05's attempt count.
    red: { 'UZ-NET-03': 'lost-exchange', 'UZ-NET-04': 'lost-exchange', 'UZ-NET-05': 'other' },
  },
  'leak-exchanges': { run: ['UZ-STD-07', 'UZ-STD-01-KG'], red: { 'UZ-STD-07': 'data-leak' } },
  'break-audit-chain': { run: ['UZ-STD-01-KG', 'UZ-SIG-01'], red: { 'UZ-STD-01-KG': 'log-mismatch', 'UZ-SIG-01': 'log-mismatch' } },
  'no-purge': { run: ['UZ-STD-06', 'UZ-STD-01-KG'], red: { 'UZ-STD-06': 'other' } },
  // Nothing the cases do depends on the missing fields: only the contract check of every answer sees it.
  'off-contract-answers': { run: ['UZ-STD-01-KG', 'UZ-SIG-01'], red: { 'UZ-STD-01-KG': 'other', 'UZ-SIG-01': 'other' } },
};

const config = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ecert-sensitivity-')), 'ecert.config.json');
// A defective hub can leave an exchange stuck forever; waiting 4 s proves it as well as 15 s.
fs.writeFileSync(config, JSON.stringify({ timeouts: { awaitMs: 4000 } }));

async function run(cases: string[], defects: string[]): Promise<{ exitCode: number | undefined; results: RunResults }> {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'ecert-sensitivity-run-'));
  const args = ['bin/ecert.mjs', 'run', '--case', cases.join(','), '--config', config, '--out', out, '--json', ...defects.flatMap((d) => ['--defect', d])];
  const child = await execa('node', args, { cwd: ROOT, reject: false, env: { NO_COLOR: '1' } });
  try {
    return { exitCode: child.exitCode, results: JSON.parse(child.stdout) as RunResults };
  } catch {
    throw new Error(`ecert ${args.slice(1).join(' ')} did not print results (exit ${child.exitCode}):\n${child.stderr.slice(-2000)}`);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

function red(results: RunResults): Record<string, Severity | 'error'> {
  return Object.fromEntries(results.cases.filter((c) => c.status === 'failed' || c.status === 'error').map((c) => [c.id, c.status === 'error' ? 'error' : c.severity!]));
}

// Each test starts a whole run in a child process; on a loaded machine that takes a while.
describe.concurrent('sensitivity: the harness goes red on every defect of the reference hub', { timeout: 240_000 }, () => {
  it('covers every defect switch the reference hub has', () => {
    expect(Object.keys(TABLE).sort()).toEqual([...DEFECT_NAMES].sort());
  });

  it('stays green on the conforming hub for every case the table uses', async () => {
    const all = [...new Set(Object.values(TABLE).flatMap((e) => e.run))];
    const { exitCode, results } = await run(all, []);
    expect(red(results)).toEqual({});
    expect(results.cases.map((c) => c.id).sort()).toEqual(all.sort());
    expect(exitCode).toBe(0);
  });

  for (const defect of DEFECT_NAMES) {
    it(`${defect}: red on exactly ${Object.keys(TABLE[defect].red).join(', ')}`, async () => {
      const { exitCode, results } = await run(TABLE[defect].run, [defect]);
      expect(results.run.hub.defects).toEqual([defect]);
      expect(red(results)).toEqual(TABLE[defect].red);
      expect(exitCode).toBe(1);
    });
  }
});
