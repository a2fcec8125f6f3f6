// Shared helpers for the SQL parser tests.
import { expect } from 'chai';
import { parseSql, type ParseSqlOptions } from '../../src/sql/parser/parse-sql.js';
import type * as ast from '../../src/sql/ast.js';
import { SyntaxError } from '../../src/errors/errors.js';

/** Parses and asserts every statement had exactly one derivation (the grammar is unambiguous). */
export function parseAll(sql: string, options: ParseSqlOptions = {}): ast.Statement[] {
  const counts: number[] = [];
  const out = parseSql(sql, { ...options, onDerivations: (n) => counts.push(n) });
  for (const n of counts) expect(n, `derivations of: ${sql}`).to.equal(1);
  return out;
}

export function parseOne(sql: string, options: ParseSqlOptions = {}): ast.Statement {
  const all = parseAll(sql, options);
  expect(all, sql).to.have.length(1);
  return all[0]!;
}

/** Parses one statement of the given kind. */
export function parseKind<K extends ast.Statement['kind']>(sql: string, kind: K): Extract<ast.Statement, { kind: K }> {
  const s = parseOne(sql);
  expect(s.kind, sql).to.equal(kind);
  return s as Extract<ast.Statement, { kind: K }>;
}

export function queryOf(sql: string): ast.Query {
  return parseKind(sql, 'QueryStatement').query;
}

export function selectOf(sql: string): ast.Select {
  const q = queryOf(sql);
  expect(q.body.kind, sql).to.equal('Select');
  return q.body as ast.Select;
}

/** The first projection's expression of `SELECT <text>`. */
export function exprOf(text: string): ast.Expr {
  const item = selectOf(`SELECT ${text}`).items[0]!;
  expect(item.kind).to.equal('SelectExprItem');
  return (item as ast.SelectExprItem).expr;
}

/** `show(exprOf(text))`. */
export function shown(text: string): string {
  return show(exprOf(text));
}

/** Removes `span` (and statement `text`) recursively, for structural comparisons. */
export function strip<T>(node: T): T {
  if (Array.isArray(node)) return node.map(strip) as T;
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'span') continue;
    out[k] = strip(v);
  }
  return out as T;
}

/** A fully parenthesized rendering of an expression, to test precedence and shapes. */
export function show(e: ast.Expr): string {
  switch (e.kind) {
    case 'NumberLiteral': return e.text;
    case 'StringLiteral': return `'${e.value.replace(/'/g, "''")}'`;
    case 'BinaryLiteral': return `X'${e.hex}'`;
    case 'BooleanLiteral': return e.value ? 'TRUE' : 'FALSE';
    case 'NullLiteral': return 'NULL';
    case 'IntervalLiteral': return `INTERVAL '${e.value}'${e.unit ? ` ${e.unit}` : ''}`;
    case 'TypedLiteral': return `${e.type.name} '${e.value}'`;
    case 'ColumnRef': return [e.database, e.table, e.name].filter((x) => x !== undefined).join('.');
    case 'Wildcard': return e.table ? `${e.table}.*` : '*';
    case 'Placeholder': return `?${e.index}`;
    case 'SessionVariable': return e.user ? `@${e.name}` : `@@${e.scope ? `${e.scope.toLowerCase()}.` : ''}${e.name}`;
    case 'UnaryExpr': return `(${e.op}${e.op === 'NOT' ? ' ' : ''}${show(e.operand)})`;
    case 'BinaryExpr': return `(${show(e.left)} ${e.op} ${show(e.right)})`;
    case 'IsExpr': return `(${show(e.expr)} IS ${e.not ? 'NOT ' : ''}${e.test})`;
    case 'BetweenExpr': return `(${show(e.expr)} ${e.not ? 'NOT ' : ''}BETWEEN ${show(e.low)} AND ${show(e.high)})`;
    case 'InListExpr': return `(${show(e.expr)} ${e.not ? 'NOT ' : ''}IN (${e.list.map(show).join(', ')}))`;
    case 'InSubqueryExpr':
      if (e.quantified) return `(${show(e.expr)} ${e.quantified.op} ${e.quantified.all ? 'ALL' : 'ANY'} <query>)`;
      return `(${show(e.expr)} ${e.not ? 'NOT ' : ''}IN <query>)`;
    case 'LikeExpr': return `(${show(e.expr)} ${e.not ? 'NOT ' : ''}${e.caseInsensitive ? 'ILIKE' : 'LIKE'} ${show(e.pattern)}${e.escape ? ` ESCAPE ${show(e.escape)}` : ''})`;
    case 'CaseExpr':
      return `CASE${e.operand ? ` ${show(e.operand)}` : ''}${e.whens.map((w) => ` WHEN ${show(w.when)} THEN ${show(w.then)}`).join('')}${e.else ? ` ELSE ${show(e.else)}` : ''} END`;
    case 'CastExpr': return `${e.syntax === 'TRY_CAST' ? 'TRY_CAST' : 'CAST'}(${show(e.expr)} AS ${e.type.name}${e.type.args.length ? `(${e.type.args.join(', ')})` : ''}${e.type.unsigned ? ' UNSIGNED' : ''})`;
    case 'FunctionCall':
      return `${e.database ? `${e.database}.` : ''}${e.name}(${e.distinct ? 'DISTINCT ' : ''}${e.args.map(show).join(', ')})${e.nullTreatment ? ` ${e.nullTreatment}` : ''}${e.filter ? ` FILTER(${show(e.filter)})` : ''}${e.over ? ' OVER(...)' : ''}`;
    case 'RangeExpr': return `(${show(e.expr)} RANGE ${show(e.range)}${e.fill ? ` FILL ${e.fill.kind === 'FillValue' ? show(e.fill.value) : e.fill.kind}` : ''})`;
    case 'SubqueryExpr': return '<query>';
    case 'ExistsExpr': return `${e.not ? 'NOT ' : ''}EXISTS <query>`;
    case 'RowExpr': return `ROW(${e.items.map(show).join(', ')})`;
    case 'DefaultValue': return 'DEFAULT';
  }
}

/** Asserts `sql` fails with a positioned SyntaxError; returns it. */
export function syntaxErrorOf(sql: string): SyntaxError {
  let caught: unknown;
  try {
    parseSql(sql);
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected a syntax error for: ${sql}`).to.be.instanceOf(SyntaxError);
  const e = caught as SyntaxError;
  expect(e.code).to.equal('INVALID_SYNTAX');
  expect(e.status).to.equal(2000);
  return e;
}
