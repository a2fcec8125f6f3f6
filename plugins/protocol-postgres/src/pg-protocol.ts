import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { ConfigError, type Catalog, type ListenAddress, type Logger, type ProtocolServer, type QueryService, type UserProvider } from '@strata/kernel';
import { PG_WIRE_ERRORS } from './errors.js';
import { MessageWriter } from './message-codec.js';
import type { PostgresOptions } from './options.js';
import { PgConnection } from './pg-connection.js';

/** What the server needs from the plugin context. */
export interface PgServerDeps {
  readonly query: QueryService;
  readonly users?: UserProvider;
  readonly catalog?: Catalog;
  readonly logger: Logger;
}

/** Builds the TLS context from the options, or undefined when TLS is off. */
export function secureContextOf(options: PostgresOptions, plugin: string): tls.SecureContext | undefined {
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
 * The PostgreSQL listener: accepts connections up to `maxConnections`
 * (refusing more with FATAL 53300), runs a PgConnection for each, routes
 * CancelRequests by backend process id, and on stop closes everything.
 */
export class PgProtocolServer implements ProtocolServer {
  readonly name = 'postgres';
  private server?: net.Server;
  private readonly live = new Map<number, PgConnection>();
  private nextProcessId = 1000 + Math.floor(Math.random() * 1000);
  private readonly secureContext?: tls.SecureContext;

  constructor(private readonly options: PostgresOptions, private readonly deps: PgServerDeps, plugin = 'protocol-postgres') {
    this.secureContext = secureContextOf(options, plugin);
  }

  addresses(): ListenAddress[] {
    const a = this.server?.address();
    if (!a || typeof a === 'string') return [];
    return [{ protocol: 'postgres', host: a.address, port: a.port, url: `postgres://${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}`, tls: this.secureContext !== undefined }];
  }

  connections(): number { return this.live.size; }

  async start(): Promise<void> {
    const server = net.createServer((socket) => this.accept(socket));
    server.on('error', (err) => this.deps.logger.error({ err: err.message }, 'postgres listener error'));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => { server.removeListener('error', reject); resolve(); });
    });
    this.server = server;
  }

  private accept(socket: net.Socket): void {
    socket.on('error', () => undefined); // handled per connection; never crash the server
    if (this.live.size >= this.options.maxConnections) {
      const w = new MessageWriter(128).begin('E').int8(0x53).cstr('FATAL').int8(0x56).cstr('FATAL').int8(0x43).cstr(PG_WIRE_ERRORS.tooManyConnections)
        .int8(0x4d).cstr('sorry, too many clients already').int8(0).end();
      socket.end(w.take());
      setTimeout(() => socket.destroy(), 1000).unref();
      return;
    }
    const pid = this.nextProcessId++;
    const conn = new PgConnection(socket, {
      query: this.deps.query, users: this.deps.users, catalog: this.deps.catalog, options: this.options,
      secureContext: this.secureContext, logger: this.deps.logger, processId: pid,
      cancel: (target, secret) => this.live.get(target)?.cancel(secret),
    });
    this.live.set(pid, conn);
    void conn.done.then(() => this.live.delete(pid));
    void conn.run().catch((err) => {
      this.deps.logger.error({ err: (err as Error).message, pid }, 'postgres connection failed');
      conn.close();
    });
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    const closed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    for (const c of this.live.values()) c.close();
    await closed;
  }
}
