/** A cell value the client accepts. Date and number timestamps are milliseconds. */
export type CellValue = string | number | bigint | boolean | Date | Uint8Array | null | undefined;

/** One row: column name -> value. Missing and null cells are null. */
export type Row = Readonly<Record<string, CellValue>>;

/** Column types the client can send (GreptimeDB names). */
export type ColumnType =
  | 'Boolean' | 'Int8' | 'Int16' | 'Int32' | 'Int64' | 'UInt8' | 'UInt16' | 'UInt32' | 'UInt64'
  | 'Float32' | 'Float64' | 'String' | 'Binary' | 'Date'
  | 'TimestampSecond' | 'TimestampMillisecond' | 'TimestampMicrosecond' | 'TimestampNanosecond';

/**
 * Rows for one table, with the roles of their columns. Types are inferred
 * from the first non-null value (string -> String, number -> Float64,
 * bigint -> Int64, boolean -> Boolean, Uint8Array -> Binary) unless given.
 *
 * @example
 * { table: 'cpu', tags: ['host'], timestamp: 'ts', rows: [{ host: 'a', ts: Date.now(), usage: 0.5 }] }
 */
export interface TableRows {
  readonly table: string;
  readonly rows: readonly Row[];
  /** Tag (primary key) columns. */
  readonly tags?: readonly string[];
  /** The time index column; default `ts`. Over HTTP it becomes `greptime_timestamp`. */
  readonly timestamp?: string;
  /** Explicit types; the timestamp column defaults to TimestampMillisecond. */
  readonly types?: Readonly<Record<string, ColumnType>>;
}

export interface ColumnPlan { readonly name: string; readonly semantic: 'tag' | 'field' | 'timestamp'; readonly type: ColumnType }

function inferType(v: CellValue): ColumnType | undefined {
  switch (typeof v) {
    case 'string': return 'String';
    case 'number': return 'Float64';
    case 'bigint': return 'Int64';
    case 'boolean': return 'Boolean';
    default: return v instanceof Uint8Array ? 'Binary' : undefined;
  }
}

/** The columns of a TableRows in first-seen order, with roles and types. */
export function planColumns(t: TableRows): ColumnPlan[] {
  const ts = t.timestamp ?? 'ts';
  const tags = new Set(t.tags ?? []);
  const names: string[] = [];
  const seen = new Set<string>();
  for (const row of t.rows) for (const k of Object.keys(row)) if (!seen.has(k)) { seen.add(k); names.push(k); }
  if (!seen.has(ts)) throw new TypeError(`insert into ${t.table}: no timestamp column '${ts}' in the rows`);
  return names.map((name) => {
    const semantic = name === ts ? 'timestamp' : tags.has(name) ? 'tag' : 'field';
    let type = t.types?.[name];
    if (!type && semantic === 'timestamp') type = 'TimestampMillisecond';
    if (!type && semantic === 'tag') type = 'String';
    if (!type) for (const row of t.rows) { type = inferType(row[name]); if (type) break; }
    return { name, semantic, type: type ?? 'String' };
  });
}

export function timestampValue(v: CellValue, type: ColumnType): bigint {
  if (v instanceof Date) {
    const ms = BigInt(v.getTime());
    return type === 'TimestampSecond' ? ms / 1000n : type === 'TimestampMicrosecond' ? ms * 1000n : type === 'TimestampNanosecond' ? ms * 1_000_000n : ms;
  }
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v);
  throw new TypeError(`not a timestamp: ${String(v)}`);
}

export const VALUE_FIELD: Record<ColumnType, string> = {
  Boolean: 'bool_value', Int8: 'i8_value', Int16: 'i16_value', Int32: 'i32_value', Int64: 'i64_value',
  UInt8: 'u8_value', UInt16: 'u16_value', UInt32: 'u32_value', UInt64: 'u64_value', Float32: 'f32_value', Float64: 'f64_value',
  String: 'string_value', Binary: 'binary_value', Date: 'date_value',
  TimestampSecond: 'timestamp_second_value', TimestampMillisecond: 'timestamp_millisecond_value',
  TimestampMicrosecond: 'timestamp_microsecond_value', TimestampNanosecond: 'timestamp_nanosecond_value',
};
export const DATATYPE: Record<ColumnType, number> = {
  Boolean: 0, Int8: 1, Int16: 2, Int32: 3, Int64: 4, UInt8: 5, UInt16: 6, UInt32: 7, UInt64: 8, Float32: 9, Float64: 10,
  Binary: 11, String: 12, Date: 13, TimestampSecond: 15, TimestampMillisecond: 16, TimestampMicrosecond: 17, TimestampNanosecond: 18,
};
export const SEMANTIC = { tag: 0, field: 1, timestamp: 2 } as const;

function grpcValue(v: CellValue, c: ColumnPlan): Record<string, unknown> | null {
  if (v === null || v === undefined) return null;
  const field = VALUE_FIELD[c.type];
  let value: unknown;
  if (c.type.startsWith('Timestamp')) value = timestampValue(v, c.type).toString();
  else if (c.type === 'Int64' || c.type === 'UInt64') value = (typeof v === 'bigint' ? v : BigInt(v as number | string)).toString();
  else if (c.type === 'String') value = String(v);
  else if (c.type === 'Boolean') value = Boolean(v);
  else if (c.type === 'Binary') value = v instanceof Uint8Array ? v : Buffer.from(String(v));
  else if (c.type === 'Date') value = v instanceof Date ? Math.floor(v.getTime() / 86_400_000) : Number(v);
  else value = Number(v);
  return { [field]: value };
}

/** A greptime.v1 RowInsertRequest for the rows (schema + row-major values). */
export function toRowInsertRequest(t: TableRows): Record<string, unknown> {
  const columns = planColumns(t);
  return {
    table_name: t.table,
    rows: {
      schema: columns.map((c) => ({ column_name: c.name, datatype: DATATYPE[c.type], semantic_type: SEMANTIC[c.semantic] })),
      rows: t.rows.map((row) => ({ values: columns.map((c) => grpcValue(row[c.name], c) ?? {}) })),
    },
  };
}

const escapeKey = (s: string): string => s.replace(/[\\,= ]/g, (m) => `\\${m}`).replace(/\n/g, '\\n');
const escapeMeasurement = (s: string): string => s.replace(/[\\, ]/g, (m) => `\\${m}`).replace(/\n/g, '\\n');
const escapeString = (s: string): string => s.replace(/[\\"]/g, (m) => `\\${m}`);

/** InfluxDB precision for a timestamp type. */
export function precisionOf(type: ColumnType): 's' | 'ms' | 'u' | 'ns' {
  return type === 'TimestampSecond' ? 's' : type === 'TimestampMicrosecond' ? 'u' : type === 'TimestampNanosecond' ? 'ns' : 'ms';
}

/**
 * InfluxDB line protocol for the rows (one line per row): tags as tag set,
 * other columns as fields (Int64 with `i`, UInt64 with `u`), the timestamp
 * in the precision returned. Rows without any field value are refused,
 * since line protocol cannot carry them.
 */
export function toLineProtocol(t: TableRows): { body: string; precision: 's' | 'ms' | 'u' | 'ns' } {
  const columns = planColumns(t);
  const ts = columns.find((c) => c.semantic === 'timestamp')!;
  const tags = columns.filter((c) => c.semantic === 'tag');
  const fields = columns.filter((c) => c.semantic === 'field');
  const measurement = escapeMeasurement(t.table);
  const lines: string[] = [];
  for (const row of t.rows) {
    let line = measurement;
    for (const c of tags) {
      const v = row[c.name];
      if (v === null || v === undefined || v === '') continue;
      line += `,${escapeKey(c.name)}=${escapeKey(String(v))}`;
    }
    const parts: string[] = [];
    for (const c of fields) {
      const v = row[c.name];
      if (v === null || v === undefined) continue;
      let text: string;
      if (c.type === 'String' || c.type === 'Binary') text = `"${escapeString(v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : String(v))}"`;
      else if (c.type === 'Boolean') text = v ? 't' : 'f';
      else if (c.type.startsWith('UInt')) text = `${BigInt(v as number | bigint)}u`;
      else if (c.type.startsWith('Int')) text = `${BigInt(v as number | bigint)}i`;
      else text = Number(v).toString();
      parts.push(`${escapeKey(c.name)}=${text}`);
    }
    if (parts.length === 0) throw new TypeError(`insert into ${t.table} over line protocol: a row has no field values`);
    const tv = row[ts.name];
    if (tv === null || tv === undefined) throw new TypeError(`insert into ${t.table}: a row has no timestamp`);
    lines.push(`${line} ${parts.join(',')} ${timestampValue(tv, ts.type)}`);
  }
  return { body: lines.join('\n'), precision: precisionOf(ts.type) };
}

/** A cheap size estimate of a row for batching (roughly its wire bytes). */
export function estimateRowBytes(row: Row): number {
  let n = 0;
  for (const k in row) {
    const v = row[k];
    n += k.length + 4;
    if (typeof v === 'string') n += v.length;
    else if (v instanceof Uint8Array) n += v.byteLength;
    else n += 8;
  }
  return n;
}
