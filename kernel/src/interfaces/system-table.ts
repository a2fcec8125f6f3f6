import type * as arrow from 'apache-arrow';
import type { DataType } from '../data/data-types.js';
import type { Session } from './session.js';

/** One column of a system table: its name and GreptimeDB type. */
export interface SystemTableColumn {
  readonly name: string;
  readonly type: DataType;
}

/**
 * A read-only table a plugin adds to the SQL engine, computed when a query
 * reads it (like the `information_schema` views). Added with
 * `QueryService.addSystemTable`; it then answers SELECT (with filters, joins,
 * aggregates...), DESCRIBE, SHOW TABLES and `information_schema.tables` /
 * `columns`. It is not a catalog table: INSERT, DELETE and DDL do not see it.
 *
 * `rows` returns Arrow record batches; columns are matched to `columns` by
 * name (a missing one reads as NULL) and converted to the declared type.
 * In a database other than `information_schema`, a catalog table of the same
 * name wins, so a plugin never hides user data.
 *
 * @example
 * query.addSystemTable?.({
 *   database: 'public', name: 'scripts',
 *   columns: [{ name: 'name', type: { name: 'String' } }],
 *   rows: async () => [arrow.tableFromArrays({ name: ['a', 'b'] }).batches[0]!],
 * });
 * // SELECT name FROM public.scripts
 */
export interface SystemTableProvider {
  /** The database it appears in (`information_schema`, `public`, ...). */
  readonly database: string;
  readonly name: string;
  readonly columns: readonly SystemTableColumn[];
  /** The table's content now (called on every scan; the session is the querying one). */
  rows(session: Session): Promise<readonly arrow.RecordBatch[]> | readonly arrow.RecordBatch[];
}
