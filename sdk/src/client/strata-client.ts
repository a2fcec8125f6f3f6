import * as grpc from '@grpc/grpc-js';
import * as arrow from 'apache-arrow';
import { decodeMessage, encodeMessage, fromGrpcError, GrpcChannels } from './grpc-transport.js';
import { httpRequest } from './http-transport.js';
import { isReadOnlySql, StrataClientError, withRetries, type RetryOptions } from './retry-policy.js';
import { encodeRowInsertGreptimeRequest } from './row-encoder.js';
import { toLineProtocol, type TableRows } from './rows.js';
import { StrataStreamWriter, type StreamWriterOptions } from './stream-writer.js';

/** Where and how to reach a Strata (or GreptimeDB) server. */
export interface StrataClientOptions {
  /** HTTP base URL, e.g. `http://127.0.0.1:4000` (for line-protocol inserts and /v1/sql). */
  readonly http?: string;
  /** gRPC address `host:port`, e.g. `127.0.0.1:4001` (row inserts, SQL, Flight). */
  readonly grpc?: string;
  /** Database for every call unless a call names another. Default `public`. */
  readonly database?: string;
  readonly auth?: { readonly username: string; readonly password: string };
  /** TLS for both transports: a PEM CA to trust (self-signed servers) and a name override for gRPC. */
  readonly tls?: { readonly ca?: string | Buffer; readonly serverName?: string };
  /** Per-attempt time limit. Default 30 s. */
  readonly timeoutMs?: number;
  readonly retry?: RetryOptions;
  readonly maxMessageSizeBytes?: number;
}

export type Transport = 'grpc' | 'http';
export type QueryTransport = 'flight' | 'http';

export interface CallOptions { readonly database?: string }

/**
 * A client for Strata's gRPC and HTTP APIs.
 *
 * @example
 * const client = new StrataClient({ grpc: '127.0.0.1:4001', http: 'http://127.0.0.1:4000' });
 * await client.insert({ table: 'cpu', tags: ['host'], rows: [{ host: 'a', ts: Date.now(), usage: 0.5 }] });
 * const rows = await client.queryRows('SELECT * FROM cpu');
 * client.close();
 */
export class StrataClient {
  private channels?: GrpcChannels;
  readonly database: string;

  constructor(readonly options: StrataClientOptions) {
    if (!options.http && !options.grpc) throw new TypeError('StrataClient needs an `http` URL or a `grpc` address');
    this.database = options.database ?? 'public';
  }

  private get timeoutMs(): number { return this.options.timeoutMs ?? 30_000; }

  private grpc(): GrpcChannels {
    if (!this.options.grpc) throw new TypeError('this StrataClient has no `grpc` address');
    this.channels ??= new GrpcChannels({ address: this.options.grpc, tls: this.options.tls, maxMessageSizeBytes: this.options.maxMessageSizeBytes });
    return this.channels;
  }

  private metadata(database: string): grpc.Metadata {
    const md = new grpc.Metadata();
    md.set('x-greptime-db-name', database);
    const a = this.options.auth;
    if (a) md.set('authorization', `Basic ${Buffer.from(`${a.username}:${a.password}`).toString('base64')}`);
    return md;
  }

  private httpHeaders(extra: Record<string, string> = {}): Record<string, string> {
    const a = this.options.auth;
    return { ...(a ? { authorization: `Basic ${Buffer.from(`${a.username}:${a.password}`).toString('base64')}` } : {}), ...extra };
  }

  private httpUrl(path: string, params: Record<string, string>): URL {
    if (!this.options.http) throw new TypeError('this StrataClient has no `http` URL');
    const url = new URL(path, this.options.http);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    return url;
  }

  /** One Handle call; `request` is a GreptimeRequest object (header added) or pre-encoded bytes. */
  private handle(request: Record<string, unknown> | Buffer, database: string): Promise<{ affected_rows?: { value?: number }; strata_arrow_ipc?: Buffer }> {
    const { database: stub } = this.grpc();
    const message = Buffer.isBuffer(request) ? request : { header: { dbname: database }, ...request };
    return new Promise((resolve, reject) => {
      stub.Handle!(message, this.metadata(database), { deadline: Date.now() + this.timeoutMs },
        (err: grpc.ServiceError | null, res: { affected_rows?: { value?: number } }) => (err ? reject(fromGrpcError(err)) : resolve(res)));
    });
  }

  /**
   * Inserts rows of one or more tables, creating tables and columns as
   * needed. Over gRPC one GreptimeDatabase Handle call carries them all
   * (row inserts); over HTTP each table is one InfluxDB line-protocol
   * write. Retried on 503/429/UNAVAILABLE: a row insert is idempotent (the
   * same series and timestamp overwrite). Returns the rows written.
   */
  async insert(tables: TableRows | readonly TableRows[], options: CallOptions & { via?: Transport } = {}): Promise<number> {
    const list = (Array.isArray(tables) ? tables : [tables]) as readonly TableRows[];
    const database = options.database ?? this.database;
    const via = options.via ?? (this.options.grpc ? 'grpc' : 'http');
    if (list.every((t) => t.rows.length === 0)) return 0;
    if (via === 'grpc') {
      const request = encodeRowInsertGreptimeRequest(encodeMessage('greptime.v1.RequestHeader', { dbname: database }), list);
      const res = await withRetries(() => this.handle(request, database), this.options.retry ?? {}, true);
      return res.affected_rows?.value ?? 0;
    }
    let rows = 0;
    for (const t of list) {
      if (t.rows.length === 0) continue;
      const { body, precision } = toLineProtocol(t);
      const url = this.httpUrl('/v1/influxdb/write', { db: database, precision });
      await withRetries(() => httpRequest(url, { method: 'POST', headers: this.httpHeaders({ 'content-type': 'text/plain; charset=utf-8' }), body, timeoutMs: this.timeoutMs, ca: this.options.tls?.ca }),
        this.options.retry ?? {}, true);
      rows += t.rows.length;
    }
    return rows;
  }

  /**
   * Runs SQL through the GreptimeDatabase service and returns the affected
   * rows (DDL/DML). Statements that are not read-only are retried only when
   * the server refused them before running (never after a lost connection).
   */
  async execute(sql: string, options: CallOptions = {}): Promise<number> {
    const database = options.database ?? this.database;
    if (!this.options.grpc) {
      const url = this.httpUrl('/v1/sql', { db: database });
      const res = await withRetries(() => httpRequest(url, { method: 'POST', headers: this.httpHeaders({ 'content-type': 'application/x-www-form-urlencoded' }), body: new URLSearchParams({ sql }).toString(), timeoutMs: this.timeoutMs, ca: this.options.tls?.ca }),
        this.options.retry ?? {}, isReadOnlySql(sql));
      const out = (JSON.parse(res.body.toString('utf8')) as { output: Array<{ affectedrows?: number }> }).output;
      return out.reduce((n, o) => n + (o.affectedrows ?? 0), 0);
    }
    const res = await withRetries(() => this.handle({ query: { sql } }, database), this.options.retry ?? {}, isReadOnlySql(sql));
    return res.affected_rows?.value ?? 0;
  }

  /**
   * Runs a query and returns its result as an Arrow table: over Flight
   * DoGet (ticket = SQL; the default when a gRPC address is set) or
   * HTTP `/v1/sql?format=arrow`. Read-only SQL is retried on transient errors.
   */
  async query(sql: string, options: CallOptions & { via?: QueryTransport } = {}): Promise<arrow.Table> {
    const database = options.database ?? this.database;
    const via = options.via ?? (this.options.grpc ? 'flight' : 'http');
    const idempotent = isReadOnlySql(sql);
    if (via === 'http') {
      const url = this.httpUrl('/v1/sql', { db: database, format: 'arrow' });
      const res = await withRetries(() => httpRequest(url, {
        method: 'POST', timeoutMs: this.timeoutMs, ca: this.options.tls?.ca, body: new URLSearchParams({ sql }).toString(),
        headers: this.httpHeaders({ 'content-type': 'application/x-www-form-urlencoded', accept: 'application/vnd.apache.arrow.stream' }),
      }), this.options.retry ?? {}, idempotent);
      return res.body.byteLength === 0 ? new arrow.Table() : arrow.tableFromIPC(res.body);
    }
    return withRetries(() => this.doGet(sql, database), this.options.retry ?? {}, idempotent);
  }

  /** Like `query`, as plain objects (Int64 as bigint, timestamps as numbers in milliseconds). */
  async queryRows(sql: string, options: CallOptions & { via?: QueryTransport } = {}): Promise<Array<Record<string, unknown>>> {
    const table = await this.query(sql, options);
    return table.toArray().map((row: { toJSON(): Record<string, unknown> }) => ({ ...row.toJSON() }));
  }

  private doGet(sql: string, database: string): Promise<arrow.Table> {
    const { flight } = this.grpc();
    return new Promise((resolve, reject) => {
      const call = flight.DoGet!({ ticket: Buffer.from(sql, 'utf8') }, this.metadata(database), { deadline: Date.now() + this.timeoutMs }) as grpc.ClientReadableStream<{ data_header?: Buffer; data_body?: Buffer }>;
      const parts: Uint8Array[] = [];
      call.on('data', (m: { data_header?: Buffer; data_body?: Buffer }) => {
        if (!m.data_header || m.data_header.byteLength === 0) return; // app_metadata only (DML)
        const padded = (m.data_header.byteLength + 7) & ~7;
        const prefix = Buffer.alloc(8 + padded);
        prefix.writeUInt32LE(0xffffffff, 0);
        prefix.writeInt32LE(padded, 4);
        prefix.set(m.data_header, 8);
        parts.push(prefix);
        if (m.data_body && m.data_body.byteLength > 0) parts.push(m.data_body);
      });
      call.on('error', (err: grpc.ServiceError) => reject(fromGrpcError(err)));
      call.on('end', () => {
        if (parts.length === 0) { resolve(new arrow.Table()); return; }
        parts.push(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]));
        try {
          resolve(new arrow.Table(arrow.RecordBatchReader.from(Buffer.concat(parts)).readAll()));
        } catch (err) {
          reject(new StrataClientError(`Flight DoGet answer is not Arrow IPC: ${(err as Error).message}`, { retryable: false, maybeApplied: true }, { cause: err }));
        }
      });
    });
  }

  /** A writer that batches rows (by count or bytes) and sends them with `insert`. */
  streamWriter(options: StreamWriterOptions = {}): StrataStreamWriter {
    return new StrataStreamWriter(this, options);
  }

  /** Closes the gRPC channel (HTTP requests hold no connection). */
  close(): void {
    this.channels?.close();
    this.channels = undefined;
  }
}

export { encodeMessage, decodeMessage };
