import http from 'node:http';

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

// Keep-alive so each writer reuses its connection, as TSBS's loaders do.
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/**
 * One HTTP request to a loopback server, the whole answer buffered.
 *
 * @example
 * const res = await httpRequest('http://127.0.0.1:4000/v1/sql?sql=select%201');
 */
export function httpRequest(
  url: string,
  opts: { method?: string; body?: Buffer | string; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const body = typeof opts.body === 'string' ? Buffer.from(opts.body) : opts.body;
    const req = http.request(
      url,
      {
        method: opts.method ?? (body ? 'POST' : 'GET'),
        agent,
        headers: { ...(body ? { 'content-length': String(body.length) } : {}), ...opts.headers },
        timeout: opts.timeoutMs ?? 120_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`HTTP request timed out: ${url.slice(0, 120)}`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** Polls `url` until it answers with a status below 500, or throws after `timeoutMs`. */
export async function waitForHttp(url: string, timeoutMs: number, isAlive: () => boolean = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (!isAlive()) throw new Error(`process exited before ${url} answered`);
    try {
      const res = await httpRequest(url, { timeoutMs: 2000 });
      if (res.status < 500) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms (${last})`);
}

export function closeHttpAgent(): void {
  agent.destroy();
}
