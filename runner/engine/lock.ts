// A readers-writer lock for cases. Cases that move the hub's clock run alone (exclusive);
// every other case runs alongside others (shared). Moving the clock while other cases are in
// flight would expire their documents or delivery windows and make verdicts depend on timing.

export class CaseLock {
  private readers = 0;
  private writer = false;
  private queue: Array<{ exclusive: boolean; resolve: () => void }> = [];

  async run<T>(exclusive: boolean, fn: () => Promise<T>): Promise<T> {
    await this.acquire(exclusive);
    try {
      return await fn();
    } finally {
      this.release(exclusive);
    }
  }

  private acquire(exclusive: boolean): Promise<void> {
    // Writers are not starved: once one waits, later readers queue behind it.
    const canGo = exclusive ? !this.writer && this.readers === 0 && this.queue.length === 0 : !this.writer && !this.queue.some((w) => w.exclusive);
    if (canGo) {
      if (exclusive) this.writer = true;
      else this.readers++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.queue.push({ exclusive, resolve }));
  }

  private release(exclusive: boolean): void {
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
