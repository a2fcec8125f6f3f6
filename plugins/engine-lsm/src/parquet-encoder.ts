import { Worker } from 'node:worker_threads';
import type { TableSchema } from '@strata/kernel';
import { StorageError } from './errors.js';
import { encodeParquet, type SstLayout } from './sst.js';

type Result = { bytes: Uint8Array; layout: SstLayout };
interface Pending { resolve(r: Result): void; reject(e: Error): void }
interface Slot { worker: Worker; pending: Map<number, Pending>; idle?: NodeJS.Timeout; retired?: boolean }

/**
 * Encodes SSTs in worker threads (parquet-wasm is synchronous and takes
 * about a second per 500k rows), round-robin over at most `size` workers.
 * One pool per process, shared by every engine; idle workers are unref'd, so
 * they never keep the process alive, and are replaced if one dies. A worker
 * idle for `idleMs` exits: its heap and parquet-wasm's memory (which never
 * shrinks) go back to the system once ingest pauses, and the next flush
 * starts a new one (about 50 ms).
 *
 * ```
 *  flush/compaction ─▶ prepareSst (index, IPC) ─▶ pool.encode ─▶ worker: writeParquet + layout ─▶ bytes
 * ```
 */
export class ParquetEncoderPool {
  private slots: Slot[] = [];
  private next = 0;
  private ids = 0;

  constructor(private size: number, private readonly idleMs = 30_000) {}

  /** Worker threads running now. */
  get workers(): number { return this.slots.length; }

  /** Lets the pool grow to `size` workers (engines with more concurrency). */
  ensure(size: number): void { if (size > this.size) this.size = size; }

  encode(ipc: Uint8Array, schema: TableSchema, rowGroupRows: number, dataPageBytes: number): Promise<Result> {
    let slot: Slot;
    try {
      slot = this.slot();
    } catch {
      return encodeParquet(ipc, schema, rowGroupRows, dataPageBytes); // no workers here: encode inline
    }
    const id = ++this.ids;
    return new Promise<Result>((resolve, reject) => {
      // Referenced while busy (a flush awaited with nothing else pending must not let the process exit), unreferenced when idle.
      if (slot.pending.size === 0) slot.worker.ref();
      if (slot.idle) { clearTimeout(slot.idle); slot.idle = undefined; }
      slot.pending.set(id, { resolve, reject });
      const own = ipc.byteOffset === 0 && ipc.byteLength === ipc.buffer.byteLength ? ipc : ipc.slice();
      slot.worker.postMessage({ id, ipc: own, schema, rowGroupRows, dataPageBytes }, [own.buffer as ArrayBuffer]);
    });
  }

  private slot(): Slot {
    if (this.slots.length < this.size) {
      const worker = new Worker(new URL('./parquet-worker.js', import.meta.url));
      worker.unref();
      const s: Slot = { worker, pending: new Map() };
      worker.on('message', (m: { id: number; bytes?: Uint8Array; layout?: SstLayout; error?: string }) => {
        const p = s.pending.get(m.id);
        if (!p) return;
        s.pending.delete(m.id);
        if (s.pending.size === 0) this.idle(s);
        if (m.error !== undefined || !m.bytes || !m.layout) p.reject(new StorageError(`engine-lsm: encoding an SST failed: ${m.error ?? 'no result'}`));
        else p.resolve({ bytes: m.bytes, layout: m.layout });
      });
      const fail = (err: unknown): void => {
        this.slots = this.slots.filter((x) => x !== s);
        if (s.idle) clearTimeout(s.idle);
        for (const p of s.pending.values()) p.reject(new StorageError('engine-lsm: an SST encoder thread died', { cause: err }));
        s.pending.clear();
      };
      worker.on('error', fail);
      worker.on('exit', (code) => fail(new Error(`exit code ${code}`)));
      this.slots.push(s);
      return s;
    }
    const s = this.slots[this.next++ % this.slots.length]!;
    return s;
  }

  /** Unreferences an idle worker and retires it if it stays idle for idleMs. */
  private idle(s: Slot): void {
    s.worker.unref();
    if (this.idleMs <= 0 || s.retired) return;
    s.idle = setTimeout(() => {
      s.idle = undefined;
      if (s.pending.size > 0) return;
      s.retired = true;
      this.slots = this.slots.filter((x) => x !== s);
      void s.worker.terminate();
    }, this.idleMs);
    s.idle.unref();
  }
}

let shared: ParquetEncoderPool | undefined;

/** The process-wide encoder pool, grown to at least `size` workers. */
export function sharedEncoderPool(size: number): ParquetEncoderPool {
  shared ??= new ParquetEncoderPool(size);
  shared.ensure(size);
  return shared;
}
