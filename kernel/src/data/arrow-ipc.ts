import * as arrow from 'apache-arrow';
import { withUnsharedBuffers } from './arrow-build.js';

/**
 * Arrow IPC framings: `stream` (schema message, dictionary and record batch
 * messages, end-of-stream marker) and `file` (the same messages between
 * `ARROW1` magic and a footer that indexes them, for random access).
 */
export type IpcFormat = 'stream' | 'file';

/** Options of `batchesToIpc` / `batchesToIpcPieces`. */
export interface IpcWriteOptions {
  /** The framing; default `stream`, as apache-arrow's `tableToIPC`. */
  readonly format?: IpcFormat;
}

/**
 * Writes `batches` (each of `schema`) as Arrow IPC: the one way Strata
 * writes IPC (HTTP `format=arrow`, gRPC and Flight answers, SST encoding,
 * WAL payloads), so none can forget what apache-arrow's writer needs. Its
 * writer joins its output pieces with `collapseContiguousByteRanges`, which
 * merges two consecutive pieces of one ArrayBuffer when they touch *or
 * overlap*: a batch whose columns share a buffer (`SELECT v, v AS w` gives one
 * vector twice) came out shorter than its header says and no reader could
 * open it. Every batch goes through `withUnsharedBuffers` first, which copies
 * only buffers that overlap one met before (a batch without sharing is
 * written as is). With no batches, the output is the schema alone.
 *
 * @example
 * const bytes = batchesToIpc(schema, batches, { format: 'file' });
 * arrow.tableFromIPC(bytes).numRows // the rows of `batches`
 */
export function batchesToIpc(schema: arrow.Schema, batches: Iterable<arrow.RecordBatch>, options: IpcWriteOptions = {}): Uint8Array {
  return writeAll(schema, batches, options.format).toUint8Array(true);
}

/**
 * The bytes `batchesToIpc` writes, as the writer's pieces in order (views of
 * the batches' buffers and small headers) rather than joined into one new
 * buffer: for a caller that copies them straight into a buffer of its own
 * (engine-lsm's WAL payload, after its header) and so saves one copy of the
 * whole payload. Their concatenation equals `batchesToIpc`'s output.
 *
 * @example
 * const pieces = batchesToIpcPieces(batch.schema, [batch]);
 * const out = new Uint8Array(8 + pieces.reduce((n, p) => n + p.byteLength, 0));
 * let at = 8; for (const p of pieces) { out.set(p, at); at += p.byteLength; }
 */
export function batchesToIpcPieces(schema: arrow.Schema, batches: Iterable<arrow.RecordBatch>, options: IpcWriteOptions = {}): Uint8Array[] {
  const writer = writeAll(schema, batches, options.format);
  // The sink's pieces are not public API: fall back to the joined bytes if a release moves them.
  const parts = (writer as unknown as { _sink?: { _values?: unknown } })._sink?._values;
  return Array.isArray(parts) && parts.every((p) => p instanceof Uint8Array) ? parts as Uint8Array[] : [writer.toUint8Array(true)];
}

function writeAll(schema: arrow.Schema, batches: Iterable<arrow.RecordBatch>, format: IpcFormat = 'stream'): arrow.RecordBatchWriter {
  const unshared: arrow.RecordBatch[] = [];
  for (const b of batches) unshared.push(withUnsharedBuffers(b));
  const table = new arrow.Table(schema, unshared);
  return format === 'file' ? arrow.RecordBatchFileWriter.writeAll(table) : arrow.RecordBatchStreamWriter.writeAll(table);
}
