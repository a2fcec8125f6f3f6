import type * as arrow from 'apache-arrow';
import type { DataType, ResultColumn } from '@strata/kernel';
import type { PacketWriter } from './packet-codec.js';
import { dateTimeParts, decimalText, formatDate, formatDateTime } from '@strata/kernel';

/** MySQL column type codes (protocol `enum_field_types`). */
export const MysqlType = {
  DECIMAL: 0x00, TINY: 0x01, SHORT: 0x02, LONG: 0x03, FLOAT: 0x04, DOUBLE: 0x05, NULL: 0x06, TIMESTAMP: 0x07,
  LONGLONG: 0x08, INT24: 0x09, DATE: 0x0a, TIME: 0x0b, DATETIME: 0x0c, YEAR: 0x0d, VARCHAR: 0x0f, BIT: 0x10,
  JSON: 0xf5, NEWDECIMAL: 0xf6, ENUM: 0xf7, SET: 0xf8, TINY_BLOB: 0xf9, MEDIUM_BLOB: 0xfa, LONG_BLOB: 0xfb, BLOB: 0xfc,
  VAR_STRING: 0xfd, STRING: 0xfe, GEOMETRY: 0xff,
} as const;

export const ColumnFlag = { NOT_NULL: 1, PRI_KEY: 2, BLOB: 16, UNSIGNED: 32, BINARY: 128, TIMESTAMP: 1024 } as const;

const CHARSET_UTF8MB4 = 45; // utf8mb4_general_ci
const CHARSET_BINARY = 63;

/** How one Strata type appears in a MySQL column definition. */
export interface MysqlColumnType {
  readonly type: number;
  readonly flags: number;
  readonly charset: number;
  readonly length: number;
  readonly decimals: number;
}

/** Digits after the second a timestamp type shows (MySQL stops at microseconds). */
export function fractionDigits(t: DataType): number {
  switch (t.name) {
    case 'TimestampMillisecond': return 3;
    case 'TimestampMicrosecond': case 'TimestampNanosecond': return 6;
    default: return 0;
  }
}

/** The MySQL column type of a Strata data type. */
export function mysqlColumnType(t: DataType): MysqlColumnType {
  const num = (type: number, length: number, unsigned = false, decimals = 0): MysqlColumnType =>
    ({ type, flags: ColumnFlag.BINARY | (unsigned ? ColumnFlag.UNSIGNED : 0), charset: CHARSET_BINARY, length, decimals });
  switch (t.name) {
    case 'Boolean': return num(MysqlType.TINY, 1);
    case 'Int8': return num(MysqlType.TINY, 4);
    case 'UInt8': return num(MysqlType.TINY, 3, true);
    case 'Int16': return num(MysqlType.SHORT, 6);
    case 'UInt16': return num(MysqlType.SHORT, 5, true);
    case 'Int32': return num(MysqlType.LONG, 11);
    case 'UInt32': return num(MysqlType.LONG, 10, true);
    case 'Int64': return num(MysqlType.LONGLONG, 20);
    case 'UInt64': return num(MysqlType.LONGLONG, 20, true);
    case 'Float32': return num(MysqlType.FLOAT, 12, false, 31);
    case 'Float64': return num(MysqlType.DOUBLE, 22, false, 31);
    case 'Decimal128': return num(MysqlType.NEWDECIMAL, (t.precision ?? 38) + 2, false, t.scale ?? 0);
    case 'Date': return num(MysqlType.DATE, 10);
    case 'TimestampSecond': case 'TimestampMillisecond': case 'TimestampMicrosecond': case 'TimestampNanosecond': {
      const f = fractionDigits(t);
      return { type: MysqlType.TIMESTAMP, flags: ColumnFlag.BINARY, charset: CHARSET_BINARY, length: 19 + (f ? f + 1 : 0), decimals: f };
    }
    case 'Binary': return { type: MysqlType.BLOB, flags: ColumnFlag.BINARY | ColumnFlag.BLOB, charset: CHARSET_BINARY, length: 65535, decimals: 0 };
    case 'Null': return { type: MysqlType.NULL, flags: ColumnFlag.BINARY, charset: CHARSET_BINARY, length: 0, decimals: 0 };
    case 'String': case 'IntervalMonthDayNano': default:
      return { type: MysqlType.VAR_STRING, flags: 0, charset: CHARSET_UTF8MB4, length: 1020, decimals: 0 };
  }
}

/** Writes a ColumnDefinition41 payload. */
export function writeColumnDefinition(w: PacketWriter, col: ResultColumn, schema: string, table = ''): void {
  const t = mysqlColumnType(col.type);
  w.lenencStr('def').lenencStr(schema).lenencStr(table).lenencStr(table).lenencStr(col.name).lenencStr(col.name)
    .lenenc(0x0c).int2(t.charset).int4(t.length).int1(t.type).int2(t.flags).int1(t.decimals).int2(0);
}

/** The shortest decimal text that reads back as the same float32. */
export function float32Text(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  for (let p = 1; p <= 9; p++) {
    const s = v.toPrecision(p);
    if (Math.fround(Number(s)) === v) return String(Number(s));
  }
  return String(v);
}

/** '1 mon 2 days 00:00:01.5'-style text of a month/day/nanosecond interval. */
export function intervalText(values: Int32Array, at: number): string {
  const months = values[at]!; const days = values[at + 1]!;
  const nanos = (BigInt(values[at + 3]!) << 32n) | BigInt(values[at + 2]! >>> 0);
  const parts: string[] = [];
  if (months) parts.push(`${months} mon${Math.abs(months) === 1 ? '' : 's'}`);
  if (days) parts.push(`${days} day${Math.abs(days) === 1 ? '' : 's'}`);
  if (nanos || parts.length === 0) {
    const neg = nanos < 0n; let n = neg ? -nanos : nanos;
    const h = n / 3_600_000_000_000n; n %= 3_600_000_000_000n;
    const m = n / 60_000_000_000n; n %= 60_000_000_000n;
    const s = n / 1_000_000_000n; const frac = n % 1_000_000_000n;
    let t = `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
    if (frac) t += `.${String(frac).padStart(9, '0').replace(/0+$/, '')}`;
    parts.push(neg ? `-${t}` : t);
  }
  return parts.join(' ');
}

const MICROS_PER_UNIT: Record<string, bigint> = { TimestampSecond: 1_000_000n, TimestampMillisecond: 1000n, TimestampMicrosecond: 1n };

/** Microseconds since the epoch of a raw timestamp value. */
export function timestampMicros(t: DataType, raw: bigint): bigint {
  if (t.name === 'TimestampNanosecond') return raw >= 0n ? raw / 1000n : -((-raw + 999n) / 1000n);
  return raw * MICROS_PER_UNIT[t.name]!;
}

/**
 * Reads the values of one column of a record batch for the wire: `text`
 * gives MySQL's text-protocol form, `binary` writes the binary-protocol
 * form. Reads Arrow buffers directly (no per-row objects for numbers and
 * timestamps).
 */
export interface ColumnAccessor {
  isNull(row: number): boolean;
  text(row: number): string | Uint8Array;
  binary(row: number, w: PacketWriter): void;
}

export function columnAccessor(vector: arrow.Vector, type: DataType, timezone: string): ColumnAccessor {
  const data = vector.data[0]!;
  const values = data.values as ArrayLike<number | bigint> & { subarray?: unknown };
  const isNull = data.nullCount > 0 ? (r: number) => !vector.isValid(r) : () => false;
  const mt = mysqlColumnType(type);
  switch (type.name) {
    case 'Boolean': return {
      isNull,
      text: (r) => (vector.get(r) ? '1' : '0'),
      binary: (r, w) => { w.int1(vector.get(r) ? 1 : 0); },
    };
    case 'Int8': case 'UInt8': case 'Int16': case 'UInt16': case 'Int32': case 'UInt32': {
      const width = mt.type === MysqlType.TINY ? 1 : mt.type === MysqlType.SHORT ? 2 : 4;
      return {
        isNull,
        text: (r) => String(values[r]),
        binary: (r, w) => {
          const v = values[r] as number;
          if (width === 1) w.int1(v); else if (width === 2) w.int2(v); else w.int4(v);
        },
      };
    }
    case 'Int64': case 'UInt64': return {
      isNull,
      text: (r) => String(values[r]),
      binary: (r, w) => { w.int8(values[r] as bigint); },
    };
    case 'Float32': return {
      isNull,
      text: (r) => float32Text(values[r] as number),
      binary: (r, w) => { w.float4(values[r] as number); },
    };
    case 'Float64': return {
      isNull,
      text: (r) => String(values[r]),
      binary: (r, w) => { w.float8(values[r] as number); },
    };
    case 'Decimal128': {
      const words = data.values as unknown as Uint32Array;
      const text = (r: number) => decimalText(words, r * 4, type.scale ?? 0);
      return { isNull, text, binary: (r, w) => { w.lenencStr(text(r)); } };
    }
    case 'Date': {
      const days = data.values as unknown as Int32Array;
      return {
        isNull,
        text: (r) => formatDate(days[r]!),
        binary: (r, w) => {
          const d = new Date(days[r]! * 86_400_000);
          w.int1(4).int2(d.getUTCFullYear()).int1(d.getUTCMonth() + 1).int1(d.getUTCDate());
        },
      };
    }
    case 'TimestampSecond': case 'TimestampMillisecond': case 'TimestampMicrosecond': case 'TimestampNanosecond': {
      const raw = data.values as unknown as BigInt64Array;
      const digits = fractionDigits(type);
      return {
        isNull,
        text: (r) => formatDateTime(dateTimeParts(timestampMicros(type, raw[r]!), timezone), digits),
        binary: (r, w) => {
          const p = dateTimeParts(timestampMicros(type, raw[r]!), timezone);
          w.int1(p.micros ? 11 : 7).int2(p.year).int1(p.month).int1(p.day).int1(p.hour).int1(p.minute).int1(p.second);
          if (p.micros) w.int4(p.micros);
        },
      };
    }
    case 'IntervalMonthDayNano': {
      const iv = data.values as unknown as Int32Array;
      const text = (r: number) => intervalText(iv, r * 4);
      return { isNull, text, binary: (r, w) => { w.lenencStr(text(r)); } };
    }
    case 'Binary': return {
      isNull,
      text: (r) => vector.get(r) as Uint8Array,
      binary: (r, w) => { w.lenencBytes(vector.get(r) as Uint8Array); },
    };
    case 'Null': return { isNull: () => true, text: () => '', binary: () => undefined };
    case 'String': default: return {
      isNull,
      text: (r) => String(vector.get(r)),
      binary: (r, w) => { w.lenencStr(String(vector.get(r))); },
    };
  }
}
