import { FormData } from 'undici';
import { type HubFetch, transportErrorCode } from '../protocol/hub-http.ts';
import type { HubService } from './service.ts';

// The scheduler: push deliveries (with bounded, exponentially backed-off retries), pull-window
// expiries and Model A purges. All scheduling state is in the store; this class only keeps a
// timer for the earliest due time and the set of pushes in flight. A clock shift (test mode)
// wakes it, so due work happens without real waiting.

export interface SchedulerOptions {
  fetch: HubFetch;
  /** Pushes in flight at once. */
  concurrency?: number;
  /** Longest real-time sleep between checks (a safety net; normally the timer is exact). */
  maxSleepMs?: number;
  onError?: (error: unknown) => void;
}

export class DeliveryScheduler {
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private scheduled = false;
  private readonly inFlight = new Map<string, AbortController>();
  private readonly concurrency: number;
  private readonly idleWaiters = new Set<() => void>();

  constructor(
    private readonly service: HubService,
    private readonly options: SchedulerOptions,
  ) {
    this.concurrency = options.concurrency ?? 16;
  }

  start(): void {
    this.stopped = false;
    this.wake();
  }

  /** Stop scheduling and abort pushes in flight (their attempts are not recorded, so they run again after a restart). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const controller of this.inFlight.values()) controller.abort(new Error('hub shutting down'));
    while (this.inFlight.size) await new Promise((r) => setTimeout(r, 5));
  }

  /** Look for due work soon (coalesced: many wakes in one tick make one pass). */
  wake(): void {
    if (this.stopped || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.run();
    });
  }

  /** One pass: housekeeping, then start the pushes that are due (synchronous, so never re-entered). */
  private run(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    try {
      this.service.housekeeping();
      const free = this.concurrency - this.inFlight.size;
      if (free > 0) for (const due of this.service.dueDeliveries(free, new Set(this.inFlight.keys()))) this.push(due);
    } catch (error) {
      this.options.onError?.(error);
    }
    this.arm();
  }

  /** Resolves when nothing is in flight and nothing is due now (for tests and benchmarks). */
  async idle(): Promise<void> {
    for (;;) {
      const due = this.service.nextDue();
      if (!this.scheduled && this.inFlight.size === 0 && (due === undefined || due > this.service.clock.now())) return;
      await new Promise<void>((resolve) => {
        this.idleWaiters.add(resolve);
        setTimeout(resolve, 20);
      });
    }
  }

  private arm(): void {
    if (this.stopped) return;
    for (const resolve of this.idleWaiters) resolve();
    this.idleWaiters.clear();
    const due = this.service.nextDue();
    if (due === undefined) return;
    const delay = Math.max(0, Math.min(due - this.service.clock.now(), this.options.maxSleepMs ?? 60_000));
    if (this.timer) clearTimeout(this.timer);
    // Full: a finishing push wakes the scheduler.
    if (delay === 0 && this.inFlight.size >= this.concurrency) return;
    this.timer = setTimeout(() => this.wake(), delay);
    this.timer.unref?.();
  }

  private push(due: ReturnType<HubService['dueDeliveries']>[number]): void {
    const controller = new AbortController();
    this.inFlight.set(due.exchangeId, controller);
    const { attemptTimeoutMs } = this.service.config.retry;
    const started = performance.now();
    const attempt = async (): Promise<{ ok: boolean; error?: string }> => {
      if (!due.callbackUrl) return { ok: false, error: 'NO_CALLBACK' };
      if (!due.pdf) return { ok: false, error: 'DOCUMENT_UNAVAILABLE' };
      const form = new FormData();
      form.append('envelope', new Blob([due.envelope], { type: 'application/json' }), 'envelope.json');
      form.append('document', new Blob([due.pdf as Uint8Array<ArrayBuffer>], { type: 'application/pdf' }), 'document.pdf');
      const signal = AbortSignal.any([controller.signal, AbortSignal.timeout(attemptTimeoutMs)]);
      try {
        const response = await this.options.fetch(due.callbackUrl, {
          method: 'POST',
          headers: {
            accept: 'application/json',
            'x-ecert-exchange-id': due.exchangeId,
            'x-ecert-delivery-attempt': String(due.attempt),
            'x-ecert-sender': due.sender,
          },
          body: form,
          signal,
        });
        const text = Buffer.from(await response.arrayBuffer()).toString('utf8');
        if (response.status < 200 || response.status > 299) return { ok: false, error: `HTTP_${response.status}` };
        let ack: unknown;
        try {
          ack = JSON.parse(text);
        } catch {
          return { ok: false, error: 'BAD_ACK' };
        }
        return (ack as { acknowledged?: unknown })?.acknowledged === due.exchangeId ? { ok: true } : { ok: false, error: 'BAD_ACK' };
      } catch (error) {
        const code = transportErrorCode(error);
        return { ok: false, error: code === 'ETIMEDOUT' ? 'TIMEOUT' : code };
      }
    };
    void attempt().then(
      (outcome) => {
        this.inFlight.delete(due.exchangeId);
        if (controller.signal.aborted && this.stopped) {
          // Shutting down: not an attempt; due again at once after a restart.
          this.service.releaseLease(due.exchangeId);
          return;
        }
        try {
          this.service.recordAttempt(due.exchangeId, due.attempt, { ...outcome, durationMs: Math.round(performance.now() - started) });
        } catch (error) {
          this.options.onError?.(error);
        }
        this.wake();
      },
      (error) => {
        this.inFlight.delete(due.exchangeId);
        this.options.onError?.(error);
        this.wake();
      },
    );
  }
}
