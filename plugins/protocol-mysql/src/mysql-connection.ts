import type * as net from 'node:net';
import * as tls from 'node:tls';
import {
  createSession, toStrataError, AuthError, DatabaseNotFoundError,
  type Catalog, type Logger, type QueryOutput, type QueryService, type ResultColumn, type Session, type UserProvider,
} from '@strata/kernel';
import { newScramble, verifyToken } from './auth-scramble.js';
import { columnAccessor, MysqlType, writeColumnDefinition } from './column-types.js';
import { MYSQL_WIRE_ERRORS, MysqlCommandError, MysqlProtocolError, mysqlErrorOf } from './errors.js';
import { localAnswer, type LocalAnswer } from './local-answers.js';
import type { MysqlOptions } from './options.js';
import { framePacket, PacketFramer, PacketReader, PacketWriter, MAX_PACKET_PAYLOAD, type ClientPacket } from './packet-codec.js';
import { splitStatements } from './sql-splitter.js';
import { epochMicrosOf, dateTimeParts, formatDateTime } from '@strata/kernel';

/** Capability flags (CLIENT_*) of the handshake. */
export const Capability = {
  LONG_PASSWORD: 0x1, FOUND_ROWS: 0x2, LONG_FLAG: 0x4, CONNECT_WITH_DB: 0x8, PROTOCOL_41: 0x200, INTERACTIVE: 0x400,
  SSL: 0x800, TRANSACTIONS: 0x2000, SECURE_CONNECTION: 0x8000, MULTI_STATEMENTS: 0x10000, MULTI_RESULTS: 0x20000,
  PS_MULTI_RESULTS: 0x40000, PLUGIN_AUTH: 0x80000, CONNECT_ATTRS: 0x100000, PLUGIN_AUTH_LENENC_CLIENT_DATA: 0x200000,
} as const;

/** Command bytes (COM_*). */
export const Command = {
  QUIT: 0x01, INIT_DB: 0x02, QUERY: 0x03, FIELD_LIST: 0x04, STATISTICS: 0x09, PING: 0x0e, STMT_PREPARE: 0x16,
  CHANGE_USER: 0x11, STMT_EXECUTE: 0x17, STMT_SEND_LONG_DATA: 0x18, STMT_CLOSE: 0x19, STMT_RESET: 0x1a, SET_OPTION: 0x1b, RESET_CONNECTION: 0x1f,
} as const;

const STATUS_AUTOCOMMIT = 0x0002;
const STATUS_MORE_RESULTS = 0x0008;
const FLUSH_BYTES = 64 * 1024;
const HIGH_WATER_BYTES = 1024 * 1024;
const HANDSHAKE_PACKET_BYTES = 16 * 1024;

const SERVER_CAPABILITIES = Capability.LONG_PASSWORD | Capability.FOUND_ROWS | Capability.LONG_FLAG | Capability.CONNECT_WITH_DB
  | Capability.PROTOCOL_41 | Capability.INTERACTIVE | Capability.TRANSACTIONS | Capability.SECURE_CONNECTION
  | Capability.MULTI_STATEMENTS | Capability.MULTI_RESULTS | Capability.PS_MULTI_RESULTS | Capability.PLUGIN_AUTH
  | Capability.CONNECT_ATTRS | Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA;

/** What a connection needs from its server. */
export interface MysqlConnectionDeps {
  readonly query: QueryService;
  readonly users?: UserProvider;
  readonly catalog?: Catalog;
  readonly options: MysqlOptions;
  readonly secureContext?: tls.SecureContext;
  readonly logger: Logger;
  readonly connectionId: number;
}

interface PreparedStatement {
  readonly id: number;
  readonly sql: string;
  readonly params: number;
  paramTypes?: Array<{ type: number; unsigned: boolean }>;
  longData: Map<number, Buffer[]>;
}

/** Thrown into the command loop when the socket goes away. */
class ConnectionClosed extends Error {}

/**
 * One MySQL client connection: handshake, optional TLS upgrade,
 * authentication, then a loop of commands. Commands run one at a time (the
 * protocol is request/response); bytes a client pipelines meanwhile wait in
 * the framer, and the socket is paused when they pile up.
 *
 * ```
 *  server: Handshake v10 ─▶ client: [SSLRequest ─▶ TLS] HandshakeResponse41
 *  server: [AuthSwitch / 0x01 fast-auth / full-auth] ─▶ OK | ERR
 *  loop:   client: COM_* ─▶ server: OK | ERR | result set(s)
 * ```
 */
export class MysqlConnection {
  private socket: net.Socket;
  private readonly framer: PacketFramer;
  private readonly queue: ClientPacket[] = [];
  private waiter?: { resolve: (p: ClientPacket) => void; reject: (e: Error) => void };
  private seq = 0;
  private closed = false;
  private firstPacketSeen = false;
  private busy = false;
  private tls = false;
  private clientCaps = 0;
  private session!: Session;
  private readonly statements = new Map<number, PreparedStatement>();
  private nextStatementId = 1;
  private readonly abort = new AbortController();
  private readonly out = new PacketWriter(64 * 1024);
  private readonly row = new PacketWriter(1024);
  private readonly scramble = newScramble();
  private readonly closedPromise: Promise<void>;
  private resolveClosed!: () => void;

  /** `address:port` of the client, shown in SHOW FULL PROCESSLIST. */
  private readonly clientAddress: string;

  constructor(socket: net.Socket, private readonly deps: MysqlConnectionDeps) {
    this.socket = socket;
    this.clientAddress = socket.remoteAddress?.includes(':') ? `[${socket.remoteAddress}]:${socket.remotePort}` : `${socket.remoteAddress ?? 'unknown'}:${socket.remotePort ?? 0}`;
    // Until authenticated, a client gets small packets only: a handshake response is tiny.
    this.framer = new PacketFramer(Math.min(HANDSHAKE_PACKET_BYTES, deps.options.maxPacketSize));
    this.closedPromise = new Promise((r) => { this.resolveClosed = r; });
    socket.setNoDelay(true);
    this.attach(socket);
  }

  /** Resolves when the connection has closed. */
  get done(): Promise<void> { return this.closedPromise; }

  private readonly onData = (chunk: Buffer) => {
    let packets: ClientPacket[];
    try {
      // Before the first client packet is read, it may be an SSL request followed
      // by TLS bytes that are not packets: cut one packet only.
      packets = this.framer.push(chunk, this.firstPacketSeen ? Infinity : 1);
      if (packets.length > 0) this.firstPacketSeen = true;
    } catch (err) {
      this.fail(err);
      return;
    }
    for (const p of packets) {
      if (this.waiter) { const w = this.waiter; this.waiter = undefined; w.resolve(p); } else this.queue.push(p);
    }
    // Back-pressure on clients that pipeline faster than we answer.
    if (this.queue.length > 64 || this.framer.pendingBytes > this.deps.options.maxPacketSize) this.socket.pause();
  };
  private readonly onEnd = () => this.close();
  private readonly onError = (err: Error) => { this.deps.logger.debug({ err: err.message, conn: this.deps.connectionId }, 'mysql socket error'); this.close(); };
  private readonly onTimeout = () => {
    if (this.busy) return;
    this.sendError(MYSQL_WIRE_ERRORS.idleTimeout, 'The client was disconnected by the server because of inactivity.');
    this.close();
  };

  private attach(s: net.Socket): void {
    s.on('data', this.onData);
    s.on('end', this.onEnd);
    s.on('close', this.onEnd);
    s.on('error', this.onError);
    s.on('timeout', this.onTimeout);
  }

  private detach(s: net.Socket): void {
    s.removeListener('data', this.onData);
    s.removeListener('end', this.onEnd);
    s.removeListener('close', this.onEnd);
    s.removeListener('error', this.onError);
    s.removeListener('timeout', this.onTimeout);
  }

  /** Runs the connection to its end; never throws. */
  async run(): Promise<void> {
    try {
      this.socket.setTimeout(this.deps.options.connectTimeout);
      const ok = await this.handshake();
      if (!ok) { this.close(); return; }
      this.socket.setTimeout(this.deps.options.idleTimeout);
      this.framer.setMaxPacketBytes(this.deps.options.maxPacketSize);
      for (;;) {
        const pkt = await this.read();
        this.seq = (pkt.seq + 1) & 0xff;
        this.busy = true;
        try {
          const keep = await this.dispatch(pkt.payload);
          if (!keep) break;
        } catch (err) {
          if (err instanceof ConnectionClosed) break;
          if (err instanceof MysqlProtocolError) throw err;
          const e = mysqlErrorOf(err);
          this.sendError(e, e.message);
        } finally {
          this.busy = false;
        }
        await this.flush();
      }
    } catch (err) {
      if (!(err instanceof ConnectionClosed)) this.fail(err);
    }
    this.close();
  }

  // ---------------------------------------------------------------- I/O

  private read(): Promise<ClientPacket> {
    const p = this.queue.shift();
    if (p) {
      if (this.queue.length < 16 && this.socket.isPaused()) this.socket.resume();
      return Promise.resolve(p);
    }
    if (this.closed) return Promise.reject(new ConnectionClosed());
    if (this.socket.isPaused()) this.socket.resume();
    return new Promise((resolve, reject) => { this.waiter = { resolve, reject }; });
  }

  /** Starts a packet in the output buffer; returns its header offset. */
  private begin(): number {
    const at = this.out.length;
    this.out.int4(0);
    return at;
  }

  /** Ends the packet begun at `at`, splitting it when it reached 16 MiB. */
  private end(at: number): void {
    const len = this.out.length - at - 4;
    if (len < MAX_PACKET_PAYLOAD) {
      this.out.patchHeader(at, len, this.seq);
      this.seq = (this.seq + 1) & 0xff;
      return;
    }
    const payload = this.out.copyOf(at + 4);
    this.out.reset();
    const frames: Buffer[] = [];
    this.seq = framePacket(payload, this.seq, frames);
    this.writeNow(Buffer.concat(frames));
  }

  private packet(payload: PacketWriter | Uint8Array): void {
    const at = this.begin();
    this.out.bytes(payload instanceof PacketWriter ? payload.payload() : payload);
    this.end(at);
  }

  private writeNow(buf: Buffer): void {
    if (this.out.length > 0) { const pending = this.out.copyOf(); this.out.reset(); this.socket.write(pending); }
    if (!this.closed) this.socket.write(buf);
  }

  /** Sends buffered packets; waits for the socket to drain when the client reads slowly. */
  private async flush(): Promise<void> {
    if (this.out.length > 0 && !this.closed) this.socket.write(this.out.copyOf());
    this.out.reset();
    if (this.socket.writableLength > HIGH_WATER_BYTES && !this.closed) {
      await new Promise<void>((resolve) => {
        const done = () => { this.socket.removeListener('drain', done); this.socket.removeListener('close', done); resolve(); };
        this.socket.once('drain', done);
        this.socket.once('close', done);
      });
    }
    if (this.closed) throw new ConnectionClosed();
  }

  private sendOk(affected = 0, status = STATUS_AUTOCOMMIT, info = ''): void {
    const w = new PacketWriter(32).int1(0).lenenc(affected).lenenc(0).int2(status).int2(0);
    if (info) w.str(info);
    this.packet(w);
  }

  private sendEof(status = STATUS_AUTOCOMMIT): void {
    this.packet(new PacketWriter(8).int1(0xfe).int2(0).int2(status));
  }

  private sendError(e: { code: number; sqlState: string }, message: string): void {
    if (this.closed) return;
    this.packet(new PacketWriter(64 + message.length).int1(0xff).int2(e.code).str('#').str(e.sqlState.padEnd(5, '0').slice(0, 5)).str(message));
  }

  /** Sends an ERR for a protocol violation and closes. */
  private fail(err: unknown): void {
    if (this.closed) return;
    const e = mysqlErrorOf(err);
    this.deps.logger.debug({ conn: this.deps.connectionId, err: e.message }, 'mysql connection closed on bad input');
    this.sendError(e, e.message);
    if (this.out.length > 0) { this.socket.write(this.out.copyOf()); this.out.reset(); }
    this.close(true);
  }

  /** Closes the connection (idempotent); `soft` lets buffered bytes go out first. */
  close(soft = false): void {
    if (this.closed) return;
    this.closed = true;
    this.abort.abort();
    const w = this.waiter; this.waiter = undefined;
    w?.reject(new ConnectionClosed());
    if (soft) { this.socket.end(); setTimeout(() => this.socket.destroy(), 1000).unref(); } else {
      if (this.out.length > 0) this.socket.write(this.out.copyOf());
      this.socket.end();
      this.socket.destroy();
    }
    this.resolveClosed();
  }

  // ---------------------------------------------------------- handshake

  private async handshake(): Promise<boolean> {
    const { options } = this.deps;
    const tlsOffered = this.deps.secureContext !== undefined && options.tls.mode !== 'disable';
    const plugin = options.authPlugin;
    const caps = SERVER_CAPABILITIES | (tlsOffered ? Capability.SSL : 0);
    const w = new PacketWriter(128)
      .int1(10).strNul(options.serverVersion).int4(this.deps.connectionId)
      .bytes(this.scramble.subarray(0, 8)).int1(0)
      .int2(caps & 0xffff).int1(45).int2(STATUS_AUTOCOMMIT).int2(caps >>> 16)
      .int1(21).zeros(10).bytes(this.scramble.subarray(8)).int1(0).strNul(plugin);
    this.seq = 0;
    this.packet(w);
    await this.flush();

    let pkt = await this.read();
    this.seq = (pkt.seq + 1) & 0xff;
    let r = new PacketReader(pkt.payload);
    let clientCaps = r.int4();
    if (pkt.payload.length === 32 && (clientCaps & Capability.SSL)) {
      if (!tlsOffered) throw new MysqlProtocolError('client asked for TLS, which this server does not offer');
      await this.upgradeToTls();
      pkt = await this.read();
      this.seq = (pkt.seq + 1) & 0xff;
      r = new PacketReader(pkt.payload);
      clientCaps = r.int4();
    } else {
      // Anything the client pipelined after its handshake response.
      this.onData(Buffer.alloc(0));
    }
    if (!(clientCaps & Capability.PROTOCOL_41)) throw new MysqlProtocolError('client does not speak protocol 4.1', MYSQL_WIRE_ERRORS.unknownCommand);
    if (options.tls.mode === 'require' && !this.tls) {
      this.sendError(MYSQL_WIRE_ERRORS.sslRequired, 'Connections using insecure transport are prohibited: this server requires TLS.');
      await this.flush();
      return false;
    }
    this.clientCaps = clientCaps;
    r.int4(); // max packet size the client accepts
    r.int1(); // character set
    r.skip(23);
    const user = r.strNul();
    let token: Buffer;
    if (clientCaps & Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA) token = r.lenencBytes();
    else if (clientCaps & Capability.SECURE_CONNECTION) token = r.bytes(r.int1());
    else token = Buffer.from(r.strNul(), 'utf8');
    let database: string | undefined;
    if ((clientCaps & Capability.CONNECT_WITH_DB) && r.remaining > 0) database = r.strNul() || undefined;
    let clientPlugin = 'mysql_native_password';
    if ((clientCaps & Capability.PLUGIN_AUTH) && r.remaining > 0) clientPlugin = r.strNul();
    // Connection attributes (CLIENT_CONNECT_ATTRS) are not used.

    try {
      await this.authenticate(user, token, clientPlugin);
    } catch (err) {
      if (err instanceof ConnectionClosed || err instanceof MysqlProtocolError) throw err;
      const e = mysqlErrorOf(loginError(err));
      this.sendError(e, e.message);
      await this.flush();
      return false;
    }

    this.session = this.newSession(user);
    if (database) {
      try {
        this.initDatabase(database);
      } catch (err) {
        const e = mysqlErrorOf(err);
        this.sendError(e, e.message);
        await this.flush();
        return false;
      }
    }
    this.sendOk();
    await this.flush();
    return true;
  }

  private async upgradeToTls(): Promise<void> {
    const raw = this.socket;
    this.detach(raw);
    raw.setTimeout(0);
    // Clients send the TLS ClientHello right after the SSL request, often in
    // the same TCP read: hand those bytes back (paused, so they stay buffered)
    // for the TLS socket to read first.
    raw.pause();
    const rest = this.framer.drain();
    if (rest.length > 0) raw.unshift(rest);
    const secure = new tls.TLSSocket(raw, { isServer: true, secureContext: this.deps.secureContext });
    this.socket = secure;
    this.tls = true;
    await new Promise<void>((resolve, reject) => {
      const onErr = (err: Error) => { secure.removeListener('secure', onOk); reject(new MysqlProtocolError(`TLS handshake failed: ${err.message}`, MYSQL_WIRE_ERRORS.malformedPacket, { cause: err })); };
      const onOk = () => { secure.removeListener('error', onErr); resolve(); };
      secure.once('secure', onOk);
      secure.once('error', onErr);
    });
    this.attach(secure);
    secure.setTimeout(this.deps.options.connectTimeout);
  }

  private async authenticate(user: string, token: Buffer, clientPlugin: string): Promise<void> {
    const users = this.deps.users;
    if (!users) return; // no provider: any user (GreptimeDB's default)
    const wanted = this.deps.options.authPlugin;
    let plugin = clientPlugin;
    if (plugin !== wanted) {
      // AuthSwitchRequest: ask for the configured plugin, with the same scramble.
      this.packet(new PacketWriter(64).int1(0xfe).strNul(wanted).bytes(this.scramble).int1(0));
      await this.flush();
      const pkt = await this.read();
      this.seq = (pkt.seq + 1) & 0xff;
      token = pkt.payload;
      plugin = wanted;
    }
    const denied = () => new AuthError('USER_PASSWORD_MISMATCH', `Access denied for user '${user}'`);
    const material = users.passwordMaterial ? await users.passwordMaterial(user) : undefined;
    if (material?.plaintext !== undefined) {
      if (!verifyToken(plugin as 'mysql_native_password', material.plaintext, this.scramble, token)) throw denied();
      if (plugin === 'caching_sha2_password') { this.packet(Buffer.from([0x01, 0x03])); await this.flush(); }
      return;
    }
    if (users.passwordMaterial && material === undefined) throw new AuthError('USER_NOT_FOUND', `Access denied for user '${user}'`);
    // The provider cannot give us the secret: caching_sha2's full authentication
    // sends the password in clear, which we allow only inside TLS.
    if (plugin === 'caching_sha2_password' && this.tls) {
      this.packet(Buffer.from([0x01, 0x04]));
      await this.flush();
      const pkt = await this.read();
      this.seq = (pkt.seq + 1) & 0xff;
      const nul = pkt.payload.indexOf(0);
      const password = pkt.payload.toString('utf8', 0, nul < 0 ? pkt.payload.length : nul);
      await users.authenticate(user, password);
      return;
    }
    throw new AuthError('UNSUPPORTED_PASSWORD_TYPE',
      `user provider '${users.name}' cannot verify ${plugin} scrambles; connect over TLS with caching_sha2_password`);
  }

  /**
   * COM_INIT_DB and the database of a handshake or COM_CHANGE_USER: a missing
   * one is 1102 "Unknown database 'x'", as GreptimeDB's `on_init` answers
   * (`USE x` as a statement goes through the status table instead).
   */
  private initDatabase(name: string): void {
    try {
      this.useDatabase(name);
    } catch (err) {
      if (err instanceof DatabaseNotFoundError) throw new MysqlCommandError(MYSQL_WIRE_ERRORS.unknownDatabase, `Unknown database '${name}'`, err);
      throw err;
    }
  }

  private useDatabase(name: string): void {
    const catalog = this.deps.catalog;
    if (catalog && !catalog.databaseExists(name)) throw new DatabaseNotFoundError(name);
    this.session.database = name;
  }

  // ------------------------------------------------------------ commands

  /** Serves one command; false ends the connection. */
  private async dispatch(payload: Buffer): Promise<boolean> {
    if (payload.length === 0) throw new MysqlProtocolError('empty command packet');
    const cmd = payload[0]!;
    switch (cmd) {
      case Command.QUIT: return false;
      case Command.PING: this.sendOk(); return true;
      case Command.INIT_DB:
        this.initDatabase(payload.toString('utf8', 1).replace(/^`|`$/g, ''));
        this.sendOk();
        return true;
      case Command.QUERY:
        await this.runQuery(payload.toString('utf8', 1), false);
        return true;
      case Command.FIELD_LIST: this.sendEof(); return true;
      case Command.STATISTICS: {
        this.packet(Buffer.from(`Uptime: ${Math.floor(process.uptime())}  Threads: 1  Questions: 0  Slow queries: 0  Opens: 0  Open tables: 0  Queries per second avg: 0.000`));
        return true;
      }
      case Command.SET_OPTION: {
        const r = new PacketReader(payload); r.skip(1);
        const opt = r.int2();
        if (opt === 0) this.clientCaps |= Capability.MULTI_STATEMENTS; else this.clientCaps &= ~Capability.MULTI_STATEMENTS;
        this.sendEof();
        return true;
      }
      case Command.RESET_CONNECTION:
        this.statements.clear();
        this.session.variables.clear();
        this.session.timezone = 'UTC';
        this.sendOk();
        return true;
      case Command.CHANGE_USER: return this.changeUser(payload);
      case Command.STMT_PREPARE: this.prepare(payload.toString('utf8', 1)); return true;
      case Command.STMT_EXECUTE: await this.execute(payload); return true;
      case Command.STMT_SEND_LONG_DATA: {
        const r = new PacketReader(payload); r.skip(1);
        const stmt = this.statements.get(r.int4());
        const param = r.int2();
        if (stmt && param < stmt.params) {
          const parts = stmt.longData.get(param) ?? [];
          parts.push(Buffer.from(r.rest()));
          stmt.longData.set(param, parts);
        }
        return true; // no response, by protocol
      }
      case Command.STMT_CLOSE: {
        const r = new PacketReader(payload); r.skip(1);
        this.statements.delete(r.int4());
        return true; // no response, by protocol
      }
      case Command.STMT_RESET: {
        const r = new PacketReader(payload); r.skip(1);
        const stmt = this.statements.get(r.int4());
        if (!stmt) { this.sendError(MYSQL_WIRE_ERRORS.unknownStatement, 'Unknown prepared statement handler given to mysqld_stmt_reset'); return true; }
        stmt.longData.clear();
        this.sendOk();
        return true;
      }
      default:
        this.sendError(MYSQL_WIRE_ERRORS.unknownCommand, `Unknown command 0x${cmd.toString(16)}`);
        return true;
    }
  }

  /** COM_CHANGE_USER: authenticates again (same scramble) and starts a fresh session. */
  private async changeUser(payload: Buffer): Promise<boolean> {
    const r = new PacketReader(payload); r.skip(1);
    const user = r.strNul();
    const token = (this.clientCaps & Capability.SECURE_CONNECTION) ? r.bytes(r.int1()) : Buffer.from(r.strNul(), 'utf8');
    const database = r.remaining > 0 ? r.strNul() : '';
    if (r.remaining >= 2) r.int2(); // character set
    const plugin = (this.clientCaps & Capability.PLUGIN_AUTH) && r.remaining > 0 ? r.strNul() : 'mysql_native_password';
    try {
      await this.authenticate(user, token, plugin);
    } catch (err) {
      if (err instanceof ConnectionClosed || err instanceof MysqlProtocolError) throw err;
      const e = mysqlErrorOf(loginError(err));
      this.sendError(e, e.message);
      await this.flush();
      return false; // a failed change-user ends the connection, as in MySQL
    }
    this.statements.clear();
    this.session = this.newSession(user);
    if (database) this.initDatabase(database);
    this.sendOk();
    return true;
  }

  /** A fresh session; the connection id lets `KILL QUERY <id>` (the mysql client's Ctrl-C) find what it runs. */
  private newSession(user: string): Session {
    return createSession({
      channel: 'mysql', user, memoryLimitBytes: this.deps.options.sessionMemoryLimit, clientAddress: this.clientAddress, connectionId: this.deps.connectionId,
    });
  }

  /** Runs `;`-separated statements, one result set (or OK) each, with SERVER_MORE_RESULTS_EXISTS between them. */
  private async runQuery(sql: string, binary: boolean, params?: unknown[]): Promise<void> {
    const stmts = splitStatements(sql);
    if (stmts.length === 0) { this.sendError({ code: 1065, sqlState: '42000' }, 'Query was empty'); return; }
    if (stmts.length > 1 && !(this.clientCaps & Capability.MULTI_STATEMENTS)) {
      this.sendError({ code: 1064, sqlState: '42000' }, 'You sent several statements but the client did not enable multi-statements (CLIENT_MULTI_STATEMENTS)');
      return;
    }
    for (let i = 0; i < stmts.length; i++) {
      const last = i === stmts.length - 1;
      const local = params && params.length > 0 ? undefined : localAnswer(stmts[i]!.sql, this.session, {
        serverVersion: this.deps.options.serverVersion, maxPacketBytes: this.deps.options.maxPacketSize, connectionId: this.deps.connectionId,
      });
      if (local) {
        this.writeLocal(local, binary, last ? 0 : STATUS_MORE_RESULTS);
        await this.flush();
        continue;
      }
      const it = this.deps.query.execute(stmts[i]!.sql, this.session, {
        params: params ?? [], signal: this.abort.signal,
        // SET max_execution_time = N (milliseconds, MySQL's session limit) overrides queryTimeout.
        timeoutMs: Number(this.session.variables.get('max_execution_time')) || this.deps.options.queryTimeout || undefined,
      })[Symbol.asyncIterator]();
      let cur = await it.next();
      if (cur.done) { this.sendOk(0, STATUS_AUTOCOMMIT | (last ? 0 : STATUS_MORE_RESULTS)); continue; }
      while (!cur.done) {
        const finish = await this.writeOutput(cur.value, binary);
        let next: IteratorResult<QueryOutput>;
        try {
          next = await it.next();
        } catch (err) {
          finish(STATUS_MORE_RESULTS);
          throw err;
        }
        finish(last && next.done ? 0 : STATUS_MORE_RESULTS);
        await this.flush();
        cur = next;
      }
    }
  }

  private writeLocal(a: LocalAnswer, binary: boolean, more: number): void {
    if (a.kind === 'ok') { this.sendOk(0, STATUS_AUTOCOMMIT | more); return; }
    if (a.kind === 'use') { this.useDatabase(a.database); this.sendOk(0, STATUS_AUTOCOMMIT | more); return; }
    // Local answers hold text; binary rows then carry every column as a string.
    this.writeColumns(binary ? a.columns.map((c) => ({ name: c.name, type: { name: 'String' as const } })) : a.columns);
    for (const row of a.rows) {
      const at = this.begin();
      if (binary) {
        this.out.int1(0);
        const bitmap = this.out.length;
        this.out.zeros((a.columns.length + 9) >> 3);
        row.forEach((v, c) => { if (v === null) this.out.setBit(bitmap, c + 2); else this.out.lenencStr(v); });
      } else {
        for (const v of row) { if (v === null) this.out.int1(0xfb); else this.out.lenencStr(v); }
      }
      this.end(at);
    }
    this.sendEof(STATUS_AUTOCOMMIT | more);
  }

  private writeColumns(columns: ReadonlyArray<ResultColumn>): void {
    this.packet(new PacketWriter(9).lenenc(columns.length));
    for (const c of columns) {
      const at = this.begin();
      writeColumnDefinition(this.out, c, this.session.database);
      this.end(at);
    }
    this.sendEof();
  }

  /** Writes an output except its terminating EOF/OK; returns the function that writes it with the given status bits. */
  private async writeOutput(out: QueryOutput, binary: boolean): Promise<(more: number) => void> {
    if (out.kind === 'affected') return (more) => this.sendOk(out.affectedRows, STATUS_AUTOCOMMIT | more);
    this.writeColumns(out.columns);
    const n = out.columns.length;
    for await (const batch of out.batches) {
      const acc = out.columns.map((c, i) => columnAccessor(batch.getChildAt(i)!, c.type, this.session.timezone));
      const rows = batch.numRows;
      for (let r = 0; r < rows; r++) {
        const at = this.begin();
        if (binary) {
          this.out.int1(0);
          const bitmap = this.out.length;
          this.out.zeros((n + 9) >> 3);
          for (let c = 0; c < n; c++) {
            const a = acc[c]!;
            if (a.isNull(r)) this.out.setBit(bitmap, c + 2); else a.binary(r, this.out);
          }
        } else {
          for (let c = 0; c < n; c++) {
            const a = acc[c]!;
            if (a.isNull(r)) { this.out.int1(0xfb); continue; }
            const v = a.text(r);
            if (typeof v === 'string') this.out.lenencStr(v); else this.out.lenencBytes(v);
          }
        }
        this.end(at);
        if (this.out.length > FLUSH_BYTES) await this.flush();
      }
    }
    return (more) => this.sendEof(STATUS_AUTOCOMMIT | more);
  }

  // ------------------------------------------------- prepared statements

  private prepare(sql: string): void {
    const stmts = splitStatements(sql);
    if (stmts.length !== 1) {
      this.sendError({ code: 1064, sqlState: '42000' }, stmts.length === 0 ? 'Query was empty' : 'A prepared statement holds exactly one statement');
      return;
    }
    if (this.statements.size >= this.deps.options.maxPreparedStatements) {
      this.sendError(MYSQL_WIRE_ERRORS.tooManyPrepared, `Can't create more than ${this.deps.options.maxPreparedStatements} prepared statements on one connection`);
      return;
    }
    const stmt: PreparedStatement = { id: this.nextStatementId++, sql: stmts[0]!.sql, params: stmts[0]!.placeholders, longData: new Map() };
    this.statements.set(stmt.id, stmt);
    // Result columns are sent with each execute (0 here): knowing them needs planning.
    this.packet(new PacketWriter(16).int1(0).int4(stmt.id).int2(0).int2(stmt.params).int1(0).int2(0));
    if (stmt.params > 0) {
      for (let i = 0; i < stmt.params; i++) {
        const at = this.begin();
        writeColumnDefinition(this.out, { name: '?', type: { name: 'String' } }, '');
        this.end(at);
      }
      this.sendEof();
    }
  }

  private async execute(payload: Buffer): Promise<void> {
    const r = new PacketReader(payload); r.skip(1);
    const id = r.int4();
    r.int1(); // cursor flags: cursors are not supported, rows are always sent
    r.int4(); // iteration count, always 1
    const stmt = this.statements.get(id);
    if (!stmt) { this.sendError(MYSQL_WIRE_ERRORS.unknownStatement, `Unknown prepared statement handler (${id}) given to mysqld_stmt_execute`); return; }
    const params: unknown[] = [];
    if (stmt.params > 0) {
      const nulls = r.bytes((stmt.params + 7) >> 3);
      const bound = r.int1();
      if (bound === 1) {
        stmt.paramTypes = [];
        for (let i = 0; i < stmt.params; i++) { const type = r.int1(); const flags = r.int1(); stmt.paramTypes.push({ type, unsigned: (flags & 0x80) !== 0 }); }
      }
      if (!stmt.paramTypes) throw new MysqlProtocolError('COM_STMT_EXECUTE without parameter types');
      for (let i = 0; i < stmt.params; i++) {
        if (nulls[i >> 3]! & (1 << (i & 7))) { params.push(null); continue; }
        const long = stmt.longData.get(i);
        if (long) { params.push(Buffer.concat(long).toString('utf8')); continue; }
        params.push(this.readParam(r, stmt.paramTypes[i]!));
      }
    }
    stmt.longData.clear();
    await this.runQuery(stmt.sql, true, params);
  }

  private readParam(r: PacketReader, t: { type: number; unsigned: boolean }): unknown {
    switch (t.type) {
      case MysqlType.NULL: return null;
      case MysqlType.TINY: { const v = r.int1(); return t.unsigned ? v : (v << 24) >> 24; }
      case MysqlType.SHORT: case MysqlType.YEAR: { const v = r.int2(); return t.unsigned ? v : (v << 16) >> 16; }
      case MysqlType.LONG: case MysqlType.INT24: { const v = r.int4(); return t.unsigned ? v : v | 0; }
      case MysqlType.LONGLONG: {
        const v = t.unsigned ? r.int8() : r.sint8();
        return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
      }
      case MysqlType.FLOAT: return r.float4();
      case MysqlType.DOUBLE: return r.float8();
      case MysqlType.DATE: case MysqlType.DATETIME: case MysqlType.TIMESTAMP: {
        const len = r.int1();
        const p = { year: 0, month: 1, day: 1, hour: 0, minute: 0, second: 0, micros: 0 };
        if (len >= 4) { p.year = r.int2(); p.month = r.int1(); p.day = r.int1(); }
        if (len >= 7) { p.hour = r.int1(); p.minute = r.int1(); p.second = r.int1(); }
        if (len >= 11) p.micros = r.int4();
        if (![0, 4, 7, 11].includes(len)) throw new MysqlProtocolError(`bad datetime parameter length ${len}`);
        if (t.type === MysqlType.DATE) return formatDateTime(p, 0).slice(0, 10);
        // Fields are wall-clock time in the session's zone; normalise them through the instant.
        return formatDateTime(dateTimeParts(epochMicrosOf(p, this.session.timezone), this.session.timezone), p.micros ? 6 : 0);
      }
      case MysqlType.TIME: {
        const len = r.int1();
        if (len === 0) return '00:00:00';
        if (len !== 8 && len !== 12) throw new MysqlProtocolError(`bad time parameter length ${len}`);
        const neg = r.int1(); const days = r.int4(); const h = r.int1() + days * 24; const m = r.int1(); const s = r.int1();
        const us = len === 12 ? r.int4() : 0;
        return `${neg ? '-' : ''}${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}${us ? `.${String(us).padStart(6, '0')}` : ''}`;
      }
      case MysqlType.TINY_BLOB: case MysqlType.MEDIUM_BLOB: case MysqlType.LONG_BLOB: case MysqlType.BLOB: case MysqlType.GEOMETRY: case MysqlType.BIT:
        return Buffer.from(r.lenencBytes());
      case MysqlType.VARCHAR: case MysqlType.VAR_STRING: case MysqlType.STRING: case MysqlType.DECIMAL: case MysqlType.NEWDECIMAL:
      case MysqlType.JSON: case MysqlType.ENUM: case MysqlType.SET:
        return r.lenencStr();
      default:
        throw new MysqlProtocolError(`unsupported parameter type 0x${t.type.toString(16)}`);
    }
  }
}

/**
 * A failed login or COM_CHANGE_USER as GreptimeDB answers it: opensrv-mysql
 * sends 1045 `28000` whatever the cause (unknown user, wrong password), so a
 * client cannot tell which. The one exception is Strata's own: a provider that
 * can check a password only in clear gets 1251 `08004` outside TLS.
 */
function loginError(err: unknown): MysqlCommandError {
  const se = toStrataError(err);
  const code = se.code === 'UNSUPPORTED_PASSWORD_TYPE' ? MYSQL_WIRE_ERRORS.authNeedsTls : MYSQL_WIRE_ERRORS.accessDenied;
  return new MysqlCommandError(code, se.message, se);
}
