import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { QueryOutput } from '@strata/kernel';
import { startHttp } from './fixtures.js';

function getJson(url: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    https.get(url, { rejectUnauthorized: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
    }).on('error', reject);
  });
}

describe('protocol-http: TLS and lifecycle', function () {
  this.timeout(20_000);

  it('serves HTTPS with tls.cert/tls.key and reports an https:// address', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'strata-http-tls-'));
    try {
      const key = path.join(dir, 'key.pem'); const cert = path.join(dir, 'cert.pem');
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
      const s = await startHttp({ tls: { cert, key } });
      try {
        const addr = s.server.addresses()[0]!;
        expect(addr.tls).to.equal(true);
        expect(addr.url).to.match(/^https:\/\/127\.0\.0\.1:\d+$/);
        const r = await getJson(`${addr.url}/health`);
        expect(r).to.deep.equal({ status: 200, body: {} });
      } finally {
        await s.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to start with only one of tls.cert / tls.key, or an unreadable file', async () => {
    let err: unknown;
    try { await startHttp({ tls: { cert: '/nonexistent.pem' } }); } catch (e) { err = e; }
    expect(String((err as Error).message)).to.match(/both 'tls.cert' and 'tls.key'/);
    err = undefined;
    try { await startHttp({ tls: { cert: '/nonexistent.pem', key: '/nonexistent.key' } }); } catch (e) { err = e; }
    expect(String((err as Error).message)).to.match(/cannot read TLS certificate/);
  });

  it('stop drains: an in-flight request completes, then the port is closed', async () => {
    const s = await startHttp();
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    s.query.executeImpl = async function* (): AsyncIterable<QueryOutput> { await gate; yield { kind: 'affected', affectedRows: 7 }; };
    const inflight = fetch(`${s.url}/v1/sql?sql=slow`);
    await new Promise((r) => setTimeout(r, 100));
    const stopping = s.stop();
    await new Promise((r) => setTimeout(r, 100));
    release();
    const r = await inflight;
    expect(r.status).to.equal(200);
    expect(await r.json()).to.deep.include({ output: [{ affectedrows: 7 }] });
    await stopping;
    expect(s.server.addresses()).to.deep.equal([]);
    let refused = false;
    try { await fetch(`${s.url}/health`); } catch { refused = true; }
    expect(refused).to.equal(true);
  });

  it('cancels the query when the client goes away', async () => {
    // The aborted client's socket may linger; a short grace keeps stop quick.
    const s = await startHttp({ shutdownGrace: '500ms' });
    try {
      let aborted = false;
      s.query.executeImpl = async function* (_sql, _session, options): AsyncIterable<QueryOutput> {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 5000);
          options?.signal?.addEventListener('abort', () => { aborted = true; clearTimeout(t); resolve(); });
        });
        yield { kind: 'affected', affectedRows: 0 };
      };
      const ac = new AbortController();
      const p = fetch(`${s.url}/v1/sql?sql=slow`, { signal: ac.signal }).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 150));
      ac.abort();
      await p;
      const deadline = Date.now() + 3000;
      while (!aborted && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(aborted).to.equal(true);
    } finally {
      await s.stop();
    }
  });
});
