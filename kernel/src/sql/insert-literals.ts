// INSERT ... VALUES conversion of plain literals, GreptimeDB's way.
//
// GreptimeDB runs an INSERT whose every VALUES item is a plain literal (a number, +/- a number,
// a string, X'..', TRUE/FALSE, NULL, DEFAULT, a placeholder, or a "double-quoted" word) without
// the query engine: each literal is converted for its column by `sql_value_to_value`, with
// rules stricter than CAST. Any other item (`now()`, `1 + 2`, `DATE '2024-01-01'`,
// `'1h'::INTERVAL`) sends the whole statement through the query engine, where every value is
// CAST to its column's type (DataFusion's VALUES with the table schema). Strata keeps both
// behaviours, and decides between them per statement as GreptimeDB does.
//
//   literal          | column                      | result
//   -----------------+-----------------------------+------------------------------------------
//   number           | integer                     | exact integer text only, in range
//   number           | float                       | parsed (out of Float32 range -> inf)
//   number           | timestamp                   | raw value in the column's unit
//   number           | DECIMAL(p, s)               | rounded half away from zero to s, must fit p
//   number           | BOOLEAN                     | 0 or 1 only
//   number           | STRING, DATE, BINARY, ...   | error (2000): quote it
//   'text'           | STRING / BINARY             | as is / its UTF-8 bytes
//   'text'           | TIMESTAMP / DATE            | parsed; zoneless text in the session time zone;
//                    |                             | integer text is the raw value in the unit
//   'text'           | DECIMAL                     | parsed as for a number
//   'text'           | number / BOOLEAN            | error (1004), but parsed on MySQL connections
//   'text'           | INTERVAL                    | error (2000): write INTERVAL '...'
//   TRUE / FALSE     | BOOLEAN only                | else error (1004)
//   X'0A0B' / 0x0A0B | BINARY (STRING if UTF-8)    | else error (1004)
import { dataTypeDisplayName, isFloat, isInteger, isTimestamp, timestampUnitsPerSecond, type ColumnSchema, type DataType } from '../data/data-types.js';
import { InvalidArgumentsError, StrataError, SyntaxError } from '../errors/errors.js';
import type * as ast from './ast.js';
import { checkPrecision, parseDecimal, formatDecimal } from './exec/decimal.js';
import { castValue } from './exec/expression-evaluator.js';
import { hexBytes } from './parser/grammar-support.js';

const STR: DataType = { name: 'String' };

/** Where a literal goes, for conversion and error messages. */
export interface InsertLiteralTarget {
  readonly column: ColumnSchema;
  /** 1-based row of the VALUES list. */
  readonly row: number;
  /** The session time zone: zoneless timestamp text is read in it. */
  readonly timezone: string;
  /** MySQL connections parse quoted numbers and booleans for number/BOOLEAN columns (GreptimeDB's auto_string_to_numeric). */
  readonly parseQuotedNumbers: boolean;
}

/**
 * Whether `e` is a plain literal in GreptimeDB's sense (its `can_extract_values`). `sql` is the
 * text the spans index: a parenthesized literal, `(5)`, is an expression there, and a
 * double-quoted word is a string only when written with `"`.
 */
export function isPlainInsertLiteral(e: ast.Expr, sql: string): boolean {
  if (sql[e.span.start] === '(') return false;
  switch (e.kind) {
    case 'NumberLiteral': case 'StringLiteral': case 'BinaryLiteral': case 'BooleanLiteral':
    case 'NullLiteral': case 'DefaultValue': case 'Placeholder':
      return true;
    case 'UnaryExpr':
      return (e.op === '-' || e.op === '+') && e.operand.kind === 'NumberLiteral' && sql[e.operand.span.start] !== '(';
    case 'ColumnRef':
      return isDoubleQuotedWord(e, sql);
    default:
      return false;
  }
}

/** `"abc"` in VALUES: GreptimeDB reads a double-quoted identifier there as the string 'abc'. */
function isDoubleQuotedWord(e: ast.ColumnRef, sql: string): boolean {
  return e.quoted && e.table === undefined && sql[e.span.start] === '"';
}

/**
 * Converts a plain literal (isPlainInsertLiteral, but not DEFAULT or a placeholder, which the
 * caller handles) to the executor's value for `target.column`. Errors are typed and name the
 * column and row: SyntaxError (2000) for a value that does not parse as the column's type,
 * InvalidArgumentsError (1004) for a literal of the wrong kind or a value out of range.
 */
export function convertInsertLiteral(e: ast.Expr, sql: string, target: InsertLiteralTarget): unknown {
  switch (e.kind) {
    case 'NullLiteral': return null;
    case 'NumberLiteral': return numberToColumn(e.text, target);
    case 'UnaryExpr': {
      const text = (e.operand as ast.NumberLiteral).text;
      return numberToColumn(e.op === '-' ? `-${text}` : text, target);
    }
    case 'StringLiteral': return stringToColumn(e.value, target);
    case 'ColumnRef': return stringToColumn(e.name, target);
    case 'BooleanLiteral': {
      if (target.column.type.name !== 'Boolean') throw mismatch(target, `the boolean ${e.value ? 'TRUE' : 'FALSE'}`);
      return e.value;
    }
    case 'BinaryLiteral': return binaryToColumn(e.hex, target);
    default:
      throw new InvalidArgumentsError(`${where(target)}: ${e.kind} is not a plain literal`);
  }
}

function where(t: InsertLiteralTarget): string {
  return `column ${t.column.name} (row ${t.row})`;
}

function typeName(t: InsertLiteralTarget): string {
  return dataTypeDisplayName(t.column.type);
}

/** GreptimeDB's ParseSqlValue (status 2000): the literal does not parse as the column's type. */
function parseFailure(t: InsertLiteralTarget, detail: string, cause?: unknown): SyntaxError {
  return new SyntaxError(`Failed to parse value for ${where(t)}: ${detail}`, undefined, undefined, cause === undefined ? undefined : { cause });
}

/** GreptimeDB's ColumnTypeMismatch (status 1004): a literal of a kind the column does not take. */
function mismatch(t: InsertLiteralTarget, what: string, hint = ''): InvalidArgumentsError {
  return new InvalidArgumentsError(`${where(t)} is ${typeName(t)} and cannot take ${what}${hint}`);
}

function outOfRange(t: InsertLiteralTarget, text: string, range: string): InvalidArgumentsError {
  return new InvalidArgumentsError(`${where(t)}: ${text} is out of range for ${typeName(t)} (${range})`);
}

const INT_BOUNDS: Record<string, [bigint, bigint]> = {
  Int8: [-128n, 127n], Int16: [-32768n, 32767n], Int32: [-2147483648n, 2147483647n], Int64: [-(1n << 63n), (1n << 63n) - 1n],
  UInt8: [0n, 255n], UInt16: [0n, 65535n], UInt32: [0n, 4294967295n], UInt64: [0n, (1n << 64n) - 1n],
};

/** Integer text as Rust's `str::parse::<iN>` reads it: an optional sign and digits, nothing else. */
const INTEGER_TEXT = /^[+-]?\d+$/;
/** Float text as Rust's `str::parse::<f64>` reads it (what GreptimeDB uses). */
const FLOAT_TEXT = /^[+-]?(?:inf|infinity|nan|(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)$/i;

/** Timestamps chrono can represent (GreptimeDB's Timestamp::is_overflow), in seconds. */
const TIMESTAMP_MIN_SECONDS = -8334601228800n; // -262143-01-01T00:00:00
const TIMESTAMP_MAX_SECONDS = 8210266876799n; // +262142-12-31T23:59:59

function integerValue(text: string, t: InsertLiteralTarget): number | bigint {
  const [lo, hi] = INT_BOUNDS[t.column.type.name]!;
  const v = BigInt(text);
  if (v < lo || v > hi || (lo === 0n && text.startsWith('-'))) throw outOfRange(t, text, `${lo} to ${hi}`);
  return t.column.type.name === 'Int64' || t.column.type.name === 'UInt64' ? v : Number(v);
}

function floatValue(text: string, t: InsertLiteralTarget): number {
  const m = /^([+-]?)(inf|infinity|nan)$/i.exec(text);
  const x = m ? (m[2]!.toLowerCase() === 'nan' ? NaN : m[1] === '-' ? -Infinity : Infinity) : Number(text);
  return t.column.type.name === 'Float32' ? Math.fround(x) : x;
}

function timestampValue(raw: bigint, text: string, t: InsertLiteralTarget): bigint {
  const per = timestampUnitsPerSecond(t.column.type.name);
  const seconds = raw / per;
  if (seconds < TIMESTAMP_MIN_SECONDS || seconds > TIMESTAMP_MAX_SECONDS) {
    throw new InvalidArgumentsError(`${where(t)}: timestamp ${text} overflows ${typeName(t)} (years -262143 to 262142)`);
  }
  return raw;
}

function decimalValue(text: string, t: InsertLiteralTarget, quoted: boolean): bigint {
  const scale = t.column.type.scale ?? 0;
  const precision = t.column.type.precision ?? 38;
  const v = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/.test(text) ? parseDecimal(text, scale) : undefined;
  if (v === undefined) throw parseFailure(t, `${quoted ? `'${text}'` : text} is not a valid ${typeName(t)}`);
  try {
    return checkPrecision(v, precision);
  } catch (err) {
    throw new InvalidArgumentsError(`${where(t)}: ${quoted ? `'${text}'` : text} rounds to ${formatDecimal(v, scale)}, which does not fit ${typeName(t)} (at most ${precision - scale} digits before the point)`, { cause: err });
  }
}

function numberToColumn(text: string, t: InsertLiteralTarget): unknown {
  const type = t.column.type;
  if (isInteger(type)) {
    if (!INTEGER_TEXT.test(text)) throw parseFailure(t, `${text} is not an integer, and ${typeName(t)} takes integers only`);
    return integerValue(text, t);
  }
  if (isFloat(type)) {
    if (!FLOAT_TEXT.test(text)) throw parseFailure(t, `${text} is not a number`);
    return floatValue(text, t);
  }
  if (isTimestamp(type)) {
    if (!INTEGER_TEXT.test(text)) throw parseFailure(t, `${text} is not an integer count of ${type.name.slice('Timestamp'.length).toLowerCase()}s since the epoch`);
    return timestampValue(BigInt(text), text, t);
  }
  switch (type.name) {
    case 'Decimal128': return decimalValue(text, t, false);
    // MySQL clients send 0 and 1 for booleans (GreptimeDB accepts exactly these).
    case 'Boolean':
      if (text === '0') return false;
      if (text === '1') return true;
      throw parseFailure(t, `the number ${text} cannot be written into ${typeName(t)} column ${t.column.name} (only 0 and 1 can; or write TRUE/FALSE)`);
    default:
      throw parseFailure(t, `the number ${text} cannot be written into ${typeName(t)} column ${t.column.name}${type.name === 'String' ? ` (quote it: '${text}')` : ''}`);
  }
}

function stringToColumn(s: string, t: InsertLiteralTarget): unknown {
  const type = t.column.type;
  const numeric = isInteger(type) || isFloat(type) || type.name === 'Boolean';
  if (numeric) {
    if (!t.parseQuotedNumbers) throw mismatch(t, `the string '${s}'`, type.name === 'Boolean' ? ' (write TRUE or FALSE)' : ' (write the number without quotes)');
    // MySQL connections: parsed as Rust's str::parse reads it (no spaces, 'true'/'false' exactly).
    if (type.name === 'Boolean') {
      if (s === 'true' || s === 'false') return s === 'true';
    } else if (isInteger(type) ? INTEGER_TEXT.test(s) : FLOAT_TEXT.test(s)) {
      return isInteger(type) ? integerValue(s, t) : floatValue(s, t);
    }
    throw new InvalidArgumentsError(`${where(t)}: unable to convert '${s}' to ${typeName(t)}`);
  }
  if (isTimestamp(type)) {
    if (INTEGER_TEXT.test(s)) return timestampValue(BigInt(s), `'${s}'`, t);
    try {
      return castValue(s, STR, type, t.timezone);
    } catch (err) {
      throw parseFailure(t, `'${s}' is not a valid ${typeName(t)}${err instanceof StrataError ? ` (${err.message})` : ''}`, err);
    }
  }
  switch (type.name) {
    case 'String': return s;
    case 'Binary': return new Uint8Array(Buffer.from(s, 'utf8'));
    case 'Decimal128': return decimalValue(s, t, true);
    case 'Date':
      try {
        return castValue(s, STR, type, t.timezone);
      } catch (err) {
        throw parseFailure(t, `'${s}' is not a valid Date${err instanceof StrataError ? ` (${err.message})` : ''}`, err);
      }
    case 'IntervalMonthDayNano':
      throw parseFailure(t, `'${s}' cannot be written into ${typeName(t)} column ${t.column.name} as text (write INTERVAL '${s}')`);
    default:
      throw parseFailure(t, `'${s}' cannot be written into ${typeName(t)} column ${t.column.name}`);
  }
}

function binaryToColumn(hex: string, t: InsertLiteralTarget): unknown {
  let bytes: Uint8Array;
  try { bytes = hexBytes(hex); } catch (err) {
    throw parseFailure(t, err instanceof Error ? err.message : String(err), err);
  }
  if (t.column.type.name === 'Binary') return bytes;
  if (t.column.type.name === 'String') {
    try { return new TextDecoder('utf-8', { fatal: true }).decode(bytes); } catch (err) {
      throw new InvalidArgumentsError(`${where(t)}: X'${hex}' is not valid UTF-8 text for ${typeName(t)}`, { cause: err });
    }
  }
  throw mismatch(t, `the binary literal X'${hex}'`);
}
