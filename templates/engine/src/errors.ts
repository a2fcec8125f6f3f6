import { CorruptionError, IllegalStateError, RegionNotFoundError, ResourcesExhaustedError } from '@strata/kernel';

export { CorruptionError, IllegalStateError, RegionNotFoundError, ResourcesExhaustedError };

/** The region would hold more rows than `regionRowsMax`. */
export function regionFull(region: string, rows: number, limit: number): ResourcesExhaustedError {
  return new ResourcesExhaustedError(`__NAME__: region ${region} would hold ${rows} rows, over regionRowsMax (${limit}); raise it or use engine-lsm`);
}

/** A snapshot that fails its invariants when read back. */
export function badSnapshot(key: string, why: string, cause?: unknown): CorruptionError {
  return new CorruptionError(`__NAME__: snapshot ${key}: ${why}`, { cause });
}

/** An operation on a region that is not open. */
export function notOpen(region: string): RegionNotFoundError {
  return new RegionNotFoundError(region);
}
