import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { AuthError, definePlugin, QUERY, StrataServer, USER_PROVIDER, type UserProvider } from '@strata/kernel';
import postgresPlugin from '../src/index.js';
import { fakeQuery, seen } from './fake-query.js';

const queryPlugin = definePlugin({ name: 'fake-query', kind: 'service', provides: [QUERY], register(ctx) { ctx.bind(QUERY, fakeQuery); } });

function usersPlugin(withMaterial: boolean) {
  const users: UserProvider = {
    name: 'static',
    async authenticate(u, p) { if (u === 'alice' && p === 's3cret') return { username: u }; throw new AuthError('USER_PASSWORD_MISMATCH', `Access denied for user '${u}'`); },
    ...(withMaterial ? { async passwordMaterial(u: string) { return u === 'alice' ? { plaintext: 's3cret' } : undefined; } } : {}),
  };
  return definePlugin({ name: 'static-users', kind: 'service', provides: [USER_PROVIDER], register(ctx) { ctx.bind(USER_PROVIDER, users); } });
}

async function startServer(options: Record<string, unknown> = {}, extra: ReturnType<typeof usersPlugin>[] = []) {
  const server = await StrataServer.fromDefinitions([
    { definition: queryPlugin }, ...extra.map((d) => ({ definition: d })),
    { definition: postgresPlugin, options: { port: 0, ...options } },
  ], { dataHome: os.tmpdir() }, { logLevel: 'silent', processMetrics: false });
  await server.start();
  return { server, port: server.addresses().find((a) => a.protocol === 'postgres')!.port };
}

async function errorOf(fn: () => Promise<unknown>): Promise<{ code?: string; message?: string }> {
  try { await fn(); } catch (e) { return e as { code?: string }; }
  throw new Error('expected an error');
}

function rawExchange(port: number, bytes: Buffer, waitMs = 300): Promise<{ data: Buffer; closed: boolean }> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(bytes));
    const chunks: Buffer[] = [];
    let closed = false;
    s.on('data', (c) => chunks.push(c));
    s.on('close', () => { closed = true; });
    s.on('error', () => undefined);
    setTimeout(() => { s.destroy(); resolve({ data: Buffer.concat(chunks), closed }); }, waitMs);
  });
}

/** Startup (trust) + Parse/Bind(all results binary)/Execute/Sync on a raw socket; returns each DataRow's raw values. */
function binaryRows(port: number, sql: string, params: string[]): Promise<Array<Array<Buffer | null>>> {
  const msg = (type: string, body: Buffer) => { const h = Buffer.alloc(5); h.write(type, 0, 'latin1'); h.writeInt32BE(body.length + 4, 1); return Buffer.concat([h, body]); };
  const cstr = (x: string) => Buffer.from(`${x}\0`);
  const i16 = (n: number) => { const b = Buffer.alloc(2); b.writeInt16BE(n); return b; };
  const i32 = (n: number) => { const b = Buffer.alloc(4); b.writeInt32BE(n); return b; };
  const startupBody = Buffer.concat([i32(196608), cstr('user'), cstr('postgres'), Buffer.from([0])]);
  const wire = Buffer.concat([
    i32(startupBody.length + 4), startupBody,
    msg('P', Buffer.concat([cstr(''), cstr(sql), i16(0)])),
    msg('B', Buffer.concat([cstr(''), cstr(''), i16(0), i16(params.length), ...params.flatMap((p) => [i32(Buffer.byteLength(p)), Buffer.from(p)]), i16(1), i16(1)])),
    msg('E', Buffer.concat([cstr(''), i32(0)])),
    msg('S', Buffer.alloc(0)),
  ]);
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(wire));
    let buf = Buffer.alloc(0); let readyCount = 0;
    const rows: Array<Array<Buffer | null>> = [];
    const timer = setTimeout(() => { s.destroy(); reject(new Error('no answer')); }, 5000);
    s.on('data', (c) => {
      buf = Buffer.concat([buf, c]);
      while (buf.length >= 5 && buf.length >= 1 + buf.readInt32BE(1)) {
        const type = String.fromCharCode(buf[0]!); const body = buf.subarray(5, 1 + buf.readInt32BE(1));
        buf = buf.subarray(1 + buf.readInt32BE(1));
        if (type === 'E') { clearTimeout(timer); s.destroy(); reject(new Error(body.toString())); return; }
        if (type === 'D') {
          const n = body.readInt16BE(0); let off = 2; const row: Array<Buffer | null> = [];
          for (let i = 0; i < n; i++) { const len = body.readInt32BE(off); off += 4; row.push(len < 0 ? null : body.subarray(off, off + len)); off += Math.max(0, len); }
          rows.push(row);
        }
        if (type === 'Z' && ++readyCount === 2) { clearTimeout(timer); s.end(); resolve(rows); return; }
      }
    });
    s.on('error', reject);
  });
}

describe('protocol-postgres server (fake query service, pg client)', function () {
  this.timeout(20_000);
  let ctx: Awaited<ReturnType<typeof startServer>>;
  before(async () => { ctx = await startServer(); });
  after(async () => { await ctx.server.stop(); });
  const client = async (extra: pg.ClientConfig = {}) => { const c = new pg.Client({ host: '127.0.0.1', port: ctx.port, user: 'postgres', ...extra }); await c.connect(); return c; };

  it('answers simple queries with typed rows and command tags', async () => {
    const c = await client();
    try {
      const r = await c.query('SELECT * FROM t');
      expect(r.fields.map((f) => [f.name, f.dataTypeID])).to.deep.equal([['host', 25], ['ts', 1114], ['cpu', 701], ['n', 20], ['ok', 16], ['i32', 23]]);
      expect(r.rows[0]).to.deep.include({ host: 'a', cpu: 1.5, n: '9007199254740993', ok: true, i32: -7 });
      expect(r.rows[2]).to.deep.include({ host: null, cpu: -2.25, n: null, ok: null });
      const ins = await c.query('INSERT INTO t VALUES (1)');
      expect(ins.command).to.equal('INSERT');
      expect(ins.rowCount).to.equal(2);
      const multi = await c.query('SELECT 1; INSERT INTO t VALUES (2)') as unknown as pg.QueryResult[];
      expect(multi).to.have.length(2);
      expect(multi[0]!.rows).to.deep.equal([{ '1': '1' }]);
    } finally { await c.end(); }
  });

  it('runs extended queries with $n parameters, named statements, binary results and SQLSTATE errors', async () => {
    const c = await client();
    try {
      const r = await c.query('SELECT params $1 $2 $3 $4 $5', [42, 'héllo', null, true, new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678))]);
      expect(r.fields).to.have.length(5);
      expect(seen.params.slice(0, 4)).to.deep.equal(['42', 'héllo', null, 'true']);
      expect(String(seen.params[4])).to.match(/^2024-01-02T03:04:05\.678/);
      const named = { name: 'sel', text: 'SELECT * FROM t', values: [] };
      expect((await c.query(named)).rows).to.have.length(3);
      expect((await c.query(named)).rows).to.have.length(3);
      // Binary results, read byte by byte (pg decodes binary rows through a UTF-8 string).
      const rows = await binaryRows(ctx.port, 'SELECT * FROM t WHERE x = $1', ['1']);
      expect(rows[0]![0]!.toString()).to.equal('a');
      expect(rows[0]![1]!.readBigInt64BE(0)).to.equal((1700000000123n - 946684800000n) * 1000n);
      expect(rows[0]![2]!.readDoubleBE(0)).to.equal(1.5);
      expect(rows[0]![3]!.readBigInt64BE(0)).to.equal(9007199254740993n);
      expect(rows[0]![4]![0]).to.equal(1);
      expect(rows[0]![5]!.readInt32BE(0)).to.equal(-7);
      expect(rows[1]![2]).to.equal(null);
      expect(rows[0]).to.have.length(6);
      const err = await errorOf(() => c.query('SELECT * FROM missing WHERE x = $1', [1]));
      expect(err.code).to.equal('42P01');
      expect(err.message).to.match(/Table not found/);
      const mismatch = await errorOf(() => c.query('SELECT 1', [1]));
      expect(mismatch.code).to.equal('08P01');
      expect(mismatch.message).to.match(/supplies 1 parameters/);
      expect((await c.query('SELECT 1')).rows).to.have.length(1);
    } finally { await c.end(); }
  });

  it('keeps session settings and reports ParameterStatus', async () => {
    const c = await client({ database: 'public' });
    try {
      await c.query("SET TIME ZONE '+08:00'");
      expect((await c.query('SHOW TimeZone')).rows).to.deep.equal([{ TimeZone: '+08:00' }]);
      const r = await c.query('SELECT * FROM t');
      expect(r.rows[0]!.ts.toISOString !== undefined).to.equal(true);
      expect(seen.sessions.at(-1)!.timezone).to.equal('+08:00');
      expect(seen.sessions.at(-1)!.database).to.equal('public');
      expect((await c.query('SHOW server_version')).rows[0]!.server_version).to.equal('16.3');
      await c.query('BEGIN'); await c.query('COMMIT');
      await c.query("SET statement_timeout = '2s'");
      await c.query('SELECT 1');
      expect(seen.timeoutMs).to.equal(2000);
    } finally { await c.end(); }
  });

  it('refuses unsupported catalog queries with 0A000 instead of hanging', async () => {
    const c = await client();
    try {
      const err = await errorOf(() => c.query("SELECT c.oid FROM pg_catalog.pg_class c WHERE c.relname OPERATOR(pg_catalog.~) '^(t)$'"));
      expect(err.code).to.equal('0A000');
      expect(err.message).to.match(/catalog query not supported/);
    } finally { await c.end(); }
  });

  it('cancels a running query with CancelRequest', async () => {
    const c = await client();
    try {
      const started = Date.now();
      const q = errorOf(() => c.query('SELECT sleep'));
      await new Promise((r) => setTimeout(r, 200));
      // A CancelRequest on a new connection, carrying the backend key from BackendKeyData.
      const conn = (c as unknown as { processID: number; secretKey: number });
      const buf = Buffer.alloc(16); buf.writeInt32BE(16, 0); buf.writeInt32BE(80877102, 4); buf.writeInt32BE(conn.processID, 8); buf.writeInt32BE(conn.secretKey, 12);
      await rawExchange(ctx.port, buf, 100);
      const err = await q;
      expect(err.code).to.equal('57014');
      expect(Date.now() - started).to.be.below(4000);
    } finally { await c.end(); }
  });

  it('serves 50 concurrent clients', async () => {
    const clients = await Promise.all(Array.from({ length: 50 }, () => client()));
    try {
      const results = await Promise.all(clients.map((c, i) => c.query('SELECT params $1', [i])));
      results.forEach((r) => expect(r.rows).to.have.length(1));
    } finally { await Promise.all(clients.map((c) => c.end())); }
  });

  it('closes connections on garbage, oversized or truncated messages without affecting others', async () => {
    const good = await client();
    try {
      const r1 = await rawExchange(ctx.port, Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 7919 + 13) & 0xff)));
      expect(r1.closed).to.equal(true);
      const big = Buffer.alloc(8); big.writeInt32BE(1 << 30, 0); big.writeInt32BE(196608, 4);
      const r2 = await rawExchange(ctx.port, big);
      expect(r2.data.includes(Buffer.from('exceeds the limit'))).to.equal(true);
      expect(r2.closed).to.equal(true);
      const trunc = Buffer.alloc(12); trunc.writeInt32BE(12, 0); trunc.writeInt32BE(196608, 4); trunc.write('use', 8);
      const r3 = await rawExchange(ctx.port, trunc);
      expect(r3.closed).to.equal(true);
      expect((await good.query('SELECT 1')).rows).to.have.length(1);
    } finally { await good.end(); }
  });
});

describe('protocol-postgres authentication, TLS and limits', function () {
  this.timeout(20_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'strata-pg-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
      '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const [authMethod, material] of [['scram-sha-256', true], ['md5', true], ['password', true], ['scram-sha-256', false]] as const) {
    it(`authenticates with ${authMethod}${material ? '' : ' (provider without password material: cleartext)'}`, async () => {
      const { server, port } = await startServer({ authMethod }, [usersPlugin(material)]);
      try {
        const c = new pg.Client({ host: '127.0.0.1', port, user: 'alice', password: 's3cret' });
        await c.connect();
        expect((await c.query('SELECT 1')).rows).to.have.length(1);
        await c.end();
        const err = await errorOf(async () => { const d = new pg.Client({ host: '127.0.0.1', port, user: 'alice', password: 'wrong' }); await d.connect(); });
        expect(err.code).to.equal('28P01');
        const unknown = await errorOf(async () => { const d = new pg.Client({ host: '127.0.0.1', port, user: 'bob', password: 's3cret' }); await d.connect(); });
        expect(unknown.code).to.equal('28P01');
      } finally { await server.stop(); }
    });
  }

  it('upgrades to TLS on SSLRequest and refuses plain clients when TLS is required', async () => {
    const { server, port } = await startServer({ tls: { mode: 'require', certPath: path.join(dir, 'cert.pem'), keyPath: path.join(dir, 'key.pem') } });
    try {
      const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', ssl: { rejectUnauthorized: false } });
      await c.connect();
      expect((await c.query('SELECT * FROM t')).rows).to.have.length(3);
      await c.end();
      const err = await errorOf(async () => { const d = new pg.Client({ host: '127.0.0.1', port, user: 'postgres' }); await d.connect(); });
      expect(err.code).to.equal('28000');
    } finally { await server.stop(); }
  });

  it('limits connections and closes idle ones', async () => {
    const { server, port } = await startServer({ maxConnections: 2, idleTimeout: '300ms' });
    try {
      const a = new pg.Client({ host: '127.0.0.1', port, user: 'postgres' }); await a.connect();
      const b = new pg.Client({ host: '127.0.0.1', port, user: 'postgres' }); await b.connect();
      a.on('error', () => undefined); b.on('error', () => undefined);
      const err = await errorOf(async () => { const d = new pg.Client({ host: '127.0.0.1', port, user: 'postgres' }); await d.connect(); });
      expect(err.code).to.equal('53300');
      await new Promise((r) => setTimeout(r, 900));
      const idle = await errorOf(() => a.query('SELECT 1'));
      expect(idle.message).to.match(/idle-session timeout|terminated|not queryable/);
    } finally { await server.stop(); }
  });
});
