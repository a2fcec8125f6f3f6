import type { Catalog, TableInfo, ViewInfo } from '../../interfaces/catalog.js';
import { isAsyncScalarFunction, type FunctionDefinition, type FunctionRegistry } from '../../interfaces/function.js';
import type * as ast from '../ast.js';
import { shapeOrigin } from '../parser/parse-sql.js';
import { SPECIAL_NULLARY } from './binder.js';
import { PG_SESSION_FUNCTIONS } from '../../functions/builtin/pg-functions.js';
import type { Field, Plan } from './logical-plan.js';

/** What a cached plan depends on besides its key. */
export interface Dependencies {
  /** The catalog tables the plan scans, as they were when it was planned. */
  readonly tables: ReadonlyArray<{ readonly database: string; readonly name: string; readonly info: TableInfo }>;
  /**
   * The views the statement reads (nested ones too), as they were when it was
   * planned: CREATE OR REPLACE VIEW or DROP VIEW makes new catalog objects, so
   * the identity check misses, as it does for the tables under them.
   */
  readonly views: ReadonlyArray<{ readonly database: string; readonly name: string; readonly info: ViewInfo }>;
  /** The functions the statement names, as the registry resolved them. */
  readonly functions: ReadonlyArray<readonly [string, FunctionDefinition | undefined]>;
}

/** A planned query kept for the next run of the same statement. */
interface Entry extends Dependencies {
  readonly plan: Plan;
  readonly fields: Field[];
}

/** AST kinds whose binding reads more than the statement text, the session's database and time zone, the catalog and the registry. */
const UNCACHEABLE_AST = new Set(['SessionVariable', 'Placeholder', 'SubqueryExpr', 'ExistsExpr', 'InSubqueryExpr', 'AlignToNow']);
/** Bound-plan kinds that run or read something at plan time (subqueries, system-table snapshots, correlation). */
const UNCACHEABLE_PLAN = new Set(['memory', 'subquery', 'insub', 'exists', 'outer']);
/** Bare names the binder turns into session- or time-dependent values. */
const SESSION_NAMES = new Set([...SPECIAL_NULLARY, ...PG_SESSION_FUNCTIONS.keys(), 'current_timestamp', 'localtimestamp', 'current_date', 'current_time', 'now', 'today']);

/**
 * Optimized plans of repeated queries (dashboards, benchmarks), so a repeat
 * skips binding and optimizing. Keyed by the parsed statement object (the
 * parse cache hands back the same frozen object for the same text) plus the
 * session's database and time zone. A plan is cached only when it depends on
 * nothing else: no parameters, session variables, subqueries, system tables,
 * or functions other than immutable registry functions; a hit is used only
 * while the catalog still returns the very TableInfo objects the plan was
 * built from (and the ViewInfo objects of the views it read) and the registry
 * the same function objects.
 *
 * @example
 * const hit = cache.get(q, key, catalog, registry);
 * // miss: bind, deps = cache.inspect(q, bound, registry), optimize, then cache.put(q, key, deps, plan, fields)
 */
export class PlanCache {
  private readonly entries = new WeakMap<ast.Query, Map<string, Entry>>();
  private readonly astOk = new WeakMap<object, readonly string[] | null>();
  private epoch = 0;
  private readonly entryEpoch = new WeakMap<Entry, number>();

  /** Forgets every plan (for changes the identity checks cannot see, such as a new system table). */
  clear(): void { this.epoch++; }

  get(q: ast.Query, key: string, catalog: Catalog, registry: FunctionRegistry): { plan: Plan; fields: Field[] } | undefined {
    const e = this.entries.get(q)?.get(key);
    if (!e || this.entryEpoch.get(e) !== this.epoch) return undefined;
    for (const t of e.tables) if (catalog.getTable(t.database, t.name) !== t.info) return undefined;
    for (const v of e.views) if (catalog.getView?.(v.database, v.name) !== v.info) return undefined;
    for (const [name, fn] of e.functions) if (registry.lookup(name) !== fn) return undefined;
    return { plan: e.plan, fields: e.fields };
  }

  /** The function names of `q` when its AST allows caching, else null (memoized per statement). */
  private cacheableNames(q: ast.Query): readonly string[] | null {
    // Kinds and function names are the same for every text of one shape (only string contents differ).
    const memo = shapeOrigin(q) ?? q;
    let r = this.astOk.get(memo);
    if (r !== undefined) return r;
    const names = new Set<string>();
    const ok = everyNode(q, SKIP_AST_KEYS, (rec) => {
      const kind = rec.kind;
      if (typeof kind !== 'string') return true;
      if (UNCACHEABLE_AST.has(kind)) return false;
      // `'cpu'::regclass` is looked up in the catalog when bound.
      if (kind === 'TypeName' && rec.name === 'REGCLASS') return false;
      if (kind === 'FunctionCall' && typeof rec.name === 'string') {
        const n = rec.name.toLowerCase();
        if (SESSION_NAMES.has(n)) return false;
        names.add(n);
      }
      return !(kind === 'ColumnRef' && typeof rec.name === 'string' && !rec.table && SESSION_NAMES.has(rec.name.toLowerCase()));
    });
    r = ok ? [...names] : null;
    this.astOk.set(memo, r);
    return r;
  }

  /**
   * What a plan bound from `q` depends on, when it may be cached (call with
   * the bound plan, before optimizing); undefined when it may not. `views`
   * are the views the binder expanded, with the queries it bound from their
   * text: their ASTs are held to the same rules as `q`'s.
   */
  inspect(q: ast.Query, bound: Plan, registry: FunctionRegistry,
    views: ReadonlyArray<{ readonly info: ViewInfo; readonly query: ast.Query }> = []): Dependencies | undefined {
    const own = this.cacheableNames(q);
    if (!own) return undefined;
    const names = new Set(own);
    for (const v of views) {
      const inView = this.cacheableNames(v.query);
      if (!inView) return undefined;
      for (const n of inView) names.add(n);
    }
    const functions: Array<readonly [string, FunctionDefinition | undefined]> = [];
    for (const n of names) {
      const fn = registry.lookup(n);
      // A name the registry lacks is one the binder answers itself (possibly from the session).
      if (!fn) return undefined;
      functions.push([n, fn]);
    }
    const tables: Array<{ database: string; name: string; info: TableInfo }> = [];
    const ok = everyNode(bound, SKIP_PLAN_KEYS, (rec) => {
      const k = rec.k;
      if (typeof k !== 'string') return true;
      if (UNCACHEABLE_PLAN.has(k)) return false;
      if (k === 'scan') {
        const info = rec.table as TableInfo;
        tables.push({ database: info.database, name: info.name, info });
      }
      if (k === 'call') {
        const fn = rec.fn as FunctionDefinition;
        if ((fn.volatility ?? 'immutable') !== 'immutable' || isAsyncScalarFunction(fn)) return false;
      }
      return true;
    });
    return ok ? { tables, functions, views: views.map((v) => ({ database: v.info.database, name: v.info.name, info: v.info })) } : undefined;
  }

  /** Keeps the optimized `plan` of `q` under `key`, valid while `deps` hold. */
  put(q: ast.Query, key: string, deps: Dependencies, plan: Plan, fields: Field[]): void {
    let m = this.entries.get(q);
    if (!m) { m = new Map(); this.entries.set(q, m); }
    if (m.size >= 16) m.delete(m.keys().next().value!);
    const e: Entry = { plan, fields, ...deps };
    this.entryEpoch.set(e, this.epoch);
    m.set(key, e);
  }
}

/**
 * Keys not walked: source spans (AST); tables, functions and types (plan: fixed
 * objects, checked where met), and output fields (ids, names and types only).
 */
const SKIP_AST_KEYS = new Set(['span']);
const SKIP_PLAN_KEYS = new Set(['table', 'fn', 'type', 'fields', 'out', 'tsOut']);

/**
 * Calls `test` on every object node reachable from `root` (arrays walked
 * through, each node once, keys in `skip` not followed); false as soon as a
 * test returns false (the node's children are then not visited).
 */
function everyNode(root: unknown, skip: ReadonlySet<string>, test: (rec: Record<string, unknown>) => boolean): boolean {
  const seen = new Set<object>();
  const visit = (x: unknown): boolean => {
    if (typeof x !== 'object' || x === null || seen.has(x)) return true;
    seen.add(x);
    if (Array.isArray(x)) { for (const v of x) if (!visit(v)) return false; return true; }
    const rec = x as Record<string, unknown>;
    if (!test(rec)) return false;
    for (const k in rec) if (!skip.has(k) && !visit(rec[k])) return false;
    return true;
  };
  return visit(root);
}
