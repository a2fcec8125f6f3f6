// AST -> SQL text. The output re-parses to the same AST (spans aside): binary
// operands are parenthesized, identifiers quoted when they would not survive
// unquoted, strings re-escaped, numbers printed from their source text so
// big integers stay exact. Used for round-trip tests, EXPLAIN output and
// anything that stores an expression as text (partition rules, defaults).
import type * as ast from '../ast.js';
import { NONRESERVED_KEYWORDS, RESERVED_KEYWORDS } from './lexer.js';

const KEYWORDS = new Set([...RESERVED_KEYWORDS, ...NONRESERVED_KEYWORDS]);
const RESERVED = new Set(RESERVED_KEYWORDS);

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * An identifier as SQL: bare when it is lower-case, simple and not a reserved
 * word (non-reserved keywords are valid names); "quoted" otherwise.
 */
export function formatIdent(name: string): string {
  if (/^[a-z_][a-z0-9_$]*$/.test(name) && !RESERVED.has(name.toUpperCase())) return name;
  return quoteIdent(name);
}

/** Like formatIdent, but also quotes non-reserved keywords (for spots that take plain identifiers only, e.g. OVER w). */
function formatStrictIdent(name: string): string {
  if (/^[a-z_][a-z0-9_$]*$/.test(name) && !KEYWORDS.has(name.toUpperCase())) return name;
  return quoteIdent(name);
}

/** A string literal with '' escaping. */
export function formatString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function typeSql(t: ast.TypeName): string {
  const name = /^[A-Z_][A-Z0-9_ ]*$/.test(t.name) ? t.name : `"${t.name}"`;
  return `${name}${t.args.length ? `(${t.args.join(', ')})` : ''}${t.unsigned ? ' UNSIGNED' : ''}`;
}

function fill(f: ast.FillOption): string {
  switch (f.kind) {
    case 'FillNull': return 'FILL NULL';
    case 'FillPrev': return 'FILL PREV';
    case 'FillLinear': return 'FILL LINEAR';
    case 'FillValue': return `FILL ${formatExpr(f.value)}`;
  }
}

/** A range/align duration: string literals bare, anything else parenthesized. */
function duration(e: ast.Expr): string {
  return e.kind === 'StringLiteral' || e.kind === 'IntervalLiteral' ? formatExpr(e) : `(${formatExpr(e)})`;
}

function orderItems(items: readonly ast.OrderByItem[]): string {
  return items.map((o) => `${formatExpr(o.expr)}${o.desc ? ' DESC' : ''}${o.nulls ? ` NULLS ${o.nulls}` : ''}`).join(', ');
}

function frameBound(b: ast.FrameBound): string {
  switch (b.kind) {
    case 'UnboundedPreceding': return 'UNBOUNDED PRECEDING';
    case 'UnboundedFollowing': return 'UNBOUNDED FOLLOWING';
    case 'CurrentRow': return 'CURRENT ROW';
    case 'Preceding': return `${frameOffset(b.offset)} PRECEDING`;
    case 'Following': return `${frameOffset(b.offset)} FOLLOWING`;
  }
}

function frameOffset(e: ast.Expr): string {
  return e.kind === 'NumberLiteral' || e.kind === 'StringLiteral' || e.kind === 'IntervalLiteral' || e.kind === 'Placeholder'
    ? formatExpr(e) : `(${formatExpr(e)})`;
}

function windowSpec(w: ast.WindowSpec): string {
  const parts: string[] = [];
  if (w.name !== undefined) parts.push(formatStrictIdent(w.name));
  if (w.partitionBy.length) parts.push(`PARTITION BY ${w.partitionBy.map(formatExpr).join(', ')}`);
  if (w.orderBy.length) parts.push(`ORDER BY ${orderItems(w.orderBy)}`);
  if (w.frame) parts.push(`${w.frame.units} BETWEEN ${frameBound(w.frame.start)} AND ${frameBound(w.frame.end)}${w.frame.exclude ? ` EXCLUDE ${w.frame.exclude}` : ''}`);
  return `(${parts.join(' ')})`;
}

/**
 * SQL text for an expression.
 *
 * @example
 * formatExpr(parseSqlExpression("a+1 > 'x''y'")) // "((a + 1) > 'x''y')"
 */
export function formatExpr(e: ast.Expr): string {
  switch (e.kind) {
    case 'NumberLiteral': return e.text;
    case 'StringLiteral': return formatString(e.value);
    case 'BinaryLiteral': return `X'${e.hex}'`;
    case 'BooleanLiteral': return e.value ? 'TRUE' : 'FALSE';
    case 'NullLiteral': return 'NULL';
    case 'IntervalLiteral': return `INTERVAL ${formatString(e.value)}${e.unit ? ` ${e.unit}` : ''}`;
    case 'TypedLiteral': return `${e.type.name} ${formatString(e.value)}`;
    case 'ColumnRef': {
      const parts = [e.database, e.table].filter((x): x is string => x !== undefined).map(formatIdent);
      // Keep the quoting as written so the AST round-trips (ColumnRef.quoted).
      parts.push(e.quoted ? quoteIdent(e.name) : formatIdent(e.name));
      return parts.join('.');
    }
    case 'Wildcard': return `${e.database !== undefined ? `${formatIdent(e.database)}.` : ''}${e.table !== undefined ? `${formatIdent(e.table)}.` : ''}*`;
    case 'Placeholder': return e.text === '?' ? '?' : e.text;
    case 'SessionVariable': return e.user ? `@${e.name}` : `@@${e.scope ? `${e.scope.toLowerCase()}.` : ''}${e.name}`;
    case 'UnaryExpr': return e.op === 'NOT' ? `(NOT ${formatExpr(e.operand)})` : `(${e.op} ${formatExpr(e.operand)})`;
    case 'BinaryExpr': return `(${formatExpr(e.left)} ${e.op} ${formatExpr(e.right)})`;
    case 'IsExpr': return `(${formatExpr(e.expr)} IS ${e.not ? 'NOT ' : ''}${e.test})`;
    case 'BetweenExpr': return `(${formatExpr(e.expr)} ${e.not ? 'NOT ' : ''}BETWEEN ${formatExpr(e.low)} AND ${formatExpr(e.high)})`;
    case 'InListExpr': return `(${formatExpr(e.expr)} ${e.not ? 'NOT ' : ''}IN (${e.list.map(formatExpr).join(', ')}))`;
    case 'InSubqueryExpr':
      if (e.quantified) return `(${formatExpr(e.expr)} ${e.quantified.op} ${e.quantified.all ? 'ALL' : 'ANY'} (${formatQuery(e.query)}))`;
      return `(${formatExpr(e.expr)} ${e.not ? 'NOT ' : ''}IN (${formatQuery(e.query)}))`;
    case 'LikeExpr':
      return `(${formatExpr(e.expr)} ${e.not ? 'NOT ' : ''}${e.caseInsensitive ? 'ILIKE' : 'LIKE'} ${formatExpr(e.pattern)}${e.escape ? ` ESCAPE ${formatExpr(e.escape)}` : ''})`;
    case 'CaseExpr':
      return `CASE${e.operand ? ` ${formatExpr(e.operand)}` : ''}${e.whens.map((w) => ` WHEN ${formatExpr(w.when)} THEN ${formatExpr(w.then)}`).join('')}${e.else ? ` ELSE ${formatExpr(e.else)}` : ''} END`;
    case 'CastExpr':
      return e.syntax === '::' ? `(${formatExpr(e.expr)}::${typeSql(e.type)})` : `${e.syntax}(${formatExpr(e.expr)} AS ${typeSql(e.type)})`;
    case 'FunctionCall': {
      if (e.keywordForm) { const k = keywordForm(e); if (k !== undefined) return k; }
      const plain = e.args.length === 0 && !e.distinct && !e.filter && !e.over && !e.orderBy?.length && !e.withinGroup?.length;
      const name = `${e.database !== undefined ? `${formatIdent(e.database)}.` : ''}${formatFunctionName(e.name, plain)}`;
      const args = e.args.map((a, i) => (i === 0 && e.database === undefined && e.name === 'trim' ? trimSource(a) : formatExpr(a))).join(', ');
      const order = e.orderBy?.length ? ` ORDER BY ${orderItems(e.orderBy)}` : '';
      const within = e.withinGroup?.length ? ` WITHIN GROUP (ORDER BY ${orderItems(e.withinGroup)})` : '';
      return `${name}(${e.distinct ? 'DISTINCT ' : ''}${args}${order})${within}${e.nullTreatment ? ` ${e.nullTreatment}` : ''}${e.filter ? ` FILTER (WHERE ${formatExpr(e.filter)})` : ''}${e.over ? ` OVER ${windowSpec(e.over)}` : ''}`;
    }
    case 'RangeExpr': {
      const inner = e.expr.kind === 'FunctionCall' ? formatExpr(e.expr) : `(${formatExpr(e.expr)})`;
      return `(${inner} RANGE ${duration(e.range)}${e.fill ? ` ${fill(e.fill)}` : ''})`;
    }
    case 'SubqueryExpr': return `(${formatQuery(e.query)})`;
    case 'ExistsExpr': return `${e.not ? 'NOT ' : ''}EXISTS (${formatQuery(e.query)})`;
    case 'RowExpr': return `(${e.items.map(formatExpr).join(', ')})`;
    case 'DefaultValue': return 'DEFAULT';
  }
}

const TRIM_SPECS: Record<string, string> = { ltrim: 'LEADING ', rtrim: 'TRAILING ', btrim: 'BOTH ', trim: '' };

/** A call from a SQL-standard keyword form (FunctionCall.keywordForm) in that form; undefined if it has no such shape. */
function keywordForm(e: ast.FunctionCall): string | undefined {
  const a = e.args.map(formatExpr);
  const n = a.length;
  if (e.database !== undefined || e.distinct || e.filter || e.over || e.orderBy?.length || e.nullTreatment) return undefined;
  const spec = TRIM_SPECS[e.name];
  if (spec !== undefined && (n === 1 || n === 2)) {
    // TRIM(<chars> FROM s) without a specification: chars must not read as one (trimSource).
    const chars = n === 2 ? `${spec ? a[1] : trimSource(e.args[1]!)} ` : '';
    return `TRIM(${spec}${chars}FROM ${a[0]})`;
  }
  switch (e.name) {
    case 'substr': return n === 2 || n === 3 ? `SUBSTRING(${a[0]} FROM ${a[1]}${n === 3 ? ` FOR ${a[2]}` : ''})` : undefined;
    // The needle is an operand below IN (sqlparser: BETWEEN precedence); NOT EXISTS is the only formatted text that is not.
    case 'strpos': return n === 2 ? `POSITION(${e.args[1]!.kind === 'ExistsExpr' ? `(${a[1]})` : a[1]} IN ${a[0]})` : undefined;
    case 'overlay': return n === 3 || n === 4 ? `OVERLAY(${a[0]} PLACING ${a[1]} FROM ${a[2]}${n === 4 ? ` FOR ${a[3]}` : ''})` : undefined;
    default: return undefined;
  }
}

/**
 * The first argument of a plain trim(...) call: after `trim(` a leading BOTH / LEADING /
 * TRAILING word is TRIM's keyword (lexer.ts), so an argument that starts with such a name
 * (a column `both`, a call both(x)) is parenthesized to stay an argument.
 */
function trimSource(a: ast.Expr): string {
  const text = formatExpr(a);
  return /^(both|leading|trailing)\b/i.test(text) ? `(${text})` : text;
}

// Reserved words that still parse as function names in their own spelling.
const RESERVED_FUNCTION_NAMES = new Set(['left', 'right', 'current_timestamp', 'current_date', 'current_time', 'localtimestamp']);

function formatFunctionName(name: string, plain: boolean): string {
  if (name === 'left' || name === 'right') return name;
  // CURRENT_TIMESTAMP & co. parse only with empty parentheses.
  if (plain && RESERVED_FUNCTION_NAMES.has(name)) return name;
  return formatIdent(name);
}

function tableRef(t: ast.TableRef): string {
  switch (t.kind) {
    case 'NamedTable': return `${formatObjectName(t.name)}${alias(t.alias)}`;
    case 'DerivedTable': return `(${formatQuery(t.query)})${alias(t.alias)}`;
    case 'Join': {
      const op = `${t.natural ? 'NATURAL ' : ''}${t.joinType} JOIN`;
      const cond = t.on ? ` ON ${formatExpr(t.on)}` : t.using ? ` USING (${t.using.map(formatIdent).join(', ')})` : '';
      // The right side of a join is a single table; parenthesize a nested join there.
      const right = t.right.kind === 'Join' ? `(${tableRef(t.right)})` : tableRef(t.right);
      return `${tableRef(t.left)} ${op} ${right}${cond}`;
    }
  }
}

function alias(a: ast.TableAlias | undefined): string {
  if (!a) return '';
  return ` AS ${formatIdent(a.name)}${a.columns ? `(${a.columns.map(formatIdent).join(', ')})` : ''}`;
}

export function formatObjectName(n: ast.ObjectName): string {
  return [n.catalog, n.database, n.name].filter((x): x is string => x !== undefined).map(formatIdent).join('.');
}

function select(s: ast.Select): string {
  const quant = s.distinctOn ? `DISTINCT ON (${s.distinctOn.map(formatExpr).join(', ')}) ` : s.distinct ? 'DISTINCT ' : '';
  const parts = [`SELECT ${quant}${s.items.map((i) => (i.kind === 'Wildcard' ? formatExpr(i) : `${formatExpr(i.expr)}${i.alias !== undefined ? ` AS ${formatIdent(i.alias)}` : ''}`)).join(', ')}`];
  if (s.from.length) parts.push(`FROM ${s.from.map(tableRef).join(', ')}`);
  if (s.where) parts.push(`WHERE ${formatExpr(s.where)}`);
  if (s.groupBy.length) parts.push(`GROUP BY ${s.groupBy.map(formatExpr).join(', ')}`);
  if (s.having) parts.push(`HAVING ${formatExpr(s.having)}`);
  if (s.align) {
    const a = s.align;
    let text = `ALIGN ${duration(a.interval)}`;
    if (a.to) text += a.to.kind === 'AlignToNow' ? ' TO NOW' : a.to.kind === 'AlignToCalendar' ? ' TO CALENDAR' : ` TO ${a.to.expr.kind === 'StringLiteral' || a.to.expr.kind === 'NumberLiteral' ? formatExpr(a.to.expr) : `(${formatExpr(a.to.expr)})`}`;
    if (a.by) text += ` BY (${a.by.map(formatExpr).join(', ')})`;
    if (a.fill) text += ` ${fill(a.fill)}`;
    parts.push(text);
  }
  if (s.windows.length) parts.push(`WINDOW ${s.windows.map((w) => `${formatIdent(w.name)} AS ${windowSpec(w.spec)}`).join(', ')}`);
  return parts.join(' ');
}

function setExpr(b: ast.SetExpr, side: 'left' | 'right' | 'top'): string {
  switch (b.kind) {
    case 'Select': return select(b);
    case 'Values': return `VALUES ${b.rows.map((r) => `(${r.map(formatExpr).join(', ')})`).join(', ')}`;
    case 'Query': return `(${formatQuery(b)})`;
    case 'SetOperation': {
      const text = `${setExpr(b.left, 'left')} ${b.op}${b.all ? ' ALL' : ''} ${setExpr(b.right, 'right')}`;
      // Parenthesize every nested set operation so grouping never depends on precedence.
      return side === 'top' ? text : `(${text})`;
    }
  }
}

/**
 * SQL text for a query (WITH, body, ORDER BY, LIMIT/OFFSET).
 *
 * @example
 * formatQuery(q) // 'SELECT host, avg(cpu) FROM cpu GROUP BY host ORDER BY host LIMIT 10'
 */
export function formatQuery(q: ast.Query): string {
  const parts: string[] = [];
  if (q.with) {
    parts.push(`WITH ${q.with.recursive ? 'RECURSIVE ' : ''}${q.with.ctes.map((c) => `${formatIdent(c.name)}${c.columns ? `(${c.columns.map(formatIdent).join(', ')})` : ''} AS (${c.tql ? c.tql.text : formatQuery(c.query!)})`).join(', ')}`);
  }
  parts.push(setExpr(q.body, 'top'));
  if (q.orderBy.length) parts.push(`ORDER BY ${orderItems(q.orderBy)}`);
  if (q.limit) parts.push(`LIMIT ${formatExpr(q.limit)}`);
  if (q.offset) parts.push(`OFFSET ${formatExpr(q.offset)}`);
  return parts.join(' ');
}
