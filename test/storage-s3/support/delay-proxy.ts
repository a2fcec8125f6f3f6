import net from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 that holds back the upstream's answers: the first
 * `slowConnections` connections get every response chunk `delayMs` late (or
 * never, with Infinity), later ones pass straight through. Models a slow or
 * hanging S3 endpoint without touching the server.
 *
 * @example
 * const proxy = await DelayProxy.start(s3.port, { delayMs: 2000, slowConnections: 1 });
 * // point the client at proxy.endpoint
 */
export class DelayProxy {
  connections = 0;
  private readonly sockets = new Set<net.Socket>();

  private constructor(private readonly server: net.Server, public options: { delayMs: number; slowConnections: number }) {}

  get port(): number { return (this.server.address() as net.AddressInfo).port; }
  get endpoint(): string { return `http://127.0.0.1:${this.port}`; }

  static async start(upstreamPort: number, options: { delayMs: number; slowConnections: number }): Promise<DelayProxy> {
    let proxy: DelayProxy | undefined;
    const server = net.createServer((client) => proxy!.handle(client, upstreamPort));
    proxy = new DelayProxy(server, options);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  private handle(client: net.Socket, upstreamPort: number): void {
    const n = ++this.connections;
    const slow = n <= this.options.slowConnections;
    const delayMs = this.options.delayMs;
    const upstream = net.connect(upstreamPort, '127.0.0.1');
    this.sockets.add(client).add(upstream);
    const close = (): void => { client.destroy(); upstream.destroy(); this.sockets.delete(client); this.sockets.delete(upstream); };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      if (!slow) { client.write(chunk); return; }
      if (delayMs === Infinity) return;
      setTimeout(() => { if (!client.destroyed) client.write(chunk); }, delayMs).unref();
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
