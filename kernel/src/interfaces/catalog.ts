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
}
