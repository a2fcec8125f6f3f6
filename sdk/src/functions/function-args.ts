import * as arrow from 'apache-arrow';
import { fromArrowType, type DataType } from '@strata/kernel';

/** Values of one argument: a typed array for fixed-width types, a JS array otherwise. */
export type ArgValues =
  | Float64Array | Float32Array | Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array
  | BigInt64Array | BigUint64Array | unknown[];

/**
 * One argument of a function call, read once per batch from its Arrow
 * vector. Fixed-width values are a view of the vector's buffer (no copy for
 * single-chunk vectors); values at NULL rows are unspecified, so test
 * `valid` (or rely on 'propagate' null handling) before trusting them.
 *
 * | SQL type                         | `values`                      |
 * |----------------------------------|-------------------------------|
 * | Float64 / Float32                | Float64Array / Float32Array   |
 * | Int8..Int32, UInt8..UInt32       | the matching typed array      |
 * | Int64, Timestamp*                | BigInt64Array                 |
 * | UInt64                           | BigUint64Array                |
 * | Boolean                          | Uint8Array of 0/1             |
 * | Date                             | Int32Array (days)             |
 * | String / Binary / others         | JS array (string / Uint8Array / value) |
 *
 * @example
 * body([x], out) {
 *   const xs = x.float64();            // any numeric type as doubles
 *   for (let i = 0; i < xs.length; i++) out.values[i] = xs[i] * 2;
 * }
 */
export interface ArgColumn {
  readonly type: DataType;
  readonly length: number;
  readonly values: ArgValues;
  /** 1 = value, 0 = NULL; null when the argument has no NULLs. */
  readonly valid: Uint8Array | null;
  isNull(i: number): boolean;
  /** Row i as a JS value (number, bigint, string, boolean, Uint8Array) or null. */
  get(i: number): unknown;
  /** The values as doubles (a view for Float64, converted once otherwise). */
  float64(): Float64Array;
  /** The underlying Arrow vector. */
  readonly vector: arrow.Vector;
}

const cache = new WeakMap<arrow.Vector, ArgColumn>();

/** Reads an Arrow vector as an ArgColumn (memoized per vector: aggregates see the same vectors once per group). */
export function readArg(v: arrow.Vector): ArgColumn {
  const hit = cache.get(v);
  if (hit) return hit;
  const col = new VectorArg(v);
  cache.set(v, col);
  return col;
}

const utf8 = new TextDecoder();

class VectorArg implements ArgColumn {
  readonly type: DataType;
  readonly length: number;
  readonly values: ArgValues;
  readonly valid: Uint8Array | null;
  private doubles: Float64Array | undefined;

  constructor(readonly vector: arrow.Vector) {
    this.type = fromArrowType(vector.type);
    this.length = vector.length;
    this.valid = validityOf(vector);
    this.values = valuesOf(vector, this.type);
  }

  isNull(i: number): boolean { return this.valid !== null && this.valid[i] === 0; }

  get(i: number): unknown {
    if (this.valid !== null && this.valid[i] === 0) return null;
    const v = this.values[i];
    return this.type.name === 'Boolean' ? v === 1 : v;
  }

  float64(): Float64Array {
    if (this.doubles) return this.doubles;
    const vals = this.values;
    if (vals instanceof Float64Array) return (this.doubles = vals);
    const out = new Float64Array(this.length);
    for (let i = 0; i < out.length; i++) { const x = vals[i]; out[i] = x === null || x === undefined ? NaN : Number(x); }
    return (this.doubles = out);
  }
}

function validityOf(v: arrow.Vector): Uint8Array | null {
  if (v.nullCount === 0 || arrow.DataType.isNull(v.type)) return arrow.DataType.isNull(v.type) ? new Uint8Array(v.length) : null;
  const out = new Uint8Array(v.length).fill(1);
  let off = 0;
  for (const d of v.data) {
    const bm = d.nullBitmap;
    if (d.nullCount > 0 && bm) {
      for (let i = 0; i < d.length; i++) {
        const j = d.offset + i;
        if (((bm[j >> 3]! >> (j & 7)) & 1) === 0) out[off + i] = 0;
      }
    }
    off += d.length;
  }
  return out;
}

type TypedCtor = { new (n: number): Exclude<ArgValues, unknown[]> };

function valuesOf(v: arrow.Vector, t: DataType): ArgValues {
  const n = v.length;
  const first = v.data[0];
  if (t.name === 'Boolean') {
    const out = new Uint8Array(n);
    let off = 0;
    for (const d of v.data) {
      const bits = d.values as Uint8Array;
      for (let i = 0; i < d.length; i++) { const j = d.offset + i; out[off + i] = (bits[j >> 3]! >> (j & 7)) & 1; }
      off += d.length;
    }
    return out;
  }
  const fixed = first && ArrayBuffer.isView(first.values) && !arrow.DataType.isDictionary(v.type) && t.name !== 'IntervalMonthDayNano'
    && t.name !== 'String' && t.name !== 'Binary' && t.name !== 'Decimal128' && first.stride === 1;
  if (fixed && t.name !== 'Date') {
    if (v.data.length === 1) return (first.values as Exclude<ArgValues, unknown[]>).subarray(first.offset, first.offset + first.length) as ArgValues;
    const Ctor = (first.values as object).constructor as TypedCtor;
    const out = new Ctor(n);
    let off = 0;
    for (const d of v.data) { (out as Float64Array).set((d.values as Float64Array).subarray(d.offset, d.offset + d.length), off); off += d.length; }
    return out;
  }
  if (t.name === 'String' && v.type.typeId === arrow.Type.Utf8) {
    const out = new Array<unknown>(n);
    let off = 0;
    for (const d of v.data) {
      const offsets = d.valueOffsets as Int32Array; const bytes = d.values as Uint8Array;
      for (let i = 0; i < d.length; i++) { const j = d.offset + i; out[off + i] = utf8.decode(bytes.subarray(offsets[j]!, offsets[j + 1]!)); }
      off += d.length;
    }
    return out;
  }
  if (t.name === 'Date') {
    // Arrow's DateDay/DateMillisecond `get` gives milliseconds; expose days as Int32 like the executor does.
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) { const x = v.get(i) as number | null; out[i] = x === null ? 0 : Math.floor(Number(x) / 86_400_000); }
    return out;
  }
  const out = new Array<unknown>(n);
  for (let i = 0; i < n; i++) {
    const x = v.get(i) as unknown;
    out[i] = x === undefined ? null : t.name.startsWith('Timestamp') && typeof x === 'number' ? BigInt(Math.trunc(x)) : x;
  }
  return out;
}
