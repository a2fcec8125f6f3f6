import { InvalidArgumentsError, ObjectNotFoundError, ResourcesExhaustedError, StorageError, type StrataError } from '@strata/kernel';

export { InvalidArgumentsError, ObjectNotFoundError, ResourcesExhaustedError, StorageError };

/** The errno code of a Node fs error, if any. */
export function errnoOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * A file-system failure as the StrataError a caller can act on: a missing
 * object is OBJECT_NOT_FOUND, a full disk RESOURCES_EXHAUSTED (free space),
 * anything else STORAGE_UNAVAILABLE. The original error stays as `cause`.
 */
export function fsError(op: string, key: string, err: unknown): StrataError {
  const code = errnoOf(err);
  if (code === 'ENOENT') return new ObjectNotFoundError(key, { cause: err });
  const why = err instanceof Error ? err.message : String(err);
  if (code === 'ENOSPC' || code === 'EDQUOT') return new ResourcesExhaustedError(`__NAME__: ${op} '${key}': disk full (${why})`, { cause: err });
  return new StorageError(`__NAME__: ${op} '${key}' failed: ${why}`, { cause: err });
}

/** A key that could escape the root or alias another key. */
export function badKey(key: string, why: string): InvalidArgumentsError {
  return new InvalidArgumentsError(`__NAME__: invalid object key ${JSON.stringify(key)}: ${why}`);
}
