import type * as arrow from 'apache-arrow';
import { isInteger, timestampUnitsPerSecond, type DataType, type DataTypeName } from '../../data/data-types.js';
import type { ArgType, FunctionContext, ReturnTypeRule, ScalarFunction, Signature } from '../../interfaces/function.js';
import { allocData, coerceValue, columnFromArrow, columnToArrow, valueAt, type Column } from '../../sql/exec/column.js';

/** Signature shorthand: sig('numeric', 'integer'). */
export function sig(...args: ArgType[]): Signature { return { args }; }
export function variadic(...args: ArgType[]): Signature { return { args, variadic: true }; }

export const F64: DataType = { name: 'Float64' };
export const I64: DataType = { name: 'Int64' };
export const U64: DataType = { name: 'UInt64' };
export const STR: DataType = { name: 'String' };
export const BOOL: DataType = { name: 'Boolean' };

/** Return type = type of argument i. */
export const sameAs = (i = 0): ReturnTypeRule => (a) => a[i] ?? { name: 'Null' };


/**
 * Defines a scalar built-in whose body works on executor columns; the
 * registry contract (Arrow vectors in and out) is kept by converting at
 * the edge (zero-copy for fixed-width types).
 */
export function columnar(def: Omit<ScalarFunction, 'kind' | 'invoke'> & {
  body(args: Column[], ctx: FunctionContext, returnType: DataType | undefined): Column;
  ret?: (args: Column[]) => DataType;
}): ScalarFunction {
  const { body, ret, ...rest } = def;
  const onColumns = (cols: Column[], ctx: FunctionContext): Column => {
    const rt = ret ? ret(cols) : typeof def.returnType === 'function' ? def.returnType(cols.map((c) => c.type)) : def.returnType;
    return body(cols, ctx, rt);
  };
  const invoke = (args: readonly arrow.Vector[], ctx: FunctionContext): arrow.Vector => columnToArrow(onColumns(args.map((a) => columnFromArrow(a)), ctx));
  columnBodies.set(invoke, onColumns);
  return { kind: 'scalar', ...rest, invoke };
}

/** The column-level bodies of `columnar` functions, by their `invoke`. */
const columnBodies = new WeakMap<ScalarFunction['invoke'], (args: Column[], ctx: FunctionContext) => Column>();

/**
 * The body behind a scalar function's `invoke` when `columnar` made it: the
 * executor calls it with its columns as they are, where `invoke` would turn
 * each argument into an Arrow vector and the result back (a String argument,
 * even a literal, means encoding every row). Keyed by the `invoke` function,
 * so a copy of a built-in with its own `invoke` goes through that.
 */
export function columnBodyOf(invoke: ScalarFunction['invoke']): ((args: Column[], ctx: FunctionContext) => Column) | undefined {
  return columnBodies.get(invoke);
}

/** Row-wise map over columns with NULL propagation; `f` sees JS values. */
export function mapRows(type: DataType, n: number, args: readonly Column[], f: (vals: unknown[], i: number) => unknown, propagateNulls = true): Column {
  const data = allocData(type.name, n);
  let valid: Uint8Array | null = null;
  const vals = new Array<unknown>(args.length);
  const isBool = type.name === 'Boolean';
  outer: for (let i = 0; i < n; i++) {
    for (let k = 0; k < args.length; k++) {
      const v = valueAt(args[k]!, i);
      if (v === null && propagateNulls) {
        valid ??= new Uint8Array(n).fill(1);
        valid[i] = 0;
        continue outer;
      }
      vals[k] = v;
    }
    const r = f(vals, i);
    if (r === null || r === undefined || (typeof r === 'number' && Number.isNaN(r) && type.name !== 'Float64' && type.name !== 'Float32')) {
      valid ??= new Uint8Array(n).fill(1);
      valid[i] = 0;
      continue;
    }
    (data as unknown[])[i] = isBool ? (r ? 1 : 0) : coerceValue(type.name, r);
  }
  return { type, length: n, data, valid };
}

/** Fast numeric map to Float64 (NULLs kept). */
export function mapFloat(c: Column, f: (x: number) => number): Column {
  const n = c.length;
  const out = new Float64Array(n);
  const d = c.data as ArrayLike<number | bigint>;
  for (let i = 0; i < n; i++) out[i] = f(Number(d[i]));
  return { type: F64, length: n, data: out, valid: c.valid ? c.valid.slice() : null };
}

/** Fast numeric predicate to Boolean (NULLs kept). */
export function mapBool(c: Column, f: (x: number) => boolean): Column {
  const n = c.length;
  const out = new Uint8Array(n);
  const d = c.data as ArrayLike<number | bigint>;
  for (let i = 0; i < n; i++) out[i] = f(Number(d[i])) ? 1 : 0;
  return { type: BOOL, length: n, data: out, valid: c.valid ? c.valid.slice() : null };
}

/** The validity of a row-wise combination of columns: NULL where any of them is (null: no NULLs). */
export function bothValid(cols: readonly Column[], n: number): Uint8Array | null {
  let valid: Uint8Array | null = null;
  for (const c of cols) {
    if (!c.valid) continue;
    if (!valid) { valid = c.valid.slice(0, n); continue; }
    for (let i = 0; i < n; i++) valid[i]! &= c.valid[i]!;
  }
  return valid;
}

/** Fast numeric map of two columns to Float64; NULL where either side is NULL. */
export function mapFloat2(a: Column, b: Column, f: (x: number, y: number) => number): Column {
  const n = a.length;
  const out = new Float64Array(n);
  const da = a.data as ArrayLike<number | bigint>;
  const db = b.data as ArrayLike<number | bigint>;
  for (let i = 0; i < n; i++) out[i] = f(Number(da[i]), Number(db[i]));
  return { type: F64, length: n, data: out, valid: bothValid([a, b], n) };
}

export function num(v: unknown): number { return typeof v === 'number' ? v : Number(v); }

/** Nanoseconds per unit of a timestamp type. */
export function nanosPerUnit(t: DataTypeName): bigint { return 1_000_000_000n / timestampUnitsPerSecond(t); }

export function toNanos(v: bigint, t: DataTypeName): bigint { return v * nanosPerUnit(t); }
export function fromNanos(v: bigint, t: DataTypeName): bigint {
  const u = nanosPerUnit(t);
  const q = v / u;
  return v % u !== 0n && v < 0n ? q - 1n : q;
}

/** Floor division for bigints. */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return (a % b !== 0n) && ((a < 0n) !== (b < 0n)) ? q - 1n : q;
}

/** Result type of integer + integer etc.: the wider signed type, floats win. */
export function numericResult(a: DataType, b: DataType): DataType {
  if (a.name === 'Float64' || b.name === 'Float64' || a.name === 'Float32' || b.name === 'Float32' || a.name === 'Decimal128' || b.name === 'Decimal128') return F64;
  if (a.name === 'UInt64' && (b.name === 'UInt64' || b.name.startsWith('UInt'))) return U64;
  if (isInteger(a) && isInteger(b)) return I64;
  if (a.name === 'Null') return b;
  if (b.name === 'Null') return a;
  return F64;
}

const TWO32 = 4294967296;
const SIGN = -2147483648;

/**
 * floor((v + offset) / step) * step - offset for every slot of a 64-bit
 * timestamp array (date_trunc, date_bin), without a bigint per row:
 * nanosecond timestamps are beyond 2^53, so each value is read as (hi, lo)
 * int32 halves. Sorted timestamps mostly fall in the previous row's bin,
 * which is tested with int32 comparisons alone; a new bin is worked out
 * relative to a nearby bin start B (exact in doubles while |v - B| < 2^52),
 * and B moves (one bigint division) only when a value is far from it.
 */
export function binTimestamps(src: BigInt64Array, step: bigint, offset: bigint): BigInt64Array {
  const n = src.length;
  const out = new BigInt64Array(n);
  if (step <= 1n) { out.set(src); return out; }
  const stepN = Number(step);
  if (!Number.isSafeInteger(stepN) || stepN > 2 ** 44) {
    for (let i = 0; i < n; i++) out[i] = floorDiv(src[i]! + offset, step) * step - offset;
    return out;
  }
  const src32 = new Int32Array(src.buffer, src.byteOffset, n * 2);
  const out32 = new Int32Array(out.buffer, out.byteOffset, n * 2);
  for (let i = 0; i < n;) {
    const b = floorDiv(src[i]! + offset, step) * step - offset;
    const j = binRun(src32, out32, i, n, Number(BigInt.asIntN(32, b >> 32n)), Number(b & 0xffffffffn), stepN);
    // No progress: the bin start lies outside the int64 range (it wraps, as the bigint path's does).
    if (j === i) { out[i] = b; i++; } else i = j;
  }
  return out;
}

/**
 * binTimestamps from row i on while values are within 2^52 of the bin start
 * B = (bhi, blo: high half signed, low half unsigned); returns the row it
 * stopped at. Kept apart from the bigint code so V8 optimizes the loop alone.
 */
function binRun(src32: Int32Array, out32: Int32Array, i: number, n: number, bhi: number, blo: number, stepN: number): number {
  // The current bin [s, e) as int32 halves, low halves xor SIGN so that signed order is
  // unsigned order; (ol, oh) is what its rows get. Empty until the first row.
  let sh = 1, sl = 0, eh = 0, el = 0, ol = 0, oh = 0;
  for (; i < n; i++) {
    const hi = src32[2 * i + 1]!, lw = src32[2 * i]!;
    const lx = lw ^ SIGN;
    if (hi < sh || (hi === sh && lx < sl) || hi > eh || (hi === eh && lx >= el)) {
      const dh = hi - bhi;
      if (dh >= 1048576 || dh <= -1048576) break;
      const delta = dh * TWO32 + ((lw >>> 0) - blo); // v - B, exact
      let r = Math.floor(delta / stepN) * stepN;
      if (r > delta) r -= stepN; else if (r + stepN <= delta) r += stepN;
      // The bin's start and end (a bin ending past the int64 range wraps: its rows then always recompute).
      const s = blo + r, e = s + stepN;
      const cs = Math.floor(s / TWO32), ce = Math.floor(e / TWO32);
      ol = (s - cs * TWO32) | 0; oh = (bhi + cs) | 0;
      sh = oh; sl = ol ^ SIGN;
      eh = (bhi + ce) | 0; el = ((e - ce * TWO32) | 0) ^ SIGN;
    }
    out32[2 * i] = ol;
    out32[2 * i + 1] = oh;
  }
  return i;
}
