import { CorruptionError, InvalidArgumentsError, StorageError, RegionNotFoundError } from '@strata/kernel';

/**
 * Errors engine-lsm raises. They are the kernel's StrataError subclasses, so
 * their codes are the stable ones in docs/errors.md:
 * - REGION_NOT_FOUND: the region is not open on this engine.
 * - INVALID_ARGUMENTS: a write or alter does not fit the region schema.
 * - STORAGE_UNAVAILABLE: the WAL or object store failed (cause kept).
 * - DATA_CORRUPTED: a manifest, index or SST failed a check when read back.
 */
export { CorruptionError, InvalidArgumentsError, StorageError, RegionNotFoundError };

/** Wraps a failure of the WAL or the object store, keeping the cause. */
export function storageFailure(what: string, cause: unknown): StorageError {
  const msg = cause instanceof Error ? cause.message : String(cause);
  return new StorageError(`engine-lsm: ${what}: ${msg}`, { cause });
}
