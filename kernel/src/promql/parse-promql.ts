import nearley from 'nearley';
import type { Expr } from './ast.js';
import { checkExpr, promqlError } from './check-promql.js';
import compiledGrammar from './grammar.js';
import type { RawNode } from './grammar-support.js';
import { lexPromql, type PromToken } from './lexer.js';

const GRAMMAR = nearley.Grammar.fromCompiled(compiledGrammar as unknown as nearley.CompiledRules);

/** Feeds pre-lexed tokens to nearley. */
class TokenStream {
  private index = 0;
  constructor(private readonly tokens: readonly PromToken[]) {}
  reset(): void { /* fixed tokens */ }
  next(): PromToken | undefined { return this.tokens[this.index++]; }
  save(): undefined { return undefined; }
  formatError(): string { return ''; }
  has(): boolean { return true; }
}

function describe(t: PromToken): string {
  switch (t.type) {
    case 'IDENT': return `identifier ${JSON.stringify(t.text)}`;
    case 'NUMBER': return `number ${JSON.stringify(t.text)}`;
    case 'DURATION': return `duration ${JSON.stringify(t.text)}`;
    case 'STRING': return `string ${t.text.length > 40 ? `${t.text.slice(0, 37)}...` : t.text}`;
    case 'OTHER':
      if (t.text === '"' || t.text === "'" || t.text === '`') return 'unterminated quoted string';
      return `character ${JSON.stringify(t.text)}`;
    default: return /^[A-Z_]+$/.test(t.type) ? `keyword ${JSON.stringify(t.text)}` : `${JSON.stringify(t.text)}`;
  }
}

interface EarleyColumn { states: Array<{ rule: { symbols: unknown[] }; dot: number }> }

function expected(col: EarleyColumn | undefined): string {
  if (!col) return '';
  const names = new Set<string>();
  for (const st of col.states) {
    const sym = st.rule.symbols[st.dot] as { type?: string; literal?: string } | string | undefined;
    if (!sym || typeof sym === 'string') continue;
    if (sym.literal !== undefined) names.add(`"${sym.literal}"`);
    else if (sym.type) names.add(sym.type === 'IDENT' ? 'identifier' : sym.type === 'NUMBER' ? 'number' : sym.type === 'STRING' ? 'string' : sym.type === 'DURATION' ? 'duration' : sym.type.replace(/_L$/, '').toLowerCase());
  }
  if (names.size === 0) return '';
  // Where a label name may come, keywords are label names too: do not list them one by one.
  if (names.has('identifier')) {
    for (const k of ['and', 'or', 'unless', 'atan2', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset']) names.delete(k);
  }
  const list = [...names].slice(0, 10);
  return `; expected ${list.join(', ')}${names.size > 10 ? ', ...' : ''}`;
}

/**
 * Parses a PromQL expression into a checked AST (types verified with
 * Prometheus's rules). Errors are kernel SyntaxErrors (INVALID_SYNTAX)
 * carrying 1-based line/column.
 *
 * @example
 * const e = parsePromql('sum by (job) (rate(http_requests_total{code=~"5.."}[5m]))');
 * e.kind === 'AggregateExpr'
 */
export function parsePromql(text: string): Expr {
  const tokens = lexPromql(text);
  if (tokens.length === 0) throw promqlError({ offset: 0, line: 1, column: 1 }, 'no expression found in input');
  const bad = tokens.find((t) => t.type === 'OTHER');
  if (bad) throw promqlError({ offset: bad.offset, line: bad.line, column: bad.col }, `unexpected ${describe(bad)}`);
  const parser = new nearley.Parser(GRAMMAR, { lexer: new TokenStream(tokens) as unknown as nearley.Lexer });
  (parser as unknown as { reportError: () => string }).reportError = () => '';
  try {
    parser.feed('');
  } catch (err) {
    const token = (err as { token?: PromToken }).token;
    if (!token) throw err;
    const table = (parser as unknown as { table: EarleyColumn[] }).table;
    throw promqlError({ offset: token.offset, line: token.line, column: token.col }, `unexpected ${describe(token)}${expected(table[table.length - 2])}`, err);
  }
  const results = parser.results as RawNode[];
  if (results.length === 0) {
    const last = tokens[tokens.length - 1]!;
    const table = (parser as unknown as { table: EarleyColumn[] }).table;
    throw promqlError({ offset: last.offset + last.text.length, line: last.line + last.lineBreaks, column: last.col + last.text.length },
      `unexpected end of input${expected(table[table.length - 1])}`);
  }
  return checkExpr(results[0]!);
}

/** Number of derivations (tests assert the grammar is unambiguous). */
export function countPromqlDerivations(text: string): number {
  const parser = new nearley.Parser(GRAMMAR, { lexer: new TokenStream(lexPromql(text)) as unknown as nearley.Lexer });
  (parser as unknown as { reportError: () => string }).reportError = () => '';
  parser.feed('');
  return parser.results.length;
}
