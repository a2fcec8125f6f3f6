import { CorruptionError, InvalidArgumentsError, StorageError, StrataError } from '@strata/kernel';

export { CorruptionError, InvalidArgumentsError, StorageError };

/** A file-system failure of the log as STORAGE_UNAVAILABLE, with the original error kept as `cause`. */
export function walIoError(op: string, region: string, err: unknown): StrataError {
  if (err instanceof StrataError) return err;
  return new StorageError(`__NAME__: ${op} of region ${region} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

/** A bad record before the last segment's end: not a torn tail, so it is not silently cut. */
export function corruptSegment(file: string, offset: number, why: string): CorruptionError {
  return new CorruptionError(`__NAME__: ${file} at byte ${offset}: ${why}; entries after it cannot be trusted`);
}

/** A payload over `payloadBytesMax`. */
export function payloadTooLarge(bytes: number, limit: number): InvalidArgumentsError {
  return new InvalidArgumentsError(`__NAME__: entry of ${bytes} bytes is over payloadBytesMax (${limit})`);
}

/** A region id that is not a safe directory name. */
export function badRegionId(region: string): InvalidArgumentsError {
  return new InvalidArgumentsError(`__NAME__: region id ${JSON.stringify(region)} must match [A-Za-z0-9_.-]+`);
}
