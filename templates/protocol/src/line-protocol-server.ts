import * as net from 'node:net';
import type { ListenAddress, Logger, ProtocolServer, QueryService } from '@strata/kernel';
import { tooManyConnections } from './errors.js';
import { LineConnection } from './line-connection.js';
import type { __PASCAL_NAME__Options } from './options.js';

/**
 * The `__NAME__` listener: accepts up to `maxConnections` clients and runs a
 * LineConnection for each. `stop` drains: it closes the listener, lets every
 * connection answer the lines it already received (up to `drainTimeout`),
 * then cuts whatever is left.
 *
 * @example
 * const server = new __PASCAL_NAME__Server(opts, query, logger);
 * await server.start();   // server.addresses()[0].port
 * await server.stop();
 */
export class __PASCAL_NAME__Server implements ProtocolServer {
  readonly name = '__NAME__';
  private server?: net.Server;
  private readonly live = new Set<LineConnection>();

  constructor(private readonly options: __PASCAL_NAME__Options, private readonly query: QueryService, private readonly logger: Logger) {}

  addresses(): ListenAddress[] {
    const a = this.server?.address();
    if (!a || typeof a === 'string') return [];
    const host = a.address.includes(':') ? `[${a.address}]` : a.address;
    return [{ protocol: '__NAME__', host: a.address, port: a.port, url: `tcp://${host}:${a.port}`, tls: false }];
  }

  connections(): number { return this.live.size; }

  async start(): Promise<void> {
    const server = net.createServer({ allowHalfOpen: true }, (socket) => this.accept(socket));
    server.on('error', (err) => this.logger.error({ err: err.message }, '__NAME__ listener error'));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => { server.off('error', reject); resolve(); });
    });
    this.server = server;
    this.logger.info({ url: this.addresses()[0]?.url }, '__NAME__ listening');
  }

  private accept(socket: net.Socket): void {
    if (this.live.size >= this.options.maxConnections) {
      socket.on('error', () => undefined);
      socket.end(`${tooManyConnections(this.options.maxConnections)}\n`);
      setTimeout(() => socket.destroy(), 1000).unref();
      return;
    }
    const conn = new LineConnection(socket, this.options, this.query, this.logger);
    this.live.add(conn);
    void conn.done.then(() => this.live.delete(conn));
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    const closed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    const conns = [...this.live];
    for (const c of conns) c.drain();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), this.options.drainTimeout); });
    const drained = await Promise.race([Promise.all(conns.map((c) => c.done)).then(() => 'drained' as const), deadline]);
    clearTimeout(timer);
    if (drained === 'timeout') {
      this.logger.warn({ connections: this.live.size }, '__NAME__: drain timeout; closing the remaining connections');
      for (const c of this.live) c.destroy();
      await Promise.all([...this.live].map((c) => c.done));
    }
    await closed;
  }
}
