import { InvalidArgumentsError, ObjectNotFoundError, StorageError, type StrataError } from '@strata/kernel';

export { InvalidArgumentsError, ObjectNotFoundError, StorageError };

/** What one failed S3 request means to the retry loop and to metrics. */
export interface S3Failure {
  /** The metrics label: the HTTP status ('503'), or 'timeout' / 'network'. */
  readonly status: string;
  readonly retryable: boolean;
  readonly httpStatus?: number;
  /** The S3 error code ('NoSuchKey', 'SlowDown', ...) or the Node error code ('ECONNREFUSED'). */
  readonly code?: string;
}

/** Marks an attempt that our own per-request timer aborted. */
export class AttemptTimeoutError extends Error {
  constructor(readonly op: string, readonly timeoutMs: number) {
    super(`${op}: no answer within ${timeoutMs} ms`);
    this.name = 'AttemptTimeoutError';
  }
}

const RETRYABLE_S3_CODES = new Set([
  'SlowDown', 'InternalError', 'ServiceUnavailable', 'RequestTimeout', 'RequestTimeTooSkewed',
  'Throttling', 'ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded', 'BadDigest',
]);
const RETRYABLE_NODE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND', 'EHOSTUNREACH',
  'ENETUNREACH', 'ECONNABORTED', 'UND_ERR_SOCKET', 'ERR_STREAM_PREMATURE_CLOSE',
]);

function field(err: unknown, name: string): unknown {
  return typeof err === 'object' && err !== null ? (err as Record<string, unknown>)[name] : undefined;
}

/**
 * Classifies anything a request threw. S3 errors carry `$metadata.httpStatusCode`
 * and a `name` such as 'NoSuchKey'; network failures a Node `code`; a request
 * we timed out is an AttemptTimeoutError (or the SDK's AbortError).
 */
export function classifyS3Error(err: unknown): S3Failure {
  if (err instanceof AttemptTimeoutError) return { status: 'timeout', retryable: true, code: 'Timeout' };
  const name = typeof field(err, 'name') === 'string' ? field(err, 'name') as string : undefined;
  const nodeCode = typeof field(err, 'code') === 'string' ? field(err, 'code') as string : undefined;
  // The SDK names some socket errors 'TimeoutError' (ECONNRESET, ...): the errno says what happened.
  if (nodeCode !== undefined && RETRYABLE_NODE_CODES.has(nodeCode) && nodeCode !== 'ETIMEDOUT') {
    return { status: 'network', retryable: true, code: nodeCode };
  }
  if (name === 'TimeoutError' || name === 'AbortError' || nodeCode === 'ETIMEDOUT') return { status: 'timeout', retryable: true, code: name ?? nodeCode };
  const meta = field(err, '$metadata') as { httpStatusCode?: number } | undefined;
  const http = typeof meta?.httpStatusCode === 'number' ? meta.httpStatusCode : undefined;
  const s3code = typeof field(err, 'Code') === 'string' ? field(err, 'Code') as string : name;
  if (http !== undefined) {
    // 501 NotImplemented is an answer (the service lacks the API), not a transient fault.
    const retryable = (http >= 500 && http !== 501) || http === 429 || (s3code !== undefined && RETRYABLE_S3_CODES.has(s3code));
    return { status: String(http), retryable, httpStatus: http, code: s3code };
  }
  if (nodeCode !== undefined) return { status: 'network', retryable: RETRYABLE_NODE_CODES.has(nodeCode) || nodeCode.startsWith('E'), code: nodeCode };
  // The SDK flags transient faults it recognised (e.g. a truncated XML body).
  if (field(err, '$retryable') !== undefined || field(err, '$fault') === 'server') return { status: 'error', retryable: true, code: s3code };
  // Errors thrown while reading a response body (socket closed mid-stream).
  const message = err instanceof Error ? err.message : String(err);
  if (/socket hang up|aborted|premature close|ECONNRESET|terminated/i.test(message)) return { status: 'network', retryable: true, code: 'Network' };
  return { status: 'error', retryable: false, code: s3code };
}

/** True for "this key or upload does not exist" answers. */
export function isNotFound(err: unknown): boolean {
  const f = classifyS3Error(err);
  return f.httpStatus === 404 || f.code === 'NoSuchKey' || f.code === 'NotFound';
}

/** True when the service does not implement the request (GCS has no DeleteObjects, for one). */
export function isNotImplemented(err: unknown): boolean {
  const f = classifyS3Error(err);
  return f.httpStatus === 501 || f.code === 'NotImplemented';
}

/**
 * Wraps a failed S3 request in the StrataError a caller can act on, naming
 * the operation, the bucket/key and how many tries were made; the original
 * SDK or network error is kept as `cause`.
 */
export function s3Error(op: string, where: string, err: unknown, attempts: number): StrataError {
  const f = classifyS3Error(err);
  const why = err instanceof Error ? err.message : String(err);
  let hint = '';
  if (f.httpStatus === 403 || f.code === 'AccessDenied' || f.code === 'InvalidAccessKeyId' || f.code === 'SignatureDoesNotMatch') {
    hint = ' (check the credentials and the bucket policy)';
  } else if (f.code === 'NoSuchBucket') {
    hint = ' (the bucket does not exist: create it or set createBucket)';
  } else if (f.status === 'network') {
    hint = ' (the S3 endpoint is unreachable)';
  }
  const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
  return new StorageError(`store-s3: ${op} '${where}' failed${tries}: ${f.code && !why.includes(f.code) ? `${f.code}: ` : ''}${why}${hint}`, { cause: err });
}
