import { scriptSyntaxError } from './errors.js';

/**
 * The language, whole:
 *
 * ```
 *   -- @sql SELECT host, cpu, mem FROM stats      (optional: the input query)
 *   -- @args cpu, mem                             (input columns the script reads)
 *   load = (cpu + mem) / 2                        (one output column per assignment)
 *   hot  = load > $limit                          ($name: a run parameter, a number)
 * ```
 *
 * Expressions: numbers, column names, earlier outputs, `$params`, + - * / %,
 * unary -, comparisons (< <= > >= == !=, giving Boolean), `and`, `or`, `not`,
 * and abs, sqrt, floor, ceil, round, min, max. NULL in gives NULL out;
 * division by zero gives NULL. No JavaScript is ever evaluated.
 */
export type Expr =
  | { readonly t: 'num'; readonly value: number }
  | { readonly t: 'col'; readonly name: string }
  | { readonly t: 'param'; readonly name: string }
  | { readonly t: 'unary'; readonly op: '-' | 'not'; readonly arg: Expr }
  | { readonly t: 'binary'; readonly op: string; readonly left: Expr; readonly right: Expr }
  | { readonly t: 'call'; readonly fn: string; readonly args: readonly Expr[] };

export interface Assignment { readonly name: string; readonly expr: Expr; readonly line: number }

export interface ParsedScript {
  readonly sql?: string;
  readonly args: readonly string[];
  readonly assignments: readonly Assignment[];
}

/** Functions and how many arguments each takes. */
export const FUNCTIONS: Readonly<Record<string, number>> = { abs: 1, sqrt: 1, floor: 1, ceil: 1, round: 1, min: 2, max: 2 };

const COMPARISONS = new Set(['<', '<=', '>', '>=', '==', '!=']);
/** Binding power of binary operators (higher binds tighter). */
const PRECEDENCE: Readonly<Record<string, number>> = { or: 1, and: 2, '<': 3, '<=': 3, '>': 3, '>=': 3, '==': 3, '!=': 3, '+': 4, '-': 4, '*': 5, '/': 5, '%': 5 };

/** Whether an expression yields Boolean (comparisons and logic) rather than Float64. */
export function isBoolean(e: Expr): boolean {
  return (e.t === 'binary' && (COMPARISONS.has(e.op) || e.op === 'and' || e.op === 'or')) || (e.t === 'unary' && e.op === 'not');
}

interface Token { readonly kind: 'num' | 'ident' | 'param' | 'op' | 'end'; readonly text: string; readonly col: number }

function tokenize(script: string, text: string, line: number): Token[] {
  const tokens: Token[] = [];
  const re = /\s*(?:(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|\$([A-Za-z_][A-Za-z0-9_]*)|(<=|>=|==|!=|[-+*/%()<>,=]))/y;
  let pos = 0;
  while (pos < text.length) {
    if (/^\s*$/.test(text.slice(pos))) break;
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) {
      const at = pos + (text.slice(pos).length - text.slice(pos).trimStart().length);
      throw scriptSyntaxError(script, line, at + 1, `unexpected character '${text[at]}'`);
    }
    const col = m.index + (m[0].length - m[0].trimStart().length) + 1;
    if (m[1] !== undefined) tokens.push({ kind: 'num', text: m[1], col });
    else if (m[2] !== undefined) tokens.push({ kind: ['and', 'or', 'not'].includes(m[2]) ? 'op' : 'ident', text: m[2], col });
    else if (m[3] !== undefined) tokens.push({ kind: 'param', text: m[3], col });
    else tokens.push({ kind: 'op', text: m[4]!, col });
    pos = re.lastIndex;
  }
  tokens.push({ kind: 'end', text: '', col: text.length + 1 });
  return tokens;
}

/** Parses one assignment line with a small Pratt parser. */
function parseLine(script: string, text: string, line: number): Assignment {
  const tokens = tokenize(script, text, line);
  let i = 0;
  const peek = () => tokens[i]!;
  const fail = (t: Token, why: string): never => { throw scriptSyntaxError(script, line, t.col, why); };
  const expect = (text: string) => { const t = tokens[i++]!; if (t.text !== text || t.kind === 'end') fail(t, `expected '${text}'${t.kind === 'end' ? ' before the end of the line' : `, found '${t.text}'`}`); };

  const primary = (): Expr => {
    const t = tokens[i++]!;
    if (t.kind === 'num') return { t: 'num', value: Number(t.text) };
    if (t.kind === 'param') return { t: 'param', name: t.text };
    if (t.kind === 'op' && t.text === '(') { const e = expr(0); expect(')'); return e; }
    if (t.kind === 'op' && t.text === '-') return { t: 'unary', op: '-', arg: expr(6) };
    if (t.kind === 'op' && t.text === 'not') return { t: 'unary', op: 'not', arg: expr(3) };
    if (t.kind === 'ident') {
      if (peek().text !== '(') return { t: 'col', name: t.text };
      const arity = FUNCTIONS[t.text.toLowerCase()];
      if (arity === undefined) fail(t, `unknown function '${t.text}' (known: ${Object.keys(FUNCTIONS).join(', ')})`);
      i++;
      const args: Expr[] = [];
      if (peek().text !== ')') { args.push(expr(0)); while (peek().text === ',') { i++; args.push(expr(0)); } }
      expect(')');
      if (args.length !== arity) fail(t, `${t.text} takes ${arity} argument(s), got ${args.length}`);
      return { t: 'call', fn: t.text.toLowerCase(), args };
    }
    return fail(t, t.kind === 'end' ? 'expression ends too early' : `unexpected '${t.text}'`);
  };
  const expr = (minPower: number): Expr => {
    let left = primary();
    for (;;) {
      const t = peek();
      const power = t.kind === 'op' ? PRECEDENCE[t.text] : undefined;
      if (power === undefined || power <= minPower) return left;
      i++;
      left = { t: 'binary', op: t.text, left, right: expr(power) };
    }
  };

  const target = tokens[i++]!;
  if (target.kind !== 'ident') fail(target, 'a line must start with an output column name: `name = expression`');
  expect('=');
  const e = expr(0);
  if (peek().kind !== 'end') fail(peek(), `unexpected '${peek().text}' after the expression`);
  return { name: target.text, expr: e, line };
}

/** Parses a whole script: `-- @sql` / `-- @args` directives, comments, and assignment lines. */
export function parseScript(script: string, source: string): ParsedScript {
  let sql: string | undefined;
  let args: string[] = [];
  const assignments: Assignment[] = [];
  source.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const text = raw.trim();
    if (text === '') return;
    if (text.startsWith('--')) {
      const d = /^--\s*@(\w+)\s*(.*)$/.exec(text);
      if (!d) return; // a plain comment
      if (d[1] === 'sql') sql = d[2]!.trim();
      else if (d[1] === 'args') args = d[2]!.split(',').map((s) => s.trim()).filter(Boolean);
      else throw scriptSyntaxError(script, line, raw.indexOf('@') + 1, `unknown directive @${d[1]} (known: @sql, @args)`);
      return;
    }
    const a = parseLine(script, raw, line);
    if (assignments.some((x) => x.name === a.name)) throw scriptSyntaxError(script, line, 1, `column '${a.name}' is assigned twice`);
    assignments.push(a);
  });
  if (assignments.length === 0) throw scriptSyntaxError(script, 1, 1, 'a script needs at least one `name = expression` line');
  // Every column read must be an input (@args) or an earlier output.
  const known = new Set(args);
  for (const a of assignments) {
    const walk = (e: Expr): void => {
      if (e.t === 'col' && !known.has(e.name)) throw scriptSyntaxError(script, a.line, 1, `'${e.name}' is neither in @args nor an earlier output`);
      if (e.t === 'unary') walk(e.arg);
      if (e.t === 'binary') { walk(e.left); walk(e.right); }
      if (e.t === 'call') e.args.forEach(walk);
    };
    walk(a.expr);
    known.add(a.name);
  }
  return { sql, args, assignments };
}
