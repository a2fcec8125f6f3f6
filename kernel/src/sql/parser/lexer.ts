import moo from 'moo';

/**
 * Keywords that can never be identifiers (nor implicit aliases). Everything
 * else in KEYWORDS is "non-reserved": it lexes as its own token type so the
 * grammar can use it, and `ident` in the grammar accepts it as a name.
 */
export const RESERVED_KEYWORDS: readonly string[] = [
  'ALL', 'ALTER', 'AND', 'AS', 'ASC', 'BETWEEN', 'BY', 'CASE', 'CAST', 'CREATE', 'CROSS',
  'CURRENT_DATE', 'CURRENT_TIME', 'CURRENT_TIMESTAMP', 'DEFAULT', 'DELETE', 'DESC', 'DESCRIBE', 'DISTINCT', 'DIV', 'DROP',
  'ELSE', 'END', 'EXCEPT', 'EXISTS', 'EXTRACT', 'FALSE', 'FROM', 'FULL', 'GROUP', 'HAVING',
  'ILIKE', 'IN', 'INNER', 'INSERT', 'INTERSECT', 'INTERVAL', 'INTO', 'IS', 'JOIN', 'LEFT', 'LIKE', 'LIMIT',
  'LOCALTIMESTAMP', 'NATURAL', 'NOT', 'NULL', 'OFFSET', 'ON', 'OR', 'ORDER', 'OUTER', 'OVER', 'RIGHT', 'SELECT', 'SET',
  'TABLE', 'THEN', 'TRUE', 'TRY_CAST', 'UNION', 'UPDATE', 'USING', 'VALUES', 'WHEN', 'WHERE', 'WITH', 'XOR',
];

/** Non-reserved keywords: usable as identifiers. */
export const NONRESERVED_KEYWORDS: readonly string[] = [
  'ADD', 'ADMIN', 'AFTER', 'AGGREGATE', 'ALIGN', 'ANALYZE', 'BEGIN', 'CALENDAR', 'COLLATE', 'COLUMN', 'COLUMNS', 'COMMENT',
  'COMMIT', 'CURRENT', 'DATABASE', 'DATABASES', 'DATE', 'DATETIME', 'ENGINE', 'ESCAPE', 'EVAL', 'EVALUATE', 'EXCLUDE', 'EXPLAIN',
  'EXTERNAL', 'FIELDS', 'FILL', 'FILTER', 'FIRST', 'FOLLOWING', 'FORMAT', 'FULLTEXT', 'FUNCTION', 'FUNCTIONS', 'GLOBAL',
  'GROUPS', 'IF', 'INDEX', 'INDEXES', 'INVERTED', 'ISOLATION', 'KEY', 'KEYS', 'LANGUAGE', 'LAST', 'LEVEL', 'LINEAR', 'LOCAL', 'MODIFY',
  'NAMES', 'NO', 'NOW', 'NULLS', 'OTHERS', 'PARTITION', 'PRECEDING', 'PRECISION', 'PREV', 'PRIMARY', 'RANGE', 'RECURSIVE', 'RENAME', 'REPLACE',
  'RETURNS', 'ROLLBACK', 'ROW', 'ROWS', 'SCHEMA', 'SCHEMAS', 'SESSION', 'SHOW', 'SKIPPING', 'START', 'STATUS',
  'TABLES', 'TIES', 'TIME', 'TIMESTAMP', 'TO', 'TQL', 'TRANSACTION', 'TRUNCATE', 'UNBOUNDED', 'UNKNOWN', 'UNSET', 'UNSIGNED',
  'USE', 'VARIABLES', 'VERBOSE', 'WINDOW', 'WORK', 'ZONE',
  // interval units
  'YEAR', 'YEARS', 'MONTH', 'MONTHS', 'WEEK', 'WEEKS', 'DAY', 'DAYS', 'HOUR', 'HOURS', 'MINUTE', 'MINUTES',
  'SECOND', 'SECONDS', 'MILLISECOND', 'MILLISECONDS', 'MICROSECOND', 'MICROSECONDS', 'NANOSECOND', 'NANOSECONDS',
];

/** Interval unit keywords (`INTERVAL '1' HOUR`). */
export const INTERVAL_UNIT_KEYWORDS: readonly string[] = NONRESERVED_KEYWORDS.slice(NONRESERVED_KEYWORDS.indexOf('YEAR'));

/**
 * Non-reserved keywords that cannot be an implicit alias (without AS) because
 * they may continue the expression or table before them: `avg(x) RANGE '5m'`,
 * `FROM t ALIGN '1m'`, `x::INT UNSIGNED`, `INTERVAL '1' HOUR`, ...
 */
export const ALIAS_EXCLUDED_KEYWORDS: readonly string[] = [
  'ALIGN', 'FILL', 'RANGE', 'WINDOW', 'ESCAPE', 'FILTER', 'UNSIGNED', 'PRECISION', 'COLLATE', ...INTERVAL_UNIT_KEYWORDS,
];

const KEYWORD_SET: ReadonlySet<string> = new Set([...RESERVED_KEYWORDS, ...NONRESERVED_KEYWORDS]);

function keywordType(text: string): string {
  const upper = text.toUpperCase();
  return KEYWORD_SET.has(upper) ? upper : 'IDENT';
}

function decodeEscapeString(body: string): string {
  return body.replace(/''/g, "'").replace(/\\(x[0-9a-fA-F]{1,2}|u[0-9a-fA-F]{4}|[0-7]{1,3}|.)/gs, (_m, e: string) => {
    switch (e[0]) {
      case 'n': return '\n';
      case 't': return '\t';
      case 'r': return '\r';
      case 'b': return '\b';
      case 'f': return '\f';
      case 'x': return String.fromCharCode(parseInt(e.slice(1), 16));
      case 'u': return String.fromCharCode(parseInt(e.slice(1), 16));
      default:
        if (/^[0-7]+$/.test(e)) return String.fromCharCode(parseInt(e, 8));
        return e;
    }
  });
}

/** MySQL string escapes: `\%` and `\_` keep their backslash (LIKE patterns), unknown escapes drop it. */
function decodeMysqlString(body: string, quote: string): string {
  return body.replace(quote === "'" ? /''/g : /""/g, quote).replace(/\\([^])/g, (_m, c: string) => {
    switch (c) {
      case '0': return '\0';
      case 'b': return '\b';
      case 'n': return '\n';
      case 'r': return '\r';
      case 't': return '\t';
      case 'Z': return '\x1a';
      case '%': return '\\%';
      case '_': return '\\_';
      default: return c;
    }
  });
}

/** SQL dialects that lex differently (GreptimeDB picks one per protocol). */
export type SqlDialect = 'greptime' | 'mysql' | 'postgres';

function lexerRules(dialect: SqlDialect): moo.Rules {
  const mysql = dialect === 'mysql';
  return {
    ws: { match: /[ \t\r\n\f\v]+/, lineBreaks: true },
    comment: [
      { match: /--[^\n]*/ },
      { match: /#[^\n]*/ },
      { match: /\/\*[^]*?\*\//, lineBreaks: true },
    ],
    // Not trivia: an unclosed /* must be an error, not a silently dropped tail.
    UNTERMINATED_COMMENT: { match: /\/\*[^]*/, lineBreaks: true },
    ESTRING: { match: /[eE]'(?:[^'\\]|\\[^]|'')*'/, lineBreaks: true, value: (s: string) => decodeEscapeString(s.slice(2, -1)) },
    // X'0A0B' is a binary (hex) literal in every dialect, as sqlparser reads it; N'...' a
    // national string, which is a plain string here (the dialect's quoting rules apply inside).
    HEXSTRING: { match: /[xX]'[^']*'/, lineBreaks: true, value: (s: string) => s.slice(2, -1) },
    NSTRING: mysql
      ? { match: /[nN]'(?:[^'\\]|\\[^]|'')*'/, lineBreaks: true, value: (s: string) => decodeMysqlString(s.slice(2, -1), "'") }
      : { match: /[nN]'(?:[^']|'')*'/, lineBreaks: true, value: (s: string) => s.slice(2, -1).replace(/''/g, "'") },
    STRING: mysql
      ? { match: /'(?:[^'\\]|\\[^]|'')*'/, lineBreaks: true, value: (s: string) => decodeMysqlString(s.slice(1, -1), "'") }
      : { match: /'(?:[^']|'')*'/, lineBreaks: true, value: (s: string) => s.slice(1, -1).replace(/''/g, "'") },
    // 0x0A0B is a binary literal like X'0A0B' (sqlparser's HexStringLiteral, which DataFusion
    // types Binary), not MySQL's number. As in GreptimeDB, letters right after a number start a
    // new token: `1AND x` is `1 AND x`, `SELECT 1d` is `1 AS d`.
    HEXNUMBER: { match: /0[xX][0-9a-fA-F]+(?![A-Za-z0-9_$])/, value: (s: string) => s.slice(2) },
    NUMBER: /(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?/,
    // MySQL: "..." is a string literal (GreptimeDB's MySQL protocol uses MySqlDialect).
    ...(mysql
      ? { DQSTRING: { match: /"(?:[^"\\]|\\[^]|"")*"/, lineBreaks: true, value: (s: string) => decodeMysqlString(s.slice(1, -1), '"') } }
      : { QIDENT: { match: /"(?:[^"]|"")*"/, lineBreaks: true, value: (s: string) => s.slice(1, -1).replace(/""/g, '"') } }),
    BQIDENT: { match: /`(?:[^`]|``)*`/, lineBreaks: true, value: (s: string) => s.slice(1, -1).replace(/``/g, '`') },
    SYSVAR: /@@[A-Za-z_][A-Za-z0-9_$]*(?:\.[A-Za-z_][A-Za-z0-9_$]*)?/,
    USERVAR: /@[A-Za-z_][A-Za-z0-9_$]*/,
    PARAM: /\?|\$[0-9]+/,
    IDENT: { match: /[A-Za-z_\u00C0-\uFFFF][A-Za-z0-9_$\u00C0-\uFFFF]*/, type: keywordType },
    OP: [
      '::', '<=>', '<=', '>=', '<>', '!=', '==', '||', '<<', '>>', '!~*', '!~', '~*',
      '=', '<', '>', '+', '-', '*', '/', '%', '(', ')', ',', '.', ';', '&', '|', '^', '~',
    ],
    OTHER: { match: /[^]/, lineBreaks: true },
  };
}

/**
 * The moo lexers, one per dialect. Rules are tried in order at each position
 * (moo builds one alternation), so longer operators come before their prefixes
 * and E'..' before identifiers. The last rule takes any single character so
 * that lexing never throws: the parser reports an unexpected token with its
 * position, and TQL statements (raw PromQL with `{`, `=~`, ...) can be split
 * correctly. Dialects differ only in quoting: `greptime` (HTTP, default) and
 * `postgres` treat "..." as an identifier and backslashes in '...' literally;
 * `mysql` treats "..." as a string and decodes backslash escapes in both.
 */
const LEXERS: Record<SqlDialect, moo.Lexer> = {
  greptime: moo.compile(lexerRules('greptime')),
  mysql: moo.compile(lexerRules('mysql')),
  postgres: moo.compile(lexerRules('postgres')),
};

/** A lexed token (moo's token); `type` is IDENT, a keyword in upper case, STRING, NUMBER, HEXSTRING (value: the hex digits), QIDENT, OP, ... */
export interface SqlToken {
  type: string;
  /** Decoded value (strings unquoted/unescaped, identifiers as written). */
  value: string;
  /** The source text. */
  text: string;
  offset: number;
  line: number;
  col: number;
  lineBreaks: number;
  /** For `?` placeholders: 1-based index within the statement. */
  paramIndex?: number;
}

/**
 * Lexes all of `text`. Whitespace and comments are dropped unless
 * `keepTrivia` (nothing downstream needs them: statement text is sliced from
 * the source, and bulk INSERTs would hold one whitespace token per value).
 * Never throws.
 */
export function lexAll(text: string, dialect: SqlDialect = 'greptime', keepTrivia = false): SqlToken[] {
  const lexer = LEXERS[dialect];
  lexer.reset(text);
  const out: SqlToken[] = [];
  for (;;) {
    const t = lexer.next() as SqlToken | undefined;
    if (!t) break;
    if (!keepTrivia && (t.type === 'ws' || t.type === 'comment')) continue;
    if (t.type === 'ESTRING' || t.type === 'DQSTRING' || t.type === 'NSTRING') t.type = 'STRING';
    else if (t.type === 'HEXNUMBER') t.type = 'HEXSTRING';
    else if (t.type === 'BQIDENT') t.type = 'QIDENT';
    else if (t.type === 'IDENT' && isTrimSpec(t, out)) t.type = 'TRIM_SPEC';
    // trim(both.x ...): a qualified name after all.
    else if (t.type === 'OP' && t.text === '.' && out[out.length - 1]?.type === 'TRIM_SPEC') out[out.length - 1]!.type = 'IDENT';
    out.push(t);
  }
  return out;
}

const TRIM_SPECS: ReadonlySet<string> = new Set(['BOTH', 'LEADING', 'TRAILING']);

/**
 * BOTH / LEADING / TRAILING right after an unqualified `trim(` are keywords (TRIM(LEADING 'x'
 * FROM s)), as sqlparser reads them there, unless a `.` follows (trim(both.x), a column of a
 * table `both`); anywhere else they stay identifiers. Deciding it
 * here keeps the grammar unambiguous: TRIM(both - 1) is one parse, btrim(-1).
 */
function isTrimSpec(t: SqlToken, before: readonly SqlToken[]): boolean {
  const n = before.length;
  if (n < 2 || !TRIM_SPECS.has(t.text.toUpperCase())) return false;
  const open = before[n - 1]!; const name = before[n - 2]!;
  return open.text === '(' && open.type === 'OP' && name.type === 'IDENT' && name.text.toUpperCase() === 'TRIM' && !(n >= 3 && before[n - 3]!.text === '.');
}

export function isTrivia(t: SqlToken): boolean {
  return t.type === 'ws' || t.type === 'comment';
}
