import type * as arrow from 'apache-arrow';
import type { ColumnSchema } from '../data/data-types.js';
import type { ScanPredicate } from './engine.js';

/**
 * Builds an index over one column of one SST, row group by row group.
 * `finish` returns the serialized index, stored beside (or inside) the SST.
 */
export interface IndexBuilder {
  /** Adds the column values of row group `rowGroup` (called in row group order). */
  push(values: arrow.Vector, rowGroup: number): void;
  finish(): Uint8Array;
}

/** Reads a serialized index to prune row groups. */
export interface IndexReader {
  /**
   * Row groups that may hold rows matching `predicate`, or `undefined` when
   * this index cannot tell (then every row group is a candidate).
   */
  candidateRowGroups(predicate: ScanPredicate, rowGroupCount: number): Uint8Array | undefined;
}

/**
 * An index kind (e.g. 'inverted' for tags, 'bloom', 'minmax'). Engines ask
 * every registered provider that `appliesTo` a column to build an index when
 * they write an SST, and consult the readers before reading row groups.
 * A column's GreptimeDB index options (`SKIPPING INDEX WITH (...)`, ...) are
 * in `column.indexes`; `indexKindsOf(column)` says which are on, so a
 * provider can build only what the table definition asks for.
 *
 * @example
 * const inverted: IndexProvider = {
 *   name: 'inverted',
 *   appliesTo: (c) => c.semantic === 'tag',
 *   createBuilder: (c) => new InvertedIndexBuilder(c),
 *   open: (bytes) => InvertedIndexReader.decode(bytes),
 * };
 * const bloom: IndexProvider = {
 *   name: 'bloom',
 *   appliesTo: (c) => indexKindsOf(c).skipping !== undefined, // SKIPPING INDEX columns
 *   createBuilder: (c) => new BloomBuilder(c.indexes!.skipping!.granularity, c.indexes!.skipping!.falsePositiveRate),
 *   open: (bytes) => BloomReader.decode(bytes),
 * };
 */
export interface IndexProvider {
  readonly name: string;
  appliesTo(column: ColumnSchema): boolean;
  createBuilder(column: ColumnSchema): IndexBuilder;
  open(bytes: Uint8Array): IndexReader;
}
