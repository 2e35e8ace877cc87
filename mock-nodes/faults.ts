import crypto from 'node:crypto';
import type { CountryCode } from '../protocol/types.ts';
import type { Lang } from '../protocol/i18n.ts';
import type { NodeLog } from './log.ts';
import { nodeMessages } from './messages.ts';

// Fault controls of one node. A fault is a reversible state: applied, triggered on the calls it
// affects, cleared by hand or on its own once its `calls` are used up. Every transition is written
// to the node's log. The controller only decides; the transports realise the decision (a refused
// connection is a closed socket on a real server and a fetch network error in-process).
//
// Direction: "inbound" faults act on calls the hub makes to the node (push deliveries) and, for a
// pull node, on its inbox pulls (offline) and acknowledgements (wrong / missing ack); "outbound"
// faults act on every call the node makes to the hub.

export type FaultSpec =
  /** Refuse connections (push) / do not pull the inbox (pull), for `calls` calls or until cleared. */
  | { fault: 'offline'; calls?: number }
  /** Offline until cleared: past any retry window. */
  | { fault: 'down' }
  /** Answer after `delayMs` (default: the node's slowDelayMs, beyond any sane hub time-out). */
  | { fault: 'slow'; calls?: number; delayMs?: number }
  /** Answer HTTP `status` (default 503) without taking the delivery. */
  | { fault: 'http-5xx'; calls?: number; status?: number }
  /** Reset the connection in the middle of the request. */
  | { fault: 'reset'; calls?: number }
  /** Each call fails with probability `rate` (half 503, half reset), drawn from a seeded sequence. */
  | { fault: 'flaky'; rate: number; seed?: string; calls?: number }
  /** Acknowledge with another exchange id (push) / acknowledge the wrong exchange (pull). */
  | { fault: 'wrong-ack'; calls?: number }
  /** Answer without an acknowledgement (push) / fetch but never acknowledge (pull). */
  | { fault: 'missing-ack'; calls?: number }
  /** The node's calls to the hub fail with a refused connection, never reaching the hub. */
  | { fault: 'hub-unreachable'; calls?: number }
  /** The hub receives and processes the node's request; its answer is lost (connection reset). */
  | { fault: 'response-lost'; calls?: number; operations?: 'submit' | 'any' };

export type FaultName = FaultSpec['fault'];

export const FAULT_NAMES: readonly FaultName[] = [
  'offline',
  'down',
  'slow',
  'http-5xx',
  'reset',
  'flaky',
  'wrong-ack',
  'missing-ack',
  'hub-unreachable',
  'response-lost',
];

/** Faults that act on calls the hub makes to the node's callback: meaningless for a pull node. */
const PUSH_ONLY: ReadonlySet<FaultName> = new Set(['slow', 'http-5xx', 'reset', 'flaky']);

export interface ActiveFault {
  id: string;
  spec: FaultSpec;
  appliedAt: string;
  /** Calls left before it clears itself; null = until cleared. */
  remaining: number | null;
  triggered: number;
}

export type InboundDecision =
  | { action: 'refuse'; faultId: string }
  | { action: 'reset'; faultId: string }
  | { action: 'status'; status: number; faultId: string }
  | { action: 'proceed'; delayMs?: number; faultId?: string };

export type AckDecision = { ack: 'ok' } | { ack: 'wrong' | 'missing'; faultId: string };

export type OutboundDecision = { action: 'pass' } | { action: 'unreachable' | 'lose-response'; faultId: string };

/** A fault specification that does not hold together; the message is in the requested language. */
export class FaultSpecError extends Error {
  constructor(
    readonly key: Parameters<typeof nodeMessages.t>[1],
    readonly params: Record<string, string | number> = {},
  ) {
    super(nodeMessages.t('en', key, params));
    this.name = 'FaultSpecError';
  }
  localized(lang: Lang): string {
    return nodeMessages.t(lang, this.key, this.params);
  }
}

const ALLOWED_FIELDS: Record<FaultName, readonly string[]> = {
  offline: ['calls'],
  down: [],
  slow: ['calls', 'delayMs'],
  'http-5xx': ['calls', 'status'],
  reset: ['calls'],
  flaky: ['calls', 'rate', 'seed'],
  'wrong-ack': ['calls'],
  'missing-ack': ['calls'],
  'hub-unreachable': ['calls'],
  'response-lost': ['calls', 'operations'],
};

/**
 * Check a fault specification from an untrusted source (the control API, a scenario file).
 * `party` is accepted and ignored, so a scenario's fault entry can be passed as it is.
 */
export function parseFaultSpec(input: unknown): FaultSpec {
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw new FaultSpecError('fault.notObject');
  const obj = input as Record<string, unknown>;
  const name = obj.fault;
  if (typeof name !== 'string' || !(FAULT_NAMES as readonly string[]).includes(name)) {
    throw new FaultSpecError('fault.unknown', { fault: String(name), known: FAULT_NAMES.join(', ') });
  }
  const fault = name as FaultName;
  for (const key of Object.keys(obj)) {
    if (key !== 'fault' && key !== 'party' && !ALLOWED_FIELDS[fault].includes(key)) {
      throw new FaultSpecError('fault.unknownField', { fault, field: key, allowed: ALLOWED_FIELDS[fault].join(', ') || '-' });
    }
  }
  const int = (field: string, min: number, max: number): number | undefined => {
    const v = obj[field];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new FaultSpecError('fault.badInteger', { fault, field, min, max, value: JSON.stringify(v) });
    }
    return v;
  };
  const calls = int('calls', 1, 1_000_000);
  const withCalls = calls === undefined ? {} : { calls };
  switch (fault) {
    case 'down':
      return { fault };
    case 'slow': {
      const delayMs = int('delayMs', 0, 600_000);
      return { fault, ...withCalls, ...(delayMs === undefined ? {} : { delayMs }) };
    }
    case 'http-5xx': {
      const status = int('status', 500, 599);
      return { fault, ...withCalls, ...(status === undefined ? {} : { status }) };
    }
    case 'flaky': {
      const rate = obj.rate;
      if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) throw new FaultSpecError('fault.badRate', { value: JSON.stringify(rate) });
      if (obj.seed !== undefined && typeof obj.seed !== 'string') throw new FaultSpecError('fault.badSeed');
      return { fault, rate, ...withCalls, ...(typeof obj.seed === 'string' ? { seed: obj.seed } : {}) };
    }
    case 'response-lost': {
      const ops = obj.operations;
      if (ops !== undefined && ops !== 'submit' && ops !== 'any') throw new FaultSpecError('fault.badOperations', { value: JSON.stringify(ops) });
      return { fault, ...withCalls, ...(ops === undefined ? {} : { operations: ops }) };
    }
    default:
      return { fault, ...withCalls };
  }
}

export interface FaultControllerOptions {
  deliveryMode: 'push' | 'pull';
  /** Delay of a `slow` fault without its own delayMs. */
  slowDelayMs: number;
  /** Seed of flaky faults without their own seed. */
  seed: string;
}

export class FaultController {
  readonly #active = new Map<string, ActiveFault>();
  readonly #listeners = new Set<(active: readonly ActiveFault[]) => void>();
  readonly #draws = new Map<string, number>();
  #next = 1;

  constructor(
    readonly node: CountryCode,
    private readonly log: NodeLog,
    private readonly options: FaultControllerOptions,
  ) {}

  /** Apply a fault; it acts from the next call on. Throws FaultSpecError when it cannot apply. */
  apply(input: FaultSpec): ActiveFault {
    const spec = parseFaultSpec(input);
    if (this.options.deliveryMode === 'pull' && PUSH_ONLY.has(spec.fault)) {
      throw new FaultSpecError('fault.pushOnly', { fault: spec.fault, country: this.node });
    }
    const id = `f${this.#next++}`;
    const fault: ActiveFault = {
      id,
      spec,
      appliedAt: this.log.append('fault-applied', { data: { faultId: id, spec } }).at,
      remaining: 'calls' in spec && spec.calls !== undefined ? spec.calls : null,
      triggered: 0,
    };
    this.#active.set(fault.id, fault);
    this.#changed();
    return { ...fault };
  }

  /** Clear one fault, or all of them; returns what was cleared. */
  clear(id?: string): ActiveFault[] {
    const cleared = id === undefined ? [...this.#active.values()] : [this.#active.get(id)].filter((f): f is ActiveFault => !!f);
    for (const f of cleared) this.#remove(f, 'cleared');
    if (cleared.length) this.#changed();
    return cleared.map((f) => ({ ...f }));
  }

  active(): ActiveFault[] {
    return [...this.#active.values()].map((f) => ({ ...f }));
  }

  /** Whether the node is offline right now (a real server closes its listening socket then). */
  isOffline(): boolean {
    return this.#find('offline', 'down') !== undefined;
  }

  /** Called with the active faults after every change (apply, clear, exhaustion). */
  onChange(listener: (active: readonly ActiveFault[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** What to do with a call the hub makes to the node (a push delivery). */
  inbound(context: { exchangeId?: string; transport?: string } = {}): InboundDecision {
    const offline = this.#find('offline', 'down');
    if (offline) return { action: 'refuse', faultId: this.#consume(offline, context, { effect: 'ECONNREFUSED' }) };
    const reset = this.#find('reset');
    if (reset) return { action: 'reset', faultId: this.#consume(reset, context, { effect: 'ECONNRESET' }) };
    const http = this.#find('http-5xx');
    if (http) {
      const status = (http.spec as { status?: number }).status ?? 503;
      return { action: 'status', status, faultId: this.#consume(http, context, { effect: `HTTP_${status}` }) };
    }
    const flaky = this.#find('flaky');
    if (flaky) {
      const spec = flaky.spec as Extract<FaultSpec, { fault: 'flaky' }>;
      const [fail, kind] = this.#draw(flaky.id, spec.seed ?? `${this.options.seed}/${this.node}/${flaky.id}`);
      if (fail < spec.rate) {
        const reset = kind < 0.5;
        const faultId = this.#consume(flaky, context, { effect: reset ? 'ECONNRESET' : 'HTTP_503' });
        return reset ? { action: 'reset', faultId } : { action: 'status', status: 503, faultId };
      }
    }
    const slow = this.#find('slow');
    if (slow) {
      const delayMs = (slow.spec as { delayMs?: number }).delayMs ?? this.options.slowDelayMs;
      return { action: 'proceed', delayMs, faultId: this.#consume(slow, context, { effect: `DELAY_${delayMs}MS` }) };
    }
    return { action: 'proceed' };
  }

  /** Whether a pull node may pull its inbox now (an offline fault consumes one call per pull). */
  pullAllowed(): boolean {
    const offline = this.#find('offline', 'down');
    if (!offline) return true;
    this.#consume(offline, {}, { effect: 'NO_PULL' });
    return false;
  }

  /** How to acknowledge a delivery the node has in hand. */
  ack(context: { exchangeId?: string } = {}): AckDecision {
    const wrong = this.#find('wrong-ack');
    if (wrong) return { ack: 'wrong', faultId: this.#consume(wrong, context, { effect: 'WRONG_ACK' }) };
    const missing = this.#find('missing-ack');
    if (missing) return { ack: 'missing', faultId: this.#consume(missing, context, { effect: 'MISSING_ACK' }) };
    return { ack: 'ok' };
  }

  /** What to do with a call the node makes to the hub. */
  outbound(call: { method: string; url: string }): OutboundDecision {
    const context = { call: `${call.method} ${new URL(call.url).pathname}` };
    const unreachable = this.#find('hub-unreachable');
    if (unreachable) return { action: 'unreachable', faultId: this.#consume(unreachable, {}, { effect: 'ECONNREFUSED', ...context }) };
    const lost = this.#find('response-lost');
    if (lost) {
      const ops = (lost.spec as { operations?: 'submit' | 'any' }).operations ?? 'submit';
      if (ops === 'any' || isSubmission(call)) {
        return { action: 'lose-response', faultId: this.#consume(lost, {}, { effect: 'RESPONSE_LOST', ...context }) };
      }
    }
    return { action: 'pass' };
  }

  #find(...names: FaultName[]): ActiveFault | undefined {
    for (const f of this.#active.values()) if (names.includes(f.spec.fault)) return f;
    return undefined;
  }

  #consume(fault: ActiveFault, context: { exchangeId?: string; transport?: string }, data: Record<string, unknown>): string {
    fault.triggered++;
    if (fault.remaining !== null) fault.remaining--;
    this.log.append('fault-triggered', {
      ...(context.exchangeId ? { exchangeId: context.exchangeId } : {}),
      data: { faultId: fault.id, fault: fault.spec.fault, triggered: fault.triggered, remaining: fault.remaining, ...(context.transport ? { transport: context.transport } : {}), ...data },
    });
    if (fault.remaining === 0) {
      this.#remove(fault, 'exhausted');
      this.#changed();
    }
    return fault.id;
  }

  #remove(fault: ActiveFault, reason: 'cleared' | 'exhausted'): void {
    if (!this.#active.delete(fault.id)) return;
    this.log.append('fault-cleared', { data: { faultId: fault.id, fault: fault.spec.fault, reason, triggered: fault.triggered } });
  }

  /** Two uniform numbers in [0, 1) from the fault's seeded sequence: same seed, same faults. */
  #draw(id: string, seed: string): [number, number] {
    const n = this.#draws.get(id) ?? 0;
    this.#draws.set(id, n + 1);
    const h = crypto.createHash('sha256').update(`${seed}\u0000${n}`).digest();
    return [h.readUInt32BE(0) / 2 ** 32, h.readUInt32BE(4) / 2 ** 32];
  }

  #changed(): void {
    const snapshot = this.active();
    for (const listener of this.#listeners) listener(snapshot);
  }
}

/** A submission to the hub: the API route (track A) or the portal's file upload (track B). */
export function isSubmission(call: { method: string; url: string }): boolean {
  return call.method.toUpperCase() === 'POST' && /\/v1\/(?:exchanges|uploads)\/?$/.test(new URL(call.url).pathname);
}
