/** How the client retries (see docs/client.md). */
export interface RetryOptions {
  /** Attempts in all, the first included (1 = no retries). Default 3. */
  readonly maxAttempts?: number;
  /** First backoff; doubles per attempt, with full jitter. Default 100 ms. */
  readonly initialBackoffMs?: number;
  /** Backoff ceiling, also the cap on a server's Retry-After. Default 5000 ms. */
  readonly maxBackoffMs?: number;
}

/**
 * A failed request as the client saw it. `retryable` says the server
 * refused it for a transient reason (HTTP 503/429, gRPC UNAVAILABLE or
 * RESOURCE_EXHAUSTED); `maybeApplied` says the request may have reached the
 * server and been carried out (a connection lost mid-call), so only
 * idempotent requests are sent again.
 */
export class StrataClientError extends Error {
  constructor(message: string, readonly details: {
    /** GreptimeDB status code from the server (e.g. 4001), when it sent one. */
    readonly code?: number;
    readonly httpStatus?: number;
    readonly grpcStatus?: number;
    readonly retryable: boolean;
    readonly maybeApplied: boolean;
    readonly retryAfterMs?: number;
    readonly attempts?: number;
  }, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StrataClientError';
  }
  get code(): number | undefined { return this.details.code; }
  get retryable(): boolean { return this.details.retryable; }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `attempt` until it succeeds, the error is not retryable, or the
 * attempts are used up. An error whose request may already have been
 * applied is retried only when `idempotent` (row inserts are: the same
 * series and timestamp overwrite; SELECTs are; other SQL is not).
 *
 * @example
 * await withRetries(() => send(batch), { maxAttempts: 5 }, true);
 */
export async function withRetries<T>(attempt: () => Promise<T>, options: RetryOptions, idempotent: boolean): Promise<T> {
  const maxAttempts = Math.max(1, options.maxAttempts ?? 3);
  const initial = options.initialBackoffMs ?? 100;
  const ceiling = options.maxBackoffMs ?? 5000;
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof StrataClientError)) throw err;
      const again = n < maxAttempts && err.details.retryable && (idempotent || !err.details.maybeApplied);
      if (!again) {
        if (n > 1) Object.assign(err.details, { attempts: n });
        throw err;
      }
      const backoff = Math.random() * Math.min(ceiling, initial * 2 ** (n - 1));
      await sleep(Math.min(ceiling, Math.max(backoff, err.details.retryAfterMs ?? 0)));
    }
  }
}

/** Statements that only read: safe to send again after a lost connection. */
export function isReadOnlySql(sql: string): boolean {
  const statements = sql.split(';').map((s) => s.replace(/^(\s|--[^\n]*\n|\/\*[\s\S]*?\*\/)+/, '').trim()).filter((s) => s !== '');
  return statements.length > 0 && statements.every((s) => /^(select|show|describe|desc|explain|with|tql)\b/i.test(s));
}
