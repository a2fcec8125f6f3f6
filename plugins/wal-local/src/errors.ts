import { CorruptionError, IllegalStateError, InternalError, InvalidArgumentsError, ResourcesExhaustedError, StorageError, type StrataError } from '@strata/kernel';

export { CorruptionError, IllegalStateError, InternalError, InvalidArgumentsError, ResourcesExhaustedError, StorageError };

/** The errno code of a Node fs error, if any. */
export function errnoOf(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string'
    ? (err as { code: string }).code : undefined;
}

/**
 * Wraps a failed write or fsync. After one, the WAL cannot know what reached
 * the disk (a failed fsync may have dropped dirty pages), so it refuses
 * further appends until it is reopened and the tail re-validated.
 */
export function walWriteError(what: string, err: unknown): StrataError {
  if (err instanceof InternalError) return err;
  const why = err instanceof Error ? err.message : String(err);
  const code = errnoOf(err);
  const msg = `wal-local: ${what} failed: ${why}; the WAL refuses appends until it is reopened`;
  if (code === 'ENOSPC' || code === 'EDQUOT') return new ResourcesExhaustedError(`${msg} (disk full)`, { cause: err });
  return new StorageError(msg, { cause: err });
}
