import type { DataTypeName } from '../data/data-types.js';
import { InvalidArgumentsError } from '../errors/errors.js';
import type { AggregateExpr, BinaryExpr, BinaryOp, Call, Expr, LabelMatcher, VectorSelector } from './ast.js';
import { COMPARISON_OPS, SET_OPS } from './ast.js';
import { typeOf } from './check-promql.js';
import { formatSampleValue } from './evaluator.js';
import { METRIC_NAME } from './labels.js';
import { FIELD_LABEL, SCHEMA_LABELS, selectTqlFields, type MetricTable } from './series-source.js';

/**
 * The columns and row order of a TQL answer, worked out from the PromQL the
 * way GreptimeDB's planner (src/query/src/promql/planner.rs) shapes its
 * DataFusion plan, so that TQL answers carry GreptimeDB's column names and
 * order:
 *
 * ```
 * selector  metric(ts, host, val)         -> ts, host, val        (the table's column order)
 *           metric{__field__="val"}       -> val, host, ts        (fields, tags, time index)
 * function  rate(metric[1m])              -> ts, prom_rate(ts_range,val,ts,Int64(60000)), host
 * aggregate sum by (host) (metric)        -> host, ts, sum(metric.val)
 * scalar op metric * 2                    -> host, ts, val * Float64(2)
 * vector op a / b                         -> <b's tags>, ts, a.val / b.val
 * literal   1 + 1                         -> time, value
 * ```
 *
 * A table with several field columns gives one value column per field (the
 * expression applied to each); `__field__` matchers choose them.
 */
export interface TqlShape {
  /** The time column's name: the time index of the table read, `time` for literals. */
  readonly time: string;
  /** Tag (label) columns, in the planner's context order (a table's primary key order, `by (...)` order, ...). */
  readonly tags: readonly string[];
  /** Value column names, one per field. */
  readonly fields: readonly string[];
  /** How an aggregation refers to each field: `table.val` straight from a table, else the field's name. */
  readonly refs: readonly string[];
  readonly types: readonly DataTypeName[];
  /** The qualifier a binary operator puts before the fields (`''` for literals, `time()`, `vector()`). */
  readonly table: string;
  /** Columns in order; `rest` is where labels outside `tags` go (after the tags). */
  readonly layout: readonly ShapeColumn[];
  readonly order: RowOrder;
  /** Output of a plain vector selector (no function around it). */
  readonly plainSelector?: boolean;
}

export type ShapeColumn = { readonly k: 'time' } | { readonly k: 'tag'; readonly name: string } | { readonly k: 'field'; readonly i: number } | { readonly k: 'rest' };

/**
 * Row order: `series` groups rows by series, ordered by the tag columns then
 * time (a selector's sort and an aggregation's ORDER BY); `value` orders by
 * the first value (sort, sort_desc); `labels` by the given labels
 * (sort_by_label); `rank` is topk/bottomk's (group labels, time, value).
 */
export type RowOrder =
  | { readonly k: 'series'; readonly nullsFirst: boolean }
  | { readonly k: 'value'; readonly desc: boolean }
  | { readonly k: 'labels'; readonly labels: readonly string[]; readonly desc: boolean }
  | { readonly k: 'rank'; readonly groups: readonly string[]; readonly desc: boolean };

/** What the shape needs from the catalog: the metric tables a selector reads. */
export interface ShapeEnv {
  metricTables(matchers: readonly LabelMatcher[]): MetricTable[];
}

const SERIES_NULLS_FIRST: RowOrder = { k: 'series', nullsFirst: true };
const SERIES_NULLS_LAST: RowOrder = { k: 'series', nullsFirst: false };

const timeCol: ShapeColumn = { k: 'time' };
const restCol: ShapeColumn = { k: 'rest' };
const fieldCols = (n: number): ShapeColumn[] => Array.from({ length: n }, (_, i) => ({ k: 'field', i }) as const);
const tagCols = (tags: readonly string[]): ShapeColumn[] => [...tags.map((name) => ({ k: 'tag', name }) as const), restCol];

/** tags, time, fields: projections over every field (arithmetic, aggregations). */
function tagsTimeFields(tags: readonly string[], n: number): ShapeColumn[] { return [...tagCols(tags), timeCol, ...fieldCols(n)]; }
/** time, fields, tags: function calls. */
function timeFieldsTags(tags: readonly string[], n: number): ShapeColumn[] { return [timeCol, ...fieldCols(n), ...tagCols(tags)]; }
/** fields, tags, time: a projected scan, topk/bottomk, `AS name`. */
function fieldsTagsTime(tags: readonly string[], n: number): ShapeColumn[] { return [...fieldCols(n), ...tagCols(tags), timeCol]; }

/** Rust's `{}` for an f64, as DataFusion prints literals: no exponent, `inf`, `NaN`. */
export function rustFloat(v: number): string {
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  return formatSampleValue(v);
}

/** DataFusion's name for `l op r` (a comparison casts to Float64 with `bool`, which names nothing). */
function binaryName(op: BinaryOp, l: string, r: string): string {
  if (op === '^') return `power(${l},${r})`;
  if (op === 'atan2') return `atan2(${l},${r})`;
  return `${l} ${op === '==' ? '=' : op} ${r}`;
}

const unparen = (e: Expr): Expr => (e.kind === 'ParenExpr' ? unparen(e.expr) : e);

/**
 * The DataFusion name of a literal expression (numbers, strings, arithmetic
 * on them), or undefined when `e` is not one: GreptimeDB folds these into a
 * literal instead of planning them.
 */
export function literalName(e: Expr): string | undefined {
  switch (e.kind) {
    case 'NumberLiteral': return `Float64(${rustFloat(e.value)})`;
    case 'StringLiteral': return `Utf8(${JSON.stringify(e.value)})`;
    case 'ParenExpr': case 'UnaryExpr': return literalName(e.expr);
    case 'BinaryExpr': {
      const l = literalName(e.lhs);
      const r = l === undefined ? undefined : literalName(e.rhs);
      return r === undefined ? undefined : binaryName(e.op, l!, r);
    }
    default: return undefined;
  }
}

/** An EmptyMetric (literals, `vector()`, functions without a vector argument, a metric that is not a table). */
function emptyMetric(field = 'value', type: DataTypeName = 'Float64'): TqlShape {
  return { time: 'time', tags: [], fields: [field], refs: [field], types: [type], table: '', layout: [timeCol, { k: 'field', i: 0 }, restCol], order: SERIES_NULLS_FIRST };
}

const RANGE_FUNCTIONS = new Set(['idelta', 'irate', 'resets', 'changes', 'deriv', 'avg_over_time', 'min_over_time', 'max_over_time', 'sum_over_time',
  'count_over_time', 'last_over_time', 'absent_over_time', 'present_over_time', 'stddev_over_time', 'stdvar_over_time', 'quantile_over_time',
  'predict_linear', 'holt_winters', 'double_exponential_smoothing', 'mad_over_time']);
const EXTRAPOLATED = new Set(['rate', 'increase', 'delta']);
/** PromQL functions that are DataFusion functions of another name. */
const DATAFUSION_NAMES: Record<string, string> = { rad: 'radians', deg: 'degrees', sgn: 'signum', round: 'prom_round' };
const DATE_PARTS: Record<string, string> = {
  minute: 'minute', hour: 'hour', month: 'month', year: 'year', day_of_month: 'day', day_of_week: 'dow', day_of_year: 'doy',
};
const AGGREGATE_NAMES: Record<string, string> = {
  sum: 'sum', avg: 'avg', min: 'min', max: 'max', count: 'count', group: 'grouping', stddev: 'stddev_pop', stdvar: 'var_pop', quantile: 'quantile',
};
const INTEGER = new Set<DataTypeName>(['Int8', 'Int16', 'Int32', 'Int64', 'UInt8', 'UInt16', 'UInt32', 'UInt64']);

/**
 * The answer's shape for `expr`; `alias` (`TQL EVAL ... AS name`) renames the
 * value column and puts it first, then the tags, then the time.
 */
export function tqlShape(expr: Expr, env: ShapeEnv, alias?: string): TqlShape {
  const s = new ShapePlanner(env).shape(expr);
  if (alias === undefined) return s;
  if (s.fields.length !== 1) throw new InvalidArgumentsError(`TQL: AS names one value column, but the result has ${s.fields.length}`);
  if (alias === s.time || s.tags.includes(alias)) throw new InvalidArgumentsError(`TQL: AS ${alias} names a column the result already has (the time index or a label); choose another name`);
  return { ...s, fields: [alias], refs: [alias], layout: fieldsTagsTime(s.tags, 1) };
}

class ShapePlanner {
  constructor(private readonly env: ShapeEnv) {}

  shape(e: Expr): TqlShape {
    switch (e.kind) {
      case 'ParenExpr': return this.shape(e.expr);
      case 'NumberLiteral': return emptyMetric();
      case 'StringLiteral': return emptyMetric('value', 'String');
      case 'VectorSelector': return this.selector(e);
      case 'MatrixSelector': return this.selector(e.selector);
      case 'SubqueryExpr': return this.shape(e.expr);
      case 'UnaryExpr': {
        if (e.op === '+' || literalName(e) !== undefined) return this.shape(e.expr);
        const s = this.shape(e.expr);
        const fields = s.fields.map((f) => `(- ${f})`);
        return { ...s, fields, refs: fields, layout: tagsTimeFields(s.tags, fields.length), order: SERIES_NULLS_FIRST, plainSelector: false };
      }
      case 'Call': return this.call(e);
      case 'AggregateExpr': return this.aggregate(e);
      case 'BinaryExpr': return this.binary(e);
    }
  }

  private selector(sel: VectorSelector): TqlShape {
    const tables = this.env.metricTables(sel.matchers);
    if (!tables.length) return emptyMetric();
    const hasFieldMatcher = sel.matchers.some((m) => m.name === FIELD_LABEL);
    if (sel.name === undefined) {
      // `{__name__=~"..."}`: a union of tables, told apart by a __name__ column.
      const first = tables[0]!;
      const fields = selectTqlFields(first.fields, sel.matchers);
      if (!fields.length) return emptyMetric();
      const tags = [...new Set(tables.flatMap((t) => t.tags))].sort();
      tags.push(METRIC_NAME);
      return {
        time: first.timeIndex, tags, fields, refs: fields, types: fields.map((f) => fieldType(first, f)), table: '',
        layout: [...fieldCols(fields.length), ...tagCols(tags), timeCol], order: SERIES_NULLS_FIRST, plainSelector: true,
      };
    }
    const mt = tables[0]!;
    const fields = selectTqlFields(mt.fields, sel.matchers);
    if (!fields.length) return emptyMetric();
    const schema = sel.matchers.find((m) => SCHEMA_LABELS.has(m.name))?.value;
    const table = schema !== undefined ? `${schema}.${sel.name}` : sel.name;
    let layout: ShapeColumn[];
    if (mt.timeUnit === 'TimestampMillisecond' && !hasFieldMatcher) {
      // The scan's own columns, in the table's order.
      const tags = new Set(mt.tags);
      layout = [];
      for (const c of mt.table.schema.columns) {
        if (c.name === mt.timeIndex) layout.push(timeCol);
        else if (tags.has(c.name)) layout.push({ k: 'tag', name: c.name });
        else if (fields.includes(c.name)) layout.push({ k: 'field', i: fields.indexOf(c.name) });
      }
      layout.push(restCol);
    } else {
      // A projection: the time index cast to ms, or the fields `__field__` picks.
      layout = fieldsTagsTime(mt.tags, fields.length);
    }
    return {
      time: mt.timeIndex, tags: mt.tags, fields, refs: fields.map((f) => `${table}.${f}`), types: fields.map((f) => fieldType(mt, f)),
      table, layout, order: SERIES_NULLS_FIRST, plainSelector: true,
    };
  }

  private aggregate(e: AggregateExpr): TqlShape {
    const s = this.shape(e.expr);
    if (e.op === 'topk' || e.op === 'bottomk') {
      return { ...s, layout: fieldsTagsTime(s.tags, s.fields.length), order: { k: 'rank', groups: this.groupTags(e, s), desc: e.op === 'topk' }, plainSelector: false };
    }
    const tags = this.groupTags(e, s);
    if (e.op === 'count_values') {
      const label = e.param?.kind === 'StringLiteral' ? e.param.value : '';
      const fields = [`count(${s.refs[0] ?? 'value'})`];
      return {
        time: s.time, tags: [...tags, label], fields, refs: fields, types: ['Int64'], table: s.table,
        layout: [...fieldCols(1), ...tags.map((name) => ({ k: 'tag', name }) as const), restCol, timeCol, { k: 'tag', name: label }], order: SERIES_NULLS_LAST,
      };
    }
    const fn = AGGREGATE_NAMES[e.op]!;
    const param = e.op === 'quantile' && e.param ? `${literalName(e.param) ?? this.shape(e.param).fields[0]},` : '';
    const fields = s.refs.map((r) => `${fn}(${param}${r})`);
    const types = s.types.map((t): DataTypeName => {
      if (e.op === 'count') return 'Int64';
      if (e.op === 'group') return 'Int32';
      if (e.op === 'sum') return INTEGER.has(t) ? 'Int64' : 'Float64';
      if (e.op === 'min' || e.op === 'max') return t;
      return 'Float64';
    });
    return { time: s.time, tags, fields, refs: fields, types, table: s.table, layout: tagsTimeFields(tags, fields.length), order: SERIES_NULLS_LAST };
  }

  /** The labels an aggregation groups by: `by` in its order (those that exist), `without` the rest sorted. */
  private groupTags(e: AggregateExpr, s: TqlShape): string[] {
    if (!e.hasGrouping) return [];
    if (e.without) return s.tags.filter((t) => !e.grouping.includes(t)).sort();
    return [...new Set(e.grouping.filter((l) => s.tags.includes(l)))];
  }

  private binary(e: BinaryExpr): TqlShape {
    const ln = literalName(e.lhs);
    const rn = literalName(e.rhs);
    if (ln !== undefined && rn !== undefined) return emptyMetric();
    const filter = COMPARISON_OPS.has(e.op) && !e.bool;
    if (ln !== undefined || rn !== undefined) {
      const s = this.shape(ln === undefined ? e.lhs : e.rhs);
      // A comparison without bool filters rows and keeps its input as it is.
      if (filter) return { ...s, plainSelector: false };
      const fields = s.fields.map((f) => (ln !== undefined ? binaryName(e.op, ln, f) : binaryName(e.op, f, rn!)));
      return { ...s, fields, refs: fields, types: fields.map(() => 'Float64'), layout: tagsTimeFields(s.tags, fields.length), order: SERIES_NULLS_FIRST, plainSelector: false };
    }
    const island = this.island(e);
    if (island) return island;
    const l = this.shape(e.lhs);
    const r = this.shape(e.rhs);
    if (SET_OPS.has(e.op)) {
      if (e.op !== 'or') return { ...l, plainSelector: false };
      // `or`: the time first, then every other column of both sides by name.
      const field = l.fields[0]!;
      const tags = [...new Set([...l.tags, ...r.tags])].sort();
      const names = [...new Set([...tags, field])].sort();
      return {
        time: l.time, tags, fields: [field], refs: [field], types: [l.types[0]!], table: l.table,
        layout: [timeCol, ...names.map((n): ShapeColumn => (n === field ? { k: 'field', i: 0 } : { k: 'tag', name: n })), restCol], order: SERIES_NULLS_FIRST,
      };
    }
    if (filter) {
      // A comparison between vectors keeps one side's samples: time, values, tags.
      const kept = typeOf(e.lhs) === 'scalar' ? r : l;
      return { ...kept, refs: kept.fields, layout: timeFieldsTags(kept.tags, kept.fields.length), order: SERIES_NULLS_FIRST, plainSelector: false };
    }
    // A join on the tags and time: the right side's context goes on (the left's when it has the
    // tags a same-table right side lacks); fields pair up by position, qualified by their tables.
    let lq = l.table; let rq = r.table; let ctx: TqlShape = r; let table = r.table;
    if (lq === rq && !(l.plainSelector && r.plainSelector)) {
      lq = 'lhs'; rq = 'rhs';
      if (r.tags.length === 0) { ctx = l; table = 'lhs'; } else table = 'rhs';
    }
    const n = Math.min(l.fields.length, r.fields.length);
    const fields = Array.from({ length: n }, (_, i) => binaryName(e.op, `${lq}.${l.fields[i]}`, `${rq}.${r.fields[i]}`));
    return { time: ctx.time, tags: ctx.tags, fields, refs: fields, types: fields.map(() => 'Float64'), table, layout: tagsTimeFields(ctx.tags, n), order: SERIES_NULLS_FIRST };
  }

  /**
   * GreptimeDB's "binary island": arithmetic over selectors (and literals)
   * where one selector occurs more than once (`data / data`) is planned as one
   * join of the distinct selectors, and names its values `metric.field`.
   */
  private island(e: BinaryExpr): TqlShape | undefined {
    const leaves = new Map<string, VectorSelector>();
    let occurrences = 0;
    const walk = (x: Expr): boolean => {
      if (literalName(x) !== undefined) return true;
      switch (x.kind) {
        case 'ParenExpr': case 'UnaryExpr': return walk(x.expr);
        case 'VectorSelector': {
          if (x.name === undefined) return false;
          occurrences++;
          leaves.set(selectorKey(x), x);
          return true;
        }
        case 'BinaryExpr': {
          const m = x.matching;
          if (COMPARISON_OPS.has(x.op) || SET_OPS.has(x.op) || x.bool) return false;
          if (m && (m.on || m.labels.length || m.card !== 'one-to-one')) return false;
          return walk(x.lhs) && walk(x.rhs);
        }
        default: return false;
      }
    };
    if (!walk(e) || leaves.size === 0 || occurrences <= leaves.size) return undefined;
    const shapes = new Map<string, TqlShape>();
    for (const [key, sel] of leaves) {
      const s = this.selector(sel);
      if (s.table === '') return undefined;
      shapes.set(key, s);
    }
    const first = shapes.values().next().value as TqlShape;
    const firstTags = [...first.tags].sort().join('\u0000');
    for (const s of shapes.values()) if ([...s.tags].sort().join('\u0000') !== firstTags) return undefined;
    const names = (x: Expr): { names: string[]; scalar: boolean } => {
      const lit = literalName(x);
      if (lit !== undefined) return { names: [lit], scalar: true };
      switch (x.kind) {
        case 'ParenExpr': return names(x.expr);
        case 'UnaryExpr': { const n = names(x.expr); return x.op === '-' ? { ...n, names: n.names.map((s) => `-${s}`) } : n; }
        case 'VectorSelector': { const s = shapes.get(selectorKey(x))!; return { names: s.fields.map((f) => `${x.name}.${f}`), scalar: false }; }
        case 'BinaryExpr': {
          const l = names(x.lhs); const r = names(x.rhs);
          if (l.scalar) return { names: r.names.map((n) => `${l.names[0]} ${x.op} ${n}`), scalar: r.scalar };
          if (r.scalar) return { names: l.names.map((n) => `${n} ${x.op} ${r.names[0]}`), scalar: false };
          const k = Math.min(l.names.length, r.names.length);
          return { names: Array.from({ length: k }, (_, i) => `${l.names[i]} ${x.op} ${r.names[i]}`), scalar: false };
        }
        default: return { names: [], scalar: false };
      }
    };
    const fields = names(e).names;
    return { time: first.time, tags: first.tags, fields, refs: fields, types: fields.map(() => 'Float64'), table: first.table, layout: tagsTimeFields(first.tags, fields.length), order: SERIES_NULLS_FIRST };
  }

  private call(e: Call): TqlShape {
    switch (e.func) {
      case 'vector': return emptyMetric('greptime_value');
      case 'scalar': {
        const s = this.shape(e.args[0]!);
        const name = `scalar(${s.fields[0] ?? 'value'})`;
        return { time: s.time, tags: [], fields: [name], refs: [name], types: ['Float64'], table: s.table, layout: [timeCol, { k: 'field', i: 0 }, restCol], order: SERIES_NULLS_FIRST };
      }
      case 'histogram_quantile': {
        const s = this.shape(e.args[1]!);
        const tags = s.tags.filter((t) => t !== 'le');
        return { ...s, tags, types: s.types.map(() => 'Float64'), layout: s.layout.filter((c) => !(c.k === 'tag' && c.name === 'le')), plainSelector: false };
      }
      case 'absent': {
        const s = this.shape(e.args[0]!);
        const arg = unparen(e.args[0]!);
        const labels = arg.kind === 'VectorSelector' ? arg.matchers.filter((m) => m.op === '=' && m.name !== METRIC_NAME && !m.name.startsWith('__')).map((m) => m.name) : [];
        const field = s.fields[0] ?? 'value';
        return { time: s.time, tags: labels, fields: [field], refs: [field], types: ['Float64'], table: s.table, layout: timeFieldsTags(labels, 1), order: SERIES_NULLS_FIRST };
      }
      default: break;
    }
    // The vector argument is the input; the other arguments are literals passed after the field.
    const inputArg = e.args.find((a) => typeOf(a) === 'vector' || typeOf(a) === 'matrix');
    const s = inputArg ? this.shape(inputArg) : { ...emptyMetric(), tags: [] as string[] };
    const literals = e.args.filter((a) => a !== inputArg).map((a) => literalName(a) ?? this.shape(a).fields[0] ?? '');
    const f = e.func;
    let fields: string[];
    let types: DataTypeName[] = s.fields.map(() => 'Float64');
    let tags = s.tags;
    let layout: ShapeColumn[] | undefined;
    let order: RowOrder = s.order.k === 'series' ? s.order : SERIES_NULLS_FIRST;
    if (EXTRAPOLATED.has(f)) {
      const range = rangeOf(inputArg);
      fields = s.fields.map((x) => `prom_${f}(${s.time}_range,${x},${s.time},Int64(${range}))`);
    } else if (RANGE_FUNCTIONS.has(f)) {
      fields = s.fields.map((x) => `prom_${f}(${[`${s.time}_range`, x, ...literals].join(',')})`);
    } else if (f === 'time') {
      fields = [`${s.time} / Float64(1000)`];
    } else if (f === 'pi') {
      fields = ['pi()'];
    } else if (DATE_PARTS[f] !== undefined) {
      fields = inputArg ? s.fields.map((x) => `date_part(Utf8("${DATE_PARTS[f]}"),${x})`) : [`date_part(Utf8("${DATE_PARTS[f]}"),${s.time})`];
      types = fields.map(() => 'Int32');
    } else if (f === 'days_in_month') {
      const of = (x: string) => `date_part(Utf8("day"),date_trunc(Utf8("month"),${x}) + IntervalYearMonth("1") - IntervalDayTime("IntervalDayTime { days: 1, milliseconds: 0 }"))`;
      fields = inputArg ? s.fields.map(of) : [of(s.time)];
      types = fields.map(() => 'Int32');
    } else if (f === 'label_replace' || f === 'label_join') {
      // The fields stay; the new label comes after them, before the other labels.
      const dst = e.args[1]?.kind === 'StringLiteral' ? e.args[1].value : '';
      fields = [...s.fields];
      types = [...s.types];
      const others = s.tags.filter((t) => t !== dst);
      if (f === 'label_replace' && s.tags.includes(dst)) {
        // GreptimeDB refuses to replace an existing label; Strata replaces it in place.
        layout = timeFieldsTags(s.tags, fields.length);
      } else {
        tags = [...others, dst];
        layout = [timeCol, ...fieldCols(fields.length), { k: 'tag', name: dst }, ...tagCols(others)];
      }
      return { ...s, tags, fields, types, layout, order, plainSelector: false };
    } else if (f === 'sort' || f === 'sort_desc' || f === 'sort_by_label' || f === 'sort_by_label_desc') {
      fields = [...s.fields];
      types = [...s.types];
      if (f === 'sort' || f === 'sort_desc') order = { k: 'value', desc: f === 'sort_desc' };
      else order = { k: 'labels', labels: e.args.slice(1).map((a) => (a.kind === 'StringLiteral' ? a.value : '')), desc: f === 'sort_by_label_desc' };
    } else if (f === 'timestamp') {
      fields = ['value'];
    } else {
      const name = DATAFUSION_NAMES[f] ?? f;
      const args = f === 'round' && literals.length === 0 ? ['Float64(1)'] : literals;
      fields = s.fields.map((x) => `${name}(${[x, ...args].join(',')})`);
    }
    return {
      time: s.time, tags, fields, refs: fields, types: fields.map((_, i) => types[i] ?? 'Float64'), table: s.table,
      layout: layout ?? timeFieldsTags(tags, fields.length), order, plainSelector: false,
    };
  }
}

/** A field column's type as the answer carries it. */
function fieldType(mt: MetricTable, field: string): DataTypeName {
  const t = mt.table.schema.columns.find((c) => c.name === field)?.type.name;
  return t !== undefined && (INTEGER.has(t) || t === 'Float32' || t === 'Float64') ? t : 'Float64';
}

/** The range (ms) of a range-vector argument: `x[5m]` or a subquery's. */
function rangeOf(arg: Expr | undefined): number {
  const a = arg ? unparen(arg) : undefined;
  if (a?.kind === 'MatrixSelector') return a.rangeMs;
  if (a?.kind === 'SubqueryExpr') return a.rangeMs;
  return 0;
}

/** What makes two selectors the same one (GreptimeDB's island leaf key). */
function selectorKey(s: VectorSelector): string {
  const ms = s.matchers.filter((m) => m.name !== METRIC_NAME).map((m) => `${m.name}\u0000${m.op}\u0000${m.value}`).sort();
  return JSON.stringify([s.name, ms, s.offsetMs, s.at ?? null]);
}
