import { InvalidArgumentsError } from '../../errors/errors.js';

/**
 * GreptimeDB's `matches(text, query)` full-text query language, evaluated without a full-text
 * index as GreptimeDB does then: every term or "quoted phrase" is a case-sensitive substring
 * test (`text LIKE '%term%'`).
 *
 *   query   := item+                      juxtaposed items: optional unless prefixed
 *   item    := andList (OR andList)*      OR binds loosest of the operators
 *   andList := clause (AND clause)*
 *   clause  := ['+' | '-'] (word | "phrase" | '(' query ')')
 *
 * A list of clauses matches when every `+` (must) clause matches, no `-` (negative) clause
 * matches, and, without a must clause, at least one optional clause matches; a list of only
 * negative clauses matches nothing. In an AND list every unprefixed clause is a must clause.
 */
export type MatchPredicate = (text: string) => boolean;

type Prefix = '+' | '-' | '';
interface Clause { prefix: Prefix; test: MatchPredicate }

type Token = { k: 'word'; v: string } | { k: 'phrase'; v: string } | { k: '(' | ')' | 'AND' | 'OR' | '+' | '-' };

function tokenize(q: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q[i]!;
    if (/\s/.test(c)) { i++; continue; }
    if (c === '(' || c === ')') { out.push({ k: c }); i++; continue; }
    if ((c === '+' || c === '-') && i + 1 < q.length && !/\s/.test(q[i + 1]!)) { out.push({ k: c }); i++; continue; }
    if (c === '"') {
      let v = '';
      i++;
      while (i < q.length && q[i] !== '"') {
        if (q[i] === '\\' && i + 1 < q.length) i++;
        v += q[i]!;
        i++;
      }
      if (i >= q.length) throw new InvalidArgumentsError(`matches: unterminated quote in '${q}'`);
      i++;
      out.push({ k: 'phrase', v });
      continue;
    }
    let v = '';
    while (i < q.length && !/[\s()"]/.test(q[i]!)) v += q[i++]!;
    out.push(v === 'AND' || v === 'OR' ? { k: v } : { k: 'word', v });
  }
  return out;
}

/** Matches when every must clause matches, no negative one does, and (without musts) some optional one does. */
function group(clauses: Clause[]): MatchPredicate {
  const must = clauses.filter((c) => c.prefix === '+').map((c) => c.test);
  const neg = clauses.filter((c) => c.prefix === '-').map((c) => c.test);
  const opt = clauses.filter((c) => c.prefix === '').map((c) => c.test);
  if (must.length === 0 && opt.length === 0) return () => false;
  return (s) => must.every((t) => t(s)) && !neg.some((t) => t(s)) && (must.length > 0 || opt.some((t) => t(s)));
}

export function compileMatchQuery(query: string): MatchPredicate {
  const toks = tokenize(query);
  let at = 0;
  const fail = (what: string): never => { throw new InvalidArgumentsError(`matches: ${what} in query '${query}'`); };
  const clause = (): Clause => {
    let prefix: Prefix = '';
    const t = toks[at];
    if (t && (t.k === '+' || t.k === '-')) { prefix = t.k; at++; }
    const a = toks[at++];
    if (!a) return fail('a term is missing');
    if (a.k === 'word' || a.k === 'phrase') { const v = a.v; return { prefix, test: (s) => s.includes(v) }; }
    if (a.k === '(') {
      const test = items();
      if (toks[at]?.k !== ')') fail("a ')' is missing");
      at++;
      return { prefix, test };
    }
    return fail(`unexpected ${a.k}`);
  };
  const andList = (): Clause => {
    const parts = [clause()];
    while (toks[at]?.k === 'AND') { at++; parts.push(clause()); }
    if (parts.length === 1) return parts[0]!;
    return { prefix: '', test: group(parts.map((p) => (p.prefix === '' ? { ...p, prefix: '+' } : p))) };
  };
  const orList = (): Clause => {
    const parts = [andList()];
    while (toks[at]?.k === 'OR') { at++; parts.push(andList()); }
    if (parts.length === 1) return parts[0]!;
    const tests = parts.map((p) => group([p]));
    return { prefix: '', test: (s) => tests.some((t) => t(s)) };
  };
  const items = (): MatchPredicate => {
    const parts: Clause[] = [];
    while (at < toks.length && toks[at]!.k !== ')') parts.push(orList());
    if (parts.length === 0) fail('no term');
    return group(parts);
  };
  const test = items();
  if (at < toks.length) fail("an unmatched ')'");
  return test;
}
