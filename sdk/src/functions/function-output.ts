import * as arrow from 'apache-arrow';
import { ExecutionError, fromArrowType, toArrowType, type DataType, type DataTypeName } from '@strata/kernel';
import type { ArgValues } from './function-args.js';

/**
 * Where a vectorized body writes its result: `values` is preallocated for
 * the return type (see ArgColumn for the array per type), `setNull(i)`
 * marks a NULL. Returning nothing from the body means "use `out`".
 *
 * @example
 * body([x, lo, hi], out) {
 *   const xs = x.float64(), l = lo.float64(), h = hi.float64();
 *   const o = out.values as Float64Array;
 *   for (let i = 0; i < o.length; i++) o[i] = Math.min(h[i], Math.max(l[i], xs[i]));
 * }
 */
export interface OutputBuilder {
  readonly type: DataType;
  readonly length: number;
  readonly values: ArgValues;
  setNull(i: number): void;
  /** Sets row i from a JS value (null -> NULL); checks the value's type. */
  set(i: number, v: unknown): void;
}

/** What a body may return: a vector, a typed array of the return type, a JS array, or nothing (then `out` is used). */
export type FunctionResult = arrow.Vector | ArgValues | readonly unknown[] | void | undefined;

type Storage = { ctor: { new (n: number): Exclude<ArgValues, unknown[]>; name: string }; bigint: boolean } | null;

/** The typed array each return type is produced in (null = JS array). */
export function storageOf(t: DataTypeName): Storage {
  switch (t) {
    case 'Boolean': case 'UInt8': return { ctor: Uint8Array, bigint: false };
    case 'Int8': return { ctor: Int8Array, bigint: false };
    case 'Int16': return { ctor: Int16Array, bigint: false };
    case 'Int32': case 'Date': return { ctor: Int32Array, bigint: false };
    case 'UInt16': return { ctor: Uint16Array, bigint: false };
    case 'UInt32': return { ctor: Uint32Array, bigint: false };
    case 'Float32': return { ctor: Float32Array, bigint: false };
    case 'Float64': return { ctor: Float64Array, bigint: false };
    case 'Int64': case 'TimestampSecond': case 'TimestampMillisecond': case 'TimestampMicrosecond': case 'TimestampNanosecond':
      return { ctor: BigInt64Array, bigint: true };
    case 'UInt64': return { ctor: BigUint64Array, bigint: true };
    default: return null;
  }
}

/** Checks one JS value against a SQL type; returns what was expected when it does not fit, else undefined. */
export function valueMismatch(t: DataType, v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  const n = t.name;
  if (n === 'Boolean') return typeof v === 'boolean' || v === 0 || v === 1 ? undefined : 'a boolean';
  if (n === 'String') return typeof v === 'string' ? undefined : 'a string';
  if (n === 'Binary') return v instanceof Uint8Array ? undefined : 'a Uint8Array';
  const s = storageOf(n);
  if (!s) return undefined;
  if (s.bigint) return typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v)) ? undefined : 'a bigint (or an integer number)';
  if (n.startsWith('Float')) return typeof v === 'number' ? undefined : 'a number';
  return typeof v === 'number' && Number.isInteger(v) ? undefined : 'an integer number';
}

/** Describes a value for an error message. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (ArrayBuffer.isView(v)) return (v as object).constructor.name;
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}`;
  return `${typeof v} ${String(v)}`;
}

export class Output implements OutputBuilder {
  private vals: ArgValues | undefined;
  private valid: Uint8Array | null = null;
  touched = false;

  constructor(readonly type: DataType, readonly length: number) {}

  get values(): ArgValues {
    this.touched = true;
    if (!this.vals) {
      const s = storageOf(this.type.name);
      this.vals = s ? new s.ctor(this.length) : new Array<unknown>(this.length).fill(null);
    }
    return this.vals;
  }

  setNull(i: number): void {
    this.touched = true;
    this.valid ??= new Uint8Array(this.length).fill(1);
    this.valid[i] = 0;
  }

  set(i: number, v: unknown): void {
    if (v === null || v === undefined) { this.setNull(i); return; }
    const bad = valueMismatch(this.type, v);
    if (bad) throw new TypeError(`row ${i}: expected ${bad} for return type ${this.type.name}, got ${describe(v)}`);
    const vals = this.values;
    const s = storageOf(this.type.name);
    if (s?.bigint) (vals as BigInt64Array)[i] = typeof v === 'bigint' ? v : BigInt(v as number);
    else if (this.type.name === 'Boolean') (vals as Uint8Array)[i] = v ? 1 : 0;
    else (vals as unknown[])[i] = v;
  }

  /** The result as an Arrow vector of the return type. */
  finish(): arrow.Vector {
    return vectorOf(this.type, this.values, this.valid);
  }
}

function packBits(valid: Uint8Array): Uint8Array {
  const out = new Uint8Array((valid.length + 7) >> 3);
  for (let i = 0; i < valid.length; i++) if (valid[i]) out[i >> 3]! |= 1 << (i & 7);
  return out;
}

/** Builds an Arrow vector of type t from values in t's storage plus a byte validity mask. */
export function vectorOf(t: DataType, values: ArgValues, valid: Uint8Array | null): arrow.Vector {
  const n = values.length;
  const at = toArrowType(t);
  const nullBitmap = valid ? packBits(valid) : undefined;
  if (t.name === 'Boolean') {
    return arrow.makeVector(arrow.makeData({ type: at as arrow.Bool, length: n, data: packBits(values as Uint8Array), nullBitmap }));
  }
  const s = storageOf(t.name);
  if (s && t.name !== 'Date') return arrow.makeVector(arrow.makeData({ type: at as arrow.Int32, length: n, data: values as Int32Array, nullBitmap }));
  const js = new Array<unknown>(n);
  for (let i = 0; i < n; i++) {
    const v = (values as ArrayLike<unknown>)[i];
    js[i] = (valid && valid[i] === 0) || v === undefined ? null : t.name === 'Date' ? new Date(Number(v) * 86_400_000) : v;
  }
  return arrow.vectorFromArray(js, at as arrow.Utf8);
}

/**
 * Turns what a body handed back into a vector of the return type, or fails
 * saying what was expected (wrong length, wrong array type, wrong values).
 */
export function resultToVector(fnName: string, rt: DataType, n: number, result: FunctionResult, out: Output): arrow.Vector {
  const fail = (msg: string) => new ExecutionError(`function '${fnName}' returned ${msg}`);
  if (result === undefined) {
    if (!out.touched) throw fail(`nothing and wrote nothing to 'out'; expected ${n} values of ${rt.name} (return them or write out.values)`);
    return out.finish();
  }
  if (result instanceof arrow.Vector) {
    if (result.length !== n) throw fail(`a vector of ${result.length} values for ${n} rows; expected exactly one value per row`);
    const got = fromArrowType(result.type);
    if (got.name !== rt.name) throw fail(`a ${got.name} vector; expected ${rt.name} (the declared return type)`);
    return result;
  }
  if (ArrayBuffer.isView(result)) {
    const arr = result as Exclude<ArgValues, unknown[]>;
    if (arr.length !== n) throw fail(`${arr.length} values for ${n} rows; expected exactly one value per row`);
    const s = storageOf(rt.name);
    if (!s || !(arr instanceof s.ctor)) {
      throw fail(`a ${arr.constructor.name}; expected ${s ? s.ctor.name : 'a JS array'} for return type ${rt.name}`);
    }
    return vectorOf(rt, arr, null);
  }
  if (Array.isArray(result)) {
    if (result.length !== n) throw fail(`${result.length} values for ${n} rows; expected exactly one value per row`);
    const o = new Output(rt, n);
    for (let i = 0; i < n; i++) {
      const v = result[i];
      const bad = valueMismatch(rt, v);
      if (bad) throw fail(`${describe(v)} at row ${i}; expected ${bad} (return type ${rt.name})`);
      o.set(i, v);
    }
    return o.finish();
  }
  throw fail(`${describe(result)}; expected an Arrow vector, a typed array, an array of ${n} values, or nothing (writing to 'out')`);
}
