import { type Contract, loadContract } from '../../protocol/contract.ts';
import type { HubResponseRecord } from '../../protocol/hub-http.ts';
import type { EvidenceWriter } from './evidence.ts';

// Every answer the harness receives from the hub (the operator's and every mock node's) is checked
// against the contract, protocol/openapi.yaml. The cases check what a hub does; this checks that
// what it says is in the agreed shape. A violation about an exchange fails the case that owns the
// exchange; any other violation is reported for the run as a whole.

export interface ContractViolation {
  at: string;
  request: string;
  status: number;
  operationId?: string;
  errors: string[];
  /** The exchange the answer was about, when the path or the body names one. */
  exchangeId?: string;
}

const EXCHANGE_PATH = /\/v1\/(?:exchanges|inbox)\/([^/?#]+)/;

function exchangeIdOf(record: HubResponseRecord): string | undefined {
  const fromPath = EXCHANGE_PATH.exec(record.path)?.[1];
  if (fromPath) return decodeURIComponent(fromPath);
  const body = record.body as { exchangeId?: unknown; exchange?: { exchangeId?: unknown } } | null;
  const id = body && typeof body === 'object' ? (body.exchangeId ?? body.exchange?.exchangeId) : undefined;
  return typeof id === 'string' ? id : undefined;
}

export class ContractMonitor {
  private contract: Contract | undefined;
  private readonly violations: ContractViolation[] = [];
  checked = 0;

  constructor(private readonly evidence?: EvidenceWriter) {}

  /** The onResponse hook of a HubClient. */
  readonly observe = (record: HubResponseRecord): void => {
    this.contract ??= loadContract();
    const check = this.contract.validateResponse({ method: record.method, path: record.path, status: record.status, contentType: record.contentType, body: record.body });
    this.checked++;
    if (check.valid) return;
    const exchangeId = exchangeIdOf(record);
    const violation: ContractViolation = {
      at: record.at,
      request: `${record.method.toUpperCase()} ${record.path}`,
      status: record.status,
      ...(check.operationId ? { operationId: check.operationId } : {}),
      errors: check.errors,
      ...(exchangeId ? { exchangeId } : {}),
    };
    this.violations.push(violation);
    this.evidence?.append({ type: 'contract-violation', ...violation, at: record.at });
  };

  /** Violations about any of these exchanges. */
  about(exchangeIds: readonly string[]): ContractViolation[] {
    const ids = new Set(exchangeIds);
    return this.violations.filter((v) => v.exchangeId && ids.has(v.exchangeId));
  }

  all(): readonly ContractViolation[] {
    return this.violations;
  }
}
