import http from 'node:http';
import https from 'node:https';
import { StrataClientError } from './retry-policy.js';

export interface HttpAnswer { readonly status: number; readonly headers: http.IncomingHttpHeaders; readonly body: Buffer }

/** Connection errors where the request surely never reached the server. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * One HTTP request with node:http(s) (so a private CA can be trusted, which
 * global fetch cannot do without extra packages). Non-2xx answers become
 * StrataClientError with GreptimeDB's `{code, error}`; 503 and 429 are
 * retryable, with their Retry-After.
 */
export function httpRequest(url: URL, init: { method: string; headers: Record<string, string>; body?: Buffer | string; timeoutMs: number; ca?: string | Buffer }): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const mod = url.protocol === 'https:' ? https : http;
    const req = mod.request(url, { method: init.method, headers: init.headers, timeout: init.timeoutMs, ...(init.ca ? { ca: init.ca } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (err) => reject(new StrataClientError(`HTTP response failed: ${err.message}`, { retryable: true, maybeApplied: true }, { cause: err })));
      res.on('end', () => {
        const answer = { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) };
        if (answer.status >= 200 && answer.status < 300) { resolve(answer); return; }
        let code: number | undefined;
        let message = answer.body.toString('utf8');
        try {
          const j = JSON.parse(message) as { code?: number; error?: string };
          code = j.code; message = j.error ?? message;
        } catch { /* not JSON: keep the text */ }
        const retryAfter = Number(res.headers['retry-after']);
        reject(new StrataClientError(message || `HTTP ${answer.status}`, {
          code, httpStatus: answer.status, retryable: answer.status === 503 || answer.status === 429, maybeApplied: false,
          retryAfterMs: Number.isFinite(retryAfter) ? retryAfter * 1000 : undefined,
        }));
      });
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error(`HTTP request timed out after ${init.timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    req.on('error', (err: NodeJS.ErrnoException) => {
      const notSent = NOT_SENT.has(err.code ?? '');
      reject(new StrataClientError(`HTTP request to ${url.origin} failed: ${err.message}`, { retryable: true, maybeApplied: !notSent }, { cause: err }));
    });
    req.end(init.body);
  });
}
