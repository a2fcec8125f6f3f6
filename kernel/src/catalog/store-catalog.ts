import { isNumeric, validateTableSchema, type ColumnSchema, type DataType, type TableSchema } from '../data/data-types.js';
import {
  ColumnAlreadyExistsError, ColumnNotFoundError, CorruptionError, DatabaseAlreadyExistsError, DatabaseNotFoundError,
  InvalidArgumentsError, TableAlreadyExistsError, TableNotFoundError, UnsupportedError,
} from '../errors/errors.js';
import type { AlterTableChange, Catalog, PartitionRule, TableInfo, ViewInfo } from '../interfaces/catalog.js';
import { regionIdOf, type StorageEngine } from '../interfaces/engine.js';
import type { Logger } from '../interfaces/logger.js';
import type { ObjectStore } from '../interfaces/store.js';
import { parseWithBigInts, stringifyWithBigInts } from '../util/bigint-json.js';
import { castScalar } from '../sql/exec/cast-vector.js';

/** The object key of the catalog snapshot. */
export const CATALOG_KEY = 'catalog/catalog.json';
/** Table ids start here, as GreptimeDB's user tables do (lower ids are system tables). */
export const FIRST_TABLE_ID = 1024;

interface DatabaseEntry { readonly name: string; readonly createdAtMs: number; readonly options: Readonly<Record<string, string>> }

interface CatalogFile {
  readonly format: 'strata-catalog';
  readonly version: 1;
  readonly nextTableId: number;
  readonly databases: DatabaseEntry[];
  readonly tables: TableInfo[];
  /** Absent in snapshots written before views existed. */
  readonly views?: ViewInfo[];
}

/** JSON with bigints (column defaults may be timestamps) kept exact. */
const toJson = (v: unknown): string => stringifyWithBigInts(v, 1);
const fromJson = parseWithBigInts;

/**
 * The catalog: databases, tables and views, kept in memory and persisted as one
 * JSON snapshot in the object store after every change (`put` is atomic, so
 * a crash leaves the old or the new catalog, never a torn one). Engine
 * regions are created before the snapshot that names them is written and
 * dropped after the snapshot that forgets them, so a crash can leak an
 * orphan region but never reference a missing one.
 *
 * Mutations are serialized; reads are synchronous on the in-memory state.
 *
 * @example
 * const catalog = new StoreCatalog(store, engine, logger);
 * await catalog.load();
 * await catalog.createTable('public', 'cpu', schema);
 */
export class StoreCatalog implements Catalog {
  private databases = new Map<string, DatabaseEntry>();
  private tables = new Map<string, Map<string, TableInfo>>();
  /** Views by database; a database's tables and views share one name space. */
  private views = new Map<string, Map<string, ViewInfo>>();
  private nextTableId = FIRST_TABLE_ID;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly store: ObjectStore, private readonly engine: StorageEngine, private readonly logger?: Logger) {
    this.databases.set('public', { name: 'public', createdAtMs: Date.now(), options: {} });
    this.tables.set('public', new Map());
    this.views.set('public', new Map());
  }

  /** Reads the snapshot (if any) and opens every table's regions in the engine. */
  async load(): Promise<void> {
    const meta = await this.store.head(CATALOG_KEY);
    if (meta) {
      const text = Buffer.from(await this.store.get(CATALOG_KEY)).toString('utf8');
      let file: CatalogFile;
      try {
        file = fromJson(text) as CatalogFile;
      } catch (err) {
        throw new CorruptionError(`catalog snapshot ${CATALOG_KEY} is not valid JSON`, { cause: err });
      }
      if (file?.format !== 'strata-catalog' || !Array.isArray(file.tables) || !Array.isArray(file.databases)) {
        throw new CorruptionError(`catalog snapshot ${CATALOG_KEY} has an unknown format`);
      }
      this.databases.clear();
      this.tables.clear();
      this.views.clear();
      for (const d of file.databases) { this.databases.set(d.name, d); this.tables.set(d.name, new Map()); this.views.set(d.name, new Map()); }
      for (const t of file.tables) {
        const db = this.tables.get(t.database);
        if (!db) throw new CorruptionError(`catalog snapshot: table ${t.database}.${t.name} belongs to a missing database`);
        db.set(t.name, t);
      }
      const views = file.views ?? [];
      for (const v of views) {
        // Checked where written (createView) and again here, where it is read back.
        if (typeof v?.query !== 'string' || typeof v.definition !== 'string' || typeof v.name !== 'string') {
          throw new CorruptionError(`catalog snapshot: view ${String(v?.database)}.${String(v?.name)} has no query text`);
        }
        const db = this.views.get(v.database);
        if (!db) throw new CorruptionError(`catalog snapshot: view ${v.database}.${v.name} belongs to a missing database`);
        if (this.tables.get(v.database)!.has(v.name)) throw new CorruptionError(`catalog snapshot: ${v.database}.${v.name} is both a table and a view`);
        db.set(v.name, v);
      }
      this.nextTableId = Math.max(file.nextTableId, ...file.tables.map((t) => t.id + 1), ...views.map((v) => v.id + 1), FIRST_TABLE_ID);
    }
    if (!this.databases.has('public')) { this.databases.set('public', { name: 'public', createdAtMs: Date.now(), options: {} }); this.tables.set('public', new Map()); this.views.set('public', new Map()); }
    for (const db of this.tables.values()) {
      for (const t of db.values()) {
        const regionSchema = regionSchemaOf(t.schema, this.databases.get(t.database)?.options);
        for (const r of t.regionIds) await this.engine.openRegion(r, regionSchema);
      }
    }
    this.logger?.info({ databases: this.databases.size, tables: [...this.tables.values()].reduce((n, m) => n + m.size, 0) }, 'catalog loaded');
  }

  /** Closes every open region (server stop). */
  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    for (const db of this.tables.values()) for (const t of db.values()) for (const r of t.regionIds) await this.engine.closeRegion(r).catch(() => undefined);
  }

  private serialize<T>(f: () => Promise<T>): Promise<T> {
    const p = this.queue.then(f, f);
    this.queue = p.catch(() => undefined);
    return p;
  }

  private async persist(): Promise<void> {
    const file: CatalogFile = {
      format: 'strata-catalog', version: 1, nextTableId: this.nextTableId,
      databases: [...this.databases.values()],
      tables: [...this.tables.values()].flatMap((m) => [...m.values()]),
      views: [...this.views.values()].flatMap((m) => [...m.values()]),
    };
    await this.store.put(CATALOG_KEY, Buffer.from(toJson(file), 'utf8'));
  }

  listDatabases(): string[] { return [...this.databases.keys()].sort(); }
  databaseOptions(name: string): Readonly<Record<string, string>> | undefined { return this.databases.get(name)?.options; }
  databaseExists(name: string): boolean { return this.databases.has(name); }

  createDatabase(name: string, options?: { ifNotExists?: boolean; options?: Record<string, string> }): Promise<boolean> {
    return this.serialize(async () => {
      if (!name) throw new InvalidArgumentsError('database name is empty');
      if (name === 'information_schema') throw new DatabaseAlreadyExistsError(name);
      if (this.databases.has(name)) {
        if (options?.ifNotExists) return false;
        throw new DatabaseAlreadyExistsError(name);
      }
      this.databases.set(name, { name, createdAtMs: Date.now(), options: options?.options ?? {} });
      this.tables.set(name, new Map());
      this.views.set(name, new Map());
      try { await this.persist(); } catch (err) { this.databases.delete(name); this.tables.delete(name); this.views.delete(name); throw err; }
      return true;
    });
  }

  /**
   * Sets and unsets database options (`ALTER DATABASE db SET / UNSET`, checked
   * by the caller). Tables without a ttl or compaction.* option of their own
   * follow the database's from now on: their regions get the new values.
   */
  alterDatabase(name: string, change: { readonly set: Readonly<Record<string, string>>; readonly unset: readonly string[] }): Promise<void> {
    return this.serialize(async () => {
      const entry = this.databases.get(name);
      if (!entry) throw new DatabaseNotFoundError(name);
      const options: Record<string, string> = { ...entry.options };
      for (const [k, v] of Object.entries(change.set)) options[k] = v;
      for (const k of change.unset) delete options[k];
      this.databases.set(name, { ...entry, options });
      try { await this.persist(); } catch (err) { this.databases.set(name, entry); throw err; }
      // Persisted first: a region that misses the change here gets it when it is next opened.
      for (const t of this.tables.get(name)?.values() ?? []) {
        const before = regionSchemaOf(t.schema, entry.options), after = regionSchemaOf(t.schema, options);
        if (JSON.stringify(before.options) === JSON.stringify(after.options)) continue;
        for (const r of t.regionIds) await this.engine.alterRegion(r, after);
      }
    });
  }

  dropDatabase(name: string, options?: { ifExists?: boolean }): Promise<boolean> {
    return this.serialize(async () => {
      const tables = this.tables.get(name);
      if (!tables) {
        if (options?.ifExists) return false;
        throw new DatabaseNotFoundError(name);
      }
      const dropped = [...tables.values()];
      // Its views go with it.
      this.databases.delete(name);
      this.tables.delete(name);
      this.views.delete(name);
      await this.persist();
      for (const t of dropped) for (const r of t.regionIds) await this.engine.dropRegion(r);
      if (name === 'public') {
        this.databases.set('public', { name: 'public', createdAtMs: Date.now(), options: {} });
        this.tables.set('public', new Map());
        this.views.set('public', new Map());
        await this.persist();
      }
      return true;
    });
  }

  listTables(database: string): TableInfo[] {
    const db = this.tables.get(database);
    if (!db) throw new DatabaseNotFoundError(database);
    return [...db.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  getTable(database: string, name: string): TableInfo | undefined {
    return this.tables.get(database)?.get(name);
  }

  /** Every table of every database. */
  allTables(): TableInfo[] {
    return [...this.tables.values()].flatMap((m) => [...m.values()]);
  }

  createTable(database: string, name: string, schema: TableSchema,
    options?: { ifNotExists?: boolean; partition?: PartitionRule; engine?: string; comment?: string }): Promise<TableInfo> {
    return this.serialize(async () => {
      const db = this.tables.get(database);
      if (!db) throw new DatabaseNotFoundError(database);
      const existing = db.get(name);
      if (existing) {
        if (options?.ifNotExists) return existing;
        throw new TableAlreadyExistsError(`${database}.${name}`);
      }
      // A view's name is taken even with IF NOT EXISTS (there is no table to hand back).
      if (this.views.get(database)?.has(name)) throw new TableAlreadyExistsError(`${database}.${name}`, 'View');
      validateTableSchema(schema, `${database}.${name}`);
      const partition = options?.partition;
      if (partition) {
        for (const c of partition.columns) {
          if (!schema.columns.some((x) => x.name === c)) throw new ColumnNotFoundError(c, `${database}.${name}`);
        }
      }
      const dbOptions = this.databases.get(database)?.options;
      schema = withDatabaseTemplate(schema, dbOptions, `${database}.${name}`);
      const id = this.nextTableId++;
      const regions = Math.max(1, partition?.exprs.length ?? 1);
      const regionIds = Array.from({ length: regions }, (_, i) => regionIdOf(id, i));
      const info: TableInfo = {
        id, database, name, schema: { ...schema, version: schema.version ?? 0 }, engine: options?.engine ?? 'mito', regionIds,
        ...(partition ? { partition } : {}), createdAtMs: Date.now(), ...(options?.comment ? { comment: options.comment } : {}),
      };
      const created: string[] = [];
      try {
        const regionSchema = regionSchemaOf(info.schema, dbOptions);
        for (const r of regionIds) { await this.engine.createRegion(r, regionSchema); created.push(r); }
        db.set(name, info);
        await this.persist();
      } catch (err) {
        db.delete(name);
        for (const r of created) await this.engine.dropRegion(r).catch(() => undefined);
        throw err;
      }
      return info;
    });
  }

  alterTable(database: string, name: string, change: AlterTableChange): Promise<TableInfo> {
    return this.serialize(async () => {
      const db = this.tables.get(database);
      if (!db) throw new DatabaseNotFoundError(database);
      const t = db.get(name);
      if (!t) throw new TableNotFoundError(`${database}.${name}`);
      const full = `${database}.${name}`;
      if (change.kind === 'rename') {
        if (db.has(change.newName)) throw new TableAlreadyExistsError(`${database}.${change.newName}`);
        if (this.views.get(database)?.has(change.newName)) throw new TableAlreadyExistsError(`${database}.${change.newName}`, 'View');
        const renamed: TableInfo = { ...t, name: change.newName };
        db.delete(name);
        db.set(change.newName, renamed);
        try { await this.persist(); } catch (err) { db.delete(change.newName); db.set(name, t); throw err; }
        return renamed;
      }
      const schema = applyChange(t.schema, change, full);
      validateTableSchema(schema, full);
      const regionSchema = regionSchemaOf(schema, this.databases.get(database)?.options);
      for (const r of t.regionIds) await this.engine.alterRegion(r, regionSchema);
      const next: TableInfo = { ...t, schema };
      db.set(name, next);
      try { await this.persist(); } catch (err) { db.set(name, t); throw err; }
      return next;
    });
  }

  dropTable(database: string, name: string, options?: { ifExists?: boolean }): Promise<boolean> {
    return this.serialize(async () => {
      const db = this.tables.get(database);
      if (!db) {
        if (options?.ifExists) return false;
        throw new DatabaseNotFoundError(database);
      }
      const t = db.get(name);
      if (!t) {
        if (options?.ifExists) return false;
        throw new TableNotFoundError(`${database}.${name}`);
      }
      db.delete(name);
      try { await this.persist(); } catch (err) { db.set(name, t); throw err; }
      for (const r of t.regionIds) await this.engine.dropRegion(r);
      return true;
    });
  }

  listViews(database: string): ViewInfo[] {
    const db = this.views.get(database);
    if (!db) throw new DatabaseNotFoundError(database);
    return [...db.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  getView(database: string, name: string): ViewInfo | undefined {
    return this.views.get(database)?.get(name);
  }

  createView(database: string, name: string, view: Pick<ViewInfo, 'query' | 'columns' | 'queryColumns' | 'dialect' | 'definition'>,
    options?: { orReplace?: boolean; ifNotExists?: boolean }): Promise<ViewInfo> {
    return this.serialize(async () => {
      const db = this.views.get(database);
      if (!db) throw new DatabaseNotFoundError(database);
      if (!name) throw new InvalidArgumentsError('view name is empty');
      // GreptimeDB: a table of the name is an error even with OR REPLACE or IF NOT EXISTS.
      if (this.tables.get(database)?.has(name)) throw new TableAlreadyExistsError(`${database}.${name}`);
      const existing = db.get(name);
      if (existing && !options?.orReplace) {
        if (options?.ifNotExists) return existing;
        throw new TableAlreadyExistsError(`${database}.${name}`, 'View');
      }
      if (typeof view.query !== 'string' || !view.query.trim()) throw new InvalidArgumentsError(`view ${database}.${name} has no query`);
      // A replaced view keeps its id (GreptimeDB replaces the view's info under the same table id).
      const info: ViewInfo = {
        id: existing?.id ?? this.nextTableId++, database, name, query: view.query, ...(view.columns?.length ? { columns: [...view.columns] } : {}),
        ...(view.queryColumns?.length ? { queryColumns: [...view.queryColumns] } : {}),
        dialect: view.dialect, definition: view.definition, createdAtMs: Date.now(),
      };
      db.set(name, info);
      try { await this.persist(); } catch (err) { if (existing) db.set(name, existing); else db.delete(name); throw err; }
      return info;
    });
  }

  dropView(database: string, name: string, options?: { ifExists?: boolean }): Promise<boolean> {
    return this.serialize(async () => {
      const db = this.views.get(database);
      if (!db) {
        if (options?.ifExists) return false;
        throw new DatabaseNotFoundError(database);
      }
      const v = db.get(name);
      if (!v) {
        if (options?.ifExists) return false;
        throw new TableNotFoundError(`${database}.${name}`);
      }
      db.delete(name);
      try { await this.persist(); } catch (err) { db.set(name, v); throw err; }
      return true;
    });
  }
}

/**
 * A table's schema as its regions get it: the database's ttl and compaction.*
 * options fill in where the table has none of its own (GreptimeDB: they keep
 * applying, and follow ALTER DATABASE). The catalog keeps the table's own.
 */
export function regionSchemaOf(schema: TableSchema, dbOptions: Readonly<Record<string, string>> | undefined): TableSchema {
  if (!dbOptions) return schema;
  const own = schema.options;
  let ttlMs = own.ttlMs;
  if (ttlMs === undefined && dbOptions.ttl !== undefined) ttlMs = parseDurationMs(dbOptions.ttl) ?? 0;
  const inherited = Object.entries(dbOptions).filter(([k]) => k.startsWith('compaction.') && own.extra?.[k] === undefined);
  if (ttlMs === own.ttlMs && inherited.length === 0) return schema;
  return {
    ...schema,
    options: { ...own, ...(ttlMs !== undefined ? { ttlMs } : {}), ...(inherited.length ? { extra: { ...Object.fromEntries(inherited), ...(own.extra ?? {}) } } : {}) },
  };
}

/** Database options a new table takes as its own when it does not set them (GreptimeDB's templates). */
const TEMPLATE_OPTIONS = ['append_mode', 'merge_mode', 'skip_wal', 'sst_format'];

function withDatabaseTemplate(schema: TableSchema, dbOptions: Readonly<Record<string, string>> | undefined, table: string): TableSchema {
  if (!dbOptions) return schema;
  const own = schema.options;
  let appendMode = own.appendMode;
  const extra: Record<string, string> = { ...(own.extra ?? {}) };
  let changed = false;
  for (const [k, v] of Object.entries(dbOptions)) {
    if (!(TEMPLATE_OPTIONS.includes(k) || k.startsWith('memtable.'))) continue;
    if (k === 'append_mode') { if (appendMode === undefined) { appendMode = v.toLowerCase() === 'true'; changed = true; } continue; }
    if (extra[k] === undefined) { extra[k] = v; changed = true; }
  }
  if (!changed) return schema;
  if (appendMode === true && extra.merge_mode !== undefined) throw new InvalidArgumentsError(`${table}: merge_mode cannot be used with append_mode = true (one of them comes from the database's options)`);
  return { ...schema, options: { ...own, ...(appendMode !== undefined ? { appendMode } : {}), ...(Object.keys(extra).length ? { extra } : {}) } };
}

function applyChange(s: TableSchema, change: AlterTableChange, table: string): TableSchema {
  const version = s.version + 1;
  switch (change.kind) {
    case 'add-columns': {
      const cols: ColumnSchema[] = [...s.columns];
      const pk = [...s.primaryKey];
      // Where the columns go: only the column order changes (SELECT *, positional INSERT);
      // engines read and write columns by name.
      let at = cols.length;
      if (change.at === 'first') at = 0;
      else if (change.at) {
        const after = change.at.after;
        const i = cols.findIndex((x) => x.name === after);
        if (i < 0) throw new ColumnNotFoundError(after, table);
        at = i + 1;
      }
      for (const c of change.columns) {
        if (cols.some((x) => x.name === c.name)) throw new ColumnAlreadyExistsError(c.name, table);
        if (c.semantic === 'timestamp') throw new InvalidArgumentsError(`${table}: cannot add a second TIME INDEX column '${c.name}'`);
        if (!c.nullable && c.default === undefined) throw new InvalidArgumentsError(`${table}: a NOT NULL column '${c.name}' needs a DEFAULT to be added to an existing table`);
        cols.splice(at++, 0, c);
        if (c.semantic === 'tag') pk.push(c.name);
      }
      return { ...s, columns: cols, primaryKey: pk, version };
    }
    case 'drop-columns': {
      for (const n of change.names) {
        const c = s.columns.find((x) => x.name === n);
        if (!c) throw new ColumnNotFoundError(n, table);
        if (n === s.timeIndex) throw new InvalidArgumentsError(`${table}: cannot drop the TIME INDEX column '${n}'`);
        if (s.primaryKey.includes(n)) throw new InvalidArgumentsError(`${table}: cannot drop the PRIMARY KEY column '${n}'`);
      }
      return { ...s, columns: s.columns.filter((c) => !change.names.includes(c.name)), version };
    }
    case 'modify-column': {
      const c = s.columns.find((x) => x.name === change.name);
      if (!c) throw new ColumnNotFoundError(change.name, table);
      if (c.semantic !== 'field') throw new InvalidArgumentsError(`${table}: only field columns can change type ('${change.name}' is a ${c.semantic === 'tag' ? 'PRIMARY KEY' : 'TIME INDEX'} column)`);
      if (!castableColumnType(c.type, change.type)) throw new InvalidArgumentsError(`${table}: column '${change.name}' cannot be cast automatically to type '${change.type.name}' (from ${c.type.name})`);
      // A literal default changes type with its column (later writes that leave the column out
      // get a value of the new type); one the new type cannot hold refuses the change.
      let def = c.default;
      if (def && def.fn === undefined && def.value !== null && def.value !== undefined) {
        const value = castScalar(def.value, c.type, change.type, { onError: 'null' });
        if (value === null) {
          throw new InvalidArgumentsError(`${table}: the default of column '${change.name}' (${String(def.value)}) cannot be cast to type '${change.type.name}'; change or drop the default first (MODIFY COLUMN ${change.name} DROP DEFAULT)`);
        }
        def = { ...def, value };
      }
      return { ...s, columns: s.columns.map((x) => (x.name === change.name ? { ...x, type: change.type, ...(def ? { default: def } : {}) } : x)), version };
    }
    case 'set-default': {
      const c = s.columns.find((x) => x.name === change.name);
      if (!c) throw new ColumnNotFoundError(change.name, table);
      // GreptimeDB's rules: a NOT NULL column keeps a non-NULL default.
      const def = change.default;
      if (!c.nullable && def === undefined) throw new InvalidArgumentsError(`${table}: column ${change.name} is not nullable and \`default\` cannot be dropped`);
      if (!c.nullable && def && def.fn === undefined && (def.value === null || def.value === undefined)) {
        throw new InvalidArgumentsError(`${table}: default value should not be null for non null column ${change.name}`);
      }
      return {
        ...s, version,
        columns: s.columns.map((x) => {
          if (x.name !== change.name) return x;
          const { default: _old, ...rest } = x;
          return def === undefined ? rest : { ...rest, default: def };
        }),
      };
    }
    case 'set-indexes': {
      const c = s.columns.find((x) => x.name === change.name);
      if (!c) throw new ColumnNotFoundError(change.name, table);
      const indexes = change.indexes;
      return {
        ...s, version,
        columns: s.columns.map((x) => {
          if (x.name !== change.name) return x;
          const { indexes: _old, ...rest } = x;
          return indexes === undefined ? rest : { ...rest, indexes };
        }),
      };
    }
    case 'set-options': {
      const extra: Record<string, string> = { ...(s.options.extra ?? {}) };
      let ttlMs = s.options.ttlMs;
      let appendMode = s.options.appendMode;
      for (const [k, v] of Object.entries(change.options)) {
        if (k === 'ttl') ttlMs = v === '' ? undefined : parseDurationMs(v) ?? 0; // 0: 'forever', set on the table itself
        else if (k === 'append_mode') appendMode = v === 'true';
        else if (v === '') delete extra[k];
        else extra[k] = v;
      }
      return { ...s, options: { ...(ttlMs !== undefined ? { ttlMs } : {}), ...(appendMode !== undefined ? { appendMode } : {}), extra }, version };
    }
    default:
      throw new UnsupportedError(`unsupported ALTER change ${(change as { kind: string }).kind}`);
  }
}

/**
 * Whether MODIFY COLUMN may turn `from` into `to`: rows already written are
 * read as the new type (values it cannot hold read as NULL), so only pairs
 * with a value-by-value meaning are allowed, as in GreptimeDB.
 */
function castableColumnType(from: DataType, to: DataType): boolean {
  if (from.name === to.name) return true;
  const num = (t: DataType) => isNumeric(t) && t.name !== 'Decimal128';
  const str = (t: DataType) => t.name === 'String';
  if (num(from) || from.name === 'Boolean') return num(to) || str(to) || to.name === 'Boolean';
  if (str(from)) return num(to) || to.name === 'Boolean';
  return false;
}

/**
 * A duration as GreptimeDB shows a ttl (Rust's humantime): years of 365.25
 * days, months of 30.44 days, then days, h, m, s, ms, space-separated, with
 * plural year/month/day names: 7 days is '7days', 90 minutes '1h 30m'.
 */
export function formatDurationHuman(ms: number): string {
  if (!(ms > 0)) return '0s';
  let secs = Math.floor(ms / 1000);
  const millis = Math.round(ms - secs * 1000);
  const parts: string[] = [];
  const plural = (n: number, name: string) => { if (n > 0) parts.push(`${n}${name}${n > 1 ? 's' : ''}`); };
  const unit = (n: number, name: string) => { if (n > 0) parts.push(`${n}${name}`); };
  const years = Math.floor(secs / 31_557_600); secs -= years * 31_557_600;
  const months = Math.floor(secs / 2_630_016); secs -= months * 2_630_016;
  const days = Math.floor(secs / 86_400); secs -= days * 86_400;
  plural(years, 'year'); plural(months, 'month'); plural(days, 'day');
  unit(Math.floor(secs / 3600), 'h'); unit(Math.floor((secs % 3600) / 60), 'm'); unit(secs % 60, 's'); unit(millis, 'ms');
  return parts.join(' ');
}

/** Parses GreptimeDB/humantime durations ('7d', '1h 30m', '10s', 'forever'). */
export function parseDurationMs(text: string): number | undefined {
  const s = text.trim().toLowerCase();
  if (s === 'forever' || s === 'instant' || s === '0' || s === '') return undefined;
  const units: Record<string, number> = {
    ns: 1e-6, nsec: 1e-6, us: 1e-3, usec: 1e-3, ms: 1, msec: 1, millis: 1, s: 1000, sec: 1000, secs: 1000, second: 1000, seconds: 1000,
    m: 60_000, min: 60_000, mins: 60_000, minute: 60_000, minutes: 60_000, h: 3_600_000, hr: 3_600_000, hour: 3_600_000, hours: 3_600_000,
    d: 86_400_000, day: 86_400_000, days: 86_400_000, w: 604_800_000, week: 604_800_000, weeks: 604_800_000,
    month: 2_630_016_000, months: 2_630_016_000, y: 31_557_600_000, year: 31_557_600_000, years: 31_557_600_000,
  };
  let total = 0;
  let matched = '';
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)\s*([a-z]+)/g)) {
    const u = units[m[2]!];
    if (u === undefined) throw new InvalidArgumentsError(`invalid duration '${text}': unknown unit '${m[2]}'`);
    total += Number(m[1]) * u;
    matched += m[0];
  }
  if (!matched || matched.replace(/\s/g, '') !== s.replace(/\s/g, '')) throw new InvalidArgumentsError(`invalid duration '${text}'`);
  return total;
}
