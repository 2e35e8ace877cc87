import { type VerificationSummary } from '../protocol/hub-contract.ts';
import { CHECK_NAMES, type CheckName, type CheckResult, type Envelope, type TrustRegistry, type VerificationPolicy, type VerificationReport } from '../protocol/types.ts';
import { DEFAULT_POLICY } from '../protocol/policy.ts';
import { verifyDocument } from '../protocol/verify.ts';
import type { DefectName } from './defects.ts';

// Verification on ingest and in the verify service: the protocol verifier (the same checks and
// reason codes as `ecert verify`) against the hub's registry, then the active defect switches,
// each of which waives what a defective hub would not check.

/** The generic reason a hub with the wrong-reason-code defect gives for every rejection. */
export const GENERIC_REASON_CODE = 'VERIFICATION_FAILED';

const REGISTRY_CODES = new Set(['SIGNER_NOT_REGISTERED', 'CHAIN_NOT_FOUND', 'COUNTRY_MISMATCH', 'KEY_ID_MISMATCH']);

/** Whether a defect makes the hub skip a failed check (with this reason code). */
function waivedBy(defects: ReadonlySet<DefectName>, check: CheckName, code: string | undefined): boolean {
  if (defects.has('accept-tampered') && check === 'fileIntegrity' && code !== 'NOT_A_PDF') return true;
  if (defects.has('skip-registry-check') && code !== undefined && REGISTRY_CODES.has(code)) return true;
  if (defects.has('ignore-revocation') && code === 'SIGNER_REVOKED') return true;
  if (defects.has('ignore-expiry') && check === 'validity') return true;
  if (defects.has('skip-metadata-check') && check === 'metadataIntegrity') return true;
  return false;
}

const failing = (c: CheckResult): boolean => c.result === 'failed' || c.result === 'indeterminate';

export function applyDefects(report: VerificationReport, defects: ReadonlySet<DefectName>, policy?: VerificationPolicy): VerificationReport {
  if (defects.size === 0) return report;
  const checks = { ...report.checks };
  let changed = false;
  for (const name of CHECK_NAMES) {
    const check = checks[name];
    if (check && failing(check) && waivedBy(defects, name, check.reasonCode)) {
      checks[name] = { result: 'passed', indication: 'TOTAL_PASSED', detail: 'not checked by this hub' };
      changed = true;
    }
  }
  let out = report;
  if (changed) {
    const required = (name: CheckName): boolean => (policy ?? DEFAULT_POLICY).checks[name] === 'required';
    const blocking = CHECK_NAMES.filter((n) => checks[n] && failing(checks[n]) && required(n));
    const first = blocking.map((n) => checks[n]).find((c) => c.result === 'failed') ?? (blocking[0] ? checks[blocking[0]] : undefined);
    out = {
      ...report,
      checks,
      valid: blocking.length === 0,
      indication: blocking.length === 0 ? 'TOTAL_PASSED' : first!.indication,
      ...(first?.subIndication ? { subIndication: first.subIndication } : { subIndication: undefined }),
      reasonCodes: CHECK_NAMES.flatMap((n) => (checks[n] && failing(checks[n]) && checks[n].reasonCode ? [checks[n].reasonCode!] : [])),
    };
    if (!out.subIndication) delete out.subIndication;
  }
  if (defects.has('wrong-reason-code') && !out.valid) {
    const generic: Record<string, CheckResult> = {};
    for (const name of CHECK_NAMES) {
      const c = out.checks[name];
      generic[name] = c && c.reasonCode ? { ...c, reasonCode: GENERIC_REASON_CODE } : c;
    }
    out = { ...out, checks: generic as VerificationReport['checks'], reasonCodes: [GENERIC_REASON_CODE] };
  }
  return out;
}

export interface HubVerifyInput {
  pdf: Uint8Array;
  envelope?: Envelope;
  trust: TrustRegistry;
  atMs: number;
  policy?: VerificationPolicy;
  defects: ReadonlySet<DefectName>;
}

export function hubVerify(input: HubVerifyInput): VerificationReport {
  const report = verifyDocument({
    pdf: input.pdf,
    ...(input.envelope ? { envelope: input.envelope } : {}),
    trust: input.trust,
    at: new Date(input.atMs),
    ...(input.policy ? { policy: input.policy } : {}),
  });
  return applyDefects(report, input.defects, input.policy);
}

/** True when the verifier could not read the file as a PDF at all (the hub answers 422, not an exchange). */
export function notAPdf(report: VerificationReport): boolean {
  return report.checks.fileIntegrity?.reasonCode === 'NOT_A_PDF' || report.reasonCodes.includes('NOT_A_PDF');
}

export function summarize(report: VerificationReport): VerificationSummary {
  const checks = {} as VerificationSummary['checks'];
  for (const name of CHECK_NAMES) {
    const c = report.checks[name];
    checks[name] = c ? { result: c.result, ...(c.reasonCode ? { reasonCode: c.reasonCode } : {}) } : { result: 'skipped' };
  }
  return { valid: report.valid, indication: report.indication, reasonCodes: report.reasonCodes, checks, verifiedAt: report.verifiedAt };
}

