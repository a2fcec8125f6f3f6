import { isTimestamp } from '../../data/data-types.js';
import type { ScanPredicate } from '../../interfaces/engine.js';
import { isAsyncScalarFunction } from '../../interfaces/function.js';
import { valueAt } from '../exec/column.js';
import { cannotFail, compileExpr, type EvalContext } from '../exec/expression-evaluator.js';
import { splitJoinCondition } from './binder.js';
import { exprRefs, exprToString, mapExpr, newField, schemaOf, type BExpr, type Field, type Plan } from './logical-plan.js';

const BOOL = { name: 'Boolean' } as const;

/**
 * Rewrites a bound plan:
 *
 * 1. constant folding (immutable calls and operators over literals),
 * 2. predicate pushdown: conjuncts below joins, equi-conditions of a filter
 *    over a cross join into a hash join, time-index ranges and simple tag/field
 *    predicates into the ScanRequest (the filter stays: engines may ignore
 *    predicates),
 * 3. limit pushdown: ORDER BY + LIMIT becomes a top-k sort; a LIMIT straight
 *    over a scan is passed to the engine,
 * 4. projection pushdown: every scan reads only the columns used above it,
 * 5. async scalar calls in operators that evaluate expressions synchronously
 *    (aggregate, sort, window, range) move into a projection below them.
 */
export async function optimize(plan: Plan, ctx: EvalContext): Promise<Plan> {
  let p = await foldPlan(plan, ctx);
  p = pushFilters(p, ctx.exactTagPredicates === true);
  p = pushLimits(p);
  hintLastRow(p);
  prune(p, new Set(schemaOf(p).map((f) => f.id)));
  return liftAsyncCalls(p);
}

// ---------------------------------------------------------------- constant folding

async function foldExpr(e: BExpr, ctx: EvalContext): Promise<BExpr> {
  // Fold children first (bottom-up), then this node when all its children are literals.
  let n: BExpr;
  switch (e.k) {
    case 'call': n = { ...e, args: await Promise.all(e.args.map((a) => foldExpr(a, ctx))) }; break;
    case 'bin': n = { ...e, left: await foldExpr(e.left, ctx), right: await foldExpr(e.right, ctx) }; break;
    case 'not': case 'neg': case 'is': case 'cast': n = { ...e, arg: await foldExpr(e.arg, ctx) } as BExpr; break;
    case 'in': n = { ...e, arg: await foldExpr(e.arg, ctx), list: await Promise.all(e.list.map((a) => foldExpr(a, ctx))) }; break;
    case 'like': n = { ...e, arg: await foldExpr(e.arg, ctx), pattern: await foldExpr(e.pattern, ctx) }; break;
    case 'case': n = { ...e, whens: await Promise.all(e.whens.map(async (w) => ({ when: await foldExpr(w.when, ctx), then: await foldExpr(w.then, ctx) }))), ...(e.else ? { else: await foldExpr(e.else, ctx) } : {}) }; break;
    case 'insub': n = { ...e, arg: await foldExpr(e.arg, ctx), plan: await optimize(e.plan, ctx) }; return n;
    case 'subquery': case 'exists': return { ...e, plan: await optimize(e.plan, ctx) };
    default: return e;
  }
  // 'stable' functions (now(), current_date) are constant within a statement, so they fold too:
  // that is what lets `ts > now() - INTERVAL '1 hour'` become a scan time range.
  if (n.k === 'call' && n.fn.volatility === 'volatile') return n;
  // Async calls (a Python script, a remote model) run per batch at execution, never at plan time.
  if (n.k === 'call' && isAsyncScalarFunction(n.fn)) return n;
  if (!children(n).every((c) => c.k === 'lit')) return n;
  try {
    const f = await compileExpr(n, new Map(), ctx);
    const c = f({ columns: [], numRows: 1 });
    return { k: 'lit', value: valueAt(c, 0), type: n.type };
  } catch {
    // Leave it for run time, where the error surfaces with the rows that cause it.
    return n;
  }
}

function children(e: BExpr): BExpr[] {
  switch (e.k) {
    case 'call': return [...e.args];
    case 'bin': return [e.left, e.right];
    case 'not': case 'neg': case 'is': case 'cast': return [e.arg];
    case 'in': return [e.arg, ...e.list];
    case 'like': return [e.arg, e.pattern];
    case 'case': return [...e.whens.flatMap((w) => [w.when, w.then]), ...(e.else ? [e.else] : [])];
    default: return [];
  }
}

/**
 * Whether folding can change `e`: some node has only literal children (or
 * none, like now()), or a subquery plan is optimized. Most expressions have
 * nothing to fold; they skip foldExpr's async walk, which copies every node.
 */
function needsFold(e: BExpr): boolean {
  switch (e.k) {
    case 'lit': case 'col': case 'outer': return false;
    case 'subquery': case 'insub': case 'exists': return true;
    default: {
      const cs = children(e);
      let allLit = true;
      for (const c of cs) if (c.k !== 'lit') { allLit = false; break; }
      return allLit || cs.some(needsFold);
    }
  }
}

async function foldPlan(p: Plan, ctx: EvalContext): Promise<Plan> {
  const f = (e: BExpr): BExpr | Promise<BExpr> => (needsFold(e) ? foldExpr(e, ctx) : e);
  switch (p.k) {
    case 'scan': case 'memory': return p;
    case 'values': return { ...p, rows: await Promise.all(p.rows.map((r) => Promise.all(r.map(f)))) };
    case 'filter': {
      const input = await foldPlan(p.input, ctx);
      const pred = await f(p.pred);
      if (pred.k === 'lit' && pred.value === true) return input;
      return { k: 'filter', input, pred };
    }
    case 'project': {
      const input = await foldPlan(p.input, ctx);
      const exprs = p.exprs.some((e) => needsFold(e.expr)) ? await Promise.all(p.exprs.map(async (e) => ({ expr: await f(e.expr), out: e.out }))) : p.exprs;
      return { k: 'project', input, exprs };
    }
    case 'aggregate': return { ...p, input: await foldPlan(p.input, ctx) };
    case 'window': return { ...p, input: await foldPlan(p.input, ctx) };
    case 'sort': return { ...p, input: await foldPlan(p.input, ctx) };
    case 'limit': case 'distinct': case 'alias': case 'range': return { ...p, input: await foldPlan(p.input, ctx) } as Plan;
    case 'join': return { ...p, left: await foldPlan(p.left, ctx), right: await foldPlan(p.right, ctx), ...(p.on ? { on: await f(p.on) } : {}) };
    case 'setop': return { ...p, left: await foldPlan(p.left, ctx), right: await foldPlan(p.right, ctx) };
  }
}

// ---------------------------------------------------------------- filters

function conjuncts(e: BExpr): BExpr[] {
  return e.k === 'bin' && e.op === 'AND' ? [...conjuncts(e.left), ...conjuncts(e.right)] : [e];
}
function and(list: BExpr[]): BExpr | undefined {
  return list.length ? list.reduce((a, b) => ({ k: 'bin', op: 'AND', left: a, right: b, type: BOOL })) : undefined;
}

function idsOf(p: Plan): Set<number> { return new Set(schemaOf(p).map((f) => f.id)); }
function within(e: BExpr, ids: Set<number>): boolean { for (const id of exprRefs(e)) if (!ids.has(id)) return false; return true; }

function pushFilters(p: Plan, exactTags: boolean): Plan {
  switch (p.k) {
    case 'filter': {
      const input = pushFilters(p.input, exactTags);
      return pushInto(input, conjuncts(p.pred), exactTags);
    }
    case 'project': case 'aggregate': case 'window': case 'sort': case 'limit': case 'distinct': case 'alias': case 'range':
      return { ...p, input: pushFilters(p.input, exactTags) } as Plan;
    case 'join': return { ...p, left: pushFilters(p.left, exactTags), right: pushFilters(p.right, exactTags) };
    case 'setop': return { ...p, left: pushFilters(p.left, exactTags), right: pushFilters(p.right, exactTags) };
    default: return p;
  }
}

/** Places conjuncts as low as they can go above `p`. */
function pushInto(p: Plan, preds: BExpr[], exactTags = false): Plan {
  if (preds.length === 0) return p;
  if (p.k === 'join' && (p.type === 'inner' || p.type === 'cross')) {
    const l = idsOf(p.left); const r = idsOf(p.right);
    const toLeft = preds.filter((e) => within(e, l) && !hasSubquery(e));
    const toRight = preds.filter((e) => !toLeft.includes(e) && within(e, r) && !hasSubquery(e));
    const rest = preds.filter((e) => !toLeft.includes(e) && !toRight.includes(e));
    // Join keys and ON conditions are evaluated synchronously, batch-free: conjuncts reading
    // both sides through an async call or a correlated subquery (both need a per-batch prepare
    // step) stay a filter above the join.
    const above = rest.filter((e) => hasAsyncCall(e) || hasCorrelatedSubquery(e));
    const into = rest.filter((e) => !above.includes(e));
    const { equi, rest: residual } = splitJoinCondition(and([...into, ...(p.on ? [p.on] : [])]), l, r);
    const join: Plan = {
      k: 'join', left: pushInto(p.left, toLeft, exactTags), right: pushInto(p.right, toRight, exactTags),
      type: equi.length || p.equi.length || residual ? 'inner' : p.type, equi: [...p.equi, ...equi], ...(residual ? { on: residual } : {}),
    };
    return above.length ? { k: 'filter', input: join, pred: and(above)! } : join;
  }
  if (p.k === 'project') {
    // Push through a projection when the conjunct only reads pass-through columns.
    const passthrough = new Map<number, BExpr>();
    for (const e of p.exprs) if (e.expr.k === 'col' || e.expr.k === 'lit') passthrough.set(e.out.id, e.expr);
    const down: BExpr[] = []; const keep: BExpr[] = [];
    for (const c of preds) {
      if (!hasSubquery(c) && [...exprRefs(c)].every((id) => passthrough.has(id))) down.push(mapExpr(c, (x) => (x.k === 'col' ? passthrough.get(x.id) ?? x : x)));
      else keep.push(c);
    }
    const inner: Plan = { ...p, input: pushInto(p.input, down, exactTags) };
    return keep.length ? { k: 'filter', input: inner, pred: and(keep)! } : inner;
  }
  if (p.k === 'filter') {
    // Past a filter already placed (a subquery's or a view's own WHERE): both must hold, so the
    // outer conjuncts go on down to the scan, this filter above them. Only those that cannot
    // fail: `(... WHERE k <> 0) WHERE 10 / k > 1` must not divide the rows the inner WHERE
    // removed, so a conjunct that can raise an error stays above, seeing only the rows it kept.
    const down = preds.filter(cannotFail);
    const keep = preds.filter((x) => !cannotFail(x));
    const inner: Plan = { ...p, input: pushInto(p.input, down, exactTags) };
    return keep.length ? { k: 'filter', input: inner, pred: and(keep)! } : inner;
  }
  if (p.k === 'scan') {
    // Conjuncts that became the scan's time range are not evaluated again: the
    // engine's time range is exact (ScanRequest), so re-checking ts per row is waste;
    // nor are tag = / IN conjuncts when the engine says it applies them exactly.
    const absorbed = pushIntoScan(p, preds, exactTags);
    const rest = preds.filter((c) => !absorbed.has(c));
    return rest.length ? { k: 'filter', input: p, pred: and(rest)! } : p;
  }
  return { k: 'filter', input: p, pred: and(preds)! };
}

function hasAsyncCall(e: BExpr): boolean {
  let found = false;
  mapExpr(e, (x) => { if (x.k === 'call' && isAsyncScalarFunction(x.fn)) found = true; return x; });
  return found;
}

function hasCorrelatedSubquery(e: BExpr): boolean {
  let found = false;
  mapExpr(e, (x) => { if ((x.k === 'subquery' || x.k === 'insub' || x.k === 'exists') && x.outer?.length) found = true; return x; });
  return found;
}

function hasSubquery(e: BExpr): boolean {
  let found = false;
  mapExpr(e, (x) => { if (x.k === 'subquery' || x.k === 'insub' || x.k === 'exists') found = true; return x; });
  return found;
}

/**
 * Derives the scan's time range and engine predicates from conjuncts over its
 * columns; returns the conjuncts the scan answers exactly (the time range, and
 * with `exactTags` tag = / IN over String tags with string literals).
 */
function pushIntoScan(scan: Extract<Plan, { k: 'scan' }>, preds: BExpr[], exactTags = false): Set<BExpr> {
  const absorbed = new Set<BExpr>();
  const byId = new Map<number, Field>(scan.fields.map((f) => [f.id, f]));
  const ti = scan.table.schema.timeIndex;
  let start = scan.timeRange?.start;
  let end = scan.timeRange?.end;
  const out: ScanPredicate[] = [...scan.predicates];
  for (const c of preds) {
    if (c.k === 'bin' && c.left.k === 'col' && c.right.k === 'lit' && byId.has(c.left.id)) {
      const f = byId.get(c.left.id)!;
      const v = c.right.value;
      if (v === null) continue;
      if (f.name === ti && isTimestamp(f.type) && typeof v === 'bigint' && c.right.type.name === f.type.name) {
        switch (c.op) {
          case '>': start = max(start, v + 1n); break;
          case '>=': start = max(start, v); break;
          case '<': end = min(end, v); break;
          case '<=': end = min(end, v + 1n); break;
          case '=': start = max(start, v); end = min(end, v + 1n); break;
          default: continue;
        }
        absorbed.add(c);
        continue;
      }
      // A NaN bound is not pushed: engines compare with JS operators, where NaN matches nothing.
      if (['=', '<>', '<', '<=', '>', '>='].includes(c.op) && isScalar(v) && !(typeof v === 'number' && Number.isNaN(v))) {
        if (isTimestamp(f.type) && c.right.type.name !== f.type.name) continue;
        // A DECIMAL literal is an unscaled bigint here, which the engine's predicates do not define: filtered above only.
        if (f.type.name === 'Decimal128') continue;
        out.push({ column: f.name, op: c.op === '<>' ? '!=' : (c.op as '='), value: v as string });
        if (exactTags && c.op === '=' && isStringTag(scan, f) && typeof v === 'string' && c.right.type.name === 'String') absorbed.add(c);
      }
      continue;
    }
    if (c.k === 'in' && c.arg.k === 'col' && byId.has(c.arg.id) && c.arg.type.name !== 'Decimal128' && c.list.every((x) => x.k === 'lit' && isScalar(x.value) && !(typeof x.value === 'number' && Number.isNaN(x.value)) && x.type.name === (c.arg as { type: { name: string } }).type.name)) {
      const f = byId.get(c.arg.id)!;
      out.push({ column: f.name, op: c.not ? 'not in' : 'in', values: c.list.map((x) => (x as { value: string }).value) });
      if (exactTags && !c.not && isStringTag(scan, f) && c.list.every((x) => x.k === 'lit' && typeof x.value === 'string')) absorbed.add(c);
      continue;
    }
    if (c.k === 'is' && c.test === 'NULL' && c.arg.k === 'col' && byId.has(c.arg.id)) {
      out.push({ column: byId.get(c.arg.id)!.name, op: c.not ? 'is not null' : 'is null' });
      continue;
    }
    if (c.k === 'bin' && (c.op === '~' || c.op === '!~') && c.left.k === 'col' && c.right.k === 'lit' && typeof c.right.value === 'string' && byId.has(c.left.id)) {
      out.push({ column: byId.get(c.left.id)!.name, op: c.op === '~' ? 'regex' : 'not regex', pattern: c.right.value });
    }
  }
  if (start !== undefined || end !== undefined) scan.timeRange = { ...(start !== undefined ? { start } : {}), ...(end !== undefined ? { end } : {}) };
  scan.predicates = out;
  return absorbed;
}

/** A String primary-key column of the scanned table. */
function isStringTag(scan: Extract<Plan, { k: 'scan' }>, f: Field): boolean {
  const schema = scan.table.schema;
  return f.type.name === 'String' && schema.primaryKey.includes(f.name) && schema.columns.some((c) => c.name === f.name && c.type.name === 'String');
}

function isScalar(v: unknown): boolean { return ['string', 'number', 'bigint', 'boolean'].includes(typeof v); }
function max(a: bigint | undefined, b: bigint): bigint { return a === undefined || b > a ? b : a; }
function min(a: bigint | undefined, b: bigint): bigint { return a === undefined || b < a ? b : a; }

// ---------------------------------------------------------------- limits

function pushLimits(p: Plan): Plan {
  switch (p.k) {
    case 'limit': {
      const input = pushLimits(p.input);
      if (p.limit !== undefined) {
        const need = p.limit + p.offset;
        let q: Plan = input;
        // Walk through projections to a sort (top-k) or a bare scan (engine limit hint).
        const path: Plan[] = [];
        while (q.k === 'project') { path.push(q); q = q.input; }
        if (q.k === 'sort') q.limit = q.limit === undefined ? need : Math.min(q.limit, need);
        else if (q.k === 'scan') q.limit = q.limit === undefined ? need : Math.min(q.limit, need);
      }
      return { ...p, input };
    }
    case 'filter': case 'project': case 'aggregate': case 'window': case 'sort': case 'distinct': case 'alias': case 'range':
      return { ...p, input: pushLimits(p.input) } as Plan;
    case 'join': case 'setop': return { ...p, left: pushLimits(p.left), right: pushLimits(p.right) } as Plan;
    default: return p;
  }
}

// ---------------------------------------------------------------- last row per series

/**
 * GreptimeDB's scan hint for "latest row per series" (TSBS lastpoint):
 * `SELECT tag.., last_value(x ORDER BY ts) .. GROUP BY tag..` needs only each
 * series' newest row, since every group is a union of whole series and
 * last_value's winner is the newest row of one of them. The scan is marked
 * with `seriesRowSelector = 'last_row'` so the engine can skip older rows.
 * Exact only when nothing between the aggregate and the scan drops rows by a
 * non-tag column, so: group keys and filters on tag columns only, every
 * aggregate `last_value(..)` ordered by the time index ascending (or
 * max(time index)), no time range or limit on the scan. Mutates the plan.
 */
function hintLastRow(p: Plan): void {
  if (p.k === 'aggregate') tryHintLastRow(p);
  switch (p.k) {
    case 'scan': case 'values': case 'memory': return;
    case 'join': case 'setop': hintLastRow(p.left); hintLastRow(p.right); return;
    default: hintLastRow(p.input);
  }
}

function tryHintLastRow(agg: Extract<Plan, { k: 'aggregate' }>): void {
  const filters: BExpr[] = [];
  let q: Plan = agg.input;
  while (q.k === 'filter') { filters.push(q.pred); q = q.input; }
  if (q.k !== 'scan' || q.timeRange || q.limit !== undefined || agg.aggs.length === 0) return;
  const scan = q;
  const schema = scan.table.schema;
  const tagIds = new Set(scan.fields.filter((f) => schema.primaryKey.includes(f.name)).map((f) => f.id));
  const tsIds = new Set(scan.fields.filter((f) => f.name === schema.timeIndex).map((f) => f.id));
  if (tsIds.size === 0) return;
  if (!agg.groups.every((g) => g.expr.k === 'col' && tagIds.has(g.expr.id))) return;
  if (!filters.every((f) => !hasSubquery(f) && within(f, tagIds))) return;
  if (!scan.predicates.every((x) => schema.primaryKey.includes(x.column))) return;
  for (const a of agg.aggs) {
    if (a.distinct || a.filter) return;
    const o = a.orderBy;
    const byTs = o?.length === 1 && !o[0]!.desc && o[0]!.expr.k === 'col' && tsIds.has(o[0]!.expr.id);
    if (a.fn.name === 'last_value' && byTs) continue;
    if (a.fn.name === 'max' && !o?.length && a.args.length === 1 && a.args[0]!.k === 'col' && tsIds.has(a.args[0]!.id)) continue;
    return;
  }
  scan.seriesRowSelector = 'last_row';
}

// ---------------------------------------------------------------- projection pruning

function refsOfAll(exprs: readonly BExpr[], into: Set<number>): Set<number> {
  for (const e of exprs) exprRefs(e, into);
  return into;
}

/** Drops unused projection items and narrows scans, top-down. Mutates the (freshly built) plan. */
function prune(p: Plan, required: Set<number>): void {
  switch (p.k) {
    case 'scan': {
      let kept = p.fields.filter((f) => required.has(f.id));
      if (kept.length === 0) kept = p.fields.filter((f) => f.name === p.table.schema.timeIndex).slice(0, 1);
      p.fields = kept;
      return;
    }
    case 'values': case 'memory': return;
    case 'filter': prune(p.input, exprRefs(p.pred, new Set(required))); return;
    case 'project': {
      let exprs = p.exprs.filter((e) => required.has(e.out.id));
      if (exprs.length === 0 && p.exprs.length) exprs = [p.exprs[0]!];
      p.exprs = exprs;
      prune(p.input, refsOfAll(exprs.map((e) => e.expr), new Set()));
      return;
    }
    case 'aggregate': {
      const need = refsOfAll([...p.groups.map((g) => g.expr), ...p.aggs.flatMap((a) => [...a.args, ...(a.filter ? [a.filter] : []), ...(a.orderBy ?? []).map((o) => o.expr)])], new Set());
      prune(p.input, need);
      return;
    }
    case 'window': {
      const need = new Set(required);
      refsOfAll(p.calls.flatMap((c) => [...c.args, ...c.partitionBy, ...c.orderBy.map((o) => o.expr)]), need);
      prune(p.input, need);
      return;
    }
    case 'sort': prune(p.input, refsOfAll(p.keys.map((k) => k.expr), new Set(required))); return;
    case 'limit': case 'distinct': prune(p.input, p.k === 'distinct' ? new Set(schemaOf(p.input).map((f) => f.id)) : required); return;
    case 'alias': prune(p.input, new Set(schemaOf(p.input).map((f) => f.id))); return;
    case 'join': {
      const need = new Set(required);
      if (p.on) exprRefs(p.on, need);
      for (const [l, r] of p.equi) { exprRefs(l, need); exprRefs(r, need); }
      prune(p.left, new Set([...need].filter((id) => idsOf(p.left).has(id))));
      prune(p.right, new Set([...need].filter((id) => idsOf(p.right).has(id))));
      return;
    }
    case 'setop': prune(p.left, idsOf(p.left)); prune(p.right, idsOf(p.right)); return;
    case 'range': {
      const need = refsOfAll([p.ts, ...p.by.map((b) => b.expr), ...p.calls.flatMap((c) => [...c.agg.args, ...(c.agg.filter ? [c.agg.filter] : []), ...(c.agg.orderBy ?? []).map((o) => o.expr)])], new Set());
      prune(p.input, need);
      return;
    }
  }
}

// ---------------------------------------------------------------- async calls

/**
 * Filters and projections evaluate async scalar calls themselves (in their
 * per-batch prepare step); the other operators compile their expressions
 * synchronously. For those, each outermost async call moves into a
 * projection below the operator, which computes it as a new field, and the
 * operator reads that field instead (DataFusion's AsyncFuncExec does the
 * same). Where the operator's output includes its input (sort, window), a
 * projection above drops the extra fields again. Runs last, on the pruned
 * plan; a plan without async calls is returned as it is.
 */
function liftAsyncCalls(p: Plan): Plan {
  switch (p.k) {
    case 'scan': case 'values': case 'memory': return p;
    case 'join': case 'setop': p.left = liftAsyncCalls(p.left); p.right = liftAsyncCalls(p.right); return p;
    default: p.input = liftAsyncCalls(p.input);
  }
  const lifted: Array<{ expr: BExpr; out: Field }> = [];
  const lift = (e: BExpr): BExpr => liftExpr(e, lifted);
  switch (p.k) {
    case 'aggregate': {
      const groups = p.groups.map((g) => ({ expr: lift(g.expr), out: g.out }));
      const aggs = p.aggs.map((a) => ({
        ...a, args: a.args.map(lift), ...(a.filter ? { filter: lift(a.filter) } : {}),
        ...(a.orderBy ? { orderBy: a.orderBy.map((o) => ({ ...o, expr: lift(o.expr) })) } : {}),
      }));
      return lifted.length ? { ...p, input: below(p.input, lifted), groups, aggs } : p;
    }
    case 'range': {
      const ts = lift(p.ts);
      const by = p.by.map((b) => ({ expr: lift(b.expr), out: b.out }));
      const calls = p.calls.map((c) => ({
        ...c, agg: {
          ...c.agg, args: c.agg.args.map(lift), ...(c.agg.filter ? { filter: lift(c.agg.filter) } : {}),
          ...(c.agg.orderBy ? { orderBy: c.agg.orderBy.map((o) => ({ ...o, expr: lift(o.expr) })) } : {}),
        },
      }));
      return lifted.length ? { ...p, input: below(p.input, lifted), ts, by, calls } : p;
    }
    case 'sort': {
      const keys = p.keys.map((k) => ({ ...k, expr: lift(k.expr) }));
      if (!lifted.length) return p;
      return restore(schemaOf(p), { ...p, input: below(p.input, lifted), keys });
    }
    case 'window': {
      const calls = p.calls.map((c) => ({
        ...c, args: c.args.map(lift), partitionBy: c.partitionBy.map(lift), orderBy: c.orderBy.map((o) => ({ ...o, expr: lift(o.expr) })),
      }));
      if (!lifted.length) return p;
      return restore(schemaOf(p), { ...p, input: below(p.input, lifted), calls });
    }
    default: return p;
  }
}

/** Replaces each outermost async call by a reference to a new field, collected in `lifted` (equal calls share one). */
function liftExpr(e: BExpr, lifted: Array<{ expr: BExpr; out: Field }>): BExpr {
  if (e.k === 'call' && isAsyncScalarFunction(e.fn)) {
    const text = exprToString(e);
    let item = lifted.find((l) => exprToString(l.expr) === text);
    if (!item) { item = { expr: e, out: newField(text, e.type) }; lifted.push(item); }
    return { k: 'col', id: item.out.id, type: item.out.type, name: item.out.name };
  }
  const f = (x: BExpr) => liftExpr(x, lifted);
  switch (e.k) {
    case 'call': return { ...e, args: e.args.map(f) };
    case 'bin': return { ...e, left: f(e.left), right: f(e.right) };
    case 'not': case 'neg': case 'is': case 'cast': return { ...e, arg: f(e.arg) } as BExpr;
    case 'in': return { ...e, arg: f(e.arg), list: e.list.map(f) };
    case 'like': return { ...e, arg: f(e.arg), pattern: f(e.pattern) };
    case 'case': return { ...e, whens: e.whens.map((w) => ({ when: f(w.when), then: f(w.then) })), ...(e.else ? { else: f(e.else) } : {}) };
    case 'insub': return { ...e, arg: f(e.arg) };
    default: return e;
  }
}

/** A projection passing `input`'s fields through and computing the lifted calls. */
function below(input: Plan, lifted: ReadonlyArray<{ expr: BExpr; out: Field }>): Plan {
  const through = schemaOf(input).map((f) => ({ expr: { k: 'col', id: f.id, type: f.type, name: f.name } as BExpr, out: f }));
  return { k: 'project', input, exprs: [...through, ...lifted] };
}

/** A projection keeping only `fields` of `p` (dropping the lifted fields an operator passed through). */
function restore(fields: readonly Field[], p: Plan): Plan {
  return { k: 'project', input: p, exprs: fields.map((f) => ({ expr: { k: 'col', id: f.id, type: f.type, name: f.name } as BExpr, out: f })) };
}
