import * as arrow from 'apache-arrow';
import type { DataType } from '@strata/kernel';
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
 * Converts a JS value read from one Arrow type into what a builder of `type`
 * accepts: rows written before ALTER TABLE ... MODIFY COLUMN are read as the
 * new type. A value the new type cannot hold (text that is not a number, a
 * number out of the type's range) reads as NULL, as GreptimeDB's cast does,
 * never as 0 or a wrapped number.
 */
export function convertValue(v: unknown, type: arrow.DataType): unknown {
  if (v === null || v === undefined) return null;
  switch (type.typeId) {
    case arrow.Type.Int: {
      const t = type as arrow.Int;
      let x: bigint;
      if (typeof v === 'bigint') x = v;
      else if (typeof v === 'boolean') x = v ? 1n : 0n;
      else if (typeof v === 'string') { if (!/^\s*[+-]?\d+\s*$/.test(v)) return null; x = BigInt(v.trim()); }
      else { const n = Number(v); if (!Number.isFinite(n)) return null; x = BigInt(Math.trunc(n)); }
      const bits = BigInt(t.bitWidth);
      const [lo, hi] = t.isSigned ? [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n] : [0n, (1n << bits) - 1n];
      if (x < lo || x > hi) return null;
      return t.bitWidth === 64 ? x : Number(x);
    }
    case arrow.Type.Float: {
      if (typeof v === 'number') return v;
      if (typeof v === 'boolean') return v ? 1 : 0;
      if (typeof v === 'string' && !/^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i.test(v)) return null;
      const n = Number(v);
      return Number.isNaN(n) ? null : n;
    }
    case arrow.Type.Utf8: case arrow.Type.LargeUtf8: return typeof v === 'string' ? v : String(v);
    case arrow.Type.Bool: {
      if (typeof v === 'boolean') return v;
      if (typeof v === 'string') { const s = v.trim().toLowerCase(); return s === 'true' ? true : s === 'false' ? false : null; }
      return Number(v) !== 0;
    }
    case arrow.Type.Timestamp: {
      const n = typeof v === 'number' ? v : Number(v);
      return Number.isFinite(n) ? n : null;
    }
    default: return v;
  }
}

/** A vector of `type` from JS values (slow path: non-primitive types). */
export function jsVector(type: arrow.DataType, values: readonly unknown[]): arrow.Vector {
  const b = arrow.makeBuilder({ type, nullValues: [null, undefined] });
  for (const v of values) b.append(convertValue(v, type) as never);
  return b.finish().toVector();
}

/** A vector of `n` nulls of `type`. */
export function nullVector(type: arrow.DataType, n: number): arrow.Vector {
  return jsVector(type, new Array<unknown>(n).fill(null));
}
