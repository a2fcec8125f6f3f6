import type { DataType, DataTypeName } from '../../data/data-types.js';
import { PlanError } from '../../errors/errors.js';
import type { TypeName } from '../ast.js';

// GreptimeDB's SQL type names and aliases -> kernel DataType names. Keys are
// upper-case; multi-word names are joined by one space.
const SIMPLE: ReadonlyMap<string, DataTypeName> = new Map<string, DataTypeName>([
  ['BOOLEAN', 'Boolean'], ['BOOL', 'Boolean'],
  ['TINYINT', 'Int8'], ['SMALLINT', 'Int16'], ['INT', 'Int32'], ['INTEGER', 'Int32'], ['MEDIUMINT', 'Int32'], ['BIGINT', 'Int64'],
  ['INT8', 'Int8'], ['INT16', 'Int16'], ['INT32', 'Int32'], ['INT64', 'Int64'],
  ['UINT8', 'UInt8'], ['UINT16', 'UInt16'], ['UINT32', 'UInt32'], ['UINT64', 'UInt64'],
  ['FLOAT', 'Float32'], ['FLOAT32', 'Float32'], ['REAL', 'Float32'], ['FLOAT4', 'Float32'],
  ['DOUBLE', 'Float64'], ['FLOAT64', 'Float64'], ['DOUBLE PRECISION', 'Float64'], ['FLOAT8', 'Float64'],
  ['STRING', 'String'], ['TEXT', 'String'], ['VARCHAR', 'String'], ['CHAR', 'String'], ['CHARACTER', 'String'],
  ['CHARACTER VARYING', 'String'], ['TINYTEXT', 'String'], ['MEDIUMTEXT', 'String'], ['LONGTEXT', 'String'], ['JSON', 'String'],
  ['BINARY', 'Binary'], ['VARBINARY', 'Binary'], ['BYTEA', 'Binary'], ['BLOB', 'Binary'], ['TINYBLOB', 'Binary'],
  ['MEDIUMBLOB', 'Binary'], ['LONGBLOB', 'Binary'],
  ['DATE', 'Date'],
  ['DATETIME', 'TimestampMicrosecond'],
  ['TIMESTAMP_S', 'TimestampSecond'], ['TIMESTAMP_SEC', 'TimestampSecond'], ['TIMESTAMPSECOND', 'TimestampSecond'],
  ['TIMESTAMP_MS', 'TimestampMillisecond'], ['TIMESTAMPMILLISECOND', 'TimestampMillisecond'],
  ['TIMESTAMP_US', 'TimestampMicrosecond'], ['TIMESTAMPMICROSECOND', 'TimestampMicrosecond'],
  ['TIMESTAMP_NS', 'TimestampNanosecond'], ['TIMESTAMPNANOSECOND', 'TimestampNanosecond'],
  ['INTERVAL', 'IntervalMonthDayNano'],
  // PostgreSQL's object identifiers and identifier strings (pg_catalog columns: oid is Int32 there, as in GreptimeDB).
  ['OID', 'Int32'], ['NAME', 'String'],
]);

const UNSIGNED: ReadonlyMap<string, DataTypeName> = new Map<string, DataTypeName>([
  ['TINYINT', 'UInt8'], ['SMALLINT', 'UInt16'], ['INT', 'UInt32'], ['INTEGER', 'UInt32'], ['MEDIUMINT', 'UInt32'], ['BIGINT', 'UInt64'],
  ['INT8', 'UInt8'], ['INT16', 'UInt16'], ['INT32', 'UInt32'], ['INT64', 'UInt64'],
]);

/** Names the parser accepts but toDataType does not map (no kernel type yet). */
const PARSE_ONLY: ReadonlySet<string> = new Set(['TIME', 'REGCLASS']); // REGCLASS: a cast the binder answers (PostgreSQL's relation lookup)

/** True for every type name (upper-case, as TypeName.name) the parser accepts. */
export function isKnownTypeName(name: string): boolean {
  return SIMPLE.has(name) || name === 'TIMESTAMP' || name === 'DECIMAL' || name === 'NUMERIC' || PARSE_ONLY.has(name);
}

/** Default DECIMAL precision and scale when not written (DataFusion's). */
export const DEFAULT_DECIMAL_PRECISION = 38;
export const DEFAULT_DECIMAL_SCALE = 10;

/**
 * Maps a parsed type to the kernel DataType, following GreptimeDB:
 * TIMESTAMP = TimestampMillisecond; TIMESTAMP(0|3|6|9) = s|ms|us|ns;
 * DATETIME = TimestampMicrosecond; FLOAT = Float32, DOUBLE = Float64;
 * TEXT/VARCHAR(n)/CHAR/JSON = String; `INT UNSIGNED` = UInt32;
 * DECIMAL(p, s) = Decimal128 (default 38, 10). Throws PlanError for
 * types without a kernel equivalent (TIME) or bad arguments.
 *
 * @example
 * toDataType(typeNode) // { name: 'TimestampMillisecond' } for `TIMESTAMP(3)`
 */
export function toDataType(t: Pick<TypeName, 'name' | 'args' | 'unsigned'>): DataType {
  const name = t.name;
  if (name === 'DECIMAL' || name === 'NUMERIC') {
    const precision = t.args[0] ?? DEFAULT_DECIMAL_PRECISION;
    const scale = t.args[1] ?? (t.args.length === 1 ? 0 : DEFAULT_DECIMAL_SCALE);
    if (!Number.isInteger(precision) || precision < 1 || precision > 38) throw new PlanError(`DECIMAL precision must be 1..38, got ${precision}`);
    if (!Number.isInteger(scale) || scale < 0 || scale > precision) throw new PlanError(`DECIMAL scale must be 0..${precision}, got ${scale}`);
    return { name: 'Decimal128', precision, scale };
  }
  if (name === 'TIMESTAMP') {
    const p = t.args[0];
    if (p === undefined || p === 3) return { name: 'TimestampMillisecond' };
    if (p === 0) return { name: 'TimestampSecond' };
    if (p === 6) return { name: 'TimestampMicrosecond' };
    if (p === 9) return { name: 'TimestampNanosecond' };
    throw new PlanError(`TIMESTAMP precision must be 0, 3, 6 or 9, got ${p}`);
  }
  if (t.unsigned) {
    const u = UNSIGNED.get(name);
    if (u) return { name: u };
    throw new PlanError(`type ${name} cannot be UNSIGNED`);
  }
  const s = SIMPLE.get(name);
  if (s) return { name: s };
  throw new PlanError(`unsupported data type ${name}`);
}
