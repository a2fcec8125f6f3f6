import type * as arrow from 'apache-arrow';

/** What a format's reader is given: rows per batch, and the statement's signal (KILL, deadline). */
export interface CopyReadOptions {
  /** Rows per yielded batch, at most (a format may yield fewer). */
  readonly batchRows: number;
  readonly signal: AbortSignal;
}

/** What a format's writer is given. */
export interface CopyWriteOptions {
  readonly signal: AbortSignal;
}

/**
 * A file format for COPY (GreptimeDB's `COPY ... WITH (FORMAT = 'name')`),
 * provided by a plugin through the COPY_FORMAT multi-token. The kernel has
 * CSV and JSON lines built in; engine-lsm provides Parquet. Paths are local
 * files on the server. A format only converts bytes to Arrow and back: the
 * kernel matches file columns to table columns by name, converts types,
 * filters by time range and writes through the insert path.
 *
 * Errors: throw `CopyFileError` (with the file, and the row when known) for
 * a file the format cannot read; the kernel passes it on.
 *
 * @example
 * const ndjson: CopyFormat = {
 *   name: 'ndjson', extension: 'ndjson',
 *   async *read(path, { batchRows }) { ... yield recordBatch; },
 *   async write(path, schema, batches) { for await (const b of batches) ...; },
 * };
 * ctx.bind(COPY_FORMAT, ndjson);
 */
export interface CopyFormat {
  /** The FORMAT value, lower case ('parquet'). */
  readonly name: string;
  /** File suffix without the dot: COPY DATABASE TO names files `<table>.<extension>`, COPY DATABASE FROM reads those. */
  readonly extension: string;
  /** The file's rows as Arrow record batches, in file order, each of at most `batchRows` rows. */
  read(path: string, options: CopyReadOptions): AsyncIterable<arrow.RecordBatch>;
  /**
   * Writes every batch of `batches` (all of `schema`) to `path`, pulling them
   * as it goes (never all at once). The kernel writes to a temporary name and
   * renames it when this resolves, so a failed export leaves no partial file.
   */
  write(path: string, schema: arrow.Schema, batches: AsyncIterable<arrow.RecordBatch>, options: CopyWriteOptions): Promise<void>;
}
