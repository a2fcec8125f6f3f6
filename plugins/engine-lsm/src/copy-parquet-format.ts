import * as arrow from 'apache-arrow';
import { open, type FileHandle } from 'node:fs/promises';
import { batchesToIpc, CancelledError, CopyFileError, type CopyFormat } from '@strata/kernel';
import { pw } from './parquet.js';

/**
 * COPY's Parquet format (`COPY t TO 'f.parquet'`, GreptimeDB's default
 * FORMAT), provided here because engine-lsm already carries parquet-wasm
 * (arrow-rs) for its SSTs: the kernel stays free of wasm and a second copy
 * of the module is not loaded.
 *
 * Reading goes one row group at a time through a Blob-like view of the file
 * whose reads happen in JS (a failing read inside parquet-wasm's own Blob
 * reader is an uncatchable wasm panic; see PrefetchedBlob in sst.ts), after
 * checking the PAR1 magic so a file of another format is a clear error.
 * Writing streams the batches through transformParquetStream (zstd, row
 * groups of 122,880 rows as DuckDB writes them), never the whole table.
 */
export const parquetCopyFormat: CopyFormat = {
  name: 'parquet',
  extension: 'parquet',

  async *read(path, { batchRows, signal }) {
    const fh = await open(path, 'r');
    try {
      const size = (await fh.stat()).size;
      const magic = async (at: number): Promise<string> => { const b = Buffer.alloc(4); await fh.read(b, 0, 4, at); return b.toString('latin1'); };
      if (size < 12 || await magic(0) !== 'PAR1' || await magic(size - 4) !== 'PAR1') throw new CopyFileError(path, 'is not a Parquet file (no PAR1 magic at its start and end)');
      let file: Awaited<ReturnType<typeof pw.ParquetFile.fromFile>>;
      // A read that fails or comes up short is noted here (the reader sees zeros) and fails the import.
      const reads: ReadState = {};
      const readFailed = (): void => { if (reads.failed) throw new CopyFileError(path, `could not be read whole: ${reads.failed}`); };
      try { file = await pw.ParquetFile.fromFile(fileBlob(fh, size, reads) as unknown as Blob); } catch (err) {
        readFailed();
        throw new CopyFileError(path, `is not a readable Parquet file: ${errorText(err)}`, undefined, { cause: err });
      }
      readFailed();
      try {
        const groups = file.metadata().numRowGroups();
        for (let g = 0; g < groups; g++) {
          if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new CancelledError();
          let ipc: Uint8Array;
          try {
            const t = await file.read({ rowGroups: [g], batchSize: batchRows });
            readFailed();
            try { ipc = t.intoIPCStream(); } finally { try { t.free(); } catch { /* consumed by intoIPCStream */ } }
          } catch (err) {
            throw new CopyFileError(path, `row group ${g} cannot be decoded: ${errorText(err)}`, undefined, { cause: err });
          }
          for (const b of arrow.tableFromIPC(ipc).batches) if (b.numRows) yield b;
        }
      } finally {
        file.free();
      }
    } finally {
      await fh.close();
    }
  },

  async write(path, schema, batches, { signal }) {
    const props = new pw.WriterPropertiesBuilder().setCompression(pw.Compression.ZSTD).setMaxRowGroupSize(122_880).setCreatedBy('strata COPY').build();
    const it = batches[Symbol.asyncIterator]();
    let done = false;
    let fh: FileHandle | undefined;
    try {
      const first = await it.next();
      done = first.done === true;
      fh = await open(path, 'w');
      if (first.done) {
        // No batch, no schema for the stream writer: an empty file is written whole.
        await fh.write(pw.writeParquet(pw.Table.fromIPCStream(batchesToIpc(schema, [], { format: 'stream' })), props));
        return;
      }
      let pending: arrow.RecordBatch | undefined = first.value;
      // parquet-wasm ends its output quietly when the input stream errors, so a failure of the
      // rows is kept here and thrown after the writer stops: the file is never taken as complete.
      let failure: unknown;
      const input = new ReadableStream({
        async pull(ctrl) {
          try {
            if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new CancelledError();
            let b = pending;
            pending = undefined;
            if (!b) { const r = await it.next(); done = r.done === true; b = r.value; }
            if (!b) { ctrl.close(); return; }
            const t = pw.Table.fromIPCStream(batchesToIpc(schema, [b], { format: 'stream' }));
            try { for (const rb of t.recordBatches()) ctrl.enqueue(rb); } finally { t.free(); }
          } catch (err) {
            failure ??= err;
            ctrl.close();
          }
        },
      });
      const out = fh;
      for await (const part of (await pw.transformParquetStream(input, props)) as unknown as AsyncIterable<Uint8Array>) await out.write(part);
      if (failure !== undefined) throw failure;
      if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new CancelledError();
    } finally {
      await fh?.close();
      // Stopped early: close the rows' source (the engine's scan releases its files).
      if (!done) await it.return?.().catch(() => undefined);
    }
  },
};

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Set when a read of the file failed or came up short (the file changed while read). */
interface ReadState { failed?: string }

/** The Blob subset parquet-wasm reads through (size, slice, arrayBuffer), served by positional reads of an open file. */
function fileBlob(fh: FileHandle, size: number, reads: ReadState, from = 0, to = size): { size: number; slice(start?: number, end?: number): ReturnType<typeof fileBlob>; arrayBuffer(): Promise<ArrayBuffer> } {
  return {
    size: to - from,
    slice(start = 0, end = to - from) {
      const len = to - from;
      const a = Math.max(0, start < 0 ? len + start : Math.min(start, len));
      const b = Math.max(a, end < 0 ? len + end : Math.min(end, len));
      return fileBlob(fh, size, reads, from + a, from + b);
    },
    async arrayBuffer() {
      const buf = new Uint8Array(to - from);
      // A failed read returns zeros (a rejection would panic inside wasm) and is noted in `reads`:
      // the import fails after the call, whatever the zeros decoded to.
      try {
        let at = 0;
        while (at < buf.length) {
          const { bytesRead } = await fh.read(buf, at, buf.length - at, from + at);
          if (bytesRead === 0) { reads.failed ??= `${buf.length - at} bytes missing at offset ${from + at} (the file is shorter than when opened)`; break; }
          at += bytesRead;
        }
      } catch (err) { reads.failed ??= errorText(err); }
      return buf.buffer;
    },
  };
}
