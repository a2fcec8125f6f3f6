import { InvalidArgumentsError, ResourcesExhaustedError, SyntaxError as StrataSyntaxError } from '@strata/kernel';

export { InvalidArgumentsError, ResourcesExhaustedError, StrataSyntaxError };

/** A script that does not parse: INVALID_SYNTAX with the 1-based line and column. */
export function scriptSyntaxError(script: string, line: number, column: number, why: string): StrataSyntaxError {
  return new StrataSyntaxError(`__NAME__ script '${script}' line ${line}, column ${column}: ${why}`, line, column);
}

/** A run the script cannot do with what it was given (missing column or parameter, no input). */
export function scriptInputError(script: string, why: string): InvalidArgumentsError {
  return new InvalidArgumentsError(`__NAME__ script '${script}': ${why}`);
}

/** More input rows than `maxRows`. */
export function tooManyRows(script: string, rows: number, limit: number): ResourcesExhaustedError {
  return new ResourcesExhaustedError(`__NAME__ script '${script}': ${rows} input rows, over maxRows (${limit})`);
}
