import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP proxy on 127.0.0.1 in front of an S3 server that answers
 * DeleteObjects (POST /bucket?delete) with 501 NotImplemented, as Google Cloud
 * Storage's XML API does, and forwards everything else unchanged.
 */
export class NoBatchDeleteProxy {
  refused = 0;
  private constructor(private readonly server: http.Server) {}

  get endpoint(): string { return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`; }

  static async start(upstreamPort: number): Promise<NoBatchDeleteProxy> {
    let proxy: NoBatchDeleteProxy | undefined;
    const server = http.createServer((req, res) => {
      if (req.method === 'POST' && /[?&]delete(=|&|$)/.test(req.url ?? '')) {
        proxy!.refused++;
        req.resume();
        res.writeHead(501, { 'content-type': 'application/xml' });
        res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>NotImplemented</Code><Message>A header you provided implies functionality that is not implemented</Message></Error>');
        return;
      }
      const upstream = http.request({ host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    proxy = new NoBatchDeleteProxy(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
