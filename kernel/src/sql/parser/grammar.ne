# GreptimeDB-dialect SQL grammar (nearley + moo tokens from lexer.ts).
# Compiled to grammar.ts by scripts/build-grammar.mjs (npm run build does it).
#
# The grammar is unambiguous on purpose: Earley parsing keeps every
# derivation alive, so ambiguity costs time and yields several results.
# Expression precedence is layered (lowest first): OR, XOR, AND, NOT, IS,
# comparison, BETWEEN/IN/LIKE, | ^ & << >> ||, + -, * / % DIV, unary, ::.
# Statements come back without `text`; parse-sql.ts adds it.

@preprocessor typescript
@{%
import * as g from './grammar-support.js';
import type * as ast from '../ast.js';
import { NONRESERVED_KEYWORDS, ALIAS_EXCLUDED_KEYWORDS, INTERVAL_UNIT_KEYWORDS, type SqlToken } from './lexer.js';

// Terminals that match a class of tokens with one test instead of one rule
// alternative per keyword: predicting `ident` then adds one state, not ~120,
// which is most of the parse time of an expression. `display` names them in
// syntax errors. (scripts/build-grammar.mjs drops nearleyc's `declare var`
// lines for these names.)
const NONRESERVED = new Set(NONRESERVED_KEYWORDS);
const ALIAS_EXCLUDED = new Set(ALIAS_EXCLUDED_KEYWORDS);
const UNITS = new Set(INTERVAL_UNIT_KEYWORDS);
const NAME = { test: (t: SqlToken) => t.type === 'IDENT' || t.type === 'QIDENT' || NONRESERVED.has(t.type), display: 'identifier' };
const ALIAS_NAME = {
  test: (t: SqlToken) => t.type === 'IDENT' || t.type === 'QIDENT' || (NONRESERVED.has(t.type) && !ALIAS_EXCLUDED.has(t.type)),
  display: 'identifier',
};
const UNIT = { test: (t: SqlToken) => UNITS.has(t.type), display: 'interval unit' };
// A TQL statement as a CTE body: parse-sql.ts parses `TQL EVAL (...) <promql>`
// inside `AS ( ... )` and folds its tokens into one TQL_BODY token.
const W_TQLBODY = { test: (t: SqlToken) => t.type === 'TQL_BODY', display: 'TQL statement' };
// Words that matter in one statement only (SET TRANSACTION ...) stay plain
// identifiers in the lexer and are matched by text here.
const word = (w: string) => ({ test: (t: SqlToken) => t.type === 'IDENT' && t.text.toUpperCase() === w, display: w });
const W_READ = word('READ');
const W_WRITE = word('WRITE');
const W_ONLY = word('ONLY');
const W_COMMITTED = word('COMMITTED');
const W_UNCOMMITTED = word('UNCOMMITTED');
const W_REPEATABLE = word('REPEATABLE');
const W_SERIALIZABLE = word('SERIALIZABLE');
const W_CHARACTERISTICS = word('CHARACTERISTICS');
const W_IGNORE = word('IGNORE');
const W_RESPECT = word('RESPECT');
const W_ANY = word('ANY');
const W_SOME = word('SOME');
const W_FOR = word('FOR');
const W_PLACING = word('PLACING');
// PostgreSQL's OPERATOR(pg_catalog.~): a plain identifier elsewhere, so only the word itself starts the form.
const W_OPERATOR = word('OPERATOR');
const W_WITHIN = word('WITHIN');
// ALTER TABLE t ALTER [COLUMN] c TYPE type: the SQL standard's (and PostgreSQL's) spelling of MODIFY COLUMN c type.
const W_TYPE = word('TYPE');
// MySQL's admin statements: SHOW ENGINES, SHOW [FULL] PROCESSLIST, KILL [QUERY | CONNECTION] id. The words stay
// identifiers elsewhere (a column may be named `query`); `SHOW name` (a PostgreSQL-style variable) takes any
// other identifier, so each SHOW text has exactly one parse.
const W_ENGINES = word('ENGINES');
const W_PROCESSLIST = word('PROCESSLIST');
const W_KILL = word('KILL');
// Views (GreptimeDB's CREATE/DROP VIEW, SHOW VIEWS, SHOW CREATE VIEW, DESC VIEW): plain identifiers elsewhere.
const W_VIEW = word('VIEW');
const W_VIEWS = word('VIEWS');
const W_QUERY = word('QUERY');
const W_CONNECTION = word('CONNECTION');
// GreptimeDB's COPY (export/import): a plain identifier elsewhere, so a column or table may be named `copy`.
const W_COPY = word('COPY');
const SHOW_WORDS = new Set(['ENGINES', 'PROCESSLIST', 'VIEWS']);
const W_SHOWNAME = { test: (t: SqlToken) => t.type === 'IDENT' && !SHOW_WORDS.has(t.text.toUpperCase()), display: 'identifier' };
// The functions with SQL-standard keyword forms: TRIM(LEADING 'x' FROM s), SUBSTRING(s FROM 2 FOR 3),
// POSITION('b' IN s), OVERLAY(s PLACING 'x' FROM 2 FOR 1). One terminal for all of them keeps
// `primary` at one extra prediction; the form is checked against the name in sqlForm().
const SQL_FORM_NAMES = new Set(['TRIM', 'SUBSTRING', 'POSITION', 'OVERLAY']);
const W_SQLFORM = { test: (t: SqlToken) => t.type === 'IDENT' && SQL_FORM_NAMES.has(t.text.toUpperCase()), display: 'function name' };
const CUSTOM_TERMINALS = new Set(['NAME', 'ALIAS_NAME', 'UNIT', 'W_READ', 'W_WRITE', 'W_ONLY', 'W_COMMITTED', 'W_UNCOMMITTED',
  'W_REPEATABLE', 'W_SERIALIZABLE', 'W_CHARACTERISTICS', 'W_IGNORE', 'W_RESPECT', 'W_ANY', 'W_SOME', 'W_FOR', 'W_PLACING', 'W_WITHIN', 'W_SQLFORM', 'W_OPERATOR',
  'W_ENGINES', 'W_PROCESSLIST', 'W_KILL', 'W_QUERY', 'W_CONNECTION', 'W_SHOWNAME', 'W_TQLBODY', 'W_TYPE',
  'W_VIEW', 'W_VIEWS', 'W_COPY']);

// The real token source is a per-parse adapter (parse-sql.ts); nearley only
// needs `has` at grammar build time: token types match by type, except the
// custom terminals above.
const lexer = { has: (name: string) => !CUSTOM_TERMINALS.has(name) } as unknown as NearleyLexer;
const S = g.span;
type D = any[];
const kwText = (t: SqlToken) => t.text.toUpperCase();
const notOf = (x: unknown) => x !== null && x !== undefined;
const collationText = (t: { type: string; text: string; value: string }) => (t.type === 'QIDENT' ? t.value : t.text).toLowerCase();
function placeholder(t: SqlToken): ast.Placeholder {
  const index = t.text === '?' ? (t.paramIndex ?? 1) : Number(t.text.slice(1));
  return { kind: 'Placeholder', index, text: t.text, span: S(t) };
}
function sessionVar(t: SqlToken): ast.SessionVariable {
  if (t.type === 'USERVAR') return { kind: 'SessionVariable', name: t.text.slice(1).toLowerCase(), user: true, span: S(t) };
  const body = t.text.slice(2).toLowerCase();
  const dot = body.indexOf('.');
  if (dot > 0) {
    const scope = body.slice(0, dot).toUpperCase();
    if (scope === 'SESSION' || scope === 'GLOBAL' || scope === 'LOCAL') return { kind: 'SessionVariable', name: body.slice(dot + 1), scope, user: false, span: S(t) };
  }
  return { kind: 'SessionVariable', name: body, user: false, span: S(t) };
}
function fill(d: D): ast.FillOption {
  const v = d[1];
  if (v && v.type === 'NULL') return { kind: 'FillNull' };
  if (v && v.type === 'PREV') return { kind: 'FillPrev' };
  if (v && v.type === 'LINEAR') return { kind: 'FillLinear' };
  return { kind: 'FillValue', value: v };
}
function query(d: D): ast.Query {
  const [w, body, order, limit] = d;
  if (!w && !order && !limit) return g.toQuery(body);
  return {
    kind: 'Query', ...(w ? { with: w } : {}), body, orderBy: order ?? [],
    ...(limit?.limit ? { limit: limit.limit } : {}), ...(limit?.offset ? { offset: limit.offset } : {}),
    span: S(d),
  };
}
function setOp(d: D): ast.SetOperation {
  const q = d[2];
  return { kind: 'SetOperation', op: kwText(d[1]) as ast.SetOperation['op'], all: !!q && q[0].type === 'ALL', left: d[0], right: d[3], span: S(d) };
}
function intervalLit(d: D): ast.IntervalLiteral {
  const v: SqlToken = d[1];
  const unit: SqlToken | null = d[2];
  const u = unit ? kwText(unit).replace(/S$/, '') : undefined;
  return { kind: 'IntervalLiteral', value: v.type === 'STRING' ? v.value : v.text, ...(u ? { unit: u } : {}), span: S(d) };
}
function joinType(d: D): { joinType: ast.JoinType; natural: boolean } {
  const toks: SqlToken[] = d.flat(3).filter((x: unknown) => x && typeof x === 'object' && 'type' in (x as object));
  const natural = toks.some((t) => t.type === 'NATURAL');
  const t = toks.find((t) => ['INNER', 'LEFT', 'RIGHT', 'FULL', 'CROSS'].includes(t.type));
  return { joinType: (t ? t.type : 'INNER') as ast.JoinType, natural };
}
/**
 * A keyword-form call as the plain call DataFusion plans it (sqlparser's Trim, Substring,
 * Position and Overlay expressions): TRIM([BOTH|LEADING|TRAILING] [chars] FROM s) is
 * btrim/ltrim/rtrim/trim(s[, chars]), SUBSTRING(s FROM a [FOR b]) substr(s, a[, b]) and
 * SUBSTRING(s FOR b) substr(s, 1, b), POSITION(x IN s) strpos(s, x), OVERLAY(s PLACING r
 * FROM a [FOR b]) overlay(s, r, a[, b]). A form that does not belong to the name is rejected.
 */
type SqlForm =
  | { form: 'trim'; spec?: SqlToken; chars?: ast.Expr; source: ast.Expr }
  | { form: 'from'; value: ast.Expr; from: ast.Expr }
  | { form: 'substring'; value: ast.Expr; from?: ast.Expr; for: ast.Expr; forTok?: SqlToken }
  | { form: 'position'; needle: ast.Expr; haystack: ast.Expr }
  | { form: 'overlay'; value: ast.Expr; placing: ast.Expr; from: ast.Expr; for?: ast.Expr };
const TRIM_FUNCTIONS: Record<string, string> = { BOTH: 'btrim', LEADING: 'ltrim', TRAILING: 'rtrim' };
function sqlForm(d: D, reject: object): ast.FunctionCall | object {
  const name = kwText(d[0]);
  const f: SqlForm = d[2];
  const call = (fn: string, args: ast.Expr[]): ast.FunctionCall => ({ kind: 'FunctionCall', name: fn, args, distinct: false, keywordForm: true, span: S(d) });
  switch (name) {
    case 'TRIM':
      if (f.form === 'trim') return call(f.spec ? TRIM_FUNCTIONS[kwText(f.spec)]! : 'trim', f.chars ? [f.source, f.chars] : [f.source]);
      if (f.form === 'from') return call('trim', [f.from, f.value]);
      return reject;
    case 'SUBSTRING':
      if (f.form === 'from') return call('substr', [f.value, f.from]);
      if (f.form === 'substring') return call('substr', [f.value, f.from ?? g.numberLiteral('1', S(f.forTok)), f.for]);
      return reject;
    // (x) IN (y, z) is a row, not a haystack: that text is the call position(x IN (y, z)).
    case 'POSITION': return f.form === 'position' && f.haystack.kind !== 'RowExpr' ? call('strpos', [f.haystack, f.needle]) : reject;
    case 'OVERLAY': return f.form === 'overlay' ? call('overlay', f.for ? [f.value, f.placing, f.from, f.for] : [f.value, f.placing, f.from]) : reject;
    default: return reject;
  }
}
/**
 * position(x IN (y)) / position(x IN (SELECT ...)) read as a call of one IN predicate (the
 * keyword form takes it). A parenthesized predicate, position((x IN (y))), starts before its
 * operand and stays a call.
 */
function positionIn(e: ast.Expr): boolean {
  return ((e.kind === 'InListExpr' && e.list.length === 1) || (e.kind === 'InSubqueryExpr' && !e.quantified)) && !e.not && e.span.start === e.expr.span.start;
}
function showFilter(f: ast.ShowFilter | null) { return f ? { filter: f } : {}; }
function withDb(name: ast.ObjectName, db: D | null): ast.ObjectName {
  if (!db) return name;
  return { ...name, database: g.identText(db[1]) };
}
%}
@lexer lexer

main -> statement {% id %}

statement ->
    query {% d => ({ kind: 'QueryStatement', query: d[0], span: d[0].span }) %}
  | insert_stmt {% id %}
  | delete_stmt {% id %}
  | create_database {% id %}
  | drop_database {% id %}
  | use_stmt {% id %}
  | create_table {% id %}
  | create_table_like {% id %}
  | alter_table {% id %}
  | alter_database {% id %}
  | drop_table {% id %}
  | create_view {% id %}
  | drop_view {% id %}
  | truncate_stmt {% id %}
  | show_stmt {% id %}
  | describe_stmt {% id %}
  | explain_stmt {% id %}
  | admin_stmt {% id %}
  | kill_stmt {% id %}
  | set_stmt {% id %}
  | create_function {% id %}
  | drop_function {% id %}
  | tql_head {% id %}
  | transaction_stmt {% id %}
  | copy_stmt {% id %}

# ---------------------------------------------------------------- names

# Names: identifiers, quoted identifiers and non-reserved keywords (lexer.ts).
ident -> %NAME {% id %}
bare_alias -> %ALIAS_NAME {% id %}
interval_unit -> %UNIT {% id %}

ident_list -> ident ("," ident):* {% d => g.list(d[0], d[1]) %}
ident_names -> ident_list {% d => d[0].map(g.identText) %}

object_name ->
    ident {% d => g.objectName([d[0]]) %}
  | ident "." ident {% d => g.objectName([d[0], d[2]]) %}
  | ident "." ident "." ident {% d => g.objectName([d[0], d[2], d[4]]) %}

column_ref ->
    ident {% d => g.columnRef([d[0]]) %}
  | ident "." ident {% d => g.columnRef([d[0], d[2]]) %}
  | ident "." ident "." ident {% d => g.columnRef([d[0], d[2], d[4]]) %}
  | ident "." ident "." ident "." ident {% d => g.columnRef([d[0], d[2], d[4], d[6]]) %}

# ---------------------------------------------------------------- types

type ->
    type_word type_args:? %UNSIGNED:? {% d => g.typeName([d[0]], d[1] ? d[1][0] : null, d[2], d) %}
  | %IDENT %PRECISION {% d => g.typeName([d[0], d[1]], null, null, d) %}
# PostgreSQL's qualified spelling (psql and drivers write x::pg_catalog.text): the schema names no other types.
  | %IDENT "." type_word type_args:?
      {% (d, _l, reject) => d[0].text.toLowerCase() !== 'pg_catalog' ? reject : g.typeName([d[2]], d[3] ? d[3][0] : null, null, d) %}
type_word -> %IDENT {% id %} | %TIMESTAMP {% id %} | %DATE {% id %} | %TIME {% id %} | %DATETIME {% id %} | %INTERVAL {% id %}
# [numbers, ")"]: the closing parenthesis stays in the data so the type's span (and a
# select item named after its text) ends after it.
type_args -> "(" number ("," number):* ")" {% d => [g.list(d[1], d[2]), d[3]] %}
number -> %NUMBER {% d => g.numberFromToken(d[0]) %}

# ---------------------------------------------------------------- expressions

expr -> expr_or {% id %}

expr_or ->
    expr_or %OR expr_xor {% d => g.binary('OR', d[0], d[2]) %}
  | expr_xor {% id %}
expr_xor ->
    expr_xor %XOR expr_and {% d => g.binary('XOR', d[0], d[2]) %}
  | expr_and {% id %}
expr_and ->
    expr_and %AND expr_not {% d => g.binary('AND', d[0], d[2]) %}
  | expr_not {% id %}
expr_not ->
    %NOT expr_not {% d => ({ kind: 'UnaryExpr', op: 'NOT', operand: d[1], span: S(d) }) %}
  | expr_is {% id %}
expr_is ->
    expr_is %IS %NOT:? is_test {% d => ({ kind: 'IsExpr', expr: d[0], test: kwText(d[3]), not: notOf(d[2]), span: S(d) }) %}
  | expr_is %IS %NOT:? %DISTINCT %FROM expr_cmp {% d => g.distinctFrom(d[0], d[5], !notOf(d[2]), S(d)) %}
  | expr_cmp {% id %}
is_test -> %NULL {% id %} | %TRUE {% id %} | %FALSE {% id %} | %UNKNOWN {% id %}
quantifier -> %W_ANY {% () => false %} | %W_SOME {% () => false %} | %ALL {% () => true %}

expr_cmp ->
    expr_cmp cmp_op expr_pred {% d => g.binary(d[1], d[0], d[2]) %}
# x op ANY|SOME|ALL (subquery): an InSubqueryExpr with `quantified` (x IN (q) is x = ANY (q)).
  | expr_cmp cmp_op quantifier "(" query ")"
      {% (d, _l, reject) => d[1].startsWith('~') || d[1].startsWith('!~') ? reject
           : ({ kind: 'InSubqueryExpr', expr: d[0], query: d[4], not: false, quantified: { op: d[1], all: d[2] }, span: S(d) }) %}
  | expr_cmp "<=>" expr_pred {% d => g.distinctFrom(d[0], d[2], false, S(d)) %}
  | expr_pred {% id %}
cmp_op ->
    "=" {% () => '=' %} | "==" {% () => '=' %} | "<>" {% () => '<>' %} | "!=" {% () => '<>' %}
  | "<" {% () => '<' %} | "<=" {% () => '<=' %} | ">" {% () => '>' %} | ">=" {% () => '>=' %}
  | "~" {% () => '~' %} | "~*" {% () => '~*' %} | "!~" {% () => '!~' %} | "!~*" {% () => '!~*' %}
# PostgreSQL's explicit operator form (psql: c.relname OPERATOR(pg_catalog.~) '^(cpu)$').
  | %W_OPERATOR "(" %IDENT "." cmp_op ")" {% (d, _l, reject) => d[2].text.toLowerCase() !== 'pg_catalog' ? reject : d[4] %}

expr_pred ->
    expr_bor %NOT:? %BETWEEN expr_bor %AND expr_bor
      {% d => ({ kind: 'BetweenExpr', expr: d[0], low: d[3], high: d[5], not: notOf(d[1]), span: S(d) }) %}
  | expr_bor %NOT:? %IN "(" expr_seq ")"
      {% (d, _l, reject) => (d[4].length === 1 && d[4].item.kind === 'SubqueryExpr') ? reject
           : ({ kind: 'InListExpr', expr: d[0], list: g.seqArray(d[4]), not: notOf(d[1]), span: S(d) }) %}
  | expr_bor %NOT:? %IN %LITERAL_LIST
      {% d => ({ kind: 'InListExpr', expr: d[0], list: d[3].items, not: notOf(d[1]), span: S(d) }) %}
  | expr_bor %NOT:? %IN "(" query ")"
      {% d => ({ kind: 'InSubqueryExpr', expr: d[0], query: d[4], not: notOf(d[1]), span: S(d) }) %}
  | expr_bor %NOT:? like_op expr_bor (%ESCAPE expr_bor):?
      {% d => ({ kind: 'LikeExpr', expr: d[0], pattern: d[3], not: notOf(d[1]), caseInsensitive: d[2].type === 'ILIKE',
                 ...(d[4] ? { escape: d[4][1] } : {}), span: S(d) }) %}
  | expr_bor {% id %}
like_op -> %LIKE {% id %} | %ILIKE {% id %}

expr_bor ->
    expr_bor "|" expr_bxor {% d => g.binary('|', d[0], d[2]) %}
  | expr_bxor {% id %}
expr_bxor ->
    expr_bxor "^" expr_band {% d => g.binary('^', d[0], d[2]) %}
  | expr_band {% id %}
expr_band ->
    expr_band "&" expr_shift {% d => g.binary('&', d[0], d[2]) %}
  | expr_shift {% id %}
expr_shift ->
    expr_shift "<<" expr_concat {% d => g.binary('<<', d[0], d[2]) %}
  | expr_shift ">>" expr_concat {% d => g.binary('>>', d[0], d[2]) %}
  | expr_concat {% id %}
expr_concat ->
    expr_concat "||" expr_add {% d => g.binary('||', d[0], d[2]) %}
  | expr_add {% id %}
expr_add ->
    expr_add "+" expr_mul {% d => g.binary('+', d[0], d[2]) %}
  | expr_add "-" expr_mul {% d => g.binary('-', d[0], d[2]) %}
  | expr_mul {% id %}
expr_mul ->
    expr_mul "*" expr_unary {% d => g.binary('*', d[0], d[2]) %}
  | expr_mul "/" expr_unary {% d => g.binary('/', d[0], d[2]) %}
  | expr_mul "%" expr_unary {% d => g.binary('%', d[0], d[2]) %}
  | expr_mul %DIV expr_unary {% d => g.binary('DIV', d[0], d[2]) %}
  | expr_unary {% id %}
expr_unary ->
    "-" expr_unary {% d => g.negate(d[0], d[1]) %}
  | "+" expr_unary {% d => ({ kind: 'UnaryExpr', op: '+', operand: d[1], span: S(d) }) %}
  | "~" expr_unary {% d => ({ kind: 'UnaryExpr', op: '~', operand: d[1], span: S(d) }) %}
  | expr_postfix {% id %}
expr_postfix ->
    expr_postfix "::" type {% d => ({ kind: 'CastExpr', expr: d[0], type: d[2], syntax: '::', span: S(d) }) %}
# COLLATE with the collations Strata compares by (code points): default, "C", "POSIX", ucs_basic; the expression is unchanged.
  | expr_postfix %COLLATE (%IDENT "."):? collation_name
      {% (d, _l, reject) => (d[2] && d[2][0].text.toLowerCase() !== 'pg_catalog') || !['default', 'c', 'posix', 'ucs_basic'].includes(collationText(d[3])) ? reject : { ...d[0], span: S(d) } %}
  | primary {% id %}

collation_name -> %DEFAULT {% id %} | %IDENT {% id %} | %QIDENT {% id %}

expr_list -> expr_seq {% d => g.seqArray(d[0]) %}
# Long lists (IN, VALUES rows, call arguments) use expr_seq directly and build their array once.
expr_seq ->
    expr {% d => g.seq(null, d[0]) %}
  | expr_seq "," expr {% d => g.seq(d[0], d[2]) %}

primary ->
    literal {% id %}
  | column_ref {% id %}
  | %PARAM {% d => placeholder(d[0]) %}
  | %SYSVAR {% d => sessionVar(d[0]) %}
  | %USERVAR {% d => sessionVar(d[0]) %}
  | "(" expr ")" {% (d, _l, reject) => d[1].kind === 'SubqueryExpr' ? reject : { ...d[1], span: S(d) } %}
  | "(" expr "," expr_seq ")" {% d => ({ kind: 'RowExpr', items: [d[1], ...g.seqArray(d[3])], span: S(d) }) %}
  | "(" query ")" {% d => ({ kind: 'SubqueryExpr', query: d[1], span: S(d) }) %}
  | %EXISTS "(" query ")" {% d => ({ kind: 'ExistsExpr', query: d[2], not: false, span: S(d) }) %}
  | case_expr {% id %}
  | cast_kw "(" expr %AS type ")" {% d => ({ kind: 'CastExpr', expr: d[2], type: d[4], syntax: d[0].type, span: S(d) }) %}
  | func_call {% id %}
  | func_call range_suffix {% d => ({ kind: 'RangeExpr', expr: d[0], ...d[1].value, span: S(d) }) %}
  | "(" expr ")" range_suffix {% d => ({ kind: 'RangeExpr', expr: d[1], ...d[3].value, span: S(d) }) %}
  | interval_literal {% id %}
  | typed_literal_type %STRING {% d => ({ kind: 'TypedLiteral', type: g.typeName([d[0]], null, null, [d[0]]), value: d[1].value, span: S(d) }) %}
  | current_kw ("(" ")"):? {% d => ({ kind: 'FunctionCall', name: d[0].text.toLowerCase(), args: [], distinct: false, span: S(d) }) %}
  | %EXTRACT "(" ident %FROM expr ")"
      {% d => ({ kind: 'FunctionCall', name: 'date_part', args: [{ kind: 'StringLiteral', value: g.identText(d[2]), span: S(d[2]) }, d[4]], distinct: false, span: S(d) }) %}
  | %W_SQLFORM "(" sql_form_args ")" {% (d, _l, reject) => sqlForm(d, reject!) %}

# The keyword forms of TRIM / SUBSTRING / POSITION / OVERLAY (sqlForm() maps them onto calls).
# BOTH / LEADING / TRAILING right after `trim(` lex as TRIM_SPEC (lexer.ts), as sqlparser reads
# them as keywords there: TRIM(LEADING - 1) is ltrim(-1), never trim(leading - 1).
sql_form_args ->
    %TRIM_SPEC expr:? %FROM expr {% d => ({ form: 'trim', spec: d[0], ...(d[1] ? { chars: d[1] } : {}), source: d[3] }) %}
  | %TRIM_SPEC expr {% d => ({ form: 'trim', spec: d[0], source: d[1] }) %}
  | %FROM expr {% d => ({ form: 'trim', source: d[1] }) %}
  | expr %FROM expr {% d => ({ form: 'from', value: d[0], from: d[2] }) %}
  | expr %FROM expr %W_FOR expr {% d => ({ form: 'substring', value: d[0], from: d[2], for: d[4] }) %}
  | expr %W_FOR expr {% d => ({ form: 'substring', value: d[0], for: d[2], forTok: d[1] }) %}
  | expr_bor %IN expr {% d => ({ form: 'position', needle: d[0], haystack: d[2] }) %}
  | expr %W_PLACING expr %FROM expr (%W_FOR expr):?
      {% d => ({ form: 'overlay', value: d[0], placing: d[2], from: d[4], ...(d[5] ? { for: d[5][1] } : {}) }) %}

cast_kw -> %CAST {% id %} | %TRY_CAST {% id %}
current_kw -> %CURRENT_TIMESTAMP {% id %} | %CURRENT_DATE {% id %} | %CURRENT_TIME {% id %} | %LOCALTIMESTAMP {% id %}
typed_literal_type -> %TIMESTAMP {% id %} | %DATE {% id %} | %TIME {% id %} | %DATETIME {% id %}

literal ->
    %NUMBER {% d => g.numberFromToken(d[0]) %}
  | %STRING {% d => g.stringLiteral(d[0]) %}
  | %HEXSTRING {% d => g.binaryLiteral(d[0]) %}
  | %TRUE {% d => ({ kind: 'BooleanLiteral', value: true, span: S(d) }) %}
  | %FALSE {% d => ({ kind: 'BooleanLiteral', value: false, span: S(d) }) %}
  | %NULL {% d => ({ kind: 'NullLiteral', span: S(d) }) %}

interval_literal -> %INTERVAL interval_value interval_unit:? {% intervalLit %}
interval_value -> %STRING {% id %} | %NUMBER {% id %}

case_expr ->
    %CASE expr:? when_clause:+ (%ELSE expr):? %END
      {% d => ({ kind: 'CaseExpr', ...(d[1] ? { operand: d[1] } : {}), whens: d[2], ...(d[3] ? { else: d[3][1] } : {}), span: S(d) }) %}
when_clause -> %WHEN expr %THEN expr {% d => ({ when: d[1], then: d[3] }) %}

# `any((SELECT ...))` is not a call: after a comparison it is x = ANY ((SELECT ...)), which
# would otherwise parse both ways. Nor is `position(x IN (y))` (nor IN (SELECT ...)): that is
# POSITION's keyword form, strpos(y, x).
func_call ->
    func_name "(" func_args ")" within_group:? null_treatment:? filter_clause:? over_clause:?
      {% (d, _l, reject) => (!d[0].value.database && (d[0].value.name === 'any' || d[0].value.name === 'some') && d[2].args.length === 1 && d[2].args[0].kind === 'SubqueryExpr') ? reject
           : (!d[0].value.database && d[0].value.name.toLowerCase() === 'position' && d[2].args.length === 1 && positionIn(d[2].args[0])) ? reject
           : ({ kind: 'FunctionCall', ...d[0].value, ...d[2], ...(d[4] ? { withinGroup: d[4] } : {}), ...(d[5] ? { nullTreatment: d[5] } : {}), ...(d[6] ? { filter: d[6].value } : {}),
                ...(d[7] ? { over: d[7] } : {}), span: S(d) }) %}
# Ordered-set aggregates: approx_percentile_cont(0.5) WITHIN GROUP (ORDER BY x). WITHIN stays an
# identifier (it is no keyword in GreptimeDB); only `WITHIN GROUP (` after a call reads this way,
# as `f(x) within` aliased and followed by GROUP BY has BY, never "(", after GROUP.
within_group -> %W_WITHIN %GROUP "(" order_by_clause ")" {% d => d[3] %}
null_treatment -> %W_IGNORE %NULLS {% () => 'IGNORE NULLS' %} | %W_RESPECT %NULLS {% () => 'RESPECT NULLS' %}
func_name ->
    ident {% d => ({ value: { name: g.identText(d[0]) }, span: S(d) }) %}
  | %LEFT {% d => ({ value: { name: 'left' }, span: S(d) }) %}
  | %RIGHT {% d => ({ value: { name: 'right' }, span: S(d) }) %}
  # MySQL's INSERT(str, pos, len, newstr): INSERT only starts a statement, never an expression.
  | %INSERT {% d => ({ value: { name: 'insert' }, span: S(d) }) %}
  | ident "." ident {% d => ({ value: { database: g.identText(d[0]), name: g.identText(d[2]) }, span: S(d) }) %}
func_args ->
    null {% () => ({ args: [], distinct: false }) %}
  | "*" {% d => ({ args: [{ kind: 'Wildcard', span: S(d) }], distinct: false }) %}
  | set_quant:? expr_seq order_by_clause:?
      {% d => ({ args: g.seqArray(d[1]), distinct: !!d[0] && d[0][0].type === 'DISTINCT', ...(d[2] ? { orderBy: d[2] } : {}) }) %}
filter_clause -> %FILTER "(" %WHERE expr ")" {% d => ({ value: d[3], span: S(d) }) %}

over_clause ->
    %OVER %IDENT {% d => ({ kind: 'WindowSpec', name: g.identText(d[1]), partitionBy: [], orderBy: [], span: S(d) }) %}
  | %OVER %QIDENT {% d => ({ kind: 'WindowSpec', name: g.identText(d[1]), partitionBy: [], orderBy: [], span: S(d) }) %}
  | %OVER "(" window_spec ")" {% d => ({ ...d[2], span: S(d) }) %}
window_spec ->
    window_ref:? (%PARTITION %BY expr_list):? order_by_clause:? frame_clause:?
      {% d => ({ kind: 'WindowSpec', ...(d[0] ? { name: g.identText(d[0]) } : {}), partitionBy: d[1] ? d[1][2] : [], orderBy: d[2] ?? [],
                 ...(d[3] ? { frame: d[3] } : {}), span: S(d) }) %}
window_ref -> %IDENT {% id %} | %QIDENT {% id %}
frame_clause ->
    frame_units frame_bound frame_exclude:? {% d => ({ kind: 'WindowFrame', units: d[0], start: d[1], end: { kind: 'CurrentRow' }, ...(d[2] ? { exclude: d[2] } : {}), span: S(d) }) %}
  | frame_units %BETWEEN frame_bound %AND frame_bound frame_exclude:? {% d => ({ kind: 'WindowFrame', units: d[0], start: d[2], end: d[4], ...(d[5] ? { exclude: d[5] } : {}), span: S(d) }) %}
frame_exclude ->
    %EXCLUDE %CURRENT %ROW {% () => 'CURRENT ROW' %}
  | %EXCLUDE %GROUP {% () => 'GROUP' %}
  | %EXCLUDE %TIES {% () => 'TIES' %}
  | %EXCLUDE %NO %OTHERS {% () => 'NO OTHERS' %}
frame_units -> %ROWS {% () => 'ROWS' %} | %RANGE {% () => 'RANGE' %} | %GROUPS {% () => 'GROUPS' %}
frame_bound ->
    %UNBOUNDED %PRECEDING {% () => ({ kind: 'UnboundedPreceding' }) %}
  | %UNBOUNDED %FOLLOWING {% () => ({ kind: 'UnboundedFollowing' }) %}
  | %CURRENT %ROW {% () => ({ kind: 'CurrentRow' }) %}
  | frame_offset %PRECEDING {% d => ({ kind: 'Preceding', offset: d[0] }) %}
  | frame_offset %FOLLOWING {% d => ({ kind: 'Following', offset: d[0] }) %}
frame_offset ->
    %NUMBER {% d => g.numberFromToken(d[0]) %}
  | %STRING {% d => g.stringLiteral(d[0]) %}
  | %PARAM {% d => placeholder(d[0]) %}
  | interval_literal {% id %}
  | "(" expr ")" {% (d, _l, reject) => d[1].kind === 'SubqueryExpr' ? reject : { ...d[1], span: S(d) } %}

# GreptimeDB range queries
# Helper rules that return { value, span } keep spans right without adding span fields to span-less AST parts.
range_suffix -> %RANGE duration fill_clause:? {% d => ({ value: { range: d[1], ...(d[2] ? { fill: d[2].value } : {}) }, span: S(d) }) %}
duration ->
    %STRING {% d => g.stringLiteral(d[0]) %}
  | interval_literal {% id %}
  | "(" expr ")" {% (d, _l, reject) => d[1].kind === 'SubqueryExpr' ? reject : { ...d[1], span: S(d) } %}
fill_clause -> %FILL fill_value {% d => ({ value: fill(d), span: S(d) }) %}
fill_value ->
    %NULL {% id %} | %PREV {% id %} | %LINEAR {% id %}
  | %NUMBER {% d => g.numberFromToken(d[0]) %}
  | "-" %NUMBER {% d => g.numberLiteral(d[1].value, S(d), true) %}
  | %STRING {% d => g.stringLiteral(d[0]) %}
  | %TRUE {% d => ({ kind: 'BooleanLiteral', value: true, span: S(d) }) %}
  | %FALSE {% d => ({ kind: 'BooleanLiteral', value: false, span: S(d) }) %}

# ---------------------------------------------------------------- queries

query -> with_clause:? set_expr order_by_clause:? limit_clause:? {% query %}

with_clause -> %WITH %RECURSIVE:? cte ("," cte):* {% d => ({ kind: 'With', recursive: notOf(d[1]), ctes: g.list(d[2], d[3]), span: S(d) }) %}
cte -> ident ("(" ident_names ")"):? %AS "(" query ")"
  {% d => ({ kind: 'CommonTableExpr', name: g.identText(d[0]), ...(d[1] ? { columns: d[1][1] } : {}), query: d[4], span: S(d) }) %}
  | ident ("(" ident_names ")"):? %AS "(" %W_TQLBODY ")"
  {% d => ({ kind: 'CommonTableExpr', name: g.identText(d[0]), ...(d[1] ? { columns: d[1][1] } : {}), tql: (d[4] as SqlToken & { tql: ast.TqlStatement }).tql, span: S(d) }) %}

set_expr ->
    set_expr %UNION set_quant:? set_term {% setOp %}
  | set_expr %EXCEPT set_quant:? set_term {% setOp %}
  | set_term {% id %}
set_term ->
    set_term %INTERSECT set_quant:? set_primary {% setOp %}
  | set_primary {% id %}
set_primary ->
    select {% id %}
  | values_clause {% id %}
  | "(" query ")" {% d => { const q = d[1]; return (!q.with && q.orderBy.length === 0 && !q.limit && !q.offset) ? q.body : q; } %}
set_quant -> %ALL | %DISTINCT

values_clause -> %VALUES values_rows
  {% d => { const rows = g.seqArray<{ exprs: ast.Expr[]; close: SqlToken }>(d[1]); return { kind: 'Values', rows: rows.map((r) => r.exprs), span: S(d[0], rows[rows.length - 1]!.close) }; } %}
values_rows ->
    values_row {% d => g.seq(null, d[0]) %}
  | values_rows "," values_row {% d => g.seq(d[0], d[2]) %}
values_row -> "(" value_seq ")" {% d => ({ exprs: g.seqArray(d[1]), close: d[2] }) %}
# A VALUES item may be DEFAULT (the column's default in INSERT; an error elsewhere).
value_seq ->
    value_item {% d => g.seq(null, d[0]) %}
  | value_seq "," value_item {% d => g.seq(d[0], d[2]) %}
value_item -> expr {% id %} | %DEFAULT {% d => ({ kind: 'DefaultValue', span: S(d) }) %}

order_by_clause -> %ORDER %BY order_item ("," order_item):* {% d => g.list(d[2], d[3]) %}
order_item -> expr order_dir:? (%NULLS first_last):?
  {% d => ({ kind: 'OrderByItem', expr: d[0], desc: !!d[1] && d[1].type === 'DESC', ...(d[2] ? { nulls: d[2][1] } : {}), span: S(d) }) %}
order_dir -> %ASC {% id %} | %DESC {% id %}
first_last -> %FIRST {% () => 'FIRST' %} | %LAST {% () => 'LAST' %}

limit_clause ->
    %LIMIT limit_value {% d => ({ limit: d[1], span: S(d) }) %}
  | %LIMIT limit_value %OFFSET limit_value {% d => ({ limit: d[1], offset: d[3], span: S(d) }) %}
  | %LIMIT limit_value "," limit_value {% d => ({ limit: d[3], offset: d[1], span: S(d) }) %}
  | %OFFSET limit_value {% d => ({ offset: d[1], span: S(d) }) %}
  | %OFFSET limit_value %LIMIT limit_value {% d => ({ limit: d[3], offset: d[1], span: S(d) }) %}
# Any expression parses (LIMIT 2-1, as sqlparser reads it); the binder folds it to a constant
# integer or rejects it (a column, a subquery, a float).
limit_value -> expr {% id %}

select ->
    %SELECT select_quant:? select_and_from where_clause:? group_by_clause:? having_clause:? align_clause:? window_clause:?
      {% d => ({ kind: 'Select', distinct: !!d[1] && d[1].distinct, ...(d[1]?.on ? { distinctOn: d[1].on } : {}), items: d[2][0], from: d[2][1] ?? [],
                 ...(d[3] ? { where: d[3] } : {}), groupBy: d[4] ?? [], ...(d[5] ? { having: d[5] } : {}),
                 ...(d[6] ? { align: d[6] } : {}), windows: d[7] ?? [], span: S(d) }) %}

select_quant ->
    %ALL {% () => ({ distinct: false }) %}
  | %DISTINCT {% () => ({ distinct: true }) %}
  | %DISTINCT %ON "(" expr_list ")" {% d => ({ distinct: true, on: d[3] }) %}
# A trailing comma before FROM is accepted (`SELECT a, b, FROM t`), as GreptimeDB's parser does
# (its select/dummy.result); FROM is a keyword, so the comma cannot start another item.
select_and_from ->
    select_list {% d => [d[0], null] %}
  | select_list ",":? from_clause {% d => [d[0], d[2]] %}
select_list -> select_item ("," select_item):* {% d => g.list(d[0], d[1]) %}
select_item ->
    expr {% d => ({ kind: 'SelectExprItem', expr: d[0], span: S(d) }) %}
  | expr %AS ident {% d => ({ kind: 'SelectExprItem', expr: d[0], alias: g.identText(d[2]), span: S(d) }) %}
  | expr %AS %STRING {% d => ({ kind: 'SelectExprItem', expr: d[0], alias: d[2].value, span: S(d) }) %}
  | expr bare_alias {% d => ({ kind: 'SelectExprItem', expr: d[0], alias: g.identText(d[1]), span: S(d) }) %}
  | "*" {% d => ({ kind: 'Wildcard', span: S(d) }) %}
  | ident "." "*" {% d => ({ kind: 'Wildcard', table: g.identText(d[0]), span: S(d) }) %}
  | ident "." ident "." "*" {% d => ({ kind: 'Wildcard', database: g.identText(d[0]), table: g.identText(d[2]), span: S(d) }) %}

from_clause -> %FROM table_ref ("," table_ref):* {% d => g.list(d[1], d[2]) %}
table_ref -> table_primary {% id %} | joined_table {% id %}
joined_table ->
    table_ref join_op table_primary join_condition:?
      {% d => ({ kind: 'Join', ...d[1], left: d[0], right: d[2], ...(d[3]?.value ?? {}), span: S(d) }) %}
join_op ->
    %JOIN {% joinType %}
  | %INNER %JOIN {% joinType %}
  | %CROSS %JOIN {% joinType %}
  | outer_kind %OUTER:? %JOIN {% joinType %}
  | %NATURAL (%INNER | outer_kind %OUTER:?):? %JOIN {% joinType %}
outer_kind -> %LEFT {% id %} | %RIGHT {% id %} | %FULL {% id %}
join_condition ->
    %ON expr {% d => ({ value: { on: d[1] }, span: S(d) }) %}
  | %USING "(" ident_names ")" {% d => ({ value: { using: d[2] }, span: S(d) }) %}
table_primary ->
    object_name table_alias:? {% d => ({ kind: 'NamedTable', name: d[0], ...(d[1] ? { alias: d[1].value } : {}), span: S(d) }) %}
  | "(" query ")" table_alias:? {% d => ({ kind: 'DerivedTable', query: d[1], ...(d[3] ? { alias: d[3].value } : {}), span: S(d) }) %}
  | "(" joined_table ")" {% d => d[1] %}
table_alias ->
    %AS ident alias_columns:? {% d => ({ value: { name: g.identText(d[1]), ...(d[2] ? { columns: d[2].value } : {}) }, span: S(d) }) %}
  | bare_alias alias_columns:? {% d => ({ value: { name: g.identText(d[0]), ...(d[1] ? { columns: d[1].value } : {}) }, span: S(d) }) %}
alias_columns -> "(" ident_names ")" {% d => ({ value: d[1], span: S(d) }) %}

where_clause -> %WHERE expr {% d => d[1] %}
group_by_clause -> %GROUP %BY expr_list {% d => d[2] %}
having_clause -> %HAVING expr {% d => d[1] %}

align_clause -> %ALIGN duration align_to:? align_by:? fill_clause:?
  {% d => ({ kind: 'Align', interval: d[1], ...(d[2] ? { to: d[2].value } : {}), ...(d[3] ? { by: d[3].value } : {}), ...(d[4] ? { fill: d[4].value } : {}), span: S(d) }) %}
align_to ->
    %TO %NOW {% d => ({ value: { kind: 'AlignToNow' }, span: S(d) }) %}
  | %TO %CALENDAR {% d => ({ value: { kind: 'AlignToCalendar' }, span: S(d) }) %}
  | %TO %STRING {% d => ({ value: { kind: 'AlignToExpr', expr: g.stringLiteral(d[1]) }, span: S(d) }) %}
  | %TO %NUMBER {% d => ({ value: { kind: 'AlignToExpr', expr: g.numberFromToken(d[1]) }, span: S(d) }) %}
  | %TO "(" expr ")" {% d => ({ value: { kind: 'AlignToExpr', expr: d[2] }, span: S(d) }) %}
align_by ->
    %BY "(" ")" {% d => ({ value: [], span: S(d) }) %}
  | %BY "(" expr_list ")" {% d => ({ value: d[2], span: S(d) }) %}

window_clause -> %WINDOW named_window ("," named_window):* {% d => g.list(d[1], d[2]) %}
named_window -> ident %AS "(" window_spec ")" {% d => ({ kind: 'NamedWindow', name: g.identText(d[0]), spec: d[3], span: S(d) }) %}

# ---------------------------------------------------------------- DML

# INSERT INTO TABLE t ... (GreptimeDB and Hive accept the TABLE keyword).
insert_stmt -> %INSERT %INTO %TABLE:? object_name ("(" ident_list ")"):? query
  {% d => {
    const q = d[5];
    const source = (q.kind === 'Query' && !q.with && q.orderBy.length === 0 && !q.limit && !q.offset && q.body.kind === 'Values') ? q.body : q;
    return { kind: 'Insert', table: d[3], ...(d[4] ? { columns: d[4][1].map(g.identifier) } : {}), source, span: S(d) };
  } %}
delete_stmt -> %DELETE %FROM object_name where_clause:?
  {% d => ({ kind: 'Delete', table: d[2], ...(d[3] ? { where: d[3] } : {}), span: S(d) }) %}

# ---------------------------------------------------------------- DDL

if_not_exists -> %IF %NOT %EXISTS
if_exists -> %IF %EXISTS
database_kw -> %DATABASE | %SCHEMA

create_database -> %CREATE database_kw if_not_exists:? ident (%WITH options):?
  {% d => ({ kind: 'CreateDatabase', name: g.identText(d[3]), ifNotExists: notOf(d[2]), options: d[4] ? d[4][1] : [], span: S(d) }) %}
drop_database -> %DROP database_kw if_exists:? ident
  {% d => ({ kind: 'DropDatabase', name: g.identText(d[3]), ifExists: notOf(d[2]), span: S(d) }) %}
use_stmt -> %USE ident {% d => ({ kind: 'Use', database: g.identText(d[1]), span: S(d) }) %}

# A trailing comma after the last element is accepted, as GreptimeDB's parser does
# (`PRIMARY KEY (tag),\n)` in its aggregate/count.result).
create_table -> %CREATE %TABLE if_not_exists:? object_name "(" table_element ("," table_element):* ",":? ")" table_tail:*
  {% d => g.createTable({ name: d[3], ifNotExists: notOf(d[2]), elements: g.list(d[5], d[6]), tail: d[9], span: S(d) }) %}
create_table_like -> %CREATE %TABLE if_not_exists:? object_name %LIKE object_name
  {% d => ({ kind: 'CreateTableLike', name: d[3], ifNotExists: notOf(d[2]), source: d[5], span: S(d) }) %}
table_element ->
    column_def {% id %}
  | %TIME %INDEX "(" ident ")" {% d => ({ kind: 'TimeIndexConstraint', column: g.identText(d[3]), span: S(d) }) %}
  | %PRIMARY %KEY "(" ident_names ")" {% d => ({ kind: 'PrimaryKeyConstraint', columns: d[3], span: S(d) }) %}
table_tail ->
    %ENGINE "=" ident {% d => ({ kind: 'Engine', value: g.identText(d[2]) }) %}
  | %PARTITION %ON %COLUMNS "(" ident_names ")" "(" partition_rules:? ")"
      {% d => ({ kind: 'Partition', value: { kind: 'Partition', columns: d[4], rules: d[7] ?? [], span: S(d) } }) %}
  | %WITH options {% d => ({ kind: 'With', value: d[1] }) %}
partition_rules -> expr_list {% id %}

column_def -> ident type column_constraint:* {% d => g.columnDef(d[0], d[1], d[2], d) %}
column_constraint ->
    %NULL {% d => ({ kind: 'Null', span: S(d) }) %}
  | %NOT %NULL {% d => ({ kind: 'NotNull', span: S(d) }) %}
  | %DEFAULT expr_add {% d => ({ kind: 'Default', expr: d[1], span: S(d) }) %}
  | %COMMENT %STRING {% d => ({ kind: 'Comment', value: d[1].value, span: S(d) }) %}
  | %TIME %INDEX {% d => ({ kind: 'TimeIndex', span: S(d) }) %}
  | %PRIMARY %KEY {% d => ({ kind: 'PrimaryKey', span: S(d) }) %}
# INVERTED INDEX takes no options; a WITH is parsed so the error can say so (GreptimeDB's message).
# FULLTEXT without INDEX (older GreptimeDB) is parsed and refused with GreptimeDB's message.
  | %INVERTED %INDEX (%WITH options):?
      {% d => ({ kind: 'Index', index: 'inverted', options: d[2] ? d[2][1] : [], ...(d[2] ? { withClause: true } : {}), span: S(d) }) %}
  | %FULLTEXT %INDEX:? (%WITH options):?
      {% d => ({ kind: 'Index', index: 'fulltext', options: d[2] ? d[2][1] : [], ...(d[1] ? {} : { missingIndexKeyword: true }), span: S(d) }) %}
  | %SKIPPING %INDEX (%WITH options):? {% d => ({ kind: 'Index', index: 'skipping', options: d[2] ? d[2][1] : [], span: S(d) }) %}

options -> "(" option ("," option):* ")" {% d => g.list(d[1], d[2]) %}
  | "(" ")" {% () => [] %}
option -> option_key "=" option_value {% d => ({ key: d[0], value: d[2] }) %}
option_key ->
    ident ("." ident):* {% d => g.optionKey(g.list(d[0], d[1])) %}
  | %STRING {% d => g.optionKey([d[0]]) %}
option_value ->
    %STRING {% d => g.optionValue(d[0]) %}
  | %NUMBER {% d => g.optionValue(d[0]) %}
  | "-" %NUMBER {% d => '-' + d[1].text %}
  | ident {% d => g.optionValue(d[0]) %}
  | %TRUE {% d => g.optionValue(d[0]) %}
  | %FALSE {% d => g.optionValue(d[0]) %}

alter_table -> %ALTER %TABLE object_name alter_action ("," alter_action):*
  {% d => ({ kind: 'AlterTable', table: d[2], actions: g.list(d[3], d[4]), span: S(d) }) %}
alter_action ->
    %ADD %COLUMN:? if_not_exists:? column_def column_position:?
      {% d => ({ kind: 'AddColumn', column: d[3], ifNotExists: notOf(d[2]), ...(d[4] ? { position: d[4] } : {}) }) %}
  | %DROP %COLUMN:? if_exists:? ident {% d => ({ kind: 'DropColumn', name: g.identText(d[3]), ifExists: notOf(d[2]) }) %}
  | %MODIFY %COLUMN:? ident type null_spec:?
      {% d => ({ kind: 'ModifyColumn', name: g.identText(d[2]), type: d[3], ...(d[4] !== null ? { nullable: d[4] } : {}) }) %}
  | %ALTER %COLUMN:? ident %W_TYPE type null_spec:?
      {% d => ({ kind: 'ModifyColumn', name: g.identText(d[2]), type: d[4], ...(d[5] !== null ? { nullable: d[5] } : {}) }) %}
# GreptimeDB: MODIFY COLUMN c SET DEFAULT v / DROP DEFAULT (UNSET DEFAULT in some releases);
# ALTER [COLUMN] c SET DEFAULT v / DROP DEFAULT is the SQL standard's (and MySQL's) spelling.
  | column_change ident %SET %DEFAULT expr_add {% d => ({ kind: 'SetColumnDefault', name: g.identText(d[1]), default: d[4] }) %}
  | column_change ident %DROP %DEFAULT {% d => ({ kind: 'DropColumnDefault', name: g.identText(d[1]) }) %}
  | %MODIFY %COLUMN:? ident %UNSET %DEFAULT {% d => ({ kind: 'DropColumnDefault', name: g.identText(d[2]) }) %}
# GreptimeDB: MODIFY COLUMN c SET {INVERTED | FULLTEXT | SKIPPING} INDEX [WITH (...)] / UNSET ... INDEX.
  | %MODIFY %COLUMN:? ident %SET index_kind %INDEX (%WITH options):?
      {% d => ({ kind: 'SetColumnIndex', name: g.identText(d[2]), index: d[4], options: d[6] ? d[6][1] : [], ...(d[6] ? { withClause: true } : {}) }) %}
  | %MODIFY %COLUMN:? ident %UNSET index_kind %INDEX {% d => ({ kind: 'UnsetColumnIndex', name: g.identText(d[2]), index: d[4] }) %}
  | %RENAME %TO:? object_name {% d => ({ kind: 'RenameTable', newName: d[2] }) %}
  | %SET option ("," option):* {% d => ({ kind: 'SetOptions', options: g.list(d[1], d[2]) }) %}
  | %UNSET option_key ("," option_key):* {% d => ({ kind: 'UnsetOptions', keys: g.list(d[1], d[2]) }) %}
column_change -> %MODIFY %COLUMN:? | %ALTER %COLUMN:?
# GreptimeDB: ALTER DATABASE db SET 'k'='v'[, ...] | UNSET 'k'[, ...].
alter_database ->
    %ALTER database_kw ident %SET option ("," option):*
      {% d => ({ kind: 'AlterDatabase', name: g.identText(d[2]), set: g.list(d[4], d[5]), unset: [], span: S(d) }) %}
  | %ALTER database_kw ident %UNSET option_key ("," option_key):*
      {% d => ({ kind: 'AlterDatabase', name: g.identText(d[2]), set: [], unset: g.list(d[4], d[5]), span: S(d) }) %}
index_kind -> %INVERTED {% () => 'inverted' %} | %FULLTEXT {% () => 'fulltext' %} | %SKIPPING {% () => 'skipping' %}
column_position -> %FIRST {% () => ({ kind: 'First' }) %} | %AFTER ident {% d => ({ kind: 'After', column: g.identText(d[1]) }) %}
null_spec -> %NULL {% () => true %} | %NOT %NULL {% () => false %}

drop_table -> %DROP %TABLE if_exists:? object_name ("," object_name):*
  {% d => ({ kind: 'DropTable', names: g.list(d[3], d[4]), ifExists: notOf(d[2]), span: S(d) }) %}
# ---------------------------------------------------------------- views

# The query is any query (SELECT, set operations, WITH, VALUES); its span gives its text.
create_view -> %CREATE (%OR %REPLACE):? %W_VIEW if_not_exists:? object_name ("(" ident_names ")"):? %AS query
  {% d => ({ kind: 'CreateView', name: d[4], orReplace: notOf(d[1]), ifNotExists: notOf(d[3]), ...(d[5] ? { columns: d[5][1] } : {}),
             query: d[7], span: S(d) }) %}
drop_view -> %DROP %W_VIEW if_exists:? object_name ("," object_name):*
  {% d => ({ kind: 'DropView', names: g.list(d[3], d[4]), ifExists: notOf(d[2]), span: S(d) }) %}

truncate_stmt -> %TRUNCATE %TABLE:? object_name {% d => ({ kind: 'Truncate', table: d[2], span: S(d) }) %}

# ---------------------------------------------------------------- SHOW / DESCRIBE / EXPLAIN / ADMIN

show_stmt ->
    %SHOW %FULL:? databases_kw show_filter:? {% d => ({ kind: 'ShowDatabases', full: notOf(d[1]), ...showFilter(d[3]), span: S(d) }) %}
  | %SHOW %FULL:? %TABLES (from_in ident):? show_filter:?
      {% d => ({ kind: 'ShowTables', full: notOf(d[1]), ...(d[3] ? { database: g.identText(d[3][1]) } : {}), ...showFilter(d[4]), span: S(d) }) %}
  | %SHOW %CREATE %TABLE object_name {% d => ({ kind: 'ShowCreateTable', table: d[3], span: S(d) }) %}
  | %SHOW %CREATE %W_VIEW object_name {% d => ({ kind: 'ShowCreateView', view: d[3], span: S(d) }) %}
  | %SHOW %W_VIEWS (from_in ident):? show_filter:?
      {% d => ({ kind: 'ShowViews', ...(d[2] ? { database: g.identText(d[2][1]) } : {}), ...showFilter(d[3]), span: S(d) }) %}
  | %SHOW %CREATE database_kw ident {% d => ({ kind: 'ShowCreateDatabase', database: g.identText(d[3]), span: S(d) }) %}
  | %SHOW %TABLE %STATUS (from_in ident):? show_filter:?
      {% d => ({ kind: 'ShowTableStatus', ...(d[3] ? { database: g.identText(d[3][1]) } : {}), ...showFilter(d[4]), span: S(d) }) %}
  | %SHOW %FULL:? columns_kw from_in object_name (from_in ident):? show_filter:?
      {% d => ({ kind: 'ShowColumns', full: notOf(d[1]), table: withDb(d[4], d[5]), ...showFilter(d[6]), span: S(d) }) %}
  | %SHOW index_kw from_in object_name (from_in ident):? show_filter:?
      {% d => ({ kind: 'ShowIndex', table: withDb(d[3], d[4]), ...showFilter(d[5]), span: S(d) }) %}
  | %SHOW scope_kw:? %VARIABLES show_filter:?
      {% d => ({ kind: 'ShowVariables', ...(d[1] ? { scope: d[1] } : {}), ...showFilter(d[3]), span: S(d) }) %}
  | %SHOW %VARIABLES var_name {% d => ({ kind: 'ShowVariables', name: d[2], variablesKeyword: true, span: S(d) }) %}
  | %SHOW scope_kw:? %STATUS show_filter:?
      {% d => ({ kind: 'ShowStatus', ...(d[1] ? { scope: d[1] } : {}), ...showFilter(d[3]), span: S(d) }) %}
  | %SHOW %FUNCTIONS show_filter:? {% d => ({ kind: 'ShowFunctions', ...showFilter(d[2]), span: S(d) }) %}
  | %SHOW %ALL {% d => ({ kind: 'ShowVariables', name: 'all', span: S(d) }) %}
  | %SHOW %TIME %ZONE {% d => ({ kind: 'ShowVariables', name: 'time_zone', span: S(d) }) %}
  | %SHOW %TRANSACTION %ISOLATION %LEVEL {% d => ({ kind: 'ShowVariables', name: 'transaction_isolation', span: S(d) }) %}
  | %SHOW %W_ENGINES {% d => ({ kind: 'ShowEngines', span: S(d) }) %}
  | %SHOW %FULL:? %W_PROCESSLIST {% d => ({ kind: 'ShowProcessList', full: notOf(d[1]), span: S(d) }) %}
  | %SHOW %W_SHOWNAME {% d => ({ kind: 'ShowVariables', name: g.identText(d[1]), span: S(d) }) %}
  | %SHOW %QIDENT {% d => ({ kind: 'ShowVariables', name: g.identText(d[1]), span: S(d) }) %}
databases_kw -> %DATABASES | %SCHEMAS
columns_kw -> %COLUMNS | %FIELDS
index_kw -> %INDEX | %INDEXES | %KEYS
from_in -> %FROM | %IN
scope_kw -> %GLOBAL {% () => 'GLOBAL' %} | %SESSION {% () => 'SESSION' %}
show_filter ->
    %LIKE %STRING {% d => ({ kind: 'Like', pattern: d[1].value }) %}
  | %WHERE expr {% d => ({ kind: 'Where', expr: d[1] }) %}

describe_stmt -> describe_kw %TABLE:? object_name {% d => ({ kind: 'Describe', table: d[2], span: S(d) }) %}
  | describe_kw %W_VIEW object_name {% d => ({ kind: 'Describe', table: d[2], view: true, span: S(d) }) %}
describe_kw -> %DESCRIBE | %DESC

explain_stmt -> %EXPLAIN %ANALYZE:? %VERBOSE:? (%FORMAT ident):? statement
  {% d => ({ kind: 'Explain', analyze: notOf(d[1]), verbose: notOf(d[2]), ...(d[3] ? { format: g.identText(d[3][1]) } : {}),
             statement: { ...d[4], text: '' }, span: S(d) }) %}

admin_stmt -> %ADMIN func_call {% d => ({ kind: 'Admin', call: d[1], span: S(d) }) %}

# KILL 'frontend/n' (GreptimeDB's process id) or KILL n; KILL QUERY n (MySQL: the statement of connection n);
# KILL CONNECTION n (refused when run: the kernel cannot close a protocol's connection).
kill_stmt ->
    %W_KILL %STRING {% d => ({ kind: 'Kill', target: 'process', id: d[1].value, span: S(d) }) %}
  | %W_KILL %NUMBER {% d => ({ kind: 'Kill', target: 'process', id: d[1].text, span: S(d) }) %}
  | %W_KILL %W_QUERY %NUMBER {% d => ({ kind: 'Kill', target: 'query', id: d[2].text, span: S(d) }) %}
  | %W_KILL %W_CONNECTION %NUMBER {% d => ({ kind: 'Kill', target: 'connection', id: d[2].text, span: S(d) }) %}

# ---------------------------------------------------------------- COPY

# GreptimeDB's COPY: COPY [db.]tbl TO | FROM 'path' [WITH] (k = v, ...) [CONNECTION (k = v, ...)],
# COPY (query) TO 'path' ..., COPY DATABASE db TO | FROM 'dir/' .... Options are checked when run.
copy_stmt ->
    %W_COPY object_name copy_direction %STRING copy_with:? copy_connection:?
      {% d => ({ kind: 'Copy', target: { kind: 'table', table: d[1] }, direction: d[2], location: d[3].value, options: d[4] ?? [], connection: d[5] ?? [], span: S(d) }) %}
  | %W_COPY "(" query ")" %TO %STRING copy_with:? copy_connection:?
      {% d => ({ kind: 'Copy', target: { kind: 'query', query: d[2] }, direction: 'to', location: d[5].value, options: d[6] ?? [], connection: d[7] ?? [], span: S(d) }) %}
  | %W_COPY database_kw ident copy_direction %STRING copy_with:? copy_connection:?
      {% d => ({ kind: 'Copy', target: { kind: 'database', database: g.identText(d[2]) }, direction: d[3], location: d[4].value, options: d[5] ?? [], connection: d[6] ?? [], span: S(d) }) %}
copy_direction -> %TO {% () => 'to' %} | %FROM {% () => 'from' %}
copy_with -> %WITH:? options {% d => d[1] %}
copy_connection -> %W_CONNECTION options {% d => d[1] %}

# ---------------------------------------------------------------- SET

set_stmt ->
    %SET set_assignment ("," set_assignment):* {% d => ({ kind: 'SetVariable', assignments: g.list(d[1], d[2]), span: S(d) }) %}
  | %SET %NAMES names_value (%COLLATE names_value):?
      {% d => ({ kind: 'SetNames', charset: d[2], ...(d[3] ? { collate: d[3][1] } : {}), span: S(d) }) %}
  | %SET scope_or_local:? %TIME %ZONE set_values
      {% d => ({ kind: 'SetVariable', assignments: [{ ...(d[1] ? { scope: d[1] } : {}), name: 'time_zone', value: d[4] }], span: S(d) }) %}
# SET [SESSION|GLOBAL] TRANSACTION ... and PostgreSQL's SET SESSION CHARACTERISTICS
# AS TRANSACTION ... become assignments of transaction_isolation ('READ COMMITTED',
# ...) and transaction_read_only (1 / 0).
  | %SET scope_or_local:? %TRANSACTION transaction_mode ("," transaction_mode):*
      {% d => ({ kind: 'SetVariable', assignments: g.list(d[3], d[4]).map((m: object) => ({ ...(d[1] ? { scope: d[1] } : {}), ...m })), span: S(d) }) %}
  | %SET %SESSION %W_CHARACTERISTICS %AS %TRANSACTION transaction_mode ("," transaction_mode):*
      {% d => ({ kind: 'SetVariable', assignments: g.list(d[5], d[6]).map((m: object) => ({ scope: 'SESSION', ...m })), span: S(d) }) %}
transaction_mode ->
    %ISOLATION %LEVEL isolation_level
      {% d => ({ name: 'transaction_isolation', value: { kind: 'StringLiteral', value: d[2], span: S(d[2]) } }) %}
  | %W_READ %W_ONLY {% d => ({ name: 'transaction_read_only', value: g.numberLiteral('1', S(d)) }) %}
  | %W_READ %W_WRITE {% d => ({ name: 'transaction_read_only', value: g.numberLiteral('0', S(d)) }) %}
isolation_level ->
    %W_READ %W_COMMITTED {% () => 'READ COMMITTED' %}
  | %W_READ %W_UNCOMMITTED {% () => 'READ UNCOMMITTED' %}
  | %W_REPEATABLE %W_READ {% () => 'REPEATABLE READ' %}
  | %W_SERIALIZABLE {% () => 'SERIALIZABLE' %}
set_assignment ->
    scope_or_local:? var_name assign_op set_values {% d => ({ ...(d[0] ? { scope: d[0] } : {}), name: d[1], value: d[3] }) %}
  | %SYSVAR assign_op set_values
      {% d => { const v = sessionVar(d[0]); return { ...(v.scope ? { scope: v.scope } : {}), name: v.name, value: d[2] }; } %}
  | %USERVAR assign_op set_values {% d => ({ name: d[0].text.toLowerCase(), value: d[2] }) %}
scope_or_local -> %SESSION {% () => 'SESSION' %} | %GLOBAL {% () => 'GLOBAL' %} | %LOCAL {% () => 'LOCAL' %}
var_name -> ident ("." ident):* {% d => g.list(d[0], d[1]).map(g.identText).join('.') %}
assign_op -> "=" | %TO
set_values -> set_value ("," set_value):*
  {% d => { const l = g.list(d[0], d[1]); return l.length === 1 ? l[0] : { kind: 'RowExpr', items: l, span: S(l) }; } %}
set_value ->
    expr_add {% id %}
  | %ON {% d => ({ kind: 'ColumnRef', name: 'on', quoted: false, span: S(d) }) %}
  | %DEFAULT {% d => ({ kind: 'ColumnRef', name: 'default', quoted: false, span: S(d) }) %}
names_value -> ident {% d => g.identText(d[0]).toLowerCase() %} | %STRING {% d => d[0].value.toLowerCase() %} | %DEFAULT {% () => 'default' %}

# ---------------------------------------------------------------- functions, TQL, transactions

create_function ->
    %CREATE (%OR %REPLACE):? function_kind:? %FUNCTION if_not_exists:? object_name ("(" function_params:? ")"):?
      (%RETURNS type):? (%LANGUAGE ident):? %AS %STRING (%WITH options):?
  {% d => ({ kind: 'CreateFunction', name: d[5], functionKind: d[2] ?? 'scalar', orReplace: notOf(d[1]), ifNotExists: notOf(d[4]),
             ...(d[6] ? { params: d[6][1] ?? [] } : {}), ...(d[7] ? { returns: d[7][1] } : {}),
             ...(d[8] ? { language: g.identText(d[8][1]) } : {}), source: d[10].value, options: d[11] ? d[11][1] : [], span: S(d) }) %}
function_kind -> %AGGREGATE {% () => 'aggregate' %} | %WINDOW {% () => 'window' %}
function_params -> function_param ("," function_param):* {% d => g.list(d[0], d[1]) %}
function_param ->
    ident type {% d => ({ name: g.identText(d[0]), type: d[1] }) %}
  | type {% d => ({ type: d[0] }) %}
drop_function -> %DROP %FUNCTION if_exists:? object_name {% d => ({ kind: 'DropFunction', name: d[3], ifExists: notOf(d[2]), span: S(d) }) %}

# Only the head of a TQL statement goes through the grammar; parse-sql.ts
# appends the raw PromQL text that follows the closing parenthesis.
# The parameters are optional, as in GreptimeDB (then start = end = 0, step 5m).
tql_head -> %TQL tql_command %VERBOSE:? "(" expr_list ")"
  {% (d, _l, reject) => (d[4].length < 3 || d[4].length > 4) ? reject : ({ kind: 'Tql', command: d[1], verbose: notOf(d[2]),
       start: d[4][0], end: d[4][1], step: d[4][2], ...(d[4][3] ? { lookback: d[4][3] } : {}), query: '', span: S(d) }) %}
  | %TQL tql_command %VERBOSE:? {% d => ({ kind: 'Tql', command: d[1], verbose: notOf(d[2]), query: '', span: S(d) }) %}
tql_command -> %EVAL {% () => 'EVAL' %} | %EVALUATE {% () => 'EVAL' %} | %EXPLAIN {% () => 'EXPLAIN' %} | %ANALYZE {% () => 'ANALYZE' %}
  | %EXPLAIN %ANALYZE {% () => 'ANALYZE' %}

transaction_stmt ->
    %BEGIN %WORK:? {% d => ({ kind: 'Transaction', action: 'BEGIN', span: S(d) }) %}
  | %BEGIN %TRANSACTION {% d => ({ kind: 'Transaction', action: 'BEGIN', span: S(d) }) %}
  | %START %TRANSACTION {% d => ({ kind: 'Transaction', action: 'BEGIN', span: S(d) }) %}
  | %COMMIT %WORK:? {% d => ({ kind: 'Transaction', action: 'COMMIT', span: S(d) }) %}
  | %ROLLBACK %WORK:? {% d => ({ kind: 'Transaction', action: 'ROLLBACK', span: S(d) }) %}
