import type { AddressInfo, Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { ListenAddress, ProtocolServer } from '@strata/kernel';

/**
 * The ProtocolServer binding of the HTTP app: opens the listener on start,
 * reports where it listens, counts connections, and drains on stop
 * (Fastify's close: stop accepting, finish in-flight requests, close idle
 * keep-alive sockets; after the grace period every socket is closed).
 */
export class HttpProtocolServer implements ProtocolServer {
  readonly name = 'http';
  private bound: ListenAddress[] = [];
  private readonly sockets = new Set<Socket>();
  /** True once stop began: answers then carry `Connection: close`. */
  closing = false;

  constructor(readonly app: FastifyInstance, private readonly opts: { host: string; port: number; tls: boolean; shutdownGraceMs: number }) {
    app.addHook('onSend', async (_req, reply) => { if (this.closing) reply.header('connection', 'close'); });
  }

  addresses(): ListenAddress[] { return this.bound; }

  connections(): number { return this.sockets.size; }

  async start(): Promise<void> {
    this.app.server.on('connection', (s: Socket) => { this.sockets.add(s); s.once('close', () => this.sockets.delete(s)); });
    if (this.opts.tls) this.app.server.on('secureConnection', () => undefined);
    await this.app.listen({ host: this.opts.host, port: this.opts.port });
    const a = this.app.server.address() as AddressInfo;
    const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
    const scheme = this.opts.tls ? 'https' : 'http';
    this.bound = [{ protocol: 'http', host: a.address, port: a.port, url: `${scheme}://${host}:${a.port}`, tls: this.opts.tls }];
  }

  async stop(): Promise<void> {
    this.closing = true;
    // Keep-alive sockets that go idle after their last response are closed
    // right away rather than after keepAliveTimeout.
    const sweep = setInterval(() => this.app.server.closeIdleConnections?.(), 50);
    sweep.unref();
    const grace = setTimeout(() => {
      // In-flight requests had their chance; close what is left so stop ends.
      this.app.server.closeAllConnections?.();
      for (const s of this.sockets) s.destroy();
    }, this.opts.shutdownGraceMs);
    grace.unref();
    try {
      await this.app.close();
    } finally {
      clearTimeout(grace);
      clearInterval(sweep);
      this.bound = [];
    }
  }
}
