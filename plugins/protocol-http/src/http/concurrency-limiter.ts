import { ServerBusyError } from '../errors.js';

/**
 * Bounds the requests served at once. Requests beyond `max` wait in a FIFO
 * queue of at most `maxQueued` for up to `queueTimeoutMs`; past either bound
 * they are refused with ServerBusyError (503 + Retry-After) instead of
 * piling up in memory.
 *
 * @example
 * const limiter = new ConcurrencyLimiter({ max: 2, maxQueued: 10, queueTimeoutMs: 1000, retryAfterMs: 1000 });
 * await limiter.acquire(); try { ... } finally { limiter.release(); }
 */
export class ConcurrencyLimiter {
  private active = 0;
  private readonly waiters: Array<{ resolve: () => void; reject: (e: Error) => void; timer?: NodeJS.Timeout }> = [];

  constructor(private readonly opts: { max: number; maxQueued: number; queueTimeoutMs: number; retryAfterMs: number }) {}

  get inFlight(): number { return this.active; }
  get queued(): number { return this.waiters.length; }

  acquire(): Promise<void> {
    const { max, maxQueued, queueTimeoutMs, retryAfterMs } = this.opts;
    if (max <= 0 || this.active < max) { this.active++; return Promise.resolve(); }
    if (this.waiters.length >= maxQueued) {
      return Promise.reject(new ServerBusyError(`too many concurrent requests (${this.active} in flight, ${this.waiters.length} queued); retry later`, retryAfterMs));
    }
    return new Promise<void>((resolve, reject) => {
      const w: { resolve: () => void; reject: (e: Error) => void; timer?: NodeJS.Timeout } = { resolve, reject };
      if (queueTimeoutMs > 0) {
        w.timer = setTimeout(() => {
          const k = this.waiters.indexOf(w);
          if (k >= 0) this.waiters.splice(k, 1);
          reject(new ServerBusyError(`waited ${queueTimeoutMs} ms for a request slot; retry later`, retryAfterMs));
        }, queueTimeoutMs);
        w.timer.unref?.();
      }
      this.waiters.push(w);
    });
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) {
      // The slot passes straight to the next waiter; `active` stays the same.
      if (next.timer) clearTimeout(next.timer);
      next.resolve();
      return;
    }
    if (this.active > 0) this.active--;
  }
}
