import { ResourcesExhaustedError, StatusCode, toStrataError, type StrataError } from '@strata/kernel';

export { ResourcesExhaustedError, toStrataError };

/**
 * The one line an error is answered with: `ERR <status> <CODE> <message>`.
 * `status` is the GreptimeDB number (4001 = table not found), `CODE` the
 * stable Strata code; the message is flattened to one line so it cannot
 * break the framing.
 */
export function errorLine(err: unknown): string {
  const e: StrataError = toStrataError(err);
  return `ERR ${e.status} ${e.code} ${e.message.replace(/[\r\n]+/g, ' ')}`;
}

/** A request line longer than `maxLineBytes`. */
export function lineTooLong(limit: number): StrataError {
  return new ResourcesExhaustedError(`request line longer than maxLineBytes (${limit} bytes); it was skipped`);
}

/** A result with more rows than `maxResultRows`. */
export function tooManyRows(limit: number): StrataError {
  return new ResourcesExhaustedError(`result has more than maxResultRows (${limit}) rows; add a LIMIT`);
}

/** The server is at `maxConnections`. */
export function tooManyConnections(limit: number): string {
  return `ERR ${StatusCode.RuntimeResourcesExhausted} RESOURCES_EXHAUSTED too many connections (maxConnections ${limit})`;
}
