import { parentPort } from 'node:worker_threads';
import type { TableSchema } from '@strata/kernel';
import { encodeParquet } from './sst.js';

/** A worker thread that encodes SSTs, so a flush or compaction does not stall the event loop. */
interface EncodeRequest { readonly id: number; readonly ipc: Uint8Array; readonly schema: TableSchema; readonly rowGroupRows: number; readonly dataPageBytes: number }

parentPort?.on('message', (m: EncodeRequest) => {
  encodeParquet(m.ipc, m.schema, m.rowGroupRows, m.dataPageBytes).then(({ bytes, layout }) => {
    const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
    parentPort!.postMessage({ id: m.id, bytes: own, layout }, [own.buffer as ArrayBuffer]);
  }, (err: unknown) => {
    parentPort!.postMessage({ id: m.id, error: err instanceof Error ? err.message : String(err) });
  });
});
