// Helpers for the grammar's postprocessors (grammar.ne). Kept out of the
// grammar file so they are type-checked normally and shared with the
// INSERT fast path.
import type * as ast from '../ast.js';
import type { SqlToken } from './lexer.js';
import { SyntaxError } from '../../errors/errors.js';

type Located = SqlToken | { span: ast.Span } | null | undefined | Located[];

function isToken(x: unknown): x is SqlToken {
  return typeof x === 'object' && x !== null && typeof (x as SqlToken).offset === 'number' && typeof (x as SqlToken).text === 'string';
}

function first(x: Located): ast.Span | undefined {
  if (x === null || typeof x !== 'object') return undefined;
  if (Array.isArray(x)) {
    for (const e of x) { const s = first(e); if (s) return s; }
    return undefined;
  }
  if (isToken(x)) return { start: x.offset, end: x.offset + x.text.length, line: x.line, column: x.col };
  if ('span' in x && x.span) return x.span;
  return undefined;
}

function last(x: Located): ast.Span | undefined {
  if (x === null || typeof x !== 'object') return undefined;
  if (Array.isArray(x)) {
    for (let i = x.length - 1; i >= 0; i--) { const s = last(x[i]); if (s) return s; }
    return undefined;
  }
  return first(x);
}

const NO_SPAN: ast.Span = { start: 0, end: 0, line: 1, column: 1 };

/** The span covering everything in `parts` (tokens, nodes, nested arrays, nulls). */
export function span(...parts: unknown[]): ast.Span {
  const a = first(parts as Located);
  const b = last(parts as Located);
  if (!a || !b) return NO_SPAN;
  return { start: a.start, end: b.end, line: a.line, column: a.column };
}

/** Normalized identifier text from an identifier or keyword token. */
export function identText(t: SqlToken): string {
  return t.type === 'QIDENT' ? t.value : t.text.toLowerCase();
}

export function identifier(t: SqlToken): ast.Identifier {
  return { kind: 'Identifier', value: identText(t), quoted: t.type === 'QIDENT', span: span(t) };
}

/** Builds an ObjectName from 1..3 identifier tokens (catalog.database.name). */
export function objectName(parts: SqlToken[]): ast.ObjectName {
  const names = parts.map(identText);
  const s = span(parts);
  if (names.length === 1) return { kind: 'ObjectName', name: names[0]!, span: s };
  if (names.length === 2) return { kind: 'ObjectName', database: names[0]!, name: names[1]!, span: s };
  if (names.length === 3) return { kind: 'ObjectName', catalog: names[0]!, database: names[1]!, name: names[2]!, span: s };
  throw new SyntaxError(`at line ${s.line}, column ${s.column}: name '${parts.map((p) => p.text).join('.')}' has too many parts`, s.line, s.column);
}

export function columnRef(parts: SqlToken[]): ast.ColumnRef {
  const names = parts.map(identText);
  const s = span(parts);
  const quoted = parts[parts.length - 1]!.type === 'QIDENT';
  if (names.length === 1) return { kind: 'ColumnRef', name: names[0]!, quoted, span: s };
  if (names.length === 2) return { kind: 'ColumnRef', table: names[0]!, name: names[1]!, quoted, span: s };
  if (names.length === 3) return { kind: 'ColumnRef', database: names[0]!, table: names[1]!, name: names[2]!, quoted, span: s };
  // catalog.db.table.column: drop the catalog (always `greptime`).
  if (names.length === 4) return { kind: 'ColumnRef', database: names[1]!, table: names[2]!, name: names[3]!, quoted, span: s };
  throw new SyntaxError(`at line ${s.line}, column ${s.column}: column name '${parts.map((p) => p.text).join('.')}' has too many parts`, s.line, s.column);
}

const SAFE_DIGITS = 15;

/** A number literal from its text (optionally negated). Big integers stay exact as bigint. */
export function numberLiteral(text: string, s: ast.Span, negative = false): ast.NumberLiteral {
  const isInteger = /^\d+$/.test(text);
  const fullText = negative ? `-${text}` : text;
  let value: number | bigint;
  if (isInteger) {
    const digits = text.replace(/^0+(?=\d)/, '');
    if (digits.length <= SAFE_DIGITS) value = negative ? -Number(digits) : Number(digits);
    else {
      const b = negative ? -BigInt(digits) : BigInt(digits);
      value = b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
    }
    if (Object.is(value, -0)) value = 0;
  } else {
    value = negative ? -Number(text) : Number(text);
  }
  return { kind: 'NumberLiteral', text: fullText, value, isInteger, span: s };
}

/** A NUMBER token's literal; `value` is the decimal text (differs from `text` for 0x hex numbers). */
export function numberFromToken(t: SqlToken): ast.NumberLiteral {
  return numberLiteral(t.value, span(t));
}

export function stringLiteral(t: SqlToken): ast.StringLiteral {
  return { kind: 'StringLiteral', value: t.value, span: span(t) };
}

export function binaryLiteral(t: SqlToken): ast.BinaryLiteral {
  return { kind: 'BinaryLiteral', hex: t.value, span: span(t) };
}

/** The bytes of X'...' / 0x...: an even number of hex digits (an error names the literal, as GreptimeDB's does). */
export function hexBytes(hex: string): Uint8Array {
  const bad = /[^0-9a-fA-F]/.exec(hex);
  if (bad) throw new SyntaxError(`Failed to parse hex literal X'${hex}': invalid character '${bad[0]}' at position ${bad.index}`);
  if (hex.length % 2) throw new SyntaxError(`Failed to parse hex literal X'${hex}': odd number of digits`);
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

/** A type name node. Unknown names are reported after parsing (parse-sql.ts), not here: Earley completes `type` speculatively. */
export function typeName(nameTokens: SqlToken[], args: ast.NumberLiteral[] | null, unsigned: SqlToken | null, all: unknown[]): ast.TypeName {
  const name = nameTokens.map((t) => (t.type === 'QIDENT' ? t.value : t.text).toUpperCase()).join(' ');
  return {
    kind: 'TypeName', name,
    args: (args ?? []).map((a) => Number(a.value)),
    unsigned: unsigned !== null,
    span: span(all),
  };
}

/** Folds a unary minus into a numeric literal so that `-9223372036854775808` stays exact. */
export function negate(op: SqlToken, operand: ast.Expr): ast.Expr {
  const s = span(op, operand);
  // Only a literal written right after the minus: not `- 5`, not `-(5)` (its span then covers the parentheses).
  if (operand.kind === 'NumberLiteral' && !operand.text.startsWith('-') && operand.span.start === op.offset + op.text.length
    && operand.span.end - operand.span.start === operand.text.length) {
    return numberLiteral(operand.text, s, true);
  }
  return { kind: 'UnaryExpr', op: '-', operand, span: s };
}

/** Option values of WITH (...) and ALTER ... SET: strings unquoted, anything else as written. */
export function optionValue(t: SqlToken | ast.NumberLiteral): string {
  if ('kind' in t) return t.text;
  return t.type === 'STRING' ? t.value : t.type === 'QIDENT' ? t.value : t.text.toLowerCase() === 'true' || t.text.toLowerCase() === 'false' ? t.text.toLowerCase() : t.text;
}

export function optionKey(parts: SqlToken[]): string {
  return parts.map((t) => (t.type === 'STRING' || t.type === 'QIDENT' ? t.value : t.text.toLowerCase())).join('.');
}

/**
 * A persistent list built one item at a time by left-recursive list rules.
 * Earley completes a list rule after every item (the list may end there), so
 * building an array at each step would cost O(n^2) for n items (nearley's own
 * `:*` does that); a cons cell is O(1) and the array is built once, by the
 * rule that consumes the list.
 */
export interface Seq<T> {
  readonly prev: Seq<T> | null;
  readonly item: T;
  readonly length: number;
}

export function seq<T>(prev: Seq<T> | null, item: T): Seq<T> {
  return { prev, item, length: prev ? prev.length + 1 : 1 };
}

export function seqArray<T>(s: Seq<T>): T[] {
  const out = new Array<T>(s.length);
  let i = s.length - 1;
  for (let c: Seq<T> | null = s; c; c = c.prev) out[i--] = c.item;
  return out;
}

/** Flattens `x (sep x)*` EBNF results: d = [first, [[sep, x], ...]] -> [first, x, ...]. */
export function list<T>(head: T, tail: unknown[][] | null, index = 1): T[] {
  const out = [head];
  if (tail) for (const t of tail) out.push(t[index] as T);
  return out;
}

/** Builds a Query node around a body when the body is not a Query already. */
export function toQuery(body: ast.SetExpr): ast.Query {
  if (body.kind === 'Query') return body;
  return { kind: 'Query', body, orderBy: [], span: body.span };
}

export function binary(op: ast.BinaryOperator, left: ast.Expr, right: ast.Expr): ast.BinaryExpr {
  return { kind: 'BinaryExpr', op, left, right, span: span(left, right) };
}

/** Merges inline TIME INDEX / PRIMARY KEY markers with table constraints. */
export function createTable(d: {
  name: ast.ObjectName; ifNotExists: boolean;
  elements: Array<ast.ColumnDef | { kind: 'TimeIndexConstraint'; column: string; span: ast.Span } | { kind: 'PrimaryKeyConstraint'; columns: string[]; span: ast.Span }>;
  tail: Array<{ kind: 'Engine'; value: string } | { kind: 'Partition'; value: ast.PartitionClause } | { kind: 'With'; value: ast.OptionEntry[] }>;
  span: ast.Span;
}): Omit<ast.CreateTableStatement, 'text'> {
  const columns = d.elements.filter((e): e is ast.ColumnDef => e.kind === 'ColumnDef');
  let timeIndex: string | undefined;
  const primaryKey: string[] = [];
  const fail = (msg: string, s: ast.Span): never => {
    throw new SyntaxError(`Syntax error at line ${s.line}, column ${s.column}: ${msg}`, s.line, s.column);
  };
  for (const e of d.elements) {
    if (e.kind === 'TimeIndexConstraint') {
      if (timeIndex !== undefined) fail('only one TIME INDEX is allowed', e.span);
      timeIndex = e.column;
    } else if (e.kind === 'PrimaryKeyConstraint') {
      if (primaryKey.length) fail('only one PRIMARY KEY is allowed', e.span);
      primaryKey.push(...e.columns);
    }
  }
  // As GreptimeDB: the key is given once, either inline on one column or as PRIMARY KEY (...).
  const inline = columns.filter((c) => c.primaryKey);
  const names = inline.map((c) => c.name).join(', ');
  if (inline.length > 1) fail(`Illegal primary keys definition: not allowed to inline multiple primary keys in columns options (${names}); use PRIMARY KEY (${names})`, inline[1]!.span);
  if (inline.length && primaryKey.length) fail(`Illegal primary keys definition: found definitions of primary keys in multiple places (${names} inline, and PRIMARY KEY (${primaryKey.join(', ')}))`, inline[0]!.span);
  for (const c of columns) {
    if (c.timeIndex) {
      if (timeIndex !== undefined && timeIndex !== c.name) fail('only one TIME INDEX is allowed', c.span);
      timeIndex = c.name;
    }
    if (c.primaryKey && !primaryKey.includes(c.name)) primaryKey.push(c.name);
  }
  let engine: string | undefined;
  let partition: ast.PartitionClause | undefined;
  let options: ast.OptionEntry[] = [];
  for (const t of d.tail) {
    if (t.kind === 'Engine') engine = t.value;
    else if (t.kind === 'Partition') partition = t.value;
    else options = [...options, ...t.value];
  }
  return {
    kind: 'CreateTable', name: d.name, ifNotExists: d.ifNotExists, columns, timeIndex, primaryKey,
    ...(engine !== undefined ? { engine } : {}),
    ...(partition !== undefined ? { partition } : {}),
    options, span: d.span,
  } as Omit<ast.CreateTableStatement, 'text'>;
}

/** Column definition from its name, type and constraint list. */
export function columnDef(nameTok: SqlToken, type: ast.TypeName, constraints: Array<Record<string, unknown>>, all: unknown[]): ast.ColumnDef {
  let nullable: boolean | undefined;
  let def: ast.Expr | undefined;
  let comment: string | undefined;
  let timeIndex = false;
  let primaryKey = false;
  const indexes: ast.ColumnIndexDef[] = [];
  for (const c of constraints) {
    switch (c.kind) {
      case 'Null': nullable = true; break;
      case 'NotNull': nullable = false; break;
      case 'Default': def = c.expr as ast.Expr; break;
      case 'Comment': comment = c.value as string; break;
      case 'TimeIndex': timeIndex = true; break;
      case 'PrimaryKey': primaryKey = true; break;
      case 'Index':
        indexes.push({
          kind: c.index as ast.ColumnIndexDef['kind'], options: c.options as ast.OptionEntry[],
          ...(c.missingIndexKeyword ? { missingIndexKeyword: true } : {}), ...(c.withClause ? { withClause: true } : {}),
        });
        break;
    }
  }
  return {
    kind: 'ColumnDef', name: identText(nameTok), type,
    ...(nullable !== undefined ? { nullable } : {}),
    ...(def !== undefined ? { default: def } : {}),
    ...(comment !== undefined ? { comment } : {}),
    timeIndex, primaryKey,
    ...(indexes.length ? { indexes } : {}),
    span: span(all),
  };
}

/**
 * `a IS [NOT] DISTINCT FROM b` and MySQL's `a <=> b` (= IS NOT DISTINCT FROM),
 * desugared into nodes the planner already knows (no AST change):
 * CASE WHEN a IS NULL THEN b IS [NOT] NULL WHEN b IS NULL THEN TRUE|FALSE ELSE a <> b | a = b END.
 * `distinct` is true for IS DISTINCT FROM. Operands appear more than once.
 */
export function distinctFrom(a: ast.Expr, b: ast.Expr, distinct: boolean, s: ast.Span): ast.Expr {
  const isNull = (e: ast.Expr, not: boolean): ast.IsExpr => ({ kind: 'IsExpr', expr: e, test: 'NULL', not, span: e.span });
  return {
    kind: 'CaseExpr',
    whens: [
      { when: isNull(a, false), then: isNull(b, distinct) },
      { when: isNull(b, false), then: { kind: 'BooleanLiteral', value: distinct, span: s } },
    ],
    else: { kind: 'BinaryExpr', op: distinct ? '<>' : '=', left: a, right: b, span: s },
    span: s,
  };
}
