import nearley from 'nearley';
import type * as ast from '../ast.js';
import compiledGrammar from './grammar.js';
import { lexAll, type SqlToken, type SqlDialect } from './lexer.js';
import { SyntaxError, InternalError, StrataError } from '../../errors/errors.js';
import { isKnownTypeName } from './type-names.js';
import { tryFastInsert, foldLiteralLists } from './fast-insert.js';
import { expectedDescription, tokenDescription, syntaxError, reservedWordHint } from './syntax-errors.js';

const GRAMMAR = nearley.Grammar.fromCompiled(compiledGrammar as unknown as nearley.CompiledRules);
const EXPR_GRAMMAR = nearley.Grammar.fromCompiled({ ...compiledGrammar, ParserStart: 'expr' } as unknown as nearley.CompiledRules);

/** Feeds pre-lexed tokens (trivia removed) to nearley. */
class TokenStream {
  private index = 0;
  constructor(private readonly tokens: readonly SqlToken[]) {}
  reset(): void { /* tokens are fixed; feed('') is called once */ }
  next(): SqlToken | undefined { return this.tokens[this.index++]; }
  save(): undefined { return undefined; }
  formatError(): string { return ''; }
  has(): boolean { return true; }
}

/** Options of `parseSql`. */
export interface ParseSqlOptions {
  /**
   * Quoting rules, as GreptimeDB picks per protocol: 'greptime' (default; HTTP
   * and gRPC) and 'postgres' read "x" as an identifier; 'mysql' reads "x" as a
   * string and decodes backslash escapes in string literals. Backticks quote
   * identifiers in all three.
   */
  dialect?: SqlDialect;
  /**
   * Reuse the statements of an identical earlier text (same dialect): an LRU
   * of PARSE_CACHE_ENTRIES texts up to PARSE_CACHE_TEXT_CHARS long. Cached
   * statements are deep-frozen and shared, so callers must not mutate them
   * (the AST types are readonly; a mutation throws). Default false.
   */
  cache?: boolean;
  /**
   * Use the fast paths (default true): hand-built INSERT ... VALUES literal
   * rows and folding of long literal IN lists. `false` sends everything through
   * the grammar (tests compare both).
   */
  fastInsert?: boolean;
  /** Receives the number of complete derivations per statement (1 = unambiguous; the fast path reports 1). */
  onDerivations?: (count: number, statementText: string) => void;
}

/**
 * Parses one or more `;`-separated SQL statements (GreptimeDB dialect).
 * Empty statements are ignored. Each statement carries its source `text`
 * and `span` (offsets into `sql`). Throws a kernel SyntaxError (code
 * INVALID_SYNTAX) with 1-based line/column on bad input.
 *
 * @example
 * const [s] = parseSql("SELECT avg(cpu) RANGE '5m' FROM cpu ALIGN '1m' BY (host)");
 * s.kind === 'QueryStatement'
 */
export function parseSql(sql: string, options: ParseSqlOptions = {}): ast.Statement[] {
  if (options.cache && sql.length <= PARSE_CACHE_TEXT_CHARS && !options.onDerivations && options.fastInsert !== false) {
    const key = `${options.dialect ?? 'greptime'}\u0000${sql}`;
    const hit = parseCache.get(key);
    if (hit) {
      parseCache.delete(key);
      parseCache.set(key, hit);
      return hit.slice();
    }
    // The same text with other string literals (a dashboard's time range, TSBS's host and
    // window) reuses the parse of its shape: nearley costs ~0.5 ms a query, lexing ~20 us.
    const tokens = lexAll(sql, options.dialect);
    const shape = shapeKey(options.dialect ?? 'greptime', tokens);
    const known = shape !== undefined && shapeCache.has(shape);
    const template = known ? shapeCache.get(shape!)! : null;
    let out = template ? instantiate(template, sql, tokens) : undefined;
    if (out) shapeHits++;
    if (!out) {
      out = parseUncached(sql, options);
      if (shape !== undefined && !known) {
        shapeCache.set(shape, makeTemplate(out, tokens));
        if (shapeCache.size > PARSE_CACHE_ENTRIES) shapeCache.delete(shapeCache.keys().next().value!);
      }
    }
    deepFreeze(out);
    parseCache.set(key, out);
    if (parseCache.size > PARSE_CACHE_ENTRIES) parseCache.delete(parseCache.keys().next().value!);
    return out.slice();
  }
  return parseUncached(sql, options);
}

/** Texts longer than this are never cached (bulk INSERTs). */
export const PARSE_CACHE_TEXT_CHARS = 8192;
/** Distinct texts kept by the parse cache. */
export const PARSE_CACHE_ENTRIES = 512;
const parseCache = new Map<string, ast.Statement[]>();

/**
 * A parsed text whose string literals can be swapped: `slots` are the
 * StringLiteral nodes of its STRING tokens, by token index. `null`: the
 * shape's parse depends on a literal's content (a RANGE or INTERVAL string,
 * a typed literal, an alias), or a literal's value is repeated in another
 * value of the tree, so texts of this shape are always parsed.
 */
type Template = {
  readonly statements: ast.Statement[]; readonly tokens: readonly SqlToken[]; readonly slots: ReadonlyMap<number, object>;
  /** Token index by its start offset, and by its end offset, in the template's text. */
  readonly startIdx: ReadonlyMap<number, number>; readonly endIdx: ReadonlyMap<number, number>;
} | null;
const shapeCache = new Map<string, Template>();
let shapeHits = 0;

/** Texts parsed from the parse of an earlier text of the same shape (tests and diagnostics). */
export function parseShapeHits(): number { return shapeHits; }

/** The text's tokens with every string literal's content left out; undefined when there is no string to vary. */
function shapeKey(dialect: string, tokens: readonly SqlToken[]): string | undefined {
  let key = dialect;
  let strings = 0;
  for (const t of tokens) {
    if (t.type === 'STRING') { key += '\u0000S'; strings++; } else key += `\u0000${t.type}\u0001${t.text}`;
  }
  return strings > 0 ? key : undefined;
}

function makeTemplate(statements: ast.Statement[], tokens: readonly SqlToken[]): Template {
  // Only single queries: other statements keep texts and literals in ways not tracked here.
  if (statements.length !== 1 || statements[0]!.kind !== 'QueryStatement') return null;
  const byStart = new Map<number, number>();
  tokens.forEach((t, i) => byStart.set(t.offset, i));
  const ends = new Set(tokens.map((t) => t.offset + t.text.length));
  const slots = new Map<number, object>();
  const strings = new Map<string, number>();
  let ok = true;
  const seen = new Set<object>();
  const visit = (x: unknown, top: boolean): void => {
    if (!ok || x === null || typeof x !== 'object' || seen.has(x)) return;
    seen.add(x);
    if (Array.isArray(x)) { for (const v of x) visit(v, false); return; }
    const o = x as Record<string, unknown>;
    const sp = o.span as ast.Span | undefined;
    // Every span must start and end on token boundaries, so it can be moved with them.
    if (sp && sp.end > sp.start && (!byStart.has(sp.start) || !ends.has(sp.end))) { ok = false; return; }
    if (o.kind === 'StringLiteral' && sp) {
      const i = byStart.get(sp.start);
      const t = i === undefined ? undefined : tokens[i];
      if (t && t.type === 'STRING' && sp.end === t.offset + t.text.length && o.value === t.value) slots.set(i!, o);
    }
    for (const k in o) {
      if (k === 'span' || (top && k === 'text')) continue;
      const v = o[k];
      // Where a copy of a literal's content would sit (identifiers that happen to match, like `AS minute`, are fine).
      if (typeof v === 'string') { if (k === 'value' || k === 'pattern' || k === 'text') strings.set(v, (strings.get(v) ?? 0) + 1); }
      else visit(v, false);
    }
  };
  visit(statements[0], true);
  if (!ok) return null;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.type !== 'STRING') continue;
    // Each string token must be exactly one literal node, its value nowhere else in the tree.
    if (!slots.has(i) || strings.get(t.value) !== 1) return null;
  }
  const startIdx = new Map<number, number>();
  const endIdx = new Map<number, number>();
  tokens.forEach((t, i) => { startIdx.set(t.offset, i); endIdx.set(t.offset + t.text.length, i); });
  return { statements, tokens, slots, startIdx, endIdx };
}

/**
 * The template's statements for `sql` (same shape): spans moved to the new
 * tokens, string literals replaced. The copy is frozen as it is made (what a
 * deepFreeze of it would do).
 */
function instantiate(template: Template, sql: string, tokens: readonly SqlToken[]): ast.Statement[] | undefined {
  if (!template || template.tokens.length !== tokens.length) return undefined;
  const { startIdx, endIdx } = template;
  const slotValue = new Map<object, string>();
  for (const [i, node] of template.slots) slotValue.set(node, tokens[i]!.value);
  const moveSpan = (sp: ast.Span): ast.Span => {
    if (sp.end <= sp.start) return sp;
    const a = tokens[startIdx.get(sp.start)!]!;
    const b = tokens[endIdx.get(sp.end)!]!;
    return { start: a.offset, end: b.offset + b.text.length, line: a.line, column: a.col };
  };
  const copies = new Map<object, unknown>();
  const copy = (x: unknown): unknown => {
    if (x === null || typeof x !== 'object') return x;
    const done = copies.get(x);
    if (done !== undefined) return done;
    if (Array.isArray(x)) { const a: unknown[] = []; copies.set(x, a); for (const v of x) a.push(copy(v)); return Object.freeze(a); }
    const o = x as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    copies.set(x, out);
    for (const k in o) out[k] = k === 'span' ? Object.freeze(moveSpan(o[k] as ast.Span)) : copy(o[k]);
    const v = slotValue.get(x);
    if (v !== undefined) out.value = v;
    // The top statement gets its text below; every other node is final here.
    return x === template.statements[0] ? out : Object.freeze(out);
  };
  const st = copy(template.statements[0]) as ast.Statement & { text: string };
  const tq = (template.statements[0] as ast.QueryStatement).query;
  shapeOrigins.set(copies.get(tq) as object, tq);
  return [{ ...st, text: sql.slice(st.span.start, st.span.end) }];
}

/** Query nodes made from a shape's template -> the template's query node. */
const shapeOrigins = new WeakMap<object, object>();

/**
 * The query node that `q` was copied from when its text was parsed from the
 * parse of an earlier text of the same shape (the same tokens but for the
 * contents of string literals); undefined otherwise. What depends only on a
 * query's structure (node kinds, names) can be kept per shape under it.
 */
export function shapeOrigin(q: ast.Query): object | undefined {
  return shapeOrigins.get(q);
}

function deepFreeze(node: unknown): void {
  if (node === null || typeof node !== 'object' || Object.isFrozen(node)) return;
  Object.freeze(node);
  for (const v of Object.values(node)) deepFreeze(v);
}

function parseUncached(sql: string, options: ParseSqlOptions): ast.Statement[] {
  const tokens = lexAll(sql, options.dialect);
  const statements: ast.Statement[] = [];
  let segment: SqlToken[] = [];
  for (const t of tokens) {
    if (t.type === 'OP' && t.text === ';') {
      if (segment.length) statements.push(parseStatement(sql, segment, options));
      segment = [];
    } else {
      segment.push(t);
    }
  }
  if (segment.length) statements.push(parseStatement(sql, segment, options));
  return statements;
}

/**
 * Parses a single SQL expression (e.g. a stored partition rule or a column
 * default). Throws the same positioned SyntaxError as `parseSql`.
 *
 * @example
 * parseSqlExpression('a >= 10 AND a < 20').kind === 'BinaryExpr'
 */
export function parseSqlExpression(text: string, options: Pick<ParseSqlOptions, 'dialect'> = {}): ast.Expr {
  const tokens = lexAll(text, options.dialect);
  let param = 0;
  for (const t of tokens) if (t.type === 'PARAM' && t.text === '?') t.paramIndex = ++param;
  if (tokens.length === 0) throw syntaxError(1, 1, 'expected an expression, got nothing');
  const result = runParser(tokens, options, text, EXPR_GRAMMAR) as unknown as ast.Expr;
  checkTypes(result);
  return result;
}

function parseStatement(sql: string, tokens: SqlToken[], options: ParseSqlOptions): ast.Statement {
  let param = 0;
  for (const t of tokens) if (t.type === 'PARAM' && t.text === '?') t.paramIndex = ++param;

  const firstTok = tokens[0]!;
  const lastTok = tokens[tokens.length - 1]!;
  const stmtSpan: ast.Span = { start: firstTok.offset, end: lastTok.offset + lastTok.text.length, line: firstTok.line, column: firstTok.col };
  const text = sql.slice(stmtSpan.start, stmtSpan.end);

  if (firstTok.type === 'TQL') return parseTql(sql, tokens, stmtSpan, text, options);

  if (options.fastInsert !== false && firstTok.type === 'INSERT') {
    const fast = tryFastInsert(tokens, parseExprTokens);
    if (fast) {
      options.onDerivations?.(1, text);
      return { ...fast, span: stmtSpan, text };
    }
  }
  tokens = foldTqlCtes(sql, tokens, options);
  const stmt = runParser(options.fastInsert === false ? tokens : foldLiteralLists(sql, tokens), options, text);
  return finish(sql, { ...stmt, span: stmtSpan, text } as ast.Statement, tokens);
}

/** The span of EXPLAIN's inner statement: from the first token after the EXPLAIN options to the end. */
function explainedSpan(tokens: readonly SqlToken[], end: number): ast.Span {
  let i = 1;
  while (tokens[i] && (tokens[i]!.type === 'ANALYZE' || tokens[i]!.type === 'VERBOSE')) i++;
  if (tokens[i]?.type === 'FORMAT') i += 2;
  const t = tokens[i]!;
  return { start: t.offset, end, line: t.line, column: t.col };
}

function runParser(tokens: SqlToken[], options: ParseSqlOptions, text: string, grammar = GRAMMAR): Omit<ast.Statement, 'text'> {
  const parser = new nearley.Parser(grammar, { lexer: new TokenStream(tokens) as unknown as nearley.Lexer });
  // nearley's own report walks every state to print derivations: slow and
  // unreadable. We build a short message from the last column instead.
  (parser as unknown as { reportError: () => string }).reportError = () => '';
  try {
    parser.feed('');
  } catch (err) {
    const token = (err as { token?: SqlToken }).token;
    if (!token) throw asStrataError(err);
    const table = (parser as unknown as { table: Column[] }).table;
    const column = table[table.length - 2];
    const what = tokenDescription(token);
    const head = what.startsWith('unterminated') ? what : `unexpected ${what}`;
    const expected = expectedDescription(column?.states ?? []);
    throw syntaxError(token.line, token.col, `${head}${expected}${reservedWordHint(token, expected, options.dialect === 'mysql')}`, err);
  }
  const results = parser.results as Omit<ast.Statement, 'text'>[];
  options.onDerivations?.(results.length, text);
  if (results.length === 0) {
    const table = (parser as unknown as { table: Column[] }).table;
    const column = table[table.length - 1];
    const last = tokens[tokens.length - 1]!;
    const endLine = last.line + last.lineBreaks;
    const endCol = last.lineBreaks ? last.text.length - last.text.lastIndexOf('\n') : last.col + last.text.length;
    throw syntaxError(endLine, endCol, `unexpected end of input${expectedDescription(column?.states ?? [])}`);
  }
  return results[0]!;
}

/**
 * Parses tokens as one expression for the INSERT fast path; undefined on a
 * syntax error (the caller falls back to the full grammar, which reports it).
 * Unknown type names are reported here, as `finish` does for grammar results.
 */
function parseExprTokens(tokens: SqlToken[]): ast.Expr | undefined {
  const parser = new nearley.Parser(EXPR_GRAMMAR, { lexer: new TokenStream(tokens) as unknown as nearley.Lexer });
  (parser as unknown as { reportError: () => string }).reportError = () => '';
  try {
    parser.feed('');
  } catch {
    return undefined;
  }
  const result = parser.results[0] as ast.Expr | undefined;
  if (result) checkTypes(result);
  return result;
}

/** Errors from the grammar's own checks pass through; anything else is a parser bug. */
function asStrataError(err: unknown): StrataError {
  if (err instanceof StrataError) return err;
  return new InternalError(`SQL parser failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

interface Column { states: Array<{ rule: { symbols: unknown[] }; dot: number }> }

/**
 * `WITH name [(cols)] AS (TQL EVAL (...) <promql>)`: the PromQL is not SQL, so
 * each TQL body is parsed here as a TQL statement would be (`parseTql`) and its
 * tokens become one TQL_BODY token carrying it, which the grammar's `cte` rule
 * takes. As GreptimeDB, only EVAL (EVALUATE) may be a CTE body.
 */
function foldTqlCtes(sql: string, tokens: SqlToken[], options: ParseSqlOptions): SqlToken[] {
  let out: SqlToken[] | undefined;
  let from = 0;
  for (let i = 0; i + 2 < tokens.length; i++) {
    const open = tokens[i + 1]!;
    if (tokens[i]!.type !== 'AS' || open.type !== 'OP' || open.text !== '(' || tokens[i + 2]!.type !== 'TQL') continue;
    let close = -1;
    for (let j = i + 1, depth = 0; j < tokens.length; j++) {
      const t = tokens[j]!;
      if (t.type === 'OP' && t.text === '(') depth++;
      else if (t.type === 'OP' && t.text === ')' && --depth === 0) { close = j; break; }
    }
    if (close < 0) continue;
    const inner = tokens.slice(i + 2, close);
    const first = inner[0]!;
    if (inner[1]?.type !== 'EVAL' && inner[1]?.type !== 'EVALUATE') throw syntaxError(first.line, first.col, 'Only TQL EVAL is supported in CTEs');
    const last = inner[inner.length - 1]!;
    const span: ast.Span = { start: first.offset, end: last.offset + last.text.length, line: first.line, column: first.col };
    const text = sql.slice(span.start, span.end);
    const tql = parseTql(sql, inner, span, text, options) as ast.TqlStatement;
    out ??= [];
    for (let k = from; k < i + 2; k++) out.push(tokens[k]!);
    out.push(Object.assign({ type: 'TQL_BODY', value: text, text, offset: span.start, line: first.line, col: first.col,
      lineBreaks: text.split('\n').length - 1 }, { tql }));
    from = close;
    i = close - 1;
  }
  if (!out) return tokens;
  for (let k = from; k < tokens.length; k++) out.push(tokens[k]!);
  return out;
}

function parseTql(sql: string, tokens: SqlToken[], stmtSpan: ast.Span, text: string, options: ParseSqlOptions): ast.Statement {
  // TQL's PromQL tail is not SQL: only `TQL EVAL (start, end, step)` goes
  // through the grammar, the rest is kept verbatim. The parameters are the
  // parenthesis right after the command words (TQL EXPLAIN [ANALYZE] [VERBOSE]);
  // without one, the PromQL starts there.
  let k = tokens[1]?.type === 'EXPLAIN' && tokens[2]?.type === 'ANALYZE' ? 3 : 2;
  if (tokens[k]?.type === 'VERBOSE') k++;
  const next = tokens[k];
  if (!next || !(next.type === 'OP' && next.text === '(')) {
    const head = tokens.slice(0, k);
    const stmt = runParser(head, options, text) as Omit<ast.TqlStatement, 'text'>;
    const last = head[head.length - 1]!;
    const query = sql.slice(last.offset + last.text.length, stmtSpan.end).trim();
    if (!query) throw syntaxError(last.line, last.col + last.text.length, 'TQL needs a PromQL query');
    return finish(sql, { ...stmt, query, span: stmtSpan, text });
  }
  const open = k;
  let close = -1;
  if (open >= 0) {
    let depth = 0;
    for (let i = open; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (t.type === 'OP' && t.text === '(') depth++;
      else if (t.type === 'OP' && t.text === ')' && --depth === 0) { close = i; break; }
    }
  }
  if (close >= 0) {
    let depth = 0;
    let commas = 0;
    for (let i = open; i <= close; i++) {
      const t = tokens[i]!;
      if (t.type !== 'OP') continue;
      if (t.text === '(') depth++;
      else if (t.text === ')') depth--;
      else if (t.text === ',' && depth === 1) commas++;
    }
    if (commas < 2 || commas > 3) {
      const o = tokens[open]!;
      throw syntaxError(o.line, o.col, `TQL takes (start, end, step[, lookback]), got ${commas + 1} parameter(s)`);
    }
  }
  const head = close >= 0 ? tokens.slice(0, close + 1) : tokens;
  const stmt = runParser(head, options, text) as Omit<ast.TqlStatement, 'text'>;
  const closeTok = tokens[close]!;
  const query = sql.slice(closeTok.offset + 1, stmtSpan.end).trim();
  if (!query) {
    throw syntaxError(closeTok.line, closeTok.col + 1, 'TQL needs a PromQL query after its parameters');
  }
  return finish(sql, { ...stmt, query, span: stmtSpan, text });
}

/** Post-parse checks and fix-ups: unknown type names, EXPLAIN's inner span and text. */
function finish(sql: string, stmt: ast.Statement, tokens?: readonly SqlToken[]): ast.Statement {
  checkTypes(stmt);
  if (stmt.kind === 'Explain' && tokens) {
    const innerSpan = explainedSpan(tokens, stmt.span.end);
    const innerTokens = tokens.filter((t) => t.offset >= innerSpan.start);
    const inner = { ...stmt.statement, span: innerSpan, text: sql.slice(innerSpan.start, innerSpan.end) } as ast.Statement;
    return { ...stmt, statement: finish(sql, inner, innerTokens) };
  }
  return stmt;
}

function checkTypes(node: unknown): void {
  if (node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) { for (const n of node) checkTypes(n); return; }
  const o = node as Record<string, unknown>;
  if (o.kind === 'TypeName') {
    const t = o as unknown as ast.TypeName;
    if (!isKnownTypeName(t.name)) {
      throw new SyntaxError(`Syntax error at line ${t.span.line}, column ${t.span.column}: unknown data type '${t.name}'`, t.span.line, t.span.column);
    }
    return;
  }
  for (const k in o) {
    if (k === 'span') continue;
    const v = o[k];
    if (v !== null && typeof v === 'object') checkTypes(v);
  }
}

/**
 * The number of parameters a statement takes: the highest placeholder index
 * (`?` are numbered 1.. in order, `$n` is n). Protocols use it to answer
 * prepare requests (MySQL COM_STMT_PREPARE, PostgreSQL Parse/Describe).
 *
 * @example
 * placeholderCount(parseSql('SELECT * FROM t WHERE a = ? AND b > ?')[0]) // 2
 */
export function placeholderCount(node: unknown): number {
  let max = 0;
  const walk = (n: unknown): void => {
    if (n === null || typeof n !== 'object') return;
    if (Array.isArray(n)) { for (const x of n) walk(x); return; }
    const o = n as { kind?: string; index?: number };
    if (o.kind === 'Placeholder' && typeof o.index === 'number') { if (o.index > max) max = o.index; return; }
    for (const k in o) if (k !== 'span') walk((o as Record<string, unknown>)[k]);
  };
  walk(node);
  return max;
}
