import { setTimeout as sleep } from 'node:timers/promises';
import { AttemptTimeoutError, classifyS3Error, type S3Failure } from './errors.js';

/** How failed requests are retried. */
export interface RetryPolicy {
  /** Tries per request, the first included (1 = no retry). */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Time limit of one attempt, response body included. */
  readonly attemptTimeoutMs: number;
}

/** Observes each attempt (metrics, logs). */
export interface AttemptObserver {
  attempt(op: string, status: string, durationMs: number): void;
  retry(op: string, failure: S3Failure, attempt: number, delayMs: number, err: unknown): void;
}

/** A request that failed for good, with the number of attempts made. */
export class RetriesExhausted extends Error {
  constructor(readonly attempts: number, readonly last: unknown) {
    super(last instanceof Error ? last.message : String(last), { cause: last });
  }
}

/**
 * The delay before retry number `retry` (1-based): exponential growth capped
 * at `maxDelayMs`, with "full jitter" (uniform in [0, cap]) so that many
 * clients failing together do not retry in lock-step.
 */
export function backoffDelayMs(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.floor(random() * cap);
}

/**
 * Runs `attempt` until it succeeds, fails with a non-retryable error, or
 * `maxAttempts` is reached. Each attempt gets its own AbortSignal which fires
 * after `attemptTimeoutMs`; the attempt is abandoned then even if the SDK does
 * not notice the abort (a stalled response body), so a call is bounded by
 * roughly maxAttempts x (timeout + maxDelay).
 *
 * @example
 * const bytes = await withRetries('get', policy, observer, (signal) => readObject(signal));
 */
export async function withRetries<T>(op: string, policy: RetryPolicy, observer: AttemptObserver | undefined,
  attempt: (signal: AbortSignal) => Promise<T>, statusOf: (result: T) => string = () => '200',
  isRetryable: (err: unknown, failure: S3Failure) => boolean = (_e, f) => f.retryable): Promise<T> {
  for (let n = 1; ; n++) {
    const started = performance.now();
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        const err = new AttemptTimeoutError(op, policy.attemptTimeoutMs);
        controller.abort(err);
        reject(err);
      }, policy.attemptTimeoutMs);
    });
    try {
      const result = await Promise.race([attempt(controller.signal), timedOut]);
      observer?.attempt(op, statusOf(result), performance.now() - started);
      return result;
    } catch (err) {
      const failure = classifyS3Error(controller.signal.aborted ? controller.signal.reason : err);
      observer?.attempt(op, failure.status, performance.now() - started);
      const cause = controller.signal.aborted ? controller.signal.reason : err;
      if (n >= policy.maxAttempts || !isRetryable(cause, failure)) throw new RetriesExhausted(n, cause);
      const delayMs = backoffDelayMs(policy, n);
      observer?.retry(op, failure, n, delayMs, cause);
      await sleep(delayMs);
    } finally {
      clearTimeout(timer);
      timedOut.catch(() => undefined);
    }
  }
}
