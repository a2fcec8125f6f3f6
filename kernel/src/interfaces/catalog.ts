import type { TableSchema } from '../data/data-types.js';
import type { RegionId } from './engine.js';

/** A partition rule: `PARTITION ON COLUMNS (a, b) (a < 10, a >= 10 AND b = 'x', ...)`. */
export interface PartitionRule {
  readonly columns: readonly string[];
  /** Each region's bound expression as SQL text, one per region, in region order. */
  readonly exprs: readonly string[];
}

/** A table as the catalog knows it. */
export interface TableInfo {
  readonly id: number;
  readonly database: string;
  readonly name: string;
  readonly schema: TableSchema;
  readonly engine: string;
  readonly regionIds: readonly RegionId[];
  readonly partition?: PartitionRule;
  readonly createdAtMs: number;
  readonly comment?: string;
}

/**
 * A view as the catalog keeps it: the text of its query, not a plan. A query
 * that reads the view parses that text again (the parse is cached) and binds
 * it as a derived table, so the optimizer pushes predicates into it as into
 * any subquery, and changes to the tables under it show at once (or fail
 * clearly, when a table or column it reads is gone).
 *
 * @example
 * // CREATE VIEW cpu_busy (h, v) AS SELECT host, usage FROM cpu WHERE usage > 90
 * { id: 1030, database: 'public', name: 'cpu_busy', query: 'SELECT host, usage FROM cpu WHERE usage > 90',
 *   columns: ['h', 'v'], dialect: 'greptime', definition: 'CREATE VIEW cpu_busy (h, v) AS SELECT ...', createdAtMs: 1764000000000 }
 */
export interface ViewInfo {
  /** From the same sequence as table ids (GreptimeDB's views are tables of type VIEW). */
  readonly id: number;
  readonly database: string;
  readonly name: string;
  /** The query after AS, as written; unqualified names in it are read in `database`. */
  readonly query: string;
  /** The column list of `CREATE VIEW v (a, b) AS ...`: the names of the query's columns, in order. */
  readonly columns?: readonly string[];
  /**
   * The names of the query's own columns when the view was created: a view
   * keeps those columns (as PostgreSQL and GreptimeDB fix a view's columns at
   * creation), so `SELECT *` over a table that gains a column later gives the
   * view no new column. Absent in views saved before it was recorded.
   */
  readonly queryColumns?: readonly string[];
  /** The SQL dialect the query was written in (MySQL reads "x" as a string, the others as a name). */
  readonly dialect: 'greptime' | 'mysql' | 'postgres';
  /** The whole CREATE statement as written (SHOW CREATE VIEW, information_schema.views.view_definition). */
  readonly definition: string;
  readonly createdAtMs: number;
}

/** A schema change for ALTER TABLE. */
export type AlterTableChange =
  /** `at`: where the columns go (ADD COLUMN ... FIRST | AFTER col); absent, after the last. */
  | { readonly kind: 'add-columns'; readonly columns: TableSchema['columns']; readonly at?: 'first' | { readonly after: string } }
  | { readonly kind: 'drop-columns'; readonly names: readonly string[] }
  | { readonly kind: 'modify-column'; readonly name: string; readonly type: TableSchema['columns'][number]['type'] }
  /** A column's default for later writes (`default` absent: dropped); rows already written keep their values. */
  | { readonly kind: 'set-default'; readonly name: string; readonly default?: TableSchema['columns'][number]['default'] }
  /** A column's index options replaced as a whole (`indexes` absent: none); see ALTER ... MODIFY COLUMN c SET/UNSET ... INDEX. */
  | { readonly kind: 'set-indexes'; readonly name: string; readonly indexes?: TableSchema['columns'][number]['indexes'] }
  | { readonly kind: 'rename'; readonly newName: string }
  | { readonly kind: 'set-options'; readonly options: Readonly<Record<string, string>> };

/**
 * Databases and tables, persisted durably (so a restart sees every table
 * created before it), with table ids and the regions of each table.
 * Database `public` always exists.
 */
export interface Catalog {
  listDatabases(): string[];
  databaseExists(name: string): boolean;
  createDatabase(name: string, options?: { ifNotExists?: boolean }): Promise<boolean>;
  dropDatabase(name: string, options?: { ifExists?: boolean }): Promise<boolean>;
  /**
   * The `CREATE DATABASE ... WITH (...)` options of a database, as given
   * (`{ ttl: '7d' }`); shown by SHOW FULL DATABASES and
   * information_schema.schemata. Optional: a catalog without it shows none.
   */
  databaseOptions?(name: string): Readonly<Record<string, string>> | undefined;
  /**
   * `ALTER DATABASE db SET 'k' = 'v' / UNSET 'k'`. Tables without their own
   * ttl or compaction.* options follow the database's (GreptimeDB).
   * Optional: a catalog without it refuses the statement.
   */
  alterDatabase?(name: string, change: { readonly set: Readonly<Record<string, string>>; readonly unset: readonly string[] }): Promise<void>;
  listTables(database: string): TableInfo[];
  getTable(database: string, name: string): TableInfo | undefined;
  createTable(database: string, name: string, schema: TableSchema,
    options?: { ifNotExists?: boolean; partition?: PartitionRule; engine?: string; comment?: string }): Promise<TableInfo>;
  alterTable(database: string, name: string, change: AlterTableChange): Promise<TableInfo>;
  dropTable(database: string, name: string, options?: { ifExists?: boolean }): Promise<boolean>;
  /**
   * Views (see ViewInfo). Optional: a catalog without them has none, and
   * refuses CREATE VIEW. A database's tables and views share one name space.
   */
  listViews?(database: string): ViewInfo[];
  getView?(database: string, name: string): ViewInfo | undefined;
  /**
   * Creates (or with `orReplace` replaces) a view; with `ifNotExists` an
   * existing view is kept and returned. A table of the name is an error
   * either way (TableAlreadyExistsError), as is an existing view without
   * either option (TableAlreadyExistsError of kind 'View'). The caller has
   * checked the query (it binds).
   */
  createView?(database: string, name: string, view: Pick<ViewInfo, 'query' | 'columns' | 'queryColumns' | 'dialect' | 'definition'>,
    options?: { orReplace?: boolean; ifNotExists?: boolean }): Promise<ViewInfo>;
  dropView?(database: string, name: string, options?: { ifExists?: boolean }): Promise<boolean>;
}
