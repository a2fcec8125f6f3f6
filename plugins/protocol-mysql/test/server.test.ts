import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { AuthError, definePlugin, QUERY, StrataServer, USER_PROVIDER, type UserProvider } from '@strata/kernel';
import mysqlPlugin from '../src/index.js';
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
    { definition: mysqlPlugin, options: { port: 0, ...options } },
  ], { dataHome: os.tmpdir() }, { logLevel: 'silent', processMetrics: false });
  await server.start();
  const addr = server.addresses().find((a) => a.protocol === 'mysql')!;
  return { server, port: addr.port };
}

async function errorOf(fn: () => Promise<unknown>): Promise<{ errno?: number; sqlState?: string; message?: string; code?: string }> {
  try { await fn(); } catch (e) { return e as { errno?: number }; }
  throw new Error('expected an error');
}

function rawExchange(port: number, bytes: Buffer, waitMs = 300): Promise<{ data: Buffer; closed: boolean }> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let closed = false;
    s.on('data', (c) => chunks.push(c));
    s.on('close', () => { closed = true; });
    s.on('error', () => undefined);
    s.once('data', () => s.write(bytes));
    setTimeout(() => { s.destroy(); resolve({ data: Buffer.concat(chunks), closed }); }, waitMs);
  });
}

describe('protocol-mysql server (fake query service, mysql2 client)', function () {
  this.timeout(20_000);
  let ctx: Awaited<ReturnType<typeof startServer>>;
  before(async () => { ctx = await startServer(); });
  after(async () => { await ctx.server.stop(); });

  const connect = (extra: Record<string, unknown> = {}) => mysql.createConnection({ host: '127.0.0.1', port: ctx.port, user: 'root', ...extra });

  it('answers text queries with typed result sets', async () => {
    const c = await connect({ supportBigNumbers: true, bigNumberStrings: true, timezone: 'Z' });
    try {
      const [rows, fields] = await c.query('SELECT * FROM t') as [Array<Record<string, unknown>>, mysql.FieldPacket[]];
      expect(fields.map((f) => f.name)).to.deep.equal(['host', 'ts', 'cpu', 'n', 'ok', 'i32']);
      expect(rows).to.have.length(3);
      expect(rows[0]).to.deep.include({ host: 'a', cpu: 1.5, n: '9007199254740993', ok: 1, i32: -7 });
      expect((rows[0]!.ts as Date).toISOString()).to.equal('2023-11-14T22:13:20.123Z');
      expect(rows[2]).to.deep.include({ host: null, n: null, ok: null, i32: 2147483647 });
      expect((rows[2]!.ts as Date).toISOString()).to.equal('1969-12-31T23:59:59.000Z');
      const [ok] = await c.query('INSERT INTO t VALUES (1)') as [mysql.ResultSetHeader, unknown];
      expect(ok.affectedRows).to.equal(2);
    } finally { await c.end(); }
  });

  it('runs prepared statements with binary rows and typed parameters', async () => {
    const c = await connect({ supportBigNumbers: true, bigNumberStrings: true, timezone: 'Z' });
    try {
      const [rows] = await c.execute('SELECT * FROM t') as [Array<Record<string, unknown>>, unknown];
      expect(rows[0]).to.deep.include({ host: 'a', cpu: 1.5, n: '9007199254740993', ok: 1, i32: -7 });
      expect((rows[0]!.ts as Date).toISOString()).to.equal('2023-11-14T22:13:20.123Z');
      expect(rows[1]).to.deep.include({ cpu: null });
      await c.execute('INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)', [42, 1.25, 'héllo', null, new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678)), 12345678901234567890n]);
      expect(seen.params).to.deep.equal([42, 1.25, 'héllo', null, '2024-01-02 03:04:05.678000', '12345678901234567890']);
      await c.execute('INSERT INTO t VALUES (?, ?)', [true, Buffer.from([1, 2, 255])]);
      expect(seen.params[0]).to.equal(1);
      expect(Buffer.from(seen.params[1] as Uint8Array).toString('hex')).to.equal('0102ff');
    } finally { await c.end(); }
  });

  it('returns ERR packets with MySQL codes and SQLSTATE, and stays usable', async () => {
    const c = await connect();
    try {
      let err = await errorOf(() => c.query('SELECT * FROM missing'));
      expect(err?.errno).to.equal(1146);
      expect(err?.sqlState).to.equal('42S02');
      expect(err?.message).to.match(/Table not found: public.missing/);
      const [rows] = await c.query('SELECT 1') as [Array<Record<string, unknown>>, unknown];
      expect(rows).to.deep.equal([{ 1: 1 }]);
    } finally { await c.end(); }
  });

  it('runs multiple statements when the client enables them, and refuses them otherwise', async () => {
    const c = await connect({ multipleStatements: true });
    try {
      const [results] = await c.query('SELECT 1; INSERT INTO t VALUES (1); SELECT @@version_comment') as [unknown[], unknown];
      expect(results).to.have.length(3);
      expect((results[1] as mysql.ResultSetHeader).affectedRows).to.equal(2);
      expect(results[2]).to.deep.equal([{ '@@version_comment': 'Strata' }]);
    } finally { await c.end(); }
    const d = await connect();
    try {
      let err = await errorOf(() => d.query('SELECT 1; SELECT 1'));
      expect(err?.errno).to.equal(1064);
    } finally { await d.end(); }
  });

  it('answers connect-time queries and keeps session state', async () => {
    const c = await connect({ database: 'public' });
    try {
      const [db] = await c.query('SELECT DATABASE()') as [Array<Record<string, unknown>>, unknown];
      expect(db).to.deep.equal([{ 'DATABASE()': 'public' }]);
      await c.query('SET NAMES utf8mb4');
      await c.query("SET time_zone = '+08:00'");
      const [vars] = await c.query("SHOW VARIABLES LIKE 'time_zone'") as [Array<Record<string, unknown>>, unknown];
      expect(vars).to.deep.equal([{ Variable_name: 'time_zone', Value: '+08:00' }]);
      const [inc] = await c.query('SELECT @@session.auto_increment_increment AS auto_increment_increment, @@max_allowed_packet') as [Array<Record<string, unknown>>, unknown];
      expect(inc[0]).to.deep.equal({ auto_increment_increment: '1', '@@max_allowed_packet': String(16 * 1024 * 1024) });
      const [coll] = await c.query('SHOW COLLATION') as [Array<Record<string, unknown>>, unknown];
      expect(coll[0]).to.deep.include({ Collation: 'utf8mb4_general_ci', Id: 45 });
      await c.changeUser({ database: 'public' }).catch(() => undefined);
      await c.query('USE other');
      await c.query('SELECT * FROM t');
      expect(seen.sessions.at(-1)!.database).to.equal('other');
      expect(seen.sessions.at(-1)!.timezone === '+08:00' || seen.sessions.at(-1)!.timezone === 'UTC').to.equal(true);
      await c.query('SET max_execution_time = 1500');
      await c.query('SELECT 1');
      expect(seen.timeoutMs).to.equal(1500);
      await c.ping();
    } finally { await c.end(); }
  });

  it('formats timestamps in the session time zone', async () => {
    const c = await connect({ dateStrings: true });
    try {
      await c.query("SET time_zone = '+08:00'");
      const [rows] = await c.query('SELECT * FROM t') as [Array<Record<string, unknown>>, unknown];
      expect(rows[0]!.ts).to.equal('2023-11-15 06:13:20.123');
    } finally { await c.end(); }
  });

  it('serves 50 concurrent connections', async () => {
    const conns = await Promise.all(Array.from({ length: 50 }, () => connect()));
    try {
      const results = await Promise.all(conns.map((c) => c.query('SELECT * FROM t')));
      for (const [rows] of results) expect(rows).to.have.length(3);
      expect(ctx.server.addresses()).to.have.length(1);
    } finally { await Promise.all(conns.map((c) => c.end())); }
  });

  it('closes connections that send garbage, oversized or truncated packets, without affecting others', async () => {
    const good = await connect();
    try {
      const random = Buffer.from(Array.from({ length: 200 }, (_, i) => (i * 7919 + 13) & 0xff));
      const r1 = await rawExchange(ctx.port, random);
      expect(r1.closed).to.equal(true);
      // A handshake response announcing a 16 MiB+ packet.
      const r2 = await rawExchange(ctx.port, Buffer.from([0xff, 0xff, 0xff, 0x01, 1, 2, 3]));
      expect(r2.data.includes(Buffer.from('max_allowed_packet'))).to.equal(true);
      // A truncated handshake response (valid header, short body).
      const r3 = await rawExchange(ctx.port, Buffer.from([5, 0, 0, 1, 0x00, 0x02, 0, 0, 0]));
      expect(r3.data.includes(Buffer.from('malformed packet'))).to.equal(true);
      expect(r3.closed).to.equal(true);
      const [rows] = await good.query('SELECT 1') as [unknown[], unknown];
      expect(rows).to.have.length(1);
    } finally { await good.end(); }
  });
});

describe('protocol-mysql authentication, TLS and limits', function () {
  this.timeout(20_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'strata-mysql-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
      '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('checks mysql_native_password and caching_sha2_password against a user provider', async () => {
    for (const authPlugin of ['mysql_native_password', 'caching_sha2_password']) {
      const { server, port } = await startServer({ authPlugin }, [usersPlugin(true)]);
      try {
        const c = await mysql.createConnection({ host: '127.0.0.1', port, user: 'alice', password: 's3cret' });
        const [rows] = await c.query('SELECT 1') as [unknown[], unknown];
        expect(rows).to.have.length(1);
        await c.end();
        let err = await errorOf(() => mysql.createConnection({ host: '127.0.0.1', port, user: 'alice', password: 'wrong' }));
        expect(err?.errno, authPlugin).to.equal(1045);
        expect(err?.sqlState).to.equal('28000');
      } finally { await server.stop(); }
    }
  });

  it('upgrades to TLS, and does caching_sha2 full authentication only over TLS', async () => {
    const { server, port } = await startServer({
      authPlugin: 'caching_sha2_password', tls: { mode: 'prefer', certPath: path.join(dir, 'cert.pem'), keyPath: path.join(dir, 'key.pem') },
    }, [usersPlugin(false)]);
    try {
      const ssl = { ca: readFileSync(path.join(dir, 'cert.pem')), rejectUnauthorized: false };
      const c = await mysql.createConnection({ host: '127.0.0.1', port, user: 'alice', password: 's3cret', ssl });
      const [rows] = await c.query("SHOW VARIABLES LIKE 'have_ssl'") as [Array<Record<string, unknown>>, unknown];
      expect(rows[0]!.Value).to.equal('YES');
      await c.end();
      let err = await errorOf(() => mysql.createConnection({ host: '127.0.0.1', port, user: 'alice', password: 'nope', ssl }));
      expect(err?.errno).to.equal(1045);
      err = await errorOf(() => mysql.createConnection({ host: '127.0.0.1', port, user: 'alice', password: 's3cret' }));
      expect(err?.errno).to.equal(1251);
    } finally { await server.stop(); }
  });

  it('refuses plain connections when TLS is required', async () => {
    const { server, port } = await startServer({ tls: { mode: 'require', certPath: path.join(dir, 'cert.pem'), keyPath: path.join(dir, 'key.pem') } });
    try {
      let err = await errorOf(() => mysql.createConnection({ host: '127.0.0.1', port, user: 'root' }));
      expect(err?.errno).to.equal(3159);
      const c = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root', ssl: { rejectUnauthorized: false } });
      await c.ping();
      await c.end();
    } finally { await server.stop(); }
  });

  it('limits connections and closes idle ones', async () => {
    const { server, port } = await startServer({ maxConnections: 2, idleTimeout: '300ms' });
    try {
      const a = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root' });
      const b = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root' });
      let err = await errorOf(() => mysql.createConnection({ host: '127.0.0.1', port, user: 'root' }));
      expect(err?.errno).to.equal(1040);
      await new Promise((r) => setTimeout(r, 900));
      const idle = await errorOf(() => a.query('SELECT 1'));
      expect(idle.message).to.match(/inactivity|closed/);
      a.destroy(); b.destroy();
    } finally { await server.stop(); }
  });
});
