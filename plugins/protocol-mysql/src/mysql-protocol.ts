import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { ConfigError, type Catalog, type ListenAddress, type Logger, type ProtocolServer, type QueryService, type UserProvider } from '@strata/kernel';
import { MYSQL_WIRE_ERRORS } from './errors.js';
import { MysqlConnection } from './mysql-connection.js';
import type { MysqlOptions } from './options.js';
import { PacketWriter } from './packet-codec.js';

/** What the server needs from the plugin context. */
export interface MysqlServerDeps {
  readonly query: QueryService;
  readonly users?: UserProvider;
  readonly catalog?: Catalog;
  readonly logger: Logger;
}

/** Builds the TLS context from the options, or undefined when TLS is off. */
export function secureContextOf(options: MysqlOptions, plugin: string): tls.SecureContext | undefined {
  if (options.tls.mode === 'disable') return undefined;
  const read = (inline: string | undefined, file: string | undefined, key: string): string => {
    if (inline) return inline;
    if (!file) throw new ConfigError(`plugin '${plugin}': tls.mode is '${options.tls.mode}' but neither tls.${key} nor tls.${key}Path is set`, undefined, plugin, `tls.${key}Path`);
    try { return readFileSync(file, 'utf8'); } catch (err) {
      throw new ConfigError(`plugin '${plugin}': cannot read tls.${key}Path '${file}': ${(err as Error).message}`, undefined, plugin, `tls.${key}Path`, { cause: err });
    }
  };
  return tls.createSecureContext({ cert: read(options.tls.cert, options.tls.certPath, 'cert'), key: read(options.tls.key, options.tls.keyPath, 'key') });
}

/**
 * The MySQL listener: accepts connections up to `maxConnections` (refusing
 * more with ERR 1040 before the handshake), runs a MysqlConnection for each,
 * and on stop closes the listener and every connection.
 */
export class MysqlProtocolServer implements ProtocolServer {
  readonly name = 'mysql';
  private server?: net.Server;
  private readonly live = new Set<MysqlConnection>();
  private nextConnectionId = 1;
  private readonly secureContext?: tls.SecureContext;

  constructor(private readonly options: MysqlOptions, private readonly deps: MysqlServerDeps, plugin = 'protocol-mysql') {
    this.secureContext = secureContextOf(options, plugin);
  }

  addresses(): ListenAddress[] {
    const a = this.server?.address();
    if (!a || typeof a === 'string') return [];
    return [{ protocol: 'mysql', host: a.address, port: a.port, url: `mysql://${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}`, tls: this.secureContext !== undefined }];
  }

  connections(): number { return this.live.size; }

  async start(): Promise<void> {
    const server = net.createServer((socket) => this.accept(socket));
    server.on('error', (err) => this.deps.logger.error({ err: err.message }, 'mysql listener error'));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => { server.removeListener('error', reject); resolve(); });
    });
    this.server = server;
  }

  private accept(socket: net.Socket): void {
    socket.on('error', () => undefined); // errors are handled per connection; never crash the server
    const id = this.nextConnectionId++;
    if (this.live.size >= this.options.maxConnections) {
      const w = new PacketWriter(64).int1(0xff).int2(MYSQL_WIRE_ERRORS.tooManyConnections.code).str('#')
        .str(MYSQL_WIRE_ERRORS.tooManyConnections.sqlState).str('Too many connections');
      const header = Buffer.alloc(4); header.writeUIntLE(w.length, 0, 3);
      socket.end(Buffer.concat([header, w.payload()]));
      setTimeout(() => socket.destroy(), 1000).unref();
      return;
    }
    const conn = new MysqlConnection(socket, {
      query: this.deps.query, users: this.deps.users, catalog: this.deps.catalog, options: this.options,
      secureContext: this.secureContext, logger: this.deps.logger, connectionId: id,
    });
    this.live.add(conn);
    void conn.done.then(() => this.live.delete(conn));
    void conn.run().catch((err) => {
      this.deps.logger.error({ err: (err as Error).message, conn: id }, 'mysql connection failed');
      conn.close();
    });
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    const closed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    for (const c of this.live) c.close();
    await closed;
  }
}
