import { o, type InferShape } from '@strata/kernel';

/**
 * Options of engine-lsm. Sizes take '64MiB'-style strings, durations '1h'.
 *
 * @example
 * { memtableBytesMax: '128MiB', compaction: { windowMs: '1d', filesPerWindowMax: 4 } }
 */
export const engineLsmOptionsShape = {
  /** Root key in the object store under which region data lives. */
  dataPrefix: o.string({ default: 'data', description: 'Object-store key prefix for region data (SSTs, manifests).' }),
  memtableBytesMax: o.bytes({ default: '64MiB', description: 'A region memtable is frozen and flushed when it grows past this.' }),
  /** Frozen memtables a region may hold before writes wait for a flush (back-pressure). */
  frozenMemtablesMax: o.integer({ default: 4, min: 1, description: 'Frozen memtables per region before writes wait for flushes.' }),
  rowGroupRows: o.integer({ default: 65536, min: 16, description: 'Rows per Parquet row group (the unit of row-group pruning).' }),
  /**
   * Encoded bytes per Parquet data page of new SSTs. A read of a few rows
   * (one series of a file) decompresses and decodes the pages holding them,
   * so smaller pages make point queries on data not cached cheaper, and
   * files larger (32 KiB against the 1 MiB default: about 8% more on the
   * TSBS bench data). Files already written keep their pages.
   */
  dataPageBytes: o.bytes({ default: '1MiB', description: 'Encoded bytes per Parquet data page of new SSTs (smaller: cheaper point reads of uncached data, larger files).' }),
  /**
   * Scans keep each SST they open (its footer fetched and parsed once) for
   * the next scan: a small query then costs no footer read or parse per file.
   * Decompressed pages of small reads stay with the file too (at most a
   * quarter of this per file). Least recently used files are closed past
   * this size (about 4x a file's footer and page indexes, plus its pages);
   * '0' turns it off.
   */
  sstMetaCacheBytes: o.bytes({ default: '64MiB', description: "Opened SSTs (parsed Parquet footers, and the pages and decoded rows of their small reads) kept for later scans, by size ('0' = off)." }),
  /**
   * Fetched SST column chunks (compressed, as stored) kept between scans, so
   * a repeated small query reads nothing from the object store; least
   * recently used dropped first, dropped with their file. One scan holds at
   * most half of it (chunks found and chunks added), and a scan whose fetches
   * exceed that (known from the file layouts before it reads) adds none, so a
   * scan bigger than the cache pushes out nothing (see the README's Cache
   * admission). '0' turns it off.
   */
  sstChunkCacheBytes: o.bytes({ default: '64MiB', description: "Fetched SST column chunks kept for later scans, by size ('0' = off)." }),
  /**
   * Decompressed pages of SST row groups that scans read whole (a scan of
   * most of a file), kept between scans as GreptimeDB's page cache keeps a
   * row group's uncompressed pages: a repeated large scan decompresses
   * nothing (still encoded: decoding them is the scan's work). Least recently
   * used dropped first, dropped with their file; small reads keep theirs with
   * the opened file (sstMetaCacheBytes). One scan holds at most half of it
   * (pages found and pages added), and a scan whose pages exceed that adds
   * none, so a scan bigger than the cache pushes out nothing. '0' turns it off.
   */
  sstPageCacheBytes: o.bytes({ default: '64MiB', description: "Decompressed pages of SST row groups read whole, kept for later scans, by size ('0' = off)." }),
  scanBatchRows: o.integer({ default: 8192, min: 1, description: 'Rows per scan batch when the request does not say.' }),
  flushConcurrency: o.integer({ default: 1, min: 1, description: 'Memtable flushes running at once, across regions.' }),
  compactionConcurrency: o.integer({ default: 1, min: 1, description: 'Compactions running at once, across regions.' }),
  encodeInWorkers: o.boolean({ default: true, description: 'Encode SSTs (Parquet) in worker threads so flushes and compactions do not stall the event loop.' }),
  compaction: o.object({
    enabled: o.boolean({ default: true, description: 'Run compaction and TTL in the background.' }),
    /**
     * '0' (the default): each region infers its window from its data at its
     * first compaction and keeps it in its manifest (see windowSeriesRowsMin). A
     * table's `compaction.twcs.time_window` option overrides both.
     */
    windowMs: o.duration({ default: '0', description: "TWCS time window: files are grouped by the window of their first row ('0' = inferred per region from its data)." }),
    /**
     * An inferred window is the smallest of 1h, 2h, 12h, 1d, 7d, 365d in which
     * a series is expected to have at least this many rows (rows per series
     * over the time the files span). Small windows let time-range scans skip
     * whole files; each file costs about the same per series (tag dictionaries,
     * index), so this keeps that cost small per row. 480: 2 h of 10-15 s samples.
     */
    windowSeriesRowsMin: o.integer({ default: 480, min: 1, description: 'An inferred TWCS window is the smallest of 1h/2h/12h/1d/7d/365d expected to hold at least this many rows of each series.' }),
    filesPerWindowMax: o.integer({ default: 4, min: 2, description: 'A window with more files than this is merged.' }),
    intervalMs: o.duration({ default: '5m', description: 'How often background compaction and TTL look at every region.' }),
  }),
  manifestCheckpointEdits: o.integer({ default: 16, min: 1, description: 'Manifest edits between checkpoints.' }),
  /**
   * GreptimeDB's auto_flush_interval: a region whose oldest unflushed write is
   * older than this is flushed even if its memtable is small, so a quiet
   * region never holds the shared WAL's segments (and its replay) forever.
   */
  autoFlushIntervalMs: o.duration({ default: '1h', description: "Flush a region whose oldest unflushed write is older than this, however small its memtable ('0' turns it off)." }),
};

export const engineLsmOptions = o.object(engineLsmOptionsShape);
export type EngineLsmOptions = InferShape<typeof engineLsmOptionsShape>;

/** Fully defaulted options, for tests and embedders that build the engine directly. */
export function defaultEngineLsmOptions(overrides: Partial<Record<string, unknown>> = {}): EngineLsmOptions {
  return engineLsmOptions.parse(overrides, '') as EngineLsmOptions;
}
