import type { DataType } from '../../data/data-types.js';
import type { TableInfo } from '../../interfaces/catalog.js';
import type { ScanPredicate } from '../../interfaces/engine.js';
import type { AggregateFunction, AsyncScalarFunction, ScalarFunction, WindowFunction } from '../../interfaces/function.js';
import type { Batch } from '../exec/column.js';
import { formatDecimal } from '../exec/decimal.js';

/**
 * A field of a plan node's output. `id` is unique within a query: bound
 * expressions refer to fields by id (not position), so optimizer passes can
 * drop and reorder columns without rewriting references.
 */
export interface Field {
  readonly id: number;
  readonly name: string;
  readonly type: DataType;
  /** The table (or alias) that qualifies it, for `t.col` resolution. */
  readonly qualifier?: string;
  /** The database of an unaliased table's columns, for `db.t.col` resolution. */
  readonly qualifierDatabase?: string;
  /** Hidden fields are carried for ORDER BY but not shown. */
  readonly hidden?: boolean;
  /** A JOIN ... USING column hidden behind its merged copy (still listed by `t.*`). */
  readonly merged?: boolean;
}

export type BinaryOp =
  | 'AND' | 'OR' | '=' | '<>' | '<' | '<=' | '>' | '>='
  | '+' | '-' | '*' | '/' | '%' | '||' | '~' | '~*' | '!~' | '!~*' | '&' | '|' | '^' | '<<' | '>>' | 'DIV';

/** A bound (resolved, typed) expression. */
export type BExpr =
  | { readonly k: 'col'; readonly id: number; readonly type: DataType; readonly name: string }
  | { readonly k: 'lit'; readonly value: unknown; readonly type: DataType }
  | { readonly k: 'call'; readonly fn: ScalarFunction | AsyncScalarFunction; readonly args: readonly BExpr[]; readonly type: DataType }
  | { readonly k: 'bin'; readonly op: BinaryOp; readonly left: BExpr; readonly right: BExpr; readonly type: DataType }
  | { readonly k: 'not'; readonly arg: BExpr; readonly type: DataType }
  | { readonly k: 'neg'; readonly arg: BExpr; readonly type: DataType }
  | { readonly k: 'is'; readonly arg: BExpr; readonly test: 'NULL' | 'TRUE' | 'FALSE'; readonly not: boolean; readonly type: DataType }
  | { readonly k: 'in'; readonly arg: BExpr; readonly list: readonly BExpr[]; readonly not: boolean; readonly type: DataType }
  /** `escape`: the pattern's escape character ('' = none; absent = backslash). */
  | { readonly k: 'like'; readonly arg: BExpr; readonly pattern: BExpr; readonly ci: boolean; readonly not: boolean; readonly escape?: string; readonly type: DataType }
  | { readonly k: 'case'; readonly whens: ReadonlyArray<{ readonly when: BExpr; readonly then: BExpr }>; readonly else?: BExpr; readonly type: DataType }
  | { readonly k: 'cast'; readonly arg: BExpr; readonly try: boolean; readonly type: DataType }
  | { readonly k: 'subquery'; readonly plan: Plan; readonly type: DataType; readonly outer?: readonly OuterRef[] }
  /** `arg [NOT] IN (plan)`; with `quantified`, `arg op ANY|ALL (plan)` (`not` false). */
  | { readonly k: 'insub'; readonly arg: BExpr; readonly plan: Plan; readonly not: boolean; readonly type: DataType; readonly outer?: readonly OuterRef[];
      readonly quantified?: { readonly op: '=' | '<>' | '<' | '<=' | '>' | '>='; readonly all: boolean } }
  | { readonly k: 'exists'; readonly plan: Plan; readonly not: boolean; readonly type: DataType; readonly outer?: readonly OuterRef[] }
  /** A column of the enclosing query, inside a correlated subquery (a constant per outer row). */
  | { readonly k: 'outer'; readonly id: number; readonly type: DataType; readonly name: string };

/** An outer column a correlated subquery reads: evaluated per outer row, passed in as `outer` values. */
export interface OuterRef { readonly id: number; readonly type: DataType; readonly name: string }

/** An aggregate call in an Aggregate node. */
export interface AggCall {
  readonly fn: AggregateFunction<any>;
  readonly args: readonly BExpr[];
  readonly distinct: boolean;
  readonly filter?: BExpr;
  readonly orderBy?: readonly SortKey[];
  readonly out: Field;
}

export interface SortKey { readonly expr: BExpr; readonly desc: boolean; readonly nullsFirst: boolean }

export interface FrameSpec {
  readonly units: 'rows' | 'range' | 'groups';
  readonly start: FrameBoundSpec;
  readonly end: FrameBoundSpec;
  /** Rows taken out of every frame (EXCLUDE ...); absent = none. */
  readonly exclude?: 'current' | 'group' | 'ties';
}

/** A frame bound; RANGE offsets over timestamps may be intervals (`offsetNanos`). */
export interface FrameBoundSpec { readonly kind: 'unbounded' | 'current' | 'preceding' | 'following'; readonly offset?: number; readonly offsetNanos?: bigint }

/** A window call in a Window node. */
export interface WinCall {
  readonly fn: WindowFunction | AggregateFunction<any>;
  readonly args: readonly BExpr[];
  readonly partitionBy: readonly BExpr[];
  readonly orderBy: readonly SortKey[];
  readonly frame?: FrameSpec;
  /** IGNORE NULLS: rows whose first argument is NULL are left out (lag, lead, first_value, last_value, nth_value). */
  readonly ignoreNulls?: boolean;
  readonly out: Field;
}

/** A range-query aggregate (`avg(v) RANGE '5m' FILL ...`). */
export interface RangeCall {
  readonly agg: AggCall;
  readonly rangeNanos: bigint;
  /** `text`: a FILL constant as written (it is read as a value of the aggregate's type). */
  readonly fill?: { readonly kind: 'null' | 'prev' | 'linear' | 'value'; readonly value?: unknown; readonly text?: string };
}

export type JoinType = 'inner' | 'left' | 'right' | 'full' | 'cross' | 'semi' | 'anti';

/** A logical plan node; executed directly by the executor after optimization. */
export type Plan =
  | { readonly k: 'scan'; table: TableInfo; readonly alias: string; fields: Field[]; timeRange?: { start?: bigint; end?: bigint }; predicates: ScanPredicate[]; limit?: number; seriesRowSelector?: 'last_row' }
  | { readonly k: 'values'; readonly rows: readonly (readonly BExpr[])[]; readonly fields: Field[] }
  | { readonly k: 'memory'; readonly name: string; readonly fields: Field[]; readonly load: () => Promise<Batch[]> | Batch[] }
  | { readonly k: 'filter'; input: Plan; pred: BExpr }
  | { readonly k: 'project'; input: Plan; exprs: Array<{ expr: BExpr; out: Field }> }
  | { readonly k: 'aggregate'; input: Plan; readonly groups: ReadonlyArray<{ expr: BExpr; out: Field }>; readonly aggs: readonly AggCall[] }
  | { readonly k: 'window'; input: Plan; readonly calls: readonly WinCall[] }
  | { readonly k: 'sort'; input: Plan; readonly keys: readonly SortKey[]; limit?: number }
  | { readonly k: 'limit'; input: Plan; readonly limit?: number; readonly offset: number }
  | { readonly k: 'join'; left: Plan; right: Plan; readonly type: JoinType; readonly on?: BExpr; readonly equi: ReadonlyArray<readonly [BExpr, BExpr]> }
  | { readonly k: 'setop'; readonly op: 'union' | 'intersect' | 'except'; readonly all: boolean; left: Plan; right: Plan; readonly fields: Field[] }
  | { readonly k: 'distinct'; input: Plan }
  | { readonly k: 'range'; input: Plan; readonly ts: BExpr; readonly by: ReadonlyArray<{ expr: BExpr; out: Field }>; readonly calls: readonly RangeCall[];
    readonly alignNanos: bigint; readonly alignToNanos: bigint; readonly tsOut: Field; readonly fill?: RangeCall['fill'] }
  | { readonly k: 'alias'; input: Plan; readonly fields: Field[] };

/** The output fields of a plan node. */
export function schemaOf(p: Plan): Field[] {
  switch (p.k) {
    case 'scan': case 'values': case 'memory': case 'setop': case 'alias': return p.fields;
    case 'filter': case 'sort': case 'limit': case 'distinct': return schemaOf(p.input);
    case 'project': return p.exprs.map((e) => e.out);
    case 'aggregate': return [...p.groups.map((g) => g.out), ...p.aggs.map((a) => a.out)];
    case 'window': return [...schemaOf(p.input), ...p.calls.map((c) => c.out)];
    case 'join': return p.type === 'semi' || p.type === 'anti' ? schemaOf(p.left) : [...schemaOf(p.left), ...schemaOf(p.right)];
    case 'range': return [p.tsOut, ...p.by.map((b) => b.out), ...p.calls.map((c) => c.agg.out)];
  }
}

let nextFieldId = 1;
/** A fresh field id (unique within the process; ids only need to be unique within a query). */
export function newFieldId(): number { return nextFieldId++; }
export function newField(name: string, type: DataType, qualifier?: string, hidden?: boolean): Field {
  return { id: newFieldId(), name, type, ...(qualifier !== undefined ? { qualifier } : {}), ...(hidden ? { hidden } : {}) };
}

/** Calls f on every sub-expression (pre-order), not descending into subquery plans. */
export function walkExpr(e: BExpr, f: (e: BExpr) => void): void {
  f(e);
  switch (e.k) {
    case 'call': for (const a of e.args) walkExpr(a, f); break;
    case 'bin': walkExpr(e.left, f); walkExpr(e.right, f); break;
    case 'not': case 'neg': case 'is': case 'cast': walkExpr(e.arg, f); break;
    case 'in': walkExpr(e.arg, f); for (const a of e.list) walkExpr(a, f); break;
    case 'like': walkExpr(e.arg, f); walkExpr(e.pattern, f); break;
    case 'case': for (const w of e.whens) { walkExpr(w.when, f); walkExpr(w.then, f); } if (e.else) walkExpr(e.else, f); break;
    case 'insub': walkExpr(e.arg, f); break;
    default: break;
  }
}

/** Field ids an expression reads. */
export function exprRefs(e: BExpr, out = new Set<number>()): Set<number> {
  walkExpr(e, (x) => {
    if (x.k === 'col') out.add(x.id);
    // A correlated subquery reads outer columns from its operator's input.
    else if ((x.k === 'subquery' || x.k === 'insub' || x.k === 'exists') && x.outer) for (const o of x.outer) out.add(o.id);
  });
  return out;
}

/** Rebuilds an expression bottom-up with f applied to each node. */
export function mapExpr(e: BExpr, f: (e: BExpr) => BExpr): BExpr {
  let n: BExpr;
  switch (e.k) {
    case 'call': n = { ...e, args: e.args.map((a) => mapExpr(a, f)) }; break;
    case 'bin': n = { ...e, left: mapExpr(e.left, f), right: mapExpr(e.right, f) }; break;
    case 'not': case 'neg': case 'is': case 'cast': n = { ...e, arg: mapExpr(e.arg, f) } as BExpr; break;
    case 'in': n = { ...e, arg: mapExpr(e.arg, f), list: e.list.map((a) => mapExpr(a, f)) }; break;
    case 'like': n = { ...e, arg: mapExpr(e.arg, f), pattern: mapExpr(e.pattern, f) }; break;
    case 'case': n = { ...e, whens: e.whens.map((w) => ({ when: mapExpr(w.when, f), then: mapExpr(w.then, f) })), ...(e.else ? { else: mapExpr(e.else, f) } : {}) }; break;
    case 'insub': n = { ...e, arg: mapExpr(e.arg, f) }; break;
    default: n = e;
  }
  return f(n);
}

// ---- EXPLAIN text ----

function lit(v: unknown): string {
  if (v === null) return 'NULL';
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'object' && v && 'months' in v) { const i = v as { months: number; days: number; nanos: bigint }; return `INTERVAL ${i.months}mon ${i.days}d ${i.nanos}ns`; }
  return String(v);
}

export function exprToString(e: BExpr): string {
  switch (e.k) {
    case 'col': return e.name;
    case 'lit': return e.type.name === 'Decimal128' && typeof e.value === 'bigint' ? formatDecimal(e.value, e.type.scale ?? 0) : lit(e.value);
    case 'call': return `${e.fn.name}(${e.args.map(exprToString).join(', ')})`;
    case 'bin': return `${exprToString(e.left)} ${e.op} ${exprToString(e.right)}`;
    case 'not': return `NOT ${exprToString(e.arg)}`;
    case 'neg': return `-${exprToString(e.arg)}`;
    case 'is': return `${exprToString(e.arg)} IS ${e.not ? 'NOT ' : ''}${e.test}`;
    case 'in': return `${exprToString(e.arg)} ${e.not ? 'NOT ' : ''}IN (${e.list.map(exprToString).join(', ')})`;
    case 'like': return `${exprToString(e.arg)} ${e.not ? 'NOT ' : ''}${e.ci ? 'ILIKE' : 'LIKE'} ${exprToString(e.pattern)}${e.escape !== undefined ? ` ESCAPE '${e.escape.replace(/'/g, "''")}'` : ''}`;
    case 'case': return `CASE ${e.whens.map((w) => `WHEN ${exprToString(w.when)} THEN ${exprToString(w.then)}`).join(' ')}${e.else ? ` ELSE ${exprToString(e.else)}` : ''} END`;
    case 'cast': return `CAST(${exprToString(e.arg)} AS ${e.type.name})`;
    case 'outer': return `outer.${e.name}`;
    case 'subquery': return e.outer?.length ? '(<correlated subquery>)' : '(<subquery>)';
    case 'insub': return e.quantified ? `${exprToString(e.arg)} ${e.quantified.op} ${e.quantified.all ? 'ALL' : 'ANY'} (<subquery>)` : `${exprToString(e.arg)} ${e.not ? 'NOT ' : ''}IN (<subquery>)`;
    case 'exists': return `${e.not ? 'NOT ' : ''}EXISTS (<subquery>)`;
  }
}

function aggToString(a: AggCall): string {
  return `${a.fn.name}(${a.distinct ? 'DISTINCT ' : ''}${a.args.map(exprToString).join(', ')})`;
}

/** One line per node, indented by depth (the physical operator names match the executor's). */
export function explainLines(p: Plan, depth = 0, annotate?: (p: Plan) => string): string[] {
  const pad = '  '.repeat(depth);
  const extra = annotate ? annotate(p) : '';
  const line = (s: string) => `${pad}${s}${extra}`;
  const kids = (...c: Plan[]) => c.flatMap((x) => explainLines(x, depth + 1, annotate));
  switch (p.k) {
    case 'scan': {
      const parts = [`table=${p.table.database}.${p.table.name}`, `projection=[${p.fields.map((f) => f.name).join(', ')}]`, `regions=${p.table.regionIds.length}`];
      if (p.timeRange) parts.push(`time_range=[${p.timeRange.start ?? '-inf'}, ${p.timeRange.end ?? '+inf'})`);
      if (p.predicates.length) parts.push(`predicates=[${p.predicates.map((x) => JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? String(v) : v))).join(', ')}]`);
      if (p.limit !== undefined) parts.push(`limit=${p.limit}`);
      if (p.seriesRowSelector) parts.push(`series_row_selector=${p.seriesRowSelector}`);
      return [line(`TableScan: ${parts.join(', ')}`)];
    }
    case 'values': return [line(`Values: rows=${p.rows.length}`)];
    case 'memory': return [line(`MemoryScan: ${p.name}`)];
    case 'filter': return [line(`Filter: ${exprToString(p.pred)}`), ...kids(p.input)];
    case 'project': return [line(`Projection: ${p.exprs.map((e) => (e.expr.k === 'col' && e.expr.name === e.out.name ? e.out.name : `${exprToString(e.expr)} AS ${e.out.name}`)).join(', ')}`), ...kids(p.input)];
    case 'aggregate': return [line(`Aggregate: groupBy=[${p.groups.map((g) => exprToString(g.expr)).join(', ')}], aggr=[${p.aggs.map(aggToString).join(', ')}]`), ...kids(p.input)];
    case 'window': return [line(`Window: ${p.calls.map((c) => `${c.fn.name}(${c.args.map(exprToString).join(', ')})${c.ignoreNulls ? ' IGNORE NULLS' : ''} OVER (${c.partitionBy.length ? `PARTITION BY ${c.partitionBy.map(exprToString).join(', ')}` : ''}${c.orderBy.length ? ` ORDER BY ${c.orderBy.map((k) => exprToString(k.expr) + (k.desc ? ' DESC' : '')).join(', ')}` : ''})`).join(', ')}`), ...kids(p.input)];
    case 'sort': return [line(`Sort: ${p.keys.map((k) => `${exprToString(k.expr)} ${k.desc ? 'DESC' : 'ASC'} NULLS ${k.nullsFirst ? 'FIRST' : 'LAST'}`).join(', ')}${p.limit !== undefined ? `, fetch=${p.limit}` : ''}`), ...kids(p.input)];
    case 'limit': return [line(`Limit: skip=${p.offset}, fetch=${p.limit ?? 'None'}`), ...kids(p.input)];
    case 'join': return [line(`${p.equi.length ? 'HashJoin' : 'NestedLoopJoin'}: type=${p.type}${p.equi.length ? `, on=[${p.equi.map(([l, r]) => `(${exprToString(l)}, ${exprToString(r)})`).join(', ')}]` : ''}${p.on ? `, filter=${exprToString(p.on)}` : ''}`), ...kids(p.left, p.right)];
    case 'setop': return [line(`${p.op === 'union' ? 'Union' : p.op === 'intersect' ? 'Intersect' : 'Except'}${p.all ? ' All' : ''}`), ...kids(p.left, p.right)];
    case 'distinct': return [line('Distinct'), ...kids(p.input)];
    case 'range': return [line(`RangeSelect: range_exprs=[${p.calls.map((c) => `${aggToString(c.agg)} RANGE ${c.rangeNanos / 1_000_000n}ms`).join(', ')}], align=${p.alignNanos / 1_000_000n}ms, align_to=${p.alignToNanos}, time_index=${exprToString(p.ts)}, by=[${p.by.map((b) => exprToString(b.expr)).join(', ')}]`), ...kids(p.input)];
    case 'alias': return kids(p.input).map((l) => l.slice(2)).length ? explainLines(p.input, depth, annotate) : [];
  }
}
