import * as grpc from '@grpc/grpc-js';
import * as arrow from 'apache-arrow';
import {
  AuthError, batchesToIpc, createSession, InvalidArgumentsError, UnsupportedError,
  type ListenAddress, type Logger, type ProtocolServer, type QueryService, type Session, type UserInfo, type UserProvider,
} from '@strata/kernel';
import { FlightDataError, toServiceError } from './errors.js';
import {
  encapsulatedSchema, frameMessage, IPC_END_OF_STREAM, recordBatchMessages, schemaMessage, type IpcMessage,
} from './flight-data.js';
import { DECODE_ERROR, messageCodec, serviceDefinition } from './proto-codec.js';
import { decodeGreptimeRequest, type GreptimeRequestMessage } from './greptime-request-decoder.js';
import { recordBatchToInsertRequest } from './row-insert.js';
import { decodeRowInsertRequests } from './row-insert-decoder.js';

/** What the gRPC server needs from the plugin context. */
export interface GrpcServerDeps {
  readonly query: QueryService;
  readonly userProvider?: UserProvider;
  readonly logger?: Logger;
  readonly host: string;
  readonly port: number;
  readonly maxMessageSizeBytes: number;
  readonly requestTimeoutMs: number;
  readonly shutdownGraceMs: number;
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer };
}

type RequestHeaderMessage = NonNullable<GreptimeRequestMessage['header']>;
interface FlightDataMessage {
  flight_descriptor?: { type?: number; cmd?: Buffer; path?: string[] };
  data_header?: Uint8Array; app_metadata?: Uint8Array; data_body?: Uint8Array;
}

const flightMetadataCodec = messageCodec<{ affected_rows: { value: number } }>('greptime.v1.FlightMetadata');

type AnyCall = grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerReadableStream<unknown, unknown>
  | grpc.ServerWritableStream<unknown, unknown> | grpc.ServerDuplexStream<unknown, unknown>;

function firstMetadata(md: grpc.Metadata, key: string): string | undefined {
  const v = md.get(key)[0];
  return v === undefined ? undefined : String(v);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The messages of a client stream. Plain `for await` over a Readable
 * destroys the stream when the loop ends, and a destroyed grpc-js call can
 * no longer send its answer or status; this iterator leaves it open.
 */
function messagesOf<T>(call: grpc.ServerReadableStream<unknown, unknown> | grpc.ServerDuplexStream<unknown, unknown>): AsyncIterable<T> {
  return {
    async *[Symbol.asyncIterator]() {
      for await (const msg of { [Symbol.asyncIterator]: () => call.iterator({ destroyOnReturn: false }) }) yield checkDecoded(msg) as T;
    },
  };
}

/** Throws INVALID_ARGUMENTS for a message the codec could not decode. */
function checkDecoded(msg: unknown): unknown {
  if (msg && typeof msg === 'object' && DECODE_ERROR in msg) {
    const cause = (msg as { [DECODE_ERROR]: unknown })[DECODE_ERROR];
    if (cause instanceof InvalidArgumentsError) throw cause;
    throw new InvalidArgumentsError(`malformed protobuf message: ${(cause as Error).message ?? String(cause)}`, { cause });
  }
  return msg;
}

/**
 * The gRPC protocol server: greptime.v1.GreptimeDatabase (Handle,
 * HandleRequests with row inserts and SQL) and arrow.flight.protocol
 * FlightService (Handshake, GetFlightInfo, DoGet, DoPut) on one port.
 *
 * @example
 * const s = new GrpcProtocolServer({ query, host: '127.0.0.1', port: 0, ... });
 * await s.start(); console.log(s.addresses()[0].url); await s.stop();
 */
export class GrpcProtocolServer implements ProtocolServer {
  readonly name = 'grpc';
  private server?: grpc.Server;
  private boundPort = 0;
  private inFlight = 0;

  constructor(private readonly deps: GrpcServerDeps) {}

  addresses(): ListenAddress[] {
    if (!this.server) return [];
    const tls = !!this.deps.tls;
    return [{ protocol: 'grpc', host: this.deps.host, port: this.boundPort, url: `${tls ? 'grpcs' : 'grpc'}://${this.deps.host}:${this.boundPort}`, tls }];
  }

  /** Calls being served right now (grpc-js does not expose its HTTP/2 sessions). */
  connections(): number { return this.inFlight; }

  async start(): Promise<void> {
    const server = new grpc.Server({
      'grpc.max_receive_message_length': this.deps.maxMessageSizeBytes,
      'grpc.max_send_message_length': this.deps.maxMessageSizeBytes,
    });
    // GreptimeRequests are decoded by hand at the top level so row inserts reach the columnar decoder as bytes.
    const database = serviceDefinition('greptime.v1.GreptimeDatabase');
    const databaseService: grpc.ServiceDefinition = {
      ...database,
      Handle: { ...database.Handle!, requestDeserialize: decodeGreptimeRequest },
      HandleRequests: { ...database.HandleRequests!, requestDeserialize: decodeGreptimeRequest },
    };
    server.addService(databaseService, {
      Handle: this.unary((call) => this.handle(call as grpc.ServerUnaryCall<GreptimeRequestMessage, unknown>)),
      HandleRequests: this.clientStream((call) => this.handleRequests(call as grpc.ServerReadableStream<GreptimeRequestMessage, unknown>)),
    });
    server.addService(serviceDefinition('arrow.flight.protocol.FlightService'), {
      Handshake: this.duplex((call) => this.handshake(call)),
      GetFlightInfo: this.unary((call) => this.getFlightInfo(call as grpc.ServerUnaryCall<FlightDataMessage['flight_descriptor'], unknown>)),
      DoGet: this.serverStream((call) => this.doGet(call as grpc.ServerWritableStream<{ ticket?: Buffer }, unknown>)),
      DoPut: this.duplex((call) => this.doPut(call as grpc.ServerDuplexStream<FlightDataMessage, unknown>)),
    });
    const credentials = this.deps.tls
      ? grpc.ServerCredentials.createSsl(null, [{ cert_chain: this.deps.tls.cert, private_key: this.deps.tls.key }], false)
      : grpc.ServerCredentials.createInsecure();
    const host = this.deps.host.includes(':') ? `[${this.deps.host}]` : this.deps.host;
    this.boundPort = await new Promise<number>((resolve, reject) => {
      server.bindAsync(`${host}:${this.deps.port}`, credentials, (err, port) => (err ? reject(err) : resolve(port)));
    });
    this.server = server;
  }

  /**
   * Drains: tryShutdown stops accepting calls and waits for running ones;
   * after shutdownGraceMs the remaining calls are cancelled by forceShutdown.
   */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.deps.logger?.warn({ inFlight: this.inFlight }, 'grpc: shutdown grace over, cancelling calls');
        server.forceShutdown();
        resolve();
      }, this.deps.shutdownGraceMs);
      server.tryShutdown(() => { clearTimeout(timer); resolve(); });
    });
    this.server = undefined;
  }

  // ---- call wrappers: count in-flight calls and turn errors into gRPC statuses ----

  private unary(fn: (call: AnyCall) => Promise<unknown>): grpc.handleUnaryCall<unknown, unknown> {
    return (call, callback) => {
      this.inFlight++;
      Promise.resolve().then(() => { checkDecoded(call.request); return fn(call); })
        .then((res) => callback(null, res), (err) => callback(this.serviceError(err)))
        .finally(() => { this.inFlight--; });
    };
  }

  private clientStream(fn: (call: AnyCall) => Promise<unknown>): grpc.handleClientStreamingCall<unknown, unknown> {
    return (call, callback) => {
      this.inFlight++;
      fn(call).then((res) => callback(null, res), (err) => callback(this.serviceError(err)))
        .finally(() => { this.inFlight--; });
    };
  }

  private serverStream(fn: (call: AnyCall) => Promise<void>): grpc.handleServerStreamingCall<unknown, unknown> {
    return (call) => {
      this.inFlight++;
      Promise.resolve().then(() => { checkDecoded(call.request); return fn(call); })
        .then(() => call.end(), (err) => { call.emit('error', this.serviceError(err)); })
        .finally(() => { this.inFlight--; });
    };
  }

  private duplex(fn: (call: AnyCall) => Promise<void>): grpc.handleBidiStreamingCall<unknown, unknown> {
    return (call) => {
      this.inFlight++;
      fn(call).then(() => call.end(), (err) => { call.emit('error', this.serviceError(err)); })
        .finally(() => { this.inFlight--; });
    };
  }

  private serviceError(err: unknown): grpc.ServiceError {
    const e = toServiceError(err);
    if (e.code === grpc.status.INTERNAL || e.code === grpc.status.UNKNOWN) this.deps.logger?.error({ err }, 'grpc: call failed');
    return e;
  }

  // ---- auth and sessions ----

  /**
   * Authenticates a call when a USER_PROVIDER is bound (GreptimeDB's
   * default is auth off). Credentials: the request header's Basic
   * authorization (GreptimeDatabase), else `authorization: Basic ...` or
   * `x-greptime-auth: Basic ...` metadata (every service).
   */
  private async authenticate(metadata: grpc.Metadata, header?: RequestHeaderMessage): Promise<UserInfo | undefined> {
    const provider = this.deps.userProvider;
    if (!provider) return undefined;
    const basic = header?.authorization?.basic;
    if (basic) return provider.authenticate(basic.username ?? '', basic.password ?? '');
    if (header?.authorization?.token) throw new AuthError('UNSUPPORTED_PASSWORD_TYPE', 'Token authorization is not supported; use Basic');
    const value = firstMetadata(metadata, 'x-greptime-auth') ?? firstMetadata(metadata, 'authorization');
    if (value === undefined) throw new AuthError('AUTH_HEADER_NOT_FOUND', 'Not found http or grpc authorization header');
    const sp = value.indexOf(' ');
    const scheme = sp > 0 ? value.slice(0, sp).toLowerCase() : '';
    if (scheme !== 'basic') throw new AuthError('INVALID_AUTH_HEADER', 'Invalid authorization header: expected Basic');
    const decoded = Buffer.from(value.slice(sp + 1).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new AuthError('INVALID_AUTH_HEADER', "Invalid authorization header: expected 'username:password'");
    return provider.authenticate(decoded.slice(0, colon), decoded.slice(colon + 1));
  }

  /** The database: header dbname, else header schema, else `x-greptime-db-name` metadata, else public (`greptime-` catalog prefix dropped). */
  private session(metadata: grpc.Metadata, header: RequestHeaderMessage | undefined, user: UserInfo | undefined): Session {
    const named = header?.dbname || header?.schema || firstMetadata(metadata, 'x-greptime-db-name') || 'public';
    // GreptimeDB clients may name the database as `catalog-schema`; the default catalog is `greptime`.
    const database = named.startsWith('greptime-') ? named.slice('greptime-'.length) : named;
    const timezone = header?.timezone || firstMetadata(metadata, 'x-greptime-timezone') || 'UTC';
    return createSession({ channel: 'grpc', database, timezone, user: user?.username });
  }

  /** Statement time limit: the smaller of requestTimeout and the client's deadline. */
  private timeoutMs(call: AnyCall): number {
    let ms = this.deps.requestTimeoutMs;
    const deadline = call.getDeadline();
    const at = deadline instanceof Date ? deadline.getTime() : deadline;
    if (Number.isFinite(at) && at > 0) {
      const left = Math.max(1, at - Date.now());
      ms = ms > 0 ? Math.min(ms, left) : left;
    }
    return ms;
  }

  private abortOnCancel(call: AnyCall): AbortController {
    const ac = new AbortController();
    (call as unknown as NodeJS.EventEmitter).on('cancelled', () => ac.abort());
    return ac;
  }

  // ---- greptime.v1.GreptimeDatabase ----

  private async handle(call: grpc.ServerUnaryCall<GreptimeRequestMessage, unknown>): Promise<unknown> {
    const req = call.request;
    const user = await this.authenticate(call.metadata, req.header);
    const session = this.session(call.metadata, req.header, user);
    const { affected, ipc } = await this.runRequest(req, session, call);
    return { header: { status: { status_code: 0, err_msg: '' } }, affected_rows: { value: affected }, ...(ipc ? { strata_arrow_ipc: ipc } : {}) };
  }

  private async handleRequests(call: grpc.ServerReadableStream<GreptimeRequestMessage, unknown>): Promise<unknown> {
    let affected = 0;
    let user: UserInfo | undefined;
    let authenticated = false;
    for await (const req of messagesOf<GreptimeRequestMessage>(call)) {
      if (!authenticated || req.header?.authorization) { user = await this.authenticate(call.metadata, req.header); authenticated = true; }
      const session = this.session(call.metadata, req.header, user);
      affected += (await this.runRequest(req, session, call)).affected;
    }
    return { header: { status: { status_code: 0, err_msg: '' } }, affected_rows: { value: affected } };
  }

  /**
   * Runs one GreptimeRequest. Row inserts go to QueryService.insert with
   * auto-create; a SQL query runs its statements in order: DML/DDL add to
   * the affected rows, a result set comes back as an Arrow IPC stream in
   * the Strata extension field `strata_arrow_ipc` (GreptimeDB serves
   * result sets only through Flight DoGet).
   */
  private async runRequest(req: GreptimeRequestMessage, session: Session, call: AnyCall): Promise<{ affected: number; ipc?: Uint8Array }> {
    if (req.request === 'row_inserts') {
      const requests = decodeRowInsertRequests(req.row_inserts_bytes ?? Buffer.alloc(0), session.database);
      if (requests.length === 0) return { affected: 0 };
      return { affected: await this.deps.query.insert(requests, session) };
    }
    if (req.request === 'query') {
      const sql = req.query?.sql;
      if (req.query?.query !== 'sql' || sql === undefined) throw new UnsupportedError('QueryRequest: only `sql` is supported (not logical_plan)');
      const ac = this.abortOnCancel(call);
      let affected = 0;
      let ipc: Uint8Array | undefined;
      for await (const out of this.deps.query.execute(sql, session, { signal: ac.signal, timeoutMs: this.timeoutMs(call) })) {
        if (out.kind === 'affected') { affected += out.affectedRows; continue; }
        const batches: arrow.RecordBatch[] = [];
        for await (const b of out.batches) batches.push(b);
        ipc = batchesToIpc(out.schema, batches, { format: 'stream' });
      }
      return { affected, ipc };
    }
    throw new UnsupportedError(`GreptimeRequest: ${req.request ?? 'empty request'} is not supported (row_inserts and query are)`);
  }

  // ---- arrow.flight.protocol.FlightService ----

  private async handshake(call: AnyCall): Promise<void> {
    const duplex = call as grpc.ServerDuplexStream<{ payload?: Buffer }, unknown>;
    await this.authenticate(duplex.metadata);
    for await (const msg of messagesOf<{ protocol_version?: string; payload?: Buffer }>(duplex)) {
      duplex.write({ protocol_version: msg.protocol_version ?? '0', payload: msg.payload ?? Buffer.alloc(0) });
    }
  }

  /** Ticket or command bytes -> SQL and the request header (GreptimeDB tickets carry one). */
  private ticketSql(bytes: Uint8Array | undefined): { sql: string; header?: RequestHeaderMessage } {
    if (!bytes || bytes.byteLength === 0) throw new InvalidArgumentsError('empty Flight ticket: expected SQL text or a greptime.v1.GreptimeRequest');
    const asSql = (): { sql: string } => {
      try {
        return { sql: utf8.decode(bytes) };
      } catch (err) {
        throw new InvalidArgumentsError('Flight ticket is neither UTF-8 SQL text nor a greptime.v1.GreptimeRequest', { cause: err });
      }
    };
    // An encoded GreptimeRequest starts with the tag of field 1 (header, 0x0a) or 3 (query, 0x1a);
    // SQL text starts with a printable character (or a newline, which is 0x0a too: decided by decoding).
    if (bytes[0] !== 0x0a && bytes[0] !== 0x1a) return asSql();
    const decoded = decodeGreptimeRequest(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    const req = DECODE_ERROR in decoded ? undefined : decoded as GreptimeRequestMessage;
    if (!req || req.request !== 'query' || req.query?.query !== 'sql' || req.query.sql === undefined) {
      if (req?.request === 'query') throw new UnsupportedError('Flight ticket: only a GreptimeRequest with QueryRequest.sql is supported');
      return asSql();
    }
    return { sql: req.query.sql, header: req.header };
  }

  /** Writes with back-pressure: waits for 'drain' when grpc-js buffers are full. */
  private async write(call: grpc.ServerWritableStream<unknown, unknown> | grpc.ServerDuplexStream<unknown, unknown>, msg: unknown): Promise<void> {
    if (call.write(msg)) return;
    if (call.cancelled) return;
    await new Promise<void>((resolve) => {
      const done = (): void => { call.off('drain', done); call.off('cancelled', done); call.off('close', done); resolve(); };
      call.on('drain', done); call.on('cancelled', done); call.on('close', done);
    });
  }

  /**
   * DoGet: runs the ticket's SQL and streams the result as FlightData —
   * the schema message first, then dictionary and record batch messages
   * (data_header = Message flatbuffer, data_body = body buffers). DML/DDL
   * statements answer a FlightData whose app_metadata is a
   * greptime.v1.FlightMetadata with the affected rows, as GreptimeDB does.
   */
  private async doGet(call: grpc.ServerWritableStream<{ ticket?: Buffer }, unknown>): Promise<void> {
    const { sql, header } = this.ticketSql(call.request.ticket);
    const user = await this.authenticate(call.metadata, header);
    const session = this.session(call.metadata, header, user);
    const ac = this.abortOnCancel(call);
    let sentRecords = false;
    for await (const out of this.deps.query.execute(sql, session, { signal: ac.signal, timeoutMs: this.timeoutMs(call) })) {
      if (out.kind === 'affected') {
        await this.write(call, { app_metadata: flightMetadataCodec.encode({ affected_rows: { value: out.affectedRows } }) });
        continue;
      }
      if (sentRecords) throw new InvalidArgumentsError('DoGet answers one result set; run the other SELECT statements in their own tickets');
      sentRecords = true;
      const toFlight = (m: IpcMessage): unknown => ({ data_header: m.dataHeader, data_body: m.dataBody });
      // The schema message is taken from the first batch when there is one, so the
      // dictionary ids it declares are the ones that batch's dictionary messages use.
      let schemaSent = false;
      for await (const batch of out.batches) {
        if (call.cancelled) return;
        if (!schemaSent) { await this.write(call, toFlight(schemaMessage(batch.schema))); schemaSent = true; }
        for (const m of recordBatchMessages(batch)) await this.write(call, toFlight(m));
      }
      if (!schemaSent) await this.write(call, toFlight(schemaMessage(out.schema)));
    }
  }

  /**
   * DoPut: the first FlightData names the table in its descriptor path
   * (`[table]` or `[database, table]`) and carries the schema; each record
   * batch after it is inserted (auto-create, as the ingest protocols) and
   * acknowledged with a PutResult whose app_metadata is JSON
   * `{"request_id":n,"affected_rows":rows}` (GreptimeDB's DoPut answer).
   */
  private async doPut(call: grpc.ServerDuplexStream<FlightDataMessage, unknown>): Promise<void> {
    const user = await this.authenticate(call.metadata);
    const session = this.session(call.metadata, undefined, user);
    let database = session.database;
    let table: string | undefined;
    // Each FlightData is one whole IPC message, so every record batch is decoded and
    // acknowledged as it arrives. (A streaming IPC reader over the re-framed bytes read one
    // message ahead, so a client that waited for each acknowledgement before sending the
    // next batch hung.) The schema and dictionary messages are kept as the prefix that
    // each record batch is decoded against.
    const prefix: Uint8Array[] = [];
    let requestId = 0;
    for await (const msg of messagesOf<FlightDataMessage>(call)) {
      if (table === undefined) {
        const p = msg.flight_descriptor?.path ?? [];
        if (p.length === 1) table = p[0];
        else if (p.length === 2) { database = p[0]!; table = p[1]; }
        else throw new InvalidArgumentsError('DoPut: the first FlightData needs a descriptor path [table] or [database, table]');
        if (!table) throw new InvalidArgumentsError('DoPut: empty table name in the descriptor path');
      }
      const header = msg.data_header;
      if (!header || header.byteLength === 0) continue; // metadata-only message
      let type: arrow.MessageHeader;
      try {
        type = arrow.Message.decode(header).headerType;
      } catch (err) {
        throw new FlightDataError(`DoPut: not an Arrow IPC message: ${(err as Error).message}`, { cause: err });
      }
      const frame = frameMessage(header, msg.data_body ?? new Uint8Array(0));
      if (type === arrow.MessageHeader.Schema) {
        if (prefix.length > 0) throw new FlightDataError('DoPut: a second schema message in one stream');
        prefix.push(frame);
        continue;
      }
      if (prefix.length === 0) throw new FlightDataError('DoPut: the stream must start with a schema message');
      if (type === arrow.MessageHeader.DictionaryBatch) { prefix.push(frame); continue; }
      if (type !== arrow.MessageHeader.RecordBatch) throw new FlightDataError(`DoPut: unsupported IPC message type ${arrow.MessageHeader[type]}`);
      let batches: arrow.RecordBatch[];
      try {
        batches = arrow.RecordBatchReader.from(Buffer.concat([...prefix, frame, IPC_END_OF_STREAM])).readAll();
      } catch (err) {
        throw new FlightDataError(`DoPut: bad Arrow IPC data: ${(err as Error).message}`, { cause: err });
      }
      for (const batch of batches) {
        if (batch.numRows === 0) continue;
        const rows = await this.deps.query.insert([recordBatchToInsertRequest(batch, database, table!)], session);
        await this.write(call, { app_metadata: Buffer.from(JSON.stringify({ request_id: requestId++, affected_rows: rows })) });
      }
    }
  }

  /**
   * GetFlightInfo: a CMD descriptor holds SQL (or a GreptimeRequest), a
   * PATH descriptor `[table]` means `SELECT * FROM table`. The statement is
   * planned and started to learn its schema, then stopped; the endpoint's
   * ticket is the same command, for DoGet.
   */
  private async getFlightInfo(call: grpc.ServerUnaryCall<FlightDataMessage['flight_descriptor'], unknown>): Promise<unknown> {
    const d = call.request ?? {};
    let ticket: Uint8Array;
    if (d.path && d.path.length > 0) {
      const quoted = d.path.map((p) => `"${p.replaceAll('"', '""')}"`).join('.');
      ticket = Buffer.from(`SELECT * FROM ${quoted}`);
    } else ticket = d.cmd ?? new Uint8Array(0);
    const { sql, header } = this.ticketSql(ticket);
    const user = await this.authenticate(call.metadata, header);
    const session = this.session(call.metadata, header, user);
    const ac = new AbortController();
    let schema: arrow.Schema | undefined;
    const it = this.deps.query.execute(sql, session, { signal: ac.signal, timeoutMs: this.timeoutMs(call) })[Symbol.asyncIterator]();
    try {
      for (;;) {
        const r = await it.next();
        if (r.done) break;
        if (r.value.kind === 'records') { schema = r.value.schema; break; }
      }
    } finally {
      ac.abort();
      await it.return?.().catch(() => undefined);
    }
    if (!schema) throw new InvalidArgumentsError('GetFlightInfo: the command returns no result set');
    return {
      schema: encapsulatedSchema(schema),
      flight_descriptor: d,
      endpoint: [{ ticket: { ticket }, location: [] }],
      total_records: '-1',
      total_bytes: '-1',
      ordered: true,
    };
  }
}
