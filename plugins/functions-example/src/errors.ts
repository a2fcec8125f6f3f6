import { InvalidArgumentsError } from '@strata/kernel';

export { InvalidArgumentsError };

/** `lo > hi` in a clip call: the caller's input is wrong (status 1004, code INVALID_ARGUMENTS). */
export function badBounds(row: number, lo: number, hi: number): InvalidArgumentsError {
  return new InvalidArgumentsError(`lower bound ${lo} is greater than upper bound ${hi} (row ${row + 1})`);
}

/** An ema smoothing factor outside (0, 1]. */
export function badAlpha(alpha: number): InvalidArgumentsError {
  return new InvalidArgumentsError(`alpha must be in (0, 1], got ${alpha}`);
}
