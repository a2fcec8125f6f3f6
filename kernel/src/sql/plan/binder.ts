import { isFloat, isInteger, isNumeric, isTimestamp, type DataType } from '../../data/data-types.js';
import { DatabaseNotFoundError, PlanError, StrataError, TableNotFoundError, UnknownColumnError, UnsupportedError } from '../../errors/errors.js';
import type { Catalog, ViewInfo } from '../../interfaces/catalog.js';
import type { AggregateFunction, ArgType, AsyncScalarFunction, FunctionDefinition, FunctionRegistry, ScalarFunction, WindowFunction } from '../../interfaces/function.js';
import type { Session } from '../../interfaces/session.js';
import { commonType as builtinCommonType, conditionalFunctions } from '../../functions/builtin/scalar-functions.js';
import { floorDiv, numericResult } from '../../functions/builtin/function-helpers.js';
import { FAST_AGGREGATE, KEEPS_DECIMAL } from '../../functions/builtin/aggregate-functions.js';
import { PG_SESSION_FUNCTIONS } from '../../functions/builtin/pg-functions.js';
import type * as ast from '../ast.js';
import type { Batch } from '../exec/column.js';
import { KERNEL_VERSION } from '../../version.js';
import { toDataType } from '../parser/type-names.js';
import { parseSql } from '../parser/parse-sql.js';
import { hexBytes } from '../parser/grammar-support.js';
import { parseTimestampNanos, zoneOffsetMs } from '../../functions/time-zone.js';
import { castValue, parseInterval } from '../exec/expression-evaluator.js';
import { parseDurationMs } from '../../catalog/store-catalog.js';
import {
  newField, newFieldId, schemaOf, type OuterRef, type AggCall, type BExpr, type BinaryOp, type Field, type FrameSpec, type Plan, type RangeCall, type SortKey, type WinCall,
} from './logical-plan.js';

const BOOL: DataType = { name: 'Boolean' };
const I64: DataType = { name: 'Int64' };
const F64: DataType = { name: 'Float64' };
const U64: DataType = { name: 'UInt64' };
const I64_MIN = -(2n ** 63n), I64_MAX = 2n ** 63n - 1n, U64_MAX = 2n ** 64n - 1n;

/** The columns a scope offers, as DataFusion lists them in "Valid fields are ...". */
function fieldNames(scope: readonly Field[]): string[] {
  return scope.filter((f) => !f.hidden && !f.merged).map((f) => (f.qualifier ? `${f.qualifier}.${f.name}` : f.name));
}

/** An integer literal's type as DataFusion gives it: Int64, else UInt64, else (beyond 64 bits) Float64. */
function integerLiteral(v: bigint): BExpr {
  if (v >= I64_MIN && v <= I64_MAX) return { k: 'lit', value: v, type: I64 };
  if (v > 0n && v <= U64_MAX) return { k: 'lit', value: v, type: U64 };
  return { k: 'lit', value: Number(v), type: F64 };
}
const STR: DataType = { name: 'String' };
const NULL_T: DataType = { name: 'Null' };
const INTERVAL_T: DataType = { name: 'IntervalMonthDayNano' };

/** What the binder needs from the outside world. */
export interface BinderEnv {
  readonly catalog: Catalog;
  readonly registry: FunctionRegistry;
  readonly session: Session;
  readonly params: readonly unknown[];
  /** The statement's source text (select items without alias are named after their text). */
  readonly text: string;
  /** System tables (information_schema.*), or undefined. */
  systemTable(database: string, name: string, alias: string): Plan | undefined;
  /** Values of @@variables. */
  variable(name: string): unknown;
  /** Server version text for version(). */
  readonly version: string;
  /**
   * The result of a TQL CTE body (`name AS (TQL EVAL ...)`), run before
   * binding because its columns (the series labels) depend on the data;
   * absent where the statement does not support one.
   */
  tqlCte?(c: ast.CommonTableExpr): { columns: ReadonlyArray<{ name: string; type: DataType }>; load: () => Batch[] } | undefined;
}

/** Window functions that take IGNORE NULLS / RESPECT NULLS (DataFusion's set). */
const NULL_TREATMENT_WINDOW = new Set(['lag', 'lead', 'first_value', 'last_value', 'nth_value']);

/** A structural key of a bound expression (DISTINCT ON against ORDER BY). */
function bexprKey(e: BExpr): string {
  return JSON.stringify(e, (_k, v) => (typeof v === 'bigint' ? `${v}n` : typeof v === 'function' ? undefined : v));
}

/**
 * A structural key of an AST expression (ignores positions and how a call was
 * written: keywordForm, as TRIM(LEADING 'x' FROM s) is ltrim(s, 'x')). The
 * binder asks for the key of every sub-expression it binds in an aggregate's
 * scope, so keys of frozen nodes (every cached parse) are kept: each node's
 * key is built once from its children's.
 */
export function exprKey(e: unknown): string {
  return keyOf(e) ?? 'null';
}

const exprKeys = new WeakMap<object, string>();

/** JSON text of a value with span/keywordForm left out and bigints as `"<digits>n"`; undefined where JSON has no value. */
function keyOf(v: unknown): string | undefined {
  switch (typeof v) {
    case 'string': return JSON.stringify(v);
    case 'number': return Number.isFinite(v) ? String(v) : 'null';
    case 'boolean': return v ? 'true' : 'false';
    case 'bigint': return `"${v}n"`;
    case 'object': {
      if (v === null) return 'null';
      const hit = exprKeys.get(v);
      if (hit !== undefined) return hit;
      let s: string;
      if (Array.isArray(v)) {
        s = '[';
        for (let i = 0; i < v.length; i++) s += (i ? ',' : '') + (keyOf(v[i]) ?? 'null');
        s += ']';
      } else {
        s = '{';
        let first = true;
        const rec = v as Record<string, unknown>;
        for (const k in rec) {
          if (k === 'span' || k === 'keywordForm') continue;
          const x = keyOf(rec[k]);
          if (x === undefined) continue;
          s += (first ? '' : ',') + JSON.stringify(k) + ':' + x;
          first = false;
        }
        s += '}';
      }
      // Only frozen nodes are immutable; an unfrozen tree (an uncached parse) is keyed afresh.
      if (Object.isFrozen(v)) exprKeys.set(v, s);
      return s;
    }
    default: return undefined;
  }
}

interface Ctx {
  /** Fields that names resolve against. */
  readonly scope: readonly Field[];
  /** AST expressions already computed below (aggregates, group keys, window calls): key -> field. */
  readonly replace?: ReadonlyMap<string, Field>;
  /** Post-aggregation: input field id -> group output field (for plain column group keys). */
  readonly groupCols?: ReadonlyMap<number, Field>;
  /** Pre-aggregation scope, to resolve columns then map them through groupCols. */
  readonly preAggScope?: readonly Field[];
  /** Select-item aliases usable here (ORDER BY / GROUP BY / HAVING). */
  readonly aliases?: ReadonlyMap<string, BExpr>;
  /** Range expression currently being bound (its range key). */
  readonly rangeKey?: string;
  /** A range query's select items: the range key of each range expression in them (nested ones too). */
  readonly rangeKeys?: ReadonlyMap<ast.RangeExpr, string>;
  /** Outer scope for correlated references (not supported: gives a clear error). */
  readonly ctes: ReadonlyMap<string, { plan: Plan; fields: Field[] }>;
}

/**
 * The views a statement reads, shared by the binders of its view bodies:
 * `stack` holds the views being expanded (a view that reaches itself is an
 * error, not a loop), `used` every view read with the query it was bound
 * from (the plan cache checks both; see PlanCache.inspect).
 */
export interface ViewScope {
  readonly stack: string[];
  readonly used: Array<{ readonly info: ViewInfo; readonly query: ast.Query }>;
}

/** The query of a view, parsed from its text (cached: the same frozen AST each time). */
export function viewQuery(view: ViewInfo): ast.Query {
  const statements = parseSql(view.query, { dialect: view.dialect, cache: true });
  const st = statements[0];
  if (statements.length !== 1 || st?.kind !== 'QueryStatement') throw new PlanError(`view ${view.database}.${view.name} does not hold one query: ${view.query}`);
  return st.query;
}

/** Errors already told which view they come from (the innermost one says it). */
const viewErrors = new WeakSet<Error>();

export const SPECIAL_NULLARY: ReadonlySet<string> = new Set(['database', 'current_database', 'schema', 'current_schema', 'version', 'build', 'user', 'current_user', 'session_user', 'connection_id', 'pg_backend_pid', 'current_role']);

export class Binder {
  /** Scopes of enclosing queries (innermost last) and the outer columns each subquery reads. */
  private readonly outerScopes: Array<{ scope: readonly Field[]; refs: Map<number, Field> }> = [];

  constructor(private readonly env: BinderEnv, private readonly viewScope: ViewScope = { stack: [], used: [] }) {}

  /** The views this binder (and the binders of their bodies) read, with their queries. */
  get views(): ViewScope['used'] { return this.viewScope.used; }

  // ---------------------------------------------------------------- queries

  /** Binds a query; returns the plan and its visible output fields. */
  bindQuery(q: ast.Query, outerCtes: ReadonlyMap<string, { plan: Plan; fields: Field[] }> = new Map()): { plan: Plan; fields: Field[] } {
    let ctes = outerCtes;
    if (q.with) {
      if (q.with.recursive) throw new UnsupportedError('WITH RECURSIVE is not supported (a CTE cannot refer to itself)');
      const m = new Map(outerCtes);
      for (const c of q.with.ctes) {
        // As DataFusion: a name already visible (this WITH's or an enclosing query's) is refused, not shadowed.
        if (m.has(c.name)) throw new PlanError(`WITH query name "${c.name}" specified more than once`);
        const b = c.tql ? this.bindTqlCte(c) : this.bindQuery(c.query!, m);
        // As DataFusion: fewer names rename the first columns; more is an error.
        if (c.columns && c.columns.length > b.fields.length) {
          throw new PlanError(`Source table contains ${b.fields.length} columns but ${c.columns.length} names given as column alias for "${c.name}"`);
        }
        m.set(c.name, { plan: b.plan, fields: b.fields.map((f, i) => ({ ...f, name: c.columns?.[i] ?? f.name })) });
      }
      ctes = m;
    }
    if (q.body.kind === 'Select') return this.bindSelect(q.body, q, ctes);
    let { plan, fields } = this.bindSetExpr(q.body, ctes);
    if (q.orderBy.length) {
      const ctx: Ctx = { scope: fields, ctes };
      const keys = q.orderBy.map((o) => this.sortKey(o, ctx, fields));
      plan = { k: 'sort', input: plan, keys };
    }
    plan = this.applyLimit(plan, q);
    return { plan, fields };
  }

  /** A TQL CTE: its result, run before binding (see BinderEnv.tqlCte), read as a memory relation. */
  private bindTqlCte(c: ast.CommonTableExpr): { plan: Plan; fields: Field[] } {
    const r = this.env.tqlCte?.(c);
    if (!r) throw new UnsupportedError(`TQL CTE "${c.name}" is not supported in this statement`);
    const fields = r.columns.map((col) => newField(col.name, col.type, c.name));
    return { plan: { k: 'memory', name: `tql.${c.name}`, fields, load: r.load }, fields };
  }

  private applyLimit(plan: Plan, q: ast.Query): Plan {
    if (q.limit === undefined && q.offset === undefined) return plan;
    const limit = q.limit ? this.constInt(q.limit, 'LIMIT') : undefined;
    const offset = q.offset ? this.constInt(q.offset, 'OFFSET') : 0;
    return { k: 'limit', input: plan, ...(limit !== undefined ? { limit } : {}), offset };
  }

  private constInt(e: ast.Expr, what: string): number {
    const b = this.bindExpr(e, { scope: [], ctes: new Map() });
    const v = constIntValue(b);
    if (v === undefined) throw new PlanError(`${what} must be a constant integer`);
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new PlanError(`${what} must be a non-negative integer, got ${n}`);
    return n;
  }

  private bindSetExpr(s: ast.SetExpr, ctes: ReadonlyMap<string, { plan: Plan; fields: Field[] }>): { plan: Plan; fields: Field[] } {
    switch (s.kind) {
      case 'Select': return this.bindSelect(s, undefined, ctes);
      case 'Query': return this.bindQuery(s, ctes);
      case 'Values': {
        if (s.rows.length === 0) throw new PlanError('VALUES needs at least one row');
        const width = s.rows[0]!.length;
        const rows = s.rows.map((r) => {
          if (r.length !== width) throw new PlanError(`VALUES rows must all have ${width} values`);
          return r.map((e) => this.bindExpr(e, { scope: [], ctes }));
        });
        const types = Array.from({ length: width }, (_, i) => commonType(rows.map((r) => r[i]!.type)));
        const fields = types.map((t, i) => newField(`column${i + 1}`, t.name === 'Null' ? STR : t));
        return { plan: { k: 'values', rows: rows.map((r) => r.map((e, i) => this.coerceTo(e, fields[i]!.type))), fields }, fields };
      }
      case 'SetOperation': {
        const l = this.bindSetExpr(s.left, ctes);
        const r = this.bindSetExpr(s.right, ctes);
        if (l.fields.length !== r.fields.length) throw new PlanError(`${s.op} inputs have ${l.fields.length} and ${r.fields.length} columns`);
        const types = l.fields.map((f, i) => commonType([f.type, r.fields[i]!.type]));
        const left = this.castProject(l.plan, l.fields, types);
        const right = this.castProject(r.plan, r.fields, types);
        const fields = l.fields.map((f, i) => newField(f.name, types[i]!.name === 'Null' ? STR : types[i]!));
        const op = s.op === 'UNION' ? 'union' : s.op === 'INTERSECT' ? 'intersect' : 'except';
        return { plan: { k: 'setop', op, all: s.all, left, right, fields }, fields };
      }
    }
  }

  /** Projects a plan's visible fields to the given types (for set operations). */
  private castProject(plan: Plan, fields: Field[], types: DataType[]): Plan {
    return {
      k: 'project', input: plan,
      exprs: fields.map((f, i) => {
        const c: BExpr = { k: 'col', id: f.id, type: f.type, name: f.name };
        const t = types[i]!.name === 'Null' ? STR : types[i]!;
        return { expr: this.coerceTo(c, t), out: newField(f.name, t) };
      }),
    };
  }

  private bindSelect(s: ast.Select, q: ast.Query | undefined, ctes: ReadonlyMap<string, { plan: Plan; fields: Field[] }>): { plan: Plan; fields: Field[] } {
    // FROM
    let plan: Plan;
    let scope: Field[];
    if (s.from.length === 0) {
      const f = newField('__dummy', I64, undefined, true);
      plan = { k: 'values', rows: [[{ k: 'lit', value: 0n, type: I64 }]], fields: [f] };
      scope = [];
    } else {
      let acc: { plan: Plan; fields: Field[] } | undefined;
      for (const t of s.from) {
        const b = this.bindTableRef(t, ctes);
        acc = acc ? { plan: { k: 'join', left: acc.plan, right: b.plan, type: 'cross', equi: [] }, fields: [...acc.fields, ...b.fields] } : b;
      }
      plan = acc!.plan;
      scope = acc!.fields;
    }
    const base: Ctx = { scope, ctes };

    // Select-item aliases (for GROUP BY / WHERE-less references).
    const items = s.items;

    // WHERE
    if (s.where) {
      visitAst(s.where, (x) => {
        if (x.kind === 'FunctionCall' && x.over) throw new PlanError(`window functions are not allowed in WHERE (${x.name}(...) OVER ...): compute it in a subquery and filter outside`);
        return x.kind !== 'SubqueryExpr' && x.kind !== 'ExistsExpr' && x.kind !== 'InSubqueryExpr';
      });
      const pred = this.bindExpr(s.where, base);
      this.expectBool(pred, 'WHERE');
      plan = { k: 'filter', input: plan, pred };
    }

    // Range query (ALIGN)
    if (s.align) return this.bindRangeSelect(s, q, plan, scope, ctes);

    // Aggregation
    const aggAsts: ast.FunctionCall[] = [];
    const collect = (e: ast.Expr | undefined) => { if (e) this.collectAggregates(e, aggAsts); };
    for (const it of items) if (it.kind === 'SelectExprItem') collect(it.expr);
    collect(s.having);
    for (const o of q?.orderBy ?? []) collect(o.expr);
    let ctx: Ctx = base;
    const grouped = s.groupBy.length > 0 || aggAsts.length > 0;
    if (grouped) {
      const groups: Array<{ expr: BExpr; out: Field }> = [];
      const replace = new Map<string, Field>();
      const groupCols = new Map<number, Field>();
      for (const g of s.groupBy) {
        let ge: ast.Expr = g;
        if (g.kind === 'NumberLiteral') {
          const item = items[Number(g.value) - 1];
          if (!item || item.kind !== 'SelectExprItem') throw new PlanError(`GROUP BY position ${String(g.value)} is not in the select list`);
          ge = item.expr;
        } else if (g.kind === 'ColumnRef' && !g.table && !this.tryResolve(g, scope)) {
          const item = items.find((it) => it.kind === 'SelectExprItem' && it.alias === g.name) as ast.SelectExprItem | undefined;
          if (item) ge = item.expr;
        }
        const expr = this.bindExpr(ge, base);
        const out = newField(expr.k === 'col' ? expr.name : this.textOf(ge), expr.type, expr.k === 'col' ? scope.find((f) => f.id === expr.id)?.qualifier : undefined);
        groups.push({ expr, out });
        replace.set(exprKey(ge), out);
        if (expr.k === 'col') groupCols.set(expr.id, out);
      }
      const aggs: AggCall[] = [];
      for (const a of aggAsts) {
        const key = exprKey(a);
        if (replace.has(key)) continue;
        const call = this.bindAggregate(a, base);
        aggs.push(call);
        replace.set(key, call.out);
      }
      plan = { k: 'aggregate', input: plan, groups, aggs };
      const aggScope = [...groups.map((g) => g.out), ...aggs.map((a) => a.out)];
      ctx = { scope: aggScope, replace, groupCols, preAggScope: scope, ctes };
      if (s.having) {
        const pred = this.bindExpr(s.having, this.withAliases(ctx, items));
        this.expectBool(pred, 'HAVING');
        plan = { k: 'filter', input: plan, pred };
      }
    } else if (s.having) {
      throw new PlanError('HAVING needs GROUP BY or an aggregate');
    }

    // Window functions
    const winAsts: ast.FunctionCall[] = [];
    for (const it of items) if (it.kind === 'SelectExprItem') this.collectWindows(it.expr, winAsts);
    for (const o of q?.orderBy ?? []) this.collectWindows(o.expr, winAsts);
    if (winAsts.length) {
      const replace = new Map(ctx.replace ?? []);
      const calls: WinCall[] = [];
      for (const w of winAsts) {
        const key = exprKey(w);
        if (replace.has(key)) continue;
        const call = this.bindWindow(w, ctx, s.windows);
        calls.push(call);
        replace.set(key, call.out);
      }
      plan = { k: 'window', input: plan, calls };
      ctx = { ...ctx, scope: [...ctx.scope, ...calls.map((c) => c.out)], replace };
    }

    // Projection
    const exprs: Array<{ expr: BExpr; out: Field }> = [];
    for (const it of items) {
      if (it.kind === 'Wildcard') {
        // t.* lists t's own columns, USING columns included (merged away from plain *).
        const visible = (grouped ? ctx.preAggScope! : ctx.scope).filter((f) => (!f.hidden || (it.table && f.merged)) && !f.name.startsWith('__') && (!it.table || f.qualifier === it.table));
        if (it.table && visible.length === 0) throw new PlanError(`no table named ${it.table} in FROM for ${it.table}.*`);
        if (s.from.length === 0) throw new PlanError('SELECT * needs a FROM clause');
        for (const f of visible) {
          const e = grouped ? this.resolveColumnRef({ kind: 'ColumnRef', name: f.name, quoted: true, ...(f.qualifier ? { table: f.qualifier } : {}), span: it.span }, ctx) : { k: 'col' as const, id: f.id, type: f.type, name: f.name };
          exprs.push({ expr: e, out: newField(f.name, f.type, f.qualifier) });
        }
        continue;
      }
      const expr = this.bindExpr(it.expr, ctx);
      const name = it.alias ?? (it.expr.kind === 'ColumnRef' ? (expr.k === 'col' ? expr.name : it.expr.name) : this.textOf(it.expr));
      exprs.push({ expr, out: newField(name, expr.type, it.expr.kind === 'ColumnRef' && expr.k === 'col' ? ctx.scope.find((f) => f.id === expr.id)?.qualifier : undefined) });
    }
    const visible = exprs.map((e) => e.out);
    const aliasMap = new Map<string, BExpr>();
    for (const e of exprs) if (!aliasMap.has(e.out.name)) aliasMap.set(e.out.name, { k: 'col', id: e.out.id, type: e.out.type, name: e.out.name });

    const orderBy = q?.orderBy ?? [];
    if (s.distinctOn) {
      // DISTINCT ON (k...): number the rows of each k in ORDER BY order (row_number over the
      // projected rows, pre-projection columns carried along hidden as for ORDER BY) and
      // keep each first one. DataFusion's rule: ORDER BY must start with the k expressions.
      const hidden = ctx.scope.filter((f) => !exprs.some((e) => e.out.id === f.id)).map((f) => ({ expr: { k: 'col', id: f.id, type: f.type, name: f.name } as BExpr, out: { ...f, hidden: true } }));
      plan = { k: 'project', input: plan, exprs: [...exprs, ...hidden] };
      const octx: Ctx = { ...ctx, aliases: aliasMap };
      const on = s.distinctOn.map((e) => this.sortKey({ kind: 'OrderByItem', expr: e, desc: false, span: e.span }, octx, visible).expr);
      const keys = orderBy.map((o) => this.sortKey(o, octx, visible));
      if (keys.length) {
        const want = new Set(on.map(bexprKey));
        const lead = keys.slice(0, on.length).map((k) => bexprKey(k.expr));
        if (lead.length < want.size || lead.some((k) => !want.has(k))) throw new PlanError('SELECT DISTINCT ON expressions must match initial ORDER BY expressions');
      }
      const rowNumber = this.env.registry.lookup('row_number');
      if (rowNumber?.kind !== 'window') throw new PlanError('SELECT DISTINCT ON needs the row_number window function');
      const rn = newField('__distinct_on_row', I64, undefined, true);
      plan = { k: 'window', input: plan, calls: [{ fn: rowNumber, args: [], partitionBy: on, orderBy: keys, out: rn }] };
      plan = { k: 'filter', input: plan, pred: { k: 'bin', op: '=', left: { k: 'col', id: rn.id, type: I64, name: rn.name }, right: { k: 'lit', value: 1n, type: I64 }, type: BOOL } };
      if (keys.length) plan = { k: 'sort', input: plan, keys };
      if (q) plan = this.applyLimit(plan, q);
      plan = { k: 'project', input: plan, exprs: visible.map((f) => ({ expr: { k: 'col', id: f.id, type: f.type, name: f.name }, out: f })) };
      return { plan, fields: visible };
    }
    if (s.distinct) {
      plan = { k: 'distinct', input: { k: 'project', input: plan, exprs } };
      if (orderBy.length) {
        const octx: Ctx = { scope: visible, ctes, aliases: aliasMap };
        plan = { k: 'sort', input: plan, keys: orderBy.map((o) => {
          try {
            return this.sortKey(o, octx, visible);
          } catch (err) {
            if (err instanceof UnknownColumnError) throw new PlanError(`for SELECT DISTINCT, ORDER BY expressions must appear in the select list (${this.textOf(o.expr)})`);
            throw err;
          }
        }) };
      }
      if (q) plan = this.applyLimit(plan, q);
      return { plan, fields: visible };
    }
    if (orderBy.length) {
      // Carry the pre-projection fields through as hidden so ORDER BY may use them.
      const hidden = ctx.scope.filter((f) => !exprs.some((e) => e.out.id === f.id)).map((f) => ({ expr: { k: 'col', id: f.id, type: f.type, name: f.name } as BExpr, out: { ...f, hidden: true } }));
      plan = { k: 'project', input: plan, exprs: [...exprs, ...hidden] };
      const octx: Ctx = { ...ctx, aliases: aliasMap };
      const keys = orderBy.map((o) => this.sortKey(o, octx, visible));
      plan = { k: 'sort', input: plan, keys };
      if (q) plan = this.applyLimit(plan, q);
      plan = { k: 'project', input: plan, exprs: visible.map((f) => ({ expr: { k: 'col', id: f.id, type: f.type, name: f.name }, out: f })) };
      return { plan, fields: visible };
    }
    plan = { k: 'project', input: plan, exprs };
    if (q) plan = this.applyLimit(plan, q);
    return { plan, fields: visible };
  }

  /** HAVING may name select-list aliases (MySQL/GreptimeDB): bind those items in the post-aggregation context. */
  private withAliases(ctx: Ctx, items: readonly ast.SelectItem[]): Ctx {
    const aliases = new Map<string, BExpr>();
    for (const it of items) {
      if (it.kind !== 'SelectExprItem' || !it.alias) continue;
      try { aliases.set(it.alias, this.bindExpr(it.expr, ctx)); } catch { /* not usable here (e.g. a window call) */ }
    }
    return aliases.size ? { ...ctx, aliases } : ctx;
  }

  private sortKey(o: ast.OrderByItem, ctx: Ctx, visible: readonly Field[]): SortKey {
    let expr: BExpr;
    if (o.expr.kind === 'NumberLiteral') {
      const f = visible[Number(o.expr.value) - 1];
      if (!f) throw new PlanError(`ORDER BY position ${String(o.expr.value)} is not in the select list`);
      expr = { k: 'col', id: f.id, type: f.type, name: f.name };
    } else if (o.expr.kind === 'ColumnRef' && !o.expr.table && ctx.aliases?.has(o.expr.name)) {
      const direct = this.tryResolve(o.expr, ctx.preAggScope ?? ctx.scope);
      // An output alias wins over an input column of the same name unless the item is that column.
      expr = ctx.aliases.get(o.expr.name)!;
      void direct;
    } else {
      expr = this.bindExpr(o.expr, ctx);
    }
    // PostgreSQL/DataFusion default: NULLS LAST for ASC, NULLS FIRST for DESC.
    return { expr, desc: o.desc, nullsFirst: o.nulls ? o.nulls === 'FIRST' : o.desc };
  }

  // ---------------------------------------------------------------- FROM

  private bindTableRef(t: ast.TableRef, ctes: ReadonlyMap<string, { plan: Plan; fields: Field[] }>): { plan: Plan; fields: Field[] } {
    switch (t.kind) {
      case 'NamedTable': {
        const alias = t.alias?.name ?? t.name.name;
        if (!t.name.database && ctes.has(t.name.name)) {
          const c = ctes.get(t.name.name)!;
          return this.aliased(c.plan, c.fields, alias, t.alias?.columns);
        }
        const database = t.name.database ?? this.env.session.database;
        if (!t.name.database && t.name.name === 'dual' && !this.env.catalog.getTable(database, 'dual')) {
          // MySQL's one-row DUAL table.
          const f = newField('__dual', I64, alias, true);
          return { plan: { k: 'values', rows: [[{ k: 'lit', value: 0n, type: I64 }]], fields: [f] }, fields: [f] };
        }
        const sys = this.env.systemTable(database, t.name.name, alias);
        if (sys) return this.aliased(sys, schemaOf(sys), alias, t.alias?.columns, true);
        if (database.toLowerCase() === 'information_schema') throw new TableNotFoundError(`information_schema.${t.name.name}`);
        if (!this.env.catalog.databaseExists(database)) throw new DatabaseNotFoundError(database);
        const view = this.env.catalog.getView?.(database, t.name.name);
        if (view) return this.bindView(view, alias, t.alias?.columns);
        const info = this.env.catalog.getTable(database, t.name.name);
        if (!info) throw new TableNotFoundError(`${database}.${t.name.name}`);
        // Unaliased, the columns also answer to `db.table.col` (and only with this db).
        // (Built as literals, not spread copies: a wide table's scan makes one per column per statement.)
        const fields: Field[] = t.alias
          ? info.schema.columns.map((c) => ({ id: newFieldId(), name: c.name, type: c.type, qualifier: alias }))
          : info.schema.columns.map((c) => ({ id: newFieldId(), name: c.name, type: c.type, qualifier: alias, qualifierDatabase: database }));
        return { plan: { k: 'scan', table: info, alias, fields, predicates: [] }, fields };
      }
      case 'DerivedTable': {
        const b = this.bindQuery(t.query, ctes);
        return this.aliased(b.plan, b.fields, t.alias?.name ?? '__subquery', t.alias?.columns);
      }
      case 'Join': {
        const l = this.bindTableRef(t.left, ctes);
        const r = this.bindTableRef(t.right, ctes);
        const fields = [...l.fields, ...r.fields];
        const ctx: Ctx = { scope: fields, ctes };
        let on: BExpr | undefined;
        let using = t.using;
        if (t.natural) using = l.fields.filter((f) => r.fields.some((g) => g.name === f.name)).map((f) => f.name);
        if (using) {
          const conds: BExpr[] = using.map((n) => {
            const lf = l.fields.find((f) => f.name === n);
            const rf = r.fields.find((f) => f.name === n);
            if (!lf || !rf) throw new UnknownColumnError(n, fieldNames(lf ? r.fields : l.fields));
            return this.binary('=', { k: 'col', id: lf.id, type: lf.type, name: lf.name }, { k: 'col', id: rf.id, type: rf.type, name: rf.name });
          });
          on = conds.reduce((a, c) => this.binary('AND', a, c));
        } else if (t.on) {
          on = this.bindExpr(t.on, ctx);
          this.expectBool(on, 'JOIN ON');
        }
        const type = t.joinType === 'INNER' ? 'inner' : t.joinType === 'LEFT' ? 'left' : t.joinType === 'RIGHT' ? 'right' : t.joinType === 'FULL' ? 'full' : 'cross';
        if (type !== 'cross' && !on) throw new PlanError(`${t.joinType} JOIN needs ON or USING`);
        const { equi, rest } = splitJoinCondition(on, new Set(l.fields.map((f) => f.id)), new Set(r.fields.map((f) => f.id)));
        const plan: Plan = { k: 'join', left: l.plan, right: r.plan, type: type === 'cross' && on ? 'inner' : type, equi, ...(rest ? { on: rest } : {}) };
        return using?.length ? this.mergeUsing(plan, l.fields, r.fields, using, type) : { plan, fields };
      }
    }
  }

  /**
   * The columns of JOIN ... USING (and NATURAL JOIN) appear once, as SQL
   * has it: an unqualified `k` and `SELECT *` see one `k` (the left side's;
   * the right side's for a RIGHT join; coalesce(left, right) for a FULL
   * join), while `t.k` and `u.k` still name each side. The other copies stay
   * in scope as hidden fields (`t.*` still lists its own).
   */
  private mergeUsing(plan: Plan, left: readonly Field[], right: readonly Field[], using: readonly string[], type: string): { plan: Plan; fields: Field[] } {
    const names = new Set(using);
    const hide = (f: Field): Field => ({ ...f, hidden: true, merged: true });
    const col = (f: Field): BExpr => ({ k: 'col', id: f.id, type: f.type, name: f.name });
    if (type !== 'full') {
      const keep = type === 'right' ? 'right' : 'left';
      return { plan, fields: [...left.map((f) => (keep === 'right' && names.has(f.name) ? hide(f) : f)), ...right.map((f) => (keep === 'left' && names.has(f.name) ? hide(f) : f))] };
    }
    const fields: Field[] = [];
    const exprs: Array<{ expr: BExpr; out: Field }> = [];
    for (const f of left) {
      const g = names.has(f.name) ? right.find((x) => x.name === f.name) : undefined;
      if (g) {
        const lc = this.coerceTo(col(f), commonType([f.type, g.type]) ?? f.type);
        const rc = this.coerceTo(col(g), lc.type);
        const merged = newField(f.name, lc.type);
        exprs.push({ expr: { k: 'case', whens: [{ when: { k: 'is', arg: lc, test: 'NULL', not: true, type: BOOL }, then: lc }], else: rc, type: lc.type }, out: merged });
        fields.push(merged);
        fields.push(hide(f));
      } else {
        fields.push(f);
      }
      exprs.push({ expr: col(f), out: f });
    }
    for (const g of right) {
      fields.push(names.has(g.name) ? hide(g) : g);
      exprs.push({ expr: col(g), out: g });
    }
    return { plan: { k: 'project', input: plan, exprs }, fields };
  }

  /**
   * A view's query bound as a read of the view binds it (CREATE VIEW checks a
   * new definition so; DESCRIBE lists the columns). `annotate` false leaves
   * errors as they are (a view being created is not yet anyone's to name).
   */
  bindViewQuery(view: ViewInfo, annotate = true): { plan: Plan; fields: Field[] } {
    return this.bindView(view, view.name, undefined, annotate);
  }

  /**
   * A view read as a derived table: its query text parsed (cached) and bound
   * here, in the view's database and against its own text (select items are
   * named after it), so predicates on the view reach the scans under it as
   * they reach those of any subquery. A table or column the query reads that
   * is gone fails here, naming the view.
   */
  private bindView(view: ViewInfo, alias: string, aliasColumns?: readonly string[], annotate = true): { plan: Plan; fields: Field[] } {
    const key = `${view.database}.${view.name}`;
    const scope = this.viewScope;
    if (scope.stack.includes(key)) throw new PlanError(`view ${key} refers to itself: ${[...scope.stack.slice(scope.stack.indexOf(key)), key].join(' -> ')}`);
    let b: { plan: Plan; fields: Field[] };
    scope.stack.push(key);
    try {
      const query = viewQuery(view);
      scope.used.push({ info: view, query });
      const own = this.env.session;
      const session = own.database === view.database ? own : Object.assign(Object.create(own) as typeof own, { database: view.database });
      const { tqlCte: _outer, ...env } = this.env;
      b = new Binder({ ...env, session, text: view.query, params: [] }, scope).bindQuery(query);
      // The view's columns are those its query had at creation (a `*` over a table that gained
      // columns since gives no more), found again by name.
      const fixed = view.queryColumns;
      if (fixed && (fixed.length !== b.fields.length || fixed.some((n, i) => b.fields[i]!.name !== n))) {
        const visible = b.fields;
        const picked = fixed.map((n) => {
          const f = visible.find((x) => x.name === n);
          if (!f) throw new PlanError(`view ${key} reads column ${n}, which its query no longer gives`);
          return f;
        });
        const out = picked.map((f) => newField(f.name, f.type));
        b = { plan: { k: 'project', input: b.plan, exprs: picked.map((f, i) => ({ expr: { k: 'col', id: f.id, type: f.type, name: f.name } as BExpr, out: out[i]! })) }, fields: out };
      }
      if (view.columns && view.columns.length !== b.fields.length) {
        throw new PlanError(`view ${key} names ${view.columns.length} columns but its query gives ${b.fields.length}`);
      }
    } catch (err) {
      if (err instanceof StrataError && !viewErrors.has(err) && annotate) {
        viewErrors.add(err);
        err.message += ` (in view ${key}, defined as: ${view.query}; CREATE OR REPLACE VIEW redefines it)`;
      }
      throw err;
    } finally {
      scope.stack.pop();
    }
    const names = b.fields.map((f, i) => aliasColumns?.[i] ?? view.columns?.[i] ?? f.name);
    return this.aliased(b.plan, b.fields, alias, names);
  }

  private aliased(plan: Plan, fields: readonly Field[], alias: string, columns?: readonly string[], keepName = false): { plan: Plan; fields: Field[] } {
    const out = fields.map((f, i) => newField(columns?.[i] ?? f.name, f.type, alias));
    void keepName;
    return { plan: { k: 'project', input: plan, exprs: fields.map((f, i) => ({ expr: { k: 'col', id: f.id, type: f.type, name: f.name }, out: out[i]! })) }, fields: out };
  }

  // ---------------------------------------------------------------- aggregates & windows

  private isAggregateCall(e: ast.FunctionCall): boolean {
    if (e.over) return false;
    const fn = this.env.registry.lookup(e.name);
    return fn?.kind === 'aggregate';
  }

  private collectAggregates(e: ast.Expr, out: ast.FunctionCall[]): void {
    visitAst(e, (x) => {
      if (x.kind === 'FunctionCall' && this.isAggregateCall(x)) { out.push(x); return false; }
      if (x.kind === 'SubqueryExpr' || x.kind === 'ExistsExpr' || x.kind === 'InSubqueryExpr') return false;
      if (x.kind === 'FunctionCall' && x.over) {
        // aggregates inside a window call's arguments still count
        return true;
      }
      return true;
    });
  }

  private collectWindows(e: ast.Expr, out: ast.FunctionCall[]): void {
    visitAst(e, (x) => {
      if (x.kind === 'FunctionCall' && x.over) { out.push(x); return false; }
      if (x.kind === 'SubqueryExpr' || x.kind === 'ExistsExpr' || x.kind === 'InSubqueryExpr') return false;
      return true;
    });
  }

  private bindAggregate(call: ast.FunctionCall, ctx: Ctx, outName?: string): AggCall {
    const a = withinGroupCall(call);
    const fn = this.env.registry.lookup(a.name) as AggregateFunction<any>;
    const args = a.args.length === 1 && a.args[0]!.kind === 'Wildcard' ? [] : a.args.map((x) => this.bindExpr(x, ctx));
    for (const x of args) this.noAggregatesInside(x);
    const { args: cargs, returnType } = this.checkCall(fn, args, a.name);
    let filter = a.filter ? this.bindExpr(a.filter, ctx) : undefined;
    // first_value(x) IGNORE NULLS as an aggregate is first_value(x) FILTER (WHERE x IS NOT NULL).
    if (this.ignoresNulls(a, false) && cargs[0]) {
      const notNull: BExpr = { k: 'is', arg: cargs[0], test: 'NULL', not: true, type: BOOL };
      filter = filter ? { k: 'bin', op: 'AND', left: filter, right: notNull, type: BOOL } : notNull;
    }
    const orderBy = a.orderBy?.map((o) => ({ expr: this.bindExpr(o.expr, ctx), desc: o.desc, nullsFirst: o.nulls ? o.nulls === 'FIRST' : o.desc }));
    return { fn, args: cargs, distinct: a.distinct, ...(filter ? { filter } : {}), ...(orderBy ? { orderBy } : {}), out: newField(outName ?? this.textOf(call), returnType) };
  }

  /**
   * Whether a call says IGNORE NULLS. Only lag, lead, first_value, last_value and nth_value
   * (as window functions; first_value and last_value also as aggregates) take a null
   * treatment, as in DataFusion; anywhere else it is an error rather than silently dropped.
   */
  private ignoresNulls(c: ast.FunctionCall, window: boolean): boolean {
    if (!c.nullTreatment) return false;
    const ok = window ? NULL_TREATMENT_WINDOW.has(c.name) : c.name === 'first_value' || c.name === 'last_value';
    if (!ok) {
      const which = window ? 'lag, lead, first_value, last_value and nth_value' : 'first_value and last_value (and lag, lead, nth_value with OVER)';
      throw new PlanError(`${c.nullTreatment} is not supported for ${c.name}: only ${which} take it`);
    }
    return c.nullTreatment === 'IGNORE NULLS';
  }

  private noAggregatesInside(_e: BExpr): void { /* nested aggregates are rejected when binding (no replace map in the pre-agg scope) */ }

  private bindWindow(w: ast.FunctionCall, ctx: Ctx, named: readonly ast.NamedWindow[]): WinCall {
    const fn = this.env.registry.lookup(w.name);
    if (!fn) throw new PlanError(`Invalid function '${w.name}'`);
    if (fn.kind === 'scalar') throw new PlanError(`${w.name} is not an aggregate or window function and cannot be used with OVER`);
    // Not evaluated over window frames: refused rather than silently dropped.
    if (w.distinct) throw new PlanError(`DISTINCT is not supported in window aggregates (${w.name}(DISTINCT ...) OVER ...)`);
    if (w.filter) throw new PlanError(`FILTER is not supported in window aggregates (${w.name}(...) FILTER (WHERE ...) OVER ...)`);
    if (w.orderBy?.length) throw new PlanError(`ORDER BY inside ${w.name}(...) is not supported with OVER; put it in the window (OVER (ORDER BY ...))`);
    let spec = w.over!;
    if (spec.name) {
      const base = named.find((n) => n.name === spec.name);
      if (!base) throw new PlanError(`window '${spec.name}' is not defined`);
      spec = { ...base.spec, ...(spec.partitionBy.length ? { partitionBy: spec.partitionBy } : {}), ...(spec.orderBy.length ? { orderBy: spec.orderBy } : {}), ...(spec.frame ? { frame: spec.frame } : {}) };
    }
    const args = w.args.length === 1 && w.args[0]!.kind === 'Wildcard' ? [] : w.args.map((x) => this.bindExpr(x, ctx));
    const { args: cargs, returnType } = this.checkCall(fn, args, w.name);
    const partitionBy = spec.partitionBy.map((e) => this.bindExpr(e, ctx));
    const orderBy = spec.orderBy.map((o) => ({ expr: this.bindExpr(o.expr, ctx), desc: o.desc, nullsFirst: o.nulls ? o.nulls === 'FIRST' : o.desc }));
    let frame: FrameSpec | undefined;
    if (spec.frame) {
      const bound = (b: ast.FrameBound): FrameSpec['start'] => {
        switch (b.kind) {
          case 'UnboundedPreceding': case 'UnboundedFollowing': return { kind: 'unbounded' };
          case 'CurrentRow': return { kind: 'current' };
          case 'Preceding': case 'Following': {
            const kind = b.kind === 'Preceding' ? 'preceding' as const : 'following' as const;
            const v = this.bindExpr(b.offset, { scope: [], ctes: new Map() });
            if (v.k === 'lit' && v.type.name === 'IntervalMonthDayNano') {
              const iv = v.value as { months: number; days: number; nanos: bigint };
              if (iv.months) throw new PlanError('frame offsets cannot use months or years');
              return { kind, offsetNanos: BigInt(iv.days) * 86_400_000_000_000n + iv.nanos };
            }
            if (v.k === 'lit' && typeof v.value === 'string') return { kind, offsetNanos: this.durationNanos(b.offset, 'frame offset') };
            return { kind, offset: this.constInt(b.offset, 'frame offset') };
          }
        }
      };
      const st = bound(spec.frame.start);
      const en = bound(spec.frame.end);
      if (spec.frame.units === 'GROUPS' && (st.offsetNanos !== undefined || en.offsetNanos !== undefined)) throw new PlanError('GROUPS frame offsets must be integers');
      if (spec.frame.units === 'GROUPS' && orderBy.length === 0) throw new PlanError('GROUPS frames need an ORDER BY');
      if (spec.frame.units === 'RANGE' && orderBy.length !== 1 && [st, en].some((b) => b.offset !== undefined || b.offsetNanos !== undefined)) {
        throw new PlanError('RANGE frames with an offset need exactly one ORDER BY column');
      }
      // Where a bound sits: 0 unbounded preceding .. 2 current row .. 4 unbounded following.
      const place = (b: ast.FrameBound): number => ({ UnboundedPreceding: 0, Preceding: 1, CurrentRow: 2, Following: 3, UnboundedFollowing: 4 } as Record<string, number>)[b.kind]!;
      const ps = place(spec.frame.start); const pe = place(spec.frame.end);
      if (ps === 4 || pe === 0 || ps > pe) {
        throw new PlanError(`invalid window frame: it starts at ${frameBoundText(spec.frame.start)} and ends at ${frameBoundText(spec.frame.end)}`);
      }
      const ex = spec.frame.exclude;
      frame = {
        units: spec.frame.units === 'ROWS' ? 'rows' : spec.frame.units === 'GROUPS' ? 'groups' : 'range',
        start: spec.frame.start.kind === 'UnboundedFollowing' ? { kind: 'unbounded' } : st,
        end: en,
        ...(ex === 'CURRENT ROW' ? { exclude: 'current' as const } : ex === 'GROUP' ? { exclude: 'group' as const } : ex === 'TIES' ? { exclude: 'ties' as const } : {}),
      };
      // Mark which unbounded side: start unbounded = preceding, end unbounded = following.
    }
    const ignoreNulls = this.ignoresNulls(w, true);
    return {
      fn: fn as WindowFunction | AggregateFunction<any>, args: cargs, partitionBy, orderBy, ...(frame ? { frame } : {}), ...(ignoreNulls ? { ignoreNulls } : {}),
      out: newField(this.textOf(w), returnType),
    };
  }

  // ---------------------------------------------------------------- range queries

  private bindRangeSelect(s: ast.Select, q: ast.Query | undefined, input: Plan, scope: Field[], ctes: ReadonlyMap<string, { plan: Plan; fields: Field[] }>): { plan: Plan; fields: Field[] } {
    const align = s.align!;
    const scan = findScan(input);
    if (!scan) throw new PlanError('a range query (ALIGN) needs a table in FROM');
    const base: Ctx = { scope, ctes };
    const tsField = scope.find((f) => f.name === scan.table.schema.timeIndex && f.qualifier === scan.alias) ?? scope.find((f) => f.name === scan.table.schema.timeIndex);
    if (!tsField) throw new PlanError('range query: the time index is not visible');
    const alignNanos = this.durationNanos(align.interval, 'ALIGN');
    // Without TO, slots start at the session zone's offset from the epoch, as GreptimeDB aligns
    // them ('Asia/Shanghai': 08:00 UTC for ALIGN '1d'); TO CALENDAR is the epoch itself.
    let alignToNanos = align.to ? 0n : BigInt(zoneOffsetMs(this.env.session.timezone, 0)) * 1_000_000n;
    if (align.to?.kind === 'AlignToNow') alignToNanos = BigInt(Date.now()) * 1_000_000n;
    else if (align.to?.kind === 'AlignToExpr') {
      const e = this.bindExpr(align.to.expr, { scope: [], ctes });
      if (e.k !== 'lit') throw new PlanError('ALIGN TO must be a constant');
      alignToNanos = typeof e.value === 'string' ? this.tsLiteralNanos(e.value) : isTimestamp(e.type) ? BigInt(e.value as bigint) * (1_000_000_000n / unitsPerSecond(e.type)) : BigInt(e.value as number) * 1_000_000n;
    }
    const byExprs: ast.Expr[] | undefined = align.by ? [...align.by] : undefined;
    const by: Array<{ expr: BExpr; out: Field }> = [];
    const replace = new Map<string, Field>();
    const groupCols = new Map<number, Field>();
    if (byExprs) {
      for (const e of byExprs) {
        const x = this.bindExpr(e, base);
        const out = newField(x.k === 'col' ? x.name : this.textOf(e), x.type);
        by.push({ expr: x, out });
        replace.set(exprKey(e), out);
        if (x.k === 'col') groupCols.set(x.id, out);
      }
    } else {
      for (const k of scan.table.schema.primaryKey) {
        const f = scope.find((x) => x.name === k)!;
        const out = newField(f.name, f.type);
        by.push({ expr: { k: 'col', id: f.id, type: f.type, name: f.name }, out });
        groupCols.set(f.id, out);
      }
    }
    const tsOut = newField(tsField.name, tsField.type);
    groupCols.set(tsField.id, tsOut);
    const calls: RangeCall[] = [];
    const defaultFill = align.fill ? this.bindFill(align.fill) : undefined;
    const rangeKeys = new Map<ast.RangeExpr, string>();
    for (const it of s.items) {
      if (it.kind !== 'SelectExprItem') continue;
      visitAst(it.expr, (x) => {
        if (x.kind !== 'RangeExpr') return true;
        const rangeNanos = this.durationNanos(x.range, 'RANGE');
        const fill = x.fill ? this.bindFill(x.fill) : defaultFill;
        const rk = `${rangeNanos}@${JSON.stringify(fill ?? null, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`;
        rangeKeys.set(x, rk);
        visitAst(x.expr, (y) => { if (y.kind === 'RangeExpr') throw new PlanError('a RANGE expression cannot be nested in another RANGE expression'); return true; });
        const aggs: ast.FunctionCall[] = [];
        this.collectAggregates(x.expr, aggs);
        if (aggs.length === 0) {
          visitAst(x.expr, (y) => {
            if (y.kind === 'FunctionCall' && !this.env.registry.lookup(y.name)) throw new PlanError(`Invalid function '${y.name}' (not a built-in or registered function)`);
            if (y.kind === 'FunctionCall' && y.over) throw new PlanError('window functions are not allowed in a RANGE expression');
            return true;
          });
          throw new PlanError('a RANGE expression must contain an aggregate');
        }
        for (const a of aggs) {
          const key = `${exprKey(a)}@${rk}`;
          if (replace.has(key)) continue;
          let call = this.bindAggregate(a, base, `${this.textOf(x)}`);
          // FILL LINEAR interpolates, so its values are floats (GreptimeDB does the same).
          if (fill?.kind === 'linear' && !isNumeric(call.out.type)) throw new PlanError(`FILL LINEAR needs a numeric aggregate; ${this.textOf(a)} is ${call.out.type.name}`);
          if (fill?.kind === 'linear' && call.out.type.name !== 'Float64' && call.out.type.name !== 'Decimal128') call = { ...call, out: newField(call.out.name, F64) };
          calls.push({ agg: call, rangeNanos, ...(fill ? { fill: this.fillFor(fill, call.out.type, this.textOf(a)) } : {}) });
          replace.set(key, call.out);
        }
        return false;
      });
    }
    if (calls.length === 0) throw new PlanError('a range query needs at least one RANGE expression');
    let plan: Plan = {
      k: 'range', input, ts: { k: 'col', id: tsField.id, type: tsField.type, name: tsField.name }, by, calls, alignNanos, alignToNanos, tsOut,
      ...(defaultFill ? { fill: defaultFill } : {}),
    };
    const rscope = [tsOut, ...by.map((b) => b.out), ...calls.map((c) => c.agg.out)];
    const ctx: Ctx = { scope: rscope, replace, groupCols, preAggScope: scope, ctes, rangeKeys };
    const exprs: Array<{ expr: BExpr; out: Field }> = [];
    for (const it of s.items) {
      if (it.kind === 'Wildcard') throw new PlanError('SELECT * is not allowed in a range query');
      const expr = this.bindExpr(it.expr, ctx);
      const name = it.alias ?? (it.expr.kind === 'ColumnRef' ? it.expr.name : this.textOf(it.expr));
      exprs.push({ expr, out: newField(name, expr.type) });
    }
    const visible = exprs.map((e) => e.out);
    const orderBy = q?.orderBy ?? [];
    if (orderBy.length) {
      const hidden = rscope.filter((f) => !exprs.some((e) => e.out.id === f.id)).map((f) => ({ expr: { k: 'col', id: f.id, type: f.type, name: f.name } as BExpr, out: { ...f, hidden: true } }));
      plan = { k: 'project', input: plan, exprs: [...exprs, ...hidden] };
      const aliasMap = new Map<string, BExpr>(visible.map((f) => [f.name, { k: 'col', id: f.id, type: f.type, name: f.name }]));
      const keys = orderBy.map((o) => this.sortKey(o, { ...ctx, aliases: aliasMap }, visible));
      plan = { k: 'sort', input: plan, keys };
      if (q) plan = this.applyLimit(plan, q);
      plan = { k: 'project', input: plan, exprs: visible.map((f) => ({ expr: { k: 'col', id: f.id, type: f.type, name: f.name }, out: f })) };
    } else {
      plan = { k: 'project', input: plan, exprs };
      if (q) plan = this.applyLimit(plan, q);
    }
    return { plan, fields: visible };
  }

  /**
   * A FILL constant as a value of the aggregate's type, read as GreptimeDB
   * does (its text cast to that type): FILL 3.0 on an integer aggregate, or
   * FILL 'abc' on a number, is an error rather than 3 or a raw exception.
   */
  private fillFor(fill: NonNullable<RangeCall['fill']>, type: DataType, what: string): NonNullable<RangeCall['fill']> {
    if (fill.kind !== 'value' || fill.value === null || fill.value === undefined || type.name === 'Decimal128') return fill;
    const text = typeof fill.value === 'string' ? fill.value : fill.text ?? String(fill.value);
    try {
      return { kind: 'value', value: castValue(text, STR, type, this.env.session.timezone) };
    } catch (err) {
      throw new PlanError(`${text} is not a valid fill option for ${what} (${type.name}): ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private bindFill(f: ast.FillOption): RangeCall['fill'] {
    switch (f.kind) {
      case 'FillNull': return { kind: 'null' };
      case 'FillPrev': return { kind: 'prev' };
      case 'FillLinear': return { kind: 'linear' };
      case 'FillValue': {
        const v = this.bindExpr(f.value, { scope: [], ctes: new Map() });
        if (v.k !== 'lit') throw new PlanError('FILL value must be a constant');
        return { kind: 'value', value: v.value, ...(typeof v.value === 'string' ? {} : { text: this.textOf(f.value) }) };
      }
    }
  }

  private durationNanos(e: ast.Expr, what: string): bigint {
    if (e.kind === 'StringLiteral') {
      const ms = parseDurationMs(e.value);
      if (ms === undefined || ms <= 0) throw new PlanError(`${what} duration must be positive, got '${e.value}'`);
      return BigInt(Math.round(ms * 1_000_000));
    }
    let b = this.bindExpr(e, { scope: [], ctes: new Map() });
    // ('1 hour'::INTERVAL): the cast of text is folded here.
    if (b.k === 'cast' && b.type.name === 'IntervalMonthDayNano' && b.arg.k === 'lit' && typeof b.arg.value === 'string') b = { k: 'lit', value: parseInterval(b.arg.value), type: b.type };
    if (b.k === 'lit' && b.type.name === 'IntervalMonthDayNano') {
      const iv = b.value as { months: number; days: number; nanos: bigint };
      if (iv.months) throw new PlanError(`${what} cannot use months or years`);
      return BigInt(iv.days) * 86_400_000_000_000n + iv.nanos;
    }
    throw new PlanError(`${what} must be a duration string like '5m' or an INTERVAL`);
  }

  /** A timestamp string (ALIGN TO), in the session's time zone unless it names an offset. */
  private tsLiteralNanos(s: string): bigint {
    try {
      return parseTimestampNanos(s, this.env.session.timezone);
    } catch {
      throw new PlanError(`ALIGN TO: invalid timestamp '${s}' (expected e.g. '2024-01-01T00:00:00Z', NOW or CALENDAR)`);
    }
  }

  // ---------------------------------------------------------------- expressions

  textOf(e: ast.Expr | ast.FunctionCall): string {
    let t = this.env.text.slice(e.span.start, e.span.end);
    // Some parser spans of calls start at the parenthesis; name them fully.
    // (Only those: EXTRACT(hour FROM ts) is a date_part call whose own text names it.)
    if (e.kind === 'FunctionCall' && t.startsWith('(')) t = `${e.name}${t}`;
    return t || e.kind;
  }

  /** The field `ref` names in `scope`; undefined when none does, null when it is ambiguous. No throwing: binding probes scopes often. */
  private lookup(ref: ast.ColumnRef, scope: readonly Field[]): Field | undefined | null {
    let hit: Field | undefined;
    let many: Field[] | undefined;
    for (let pass = 0; pass < 2 && hit === undefined; pass++) {
      const ci = pass === 1;
      if (ci && ref.quoted) break;
      const name = ci ? ref.name.toLowerCase() : ref.name;
      const table = ci && ref.table ? ref.table.toLowerCase() : ref.table;
      for (const f of scope) {
        if ((ci ? f.name.toLowerCase() : f.name) !== name) continue;
        if (ref.table && f.qualifier !== ref.table && !(ci && f.qualifier?.toLowerCase() === table)) continue;
        // `db.t.col`: a table column of another database does not match (an alias has none).
        if (ref.database && f.qualifierDatabase !== undefined && f.qualifierDatabase !== ref.database && !(ci && f.qualifierDatabase.toLowerCase() === ref.database.toLowerCase())) continue;
        if (hit === undefined) hit = f;
        else (many ??= [hit]).push(f);
      }
    }
    if (many) {
      const visible = many.filter((f) => !f.hidden);
      if (visible.length === 1) return visible[0]!;
      if (many.every((f) => f.id === many[0]!.id)) return many[0]!;
      return null;
    }
    return hit;
  }

  private tryResolve(ref: ast.ColumnRef, scope: readonly Field[]): Field | undefined {
    return this.lookup(ref, scope) ?? undefined;
  }

  private resolveIn(ref: ast.ColumnRef, scope: readonly Field[]): Field {
    const f = this.lookup(ref, scope);
    const shown = `${ref.database ? `${ref.database}.` : ''}${ref.table ? `${ref.table}.` : ''}${ref.name}`;
    if (f === null) throw new PlanError(`Ambiguous reference to column ${shown} (qualify it with a table name)`);
    if (f === undefined) throw new UnknownColumnError(shown, fieldNames(scope));
    return f;
  }

  private resolveColumnRef(ref: ast.ColumnRef, ctx: Ctx): BExpr {
    const col = (f: Field): BExpr => ({ k: 'col', id: f.id, type: f.type, name: f.name });
    if (ctx.groupCols && ctx.preAggScope) {
      // Post-aggregation: an input column must be a group key.
      const inPre = this.tryResolve(ref, ctx.preAggScope);
      if (inPre) {
        const g = ctx.groupCols.get(inPre.id);
        if (g) return col(g);
        if (!ref.table && ctx.aliases?.has(ref.name)) return ctx.aliases.get(ref.name)!;
        throw new PlanError(`Column ${ref.name} must appear in the GROUP BY clause or be used in an aggregate function`);
      }
      const other = this.tryResolve(ref, ctx.scope);
      if (other) return col(other);
      if (!ref.table && ctx.aliases?.has(ref.name)) return ctx.aliases.get(ref.name)!;
      this.resolveIn(ref, ctx.preAggScope);
    }
    const scopeHit = this.tryResolve(ref, ctx.scope);
    if (!scopeHit && !ref.table && ctx.aliases?.has(ref.name)) return ctx.aliases.get(ref.name)!;
    if (scopeHit) return col(scopeHit);
    try {
      return col(this.resolveIn(ref, ctx.scope));
    } catch (err) {
      // A correlated reference to the directly enclosing query.
      const outer = this.outerScopes[this.outerScopes.length - 1];
      const f = outer && err instanceof UnknownColumnError ? this.tryResolve(ref, outer.scope) : undefined;
      if (!f) throw err;
      outer!.refs.set(f.id, f);
      return { k: 'outer', id: f.id, type: f.type, name: f.name };
    }
  }

  bindExpr(e: ast.Expr, ctx: Ctx): BExpr {
    if (ctx.replace) {
      const key = exprKey(e);
      const hit = (ctx.rangeKey !== undefined ? ctx.replace.get(`${key}@${ctx.rangeKey}`) : undefined) ?? ctx.replace.get(key);
      if (hit) return { k: 'col', id: hit.id, type: hit.type, name: hit.name };
    }
    switch (e.kind) {
      case 'NumberLiteral':
        if (e.isInteger) return integerLiteral(BigInt(e.value));
        return { k: 'lit', value: Number(e.value), type: F64 };
      case 'StringLiteral': return { k: 'lit', value: e.value, type: STR };
      case 'BinaryLiteral': return { k: 'lit', value: hexBytes(e.hex), type: { name: 'Binary' } };
      case 'BooleanLiteral': return { k: 'lit', value: e.value, type: BOOL };
      case 'NullLiteral': return { k: 'lit', value: null, type: NULL_T };
      case 'IntervalLiteral': return { k: 'lit', value: parseIntervalChecked(e.value, e.unit), type: INTERVAL_T };
      case 'TypedLiteral': {
        if (e.type.name === 'INTERVAL') return { k: 'lit', value: parseIntervalChecked(e.value), type: INTERVAL_T };
        // TIMESTAMP '...' keeps every digit it is given (nanoseconds, as DataFusion types it); a
        // TIMESTAMP(p) column type without p means milliseconds, but a literal is not a column.
        // Like GreptimeDB, the text of a TIMESTAMP literal is trimmed and its inner runs of
        // blanks read as one: TIMESTAMP '  2017-07-23    13:10:11 ' is 2017-07-23 13:10:11.
        if (e.type.name === 'TIMESTAMP' && !e.type.args?.length) return this.cast({ k: 'lit', value: e.value.trim().split(/\s+/).join(' '), type: STR }, { name: 'TimestampNanosecond' });
        return this.cast({ k: 'lit', value: e.value, type: STR }, toDataType(e.type));
      }
      case 'ColumnRef': return this.resolveColumnRef(e, ctx);
      case 'Wildcard': throw new PlanError('* is only allowed in a select list or count(*)');
      case 'Placeholder': {
        if (e.index < 1 || e.index > this.env.params.length) throw new PlanError(`no value for placeholder ${e.text} (${this.env.params.length} given)`);
        return literalOf(this.env.params[e.index - 1]);
      }
      case 'SessionVariable': {
        if (e.user) return literalOf(this.env.session.variables.get(`@${e.name}`) ?? null);
        return literalOf(this.env.variable(e.name));
      }
      case 'UnaryExpr': {
        const a = this.bindExpr(e.operand, ctx);
        if (e.op === 'NOT') { this.expectBool(a, 'NOT'); return { k: 'not', arg: a, type: BOOL }; }
        if (e.op === '+') return a;
        if (e.op === '-') {
          if (a.k === 'lit' && typeof a.value === 'bigint' && (a.type.name === 'Int64' || a.type.name === 'UInt64')) return integerLiteral(-a.value);
          if (a.k === 'lit' && typeof a.value === 'bigint') return { k: 'lit', value: -a.value, type: a.type };
          if (a.k === 'lit' && typeof a.value === 'number') return { k: 'lit', value: -a.value, type: a.type };
          if (!isNumeric(a.type) && a.type.name !== 'Null' && a.type.name !== 'IntervalMonthDayNano') throw new PlanError(`cannot negate a ${a.type.name}`);
          const t = isInteger(a.type) ? I64 : a.type.name === 'Null' ? I64 : a.type.name === 'IntervalMonthDayNano' || a.type.name === 'Decimal128' ? a.type : F64;
          return { k: 'neg', arg: this.coerceTo(a, t), type: t };
        }
        throw new PlanError(`unsupported unary operator ${e.op}`);
      }
      case 'BinaryExpr': {
        const l = this.bindExpr(e.left, ctx);
        const r = this.bindExpr(e.right, ctx);
        if (e.op === 'XOR') return this.binary('<>', this.coerceTo(l, BOOL), this.coerceTo(r, BOOL));
        return this.binary(e.op as BinaryOp, l, r);
      }
      case 'IsExpr': {
        const a = this.bindExpr(e.expr, ctx);
        const test = e.test === 'UNKNOWN' ? 'NULL' : e.test;
        return { k: 'is', arg: a, test, not: e.not, type: BOOL };
      }
      case 'BetweenExpr': {
        const a = this.bindExpr(e.expr, ctx);
        const lo = this.binary('>=', a, this.bindExpr(e.low, ctx));
        const hi = this.binary('<=', a, this.bindExpr(e.high, ctx));
        const both = this.binary('AND', lo, hi);
        return e.not ? { k: 'not', arg: both, type: BOOL } : both;
      }
      case 'InListExpr': {
        const a = this.bindExpr(e.expr, ctx);
        const raw = e.list.map((x) => this.bindExpr(x, ctx));
        if (isTimestamp(a.type) && raw.some((x) => this.offTickText(x, a.type))) {
          // Text finer than the column (ms_col IN ('... .0000001')) would be truncated onto a tick and
          // match it, where ms_col = '...' does not: compare at nanoseconds instead.
          const ns: DataType = { name: 'TimestampNanosecond' };
          return { k: 'in', arg: this.coerceTo(a, ns), list: raw.map((x) => this.coerceLiteralFor(x, ns)), not: e.not, type: BOOL };
        }
        const list = raw.map((x) => this.coerceLiteralFor(x, a.type));
        if (a.type.name === 'Decimal128' || list.some((x) => x.type.name === 'Decimal128')) {
          // Set membership compares unscaled values: everything at one scale (or all Float64).
          const all = [a, ...list].map((x) => (x.type.name === 'Null' ? x : this.asDecimal(x)));
          if (all.every((x) => x !== undefined)) {
            const scale = Math.max(...all.map((x) => x!.type.scale ?? 0));
            const to = (x: BExpr): BExpr => (x.type.name === 'Null' || (x.type.scale ?? 0) === scale ? x
              : this.cast(x, { name: 'Decimal128', precision: Math.min(38, (x.type.precision ?? 38) - (x.type.scale ?? 0) + scale), scale }));
            return { k: 'in', arg: to(all[0]!), list: all.slice(1).map((x) => to(x!)), not: e.not, type: BOOL };
          }
          const f = (x: BExpr) => (x.type.name === 'Decimal128' ? this.cast(x, F64) : x);
          return { k: 'in', arg: f(a), list: list.map(f), not: e.not, type: BOOL };
        }
        return { k: 'in', arg: a, list, not: e.not, type: BOOL };
      }
      case 'InSubqueryExpr': {
        const a = this.bindExpr(e.expr, ctx);
        const sub = this.bindSubquery(e.query, ctx);
        const what = e.quantified ? `${e.quantified.op} ${e.quantified.all ? 'ALL' : 'ANY'} (subquery)` : 'IN (subquery)';
        if (sub.fields.length !== 1) throw new PlanError(`${what} must return one column`);
        // Membership and quantified comparisons look values up at one type, as `=` would compare them.
        const t = coerceForCompare(a.type, sub.fields[0]!.type);
        return {
          k: 'insub', arg: this.coerceTo(a, t), plan: this.castProject(sub.plan, sub.fields, [t]), not: e.not, type: BOOL,
          ...(sub.outer ? { outer: sub.outer } : {}), ...(e.quantified ? { quantified: e.quantified } : {}),
        };
      }
      case 'ExistsExpr': {
        const sub = this.bindSubquery(e.query, ctx);
        return { k: 'exists', plan: sub.plan, not: e.not, type: BOOL, ...(sub.outer ? { outer: sub.outer } : {}) };
      }
      case 'SubqueryExpr': {
        const sub = this.bindSubquery(e.query, ctx);
        if (sub.fields.length !== 1) throw new PlanError('a scalar subquery must return one column');
        return { k: 'subquery', plan: sub.plan, type: sub.fields[0]!.type, ...(sub.outer ? { outer: sub.outer } : {}) };
      }
      case 'LikeExpr': {
        const a = this.bindExpr(e.expr, ctx);
        const p = this.bindExpr(e.pattern, ctx);
        let escape: string | undefined;
        if (e.escape) {
          const x = this.bindExpr(e.escape, ctx);
          if (x.k !== 'lit' || typeof x.value !== 'string' || x.value.length > 1) throw new PlanError('LIKE ... ESCAPE takes a single-character string (or \'\' for none)');
          escape = x.value;
        }
        return { k: 'like', arg: this.coerceTo(a, STR), pattern: this.coerceTo(p, STR), ci: e.caseInsensitive, not: e.not, ...(escape !== undefined ? { escape } : {}), type: BOOL };
      }
      case 'CaseExpr': {
        const operand = e.operand ? this.bindExpr(e.operand, ctx) : undefined;
        const whens = e.whens.map((w) => {
          const cond = operand ? this.binary('=', operand, this.bindExpr(w.when, ctx)) : this.bindExpr(w.when, ctx);
          return { when: cond, then: this.bindExpr(w.then, ctx) };
        });
        const els = e.else ? this.bindExpr(e.else, ctx) : undefined;
        const t = commonType([...whens.map((w) => w.then.type), ...(els ? [els.type] : [])]);
        const type = t.name === 'Null' ? STR : t;
        return { k: 'case', whens: whens.map((w) => ({ when: w.when, then: this.coerceTo(w.then, type) })), ...(els ? { else: this.coerceTo(els, type) } : {}), type };
      }
      case 'CastExpr': {
        // PostgreSQL's text -> oid lookup ('cpu'::regclass); on an integer (c.oid::regclass) it is the oid itself.
        if (e.type.name === 'REGCLASS') return this.bindPgSessionCall('regclass', [e.expr], ctx, e.type.name);
        const a = this.bindExpr(e.expr, ctx);
        return this.cast(a, toDataType(e.type), e.syntax === 'TRY_CAST');
      }
      case 'FunctionCall': return this.bindCall(e, ctx);
      case 'RangeExpr': {
        // Inside a range query's select item, at any depth (2 * min(v) RANGE '5s'): its aggregates
        // are the range operator's outputs for this range key.
        const rk = ctx.rangeKeys?.get(e);
        if (rk !== undefined) return this.bindExpr(e.expr, { ...ctx, rangeKey: rk });
        throw new PlanError('RANGE expressions need an ALIGN clause');
      }
      case 'RowExpr': throw new PlanError('row values are not supported here');
      case 'DefaultValue': throw new PlanError('DEFAULT is allowed only as a value of INSERT ... VALUES');
    }
  }

  private bindSubquery(q: ast.Query, ctx: Ctx): { plan: Plan; fields: Field[]; outer?: OuterRef[] } {
    const frame = { scope: ctx.scope, refs: new Map<number, Field>() };
    this.outerScopes.push(frame);
    try {
      const b = this.bindQuery(q, ctx.ctes);
      const outer = [...frame.refs.values()].map((f) => ({ id: f.id, type: f.type, name: f.name }));
      return outer.length ? { ...b, outer } : b;
    } finally {
      this.outerScopes.pop();
    }
  }

  /**
   * A PostgreSQL session function (current_setting, set_config, to_regclass, the
   * `::regclass` cast; see PG_SESSION_FUNCTIONS), evaluated here on constant
   * arguments: the value is planned as a literal.
   */
  private bindPgSessionCall(name: string, args: readonly ast.Expr[], ctx: Ctx, castType?: string): BExpr {
    const fn = PG_SESSION_FUNCTIONS.get(name)!;
    const what = castType ? `type ${castType.toLowerCase()}` : `${name}()`;
    if (this.env.session.channel !== 'postgres') throw new PlanError(`${what} exists in PostgreSQL sessions only`);
    if (args.length < fn.minArgs || args.length > fn.maxArgs) throw new PlanError(`${name}() takes ${fn.minArgs === fn.maxArgs ? fn.minArgs : `${fn.minArgs} or ${fn.maxArgs}`} arguments, got ${args.length}`);
    const bound = args.map((a) => this.bindExpr(a, ctx));
    // An integer expression cast to regclass is an oid already.
    if (castType && bound[0]!.k !== 'lit' && isInteger(bound[0]!.type)) return this.cast(bound[0]!, fn.returnType, false);
    const values = bound.map((b) => {
      if (b.k !== 'lit') throw new UnsupportedError(`${what} takes a constant (a literal or a parameter) in Strata`);
      return b.value;
    });
    const value = fn.evaluate(values.map((v) => (v === undefined ? null : v)), {
      session: this.env.session, catalog: this.env.catalog,
      systemTableExists: (schema, table) => this.env.systemTable(schema, table, table) !== undefined,
    });
    return { k: 'lit', value, type: fn.returnType };
  }

  private bindCall(e: ast.FunctionCall, ctx: Ctx): BExpr {
    const name = e.name;
    if (SPECIAL_NULLARY.has(name) && e.args.length === 0) {
      switch (name) {
        case 'database': case 'current_database': case 'schema': case 'current_schema': return { k: 'lit', value: this.env.session.database, type: STR };
        case 'version': return { k: 'lit', value: this.env.version, type: STR };
        // GreptimeDB's build(): the build information as lines of `key: value`; Strata records no git state.
        case 'build': return { k: 'lit', value: `branch: unknown\ncommit: unknown\ncommit short: unknown\ndirty: false\nversion: ${KERNEL_VERSION}`, type: STR };
        case 'user': case 'current_user': case 'session_user': case 'current_role': return { k: 'lit', value: this.env.session.user ?? 'greptime', type: STR };
        case 'connection_id': case 'pg_backend_pid': return { k: 'lit', value: BigInt(Number(this.env.session.id.replace(/\D/g, '')) || 0), type: I64 };
      }
    }
    if (this.env.session.channel === 'postgres' && PG_SESSION_FUNCTIONS.has(name)) return this.bindPgSessionCall(name, e.args, ctx);
    const fn = this.env.registry.lookup(name);
    if (!fn && ['rollup', 'cube', 'grouping'].includes(name.toLowerCase())) throw new UnsupportedError(`GROUP BY ${name.toUpperCase()}(...) is not supported: use UNION ALL of GROUP BYs`);
    if (!fn) throw new PlanError(`Invalid function '${name}' (not a built-in or registered function)`);
    if (fn.kind === 'aggregate') {
      if (e.over) throw new PlanError(`window call ${name}(...) OVER is only allowed in SELECT and ORDER BY`);
      throw new PlanError(`aggregate ${name}(...) is not allowed here (WHERE, GROUP BY, or nested inside another aggregate)`);
    }
    if (fn.kind === 'window') throw new PlanError(`window function ${name} needs an OVER clause`);
    if (e.nullTreatment) throw new PlanError(`${e.nullTreatment} is not supported for ${name}: only lag, lead, first_value, last_value and nth_value take it`);
    const args = e.args.map((a) => this.bindExpr(a, ctx));
    const { args: cargs, returnType } = this.checkCall(fn, args, name);
    return { k: 'call', fn: fn as ScalarFunction | AsyncScalarFunction, args: cargs, type: returnType };
  }

  /** Picks the first signature the arguments fit (with implicit coercions) and computes the return type. */
  private checkCall(fn: FunctionDefinition, args: BExpr[], name: string): { args: BExpr[]; returnType: DataType } {
    for (const sig of fn.signatures) {
      const n = sig.args.length;
      if (sig.variadic ? args.length < Math.max(0, n - 1) : args.length !== n) continue;
      const out: BExpr[] = [];
      let ok = true;
      for (let i = 0; i < args.length; i++) {
        const want = sig.args[Math.min(i, n - 1)]!;
        const c = this.fitArg(args[i]!, want, decimalAware(fn));
        if (!c) { ok = false; break; }
        out.push(c);
      }
      if (!ok) continue;
      // Scalar bodies see a DECIMAL as its unscaled bigint: they get one only when every numeric
      // argument has the same DECIMAL type and the result is that type (coalesce, greatest, nullif);
      // otherwise DECIMAL arguments are read as Float64 — or as their text ('95.50', scale kept, as
      // DataFusion's cast to Utf8 gives) where a text function takes any type (concat, format).
      // (arrow_typeof reads only the type: its argument stays as it is.)
      if (fn.kind === 'scalar' && fn.name !== 'arrow_typeof' && out.some((a) => a.type.name === 'Decimal128')) {
        const d = out.find((a) => a.type.name === 'Decimal128')!.type;
        const rt0 = typeof fn.returnType === 'function' ? fn.returnType(out.map((a) => a.type)) : fn.returnType;
        const same = out.every((a) => a.type.name === 'Null' || !isNumeric(a.type) || (a.type.name === 'Decimal128' && a.type.scale === d.scale && a.type.precision === d.precision));
        if (!same || rt0.name !== 'Decimal128' || rt0.scale !== d.scale) {
          for (let i = 0; i < out.length; i++) {
            if (out[i]!.type.name !== 'Decimal128') continue;
            const asText = rt0.name === 'String' && sig.args[Math.min(i, n - 1)] === 'any';
            out[i] = this.cast(out[i]!, asText ? STR : F64);
          }
        }
      }
      const first = VALUE_ARGS_UNIFIED.get(fn);
      if (first !== undefined) {
        const t = commonType(out.slice(first).map((a) => a.type));
        if (t.name !== 'Null') for (let i = first; i < out.length; i++) out[i] = this.coerceTo(out[i]!, t);
      }
      const types = out.map((a) => a.type);
      const rt = typeof fn.returnType === 'function' ? fn.returnType(types) : fn.returnType;
      return { args: out, returnType: rt.name === 'Null' ? (types.find((t) => t.name !== 'Null') ?? STR) : rt };
    }
    const sigs = fn.signatures.map((s) => `${name}(${s.args.join(', ')}${s.variadic ? ', ...' : ''})`).join(' or ');
    throw new PlanError(`No function matches ${name}(${args.map((a) => a.type.name).join(', ')}); expected ${sigs}`);
  }

  private fitArg(a: BExpr, want: ArgType, decimalArgs = false): BExpr | undefined {
    const t = a.type;
    if (t.name === 'Null') return a;
    switch (want) {
      case 'any': return a;
      // Scalar and window bodies read numbers: a DECIMAL reaches them as Float64 unless they take 'any'
      // (aggregates that keep decimals exact say so with decimalArgs).
      case 'numeric': return isNumeric(t) ? (t.name === 'Decimal128' && !decimalArgs ? this.cast(a, F64) : a) : undefined;
      case 'integer': return isInteger(t) ? a : undefined;
      case 'float': return isFloat(t) ? a : t.name === 'Decimal128' && decimalArgs ? a : isInteger(t) || t.name === 'Decimal128' ? this.coerceTo(a, F64) : undefined;
      case 'string': return t.name === 'String' ? a : undefined;
      case 'timestamp': return isTimestamp(t) ? a : undefined;
      default:
        if (t.name === want) return a;
        if (want === 'Float64' && isNumeric(t)) return this.coerceTo(a, F64);
        if (want === 'Int64' && isInteger(t)) return this.coerceTo(a, I64);
        if (want === 'IntervalMonthDayNano' && a.k === 'lit' && typeof a.value === 'string') {
          return { k: 'lit', value: parseIntervalChecked(a.value), type: INTERVAL_T };
        }
        if (want === 'Boolean' && a.k === 'lit') return undefined;
        return undefined;
    }
  }

  /**
   * Operands of a comparison or arithmetic with a DECIMAL side: integers and
   * short float literals become decimals (and both sides one scale, unless
   * `keep`); against a float column both sides become Float64.
   */
  private decimalOperands(l: BExpr, r: BExpr, mode: 'compare' | 'align' | 'keep'): [BExpr, BExpr] {
    const a = this.asDecimal(l); const b = this.asDecimal(r);
    if (!a || !b) return [l.type.name === 'Decimal128' ? this.cast(l, F64) : l, r.type.name === 'Decimal128' ? this.cast(r, F64) : r];
    if (mode === 'keep') return [a, b];
    const sa = a.type.scale ?? 0; const sb = b.type.scale ?? 0;
    const scale = Math.max(sa, sb);
    const to = (x: BExpr): BExpr => {
      const s0 = x.type.scale ?? 0;
      if (s0 === scale) return x;
      return this.cast(x, { name: 'Decimal128', precision: Math.min(38, (x.type.precision ?? 38) - s0 + scale), scale });
    };
    return [to(a), to(b)];
  }

  /** x as a DECIMAL when that is exact: decimals, integers, numeric literals written with few digits. */
  private asDecimal(x: BExpr): BExpr | undefined {
    const t = x.type;
    if (t.name === 'Decimal128') return x;
    const digits = INTEGER_DIGITS[t.name];
    if (digits !== undefined) return this.cast(x, { name: 'Decimal128', precision: digits, scale: 0 });
    if (x.k === 'lit' && x.value !== null && (t.name === 'Float64' || t.name === 'String')) {
      const m = /^\s*-?(\d+)(?:\.(\d*))?\s*$/.exec(String(x.value));
      if (!m) return undefined;
      const scale = (m[2] ?? '').length;
      const precision = Math.max(1, m[1]!.replace(/^0+/, '').length + scale);
      if (precision > 38) return undefined;
      return this.cast(x, { name: 'Decimal128', precision, scale });
    }
    return undefined;
  }

  private expectBool(e: BExpr, where: string): void {
    if (e.type.name !== 'Boolean' && e.type.name !== 'Null') throw new PlanError(`${where} must be a boolean expression, got ${e.type.name}`);
  }

  /** Casts; literal casts fold immediately. */
  cast(a: BExpr, to: DataType, tryCast = false): BExpr {
    if (a.type.name === to.name && (to.name !== 'Decimal128' || (a.type.scale === to.scale))) return a;
    return { k: 'cast', arg: a, try: tryCast, type: to };
  }

  coerceTo(a: BExpr, to: DataType): BExpr {
    if (a.type.name === to.name || to.name === 'Null') return a;
    if (a.type.name === 'Null') return { k: 'lit', value: null, type: to };
    return this.cast(a, to);
  }

  /**
   * `ts < '2024-01-01 00:00:00.0000005'` with `ts` coarser than the text: the
   * bound becomes a literal of ts's type, rounded the way that keeps the
   * comparison exact (>= and < round up, > and <= down), where a plain cast
   * would truncate and let `>=` match the row just below the bound. The
   * result is still `ts op literal`, so the time range reaches the scan.
   * `=` / `<>` with a bound between two ticks compare at nanoseconds.
   * Undefined when this does not apply (the caller's casts handle it).
   */
  private timestampTextBound(op: '=' | '<>' | '<' | '<=' | '>' | '>=', l: BExpr, r: BExpr): BExpr | undefined {
    const flip = { '<': '>', '<=': '>=', '>': '<', '>=': '<=', '=': '=', '<>': '<>' } as const;
    // Text: '...' or TIMESTAMP '...' (a cast of text to a timestamp type).
    const text = (x: BExpr): string | undefined => (x.k === 'lit' && typeof x.value === 'string' ? x.value
      : x.k === 'cast' && isTimestamp(x.type) && x.arg.k === 'lit' && typeof x.arg.value === 'string' ? x.arg.value : undefined);
    const rt = text(r); const lt = text(l);
    const [col, lit, o] = rt !== undefined && lt === undefined && isTimestamp(l.type) ? [l, rt, op]
      : lt !== undefined && rt === undefined && isTimestamp(r.type) ? [r, lt, flip[op]] : [undefined, undefined, op];
    if (!col || lit === undefined) return undefined;
    let ns: bigint;
    try { ns = parseTimestampNanos(lit, this.env.session.timezone); } catch { return undefined; }
    const per = 1_000_000_000n / unitsPerSecond(col.type);
    const floor = floorDiv(ns, per);
    const onTick = floor * per === ns;
    if (!onTick && (o === '=' || o === '<>')) {
      return { k: 'bin', op: o, left: this.cast(col, { name: 'TimestampNanosecond' }), right: { k: 'lit', value: ns, type: { name: 'TimestampNanosecond' } }, type: BOOL };
    }
    const v = onTick || o === '>' || o === '<=' ? floor : floor + 1n;
    return { k: 'bin', op: o, left: col, right: { k: 'lit', value: v, type: col.type }, type: BOOL };
  }

  /** True when x is timestamp text (or TIMESTAMP '...') that falls between two ticks of type t. */
  private offTickText(x: BExpr, t: DataType): boolean {
    const text = x.k === 'lit' && typeof x.value === 'string' ? x.value
      : x.k === 'cast' && isTimestamp(x.type) && x.arg.k === 'lit' && typeof x.arg.value === 'string' ? x.arg.value : undefined;
    if (text === undefined) return false;
    let ns: bigint;
    try { ns = parseTimestampNanos(text, this.env.session.timezone); } catch { return false; }
    const per = 1_000_000_000n / unitsPerSecond(t);
    return floorDiv(ns, per) * per !== ns;
  }

  /** For IN lists and comparisons against typed columns: string/number literals adopt the column's type. */
  private coerceLiteralFor(x: BExpr, t: DataType): BExpr {
    if (x.k !== 'lit' || x.value === null) return x;
    if ((isTimestamp(t) || t.name === 'Date') && (x.type.name === 'String' || isInteger(x.type) || isTimestamp(x.type))) return this.cast(x, t);
    if (isNumeric(t) && x.type.name === 'String') return this.cast(x, isInteger(t) ? I64 : F64);
    if (t.name === 'String' && x.type.name !== 'String') return this.cast(x, STR);
    if (t.name === 'Boolean' && x.type.name === 'String') return this.cast(x, BOOL);
    return x;
  }

  binary(op: BinaryOp, l: BExpr, r: BExpr): BExpr {
    switch (op) {
      case 'AND': case 'OR':
        this.expectBool(l, op); this.expectBool(r, op);
        return { k: 'bin', op, left: l, right: r, type: BOOL };
      case '=': case '<>': case '<': case '<=': case '>': case '>=': {
        const exact = this.timestampTextBound(op, l, r);
        if (exact) return exact;
        let left = l; let right = r;
        if (l.type.name === 'Decimal128' || r.type.name === 'Decimal128') [left, right] = this.decimalOperands(l, r, 'compare');
        if (left.type.name !== right.type.name) {
          right = this.coerceLiteralFor(right, left.type);
          left = this.coerceLiteralFor(left, right.type);
        }
        if (left.type.name !== right.type.name) {
          const lt = left.type; const rt = right.type;
          if (isTimestamp(lt) && isTimestamp(rt)) {
            const fine = unitsPerSecond(lt) >= unitsPerSecond(rt) ? lt : rt;
            left = this.coerceTo(left, fine); right = this.coerceTo(right, fine);
          } else if ((isTimestamp(lt) && rt.name === 'Date') || (lt.name === 'Date' && isTimestamp(rt))) {
            const ts = isTimestamp(lt) ? lt : rt;
            left = this.coerceTo(left, ts); right = this.coerceTo(right, ts);
          } else if (isNumeric(lt) && isNumeric(rt)) {
            // JS compares numbers and bigints exactly; no cast needed.
          } else if (lt.name === 'Null' || rt.name === 'Null') {
            // NULL compares to anything (always NULL).
          } else if (lt.name === 'String' || rt.name === 'String') {
            const other = lt.name === 'String' ? rt : lt;
            if (other.name === 'Boolean' || isNumeric(other)) { left = this.coerceTo(left, other); right = this.coerceTo(right, other); } else { left = this.coerceTo(left, STR); right = this.coerceTo(right, STR); }
          } else {
            throw new PlanError(`type mismatch: cannot compare ${lt.name} with ${rt.name}`);
          }
        }
        // Put a literal on the right for the fast path and pushdown.
        if (left.k === 'lit' && right.k !== 'lit') {
          const flip: Record<string, BinaryOp> = { '=': '=', '<>': '<>', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };
          return { k: 'bin', op: flip[op]!, left: right, right: left, type: BOOL };
        }
        return { k: 'bin', op, left, right, type: BOOL };
      }
      case '||': return { k: 'bin', op, left: l, right: r, type: STR };
      case '~': case '~*': case '!~': case '!~*': return { k: 'bin', op, left: this.coerceTo(l, STR), right: this.coerceTo(r, STR), type: BOOL };
      default: {
        const lt = l.type; const rt = r.type;
        const temporal = (t: DataType) => isTimestamp(t) || t.name === 'Date';
        if (op === '+' || op === '-') {
          if (temporal(lt) && (rt.name === 'IntervalMonthDayNano' || isInteger(rt))) return { k: 'bin', op, left: l, right: r, type: lt };
          if (op === '+' && lt.name === 'IntervalMonthDayNano' && temporal(rt)) return { k: 'bin', op, left: l, right: r, type: rt };
          if (op === '-' && temporal(lt) && temporal(rt)) return { k: 'bin', op, left: l, right: r, type: INTERVAL_T };
          if (lt.name === 'IntervalMonthDayNano' && rt.name === 'IntervalMonthDayNano') return { k: 'bin', op, left: l, right: r, type: INTERVAL_T };
          if (temporal(lt) && r.k === 'lit' && r.type.name === 'String') return { k: 'bin', op, left: l, right: { k: 'lit', value: parseIntervalChecked(String(r.value)), type: INTERVAL_T }, type: lt };
        }
        if ((op === '*' || op === '/') && lt.name === 'IntervalMonthDayNano' && isNumeric(rt)) return { k: 'bin', op, left: l, right: r, type: INTERVAL_T };
        if (op === '*' && rt.name === 'IntervalMonthDayNano' && isNumeric(lt)) return { k: 'bin', op, left: r, right: l, type: INTERVAL_T };
        const num = (x: BExpr) => (x.type.name === 'String' && x.k === 'lit' ? this.cast(x, F64) : x);
        let a = num(l); let b = num(r);
        if (a.type.name === 'Decimal128' || b.type.name === 'Decimal128') {
          const [da, db] = this.decimalOperands(a, b, op === '*' || op === '/' ? 'keep' : 'align');
          if (da.type.name === 'Decimal128' && db.type.name === 'Decimal128' && ['+', '-', '*', '/', '%'].includes(op)) {
            return { k: 'bin', op, left: da, right: db, type: decimalResult(op, da.type, db.type) };
          }
          a = da; b = db;
        }
        if (!(isNumeric(a.type) || a.type.name === 'Null') || !(isNumeric(b.type) || b.type.name === 'Null')) {
          throw new PlanError(`type mismatch: cannot apply ${op} to ${lt.name} and ${rt.name}`);
        }
        let t = numericResult(a.type, b.type);
        if (t.name === 'Null') t = I64;
        if (['&', '|', '^', '<<', '>>'].includes(op)) t = I64;
        if (op === 'DIV') t = I64;
        return { k: 'bin', op, left: this.coerceTo(a, t.name === 'UInt64' ? a.type : t), right: this.coerceTo(b, t.name === 'UInt64' ? b.type : t), type: t };
      }
    }
  }
}

/**
 * The type values of several types unify to (CASE branches, UNION columns, coalesce ...):
 * the built-ins' rule, except that a DATE meets a timestamp as that timestamp, as DataFusion
 * coerces them (the rule alone made both text).
 */
function commonType(types: readonly DataType[]): DataType {
  const ts = types.filter(isTimestamp);
  if (ts.length > 0 && types.some((t) => t.name === 'Date') && types.every((t) => t.name === 'Date' || t.name === 'Null' || isTimestamp(t))) {
    return builtinCommonType(ts);
  }
  return builtinCommonType(types);
}

/**
 * Built-ins that return one of their arguments (coalesce, ifnull, nullif, greatest, least, if):
 * their bodies copy values as they are, so the binder brings every value argument to the common
 * type first; a millisecond timestamp copied into a nanosecond result read 10^6 times too small.
 * Value arguments: all but the condition of `if`.
 */
const VALUE_ARGS_UNIFIED = new Map<FunctionDefinition, number>(conditionalFunctions
  .filter((f) => ['coalesce', 'ifnull', 'nullif', 'greatest', 'least', 'if'].includes(f.name))
  .map((f) => [f, f.name === 'if' ? 1 : 0]));

/** Built-in aggregates whose bodies keep DECIMAL arguments exact (sum, avg, median). */
function decimalAware(fn: FunctionDefinition): boolean {
  if (fn.kind !== 'aggregate') return false;
  return ((fn.name === 'sum' || fn.name === 'avg') && (fn as { [FAST_AGGREGATE]?: string })[FAST_AGGREGATE] === fn.name)
    || (fn as { [KEEPS_DECIMAL]?: boolean })[KEEPS_DECIMAL] === true;
}

/** Decimal digits an integer type needs. */
const INTEGER_DIGITS: Partial<Record<string, number>> = { Int8: 3, Int16: 5, Int32: 10, Int64: 19, UInt8: 3, UInt16: 5, UInt32: 10, UInt64: 20 };

/** DataFusion's result types for DECIMAL arithmetic (precision capped at 38). */
function decimalResult(op: BinaryOp, a: DataType, b: DataType): DataType {
  const p1 = a.precision ?? 38; const s1 = a.scale ?? 0; const p2 = b.precision ?? 38; const s2 = b.scale ?? 0;
  const cap = (p: number, s: number): DataType => ({ name: 'Decimal128', precision: Math.min(38, Math.max(p, 1)), scale: Math.min(s, 38) });
  switch (op) {
    case '*': return cap(p1 + p2 + 1, s1 + s2);
    // Arrow's decimal division, which DataFusion's result type comes from: a fixed scale increment of 4.
    case '/': { const s = Math.min(38, s1 + 4); return cap(p1 - s1 + s2 + s, s); }
    case '%': { const s = Math.max(s1, s2); return cap(Math.min(p1 - s1, p2 - s2) + s, s); }
    default: { const s = Math.max(s1, s2); return cap(Math.max(p1 - s1, p2 - s2) + s + 1, s); }
  }
}

function unitsPerSecond(t: DataType): bigint {
  switch (t.name) {
    case 'TimestampSecond': return 1n;
    case 'TimestampMillisecond': return 1_000n;
    case 'TimestampMicrosecond': return 1_000_000n;
    default: return 1_000_000_000n;
  }
}

/**
 * The one type both sides of `x IN (subquery)` take: the values meet in a set, where 1 (Int32),
 * 1n (Int64), 1.00 (DECIMAL, unscaled 100n) and a millisecond and a nanosecond timestamp are
 * different keys. Numbers widen to a common type, timestamps to the finer unit, and text meets a
 * number or boolean as that type, as `=` compares them.
 */
function coerceForCompare(a: DataType, b: DataType): DataType {
  if (a.name === b.name && (a.name !== 'Decimal128' || (a.scale === b.scale && a.precision === b.precision))) return b;
  if (a.name === 'Null') return b;
  if (b.name === 'Null') return a;
  if (a.name === 'String' || b.name === 'String') {
    const other = a.name === 'String' ? b : a;
    return other.name === 'Boolean' || isNumeric(other) ? other : STR;
  }
  return commonType([a, b]);
}

function parseIntervalChecked(text: string, unit?: string) {
  try {
    return parseInterval(text, unit);
  } catch (err) {
    throw new PlanError(err instanceof Error ? err.message : String(err), { cause: err });
  }
}

/** A literal for a JS value (placeholders, variables). */
export function literalOf(v: unknown): BExpr {
  if (v === null || v === undefined) return { k: 'lit', value: null, type: NULL_T };
  if (typeof v === 'boolean') return { k: 'lit', value: v, type: BOOL };
  if (typeof v === 'bigint') return { k: 'lit', value: v, type: I64 };
  if (typeof v === 'number') return Number.isInteger(v) ? { k: 'lit', value: BigInt(v), type: I64 } : { k: 'lit', value: v, type: F64 };
  if (v instanceof Date) return { k: 'lit', value: BigInt(v.getTime()), type: { name: 'TimestampMillisecond' } };
  if (v instanceof Uint8Array) return { k: 'lit', value: v, type: { name: 'Binary' } };
  return { k: 'lit', value: String(v), type: STR };
}

/** Visits AST expression nodes (pre-order); return false to skip children. */
export function visitAst(e: ast.Expr, f: (e: ast.Expr) => boolean): void {
  if (!f(e)) return;
  const v = (x: ast.Expr | undefined) => { if (x) visitAst(x, f); };
  switch (e.kind) {
    case 'UnaryExpr': v(e.operand); break;
    case 'BinaryExpr': v(e.left); v(e.right); break;
    case 'IsExpr': v(e.expr); break;
    case 'BetweenExpr': v(e.expr); v(e.low); v(e.high); break;
    case 'InListExpr': v(e.expr); e.list.forEach(v); break;
    case 'InSubqueryExpr': v(e.expr); break;
    case 'LikeExpr': v(e.expr); v(e.pattern); break;
    case 'CaseExpr': v(e.operand); for (const w of e.whens) { v(w.when); v(w.then); } v(e.else); break;
    case 'CastExpr': v(e.expr); break;
    case 'FunctionCall': e.args.forEach(v); v(e.filter); e.orderBy?.forEach((o) => v(o.expr)); e.withinGroup?.forEach((o) => v(o.expr)); if (e.over) { e.over.partitionBy.forEach(v); e.over.orderBy.forEach((o) => v(o.expr)); } break;
    case 'RangeExpr': v(e.expr); break;
    case 'RowExpr': e.items.forEach(v); break;
    default: break;
  }
}

/** Splits a join condition into equi pairs (left expr, right expr) and the rest. */
export function splitJoinCondition(on: BExpr | undefined, left: Set<number>, right: Set<number>): { equi: Array<readonly [BExpr, BExpr]>; rest?: BExpr } {
  if (!on) return { equi: [] };
  const conj: BExpr[] = [];
  const split = (e: BExpr) => { if (e.k === 'bin' && e.op === 'AND') { split(e.left); split(e.right); } else conj.push(e); };
  split(on);
  const equi: Array<readonly [BExpr, BExpr]> = [];
  const rest: BExpr[] = [];
  const side = (e: BExpr): 'l' | 'r' | 'both' | 'none' => {
    let l = false; let r = false;
    const visit = (x: BExpr) => {
      if (x.k === 'col') { if (left.has(x.id)) l = true; else if (right.has(x.id)) r = true; }
      for (const c of childrenOf(x)) visit(c);
    };
    visit(e);
    return l && r ? 'both' : l ? 'l' : r ? 'r' : 'none';
  };
  for (const c of conj) {
    if (c.k === 'bin' && c.op === '=') {
      const a = side(c.left); const b = side(c.right);
      if (a === 'l' && b === 'r') { equi.push([c.left, c.right]); continue; }
      if (a === 'r' && b === 'l') { equi.push([c.right, c.left]); continue; }
    }
    rest.push(c);
  }
  const restExpr = rest.length ? rest.reduce((a, b) => ({ k: 'bin', op: 'AND', left: a, right: b, type: BOOL })) : undefined;
  return { equi, ...(restExpr ? { rest: restExpr } : {}) };
}

function childrenOf(e: BExpr): BExpr[] {
  switch (e.k) {
    case 'call': return [...e.args];
    case 'bin': return [e.left, e.right];
    case 'not': case 'neg': case 'is': case 'cast': return [e.arg];
    case 'in': return [e.arg, ...e.list];
    case 'like': return [e.arg, e.pattern];
    case 'case': return [...e.whens.flatMap((w) => [w.when, w.then]), ...(e.else ? [e.else] : [])];
    case 'insub': return [e.arg];
    default: return [];
  }
}

function findScan(p: Plan): Extract<Plan, { k: 'scan' }> | undefined {
  switch (p.k) {
    case 'scan': return p;
    case 'filter': case 'project': case 'sort': case 'limit': case 'distinct': case 'alias': return findScan(p.input);
    default: return undefined;
  }
}

function frameBoundText(b: ast.FrameBound): string {
  switch (b.kind) {
    case 'UnboundedPreceding': return 'UNBOUNDED PRECEDING';
    case 'UnboundedFollowing': return 'UNBOUNDED FOLLOWING';
    case 'CurrentRow': return 'CURRENT ROW';
    default: return b.kind === 'Preceding' ? 'n PRECEDING' : 'n FOLLOWING';
  }
}

/**
 * The value of a constant integer expression (LIMIT 2-1, OFFSET 10 * 2): integer literals
 * under + - * / % and unary minus, as DataFusion folds them before checking LIMIT; undefined
 * for anything else (a float, a column, a subquery).
 */
function constIntValue(b: BExpr): bigint | undefined {
  switch (b.k) {
    case 'lit': return typeof b.value === 'bigint' ? b.value : typeof b.value === 'number' && Number.isInteger(b.value) && isInteger(b.type) ? BigInt(b.value) : undefined;
    case 'neg': { const x = constIntValue(b.arg); return x === undefined ? undefined : -x; }
    case 'cast': return isInteger(b.type) ? constIntValue(b.arg) : undefined;
    case 'bin': {
      const l = constIntValue(b.left); const r = constIntValue(b.right);
      if (l === undefined || r === undefined) return undefined;
      switch (b.op) {
        case '+': return l + r;
        case '-': return l - r;
        case '*': return l * r;
        case '/': return r === 0n ? undefined : l / r;
        case '%': return r === 0n ? undefined : l % r;
        default: return undefined;
      }
    }
    default: return undefined;
  }
}

/** The ordered-set aggregates that take WITHIN GROUP (ORDER BY x), as DataFusion has them. */
const WITHIN_GROUP_AGGREGATES: ReadonlySet<string> = new Set(['approx_percentile_cont', 'approx_percentile_cont_with_weight', 'percentile_cont']);

/**
 * A call with `WITHIN GROUP (ORDER BY x [DESC])` as the plain call DataFusion plans:
 * `approx_percentile_cont(p) WITHIN GROUP (ORDER BY x)` is approx_percentile_cont(x, p),
 * `approx_percentile_cont_with_weight(w, p) WITHIN GROUP (ORDER BY x)` is
 * approx_percentile_cont_with_weight(x, w, p); DESC reads the percentile from the other
 * end (p becomes 1 - p), so it must be a numeric literal.
 */
function withinGroupCall(a: ast.FunctionCall): ast.FunctionCall {
  if (!a.withinGroup) return a;
  const name = a.name.toLowerCase();
  if (!WITHIN_GROUP_AGGREGATES.has(name)) throw new PlanError(`WITHIN GROUP is not supported for ${a.name}: only ${[...WITHIN_GROUP_AGGREGATES].join(', ')} take it`);
  if (a.withinGroup.length !== 1) throw new PlanError(`${a.name} WITHIN GROUP takes exactly one ORDER BY expression, got ${a.withinGroup.length}`);
  if (a.orderBy?.length || a.distinct) throw new PlanError(`${a.name} WITHIN GROUP takes neither DISTINCT nor ORDER BY inside its arguments`);
  const item = a.withinGroup[0]!;
  let args = a.args;
  if (item.desc && args.length > 0) {
    const at = name === 'approx_percentile_cont_with_weight' ? 1 : 0;
    const p = args[at];
    const value = p?.kind === 'NumberLiteral' ? Number(p.value) : undefined;
    if (p === undefined || value === undefined || !Number.isFinite(value)) throw new PlanError(`${a.name} WITHIN GROUP (ORDER BY ... DESC) needs a numeric literal percentile`);
    const q = 1 - value;
    const flipped: ast.Expr = { kind: 'NumberLiteral', text: String(q), value: q, isInteger: false, span: p.span };
    args = args.map((x, i) => (i === at ? flipped : x));
  }
  const { withinGroup: _w, ...rest } = a;
  return { ...rest, args: [item.expr, ...args] };
}
