import { randomBytes, randomInt } from 'node:crypto';
import type * as net from 'node:net';
import * as tls from 'node:tls';
import * as arrow from 'apache-arrow';
import {
  AuthError, createSession, DatabaseNotFoundError, PG_TYPE_OIDS, pgTableOid, pgTypeOfDataType, RelationNotFoundError,
  type Catalog, type Logger, type QueryService, type ResultColumn, type Session, type UserProvider,
} from '@strata/kernel';
import { PG_WIRE_ERRORS, PgProtocolError, PgStatementError, pgErrorOf } from './errors.js';
import { applySet, localAnswer, recordServerVersion, REPORTED_SETTINGS, settings, type LocalAnswer } from './local-answers.js';
import { MessageFramer, MessageReader, MessageWriter, type FrontendMessage } from './message-codec.js';
import type { PostgresOptions } from './options.js';
import { columnWriter, decodeParam, type ColumnWriter } from './pg-types.js';
import { md5PasswordHash, ScramServer } from './scram.js';
import { splitStatements } from './sql-splitter.js';
import { ATTRIBUTE_COLUMNS, VERBOSE_ATTRIBUTE_COLUMNS, attributeRows, psqlDescribeQuery, RELINFO_COLUMNS, RELINFO_ROW, withoutRoleMembershipArray } from './psql-describe.js';

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const PROTOCOL_3 = 196608;
const FLUSH_BYTES = 64 * 1024;
const HIGH_WATER_BYTES = 1024 * 1024;
const QUERY_LIKE = /^\s*(\(?\s*select|with|values|show|desc|describe|explain|tql|table)\b/i;

/** What a connection needs from its server. */
export interface PgConnectionDeps {
  readonly query: QueryService;
  readonly users?: UserProvider;
  readonly catalog?: Catalog;
  readonly options: PostgresOptions;
  readonly secureContext?: tls.SecureContext;
  readonly logger: Logger;
  readonly processId: number;
  /** Routes a CancelRequest to the connection it names. */
  cancel(processId: number, secretKey: number): void;
}

/** A result being produced: a command tag, or rows streamed from Arrow batches. */
type Output =
  | { readonly kind: 'empty' }
  | { readonly kind: 'command'; readonly tag: string }
  | { readonly kind: 'records'; readonly columns: readonly ResultColumn[]; readonly batches: AsyncIterator<arrow.RecordBatch> };

interface Statement {
  readonly name: string;
  readonly sql: string;
  readonly paramTypes: number[];
  described?: readonly ResultColumn[] | null;
}

interface Portal {
  readonly name: string;
  readonly stmt: Statement;
  readonly params: unknown[];
  readonly formats: readonly number[];
  output?: Output;
  /** The query service's iterator, finished once the rows are sent. */
  source?: AsyncIterator<unknown>;
  batch?: arrow.RecordBatch;
  writers?: ColumnWriter[];
  row: number;
  rowsSent: number;
  done: boolean;
}

class ConnectionClosed extends Error {}

/** The command tag PostgreSQL would send for `sql` after it changed `rows` rows. */
export function commandTag(sql: string, rows: number): string {
  const words = sql.replace(/^(?:\s+|--[^\n]*\n|\/\*[\s\S]*?\*\/)*/, '').split(/\s+/, 3).map((w) => w.toUpperCase().replace(/[^A-Z_]/g, ''));
  const [a = '', b = ''] = words;
  switch (a) {
    case 'INSERT': return `INSERT 0 ${rows}`;
    case 'DELETE': case 'UPDATE': case 'COPY': case 'MOVE': case 'FETCH': return `${a} ${rows}`;
    case 'SELECT': case 'WITH': case 'VALUES': case 'SHOW': case 'DESC': case 'DESCRIBE': case 'EXPLAIN': case 'TQL': case 'TABLE': return `SELECT ${rows}`;
    case 'CREATE': case 'DROP': case 'ALTER': case 'TRUNCATE':
      return b === 'EXTERNAL' || b === 'OR' ? `${a} TABLE` : `${a} ${b === 'SCHEMA' ? 'SCHEMA' : b || ''}`.trim();
    default: return a || 'OK';
  }
}

/**
 * One PostgreSQL client connection (protocol 3.0):
 *
 * ```
 *  startup: [SSLRequest -> 'S' + TLS | 'N'] [GSSENCRequest -> 'N'] StartupMessage
 *  auth:    trust | cleartext | md5 | SASL SCRAM-SHA-256  -> AuthenticationOk
 *           ParameterStatus*, BackendKeyData, ReadyForQuery('I')
 *  simple:  Query -> (RowDescription DataRow* | ) CommandComplete ... ReadyForQuery
 *  extended: Parse Bind Describe Execute ... Sync (errors skip to Sync)
 * ```
 */
export class PgConnection {
  private socket: net.Socket;
  private readonly framer: MessageFramer;
  private readonly queue: FrontendMessage[] = [];
  private waiter?: { resolve: (m: FrontendMessage) => void; reject: (e: Error) => void };
  private closed = false;
  private busy = false;
  private tls = false;
  private session!: Session;
  private readonly statements = new Map<string, Statement>();
  private readonly portals = new Map<string, Portal>();
  private skipUntilSync = false;
  private txStatus: 'I' | 'T' | 'E' = 'I';
  readonly secretKey = randomInt(1, 0x7fffffff);
  private running?: AbortController;
  private readonly connectionAbort = new AbortController();
  private readonly out = new MessageWriter(64 * 1024);
  private readonly closedPromise: Promise<void>;
  private resolveClosed!: () => void;

  constructor(socket: net.Socket, private readonly deps: PgConnectionDeps) {
    this.socket = socket;
    this.framer = new MessageFramer(deps.options.maxMessageSize);
    this.closedPromise = new Promise((r) => { this.resolveClosed = r; });
    socket.setNoDelay(true);
    this.attach(socket);
  }

  get done(): Promise<void> { return this.closedPromise; }
  get processId(): number { return this.deps.processId; }

  /** Cancels the running statement when `secretKey` matches (CancelRequest). */
  cancel(secretKey: number): void {
    if (secretKey === this.secretKey) this.running?.abort();
  }

  private readonly onData = (chunk: Buffer) => {
    let msgs: FrontendMessage[];
    try {
      // The framer stops after each startup-phase message (an SSLRequest is followed by TLS bytes).
      msgs = this.framer.push(chunk);
    } catch (err) {
      this.fail(err);
      return;
    }
    for (const m of msgs) {
      if (this.waiter) { const w = this.waiter; this.waiter = undefined; w.resolve(m); } else this.queue.push(m);
    }
    if (this.queue.length > 256 || this.framer.pendingBytes > this.deps.options.maxMessageSize) this.socket.pause();
  };
  private readonly onEnd = () => this.close();
  private readonly onError = (err: Error) => { this.deps.logger.debug({ err: err.message, pid: this.processId }, 'postgres socket error'); this.close(); };
  private readonly onTimeout = () => {
    if (this.busy) return;
    this.sendError('FATAL', PG_WIRE_ERRORS.idleSessionTimeout, this.session ? 'terminating connection due to idle-session timeout' : 'timeout expired during startup');
    this.close(true);
  };

  private attach(s: net.Socket): void {
    s.on('data', this.onData); s.on('end', this.onEnd); s.on('close', this.onEnd); s.on('error', this.onError); s.on('timeout', this.onTimeout);
  }

  private detach(s: net.Socket): void {
    s.removeListener('data', this.onData); s.removeListener('end', this.onEnd); s.removeListener('close', this.onEnd);
    s.removeListener('error', this.onError); s.removeListener('timeout', this.onTimeout);
  }

  /** Runs the connection to its end; never throws. */
  async run(): Promise<void> {
    try {
      this.socket.setTimeout(this.deps.options.connectTimeout);
      if (!(await this.startup())) { this.close(true); return; }
      this.socket.setTimeout(this.deps.options.idleTimeout);
      for (;;) {
        const msg = await this.read();
        this.busy = true;
        try {
          if (!(await this.handle(msg))) break;
        } finally {
          this.busy = false;
        }
      }
    } catch (err) {
      if (!(err instanceof ConnectionClosed)) this.fail(err);
    }
    this.close(true);
  }

  // ---------------------------------------------------------------- I/O

  private read(): Promise<FrontendMessage> {
    const m = this.queue.shift();
    if (m) {
      if (this.queue.length < 64 && this.socket.isPaused()) this.socket.resume();
      return Promise.resolve(m);
    }
    if (this.closed) return Promise.reject(new ConnectionClosed());
    if (this.socket.isPaused()) this.socket.resume();
    return new Promise((resolve, reject) => { this.waiter = { resolve, reject }; });
  }

  private async flush(): Promise<void> {
    if (this.out.length > 0 && !this.closed) this.socket.write(this.out.take());
    if (this.socket.writableLength > HIGH_WATER_BYTES && !this.closed) {
      await new Promise<void>((resolve) => {
        const done = () => { this.socket.removeListener('drain', done); this.socket.removeListener('close', done); resolve(); };
        this.socket.once('drain', done);
        this.socket.once('close', done);
      });
    }
    if (this.closed) throw new ConnectionClosed();
  }

  private sendError(severity: 'ERROR' | 'FATAL', sqlState: string, message: string, hint?: string): void {
    if (this.closed) return;
    const w = this.out.begin('E').int8(0x53).cstr(severity).int8(0x56).cstr(severity).int8(0x43).cstr(sqlState).int8(0x4d).cstr(message);
    if (hint) w.int8(0x48).cstr(hint);
    w.int8(0).end();
  }

  private fail(err: unknown): void {
    if (this.closed) return;
    const e = pgErrorOf(err);
    this.deps.logger.debug({ pid: this.processId, err: e.message }, 'postgres connection closed on bad input');
    this.sendError('FATAL', e.sqlState, e.message);
    this.close(true);
  }

  /** Closes the connection (idempotent); buffered messages go out first. */
  close(soft = false): void {
    if (this.closed) return;
    if (this.out.length > 0) this.socket.write(this.out.take());
    this.closed = true;
    this.connectionAbort.abort();
    this.running?.abort();
    const w = this.waiter; this.waiter = undefined;
    w?.reject(new ConnectionClosed());
    this.socket.end();
    if (soft) setTimeout(() => this.socket.destroy(), 1000).unref(); else this.socket.destroy();
    this.resolveClosed();
  }

  private readyForQuery(): void { this.out.begin('Z').int8(this.txStatus.charCodeAt(0)).end(); }

  // ------------------------------------------------------------ startup

  private async startup(): Promise<boolean> {
    const { options } = this.deps;
    const tlsOffered = this.deps.secureContext !== undefined && options.tls.mode !== 'disable';
    for (;;) {
      const msg = await this.read();
      const r = new MessageReader(msg.body);
      const code = r.int32();
      if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
        const yes = code === SSL_REQUEST && tlsOffered && !this.tls;
        this.socket.write(yes ? 'S' : 'N');
        this.framer.startup = true;
        if (yes) await this.upgradeToTls();
        else this.onData(Buffer.alloc(0));
        continue;
      }
      if (code === CANCEL_REQUEST) {
        const pid = r.int32(); const secret = r.int32();
        this.deps.cancel(pid, secret);
        return false;
      }
      if (code !== PROTOCOL_3) {
        this.sendError('FATAL', PG_WIRE_ERRORS.featureNotSupported, `unsupported frontend protocol ${code >>> 16}.${code & 0xffff}: server supports 3.0`);
        return false;
      }
      const params = new Map<string, string>();
      while (r.remaining > 1) {
        const k = r.cstr();
        if (k === '') break;
        params.set(k, r.cstr());
      }
      if (options.tls.mode === 'require' && !this.tls) {
        this.sendError('FATAL', '28000', 'this server accepts TLS connections only (sslmode=require)');
        return false;
      }
      const user = params.get('user');
      if (!user) { this.sendError('FATAL', '28000', 'no PostgreSQL user name specified in startup packet'); return false; }

      try {
        await this.authenticate(user);
      } catch (err) {
        if (err instanceof ConnectionClosed || err instanceof PgProtocolError) throw err;
        const e = pgErrorOf(err);
        this.sendError('FATAL', e.sqlState === '28000' || e.sqlState === '28P01' ? e.sqlState : PG_WIRE_ERRORS.invalidPassword,
          `password authentication failed for user "${user}"`);
        return false;
      }

      this.session = createSession({ channel: 'postgres', user, memoryLimitBytes: options.sessionMemoryLimit });
      let database = params.get('database') || 'public';
      const catalog = this.deps.catalog;
      if (catalog && !catalog.databaseExists(database)) {
        // Drivers default the database to the user name (or 'postgres'); Strata's default is 'public'.
        if (database === user || database === 'postgres') database = 'public';
        else { this.sendError('FATAL', PG_WIRE_ERRORS.invalidCatalogName, new DatabaseNotFoundError(database).message); return false; }
      }
      this.session.database = database;
      try {
        const tz = params.get('TimeZone') ?? params.get('timezone');
        if (tz) applySet(this.session, 'timezone', tz);
        const app = params.get('application_name');
        if (app) this.session.variables.set('application_name', app);
        for (const m of (params.get('options') ?? '').matchAll(/-c\s*([a-zA-Z_.]+)=(\S+)/g)) applySet(this.session, m[1]!.toLowerCase(), m[2]!);
      } catch (err) {
        this.sendError('FATAL', pgErrorOf(err).sqlState, pgErrorOf(err).message);
        return false;
      }

      this.out.begin('R').int32(0).end();
      const all = settings(this.session, options.serverVersion);
      for (const name of REPORTED_SETTINGS) this.out.begin('S').cstr(name).cstr(all.get(name) ?? '').end();
      this.out.begin('K').int32(this.processId).int32(this.secretKey).end();
      this.readyForQuery();
      await this.flush();
      this.onData(Buffer.alloc(0)); // messages pipelined behind the startup packet
      return true;
    }
  }

  private async upgradeToTls(): Promise<void> {
    const raw = this.socket;
    this.detach(raw);
    raw.setTimeout(0);
    raw.pause();
    const rest = this.framer.drain();
    if (rest.length > 0) raw.unshift(rest);
    const secure = new tls.TLSSocket(raw, { isServer: true, secureContext: this.deps.secureContext });
    this.socket = secure;
    this.tls = true;
    await new Promise<void>((resolve, reject) => {
      const onErr = (err: Error) => { secure.removeListener('secure', onOk); reject(new PgProtocolError(`TLS handshake failed: ${err.message}`, PG_WIRE_ERRORS.protocolViolation, { cause: err })); };
      const onOk = () => { secure.removeListener('error', onErr); resolve(); };
      secure.once('secure', onOk);
      secure.once('error', onErr);
    });
    this.attach(secure);
    secure.setTimeout(this.deps.options.connectTimeout);
  }

  private async readPassword(): Promise<MessageReader> {
    await this.flush();
    const msg = await this.read();
    if (msg.type !== 'p') throw new PgProtocolError(`expected a password message, got '${msg.type}'`);
    return new MessageReader(msg.body);
  }

  private async authenticate(user: string): Promise<void> {
    const users = this.deps.users;
    if (!users) { return; } // trust: no provider bound (GreptimeDB's default)
    let method = this.deps.options.authMethod;
    let plaintext: string | undefined;
    const material = users.passwordMaterial ? await users.passwordMaterial(user) : {};
    if (material === undefined) {
      // An unknown user still goes through the exchange (with a random secret), so it fails the same way.
      plaintext = randomBytes(24).toString('base64');
    } else if (material.plaintext === undefined) {
      method = 'password'; // the provider holds no plaintext for this user: it can only check one
    } else {
      plaintext = material.plaintext;
    }
    if (method === 'password') {
      this.out.begin('R').int32(3).end();
      const r = await this.readPassword();
      await users.authenticate(user, r.cstr());
      return;
    }
    if (method === 'md5') {
      const salt = randomBytes(4);
      this.out.begin('R').int32(5).bytes(salt).end();
      const r = await this.readPassword();
      if (r.cstr() !== md5PasswordHash(user, plaintext!, salt)) throw new AuthError('USER_PASSWORD_MISMATCH', 'password mismatch');
      return;
    }
    this.out.begin('R').int32(10).cstr('SCRAM-SHA-256').int8(0).end();
    let r = await this.readPassword();
    const mechanism = r.cstr();
    if (mechanism !== 'SCRAM-SHA-256') throw new PgProtocolError(`unsupported SASL mechanism '${mechanism}'`, '28000');
    const len = r.int32();
    const scram = new ScramServer(plaintext!, this.deps.options.scramIterations);
    let serverFirst: string;
    try { serverFirst = scram.serverFirst(r.bytes(Math.max(0, len)).toString('utf8')); } catch (err) { throw new PgProtocolError((err as Error).message, '28000'); }
    this.out.begin('R').int32(11).str(serverFirst).end();
    r = await this.readPassword();
    let serverFinal: string;
    try { serverFinal = scram.serverFinal(r.bytes(r.remaining).toString('utf8')); } catch {
      throw new AuthError('USER_PASSWORD_MISMATCH', 'password mismatch');
    }
    this.out.begin('R').int32(12).str(serverFinal).end();
  }

  // ------------------------------------------------------------ messages

  /** Serves one message; false ends the connection. */
  private async handle(msg: FrontendMessage): Promise<boolean> {
    if (msg.type === 'X') return false;
    if (this.skipUntilSync && msg.type !== 'S') return true;
    try {
      switch (msg.type) {
        case 'Q': await this.simpleQuery(new MessageReader(msg.body).cstr()); return true;
        case 'P': this.parse(new MessageReader(msg.body)); return true;
        case 'B': this.bind(new MessageReader(msg.body)); return true;
        case 'D': await this.describe(new MessageReader(msg.body)); return true;
        case 'E': await this.execute(new MessageReader(msg.body)); return true;
        case 'C': {
          const r = new MessageReader(msg.body);
          const kind = String.fromCharCode(r.int8()); const name = r.cstr();
          if (kind === 'S') this.statements.delete(name); else if (kind === 'P') this.portals.delete(name);
          else throw new PgProtocolError(`invalid Close kind '${kind}'`);
          this.out.begin('3').end();
          return true;
        }
        case 'S':
          this.skipUntilSync = false;
          // Portals live until the end of the (implicit) transaction, which Sync closes.
          for (const p of this.portals.values()) this.release(p);
          this.portals.clear();
          this.readyForQuery();
          await this.flush();
          return true;
        case 'H': await this.flush(); return true;
        case 'd': case 'c': case 'f': return true; // stray COPY data: ignored, as PostgreSQL does outside COPY
        case 'F': throw new PgStatementError('the function call protocol is not supported', PG_WIRE_ERRORS.featureNotSupported);
        default: throw new PgProtocolError(`invalid frontend message type '${msg.type}' (0x${msg.type.charCodeAt(0).toString(16)})`);
      }
    } catch (err) {
      if (err instanceof PgProtocolError || err instanceof ConnectionClosed) throw err;
      const e = pgErrorOf(err);
      this.sendError('ERROR', e.sqlState, e.message, e.sqlState === PG_WIRE_ERRORS.featureNotSupported && /^catalog query not supported|pg_catalog|information_schema/i.test(e.message)
        ? 'Strata\'s pg_catalog has pg_database, pg_namespace, pg_class, pg_attribute, pg_type, pg_proc, pg_roles and pg_settings; or use SHOW DATABASES, SHOW TABLES, DESCRIBE TABLE t or SHOW CREATE TABLE t' : undefined);
      if (this.txStatus === 'T') this.txStatus = 'E';
      if (msg.type === 'Q') { this.readyForQuery(); await this.flush(); } else this.skipUntilSync = true;
      return true;
    }
  }

  private async simpleQuery(sql: string): Promise<void> {
    const stmts = splitStatements(sql);
    if (stmts.length === 0) this.out.begin('I').end();
    for (const s of stmts) {
      const portal: Portal = { name: '', stmt: { name: '', sql: s.sql, paramTypes: [] }, params: [], formats: [], row: 0, rowsSent: 0, done: false };
      try {
        await this.start(portal);
        if (portal.output!.kind === 'records') this.rowDescription(portal.output!.columns, []);
        await this.runPortal(portal, 0);
      } finally {
        this.release(portal);
      }
      await this.flush();
    }
    this.readyForQuery();
    await this.flush();
  }

  private parse(r: MessageReader): void {
    const name = r.cstr(); const sql = r.cstr();
    const n = r.int16();
    const types: number[] = [];
    for (let i = 0; i < n; i++) types.push(r.int32());
    if (name !== '' && this.statements.has(name)) throw new PgStatementError(`prepared statement "${name}" already exists`, PG_WIRE_ERRORS.duplicateStatement);
    if (this.statements.size + this.portals.size >= this.deps.options.maxPreparedStatements && !this.statements.has(name)) {
      throw new PgStatementError(`too many prepared statements on this connection (limit ${this.deps.options.maxPreparedStatements})`, '53000');
    }
    const stmts = splitStatements(sql);
    if (stmts.length > 1) throw new PgStatementError('cannot insert multiple commands into a prepared statement', PG_WIRE_ERRORS.syntaxError);
    const maxParam = stmts[0]?.maxParam ?? 0;
    const paramTypes = Array.from({ length: Math.max(maxParam, types.length) }, (_, i) => types[i] ?? 0);
    this.statements.set(name, { name, sql: stmts[0]?.sql ?? '', paramTypes });
    this.out.begin('1').end();
  }

  private bind(r: MessageReader): void {
    const portalName = r.cstr(); const stmtName = r.cstr();
    const stmt = this.statements.get(stmtName);
    if (!stmt) throw new PgStatementError(`prepared statement "${stmtName}" does not exist`, PG_WIRE_ERRORS.invalidStatementName);
    const nf = r.int16(); const pf: number[] = [];
    for (let i = 0; i < nf; i++) pf.push(r.int16());
    const np = r.int16();
    if (np !== stmt.paramTypes.length) {
      throw new PgStatementError(`bind message supplies ${np} parameters, but prepared statement "${stmtName}" requires ${stmt.paramTypes.length}`, PG_WIRE_ERRORS.protocolViolation);
    }
    const params: unknown[] = [];
    for (let i = 0; i < np; i++) {
      const len = r.int32();
      if (len === -1) { params.push(null); continue; }
      const bytes = r.bytes(len);
      const format = nf === 0 ? 0 : nf === 1 ? pf[0]! : pf[i]!;
      params.push(decodeParam(bytes, stmt.paramTypes[i]!, format === 1, this.session.timezone));
    }
    const nr = r.int16(); const formats: number[] = [];
    for (let i = 0; i < nr; i++) formats.push(r.int16());
    if (portalName !== '' && this.portals.has(portalName)) throw new PgStatementError(`portal "${portalName}" already exists`, '42P03');
    this.portals.set(portalName, { name: portalName, stmt, params, formats, row: 0, rowsSent: 0, done: false });
    this.out.begin('2').end();
  }

  private async describe(r: MessageReader): Promise<void> {
    const kind = String.fromCharCode(r.int8()); const name = r.cstr();
    if (kind === 'S') {
      const stmt = this.statements.get(name);
      if (!stmt) throw new PgStatementError(`prepared statement "${name}" does not exist`, PG_WIRE_ERRORS.invalidStatementName);
      this.out.begin('t').int16(stmt.paramTypes.length);
      for (const t of stmt.paramTypes) this.out.int32(t === 0 ? PG_TYPE_OIDS.text : t);
      this.out.end();
      if (stmt.described === undefined) stmt.described = await this.probeColumns(stmt);
      if (stmt.described) this.rowDescription(stmt.described, []); else this.out.begin('n').end();
      return;
    }
    if (kind !== 'P') throw new PgProtocolError(`invalid Describe kind '${kind}'`);
    const portal = this.portals.get(name);
    if (!portal) throw new PgStatementError(`portal "${name}" does not exist`, PG_WIRE_ERRORS.invalidCursorName);
    await this.start(portal);
    if (portal.output!.kind === 'records') this.rowDescription(portal.output!.columns, portal.formats); else this.out.begin('n').end();
  }

  /**
   * The result columns of a statement before it runs (Describe of a
   * statement): query-like statements run once with NULL parameters and
   * their first output's columns are kept; others have no rows.
   */
  private async probeColumns(stmt: Statement): Promise<readonly ResultColumn[] | null> {
    if (!QUERY_LIKE.test(stmt.sql)) return null;
    const portal: Portal = { name: '', stmt, params: stmt.paramTypes.map(() => null), formats: [], row: 0, rowsSent: 0, done: false };
    try {
      await this.start(portal);
      const out = portal.output!;
      this.release(portal);
      return out.kind === 'records' ? out.columns : null;
    } catch {
      return null;
    }
  }

  private async execute(r: MessageReader): Promise<void> {
    const name = r.cstr(); const maxRows = r.int32();
    const portal = this.portals.get(name);
    if (!portal) throw new PgStatementError(`portal "${name}" does not exist`, PG_WIRE_ERRORS.invalidCursorName);
    await this.start(portal);
    await this.runPortal(portal, maxRows > 0 ? maxRows : 0);
    if (name === '' && portal.done) { this.release(portal); this.portals.delete(''); }
    if (this.out.length > FLUSH_BYTES) await this.flush();
  }

  // ------------------------------------------------------------ results

  private rowDescription(columns: readonly ResultColumn[], formats: readonly number[]): void {
    const w = this.out.begin('T').int16(columns.length);
    columns.forEach((c, i) => {
      const t = pgTypeOfDataType(c.type);
      const f = formats.length === 0 ? 0 : formats.length === 1 ? formats[0]! : (formats[i] ?? 0);
      w.cstr(c.name).int32(0).int16(0).int32(t.oid).int16(t.typlen).int32(-1).int16(f);
    });
    w.end();
  }

  /** Starts the portal's statement (once): a local answer or the query service's first output. */
  private async start(portal: Portal): Promise<void> {
    if (portal.output) return;
    const sql = portal.stmt.sql;
    if (sql === '') { portal.output = { kind: 'empty' }; return; }
    const local = localAnswer(sql, this.session, this.deps.options.serverVersion);
    if (local) { portal.output = await this.answerLocally(local); return; }
    const described = this.psqlDescribe(sql);
    if (described) { portal.output = described; return; }
    const ctl = new AbortController();
    this.running = ctl;
    const signal = AbortSignal.any([ctl.signal, this.connectionAbort.signal]);
    try {
      const it = this.deps.query.execute((sql.includes('pg_auth_members') ? withoutRoleMembershipArray(sql) : undefined) ?? sql, this.session, {
        params: portal.params, signal, timeoutMs: statementTimeoutMs(this.session) ?? (this.deps.options.queryTimeout || undefined),
      })[Symbol.asyncIterator]();
      const first = await it.next();
      portal.source = it;
      if (first.done) { portal.output = { kind: 'command', tag: commandTag(sql, 0) }; return; }
      const out = first.value;
      portal.output = out.kind === 'affected'
        ? { kind: 'command', tag: commandTag(sql, out.affectedRows) }
        : { kind: 'records', columns: out.columns, batches: out.batches[Symbol.asyncIterator]() };
    } catch (err) {
      if (ctl.signal.aborted) throw new PgStatementError('canceling statement due to user request', PG_WIRE_ERRORS.queryCanceled, { cause: err });
      // A catalog table or construct Strata lacks (unknown table, unparsed syntax, an untyped failure) is "not supported"; any other
      // failure in a catalog query (a division by zero, a bad cast) keeps its own SQLSTATE.
      const code = (err as { code?: string }).code;
      // `'nope'::regclass` is the query's own mistake: PostgreSQL's 42P01 "relation ... does not exist", kept.
      if (!(err instanceof RelationNotFoundError) && (code === undefined || code === 'TABLE_NOT_FOUND' || code === 'UNSUPPORTED' || code === 'DATABASE_NOT_FOUND' || code === 'INVALID_SYNTAX') && /pg_catalog\.|information_schema\./i.test(sql)) {
        throw new PgStatementError(`catalog query not supported by Strata: ${pgErrorOf(err).message}`, PG_WIRE_ERRORS.featureNotSupported, { cause: err });
      }
      throw err;
    } finally {
      if (this.running === ctl) this.running = undefined;
    }
  }

  private async answerLocally(a: LocalAnswer): Promise<Output> {
    switch (a.kind) {
      case 'command':
        if (a.tag === 'BEGIN' || a.tag === 'START TRANSACTION') this.txStatus = 'T'; else this.txStatus = 'I';
        return { kind: 'command', tag: a.tag };
      case 'set': {
        const report = applySet(this.session, a.name, a.value);
        if (report) this.out.begin('S').cstr(report.name).cstr(report.value).end();
        return { kind: 'command', tag: 'SET' };
      }
      case 'reset':
        if (a.name === 'all') { this.session.variables.clear(); this.session.timezone = 'UTC'; recordServerVersion(this.session, this.deps.options.serverVersion); } else {
          this.session.variables.delete(a.name);
          if (a.name === 'timezone') this.session.timezone = 'UTC';
        }
        if (a.name === 'all' || a.name === 'timezone') this.out.begin('S').cstr('TimeZone').cstr(this.session.timezone).end();
        if (a.tag === 'DISCARD ALL') { this.statements.clear(); }
        return { kind: 'command', tag: a.tag };
      case 'records':
        return stringRecords(a.columns, a.rows);
    }
  }

  /** psql's `\d name` queries, answered from the catalog (see psql-describe.ts); undefined without a catalog. */
  private psqlDescribe(sql: string): Output | undefined {
    const catalog = this.deps.catalog;
    if (!catalog) return undefined;
    const q = psqlDescribeQuery(sql);
    if (!q) return undefined;
    const tables = catalog.listTables(this.session.database);
    if (q.kind === 'lookup') {
      const rows = tables.filter((t) => q.pattern.test(t.name)).sort((a, b) => a.name.localeCompare(b.name))
        .map((t) => [String(pgTableOid(t)), this.session.database, t.name]);
      return stringRecords(['oid', 'nspname', 'relname'], rows);
    }
    const table = tables.find((t) => pgTableOid(t) === q.oid);
    if (!table) return undefined;
    if (q.kind === 'relinfo') return stringRecords(RELINFO_COLUMNS, [RELINFO_ROW]);
    if (q.kind === 'attributes') return stringRecords(q.verbose ? VERBOSE_ATTRIBUTE_COLUMNS : ATTRIBUTE_COLUMNS, attributeRows(table, q.verbose));
    return stringRecords(['none'], []);
  }

  /** Sends a portal's rows (at most maxRows when > 0) and CommandComplete, or PortalSuspended. */
  private async runPortal(portal: Portal, maxRows: number): Promise<void> {
    const out = portal.output!;
    if (out.kind === 'empty') { this.out.begin('I').end(); portal.done = true; return; }
    if (out.kind === 'command') { this.out.begin('C').cstr(out.tag).end(); portal.done = true; this.release(portal); return; }
    if (portal.done) { this.out.begin('C').cstr(`SELECT ${portal.rowsSent}`).end(); return; }
    const n = out.columns.length;
    const binary = out.columns.map((_, i) => (portal.formats.length === 0 ? 0 : portal.formats.length === 1 ? portal.formats[0]! : (portal.formats[i] ?? 0)) === 1);
    let sent = 0;
    for (;;) {
      if (!portal.batch || portal.row >= portal.batch.numRows) {
        const next = await out.batches.next();
        if (next.done) break;
        portal.batch = next.value; portal.row = 0;
        portal.writers = out.columns.map((c, i) => columnWriter(next.value.getChildAt(i)!, c.type, this.session.timezone));
      }
      const batch = portal.batch; const writers = portal.writers!;
      while (portal.row < batch.numRows) {
        if (maxRows > 0 && sent >= maxRows) { this.out.begin('s').end(); return; }
        const r = portal.row;
        this.out.begin('D').int16(n);
        for (let c = 0; c < n; c++) {
          const w = writers[c]!;
          if (w.isNull(r)) this.out.int32(-1);
          else if (binary[c]) w.binary(r, this.out);
          else w.text(r, this.out);
        }
        this.out.end();
        portal.row++; portal.rowsSent++; sent++;
        if (this.out.length > FLUSH_BYTES) await this.flush();
      }
    }
    portal.done = true;
    this.release(portal);
    this.out.begin('C').cstr(`SELECT ${portal.rowsSent}`).end();
  }

  /** Lets go of a portal's query (unfinished rows are dropped). */
  private release(portal: Portal): void {
    const out = portal.output;
    if (out?.kind === 'records' && !portal.done) void out.batches.return?.(undefined).catch(() => undefined);
    void portal.source?.return?.(undefined).catch(() => undefined);
    portal.source = undefined;
  }
}

/** The session's `SET statement_timeout` ('5s', '500ms', '1min' or milliseconds; 0 = none), if set. */
export function statementTimeoutMs(session: Session): number | undefined {
  const v = session.variables.get('statement_timeout');
  if (v === undefined) return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|min|h|d)?\s*$/i.exec(v);
  if (!m) return undefined;
  const ms = Number(m[1]) * ({ ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 'ms').toLowerCase() as 'ms'] ?? 1);
  return ms > 0 ? ms : undefined;
}

function stringRecords(columns: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | null>>): Output {
  const batch = new arrow.RecordBatch(Object.fromEntries(columns.map((c, i) => [c, arrow.vectorFromArray(rows.map((r) => r[i] ?? null), new arrow.Utf8()).data[0]!])));
  return {
    kind: 'records',
    columns: columns.map((name) => ({ name, type: { name: 'String' } })),
    batches: (async function* () { if (rows.length > 0) yield batch; })(),
  };
}
