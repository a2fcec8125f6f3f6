import { InvalidArgumentsError, ResourcesExhaustedError, StatusCode, StrataError, httpStatusOf, toStrataError } from '@strata/kernel';

/**
 * A request body larger than a limit (on the wire or once decompressed).
 * Code RESOURCES_EXHAUSTED; answered with HTTP 413 rather than the 500 that
 * status 6000 maps to, since the client can fix it by sending less.
 */
export class PayloadTooLargeError extends ResourcesExhaustedError {
  readonly httpStatus = 413;
}

/** The server is at its concurrency limit: 503 + Retry-After. */
export class ServerBusyError extends StrataError {
  readonly httpStatus = 503;
  constructor(message: string, readonly retryAfterMs: number) {
    super('RATE_LIMITED', StatusCode.RateLimited, message, { origin: 'resources' });
  }
}

/**
 * A malformed line of InfluxDB line protocol. `line` is 1-based; the whole
 * batch is rejected, so nothing of it is written.
 */
export class LineProtocolError extends InvalidArgumentsError {
  constructor(readonly line: number, reason: string) {
    super(`InfluxDB line protocol error at line ${line}: ${reason}`);
  }
}

/** A Prometheus remote write/read body that does not decode. */
export class PrometheusDecodeError extends InvalidArgumentsError {}

/** HTTP status, GreptimeDB status code and optional Retry-After (seconds) for an error. */
export interface HttpErrorMapping {
  readonly httpStatus: number;
  readonly error: StrataError;
  readonly retryAfterSeconds?: number;
}

/**
 * Maps anything thrown to the HTTP answer: the status from httpStatusOf
 * (GreptimeDB's table) unless the error carries its own, and Retry-After
 * for back-pressure (RateLimitedError's retryAfterMs, rounded up to seconds).
 */
export function mapHttpError(err: unknown): HttpErrorMapping {
  const error = toStrataError(err);
  const own = (error as { httpStatus?: unknown }).httpStatus;
  const httpStatus = typeof own === 'number' ? own : (httpStatusOf[error.status] ?? 500);
  const retryMs = (error as { retryAfterMs?: unknown }).retryAfterMs;
  const retryAfterSeconds = typeof retryMs === 'number' ? Math.max(1, Math.ceil(retryMs / 1000))
    : (error.status === StatusCode.RateLimited ? 1 : undefined);
  return { httpStatus, error, retryAfterSeconds };
}
