// Isolation between concurrent cases. Faults are set on a node, not on one exchange, so a case
// that faults a node must have that node to itself: otherwise a "5xx for the next 3 calls"
// meant for one case is spent on another case's deliveries. Likewise a case that moves the
// hub's clock or restarts the hub must run alone. Everything else runs side by side.

class RwLock {
  private readers = 0;
  private writer = false;
  private queue: Array<{ exclusive: boolean; resolve: () => void }> = [];

  acquire(exclusive: boolean): Promise<void> {
    // Writers are not starved: once one waits, later readers queue behind it.
    const canGo = exclusive ? !this.writer && this.readers === 0 && this.queue.length === 0 : !this.writer && !this.queue.some((w) => w.exclusive);
    if (canGo) {
      if (exclusive) this.writer = true;
      else this.readers++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.queue.push({ exclusive, resolve }));
  }

  release(exclusive: boolean): void {
    if (exclusive) this.writer = false;
    else this.readers--;
    while (this.queue.length > 0) {
      const next = this.queue[0]!;
      if (next.exclusive) {
        if (this.readers > 0 || this.writer) break;
        this.queue.shift();
        this.writer = true;
        next.resolve();
        break;
      }
      if (this.writer) break;
      this.queue.shift();
      this.readers++;
      next.resolve();
    }
  }
}

export interface LockRequest {
  /** Run alone: nothing else runs meanwhile (clock moves, hub restarts). */
  alone?: boolean;
  /** Nodes used (shared). */
  shared?: readonly string[];
  /** Nodes this case puts faults on (exclusive). */
  exclusive?: readonly string[];
}

export class CaseLock {
  private readonly world = new RwLock();
  private readonly nodes = new Map<string, RwLock>();

  private node(key: string): RwLock {
    let lock = this.nodes.get(key);
    if (!lock) {
      lock = new RwLock();
      this.nodes.set(key, lock);
    }
    return lock;
  }

  /** Backwards-compatible form: `run(true, fn)` runs alone, `run(false, fn)` alongside others. */
  async run<T>(request: boolean | LockRequest, fn: () => Promise<T>): Promise<T> {
    const req: LockRequest = typeof request === 'boolean' ? { alone: request } : request;
    const exclusive = new Set(req.exclusive ?? []);
    const keys = [...new Set([...(req.shared ?? []), ...exclusive])].sort(); // one global order: no deadlock
    await this.world.acquire(Boolean(req.alone));
    const held: Array<[RwLock, boolean]> = [];
    try {
      for (const key of keys) {
        const lock = this.node(key);
        const ex = exclusive.has(key);
        await lock.acquire(ex);
        held.push([lock, ex]);
      }
      return await fn();
    } finally {
      for (const [lock, ex] of held.reverse()) lock.release(ex);
      this.world.release(Boolean(req.alone));
    }
  }
}
