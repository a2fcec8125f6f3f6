import type { CallOptions, StrataClient, Transport } from './strata-client.js';
import { estimateRowBytes, type ColumnType, type Row, type TableRows } from './rows.js';

export interface StreamWriterOptions extends CallOptions {
  readonly via?: Transport;
  /** Send when this many rows are pending. Default 5000. */
  readonly maxBatchRows?: number;
  /** Send when the pending rows are about this many bytes. Default 4 MiB. */
  readonly maxBatchBytes?: number;
  /** Send pending rows at least this often (0 = only by size and on flush). Default 1000 ms. */
  readonly flushIntervalMs?: number;
}

interface Pending { shape: Omit<TableRows, 'rows'>; rows: Row[] }

/**
 * Streaming inserts: rows go into per-table buffers and are sent in
 * batches of `maxBatchRows` rows or `maxBatchBytes` bytes (whichever comes
 * first), or every `flushIntervalMs`. One batch is in flight at a time, in
 * order; `write` waits while the buffer is full (back-pressure), and a
 * failed batch (after the client's retries) fails the next write, flush or
 * close.
 *
 * @example
 * const w = client.streamWriter({ maxBatchRows: 1000 });
 * for (const r of readings) await w.write({ table: 'cpu', tags: ['host'] }, r);
 * const written = await w.close();
 */
export class StrataStreamWriter {
  private pending = new Map<string, Pending>();
  private pendingRows = 0;
  private pendingBytes = 0;
  private inFlight: Promise<void> = Promise.resolve();
  private failure: unknown;
  private timer?: NodeJS.Timeout;
  private closed = false;
  /** Rows the server acknowledged. */
  written = 0;
  /** Batches sent. */
  batches = 0;

  constructor(private readonly client: StrataClient, private readonly options: StreamWriterOptions) {
    const every = options.flushIntervalMs ?? 1000;
    if (every > 0) {
      this.timer = setInterval(() => { if (this.pendingRows > 0) this.send(); }, every);
      this.timer.unref();
    }
  }

  /** Queues one row (or several) of a table; resolves once buffered. */
  async write(shape: { table: string; tags?: readonly string[]; timestamp?: string; types?: Readonly<Record<string, ColumnType>> }, ...rows: Row[]): Promise<void> {
    if (this.closed) throw new Error('stream writer is closed');
    if (this.failure) throw this.failure;
    const key = JSON.stringify([shape.table, shape.tags ?? [], shape.timestamp ?? 'ts', shape.types ?? {}]);
    let p = this.pending.get(key);
    if (!p) { p = { shape: { table: shape.table, tags: shape.tags, timestamp: shape.timestamp, types: shape.types }, rows: [] }; this.pending.set(key, p); }
    for (const r of rows) { p.rows.push(r); this.pendingRows++; this.pendingBytes += estimateRowBytes(r); }
    if (this.pendingRows >= (this.options.maxBatchRows ?? 5000) || this.pendingBytes >= (this.options.maxBatchBytes ?? 4 * 1024 * 1024)) {
      // Back-pressure: wait for the batch before this one, so at most two are buffered.
      await this.inFlight;
      this.send();
      if (this.failure) throw this.failure;
    }
  }

  /** Cuts the pending rows into a batch queued behind the one in flight. */
  private send(): void {
    if (this.pendingRows === 0) return;
    const batch = [...this.pending.values()].map((p) => ({ ...p.shape, rows: p.rows }));
    this.pending = new Map();
    this.pendingRows = 0;
    this.pendingBytes = 0;
    this.inFlight = this.inFlight.then(async () => {
      if (this.failure) return;
      try {
        this.written += await this.client.insert(batch, { via: this.options.via, database: this.options.database });
        this.batches++;
      } catch (err) {
        this.failure = err;
      }
    });
  }

  /** Sends everything pending and waits for it. */
  async flush(): Promise<void> {
    this.send();
    await this.inFlight;
    if (this.failure) throw this.failure;
  }

  /** Flushes, stops the timer, and returns the rows written. */
  async close(): Promise<number> {
    if (this.timer) clearInterval(this.timer);
    try {
      await this.flush();
    } finally {
      this.closed = true;
    }
    return this.written;
  }
}
