import { isTimestamp, timestampUnitsPerSecond, type DataType, type DataTypeName } from '../../data/data-types.js';
import { CastError, DivideByZeroError, ExecutionError, InvalidArgumentsError, PlanError } from '../../errors/errors.js';
import { isAsyncScalarFunction, type AsyncScalarFunction, type FunctionContext } from '../../interfaces/function.js';
import { addInterval } from '../../functions/builtin/scalar-functions.js';
import { columnBodyOf } from '../../functions/builtin/function-helpers.js';
import { formatTimestampNanos, parseTimestampNanos } from '../../functions/time-zone.js';
import type { BExpr, Plan } from '../plan/logical-plan.js';
import { formatFloat } from './float-text.js';
import { checkPrecision, decimalFromNumber, decimalToNumber, formatDecimal, parseDecimal, pow10, rescale } from './decimal.js';
import {
  allocData, withValid, columnFromArrow, columnToArrow, constantColumn, isBigIntType, isInterval, storageOf, takeColumn, utf8ChunksOf, valueAt,
  type Batch, type Column, type Interval,
} from './column.js';

/** What expressions need at run time. */
export interface EvalContext {
  readonly timezone: string;
  readonly signal?: AbortSignal;
  /** Runs a subquery to completion; `outer` gives the outer-column values of a correlated one. */
  runPlan(plan: Plan, outer?: ReadonlyMap<number, unknown>): Promise<Batch[]>;
  /** Outer-column values while running a correlated subquery. */
  readonly outerRow?: ReadonlyMap<number, unknown>;
  /**
   * Async steps an operator runs on each batch before calling compiled
   * expressions (correlated subqueries run there, since expressions are
   * synchronous). Operators that support them pass an array.
   */
  readonly preparers?: Array<(b: Batch) => Promise<void>>;
  /** Wall-clock deadline of the statement, passed on to function bodies. */
  readonly deadlineAtMs?: number;
  /** When the statement started (now() and friends read it), passed on to function bodies. */
  readonly statementTimeMs?: number;
  /** The storage engine applies tag `=`/`in` scan predicates exactly (StorageEngine.exactTagPredicates). */
  readonly exactTagPredicates?: boolean;
}

/** The broadcast columns of each literal node, by batch size (see compileExpr's 'lit'). */
const literalColumns = new WeakMap<BExpr, Map<number, Column>>();

/** A compiled expression: batch in, column out. */
export type CompiledExpr = (b: Batch) => Column;

const BOOL: DataType = { name: 'Boolean' };

/** Compiles a bound expression against an input layout (field id -> column position). */
export async function compileExpr(e: BExpr, layout: ReadonlyMap<number, number>, ctx: EvalContext): Promise<CompiledExpr> {
  switch (e.k) {
    case 'col': {
      const pos = layout.get(e.id);
      if (pos === undefined) throw new ExecutionError(`column ${e.name} (#${e.id}) is not in the operator input (planner bug)`);
      return (b) => b.columns[pos]!;
    }
    case 'lit': {
      // Batches mostly share a few sizes (full batches, a file's last row-group slice): reuse the
      // broadcast column of each (and so its Arrow vector), across runs too, since a cached plan
      // keeps its literal nodes (columns are never written).
      let bySize = literalColumns.get(e);
      if (!bySize) { bySize = new Map(); literalColumns.set(e, bySize); }
      const sizes = bySize;
      return (b) => {
        let c = sizes.get(b.numRows);
        if (!c) {
          if (sizes.size >= 8) sizes.clear();
          c = constantColumn(e.type, e.value, b.numRows);
          sizes.set(b.numRows, c);
        }
        return c;
      };
    }
    case 'call': {
      const args = await Promise.all(e.args.map((a) => compileExpr(a, layout, ctx)));
      if (isAsyncScalarFunction(e.fn)) return compileAsyncCall(e.fn, args, e.type, ctx);
      const fn = e.fn;
      const propagate = fn.nullHandling !== 'custom';
      const direct = columnBodyOf(fn.invoke);
      return (b) => {
        const cols = args.map((a) => a(b));
        const fctx = {
          rowCount: b.numRows, timezone: ctx.timezone, ...(ctx.signal ? { signal: ctx.signal } : {}),
          ...(ctx.deadlineAtMs !== undefined ? { deadlineAtMs: ctx.deadlineAtMs } : {}),
          ...(ctx.statementTimeMs !== undefined ? { statementTimeMs: ctx.statementTimeMs } : {}),
        } as FunctionContext;
        let out: Column;
        try {
          if (direct) {
            // A built-in's own body on the executor's columns (no Arrow round trip); a result of
            // another type than planned is converted as one from invoke would be.
            out = direct(cols, fctx);
            if (out.type.name !== e.type.name) out = columnFromArrow(columnToArrow(out), e.type);
          } else {
            out = columnFromArrow(fn.invoke(cols.map(columnToArrow), fctx), e.type);
          }
        } catch (err) {
          if (err instanceof Error && 'code' in err) throw err;
          throw new ExecutionError(`function ${fn.name} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
        }
        if (out.length !== b.numRows) throw new ExecutionError(`function ${fn.name} returned ${out.length} values for ${b.numRows} rows`);
        if (propagate && cols.some((c) => c.valid)) {
          const valid = out.valid ? out.valid.slice() : new Uint8Array(out.length).fill(1);
          for (const c of cols) if (c.valid) for (let i = 0; i < valid.length; i++) valid[i]! &= c.valid[i]!;
          out = withValid(out, valid);
        }
        return out;
      };
    }
    case 'bin': return compileBinary(e, await compileExpr(e.left, layout, ctx), await compileExpr(e.right, layout, ctx), ctx);
    case 'not': {
      const a = await compileExpr(e.arg, layout, ctx);
      return (b) => { const c = a(b); const d = new Uint8Array(c.length); const s = c.data as Uint8Array; for (let i = 0; i < d.length; i++) d[i] = s[i] ? 0 : 1; return { type: BOOL, length: c.length, data: d, valid: c.valid }; };
    }
    case 'neg': {
      const a = await compileExpr(e.arg, layout, ctx);
      return (b) => {
        const c = a(b);
        const d = allocData(e.type.name, c.length) as Float64Array;
        const s = c.data as Float64Array;
        if (e.type.name === 'IntervalMonthDayNano') {
          // Each part negated: -(1 month 2 days) is -1 month -2 days (was NaN).
          const out = new Array<unknown>(c.length);
          for (let i = 0; i < c.length; i++) { const v = valueAt(c, i); out[i] = isInterval(v) ? { months: -v.months, days: -v.days, nanos: -v.nanos } : null; }
          return columnFromValuesTyped(e.type, out);
        }
        if (e.type.name === 'Decimal128') for (let i = 0; i < d.length; i++) (d as unknown as unknown[])[i] = typeof s[i] === 'bigint' ? -(s[i] as unknown as bigint) : null;
        else if (isBigIntType(e.type.name)) for (let i = 0; i < d.length; i++) (d as unknown as BigInt64Array)[i] = -BigInt(s[i] as unknown as bigint);
        else for (let i = 0; i < d.length; i++) d[i] = -Number(s[i]);
        return { type: e.type, length: c.length, data: d, valid: c.valid };
      };
    }
    case 'is': {
      const a = await compileExpr(e.arg, layout, ctx);
      return (b) => {
        const c = a(b);
        const d = new Uint8Array(c.length);
        for (let i = 0; i < d.length; i++) {
          const isNull = c.valid !== null && c.valid[i] === 0;
          let r: boolean;
          if (e.test === 'NULL') r = isNull;
          else if (e.test === 'TRUE') r = !isNull && (c.data as Uint8Array)[i] === 1;
          else r = !isNull && (c.data as Uint8Array)[i] === 0;
          d[i] = (e.not ? !r : r) ? 1 : 0;
        }
        return { type: BOOL, length: c.length, data: d, valid: null };
      };
    }
    case 'in': {
      const a = await compileExpr(e.arg, layout, ctx);
      const allLit = e.list.every((x) => x.k === 'lit');
      if (allLit) {
        const set = new Set<unknown>();
        let hasNull = false;
        for (const x of e.list) { const v = (x as { value: unknown }).value; if (v === null) hasNull = true; else set.add(keyOfValue(v, e.arg.type)); }
        return (b) => inSet(a(b), set, hasNull, e.not);
      }
      const items = await Promise.all(e.list.map((x) => compileExpr(x, layout, ctx)));
      return (b) => {
        const c = a(b);
        const cols = items.map((f) => f(b));
        const d = new Uint8Array(c.length);
        const valid = new Uint8Array(c.length).fill(1);
        for (let i = 0; i < c.length; i++) {
          const v = valueAt(c, i);
          if (v === null) { valid[i] = 0; continue; }
          let found = false; let sawNull = false;
          for (const col of cols) { const w = valueAt(col, i); if (w === null) sawNull = true; else if (compareValues(v, w) === 0) { found = true; break; } }
          if (found) d[i] = e.not ? 0 : 1; else if (sawNull) valid[i] = 0; else d[i] = e.not ? 1 : 0;
        }
        return { type: BOOL, length: c.length, data: d, valid };
      };
    }
    case 'outer': {
      const row = ctx.outerRow;
      if (!row || !row.has(e.id)) throw new ExecutionError(`outer column ${e.name} has no value (planner bug)`);
      const v = row.get(e.id);
      return (b) => constantColumn(e.type, v, b.numRows);
    }
    case 'insub': case 'exists': case 'subquery': {
      const arg = e.k === 'insub' ? await compileExpr(e.arg, layout, ctx) : undefined;
      const finish = (batches: Batch[]): ((c: Column | undefined, n: number) => Column) => {
        if (e.k === 'exists') {
          const any = batches.some((b) => b.numRows > 0);
          return (_c, n) => constantColumn(BOOL, e.not ? !any : any, n);
        }
        if (e.k === 'subquery') {
          const rows = batches.reduce((n, b) => n + b.numRows, 0);
          if (rows > 1) throw new ExecutionError('a scalar subquery returned more than one row');
          const first = batches.find((b) => b.numRows > 0);
          const v = first ? valueAt(first.columns[0]!, 0) : null;
          return (_c, n) => constantColumn(e.type, v, n);
        }
        if (e.quantified) return quantifiedCompare(batches, e.quantified.op, e.quantified.all);
        const set = new Set<unknown>();
        let hasNull = false;
        for (const bt of batches) { const c = bt.columns[0]!; for (let i = 0; i < bt.numRows; i++) { const v = valueAt(c, i); if (v === null) hasNull = true; else set.add(keyOfValue(v)); } }
        return (c) => inSet(c!, set, hasNull, e.not);
      };
      if (!e.outer?.length) {
        const f = finish(await ctx.runPlan(e.plan));
        return (b) => f(arg?.(b), b.numRows);
      }
      // Correlated: run the subquery once per distinct combination of outer values, in the operator's prepare step.
      if (!ctx.preparers) throw new ExecutionError('correlated subqueries are supported in WHERE, HAVING and the select list only');
      const outerCols = e.outer.map((o) => { const pos = layout.get(o.id); if (pos === undefined) throw new ExecutionError(`outer column ${o.name} is not available to the subquery (only the directly enclosing query's columns are)`); return pos; });
      const cache = new Map<string, ((c: Column | undefined, n: number) => Column)>();
      const results = new WeakMap<Batch, Column>();
      ctx.preparers.push(async (b: Batch) => {
        const out: unknown[] = new Array(b.numRows);
        const argCol = arg?.(b);
        for (let i = 0; i < b.numRows; i++) {
          const vals = outerCols.map((p) => valueAt(b.columns[p]!, i));
          const key = JSON.stringify(vals.map((v) => (typeof v === 'bigint' ? `${v}n` : v)));
          let f = cache.get(key);
          if (!f) {
            f = finish(await ctx.runPlan(e.plan, new Map(e.outer!.map((o, k) => [o.id, vals[k]]))));
            cache.set(key, f);
          }
          const one = argCol ? f(columnFromValuesTyped(argCol.type, [valueAt(argCol, i)]), 1) : f(undefined, 1);
          out[i] = valueAt(one, 0);
        }
        results.set(b, columnFromValuesTyped(e.type, out));
      });
      return (b) => {
        const c = results.get(b);
        if (!c) throw new ExecutionError('correlated subquery evaluated without its prepare step (planner bug)');
        return c;
      };
    }
    case 'like': {
      const a = await compileExpr(e.arg, layout, ctx);
      const p = await compileExpr(e.pattern, layout, ctx);
      const cache = new Map<string, RegExp>();
      return (b) => {
        const c = a(b);
        const pc = p(b);
        const d = new Uint8Array(c.length);
        let valid: Uint8Array | null = null;
        for (let i = 0; i < c.length; i++) {
          const v = valueAt(c, i);
          const pat = valueAt(pc, i);
          if (v === null || pat === null) { valid ??= new Uint8Array(c.length).fill(1); valid[i] = 0; continue; }
          let re = cache.get(pat as string);
          if (!re) { re = likeToRegExp(String(pat), e.ci, e.escape); cache.set(pat as string, re); }
          d[i] = re.test(String(v)) !== e.not ? 1 : 0;
        }
        return { type: BOOL, length: c.length, data: d, valid };
      };
    }
    case 'case': {
      const whens = await Promise.all(e.whens.map(async (w) => ({ when: await compileExpr(w.when, layout, ctx), result: await compileExpr(w.then, layout, ctx) })));
      const els = e.else ? await compileExpr(e.else, layout, ctx) : undefined;
      // Like DataFusion, each WHEN sees only the rows no earlier WHEN took, and each THEN/ELSE
      // only the rows it answers, so `CASE WHEN d <> 0 THEN x / d END` never divides by zero.
      // Parts whose values were prepared per batch (correlated subqueries, async calls) are
      // looked up by batch, so such a CASE evaluates every part on the whole batch instead.
      const selective = !needsPreparedBatch(e);
      // When no part can fail, evaluating every part on the whole batch and picking per row gives
      // the same answer without copying columns for row subsets.
      if (cannotFail(e)) return compileWholeBatchCase(e, whens, els, ctx.timezone);
      // Only the columns the CASE reads are copied for a subset of rows; the others stay as they are, unread.
      const ids = new Set<number>();
      columnIdsOf(e, ids);
      const used = new Set([...ids].map((id) => layout.get(id)).filter((p): p is number => p !== undefined));
      const takeBatch = (b: Batch, idx: readonly number[]): Batch => ({ numRows: idx.length, columns: b.columns.map((c, i) => (used.has(i) ? takeColumn(c, idx) : c)) });
      return (b) => {
        const n = b.numRows;
        const out = new Array<unknown>(n).fill(null);
        // Rows (indexes into b) still without an answer; null = all of them.
        let rest: number[] | null = null;
        for (const w of whens) {
          if (rest !== null && rest.length === 0) break;
          const sub = !selective || rest === null ? b : takeBatch(b, rest);
          const c = w.when(sub);
          const hit: number[] = []; const miss: number[] = [];
          const m = rest === null ? n : rest.length;
          for (let k = 0; k < m; k++) {
            const row = rest === null ? k : rest[k]!;
            const ci = sub === b ? row : k;
            if ((c.valid && !c.valid[ci]) || !(c.data as Uint8Array)[ci]) miss.push(row); else hit.push(row);
          }
          if (hit.length > 0) {
            const t = w.result(!selective || hit.length === n ? b : takeBatch(b, hit));
            const at = (j: number, row: number) => (t.length === n ? row : j);
            for (let j = 0; j < hit.length; j++) out[hit[j]!] = castValue(valueAt(t, at(j, hit[j]!)), t.type, e.type, ctx.timezone);
          }
          rest = miss;
        }
        if (els && (rest === null || rest.length > 0)) {
          const c = els(!selective || rest === null || rest.length === n ? b : takeBatch(b, rest));
          if (rest === null) for (let i = 0; i < n; i++) out[i] = castValue(valueAt(c, i), c.type, e.type, ctx.timezone);
          else for (let j = 0; j < rest.length; j++) out[rest[j]!] = castValue(valueAt(c, c.length === n ? rest[j]! : j), c.type, e.type, ctx.timezone);
        }
        return columnFromValuesTyped(e.type, out);
      };
    }
    case 'cast': {
      const a = await compileExpr(e.arg, layout, ctx);
      return (b) => castColumn(a(b), e.type, ctx.timezone, e.try);
    }
  }
}

/**
 * CASE with every part evaluated on the whole batch (for CASEs none of whose parts can fail):
 * row i takes the first WHEN that is true there, else ELSE, else NULL. A THEN no row takes is
 * not evaluated, nor a WHEN once every row has its answer.
 */
function compileWholeBatchCase(e: Extract<BExpr, { k: 'case' }>, whens: ReadonlyArray<{ when: CompiledExpr; result: CompiledExpr }>,
  els: CompiledExpr | undefined, timezone: string): CompiledExpr {
  const t = e.type;
  const elseAt = whens.length;
  return (b) => {
    const n = b.numRows;
    // The branch that answers each row: a WHEN's index, elseAt for ELSE, -1 for none (NULL).
    const branch = new Int32Array(n).fill(-1);
    let open = n;
    for (let w = 0; w < whens.length && open > 0; w++) {
      const c = whens[w]!.when(b);
      const cd = c.data as Uint8Array; const cv = c.valid;
      for (let i = 0; i < n; i++) {
        if (branch[i] === -1 && cd[i] !== 0 && (cv === null || cv[i] !== 0)) { branch[i] = w; open--; }
      }
    }
    const used = new Uint8Array(whens.length + 1);
    for (let i = 0; i < n; i++) {
      if (branch[i] === -1 && els) branch[i] = elseAt;
      if (branch[i]! >= 0) used[branch[i]!] = 1;
    }
    const results: Array<Column | undefined> = [];
    for (let w = 0; w <= elseAt; w++) results.push(used[w] ? (w === elseAt ? els! : whens[w]!.result)(b) : undefined);
    const data = allocData(t.name, n);
    const dst = data as unknown[];
    const js = storageOf(t.name) === 'js';
    let valid: Uint8Array | null = null;
    const nullAt = (i: number) => { valid ??= new Uint8Array(n).fill(1); valid[i] = 0; };
    // A result already of the CASE's type is copied as stored; any other is cast value by value.
    const same = results.map((r) => r !== undefined && r.type.name === t.name && (t.name !== 'Decimal128' || sameDecimal(r.type, t)));
    for (let i = 0; i < n; i++) {
      const w = branch[i]!;
      if (w < 0) { nullAt(i); continue; }
      const r = results[w]!;
      if (r.valid !== null && r.valid[i] === 0) { nullAt(i); continue; }
      if (same[w]) {
        const v = (r.data as unknown[])[i];
        if (js && (v === null || v === undefined)) nullAt(i); else dst[i] = v;
        continue;
      }
      const v = castValue(valueAt(r, i), r.type, t, timezone);
      if (v === null) { nullAt(i); continue; }
      dst[i] = t.name === 'Boolean' ? (v ? 1 : 0) : v;
    }
    return { type: t, length: n, data, valid };
  };
}

/** Integer types that fit a double exactly (their casts to Int64 and to floats cannot fail). */
const SMALL_INTS = new Set(['Int8', 'Int16', 'Int32', 'UInt8', 'UInt16', 'UInt32']);
const FLOATS = new Set(['Float32', 'Float64']);
const NUMBERS = new Set([...SMALL_INTS, 'Int64', 'UInt64', ...FLOATS]);

/**
 * True when evaluating `e` can raise no error whatever the row values: column references,
 * constants, comparisons, AND/OR/NOT, IS, IN, LIKE, negation, float arithmetic, integer and
 * decimal + - *, casts that always succeed (numbers to floats, small integers to Int64,
 * numbers and booleans to text) and CASEs of those. Conservative: any function call,
 * subquery, division or remainder of integers or decimals, shift, temporal arithmetic or
 * other cast is taken as able to fail.
 */
export function cannotFail(e: BExpr): boolean {
  switch (e.k) {
    case 'col': case 'lit': case 'outer': return true;
    case 'not': case 'is': case 'neg': return cannotFail(e.arg);
    case 'in': return cannotFail(e.arg) && e.list.every(cannotFail);
    case 'like': return cannotFail(e.arg) && cannotFail(e.pattern);
    case 'case': return e.whens.every((w) => cannotFail(w.when) && cannotFail(w.then)) && (e.else === undefined || cannotFail(e.else));
    case 'cast': {
      if (!cannotFail(e.arg)) return false;
      const from = e.arg.type; const to = e.type;
      if (from.name === to.name) return to.name !== 'Decimal128' || sameDecimal(from, to);
      if (FLOATS.has(to.name)) return NUMBERS.has(from.name) || from.name === 'Decimal128' || from.name === 'Boolean';
      if (to.name === 'Int64') return SMALL_INTS.has(from.name);
      if (to.name === 'String') return NUMBERS.has(from.name) || from.name === 'Boolean';
      return false;
    }
    case 'bin': {
      if (!cannotFail(e.left) || !cannotFail(e.right)) return false;
      switch (e.op) {
        case 'AND': case 'OR': case '=': case '<>': case '<': case '<=': case '>': case '>=': return true;
        case '+': case '-': case '*':
          return NUMBERS.has(e.type.name) || e.type.name === 'Decimal128';
        case '/': case '%':
          return FLOATS.has(e.type.name);
        default: return false;
      }
    }
    case 'call': case 'subquery': case 'exists': case 'insub': return false;
  }
}

/** The input columns (field ids) `e` reads, outside nested subquery plans. */
function columnIdsOf(e: BExpr, out: Set<number>): void {
  switch (e.k) {
    case 'col': out.add(e.id); return;
    case 'lit': case 'outer': case 'subquery': case 'exists': return;
    case 'insub': columnIdsOf(e.arg, out); return;
    case 'call': for (const a of e.args) columnIdsOf(a, out); return;
    case 'bin': columnIdsOf(e.left, out); columnIdsOf(e.right, out); return;
    case 'not': case 'neg': case 'is': case 'cast': columnIdsOf(e.arg, out); return;
    case 'in': columnIdsOf(e.arg, out); for (const x of e.list) columnIdsOf(x, out); return;
    case 'like': columnIdsOf(e.arg, out); columnIdsOf(e.pattern, out); return;
    case 'case': for (const w of e.whens) { columnIdsOf(w.when, out); columnIdsOf(w.then, out); } if (e.else) columnIdsOf(e.else, out); return;
  }
}

/** True when evaluating `e` reads values an operator prepared for its whole batch (correlated subqueries, async calls). */
function needsPreparedBatch(e: BExpr): boolean {
  switch (e.k) {
    case 'col': case 'lit': case 'outer': return false;
    case 'subquery': case 'exists': return !!e.outer?.length;
    case 'insub': return !!e.outer?.length || needsPreparedBatch(e.arg);
    case 'call': return isAsyncScalarFunction(e.fn) || e.args.some(needsPreparedBatch);
    case 'bin': return needsPreparedBatch(e.left) || needsPreparedBatch(e.right);
    case 'not': case 'neg': case 'is': case 'cast': return needsPreparedBatch(e.arg);
    case 'in': return needsPreparedBatch(e.arg) || e.list.some(needsPreparedBatch);
    case 'like': return needsPreparedBatch(e.arg) || needsPreparedBatch(e.pattern);
    case 'case': return e.whens.some((w) => needsPreparedBatch(w.when) || needsPreparedBatch(w.then)) || (e.else !== undefined && needsPreparedBatch(e.else));
  }
}

/**
 * An async scalar call: its body runs in the operator's prepare step, once
 * per batch (argument columns in, one column out), and the compiled closure
 * reads the result. Argument expressions were compiled first, so async calls
 * nested in the arguments have their prepare steps ahead of this one.
 */
function compileAsyncCall(fn: AsyncScalarFunction, args: readonly CompiledExpr[], type: DataType, ctx: EvalContext): CompiledExpr {
  if (!ctx.preparers) throw new PlanError(`function ${fn.name} is asynchronous and cannot be used here (JOIN ... ON conditions and DDL expressions take synchronous functions only)`);
  const propagate = fn.nullHandling !== 'custom';
  const results = new WeakMap<Batch, Column>();
  ctx.preparers.push(async (b: Batch) => {
    if (b.numRows === 0) { results.set(b, constantColumn(type, null, 0)); return; }
    const cols = args.map((a) => a(b));
    const fctx = {
      rowCount: b.numRows, timezone: ctx.timezone, ...(ctx.signal ? { signal: ctx.signal } : {}),
      ...(ctx.deadlineAtMs !== undefined ? { deadlineAtMs: ctx.deadlineAtMs } : {}),
      ...(ctx.statementTimeMs !== undefined ? { statementTimeMs: ctx.statementTimeMs } : {}),
    } as FunctionContext;
    let out: Column;
    try {
      const v = await fn.invokeAsync(cols.map(columnToArrow), fctx);
      if (v.length !== b.numRows) throw new ExecutionError(`function ${fn.name} returned ${v.length} values for ${b.numRows} rows`);
      // A body may answer in a related type (Int64 for a Float64 result): cast to the planned one.
      out = columnFromArrow(v);
      if (out.type.name !== type.name) out = castColumn(out, type, ctx.timezone);
    } catch (err) {
      if (err instanceof Error && 'code' in err) throw err;
      throw new ExecutionError(`function ${fn.name} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    if (propagate && cols.some((c) => c.valid)) {
      const valid = out.valid ? out.valid.slice() : new Uint8Array(out.length).fill(1);
      for (const c of cols) if (c.valid) for (let i = 0; i < valid.length; i++) valid[i]! &= c.valid[i]!;
      out = withValid(out, valid);
    }
    results.set(b, out);
  });
  return (b) => {
    const c = results.get(b);
    if (!c) throw new ExecutionError(`function ${fn.name} evaluated without its prepare step (planner bug)`);
    return c;
  };
}

function columnFromValuesTyped(t: DataType, vals: unknown[]): Column {
  const n = vals.length;
  const data = allocData(t.name, n);
  let valid: Uint8Array | null = null;
  const bool = t.name === 'Boolean';
  for (let i = 0; i < n; i++) {
    const v = vals[i];
    if (v === null || v === undefined) { valid ??= new Uint8Array(n).fill(1); valid[i] = 0; continue; }
    (data as unknown[])[i] = bool ? (v ? 1 : 0) : v;
  }
  return { type: t, length: n, data, valid };
}

/** A hashable key for a value of a given type (numbers and bigints that are equal share a key). */
export function keyOfValue(v: unknown, _t?: DataType): unknown {
  if (typeof v === 'bigint') return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : `${v}n`;
  // An integral double past 2^53 keys like the bigint it equals (2^60 as DOUBLE and as BIGINT).
  if (typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v)) return `${BigInt(v)}n`;
  if (v instanceof Uint8Array) return `b:${Buffer.from(v).toString('hex')}`;
  if (isInterval(v)) return `i:${v.months}:${v.days}:${v.nanos}`;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return v;
}

function inSet(c: Column, set: Set<unknown>, hasNull: boolean, not: boolean): Column {
  // x IN (empty set) is false and NOT IN true, even for a NULL x (SQL's quantified comparison over no rows).
  if (set.size === 0 && !hasNull) return { type: BOOL, length: c.length, data: new Uint8Array(c.length).fill(not ? 1 : 0), valid: null };
  const d = new Uint8Array(c.length);
  let valid: Uint8Array | null = null;
  for (let i = 0; i < c.length; i++) {
    const v = valueAt(c, i);
    if (v === null) { valid ??= new Uint8Array(c.length).fill(1); valid[i] = 0; continue; }
    const found = set.has(keyOfValue(v));
    if (!found && hasNull) { valid ??= new Uint8Array(c.length).fill(1); valid[i] = 0; continue; }
    d[i] = found !== not ? 1 : 0;
  }
  return { type: BOOL, length: c.length, data: d, valid };
}

/**
 * `x op ANY|ALL (subquery)` over the subquery's rows, in SQL's three-valued
 * logic: ANY is true when some row compares true, ALL when none compares
 * false; otherwise a NULL among the rows (or a NULL x) makes it unknown.
 * Over no rows ANY is false and ALL true, whatever x is. The rows are
 * summarized once (min, max, distinct values), so each x costs one or two
 * comparisons.
 */
function quantifiedCompare(batches: readonly Batch[], op: '=' | '<>' | '<' | '<=' | '>' | '>=', all: boolean): (c: Column | undefined, n: number) => Column {
  let rows = 0;
  let hasNull = false;
  let min: unknown;
  let max: unknown;
  const set = new Set<unknown>();
  for (const bt of batches) {
    const c = bt.columns[0]!;
    for (let i = 0; i < bt.numRows; i++) {
      rows++;
      const v = valueAt(c, i);
      if (v === null) { hasNull = true; continue; }
      set.add(keyOfValue(v));
      if (min === undefined || compareValues(v, min) < 0) min = v;
      if (max === undefined || compareValues(v, max) > 0) max = v;
    }
  }
  const distinct = set.size;
  // Whether some non-NULL row s has `x op s` true, and whether some has it false.
  const someTrue = (x: unknown): boolean => {
    if (distinct === 0) return false;
    switch (op) {
      case '<': return compareValues(x, max) < 0;
      case '<=': return compareValues(x, max) <= 0;
      case '>': return compareValues(x, min) > 0;
      case '>=': return compareValues(x, min) >= 0;
      case '=': return set.has(keyOfValue(x));
      case '<>': return distinct > 1 || !set.has(keyOfValue(x));
    }
  };
  const someFalse = (x: unknown): boolean => {
    if (distinct === 0) return false;
    switch (op) {
      case '<': return compareValues(x, min) >= 0;
      case '<=': return compareValues(x, min) > 0;
      case '>': return compareValues(x, max) <= 0;
      case '>=': return compareValues(x, max) < 0;
      case '=': return distinct > 1 || !set.has(keyOfValue(x));
      case '<>': return set.has(keyOfValue(x));
    }
  };
  return (c, n) => {
    const d = new Uint8Array(n);
    if (rows === 0) return { type: BOOL, length: n, data: d.fill(all ? 1 : 0), valid: null };
    let valid: Uint8Array | null = null;
    const unknown = (i: number) => { valid ??= new Uint8Array(n).fill(1); valid[i] = 0; };
    for (let i = 0; i < n; i++) {
      const x = valueAt(c!, i);
      if (x === null) { unknown(i); continue; }
      if (all ? someFalse(x) : someTrue(x)) d[i] = all ? 0 : 1;
      else if (hasNull) unknown(i);
      else d[i] = all ? 1 : 0;
    }
    return { type: BOOL, length: n, data: d, valid };
  };
}

/** A LIKE pattern as a RegExp; `escape` quotes the next character ('' = no escape character). */
export function likeToRegExp(p: string, ci: boolean, escape = '\\'): RegExp {
  let re = '^';
  for (let i = 0; i < p.length; i++) {
    const ch = p[i]!;
    if (escape !== '' && ch === escape && i + 1 < p.length) { re += p[++i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'); continue; }
    if (ch === '%') re += '[\\s\\S]*';
    else if (ch === '_') re += '[\\s\\S]';
    else re += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`${re}$`, ci ? 'i' : '');
}

/** A UTF-16 code unit at or above U+D800 (a surrogate, or U+E000..U+FFFF). */
const HIGH_UNIT = /[\ud800-\uffff]/;

/** True when `s` has a code unit where UTF-16 order and UTF-8 byte order can disagree. */
export function hasHighUnit(s: string): boolean { return HIGH_UNIT.test(s); }

/**
 * Strings in UTF-8 byte order, which is code point order and Arrow's (DataFusion's) order.
 * JS `<` compares UTF-16 code units, which agrees except where a surrogate pair (U+10000 and
 * up: emoji) meets U+E000..U+FFFF (fullwidth forms such as '～'): there JS puts the emoji first.
 */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  if (!HIGH_UNIT.test(a) || !HIGH_UNIT.test(b)) return a < b ? -1 : 1;
  return compareCodePoints(a, b);
}

/** Two strings in code point order by their UTF-16 units: surrogates moved above U+E000..U+FFFF. */
function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i === n) return a.length - b.length;
  let x = a.charCodeAt(i); let y = b.charCodeAt(i);
  if (x >= 0xd800 && y >= 0xd800) {
    // Surrogates (D800..DFFF) encode code points above FFFF: move them above E000..FFFF.
    x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
    y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
  }
  return x - y;
}

/** Total order used by comparisons and sorts (numbers and bigints compare across types). */
export function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  if (typeof a === 'boolean' || typeof b === 'boolean') return Number(a) - Number(b);
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b);
  if (isInterval(a) && isInterval(b)) return a.months - b.months || a.days - b.days || (a.nanos < b.nanos ? -1 : a.nanos > b.nanos ? 1 : 0);
  if (typeof a === 'number' && Number.isNaN(a)) return typeof b === 'number' && Number.isNaN(b) ? 0 : 1;
  if (typeof b === 'number' && Number.isNaN(b)) return -1;
  return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
}

const NUMERIC_OPS = new Set(['+', '-', '*', '/', '%', 'DIV', '&', '|', '^', '<<', '>>']);

function compileBinary(e: Extract<BExpr, { k: 'bin' }>, l: CompiledExpr, r: CompiledExpr, ctx: EvalContext): CompiledExpr {
  const op = e.op;
  if (op === 'AND' || op === 'OR') {
    const and = op === 'AND';
    return (b) => {
      const x = l(b); const y = r(b);
      const n = b.numRows;
      const d = new Uint8Array(n);
      let valid: Uint8Array | null = null;
      const xd = x.data as Uint8Array; const yd = y.data as Uint8Array;
      for (let i = 0; i < n; i++) {
        const xn = x.valid !== null && x.valid[i] === 0; const yn = y.valid !== null && y.valid[i] === 0;
        const xv = xd[i] === 1; const yv = yd[i] === 1;
        if (and) {
          if ((!xn && !xv) || (!yn && !yv)) d[i] = 0;
          else if (xn || yn) { valid ??= new Uint8Array(n).fill(1); valid[i] = 0; } else d[i] = 1;
        } else if ((!xn && xv) || (!yn && yv)) d[i] = 1;
        else if (xn || yn) { valid ??= new Uint8Array(n).fill(1); valid[i] = 0; } else d[i] = 0;
      }
      return { type: BOOL, length: n, data: d, valid };
    };
  }
  if (['=', '<>', '<', '<=', '>', '>='].includes(op)) {
    // A String column against a string constant (on either side): see stringConstantComparison.
    const cop = op as ComparisonOp;
    const strConst = e.right.k === 'lit' && typeof e.right.value === 'string' ? { value: e.right.value, column: l, op: cop }
      : e.left.k === 'lit' && typeof e.left.value === 'string' ? { value: e.left.value, column: r, op: FLIPPED[cop] } : undefined;
    const general = compileComparison(e, l, r);
    if (!strConst) return general;
    const cmp = stringConstantComparison(strConst.value, strConst.op);
    return (b) => {
      const x = strConst.column(b);
      return x.type.name === 'String' ? cmp(x) : general(b);
    };
  }
  if (op === '||') {
    return (b) => {
      const x = l(b); const y = r(b);
      const out = new Array<unknown>(b.numRows);
      for (let i = 0; i < b.numRows; i++) {
        const a = valueAt(x, i); const c = valueAt(y, i);
        out[i] = a === null || c === null ? null : `${textOf(a, x.type, ctx.timezone)}${textOf(c, y.type, ctx.timezone)}`;
      }
      return columnFromValuesTyped({ name: 'String' }, out);
    };
  }
  if (op === '~' || op === '~*' || op === '!~' || op === '!~*') {
    const ci = op.endsWith('*'); const neg = op.startsWith('!');
    const cache = new Map<string, RegExp>();
    return (b) => {
      const x = l(b); const y = r(b);
      const d = new Uint8Array(b.numRows);
      let valid: Uint8Array | null = null;
      for (let i = 0; i < b.numRows; i++) {
        const a = valueAt(x, i); const p = valueAt(y, i);
        if (a === null || p === null) { valid ??= new Uint8Array(b.numRows).fill(1); valid[i] = 0; continue; }
        let re = cache.get(p as string);
        if (!re) {
          try { re = new RegExp(String(p), ci ? 'i' : ''); } catch (err) { throw new InvalidArgumentsError(`invalid regular expression '${String(p)}'`, { cause: err }); }
          cache.set(p as string, re);
        }
        d[i] = re.test(String(a)) !== neg ? 1 : 0;
      }
      return { type: BOOL, length: b.numRows, data: d, valid };
    };
  }
  if (NUMERIC_OPS.has(op)) return compileArithmetic(e, l, r);
  throw new ExecutionError(`unsupported operator ${op}`);
}

/** `=`, `<>`, `<`, `<=`, `>`, `>=` (a String column against a string constant: stringConstantComparison); a typed column against a constant has a fast path. */
function compileComparison(e: Extract<BExpr, { k: 'bin' }>, l: CompiledExpr, r: CompiledExpr): CompiledExpr {
  const op = e.op;
  const test = op === '=' ? (c: number) => c === 0 : op === '<>' ? (c: number) => c !== 0 : op === '<' ? (c: number) => c < 0
    : op === '<=' ? (c: number) => c <= 0 : op === '>' ? (c: number) => c > 0 : (c: number) => c >= 0;
  const rightLit = e.right.k === 'lit' ? e.right.value : undefined;
  return (b) => {
    const x = l(b);
    const n = b.numRows;
    const d = new Uint8Array(n);
    // Fast path: typed column vs constant.
    if (rightLit !== undefined && rightLit !== null && storageOf(x.type.name) !== 'js' && x.type.name !== 'Boolean') {
      const xs = x.data as Float64Array;
      const bigCol = typeof xs[0] === 'bigint' || x.data instanceof BigInt64Array || x.data instanceof BigUint64Array;
      // A fraction, an infinity or NaN against 64-bit integers takes the general path (no bigint equals it).
      const frac = bigCol && typeof rightLit === 'number' && !Number.isInteger(rightLit);
      const c = bigCol ? (typeof rightLit === 'bigint' ? rightLit : frac ? 0n : BigInt(Math.trunc(Number(rightLit)))) : Number(rightLit);
      // NaN sorts above every number and equals itself (DataFusion's float order); a NaN
      // constant takes the general path, a NaN value passes > and >= below.
      if (!frac && c === c) {
        switch (op) {
          case '=': for (let i = 0; i < n; i++) d[i] = xs[i] === c ? 1 : 0; break;
          case '<>': for (let i = 0; i < n; i++) d[i] = xs[i] !== c ? 1 : 0; break;
          case '<': for (let i = 0; i < n; i++) d[i] = xs[i]! < (c as number) ? 1 : 0; break;
          case '<=': for (let i = 0; i < n; i++) d[i] = xs[i]! <= (c as number) ? 1 : 0; break;
          case '>': for (let i = 0; i < n; i++) { const v = xs[i]!; d[i] = v > (c as number) || v !== v ? 1 : 0; } break;
          case '>=': for (let i = 0; i < n; i++) { const v = xs[i]!; d[i] = v >= (c as number) || v !== v ? 1 : 0; } break;
        }
        return { type: BOOL, length: n, data: d, valid: x.valid };
      }
    }
    const y = r(b);
    let valid: Uint8Array | null = null;
    for (let i = 0; i < n; i++) {
      const a = valueAt(x, i); const c = valueAt(y, i);
      if (a === null || c === null) { valid ??= new Uint8Array(n).fill(1); valid[i] = 0; continue; }
      d[i] = test(compareValues(a, c)) ? 1 : 0;
    }
    return { type: BOOL, length: n, data: d, valid };
  };
}

type ComparisonOp = '=' | '<>' | '<' | '<=' | '>' | '>=';

/** `constant op x` is `x FLIPPED[op] constant`. */
const FLIPPED: Record<ComparisonOp, ComparisonOp> = { '=': '=', '<>': '<>', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

/** Which outcomes make `op` true: bit 0 less, bit 1 equal, bit 2 greater. */
const OUTCOMES: Record<ComparisonOp, number> = { '=': 0b010, '<>': 0b101, '<': 0b001, '<=': 0b011, '>': 0b100, '>=': 0b110 };

const utf8Encoder = new TextEncoder();

/** A lone surrogate (one not in a pair), which TextEncoder would write as U+FFFD. */
const LONE_SURROGATE = /[\ud800-\udfff]/u;

/**
 * `x op 'constant'` for a String column x, in compareStrings' order (UTF-8 byte order),
 * the constant prepared once. = and <> use ===. For the others, a column that has its UTF-8
 * bytes (utf8ChunksOf: a scan's columns, function results) is compared byte by byte, no JS
 * string touched; any other column with JS `<` when the constant has no code unit at or
 * above U+D800 (that is compareStrings' order then), else with compareStrings' unit-by-unit
 * rule without its per-row checks. A NULL value gives NULL (x's validity).
 */
function stringConstantComparison(constant: string, op: ComparisonOp): (x: Column) => Column {
  const outcomes = OUTCOMES[op];
  const bytesOk = !LONE_SURROGATE.test(constant);
  const cb = utf8Encoder.encode(constant);
  const cl = cb.length;
  const plain = !hasHighUnit(constant);
  /** The outcome bit for one string, as the loops below decide it. */
  const one = (v: string): number => {
    if (op === '=') return v === constant ? 1 : 0;
    if (op === '<>') return v === constant ? 0 : 1;
    const c = v === constant ? 0 : plain ? (v < constant ? -1 : 1) : compareCodePoints(v, constant);
    return (outcomes >> (c < 0 ? 0 : c === 0 ? 1 : 2)) & 1;
  };
  return (x) => {
    const n = x.length;
    const d = new Uint8Array(n);
    if (x.dict) {
      // Dictionary codes (scanned tags, broadcast literals): decide each distinct value once.
      const { codes, values } = x.dict;
      const hit = new Uint8Array(values.length);
      for (let k = 0; k < values.length; k++) { const v = values[k]; if (typeof v === 'string') hit[k] = one(v); }
      for (let i = 0; i < n; i++) d[i] = hit[codes[i]!]!;
      return { type: BOOL, length: n, data: d, valid: x.valid };
    }
    const xs = x.data as unknown[];
    if (op === '=' || op === '<>') {
      // === on strings beats a byte loop: it compares lengths (and often identities) first.
      const eq = op === '=' ? 1 : 0;
      for (let i = 0; i < n; i++) d[i] = xs[i] === constant ? eq : 1 - eq;
      return { type: BOOL, length: n, data: d, valid: x.valid };
    }
    const chunks = bytesOk ? utf8ChunksOf(x) : undefined;
    if (chunks) {
      for (const ch of chunks) {
        const offsets = ch.offsets; const bytes = ch.bytes; const row = ch.row;
        for (let i = 0; i < ch.length; i++) {
          const a = offsets[i]!; const len = offsets[i + 1]! - a;
          const m = len < cl ? len : cl;
          let k = 0;
          while (k < m && bytes[a + k] === cb[k]) k++;
          const c = k < m ? bytes[a + k]! - cb[k]! : len - cl;
          d[row + i] = (outcomes >> (c < 0 ? 0 : c === 0 ? 1 : 2)) & 1;
        }
      }
      return { type: BOOL, length: n, data: d, valid: x.valid };
    }
    if (plain) {
      for (let i = 0; i < n; i++) {
        const v = xs[i];
        if (typeof v === 'string') d[i] = (outcomes >> (v === constant ? 1 : v < constant ? 0 : 2)) & 1;
      }
    } else {
      for (let i = 0; i < n; i++) {
        const v = xs[i];
        if (typeof v !== 'string') continue;
        const c = v === constant ? 0 : compareCodePoints(v, constant);
        d[i] = (outcomes >> (c < 0 ? 0 : c === 0 ? 1 : 2)) & 1;
      }
    }
    return { type: BOOL, length: n, data: d, valid: x.valid };
  };
}

function textOf(v: unknown, t: DataType, tz: string): string {
  return String(castValue(v, t, { name: 'String' }, tz));
}

function compileArithmetic(e: Extract<BExpr, { k: 'bin' }>, l: CompiledExpr, r: CompiledExpr): CompiledExpr {
  const op = e.op;
  const t = e.type;
  const lt = e.left.type; const rt = e.right.type;
  // Timestamp +/- interval, timestamp - timestamp.
  if (isTimestamp(t) || t.name === 'Date' || t.name === 'IntervalMonthDayNano') {
    return (b) => {
      const x = l(b); const y = r(b);
      const out = new Array<unknown>(b.numRows);
      for (let i = 0; i < b.numRows; i++) {
        const a = valueAt(x, i); const c = valueAt(y, i);
        out[i] = a === null || c === null ? null : temporalArith(op, a, lt, c, rt, t);
      }
      return columnFromValuesTyped(t, out);
    };
  }
  if (t.name === 'Decimal128') return compileDecimalArithmetic(e, l, r);
  const big = isBigIntType(t.name);
  return (b) => {
    const x = l(b); const y = r(b);
    const n = b.numRows;
    const d = allocData(t.name, n);
    let valid: Uint8Array | null = null;
    if (x.valid || y.valid) {
      valid = new Uint8Array(n);
      for (let i = 0; i < n; i++) valid[i] = (x.valid ? x.valid[i]! : 1) & (y.valid ? y.valid[i]! : 1);
    }
    const xs = x.data as ArrayLike<number | bigint>; const ys = y.data as ArrayLike<number | bigint>;
    if (!big) {
      const o = d as Float64Array;
      const xf = x.data instanceof Float64Array ? x.data : null;
      const yf = y.data instanceof Float64Array ? y.data : null;
      if (xf && yf && (op === '+' || op === '-' || op === '*' || op === '/')) {
        if (op === '+') for (let i = 0; i < n; i++) o[i] = xf[i]! + yf[i]!;
        else if (op === '-') for (let i = 0; i < n; i++) o[i] = xf[i]! - yf[i]!;
        else if (op === '*') for (let i = 0; i < n; i++) o[i] = xf[i]! * yf[i]!;
        else for (let i = 0; i < n; i++) o[i] = xf[i]! / yf[i]!;
      } else {
        for (let i = 0; i < n; i++) {
          const a = Number(xs[i]); const c = Number(ys[i]);
          switch (op) {
            case '+': o[i] = a + c; break;
            case '-': o[i] = a - c; break;
            case '*': o[i] = a * c; break;
            case '/': o[i] = a / c; break;
            case '%': o[i] = a % c; break;
            case 'DIV': o[i] = Math.trunc(a / c); break;
            default: o[i] = Number(intOp(op, BigInt(Math.trunc(a)), BigInt(Math.trunc(c))) ?? 0n);
          }
        }
      }
      return { type: t, length: n, data: o, valid };
    }
    const o = d as BigInt64Array;
    for (let i = 0; i < n; i++) {
      if (valid && !valid[i]) continue;
      const a = BigInt(xs[i] as bigint); const c = BigInt(ys[i] as bigint);
      const v = intOp(op, a, c);
      if (v === null) { valid ??= new Uint8Array(n).fill(1); valid[i] = 0; continue; }
      o[i] = v;
    }
    return { type: t, length: n, data: o, valid };
  };
}

/**
 * Exact arithmetic on unscaled decimals. The binder cast the operands so
 * that + - % see one scale and * gives the sum of the scales; / scales the
 * dividend up to the result's scale and truncates toward zero, as Arrow's kernel does.
 * Division or remainder by zero is an error, as for integers.
 */
function compileDecimalArithmetic(e: Extract<BExpr, { k: 'bin' }>, l: CompiledExpr, r: CompiledExpr): CompiledExpr {
  const op = e.op;
  const t = e.type;
  const shift = pow10(Math.max(0, (t.scale ?? 0) - (e.left.type.scale ?? 0) + (e.right.type.scale ?? 0)));
  return (b) => {
    const x = l(b); const y = r(b);
    const n = b.numRows;
    const out = new Array<unknown>(n);
    let valid: Uint8Array | null = null;
    for (let i = 0; i < n; i++) {
      const a = valueAt(x, i) as bigint | null; const c = valueAt(y, i) as bigint | null;
      let v: bigint | null = null;
      if (a !== null && c !== null) {
        switch (op) {
          case '+': v = a + c; break;
          case '-': v = a - c; break;
          case '*': v = a * c; break;
          case '/': if (c === 0n) throw new DivideByZeroError(); v = (a * shift) / c; break;
          case '%': if (c === 0n) throw new DivideByZeroError(); v = a % c; break;
          default: throw new ExecutionError(`operator ${op} is not defined for DECIMAL`);
        }
      }
      if (v === null) { valid ??= new Uint8Array(n).fill(1); valid[i] = 0; continue; }
      out[i] = v;
    }
    return { type: t, length: n, data: out, valid };
  };
}

/**
 * Integer division or remainder by zero is an error, as in DataFusion (Arrow's "Divide by zero
 * error"); rows with a NULL on either side never get here. Float division keeps IEEE inf/NaN.
 */
function intOp(op: string, a: bigint, c: bigint): bigint | null {
  switch (op) {
    case '+': return a + c;
    case '-': return a - c;
    case '*': return a * c;
    case '/': case 'DIV': if (c === 0n) throw new DivideByZeroError(); return a / c;
    case '%': if (c === 0n) throw new DivideByZeroError(); return a % c;
    case '&': return a & c;
    case '|': return a | c;
    case '^': return a ^ c;
    case '<<': return a << c;
    case '>>': return a >> c;
  }
  return null;
}

function nanosOf(v: unknown, t: DataType): bigint {
  if (t.name === 'Date') return BigInt(v as number) * 86_400_000_000_000n;
  return (v as bigint) * (1_000_000_000n / timestampUnitsPerSecond(t.name));
}

/**
 * interval * k or interval / k, as PostgreSQL does it: each part scaled, a fraction of a month
 * carried into days (30 per month) and a fraction of a day into time, so '1 day' / 2 is 12 hours
 * and '1 month' * 1.5 is 1 month 15 days (each part was scaled alone: '1 day' / 2 was 0 and
 * '1 hour' * 1.5 one hour). Dividing by zero is DIVIDE_BY_ZERO, as for integers (PostgreSQL too).
 */
function scaleInterval(a: Interval, k: number, divide: boolean): Interval {
  if (divide && k === 0) throw new DivideByZeroError();
  if (!Number.isFinite(k)) throw new ExecutionError(`cannot ${divide ? 'divide' : 'multiply'} an interval by ${k}`);
  const f = divide ? 1 / k : k;
  const months = a.months * f;
  const m = Math.trunc(months);
  const days = a.days * f + (months - m) * 30;
  const d = Math.trunc(days);
  // Whole factors keep nanoseconds exact; others round to the nanosecond.
  const nanos = Number.isInteger(k) ? (divide ? a.nanos / BigInt(k) : a.nanos * BigInt(k)) : BigInt(Math.round(Number(a.nanos) * f));
  return { months: m, days: d, nanos: nanos + BigInt(Math.round((days - d) * 86_400e9)) };
}

function temporalArith(op: string, a: unknown, at: DataType, c: unknown, ct: DataType, out: DataType): unknown {
  if (out.name === 'IntervalMonthDayNano') {
    if (isInterval(a) && isInterval(c)) {
      const s = op === '-' ? -1 : 1;
      return { months: a.months + s * c.months, days: a.days + s * c.days, nanos: a.nanos + BigInt(s) * c.nanos };
    }
    if (isInterval(a) && (typeof c === 'number' || typeof c === 'bigint')) return scaleInterval(a, Number(c), op === '/');
    // ts - ts
    const d = nanosOf(a, at) - nanosOf(c, ct);
    return { months: 0, days: 0, nanos: d } satisfies Interval;
  }
  const unitNs = out.name === 'Date' ? 86_400_000_000_000n : 1_000_000_000n / timestampUnitsPerSecond(out.name);
  if (isInterval(c) || isInterval(a)) {
    const [tsv, tst, iv0] = isInterval(c) ? [a, at, c] : [c, ct, a as Interval];
    // A DATE moves by whole days only: the interval's time part counts its whole days (toward zero)
    // and drops the rest, as Arrow's Date32 +/- MonthDayNano does ('2000-10-30' - '3 hours' stays 2000-10-30).
    const iv = out.name === 'Date' ? { months: iv0.months, days: iv0.days + Number(iv0.nanos / 86_400_000_000_000n), nanos: 0n } : iv0;
    const n = addInterval(nanosOf(tsv, tst), iv, op === '-' ? -1 : 1);
    return out.name === 'Date' ? Number(n / unitNs) : n / unitNs;
  }
  // timestamp +/- integer (in the timestamp's unit) or Date +/- days
  const base = isTimestamp(at) || at.name === 'Date' ? a : c;
  const delta = isTimestamp(at) || at.name === 'Date' ? c : a;
  if (out.name === 'Date') return Number(base) + (op === '-' ? -1 : 1) * Number(delta);
  return (base as bigint) + (op === '-' ? -1n : 1n) * BigInt(delta as number);
}

// ---- CAST ----

export function castColumn(c: Column, to: DataType, tz: string, tryCast = false): Column {
  if (c.type.name === to.name && (to.name !== 'Decimal128' || sameDecimal(c.type, to))) return c;
  const out = new Array<unknown>(c.length);
  for (let i = 0; i < c.length; i++) {
    const v = valueAt(c, i);
    try {
      out[i] = castValue(v, c.type, to, tz);
    } catch (err) {
      if (tryCast) { out[i] = null; continue; }
      throw err;
    }
  }
  return columnFromValuesTyped(to, out);
}

/**
 * Float text as Arrow's parser reads it: decimal digits with an optional exponent, or
 * inf / infinity / nan in any case with an optional sign. JS Number() would also take hex,
 * binary and octal ('0x10' -> 16) and only spells infinity 'Infinity'.
 */
function parseFloatText(text: string): number | undefined {
  const t = text.trim();
  if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) return Number(t);
  const m = /^([+-]?)(inf|infinity|nan)$/i.exec(t);
  if (m === null) return undefined;
  if (m[2]!.toLowerCase() === 'nan') return NaN;
  return m[1] === '-' ? -Infinity : Infinity;
}

const INT_RANGES: Partial<Record<DataTypeName, [number, number]>> = {
  Int8: [-128, 127], Int16: [-32768, 32767], Int32: [-2147483648, 2147483647], UInt8: [0, 255], UInt16: [0, 65535], UInt32: [0, 4294967295],
};

/** Casts one value between types (throws CastError, GreptimeDB's 3001 "Cast error", when it cannot). */
export function castValue(v: unknown, from: DataType, to: DataType, tz: string): unknown {
  if (v === null || v === undefined) return null;
  if (from.name === to.name && (to.name !== 'Decimal128' || sameDecimal(from, to))) return v;
  const bad = () => typeof v === 'string' ? CastError.ofString(v, to.name)
    : CastError.ofValue(typeof v === 'object' ? `of type ${from.name}` : String(v), to.name);
  if (from.name === 'Decimal128' && to.name !== 'Decimal128') {
    // v is the unscaled value at from.scale.
    const d = v as bigint; const fs = from.scale ?? 0;
    switch (to.name) {
      case 'String': return formatDecimal(d, fs);
      case 'Float32': return Math.fround(decimalToNumber(d, fs));
      case 'Float64': return decimalToNumber(d, fs);
      case 'Boolean': return d !== 0n;
      // To integers: truncated toward zero, as DataFusion does.
      case 'Int64': case 'UInt64': case 'Int8': case 'Int16': case 'Int32': case 'UInt8': case 'UInt16': case 'UInt32':
        return castValue(d / pow10(fs), { name: 'Int64' }, to, tz);
      default: throw bad();
    }
  }
  if (to.name === 'Decimal128') {
    const ts = to.scale ?? 0;
    let d: bigint;
    if (from.name === 'Decimal128') d = rescale(v as bigint, from.scale ?? 0, ts);
    else if (typeof v === 'string') { const x = parseDecimal(v, ts); if (x === undefined) throw bad(); d = x; } else if (typeof v === 'bigint') d = v * pow10(ts);
    else if (typeof v === 'boolean') d = v ? pow10(ts) : 0n;
    else if (typeof v === 'number') d = decimalFromNumber(v, ts);
    else throw bad();
    return checkPrecision(d, to.precision ?? 38, `value ${typeof v === 'bigint' || typeof v === 'number' ? String(v) : `'${String(v)}'`} ->`);
  }
  switch (to.name) {
    case 'String': {
      if (isTimestamp(from)) {
        const ns = nanosOf(v, from);
        return formatTimestampNanos(ns, tz).replace(' ', from.name === 'TimestampSecond' ? ' ' : ' ');
      }
      if (from.name === 'Date') return formatTimestampNanos(BigInt(v as number) * 86_400_000_000_000n, 'UTC').slice(0, 10);
      if (typeof v === 'boolean') return v ? 'true' : 'false';
      if (isInterval(v)) return intervalText(v);
      if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
      // Floats as Arrow writes them: '-1.0', '1e20', 'inf' (String(-1.0) would drop the '.0').
      if (typeof v === 'number' && (from.name === 'Float64' || from.name === 'Float32')) return formatFloat(v, from.name === 'Float32');
      return String(v);
    }
    case 'Boolean': {
      if (typeof v === 'boolean') return v;
      if (typeof v === 'string') {
        const s = v.trim().toLowerCase();
        if (['true', 't', '1', 'yes', 'on'].includes(s)) return true;
        if (['false', 'f', '0', 'no', 'off'].includes(s)) return false;
        throw bad();
      }
      return Number(v) !== 0;
    }
    case 'Float32': case 'Float64': {
      if (typeof v === 'string') { const x = parseFloatText(v); if (x === undefined) throw bad(); return to.name === 'Float32' ? Math.fround(x) : x; }
      if (typeof v === 'boolean') return v ? 1 : 0;
      if (isTimestamp(from)) return Number(v);
      const x = Number(v);
      return to.name === 'Float32' ? Math.fround(x) : x;
    }
    case 'Int8': case 'Int16': case 'Int32': case 'UInt8': case 'UInt16': case 'UInt32': {
      let x: number;
      // Integer text only ('1.5' is refused, as DataFusion does); numbers truncate toward zero.
      if (typeof v === 'string') { if (!/^\s*[+-]?\d+\s*$/.test(v)) throw bad(); x = Number(v); } else if (typeof v === 'boolean') x = v ? 1 : 0; else x = Math.trunc(Number(v));
      const [lo, hi] = INT_RANGES[to.name]!;
      if (x < lo || x > hi || Number.isNaN(x)) throw CastError.ofValue(String(v), to.name);
      return x;
    }
    case 'Int64': case 'UInt64': {
      let x: bigint;
      if (typeof v === 'bigint') x = v;
      else if (typeof v === 'string') { if (!/^\s*[+-]?\d+\s*$/.test(v)) throw bad(); x = BigInt(v.trim()); }
      else if (typeof v === 'boolean') x = v ? 1n : 0n;
      else { if (!Number.isFinite(v as number)) throw bad(); x = BigInt(Math.trunc(v as number)); }
      // Out of range is an error (TRY_CAST: NULL), never a wrapped value.
      if (to.name === 'UInt64' ? x < 0n || x > 0xffff_ffff_ffff_ffffn : x < -(1n << 63n) || x >= 1n << 63n) {
        throw CastError.ofValue(String(v), to.name);
      }
      return x;
    }
    case 'TimestampSecond': case 'TimestampMillisecond': case 'TimestampMicrosecond': case 'TimestampNanosecond': {
      const per = 1_000_000_000n / timestampUnitsPerSecond(to.name);
      let ns: bigint;
      if (typeof v === 'string') ns = parseTimestampNanos(v, tz);
      else if (isTimestamp(from) || from.name === 'Date') ns = nanosOf(v, from);
      else if (typeof v === 'bigint') return v;
      else if (typeof v === 'number') return BigInt(Math.trunc(v));
      else throw bad();
      const q = ns / per;
      return ns % per !== 0n && ns < 0n ? q - 1n : q;
    }
    case 'Date': {
      if (typeof v === 'string') {
        const ns = parseTimestampNanos(v, 'UTC');
        return Number(ns / 86_400_000_000_000n) - (ns < 0n && ns % 86_400_000_000_000n !== 0n ? 1 : 0);
      }
      if (isTimestamp(from)) { const ns = nanosOf(v, from); return Math.floor(Number(ns / 1_000_000n) / 86_400_000); }
      return Math.trunc(Number(v));
    }
    case 'IntervalMonthDayNano': {
      if (typeof v === 'string') return parseInterval(v);
      throw bad();
    }
    case 'Binary': {
      if (typeof v === 'string') return new Uint8Array(Buffer.from(v, 'utf8'));
      throw bad();
    }
    case 'Null': return null;
  }
  throw bad();
}

function sameDecimal(a: DataType, b: DataType): boolean {
  return (a.scale ?? 0) === (b.scale ?? 0) && (b.precision ?? 38) >= (a.precision ?? 38);
}

export function intervalText(v: Interval): string {
  const parts: string[] = [];
  if (v.months) parts.push(`${v.months} mons`);
  if (v.days) parts.push(`${v.days} days`);
  if (v.nanos || parts.length === 0) {
    let ns = v.nanos;
    const neg = ns < 0n; if (neg) ns = -ns;
    const h = ns / 3_600_000_000_000n; ns %= 3_600_000_000_000n;
    const m = ns / 60_000_000_000n; ns %= 60_000_000_000n;
    const s = ns / 1_000_000_000n; ns %= 1_000_000_000n;
    const p = (x: bigint) => String(x).padStart(2, '0');
    parts.push(`${neg ? '-' : ''}${p(h)}:${p(m)}:${p(s)}${ns ? `.${String(ns).padStart(9, '0').replace(/0+$/, '')}` : ''}`);
  }
  return parts.join(' ');
}

const INTERVAL_UNITS: Record<string, { months?: number; days?: number; nanos?: bigint }> = {
  year: { months: 12 }, month: { months: 1 }, week: { days: 7 }, day: { days: 1 },
  hour: { nanos: 3_600_000_000_000n }, minute: { nanos: 60_000_000_000n }, second: { nanos: 1_000_000_000n },
  millisecond: { nanos: 1_000_000n }, microsecond: { nanos: 1_000n }, nanosecond: { nanos: 1n },
};
const UNIT_ALIASES: Record<string, string> = {
  y: 'year', yr: 'year', yrs: 'year', years: 'year', mon: 'month', mons: 'month', months: 'month', w: 'week', weeks: 'week',
  d: 'day', days: 'day', h: 'hour', hr: 'hour', hrs: 'hour', hours: 'hour', m: 'minute', min: 'minute', mins: 'minute', minutes: 'minute',
  s: 'second', sec: 'second', secs: 'second', seconds: 'second', ms: 'millisecond', msec: 'millisecond', milliseconds: 'millisecond',
  us: 'microsecond', usec: 'microsecond', microseconds: 'microsecond', ns: 'nanosecond', nanoseconds: 'nanosecond',
};

/** Parses interval text: '5 minutes', '1 hour 30 minutes', '1h30m', '2 days', PromQL '5m', '01:02:03'. */
export function parseInterval(text: string, unit?: string): Interval {
  let months = 0; let days = 0; let nanos = 0n;
  const s = text.trim().toLowerCase();
  if (unit) {
    const u = INTERVAL_UNITS[UNIT_ALIASES[unit.toLowerCase()] ?? unit.toLowerCase()];
    if (!u) throw new InvalidArgumentsError(`unknown interval unit '${unit}'`);
    const k = Number(s);
    if (Number.isNaN(k)) throw new InvalidArgumentsError(`invalid interval '${text}'`);
    return scaleUnit(u, k);
  }
  const hms = /^(-)?(\d+):(\d{2})(?::(\d{2})(?:\.(\d+))?)?$/.exec(s);
  if (hms) {
    const sign = hms[1] ? -1n : 1n;
    const ns = BigInt(hms[2]!) * 3_600_000_000_000n + BigInt(hms[3]!) * 60_000_000_000n + BigInt(hms[4] ?? 0) * 1_000_000_000n + BigInt((hms[5] ?? '').padEnd(9, '0').slice(0, 9) || '0');
    return { months: 0, days: 0, nanos: sign * ns };
  }
  let matched = '';
  for (const m of s.matchAll(/([+-]?\d+(?:\.\d+)?)\s*([a-z]+)/g)) {
    const name = UNIT_ALIASES[m[2]!] ?? m[2]!;
    const u = INTERVAL_UNITS[name];
    if (!u) throw new InvalidArgumentsError(`invalid interval '${text}': unknown unit '${m[2]}'`);
    const part = scaleUnit(u, Number(m[1]));
    months += part.months; days += part.days; nanos += part.nanos;
    matched += m[0];
  }
  if (!matched || matched.replace(/\s/g, '') !== s.replace(/\s|,/g, '').replace(/ago$/, '')) {
    if (/^\d+$/.test(s)) return { months: 0, days: 0, nanos: BigInt(s) * 1_000_000_000n };
    throw new InvalidArgumentsError(`invalid interval '${text}'`);
  }
  return { months, days, nanos };
}

function scaleUnit(u: { months?: number; days?: number; nanos?: bigint }, k: number): Interval {
  if (u.months) {
    const total = u.months * k;
    const whole = Math.trunc(total);
    return { months: whole, days: Math.round((total - whole) * 30), nanos: 0n };
  }
  if (u.days) {
    const total = u.days * k;
    const whole = Math.trunc(total);
    return { months: 0, days: whole, nanos: BigInt(Math.round((total - whole) * 86_400e9)) };
  }
  const per = u.nanos!;
  return { months: 0, days: 0, nanos: Number.isInteger(k) ? BigInt(k) * per : BigInt(Math.round(k * Number(per))) };
}
