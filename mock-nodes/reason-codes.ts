import type { TrustMechanism } from '../protocol/types.ts';

// Reason codes of a node's own refusals, beside the verifier's (protocol/reason-codes.ts): a
// document whose signature verifies can still fail a trust mechanism the recipient's profile
// names (QR code, registry lookup, watermark) or be a type the recipient does not accept from
// that partner. Stable identifiers, never translated; human text in messages.ts ('reason.<CODE>').

export const NODE_REASON_CODES = {
  QR_MISSING: { mechanism: 'qr' },
  QR_MISMATCH: { mechanism: 'qr' },
  REGISTRY_NOT_FOUND: { mechanism: 'registry' },
  REGISTRY_MISMATCH: { mechanism: 'registry' },
  WATERMARK_MISSING: { mechanism: 'watermark' },
  WATERMARK_MISMATCH: { mechanism: 'watermark' },
  DOCUMENT_TYPE_NOT_ACCEPTED: { mechanism: null },
} as const satisfies Record<string, { mechanism: TrustMechanism | null }>;

export type NodeReasonCode = keyof typeof NODE_REASON_CODES;

export function isNodeReasonCode(code: string): code is NodeReasonCode {
  return Object.hasOwn(NODE_REASON_CODES, code);
}
