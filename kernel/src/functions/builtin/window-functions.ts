import type * as arrow from 'apache-arrow';
import type { DataType } from '../../data/data-types.js';
import type { FunctionContext, WindowFunction } from '../../interfaces/function.js';
import { InvalidArgumentsError } from '../../errors/errors.js';
import { columnFromArrow, columnFromValues, columnToArrow, valueAt, type Column } from '../../sql/exec/column.js';
import { castValue, compareValues } from '../../sql/exec/expression-evaluator.js';
import { F64, sameAs, sig, U64 } from './function-helpers.js';

/** True when rows i and j have equal ORDER BY keys (peers). */
function peers(keys: readonly Column[], i: number, j: number): boolean {
  for (const k of keys) {
    const a = valueAt(k, i);
    const b = valueAt(k, j);
    if (a === b) continue;
    // By value, in the sort's order: NaN ties with NaN, binaries and intervals by content.
    if (a === null || b === null || compareValues(a, b) !== 0) return false;
  }
  return true;
}

function partitionFn(name: string, ret: DataType | ((a: readonly DataType[]) => DataType), signatures: WindowFunction['signatures'],
  body: (args: Column[], keys: Column[], n: number, ctx: FunctionContext, rt: DataType) => unknown[]): WindowFunction {
  return {
    kind: 'window', name, signatures, returnType: ret, evaluation: 'partition',
    evaluatePartition(args: readonly arrow.Vector[], orderKeys: readonly arrow.Vector[], ctx: FunctionContext): arrow.Vector {
      const cols = args.map((a) => columnFromArrow(a));
      const keys = orderKeys.map((k) => columnFromArrow(k));
      const rt = typeof ret === 'function' ? ret(cols.map((c) => c.type)) : ret;
      return columnToArrow(columnFromValues(rt, body(cols, keys, ctx.rowCount, ctx, rt)));
    },
  };
}

// row_number, rank, dense_rank and ntile are UInt64, as in DataFusion.
const rowNumber = partitionFn('row_number', U64, [sig()], (_a, _k, n) => Array.from({ length: n }, (_, i) => BigInt(i + 1)));

const rank = partitionFn('rank', U64, [sig()], (_a, keys, n) => {
  const out = new Array<unknown>(n);
  let r = 1;
  for (let i = 0; i < n; i++) {
    if (i > 0 && !peers(keys, i, i - 1)) r = i + 1;
    out[i] = BigInt(r);
  }
  return out;
});

const denseRank = partitionFn('dense_rank', U64, [sig()], (_a, keys, n) => {
  const out = new Array<unknown>(n);
  let r = 1;
  for (let i = 0; i < n; i++) {
    if (i > 0 && !peers(keys, i, i - 1)) r++;
    out[i] = BigInt(r);
  }
  return out;
});

/** Index of the last peer of row i. */
function lastPeer(keys: readonly Column[], i: number, n: number): number {
  let j = i;
  while (j + 1 < n && peers(keys, j + 1, i)) j++;
  return j;
}

const percentRank = partitionFn('percent_rank', F64, [sig()], (_a, keys, n) => {
  const out = new Array<unknown>(n);
  let r = 1;
  for (let i = 0; i < n; i++) {
    if (i > 0 && !peers(keys, i, i - 1)) r = i + 1;
    out[i] = n <= 1 ? 0 : (r - 1) / (n - 1);
  }
  return out;
});

const cumeDist = partitionFn('cume_dist', F64, [sig()], (_a, keys, n) => {
  const out = new Array<unknown>(n);
  for (let i = 0; i < n;) {
    const j = lastPeer(keys, i, n);
    for (let k = i; k <= j; k++) out[k] = (j + 1) / n;
    i = j + 1;
  }
  return out;
});

/**
 * DataFusion's ntile: row i (from 0) of n goes to bucket floor(i * k / n) + 1 with
 * k = min(buckets, n). The larger buckets are spread out, not all first as in
 * PostgreSQL: 10 rows in 4 buckets are 3, 2, 3, 2 rows (PostgreSQL: 3, 3, 2, 2).
 */
const ntile = partitionFn('ntile', U64, [sig('integer')], ([b], _k, n) => {
  const v = valueAt(b!, 0);
  const buckets = Number(v ?? 0);
  if (!(buckets >= 1)) throw new InvalidArgumentsError(`ntile: the number of buckets must be a positive integer, got ${v === null ? 'NULL' : String(v)}`);
  const out = new Array<unknown>(n);
  const k = BigInt(Math.min(buckets, n));
  const rows = BigInt(n);
  for (let i = 0; i < n; i++) out[i] = (BigInt(i) * k) / rows + 1n;
  return out;
});

function shift(name: 'lag' | 'lead'): WindowFunction {
  const dir = name === 'lag' ? -1 : 1;
  return partitionFn(name, sameAs(0), [sig('any'), sig('any', 'integer'), sig('any', 'integer', 'any')], ([x, off, def], _k, n, ctx, rt) => {
    const out = new Array<unknown>(n);
    // The default takes the value's type ('2000-01-01' for a timestamp); one that cannot is an error.
    const fallback = (i: number): unknown => {
      const d = valueAt(def!, i);
      try {
        return castValue(d, def!.type, rt, ctx.timezone);
      } catch (err) {
        throw new InvalidArgumentsError(`${name}: the default value ${typeof d === 'string' ? `'${d}'` : String(d)} cannot be cast to ${rt.name}`, { cause: err });
      }
    };
    if (ctx.ignoreNulls) {
      // IGNORE NULLS: offsets count only rows whose value is not NULL. nn lists those rows;
      // before[i] is how many of them come before row i.
      const nn: number[] = [];
      const before = new Int32Array(n + 1);
      for (let i = 0; i < n; i++) { before[i] = nn.length; if (valueAt(x!, i) !== null) nn.push(i); }
      for (let i = 0; i < n; i++) {
        const s = dir * (off ? Number(valueAt(off, i) ?? 1) : 1);
        if (s === 0) { out[i] = valueAt(x!, i); continue; }
        // lag by m: the m-th non-NULL row before i; lead by m: the m-th non-NULL row after i.
        const upTo = before[i]! + (valueAt(x!, i) !== null ? 1 : 0);
        const k = s < 0 ? before[i]! + s : upTo + s - 1;
        out[i] = k >= 0 && k < nn.length ? valueAt(x!, nn[k]!) : def ? fallback(i) : null;
      }
      return out;
    }
    for (let i = 0; i < n; i++) {
      const o = off ? Number(valueAt(off, i) ?? 1) : 1;
      const j = i + dir * o;
      out[i] = j >= 0 && j < n ? valueAt(x!, j) : def ? fallback(i) : null;
    }
    return out;
  });
}

const nthValue: WindowFunction = {
  kind: 'window', name: 'nth_value', signatures: [sig('any', 'integer')], returnType: sameAs(0), evaluation: 'frame',
  evaluateFrame(args, start, end, _row, _ctx) {
    const x = columnFromArrow(args[0]!);
    const k = Number(valueAt(columnFromArrow(args[1]!), 0));
    const i = start + k - 1;
    return k >= 1 && i < end ? valueAt(x, i) : null;
  },
};

/**
 * Every window-only built-in. first_value/last_value and every aggregate
 * also work with OVER (evaluated over the frame by the window operator).
 */
export function builtinWindowFunctions(): WindowFunction[] {
  return [rowNumber, rank, denseRank, percentRank, cumeDist, ntile, shift('lag'), shift('lead'), nthValue];
}
