import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as arrow from 'apache-arrow';
import mysql from 'mysql2/promise';
import { authStaticPlugin, FUNCTION_REGISTRY, type AsyncScalarFunction } from '@strata/kernel';
import { prng, sendRaw, startSqlServer, type SqlServer } from '../protocol-support/sql-server.js';

const run = promisify(execFile);

async function errorOf(fn: () => Promise<unknown>): Promise<{ errno?: number; sqlState?: string; message?: string }> {
  try { await fn(); } catch (e) { return e as { errno?: number }; }
  throw new Error('expected an error');
}

/**
 * wait_for_kill(x): x after `maxMs`, unless the statement is stopped first (then it rejects
 * with the reason, as a well-behaved async function does): a slow statement bounded in time.
 * `started` is called when a call begins.
 */
function waitForKill(maxMs: number, started: () => void): AsyncScalarFunction {
  return {
    kind: 'scalar', async: true, name: 'wait_for_kill', signatures: [{ args: ['numeric'] }], returnType: { name: 'Float64' },
    invokeAsync([x], ctx) {
      started();
      return new Promise<arrow.Vector>((resolve, reject) => {
        const timer = setTimeout(() => {
          ctx.signal?.removeEventListener('abort', onAbort);
          resolve(arrow.makeVector(Float64Array.from({ length: ctx.rowCount }, (_, i) => Number(x!.get(i) ?? 0))));
        }, maxMs);
        const onAbort = () => { clearTimeout(timer); reject(ctx.signal!.reason); };
        ctx.signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
  };
}

describe('MySQL protocol end to end (real server, mysql2 and mariadb clients)', function () {
  this.timeout(60_000);
  let s: SqlServer;
  before(async () => { s = await startSqlServer({ mysql: { connectTimeout: '2s' } }); });
  after(async () => { await s?.close(); });

  const connect = (extra: mysql.ConnectionOptions = {}) =>
    mysql.createConnection({ host: '127.0.0.1', port: s.mysqlPort, user: 'root', database: 'public', timezone: 'Z', supportBigNumbers: true, bigNumberStrings: true, ...extra });

  it('creates a table, inserts and selects with the text protocol', async () => {
    const c = await connect();
    try {
      await c.query('CREATE TABLE cpu (host STRING, ts TIMESTAMP TIME INDEX, usage_user DOUBLE, cnt BIGINT, ok BOOLEAN, PRIMARY KEY (host))');
      const [ins] = await c.query("INSERT INTO cpu VALUES ('a', 1700000000000, 1.5, 10, true), ('b', 1700000001000, 2.25, 9007199254740993, false)") as [mysql.ResultSetHeader, unknown];
      expect(ins.affectedRows).to.equal(2);
      const [rows, fields] = await c.query('SELECT host, ts, usage_user, cnt, ok FROM cpu ORDER BY host') as [Array<Record<string, unknown>>, mysql.FieldPacket[]];
      expect(fields.map((f) => f.name)).to.deep.equal(['host', 'ts', 'usage_user', 'cnt', 'ok']);
      expect(rows).to.have.length(2);
      expect(rows[0]).to.deep.include({ host: 'a', usage_user: 1.5, cnt: '10', ok: 1 });
      expect((rows[0]!.ts as Date).toISOString()).to.equal('2023-11-14T22:13:20.000Z');
      expect(rows[1]).to.deep.include({ host: 'b', cnt: '9007199254740993', ok: 0 });
    } finally { await c.end(); }
  });

  it('runs prepared statements with parameters of every supported type', async () => {
    const c = await connect();
    try {
      await c.execute('INSERT INTO cpu (host, ts, usage_user, cnt, ok) VALUES (?, ?, ?, ?, ?)', ['c', new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678)), 3.75, 42, true]);
      await c.execute('INSERT INTO cpu (host, ts, usage_user, cnt, ok) VALUES (?, ?, ?, ?, ?)', ['d', 1700000003000, null, 12345678901234567n, false]);
      const [rows] = await c.execute('SELECT host, ts, usage_user, cnt, ok FROM cpu WHERE host = ? AND ts >= ? ORDER BY host', ['c', new Date(Date.UTC(2024, 0, 1))]) as [Array<Record<string, unknown>>, unknown];
      expect(rows).to.have.length(1);
      expect(rows[0]).to.deep.include({ host: 'c', usage_user: 3.75, cnt: '42', ok: 1 });
      expect((rows[0]!.ts as Date).toISOString()).to.equal('2024-01-02T03:04:05.678Z');
      const [d] = await c.execute('SELECT usage_user, cnt, ok FROM cpu WHERE host = ?', ['d']) as [Array<Record<string, unknown>>, unknown];
      expect(d).to.deep.equal([{ usage_user: null, cnt: '12345678901234567', ok: 0 }]);
      const [n] = await c.execute('SELECT count(*) AS n FROM cpu WHERE usage_user > ?', [2]) as [Array<Record<string, unknown>>, unknown];
      expect(Number(n[0]!.n)).to.equal(2);
    } finally { await c.end(); }
  });

  it('sends UInt64 results (row_number) as unsigned BIGINT, text and binary, and SHOW INDEX with its 15 columns', async () => {
    const c = await connect();
    try {
      const sql = 'SELECT host, row_number() OVER (ORDER BY host) AS rn FROM cpu ORDER BY host';
      for (const [rows, fields] of [await c.query(sql), await c.execute(sql)] as Array<[Array<Record<string, unknown>>, mysql.FieldPacket[]]>) {
        const rn = fields.find((f) => f.name === 'rn')!;
        expect(rn.columnType).to.equal(8); // LONGLONG
        expect((rn.flags as number) & 32).to.equal(32); // UNSIGNED
        expect(rows.map((r) => [r.host, String(r.rn)])).to.deep.equal([['a', '1'], ['b', '2'], ['c', '3'], ['d', '4']]);
      }
      const [idx, fields] = await c.query('SHOW INDEX FROM cpu') as [Array<Record<string, unknown>>, mysql.FieldPacket[]];
      expect(fields).to.have.length(15);
      expect(idx.map((r) => [r.Key_name, r.Column_name, r.Null])).to.deep.equal([['PRIMARY', 'host', 'YES'], ['TIME INDEX', 'ts', 'NO']]);
    } finally { await c.end(); }
  });

  it('round-trips binary values through prepared statements and text queries', async () => {
    const c = await connect();
    try {
      await c.query('CREATE TABLE blobs (ts TIMESTAMP TIME INDEX, b VARBINARY)');
      await c.execute('INSERT INTO blobs VALUES (?, ?)', [1, Buffer.from([0, 1, 2, 255])]);
      const [p] = await c.execute('SELECT b FROM blobs WHERE ts = ?', [1]) as [Array<Record<string, unknown>>, unknown];
      expect(Buffer.from(p[0]!.b as Uint8Array).toString('hex')).to.equal('000102ff');
      const [t] = await c.query('SELECT b FROM blobs') as [Array<Record<string, unknown>>, unknown];
      expect(Buffer.from(t[0]!.b as Uint8Array).toString('hex')).to.equal('000102ff');
    } finally { await c.end(); }
  });

  it('reports errors with MySQL codes and SQLSTATE and keeps the connection usable', async () => {
    const c = await connect();
    try {
      const missing = await errorOf(() => c.query('SELECT * FROM no_such_table'));
      expect([missing.errno, missing.sqlState]).to.deep.equal([1146, '42S02']);
      const syntax = await errorOf(() => c.query('SELEC 1'));
      expect([syntax.errno, syntax.sqlState]).to.deep.equal([1149, '42000']); // GreptimeDB: ER_SYNTAX_ERROR
      const dup = await errorOf(() => c.query('CREATE TABLE cpu (ts TIMESTAMP TIME INDEX)'));
      expect(dup.errno).to.equal(1050);
      const prepared = await errorOf(() => c.execute('SELECT * FROM no_such_table WHERE x = ?', [1]));
      expect(prepared.errno).to.equal(1146);
      const [rows] = await c.query('SELECT 1 AS one') as [Array<Record<string, unknown>>, unknown];
      expect(Number(rows[0]!.one)).to.equal(1);
    } finally { await c.end(); }
  });

  it("answers errors with GreptimeDB's MySQL codes, SQLSTATEs and (StatusName) messages", async () => {
    const c = await connect();
    try {
      const cases: Array<[string, number, string, string]> = [
        ['SELECT * FROM no_such_table', 1146, '42S02', '(TableNotFound): Table not found: '],
        ['SELEC 1', 1149, '42000', '(InvalidSyntax): '],
        ['CREATE TABLE cpu (ts TIMESTAMP TIME INDEX)', 1050, '42S01', '(TableAlreadyExists): '],
        ['CREATE DATABASE public', 1007, 'HY000', '(DatabaseAlreadyExists): '],
        ['SELECT nope FROM cpu', 1815, 'HY000', '(PlanQuery): No field named nope.'],
        ['SELECT cnt / 0 FROM cpu', 1815, 'HY000', '(EngineExecuteQuery): Divide by zero error'],
        ["SELECT CAST('x' AS INT)", 1815, 'HY000', "(EngineExecuteQuery): Cast error: Cannot cast string 'x' to value of Int32 type"],
        ['ALTER TABLE cpu DROP COLUMN nope', 1054, '42S22', '(TableColumnNotFound): '],
        ['ALTER TABLE cpu ADD COLUMN cnt BIGINT', 1060, '42S21', '(TableColumnExists): '],
        ['USE nowhere', 1102, '42000', '(DatabaseNotFound): '],
      ];
      for (const [sql, errno, sqlState, message] of cases) {
        for (const run of [() => c.query(sql), () => c.execute(sql)]) {
          const e = await errorOf(run);
          expect([e.errno, e.sqlState], `${sql}: ${e.message}`).to.deep.equal([errno, sqlState]);
          expect(e.message, sql).to.satisfy((m: string) => m.startsWith(message));
        }
      }
      // A statement that runs past max_execution_time is ER_QUERY_INTERRUPTED, as GreptimeDB's DeadlineExceeded.
      await c.query('CREATE TABLE slow (ts TIMESTAMP TIME INDEX, v BIGINT)');
      await c.query(`INSERT INTO slow VALUES ${Array.from({ length: 1500 }, (_, i) => `(${i}, ${i})`).join(', ')}`);
      await c.query('SET max_execution_time = 1');
      const late = await errorOf(() => c.query('SELECT count(*) FROM slow a, slow b, slow c WHERE a.v + b.v + c.v = -1'));
      expect([late.errno, late.sqlState], late.message).to.deep.equal([1317, '70100']);
      expect(late.message).to.match(/^\(DeadlineExceeded\): /);
      await c.query('SET max_execution_time = 0');
      const [rows] = await c.query('SELECT 1 AS one') as [Array<Record<string, unknown>>, unknown];
      expect(Number(rows[0]!.one)).to.equal(1);
    } finally { await c.end(); }
  });

  it("answers COM_INIT_DB and a handshake for a missing database with 1102 \"Unknown database\", as GreptimeDB's on_init", async () => {
    const atConnect = await errorOf(() => connect({ database: 'nowhere' }));
    expect([atConnect.errno, atConnect.sqlState, atConnect.message]).to.deep.equal([1102, '42000', "Unknown database 'nowhere'"]);
    const c = await connect();
    try {
      const changed = await errorOf(() => c.changeUser({ database: 'nowhere' }));
      expect([changed.errno, changed.sqlState, changed.message]).to.deep.equal([1102, '42000', "Unknown database 'nowhere'"]);
    } finally { c.destroy(); }
    // The mariadb client's `use` command is COM_INIT_DB.
    const args = ['-h', '127.0.0.1', '-P', String(s.mysqlPort), '-u', 'root', '--protocol=TCP', 'public', '-e'];
    const initDb = await run('mariadb', [...args, 'use nowhere'], { timeout: 20_000 }).then(() => undefined, (e: { stderr?: string }) => e.stderr);
    expect(initDb).to.match(/ERROR 1102 \(42000\).*Unknown database 'nowhere'/);
  });

  it('answers the queries drivers send on connect and multiple statements', async () => {
    const c = await connect({ multipleStatements: true });
    try {
      const [v] = await c.query('SELECT @@version_comment LIMIT 1') as [Array<Record<string, unknown>>, unknown];
      expect(v).to.deep.equal([{ '@@version_comment': 'Strata' }]);
      await c.query('SET NAMES utf8mb4');
      const [db] = await c.query('SELECT DATABASE()') as [Array<Record<string, unknown>>, unknown];
      expect(db).to.deep.equal([{ 'DATABASE()': 'public' }]);
      const [results] = await c.query("SELECT count(*) AS n FROM cpu; SHOW VARIABLES LIKE 'max_allowed_packet'") as [unknown[], unknown];
      expect(results).to.have.length(2);
      expect(Number((results[0] as Array<Record<string, unknown>>)[0]!.n)).to.equal(4);
      await c.query('CREATE DATABASE IF NOT EXISTS other');
      await c.changeUser({ database: 'other' });
      const [d2] = await c.query('SELECT DATABASE()') as [Array<Record<string, unknown>>, unknown];
      expect(d2).to.deep.equal([{ 'DATABASE()': 'other' }]);
      const bad = await errorOf(() => c.query('USE nowhere'));
      expect([bad.errno, bad.sqlState]).to.deep.equal([1102, '42000']); // GreptimeDB: ER_WRONG_DB_NAME
    } finally { await c.end(); }
  });

  it('serves 50 concurrent connections', async () => {
    const conns = await Promise.all(Array.from({ length: 50 }, () => connect()));
    try {
      const results = await Promise.all(conns.map((c, i) => c.execute('SELECT count(*) AS n FROM cpu WHERE cnt >= ?', [i % 3])));
      for (const [rows] of results) expect((rows as unknown[]).length).to.equal(1);
    } finally { await Promise.all(conns.map((c) => c.end())); }
  });

  it('encrypts with TLS using a self-signed certificate generated for the test', async () => {
    const c = await connect({ ssl: { ca: s.cert, rejectUnauthorized: false } });
    try {
      const [rows] = await c.query('SELECT host FROM cpu ORDER BY host') as [Array<Record<string, unknown>>, unknown];
      expect(rows.map((r) => r.host)).to.deep.equal(['a', 'b', 'c', 'd']);
      const sock = (c as unknown as { connection: { stream: { encrypted?: boolean } } }).connection.stream;
      expect(sock.encrypted).to.equal(true);
    } finally { await c.end(); }
  });

  it('closes connections sending malformed, truncated, oversized or random bytes; others are unaffected', async () => {
    const healthy = await connect();
    try {
      const rnd = prng(7);
      const cases: Buffer[] = [];
      for (let i = 0; i < 10; i++) {
        // Random bytes announcing a packet far larger than any handshake.
        const b = Buffer.from(Array.from({ length: 64 + Math.floor(rnd() * 400) }, () => Math.floor(rnd() * 256)));
        b[2] = 1 + Math.floor(rnd() * 254);
        cases.push(b);
      }
      for (let i = 0; i < 10; i++) {
        // A well-framed but truncated/garbled handshake response.
        const body = Buffer.from(Array.from({ length: 1 + Math.floor(rnd() * 30) }, () => Math.floor(rnd() * 256)));
        const head = Buffer.from([body.length, 0, 0, 1]);
        cases.push(Buffer.concat([head, body]));
      }
      const results = await Promise.all(cases.map((b) => sendRaw(s.mysqlPort, b, { waitForGreeting: true, waitMs: 4000 })));
      results.slice(0, 10).forEach((r, i) => {
        expect(r.closed, `random case ${i}`).to.equal(true);
        expect(r.data.includes(Buffer.from('max_allowed_packet')), `random case ${i}`).to.equal(true);
      });
      results.slice(10).forEach((r, i) => expect(r.closed, `truncated case ${i}`).to.equal(true));

      // A truncated COM_STMT_EXECUTE after a real login closes just that connection.
      const victim = await connect();
      const stream = (victim as unknown as { connection: { stream: NodeJS.WritableStream & NodeJS.EventEmitter } }).connection.stream;
      victim.on('error', () => undefined);
      const closed = new Promise<void>((resolve) => stream.once('close', () => resolve()));
      stream.write(Buffer.from([3, 0, 0, 0, 0x17, 1, 0]));
      await Promise.race([closed, new Promise((_, rej) => setTimeout(() => rej(new Error('not closed')), 3000))]);

      const [rows] = await healthy.query('SELECT count(*) AS n FROM cpu') as [Array<Record<string, unknown>>, unknown];
      expect(Number(rows[0]!.n)).to.equal(4);
    } finally { await healthy.end(); }
  });

  it('answers the catalog and admin statements tools send: SHOW ENGINES, SHOW [FULL] PROCESSLIST, DBeaver\'s information_schema reads', async () => {
    const args = ['-h', '127.0.0.1', '-P', String(s.mysqlPort), '-u', 'root', '--protocol=TCP', '-t', 'public', '-e'];
    const { stdout } = await run('mariadb', [...args, 'SHOW ENGINES; SHOW PROCESSLIST; SHOW FULL PROCESSLIST'], { timeout: 20_000 });
    expect(stdout).to.match(/\|\s*Engine\s*\|\s*Support\s*\|\s*Comment\s*\|\s*Transactions\s*\|\s*XA\s*\|\s*Savepoints\s*\|/);
    expect(stdout).to.match(/\|\s*mito\s*\|\s*DEFAULT\s*\|/);
    expect(stdout).to.match(/\|\s*Id\s*\|\s*Catalog\s*\|\s*Query\s*\|\s*Elapsed Time\s*\|/);
    expect(stdout).to.match(/\|\s*[^|\s]+\/\d+\s*\|\s*greptime\s*\|\s*SHOW PROCESSLIST\s*\|\s*00:00:00(\.\d+)?\s*\|/);
    expect(stdout).to.match(/\|\s*Id\s*\|\s*Catalog\s*\|\s*Schema\s*\|\s*Client\s*\|\s*Frontend\s*\|\s*Start Time\s*\|\s*Elapsed Time\s*\|\s*Query\s*\|/);
    expect(stdout).to.match(/\|\s*greptime\s*\|\s*public\s*\|\s*mysql\[127\.0\.0\.1:\d+\]\s*\|.*\|\s*SHOW FULL PROCESSLIST\s*\|/);

    // What DBeaver reads when it opens a table: triggers (none) and the constraints with their columns.
    const c = await connect();
    try {
      const [triggers, fields] = await c.execute('SELECT * FROM INFORMATION_SCHEMA.TRIGGERS WHERE EVENT_OBJECT_SCHEMA=? AND EVENT_OBJECT_TABLE=?', ['public', 'cpu']) as [unknown[], mysql.FieldPacket[]];
      expect(triggers).to.deep.equal([]);
      expect(fields.map((f) => f.name).slice(0, 7)).to.deep.equal(['trigger_catalog', 'trigger_schema', 'trigger_name', 'event_manipulation', 'event_object_catalog',
        'event_object_schema', 'event_object_table']);
      const [keys] = await c.query(`SELECT tc.CONSTRAINT_NAME, tc.CONSTRAINT_TYPE, kcu.COLUMN_NAME
        FROM information_schema.TABLE_CONSTRAINTS tc JOIN information_schema.KEY_COLUMN_USAGE kcu
          ON tc.TABLE_SCHEMA = kcu.TABLE_SCHEMA AND tc.TABLE_NAME = kcu.TABLE_NAME AND tc.CONSTRAINT_NAME = kcu.CONSTRAINT_NAME
        WHERE tc.TABLE_SCHEMA = 'public' AND tc.TABLE_NAME = 'cpu' ORDER BY tc.CONSTRAINT_NAME`) as [Array<Record<string, unknown>>, unknown];
      expect(keys.map((r) => [r.constraint_name, r.constraint_type, r.column_name])).to.deep.equal([['PRIMARY', 'PRIMARY KEY', 'host'], ['TIME INDEX', 'TIME INDEX', 'ts']]);
    } finally { await c.end(); }
  });

  it('stops a running statement with KILL <process id> and with KILL QUERY <connection id> (the mysql client\'s Ctrl-C)', async () => {
    let started!: () => void;
    let running = new Promise<void>((r) => { started = r; });
    s.server.get(FUNCTION_REGISTRY).register(waitForKill(20_000, () => started()), 'test');
    const slowSql = 'SELECT wait_for_kill(usage_user) FROM cpu';
    const a = await connect();
    const b = await connect();
    try {
      const t0 = Date.now();
      let slow = errorOf(() => a.query(slowSql));
      await running;
      const [list] = await b.query('SHOW PROCESSLIST') as [Array<Record<string, unknown>>, unknown];
      const row = list.find((r) => r.Query === slowSql);
      expect(row, JSON.stringify(list)).to.not.equal(undefined);
      const [killed] = await b.query(`KILL '${String(row!.Id)}'`) as [mysql.ResultSetHeader, unknown];
      expect(killed.affectedRows).to.equal(1);
      const e = await slow;
      expect([e.errno, e.sqlState], e.message).to.deep.equal([1317, '70100']);
      expect(e.message).to.contain('was killed');

      // The connection lives on; KILL QUERY with its connection id, from the mariadb client.
      const [one] = await a.query('SELECT 1 AS one') as [Array<Record<string, unknown>>, unknown];
      expect(Number(one[0]!.one)).to.equal(1);
      running = new Promise<void>((r) => { started = r; });
      slow = errorOf(() => a.query(slowSql));
      await running;
      const args = ['-h', '127.0.0.1', '-P', String(s.mysqlPort), '-u', 'root', '--protocol=TCP', 'public', '-e'];
      await run('mariadb', [...args, `KILL QUERY ${a.threadId}`], { timeout: 20_000 });
      expect((await slow).errno).to.equal(1317);
      expect(Date.now() - t0).to.be.below(15_000);
      const [after] = await b.query('SELECT query FROM information_schema.process_list') as [Array<Record<string, unknown>>, unknown];
      expect(after.map((r) => r.query)).to.deep.equal(['SELECT query FROM information_schema.process_list']);
    } finally { await a.end(); await b.end(); }
  });

  it('works with the mariadb command-line client', async () => {
    const args = ['-h', '127.0.0.1', '-P', String(s.mysqlPort), '-u', 'root', '--protocol=TCP', '-t', 'public', '-e'];
    const sql = [
      'CREATE TABLE cli (host STRING, ts TIMESTAMP TIME INDEX, v DOUBLE, PRIMARY KEY (host))',
      "INSERT INTO cli VALUES ('x', 1700000000000, 1.5), ('y', 1700000000500, 2)",
      'SELECT host, ts, v FROM cli ORDER BY host',
      'SHOW TABLES',
      'DESCRIBE cli',
    ].join('; ');
    const { stdout } = await run('mariadb', [...args, sql], { timeout: 20_000 });
    expect(stdout).to.contain('| host | ts                      | v    |');
    expect(stdout).to.contain('| x    | 2023-11-14 22:13:20.000 |  1.5 |');
    expect(stdout).to.contain('| y    | 2023-11-14 22:13:20.500 |    2 |');
    expect(stdout).to.match(/\|\s+cli\s+\|/);
    expect(stdout).to.match(/\|\s+cpu\s+\|/);
    expect(stdout).to.match(/\|\s+host\s+\|\s+String/);
    const failed = await run('mariadb', [...args, 'SELECT * FROM nope'], { timeout: 20_000 }).then(() => undefined, (e: { stderr?: string }) => e.stderr);
    expect(failed).to.match(/ERROR 1146 \(42S02\)( at line 1)?: \(TableNotFound\): Table not found: /);
    const syntax = await run('mariadb', [...args, 'SELEC 1'], { timeout: 20_000 }).then(() => undefined, (e: { stderr?: string }) => e.stderr);
    expect(syntax).to.match(/ERROR 1149 \(42000\)( at line 1)?: \(InvalidSyntax\): /);
  });
});

describe('MySQL protocol end to end with auth-static users', function () {
  this.timeout(60_000);
  for (const authPlugin of ['mysql_native_password', 'caching_sha2_password']) {
    it(`logs in with ${authPlugin} and refuses a wrong password with 1045`, async () => {
      const s = await startSqlServer({ mysql: { authPlugin }, plugins: [{ definition: authStaticPlugin, options: { users: ['alice=s3cret'] } }] });
      try {
        const c = await mysql.createConnection({ host: '127.0.0.1', port: s.mysqlPort, user: 'alice', password: 's3cret' });
        const [rows] = await c.query('SELECT 1 AS one') as [Array<Record<string, unknown>>, unknown];
        expect(Number(rows[0]!.one)).to.equal(1);
        await c.end();
        const bad = await errorOf(() => mysql.createConnection({ host: '127.0.0.1', port: s.mysqlPort, user: 'alice', password: 'nope' }));
        expect([bad.errno, bad.sqlState]).to.deep.equal([1045, '28000']);
        // An unknown user is refused the same way (GreptimeDB's opensrv-mysql answers every failed login with 1045).
        const unknown = await errorOf(() => mysql.createConnection({ host: '127.0.0.1', port: s.mysqlPort, user: 'mallory', password: 'x' }));
        expect([unknown.errno, unknown.sqlState]).to.deep.equal([1045, '28000']);
        const tls = await mysql.createConnection({ host: '127.0.0.1', port: s.mysqlPort, user: 'alice', password: 's3cret', ssl: { rejectUnauthorized: false } });
        await tls.ping();
        await tls.end();
      } finally { await s.close(); }
    });
  }
});
