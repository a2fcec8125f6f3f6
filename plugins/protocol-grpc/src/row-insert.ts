import * as arrow from 'apache-arrow';
import { InvalidArgumentsError, toArrowType, type DataTypeName, type InsertColumn, type InsertRequest, type SemanticType } from '@strata/kernel';

/** greptime.v1.ColumnDataType numbers -> Strata type names (the subset Strata serves). */
export const COLUMN_DATA_TYPES: Readonly<Record<number, DataTypeName>> = {
  0: 'Boolean', 1: 'Int8', 2: 'Int16', 3: 'Int32', 4: 'Int64',
  5: 'UInt8', 6: 'UInt16', 7: 'UInt32', 8: 'UInt64', 9: 'Float32', 10: 'Float64',
  11: 'Binary', 12: 'String', 13: 'Date', 14: 'TimestampMillisecond' /* DATETIME: ms since epoch */,
  15: 'TimestampSecond', 16: 'TimestampMillisecond', 17: 'TimestampMicrosecond', 18: 'TimestampNanosecond',
};

/** The greptime.v1.Value field each column data type is read from. */
const VALUE_FIELDS: Readonly<Record<number, string>> = {
  0: 'bool_value', 1: 'i8_value', 2: 'i16_value', 3: 'i32_value', 4: 'i64_value',
  5: 'u8_value', 6: 'u16_value', 7: 'u32_value', 8: 'u64_value', 9: 'f32_value', 10: 'f64_value',
  11: 'binary_value', 12: 'string_value', 13: 'date_value', 14: 'datetime_value',
  15: 'timestamp_second_value', 16: 'timestamp_millisecond_value', 17: 'timestamp_microsecond_value', 18: 'timestamp_nanosecond_value',
};

const SEMANTIC: Readonly<Record<number, SemanticType>> = { 0: 'tag', 1: 'field', 2: 'timestamp' };

/** greptime.v1 RowInsertRequest as decoded (snake_case, int64 as strings, oneof names set). */
export interface RowInsertMessage {
  table_name?: string;
  rows?: {
    schema?: Array<{ column_name?: string; datatype?: number; semantic_type?: number }>;
    rows?: Array<{ values?: Array<Record<string, unknown> | null> }>;
  };
}

function nullBitmap(valid: readonly boolean[]): { nullBitmap: Uint8Array; nullCount: number } {
  const bitmap = new Uint8Array((valid.length + 7) >> 3);
  let nullCount = 0;
  for (let i = 0; i < valid.length; i++) {
    if (valid[i]) bitmap[i >> 3]! |= 1 << (i & 7);
    else nullCount++;
  }
  return { nullBitmap: bitmap, nullCount };
}

function toBigInt(v: unknown, where: string): bigint {
  try {
    return BigInt(v as string | number);
  } catch (err) {
    throw new InvalidArgumentsError(`${where}: not an integer: ${String(v)}`, { cause: err });
  }
}

/**
 * Builds one Arrow vector from the values of a column. Values were decoded
 * by protobufjs (a JS value per cell — the message format is row-oriented);
 * they are written straight into typed arrays, 64-bit ones exactly.
 */
function columnVector(name: DataTypeName, values: readonly unknown[], where: string): arrow.Vector {
  const n = values.length;
  const valid = values.map((v) => v !== undefined && v !== null);
  const type = toArrowType({ name });
  const common = { length: n, ...nullBitmap(valid) };
  const fill = <A extends { [i: number]: number | bigint }>(arr: A, conv: (v: unknown) => number | bigint): A => {
    for (let i = 0; i < n; i++) if (valid[i]) arr[i] = conv(values[i]);
    return arr;
  };
  const num = (v: unknown): number => Number(v);
  const big = (v: unknown): bigint => toBigInt(v, where);
  switch (name) {
    case 'Int8': return arrow.makeVector(arrow.makeData({ type: type as arrow.Int8, ...common, data: fill(new Int8Array(n), num) }));
    case 'Int16': return arrow.makeVector(arrow.makeData({ type: type as arrow.Int16, ...common, data: fill(new Int16Array(n), num) }));
    case 'Int32': return arrow.makeVector(arrow.makeData({ type: type as arrow.Int32, ...common, data: fill(new Int32Array(n), num) }));
    case 'UInt8': return arrow.makeVector(arrow.makeData({ type: type as arrow.Uint8, ...common, data: fill(new Uint8Array(n), num) }));
    case 'UInt16': return arrow.makeVector(arrow.makeData({ type: type as arrow.Uint16, ...common, data: fill(new Uint16Array(n), num) }));
    case 'UInt32': return arrow.makeVector(arrow.makeData({ type: type as arrow.Uint32, ...common, data: fill(new Uint32Array(n), num) }));
    case 'Float32': return arrow.makeVector(arrow.makeData({ type: type as arrow.Float32, ...common, data: fill(new Float32Array(n), num) }));
    case 'Float64': return arrow.makeVector(arrow.makeData({ type: type as arrow.Float64, ...common, data: fill(new Float64Array(n), num) }));
    case 'Date': return arrow.makeVector(arrow.makeData({ type: type as arrow.DateDay, ...common, data: fill(new Int32Array(n), num) }));
    case 'Int64': return arrow.makeVector(arrow.makeData({ type: type as arrow.Int64, ...common, data: fill(new BigInt64Array(n), big) }));
    case 'UInt64': return arrow.makeVector(arrow.makeData({ type: type as arrow.Uint64, ...common, data: fill(new BigUint64Array(n), big) }));
    case 'TimestampSecond': case 'TimestampMillisecond': case 'TimestampMicrosecond': case 'TimestampNanosecond':
      return arrow.makeVector(arrow.makeData({ type: type as arrow.Timestamp, ...common, data: fill(new BigInt64Array(n), big) }));
    case 'Boolean': return arrow.vectorFromArray(values.map((v) => (v === undefined || v === null ? null : Boolean(v))), new arrow.Bool());
    case 'String': return arrow.vectorFromArray(values.map((v) => (v === undefined || v === null ? null : String(v))), new arrow.Utf8());
    case 'Binary': return arrow.vectorFromArray(values.map((v) => (v === undefined || v === null ? null : v as Uint8Array)), new arrow.Binary());
    default: throw new InvalidArgumentsError(`${where}: unsupported column type ${name}`);
  }
}

/**
 * Converts a greptime.v1 RowInsertRequest into a kernel InsertRequest with
 * auto-create (GreptimeDB creates and widens tables for gRPC row inserts).
 * A value of the wrong kind for its column (say a string_value in an INT64
 * column) rejects the whole request with INVALID_ARGUMENTS.
 */
export function rowInsertToInsertRequest(req: RowInsertMessage, database: string): InsertRequest {
  const table = req.table_name ?? '';
  if (table === '') throw new InvalidArgumentsError('row insert: table_name is empty');
  const schema = req.rows?.schema ?? [];
  const rows = req.rows?.rows ?? [];
  if (schema.length === 0) throw new InvalidArgumentsError(`row insert into ${table}: no columns in schema`);
  const columns: InsertColumn[] = schema.map((col, c) => {
    const colName = col.column_name ?? '';
    if (colName === '') throw new InvalidArgumentsError(`row insert into ${table}: column ${c} has no name`);
    const datatype = col.datatype ?? 0;
    const typeName = COLUMN_DATA_TYPES[datatype];
    const field = VALUE_FIELDS[datatype];
    if (!typeName || !field) throw new InvalidArgumentsError(`row insert into ${table}: column ${colName}: unsupported datatype ${datatype}`);
    const semantic = SEMANTIC[col.semantic_type ?? 0];
    if (!semantic) throw new InvalidArgumentsError(`row insert into ${table}: column ${colName}: unknown semantic_type ${col.semantic_type}`);
    const values = rows.map((row, r) => {
      const values = row.values ?? [];
      if (values.length !== schema.length) throw new InvalidArgumentsError(`row insert into ${table}: row ${r} has ${values.length} values, schema has ${schema.length} columns`);
      const v = values[c];
      if (!v) return null;
      const set = v.value_data as string | undefined;
      if (set === undefined) return null;
      if (set !== field) throw new InvalidArgumentsError(`row insert into ${table}: row ${r}, column ${colName}: ${set} given for a ${typeName} column (expected ${field})`);
      return v[field];
    });
    return { name: colName, semantic, vector: columnVector(typeName, values, `row insert into ${table}, column ${colName}`) };
  });
  if (!columns.some((c) => c.semantic === 'timestamp')) throw new InvalidArgumentsError(`row insert into ${table}: no TIMESTAMP column`);
  return { database, table, columns, rowCount: rows.length, autoCreate: true };
}

/**
 * Converts an Arrow record batch (Flight DoPut) into an InsertRequest with
 * auto-create. Column roles come from field metadata `greptime:semantic_type`
 * (TAG / FIELD / TIMESTAMP) when present; otherwise the first timestamp
 * column is the time index, Utf8 columns are tags and the rest fields.
 */
export function recordBatchToInsertRequest(batch: arrow.RecordBatch, database: string, table: string): InsertRequest {
  let timeIndexSeen = false;
  const hasExplicitTime = batch.schema.fields.some((f) => f.metadata.get('greptime:semantic_type')?.toUpperCase() === 'TIMESTAMP');
  const columns: InsertColumn[] = batch.schema.fields.map((f, i) => {
    const declared = f.metadata.get('greptime:semantic_type')?.toUpperCase();
    let semantic: SemanticType;
    if (declared === 'TAG') semantic = 'tag';
    else if (declared === 'FIELD') semantic = 'field';
    else if (declared === 'TIMESTAMP') semantic = 'timestamp';
    else if (declared !== undefined) throw new InvalidArgumentsError(`DoPut into ${table}: column ${f.name}: unknown greptime:semantic_type ${declared}`);
    else if (!hasExplicitTime && !timeIndexSeen && arrow.DataType.isTimestamp(f.type)) { semantic = 'timestamp'; timeIndexSeen = true; }
    else if (arrow.DataType.isUtf8(f.type) || (arrow.DataType.isDictionary(f.type) && arrow.DataType.isUtf8(f.type.dictionary))) semantic = 'tag';
    else semantic = 'field';
    return { name: f.name, semantic, vector: batch.getChildAt(i)! };
  });
  if (!columns.some((c) => c.semantic === 'timestamp')) throw new InvalidArgumentsError(`DoPut into ${table}: no timestamp column`);
  return { database, table, columns, rowCount: batch.numRows, autoCreate: true };
}
