// A node's clock. Scenarios shift the hub's test clock to make documents expire in transit; the
// nodes must see the same time, so every node reads its time from a clock the runner can shift.

export interface NodeClock {
  now(): Date;
  readonly offsetMs: number;
  setOffset(offsetMs: number): void;
  advance(ms: number): void;
}

export function createClock(base: () => Date = () => new Date(), offsetMs = 0): NodeClock {
  let offset = offsetMs;
  return {
    now: () => new Date(base().getTime() + offset),
    get offsetMs() {
      return offset;
    },
    setOffset(ms) {
      offset = ms;
    },
    advance(ms) {
      offset += ms;
    },
  };
}

/** A sleep that ends early (rejecting with the signal's reason) when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
