import * as arrow from 'apache-arrow';
import type { AggregateFunction, FunctionContext, ScalarFunction } from '@strata/kernel';
import { badBounds, badState } from './errors.js';
import type { __PASCAL_NAME__Options } from './options.js';

/** Reads element `i` of a numeric vector as a double (Int64 arrives as bigint), or null. */
function numberAt(v: arrow.Vector, i: number): number | null {
  const x = v.get(i) as number | bigint | null;
  return x === null || x === undefined ? null : Number(x);
}

/**
 * A whole argument vector as doubles plus a validity test: a single-chunk
 * Float64 vector is read in place (no copy, no per-row `get`); other numeric
 * types are converted once.
 */
function doublesOf(v: arrow.Vector, n: number): { values: ArrayLike<number>; isNull: (i: number) => boolean } {
  const isNull = v.nullCount > 0 ? (i: number) => !v.isValid(i) : () => false;
  const d = v.data[0];
  if (v.data.length === 1 && d && arrow.DataType.isFloat(v.type) && d.values instanceof Float64Array) {
    return { values: d.values.subarray(d.offset, d.offset + n), isNull };
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = numberAt(v, i) ?? NaN;
  return { values, isNull };
}

/** A Float64 vector from a value array with a validity bitmap (no per-row objects). */
function float64Vector(values: Float64Array, valid: Uint8Array | null): arrow.Vector<arrow.Float64> {
  const data = arrow.makeData({ type: new arrow.Float64(), length: values.length, data: values, nullBitmap: valid ?? undefined });
  return arrow.makeVector(data);
}

/**
 * `<prefix>_clamp(x, lo, hi)`: x limited to [lo, hi], as Float64. NULL in any
 * argument gives NULL (the kernel's default 'propagate' null handling; the
 * body still checks validity because it sees the whole vector). lo > hi is
 * the caller's error.
 *
 * @example
 * SELECT host, __SNAKE_NAME___clamp(usage, 0, 100) FROM cpu
 */
export function clampFunction(opts: __PASCAL_NAME__Options): ScalarFunction {
  const name = `${opts.prefix}_clamp`;
  return {
    kind: 'scalar',
    name,
    description: 'x limited to the closed interval [lo, hi]',
    signatures: [{ args: ['numeric', 'numeric', 'numeric'] }],
    returnType: { name: 'Float64' },
    volatility: 'immutable',
    invoke([x, lo, hi], ctx: FunctionContext) {
      const n = ctx.rowCount;
      const out = new Float64Array(n);
      let valid: Uint8Array | null = null;
      const setNull = (i: number) => {
        valid ??= new Uint8Array((n + 7) >> 3).fill(0xff);
        valid[i >> 3]! &= ~(1 << (i & 7));
      };
      const xs = doublesOf(x!, n); const los = doublesOf(lo!, n); const his = doublesOf(hi!, n);
      for (let i = 0; i < n; i++) {
        if (xs.isNull(i) || los.isNull(i) || his.isNull(i)) { setNull(i); continue; }
        const v = xs.values[i]!; const a = los.values[i]!; const b = his.values[i]!;
        if (a > b) throw badBounds(name, i, a, b);
        if (Number.isNaN(v)) { if (opts.clampNaN === 'null') setNull(i); else out[i] = NaN; continue; }
        out[i] = v < a ? a : v > b ? b : v;
      }
      return float64Vector(out, valid);
    },
  };
}

/** The spread aggregate's state: the smallest and largest value seen, and how many. */
export interface SpreadState { min: number; max: number; count: number }

const STATE_BYTES = 24;

/**
 * `<prefix>_spread(x)`: max(x) - min(x) over the group's non-NULL values
 * (NULL when there are none). Mergeable: partial states from several scans
 * combine with `merge`, and cross nodes as 24 bytes (`serialize`).
 *
 * ```
 *   part 1: init → update(rows) ─┐
 *   part 2: init → update(rows) ─┼─ merge → finalize = max - min
 * ```
 *
 * @example
 * SELECT host, __SNAKE_NAME___spread(usage) FROM cpu GROUP BY host
 */
export function spreadFunction(opts: __PASCAL_NAME__Options): AggregateFunction<SpreadState> {
  const name = `${opts.prefix}_spread`;
  return {
    kind: 'aggregate',
    name,
    description: 'max(x) - min(x) over the non-NULL values',
    signatures: [{ args: ['numeric'] }],
    returnType: { name: 'Float64' },
    init: () => ({ min: Infinity, max: -Infinity, count: 0 }),
    update(state, [x], rows) {
      const v = x!;
      const visit = (i: number) => {
        const n = numberAt(v, i);
        if (n === null || Number.isNaN(n)) return;
        if (n < state.min) state.min = n;
        if (n > state.max) state.max = n;
        state.count++;
      };
      if (rows) for (let k = 0; k < rows.length; k++) visit(rows[k]!);
      else for (let i = 0; i < v.length; i++) visit(i);
      return state;
    },
    merge: (a, b) => ({ min: Math.min(a.min, b.min), max: Math.max(a.max, b.max), count: a.count + b.count }),
    finalize: (s) => (s.count === 0 ? null : s.max - s.min),
    serialize(s) {
      const buf = new Uint8Array(STATE_BYTES);
      const dv = new DataView(buf.buffer);
      dv.setFloat64(0, s.min, true); dv.setFloat64(8, s.max, true); dv.setFloat64(16, s.count, true);
      return buf;
    },
    deserialize(bytes) {
      if (bytes.byteLength !== STATE_BYTES) throw badState(name, bytes.byteLength, STATE_BYTES);
      const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      return { min: dv.getFloat64(0, true), max: dv.getFloat64(8, true), count: dv.getFloat64(16, true) };
    },
  };
}
