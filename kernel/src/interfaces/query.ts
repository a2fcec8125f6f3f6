import type * as arrow from 'apache-arrow';
import type { DataType, SemanticType } from '../data/data-types.js';
import type { Session } from './session.js';
import type { AdminFunction } from './admin-function.js';
import type { SystemTableProvider } from './system-table.js';

/** A column of a result, with its GreptimeDB type (timestamps keep their unit). */
export interface ResultColumn {
  readonly name: string;
  readonly type: DataType;
}

/** The outcome of one statement. */
export type QueryOutput =
  | { readonly kind: 'affected'; readonly affectedRows: number }
  | {
    readonly kind: 'records';
    readonly columns: readonly ResultColumn[];
    readonly schema: arrow.Schema;
    /** Result batches, streamed; consume before the next statement runs. */
    readonly batches: AsyncIterable<arrow.RecordBatch>;
  };

export interface ExecuteOptions {
  /** Values for `?` / `$n` placeholders, in order. */
  readonly params?: readonly unknown[];
  readonly signal?: AbortSignal;
  /** Stops the query with DEADLINE_EXCEEDED after this long (0 = no limit). */
  readonly timeoutMs?: number;
  /** Filled with where the time went, summed over the text's statements (HTTP Server-Timing). */
  readonly timings?: QueryTimings;
}

/** Milliseconds a text spent in parsing and in planning (binding + optimizing, or a plan-cache hit). */
export interface QueryTimings {
  parseMs: number;
  planMs: number;
}

/**
 * One column of an insert: a name, its role, and an Arrow vector of values.
 * Ingest protocols build these from their own wire formats without per-row
 * objects (typed arrays, Utf8/dictionary vectors).
 */
export interface InsertColumn {
  readonly name: string;
  readonly semantic: SemanticType;
  readonly vector: arrow.Vector;
}

/**
 * Rows for one table. With `autoCreate` the table is created when missing
 * (tags become the primary key, the timestamp column the time index) and
 * widened with new columns when they appear (GreptimeDB's behaviour for
 * ingest protocols); an integer arriving in a Float64 column is widened.
 */
export interface InsertRequest {
  readonly database: string;
  readonly table: string;
  readonly columns: readonly InsertColumn[];
  readonly rowCount: number;
  readonly autoCreate?: boolean;
  /** `WITH (...)` options for an auto-created table. */
  readonly tableOptions?: Readonly<Record<string, string>>;
}

/**
 * The query service the kernel provides: SQL in, Arrow out, plus the insert
 * path ingest protocols use.
 *
 * @example
 * for await (const out of query.execute('SELECT 1; SELECT 2', session)) {
 *   if (out.kind === 'records') for await (const b of out.batches) console.log(b.numRows);
 * }
 */
export interface QueryService {
  /** Runs `;`-separated statements in order, yielding one output each. */
  execute(sql: string, session: Session, options?: ExecuteOptions): AsyncIterable<QueryOutput>;
  /** Inserts rows into several tables (each all-or-nothing); returns rows written. */
  insert(requests: readonly InsertRequest[], session: Session): Promise<number>;
  /**
   * Adds a plugin's read-only system table (see SystemTableProvider); returns
   * a function that removes it. Throws when that database.name is already a
   * system table. Optional: a query service without system tables omits it.
   */
  addSystemTable?(provider: SystemTableProvider): () => void;
  /**
   * Adds a plugin's `ADMIN name(...)` function (see AdminFunction); returns
   * a function that removes it. Throws when the name is taken. Optional.
   */
  addAdminFunction?(fn: AdminFunction): () => void;
}
