import type * as arrow from 'apache-arrow';
import { dateTimeParts, decimalText, epochMicrosOf, formatDate, formatDateTime, PG_TYPE_OIDS as Oid, type DataType, type DateTimeParts } from '@strata/kernel';
import { PgStatementError } from './errors.js';
import type { MessageWriter } from './message-codec.js';

/** The shortest decimal text that reads back as the same float32. */
export function float32Text(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  for (let p = 1; p <= 9; p++) {
    const s = v.toPrecision(p);
    if (Math.fround(Number(s)) === v) return String(Number(s));
  }
  return String(v);
}

/** Writes numeric text ('-123.450') in PostgreSQL's binary numeric form (base-10000 digits). */
export function writeNumericBinary(w: MessageWriter, text: string): void {
  const neg = text.startsWith('-');
  const [intPart = '0', frac = ''] = (neg ? text.slice(1) : text).split('.');
  const dscale = frac.length;
  const intPadded = intPart.replace(/^0+/, '').padStart(Math.ceil(intPart.replace(/^0+/, '').length / 4) * 4, '0');
  const fracPadded = frac.padEnd(Math.ceil(frac.length / 4) * 4, '0');
  const groups: number[] = [];
  for (let i = 0; i < intPadded.length; i += 4) groups.push(Number(intPadded.slice(i, i + 4)));
  let weight = groups.length - 1;
  for (let i = 0; i < fracPadded.length; i += 4) groups.push(Number(fracPadded.slice(i, i + 4)));
  while (groups.length > 0 && groups[0] === 0) { groups.shift(); weight--; }
  while (groups.length > 0 && groups[groups.length - 1] === 0) groups.pop();
  if (groups.length === 0) weight = 0;
  w.int16(groups.length).int16(weight).int16(neg && groups.length > 0 ? 0x4000 : 0).int16(dscale);
  for (const g of groups) w.int16(g);
}

/** 'postgres'-style interval text: '1 mon 2 days 00:00:01.5'. */
export function intervalText(values: Int32Array, at: number): string {
  const months = values[at]!; const days = values[at + 1]!;
  const nanos = (BigInt(values[at + 3]!) << 32n) | BigInt(values[at + 2]! >>> 0);
  const parts: string[] = [];
  if (months) {
    const y = Math.trunc(months / 12); const m = months % 12;
    if (y) parts.push(`${y} year${Math.abs(y) === 1 ? '' : 's'}`);
    if (m) parts.push(`${m} mon${Math.abs(m) === 1 ? '' : 's'}`);
  }
  if (days) parts.push(`${days} day${Math.abs(days) === 1 ? '' : 's'}`);
  if (nanos || parts.length === 0) {
    const neg = nanos < 0n; let n = neg ? -nanos : nanos;
    const h = n / 3_600_000_000_000n; n %= 3_600_000_000_000n;
    const m = n / 60_000_000_000n; n %= 60_000_000_000n;
    const s = n / 1_000_000_000n; const frac = (n % 1_000_000_000n) / 1000n;
    let t = `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
    if (frac) t += `.${String(frac).padStart(6, '0').replace(/0+$/, '')}`;
    parts.push(neg ? `-${t}` : t);
  }
  return parts.join(' ');
}

const MICROS_PER_UNIT: Record<string, bigint> = { TimestampSecond: 1_000_000n, TimestampMillisecond: 1000n, TimestampMicrosecond: 1n };

/** Microseconds since the epoch of a raw timestamp value (nanoseconds floor to microseconds). */
export function timestampMicros(t: DataType, raw: bigint): bigint {
  if (t.name === 'TimestampNanosecond') return raw >= 0n ? raw / 1000n : -((-raw + 999n) / 1000n);
  return raw * MICROS_PER_UNIT[t.name]!;
}

/** PostgreSQL timestamp text: fraction digits shown only as far as they are non-zero. */
export function pgTimestampText(p: DateTimeParts): string {
  const s = formatDateTime(p, 6);
  return p.micros === 0 ? s.slice(0, 19) : s.replace(/0+$/, '');
}

const PG_EPOCH_MICROS = 946_684_800_000_000n; // 2000-01-01 in Unix microseconds
const PG_EPOCH_DAYS = 10_957;

/**
 * Writes the values of one column of a record batch into DataRow messages:
 * `text` writes PostgreSQL's text form, `binary` its binary form; both
 * write the 4-byte length prefix (the caller writes -1 for NULL).
 */
export interface ColumnWriter {
  isNull(row: number): boolean;
  text(row: number, w: MessageWriter): void;
  binary(row: number, w: MessageWriter): void;
}

function lengthPrefixed(w: MessageWriter, write: () => void): void {
  const at = w.beginValue();
  write();
  w.endValue(at);
}

export function columnWriter(vector: arrow.Vector, type: DataType, timezone: string): ColumnWriter {
  const data = vector.data[0]!;
  const values = data.values as ArrayLike<number | bigint>;
  const isNull = data.nullCount > 0 ? (r: number) => !vector.isValid(r) : () => false;
  const textOf = (f: (r: number) => string): ColumnWriter['text'] => (r, w) => lengthPrefixed(w, () => w.str(f(r)));
  switch (type.name) {
    case 'Boolean': return {
      isNull,
      text: textOf((r) => (vector.get(r) ? 't' : 'f')),
      binary: (r, w) => { w.int32(1).int8(vector.get(r) ? 1 : 0); },
    };
    case 'Int8': case 'Int16': case 'UInt8': return { isNull, text: textOf((r) => String(values[r])), binary: (r, w) => { w.int32(2).int16(values[r] as number); } };
    case 'Int32': case 'UInt16': return { isNull, text: textOf((r) => String(values[r])), binary: (r, w) => { w.int32(4).int32(values[r] as number); } };
    case 'UInt32': return { isNull, text: textOf((r) => String(values[r])), binary: (r, w) => { w.int32(8).int64(BigInt(values[r] as number)); } };
    case 'Int64': return { isNull, text: textOf((r) => String(values[r])), binary: (r, w) => { w.int32(8).int64(values[r] as bigint); } };
    case 'UInt64': return {
      isNull,
      text: textOf((r) => String(values[r])),
      binary: (r, w) => lengthPrefixed(w, () => writeNumericBinary(w, String(values[r]))),
    };
    case 'Float32': return { isNull, text: textOf((r) => float32Text(values[r] as number)), binary: (r, w) => { w.int32(4).float32(values[r] as number); } };
    case 'Float64': return { isNull, text: textOf((r) => String(values[r])), binary: (r, w) => { w.int32(8).float64(values[r] as number); } };
    case 'Decimal128': {
      const words = data.values as unknown as Uint32Array;
      const f = (r: number) => decimalText(words, r * 4, type.scale ?? 0);
      return { isNull, text: textOf(f), binary: (r, w) => lengthPrefixed(w, () => writeNumericBinary(w, f(r))) };
    }
    case 'Date': {
      const days = data.values as unknown as Int32Array;
      return { isNull, text: textOf((r) => formatDate(days[r]!)), binary: (r, w) => { w.int32(4).int32(days[r]! - PG_EPOCH_DAYS); } };
    }
    case 'TimestampSecond': case 'TimestampMillisecond': case 'TimestampMicrosecond': case 'TimestampNanosecond': {
      const raw = data.values as unknown as BigInt64Array;
      return {
        isNull,
        text: textOf((r) => pgTimestampText(dateTimeParts(timestampMicros(type, raw[r]!), timezone))),
        binary: (r, w) => {
          // `timestamp` (without time zone) carries wall-clock time: the session zone's.
          const wall = epochMicrosOf(dateTimeParts(timestampMicros(type, raw[r]!), timezone), 'UTC');
          w.int32(8).int64(wall - PG_EPOCH_MICROS);
        },
      };
    }
    case 'IntervalMonthDayNano': {
      const iv = data.values as unknown as Int32Array;
      return {
        isNull,
        text: textOf((r) => intervalText(iv, r * 4)),
        binary: (r, w) => {
          const nanos = (BigInt(iv[r * 4 + 3]!) << 32n) | BigInt(iv[r * 4 + 2]! >>> 0);
          w.int32(16).int64(nanos / 1000n).int32(iv[r * 4 + 1]!).int32(iv[r * 4]!);
        },
      };
    }
    case 'Binary': return {
      isNull,
      text: textOf((r) => `\\x${Buffer.from(vector.get(r) as Uint8Array).toString('hex')}`),
      binary: (r, w) => { const b = vector.get(r) as Uint8Array; w.int32(b.length).bytes(b); },
    };
    case 'Null': return { isNull: () => true, text: () => undefined, binary: () => undefined };
    case 'String': default: return {
      isNull,
      text: textOf((r) => String(vector.get(r))),
      binary: (r, w) => lengthPrefixed(w, () => w.str(String(vector.get(r)))),
    };
  }
}

function parseBool(s: string): boolean {
  const t = s.trim().toLowerCase();
  if (['t', 'true', 'y', 'yes', 'on', '1'].includes(t)) return true;
  if (['f', 'false', 'n', 'no', 'off', '0'].includes(t)) return false;
  throw new PgStatementError(`invalid input syntax for type boolean: "${s}"`, '22P02');
}

function parseInteger(s: string, oid: number): number | bigint {
  if (!/^\s*[+-]?\d+\s*$/.test(s)) throw new PgStatementError(`invalid input syntax for type ${oid === Oid.int8 ? 'bigint' : 'integer'}: "${s}"`, '22P02');
  const n = BigInt(s.trim());
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

/**
 * Turns a Bind parameter into the value handed to the query service:
 * numbers (bigint past 2^53), booleans, strings, Buffers for bytea and for
 * binary parameters of unspecified type, and
 * timestamps as 'YYYY-MM-DD HH:MM:SS[.ffffff]' wall-clock text in the
 * session's zone. Text parameters of unknown type stay strings: the engine
 * coerces them to the column's type, as PostgreSQL does with `unknown`.
 */
export function decodeParam(bytes: Buffer, oid: number, binary: boolean, timezone: string): unknown {
  if (!binary) {
    const s = bytes.toString('utf8');
    switch (oid) {
      case Oid.int2: case Oid.int4: case Oid.int8: case Oid.oid: return parseInteger(s, oid);
      case Oid.float4: case Oid.float8: {
        const n = Number(s);
        if (Number.isNaN(n) && s.trim().toLowerCase() !== 'nan') throw new PgStatementError(`invalid input syntax for type double precision: "${s}"`, '22P02');
        return n;
      }
      case Oid.bool: return parseBool(s);
      case Oid.bytea: return s.startsWith('\\x') ? Buffer.from(s.slice(2), 'hex') : Buffer.from(s, 'utf8');
      default: return s;
    }
  }
  const need = (n: number) => { if (bytes.length !== n) throw new PgStatementError(`incorrect binary data format in bind parameter (${bytes.length} bytes for type ${oid})`, '22P03'); };
  switch (oid) {
    case Oid.bool: need(1); return bytes[0] !== 0;
    case Oid.int2: need(2); return bytes.readInt16BE(0);
    case Oid.int4: case Oid.oid: need(4); return bytes.readInt32BE(0);
    case Oid.int8: {
      need(8);
      const v = bytes.readBigInt64BE(0);
      return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
    }
    case Oid.float4: need(4); return bytes.readFloatBE(0);
    case Oid.float8: need(8); return bytes.readDoubleBE(0);
    case Oid.bytea: return Buffer.from(bytes);
    case Oid.date: need(4); return formatDate(bytes.readInt32BE(0) + PG_EPOCH_DAYS);
    case Oid.timestamp: {
      need(8);
      const p = dateTimeParts(bytes.readBigInt64BE(0) + PG_EPOCH_MICROS, 'UTC');
      return formatDateTime(p, p.micros ? 6 : 0);
    }
    case Oid.timestamptz: {
      need(8);
      const p = dateTimeParts(bytes.readBigInt64BE(0) + PG_EPOCH_MICROS, timezone);
      return formatDateTime(p, p.micros ? 6 : 0);
    }
    case Oid.text: case Oid.varchar: case Oid.bpchar: case Oid.json:
      return bytes.toString('utf8');
    case Oid.unknown: case 0:
      // Drivers send byte buffers this way (pg: a Buffer value): keep the bytes.
      return Buffer.from(bytes);
    default:
      throw new PgStatementError(`binary parameters of type ${oid} are not supported; send them as text`, '0A000');
  }
}
