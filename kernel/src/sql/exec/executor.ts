import type * as arrow from 'apache-arrow';
import { CancelledError, DeadlineExceededError, ExecutionError, ResourcesExhaustedError } from '../../errors/errors.js';
import type { ScanMetrics, StorageEngine } from '../../interfaces/engine.js';
import type { AggregateFunction, FunctionContext, WindowFunction } from '../../interfaces/function.js';
import {
  exprRefs, schemaOf, type AggCall, type BExpr, type Field, type Plan, type RangeCall, type SortKey, type WinCall,
} from '../plan/logical-plan.js';
import {
  allocData, coerceDecimal, columnFromArrow, columnFromValues, columnToArrow, concatBatches, constantColumn, dictValueAt, emptyBatch, sliceBatch, takeBatch,
  takeColumn, takeColumnNullable, valueAt, type Batch, type Column,
} from './column.js';
import { compareValues, compileExpr, hasHighUnit, keyOfValue, type CompiledExpr, type EvalContext } from './expression-evaluator.js';
import { FAST_AGGREGATE, type FastAggregateKind } from '../../functions/builtin/aggregate-functions.js';
import { builtinWindowFunctions } from '../../functions/builtin/window-functions.js';
import { rescale } from './decimal.js';
import type { DataType } from '../../data/data-types.js';

/** Per-operator counters for EXPLAIN ANALYZE. */
export interface OperatorMetrics { rows: number; batches: number; elapsedMs: number; scan?: ScanMetrics }

export interface ExecOptions {
  readonly engine: StorageEngine;
  readonly timezone: string;
  readonly signal?: AbortSignal;
  /** Filled per plan node when given (EXPLAIN ANALYZE). */
  readonly metrics?: Map<Plan, OperatorMetrics>;
  readonly batchSize?: number;
  /** Wall-clock deadline (ms since epoch): checked between batches even when timers cannot fire. */
  readonly deadlineAtMs?: number;
  /** When the statement started (ms since epoch): the one instant now() and friends give. */
  readonly statementTimeMs?: number;
  /** Outer-column values when this executor runs a correlated subquery. */
  readonly outerRow?: ReadonlyMap<number, unknown>;
  /** Bytes the query's buffering operators (sort, join build, window, groups) may hold; 0 = no limit. */
  readonly memoryLimitBytes?: number;
  /** Shared across the executors of one statement (subqueries). */
  readonly memory?: { used: number };
}

/** The built-in nth_value: with IGNORE NULLS or EXCLUDE the window operator picks its row itself (see evalWindowPartition). */
const NTH_VALUE = builtinWindowFunctions().find((f) => f.name === 'nth_value');

/** Work (ms) a statement does between turns of the event loop (see Executor.breather). */
const YIELD_AFTER_MS = 20;

/** Approximate bytes a batch holds (typed arrays exactly, strings by length). */
export function batchBytes(b: Batch): number {
  let n = 0;
  for (const c of b.columns) {
    if (Array.isArray(c.data)) {
      n += c.length * 16;
      for (let i = 0; i < c.length; i++) { const v = c.data[i]; if (typeof v === 'string') n += v.length * 2; }
    } else n += (c.data as Uint8Array).byteLength;
    if (c.valid) n += c.valid.byteLength;
  }
  return n;
}

function layoutOf(fields: readonly Field[]): Map<number, number> {
  const m = new Map<number, number>();
  fields.forEach((f, i) => { if (!m.has(f.id)) m.set(f.id, i); });
  return m;
}

/** A string key for row i over the given columns (NULL-aware; numbers and bigints that are equal match). */
export function rowKey(cols: readonly Column[], i: number): string {
  if (cols.length === 1) { const v = valueAt(cols[0]!, i); return v === null ? '\u0000' : `${typeof v === 'string' ? 's' : 'v'}${String(keyOfValue(v))}`; }
  let k = '';
  for (const c of cols) {
    const v = valueAt(c, i);
    k += v === null ? '\u0000|' : `${typeof v === 'string' ? 's' : 'v'}${String(keyOfValue(v))}\u0001|`;
  }
  return k;
}

const NO_KEY = Symbol('no-key');
const NULL_KEY = Symbol('null');
const EMPTY_KEY = '';

/**
 * A hash key for row i of the group columns: the value itself for one
 * column (a single type, so no collisions), a composite string otherwise.
 */
export function groupKeyFn(cols: readonly Column[], dicts?: Array<Map<unknown, number>>): (i: number) => unknown {
  if (cols.length === 0) return () => EMPTY_KEY;
  const single = (c: Column): ((i: number) => unknown) => {
    const d = c.data as ArrayLike<unknown>;
    const valid = c.valid;
    if (c.data instanceof BigInt64Array) {
      // Timestamps (date_trunc/date_bin keys) and Int64: read the slot as two int32 halves
      // and build the number directly when it is within 2^53, which is what keyOfValue
      // returns for such values, without allocating a bigint per row.
      const d32 = new Int32Array(c.data.buffer, c.data.byteOffset, c.data.length * 2);
      const big = c.data;
      return (i) => {
        if (valid !== null && valid[i] === 0) return NULL_KEY;
        const hi = d32[2 * i + 1]!;
        return hi > -2097152 && hi < 2097152 ? hi * 4294967296 + (d32[2 * i]! >>> 0) : keyOfValue(big[i]);
      };
    }
    if (c.data instanceof BigUint64Array) return (i) => (valid !== null && valid[i] === 0 ? NULL_KEY : keyOfValue(d[i]));
    if (Array.isArray(d)) return (i) => (valid !== null && valid[i] === 0 ? NULL_KEY : (typeof d[i] === 'string' ? d[i] : keyOfValue(d[i])));
    if (c.data instanceof Float64Array || c.data instanceof Float32Array) {
      // Past 2^53 a double keys like the equal bigint (a join of DOUBLE with BIGINT), as keyOfValue does.
      const f = c.data;
      return (i) => {
        if (valid !== null && valid[i] === 0) return NULL_KEY;
        const x = f[i]!;
        return x <= 9007199254740991 && x >= -9007199254740991 ? x : keyOfValue(x);
      };
    }
    return (i) => (valid !== null && valid[i] === 0 ? NULL_KEY : d[i]);
  };
  if (cols.length === 1) return single(cols[0]!);
  if (!dicts) return (i) => rowKey(cols, i);
  // Several columns: each value gets a small dense code (dictionaries live as long as the
  // operator), and the codes combine into one number (or a short string) — no per-row string of values.
  const parts = cols.map(single);
  while (dicts.length < cols.length) dicts.push(new Map());
  // Scans come sorted by series and time, so each column's value repeats in runs:
  // remember the last value per column and skip the dictionary lookup on a repeat.
  const lastV: unknown[] = cols.map(() => NO_KEY);
  const lastC = new Float64Array(cols.length);
  const codeOf = (k: number, i: number): number => {
    const v = parts[k]!(i);
    if (v === lastV[k]) return lastC[k]!;
    const m = dicts[k]!;
    let c = m.get(v);
    if (c === undefined) { c = m.size; m.set(v, c); }
    lastV[k] = v; lastC[k] = c;
    return c;
  };
  if (cols.length === 2) {
    return (i) => {
      const a = codeOf(0, i); const b = codeOf(1, i);
      return b < 67_108_864 && a < 67_108_864 ? a * 67_108_864 + b : `${a},${b}`;
    };
  }
  return (i) => { let k = ''; for (let c = 0; c < cols.length; c++) k += `${codeOf(c, i)},`; return k; };
}

/** Row indexes grouped by group id (counting sort; ids < 0 left out): group g's rows are rows[counts[g] .. counts[g + 1]). */
function bucketRows(gid: Int32Array, n: number, ngroups: number, mask: Uint8Array | undefined): { counts: Uint32Array; rows: Uint32Array } {
  const counts = new Uint32Array(ngroups + 1);
  let total = 0;
  for (let i = 0; i < n; i++) if ((!mask || mask[i]) && gid[i]! >= 0) { counts[gid[i]! + 1]!++; total++; }
  for (let g = 0; g < ngroups; g++) counts[g + 1]! += counts[g]!;
  const rows = new Uint32Array(total);
  const pos = counts.slice(0, ngroups);
  for (let i = 0; i < n; i++) if ((!mask || mask[i]) && gid[i]! >= 0) rows[pos[gid[i]!]!++] = i;
  return { counts, rows };
}

/**
 * Sets chg[i] to 1 (i >= 1) where row i of `c` differs from row i - 1
 * (two NULLs are equal; a value under a NULL is not looked at). Scans come
 * sorted by series and time, so group columns hold long runs of one value:
 * the aggregate finds a group once per run, not per row. A difference may be
 * reported where values are equal (NaN, equal strings or byte arrays held
 * twice): the run's group is then looked up again, which is only slower.
 */
function markChanges(c: Column, n: number, chg: Uint8Array): void {
  const valid = c.valid;
  // Dictionary-encoded strings: their codes, not a per-row array of strings.
  if (c.dict !== undefined) { markChangesOf(c.dict.codes, valid, n, chg); return; }
  const d = c.data;
  if (d instanceof BigInt64Array) {
    // Two int32 halves per value: no bigint per row.
    const d32 = new Int32Array(d.buffer, d.byteOffset, n * 2);
    if (valid === null) {
      for (let i = 1; i < n; i++) if (d32[2 * i] !== d32[2 * i - 2] || d32[2 * i + 1] !== d32[2 * i - 1]) chg[i] = 1;
    } else {
      for (let i = 1; i < n; i++) {
        const v = valid[i]!;
        if (v !== valid[i - 1] || (v === 1 && (d32[2 * i] !== d32[2 * i - 2] || d32[2 * i + 1] !== d32[2 * i - 1]))) chg[i] = 1;
      }
    }
    return;
  }
  if (d instanceof Float64Array) { markChangesOf(d, valid, n, chg); return; }
  if (Array.isArray(d)) { markChangesOf(d, valid, n, chg); return; }
  markChangesOf(d as ArrayLike<unknown>, valid, n, chg);
}

/** markChanges over one kind of array (a call site per kind keeps the loads monomorphic). */
function markChangesOf(d: ArrayLike<unknown>, valid: Uint8Array | null, n: number, chg: Uint8Array): void {
  if (valid === null) {
    for (let i = 1; i < n; i++) if (d[i] !== d[i - 1]) chg[i] = 1;
    return;
  }
  for (let i = 1; i < n; i++) {
    const v = valid[i]!;
    if (v !== valid[i - 1] || (v === 1 && d[i] !== d[i - 1])) chg[i] = 1;
  }
}

/**
 * The dense code of row i's value of one group column (NULL included),
 * stable for the operator's lifetime through `dict`; called where a run of
 * equal values starts. A dictionary-encoded column is keyed by its value
 * (its per-row array is never made). 64-bit values, read from `d32` (the
 * column as int32 halves; nanosecond timestamps are beyond 2^53), are keyed
 * by their distance from a base, the high half of the first value the
 * operator saw: exact as a number while the high halves are within 2^20 of
 * it; values farther away (rare) get a string key, which no number key can
 * equal.
 */
function codeAt(c: Column, d32: Int32Array | undefined, i: number, dict: Map<unknown, number>, bases: Array<number | undefined>, k: number, nullCodes: number[]): number {
  let key: unknown;
  if (c.valid !== null && c.valid[i] === 0) {
    const nc = nullCodes[k];
    if (nc !== undefined) return nc;
    key = NULL_KEY;
  } else if (c.dict !== undefined) {
    key = c.dict.values[c.dict.codes[i]!] ?? null;
  } else if (d32 !== undefined) {
    const hi = d32[2 * i + 1]!;
    let b = bases[k];
    if (b === undefined) bases[k] = b = hi;
    key = hi - b < 1048576 && b - hi < 1048576 ? (hi - b) * 4294967296 + (d32[2 * i]! >>> 0) : `${(c.data as BigInt64Array)[i]}n`;
  } else {
    const v = (c.data as ArrayLike<unknown>)[i];
    key = typeof v === 'string' || typeof v === 'number' || (!(c.data instanceof BigUint64Array) && !Array.isArray(c.data)) ? v : keyOfValue(v);
  }
  let x = dict.get(key);
  if (x === undefined) { x = dict.size; dict.set(key, x); }
  if (key === NULL_KEY) nullCodes[k] = x;
  return x;
}

/** Row runs of one group each: run r is rows [start[r], start[r + 1]) (the last ends at the batch end) of group[r] (-1: skipped). */
interface GroupRuns { readonly start: Int32Array; readonly group: Int32Array; readonly count: number }

/**
 * For ORDER BY <group column> LIMIT k right above an aggregate: tracks the k
 * best distinct values of that column seen so far, so rows of groups that
 * can no longer be in the top k are skipped before they make groups. Kept
 * groups are a superset of the answer; NULL groups are always kept.
 */
class GroupTopK {
  private readonly best: unknown[] = [];
  /** Per value code: 0 undecided, 1 keep, 2 skip. A keep stays a keep; a skip stays right as the bar only rises. */
  private decided = new Uint8Array(64);

  constructor(private readonly hint: { readonly desc: boolean; readonly k: number }) {}

  /** Whether rows whose group column has value code `c` (row i of col) are skipped. */
  skips(col: Column, i: number, c: number, nullCode: number | undefined): boolean {
    if (c >= this.decided.length) { const d = new Uint8Array(Math.max(c + 1, this.decided.length * 2)); d.set(this.decided); this.decided = d; }
    let st = this.decided[c]!;
    if (st === 0) { st = c === nullCode ? 1 : this.offer(dictValueAt(col, i)); this.decided[c] = st; }
    return st === 2;
  }

  /** 1 when v is among the k best so far (and is now tracked), 2 otherwise. */
  private offer(v: unknown): number {
    if (v === null) return 1;
    const better = (a: unknown, b: unknown) => (this.hint.desc ? compareValues(a, b) > 0 : compareValues(a, b) < 0);
    const best = this.best;
    if (best.length >= this.hint.k && !better(v, best[best.length - 1])) return 2;
    let j = best.length;
    while (j > 0 && better(v, best[j - 1])) j--;
    best.splice(j, 0, v);
    if (best.length > this.hint.k) best.pop();
    return 1;
  }
}

/** Per-group states of a built-in count/sum/avg/min/max in typed arrays, grown as groups appear. */
class GroupedAccumulator {
  private val = new Float64Array(16);
  private cnt = new Float64Array(16);

  constructor(readonly kind: FastAggregateKind) {}

  private ensure(ngroups: number): void {
    if (ngroups <= this.val.length) return;
    const cap = Math.max(ngroups, this.val.length * 2);
    const v = new Float64Array(cap); v.set(this.val); this.val = v;
    const c = new Float64Array(cap); c.set(this.cnt); this.cnt = c;
  }

  /**
   * Folds the rows of every run with a group (>= 0) into it; `col` is the
   * argument (none for count(*)). Rows are added in order, one group's state
   * held in a local per run, so sums come out as a row-by-row fold would.
   */
  update(runs: GroupRuns, n: number, ngroups: number, col: Column | undefined): void {
    this.ensure(ngroups);
    const val = this.val; const cnt = this.cnt;
    const valid = col?.valid ?? null;
    const { start, group, count } = runs;
    if (this.kind === 'count') {
      for (let r = 0; r < count; r++) {
        const g = group[r]!;
        if (g < 0) continue;
        const s = start[r]!; const e = r + 1 < count ? start[r + 1]! : n;
        if (valid === null) { cnt[g]! += e - s; continue; }
        let c = 0;
        for (let i = s; i < e; i++) c += valid[i]!;
        cnt[g]! += c;
      }
      return;
    }
    const d = col!.data as Float64Array;
    for (let r = 0; r < count; r++) {
      const g = group[r]!;
      if (g < 0) continue;
      const s = start[r]!; const e = r + 1 < count ? start[r + 1]! : n;
      let v = val[g]!; let c = cnt[g]!;
      switch (this.kind) {
        case 'sum': case 'avg':
          if (valid === null) { for (let i = s; i < e; i++) v += d[i]!; c += e - s; } else for (let i = s; i < e; i++) if (valid[i] === 1) { v += d[i]!; c++; }
          break;
        case 'min':
          for (let i = s; i < e; i++) {
            if (valid !== null && valid[i] === 0) continue;
            const x = d[i]!;
            // NaN is the largest float (DataFusion): any number replaces it as the minimum.
            if (c === 0 || x < v || v !== v) v = x;
            c++;
          }
          break;
        case 'max':
          for (let i = s; i < e; i++) {
            if (valid !== null && valid[i] === 0) continue;
            const x = d[i]!;
            if (c === 0 || x > v || x !== x) v = x;
            c++;
          }
      }
      val[g] = v; cnt[g] = c;
    }
  }

  /** Merges group `from` of `other` into group `g` of this one. */
  mergeGroup(g: number, other: GroupedAccumulator, from: number): void {
    this.ensure(g + 1);
    const oc = from < other.cnt.length ? other.cnt[from]! : 0;
    if (oc === 0) return;
    const ov = other.val[from]!;
    const c = this.cnt[g]!;
    if (this.kind === 'sum' || this.kind === 'avg') this.val[g]! += ov;
    else if (this.kind === 'min') { const v = this.val[g]!; if (c === 0 || ov < v || v !== v) this.val[g] = ov; } else if (this.kind === 'max') { if (c === 0 || ov > this.val[g]! || ov !== ov) this.val[g] = ov; }
    this.cnt[g] = c + oc;
  }

  /** The finalized column for groups 0..n-1. */
  finish(n: number, type: DataType): Column {
    this.ensure(n);
    if (this.kind === 'count') {
      const out = new BigInt64Array(n);
      for (let g = 0; g < n; g++) out[g] = BigInt(this.cnt[g]!);
      return { type, length: n, data: out, valid: null };
    }
    const data = allocData(type.name, n) as Float64Array;
    let valid: Uint8Array | null = null;
    for (let g = 0; g < n; g++) {
      const c = this.cnt[g]!;
      if (c === 0) { valid ??= new Uint8Array(n).fill(1); valid[g] = 0; continue; }
      data[g] = this.kind === 'avg' ? this.val[g]! / c : this.val[g]!;
    }
    return { type, length: n, data, valid };
  }
}

/** Which aggregate calls can use GroupedAccumulator: built-ins over fixed-width non-64-bit numbers, without DISTINCT/FILTER/ORDER BY. */
function fastAggregateKind(a: AggCall): FastAggregateKind | undefined {
  const kind = (a.fn as { [FAST_AGGREGATE]?: FastAggregateKind })[FAST_AGGREGATE];
  // The name check keeps a plugin's copy of a built-in (`{ ...sum, name: 'my_sum', update }`) on its own hooks.
  if (!kind || a.fn.name !== kind || a.distinct || a.filter || a.orderBy?.length) return undefined;
  if (kind === 'count') return a.args.length <= 1 ? kind : undefined;
  const t = a.args[0]?.type.name;
  if (a.args.length !== 1 || t === undefined) return undefined;
  if (kind === 'sum') return (t === 'Float64' || t === 'Float32') && a.out.type.name === 'Float64' ? kind : undefined;
  const narrow = ['Float64', 'Float32', 'Int8', 'Int16', 'Int32', 'UInt8', 'UInt16', 'UInt32'].includes(t);
  if (kind === 'avg') return narrow && a.out.type.name === 'Float64' ? kind : undefined;
  return narrow && a.out.type.name === t ? kind : undefined;
}

/** Compares rows i and j of key columns per sort keys. */
function makeComparator(cols: readonly Column[], keys: readonly SortKey[]): (a: number, b: number) => number {
  // String keys without a code unit >= U+D800 compare with plain `<` (the same order as
  // compareStrings there); one pass here instead of a check per comparison.
  const plain = cols.map((c) => c.type.name === 'String' && !Array.prototype.some.call(c.data, (v: unknown) => typeof v === 'string' && hasHighUnit(v)));
  // 64-bit keys (timestamps) compared on their int32 halves: no bigint per comparison.
  const halves = cols.map((c) => (c.dict === undefined && c.data instanceof BigInt64Array ? new Int32Array(c.data.buffer, c.data.byteOffset, c.length * 2) : undefined));
  return (a, b) => {
    for (let k = 0; k < cols.length; k++) {
      const c = cols[k]!;
      const h = halves[k];
      if (h !== undefined && (c.valid === null || (c.valid[a] === 1 && c.valid[b] === 1))) {
        const ha = h[2 * a + 1]!, hb = h[2 * b + 1]!;
        const la = h[2 * a]! >>> 0, lb = h[2 * b]! >>> 0;
        const r = ha !== hb ? (ha < hb ? -1 : 1) : la !== lb ? (la < lb ? -1 : 1) : 0;
        if (r !== 0) return keys[k]!.desc ? -r : r;
        continue;
      }
      const x = valueAt(c, a); const y = valueAt(c, b);
      if (x === null || y === null) {
        if (x === y) continue;
        const nf = keys[k]!.nullsFirst;
        return (x === null ? -1 : 1) * (nf ? 1 : -1);
      }
      const r = plain[k] ? (x === y ? 0 : (x as string) < (y as string) ? -1 : 1) : compareValues(x, y);
      if (r !== 0) return keys[k]!.desc ? -r : r;
    }
    return a - b;
  };
}

/**
 * Runs optimized plans: one async generator of batches per node, pulling
 * from its children (Volcano style, but a batch at a time).
 */
export class Executor {
  private readonly evalCtx: EvalContext;
  private readonly batchSize: number;

  private readonly memory: { used: number };
  /** Aggregates right below an ORDER BY <group column> LIMIT k (set by sort before it runs its input). */
  private readonly topKHints = new Map<Plan, { group: number; desc: boolean; k: number }>();
  /** Scans feeding an aggregate (set by it before it runs its input): their row order does not matter. */
  private readonly unorderedScans = new Set<Plan>();

  constructor(private readonly opts: ExecOptions) {
    this.batchSize = opts.batchSize ?? 8192;
    this.memory = opts.memory ?? { used: 0 };
    this.evalCtx = {
      timezone: opts.timezone,
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.outerRow ? { outerRow: opts.outerRow } : {}),
      ...(opts.deadlineAtMs !== undefined ? { deadlineAtMs: opts.deadlineAtMs } : {}),
      ...(opts.statementTimeMs !== undefined ? { statementTimeMs: opts.statementTimeMs } : {}),
      runPlan: (p, outer) => (outer ? new Executor({ ...this.opts, metrics: undefined, outerRow: outer, memory: { used: 0 } }).collect(p) : this.collect(p)),
    };
  }

  async collect(p: Plan): Promise<Batch[]> {
    const out: Batch[] = [];
    for await (const b of this.run(p)) { this.reserve(batchBytes(b)); out.push(b); }
    return out;
  }

  /** Accounts bytes held by a buffering operator; fails the query past the memory limit. */
  private reserve(bytes: number): void {
    this.memory.used += bytes;
    const limit = this.opts.memoryLimitBytes ?? 0;
    if (limit > 0 && this.memory.used > limit) {
      throw new ResourcesExhaustedError(`query exceeded its memory limit of ${limit} bytes (sorts, joins, windows and groups hold rows in memory); narrow the query or raise the limit`);
    }
  }

  /** When this executor last let the event loop turn (see breather). */
  private lastTurnMs = performance.now();

  /** Whether the statement has worked YIELD_AFTER_MS since the event loop last turned. */
  private dueForBreather(): boolean {
    return performance.now() - this.lastTurnMs >= YIELD_AFTER_MS;
  }

  /**
   * One turn of the event loop, then the deadline and cancel checks. Between
   * batches a statement's work is a chain of microtasks, which timers and
   * sockets never get between: a long query would hold back ingest
   * acknowledgements, other clients' requests, a KILL and its own client's
   * disconnect until it finished. Called where dueForBreather() says so.
   */
  private async breather(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.lastTurnMs = performance.now();
    this.check();
  }

  private check(): void {
    if (this.opts.deadlineAtMs !== undefined && Date.now() > this.opts.deadlineAtMs) throw new DeadlineExceededError('query exceeded its timeout');
    const s = this.opts.signal;
    if (s?.aborted) {
      const r = s.reason;
      if (r instanceof DeadlineExceededError || r instanceof CancelledError) throw r;
      throw new CancelledError();
    }
  }

  private fctx(n: number): FunctionContext {
    // deadlineAtMs lets long function bodies stop in time (timers cannot fire during a synchronous body).
    return {
      rowCount: n, timezone: this.opts.timezone, ...(this.opts.signal ? { signal: this.opts.signal } : {}),
      ...(this.opts.deadlineAtMs !== undefined ? { deadlineAtMs: this.opts.deadlineAtMs } : {}),
      ...(this.opts.statementTimeMs !== undefined ? { statementTimeMs: this.opts.statementTimeMs } : {}),
    } as FunctionContext;
  }

  /**
   * Executes a node, recording metrics when asked. Without metrics it hands
   * back the operator's own generator: every async-generator layer a batch
   * passes costs promises and microtask turns, which add up over a plan's
   * operators in small queries.
   */
  run(p: Plan, region?: string): AsyncGenerator<Batch> {
    return this.opts.metrics ? this.measured(p, this.opts.metrics, region) : this.exec(p, region);
  }

  private async *measured(p: Plan, m: Map<Plan, OperatorMetrics>, region?: string): AsyncGenerator<Batch> {
    let om = m.get(p);
    if (!om) { om = { rows: 0, batches: 0, elapsedMs: 0 }; m.set(p, om); }
    const it = this.exec(p, region);
    for (;;) {
      const t0 = performance.now();
      const r = await it.next();
      om.elapsedMs += performance.now() - t0;
      if (r.done) return;
      om.rows += r.value.numRows;
      om.batches++;
      yield r.value;
    }
  }

  /** The generator of a node: the operator's own where it has one, else the inline operators'. */
  private exec(p: Plan, region?: string): AsyncGenerator<Batch> {
    switch (p.k) {
      case 'scan': return this.scan(p, region);
      case 'alias': return this.run(p.input, region);
      case 'sort': return this.sort(p, region);
      case 'aggregate': return this.aggregate(p);
      case 'join': return this.join(p);
      case 'window': return this.window(p);
      case 'setop': return this.setop(p);
      case 'range': return this.range(p);
      default: return this.inline(p, region);
    }
  }

  /**
   * Operators without a generator of their own. This and every operator
   * generator start with check(): cancellation and the deadline are checked
   * when the operator first runs.
   */
  private async *inline(p: Exclude<Plan, { k: 'scan' | 'alias' | 'sort' | 'aggregate' | 'join' | 'window' | 'setop' | 'range' }>, region?: string): AsyncGenerator<Batch> {
    this.check();
    switch (p.k) {
      case 'values': {
        const dummy: Batch = { columns: [], numRows: 1 };
        const cols: unknown[][] = p.fields.map(() => []);
        for (const row of p.rows) {
          for (let i = 0; i < row.length; i++) {
            const preparers: Array<(b: Batch) => Promise<void>> = [];
            const f = await compileExpr(row[i]!, new Map(), { ...this.evalCtx, preparers });
            for (const prep of preparers) await prep(dummy);
            cols[i]!.push(valueAt(f(dummy), 0));
          }
        }
        yield { columns: p.fields.map((f, i) => columnFromValues(f.type, cols[i]!)), numRows: p.rows.length };
        return;
      }
      case 'memory': {
        for (const b of await p.load()) yield b;
        return;
      }
      case 'filter': {
        const preparers: Array<(b: Batch) => Promise<void>> = [];
        const f = await compileExpr(p.pred, layoutOf(schemaOf(p.input)), { ...this.evalCtx, preparers });
        for await (const b of this.run(p.input, region)) {
          if (b.numRows === 0) continue;
          for (const prep of preparers) await prep(b);
          const c = f(b);
          const d = c.data as Uint8Array;
          const idx: number[] = [];
          for (let i = 0; i < b.numRows; i++) if (d[i] === 1 && (c.valid === null || c.valid[i] === 1)) idx.push(i);
          if (idx.length === b.numRows) yield b;
          else if (idx.length) yield takeBatch(b, idx);
        }
        return;
      }
      case 'project': {
        const layout = layoutOf(schemaOf(p.input));
        const preparers: Array<(b: Batch) => Promise<void>> = [];
        const fs = await Promise.all(p.exprs.map((e) => compileExpr(e.expr, layout, { ...this.evalCtx, preparers })));
        for await (const b of this.run(p.input, region)) {
          for (const prep of preparers) await prep(b);
          yield { columns: fs.map((f) => f(b)), numRows: b.numRows };
        }
        return;
      }
      case 'limit': {
        let skip = p.offset;
        let left = p.limit ?? Infinity;
        if (left === 0) return;
        for await (const b of this.run(p.input, region)) {
          let batch = b;
          if (skip > 0) {
            if (batch.numRows <= skip) { skip -= batch.numRows; continue; }
            batch = sliceBatch(batch, skip, batch.numRows);
            skip = 0;
          }
          if (batch.numRows > left) batch = sliceBatch(batch, 0, left);
          left -= batch.numRows;
          if (batch.numRows) yield batch;
          if (left <= 0) return;
        }
        return;
      }
      case 'distinct': {
        const seen = new Set<string>();
        for await (const b of this.run(p.input, region)) {
          const idx: number[] = [];
          for (let i = 0; i < b.numRows; i++) {
            const k = rowKey(b.columns, i);
            if (!seen.has(k)) { seen.add(k); idx.push(i); }
          }
          if (idx.length) yield takeBatch(b, idx);
        }
        return;
      }
    }
  }

  // ---------------------------------------------------------------- scan

  private async *scan(p: Extract<Plan, { k: 'scan' }>, region?: string): AsyncGenerator<Batch> {
    this.check();
    const regions = region ? [region] : p.table.regionIds;
    const names = p.fields.map((f) => f.name);
    const types = p.fields.map((f) => f.type);
    let remaining = p.limit ?? Infinity;
    const om = this.opts.metrics?.get(p);
    for (const r of regions) {
      if (remaining <= 0) return;
      const metrics: ScanMetrics = { rowsScanned: 0, rowsReturned: 0, filesTotal: 0, filesPruned: 0, rowGroupsTotal: 0, rowGroupsPruned: 0 };
      const req = {
        projection: names,
        ...(p.timeRange ? { timeRange: p.timeRange } : {}),
        ...(p.predicates.length ? { predicates: p.predicates } : {}),
        ...(p.limit !== undefined ? { limit: remaining } : {}),
        ...(p.seriesRowSelector ? { seriesRowSelector: p.seriesRowSelector } : {}),
        batchSize: this.batchSize,
        // columnFromArrow takes dictionary-encoded strings (each distinct value decoded once per batch).
        dictionaryTags: true,
        ...(this.unorderedScans.has(p) ? { unordered: true } : {}),
        ...(this.opts.signal ? { signal: this.opts.signal } : {}),
        metrics,
      };
      for await (const rb of this.opts.engine.scan(r, req) as AsyncIterable<arrow.RecordBatch>) {
        this.check();
        if (this.dueForBreather()) await this.breather();
        const fieldNames = rb.schema.fields.map((f) => f.name);
        const cols = names.map((n, i) => {
          const j = fieldNames.indexOf(n);
          if (j < 0) throw new ExecutionError(`engine scan of ${r} did not return column ${n}`);
          return columnFromArrow(rb.getChildAt(j)!, types[i]);
        });
        let b: Batch = { columns: cols, numRows: rb.numRows };
        if (b.numRows > remaining) b = sliceBatch(b, 0, remaining);
        remaining -= b.numRows;
        if (b.numRows) yield b;
        if (remaining <= 0) break;
      }
      if (om) {
        om.scan ??= { rowsScanned: 0, rowsReturned: 0, filesTotal: 0, filesPruned: 0, rowGroupsTotal: 0, rowGroupsPruned: 0 };
        for (const k of Object.keys(metrics) as Array<keyof ScanMetrics>) om.scan[k] += metrics[k];
      }
    }
  }

  // ---------------------------------------------------------------- sort

  private async *sort(p: Extract<Plan, { k: 'sort' }>, region?: string): AsyncGenerator<Batch> {
    this.check();
    const fields = schemaOf(p.input);
    const layout = layoutOf(fields);
    const keyFns = await Promise.all(p.keys.map((k) => compileExpr(k.expr, layout, this.evalCtx)));
    const types = fields.map((f) => f.type);
    const k = p.limit;
    if (k !== undefined) this.hintTopK(p, k);
    let buf: Batch[] = [];
    let rows = 0;
    const compact = (): Batch => {
      const all = buf.length ? concatBatches(types, buf) : emptyBatch(types);
      const keyCols = keyFns.map((f) => f(all));
      const idx = Array.from({ length: all.numRows }, (_, i) => i);
      idx.sort(makeComparator(keyCols, p.keys));
      return takeBatch(all, k !== undefined ? idx.slice(0, k) : idx);
    };
    for await (const b of this.run(p.input, region)) {
      buf.push(b);
      rows += b.numRows;
      if (k === undefined) this.reserve(batchBytes(b));
      // Top-k: keep at most ~2k rows buffered.
      if (k !== undefined && rows > Math.max(2 * k, 4096)) { const c = compact(); buf = [c]; rows = c.numRows; }
    }
    const out = compact();
    for (let i = 0; i < out.numRows; i += this.batchSize) yield sliceBatch(out, i, Math.min(out.numRows, i + this.batchSize));
  }

  /**
   * ORDER BY x LIMIT k where x is, through projections that pass it on, a
   * group column of the aggregate below: the aggregate may skip groups whose
   * x cannot be among the k first (groupby-orderby-limit's shape).
   */
  private hintTopK(p: Extract<Plan, { k: 'sort' }>, k: number): void {
    const key = p.keys[0];
    if (!key || key.expr.k !== 'col' || k <= 0) return;
    // NULLs sort first here, so the NULL group is always kept; a NULLS LAST order needs no special case either.
    let id = key.expr.id;
    let node = p.input;
    for (;;) {
      if (node.k === 'project') {
        const e = node.exprs.find((x) => x.out.id === id);
        if (!e || e.expr.k !== 'col') return;
        id = e.expr.id; node = node.input;
      } else if (node.k === 'alias') {
        const j = node.fields.findIndex((f) => f.id === id);
        if (j < 0) return;
        id = schemaOf(node.input)[j]!.id; node = node.input;
      } else break;
    }
    if (node.k !== 'aggregate') return;
    const g = node.groups.findIndex((x) => x.out.id === id);
    if (g >= 0) this.topKHints.set(node, { group: g, desc: key.desc, k });
  }

  // ---------------------------------------------------------------- aggregate

  /** Leaf scans' regions below a chain of filter/project: the partitions for partial aggregation. */
  private partitionsOf(p: Plan): string[] | undefined {
    switch (p.k) {
      case 'scan': return p.table.regionIds.length > 1 ? [...p.table.regionIds] : undefined;
      case 'filter': case 'project': case 'alias': return this.partitionsOf(p.input);
      default: return undefined;
    }
  }

  /** Scans below a chain of filter/project/alias. */
  private scansBelow(p: Plan): Array<Extract<Plan, { k: 'scan' }>> {
    switch (p.k) {
      case 'scan': return [p];
      case 'filter': case 'project': case 'alias': return this.scansBelow(p.input);
      default: return [];
    }
  }

  private async *aggregate(p: Extract<Plan, { k: 'aggregate' }>): AsyncGenerator<Batch> {
    this.check();
    // Groups do not depend on the order rows come in (ordered aggregates sort, first/last_value
    // compare their keys): the scans may return time windows one after another.
    for (const s of this.scansBelow(p.input)) this.unorderedScans.add(s);
    const layout = layoutOf(schemaOf(p.input));
    const groupFns = await Promise.all(p.groups.map((g) => compileExpr(g.expr, layout, this.evalCtx)));
    // first_value/last_value(x ORDER BY k) keep the best (key, value) per group while streaming
    // (no sort, mergeable across regions); other ordered aggregates sort the materialized input.
    const isPick = p.aggs.map((a) => a.orderBy?.length === 1 && !a.distinct && (a.fn.name === 'first_value' || a.fn.name === 'last_value'));
    const plain = p.aggs.filter((a, i) => !a.orderBy?.length || isPick[i]);
    const ordered = p.aggs.filter((a, i) => a.orderBy?.length && !isPick[i]);
    interface Pick { set: boolean; k: unknown; v: unknown }
    const dicts: Array<Map<unknown, number>> = [];
    const bases: Array<number | undefined> = [];
    const initOf = (a: number): unknown => (isPick[a] ? { set: false, k: null, v: null } satisfies Pick : p.aggs[a]!.fn.init());
    // True when key `k` should replace the current best `cur` for aggregate a.
    const pickBetter = (a: number, k: unknown, cur: unknown): boolean => {
      const key = p.aggs[a]!.orderBy![0]!;
      let c: number;
      if (k === null || cur === null) c = k === cur ? 0 : (k === null ? -1 : 1) * (key.nullsFirst ? 1 : -1);
      else c = compareValues(k, cur) * (key.desc ? -1 : 1);
      // c > 0: k sorts after cur. last_value keeps the last in order (ties: later rows win), first_value the first.
      return p.aggs[a]!.fn.name === 'last_value' ? c >= 0 : c < 0;
    };
    const mergeOf = (a: number, x: unknown, y: unknown): unknown => {
      if (!isPick[a]) return p.aggs[a]!.fn.merge(x, y);
      const px = x as Pick; const py = y as Pick;
      if (!py.set) return px;
      if (!px.set) return py;
      return pickBetter(a, py.k, px.k) ? py : px;
    };
    const finalOf = (a: number, st: unknown): unknown => (isPick[a] ? (st as Pick).v : p.aggs[a]!.fn.finalize(st));
    const argFns = await Promise.all(p.aggs.map((a) => Promise.all(a.args.map((x) => compileExpr(x, layout, this.evalCtx)))));
    const filterFns = await Promise.all(p.aggs.map((a) => (a.filter ? compileExpr(a.filter, layout, this.evalCtx) : undefined)));
    const orderFns = await Promise.all(p.aggs.map((a) => Promise.all((a.orderBy ?? []).map((o) => compileExpr(o.expr, layout, this.evalCtx)))));

    // Built-in count/sum/avg/min/max over fixed-width numbers keep their per-group states in
    // typed arrays and are updated in one pass over the batch's group ids (no per-group calls).
    const fastKinds = p.aggs.map((a) => fastAggregateKind(a));
    interface Table {
      keys: Map<unknown, number>; groupVals: unknown[][]; states: unknown[][]; distinct: Array<Array<Set<unknown>> | undefined>;
      fast: Array<GroupedAccumulator | undefined>;
    }
    const newTable = (): Table => ({
      keys: new Map(), groupVals: p.groups.map(() => []), states: p.aggs.map(() => []), distinct: p.aggs.map((a) => (a.distinct ? [] : undefined)),
      fast: fastKinds.map((k) => (k ? new GroupedAccumulator(k) : undefined)),
    });
    const topK = this.topKHints.get(p);
    const topKFilter = topK ? new GroupTopK(topK) : undefined;
    const nullCodes: number[] = [];

    // Scratch of assign (used before the next batch comes): row change flags, run starts and groups.
    let chg = new Uint8Array(0);
    let chg32 = new Uint32Array(0);
    /** The first row from j on whose flag is set (n when none): four flags a word where they are all clear. */
    const nextChange = (j: number, n: number): number => {
      while (j < n && (j & 3) !== 0 && chg[j] === 0) j++;
      while (j + 4 <= n && chg32[j >> 2] === 0) j += 4;
      while (j < n && chg[j] === 0) j++;
      return j;
    };
    let runStart = new Int32Array(0);
    let runGroup = new Int32Array(0);
    /**
     * The batch's rows as runs of one group each (group -1: skipped by the
     * top-k filter); new groups are added to t. A run ends where any group
     * column's value changes, so keys are built and looked up once per run.
     */
    const assign = (t: Table, gcols: readonly Column[], n: number, create: boolean): GroupRuns => {
      if (runStart.length < n + 1) {
        runStart = new Int32Array(n + 1); runGroup = new Int32Array(n + 1);
        chg32 = new Uint32Array((n >> 2) + 1); chg = new Uint8Array(chg32.buffer);
      }
      if (n === 0) return { start: runStart, group: runGroup, count: 0 };
      if (gcols.length === 0) {
        let g = t.keys.get(EMPTY_KEY);
        if (g === undefined) { if (!create) throw new ExecutionError('aggregate: unknown group (executor bug)'); g = newGroup(t, EMPTY_KEY, gcols, 0); }
        runStart[0] = 0; runGroup[0] = g;
        return { start: runStart, group: runGroup, count: 1 };
      }
      while (dicts.length < gcols.length) dicts.push(new Map());
      chg.fill(0, 0, n);
      chg[0] = 1;
      for (const c of gcols) markChanges(c, n, chg);
      // 64-bit columns (timestamps) as int32 halves: keys without a bigint per run.
      const halves = gcols.map((c) => (c.dict === undefined && c.data instanceof BigInt64Array ? new Int32Array(c.data.buffer, c.data.byteOffset, n * 2) : undefined));
      const tk = topK?.group;
      let count = 0;
      for (let i = 0; i < n; i = nextChange(i + 1, n)) {
        runStart[count] = i;
        let key: unknown;
        let skipped = false;
        if (gcols.length === 1) {
          key = codeAt(gcols[0]!, halves[0], i, dicts[0]!, bases, 0, nullCodes);
          if (tk === 0) skipped = topKFilter!.skips(gcols[0]!, i, key as number, nullCodes[0]);
        } else if (gcols.length === 2) {
          const x = codeAt(gcols[0]!, halves[0], i, dicts[0]!, bases, 0, nullCodes); const y = codeAt(gcols[1]!, halves[1], i, dicts[1]!, bases, 1, nullCodes);
          if (tk !== undefined) skipped = topKFilter!.skips(gcols[tk]!, i, tk === 0 ? x : y, nullCodes[tk]);
          key = x < 67_108_864 && y < 67_108_864 ? x * 67_108_864 + y : `${x},${y}`;
        } else {
          let k = '';
          for (let c = 0; c < gcols.length; c++) {
            const x = codeAt(gcols[c]!, halves[c], i, dicts[c]!, bases, c, nullCodes);
            if (c === tk) skipped = topKFilter!.skips(gcols[tk]!, i, x, nullCodes[tk]);
            k += `${x},`;
          }
          key = k;
        }
        if (skipped) { runGroup[count++] = -1; continue; }
        let g = t.keys.get(key);
        if (g === undefined) {
          if (!create) throw new ExecutionError('aggregate: unknown group (executor bug)');
          g = newGroup(t, key, gcols, i);
        }
        runGroup[count++] = g;
      }
      return { start: runStart, group: runGroup, count };
    };
    /** Group id per row of runs (-1: skipped). */
    const gidOf = (runs: GroupRuns, n: number): Int32Array => {
      const gid = new Int32Array(n);
      for (let r = 0; r < runs.count; r++) gid.fill(runs.group[r]!, runs.start[r]!, r + 1 < runs.count ? runs.start[r + 1]! : n);
      return gid;
    };
    const newGroup = (t: Table, key: unknown, gcols: readonly Column[], i: number): number => {
      const g = t.keys.size;
      t.keys.set(key, g);
      for (let c = 0; c < gcols.length; c++) t.groupVals[c]!.push(dictValueAt(gcols[c]!, i));
      for (let a = 0; a < p.aggs.length; a++) { if (!fastKinds[a]) t.states[a]!.push(initOf(a)); t.distinct[a]?.push(new Set()); }
      this.reserve(64 + 48 * (gcols.length + p.aggs.length));
      return g;
    };

    const consume = (t: Table, b: Batch) => {
      const n = b.numRows;
      const gcols = groupFns.map((f) => f(b));
      const runs = assign(t, gcols, n, true);
      const ngroups = t.keys.size;
      let rowGroups: Int32Array | undefined;
      let unmasked: { counts: Uint32Array; rows: Uint32Array } | undefined;
      for (let a = 0; a < p.aggs.length; a++) {
        const agg = p.aggs[a]!;
        if (agg.orderBy?.length && !isPick[a]) continue;
        const fast = t.fast[a];
        if (fast) { fast.update(runs, n, ngroups, argFns[a]!.length ? argFns[a]![0]!(b) : undefined); continue; }
        const gid = rowGroups ??= gidOf(runs, n);
        if (isPick[a]) {
          const kc = orderFns[a]![0]!(b);
          const vc = argFns[a]![0]!(b);
          const fc = filterFns[a] ? filterFns[a]!(b) : undefined;
          const st = t.states[a]! as Pick[];
          for (let i = 0; i < n; i++) {
            if (gid[i]! < 0) continue;
            if (fc && !((fc.data as Uint8Array)[i] && (!fc.valid || fc.valid[i]))) continue;
            const s0 = st[gid[i]!]!;
            const k = valueAt(kc, i);
            if (!s0.set || pickBetter(a, k, s0.k)) { s0.set = true; s0.k = k; s0.v = valueAt(vc, i); }
          }
          continue;
        }
        const argCols = argFns[a]!.map((f) => f(b));
        const vecs = argCols.map(columnToArrow);
        let mask: Uint8Array | undefined;
        if (filterFns[a]) { const fc = filterFns[a]!(b); mask = new Uint8Array(n); for (let i = 0; i < n; i++) mask[i] = (fc.data as Uint8Array)[i]! & (fc.valid ? fc.valid[i]! : 1); }
        if (agg.distinct) {
          const sets = t.distinct[a]!;
          if (!mask) mask = new Uint8Array(n).fill(1);
          // Rows whose value (the first argument) is NULL are skipped; later arguments are parameters
          // (string_agg's delimiter: DISTINCT x with a NULL delimiter joins without one, as DataFusion does).
          for (let i = 0; i < n; i++) {
            if (!mask[i] || gid[i]! < 0) continue;
            const k = rowKey(argCols, i);
            if (valueAt(argCols[0]!, i) === null) { mask[i] = 0; continue; }
            const s = sets[gid[i]!]!;
            if (s.has(k)) mask[i] = 0; else s.add(k);
          }
        }
        // Bucket rows by group (counting sort) so each group gets one update call per batch;
        // without a per-aggregate mask every aggregate shares one bucketing.
        const { counts, rows } = mask ? bucketRows(gid, n, ngroups, mask) : (unmasked ??= bucketRows(gid, n, ngroups, undefined));
        const fctx = this.fctx(n);
        const st = t.states[a]!;
        for (let g = 0; g < ngroups; g++) {
          const s0 = counts[g]!; const s1 = counts[g + 1]!;
          if (s1 === s0) continue;
          st[g] = agg.fn.update(st[g], vecs, s1 - s0 === n ? null : rows.subarray(s0, s1), fctx);
        }
      }
    };

    // Phase 1: partial aggregation per partition (region), then merge (phase 2).
    const parts = ordered.length || p.aggs.some((a) => a.distinct) ? undefined : this.partitionsOf(p.input);
    let final: Table;
    if (parts) {
      const partials: Table[] = [];
      for (const r of parts) {
        const t = newTable();
        for await (const b of this.run(p.input, r)) consume(t, b);
        partials.push(t);
      }
      final = newTable();
      for (const t of partials) {
        for (const [key, g] of t.keys) {
          let fg = final.keys.get(key);
          if (fg === undefined) {
            fg = final.keys.size;
            final.keys.set(key, fg);
            for (let c = 0; c < p.groups.length; c++) final.groupVals[c]!.push(t.groupVals[c]![g]);
            for (let a = 0; a < p.aggs.length; a++) {
              if (fastKinds[a]) final.fast[a]!.mergeGroup(fg, t.fast[a]!, g);
              else final.states[a]!.push(t.states[a]![g]);
              final.distinct[a]?.push(t.distinct[a]![g]!);
            }
            continue;
          }
          for (let a = 0; a < p.aggs.length; a++) {
            if (fastKinds[a]) { final.fast[a]!.mergeGroup(fg, t.fast[a]!, g); continue; }
            if (p.aggs[a]!.distinct) {
              // Re-feed values new to the merged group (distinct sets cannot simply be merged with states).
              const mine = final.distinct[a]![fg]!;
              const theirs = t.distinct[a]![g]!;
              const fresh = [...theirs].filter((k) => !mine.has(k));
              if (fresh.length !== theirs.size) throw new ExecutionError('DISTINCT aggregate across partitions needs a single phase (planner bug)');
              for (const k of fresh) mine.add(k);
            }
            final.states[a]![fg] = mergeOf(a, final.states[a]![fg], t.states[a]![g]);
          }
        }
      }
    } else {
      final = newTable();
      const all: Batch[] = [];
      for await (const b of this.run(p.input)) { consume(final, b); if (ordered.length) all.push(b); }
      if (ordered.length) {
        const whole = all.length ? concatBatches(schemaOf(p.input).map((f) => f.type), all) : emptyBatch(schemaOf(p.input).map((f) => f.type));
        const gcols = groupFns.map((f) => f(whole));
        for (const agg of ordered) {
          const a = p.aggs.indexOf(agg);
          const keyCols = orderFns[a]!.map((f) => f(whole));
          const idx = Array.from({ length: whole.numRows }, (_, i) => i).sort(makeComparator(keyCols, agg.orderBy!));
          const sorted = takeBatch(whole, idx);
          const sg = gcols.map((c) => takeColumn(c, idx));
          const argCols = argFns[a]!.map((f) => f(sorted));
          const vecs = argCols.map(columnToArrow);
          const byGroup = new Map<number, number[]>();
          const fc = filterFns[a] ? filterFns[a]!(sorted) : undefined;
          const sgid = gidOf(assign(final, sg, sorted.numRows, false), sorted.numRows);
          // DISTINCT with ORDER BY (string_agg(DISTINCT x, ',' ORDER BY x)): the first row of each
          // distinct argument list in sort order goes in; rows whose value (first argument) is NULL are
          // skipped, as in the unordered DISTINCT path.
          const seen = agg.distinct ? new Map<number, Set<unknown>>() : undefined;
          for (let i = 0; i < sorted.numRows; i++) {
            if (fc && !((fc.data as Uint8Array)[i] && (!fc.valid || fc.valid[i]))) continue;
            const g = sgid[i]!;
            if (g < 0) continue;
            if (seen) {
              if (valueAt(argCols[0]!, i) === null) continue;
              const k = rowKey(argCols, i);
              let set = seen.get(g); if (!set) seen.set(g, set = new Set());
              if (set.has(k)) continue;
              set.add(k);
            }
            let l = byGroup.get(g); if (!l) byGroup.set(g, l = []); l.push(i);
          }
          for (const [g, rows] of byGroup) final.states[a]![g] = agg.fn.update(final.states[a]![g], vecs, Uint32Array.from(rows), this.fctx(sorted.numRows));
        }
      }
    }
    void plain;
    if (final.keys.size === 0 && p.groups.length === 0) {
      // Aggregates over no rows still give one row (count = 0, sum = NULL).
      for (let a = 0; a < p.aggs.length; a++) if (!fastKinds[a]) final.states[a]!.push(initOf(a));
      final.keys.set(EMPTY_KEY, 0);
    }
    const n = final.keys.size;
    const cols: Column[] = [
      ...p.groups.map((g, c) => columnFromValues(g.out.type, final.groupVals[c]!)),
      ...p.aggs.map((a, i) => (final.fast[i] ? final.fast[i]!.finish(n, a.out.type)
        : columnFromValues(a.out.type, final.states[i]!.map((s) => normalizeAggValue(finalOf(i, s), a))))),
    ];
    const out: Batch = { columns: cols, numRows: n };
    for (let i = 0; i < n; i += this.batchSize) yield sliceBatch(out, i, Math.min(n, i + this.batchSize));
    if (n === 0) return;
  }

  // ---------------------------------------------------------------- join

  private async *join(p: Extract<Plan, { k: 'join' }>): AsyncGenerator<Batch> {
    this.check();
    const lf = schemaOf(p.left); const rf = schemaOf(p.right);
    const ll = layoutOf(lf); const rl = layoutOf(rf);
    const lkeys = await Promise.all(p.equi.map(([l]) => compileExpr(l, ll, this.evalCtx)));
    const rkeys = await Promise.all(p.equi.map(([, r]) => compileExpr(r, rl, this.evalCtx)));
    const outFields = [...lf, ...rf];
    const residual = p.on ? await compileExpr(p.on, layoutOf(outFields), this.evalCtx) : undefined;
    const rightBatches = await this.collect(p.right);
    const right = rightBatches.length ? concatBatches(rf.map((f) => f.type), rightBatches) : emptyBatch(rf.map((f) => f.type));
    const table = new Map<unknown, number[]>();
    if (p.equi.length) {
      const kc = rkeys.map((f) => f(right));
      const keyOf = groupKeyFn(kc);
      for (let i = 0; i < right.numRows; i++) {
        if (kc.some((c) => valueAt(c, i) === null)) continue;
        const k = keyOf(i);
        let l = table.get(k); if (!l) table.set(k, l = []); l.push(i);
      }
    }
    const allRight = Array.from({ length: right.numRows }, (_, i) => i);
    const rightMatched = new Uint8Array(right.numRows);
    const keepLeftUnmatched = p.type === 'left' || p.type === 'full';
    const keepRightUnmatched = p.type === 'right' || p.type === 'full';
    const build = (left: Batch, li: number[], ri: number[]): Batch => ({
      columns: [...left.columns.map((c) => takeColumnNullable(c, li)), ...right.columns.map((c) => takeColumnNullable(c, ri))],
      numRows: li.length,
    });
    for await (const b of this.run(p.left)) {
      this.check();
      if (this.dueForBreather()) await this.breather();
      const kc = lkeys.map((f) => f(b));
      const keyOf = groupKeyFn(kc);
      let li: number[] = []; let ri: number[] = [];
      for (let i = 0; i < b.numRows; i++) {
        let cands: number[] | undefined;
        if (p.equi.length) {
          if (kc.some((c) => valueAt(c, i) === null)) cands = undefined;
          else cands = table.get(keyOf(i));
        } else cands = allRight;
        if (cands) for (const j of cands) { li.push(i); ri.push(j); }
        if (li.length > 1_000_000 && !residual && !keepLeftUnmatched) {
          for (const j of ri) rightMatched[j] = 1;
          yield build(b, li, ri); li = []; ri = [];
          if (this.dueForBreather()) await this.breather();
        }
      }
      let pairs = build(b, li, ri);
      if (residual && pairs.numRows) {
        const c = residual(pairs);
        const keep: number[] = [];
        for (let i = 0; i < pairs.numRows; i++) if ((c.data as Uint8Array)[i] && (!c.valid || c.valid[i])) keep.push(i);
        li = keep.map((k) => li[k]!); ri = keep.map((k) => ri[k]!);
        pairs = build(b, li, ri);
      }
      for (const j of ri) rightMatched[j] = 1;
      if (keepLeftUnmatched) {
        const matched = new Uint8Array(b.numRows);
        for (const i of li) matched[i] = 1;
        const ul: number[] = [];
        for (let i = 0; i < b.numRows; i++) if (!matched[i]) ul.push(i);
        if (ul.length) { li = li.concat(ul); ri = ri.concat(ul.map(() => -1)); pairs = build(b, li, ri); }
      }
      if (pairs.numRows) yield pairs;
    }
    if (keepRightUnmatched) {
      const ri: number[] = [];
      for (let j = 0; j < right.numRows; j++) if (!rightMatched[j]) ri.push(j);
      if (ri.length) {
        const nullLeft = emptyBatch(lf.map((f) => f.type));
        yield build(nullLeft, ri.map(() => -1), ri);
      }
    }
  }

  // ---------------------------------------------------------------- window

  private async *window(p: Extract<Plan, { k: 'window' }>): AsyncGenerator<Batch> {
    this.check();
    const fields = schemaOf(p.input);
    const layout = layoutOf(fields);
    const batches = await this.collect(p.input);
    const all = batches.length ? concatBatches(fields.map((f) => f.type), batches) : emptyBatch(fields.map((f) => f.type));
    const n = all.numRows;
    const outCols: Column[] = [];
    for (const call of p.calls) outCols.push(await this.windowCall(call, all, layout));
    const out: Batch = { columns: [...all.columns, ...outCols], numRows: n };
    for (let i = 0; i < n; i += this.batchSize) yield sliceBatch(out, i, Math.min(n, i + this.batchSize));
  }

  private async windowCall(call: WinCall, all: Batch, layout: Map<number, number>): Promise<Column> {
    const n = all.numRows;
    const pfn = await Promise.all(call.partitionBy.map((e) => compileExpr(e, layout, this.evalCtx)));
    const ofn = await Promise.all(call.orderBy.map((k) => compileExpr(k.expr, layout, this.evalCtx)));
    const afn = await Promise.all(call.args.map((e) => compileExpr(e, layout, this.evalCtx)));
    const pcols = pfn.map((f) => f(all));
    const ocols = ofn.map((f) => f(all));
    const acols = afn.map((f) => f(all));
    const keys: SortKey[] = [...call.partitionBy.map((e) => ({ expr: e, desc: false, nullsFirst: true })), ...call.orderBy];
    const idx = Array.from({ length: n }, (_, i) => i).sort(makeComparator([...pcols, ...ocols], keys));
    const result = new Array<unknown>(n).fill(null);
    let start = 0;
    while (start < n) {
      let end = start + 1;
      const pk = pcols.length ? rowKey(pcols, idx[start]!) : '';
      while (end < n && (pcols.length ? rowKey(pcols, idx[end]!) === pk : true)) end++;
      const part = idx.slice(start, end);
      const vals = this.evalWindowPartition(call, part, acols, ocols);
      for (let i = 0; i < part.length; i++) result[part[i]!] = vals[i];
      start = end;
    }
    return columnFromValues(call.out.type, result.map((v) => normalizeValue(v, call.out.type.name)));
  }

  private evalWindowPartition(call: WinCall, part: number[], acols: Column[], ocols: Column[]): unknown[] {
    const m = part.length;
    const args = acols.map((c) => takeColumn(c, part));
    const okeys = ocols.map((c) => takeColumn(c, part));
    const fctx: FunctionContext = call.ignoreNulls ? { ...this.fctx(m), ignoreNulls: true } : this.fctx(m);
    const fn = call.fn;
    if (fn.kind === 'window' && fn.evaluation === 'partition') {
      const v = (fn as WindowFunction).evaluatePartition!(args.map(columnToArrow), okeys.map(columnToArrow), fctx);
      const c = columnFromArrow(v);
      return Array.from({ length: m }, (_, i) => valueAt(c, i));
    }
    // Frame-based: compute [s, e) per row.
    const frame = call.frame;
    // Peer groups (rows with equal ORDER BY keys; one group without ORDER BY), found once:
    // row i is in group grp[i], which spans rows [gStart[g], gEnd[g]).
    const samePeers = (a: number, b: number): boolean => okeys.every((k) => {
      const x = valueAt(k, a); const y = valueAt(k, b);
      return x === null || y === null ? x === y : compareValues(x, y) === 0;
    });
    const grp = new Int32Array(m);
    const gStart: number[] = []; const gEnd: number[] = [];
    if (m > 0) {
      gStart.push(0);
      for (let i = 1; i < m; i++) {
        if (!samePeers(i - 1, i)) { gEnd.push(i); gStart.push(i); }
        grp[i] = gStart.length - 1;
      }
      gEnd.push(m);
    }
    const ngroups = gStart.length;
    const peersEnd = (i: number): number => gEnd[grp[i]!]!;
    const peersStart = (i: number): number => gStart[grp[i]!]!;
    // RANGE with an offset searches the order key's non-NULL keys, which form one sorted run [keysStart, keysEnd).
    const rangeKey = okeys[0];
    let keysStart = 0; let keysEnd = m;
    if (rangeKey && frame?.units === 'range') {
      while (keysStart < m && valueAt(rangeKey, keysStart) === null) keysStart++;
      while (keysEnd > keysStart && valueAt(rangeKey, keysEnd - 1) === null) keysEnd--;
    }
    const bounds = (i: number): [number, number] => {
      if (!frame) return call.orderBy.length ? [0, peersEnd(i)] : [0, m];
      const off = (b: typeof frame.start, isStart: boolean): number => {
        switch (b.kind) {
          case 'unbounded': return isStart ? 0 : m;
          case 'current': return frame.units === 'rows' ? (isStart ? i : i + 1) : (isStart ? peersStart(i) : peersEnd(i));
          case 'preceding': case 'following': {
            const sign = b.kind === 'preceding' ? -1 : 1;
            if (frame.units === 'rows') { const o = (b.offset ?? 0) * sign; return Math.min(m, Math.max(0, isStart ? i + o : i + o + 1)); }
            if (frame.units === 'groups') {
              // GROUPS: whole peer groups, counted from the current row's group.
              const g = grp[i]! + (b.offset ?? 0) * sign;
              if (g < 0) return 0;
              if (g >= ngroups) return m;
              return isStart ? gStart[g]! : gEnd[g]!;
            }
            // RANGE with offset: by the (single, numeric or timestamp) order key, found by binary search.
            const k = rangeKey;
            if (!k) return isStart ? 0 : m;
            const desc = call.orderBy[0]!.desc;
            const cur = valueAt(k, i);
            if (cur === null) return isStart ? peersStart(i) : peersEnd(i);
            let target: unknown;
            if (typeof cur === 'bigint') {
              const units = b.offsetNanos !== undefined ? b.offsetNanos / nanosPerUnit(k.type.name) : BigInt(b.offset ?? 0);
              target = cur + BigInt(desc ? -sign : sign) * units;
            } else {
              if (b.offsetNanos !== undefined) throw new ExecutionError('an INTERVAL frame offset needs a timestamp ORDER BY key');
              target = (cur as number) + (desc ? -sign : sign) * (b.offset ?? 0);
            }
            // Rows "before" target in sort order: key < target (asc) or key > target (desc).
            const before = (j: number, strict: boolean) => { const c = compareValues(valueAt(k, j), target) * (desc ? -1 : 1); return strict ? c < 0 : c <= 0; };
            let lo = keysStart; let hi = keysEnd;
            while (lo < hi) { const mid = (lo + hi) >> 1; if (before(mid, isStart)) lo = mid + 1; else hi = mid; }
            return lo;
          }
        }
      };
      return [off(frame.start, true), off(frame.end, false)];
    };
    const out = new Array<unknown>(m);
    const exclude = frame?.exclude;
    // The rows a frame may hold, in order: all of them, or with IGNORE NULLS those whose first
    // argument is not NULL. rank[j] counts them before row j, so the frame rows [s, e) keep
    // kept[rank[s] .. rank[e]), and row j is kept when rank[j + 1] > rank[j]. Built once per
    // partition, so each row's frame is a few subarrays, never a list built row by row.
    const nonNull = call.ignoreNulls && args[0] ? args[0] : undefined;
    const rank = new Int32Array(m + 1);
    let kept: Uint32Array;
    if (nonNull) {
      const rows: number[] = [];
      for (let j = 0; j < m; j++) { rank[j] = rows.length; if (valueAt(nonNull, j) !== null) rows.push(j); }
      rank[m] = rows.length;
      kept = Uint32Array.from(rows);
    } else {
      kept = new Uint32Array(m);
      for (let j = 0; j < m; j++) { kept[j] = j; rank[j] = j; }
      rank[m] = m;
    }
    // Row i's frame [s, e) as runs [runs[2r], runs[2r + 1]) of positions in `kept`, in row order:
    // one run, or with EXCLUDE the part before the excluded rows, the current row itself
    // (EXCLUDE TIES keeps it) and the part after them.
    const runs = new Int32Array(6);
    const frameRuns = (i: number, s: number, e: number): number => {
      if (!exclude) { runs[0] = rank[s]!; runs[1] = rank[e]!; return 1; }
      const xa = Math.min(e, Math.max(s, exclude === 'current' ? i : peersStart(i)));
      const xb = Math.min(e, Math.max(s, exclude === 'current' ? i + 1 : peersEnd(i)));
      let r = 0;
      runs[r++] = rank[s]!; runs[r++] = rank[xa]!;
      if (exclude === 'ties' && i >= s && i < e) { runs[r++] = rank[i]!; runs[r++] = rank[i + 1]!; }
      runs[r++] = rank[xb]!; runs[r++] = rank[e]!;
      return r >> 1;
    };
    if (fn.kind === 'window') {
      const wf = fn as WindowFunction;
      const vecs = args.map(columnToArrow);
      if (!exclude && !nonNull) {
        for (let i = 0; i < m; i++) { const [s, e] = bounds(i); out[i] = wf.evaluateFrame!(vecs, s, Math.max(s, e), i, fctx); }
        return out;
      }
      if (fn === NTH_VALUE) {
        // nth_value(x, n): the n-th row the frame keeps, counted across its runs.
        const x = args[0]!;
        const n = m > 0 ? Number(valueAt(args[1]!, 0)) : 0;
        for (let i = 0; i < m; i++) {
          const [s, e] = bounds(i);
          const r = frameRuns(i, s, Math.max(s, e));
          let left = n; let v: unknown = null;
          for (let k = 0; k < r && left >= 1; k++) {
            const a = runs[2 * k]!; const len = runs[2 * k + 1]! - a;
            if (left <= len) { v = valueAt(x, kept[a + left - 1]!); break; }
            left -= len;
          }
          out[i] = v;
        }
        return out;
      }
      if (!exclude) {
        // Any other frame function with IGNORE NULLS: the kept rows gathered once, then every
        // row (for the current one) after them; a frame is then a range of the kept rows.
        const all = new Uint32Array(kept.length + m);
        all.set(kept);
        for (let j = 0; j < m; j++) all[kept.length + j] = j;
        const gathered = args.map((c) => columnToArrow(takeColumn(c, all)));
        for (let i = 0; i < m; i++) {
          const [s, e] = bounds(i);
          const e1 = Math.max(s, e);
          out[i] = wf.evaluateFrame!(gathered, rank[s]!, rank[e1]!, kept.length + i, fctx);
        }
        return out;
      }
      for (let i = 0; i < m; i++) {
        // With EXCLUDE the frame's rows are gathered, then the current row after them: the frame
        // is [0, k) of the gathered arguments and the current row is at k.
        const [s, e] = bounds(i);
        const r = frameRuns(i, s, Math.max(s, e));
        const take: number[] = [];
        for (let k = 0; k < r; k++) for (let p = runs[2 * k]!; p < runs[2 * k + 1]!; p++) take.push(kept[p]!);
        const k = take.length;
        take.push(i);
        out[i] = wf.evaluateFrame!(args.map((c) => columnToArrow(takeColumn(c, take))), 0, k, k, fctx);
      }
      return out;
    }
    const agg = fn as AggregateFunction<any>;
    const vecs = args.map(columnToArrow);
    // Folds row i's frame into a state, a run at a time (update folds rows in order, so runs
    // one after the other are the same as their concatenation).
    const fold = (st: unknown, i: number, s: number, e: number): unknown => {
      const r = frameRuns(i, s, e);
      for (let k = 0; k < r; k++) {
        const a = runs[2 * k]!; const b = runs[2 * k + 1]!;
        if (b > a) st = agg.update(st, vecs, kept.subarray(a, b), fctx);
      }
      return st;
    };
    if (exclude) {
      for (let i = 0; i < m; i++) {
        const [s, e] = bounds(i);
        out[i] = agg.finalize(fold(agg.init(), i, s, Math.max(s, e)));
      }
      return out;
    }
    const fast = (agg as { [FAST_AGGREGATE]?: FastAggregateKind })[FAST_AGGREGATE];
    if ((fast === 'min' || fast === 'max') && args.length === 1) {
      // Sliding min/max: a deque of kept positions whose values only worsen from front to back,
      // so the front is the frame's extreme. Each row enters and leaves it once.
      const x = args[0]!;
      const sign = fast === 'min' ? 1 : -1;
      const q = new Int32Array(kept.length); let qh = 0; let qt = 0;
      let a = 0; let b = 0;
      for (let i = 0; i < m; i++) {
        const [s, e0] = bounds(i);
        const ra = rank[s]!; const rb = rank[Math.max(s, e0)]!;
        if (ra < a || rb < b || ra >= b) { qh = qt = 0; a = b = ra; } // moved back, or past every row held: start over
        for (; b < rb; b++) {
          const v = valueAt(x, kept[b]!);
          if (v === null) continue;
          while (qt > qh && sign * compareValues(valueAt(x, kept[q[qt - 1]!]!), v) > 0) qt--;
          q[qt++] = b;
        }
        a = ra;
        while (qt > qh && q[qh]! < a) qh++;
        out[i] = qt > qh ? valueAt(x, kept[q[qh]!]!) : null;
      }
      return out;
    }
    if (agg.retract) {
      // Sliding frames: one state; the rows entering a frame are folded in, those leaving it taken out.
      let st = agg.init(); let a = 0; let b = 0;
      for (let i = 0; i < m; i++) {
        const [s, e0] = bounds(i);
        const ra = rank[s]!; const rb = rank[Math.max(s, e0)]!;
        if (ra < a || rb < b || (ra >= b && b > a)) { st = agg.init(); a = b = ra; } // moved back, or past every row held
        if (ra > b) a = b = ra;
        if (ra > a && agg.canRetract && !agg.canRetract(st)) { st = agg.init(); a = b = ra; } // folded anew
        if (rb > b) { st = agg.update(st, vecs, kept.subarray(b, rb), fctx); b = rb; }
        if (ra > a) { st = agg.retract(st, vecs, kept.subarray(a, ra), fctx); a = ra; }
        out[i] = agg.finalize(st);
      }
      return out;
    }
    // Running frames (start fixed at 0) reuse one growing state.
    let running: unknown; let runEnd = 0; let runStart = -1;
    for (let i = 0; i < m; i++) {
      const [s, e0] = bounds(i);
      const e = Math.max(s, e0);
      if (s === 0 && runStart === 0 && e >= runEnd) {
        if (rank[e]! > rank[runEnd]!) running = agg.update(running, vecs, kept.subarray(rank[runEnd]!, rank[e]!), fctx);
        runEnd = e;
      } else if (s === 0) {
        running = agg.init(); runStart = 0; runEnd = e;
        if (rank[e]! > 0) running = agg.update(running, vecs, kept.subarray(0, rank[e]!), fctx);
      } else {
        out[i] = agg.finalize(fold(agg.init(), i, s, e));
        continue;
      }
      out[i] = agg.finalize(running);
    }
    return out;
  }

  // ---------------------------------------------------------------- set operations

  private async *setop(p: Extract<Plan, { k: 'setop' }>): AsyncGenerator<Batch> {
    this.check();
    if (p.op === 'union') {
      const seen = p.all ? undefined : new Set<string>();
      for (const side of [p.left, p.right]) {
        for await (const b of this.run(side)) {
          if (!seen) { yield b; continue; }
          const idx: number[] = [];
          for (let i = 0; i < b.numRows; i++) { const k = rowKey(b.columns, i); if (!seen.has(k)) { seen.add(k); idx.push(i); } }
          if (idx.length) yield takeBatch(b, idx);
        }
      }
      return;
    }
    const counts = new Map<string, number>();
    for await (const b of this.run(p.right)) for (let i = 0; i < b.numRows; i++) { const k = rowKey(b.columns, i); counts.set(k, (counts.get(k) ?? 0) + 1); }
    const emitted = new Set<string>();
    for await (const b of this.run(p.left)) {
      const idx: number[] = [];
      for (let i = 0; i < b.numRows; i++) {
        const k = rowKey(b.columns, i);
        const c = counts.get(k) ?? 0;
        if (p.op === 'intersect') {
          if (p.all) { if (c > 0) { counts.set(k, c - 1); idx.push(i); } } else if (c > 0 && !emitted.has(k)) { emitted.add(k); idx.push(i); }
        } else if (p.all) { if (c > 0) counts.set(k, c - 1); else idx.push(i); } else if (c === 0 && !emitted.has(k)) { emitted.add(k); idx.push(i); }
      }
      if (idx.length) yield takeBatch(b, idx);
    }
  }

  // ---------------------------------------------------------------- range query

  private async *range(p: Extract<Plan, { k: 'range' }>): AsyncGenerator<Batch> {
    this.check();
    const layout = layoutOf(schemaOf(p.input));
    const tsFn = await compileExpr(p.ts, layout, this.evalCtx);
    const byFns = await Promise.all(p.by.map((b) => compileExpr(b.expr, layout, this.evalCtx)));
    const argFns = await Promise.all(p.calls.map((c) => Promise.all(c.agg.args.map((a) => compileExpr(a, layout, this.evalCtx)))));
    const unitNs = nanosPerUnit(p.ts.type.name);
    const align = p.alignNanos / unitNs || 1n;
    const alignTo = p.alignToNanos / unitNs;
    // series key -> { by values, slots: Map<slot ts, states[]> }
    const series = new Map<string, { by: unknown[]; slots: Map<bigint, unknown[]> }>();
    const seriesKeyOf = new Map<object, string>();
    const distinctSeen = new Map<string, Set<string>>();
    const filterFns = await Promise.all(p.calls.map((c) => (c.agg.filter ? compileExpr(c.agg.filter, layout, this.evalCtx) : undefined)));
    // first_value/last_value(x ORDER BY k1, k2, ...) RANGE ...: keep the best (keys, value) per slot.
    const pickKey = await Promise.all(p.calls.map((c) => (c.agg.orderBy?.length && (c.agg.fn.name === 'first_value' || c.agg.fn.name === 'last_value')
      ? Promise.all(c.agg.orderBy.map((o) => compileExpr(o.expr, layout, this.evalCtx))) : undefined)));
    for (let c = 0; c < p.calls.length; c++) {
      if (p.calls[c]!.agg.orderBy?.length && !pickKey[c]) throw new ExecutionError(`ORDER BY inside ${p.calls[c]!.agg.fn.name}(...) is not supported in a RANGE expression (only first_value/last_value take one)`);
    }
    // Row i's keys (read from the key columns, no per-row array) against the kept best.
    const better = (c: number, kcs: readonly Column[], i: number, curs: readonly unknown[]): boolean => {
      const keys = p.calls[c]!.agg.orderBy!;
      let r = 0;
      for (let j = 0; j < keys.length && r === 0; j++) {
        const key = keys[j]!; const k = valueAt(kcs[j]!, i); const cur = curs[j];
        if (k === null || cur === null) r = k === cur ? 0 : (k === null ? -1 : 1) * (key.nullsFirst ? 1 : -1);
        else r = compareValues(k, cur) * (key.desc ? -1 : 1);
      }
      return p.calls[c]!.agg.fn.name === 'last_value' ? r >= 0 : r < 0;
    };
    const initCall = (c: number): unknown => (pickKey[c] ? { set: false, k: null, v: null } : p.calls[c]!.agg.fn.init());
    const finalCall = (c: number, st: unknown): unknown => (pickKey[c] ? (st as { v: unknown }).v : p.calls[c]!.agg.fn.finalize(st));
    for await (const b of this.run(p.input)) {
      this.check();
      if (this.dueForBreather()) await this.breather();
      const ts = tsFn(b);
      const byCols = byFns.map((f) => f(b));
      const argCols = argFns.map((fs) => fs.map((f) => f(b)));
      const vecs = argCols.map((cs) => cs.map(columnToArrow));
      const fctx = this.fctx(b.numRows);
      // Group rows per (series, slot, call) then update once per group.
      const groups = new Map<string, { s: { by: unknown[]; slots: Map<bigint, unknown[]> }; slot: bigint; rows: number[][] }>();
      for (let i = 0; i < b.numRows; i++) {
        const t = valueAt(ts, i) as bigint | null;
        if (t === null) continue;
        const sk = byCols.length ? rowKey(byCols, i) : '';
        let s = series.get(sk);
        if (!s) { s = { by: byCols.map((c) => valueAt(c, i)), slots: new Map() }; series.set(sk, s); seriesKeyOf.set(s, sk); }
        for (let c = 0; c < p.calls.length; c++) {
          const range = p.calls[c]!.rangeNanos / unitNs || 1n;
          // slots t0 with t0 <= t < t0 + range, t0 = alignTo + k * align
          const kMax = floorDiv(t - alignTo, align);
          const kMin = floorDiv(t - range - alignTo, align) + 1n;
          for (let k = kMin; k <= kMax; k++) {
            const slot = alignTo + k * align;
            const gk = `${sk}\u0002${slot}`;
            let g = groups.get(gk);
            if (!g) { g = { s, slot, rows: p.calls.map(() => []) }; groups.set(gk, g); }
            g.rows[c]!.push(i);
          }
        }
      }
      const filterCols = filterFns.map((f) => f?.(b));
      const pickCols = pickKey.map((fs) => fs?.map((f) => f(b)));
      for (const g of groups.values()) {
        let states = g.s.slots.get(g.slot);
        if (!states) { states = p.calls.map((_c, ci) => initCall(ci)); g.s.slots.set(g.slot, states); }
        for (let c = 0; c < p.calls.length; c++) {
          let rows = g.rows[c]!;
          if (pickKey[c]) {
            const st = states[c] as { set: boolean; k: unknown[]; v: unknown };
            const kcs = pickCols[c]!; const vc = argCols[c]![0]!;
            const fc = filterCols[c];
            for (const i of rows) {
              if (fc && !((fc.data as Uint8Array)[i] && (!fc.valid || fc.valid[i]))) continue;
              if (!st.set || better(c, kcs, i, st.k)) { st.set = true; st.k = kcs.map((kc) => valueAt(kc, i)); st.v = valueAt(vc, i); }
            }
            continue;
          }
          const fc = filterCols[c];
          if (fc) rows = rows.filter((i) => (fc.data as Uint8Array)[i] && (!fc.valid || fc.valid[i]));
          if (p.calls[c]!.agg.distinct) {
            // DISTINCT per (series, slot): only values not seen in this slot go in.
            const dk = `${c}\u0003${g.slot}\u0003${g.s === undefined ? '' : seriesKeyOf.get(g.s)}`;
            let seen = distinctSeen.get(dk);
            if (!seen) distinctSeen.set(dk, seen = new Set());
            const cols = argCols[c]!;
            rows = rows.filter((i) => {
              if (cols.some((col) => valueAt(col, i) === null)) return false;
              const k = rowKey(cols, i);
              if (seen!.has(k)) return false;
              seen!.add(k);
              return true;
            });
          }
          if (rows.length) states[c] = p.calls[c]!.agg.fn.update(states[c], vecs[c]!, Uint32Array.from(rows), fctx);
        }
      }
    }
    const tsOut: unknown[] = []; const byOut: unknown[][] = p.by.map(() => []); const vals: unknown[][] = p.calls.map(() => []);
    const keys = [...series.keys()].sort();
    for (const sk of keys) {
      const s = series.get(sk)!;
      const slots = [...s.slots.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      if (slots.length === 0) continue;
      const needFill = p.calls.some((c) => c.fill);
      const all: bigint[] = [];
      if (needFill) for (let t = slots[0]!; t <= slots[slots.length - 1]!; t += align) all.push(t); else all.push(...slots);
      const cols = p.calls.map((c) => all.map((t) => { const st = s.slots.get(t); return st ? normalizeAggValue(finalCall(p.calls.indexOf(c), st[p.calls.indexOf(c)]), c.agg) : null; }));
      p.calls.forEach((c, ci) => fillSeries(cols[ci]!, all, c.fill, c.agg.out.type));
      for (let i = 0; i < all.length; i++) {
        // Without FILL, slots with no data are not output; with FILL every slot is.
        if (!s.slots.has(all[i]!) && !p.calls.some((c) => c.fill)) continue;
        tsOut.push(all[i]);
        p.by.forEach((_, j) => byOut[j]!.push(s.by[j]));
        p.calls.forEach((_, c) => vals[c]!.push(cols[c]![i]));
      }
    }
    const n = tsOut.length;
    const out: Batch = {
      columns: [columnFromValues(p.tsOut.type, tsOut), ...p.by.map((b, j) => columnFromValues(b.out.type, byOut[j]!)), ...p.calls.map((c, j) => columnFromValues(c.agg.out.type, vals[j]!))],
      numRows: n,
    };
    for (let i = 0; i < n; i += this.batchSize) yield sliceBatch(out, i, Math.min(n, i + this.batchSize));
  }
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return (a % b !== 0n) && ((a < 0n) !== (b < 0n)) ? q - 1n : q;
}

function nanosPerUnit(t: string): bigint {
  switch (t) {
    case 'TimestampSecond': return 1_000_000_000n;
    case 'TimestampMillisecond': return 1_000_000n;
    case 'TimestampMicrosecond': return 1_000n;
    default: return 1n;
  }
}

function fillSeries(vals: unknown[], ts: bigint[], fill: RangeCall['fill'], type: DataType): void {
  if (!fill || fill.kind === 'null') return;
  // DECIMAL results are unscaled bigints: the fill value is scaled, interpolations rounded to the scale.
  const decimal = type.name === 'Decimal128';
  if (fill.kind === 'value') {
    const v = decimal && fill.value !== null && fill.value !== undefined ? (typeof fill.value === 'bigint' ? rescale(fill.value, 0, type.scale ?? 0) : coerceDecimal(fill.value, type.scale ?? 0)) : fill.value;
    for (let i = 0; i < vals.length; i++) if (vals[i] === null) vals[i] = v;
    return;
  }
  if (fill.kind === 'prev') { for (let i = 1; i < vals.length; i++) if (vals[i] === null) vals[i] = vals[i - 1]; return; }
  // linear: interpolate between the nearest non-null neighbours (of the data, not of earlier fills)
  const orig = vals.slice();
  for (let i = 0; i < vals.length; i++) {
    if (orig[i] !== null) continue;
    let a = i - 1; while (a >= 0 && orig[a] === null) a--;
    let b = i + 1; while (b < vals.length && orig[b] === null) b++;
    if (a < 0 || b >= vals.length) continue;
    const va = Number(orig[a]); const vb = Number(orig[b]);
    const x = va + ((vb - va) * Number(ts[i]! - ts[a]!)) / Number(ts[b]! - ts[a]!);
    vals[i] = decimal ? BigInt(Math.round(x)) : x;
  }
}

/** Brings an aggregate's finalized value into its declared output representation. */
function normalizeAggValue(v: unknown, a: AggCall): unknown {
  return normalizeValue(v, a.out.type.name);
}

function normalizeValue(v: unknown, t: string): unknown {
  if (v === null || v === undefined) return null;
  if ((t === 'Int64' || t === 'UInt64' || t.startsWith('Timestamp')) && typeof v === 'number') return BigInt(Math.trunc(v));
  if ((t === 'Float64' || t === 'Float32' || t.startsWith('Int') || t.startsWith('UInt')) && typeof v === 'bigint' && !(t === 'Int64' || t === 'UInt64')) return Number(v);
  return v;
}

export { constantColumn, exprRefs };
export type { CompiledExpr, BExpr };
