import * as arrow from 'apache-arrow';
import { batchesToIpcPieces } from '@strata/kernel';
import { CorruptionError } from './errors.js';

const MAGIC = 0x53; // 'S'
const VERSION = 1;

/**
 * WAL payload: [magic u8][version u8][op u8][reserved u8][schemaVersion u32 LE]
 * then the rows as an Arrow IPC stream. The header lets replay tell a put
 * from a delete without decoding the rows.
 */
export function encodeWalPayload(op: number, schemaVersion: number, batch: arrow.RecordBatch): Uint8Array {
  // The IPC stream's pieces are copied once, straight after the header: joining them
  // first would be one more payload-sized allocation per write, and on the ingest path
  // those allocations set the pace of full GCs.
  const pieces = batchesToIpcPieces(batch.schema, [batch], { format: 'stream' });
  let length = 0;
  for (const p of pieces) length += p.byteLength;
  const out = new Uint8Array(8 + length);
  out[0] = MAGIC; out[1] = VERSION; out[2] = op;
  new DataView(out.buffer).setUint32(4, schemaVersion, true);
  let at = 8;
  for (const p of pieces) { out.set(p, at); at += p.byteLength; }
  return out;
}

export function decodeWalPayload(p: Uint8Array): { op: number; schemaVersion: number; batches: arrow.RecordBatch[] } {
  if (p.length < 8 || p[0] !== MAGIC || p[1] !== VERSION) throw new CorruptionError('WAL entry is not an engine-lsm payload');
  const schemaVersion = new DataView(p.buffer, p.byteOffset, p.byteLength).getUint32(4, true);
  const table = arrow.tableFromIPC(p.subarray(8));
  return { op: p[2]!, schemaVersion, batches: table.batches };
}
