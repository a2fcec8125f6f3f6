import * as arrow from 'apache-arrow';
import { InvalidArgumentsError } from '../errors/errors.js';

/**
 * Column data types, named as GreptimeDB names them in its HTTP JSON output
 * (`column_schemas[].data_type`). Each maps to one Arrow type; data crosses
 * plugin interfaces as Arrow vectors of that type.
 */
export type DataTypeName =
  | 'Boolean'
  | 'Int8' | 'Int16' | 'Int32' | 'Int64'
  | 'UInt8' | 'UInt16' | 'UInt32' | 'UInt64'
  | 'Float32' | 'Float64'
  | 'String' | 'Binary'
  | 'Date'
  | 'TimestampSecond' | 'TimestampMillisecond' | 'TimestampMicrosecond' | 'TimestampNanosecond'
  | 'IntervalMonthDayNano'
  | 'Decimal128'
  | 'Null';

/** A data type; `precision`/`scale` only for Decimal128. */
export interface DataType {
  readonly name: DataTypeName;
  readonly precision?: number;
  readonly scale?: number;
}

export const TIMESTAMP_TYPES: ReadonlySet<DataTypeName> = new Set(['TimestampSecond', 'TimestampMillisecond', 'TimestampMicrosecond', 'TimestampNanosecond']);
const INTEGER_TYPES: ReadonlySet<DataTypeName> = new Set(['Int8', 'Int16', 'Int32', 'Int64', 'UInt8', 'UInt16', 'UInt32', 'UInt64']);

export function isTimestamp(t: DataType): boolean { return TIMESTAMP_TYPES.has(t.name); }
export function isInteger(t: DataType): boolean { return INTEGER_TYPES.has(t.name); }
export function isFloat(t: DataType): boolean { return t.name === 'Float32' || t.name === 'Float64'; }
export function isNumeric(t: DataType): boolean { return isInteger(t) || isFloat(t) || t.name === 'Decimal128'; }

/** Units per second of a timestamp type. */
export function timestampUnitsPerSecond(t: DataTypeName): bigint {
  switch (t) {
    case 'TimestampSecond': return 1n;
    case 'TimestampMillisecond': return 1_000n;
    case 'TimestampMicrosecond': return 1_000_000n;
    case 'TimestampNanosecond': return 1_000_000_000n;
    default: throw new InvalidArgumentsError(`${t} is not a timestamp type`);
  }
}

/** The Arrow type for a data type. Timestamps carry no time zone (UTC). */
export function toArrowType(t: DataType): arrow.DataType {
  switch (t.name) {
    case 'Boolean': return new arrow.Bool();
    case 'Int8': return new arrow.Int8();
    case 'Int16': return new arrow.Int16();
    case 'Int32': return new arrow.Int32();
    case 'Int64': return new arrow.Int64();
    case 'UInt8': return new arrow.Uint8();
    case 'UInt16': return new arrow.Uint16();
    case 'UInt32': return new arrow.Uint32();
    case 'UInt64': return new arrow.Uint64();
    case 'Float32': return new arrow.Float32();
    case 'Float64': return new arrow.Float64();
    case 'String': return new arrow.Utf8();
    case 'Binary': return new arrow.Binary();
    case 'Date': return new arrow.DateDay();
    case 'TimestampSecond': return new arrow.TimestampSecond();
    case 'TimestampMillisecond': return new arrow.TimestampMillisecond();
    case 'TimestampMicrosecond': return new arrow.TimestampMicrosecond();
    case 'TimestampNanosecond': return new arrow.TimestampNanosecond();
    case 'IntervalMonthDayNano': return new arrow.IntervalMonthDayNano();
    case 'Decimal128': return new arrow.Decimal(t.scale ?? 0, t.precision ?? 38, 128);
    case 'Null': return new arrow.Null();
  }
}

/** The data type for an Arrow type, or an error naming the unsupported type. */
export function fromArrowType(a: arrow.DataType): DataType {
  if (arrow.DataType.isDictionary(a)) return fromArrowType(a.dictionary);
  switch (a.typeId) {
    case arrow.Type.Bool: return { name: 'Boolean' };
    case arrow.Type.Int: {
      const i = a as arrow.Int;
      const n = `${i.isSigned ? 'Int' : 'UInt'}${i.bitWidth}` as DataTypeName;
      return { name: n };
    }
    case arrow.Type.Float: {
      const f = a as arrow.Float;
      if (f.precision === arrow.Precision.SINGLE) return { name: 'Float32' };
      if (f.precision === arrow.Precision.DOUBLE) return { name: 'Float64' };
      break;
    }
    case arrow.Type.Utf8: case arrow.Type.LargeUtf8: return { name: 'String' };
    case arrow.Type.Binary: case arrow.Type.LargeBinary: return { name: 'Binary' };
    case arrow.Type.Date: return { name: 'Date' };
    case arrow.Type.Timestamp: {
      const u = (a as arrow.Timestamp).unit;
      return { name: (['TimestampSecond', 'TimestampMillisecond', 'TimestampMicrosecond', 'TimestampNanosecond'] as const)[u]! };
    }
    case arrow.Type.Interval: return { name: 'IntervalMonthDayNano' };
    case arrow.Type.Decimal: { const d = a as arrow.Decimal; return { name: 'Decimal128', precision: d.precision, scale: d.scale }; }
    case arrow.Type.Null: return { name: 'Null' };
  }
  throw new InvalidArgumentsError(`unsupported Arrow type ${String(a)}`);
}

/** GreptimeDB's display name, e.g. `TimestampMillisecond` or `Decimal128(10, 2)`. */
export function dataTypeDisplayName(t: DataType): string {
  return t.name === 'Decimal128' ? `Decimal(${t.precision ?? 38}, ${t.scale ?? 0})` : t.name;
}

/** The role of a column in a time-series table. */
export type SemanticType = 'tag' | 'field' | 'timestamp';

/** One column of a table. */
export interface ColumnSchema {
  readonly name: string;
  readonly type: DataType;
  readonly semantic: SemanticType;
  readonly nullable: boolean;
  /** A constant default (already typed), or a function name such as `current_timestamp()`. */
  readonly default?: { readonly value?: unknown; readonly fn?: string };
  readonly comment?: string;
  /**
   * Secondary index options (GreptimeDB's `INVERTED INDEX`, `FULLTEXT INDEX`,
   * `SKIPPING INDEX` column options). Absent: none (catalogs written before
   * these were kept read as no indexes). They are schema facts shown by SHOW
   * CREATE TABLE and SHOW INDEX; index providers may read them to decide what
   * to build (see IndexProvider.appliesTo).
   */
  readonly indexes?: ColumnIndexOptions;
}

/** A column's secondary index options. */
export interface ColumnIndexOptions {
  /** `INVERTED INDEX`: a value -> rows index (no options). */
  readonly inverted?: boolean;
  /** `FULLTEXT INDEX [WITH (...)]`; kept with `enabled: false` after UNSET, as GreptimeDB keeps them. */
  readonly fulltext?: FulltextIndexOptions;
  /** `SKIPPING INDEX [WITH (...)]`: a bloom filter per granule of rows. */
  readonly skipping?: SkippingIndexOptions;
}

/** `FULLTEXT INDEX WITH (analyzer, case_sensitive, backend, granularity, false_positive_rate)`. */
export interface FulltextIndexOptions {
  readonly enabled: boolean;
  readonly analyzer: 'English' | 'Chinese';
  readonly caseSensitive: boolean;
  readonly backend: 'bloom' | 'tantivy';
  /** Rows per bloom filter (bloom backend). */
  readonly granularity: number;
  /** In (0, 1], kept to 1/10000 as GreptimeDB keeps it (bloom backend). */
  readonly falsePositiveRate: number;
}

/** `SKIPPING INDEX WITH (type, granularity, false_positive_rate)`. */
export interface SkippingIndexOptions {
  readonly type: 'BLOOM';
  /** Rows per bloom filter. */
  readonly granularity: number;
  /** In (0, 1], kept to 1/10000 as GreptimeDB keeps it. */
  readonly falsePositiveRate: number;
}

/** Table options, GreptimeDB's `WITH (...)` keys. */
export interface TableOptions {
  /** Time to live in milliseconds; rows older than now - ttl are dropped by compaction. */
  readonly ttlMs?: number;
  /** Keep duplicate (primary key, ts) rows instead of last-write-wins. */
  readonly appendMode?: boolean;
  /** Any other `WITH` keys, kept verbatim. */
  readonly extra?: Readonly<Record<string, string>>;
}

/**
 * The schema of a table: exactly one TIME INDEX column, zero or more
 * PRIMARY KEY (tag) columns that identify a series, and field columns.
 * `version` grows with every ALTER.
 */
export interface TableSchema {
  readonly columns: readonly ColumnSchema[];
  readonly timeIndex: string;
  readonly primaryKey: readonly string[];
  readonly options: TableOptions;
  readonly version: number;
}

/**
 * Checks the invariants of a table schema; throws InvalidArgumentsError
 * naming what is wrong.
 */
export function validateTableSchema(s: TableSchema, table = 'table'): void {
  const names = new Set<string>();
  for (const c of s.columns) {
    if (!c.name) throw new InvalidArgumentsError(`${table}: a column has an empty name`);
    if (names.has(c.name)) throw new InvalidArgumentsError(`${table}: duplicate column '${c.name}'`);
    names.add(c.name);
  }
  const ti = s.columns.find((c) => c.name === s.timeIndex);
  if (!ti) throw new InvalidArgumentsError(`${table}: time index column '${s.timeIndex}' is not a column`);
  if (!isTimestamp(ti.type)) throw new InvalidArgumentsError(`${table}: time index '${s.timeIndex}' must be a timestamp, not ${ti.type.name}`);
  if (ti.semantic !== 'timestamp') throw new InvalidArgumentsError(`${table}: time index '${s.timeIndex}' must have the timestamp role`);
  const tsCols = s.columns.filter((c) => c.semantic === 'timestamp');
  if (tsCols.length !== 1) throw new InvalidArgumentsError(`${table}: exactly one column must be the TIME INDEX`);
  for (const k of s.primaryKey) {
    const c = s.columns.find((x) => x.name === k);
    if (!c) throw new InvalidArgumentsError(`${table}: primary key column '${k}' is not a column`);
    if (c.semantic !== 'tag') throw new InvalidArgumentsError(`${table}: primary key column '${k}' must have the tag role`);
  }
  for (const c of s.columns) {
    if (c.semantic === 'tag' && !s.primaryKey.includes(c.name)) throw new InvalidArgumentsError(`${table}: tag column '${c.name}' is not in the primary key`);
    if (c.indexes?.fulltext?.enabled && c.type.name !== 'String') {
      throw new InvalidArgumentsError(`Invalid column option, column name: ${c.name}, error: FULLTEXT index only supports string type`);
    }
  }
}

/** Metadata key under which a column's semantic type rides in an Arrow field. */
export const SEMANTIC_METADATA_KEY = 'strata:semantic_type';

/** The Arrow schema of a table, with each field's semantic type in its metadata. */
export function toArrowSchema(s: TableSchema): arrow.Schema {
  return new arrow.Schema(s.columns.map((c) =>
    new arrow.Field(c.name, toArrowType(c.type), c.nullable, new Map([[SEMANTIC_METADATA_KEY, c.semantic]]))));
}

/** A type as Arrow and DataFusion print it (arrow_typeof, planning errors): Utf8, Date32, Timestamp(Millisecond, None), ... */
export function arrowTypeName(t: DataType): string {
  switch (t.name) {
    case 'String': return 'Utf8';
    case 'Date': return 'Date32';
    case 'TimestampSecond': return 'Timestamp(Second, None)';
    case 'TimestampMillisecond': return 'Timestamp(Millisecond, None)';
    case 'TimestampMicrosecond': return 'Timestamp(Microsecond, None)';
    case 'TimestampNanosecond': return 'Timestamp(Nanosecond, None)';
    case 'IntervalMonthDayNano': return 'Interval(MonthDayNano)';
    case 'Decimal128': return `Decimal128(${t.precision ?? 38}, ${t.scale ?? 0})`;
    default: return t.name;
  }
}
