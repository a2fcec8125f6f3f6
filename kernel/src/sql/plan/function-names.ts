import type * as ast from '../ast.js';
import { SPECIAL_NULLARY } from './binder.js';

/**
 * Every function name a statement calls (lower-case), at any depth:
 * subqueries, CTEs, window specs. Used to ask the registry's resolvers for
 * the functions it does not hold before binding, since the binder itself is
 * synchronous. `database()`-style names the binder answers itself are left out.
 */
export function functionNamesOf(node: ast.Query | ast.Expr | readonly ast.Expr[] | object): Set<string> {
  const out = new Set<string>();
  const seen = new Set<object>();
  const visit = (x: unknown): void => {
    if (typeof x !== 'object' || x === null || seen.has(x)) return;
    seen.add(x);
    if (Array.isArray(x)) { for (const v of x) visit(v); return; }
    const rec = x as Record<string, unknown>;
    if (rec.kind === 'FunctionCall' && typeof rec.name === 'string') {
      const name = rec.name.toLowerCase();
      const args = rec.args as readonly unknown[] | undefined;
      if (!(SPECIAL_NULLARY.has(name) && (args?.length ?? 0) === 0)) out.add(name);
    }
    for (const k in rec) if (k !== 'span') visit(rec[k]);
  };
  visit(node);
  return out;
}
