import type * as arrow from 'apache-arrow';
import type { TableSchema } from '../data/data-types.js';

/**
 * A region id: `${tableId}_${regionNumber}` (GreptimeDB packs the same two
 * numbers into a u64). A table has one region per partition.
 */
export type RegionId = string;

/** Builds a region id from a table id and region number. */
export function regionIdOf(tableId: number, regionNumber: number): RegionId {
  return `${tableId}_${regionNumber}`;
}

/** A simple predicate the engine can use to prune files, row groups and rows. */
export type ScanPredicate =
  | { readonly column: string; readonly op: '=' | '!=' | '<' | '<=' | '>' | '>='; readonly value: string | number | bigint | boolean | null }
  | { readonly column: string; readonly op: 'in' | 'not in'; readonly values: ReadonlyArray<string | number | bigint | boolean | null> }
  | { readonly column: string; readonly op: 'regex' | 'not regex'; readonly pattern: string }
  | { readonly column: string; readonly op: 'is null' | 'is not null' };

/**
 * What to read from a region.
 *
 * - `timeRange` is exact: only rows with `start <= ts < end` (in the time
 *   index column's unit) are returned.
 * - `predicates` may be used to prune and filter; the query engine applies
 *   them again, so an engine may ignore any of them.
 * - `limit` is a hint: the engine may stop after `limit` rows once no filter
 *   above it remains (the planner only sets it then).
 */
export interface ScanRequest {
  readonly projection?: readonly string[];
  readonly timeRange?: { readonly start?: bigint; readonly end?: bigint };
  readonly predicates?: readonly ScanPredicate[];
  readonly limit?: number;
  /**
   * A hint that only each series' newest row is wanted (GreptimeDB's
   * `TimeSeriesRowSelector::LastRow`): the engine may return, per series, just
   * the row with the greatest timestamp after dedup and deletes, and may answer
   * from a cache of each file's last rows instead of reading whole files. The
   * planner sets it only where that is exact (`last_value(x ORDER BY ts)`
   * grouped by tags, no time range); an engine may ignore it.
   */
  readonly seriesRowSelector?: 'last_row';
  /** Rows per batch the caller would like (default engine-specific, e.g. 8192). */
  readonly batchSize?: number;
  /**
   * The caller reads String tag (primary key) columns dictionary-encoded as
   * well as plain: the engine may return them as Arrow
   * `Dictionary<Int32, Utf8>` (a batch's distinct values once, an index per
   * row), which spares building and decoding every row's bytes when a scan
   * returns many rows of few series. An engine may ignore it.
   */
  readonly dictionaryTags?: boolean;
  /**
   * The caller does not need the rows in (primary key, ts) order (it
   * aggregates them): the engine may return data that does not overlap in
   * time (files of different time windows) one part after another, each in
   * its own order, instead of merging it all series by series. Duplicates and
   * deletes are still resolved. An engine may ignore it.
   */
  readonly unordered?: boolean;
  readonly signal?: AbortSignal;
  /** Filled by the engine when given: rows and files it read and pruned (EXPLAIN ANALYZE). */
  readonly metrics?: ScanMetrics;
}

/** Counters a scan fills in for EXPLAIN ANALYZE. */
export interface ScanMetrics {
  rowsScanned: number;
  rowsReturned: number;
  filesTotal: number;
  filesPruned: number;
  rowGroupsTotal: number;
  rowGroupsPruned: number;
}

/** Region statistics for system tables. */
export interface RegionStats {
  readonly regionId: RegionId;
  readonly rows: number;
  readonly memtableBytes: number;
  readonly sstBytes: number;
  readonly sstFiles: number;
  readonly seriesCount: number;
  readonly minTs?: bigint;
  readonly maxTs?: bigint;
  readonly flushedSequence: number;
}

/**
 * A storage engine: regions that take columnar writes and answer scans.
 *
 * Writes are Arrow record batches whose columns are a subset of the region
 * schema by name (missing nullable columns are null; missing columns with a
 * default take it). Scans yield batches in (primary key, ts) order with
 * duplicates resolved (last write wins) unless the table is append-mode.
 *
 * ```
 *   write ─▶ WAL.append ─▶ memtable ─▶ ack
 *   memtable full ─▶ freeze ─▶ flush ─▶ SST (Parquet) + manifest edit ─▶ WAL.obsolete
 *   scan ─▶ merge(memtables, SSTs pruned by time/tag indexes) ─▶ dedup ─▶ batches
 * ```
 */
export interface StorageEngine {
  readonly name: string;
  /**
   * True when a scan returns only rows matching the `=` and `in` predicates of
   * its request on String primary-key (tag) columns, from every source it
   * reads. The planner then does not filter them again, and does not read the
   * column for it. Absent or false: predicates are hints, and the planner
   * keeps every filter.
   */
  readonly exactTagPredicates?: boolean;
  createRegion(regionId: RegionId, schema: TableSchema): Promise<void>;
  /** Opens an existing region (recovery: manifest + WAL replay). */
  openRegion(regionId: RegionId, schema: TableSchema): Promise<void>;
  closeRegion(regionId: RegionId): Promise<void>;
  dropRegion(regionId: RegionId): Promise<void>;
  /** Applies a new schema version (add/drop/modify column). */
  alterRegion(regionId: RegionId, schema: TableSchema): Promise<void>;
  /** Writes rows; resolves when they are durable. Returns the rows written. */
  write(regionId: RegionId, batch: arrow.RecordBatch): Promise<number>;
  /** Deletes rows by key: `keys` holds the primary key columns and the time index. */
  delete(regionId: RegionId, keys: arrow.RecordBatch): Promise<number>;
  scan(regionId: RegionId, request: ScanRequest): AsyncIterable<arrow.RecordBatch>;
  flush(regionId: RegionId): Promise<void>;
  compact(regionId: RegionId): Promise<void>;
  truncate(regionId: RegionId): Promise<void>;
  stats(regionId: RegionId): RegionStats;
  listRegions(): RegionId[];
}
