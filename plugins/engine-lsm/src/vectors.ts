import * as arrow from 'apache-arrow';
import { castScalar, castVector, fromArrowType, isTimestamp, type ColumnSchema, type DataType } from '@strata/kernel';
import type { AnyTypedArray, TypedArrayCtor } from './growable.js';

/** How a column's values are held in memtables and gathered into Arrow. */
export type Storage =
  | { readonly kind: 'typed'; readonly ctor: TypedArrayCtor; readonly big: boolean }
  | { readonly kind: 'bool' }
  | { readonly kind: 'js' };

export function storageOf(t: DataType): Storage {
  switch (t.name) {
    case 'Int8': return { kind: 'typed', ctor: Int8Array, big: false };
    case 'Int16': return { kind: 'typed', ctor: Int16Array, big: false };
    case 'Int32': return { kind: 'typed', ctor: Int32Array, big: false };
    case 'UInt8': return { kind: 'typed', ctor: Uint8Array, big: false };
    case 'UInt16': return { kind: 'typed', ctor: Uint16Array, big: false };
    case 'UInt32': return { kind: 'typed', ctor: Uint32Array, big: false };
    case 'Float32': return { kind: 'typed', ctor: Float32Array, big: false };
    case 'Float64': return { kind: 'typed', ctor: Float64Array, big: false };
    case 'Int64': return { kind: 'typed', ctor: BigInt64Array, big: true };
    case 'UInt64': return { kind: 'typed', ctor: BigUint64Array, big: true };
    case 'Date': return { kind: 'typed', ctor: Int32Array, big: false };
    case 'TimestampSecond': case 'TimestampMillisecond': case 'TimestampMicrosecond': case 'TimestampNanosecond':
      return { kind: 'typed', ctor: BigInt64Array, big: true };
    case 'Boolean': return { kind: 'bool' };
    default: return { kind: 'js' };
  }
}

/** Packs one-byte-per-row validity (1 = valid) into an Arrow bitmap. */
export function packValidity(valid: Uint8Array, n: number): { bitmap: Uint8Array; nullCount: number } {
  const bitmap = new Uint8Array(((n + 63) >> 6) << 3);
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    if (valid[i]) bitmap[i >> 3]! |= 1 << (i & 7); else nulls++;
  }
  return { bitmap, nullCount: nulls };
}

/** True when row `i` of `data` is valid. */
export function isValidAt(data: arrow.Data, i: number): boolean {
  if (data.nullCount === 0 || !data.nullBitmap || data.nullBitmap.length === 0) return true;
  const j = data.offset + i;
  return (data.nullBitmap[j >> 3]! & (1 << (j & 7))) !== 0;
}

/** A vector over a typed array (already the right element type for `type`). */
export function typedVector(type: arrow.DataType, values: AnyTypedArray, n: number, valid?: Uint8Array): arrow.Vector {
  if (!valid) return arrow.makeVector(arrow.makeData({ type, length: n, data: values, nullCount: 0 } as never));
  const { bitmap, nullCount } = packValidity(valid, n);
  return arrow.makeVector(arrow.makeData({ type, length: n, data: values, nullBitmap: nullCount ? bitmap : undefined, nullCount } as never));
}

/** A Bool vector from one byte per row (0/1). */
export function boolVector(type: arrow.DataType, bytes: Uint8Array, n: number, valid?: Uint8Array): arrow.Vector {
  const packed = packValidity(bytes, n).bitmap;
  if (!valid) return arrow.makeVector(arrow.makeData({ type, length: n, data: packed, nullCount: 0 } as never));
  const { bitmap, nullCount } = packValidity(valid, n);
  return arrow.makeVector(arrow.makeData({ type, length: n, data: packed, nullBitmap: nullCount ? bitmap : undefined, nullCount } as never));
}

/** A Utf8 vector from offsets and bytes. */
export function utf8Vector(offsets: Int32Array, bytes: Uint8Array, n: number, valid?: Uint8Array): arrow.Vector {
  const type = new arrow.Utf8();
  if (!valid) return arrow.makeVector(arrow.makeData({ type, length: n, valueOffsets: offsets, data: bytes, nullCount: 0 }));
  const { bitmap, nullCount } = packValidity(valid, n);
  return arrow.makeVector(arrow.makeData({ type, length: n, valueOffsets: offsets, data: bytes, nullBitmap: nullCount ? bitmap : undefined, nullCount }));
}

/**
 * True when vectors of Arrow types `a` and `b` hold the same values: equal
 * types (a timestamp's zone aside), or a dictionary of one (SSTs keep String
 * tags as dictionaries). Called per column and segment on scans, so it
 * compares the few parameters itself (`arrow.util.compareTypes` costs
 * ~0.35 µs a call).
 */
export function sameValueType(a: arrow.DataType, b: arrow.DataType): boolean {
  if (a === b) return true;
  if (a.typeId !== b.typeId) {
    if (arrow.DataType.isDictionary(a)) return sameValueType((a as arrow.Dictionary).dictionary, b);
    if (arrow.DataType.isDictionary(b)) return sameValueType(a, (b as arrow.Dictionary).dictionary);
    return false;
  }
  switch (a.typeId) {
    case arrow.Type.Int: return (a as arrow.Int).bitWidth === (b as arrow.Int).bitWidth && (a as arrow.Int).isSigned === (b as arrow.Int).isSigned;
    case arrow.Type.Float: return (a as arrow.Float).precision === (b as arrow.Float).precision;
    case arrow.Type.Timestamp: return (a as arrow.Timestamp).unit === (b as arrow.Timestamp).unit;
    case arrow.Type.Date: return (a as arrow.Date_).unit === (b as arrow.Date_).unit;
    case arrow.Type.Decimal: {
      const x = a as arrow.Decimal, y = b as arrow.Decimal;
      return x.precision === y.precision && x.scale === y.scale && x.bitWidth === y.bitWidth;
    }
    case arrow.Type.Utf8: case arrow.Type.LargeUtf8: case arrow.Type.Binary: case arrow.Type.LargeBinary: case arrow.Type.Bool: case arrow.Type.Null:
      return true;
    default: return arrow.util.compareTypes(a, b);
  }
}

/**
 * `v` as a vector of `type`, for rows written before ALTER TABLE ... MODIFY
 * COLUMN (in SSTs, frozen memtables, or WAL entries replayed after it). The
 * values convert as SQL `CAST` converts them (the kernel's `castVector`, so
 * `'inf'` reads as Infinity and `' 12 '` as 12, as `CAST` gives them), and a
 * value the new type cannot hold (text that is not a number, a number out of
 * range) reads as NULL, as GreptimeDB's compat reader casts (Arrow's safe
 * cast), never as 0 or a wrapped number, and never failing the scan.
 */
export function castToType(v: arrow.Vector, type: arrow.DataType): arrow.Vector {
  return sameValueType(v.type, type) ? v : castVector(v, fromArrowType(type), { onError: 'null' });
}

/**
 * Column `c`'s literal default, the value rows that predate the column read
 * as, in the executor's representation of `c.type` (bigints for 64-bit
 * integers and timestamps, in the column's unit). The kernel stores a
 * default already cast to its column's type, but a MODIFY COLUMN leaves it in
 * the old one: such a value is cast as the column's old rows are (NULL where
 * CAST would fail).
 */
export function defaultValueOf(c: ColumnSchema): unknown {
  const v = c.default?.value;
  if (v === null || v === undefined) return null;
  const held = typeHolding(v);
  return held === undefined || representationFits(v, c.type) ? v : castScalar(v, held, c.type, { onError: 'null' });
}

/** True when `v` is a value of type `t` in the executor's representation. */
function representationFits(v: unknown, t: DataType): boolean {
  switch (typeof v) {
    case 'string': return t.name === 'String';
    case 'boolean': return t.name === 'Boolean';
    case 'bigint': return t.name === 'Int64' || t.name === 'UInt64' || t.name === 'Decimal128' || isTimestamp(t);
    case 'number': return ['Int8', 'Int16', 'Int32', 'UInt8', 'UInt16', 'UInt32', 'Float32', 'Float64', 'Date'].includes(t.name);
    default: return true;
  }
}

/** The type whose values are JS values like `v` (what a default kept from before a MODIFY COLUMN was). */
function typeHolding(v: unknown): DataType | undefined {
  switch (typeof v) {
    case 'string': return { name: 'String' };
    case 'boolean': return { name: 'Boolean' };
    case 'bigint': return { name: 'Int64' };
    case 'number': return { name: 'Float64' };
    default: return undefined;
  }
}

/** A vector of `type` from JS values already of that type (as `get` returns them; slow path: non-primitive types). */
export function jsVector(type: arrow.DataType, values: readonly unknown[]): arrow.Vector {
  const b = arrow.makeBuilder({ type, nullValues: [null, undefined] });
  for (const v of values) b.append(v as never);
  return b.finish().toVector();
}

/** A vector of `n` nulls of `type`. */
export function nullVector(type: arrow.DataType, n: number): arrow.Vector {
  return jsVector(type, new Array<unknown>(n).fill(null));
}
