import type * as arrow from 'apache-arrow';
import type { DataType } from '../../data/data-types.js';
import { CastError } from '../../errors/errors.js';
import { columnFromArrow, columnFromValues, columnToArrow, valueAt } from './column.js';
import { castColumn } from './expression-evaluator.js';

/** How `castVector` and `castScalar` treat a value the target type cannot hold. */
export interface CastOptions {
  /** Zone of text timestamps without an offset (and of timestamps written as text); default UTC. */
  readonly timezone?: string;
  /**
   * `'throw'` (the default): a CastError (`CAST_FAILED`, 3001), as `CAST(x AS t)` fails.
   * `'null'`: that value becomes NULL, as `TRY_CAST` gives it and as GreptimeDB's
   * compat reader reads rows written before `MODIFY COLUMN` (Arrow's safe cast).
   */
  readonly onError?: 'throw' | 'null';
}

/**
 * `vector` as type `to`, value by value exactly as SQL `CAST` (or, with
 * `onError: 'null'`, `TRY_CAST`) converts it: the one conversion, so that
 * everything that changes a value's type (a query's CAST, a storage engine
 * reading rows written before `ALTER TABLE ... MODIFY COLUMN`) agrees. Text
 * reads as Arrow parses it (`' 12 '` is 12, `'inf'`/`'-Infinity'`/`'NaN'` are
 * floats, `'1.5'` is no integer, `'0x10'` no number); numbers out of the
 * target's range fail rather than wrap; timestamps keep their instant across
 * units. A vector already of type `to` comes back unchanged.
 *
 * @example
 * const v = arrow.vectorFromArray(['inf', ' 12 ', 'abc'], new arrow.Utf8());
 * castVector(v, { name: 'Float64' }, { onError: 'null' }).toArray() // [Infinity, 12, null]
 * castVector(v, { name: 'Float64' })                                // throws CastError (3001)
 */
export function castVector(vector: arrow.Vector, to: DataType, options: CastOptions = {}): arrow.Vector {
  const from = columnFromArrow(vector);
  const out = castColumn(from, to, options.timezone ?? 'UTC', options.onError === 'null');
  return out === from ? vector : columnToArrow(out);
}

/**
 * One value as type `to`, as `castVector` converts a vector's values. Values
 * are in the executor's representation (bigints for 64-bit integers and
 * timestamps in their unit, days for dates, unscaled bigints for decimals).
 *
 * @example
 * castScalar('-Infinity', { name: 'String' }, { name: 'Float64' })                     // -Infinity
 * castScalar('abc', { name: 'String' }, { name: 'Int32' }, { onError: 'null' })        // null
 */
export function castScalar(value: unknown, from: DataType, to: DataType, options: CastOptions = {}): unknown {
  let col;
  try {
    col = columnFromValues(from, [value]);
  } catch (err) {
    // Not a value of `from` at all: as CAST would fail on it.
    if (options.onError === 'null') return null;
    throw new CastError(`Can't read ${String(value)} as a value of type ${from.name}`, { cause: err });
  }
  return valueAt(castColumn(col, to, options.timezone ?? 'UTC', options.onError === 'null'), 0);
}
