import * as arrow from 'apache-arrow';
import { InvalidArgumentsError } from '../errors/errors.js';
import type { DataType } from '../data/data-types.js';
import type { Catalog } from '../interfaces/catalog.js';
import type { StorageEngine } from '../interfaces/engine.js';
import type { QueryOutput, ResultColumn } from '../interfaces/query.js';
import type { PromqlService } from '../interfaces/promql.js';
import type * as sql from '../sql/ast.js';
import type { Expr } from './ast.js';
import { typeOf } from './check-promql.js';
import { parseDurationText } from './grammar-support.js';
import { parsePromql } from './parse-promql.js';
import { DefaultPromqlService } from './promql-service.js';
import { newSelectStats } from './series-source.js';

/** What `runTql` needs: the tables, the engine, the session's database. */
export interface TqlContext {
  readonly catalog: Catalog;
  readonly engine: StorageEngine;
  readonly database: string;
  readonly signal?: AbortSignal;
  /** For now() in the parameters (tests); Date.now() by default. */
  readonly nowMs?: number;
  /**
   * Evaluates a constant SQL expression (the SQL engine's binder and
   * evaluator): parameters such as `date_trunc('day', '2024-01-02'::timestamp)
   * - interval '1' day` that the simple forms below do not cover.
   */
  readonly evalConstant?: (e: sql.Expr) => Promise<{ value: unknown; type: DataType }>;
  /**
   * The server's PromQL service (the promql plugin's, with its lookbackDelta,
   * subqueryStep and maxSamples); absent, one with the defaults.
   */
  readonly service?: PromqlService;
}

const UNIT_MS: Record<string, number> = {
  millisecond: 1, milliseconds: 1, ms: 1, second: 1000, seconds: 1000, sec: 1000, secs: 1000, s: 1000,
  minute: 60_000, minutes: 60_000, min: 60_000, mins: 60_000, hour: 3_600_000, hours: 3_600_000, h: 3_600_000,
  day: 86_400_000, days: 86_400_000, d: 86_400_000, week: 604_800_000, weeks: 604_800_000, w: 604_800_000,
};

function intervalMs(text: string, unit?: string): number {
  if (unit) {
    const n = Number(text);
    const u = UNIT_MS[unit.toLowerCase()];
    if (Number.isFinite(n) && u) return n * u;
  }
  const t = text.trim();
  if (/^(\d+(ms|[smhdwy]))+$/.test(t)) return parseDurationText(t);
  let total = 0; let matched = false;
  for (const m of t.matchAll(/(-?\d+(?:\.\d+)?)\s*([a-zA-Z]+)/g)) {
    const u = UNIT_MS[m[2]!.toLowerCase()];
    if (!u) throw new InvalidArgumentsError(`TQL: unknown interval unit in '${text}'`);
    total += Number(m[1]) * u; matched = true;
  }
  if (!matched) throw new InvalidArgumentsError(`TQL: cannot read interval '${text}'`);
  return total;
}

/** A TQL time parameter in ms: unix seconds, an RFC 3339 string, now(), +/- intervals. */
function timeParam(e: sql.Expr, ctx: TqlContext, what: string): number {
  switch (e.kind) {
    case 'NumberLiteral': return Number(e.value) * 1000;
    case 'StringLiteral': {
      if (/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(e.value.trim())) return Number(e.value) * 1000;
      const ms = Date.parse(e.value);
      if (Number.isNaN(ms)) throw new InvalidArgumentsError(`TQL ${what}: cannot parse '${e.value}' as a timestamp`);
      return ms;
    }
    case 'FunctionCall':
      if (/^(now|current_timestamp)$/i.test(e.name) && e.args.length === 0) return ctx.nowMs ?? Date.now();
      break;
    case 'UnaryExpr':
      if (e.op === '-') return -timeParam(e.operand, ctx, what);
      if (e.op === '+') return timeParam(e.operand, ctx, what);
      break;
    case 'BinaryExpr':
      if (e.op === '+' || e.op === '-') {
        const l = timeParam(e.left, ctx, what);
        const r = e.right.kind === 'IntervalLiteral' ? intervalMs(e.right.value, e.right.unit) : timeParam(e.right, ctx, what);
        return e.op === '+' ? l + r : l - r;
      }
      break;
    default: break;
  }
  throw new InvalidArgumentsError(`TQL ${what}: expected a unix timestamp, an RFC 3339 string or now() +/- an interval`);
}

const NANOS_PER_UNIT: Record<string, bigint> = {
  TimestampSecond: 1_000_000_000n, TimestampMillisecond: 1_000_000n, TimestampMicrosecond: 1_000n, TimestampNanosecond: 1n,
};

/**
 * A start/end parameter in ms: the simple forms directly, anything else
 * (casts, date_trunc, timestamp arithmetic) through the SQL evaluator, as
 * GreptimeDB folds the parameters as SQL expressions. A timestamp is its
 * instant, a number unix seconds, an interval (`now() - now()`) its length
 * from the epoch, a string a unix-seconds or RFC 3339 text.
 */
async function timeParamOf(e: sql.Expr, ctx: TqlContext, what: string): Promise<number> {
  try {
    return timeParam(e, ctx, what);
  } catch (err) {
    if (!ctx.evalConstant || !(err instanceof InvalidArgumentsError) || !/expected a unix timestamp/.test(err.message)) throw err;
  }
  const { value, type } = await ctx.evalConstant(pinNow(e, ctx.nowMs ?? Date.now()));
  if (value === null || value === undefined) throw new InvalidArgumentsError(`TQL ${what}: the expression is NULL`);
  const perUnit = NANOS_PER_UNIT[type.name];
  if (perUnit !== undefined && typeof value === 'bigint') return Number((value * perUnit) / 1_000n) / 1000;
  if (type.name === 'Date' && typeof value === 'number') return value * 86_400_000;
  if (type.name.startsWith('Interval') && typeof value === 'object' && 'nanos' in value) {
    const iv = value as { months: number; days: number; nanos: bigint };
    if (iv.months !== 0) throw new InvalidArgumentsError(`TQL ${what}: an interval of months has no fixed length`);
    return iv.days * 86_400_000 + Number(iv.nanos) / 1e6;
  }
  if (typeof value === 'number' && /^(U?Int|Float)/.test(type.name)) return value * 1000;
  if (typeof value === 'bigint' && /^U?Int/.test(type.name)) return Number(value) * 1000;
  if (typeof value === 'string') return timeParam({ kind: 'StringLiteral', value } as sql.Expr, ctx, what);
  throw new InvalidArgumentsError(`TQL ${what}: expected a timestamp, got ${type.name}`);
}

/**
 * `e` with every now() / current_timestamp() replaced by one instant, so that
 * `now() - now()` is zero: the statement's now, as DataFusion's now() is one
 * value per statement.
 */
function pinNow(e: sql.Expr, nowMs: number): sql.Expr {
  const visit = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(visit);
    if (x === null || typeof x !== 'object') return x;
    const o = x as { kind?: string; name?: string; args?: unknown[]; span?: sql.Span };
    if (o.kind === 'FunctionCall' && /^(now|current_timestamp)$/i.test(o.name ?? '') && o.args?.length === 0) {
      const span = o.span!;
      return { kind: 'TypedLiteral', type: { kind: 'TypeName', name: 'TIMESTAMP', args: [3], unsigned: false, span }, value: new Date(nowMs).toISOString(), span };
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) out[k] = k === 'span' ? v : visit(v);
    return out;
  };
  return visit(e) as sql.Expr;
}

/** A TQL step/lookback in ms: seconds (number) or a duration ('15s', '1m', INTERVAL ...). */
function durationParam(e: sql.Expr, what: string): number {
  switch (e.kind) {
    case 'NumberLiteral': return Number(e.value) * 1000;
    case 'StringLiteral':
      if (/^(\d+(\.\d*)?|\.\d+)$/.test(e.value.trim())) return Number(e.value) * 1000;
      return intervalMs(e.value);
    case 'IntervalLiteral': return intervalMs(e.value, e.unit);
    default: throw new InvalidArgumentsError(`TQL ${what}: expected seconds or a duration such as '15s'`);
  }
}

/** A plan-like description of a PromQL expression, one node per line, for TQL EXPLAIN. */
export function explainPromql(e: Expr, indent = '', lookbackMs = 300_000): string[] {
  const child = (x: Expr) => explainPromql(x, `${indent}  `, lookbackMs);
  const mod = (o: number, at?: { kind: string; ms?: number }) =>
    `${o ? ` offset=${o}ms` : ''}${at ? ` @=${at.kind === 'time' ? `${at.ms}ms` : `${at.kind}()`}` : ''}`;
  switch (e.kind) {
    case 'NumberLiteral': return [`${indent}Literal: ${e.value}`];
    case 'StringLiteral': return [`${indent}Literal: ${JSON.stringify(e.value)}`];
    case 'ParenExpr': return explainPromql(e.expr, indent, lookbackMs);
    case 'VectorSelector':
      return [`${indent}InstantSelector: ${e.matchers.map((m) => `${m.name}${m.op}${JSON.stringify(m.value)}`).join(', ')}${mod(e.offsetMs, e.at)} lookback=${lookbackMs}ms`,
        `${indent}  SeriesScan: table=${e.name ?? '(every table matching __name__)'} time range + tag predicates pushed down`];
    case 'MatrixSelector':
      return [`${indent}RangeSelector: range=${e.rangeMs}ms${mod(e.selector.offsetMs, e.selector.at)}`,
        `${indent}  SeriesScan: table=${e.selector.name ?? '(every table matching __name__)'} ${e.selector.matchers.map((m) => `${m.name}${m.op}${JSON.stringify(m.value)}`).join(', ')}`];
    case 'SubqueryExpr': return [`${indent}Subquery: range=${e.rangeMs}ms step=${e.stepMs || 'default'}${mod(e.offsetMs, e.at)}`, ...child(e.expr)];
    case 'Call': return [`${indent}Function: ${e.func}`, ...e.args.flatMap(child)];
    case 'AggregateExpr':
      return [`${indent}Aggregate: ${e.op}${e.hasGrouping ? ` ${e.without ? 'without' : 'by'} (${e.grouping.join(', ')})` : ''}`, ...(e.param ? child(e.param) : []), ...child(e.expr)];
    case 'UnaryExpr': return [`${indent}Unary: ${e.op}`, ...child(e.expr)];
    case 'BinaryExpr': {
      const m = e.matching;
      const how = m ? ` ${m.card}${m.on || m.labels.length ? ` ${m.on ? 'on' : 'ignoring'}(${m.labels.join(', ')})` : ''}${m.include.length ? ` include(${m.include.join(', ')})` : ''}` : '';
      return [`${indent}Binary: ${e.op}${e.bool ? ' bool' : ''}${how}`, ...child(e.lhs), ...child(e.rhs)];
    }
  }
}

function planOutput(rows: Array<[string, string]>): QueryOutput {
  const table = new arrow.Table({
    plan_type: arrow.vectorFromArray(rows.map((r) => r[0]), new arrow.Utf8()),
    plan: arrow.vectorFromArray(rows.map((r) => r[1]), new arrow.Utf8()),
  });
  return {
    kind: 'records', schema: table.schema,
    columns: [{ name: 'plan_type', type: { name: 'String' } }, { name: 'plan', type: { name: 'String' } }],
    batches: (async function* () { yield* table.batches; })(),
  };
}

/**
 * The PromQL of a TQL statement, parsed once: a comma may follow the
 * parameters (`TQL EVAL (0, 30, '10s'), data < 1`), and a trailing `AS name`
 * (a plain identifier, or one in double quotes or backticks) names the value
 * column, as in GreptimeDB. PromQL has no AS, so the text before it must
 * parse on its own; `foo and as` (a metric named `as`) keeps its meaning
 * because the split only applies when the rest parses.
 */
export function parseTqlQuery(text: string): { query: string; alias?: string; expr: Expr } {
  text = text.replace(/^\s*,/, '');
  const m = /^([\s\S]*\S)\s+as\s+([A-Za-z_][A-Za-z0-9_]*|"[^"]+"|`[^`]+`)\s*$/i.exec(text);
  if (m) {
    let expr: Expr | undefined;
    try { expr = parsePromql(m[1]!); } catch { /* not an alias: the whole text is the query */ }
    if (expr) {
      const name = m[2]!;
      return { query: m[1]!, alias: /^["`]/.test(name) ? name.slice(1, -1) : name, expr };
    }
  }
  return { query: text, expr: parsePromql(text) };
}

/**
 * Runs a parsed `TQL EVAL|EXPLAIN|ANALYZE (start, end, step[, lookback]) <promql>`.
 * EVAL answers in GreptimeDB's shape: the time index, tag and value columns
 * named and ordered as GreptimeDB's planner does (tql-shape.ts), one row per
 * series and step. EXPLAIN shows the evaluation tree; ANALYZE runs it and
 * adds row count and time.
 *
 * @example
 * const [st] = parseSql("TQL EVAL (0, 600, '60s') sum(rate(http_requests_total[5m]))");
 * const out = await runTql(st as ast.TqlStatement, { catalog, engine, database: 'public' });
 * // columns: ts, sum(prom_rate(greptime_timestamp_range,greptime_value,greptime_timestamp,Int64(300000))) ...
 */
export async function runTql(st: sql.TqlStatement, ctx: TqlContext): Promise<QueryOutput> {
  // Without parameters: GreptimeDB's defaults, start = end = 0 and step 5m.
  // One now() for the whole statement: start and end, every call in them.
  ctx = { ...ctx, nowMs: ctx.nowMs ?? Date.now() };
  const startMs = st.start ? await timeParamOf(st.start, ctx, 'start') : 0;
  const endMs = st.end ? await timeParamOf(st.end, ctx, 'end') : 0;
  const stepMs = st.step ? durationParam(st.step, 'step') : 300_000;
  const lookbackMs = st.lookback ? durationParam(st.lookback, 'lookback') : undefined;
  if (!(stepMs > 0)) throw new InvalidArgumentsError('TQL step must be positive');
  if (endMs < startMs) throw new InvalidArgumentsError('TQL end must not be before start');
  const { query, alias, expr } = parseTqlQuery(st.query);
  const service = (ctx.service ?? new DefaultPromqlService(ctx.catalog, ctx.engine)) as DefaultPromqlService;
  // What instant selectors will look back: the statement's lookback, else the service's (the promql plugin's lookbackDelta).
  const effectiveLookbackMs = lookbackMs ?? service.defaultLookbackMs;
  if (st.command === 'EXPLAIN') {
    return planOutput([['logical_plan', [`PromqlEval: start=${startMs}ms end=${endMs}ms step=${stepMs}ms type=${typeOf(expr)}`, ...explainPromql(expr, '  ', effectiveLookbackMs)].join('\n')]]);
  }
  const request = { startMs, endMs, stepMs, query, expr, database: ctx.database, ...(alias !== undefined ? { valueColumn: alias } : {}), ...(lookbackMs !== undefined ? { lookbackMs } : {}), ...(ctx.signal ? { signal: ctx.signal } : {}) };
  if (st.command === 'ANALYZE') {
    // TQL ANALYZE and TQL EXPLAIN ANALYZE: run it, then the plan with what it read and where the time went.
    const stats = newSelectStats();
    const t0 = performance.now();
    const out = await service.evaluateTql(request, stats);
    let rows = 0;
    if (out.kind === 'records') for await (const b of out.batches) rows += b.numRows;
    const ms = performance.now() - t0;
    const sc = stats.scan;
    return planOutput([
      ['logical_plan', [`PromqlEval: start=${startMs}ms end=${endMs}ms step=${stepMs}ms type=${typeOf(expr)}`, ...explainPromql(expr, '  ', effectiveLookbackMs)].join('\n')],
      ['analyze', [
        `output_rows=${rows} elapsed=${ms.toFixed(2)}ms steps=${Math.floor((endMs - startMs) / stepMs) + 1}`,
        `select: selectors=${stats.selects} tables=${stats.tablesScanned} series=${stats.series} samples=${stats.samples} elapsed=${stats.selectMs.toFixed(2)}ms`,
        `scan: rows_scanned=${sc.rowsScanned} rows_returned=${sc.rowsReturned} files=${sc.filesTotal - sc.filesPruned}/${sc.filesTotal} ` +
          `row_groups=${sc.rowGroupsTotal - sc.rowGroupsPruned}/${sc.rowGroupsTotal}`,
        `evaluate+output: elapsed=${(ms - stats.selectMs).toFixed(2)}ms`,
      ].join('\n')],
    ]);
  }
  return service.evaluateTql(request);
}

/**
 * A TQL EVAL as a relation (a CTE body, `WITH t AS (TQL EVAL ...)`): the same
 * columns, in the same order, as the statement answers on its own, which
 * column aliases rename by position (GreptimeDB: a TQL CTE is tabular too).
 *
 * @example
 * // labels(ts, host, cpu): labels{host="host1"} -> ts, host, cpu; avg_over_time(labels[30s]) -> ts, prom_avg_over_time(ts_range,cpu), host
 */
export async function runTqlRelation(st: sql.TqlStatement, ctx: TqlContext): Promise<{ columns: ResultColumn[]; batches: arrow.RecordBatch[] }> {
  const out = await runTql(st, ctx);
  if (out.kind !== 'records') throw new InvalidArgumentsError('Only TQL EVAL is supported in CTEs');
  const batches: arrow.RecordBatch[] = [];
  for await (const b of out.batches) batches.push(b);
  return { columns: [...out.columns], batches };
}
