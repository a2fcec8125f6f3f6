import type * as arrow from 'apache-arrow';

/** Row op types, stored per row in memtables and in SSTs (`__op_type`). */
export const OP_PUT = 0;
export const OP_DELETE = 1;

/** Names of the internal columns an SST carries beside the table's columns. */
export const OP_COLUMN = '__op_type';
export const PK_COLUMN = '__pk_id';

/**
 * A sorted run of rows: ordered by (series key, ts) and, unless the region is
 * append-mode, holding at most one row per (series, ts). Memtable snapshots
 * and SST row groups both present themselves as chunks to the merge.
 */
export interface Chunk {
  readonly length: number;
  /** Series ordinal per row: non-decreasing, changes exactly where the series changes. */
  readonly pk: Int32Array;
  readonly ts: BigInt64Array;
  readonly op: Uint8Array;
  readonly hasDeletes: boolean;
  /** Series key (see series-key.ts) of the series at `row`, for the region's primary key. */
  keyAt(row: number): string;
  /** Value of tag `name` for the series at `row` (null when the chunk predates the tag). */
  tagValue(name: string, row: number): unknown;
  /** A table column (tags, fields; the time index too), undefined when the chunk lacks it. */
  column(name: string): arrow.Vector | undefined;
  /**
   * Optional fast path for String tags: the UTF-8 bytes of tag `name` for the
   * series at `row` (null when the value is null or the chunk predates the
   * tag). The output builder copies them once per series run instead of
   * materializing the tag column row by row.
   */
  tagBytes?(name: string, row: number): Uint8Array | null;
}
