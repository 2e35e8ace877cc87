import type { FaultController } from './faults.ts';
import { fetchFailed } from './net-errors.ts';

// The sender-side faults live between the node and the hub: the node's hub client is built on a
// fetch wrapped here, so a fault acts on the wire exactly where a real network would fail, and
// the HubClient's own error mapping (HubUnreachableError) is what the node's retry logic sees.

export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Any fetch-shaped function: the global one, undici's, or the hub client's HubFetch. */
type AnyFetch = (input: any, init?: any) => Promise<{ arrayBuffer(): Promise<ArrayBuffer> }>;

export function faultInjectingFetch<F extends AnyFetch>(inner: F, faults: FaultController): F {
  const wrapped = async (input: string | URL | Request, init?: { method?: string }) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const method = init?.method ?? (typeof input === 'object' && 'method' in input ? input.method : 'GET');
    const decision = faults.outbound({ method, url });
    if (decision.action === 'unreachable') throw fetchFailed('ECONNREFUSED', url);
    const response = await inner(input, init);
    if (decision.action === 'lose-response') {
      // The hub has processed the request and answered in full; only the answer never arrives.
      await response.arrayBuffer().catch(() => undefined);
      throw fetchFailed('ECONNRESET', url);
    }
    return response;
  };
  return wrapped as F;
}
