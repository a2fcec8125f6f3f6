import { parentPort } from 'node:worker_threads';
import { InvalidArgumentsError } from '@strata/kernel';
import { LineProtocolError, PayloadTooLargeError } from '../errors.js';
import { LineProtocolParser } from '../influxdb/line-protocol-parser.js';
import type { ParseReply, ParseTask, TransferredTableData, WorkerErrorData } from './line-protocol-parse-pool.js';

// Worker entry of LineProtocolParsePool: runs the in-thread parser on a body
// and posts the finished column buffers back, transferred (not copied).

function errorData(err: unknown): WorkerErrorData {
  if (err instanceof LineProtocolError) return { type: 'line', line: err.line, message: err.message };
  if (err instanceof PayloadTooLargeError) return { type: 'too-large', message: err.message };
  if (err instanceof InvalidArgumentsError) return { type: 'invalid', message: err.message };
  const e = err as Error;
  return { type: 'other', message: String(e?.message ?? err), stack: e?.stack };
}

const port = parentPort!;
port.on('message', (task: ParseTask) => {
  let reply: ParseReply;
  const transfer: ArrayBuffer[] = [];
  try {
    const parser = new LineProtocolParser({ precision: task.precision, defaultTimestampNs: task.defaultTimestampNs, maxCells: task.maxCells });
    let body = Buffer.from(task.body, task.byteOffset, task.byteLength);
    if (task.more?.length) {
      // A body sent as its socket chunks: joined here, off the event-loop thread.
      body = Buffer.concat([body, ...task.more.map(([ab, offset, length]) => Buffer.from(ab, offset, length))]);
    }
    const builders = parser.parse(body);
    const seen = new Set<ArrayBufferLike>();
    const add = <T extends Float64Array | Uint32Array | Uint8Array | Int32Array>(a: T | undefined): T | undefined => {
      if (a === undefined) return a;
      // A buffer much larger than its rows (string bytes grown by doubling) is cut to size
      // here, where copying is cheap: whatever is transferred adds to the main thread's
      // external memory, and that drives its full GCs.
      const b = a.buffer.byteLength > 4096 && a.buffer.byteLength > a.byteLength * 1.25 ? a.slice() as T : a;
      if (!seen.has(b.buffer)) { seen.add(b.buffer); transfer.push(b.buffer as ArrayBuffer); }
      return b;
    };
    const tables: TransferredTableData[] = builders.map((b) => {
      const columns = b.columns.map((c) => {
        const bufs = c.toBuffers(b.rowCount);
        return { ...bufs, nullBitmap: add(bufs.nullBitmap), data: add(bufs.data)!, valueOffsets: add(bufs.valueOffsets) };
      });
      return { table: b.table, rowCount: b.rowCount, columns };
    });
    reply = { id: task.id, tables };
  } catch (err) {
    reply = { id: task.id, error: errorData(err) };
    transfer.length = 0;
  }
  port.postMessage(reply, transfer);
});
/**
 * Parses a small synthetic batch a few times so the parser is optimised
 * before the first real body: each worker JITs on its own, and with only
 * a share of the batches it would otherwise parse its first ones slowly.
 */
function warmUp(): void {
  const lines: string[] = [];
  for (let i = 0; i < 2000; i++) {
    lines.push(`warm,host=h${i % 50},rack=r${i % 7},os=Ubuntu16.04LTS f=${i}.25,g=${i % 97},n=${i}i,u=${i}u,b=${i % 2 ? 't' : 'f'},s="v${i % 11}" ${1_600_000_000_000_000_000n + BigInt(i) * 10_000_000_000n}`);
  }
  const body = Buffer.from(lines.join('\n'));
  for (let k = 0; k < 8; k++) {
    for (const b of new LineProtocolParser({ precision: 'ns' }).parse(body)) for (const c of b.columns) c.toBuffers(b.rowCount);
  }
}

try { warmUp(); } catch { /* only an optimisation */ }
// Tells the pool that the modules are loaded: start() waits for it, so the
// loading (a few hundred ms of CPU) does not compete with the first writes.
port.postMessage({ ready: true });
