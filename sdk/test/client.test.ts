import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import {
  ARROW_FLIGHT_PROTO, encodeRowInsertRequests, GREPTIME_DATABASE_PROTO, isReadOnlySql, StrataClient, StrataClientError, toLineProtocol, toRowInsertRequest, withRetries,
} from '../src/index.js';
import { decodeMessage, encodeMessage } from '../src/client/grpc-transport.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..', '..');

/** A scripted HTTP server: each request takes the next answer. */
async function scripted(answers: Array<(req: http.IncomingMessage, res: http.ServerResponse) => void>): Promise<{ url: string; hits: () => number; bodies: string[]; close(): Promise<void> }> {
  let hits = 0;
  const bodies: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => { bodies.push(Buffer.concat(chunks).toString('utf8')); const a = answers[Math.min(hits, answers.length - 1)]!; hits++; a(req, res); });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, hits: () => hits, bodies, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

const busy = (retryAfter?: string) => (_req: http.IncomingMessage, res: http.ServerResponse): void => {
  res.writeHead(503, { 'content-type': 'application/json', ...(retryAfter ? { 'retry-after': retryAfter } : {}) });
  res.end(JSON.stringify({ code: 6001, error: 'busy' }));
};
const noContent = (_req: http.IncomingMessage, res: http.ServerResponse): void => { res.writeHead(204); res.end(); };
const reset = (req: http.IncomingMessage): void => { req.socket.destroy(); };

describe('sdk client: encoding', () => {
  it('writes line protocol with escapes, i/u suffixes, booleans and the timestamp precision', () => {
    const { body, precision } = toLineProtocol({
      table: 'my cpu', tags: ['host'], types: { c: 'UInt64' },
      rows: [{ host: 'a,b c', ts: 1700000000000, usage: 0.5, n: 5n, c: 7n, ok: true, note: 'say "hi"\\' }],
    });
    expect(precision).to.equal('ms');
    expect(body).to.equal('my\\ cpu,host=a\\,b\\ c usage=0.5,n=5i,c=7u,ok=t,note="say \\"hi\\"\\\\" 1700000000000');
    expect(toLineProtocol({ table: 't', types: { ts: 'TimestampNanosecond' }, rows: [{ ts: 1n, v: 1 }] })).to.deep.equal({ body: 't v=1 1', precision: 'ns' });
    expect(() => toLineProtocol({ table: 't', rows: [{ ts: 1 }] })).to.throw(/no field values/);
  });

  it('builds greptime.v1 row inserts with inferred types and exact 64-bit values', () => {
    const r = toRowInsertRequest({ table: 'cpu', tags: ['host'], rows: [{ host: 'a', ts: new Date(5), v: 1.5, n: 2n ** 63n - 1n }, { host: 'b', ts: 6, flag: false }] }) as {
      rows: { schema: Array<{ column_name: string; datatype: number; semantic_type: number }>; rows: Array<{ values: Array<Record<string, unknown>> }> };
    };
    expect(r.rows.schema.map((c) => [c.column_name, c.datatype, c.semantic_type])).to.deep.equal([
      ['host', 12, 0], ['ts', 16, 2], ['v', 10, 1], ['n', 4, 1], ['flag', 0, 1]]);
    expect(r.rows.rows[0]!.values).to.deep.equal([{ string_value: 'a' }, { timestamp_millisecond_value: '5' }, { f64_value: 1.5 }, { i64_value: '9223372036854775807' }, {}]);
    expect(r.rows.rows[1]!.values[4]).to.deep.equal({ bool_value: false });
    expect(() => toRowInsertRequest({ table: 't', rows: [{ v: 1 }] })).to.throw(/no timestamp column 'ts'/);
  });

  it('the hand-written row encoder produces what protobufjs encodes from toRowInsertRequest', () => {
    const tables = [
      { table: 'all', tags: ['host'], types: { i8: 'Int8', i32: 'Int32', u32: 'UInt32', u64: 'UInt64', f32: 'Float32', d: 'Date', tns: 'TimestampNanosecond' } as const,
        rows: Array.from({ length: 20 }, (_, i) => ({
          host: i % 4 === 0 ? null : `h\u00e9${i}`, ts: 1_700_000_000_000 + i, v: i % 3 ? i / 7 : undefined, n: [2n ** 63n - 1n, -(2n ** 63n), -1n, 0n, 123456789012345n][i % 5],
          i8: -i, i32: i % 2 ? -2147483648 : i, u32: 4294967295 - i, u64: 2n ** 64n - 1n - BigInt(i), f32: i / 4, ok: i % 2 === 0,
          bin: new Uint8Array([i, 0, 255]), d: 19000 + i, tns: -5n * BigInt(i),
        })) },
      { table: 'second', timestamp: 'at', rows: [{ at: new Date(0), x: 'y' }] },
    ];
    const fast = decodeMessage('greptime.v1.RowInsertRequests', encodeRowInsertRequests(tables));
    const reference = decodeMessage('greptime.v1.RowInsertRequests', encodeMessage('greptime.v1.RowInsertRequests', { inserts: tables.map((t) => toRowInsertRequest(t)) }));
    expect(fast).to.deep.equal(reference);
    expect((fast as { inserts: unknown[] }).inserts).to.have.length(2);
  });

  it('tells read-only SQL from statements that change data', () => {
    expect(isReadOnlySql('SELECT 1')).to.equal(true);
    expect(isReadOnlySql(' -- c\n show tables; describe t')).to.equal(true);
    expect(isReadOnlySql('SELECT 1; INSERT INTO t VALUES (1, 2)')).to.equal(false);
    expect(isReadOnlySql('DELETE FROM t')).to.equal(false);
  });

  it('embeds exactly the protos that protocol-grpc serves', () => {
    expect(GREPTIME_DATABASE_PROTO).to.equal(readFileSync(path.join(repo, 'plugins/protocol-grpc/protos/greptime/v1/database.proto'), 'utf8'));
    expect(ARROW_FLIGHT_PROTO).to.equal(readFileSync(path.join(repo, 'plugins/protocol-grpc/protos/arrow/flight/flight.proto'), 'utf8'));
  });
});

describe('sdk client: retries', function () {
  this.timeout(15_000);

  it('retries 503 (honouring Retry-After) and 429 for inserts, then succeeds', async () => {
    const s = await scripted([busy('1'), (_q, res) => { res.writeHead(429, { 'retry-after': '0' }); res.end('{"code":6001,"error":"slow down"}'); }, noContent]);
    try {
      const client = new StrataClient({ http: s.url, retry: { maxAttempts: 3, initialBackoffMs: 1, maxBackoffMs: 300 } });
      const t0 = Date.now();
      expect(await client.insert({ table: 't', rows: [{ ts: 1, v: 1 }] }, { via: 'http' })).to.equal(1);
      expect(s.hits()).to.equal(3);
      expect(Date.now() - t0).to.be.at.least(250); // Retry-After 1 s, capped by maxBackoffMs 300
      expect(s.bodies[2]).to.equal('t v=1 1');
    } finally { await s.close(); }
  });

  it('gives up after maxAttempts and reports the server code; a 400 is not retried', async () => {
    const s = await scripted([busy()]);
    try {
      const client = new StrataClient({ http: s.url, retry: { maxAttempts: 2, initialBackoffMs: 1 } });
      const e = await client.insert({ table: 't', rows: [{ ts: 1, v: 1 }] }, { via: 'http' }).then(() => undefined, (x: unknown) => x) as StrataClientError;
      expect(e).to.be.instanceOf(StrataClientError);
      expect(e.details).to.include({ httpStatus: 503, code: 6001, attempts: 2 });
      expect(s.hits()).to.equal(2);
    } finally { await s.close(); }
    const bad = await scripted([(_q, res) => { res.writeHead(400); res.end('{"code":1004,"error":"bad line"}'); }]);
    try {
      const client = new StrataClient({ http: bad.url, retry: { maxAttempts: 5, initialBackoffMs: 1 } });
      const e = await client.insert({ table: 't', rows: [{ ts: 1, v: 1 }] }, { via: 'http' }).then(() => undefined, (x: unknown) => x) as StrataClientError;
      expect(e.message).to.equal('bad line');
      expect(bad.hits()).to.equal(1);
    } finally { await bad.close(); }
  });

  it('after a dropped connection resends a SELECT but never a non-idempotent statement', async () => {
    const s = await scripted([reset, (_q, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"output":[{"affectedrows":1}]}'); }]);
    try {
      const client = new StrataClient({ http: s.url, retry: { maxAttempts: 3, initialBackoffMs: 1 } });
      const e = await client.execute('INSERT INTO t VALUES (1, 2)').then(() => undefined, (x: unknown) => x) as StrataClientError;
      expect(e).to.be.instanceOf(StrataClientError);
      expect(e.details).to.include({ retryable: true, maybeApplied: true });
      expect(s.hits()).to.equal(1);
      expect(await client.execute('SELECT 1')).to.equal(1); // hit 2 is served normally
    } finally { await s.close(); }
    const again = await scripted([reset, (_q, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"output":[{"affectedrows":0}]}'); }]);
    try {
      const client = new StrataClient({ http: again.url, retry: { maxAttempts: 3, initialBackoffMs: 1 } });
      expect(await client.execute('SELECT 1')).to.equal(0);
      expect(again.hits()).to.equal(2);
    } finally { await again.close(); }
  });

  it('retries UNAVAILABLE from an unreachable gRPC server a bounded number of times', async () => {
    const client = new StrataClient({ grpc: '127.0.0.1:1', timeoutMs: 2000, retry: { maxAttempts: 2, initialBackoffMs: 1 } });
    try {
      const e = await client.insert({ table: 't', rows: [{ ts: 1, v: 1 }] }).then(() => undefined, (x: unknown) => x) as StrataClientError;
      expect(e).to.be.instanceOf(StrataClientError);
      expect(e.details.grpcStatus).to.equal(14);
      expect(e.details.attempts).to.equal(2);
    } finally { client.close(); }
  });

  it('withRetries passes non-client errors through at once', async () => {
    let n = 0;
    const e = await withRetries(async () => { n++; throw new TypeError('bug'); }, { maxAttempts: 5 }, true).then(() => undefined, (x: unknown) => x);
    expect(e).to.be.instanceOf(TypeError);
    expect(n).to.equal(1);
  });
});
