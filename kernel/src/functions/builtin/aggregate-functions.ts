import type * as arrow from 'apache-arrow';
import { isFloat, isInteger, type DataType } from '../../data/data-types.js';
import { InvalidArgumentsError } from '../../errors/errors.js';
import type { AggregateFunction, FunctionContext } from '../../interfaces/function.js';
import { columnFromArrow, valueAt, type Column } from '../../sql/exec/column.js';
import { divRound, pow10 } from '../../sql/exec/decimal.js';
import { compareValues } from '../../sql/exec/expression-evaluator.js';
import { BOOL, F64, I64, sameAs, sig, STR, U64 } from './function-helpers.js';

/**
 * Marks the built-ins the aggregate operator may run on typed-array states
 * (count, sum, avg, min, max over fixed-width numbers); the operator keeps
 * their exact semantics. A function without the mark always goes through
 * init/update/merge/finalize.
 */
export const FAST_AGGREGATE: unique symbol = Symbol.for('strata.fastAggregate');
export type FastAggregateKind = 'count' | 'sum' | 'avg' | 'min' | 'max';

/**
 * Marks the built-in aggregates other than sum/avg whose bodies take DECIMAL
 * arguments as exact unscaled values (the binder then leaves them DECIMAL
 * instead of reading them as DOUBLE).
 */
export const KEEPS_DECIMAL: unique symbol = Symbol.for('strata.keepsDecimal');

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

/**
 * A float sum that values can be taken back out of: finite values in a
 * Neumaier-compensated sum (so 1e16 + 1 - 1e16 is 1, not 0), NaN and
 * infinities counted apart (so a frame that an Infinity has left sums its
 * finite values again).
 */
interface FloatSum {
  f: number; c: number; nan: number; pinf: number; ninf: number;
  /** Finite values summed past the float range: the sum is Infinity now and nothing can be taken out of it (canRetract). */
  overflowed: boolean;
}
const floatSum = (): FloatSum => ({ f: 0, c: 0, nan: 0, pinf: 0, ninf: 0, overflowed: false });
function addFloat(s: FloatSum, x: number, sign: 1 | -1): void {
  if (!Number.isFinite(x)) {
    if (x !== x) s.nan += sign; else if (x > 0) s.pinf += sign; else s.ninf += sign;
    return;
  }
  const y = sign * x;
  const t = s.f + y;
  if (!Number.isFinite(t) && Number.isFinite(s.f)) s.overflowed = true;
  s.c += Math.abs(s.f) >= Math.abs(y) ? (s.f - t) + y : (y - t) + s.f;
  s.f = t;
}
function floatSumValue(s: FloatSum): number {
  if (s.nan > 0 || (s.pinf > 0 && s.ninf > 0)) return NaN;
  if (s.pinf > 0) return Infinity;
  if (s.ninf > 0) return -Infinity;
  // Past the float range the compensation means nothing (it would turn Infinity into NaN).
  return Number.isFinite(s.f) ? s.f + s.c : s.f;
}
function mergeFloat(a: FloatSum, b: FloatSum): FloatSum {
  const s = { ...a };
  addFloat(s, b.f, 1);
  s.c += b.c; s.nan += b.nan; s.pinf += b.pinf; s.ninf += b.ninf;
  s.overflowed ||= b.overflowed;
  return s;
}

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
  retract(s, args, rows, ctx) {
    const taken = count.update({ n: 0n }, args, rows, ctx);
    s.n -= taken.n;
    return s;
  },
  finalize: (s) => s.n,
};

/** `n`: non-NULL values folded in; floats in `f` (see FloatSum), integers and decimals exactly in `i`. */
interface SumState { f: FloatSum; i: bigint; n: number; float: boolean }
const sumReturn = (a: readonly DataType[]): DataType => {
  const t = a[0]!;
  // DataFusion: sum(DECIMAL(p, s)) is DECIMAL(min(38, p + 10), s).
  if (t.name === 'Decimal128') return { name: 'Decimal128', precision: Math.min(38, (t.precision ?? 38) + 10), scale: t.scale ?? 0 };
  if (isFloat(t)) return F64;
  if (t.name.startsWith('UInt')) return U64;
  if (t.name === 'Null') return I64;
  return I64;
};
const sum: AggregateFunction<SumState> & { [FAST_AGGREGATE]: FastAggregateKind } = {
  [FAST_AGGREGATE]: 'sum',
  kind: 'aggregate', name: 'sum', signatures: [sig('numeric')], returnType: sumReturn,
  init: () => ({ f: floatSum(), i: 0n, n: 0, float: false }),
  update: (s, args, rows) => sumRows(s, args, rows, 1),
  retract: (s, args, rows) => sumRows(s, args, rows, -1),
  canRetract: (s) => !s.f.overflowed,
  merge: (a, b) => ({ f: mergeFloat(a.f, b.f), i: a.i + b.i, n: a.n + b.n, float: a.float || b.float }),
  finalize: (s) => (s.n === 0 ? null : s.float ? floatSumValue(s.f) + Number(s.i) : s.i),
};

function sumRows(s: SumState, args: readonly arrow.Vector[], rows: Uint32Array | null, sign: 1 | -1): SumState {
  const c = col(args);
  const d = c.data as ArrayLike<number | bigint>;
  if (c.type.name === 'Decimal128' || c.data instanceof BigInt64Array || c.data instanceof BigUint64Array) {
    // Decimals are unscaled bigints of one scale: their sum is exact.
    if (sign === 1) forRows(c, rows, (i) => { s.i += d[i] as bigint; s.n++; });
    else forRows(c, rows, (i) => { s.i -= d[i] as bigint; s.n--; });
  } else if (isFloat(c.type)) {
    s.float = true;
    forRows(c, rows, (i) => { addFloat(s.f, d[i] as number, sign); s.n += sign; });
  } else if (sign === 1) {
    forRows(c, rows, (i) => { s.i += BigInt(d[i] as number); s.n++; });
  } else {
    forRows(c, rows, (i) => { s.i -= BigInt(d[i] as number); s.n--; });
  }
  return s;
}

/** `dsum`/`scale`: the exact sum of a DECIMAL argument's unscaled values. */
interface AvgState { sum: FloatSum; n: number; dsum?: bigint; scale?: number }
/** DataFusion: avg(DECIMAL(p, s)) is DECIMAL(min(38, p + 4), min(38, s + 4)). */
const avgReturn = (a: readonly DataType[]): DataType => {
  const t = a[0]!;
  return t.name === 'Decimal128' ? { name: 'Decimal128', precision: Math.min(38, (t.precision ?? 38) + 4), scale: Math.min(38, (t.scale ?? 0) + 4) } : F64;
};
const avg: AggregateFunction<AvgState> & { [FAST_AGGREGATE]: FastAggregateKind } = {
  [FAST_AGGREGATE]: 'avg',
  kind: 'aggregate', name: 'avg', aliases: ['mean'], signatures: [sig('numeric')], returnType: avgReturn,
  init: () => ({ sum: floatSum(), n: 0 }),
  update: (s, args, rows) => avgRows(s, args, rows, 1),
  retract: (s, args, rows) => avgRows(s, args, rows, -1),
  canRetract: (s) => !s.sum.overflowed,
  merge: (a, b) => ({
    sum: mergeFloat(a.sum, b.sum), n: a.n + b.n,
    ...(a.dsum !== undefined || b.dsum !== undefined ? { dsum: (a.dsum ?? 0n) + (b.dsum ?? 0n), scale: a.scale ?? b.scale ?? 0 } : {}),
  }),
  finalize(s) {
    if (s.n === 0) return null;
    if (s.dsum === undefined) return floatSumValue(s.sum) / s.n;
    // The unscaled mean at the result scale (4 more digits), rounded half away from zero.
    const from = s.scale ?? 0;
    return divRound(s.dsum * pow10(Math.min(38, from + 4) - from), BigInt(s.n));
  },
};

function avgRows(s: AvgState, args: readonly arrow.Vector[], rows: Uint32Array | null, sign: 1 | -1): AvgState {
  const c = col(args);
  const d = c.data as ArrayLike<number | bigint>;
  if (c.type.name === 'Decimal128') {
    s.scale = c.type.scale ?? 0;
    let t = s.dsum ?? 0n;
    if (sign === 1) forRows(c, rows, (i) => { t += d[i] as bigint; s.n++; });
    else forRows(c, rows, (i) => { t -= d[i] as bigint; s.n--; });
    s.dsum = t;
    return s;
  }
  forRows(c, rows, (i) => { addFloat(s.sum, Number(d[i]), sign); s.n += sign; });
  return s;
}

interface ExtState { v: unknown }
function extreme(name: 'min' | 'max'): AggregateFunction<ExtState> & { [FAST_AGGREGATE]: FastAggregateKind } {
  // The sort's order: NaN above every number (so max is NaN when there is one), strings by UTF-8 bytes.
  const better = name === 'min' ? (a: unknown, b: unknown) => compareValues(a, b) < 0 : (a: unknown, b: unknown) => compareValues(a, b) > 0;
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

/**
 * Welford's online variance over the finite values, merged with Chan's
 * formula; `odd` counts NaN and infinite values (any makes the result NaN,
 * as folding them in does). No retract: Welford run backwards loses the
 * small values that remain once a large one has left a sliding frame
 * (1e9, 0, 1: var_samp of (0, 1) came out 0), so sliding frames fold anew.
 */
interface VarState { n: number; mean: number; m2: number; odd?: number }
function variance(name: string, aliases: string[], pop: boolean, sqrt: boolean): AggregateFunction<VarState> {
  return {
    kind: 'aggregate', name, aliases, signatures: [sig('numeric')], returnType: F64,
    init: () => ({ n: 0, mean: 0, m2: 0 }),
    update(s, args, rows) {
      const c = col(args);
      const d = c.data as ArrayLike<number | bigint>;
      forRows(c, rows, (i) => {
        const x = Number(d[i]);
        if (!Number.isFinite(x)) { s.odd = (s.odd ?? 0) + 1; return; }
        s.n++;
        const delta = x - s.mean;
        s.mean += delta / s.n;
        s.m2 += delta * (x - s.mean);
      });
      return s;
    },
    merge(a, b) {
      const odd = (a.odd ?? 0) + (b.odd ?? 0);
      const o = odd ? { odd } : {};
      if (a.n === 0) return { n: b.n, mean: b.mean, m2: b.m2, ...o };
      if (b.n === 0) return { n: a.n, mean: a.mean, m2: a.m2, ...o };
      const n = a.n + b.n;
      const delta = b.mean - a.mean;
      return { n, mean: a.mean + (delta * b.n) / n, m2: a.m2 + b.m2 + (delta * delta * a.n * b.n) / n, ...o };
    },
    finalize(s) {
      const total = s.n + (s.odd ?? 0);
      const d = pop ? total : total - 1;
      if (d <= 0) return pop && total === 1 ? 0 : null;
      if (s.odd) return NaN;
      const v = Math.max(0, s.m2 / d);
      return sqrt ? Math.sqrt(v) : v;
    },
  };
}

/**
 * Sample / population covariance and Pearson correlation of (x, y) pairs
 * where both are non-NULL: Welford's co-moment, merged with Chan's formula.
 */
interface CoState { n: number; mx: number; my: number; c: number; m2x: number; m2y: number }
function coMoment(name: string, aliases: string[], result: 'samp' | 'pop' | 'corr'): AggregateFunction<CoState> {
  return {
    kind: 'aggregate', name, aliases, signatures: [sig('numeric', 'numeric')], returnType: F64,
    description: result === 'corr' ? 'Pearson correlation coefficient of the non-NULL pairs' : `${result === 'samp' ? 'Sample' : 'Population'} covariance of the non-NULL pairs`,
    init: () => ({ n: 0, mx: 0, my: 0, c: 0, m2x: 0, m2y: 0 }),
    update(s, args, rows) {
      const a = col(args, 0);
      const b = col(args, 1);
      const da = a.data as ArrayLike<number | bigint>;
      const db = b.data as ArrayLike<number | bigint>;
      forRows(a, rows, (i) => {
        if (b.valid !== null && b.valid[i] !== 1) return;
        const x = Number(da[i]); const y = Number(db[i]);
        s.n++;
        const dx = x - s.mx; s.mx += dx / s.n;
        const dy = y - s.my; s.my += dy / s.n;
        s.c += dx * (y - s.my);
        s.m2x += dx * (x - s.mx);
        s.m2y += dy * (y - s.my);
      });
      return s;
    },
    merge(a, b) {
      if (a.n === 0) return { ...b };
      if (b.n === 0) return { ...a };
      const n = a.n + b.n; const dx = b.mx - a.mx; const dy = b.my - a.my; const w = (a.n * b.n) / n;
      return { n, mx: a.mx + (dx * b.n) / n, my: a.my + (dy * b.n) / n, c: a.c + b.c + dx * dy * w, m2x: a.m2x + b.m2x + dx * dx * w, m2y: a.m2y + b.m2y + dy * dy * w };
    },
    finalize(s) {
      if (result === 'pop') return s.n === 0 ? null : s.c / s.n;
      if (s.n < 2) return null;
      if (result === 'samp') return s.c / (s.n - 1);
      const d = Math.sqrt(s.m2x * s.m2y);
      return d === 0 ? null : s.c / d;
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

// ---- approx_distinct: HyperLogLog

/** Registers: 2^14 (standard error about 1.04 / sqrt(16384) = 0.81%), as DataFusion's approx_distinct. */
const HLL_P = 14;
const HLL_M = 1 << HLL_P;
/** Up to this many distinct hashes a state keeps them exactly (a group with few values needs no 16 KiB of registers). */
const HLL_SPARSE_MAX = 1024;
const TWO21 = 2 ** 21;
const TWO32 = 2 ** 32;
const TWO39 = 2 ** 39;

/**
 * A HyperLogLog sketch. `sparse` holds 53-bit hashes while there are few;
 * past HLL_SPARSE_MAX they fold into `reg` (one max-rank byte per register).
 * Both forms merge (union, register max), so partial states from regions or
 * nodes combine exactly as one sketch over all the rows would.
 */
export interface HllState { sparse: Set<number> | null; reg: Uint8Array | null }

function fmix32(h: number): number {
  h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** MurmurHash3 (x86, 32-bit) of the 8 bytes (lo, hi) with a seed. */
function murmur64(lo: number, hi: number, seed: number): number {
  const mixIn = (h: number, w: number): number => {
    let k = Math.imul(w, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    return (Math.imul(h, 5) + 0xe6546b64) | 0;
  };
  return fmix32(mixIn(mixIn(seed, lo), hi) ^ 8);
}

/** 53 bits of hash from two 32-bit words: two independently seeded MurmurHash3 values. */
function hashWords(lo: number, hi: number, tag: number): number {
  const a = murmur64(lo, hi, 0x9747b28c ^ tag);
  const b = murmur64(lo, hi, 0x5bd1e995 + tag);
  return a * TWO21 + (b >>> 11);
}

function hashString(s: string): number {
  let h1 = 0x811c9dc5 ^ s.length; let h2 = 0x1b873593;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995); h2 ^= h2 >>> 15;
  }
  return hashWords(h1 >>> 0, h2 >>> 0, 3);
}

const f64 = new Float64Array(1);
const f64w = new Uint32Array(f64.buffer);

/** A 53-bit hash of one non-NULL value; equal values of one type hash alike. */
function hashValue(v: unknown): number {
  if (typeof v === 'number') {
    if (Number.isInteger(v) && Math.abs(v) < TWO32 * TWO21) return hashWords(v >>> 0, Math.floor(v / TWO32) >>> 0, 1);
    f64[0] = v; return hashWords(f64w[0]!, f64w[1]!, 2);
  }
  if (typeof v === 'bigint') return hashWords(Number(v & 0xffffffffn), Number((v >> 32n) & 0xffffffffn), 1);
  if (typeof v === 'string') return hashString(v);
  if (typeof v === 'boolean') return hashWords(v ? 1 : 0, 0, 4);
  if (v instanceof Uint8Array) return hashString(Buffer.from(v).toString('latin1'));
  return hashString(JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x)));
}

function hllAdd(reg: Uint8Array, h: number): void {
  const idx = Math.floor(h / TWO39);
  const w = h - idx * TWO39; // the low 39 bits
  const hi = Math.floor(w / TWO32);
  const rank = w === 0 ? 40 : hi > 0 ? Math.clz32(hi) - 25 + 1 : 7 + Math.clz32(w >>> 0) + 1;
  if (rank > reg[idx]!) reg[idx] = rank;
}

function hllInsert(s: HllState, h: number): void {
  if (s.reg) { hllAdd(s.reg, h); return; }
  (s.sparse ??= new Set()).add(h);
  if (s.sparse.size > HLL_SPARSE_MAX) {
    const reg = new Uint8Array(HLL_M);
    for (const x of s.sparse) hllAdd(reg, x);
    s.reg = reg; s.sparse = null;
  }
}

/** Rank bits after the register index: ranks run 1..HLL_Q + 1. */
const HLL_Q = 39;

/**
 * The cardinality estimate: Ertl's improved estimator ("New cardinality
 * estimation algorithms for HyperLogLog sketches", 2017), which needs no
 * empirical bias tables and stays nearly unbiased from small to large counts.
 */
function hllEstimate(reg: Uint8Array): number {
  const c = new Float64Array(HLL_Q + 2);
  for (let j = 0; j < HLL_M; j++) c[reg[j]!]!++;
  const m = HLL_M;
  let z = m * hllTau(1 - c[HLL_Q + 1]! / m);
  for (let k = HLL_Q; k >= 1; k--) z = 0.5 * (z + c[k]!);
  z += m * hllSigma(c[0]! / m);
  return (m * m) / (2 * Math.LN2 * z);
}

function hllSigma(x: number): number {
  if (x === 1) return Infinity;
  let y = 1; let z = x;
  for (;;) {
    x *= x;
    const z1 = z + x * y;
    y += y;
    if (z1 === z) return z;
    z = z1;
  }
}

function hllTau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let y = 1; let z = 1 - x;
  for (;;) {
    x = Math.sqrt(x);
    const z1 = z;
    y *= 0.5;
    z -= (1 - x) * (1 - x) * y;
    if (z1 === z) return z / 3;
  }
}

const approxDistinct: AggregateFunction<HllState> = {
  kind: 'aggregate', name: 'approx_distinct', signatures: [sig('any')], returnType: U64,
  description: 'Approximate count of distinct non-NULL values (HyperLogLog, 2^14 registers, ~0.8% standard error; exact below 1,024 values)',
  init: () => ({ sparse: null, reg: null }),
  update(s, args, rows) {
    const c = col(args);
    const d = c.data;
    if (d instanceof BigInt64Array || d instanceof BigUint64Array) {
      // 64-bit slots hashed from their int32 halves (no bigint per row); these are the words
      // hashValue uses for an equal integer, whatever its JS type.
      const d32 = new Int32Array(d.buffer, d.byteOffset, d.length * 2);
      forRows(c, rows, (i) => { hllInsert(s, hashWords(d32[2 * i]! >>> 0, d32[2 * i + 1]! >>> 0, 1)); });
      return s;
    }
    const bool = c.type.name === 'Boolean';
    const vals = d as ArrayLike<unknown>;
    forRows(c, rows, (i) => { hllInsert(s, hashValue(bool ? vals[i] === 1 : vals[i])); });
    return s;
  },
  merge(a, b) {
    if (!b.reg && !b.sparse) return a;
    if (!a.reg && !a.sparse) return { sparse: b.sparse ? new Set(b.sparse) : null, reg: b.reg ? b.reg.slice() : null };
    if (a.reg && b.reg) { for (let j = 0; j < HLL_M; j++) if (b.reg[j]! > a.reg[j]!) a.reg[j] = b.reg[j]!; return a; }
    if (b.reg) { const out: HllState = { sparse: null, reg: b.reg.slice() }; for (const h of a.sparse!) hllAdd(out.reg!, h); return out; }
    for (const h of b.sparse!) hllInsert(a, h);
    return a;
  },
  finalize: (s) => BigInt(s.reg ? Math.round(hllEstimate(s.reg)) : s.sparse ? s.sparse.size : 0),
};

// ---- approx_percentile_cont: t-digest

/**
 * A merging t-digest (Dunning), shaped like DataFusion's: at most about
 * `size` centroids (default 100), small at the tails, sorted by mean.
 * Values are buffered and folded in by `tdigestCompress`; two digests merge
 * by compressing their centroids together. Estimates follow DataFusion's
 * TDigest (same compression and interpolation), so results match GreptimeDB's.
 */
export interface TDigestState { means: number[]; weights: number[]; buf: number[]; count: number; min: number; max: number; p: number | undefined; size: number }

/** The cumulative quantile up to which the k-th centroid may reach (DataFusion's k_to_q). */
function kToQ(k: number, d: number): number {
  const kd = k / d;
  if (kd >= 0.5) { const base = 1 - kd; return 1 - 2 * base * base; }
  return 2 * kd * kd;
}

/** Folds the buffered values into the centroids. */
function tdigestCompress(s: TDigestState): void {
  if (s.buf.length === 0) return;
  const pts: Array<[number, number]> = s.means.map((m, i) => [m, s.weights[i]!]);
  for (const x of s.buf) pts.push([x, 1]);
  s.buf = [];
  compressPoints(s, pts);
}

/**
 * Replaces the centroids by weighted points merged left to right, as
 * DataFusion's TDigest::merge_sorted_f64 / merge_digests do: a point joins the
 * current centroid while the weight so far stays within the k-th centroid's
 * quantile limit (kToQ), and each new centroid moves on to the next k, so tails
 * keep small centroids and the middle ones grow.
 */
function compressPoints(s: TDigestState, pts: Array<[number, number]>): void {
  pts.sort((x, y) => x[0] - y[0]);
  const means: number[] = []; const weights: number[] = [];
  if (pts.length) {
    let total = 0;
    for (const [, w] of pts) total += w;
    let k = 1;
    let limit = kToQ(k++, s.size) * total;
    let curMean = pts[0]![0]; let curW = pts[0]![1];
    let soFar = curW;
    let sumToMerge = 0; let weightToMerge = 0;
    for (let i = 1; i < pts.length; i++) {
      const [m, w] = pts[i]!;
      soFar += w;
      if (soFar <= limit) { sumToMerge += m * w; weightToMerge += w; } else {
        if (weightToMerge > 0) { const sum = sumToMerge + curMean * curW; curW += weightToMerge; curMean = sum / curW; }
        means.push(curMean); weights.push(curW);
        sumToMerge = 0; weightToMerge = 0;
        limit = kToQ(k++, s.size) * total;
        curMean = m; curW = w;
      }
    }
    if (weightToMerge > 0) { const sum = sumToMerge + curMean * curW; curW += weightToMerge; curMean = sum / curW; }
    means.push(curMean); weights.push(curW);
  }
  s.means = means; s.weights = weights;
}

/** The value at quantile q: DataFusion's estimate over the compressed centroids. */
function tdigestQuantile(s: TDigestState, q: number): number | null {
  tdigestCompress(s);
  return estimateQuantile(s.means, s.weights, s.count, s.min, s.max, q);
}

/** The percentile argument: a fraction between 0 and 1 (as DataFusion requires; 1.5 is an error, not 1.5%). */
function percentArg(name: string, args: readonly arrow.Vector[], rows: Uint32Array | null): number {
  const pc = col(args, 1);
  const p = Number(valueAt(pc, rows ? (rows[0] ?? 0) : 0));
  if (!(p >= 0 && p <= 1)) throw new InvalidArgumentsError(`${name}: percentile must be between 0 and 1, got ${p}`);
  return p;
}

const approxPercentileCont: AggregateFunction<TDigestState> = {
  kind: 'aggregate', name: 'approx_percentile_cont', signatures: [sig('numeric', 'float'), sig('numeric', 'float', 'integer')],
  // A DOUBLE (FLOAT for a FLOAT argument), as DataFusion since apache/datafusion#21074 and
  // GreptimeDB's approx_percentile_cont.result (499.25 over an INT column).
  returnType: (a) => (a[0]!.name === 'Float32' ? a[0]! : F64),
  description: 'Approximate percentile (t-digest of at most ~100 centroids, or the third argument)',
  init: () => ({ means: [], weights: [], buf: [], count: 0, min: Infinity, max: -Infinity, p: undefined, size: 100 }),
  update(s, args, rows) {
    const c = col(args);
    const d = c.data as ArrayLike<number | bigint>;
    if (s.p === undefined) {
      s.p = percentArg('approx_percentile_cont', args, rows);
      if (args[2]) {
        const size = Number(valueAt(col(args, 2), rows ? (rows[0] ?? 0) : 0));
        if (!(size >= 1 && size <= 100_000)) throw new InvalidArgumentsError(`approx_percentile_cont: the number of centroids must be between 1 and 100000, got ${size}`);
        s.size = Math.floor(size);
      }
    }
    const big = typeof d[0] === 'bigint';
    forRows(c, rows, (i) => {
      const x = big ? Number(d[i]) : (d[i] as number);
      if (Number.isNaN(x)) return;
      s.buf.push(x); s.count++;
      if (x < s.min) s.min = x;
      if (x > s.max) s.max = x;
      if (s.buf.length >= 10 * s.size) tdigestCompress(s);
    });
    return s;
  },
  merge(a, b) {
    if (b.count === 0) return a.p === undefined ? { ...a, p: b.p, size: b.p === undefined ? a.size : b.size } : a;
    if (a.count === 0) return { ...b, means: [...b.means], weights: [...b.weights], buf: [...b.buf], p: a.p ?? b.p };
    const out: TDigestState = { means: [], weights: [], buf: [], count: a.count + b.count, min: Math.min(a.min, b.min), max: Math.max(a.max, b.max), p: a.p ?? b.p, size: a.size };
    const pts: Array<[number, number]> = [];
    for (const d of [a, b]) {
      d.means.forEach((m, i) => pts.push([m, d.weights[i]!]));
      for (const x of d.buf) pts.push([x, 1]);
    }
    compressPoints(out, pts);
    return out;
  },
  finalize: (s) => tdigestQuantile(s, s.p ?? 0.5),
};

/**
 * approx_median(x): approx_percentile_cont(x, 0.5) on the same t-digest, typed
 * like it (a DOUBLE, FLOAT for a FLOAT argument).
 */
const approxMedian: AggregateFunction<TDigestState> = {
  ...approxPercentileCont,
  name: 'approx_median', signatures: [sig('numeric')],
  description: 'Approximate median (t-digest of at most ~100 centroids)',
  init: () => ({ means: [], weights: [], buf: [], count: 0, min: Infinity, max: -Infinity, p: 0.5, size: 100 }),
  finalize: (s) => tdigestQuantile(s, 0.5),
};

/**
 * approx_percentile_cont_with_weight(x, w, p) (or, as GreptimeDB writes it,
 * approx_percentile_cont_with_weight(w, p) WITHIN GROUP (ORDER BY x)): each
 * non-NULL x with a non-NULL weight w is a centroid of weight w in the same
 * t-digest, and the estimate is DataFusion's (TDigest::estimate_quantile):
 * find the centroid holding rank p * total weight, then interpolate within it
 * by half the distance to its neighbours' means, clamped between them.
 * Weights of 10:1, 20:2, 30:3, 40:4, 50:1 give 33.33... at p = 0.5.
 */
interface WeightedDigestState extends TDigestState { pts: Array<[number, number]> }
const approxPercentileContWithWeight: AggregateFunction<WeightedDigestState> = {
  kind: 'aggregate', name: 'approx_percentile_cont_with_weight', signatures: [sig('numeric', 'numeric', 'float')],
  returnType: (a) => (a[0]!.name === 'Float32' ? a[0]! : F64),
  description: 'Approximate weighted percentile (t-digest whose centroids are the (value, weight) pairs)',
  init: () => ({ means: [], weights: [], buf: [], count: 0, min: Infinity, max: -Infinity, p: undefined, size: 100, pts: [] }),
  update(s, args, rows) {
    const c = col(args);
    const w = col(args, 1);
    if (s.p === undefined) {
      const pc = col(args, 2);
      const p = Number(valueAt(pc, rows ? (rows[0] ?? 0) : 0));
      if (!(p >= 0 && p <= 1)) throw new InvalidArgumentsError(`approx_percentile_cont_with_weight: percentile must be between 0 and 1, got ${p}`);
      s.p = p;
    }
    const d = c.data as ArrayLike<number | bigint>;
    const dw = w.data as ArrayLike<number | bigint>;
    forRows(c, rows, (i) => {
      if (w.valid !== null && w.valid[i] !== 1) return;
      const x = Number(d[i]); const wt = Number(dw[i]);
      if (Number.isNaN(x) || !(wt > 0)) return;
      s.pts.push([x, wt]); s.count += wt;
      if (x < s.min) s.min = x;
      if (x > s.max) s.max = x;
      if (s.pts.length >= 10 * s.size) foldWeighted(s);
    });
    return s;
  },
  merge(a, b) {
    const out: WeightedDigestState = { ...a, means: [...a.means, ...b.means], weights: [...a.weights, ...b.weights], pts: [...a.pts, ...b.pts],
      count: a.count + b.count, min: Math.min(a.min, b.min), max: Math.max(a.max, b.max), p: a.p ?? b.p };
    if (out.pts.length + out.means.length > 10 * out.size) foldWeighted(out);
    return out;
  },
  finalize(s) {
    foldWeighted(s);
    return estimateQuantile(s.means, s.weights, s.count, s.min, s.max, s.p ?? 0.5);
  },
};

/** Folds the weighted points into at most ~size centroids. */
function foldWeighted(s: WeightedDigestState): void {
  const pts: Array<[number, number]> = s.means.map((m, i) => [m, s.weights[i]!]);
  for (const pt of s.pts) pts.push(pt);
  s.pts = [];
  compressPoints(s, pts);
}

/** DataFusion's TDigest::estimate_quantile over centroids sorted by mean. */
function estimateQuantile(means: number[], weights: number[], count: number, min: number, max: number, q: number): number | null {
  const n = means.length;
  if (n === 0 || count === 0) return null;
  if (q <= 0) return min;
  if (q >= 1) return max;
  const rank = q * count;
  let pos: number; let t: number;
  if (q > 0.5) {
    pos = 0; t = count;
    for (let k = n - 1; k >= 0; k--) { t -= weights[k]!; if (rank >= t) { pos = k; break; } }
  } else {
    pos = n - 1; t = 0;
    for (let k = 0; k < n; k++) { if (rank < t + weights[k]!) { pos = k; break; } t += weights[k]!; }
  }
  let delta = 0; let lo = min; let hi = max;
  if (n > 1) {
    if (pos === 0) { delta = means[1]! - means[0]!; hi = means[1]!; }
    else if (pos === n - 1) { delta = means[pos]! - means[pos - 1]!; lo = means[pos - 1]!; }
    else { delta = (means[pos + 1]! - means[pos - 1]!) / 2; lo = means[pos - 1]!; hi = means[pos + 1]!; }
  }
  const value = means[pos]! + ((rank - t) / weights[pos]! - 0.5) * delta;
  return Math.min(hi, Math.max(lo, value));
}

/**
 * The regr_* family over (y, x) pairs where both are non-NULL, from the same
 * co-moment state as covar/corr, with DataFusion's formulas (its RegrAccumulator):
 * regr_slope = covar_pop / var_pop(x), regr_intercept = avg(y) - slope * avg(x),
 * regr_r2 = covar_pop^2 / (var_pop(x) * var_pop(y)), regr_count, regr_avgx/avgy,
 * regr_sxx/syy/sxy; NULL where DataFusion gives NULL: no pairs; fewer than two
 * or a constant x for slope/intercept/r2, and a constant y for r2 too (DuckDB and
 * PostgreSQL say 1 there; DataFusion, so GreptimeDB, says NULL).
 */
type RegrKind = 'slope' | 'intercept' | 'count' | 'r2' | 'avgx' | 'avgy' | 'sxx' | 'syy' | 'sxy';
function regr(kind: RegrKind): AggregateFunction<CoState> {
  // Arguments are (y, x); the co-moment state reads its first argument as x.
  const base = coMoment(`regr_${kind}`, [], 'pop');
  return {
    ...base,
    returnType: kind === 'count' ? U64 : F64,
    description: `regr_${kind}(y, x) over the pairs where both are non-NULL`,
    update: (s, args, rows, ctx) => base.update(s, [args[1]!, args[0]!], rows, ctx),
    finalize(s) {
      switch (kind) {
        case 'count': return BigInt(s.n);
        case 'avgx': return s.n === 0 ? null : s.mx;
        case 'avgy': return s.n === 0 ? null : s.my;
        case 'sxx': return s.n === 0 ? null : s.m2x;
        case 'syy': return s.n === 0 ? null : s.m2y;
        case 'sxy': return s.n === 0 ? null : s.c;
        default: {
          const cov = s.c / s.n; const varX = s.m2x / s.n; const varY = s.m2y / s.n;
          if (s.n < 2 || varX === 0) return null;
          const slope = cov / varX;
          if (kind === 'slope') return slope;
          if (kind === 'intercept') return s.my - slope * s.mx;
          return varY === 0 ? null : (cov * cov) / (varX * varY);
        }
      }
    },
  };
}

// ---- string_agg, bool_and / bool_or, bit_and / bit_or / bit_xor

/**
 * The values joined so far (null: none yet) and the delimiter of the first
 * one, which goes between this state and the one merged before it.
 */
interface StringAggState { s: string | null; d: string }

const stringAgg: AggregateFunction<StringAggState> = {
  kind: 'aggregate', name: 'string_agg', signatures: [sig('string', 'string')], returnType: STR,
  description: 'The non-NULL values joined by the delimiter (NULL when there are none; a NULL delimiter joins without one)',
  init: () => ({ s: null, d: '' }),
  update(st, args, rows) {
    const c = col(args, 0);
    if (c.type.name === 'Null') return st;
    const dc = col(args, 1);
    const vals = c.data as unknown[];
    const dels = dc.data as unknown[];
    const dv = dc.valid;
    // Each value after the first is preceded by its own row's delimiter (PostgreSQL's rule;
    // the same as DataFusion's for the usual constant delimiter).
    forRows(c, rows, (i) => {
      const d = dv !== null && dv[i] === 0 ? '' : (dels[i] as string | null) ?? '';
      const v = vals[i] as string;
      if (st.s === null) { st.s = v; st.d = d; } else st.s += d + v;
    });
    return st;
  },
  merge: (a, b) => (b.s === null ? a : a.s === null ? { s: b.s, d: b.d } : { s: a.s + b.d + b.s, d: a.d }),
  finalize: (st) => st.s,
};

/** null until a non-NULL value is seen. */
interface BoolState { v: boolean | null }

function boolAgg(name: 'bool_and' | 'bool_or'): AggregateFunction<BoolState> {
  const and = name === 'bool_and';
  return {
    kind: 'aggregate', name, signatures: [sig('Boolean')], returnType: BOOL,
    description: and ? 'True when every non-NULL value is true (NULL when there are none)' : 'True when some non-NULL value is true (NULL when there are none)',
    init: () => ({ v: null }),
    update(st, args, rows) {
      const c = col(args);
      if (c.type.name === 'Null') return st;
      const d = c.data as Uint8Array;
      let acc = st.v ?? and;
      let any = st.v !== null;
      forRows(c, rows, (i) => { any = true; if (and) acc = acc && d[i] === 1; else acc = acc || d[i] === 1; });
      if (any) st.v = acc;
      return st;
    },
    merge: (a, b) => (b.v === null ? a : a.v === null ? { v: b.v } : { v: and ? a.v && b.v : a.v || b.v }),
    finalize: (st) => st.v,
  };
}

/**
 * Bitwise aggregates keep the 64 bits as two int32 halves (no bigint per row);
 * `kind` says how to read them back: 'n' (types up to 32 bits, low half only),
 * 'u32', 'i64' or 'u64'. `any` is false until a non-NULL value is seen.
 */
interface BitState { lo: number; hi: number; any: boolean; kind: 'n' | 'u32' | 'i64' | 'u64' }

function bitAgg(name: 'bit_and' | 'bit_or' | 'bit_xor'): AggregateFunction<BitState> {
  const op = name === 'bit_and' ? (x: number, y: number) => x & y : name === 'bit_or' ? (x: number, y: number) => x | y : (x: number, y: number) => x ^ y;
  const start = name === 'bit_and' ? -1 : 0;
  return {
    kind: 'aggregate', name, signatures: [sig('integer')],
    // The argument's integer type (BIGINT for a bare NULL).
    returnType: (a) => (a[0]!.name === 'Null' ? I64 : a[0]!),
    description: `Bitwise ${name.slice(4).toUpperCase()} of the non-NULL values (NULL when there are none)`,
    init: () => ({ lo: start, hi: start, any: false, kind: 'n' }),
    update(st, args, rows) {
      const c = col(args);
      if (c.type.name === 'Null') return st;
      const d = c.data;
      let lo = st.lo; let hi = st.hi; let any = st.any;
      if (d instanceof BigInt64Array || d instanceof BigUint64Array) {
        st.kind = d instanceof BigInt64Array ? 'i64' : 'u64';
        const w = new Int32Array(d.buffer, d.byteOffset, d.length * 2);
        forRows(c, rows, (i) => { lo = op(lo, w[2 * i]!); hi = op(hi, w[2 * i + 1]!); any = true; });
      } else {
        if (c.type.name === 'UInt32') st.kind = 'u32';
        const v = d as ArrayLike<number>;
        forRows(c, rows, (i) => { lo = op(lo, v[i]! | 0); any = true; });
      }
      st.lo = lo; st.hi = hi; st.any = any;
      return st;
    },
    merge: (a, b) => (!b.any ? a : !a.any ? { ...b } : { lo: op(a.lo, b.lo), hi: op(a.hi, b.hi), any: true, kind: a.kind === 'n' ? b.kind : a.kind }),
    finalize(st) {
      if (!st.any) return null;
      switch (st.kind) {
        case 'n': return st.lo;
        case 'u32': return st.lo >>> 0;
        case 'i64': return BigInt.asIntN(64, (BigInt(st.hi) << 32n) | BigInt(st.lo >>> 0));
        case 'u64': return BigInt.asUintN(64, (BigInt(st.hi) << 32n) | BigInt(st.lo >>> 0));
      }
    },
  };
}

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

/**
 * `median(x)` as DataFusion computes it (since apache/datafusion#21988, which
 * GreptimeDB's median.result shows): an integer argument gives a DOUBLE, so the
 * mean of the two middle values of an even count keeps its .5 (median of
 * 1, 2, 3, 4 is 2.5); floats keep their type; DECIMAL keeps its scale, the mean
 * truncated toward zero. NaN sorts after every number, as Arrow's total order
 * puts it.
 */
interface MedianState { xs: Array<number | bigint>; t: DataType['name'] | undefined }
const median: AggregateFunction<MedianState> & { [KEEPS_DECIMAL]: true } = {
  [KEEPS_DECIMAL]: true,
  kind: 'aggregate', name: 'median', signatures: [sig('numeric')], returnType: (a) => (isInteger(a[0]!) ? F64 : a[0]!),
  description: 'Median (exact; DOUBLE for an integer argument, else the argument\'s type)',
  init: () => ({ xs: [], t: undefined }),
  update(s, args, rows) {
    const c = col(args);
    s.t ??= c.type.name;
    if (c.type.name === 'Decimal128') { forRows(c, rows, (i) => { s.xs.push(valueAt(c, i) as bigint); }); return s; }
    const d = c.data as ArrayLike<number | bigint>;
    forRows(c, rows, (i) => { s.xs.push(d[i]!); });
    return s;
  },
  merge: (a, b) => { for (const x of b.xs) a.xs.push(x); return { xs: a.xs, t: a.t ?? b.t }; },
  finalize(s) {
    const n = s.xs.length;
    if (n === 0) return null;
    const t = s.t;
    if (typeof s.xs[0] === 'bigint') {
      // Int64/UInt64 as 64-bit arrays (their numeric sort), decimals (up to 128 bits) by comparison.
      const xs = t === 'Int64' ? BigInt64Array.from(s.xs as bigint[]).sort() : t === 'UInt64' ? BigUint64Array.from(s.xs as bigint[]).sort()
        : (s.xs as bigint[]).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      if (t === 'Decimal128') return n % 2 === 1 ? xs[n >> 1]! : (xs[(n >> 1) - 1]! + xs[n >> 1]!) / 2n;
      // 64-bit integers: a DOUBLE, the middle pair summed exactly before halving.
      return n % 2 === 1 ? Number(xs[n >> 1]!) : Number(xs[(n >> 1) - 1]! + xs[n >> 1]!) / 2;
    }
    // A Float64Array sorts numerically with NaN last.
    const xs = Float64Array.from(s.xs as number[]).sort();
    if (n % 2 === 1) return xs[n >> 1]!;
    const sum = xs[(n >> 1) - 1]! + xs[n >> 1]!;
    if (t === 'Float64') return sum / 2;
    if (t === 'Float32') return Math.fround(sum / 2);
    return sum / 2;
  },
};

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
    coMoment('covar_samp', ['covar'], 'samp'), coMoment('covar_pop', [], 'pop'), coMoment('corr', [], 'corr'),
    pick('first_value', ['first']), pick('last_value', ['last']),
    approxDistinct,
    approxPercentileCont,
    approxMedian,
    approxPercentileContWithWeight,
    regr('slope'), regr('intercept'), regr('count'), regr('r2'), regr('avgx'), regr('avgy'), regr('sxx'), regr('syy'), regr('sxy'),
    stringAgg,
    boolAgg('bool_and'), boolAgg('bool_or'),
    bitAgg('bit_and'), bitAgg('bit_or'), bitAgg('bit_xor'),
    percentile('percentile_cont', ['percentile']),
    median,
  ];
}
