import { CorruptionError, InvalidArgumentsError } from '@strata/kernel';

export { CorruptionError, InvalidArgumentsError };

/** `lo > hi` in a clamp call: the caller's input is wrong (status 1004, code INVALID_ARGUMENTS). */
export function badBounds(fn: string, row: number, lo: number, hi: number): InvalidArgumentsError {
  return new InvalidArgumentsError(`${fn}: lower bound ${lo} is greater than upper bound ${hi} (row ${row + 1})`);
}

/** A serialized partial state that does not have the expected size. */
export function badState(fn: string, bytes: number, expected: number): CorruptionError {
  return new CorruptionError(`${fn}: partial state has ${bytes} bytes, expected ${expected}`);
}
