import { Worker } from 'node:worker_threads';
import * as arrow from 'apache-arrow';
import { InternalError, InvalidArgumentsError, IllegalStateError, type InsertRequest, type Logger } from '@strata/kernel';
import { LineProtocolError, PayloadTooLargeError, ServerBusyError } from '../errors.js';
import type { Precision } from '../influxdb/line-protocol-parser.js';
import { vectorFromBuffers, type ColumnBuffers } from './columnar-table-builder.js';

/** A body to parse, as posted to a worker. */
export interface ParseTask {
  readonly id: number;
  readonly body: ArrayBuffer;
  readonly byteOffset: number;
  readonly byteLength: number;
  /** More pieces of the body after `body` (joined by the worker), as (buffer, offset, length). */
  readonly more?: ReadonlyArray<readonly [ArrayBuffer, number, number]>;
  readonly precision: Precision;
  readonly defaultTimestampNs: bigint;
  readonly maxCells: number;
}

/** One measurement's finished columns, as posted back (buffers transferred). */
export interface TransferredTableData {
  readonly table: string;
  readonly rowCount: number;
  readonly columns: ColumnBuffers[];
}

/** A parse error, re-raised on the main thread as the same class and message. */
export type WorkerErrorData =
  | { type: 'line'; line: number; message: string }
  | { type: 'too-large' | 'invalid'; message: string }
  | { type: 'other'; message: string; stack?: string };

export type ParseReply = { id: number; tables: TransferredTableData[]; error?: undefined } | { id: number; error: WorkerErrorData; tables?: undefined };

/** Posted once by a worker when its modules are loaded. */
interface ReadyMessage { ready: true; id?: undefined }

/** Anything that becomes an InsertRequest (a ColumnarTableBuilder, a TransferredTable). */
export interface InsertSource {
  build(database: string): InsertRequest;
}

const TS_NS = new arrow.TimestampNanosecond();

/** A table parsed in a worker: Arrow vectors are made over the transferred buffers (no copy). */
export class TransferredTable implements InsertSource {
  constructor(readonly data: TransferredTableData) {}
  get table(): string { return this.data.table; }
  get rowCount(): number { return this.data.rowCount; }
  build(database: string): InsertRequest {
    const columns = this.data.columns.map((c) => ({ name: c.name, semantic: c.semantic, vector: vectorFromBuffers(c, TS_NS) }));
    return { database, table: this.data.table, columns, rowCount: this.data.rowCount, autoCreate: true };
  }
}

export interface LineProtocolParsePoolOptions {
  /** Worker threads (at least 1). */
  readonly workers: number;
  /** Bodies waiting for a worker beyond which parse() refuses with ServerBusyError (503). */
  readonly maxQueued: number;
  /** Retry-After advised when the queue is full. */
  readonly retryAfterMs: number;
  /** Bodies posted to one worker before it answers (keeps it busy while the main thread is). */
  readonly inFlightPerWorker?: number;
  readonly logger?: Logger;
  /** Worker entry (tests); default the compiled line-protocol-worker.js next to this module. */
  readonly workerUrl?: URL;
}

export interface PoolParseOptions {
  readonly precision: Precision;
  readonly maxCells: number;
  /** Timestamp of lines without one (default: now, in nanoseconds). */
  readonly defaultTimestampNs?: bigint;
}

interface Pending {
  readonly task: ParseTask;
  readonly transfer: ArrayBuffer[];
  resolve(tables: TransferredTable[]): void;
  reject(err: Error): void;
}

interface Slot {
  worker: Worker;
  readonly inFlight: Map<number, Pending>;
}

/** Turns a worker's error data back into the error the in-thread parser throws. */
export function errorFromWorker(e: WorkerErrorData): Error {
  switch (e.type) {
    case 'line': {
      const prefix = `InfluxDB line protocol error at line ${e.line}: `;
      return new LineProtocolError(e.line, e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message);
    }
    case 'too-large': return new PayloadTooLargeError(e.message);
    case 'invalid': return new InvalidArgumentsError(e.message);
    case 'other': {
      const err = new InternalError(`line-protocol parse worker failed: ${e.message}`);
      if (e.stack) err.stack = e.stack;
      return err;
    }
  }
}

/**
 * A fixed pool of worker_threads that parse InfluxDB line protocol, so that
 * ingest uses more than the one core of the event loop. Each worker runs the
 * byte-level LineProtocolParser and posts the finished column buffers back
 * transferred (no copies, no per-row objects); the main thread only wraps
 * them in Arrow vectors. Errors come back as the same class and message as
 * in-thread parsing, so a malformed batch still writes nothing.
 *
 * Workers start in start(), a worker that dies is replaced (its bodies in
 * flight fail with an internal error), and stop() terminates them. The
 * queue of waiting bodies is bounded: beyond it parse() throws
 * ServerBusyError (503 + Retry-After).
 *
 * @example
 * const pool = new LineProtocolParsePool({ workers: 2, maxQueued: 64, retryAfterMs: 1000 });
 * pool.start();
 * const tables = await pool.parse(body, { precision: 'ns', maxCells: 64 << 20 });
 * await query.insert(tables.map((t) => t.build('public')), session);
 * await pool.stop();
 */
export class LineProtocolParsePool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private state: 'new' | 'running' | 'stopped' = 'new';
  private readonly workerUrl: URL;
  private readonly inFlightPerWorker: number;
  /** Workers replaced after they died (for /metrics and tests). */
  restarts = 0;

  constructor(private readonly options: LineProtocolParsePoolOptions) {
    if (options.workers < 1) throw new InvalidArgumentsError('a parse pool needs at least one worker');
    this.workerUrl = options.workerUrl ?? new URL('./line-protocol-worker.js', import.meta.url);
    this.inFlightPerWorker = Math.max(1, options.inFlightPerWorker ?? 2);
  }

  get running(): boolean { return this.state === 'running'; }

  /** Bodies waiting for a worker. */
  get queued(): number { return this.queue.length; }

  /** The current worker threads (tests use it to kill one). */
  workers(): readonly Worker[] { return this.slots.map((s) => s.worker); }

  /**
   * Starts the workers; resolves when each has loaded its modules (or after
   * `readyTimeoutMs`: bodies posted before are queued by the worker anyway).
   */
  async start(readyTimeoutMs = 10_000): Promise<void> {
    if (this.state !== 'new') return;
    this.state = 'running';
    const ready: Array<Promise<void>> = [];
    for (let i = 0; i < this.options.workers; i++) {
      const slot: Slot = { worker: undefined as unknown as Worker, inFlight: new Map() };
      this.slots.push(slot);
      ready.push(this.spawn(slot));
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(ready), new Promise<void>((r) => { timer = setTimeout(r, readyTimeoutMs); timer.unref(); })]);
    clearTimeout(timer);
  }

  /** Starts a worker in `slot`; resolves when it is ready or gone. */
  private spawn(slot: Slot): Promise<void> {
    const worker = new Worker(this.workerUrl);
    slot.worker = worker;
    let onReady!: () => void;
    const ready = new Promise<void>((r) => { onReady = r; });
    worker.once('exit', () => onReady());
    worker.on('message', (reply: ParseReply | ReadyMessage) => {
      if (reply.id === undefined) { onReady(); return; }
      const p = slot.inFlight.get(reply.id);
      if (!p) return;
      slot.inFlight.delete(reply.id);
      if (reply.error) p.reject(errorFromWorker(reply.error));
      else p.resolve(reply.tables.map((t) => new TransferredTable(t)));
      this.dispatch();
    });
    worker.on('error', (err) => {
      this.options.logger?.error({ err }, 'line-protocol parse worker failed');
    });
    worker.on('exit', (code) => {
      if (slot.worker !== worker) return;
      const lost = [...slot.inFlight.values()];
      slot.inFlight.clear();
      for (const p of lost) p.reject(new InternalError(`line-protocol parse worker exited (code ${code}) while parsing this body`));
      if (this.state !== 'running') return;
      this.restarts++;
      this.options.logger?.warn({ code }, 'line-protocol parse worker exited; starting a new one');
      void this.spawn(slot);
      this.dispatch();
    });
    return ready;
  }

  /**
   * Parses `body` in a worker. The body's memory is transferred to the
   * worker when the Buffer owns its whole ArrayBuffer (it is unusable
   * afterwards), copied otherwise.
   */
  parse(body: Uint8Array | readonly Uint8Array[], opts: PoolParseOptions): Promise<TransferredTable[]> {
    if (this.state !== 'running') return Promise.reject(new IllegalStateError('the line-protocol parse pool is not running'));
    if (this.queue.length >= this.options.maxQueued && !this.idleSlot()) {
      return Promise.reject(new ServerBusyError(`too many line-protocol bodies waiting to be parsed (${this.queue.length}); retry later`, this.options.retryAfterMs));
    }
    // Each piece's memory is transferred when the piece owns its whole ArrayBuffer
    // (socket chunks do), copied otherwise.
    const pieces = (Array.isArray(body) ? body : [body]) as readonly Uint8Array[];
    const transfer: ArrayBuffer[] = [];
    const seen = new Set<ArrayBufferLike>();
    const parts = pieces.filter((p) => p.byteLength > 0).map((p): [ArrayBuffer, number, number] => {
      const owned = p.buffer instanceof ArrayBuffer && p.byteOffset === 0 && p.byteLength === p.buffer.byteLength && !seen.has(p.buffer);
      const ab = owned ? p.buffer as ArrayBuffer : Uint8Array.prototype.slice.call(p).buffer as ArrayBuffer;
      seen.add(ab);
      transfer.push(ab);
      return [ab, 0, p.byteLength];
    });
    const [first = [new ArrayBuffer(0), 0, 0] as [ArrayBuffer, number, number], ...more] = parts;
    const task: ParseTask = {
      id: this.nextId++, body: first[0], byteOffset: first[1], byteLength: first[2], ...(more.length ? { more } : {}), precision: opts.precision,
      defaultTimestampNs: opts.defaultTimestampNs ?? BigInt(Date.now()) * 1_000_000n, maxCells: opts.maxCells,
    };
    return new Promise<TransferredTable[]>((resolve, reject) => {
      this.queue.push({ task, transfer, resolve, reject });
      this.dispatch();
    });
  }

  private idleSlot(): Slot | undefined {
    // The least loaded worker with room.
    let best: Slot | undefined;
    for (const s of this.slots) {
      if (s.inFlight.size >= this.inFlightPerWorker) continue;
      if (!best || s.inFlight.size < best.inFlight.size) best = s;
    }
    return best;
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const slot = this.idleSlot();
      if (!slot) return;
      const p = this.queue.shift()!;
      slot.inFlight.set(p.task.id, p);
      try {
        slot.worker.postMessage(p.task, p.transfer);
      } catch (err) {
        slot.inFlight.delete(p.task.id);
        p.reject(new InternalError('cannot post a body to a line-protocol parse worker', { cause: err }));
      }
    }
  }

  /** Terminates the workers; bodies waiting or in flight fail. */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    for (const p of this.queue.splice(0)) p.reject(new IllegalStateError('the server is stopping'));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.slots.length = 0;
  }
}
