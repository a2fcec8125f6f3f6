import * as arrow from 'apache-arrow';
import {
  arrowTypeName, dataTypeDisplayName, fromArrowType, toArrowType, isInteger, isFloat, isTimestamp, timestampUnitsPerSecond, validateTableSchema,
  type ColumnIndexOptions, type ColumnSchema, type DataType, type TableSchema,
} from '../data/data-types.js';
import {
  columnIndexOptions, columnOptionError, FULLTEXT_INDEX_KEYS, fulltextIndexOptions, indexClausesSql, indexOptionMap, SKIPPING_INDEX_KEYS,
  skippingIndexOptions, withoutIndexKind,
} from '../data/column-index-options.js';
import {
  CancelledError, ColumnNotFoundError, DatabaseNotFoundError, DeadlineExceededError, InvalidArgumentsError, PlanError, RegionNotFoundError,
  TableAlreadyExistsError, TableNotFoundError, UnsupportedError, ColumnAlreadyExistsError,
} from '../errors/errors.js';
import type { AlterTableChange, Catalog, PartitionRule, TableInfo, ViewInfo } from '../interfaces/catalog.js';
import type { StorageEngine } from '../interfaces/engine.js';
import type { FunctionRegistry } from '../interfaces/function.js';
import type { Logger } from '../interfaces/logger.js';
import type { Metrics } from '../interfaces/metrics.js';
import type { PromqlService } from '../interfaces/promql.js';
import type { ExecuteOptions, InsertRequest, QueryOutput, QueryService, QueryTimings, ResultColumn } from '../interfaces/query.js';
import type { Session } from '../interfaces/session.js';
import type { SystemTableProvider } from '../interfaces/system-table.js';
import type { AdminFunction } from '../interfaces/admin-function.js';
import type { TableWrites } from '../interfaces/table-write.js';
import { parseDurationMs } from '../catalog/store-catalog.js';
import { checkTimeZone, formatTimestampNanos, normalizeTimeZone } from '../functions/time-zone.js';
import { KERNEL_VERSION } from '../version.js';
import type * as ast from './ast.js';
import {
  batchFromArrow, batchToArrow, columnFromArrow, columnFromValues, concatBatches, emptyBatch, takeBatch, valueAt, type Batch, type Column,
} from './exec/column.js';
import { Executor, type OperatorMetrics } from './exec/executor.js';
import { castColumn, castValue, compileExpr, likeToRegExp, type EvalContext } from './exec/expression-evaluator.js';
import { parseSql } from './parser/parse-sql.js';
import { convertInsertLiteral, isPlainInsertLiteral } from './insert-literals.js';
import { toDataType } from './parser/type-names.js';
import { Binder, viewQuery, type BinderEnv } from './plan/binder.js';
import { explainLines, newField, schemaOf, type Field, type Plan } from './plan/logical-plan.js';
import { optimize } from './plan/optimizer.js';
import { PlanCache } from './plan/plan-cache.js';
import { functionNamesOf } from './plan/function-names.js';
import { statementRegistry } from '../functions/function-registry.js';
import { databaseOptionEntries, databaseOptionsText, showIndexRows, sqlTypeName, SystemTables, tableOptionEntries } from './system-tables.js';
import { runTql, runTqlRelation } from '../promql/tql.js';
import { ProcessList } from './process-list.js';
import { pgSettings } from './pg-catalog.js';
import { CopyRunner } from './copy/copy-runner.js';
import type { CopyFormat } from '../interfaces/copy-format.js';

const STR: DataType = { name: 'String' };
const I64: DataType = { name: 'Int64' };

/**
 * version(), per channel as GreptimeDB answers it: PostgreSQL clients parse
 * `PostgreSQL 16.3 ...`, MySQL ones `8.4.2-...`; others get the bare version.
 */
function versionText(session: Session): string {
  if (session.channel === 'postgres') return `PostgreSQL ${pgSettings(session).get('server_version')} Strata ${KERNEL_VERSION}`;
  if (session.channel === 'mysql') return `${MYSQL_VERSION}-strata-${KERNEL_VERSION}`;
  return KERNEL_VERSION;
}

/** The MySQL server version we report (GreptimeDB reports 8.4.2 to MySQL clients). */
export const MYSQL_VERSION = '8.4.2';

interface Row extends Array<unknown> {}

/** Static result rows as an output. */
export function rowsOutput(columns: ReadonlyArray<{ name: string; type: DataType }>, rows: readonly Row[]): QueryOutput {
  const cols = columns.map((c, i) => columnFromValues(c.type, rows.map((r) => r[i] ?? null)));
  const batch: Batch = { columns: cols, numRows: rows.length };
  return batchesOutput(columns, (async function* () { yield batch; })());
}

function batchesOutput(columns: ReadonlyArray<{ name: string; type: DataType }>, batches: AsyncIterable<Batch>): QueryOutput {
  const names = columns.map((c) => c.name);
  const schema = new arrow.Schema(columns.map((c) => new arrow.Field(c.name, toArrowType(c.type), true)));
  const rc: ResultColumn[] = columns.map((c) => ({ name: c.name, type: c.type }));
  // Batches whose column types are the declared ones (the usual case) share the output schema.
  const sameTypes = (b: Batch): boolean => {
    if (b.columns.length !== columns.length) return false;
    for (let i = 0; i < columns.length; i++) {
      const t = b.columns[i]!.type; const d = columns[i]!.type;
      if (t.name !== d.name || t.name === 'Decimal128') return false;
    }
    return true;
  };
  return {
    kind: 'records', columns: rc, schema,
    batches: (async function* () { for await (const b of batches) yield batchToArrow(b, names, sameTypes(b) ? schema : undefined); })(),
  };
}

const affected = (n: number): QueryOutput => ({ kind: 'affected', affectedRows: n });

function likeFilter(pattern: string, caseInsensitive: boolean): (s: string) => boolean {
  const re = likeToRegExp(pattern, caseInsensitive);
  return (s) => re.test(s);
}

/**
 * The query service: parses statements, runs DDL against the catalog, plans
 * queries (binder -> optimizer) and executes them over the storage engine.
 *
 * @example
 * const q = new QueryEngine(catalog, engine, registry);
 * for await (const out of q.execute('SELECT 1', createSession({ channel: 'internal' }))) ...
 */
export class QueryEngine implements QueryService {
  private readonly system: SystemTables;
  private readonly schemaLocks = new Map<string, Promise<unknown>>();
  /** Optimized plans of repeated query statements. */
  private readonly plans = new PlanCache();
  /** Running statements (SHOW PROCESSLIST, information_schema.process_list, KILL). */
  private readonly processes = new ProcessList();
  /** Deadlines of running statements, by their abort signal. */
  private readonly deadlines = new WeakMap<AbortSignal, number>();

  private readonly statementsTotal?: ReturnType<Metrics['counter']>;
  private readonly statementErrors?: ReturnType<Metrics['counter']>;
  private readonly insertRows?: ReturnType<Metrics['counter']>;
  private readonly planCacheHits?: ReturnType<Metrics['counter']>;

  constructor(readonly catalog: Catalog, readonly engine: StorageEngine, readonly registry: FunctionRegistry, private readonly logger?: Logger, metrics?: Metrics,
    private readonly limits: { memoryLimitBytes: number; timeoutMs: number } = { memoryLimitBytes: 0, timeoutMs: 0 },
    private readonly writes?: TableWrites) {
    this.system = new SystemTables(catalog, engine, registry, metrics, this.processes);
    this.statementsTotal = metrics?.counter('strata_sql_statements_total', 'SQL statements run, by statement kind', ['kind']);
    this.statementErrors = metrics?.counter('strata_sql_statement_errors_total', 'SQL statements that failed, by error code', ['code']);
    this.planCacheHits = metrics?.counter('strata_sql_plan_cache_hits_total', 'queries that reused the optimized plan of an earlier run of the same statement');
    this.insertRows = metrics?.counter('strata_insert_rows_total', 'rows written through the insert path (ingest protocols)');
  }

  /** Adds a plugin's read-only table (see SystemTableProvider); returns its remover. */
  addSystemTable(provider: SystemTableProvider): () => void {
    // A system table shadows a catalog table of its name: plans made before may no longer apply.
    this.plans.clear();
    const remove = this.system.add(provider);
    return () => { this.plans.clear(); remove(); };
  }

  /** Plugins' COPY formats (COPY_FORMAT; set by the query plugin). CSV and JSON lines are built in. */
  copyFormats: () => readonly CopyFormat[] = () => [];

  /** COPY's runner (public for tests: `copy.bufferCellsMax`). */
  readonly copy = new CopyRunner({
    catalog: () => this.catalog,
    formats: () => this.copyFormats(),
    table: (n, session) => this.table(n, session),
    query: async (q, session, signal) => {
      const { plan, fields, executor } = await this.plan(q, '', session, [], signal);
      return { fields: fields.map((f) => ({ name: f.name, type: f.type })), batches: executor.run(plan) };
    },
    write: (t, names, batch, session) => this.writeRows(t, names, batch, session),
  });

  /** The server's PromQL service, for TQL (set by the query plugin; its options apply to TQL too). */
  promql?: () => PromqlService | undefined;

  /** Plugins' ADMIN functions, by name. */
  private readonly adminFunctions = new Map<string, AdminFunction>();

  /** Adds a plugin's `ADMIN name(...)` function; returns its remover. */
  addAdminFunction(fn: AdminFunction): () => void {
    const name = fn.name.toLowerCase();
    if (name === 'flush_table' || name === 'compact_table' || this.adminFunctions.has(name)) throw new InvalidArgumentsError(`ADMIN function ${name} already exists`);
    this.adminFunctions.set(name, fn);
    return () => { if (this.adminFunctions.get(name) === fn) this.adminFunctions.delete(name); };
  }

  /** Tells TABLE_WRITES listeners about an acknowledged write. */
  private published(t: TableInfo, batch: arrow.RecordBatch, session: Session): void {
    if (this.writes?.active) this.writes.publish({ database: t.database, table: t.name, batch, session });
  }

  async *execute(sql: string, session: Session, options: ExecuteOptions = {}): AsyncIterable<QueryOutput> {
    // GreptimeDB parses MySQL-protocol text with the MySQL dialect ("x" is a string) and PostgreSQL text with PostgreSQL's.
    const dialect = session.channel === 'mysql' ? 'mysql' : session.channel === 'postgres' ? 'postgres' : 'greptime';
    // Dashboards and benchmarks repeat texts: the cache returns the same deep-frozen statements (nothing downstream mutates them).
    const t0 = options.timings ? performance.now() : 0;
    const statements = parseSql(sql, { dialect, cache: true });
    if (options.timings) options.timings.parseMs += performance.now() - t0;
    // A records output whose batches were never read when the consumer moved on (or gave up): it
    // leaves the process list then; a started one leaves when its batches are drained or fail.
    let unread: (() => void) | undefined;
    try {
      for (const st of statements) {
        const ac = new AbortController();
        const onAbort = () => ac.abort(options.signal?.reason instanceof Error ? options.signal.reason : new CancelledError());
        if (options.signal?.aborted) throw new CancelledError();
        options.signal?.addEventListener('abort', onAbort, { once: true });
        let timer: NodeJS.Timeout | undefined;
        const timeoutMs = options.timeoutMs && options.timeoutMs > 0 ? options.timeoutMs : this.limits.timeoutMs;
        if (timeoutMs > 0) {
          timer = setTimeout(() => ac.abort(new DeadlineExceededError(`query exceeded its timeout of ${timeoutMs} ms`)), timeoutMs);
          timer.unref?.();
          this.deadlines.set(ac.signal, Date.now() + timeoutMs);
        }
        const pid = this.processes.add(session, st.text, ac);
        const cleanup = () => { clearTimeout(timer); options.signal?.removeEventListener('abort', onAbort); this.processes.remove(pid); };
        this.statementsTotal?.inc({ kind: st.kind });
        try {
          const out = await this.runStatement(st, sql, session, options.params ?? [], ac.signal, options.timings);
          if (out.kind === 'records') {
            const inner = out.batches;
            const signal = ac.signal;
            let started = false;
            unread = () => { if (!started) this.processes.remove(pid); };
            yield {
              ...out,
              batches: (async function* () {
                started = true;
                try {
                  for await (const b of inner) {
                    if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new CancelledError();
                    yield b;
                  }
                } finally { cleanup(); }
              })(),
            };
            unread();
            unread = undefined;
          } else {
            cleanup();
            yield out;
          }
        } catch (err) {
          cleanup();
          this.statementErrors?.inc({ code: (err as { code?: string }).code ?? 'INTERNAL' });
          if (ac.signal.aborted && ac.signal.reason instanceof Error && !(err instanceof DeadlineExceededError)) throw ac.signal.reason;
          throw err;
        }
      }
    } finally {
      unread?.();
    }
  }

  private binderEnv(sql: string, session: Session, params: readonly unknown[], registry: FunctionRegistry = this.registry): BinderEnv {
    return {
      catalog: this.catalog, registry, session, params, text: sql, version: versionText(session),
      systemTable: (db, name, alias) => this.system.plan(db, name, alias, session),
      variable: (name) => this.variable(name, session),
    };
  }

  private executor(session: Session, signal: AbortSignal, metrics?: Map<Plan, OperatorMetrics>, statementTimeMs = Date.now()): Executor {
    const deadlineAtMs = this.deadlines.get(signal);
    const memoryLimitBytes = session.memoryLimitBytes > 0 ? session.memoryLimitBytes : this.limits.memoryLimitBytes;
    return new Executor({
      engine: this.engine, timezone: session.timezone, signal, memoryLimitBytes, statementTimeMs,
      ...(metrics ? { metrics } : {}), ...(deadlineAtMs !== undefined ? { deadlineAtMs } : {}),
    });
  }

  private variable(name: string, session: Session): unknown {
    const n = name.replace(/^(session|global|local)\./, '');
    const set = session.variables.get(n);
    if (set !== undefined) return set;
    switch (n) {
      case 'version_comment': return 'Strata (GreptimeDB compatible)';
      case 'version': return `${MYSQL_VERSION}-strata-${KERNEL_VERSION}`;
      case 'time_zone': return session.timezone;
      // The server's zone, not the session's: SET time_zone leaves it alone (GreptimeDB: system/timezone.result).
      case 'system_time_zone': return 'UTC';
      case 'autocommit': return 1n;
      case 'max_allowed_packet': return 134217728n;
      case 'sql_mode': return 'ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION';
      case 'character_set_client': case 'character_set_connection': case 'character_set_results': case 'character_set_server': case 'character_set_database': return 'utf8mb4';
      case 'collation_connection': case 'collation_server': case 'collation_database': return 'utf8mb4_0900_ai_ci';
      case 'transaction_isolation': case 'tx_isolation': return 'REPEATABLE-READ';
      case 'transaction_read_only': case 'tx_read_only': return 0n;
      case 'lower_case_table_names': return 0n;
      case 'interactive_timeout': case 'wait_timeout': return 28800n;
      case 'net_write_timeout': return 60n;
      case 'net_buffer_length': return 16384n;
      case 'license': return 'Apache-2.0';
      case 'init_connect': return '';
      case 'performance_schema': return 0n;
      case 'query_cache_size': case 'query_cache_type': return 0n;
      case 'have_ssl': return 'DISABLED';
      case 'protocol_version': return 10n;
      case 'hostname': return 'strata';
      case 'port': return 4002n;
      case 'max_execution_time': return 0n;
      default: return null;
    }
  }

  /**
   * The registry to bind `node` against: the server's, plus what its
   * resolvers give for the names `node` calls that the registry lacks (stored
   * scripts, for instance). Resolved per statement, never cached, so a
   * resolver's changes apply to the next statement. Without resolvers this
   * is the registry itself, at no cost.
   */
  private async statementFunctions(node: object, session: Session): Promise<FunctionRegistry> {
    const reg = this.registry;
    if (!reg.resolve || (reg as { hasResolvers?: boolean }).hasResolvers === false) return reg;
    const names = functionNamesOf(node);
    // The bodies of the views it reads (and of the views they read) call functions too.
    for (const q of this.viewBodies(node, session.database)) for (const n of functionNamesOf(q)) names.add(n);
    const missing = [...names].filter((n) => reg.lookup(n) === undefined);
    if (missing.length === 0) return reg;
    return statementRegistry(reg, await reg.resolve(missing, session));
  }

  /** The queries of the views `node` names, and of the views those name, each once. */
  private viewBodies(node: object, database: string): ast.Query[] {
    const getView = this.catalog.getView?.bind(this.catalog);
    if (!getView) return [];
    const out: ast.Query[] = [];
    const seen = new Set<string>();
    const visit = (x: unknown, db: string): void => {
      if (typeof x !== 'object' || x === null) return;
      if (Array.isArray(x)) { for (const v of x) visit(v, db); return; }
      const rec = x as Record<string, unknown>;
      if (rec.kind === 'NamedTable') {
        const ref = rec as unknown as ast.NamedTableRef;
        const vdb = ref.name.database ?? db;
        const key = `${vdb}.${ref.name.name}`;
        const view = seen.has(key) ? undefined : getView(vdb, ref.name.name);
        if (view) {
          seen.add(key);
          try { const q = viewQuery(view); out.push(q); visit(q, view.database); } catch { /* binding reports it */ }
        }
      }
      for (const k in rec) if (k !== 'span') visit(rec[k], db);
    };
    visit(node, database);
    return out;
  }

  private async plan(q: ast.Query, sql: string, session: Session, params: readonly unknown[], signal: AbortSignal, cache = false): Promise<{ plan: Plan; fields: Field[]; executor: Executor; evalCtx: EvalContext; metrics?: Map<Plan, OperatorMetrics> }> {
    // One instant per statement: now(), current_date and current_time folded here and evaluated later agree.
    const statementTimeMs = Date.now();
    const executor = this.executor(session, signal, undefined, statementTimeMs);
    const evalCtx: EvalContext = { timezone: session.timezone, signal, statementTimeMs, runPlan: (p) => executor.collect(p), exactTagPredicates: this.engine.exactTagPredicates === true };
    // Plans of repeated statements are reused (see PlanCache for what makes one cacheable); with
    // function resolvers (stored scripts) the functions are resolved per statement, so no caching.
    const reg = this.registry;
    // TQL CTE bodies run first: their columns (the series labels) depend on the data.
    // (A cheap test first: most statements have no TQL, and this is the per-statement path.)
    const tqlCtes = /\btql\b/i.test(sql) ? await this.runTqlCtes(q, sql, session, signal) : undefined;
    const useCache = !tqlCtes?.size && cache && params.length === 0 && (!reg.resolve || (reg as { hasResolvers?: boolean }).hasResolvers === false);
    const key = useCache ? `${session.database}\u0000${session.timezone}` : '';
    if (useCache) {
      const hit = this.plans.get(q, key, this.catalog, reg);
      if (hit) { this.planCacheHits?.inc(); return { plan: hit.plan, fields: hit.fields, executor, evalCtx }; }
    }
    const env = this.binderEnv(sql, session, params, await this.statementFunctions(q, session));
    const binder = new Binder(tqlCtes?.size ? { ...env, tqlCte: (c) => tqlCtes.get(c) } : env);
    const bound = binder.bindQuery(q);
    const deps = useCache ? this.plans.inspect(q, bound.plan, reg, binder.views) : undefined;
    const plan = await optimize(bound.plan, evalCtx);
    await this.prunePartitions(plan);
    if (deps) this.plans.put(q, key, deps, plan, bound.fields);
    return { plan, fields: bound.fields, executor, evalCtx };
  }

  /**
   * Region pruning for partitioned tables: when the scan predicates pin every
   * partition column to a few values (= or IN), only the regions those values
   * route to are read.
   */
  private async prunePartitions(p: Plan): Promise<void> {
    const visit = async (x: Plan): Promise<void> => {
      if (x.k === 'scan') {
        const t = x.table;
        if (!t.partition || t.regionIds.length < 2) return;
        const choices: unknown[][] = [];
        for (const c of t.partition.columns) {
          const eq = x.predicates.filter((q) => q.column === c && (q.op === '=' || q.op === 'in'));
          if (eq.length === 0) return;
          const q = eq[0]!;
          choices.push('values' in q ? [...q.values] : ['value' in q ? q.value : null]);
        }
        let combos: unknown[][] = [[]];
        for (const vals of choices) combos = combos.flatMap((cmb) => vals.map((v) => [...cmb, v]));
        if (combos.length > 256) return;
        const cols = t.partition.columns.map((c, i) => {
          const type = t.schema.columns.find((col) => col.name === c)!.type;
          return columnFromValues(type, combos.map((cmb) => cmb[i] ?? null));
        });
        const assign = await this.routeRows(t, t.partition.columns, { columns: cols, numRows: combos.length }, false);
        const keep = new Set<number>();
        for (const a of assign) if (a >= 0) keep.add(a);
        x.table = { ...t, regionIds: t.regionIds.filter((_, i) => keep.has(i)) };
        return;
      }
      for (const child of childrenOfPlan(x)) await visit(child);
    };
    await visit(p);
  }

  private async runQuery(q: ast.Query, sql: string, session: Session, params: readonly unknown[], signal: AbortSignal, timings?: QueryTimings): Promise<QueryOutput> {
    const t0 = timings ? performance.now() : 0;
    const { plan, fields, executor } = await this.plan(q, sql, session, params, signal, true);
    if (timings) timings.planMs += performance.now() - t0;
    return batchesOutput(fields.map((f) => ({ name: f.name, type: f.type })), executor.run(plan));
  }

  // ---------------------------------------------------------------- statements

  private async runStatement(st: ast.Statement, sql: string, session: Session, params: readonly unknown[], signal: AbortSignal, timings?: QueryTimings): Promise<QueryOutput> {
    refuseReadOnlySchemaWrite(st, session.database);
    switch (st.kind) {
      case 'QueryStatement': return this.runQuery(st.query, sql, session, params, signal, timings);
      case 'Insert': return affected(await this.insertStatement(st, sql, session, params, signal));
      case 'Delete': return affected(await this.deleteStatement(st, sql, session, params, signal));
      case 'CreateDatabase': {
        const options = Object.fromEntries(st.options.map((o) => [o.key, o.value]));
        checkDatabaseOptions(options);
        await (this.catalog.createDatabase as (n: string, o: unknown) => Promise<boolean>)(st.name, { ifNotExists: st.ifNotExists, options });
        return affected(1);
      }
      case 'AlterDatabase': {
        if (!this.catalog.databaseExists(st.name)) throw new DatabaseNotFoundError(st.name);
        if (!this.catalog.alterDatabase) throw new UnsupportedError('ALTER DATABASE is not supported by this catalog');
        const set = Object.fromEntries(st.set.map((o) => [o.key, o.value]));
        checkDatabaseOptions(set);
        for (const k of st.unset) checkDatabaseOptions({ [k]: '' }, true);
        await this.catalog.alterDatabase(st.name, { set, unset: st.unset });
        return affected(0);
      }
      case 'DropDatabase': await this.catalog.dropDatabase(st.name, { ifExists: st.ifExists }); return affected(0);
      case 'Use': {
        if (st.database !== 'information_schema' && !this.catalog.databaseExists(st.database)) throw new DatabaseNotFoundError(st.database);
        session.database = st.database;
        return affected(0);
      }
      case 'CreateTable': await this.createTable(st, sql, session); return affected(0);
      case 'CreateTableLike': {
        const db = st.name.database ?? session.database;
        if (!this.catalog.databaseExists(db)) throw new DatabaseNotFoundError(db);
        const src = this.table(st.source, session);
        if (st.ifNotExists && this.catalog.getTable(db, st.name.name)) return affected(0);
        // Columns, keys, defaults, options, engine and partition rules; no data.
        await this.catalog.createTable(db, st.name.name, { ...src.schema, version: 0 }, {
          ifNotExists: st.ifNotExists, engine: src.engine, ...(src.partition ? { partition: src.partition } : {}), ...(src.comment !== undefined ? { comment: src.comment } : {}),
        });
        return affected(0);
      }
      case 'AlterTable': await this.alterTable(st, session); return affected(0);
      case 'DropTable': {
        for (const n of st.names) {
          const db = n.database ?? session.database;
          if (this.catalog.getView?.(db, n.name)) throw new InvalidArgumentsError(`${db}.${n.name} is a view, not a table: DROP VIEW drops it`);
          await this.catalog.dropTable(db, n.name, { ifExists: st.ifExists });
        }
        return affected(0);
      }
      case 'CreateView': await this.createView(st, session); return affected(0);
      case 'DropView': {
        for (const n of st.names) {
          const db = n.database ?? session.database;
          if (this.catalog.getTable(db, n.name)) throw new InvalidArgumentsError(`${db}.${n.name} is a table, not a view: DROP TABLE drops it`);
          if (this.catalog.dropView) await this.catalog.dropView(db, n.name, { ifExists: st.ifExists });
          else if (!st.ifExists) throw new TableNotFoundError(`${db}.${n.name}`);
        }
        return affected(0);
      }
      case 'ShowViews': {
        const db = st.database ?? session.database;
        if (db !== 'information_schema' && !this.catalog.databaseExists(db)) throw new DatabaseNotFoundError(db);
        const rows = this.viewsOf(db).map((v) => [v.name]);
        return this.filtered([{ name: 'Views', type: STR }], rows, st.filter, sql, session, params, signal);
      }
      case 'ShowCreateView': {
        const db = st.view.database ?? session.database;
        const v = this.catalog.getView?.(db, st.view.name);
        // GreptimeDB's message names the view as written.
        if (!v) throw new TableNotFoundError(st.view.database ? `${db}.${st.view.name}` : st.view.name, 'View');
        return rowsOutput([{ name: 'View', type: STR }, { name: 'Create View', type: STR }], [[v.name, v.definition]]);
      }
      case 'Truncate': {
        const t = this.table(st.table, session, 'TRUNCATE');
        for (const r of t.regionIds) await this.engine.truncate(r);
        return affected(0);
      }
      case 'ShowDatabases': {
        const dbs = ['information_schema', ...this.catalog.listDatabases()].sort();
        // FULL adds GreptimeDB's Options column (information_schema.schemata.options).
        const cols = st.full ? [{ name: 'Database', type: STR }, { name: 'Options', type: STR }] : [{ name: 'Database', type: STR }];
        const rows = dbs.map((d) => (st.full ? [d, databaseOptionsText(this.catalog, d)] : [d]));
        return this.filtered(cols, rows, st.filter, sql, session, params, signal);
      }
      case 'ShowTables': {
        const db = st.database ?? session.database;
        const names = db === 'information_schema' ? this.system.tableNames() : (this.catalog.databaseExists(db) ? this.catalog.listTables(db).map((t) => t.name) : (() => { throw new DatabaseNotFoundError(db); })());
        const added = db === 'information_schema' ? [] : this.system.providerNames(db);
        const views = new Set(this.viewsOf(db).map((v) => v.name));
        const type = (n: string) => (db === 'information_schema' || added.includes(n) ? 'LOCAL TEMPORARY' : views.has(n) ? 'VIEW' : 'BASE TABLE');
        const rows = [...names, ...added, ...views].sort().map((n) => (st.full ? [n, type(n)] : [n]));
        const cols = st.full ? [{ name: 'Tables', type: STR }, { name: 'Table_type', type: STR }] : [{ name: 'Tables', type: STR }];
        return this.filtered(cols, rows, st.filter, sql, session, params, signal);
      }
      case 'ShowTableStatus': {
        const db = st.database ?? session.database;
        const { columns, rows } = this.tableStatus(db);
        return this.filtered(columns, rows, st.filter, sql, session, params, signal);
      }
      case 'ShowCreateDatabase': {
        const db = st.database;
        if (db !== 'information_schema' && !this.catalog.databaseExists(db)) throw new DatabaseNotFoundError(db);
        const name = /^[A-Za-z_][A-Za-z0-9_]*$/.test(db) ? db : `"${db.replace(/"/g, '""')}"`;
        const opts = databaseOptionEntries(this.catalog, db).map(([k, v]) => `  ${/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? k : `'${k.replace(/'/g, "''")}'`} = '${v.replace(/'/g, "''")}'`);
        const text = `CREATE DATABASE IF NOT EXISTS ${name}${opts.length ? `\nWITH(\n${opts.join(',\n')}\n)` : ''}`;
        return rowsOutput([{ name: 'Database', type: STR }, { name: 'Create Database', type: STR }], [[db, text]]);
      }
      case 'ShowCreateTable': {
        // MySQL answers SHOW CREATE TABLE of a view with the view's columns (mysqldump relies on it).
        const v = this.catalog.getView?.(st.table.database ?? session.database, st.table.name);
        if (v) return rowsOutput([{ name: 'View', type: STR }, { name: 'Create View', type: STR }], [[v.name, v.definition]]);
        const t = this.table(st.table, session);
        return rowsOutput([{ name: 'Table', type: STR }, { name: 'Create Table', type: STR }], [[t.name, showCreateTable(t)]]);
      }
      case 'ShowColumns': {
        const names = st.full
          ? ['Field', 'Type', 'Collation', 'Null', 'Key', 'Default', 'Comment', 'Privileges', 'Extra', 'Greptime_type']
          : ['Field', 'Type', 'Null', 'Key', 'Default', 'Extra', 'Greptime_type'];
        const cols = names.map((n) => ({ name: n, type: STR }));
        const view = this.catalog.getView?.(st.table.database ?? session.database, st.table.name);
        if (view) {
          // A view's columns as its query gives them now (in its order): no keys, no defaults.
          const rows = this.viewFields(view, session).map((f) => {
            const v: Record<string, string> = {
              Field: f.name, Type: sqlTypeName(f.type), Collation: f.type.name === 'String' ? 'utf8_bin' : '', Null: 'YES', Key: '', Default: '', Comment: '',
              Privileges: 'select', Extra: '', Greptime_type: dataTypeDisplayName(f.type),
            };
            return names.map((n) => v[n]!);
          });
          return this.filtered(cols, rows, st.filter, sql, session, params, signal);
        }
        const t = this.table(st.table, session);
        const rows = [...t.schema.columns].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0)).map((c) => {
          const v: Record<string, string> = {
            Field: c.name, Type: sqlTypeName(c.type), Collation: c.type.name === 'String' ? 'utf8_bin' : '', Null: c.nullable ? 'YES' : 'NO',
            Key: keyOf(t, c), Default: defaultText(c), Comment: c.comment ?? '', Privileges: 'select,insert', Extra: '', Greptime_type: dataTypeDisplayName(c.type),
          };
          return names.map((n) => v[n]!);
        });
        return this.filtered(cols, rows, st.filter, sql, session, params, signal);
      }
      case 'ShowIndex': {
        const t = this.table(st.table, session);
        // GreptimeDB refuses SHOW INDEX ... LIKE (WHERE works, over the output columns).
        if (st.filter?.kind === 'Like') throw new UnsupportedError('SQL statement is not supported, keyword: like');
        const { columns, rows } = showIndexRows(t);
        return this.filtered(columns, rows, st.filter, sql, session, params, signal);
      }
      case 'ShowVariables': {
        if (st.name && st.variablesKeyword) {
          // GreptimeDB's SHOW VARIABLES name: one column named after the variable in upper case;
          // a variable it does not know is an error (not an empty value).
          const n = st.name.replace(/^(session|global|local)\./, '');
          const v = this.variable(n, session) ?? (n === 'timezone' || n === 'system_timezone' ? session.timezone : null);
          if (v === null) throw new UnsupportedError(`Unsupported variable: ${st.name.toUpperCase()}`);
          return rowsOutput([{ name: st.name.toUpperCase(), type: STR }], [[String(v)]]);
        }
        if (st.name && st.name !== 'all') {
          // PostgreSQL sessions: the settings the protocol reports at startup (server_version, search_path, TimeZone, ...).
          if (session.channel === 'postgres') {
            const want = st.name.replace(/ /g, '_').toLowerCase();
            const hit = [...pgSettings(session)].find(([k]) => k.toLowerCase() === want);
            if (hit) return rowsOutput([{ name: hit[0], type: STR }], [[hit[1]]]);
          }
          const v = this.variable(st.name.replace(/ /g, '_'), session) ?? (st.name === 'timezone' ? session.timezone : st.name === 'transaction isolation level' ? 'read committed' : '');
          return rowsOutput([{ name: st.name, type: STR }], [[String(v)]]);
        }
        const names = ['autocommit', 'character_set_client', 'character_set_connection', 'character_set_results', 'character_set_server', 'collation_connection', 'collation_server', 'init_connect', 'interactive_timeout', 'license', 'lower_case_table_names', 'max_allowed_packet', 'net_write_timeout', 'performance_schema', 'sql_mode', 'system_time_zone', 'time_zone', 'transaction_isolation', 'tx_isolation', 'version', 'version_comment', 'wait_timeout'];
        const rows = names.map((n) => [n, String(this.variable(n, session) ?? '')]);
        return this.filtered([{ name: 'Variable_name', type: STR }, { name: 'Value', type: STR }], rows, st.filter, sql, session, params, signal, true);
      }
      case 'ShowStatus': return this.filtered([{ name: 'Variable_name', type: STR }, { name: 'Value', type: STR }], [['Uptime', '0']], st.filter, sql, session, params, signal, true);
      case 'ShowFunctions': {
        const rows = this.registry.list().map((e) => [e.fn.name, e.fn.kind, e.origin]).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
        return this.filtered([{ name: 'Function', type: STR }, { name: 'Kind', type: STR }, { name: 'Origin', type: STR }], rows, st.filter, sql, session, params, signal);
      }
      case 'ShowEngines': {
        // MySQL's SHOW ENGINES columns over information_schema.engines.
        const rows = await this.system.rows('engines', session);
        return rowsOutput(['Engine', 'Support', 'Comment', 'Transactions', 'XA', 'Savepoints'].map((name) => ({ name, type: STR })), rows);
      }
      case 'ShowProcessList': {
        // GreptimeDB's columns: Id, Catalog, Query, Elapsed Time; FULL adds Schema, Client, Frontend and Start Time.
        const rows = await this.system.rows('process_list', session);
        // process_list: 0 id, 1 catalog, 2 schemas, 3 query, 4 client, 5 frontend, 6 start_timestamp, 7 elapsed_time.
        const cols: Array<[string, number]> = st.full
          ? [['Id', 0], ['Catalog', 1], ['Schema', 2], ['Client', 4], ['Frontend', 5], ['Start Time', 6], ['Elapsed Time', 7], ['Query', 3]]
          : [['Id', 0], ['Catalog', 1], ['Query', 3], ['Elapsed Time', 7]];
        const types = this.system.columnTypes('process_list');
        return rowsOutput(cols.map(([name, i]) => ({ name, type: types[i]! })), rows.map((r) => cols.map(([, i]) => r[i])));
      }
      case 'Kill': return affected(this.kill(st, signal));
      case 'Describe': {
        const view = this.catalog.getView?.(st.table.database ?? session.database, st.table.name);
        if (view || st.view) {
          if (!view) throw new TableNotFoundError(st.table.database ? `${st.table.database}.${st.table.name}` : st.table.name, 'View');
          const rows = this.viewFields(view, session).map((f) => [f.name, dataTypeDisplayName(f.type), '', 'YES', '', 'FIELD']);
          return rowsOutput(['Column', 'Type', 'Key', 'Null', 'Default', 'Semantic Type'].map((n) => ({ name: n, type: STR })), rows);
        }
        const sys = this.system.plan(st.table.database ?? session.database, st.table.name, st.table.name, session);
        if (sys) {
          const rows = schemaOf(sys).map((f) => [f.name, dataTypeDisplayName(f.type), '', 'YES', '', 'FIELD']);
          return rowsOutput(['Column', 'Type', 'Key', 'Null', 'Default', 'Semantic Type'].map((n) => ({ name: n, type: STR })), rows);
        }
        const t = this.table(st.table, session);
        const rows = t.schema.columns.map((c) => [c.name, dataTypeDisplayName(c.type), c.semantic === 'field' ? '' : 'PRI', c.nullable ? 'YES' : 'NO', defaultText(c), c.semantic.toUpperCase()]);
        return rowsOutput(['Column', 'Type', 'Key', 'Null', 'Default', 'Semantic Type'].map((n) => ({ name: n, type: STR })), rows);
      }
      case 'Explain': return this.explain(st, sql, session, params, signal);
      case 'Admin': return this.admin(st, sql, session);
      case 'SetVariable': {
        for (const a of st.assignments) {
          let v = this.constValue(a.value, sql, session);
          const name = a.name.replace(/^@@/, '');
          if (name === 'time_zone' || name === 'timezone') {
            const tz = String(v);
            const z = tz.toUpperCase() === 'SYSTEM' || tz.toLowerCase() === 'local' ? 'UTC' : tz;
            checkTimeZone(z);
            session.timezone = normalizeTimeZone(z);
            if (z === tz) v = session.timezone;
          }
          session.variables.set(name.startsWith('@') ? name : name.replace(/^(session|global|local)\./, ''), v === null ? '' : String(v));
        }
        return affected(0);
      }
      case 'SetNames': return affected(0);
      case 'Transaction': return affected(0);
      case 'CreateFunction': case 'DropFunction': {
        const rt = this.registry.runtime;
        if (!rt) throw new UnsupportedError(`${st.kind === 'CreateFunction' ? 'CREATE' : 'DROP'} FUNCTION is off: enable the option runtimeFunctions (and list runtimeFunctionDirectories) of the 'functions' built-in`);
        if (st.kind === 'DropFunction') { await rt.drop(st.name.name, st.ifExists); return affected(0); }
        if (st.language !== undefined && !['js', 'javascript'].includes(st.language)) throw new UnsupportedError(`CREATE FUNCTION ... LANGUAGE ${st.language}: only LANGUAGE js is supported`);
        const exportName = st.options.find((e) => e.key.toLowerCase() === 'export')?.value;
        await rt.create({
          name: st.name.name, kind: st.functionKind, source: st.source, orReplace: st.orReplace, ifNotExists: st.ifNotExists,
          ...(exportName !== undefined ? { exportName } : {}),
          ...(st.params ? { params: st.params.map((p) => toDataType(p.type)) } : {}),
          ...(st.returns ? { returns: toDataType(st.returns) } : {}),
        });
        return affected(0);
      }
      case 'Copy': return affected(await this.copy.run(st, session, signal));
      case 'Tql': {
        const service = this.promql?.();
        return runTql(st, { catalog: this.catalog, engine: this.engine, database: session.database, signal,
          evalConstant: (e) => this.constantOf(e, sql, session), ...(service ? { service } : {}) });
      }
    }
  }

  /** Runs the TQL CTE bodies of `q` (`WITH t AS (TQL EVAL ...)`, nested queries too): each one's columns and batches. */
  private async runTqlCtes(q: ast.Query, sql: string, session: Session, signal: AbortSignal): Promise<Map<ast.CommonTableExpr, { columns: ResultColumn[]; load: () => Batch[] }>> {
    const found: ast.CommonTableExpr[] = [];
    const visit = (n: unknown): void => {
      if (n === null || typeof n !== 'object') return;
      if (Array.isArray(n)) { for (const x of n) visit(x); return; }
      const o = n as { kind?: unknown; tql?: unknown };
      if (o.kind === 'CommonTableExpr' && o.tql) { found.push(n as ast.CommonTableExpr); return; }
      for (const v of Object.values(n)) visit(v);
    };
    visit(q);
    const service = this.promql?.();
    const out = new Map<ast.CommonTableExpr, { columns: ResultColumn[]; load: () => Batch[] }>();
    for (const c of found) {
      const r = await runTqlRelation(c.tql!, { catalog: this.catalog, engine: this.engine, database: session.database, signal,
        evalConstant: (e) => this.constantOf(e, c.tql!.text, session), ...(service ? { service } : {}) });
      const batches: Batch[] = r.batches.map((rb) => ({
        numRows: rb.numRows,
        columns: r.columns.map((col) => columnFromArrow(rb.getChild(col.name)!, col.type)),
      }));
      out.set(c, { columns: r.columns, load: () => batches });
    }
    return out;
  }

  /** A constant expression's value and type, evaluated as `SELECT <e>` would (TQL parameters). */
  private async constantOf(e: ast.Expr, sql: string, session: Session): Promise<{ value: unknown; type: DataType }> {
    const f = await compileExpr(new Binder(this.binderEnv(sql, session, [])).bindExpr(e, { scope: [], ctes: new Map() }), new Map(),
      { timezone: session.timezone, runPlan: async () => [] });
    const c = f({ columns: [], numRows: 1 });
    return { value: valueAt(c, 0), type: c.type };
  }

  private constValue(e: ast.Expr, sql: string, session: Session): unknown {
    if (e.kind === 'ColumnRef') return e.name;
    if (e.kind === 'RowExpr') return e.items.map((x) => String(this.constValue(x, sql, session))).join(', ');
    const b = new Binder(this.binderEnv(sql, session, [])).bindExpr(e, { scope: [], ctes: new Map() });
    if (b.k === 'lit') return typeof b.value === 'bigint' ? b.value.toString() : b.value;
    throw new PlanError('SET needs a constant value');
  }

  /**
   * Applies SHOW ... LIKE 'x' (on the first column) or WHERE expr (over the output columns).
   * LIKE is case-sensitive, as GreptimeDB's (a DataFusion LIKE on the name); SHOW VARIABLES
   * and SHOW STATUS pass `caseInsensitive`, as MySQL matches variable names.
   */
  private async filtered(cols: Array<{ name: string; type: DataType }>, rows: unknown[][], filter: ast.ShowFilter | undefined, sql: string, session: Session, params: readonly unknown[], signal: AbortSignal, caseInsensitive = false): Promise<QueryOutput> {
    if (!filter) return rowsOutput(cols, rows);
    if (filter.kind === 'Like') { const m = likeFilter(filter.pattern, caseInsensitive); return rowsOutput(cols, rows.filter((r) => m(String(r[0])))); }
    const fields = cols.map((c) => newField(c.name, c.type));
    const binder = new Binder(this.binderEnv(sql, session, params));
    const pred = binder.bindExpr(filter.expr, { scope: fields, ctes: new Map() });
    const batch: Batch = { columns: cols.map((c, i) => columnFromValues(c.type, rows.map((r) => r[i] ?? null))), numRows: rows.length };
    const executor = this.executor(session, signal);
    const f = await compileExpr(pred, new Map(fields.map((x, i) => [x.id, i])), { timezone: session.timezone, runPlan: (p) => executor.collect(p) });
    const c = f(batch);
    const idx: number[] = [];
    for (let i = 0; i < batch.numRows; i++) if ((c.data as Uint8Array)[i] && (!c.valid || c.valid[i])) idx.push(i);
    return rowsOutput(cols, idx.map((i) => rows[i]!));
  }

  /** The table `n` names; a view there is refused with `what` (the statement) in the message. */
  private table(n: ast.ObjectName, session: Session, what = 'this statement'): TableInfo {
    const db = n.database ?? session.database;
    if (!this.catalog.databaseExists(db)) throw new DatabaseNotFoundError(db);
    const t = this.catalog.getTable(db, n.name);
    if (!t) {
      if (this.catalog.getView?.(db, n.name)) throw new InvalidArgumentsError(`${db}.${n.name} is a view, not a table: ${what} works on tables only (a view holds no data of its own)`);
      throw new TableNotFoundError(`${db}.${n.name}`);
    }
    return t;
  }

  /** The views of a database (information_schema has none). */
  private viewsOf(db: string): ViewInfo[] {
    return db === 'information_schema' || !this.catalog.listViews || !this.catalog.databaseExists(db) ? [] : this.catalog.listViews(db);
  }

  /** A view's columns as its query gives them now (DESCRIBE, SHOW COLUMNS); fails as reading the view would. */
  private viewFields(view: ViewInfo, session: Session): Field[] {
    return new Binder(this.binderEnv(view.query, session, [])).bindViewQuery(view).fields;
  }

  /**
   * CREATE VIEW: the query is bound as it will be where the view is read (its
   * text parsed again, names resolved in the view's database), so a query that
   * does not plan, or a definition that reaches the view itself through other
   * views, is refused here. The catalog keeps the text, not the plan.
   */
  private async createView(st: ast.CreateViewStatement, session: Session): Promise<void> {
    if (st.orReplace && st.ifNotExists) throw new InvalidArgumentsError('Create Or Replace and If Not Exist cannot be used together');
    if (!this.catalog.createView || !this.catalog.getView) throw new UnsupportedError('CREATE VIEW is not supported by this catalog');
    const db = st.name.database ?? session.database;
    const name = st.name.name;
    if (!this.catalog.databaseExists(db)) throw new DatabaseNotFoundError(db);
    // GreptimeDB: a table of the name is an error even with IF NOT EXISTS or OR REPLACE.
    if (this.catalog.getTable(db, name)) throw new TableAlreadyExistsError(`${db}.${name}`);
    if (st.ifNotExists && this.catalog.getView(db, name)) return;
    const dialect = session.channel === 'mysql' ? 'mysql' : session.channel === 'postgres' ? 'postgres' : 'greptime';
    const query = st.text.slice(st.query.span.start - st.span.start, st.query.span.end - st.span.start);
    const candidate: ViewInfo = { id: 0, database: db, name, query, dialect, definition: st.text, createdAtMs: 0 };
    const fields = new Binder(this.binderEnv(query, session, [], await this.statementFunctions(st.query, session))).bindViewQuery(candidate, false).fields;
    if (st.columns && st.columns.length !== fields.length) throw new InvalidArgumentsError(`Expect ${fields.length} columns for view ${name}, but found ${st.columns.length}`);
    const names = st.columns ?? fields.map((f) => f.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup !== undefined) throw new InvalidArgumentsError(`view ${db}.${name} would have two columns named ${dup}: name them apart (AS, or a column list after the view's name)`);
    await this.catalog.createView(db, name, { query, dialect, definition: st.text, ...(st.columns ? { columns: st.columns } : {}), queryColumns: fields.map((f) => f.name) },
      { orReplace: st.orReplace, ifNotExists: st.ifNotExists });
  }

  // ---------------------------------------------------------------- DDL

  private async createTable(st: ast.CreateTableStatement, sql: string, session: Session): Promise<void> {
    const db = st.name.database ?? session.database;
    if (!this.catalog.databaseExists(db)) throw new DatabaseNotFoundError(db);
    if (st.ifNotExists && this.catalog.getTable(db, st.name.name)) return;
    const timeIndex = st.timeIndex ?? st.columns.find((c) => c.timeIndex)?.name;
    if (!timeIndex) throw new InvalidArgumentsError(`table ${db}.${st.name.name} needs a TIME INDEX column`);
    const pk = st.primaryKey.length ? [...st.primaryKey] : st.columns.filter((c) => c.primaryKey).map((c) => c.name);
    const tsDef = st.columns.find((c) => c.name === timeIndex);
    if (tsDef?.nullable === true) throw new InvalidArgumentsError(`time index column ${timeIndex} can't be null`);
    const binder = new Binder(this.binderEnv(sql, session, []));
    const columns: ColumnSchema[] = st.columns.map((c) => this.columnSchema(c, binder, timeIndex, pk, session));
    for (const k of [...pk, timeIndex]) if (!columns.some((c) => c.name === k)) throw new ColumnNotFoundError(k, `${db}.${st.name.name}`);
    const schema: TableSchema = { columns, timeIndex, primaryKey: pk, options: tableOptions(st.options), version: 0 };
    validateTableSchema(schema, `${db}.${st.name.name}`);
    let partition: PartitionRule | undefined;
    if (st.partition) partition = { columns: [...st.partition.columns], exprs: st.partition.rules.map((r) => sql.slice(r.span.start, r.span.end)) };
    await this.catalog.createTable(db, st.name.name, schema, { ifNotExists: st.ifNotExists, ...(partition ? { partition } : {}), ...(st.engine ? { engine: st.engine } : {}) });
  }

  private columnSchema(c: ast.ColumnDef, binder: Binder, timeIndex: string, pk: readonly string[], session: Session): ColumnSchema {
    const type = toDataType(c.type);
    const semantic = c.name === timeIndex ? 'timestamp' : pk.includes(c.name) ? 'tag' : 'field';
    const def = c.default ? this.columnDefault(c.default, type, c.name, binder, session) : undefined;
    const nullable = semantic === 'timestamp' ? false : (c.nullable ?? true);
    const indexes = columnIndexOptions(c.name, type, c.indexes);
    return { name: c.name, type, semantic, nullable, ...(def ? { default: def } : {}), ...(c.comment ? { comment: c.comment } : {}), ...(indexes ? { indexes } : {}) };
  }

  /** A column's DEFAULT: now() and its aliases, or a constant cast to the column's type. */
  private columnDefault(e: ast.Expr, type: DataType, name: string, binder: Binder, session: Session): NonNullable<ColumnSchema['default']> {
    if (e.kind === 'FunctionCall' && ['now', 'current_timestamp', 'localtimestamp'].includes(e.name)) return { fn: `${e.name}()` };
    // GreptimeDB's error for a name where a value belongs (`DEFAULT "x"` reads a column named x).
    if (e.kind === 'ColumnRef') throw new UnsupportedError(`Unsupported expr in default constraint: ${e.quoted ? `"${e.name}"` : e.name} for column: ${name}`);
    const b = binder.bindExpr(e, { scope: [], ctes: new Map() });
    if (b.k !== 'lit') throw new InvalidArgumentsError(`DEFAULT of column ${name} must be a constant or now()`);
    let col: Column;
    try {
      col = castColumn(columnFromValues(b.type.name === 'Null' ? type : b.type, [(b as { value: unknown }).value]), type, session.timezone);
    } catch (err) {
      // A DEFAULT is checked as the DDL is planned: a value that does not fit is
      // InvalidArguments (1004), as GreptimeDB reports it, not a query's 3001 cast error.
      throw new InvalidArgumentsError(`invalid DEFAULT for column ${name}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    return { value: valueAt(col, 0) };
  }

  /** SHOW TABLE STATUS: MySQL's columns, as GreptimeDB fills them (constants where it has nothing to report). */
  private tableStatus(db: string): { columns: Array<{ name: string; type: DataType }>; rows: unknown[][] } {
    const U64: DataType = { name: 'UInt64' };
    const TS_US: DataType = { name: 'TimestampMicrosecond' };
    const columns: Array<{ name: string; type: DataType }> = [
      ['Name', STR], ['Engine', STR], ['Version', U64], ['Row_format', STR], ['Rows', U64], ['Avg_row_length', U64], ['Data_length', U64],
      ['Max_data_length', U64], ['Index_length', U64], ['Data_free', U64], ['Auto_increment', U64], ['Create_time', TS_US], ['Update_time', TS_US],
      ['Check_time', TS_US], ['Collation', STR], ['Checksum', U64], ['Create_options', STR], ['Comment', STR],
    ].map(([name, type]) => ({ name: name as string, type: type as DataType }));
    // information_schema and plugins' tables have no engine, rows or creation time.
    const systemRow = (n: string): unknown[] => [n, null, 11n, 'Fixed', null, 0n, 0n, 0n, 0n, 0n, 0n, null, null, null, 'utf8_bin', 0n, '', ''];
    let rows: unknown[][];
    if (db === 'information_schema') rows = this.system.tableNames().map(systemRow);
    else {
      if (!this.catalog.databaseExists(db)) throw new DatabaseNotFoundError(db);
      rows = this.catalog.listTables(db).map((t) => {
        let n = 0; let bytes = 0;
        for (const r of t.regionIds) {
          try { const s = this.engine.stats(r); n += s.rows; bytes += s.sstBytes; } catch { /* a region not open here counts nothing */ }
        }
        // The same text as information_schema.tables.create_options.
        const opts = tableOptionEntries(t).map(([k, v]) => `${k}=${v}`);
        return [t.name, t.engine, 11n, 'Fixed', BigInt(n), 0n, BigInt(bytes), 0n, 0n, 0n, 0n, BigInt(t.createdAtMs) * 1000n, null, null, 'utf8_bin', 0n, opts.join(' '), t.comment ?? ''];
      });
      rows.push(...this.system.providerNames(db).map(systemRow));
    }
    rows.sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : String(a[0]) > String(b[0]) ? 1 : 0));
    return { columns, rows };
  }

  private async alterTable(st: ast.AlterTableStatement, session: Session): Promise<void> {
    const db = st.table.database ?? session.database;
    let t = this.table(st.table, session, 'ALTER TABLE');
    for (const a of st.actions) {
      let change: AlterTableChange;
      switch (a.kind) {
        case 'AddColumn': {
          if (a.ifNotExists && t.schema.columns.some((c) => c.name === a.column.name)) continue;
          const binder = new Binder(this.binderEnv('', session, []));
          const col = this.columnSchema(a.column, binder, '\u0000', a.column.primaryKey ? [a.column.name] : [], session);
          // FIRST / AFTER col place it in the column order (SELECT *, positional INSERT), as GreptimeDB.
          const at = a.position ? (a.position.kind === 'First' ? 'first' as const : { after: a.position.column }) : undefined;
          change = { kind: 'add-columns', columns: [col], ...(at ? { at } : {}) };
          break;
        }
        case 'DropColumn':
          if (a.ifExists && !t.schema.columns.some((c) => c.name === a.name)) continue;
          change = { kind: 'drop-columns', names: [a.name] };
          break;
        case 'ModifyColumn': change = { kind: 'modify-column', name: a.name, type: toDataType(a.type) }; break;
        case 'SetColumnDefault': {
          const c = t.schema.columns.find((x) => x.name === a.name);
          if (!c) throw new ColumnNotFoundError(a.name, `${db}.${t.name}`);
          const binder = new Binder(this.binderEnv('', session, []));
          change = { kind: 'set-default', name: a.name, default: this.columnDefault(a.default, c.type, a.name, binder, session) };
          break;
        }
        case 'DropColumnDefault': change = { kind: 'set-default', name: a.name }; break;
        case 'SetColumnIndex': case 'UnsetColumnIndex': {
          const c = t.schema.columns.find((x) => x.name === a.name);
          if (!c) throw new ColumnNotFoundError(a.name, `${db}.${t.name}`);
          const indexes = a.kind === 'SetColumnIndex' ? withIndexSet(c, a) : withIndexUnset(c, a.index);
          change = { kind: 'set-indexes', name: a.name, ...(indexes ? { indexes } : {}) };
          break;
        }
        case 'RenameTable': change = { kind: 'rename', newName: a.newName.name }; break;
        case 'SetOptions': {
          const options = Object.fromEntries(a.options.map((o) => [o.key, o.value]));
          checkTableOptions(options, t.schema.options);
          change = { kind: 'set-options', options };
          break;
        }
        case 'UnsetOptions': {
          const options = Object.fromEntries(a.keys.map((k) => [k, '']));
          checkTableOptions(options, t.schema.options, true);
          change = { kind: 'set-options', options };
          break;
        }
      }
      t = await this.catalog.alterTable(db, t.name, change);
    }
  }

  private async admin(st: ast.AdminStatement, sql: string, session: Session): Promise<QueryOutput> {
    const name = st.call.name;
    const plugin = this.adminFunctions.get(name.toLowerCase());
    if (plugin) {
      const binder = new Binder(this.binderEnv(sql, session, []));
      const args: unknown[] = [];
      for (const e of st.call.args) {
        const f = await compileExpr(binder.bindExpr(e, { scope: [], ctes: new Map() }), new Map(), { timezone: session.timezone, runPlan: async () => [] });
        args.push(valueAt(f({ columns: [], numRows: 1 }), 0));
      }
      const v = await plugin.call(args, session);
      const type: DataType = typeof v === 'string' ? STR : { name: Number(v) < 0 ? 'Int64' : 'UInt64' };
      const shown = args.map((a) => (typeof a === 'string' ? this.quote(a) : String(a))).join(', ');
      return rowsOutput([{ name: `${name}(${shown})`, type }], [[typeof v === 'string' ? v : BigInt(v)]]);
    }
    const fn = name.toLowerCase();
    if (fn === 'flush_region' || fn === 'compact_region') {
      // By GreptimeDB's region id: table id << 32 | region number (information_schema.partitions'
      // greptime_partition_id, region_statistics' region_id).
      const arg = st.call.args[0];
      if (st.call.args.length !== 1 || !arg) throw new InvalidArgumentsError(`ADMIN ${name} takes one region id`);
      const binder = new Binder(this.binderEnv(sql, session, []));
      const f = await compileExpr(binder.bindExpr(arg, { scope: [], ctes: new Map() }), new Map(), { timezone: session.timezone, runPlan: async () => [] });
      const v = valueAt(f({ columns: [], numRows: 1 }), 0);
      if (typeof v !== 'bigint' && !(typeof v === 'number' && Number.isInteger(v))) throw new InvalidArgumentsError(`ADMIN ${name} needs a region id (an integer), got ${v === null ? 'NULL' : String(v)}`);
      const id = BigInt(v);
      const tableId = Number(id >> 32n); const number = Number(id & 0xffffffffn);
      const region = this.catalog.listDatabases().flatMap((d) => this.catalog.listTables(d)).find((t) => t.id === tableId)?.regionIds[number];
      if (id < 0n || region === undefined) throw new RegionNotFoundError(String(id));
      if (fn === 'flush_region') await this.engine.flush(region); else await this.engine.compact(region);
      return rowsOutput([{ name: `${name}(${id})`, type: { name: 'UInt64' } }], [[0n]]);
    }
    if (fn !== 'flush_table' && fn !== 'compact_table') throw new UnsupportedError(`unknown ADMIN function ${name} (${['flush_table', 'compact_table', 'flush_region', 'compact_region', ...this.adminFunctions.keys()].join(', ')})`);
    const arg = st.call.args[0];
    if (!arg || arg.kind !== 'StringLiteral') throw new InvalidArgumentsError(`ADMIN ${name} needs a table name string`);
    const parts = arg.value.split('.');
    const t = this.table({ kind: 'ObjectName', name: parts[parts.length - 1]!, ...(parts.length > 1 ? { database: parts[parts.length - 2]! } : {}), span: st.span }, session);
    switch (fn) {
      case 'flush_table': for (const r of t.regionIds) await this.engine.flush(r); break;
      case 'compact_table': for (const r of t.regionIds) await this.engine.compact(r); break;
      default: throw new UnsupportedError(`unknown ADMIN function ${name} (flush_table, compact_table, flush_region, compact_region)`);
    }
    return rowsOutput([{ name: `${name}(${this.quote(arg.value)})`, type: { name: 'UInt64' } }], [[0n]]);
  }

  /**
   * KILL: stops running statements through their AbortSignal; answers 1 when
   * one was stopped, 0 when none ran under that id (as GreptimeDB does).
   */
  private kill(st: ast.KillStatement, self: AbortSignal): number {
    switch (st.target) {
      case 'connection':
        throw new UnsupportedError(`KILL CONNECTION is not supported: the server does not close a client's connection from SQL; KILL QUERY ${st.id} stops the statement it runs`);
      case 'query':
        if (!/^\d+$/.test(st.id)) throw new InvalidArgumentsError(`KILL QUERY needs a connection id (an integer), got ${st.id}`);
        return this.processes.killConnectionQuery(Number(st.id), self) > 0 ? 1 : 0;
      case 'process':
        if (!/^(?:[^/]+\/)?\d+$/.test(st.id)) throw new InvalidArgumentsError(`Invalid process id: ${st.id} (expected an id as SHOW PROCESSLIST shows it, such as '${this.processes.frontend}/12')`);
        return this.processes.kill(st.id, self) ? 1 : 0;
    }
  }

  private quote(s: string): string { return `'${s.replace(/'/g, "''")}'`; }

  // ---------------------------------------------------------------- EXPLAIN

  private async explain(st: ast.ExplainStatement, sql: string, session: Session, params: readonly unknown[], signal: AbortSignal): Promise<QueryOutput> {
    if (st.statement.kind !== 'QueryStatement') throw new UnsupportedError('EXPLAIN supports queries only');
    const { plan, executor } = await this.plan(st.statement.query, sql, session, params, signal);
    if (!st.analyze) {
      const logical = explainLines(plan).join('\n');
      const physical = physicalLines(plan).join('\n');
      return rowsOutput([{ name: 'plan_type', type: STR }, { name: 'plan', type: STR }], [['logical_plan', logical], ['physical_plan', physical]]);
    }
    const metrics = new Map<Plan, OperatorMetrics>();
    const analyzed = this.executor(session, signal, metrics);
    void executor;
    const t0 = performance.now();
    let rows = 0;
    for await (const b of analyzed.run(plan)) rows += b.numRows;
    const total = performance.now() - t0;
    const lines = physicalLines(plan, 0, (p) => {
      const m = metrics.get(p);
      if (!m) return '';
      const scan = m.scan ? `, rows_scanned=${m.scan.rowsScanned}, files=${m.scan.filesTotal}, files_pruned=${m.scan.filesPruned}, row_groups_pruned=${m.scan.rowGroupsPruned}/${m.scan.rowGroupsTotal}` : '';
      return ` metrics=[output_rows=${m.rows}, output_batches=${m.batches}, elapsed=${m.elapsedMs.toFixed(3)}ms${scan}]`;
    });
    return rowsOutput([{ name: 'stage', type: I64 }, { name: 'node', type: I64 }, { name: 'plan', type: STR }],
      [[0n, 0n, `${lines.join('\n')}\n\nTotal rows: ${rows}, elapsed: ${total.toFixed(3)}ms`]]);
  }

  // ---------------------------------------------------------------- INSERT / DELETE

  private async insertStatement(st: ast.InsertStatement, sql: string, session: Session, params: readonly unknown[], signal: AbortSignal): Promise<number> {
    const t = this.table(st.table, session, 'INSERT');
    const names = st.columns ? st.columns.map((c) => c.value) : t.schema.columns.map((c) => c.name);
    const cols = names.map((n) => {
      const c = t.schema.columns.find((x) => x.name === n) ?? t.schema.columns.find((x) => x.name.toLowerCase() === n.toLowerCase());
      if (!c) throw new ColumnNotFoundError(n, `${t.database}.${t.name}`);
      return c;
    });
    let batch: Batch;
    if (st.source.kind === 'Values') {
      const binder = new Binder(this.binderEnv(sql, session, params, await this.statementFunctions(st.source.rows, session)));
      const statementTimeMs = Date.now();
      const executor = this.executor(session, signal, undefined, statementTimeMs);
      const evalCtx: EvalContext = { timezone: session.timezone, signal, statementTimeMs, runPlan: (p) => executor.collect(p), exactTagPredicates: this.engine.exactTagPredicates === true };
      const data: unknown[][] = cols.map(() => []);
      const dummy: Batch = { columns: [], numRows: 1 };
      const rows = st.source.rows;
      for (const row of rows) if (row.length !== cols.length) throw new InvalidArgumentsError(`INSERT has ${cols.length} columns but a row has ${row.length} values`);
      // As GreptimeDB: when every item is a plain literal, each is converted for its column by
      // the literal rules (insert-literals.ts); otherwise every item is CAST to its column's type.
      const literalRows = rows.every((row) => row.every((e) => isPlainInsertLiteral(e, sql)));
      const parseQuotedNumbers = session.channel === 'mysql';
      for (let r = 0; r < rows.length; r++) {
        const row = rows[r]!;
        for (let i = 0; i < row.length; i++) {
          const e = row[i]!;
          if (e.kind === 'DefaultValue') { data[i]!.push(DEFAULT_MARK); continue; }
          if (literalRows && e.kind !== 'Placeholder') {
            data[i]!.push(convertInsertLiteral(e, sql, { column: cols[i]!, row: r + 1, timezone: session.timezone, parseQuotedNumbers }));
            continue;
          }
          let v: unknown; let ty: DataType;
          if (e.kind === 'NumberLiteral') { v = e.isInteger ? BigInt(e.value) : Number(e.value); ty = e.isInteger ? I64 : { name: 'Float64' }; } else if (e.kind === 'StringLiteral') { v = e.value; ty = STR; } else if (e.kind === 'NullLiteral') { v = null; ty = { name: 'Null' }; } else {
            // Placeholders too: a bound parameter is CAST (drivers send typed or text values).
            const b = binder.bindExpr(e, { scope: [], ctes: new Map() });
            const preparers: Array<(b: Batch) => Promise<void>> = [];
            const f = await compileExpr(b, new Map(), { ...evalCtx, preparers });
            for (const prep of preparers) await prep(dummy);
            v = valueAt(f(dummy), 0); ty = b.type;
          }
          data[i]!.push(v === null ? null : castOne(v, ty, cols[i]!, session.timezone, cols[i]!.name, r + 1));
        }
      }
      const n = st.source.rows.length;
      batch = { columns: cols.map((c, i) => fillDefaults(c, data[i]!, t.name, statementTimeMs)), numRows: n };
    } else {
      const { plan, fields, executor } = await this.plan(st.source, sql, session, params, signal);
      if (fields.length !== cols.length) throw new InvalidArgumentsError(`INSERT has ${cols.length} columns but the SELECT returns ${fields.length}`);
      fields.forEach((f, i) => checkInsertSelectType(f.type, cols[i]!));
      const batches = await executor.collect(plan);
      const all = batches.length ? concatBatches(fields.map((f) => f.type), batches) : emptyBatch(fields.map((f) => f.type));
      batch = { columns: all.columns.map((c, i) => castColumnChecked(c, cols[i]!, session.timezone)), numRows: all.numRows };
    }
    // Required columns.
    for (const c of t.schema.columns) {
      const i = cols.indexOf(c);
      if (i < 0) {
        if (!c.nullable && c.default === undefined) throw new InvalidArgumentsError(`column ${c.name} of ${t.name} is NOT NULL and has no default; give it a value`);
        continue;
      }
      const col = batch.columns[i]!;
      if (!c.nullable && col.valid && col.valid.some((x) => x === 0)) throw new InvalidArgumentsError(`column ${c.name} of ${t.name} is NOT NULL`);
    }
    return this.writeRows(t, cols.map((c) => c.name), batch, session);
  }

  /** Writes a batch to a table's regions (routing rows by partition rule). */
  private async writeRows(t: TableInfo, names: readonly string[], batch: Batch, session: Session): Promise<number> {
    if (batch.numRows === 0) return 0;
    if (t.regionIds.length === 1 || !t.partition) {
      const rb = batchToArrow(batch, names);
      const written = await this.engine.write(t.regionIds[0]!, rb);
      this.published(t, rb, session);
      return written;
    }
    const assign = await this.routeRows(t, names, batch);
    let n = 0;
    for (let r = 0; r < t.regionIds.length; r++) {
      const idx: number[] = [];
      for (let i = 0; i < batch.numRows; i++) if (assign[i] === r) idx.push(i);
      if (idx.length) n += await this.engine.write(t.regionIds[r]!, batchToArrow(takeBatch(batch, idx), names));
    }
    if (this.writes?.active) this.published(t, batchToArrow(batch, names), session);
    return n;
  }

  private async routeRows(t: TableInfo, names: readonly string[], batch: Batch, strict = true): Promise<Int32Array> {
    const fields = names.map((n) => newField(n, t.schema.columns.find((c) => c.name === n)!.type));
    const session = { id: 'route', channel: 'internal', database: t.database, timezone: 'UTC', variables: new Map(), memoryLimitBytes: 0 } as Session;
    const assign = new Int32Array(batch.numRows).fill(-1);
    const exprs = t.partition!.exprs;
    for (let r = 0; r < exprs.length; r++) {
      const text = `SELECT ${exprs[r]}`;
      const stmt = parseSql(text)[0] as ast.QueryStatement;
      const item = (stmt.query.body as ast.Select).items[0] as ast.SelectExprItem;
      const binder = new Binder(this.binderEnv(text, session, []));
      let pred;
      try { pred = binder.bindExpr(item.expr, { scope: fields, ctes: new Map() }); } catch (err) {
        if (err instanceof ColumnNotFoundError) throw new InvalidArgumentsError(`insert into partitioned table ${t.name} must include partition column(s) ${t.partition!.columns.join(', ')}`);
        throw err;
      }
      const f = await compileExpr(pred, new Map(fields.map((x, i) => [x.id, i])), { timezone: 'UTC', runPlan: async () => [] });
      const c = f(batch);
      for (let i = 0; i < batch.numRows; i++) if (assign[i] === -1 && (c.data as Uint8Array)[i] && (!c.valid || c.valid[i])) assign[i] = r;
    }
    if (strict) for (let i = 0; i < batch.numRows; i++) if (assign[i] === -1) throw new InvalidArgumentsError(`row ${i + 1} matches no partition of ${t.name}`);
    return assign;
  }

  private async deleteStatement(st: ast.DeleteStatement, sql: string, session: Session, params: readonly unknown[], signal: AbortSignal): Promise<number> {
    const t = this.table(st.table, session, 'DELETE');
    if (t.schema.options.appendMode) throw new InvalidArgumentsError(`DELETE is not allowed under append mode (table ${t.database}.${t.name} has append_mode = 'true')`);
    const keyCols = [...t.schema.primaryKey, t.schema.timeIndex];
    const span = st.span;
    const q: ast.Query = {
      kind: 'Query', span, orderBy: [],
      body: {
        kind: 'Select', span, distinct: false, groupBy: [], windows: [],
        items: keyCols.map((n) => ({ kind: 'SelectExprItem' as const, span, expr: { kind: 'ColumnRef' as const, name: n, quoted: true, span } })),
        from: [{ kind: 'NamedTable', span, name: { kind: 'ObjectName', name: t.name, database: t.database, span } }],
        ...(st.where ? { where: st.where } : {}),
      },
    };
    let n = 0;
    // Delete per region so keys go to the region that holds them.
    for (const r of t.regionIds) {
      const { plan, executor } = await this.plan(q, sql, session, params, signal);
      const restricted = restrictToRegion(plan, r);
      const batches = await executor.collect(restricted);
      for (const b of batches) if (b.numRows) n += await this.engine.delete(r, batchToArrow(b, keyCols));
    }
    return n;
  }

  // ---------------------------------------------------------------- ingest

  async insert(requests: readonly InsertRequest[], session: Session): Promise<number> {
    let total = 0;
    for (const req of requests) total += await this.insertOne(req, session);
    this.insertRows?.inc(total);
    return total;
  }

  private async withSchemaLock<T>(key: string, f: () => Promise<T>): Promise<T> {
    const prev = this.schemaLocks.get(key) ?? Promise.resolve();
    const p = prev.then(f, f);
    const tail = p.catch(() => undefined);
    this.schemaLocks.set(key, tail);
    try { return await p; } finally { if (this.schemaLocks.get(key) === tail) this.schemaLocks.delete(key); }
  }

  private async insertOne(req: InsertRequest, session: Session): Promise<number> {
    const db = req.database || session.database;
    if (!this.catalog.databaseExists(db)) throw new DatabaseNotFoundError(db);
    for (const c of req.columns) {
      if (c.vector.length !== req.rowCount) throw new InvalidArgumentsError(`insert into ${req.table}: column ${c.name} has ${c.vector.length} values, expected ${req.rowCount}`);
    }
    const names = new Set<string>();
    for (const c of req.columns) {
      if (names.has(c.name)) throw new InvalidArgumentsError(`insert into ${req.table}: duplicate column ${c.name}`);
      names.add(c.name);
    }
    const t = await this.withSchemaLock(`${db}.${req.table}`, async () => {
      let info = this.catalog.getTable(db, req.table);
      if (!info) {
        if (!req.autoCreate) throw new TableNotFoundError(`${db}.${req.table}`);
        const ts = req.columns.filter((c) => c.semantic === 'timestamp');
        if (ts.length !== 1) throw new InvalidArgumentsError(`cannot create table ${req.table}: exactly one timestamp column is needed, got ${ts.length}`);
        const columns: ColumnSchema[] = req.columns.map((c) => ({
          name: c.name, type: c.semantic === 'tag' ? STR : fromArrowType(c.vector.type), semantic: c.semantic, nullable: c.semantic !== 'timestamp',
        }));
        for (const c of columns) if (c.semantic === 'timestamp' && !isTimestamp(c.type)) throw new InvalidArgumentsError(`column ${c.name} is the time index but is ${c.type.name}`);
        // Tags first, then the time index, then fields (GreptimeDB's layout for auto-created tables).
        const order = (s: string) => (s === 'tag' ? 0 : s === 'timestamp' ? 1 : 2);
        columns.sort((a, b) => order(a.semantic) - order(b.semantic));
        const schema: TableSchema = { columns, timeIndex: ts[0]!.name, primaryKey: columns.filter((c) => c.semantic === 'tag').map((c) => c.name), options: tableOptions(Object.entries(req.tableOptions ?? {}).map(([key, value]) => ({ key, value }))), version: 0 };
        info = await this.catalog.createTable(db, req.table, schema, { ifNotExists: true });
        return info;
      }
      const missing = req.columns.filter((c) => !info!.schema.columns.some((x) => x.name === c.name));
      if (missing.length) {
        if (!req.autoCreate) throw new ColumnNotFoundError(missing[0]!.name, `${db}.${req.table}`);
        for (const c of missing) if (c.semantic === 'timestamp') throw new InvalidArgumentsError(`table ${req.table} already has time index ${info.schema.timeIndex}; got timestamp column ${c.name}`);
        // Validate the other columns before changing the schema (all-or-nothing).
        for (const c of req.columns) {
          const existing = info.schema.columns.find((x) => x.name === c.name);
          if (existing) checkIngestType(existing, c.vector.type, req.table);
        }
        try {
          info = await this.catalog.alterTable(db, req.table, {
            kind: 'add-columns',
            columns: missing.map((c) => ({ name: c.name, type: c.semantic === 'tag' ? STR : fromArrowType(c.vector.type), semantic: c.semantic, nullable: true })),
          });
        } catch (err) {
          if (!(err instanceof ColumnAlreadyExistsError)) throw err;
          info = this.catalog.getTable(db, req.table)!;
        }
      }
      return info;
    });
    const targets = req.columns.map((c) => t.schema.columns.find((x) => x.name === c.name)!);
    for (let i = 0; i < req.columns.length; i++) checkIngestType(targets[i]!, req.columns[i]!.vector.type, req.table);
    // Fast path: vectors already in the table's Arrow types (what the ingest protocols build)
    // go to the engine as they are. Converting them to executor columns and back decoded and
    // re-encoded every string and was over half of the ingest CPU time.
    if ((t.regionIds.length === 1 || !t.partition)
      && req.columns.every((c, i) => c.vector.data.length === 1 && c.vector.data[0]!.offset === 0
        && String(c.vector.type) === String(toArrowType(targets[i]!.type)))) {
      const ts = req.columns.find((c) => c.name === t.schema.timeIndex);
      if (!ts) throw new InvalidArgumentsError(`insert into ${req.table}: the time index ${t.schema.timeIndex} is missing`);
      if (ts.vector.nullCount > 0) throw new InvalidArgumentsError(`insert into ${req.table}: the time index ${t.schema.timeIndex} has NULLs`);
      const fields = req.columns.map((c) => new arrow.Field(c.name, c.vector.type, true));
      const data = arrow.makeData({ type: new arrow.Struct(fields), length: req.rowCount, nullCount: 0, children: req.columns.map((c) => c.vector.data[0]!) });
      const rb = new arrow.RecordBatch(new arrow.Schema(fields), data);
      const written = await this.engine.write(t.regionIds[0]!, rb);
      this.published(t, rb, session);
      return written;
    }
    const cols: Column[] = [];
    const outNames: string[] = [];
    for (const c of req.columns) {
      const target = t.schema.columns.find((x) => x.name === c.name)!;
      const src = columnFromArrow(c.vector);
      cols.push(src.type.name === target.type.name ? src : castColumn(src, target.type, session.timezone));
      outNames.push(c.name);
    }
    const tsCol = cols[outNames.indexOf(t.schema.timeIndex)];
    if (!tsCol) throw new InvalidArgumentsError(`insert into ${req.table}: the time index ${t.schema.timeIndex} is missing`);
    if (tsCol.valid && tsCol.valid.some((v) => v === 0)) throw new InvalidArgumentsError(`insert into ${req.table}: the time index ${t.schema.timeIndex} has NULLs`);
    return this.writeRows(t, outNames, { columns: cols, numRows: req.rowCount }, session);
  }
}

const DEFAULT_MARK = Symbol('default');

/** A VALUES column with DEFAULT items filled from the column's default (NULL without one; an error for a NOT NULL column without one). */
function fillDefaults(c: ColumnSchema, vals: unknown[], table: string, statementTimeMs: number): Column {
  // A now() default is the statement's one instant, in the column's unit.
  const fnValue = c.default?.fn && isTimestamp(c.type) ? BigInt(statementTimeMs) * timestampUnitsPerSecond(c.type.name) / 1000n : null;
  const out = vals.map((v) => {
    if (v !== DEFAULT_MARK) return v;
    if (c.default === undefined && !c.nullable) throw new InvalidArgumentsError(`column ${c.name} of ${table} is NOT NULL and has no default: DEFAULT cannot fill it`);
    if (c.default?.fn) return fnValue;
    return c.default?.value ?? null;
  });
  return columnFromValues(c.type, out);
}

/** An INSERT value that is not a plain literal: CAST to the column's type, as DataFusion's VALUES with the table schema does. */
function castOne(v: unknown, from: DataType, col: ColumnSchema, tz: string, name: string, row: number): unknown {
  try {
    return castValue(v, from, col.type, tz);
  } catch (err) {
    throw new InvalidArgumentsError(`column ${name} (row ${row}): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/**
 * INSERT ... SELECT casts each SELECT column to its target column the way DataFusion plans
 * it (`Expr::cast_to`, Arrow's `can_cast_types` in the version GreptimeDB uses): a timestamp
 * column takes timestamps, dates, strings and integers (epoch values in its unit), but not
 * floats, decimals or booleans, which fail at planning as in GreptimeDB
 * (tests/cases/standalone/common/insert/insert_select.result).
 */
function checkInsertSelectType(src: DataType, col: ColumnSchema): void {
  if (!isTimestamp(col.type)) return;
  if (isFloat(src) || src.name === 'Decimal128' || src.name === 'Boolean') {
    throw new PlanError(`Error during planning: Cannot automatically convert ${arrowTypeName(src)} to ${arrowTypeName(col.type)}`);
  }
}

/** DataFusion's Debug text of a type, as its planning errors show it: `Timestamp(Millisecond, None)`, `Float64`. */
function castColumnChecked(c: Column, col: ColumnSchema, tz: string): Column {
  try { return castColumn(c, col.type, tz); } catch (err) {
    throw new InvalidArgumentsError(`column ${col.name}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/** An ingest value type must match the column, except integers widening into floats. */
function checkIngestType(col: ColumnSchema, t: arrow.DataType, table: string): void {
  const src = fromArrowType(t);
  if (src.name === col.type.name) return;
  if (isFloat(col.type) && (isInteger(src) || isFloat(src))) return;
  if (isInteger(col.type) && isInteger(src)) return;
  if (isTimestamp(col.type) && isTimestamp(src)) return;
  if (src.name === 'Null') return;
  throw new InvalidArgumentsError(`column ${col.name} of ${table} is ${col.type.name}, cannot write ${src.name} into it`);
}

/** Table option keys GreptimeDB accepts (and prefixes of its engine options). */
const TABLE_OPTION_KEYS = new Set(['ttl', 'storage', 'write_buffer_size', 'append_mode', 'merge_mode', 'skip_wal', 'sst_format', 'comment']);
const TABLE_OPTION_PREFIXES = ['compaction.', 'memtable.', 'index.'];

/**
 * Checks table options (CREATE TABLE ... WITH, ALTER TABLE ... SET, ingest
 * hints) the way GreptimeDB does, so a typo or an unsupported mode is an
 * error instead of an option silently kept and ignored. `unset`: an empty
 * value removes the option (ALTER TABLE ... UNSET).
 */
export function checkTableOptions(options: Readonly<Record<string, string>>, current: TableSchema['options'] | undefined, unset = false): void {
  const bool = (k: string, v: string) => { if (!/^(true|false)$/i.test(v)) throw new InvalidArgumentsError(`invalid value '${v}' for table option ${k} (expected 'true' or 'false')`); };
  for (const [k, v] of Object.entries(options)) {
    if (!TABLE_OPTION_KEYS.has(k) && !TABLE_OPTION_PREFIXES.some((p) => k.startsWith(p))) throw new InvalidArgumentsError(`Invalid table option key: ${k}`);
    if (unset && v === '') continue;
    switch (k) {
      case 'ttl': {
        const t = v.trim().toLowerCase();
        if (t === 'instant') throw new UnsupportedError("ttl 'instant' (dropping every write) is not supported; use a duration such as '7d', or 'forever'");
        let ok = t === 'forever' || /^0+[a-z]*$/.test(t);
        if (!ok) { try { ok = parseDurationMs(t) !== undefined; } catch { ok = false; } }
        if (!ok) throw new InvalidArgumentsError(`invalid ttl '${v}' (expected a duration such as '7d' or '1h 30m', or 'forever')`);
        break;
      }
      case 'append_mode': case 'skip_wal': bool(k, v); break;
      case 'merge_mode': {
        const m = v.toLowerCase();
        if (m === 'last_non_null') throw new UnsupportedError("merge_mode 'last_non_null' is not supported: rows with the same key and time keep the last row ('last_row')");
        if (m !== 'last_row') throw new InvalidArgumentsError(`invalid merge_mode '${v}' (expected 'last_row' or 'last_non_null')`);
        break;
      }
    }
  }
  const append = options.append_mode !== undefined && options.append_mode !== '' ? options.append_mode.toLowerCase() === 'true' : current?.appendMode === true;
  const merge = options.merge_mode !== undefined && options.merge_mode !== '' ? options.merge_mode : current?.extra?.merge_mode;
  if (append && merge) throw new InvalidArgumentsError('merge_mode cannot be used with append_mode = true');
}

/** Database options GreptimeDB takes: ttl and compaction.* (inherited), memtable.*, append_mode, merge_mode, skip_wal, sst_format (templates). */
const DATABASE_OPTION_KEYS = new Set(['ttl', 'append_mode', 'merge_mode', 'skip_wal', 'sst_format']);

export function checkDatabaseOptions(options: Readonly<Record<string, string>>, unset = false): void {
  for (const k of Object.keys(options)) {
    if (!DATABASE_OPTION_KEYS.has(k) && !k.startsWith('compaction.') && !k.startsWith('memtable.')) throw new InvalidArgumentsError(`Invalid database option, key: ${k}`);
  }
  checkTableOptions(options, undefined, unset);
}

function tableOptions(options: readonly ast.OptionEntry[]): TableSchema['options'] {
  checkTableOptions(Object.fromEntries(options.map((o) => [o.key, o.value])), undefined);
  let ttlMs: number | undefined;
  let appendMode: boolean | undefined;
  const extra: Record<string, string> = {};
  for (const o of options) {
    if (o.key === 'ttl') ttlMs = parseDurationMs(o.value) ?? 0; // 0: 'forever', set on the table itself (a database ttl does not apply)
    else if (o.key === 'append_mode') appendMode = o.value.toLowerCase() === 'true';
    else extra[o.key] = o.value;
  }
  return { ...(ttlMs !== undefined ? { ttlMs } : {}), ...(appendMode !== undefined ? { appendMode } : {}), ...(Object.keys(extra).length ? { extra } : {}) };
}

function keyOf(t: TableInfo, c: ColumnSchema): string {
  return c.semantic === 'tag' ? 'PRI' : c.semantic === 'timestamp' ? 'TIME INDEX' : '';
}

function defaultText(c: ColumnSchema): string {
  if (!c.default) return '';
  if (c.default.fn) return c.default.fn;
  const v = c.default.value;
  return v === null || v === undefined ? '' : typeof v === 'string' ? v : String(v);
}

function sqlTypeForCreate(t: DataType): string {
  switch (t.name) {
    case 'TimestampSecond': return 'TIMESTAMP(0)';
    case 'TimestampMillisecond': return 'TIMESTAMP(3)';
    case 'TimestampMicrosecond': return 'TIMESTAMP(6)';
    case 'TimestampNanosecond': return 'TIMESTAMP(9)';
    case 'Decimal128': return `DECIMAL(${t.precision ?? 38}, ${t.scale ?? 10})`;
    case 'IntervalMonthDayNano': return 'INTERVAL';
    case 'Float64': return 'DOUBLE';
    case 'Float32': return 'FLOAT';
    case 'Int64': return 'BIGINT';
    case 'Int32': return 'INT';
    case 'Int16': return 'SMALLINT';
    case 'Int8': return 'TINYINT';
    case 'UInt64': return 'BIGINT UNSIGNED';
    case 'UInt32': return 'INT UNSIGNED';
    case 'UInt16': return 'SMALLINT UNSIGNED';
    case 'UInt8': return 'TINYINT UNSIGNED';
    case 'Binary': return 'VARBINARY';
    default: return t.name.toUpperCase();
  }
}

/** A column default as SQL that reads back as the same value (quotes doubled; timestamps as text, as GreptimeDB shows them). */
function defaultLiteral(c: ColumnSchema): string {
  const v = c.default?.value;
  if (v === null || v === undefined) return 'NULL';
  if (isTimestamp(c.type) && (typeof v === 'bigint' || typeof v === 'number')) {
    const ns = BigInt(v) * (1_000_000_000n / timestampUnitsPerSecond(c.type.name));
    return `'${formatTimestampNanos(ns, 'UTC')}+0000'`;
  }
  return typeof v === 'string' ? `'${v.replace(/'/g, "''")}'` : String(v);
}

/**
 * A column's index options after `MODIFY COLUMN c SET ... INDEX [WITH (...)]`,
 * with GreptimeDB's rules: a FULLTEXT index cannot be set twice, and once set
 * (even if unset since) keeps its analyzer and case sensitivity; a SKIPPING
 * index takes the new options; INVERTED INDEX has none.
 */
function withIndexSet(c: ColumnSchema, a: Extract<ast.AlterTableAction, { kind: 'SetColumnIndex' }>): ColumnIndexOptions {
  const cur = c.indexes ?? {};
  switch (a.index) {
    case 'inverted':
      if (a.withClause) throw columnOptionError(c.name, "INVERTED index doesn't support options");
      return { ...cur, inverted: true };
    case 'skipping':
      return { ...cur, skipping: skippingIndexOptions(indexOptionMap(c.name, a.options, SKIPPING_INDEX_KEYS, 'SKIPPING INDEX')) };
    case 'fulltext': {
      const next = fulltextIndexOptions(indexOptionMap(c.name, a.options, FULLTEXT_INDEX_KEYS, 'FULLTEXT'));
      if (c.type.name !== 'String') throw columnOptionError(c.name, 'FULLTEXT index only supports string type');
      const prev = cur.fulltext;
      if (prev?.enabled) throw columnOptionError(c.name, 'FULLTEXT index already enabled');
      if (prev && (prev.analyzer !== next.analyzer || prev.caseSensitive !== next.caseSensitive)) {
        throw columnOptionError(c.name, `Cannot change analyzer or case_sensitive if FULLTEXT index is set before. Previous analyzer: ${prev.analyzer}, previous case_sensitive: ${prev.caseSensitive}`);
      }
      return { ...cur, fulltext: next };
    }
  }
}

/** A column's index options after `MODIFY COLUMN c UNSET ... INDEX` (unsetting an absent index is a no-op, as in GreptimeDB). */
function withIndexUnset(c: ColumnSchema, kind: ast.ColumnIndexDef['kind']): ColumnIndexOptions | undefined {
  if (kind !== 'fulltext') return withoutIndexKind(c.indexes, kind);
  const f = c.indexes?.fulltext;
  return f ? { ...c.indexes, fulltext: { ...f, enabled: false } } : c.indexes;
}

/** GreptimeDB-style SHOW CREATE TABLE text. */
export function showCreateTable(t: TableInfo): string {
  const q = (n: string) => `"${n.replace(/"/g, '""')}"`;
  const lines = t.schema.columns.map((c) => {
    let s = `  ${q(c.name)} ${sqlTypeForCreate(c.type)}${c.nullable ? ' NULL' : ' NOT NULL'}`;
    if (c.default) s += ` DEFAULT ${c.default.fn ?? defaultLiteral(c)}`;
    if (c.comment) s += ` COMMENT '${c.comment.replace(/'/g, "''")}'`;
    return s + indexClausesSql(c);
  });
  lines.push(`  TIME INDEX (${q(t.schema.timeIndex)})`);
  if (t.schema.primaryKey.length) lines.push(`  PRIMARY KEY (${t.schema.primaryKey.map(q).join(', ')})`);
  // GreptimeDB's layout: the partition rule (or an empty line) between the columns and ENGINE,
  // a line break after ENGINE, then the options sorted by key, ttl as humantime ('7days').
  let out = `CREATE TABLE IF NOT EXISTS ${q(t.name)} (\n${lines.join(',\n')}\n)\n`;
  out += t.partition ? `PARTITION ON COLUMNS (${t.partition.columns.map(q).join(', ')}) (\n  ${t.partition.exprs.join(',\n  ')}\n)\n` : '\n';
  out += `ENGINE=${t.engine}\n`;
  const key = (k: string) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? k : `'${k.replace(/'/g, "''")}'`);
  const opts = tableOptionEntries(t).map(([k, v]) => `${key(k)} = '${v.replace(/'/g, "''")}'`);
  if (opts.length) out += `WITH(\n  ${opts.join(',\n  ')}\n)`;
  return out;
}

/** Physical operator names for EXPLAIN (two-phase aggregation shown explicitly). */
function physicalLines(p: Plan, depth = 0, annotate?: (p: Plan) => string): string[] {
  const pad = '  '.repeat(depth);
  const extra = annotate ? annotate(p) : '';
  const kids = (...c: Plan[]) => c.flatMap((x) => physicalLines(x, depth + 1, annotate));
  const one = explainLines(p, 0)[0] ?? '';
  const body = one.replace(/^\s*/, '');
  const rename = (from: string, to: string) => body.startsWith(from) ? `${to}${body.slice(from.length)}` : body;
  switch (p.k) {
    case 'scan': return [`${pad}${rename('TableScan:', 'SeqScan:')}${extra}`];
    case 'aggregate': {
      const parts = partitionsOf(p.input);
      if (parts > 1) {
        return [`${pad}${rename('Aggregate:', 'AggregateExec: mode=Final,')}${extra}`, `${pad}  CoalescePartitionsExec: partitions=${parts}`,
          ...physicalLines(p.input, depth + 2, annotate).map((l, i) => (i === 0 ? `${pad}    AggregateExec: mode=Partial (per region)\n${l}` : l))];
      }
      return [`${pad}${rename('Aggregate:', 'AggregateExec: mode=Single,')}${extra}`, ...kids(p.input)];
    }
    case 'filter': return [`${pad}${rename('Filter:', 'FilterExec:')}${extra}`, ...kids(p.input)];
    case 'project': return [`${pad}${rename('Projection:', 'ProjectionExec:')}${extra}`, ...kids(p.input)];
    case 'sort': return [`${pad}${rename('Sort:', p.limit !== undefined ? 'SortExec(TopK):' : 'SortExec:')}${extra}`, ...kids(p.input)];
    case 'limit': return [`${pad}${rename('Limit:', 'GlobalLimitExec:')}${extra}`, ...kids(p.input)];
    case 'window': return [`${pad}${rename('Window:', 'WindowAggExec:')}${extra}`, ...kids(p.input)];
    case 'join': return [`${pad}${body.replace(/^(HashJoin|NestedLoopJoin):/, '$1Exec:')}${extra}`, ...kids(p.left, p.right)];
    case 'setop': return [`${pad}${body}Exec${extra}`, ...kids(p.left, p.right)];
    case 'distinct': return [`${pad}DistinctExec${extra}`, ...kids(p.input)];
    case 'range': return [`${pad}${rename('RangeSelect:', 'RangeSelectExec:')}${extra}`, ...kids(p.input)];
    case 'values': case 'memory': return [`${pad}${body.replace(':', 'Exec:')}${extra}`];
    case 'alias': return physicalLines(p.input, depth, annotate);
  }
}

function partitionsOf(p: Plan): number {
  switch (p.k) {
    case 'scan': return p.table.regionIds.length;
    case 'filter': case 'project': case 'alias': return partitionsOf(p.input);
    default: return 1;
  }
}

function childrenOfPlan(p: Plan): Plan[] {
  switch (p.k) {
    case 'scan': case 'values': case 'memory': return [];
    case 'join': case 'setop': return [p.left, p.right];
    default: return [p.input];
  }
}

/** A copy of a plan whose scans read only one region (DELETE routes keys per region). */
function restrictToRegion(p: Plan, region: string): Plan {
  switch (p.k) {
    case 'scan': return { ...p, table: { ...p.table, regionIds: [region] } };
    case 'filter': case 'project': case 'sort': case 'limit': case 'distinct': case 'alias':
      return { ...p, input: restrictToRegion(p.input, region) } as Plan;
    default: return p;
  }
}

export { schemaOf, batchFromArrow };

/** GreptimeDB: information_schema is read-only; DDL and writes on it say so (not "Database not found"). */
function refuseReadOnlySchemaWrite(st: ast.Statement, current: string): void {
  const dbOf = (n: ast.ObjectName): string => n.database ?? current;
  const RO = 'information_schema';
  const schemaError = (): never => { throw new UnsupportedError(`Schema \`${RO}\` is read-only`); };
  switch (st.kind) {
    case 'DropDatabase': if (st.name === RO) schemaError(); break;
    case 'CreateTable': case 'CreateTableLike': if (dbOf(st.name) === RO) schemaError(); break;
    case 'AlterTable': case 'Truncate': case 'Insert': if (dbOf(st.table) === RO) schemaError(); break;
    case 'Copy':
      if (st.direction === 'from' && (st.target.kind === 'table' ? dbOf(st.target.table) : st.target.kind === 'database' ? st.target.database : '') === RO) schemaError();
      break;
    case 'DropTable': case 'DropView': if (st.names.some((n) => dbOf(n) === RO)) schemaError(); break;
    case 'CreateView': if (dbOf(st.name) === RO) schemaError(); break;
    case 'Delete': if (dbOf(st.table) === RO) throw new UnsupportedError(`Cannot change read-only table: ${st.table.name}`); break;
    default: break;
  }
}
