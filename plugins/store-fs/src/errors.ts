import { InvalidArgumentsError, ObjectNotFoundError, ResourcesExhaustedError, StorageError, type StrataError } from '@strata/kernel';

export { InvalidArgumentsError, ObjectNotFoundError, ResourcesExhaustedError, StorageError };

/** The errno code of a Node fs error, if any. */
export function errnoOf(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string'
    ? (err as { code: string }).code : undefined;
}

/**
 * Wraps a file-system failure in the StrataError a caller can act on: a full
 * disk is a resource problem (the operator frees space), anything else is the
 * storage layer being unavailable. The original error is kept as `cause`.
 */
export function fsError(op: string, key: string, err: unknown): StrataError {
  const code = errnoOf(err);
  const why = err instanceof Error ? err.message : String(err);
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new ResourcesExhaustedError(`store-fs: ${op} '${key}' failed: disk full (${why})`, { cause: err });
  }
  return new StorageError(`store-fs: ${op} '${key}' failed: ${why}`, { cause: err });
}
