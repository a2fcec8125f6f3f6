import { SyntaxError } from '../../errors/errors.js';
import { NONRESERVED_KEYWORDS, RESERVED_KEYWORDS, type SqlToken } from './lexer.js';

/** A SyntaxError whose message starts with the position, as `Syntax error at line L, column C: ...`. */
export function syntaxError(line: number, column: number, detail: string, cause?: unknown): SyntaxError {
  return new SyntaxError(`Syntax error at line ${line}, column ${column}: ${detail}`, line, column, cause === undefined ? undefined : { cause });
}

/** How a token is named in an error message. */
export function tokenDescription(t: SqlToken): string {
  switch (t.type) {
    case 'IDENT': return `identifier ${t.text}`;
    case 'QIDENT': return `identifier ${t.text}`;
    case 'NUMBER': return `number ${t.text}`;
    case 'STRING': return `string ${t.text.length > 40 ? `${t.text.slice(0, 37)}...` : t.text}`;
    case 'HEXSTRING': return `binary literal ${t.text.length > 40 ? `${t.text.slice(0, 37)}...` : t.text}`;
    case 'PARAM': return `placeholder ${t.text}`;
    case 'SYSVAR': case 'USERVAR': return `variable ${t.text}`;
    case 'OP': return `'${t.text}'`;
    case 'UNTERMINATED_COMMENT': return 'unterminated /* comment';
    case 'OTHER':
      if (t.text === "'") return 'unterminated string literal';
      if (t.text === '"') return 'unterminated quoted identifier or string';
      if (t.text === '`') return 'unterminated quoted identifier';
      return `character '${t.text}'`;
    default: return `keyword ${t.type}`;
  }
}

const NONRESERVED = new Set(NONRESERVED_KEYWORDS);
/** Tokens that start an expression; collapsed into "an expression" when most of them are expected. */
const EXPRESSION_STARTS = new Set([
  'identifier', 'number', 'string', 'binary literal', 'placeholder', 'variable', "'('", "'-'", "'+'", "'~'",
  'NOT', 'CASE', 'CAST', 'TRY_CAST', 'EXISTS', 'INTERVAL', 'TRUE', 'FALSE', 'NULL', 'EXTRACT',
  'CURRENT_TIMESTAMP', 'CURRENT_DATE', 'CURRENT_TIME', 'LOCALTIMESTAMP', 'LEFT', 'RIGHT', 'INSERT',
  'TIMESTAMP', 'DATE', 'TIME', 'DATETIME',
]);
const MAX_LISTED = 8;
const STRUCTURAL = new Set(["','", "')'", "'('", "'.'"]);
const OPERATORS = new Set(["'*'", "'='", "'<=>'", "'::'", "'%'", "'/'", "'-'", "'+'", "'||'", "'>>'", "'<<'", "'&'", "'^'", "'|'", "'<'", "'<='",
  "'>'", "'>='", "'<>'", "'!='", "'=='", "'~'", "'~*'", "'!~'", "'!~*'", 'AND', 'OR', 'XOR', 'DIV', 'IS', 'NOT', 'BETWEEN', 'IN', 'LIKE', 'ILIKE',
  'COLLATE', 'OPERATOR']);
/** Keywords listed first when expected, roughly in clause order. */
const COMMON_KEYWORDS = ['SELECT', 'FROM', 'WHERE', 'GROUP', 'HAVING', 'ORDER', 'LIMIT', 'BY', 'AS', 'ON', 'JOIN', 'VALUES',
  'INSERT', 'CREATE', 'DROP', 'ALTER', 'SHOW', 'DESCRIBE', 'EXPLAIN', 'SET', 'USE', 'DELETE', 'WITH', 'TABLE', 'DATABASE'];

function symbolName(sym: unknown): string | undefined {
  if (typeof sym !== 'object' || sym === null) return undefined;
  const s = sym as { type?: string; literal?: string; display?: string };
  if (s.display !== undefined) return s.display;
  if (s.literal !== undefined) return `'${s.literal}'`;
  switch (s.type) {
    case undefined: return undefined;
    case 'IDENT': case 'QIDENT': return 'identifier';
    case 'NUMBER': return 'number';
    case 'STRING': return 'string';
    case 'HEXSTRING': return 'binary literal';
    case 'PARAM': return 'placeholder';
    case 'SYSVAR': case 'USERVAR': return 'variable';
    case 'LITERAL_LIST': return "'('";
    default: return s.type;
  }
}

/**
 * `; expected X, Y or Z` from the Earley states of the column where parsing
 * stopped: the terminals some live state was waiting for, summarized (all
 * identifier-like keywords fold into "identifier", expression starts into
 * "an expression") and capped to a few entries.
 */
export function expectedDescription(states: ReadonlyArray<{ rule: { symbols: unknown[] }; dot: number }>): string {
  const seen = new Set<string>();
  for (const st of states) {
    const name = symbolName(st.rule.symbols[st.dot]);
    if (name) seen.add(name);
  }
  if (seen.size === 0) return '; expected end of statement';
  let names = [...seen];
  if (seen.has('identifier')) {
    const nonreservedCount = names.filter((n) => NONRESERVED.has(n)).length;
    if (nonreservedCount > NONRESERVED.size / 2) names = names.filter((n) => !NONRESERVED.has(n));
  }
  const exprHits = names.filter((n) => EXPRESSION_STARTS.has(n)).length;
  if (seen.has('identifier') && seen.has('number') && seen.has('string') && exprHits >= 6) {
    names = ['an expression', ...names.filter((n) => !EXPRESSION_STARTS.has(n))];
  }
  const operators = names.filter((n) => OPERATORS.has(n));
  if (operators.length >= 4) names = [...names.filter((n) => !OPERATORS.has(n)), 'an operator'];
  // Expression first, then structural punctuation, common keywords, other
  // keywords, categories, operators; stable within a rank.
  const rank = (n: string): number => {
    if (n === 'an expression') return 0;
    if (STRUCTURAL.has(n)) return 1;
    const common = COMMON_KEYWORDS.indexOf(n);
    if (common >= 0) return 2 + common / 100;
    if (/^[A-Z_]+$/.test(n)) return 3;
    if (n === 'an operator' || OPERATORS.has(n)) return 5;
    return 4;
  };
  names.sort((a, b) => rank(a) - rank(b));
  const more = names.length > MAX_LISTED;
  const shown = names.slice(0, MAX_LISTED);
  if (more) return `; expected one of ${shown.join(', ')}, ...`;
  if (shown.length === 1) return `; expected ${shown[0]}`;
  return `; expected ${shown.slice(0, -1).join(', ')} or ${shown[shown.length - 1]}`;
}

const RESERVED = new Set(RESERVED_KEYWORDS);

/** A hint when a reserved word stands where a name was expected: quote it. */
export function reservedWordHint(token: SqlToken, expected: string, mysql = false): string {
  if (!RESERVED.has(token.type) || !/\bidentifier\b/.test(expected)) return '';
  const name = token.text.toLowerCase();
  return ` (${token.type} is a reserved word; write ${mysql ? `\`${name}\`` : `"${name}"`} to use it as a name)`;
}
