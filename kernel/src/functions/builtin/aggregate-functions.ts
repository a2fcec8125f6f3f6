import type * as arrow from 'apache-arrow';
import { isFloat, type DataType } from '../../data/data-types.js';
import { InvalidArgumentsError } from '../../errors/errors.js';
import type { AggregateFunction, FunctionContext } from '../../interfaces/function.js';
import { columnFromArrow, valueAt, type Column } from '../../sql/exec/column.js';
import { F64, I64, sameAs, sig, U64 } from './function-helpers.js';

/**
 * Marks the built-ins the aggregate operator may run on typed-array states
 * (count, sum, avg, min, max over fixed-width numbers); the operator keeps
 * their exact semantics. A function without the mark always goes through
 * init/update/merge/finalize.
 */
export const FAST_AGGREGATE: unique symbol = Symbol.for('strata.fastAggregate');
export type FastAggregateKind = 'count' | 'sum' | 'avg' | 'min' | 'max';

/** Calls f(row) for every selected row with a non-NULL value in c. */
function forRows(c: Column, rows: Uint32Array | null, f: (i: number) => void): void {
  const valid = c.valid;
  if (rows === null) {
    for (let i = 0; i < c.length; i++) if (valid === null || valid[i] === 1) f(i);
  } else {
    for (let k = 0; k < rows.length; k++) { const i = rows[k]!; if (valid === null || valid[i] === 1) f(i); }
  }
}

const col = (args: readonly arrow.Vector[], i = 0): Column => columnFromArrow(args[i]!);

interface CountState { n: bigint }
const count: AggregateFunction<CountState> & { [FAST_AGGREGATE]: FastAggregateKind } = {
  [FAST_AGGREGATE]: 'count',
  kind: 'aggregate', name: 'count', signatures: [sig(), sig('any')], returnType: I64,
  init: () => ({ n: 0n }),
  update(s, args, rows, ctx) {
    if (args.length === 0) { s.n += BigInt(rows ? rows.length : ctx.rowCount); return s; }
    const c = col(args);
    if (c.valid === null) { s.n += BigInt(rows ? rows.length : c.length); return s; }
    let k = 0;
    forRows(c, rows, () => { k++; });
    s.n += BigInt(k);
    return s;
  },
  merge: (a, b) => ({ n: a.n + b.n }),
  finalize: (s) => s.n,
};

interface SumState { f: number; i: bigint; any: boolean; float: boolean }
const sumReturn = (a: readonly DataType[]): DataType => {
  const t = a[0]!;
  if (isFloat(t) || t.name === 'Decimal128') return F64;
  if (t.name.startsWith('UInt')) return U64;
  if (t.name === 'Null') return I64;
  return I64;
};
const sum: AggregateFunction<SumState> & { [FAST_AGGREGATE]: FastAggregateKind } = {
  [FAST_AGGREGATE]: 'sum',
  kind: 'aggregate', name: 'sum', signatures: [sig('numeric')], returnType: sumReturn,
  init: () => ({ f: 0, i: 0n, any: false, float: false }),
  update(s, args, rows) {
    const c = col(args);
    const d = c.data as ArrayLike<number | bigint>;
    if (typeof d[0] === 'bigint' || c.data instanceof BigInt64Array || c.data instanceof BigUint64Array) {
      forRows(c, rows, (i) => { s.i += d[i] as bigint; s.any = true; });
    } else if (isFloat(c.type) || c.type.name === 'Decimal128') {
      s.float = true;
      forRows(c, rows, (i) => { s.f += d[i] as number; s.any = true; });
    } else {
      forRows(c, rows, (i) => { s.i += BigInt(d[i] as number); s.any = true; });
    }
    return s;
  },
  merge: (a, b) => ({ f: a.f + b.f, i: a.i + b.i, any: a.any || b.any, float: a.float || b.float }),
  finalize: (s) => (!s.any ? null : s.float ? s.f + Number(s.i) : s.i),
};

interface AvgState { sum: number; n: number }
const avg: AggregateFunction<AvgState> & { [FAST_AGGREGATE]: FastAggregateKind } = {
  [FAST_AGGREGATE]: 'avg',
  kind: 'aggregate', name: 'avg', aliases: ['mean'], signatures: [sig('numeric')], returnType: F64,
  init: () => ({ sum: 0, n: 0 }),
  update(s, args, rows) {
    const c = col(args);
    const d = c.data as ArrayLike<number | bigint>;
    forRows(c, rows, (i) => { s.sum += Number(d[i]); s.n++; });
    return s;
  },
  merge: (a, b) => ({ sum: a.sum + b.sum, n: a.n + b.n }),
  finalize: (s) => (s.n === 0 ? null : s.sum / s.n),
};

interface ExtState { v: unknown }
function extreme(name: 'min' | 'max'): AggregateFunction<ExtState> & { [FAST_AGGREGATE]: FastAggregateKind } {
  const better = name === 'min' ? (a: unknown, b: unknown) => (a as number) < (b as number) : (a: unknown, b: unknown) => (a as number) > (b as number);
  return {
    [FAST_AGGREGATE]: name,
    kind: 'aggregate', name, signatures: [sig('any')], returnType: sameAs(0),
    init: () => ({ v: null }),
    update(s, args, rows) {
      const c = col(args);
      const d = c.data as ArrayLike<unknown>;
      const bool = c.type.name === 'Boolean';
      forRows(c, rows, (i) => {
        const v = bool ? d[i] === 1 : d[i];
        if (s.v === null || better(v, s.v)) s.v = v;
      });
      return s;
    },
    merge: (a, b) => (a.v === null ? b : b.v === null ? a : better(b.v, a.v) ? b : a),
    finalize: (s) => s.v,
  };
}

/** Welford's online variance; merged with Chan's formula. */
interface VarState { n: number; mean: number; m2: number }
function variance(name: string, aliases: string[], pop: boolean, sqrt: boolean): AggregateFunction<VarState> {
  return {
    kind: 'aggregate', name, aliases, signatures: [sig('numeric')], returnType: F64,
    init: () => ({ n: 0, mean: 0, m2: 0 }),
    update(s, args, rows) {
      const c = col(args);
      const d = c.data as ArrayLike<number | bigint>;
      forRows(c, rows, (i) => {
        const x = Number(d[i]);
        s.n++;
        const delta = x - s.mean;
        s.mean += delta / s.n;
        s.m2 += delta * (x - s.mean);
      });
      return s;
    },
    merge(a, b) {
      if (a.n === 0) return { ...b };
      if (b.n === 0) return { ...a };
      const n = a.n + b.n;
      const delta = b.mean - a.mean;
      return { n, mean: a.mean + (delta * b.n) / n, m2: a.m2 + b.m2 + (delta * delta * a.n * b.n) / n };
    },
    finalize(s) {
      const d = pop ? s.n : s.n - 1;
      if (d <= 0) return pop && s.n === 1 ? 0 : null;
      const v = Math.max(0, s.m2 / d);
      return sqrt ? Math.sqrt(v) : v;
    },
  };
}

interface PickState { v: unknown; set: boolean }
function pick(name: 'first_value' | 'last_value', aliases: string[]): AggregateFunction<PickState> {
  const first = name === 'first_value';
  return {
    kind: 'aggregate', name, aliases, signatures: [sig('any')], returnType: sameAs(0),
    init: () => ({ v: null, set: false }),
    update(s, args, rows) {
      const c = col(args);
      if (first && s.set) return s;
      const n = rows ? rows.length : c.length;
      if (n === 0) return s;
      if (first) { s.v = valueAt(c, rows ? rows[0]! : 0); s.set = true; } else { s.v = valueAt(c, rows ? rows[n - 1]! : n - 1); s.set = true; }
      return s;
    },
    merge: (a, b) => (first ? (a.set ? a : b) : (b.set ? b : a)),
    finalize: (s) => s.v,
  };
}

/** Exact distinct count (named approx_distinct for compatibility; exact is within any error bound). */
interface SetState { seen: Set<unknown> }
const approxDistinct: AggregateFunction<SetState> = {
  kind: 'aggregate', name: 'approx_distinct', signatures: [sig('any')], returnType: U64,
  init: () => ({ seen: new Set() }),
  update(s, args, rows) {
    const c = col(args);
    forRows(c, rows, (i) => { s.seen.add(valueAt(c, i)); });
    return s;
  },
  merge: (a, b) => { for (const v of b.seen) a.seen.add(v); return a; },
  finalize: (s) => BigInt(s.seen.size),
};

interface ValuesState { xs: number[]; p: number | undefined }
function percentileOf(xs: number[], p: number): number | null {
  if (xs.length === 0) return null;
  xs.sort((a, b) => a - b);
  const pos = p * (xs.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return xs[lo]! + (xs[hi]! - xs[lo]!) * (pos - lo);
}
function percentile(name: string, aliases: string[], fixed?: number): AggregateFunction<ValuesState> {
  return {
    kind: 'aggregate', name, aliases, signatures: fixed === undefined ? [sig('numeric', 'float')] : [sig('numeric')], returnType: F64,
    init: () => ({ xs: [], p: fixed }),
    update(s, args, rows, _ctx: FunctionContext) {
      const c = col(args);
      const d = c.data as ArrayLike<number | bigint>;
      if (s.p === undefined && args[1]) {
        const pc = col(args, 1);
        const p = Number(valueAt(pc, rows ? (rows[0] ?? 0) : 0));
        // Accept percentages too (percentile(x, 90)).
        s.p = p > 1 ? p / 100 : p;
        if (!(s.p >= 0 && s.p <= 1)) throw new InvalidArgumentsError(`${name}: percentile must be between 0 and 1, got ${p}`);
      }
      forRows(c, rows, (i) => { s.xs.push(Number(d[i])); });
      return s;
    },
    merge: (a, b) => { for (const x of b.xs) a.xs.push(x); return { xs: a.xs, p: a.p ?? b.p }; },
    finalize: (s) => percentileOf(s.xs, s.p ?? 0.5),
  };
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** JSON for partial states (bigints, byte arrays and sets tagged), so partial aggregates can cross nodes. */
function serializeState(state: unknown): Uint8Array {
  return enc.encode(JSON.stringify(state, (_k, v) => {
    if (typeof v === 'bigint') return { $b: v.toString() };
    if (v instanceof Uint8Array) return { $u: Buffer.from(v).toString('base64') };
    if (v instanceof Set) return { $s: [...v] };
    return v;
  }));
}
function deserializeState(bytes: Uint8Array): unknown {
  return JSON.parse(dec.decode(bytes), (_k, v) => {
    if (v && typeof v === 'object') {
      if (typeof v.$b === 'string') return BigInt(v.$b);
      if (typeof v.$u === 'string') return new Uint8Array(Buffer.from(v.$u, 'base64'));
      if (Array.isArray(v.$s)) return new Set(v.$s);
    }
    return v;
  });
}

function withCodec<S>(fn: AggregateFunction<S>): AggregateFunction<S> {
  return fn.serialize ? fn : { ...fn, serialize: serializeState, deserialize: (b) => deserializeState(b) as S };
}

/** Every aggregate built-in. DISTINCT is handled by the aggregate operator for any of them. */
export function builtinAggregateFunctions(): AggregateFunction<any>[] {
  return builtinAggregateList().map(withCodec);
}

function builtinAggregateList(): AggregateFunction<any>[] {
  return [
    count, sum, avg, extreme('min'), extreme('max'),
    variance('stddev', ['stddev_samp'], false, true), variance('stddev_pop', [], true, true),
    variance('variance', ['var_samp', 'var'], false, false), variance('var_pop', [], true, false),
    pick('first_value', ['first']), pick('last_value', ['last']),
    approxDistinct,
    percentile('approx_percentile_cont', ['percentile_cont', 'percentile']),
    percentile('median', [], 0.5),
  ];
}
