// Fast path for `INSERT INTO t [(a, b)] VALUES (lit, ...), (...)`. Literal
// values (number, -number, string, NULL, TRUE/FALSE, placeholder, DEFAULT) are built
// directly; any other value (`now()`, `1 + 2`, ...) is cut out at the next
// top-level `,`/`)` and parsed alone by the grammar's `expr` rule. Earley parsing costs a few microseconds per token with a
// large constant (each literal walks the whole expression precedence
// ladder); bulk inserts of thousands of rows would spend most of their time
// there. This scanner builds exactly the AST the grammar builds (a test
// compares both) and gives up — returning undefined so the grammar runs —
// at the first token it does not expect, so errors are still reported by
// the grammar with its positions and expected tokens.
import type * as ast from '../ast.js';
import { NONRESERVED_KEYWORDS, type SqlToken } from './lexer.js';
import * as g from './grammar-support.js';

const NONRESERVED = new Set(NONRESERVED_KEYWORDS);

function isIdent(t: SqlToken | undefined): t is SqlToken {
  return t !== undefined && (t.type === 'IDENT' || t.type === 'QIDENT' || NONRESERVED.has(t.type));
}

function isOp(t: SqlToken | undefined, text: string): boolean {
  return t !== undefined && t.type === 'OP' && t.text === text;
}

/** A literal value at `i` (number, -number, string, X'..' binary, NULL, TRUE/FALSE, placeholder) and the index after it. */
export function literal(tokens: readonly SqlToken[], i: number): [ast.Expr, number] | undefined {
  const t = tokens[i];
  if (!t) return undefined;
  switch (t.type) {
    case 'NUMBER': return [g.numberFromToken(t), i + 1];
    case 'STRING': return [g.stringLiteral(t), i + 1];
    case 'HEXSTRING': return [g.binaryLiteral(t), i + 1];
    case 'NULL': return [{ kind: 'NullLiteral', span: g.span(t) }, i + 1];
    case 'TRUE': return [{ kind: 'BooleanLiteral', value: true, span: g.span(t) }, i + 1];
    case 'FALSE': return [{ kind: 'BooleanLiteral', value: false, span: g.span(t) }, i + 1];
    case 'PARAM': {
      const index = t.text === '?' ? (t.paramIndex ?? 1) : Number(t.text.slice(1));
      return [{ kind: 'Placeholder', index, text: t.text, span: g.span(t) }, i + 1];
    }
    case 'OP': {
      const n = tokens[i + 1];
      if (t.text === '-' && n && n.type === 'NUMBER' && n.offset === t.offset + 1) {
        return [g.numberLiteral(n.value, g.span(t, n), true), i + 2];
      }
      return undefined;
    }
    default: return undefined;
  }
}

/** Index of the `,` or `)` ending the value that starts at `i` (paren depth 0), or -1. */
function valueEnd(tokens: readonly SqlToken[], i: number): number {
  let depth = 0;
  for (let j = i; j < tokens.length; j++) {
    const t = tokens[j]!;
    if (t.type !== 'OP') continue;
    if (t.text === '(') depth++;
    else if (t.text === ')') { if (depth === 0) return j; depth--; }
    else if (t.text === ',' && depth === 0) return j;
  }
  return -1;
}

/** The Insert statement (without text/span) or undefined when the statement is not a plain literal INSERT ... VALUES. */
export function tryFastInsert(
  tokens: readonly SqlToken[],
  parseExpr: (tokens: SqlToken[]) => ast.Expr | undefined,
): Omit<ast.InsertStatement, 'text'> | undefined {
  let i = 0;
  if (tokens[i]?.type !== 'INSERT' || tokens[i + 1]?.type !== 'INTO') return undefined;
  i += 2;
  if (tokens[i]?.type === 'TABLE') i++;
  const nameParts: SqlToken[] = [];
  if (!isIdent(tokens[i])) return undefined;
  nameParts.push(tokens[i++]!);
  while (isOp(tokens[i], '.') && isIdent(tokens[i + 1]) && nameParts.length < 3) {
    nameParts.push(tokens[i + 1]!);
    i += 2;
  }
  let columns: ast.Identifier[] | undefined;
  if (isOp(tokens[i], '(')) {
    i++;
    columns = [];
    for (;;) {
      const t = tokens[i];
      if (!isIdent(t)) return undefined;
      columns.push(g.identifier(t));
      i++;
      if (isOp(tokens[i], ',')) { i++; continue; }
      if (isOp(tokens[i], ')')) { i++; break; }
      return undefined;
    }
  }
  const valuesTok = tokens[i];
  if (valuesTok?.type !== 'VALUES') return undefined;
  i++;
  const rows: ast.Expr[][] = [];
  let lastClose: SqlToken | undefined;
  for (;;) {
    if (!isOp(tokens[i], '(')) return undefined;
    i++;
    const row: ast.Expr[] = [];
    for (;;) {
      const t = tokens[i];
      const lit: [ast.Expr, number] | undefined = t?.type === 'DEFAULT' ? [{ kind: 'DefaultValue', span: g.span(t) }, i + 1] : literal(tokens, i);
      if (lit && (isOp(tokens[lit[1]], ',') || isOp(tokens[lit[1]], ')'))) {
        row.push(lit[0]);
        i = lit[1];
      } else {
        const end = valueEnd(tokens, i);
        if (end <= i) return undefined;
        const e = parseExpr(tokens.slice(i, end) as SqlToken[]);
        if (!e) return undefined;
        row.push(e);
        i = end;
      }
      if (isOp(tokens[i], ',')) { i++; continue; }
      if (isOp(tokens[i], ')')) { lastClose = tokens[i]; i++; break; }
      return undefined;
    }
    rows.push(row);
    if (i === tokens.length) break;
    if (!isOp(tokens[i], ',')) return undefined;
    i++;
  }
  const table = g.objectName(nameParts);
  const source: ast.Values = { kind: 'Values', rows, span: g.span(valuesTok, lastClose) };
  return { kind: 'Insert', table, ...(columns ? { columns } : {}), source, span: g.span(tokens[0], lastClose) };
}

/** Lists shorter than this go through the grammar as usual. */
export const LITERAL_LIST_MIN_ITEMS = 8;

/**
 * Folds each `IN (lit, lit, ...)` with at least LITERAL_LIST_MIN_ITEMS pure
 * literal items into one LITERAL_LIST token carrying the built expressions
 * (the grammar has a rule for it). Dashboards send IN lists of thousands of
 * values; through the grammar each costs several Earley steps. The token's
 * text is the source from `(` to `)`, so spans and positions stay exact.
 * Returns the input array when nothing was folded.
 */
export function foldLiteralLists(sql: string, tokens: SqlToken[]): SqlToken[] {
  let out: SqlToken[] | undefined;
  let copied = 0;
  for (let i = 0; i < tokens.length - 2; i++) {
    if (tokens[i]!.type !== 'IN' || !isOp(tokens[i + 1], '(')) continue;
    const items: ast.Expr[] = [];
    let j = i + 2;
    let close: SqlToken | undefined;
    for (;;) {
      const lit = literal(tokens, j);
      if (!lit) break;
      items.push(lit[0]);
      j = lit[1];
      if (isOp(tokens[j], ',')) { j++; continue; }
      if (isOp(tokens[j], ')')) close = tokens[j];
      break;
    }
    if (!close || items.length < LITERAL_LIST_MIN_ITEMS) continue;
    const open = tokens[i + 1]!;
    const text = sql.slice(open.offset, close.offset + close.text.length);
    out ??= [];
    out.push(...tokens.slice(copied, i + 1));
    out.push({
      type: 'LITERAL_LIST', value: text, text, offset: open.offset, line: open.line, col: open.col,
      lineBreaks: (text.match(/\n/g) ?? []).length, items,
    } as SqlToken & { items: ast.Expr[] });
    copied = j + 1;
    i = j;
  }
  if (!out) return tokens;
  out.push(...tokens.slice(copied));
  return out;
}
