import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { authStaticPlugin } from '@strata/kernel';
import { prng, sendRaw, startSqlServer, type SqlServer } from '../protocol-support/sql-server.js';

const run = promisify(execFile);

async function errorOf(fn: () => Promise<unknown>): Promise<{ code?: string; message?: string }> {
  try { await fn(); } catch (e) { return e as { code?: string }; }
  throw new Error('expected an error');
}

describe('PostgreSQL protocol end to end (real server, pg and psql clients)', function () {
  this.timeout(60_000);
  let s: SqlServer;
  before(async () => { s = await startSqlServer({ postgres: { connectTimeout: '2s' } }); });
  after(async () => { await s?.close(); });

  const client = async (extra: pg.ClientConfig = {}) => {
    const c = new pg.Client({ host: '127.0.0.1', port: s.pgPort, user: 'postgres', database: 'public', ...extra });
    await c.connect();
    return c;
  };

  it('creates a table, inserts and selects with simple queries', async () => {
    const c = await client();
    try {
      const created = await c.query('CREATE TABLE cpu (host STRING, ts TIMESTAMP TIME INDEX, usage_user DOUBLE, cnt BIGINT, ok BOOLEAN, PRIMARY KEY (host))');
      expect(created.command).to.equal('CREATE');
      const ins = await c.query("INSERT INTO cpu VALUES ('a', 1700000000000, 1.5, 10, true), ('b', 1700000001000, 2.25, 9007199254740993, false)");
      expect([ins.command, ins.rowCount]).to.deep.equal(['INSERT', 2]);
      const r = await c.query('SELECT host, ts, usage_user, cnt, ok FROM cpu ORDER BY host');
      expect(r.fields.map((f) => [f.name, f.dataTypeID])).to.deep.equal([['host', 25], ['ts', 1114], ['usage_user', 701], ['cnt', 20], ['ok', 16]]);
      expect(r.rows.map((x) => [x.host, x.usage_user, x.cnt, x.ok])).to.deep.equal([['a', 1.5, '10', true], ['b', 2.25, '9007199254740993', false]]);
      expect(r.rowCount).to.equal(2);
    } finally { await c.end(); }
  });

  it('runs extended queries with $n parameters of every supported type and named prepared statements', async () => {
    const c = await client();
    try {
      await c.query('INSERT INTO cpu (host, ts, usage_user, cnt, ok) VALUES ($1, $2, $3, $4, $5)', ['c', '2024-01-02 03:04:05.678', 3.75, 42, true]);
      await c.query('INSERT INTO cpu (host, ts, usage_user, cnt, ok) VALUES ($1, $2, $3, $4, $5)', ['d', 1700000003000, null, '12345678901234567', false]);
      const byHost = { name: 'by-host', text: 'SELECT host, usage_user, cnt, ok FROM cpu WHERE host = $1' };
      expect((await c.query({ ...byHost, values: ['c'] })).rows).to.deep.equal([{ host: 'c', usage_user: 3.75, cnt: '42', ok: true }]);
      expect((await c.query({ ...byHost, values: ['d'] })).rows).to.deep.equal([{ host: 'd', usage_user: null, cnt: '12345678901234567', ok: false }]);
      // A JS Date travels as ISO text with an offset; the engine reads it as an instant.
      const since = await c.query('SELECT host FROM cpu WHERE ts >= $1 ORDER BY host', [new Date(Date.UTC(2024, 0, 1))]);
      expect(since.rows).to.deep.equal([{ host: 'c' }]);
      const r = await c.query('SELECT count(*) AS n FROM cpu WHERE usage_user > $1 AND host <> $2', [2, 'zzz']);
      expect(Number(r.rows[0]!.n)).to.equal(2);
    } finally { await c.end(); }
  });

  it('sends UInt64 results (row_number) as numeric over the simple and extended protocols; integer division by zero is an error', async () => {
    const c = await client();
    try {
      const sql = 'SELECT host, row_number() OVER (ORDER BY host) AS rn FROM cpu ORDER BY host';
      const simple = await c.query(sql);
      const extended = await c.query({ text: sql, values: [] });
      for (const r of [simple, extended]) {
        expect(r.fields.find((f) => f.name === 'rn')!.dataTypeID).to.equal(1700);
        expect(r.rows.map((x) => [x.host, x.rn])).to.deep.equal([['a', '1'], ['b', '2'], ['c', '3'], ['d', '4']]);
      }
      const div = await errorOf(() => c.query('SELECT cnt / 0 FROM cpu'));
      expect([div.code, div.message]).to.deep.equal(['P0000', 'Divide by zero error']); // GreptimeDB: EngineExecuteQuery -> P0000
      // A query's own mistake over pg_catalog keeps its SQLSTATE (it was relabelled "catalog query not supported").
      const catalogTypo = await errorOf(() => c.query('SELECT nspnmae FROM pg_catalog.pg_namespace'));
      expect(catalogTypo.code).to.equal('P0000');
      expect(catalogTypo.message).to.match(/^No field named nspnmae/);
    } finally { await c.end(); }
  });

  it('round-trips bytea values through parameters and results', async () => {
    const c = await client();
    try {
      await c.query('CREATE TABLE pblobs (ts TIMESTAMP TIME INDEX, b VARBINARY)');
      await c.query('INSERT INTO pblobs VALUES ($1, $2)', [1, Buffer.from([0, 1, 2, 255])]);
      const r = await c.query('SELECT b FROM pblobs WHERE ts = $1', [1]);
      expect(r.fields[0]!.dataTypeID).to.equal(17);
      expect((r.rows[0]!.b as Buffer).toString('hex')).to.equal('000102ff');
    } finally { await c.end(); }
  });

  it('reports errors with SQLSTATE and recovers', async () => {
    const c = await client();
    try {
      expect((await errorOf(() => c.query('SELECT * FROM no_such_table'))).code).to.equal('42P01');
      expect((await errorOf(() => c.query('SELEC 1'))).code).to.equal('42601');
      expect((await errorOf(() => c.query('SELECT * FROM no_such_table WHERE x = $1', [1]))).code).to.equal('42P01');
      expect((await errorOf(() => c.query('CREATE TABLE cpu (ts TIMESTAMP TIME INDEX)'))).code).to.equal('42P07');
      expect((await c.query('SELECT 1 AS one')).rows.length).to.equal(1);
    } finally { await c.end(); }
  });

  it("answers errors with GreptimeDB's SQLSTATEs over the simple and extended protocols", async () => {
    const c = await client();
    try {
      const cases: Array<[string, string, string | RegExp]> = [
        ['SELECT * FROM no_such_table', '42P01', /^Table not found: /],
        ['SELEC 1', '42601', /./],
        ['CREATE TABLE cpu (ts TIMESTAMP TIME INDEX)', '42P07', /already exists/],
        ['CREATE DATABASE public', '42P04', /already exists/],
        ['SELECT nope FROM cpu', 'P0000', /^No field named nope\. Valid fields are /],
        ['SELECT cnt / 0 FROM cpu', 'P0000', 'Divide by zero error'],
        ["SELECT CAST('x' AS INT)", 'P0000', "Cast error: Cannot cast string 'x' to value of Int32 type"],
        ['ALTER TABLE cpu DROP COLUMN nope', '42703', /nope/],
        ['ALTER TABLE cpu ADD COLUMN cnt BIGINT', '42701', /cnt/],
        ['USE nowhere', '42704', /nowhere/],
      ];
      for (const [sql, code, message] of cases) {
        for (const run of [() => c.query(sql), () => c.query({ text: sql, values: [] })]) {
          const e = await errorOf(run);
          expect(e.code, `${sql}: ${e.message}`).to.equal(code);
          if (typeof message === 'string') expect(e.message, sql).to.equal(message); else expect(e.message, sql).to.match(message);
        }
      }
      // A statement past statement_timeout is DEADLINE_EXCEEDED: 57014, PostgreSQL's own code for it.
      await c.query('CREATE TABLE slow (ts TIMESTAMP TIME INDEX, v BIGINT)');
      await c.query(`INSERT INTO slow VALUES ${Array.from({ length: 1500 }, (_, i) => `(${i}, ${i})`).join(', ')}`);
      await c.query("SET statement_timeout = '1ms'");
      const late = await errorOf(() => c.query('SELECT count(*) FROM slow a, slow b, slow c WHERE a.v + b.v + c.v = -1'));
      expect(late.code, late.message).to.equal('57014');
      await c.query('SET statement_timeout = 0');
      expect((await c.query('SELECT 1 AS one')).rows.length).to.equal(1);
    } finally { await c.end(); }
    // A missing database at startup is FATAL 3D000, as GreptimeDB's startup handler sends it.
    const startup = await errorOf(() => client({ database: 'nowhere' }));
    expect(startup.code).to.equal('3D000');
  });

  it('serves 50 concurrent clients', async () => {
    const clients = await Promise.all(Array.from({ length: 50 }, () => client()));
    try {
      const rs = await Promise.all(clients.map((c, i) => c.query('SELECT count(*) AS n FROM cpu WHERE cnt >= $1', [i % 3])));
      rs.forEach((r) => expect(r.rows).to.have.length(1));
    } finally { await Promise.all(clients.map((c) => c.end())); }
  });

  it('encrypts with TLS using a self-signed certificate generated for the test', async () => {
    const c = await client({ ssl: { ca: s.cert.toString(), rejectUnauthorized: false } });
    try {
      expect((await c.query('SELECT host FROM cpu ORDER BY host')).rows.map((r) => r.host)).to.deep.equal(['a', 'b', 'c', 'd']);
      expect((c as unknown as { connection: { stream: { encrypted?: boolean } } }).connection.stream.encrypted).to.equal(true);
    } finally { await c.end(); }
  });

  it('closes connections sending malformed, truncated, oversized or random bytes; others are unaffected', async () => {
    const healthy = await client();
    try {
      const rnd = prng(11);
      const cases: Buffer[] = [];
      for (let i = 0; i < 10; i++) {
        const b = Buffer.from(Array.from({ length: 16 + Math.floor(rnd() * 300) }, () => Math.floor(rnd() * 256)));
        b[0] = 1 + Math.floor(rnd() * 100); // a startup length far over the 10000-byte limit
        cases.push(b);
      }
      for (let i = 0; i < 10; i++) {
        // A well-sized startup packet with a garbled body.
        const body = Buffer.from(Array.from({ length: 4 + Math.floor(rnd() * 40) }, () => Math.floor(rnd() * 256)));
        const head = Buffer.alloc(4); head.writeInt32BE(body.length + 4);
        cases.push(Buffer.concat([head, body]));
      }
      const results = await Promise.all(cases.map((b) => sendRaw(s.pgPort, b, { waitMs: 4000 })));
      results.forEach((r, i) => expect(r.closed, `case ${i}`).to.equal(true));
      results.slice(0, 10).forEach((r) => expect(r.data.includes(Buffer.from('exceeds the limit'))).to.equal(true));

      // A message with a bad length after a real login closes just that connection.
      const victim = await client();
      victim.on('error', () => undefined);
      const stream = (victim as unknown as { connection: { stream: NodeJS.WritableStream & NodeJS.EventEmitter } }).connection.stream;
      const closed = new Promise<void>((resolve) => stream.once('close', () => resolve()));
      stream.write(Buffer.from([0x51, 0, 0, 0, 1]));
      await Promise.race([closed, new Promise((_, rej) => setTimeout(() => rej(new Error('not closed')), 3000))]);

      expect(Number((await healthy.query('SELECT count(*) AS n FROM cpu')).rows[0]!.n)).to.equal(4);
    } finally { await healthy.end(); }
  });

  const psql = (sql: string) => run('psql', ['-h', '127.0.0.1', '-p', String(s.pgPort), '-U', 'postgres', '-d', 'public', '-X', '-v', 'ON_ERROR_STOP=1', '-c', sql],
    { timeout: 20_000, env: { ...process.env, PGSSLMODE: 'prefer', PGCONNECT_TIMEOUT: '5' } });

  it('works with psql: statements and the \\l, \\dn, \\dt, \\dt+, \\d, \\dv, \\di, \\df catalog commands; other catalog queries refused cleanly', async () => {
    await psql('CREATE TABLE cli (host STRING, ts TIMESTAMP TIME INDEX, v DOUBLE, PRIMARY KEY (host))');
    const ins = await psql("INSERT INTO cli VALUES ('x', 1700000000000, 1.5), ('y', 1700000000500, 2)");
    expect(ins.stdout.trim()).to.equal('INSERT 0 2');
    const sel = await psql('SELECT host, ts, v FROM cli ORDER BY host');
    expect(sel.stdout).to.match(/^ host \|\s+ts\s+\|\s+v\s*$/m);
    expect(sel.stdout).to.match(/^ x\s+\| 2023-11-14 22:13:20\s+\|\s+1\.5$/m);
    expect(sel.stdout).to.match(/^ y\s+\| 2023-11-14 22:13:20\.5\s+\|\s+2$/m);
    expect(sel.stdout).to.contain('(2 rows)');
    const tables = await psql('SHOW TABLES');
    expect(tables.stdout).to.match(/\bcli\b/);
    const desc = await psql('DESCRIBE cli');
    expect(desc.stdout).to.match(/host\s+\|\s+String/);
    const dt = await psql('\\dt');
    expect(dt.stdout).to.match(/public\s+\|\s+cli\s+\|\s+table/);
    expect(dt.stdout).to.match(/public\s+\|\s+cpu\s+\|\s+table/);
    const d = await psql('\\d cli');
    expect(d.stdout).to.contain('Table "public.cli"');
    expect(d.stdout).to.match(/^ host\s+\| text\s+\|/m);
    expect(d.stdout).to.match(/^ ts\s+\| timestamp\(3\) without time zone \|\s+\| not null \|/m);
    expect(d.stdout).to.match(/^ v\s+\| double precision\s+\|/m);
    const missing = await psql('\\d nope').then((r) => r.stderr, (e: { stderr?: string }) => e.stderr);
    expect(missing).to.contain('Did not find any relation named "nope"');
    // \l, \dn, \dt+, \dv, \df and \di read pg_catalog through the engine.
    const l = await psql('\\l');
    expect(l.stdout).to.match(/^ greptime\s+\| postgres \| UTF8\s+\|/m);
    expect(l.stdout).to.match(/^ postgres\s+\| postgres \| UTF8\s+\|.*\| libc\s+\|/m);
    await psql('CREATE DATABASE clidb');
    const dn = await psql('\\dn');
    expect(dn.stdout).to.match(/^ clidb\s+\| postgres$/m);
    expect(dn.stdout).to.match(/^ public\s+\| postgres$/m);
    expect(dn.stdout).to.not.match(/information_schema|pg_catalog/);
    const dtPlus = await psql('\\dt+ cli');
    expect(dtPlus.stdout).to.match(/Schema \| Name \| Type  \|  Owner   \| Persistence \| Access method \| Size \| Description/);
    expect(dtPlus.stdout).to.match(/^ public\s+\| cli\s+\| table \| postgres \| permanent\s+\| heap\s+\|/m);
    for (const cmd of ['\\dv', '\\di']) {
      const r = await psql(cmd);
      expect(r.stdout + r.stderr).to.contain('Did not find any relations.');
    }
    expect((await psql('\\df')).stdout).to.match(/List of functions[\s\S]*\(0 rows\)/);
    const cat = await psql("SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid WHERE c.relname = 'cli' ORDER BY a.attnum");
    expect(cat.stdout).to.match(/^ cli\s+\| ts\s+\| timestamp\(3\) without time zone$/m);
    const version = await psql('SELECT version(), current_schema(), current_database()');
    expect(version.stdout).to.match(/^ PostgreSQL 16\.3 Strata \S+\s+\| public\s+\| public$/m);
    const unsupported = await psql('SELECT * FROM pg_catalog.pg_stat_activity').then(() => undefined, (e: { stderr?: string }) => e.stderr);
    expect(unsupported).to.match(/ERROR:\s+catalog query not supported/);
    expect(unsupported).to.match(/HINT:\s+Strata's pg_catalog has pg_database/);
    const err = await psql('SELECT * FROM nope').then(() => undefined, (e: { stderr?: string }) => e.stderr);
    expect(err).to.match(/ERROR:\s+Table not found/);
    const div = await run('psql', ['-h', '127.0.0.1', '-p', String(s.pgPort), '-U', 'postgres', '-d', 'public', '-X', '-v', 'ON_ERROR_STOP=1', '-v', 'VERBOSITY=verbose', '-c', 'SELECT 1 / 0'],
      { timeout: 20_000, env: { ...process.env, PGSSLMODE: 'prefer', PGCONNECT_TIMEOUT: '5' } }).then(() => undefined, (e: { stderr?: string }) => e.stderr);
    expect(div).to.match(/ERROR:\s+P0000: Divide by zero error/);
  });

  it('answers the catalog functions and casts drivers send (pgjdbc getTables, version probes, pg_dump set_config); SHOW agrees with the startup ParameterStatus', async () => {
    const reported = new Map<string, string>();
    const c = new pg.Client({ host: '127.0.0.1', port: s.pgPort, user: 'postgres', database: 'public' });
    (c as unknown as { connection: NodeJS.EventEmitter }).connection.on('parameterStatus', (m: { parameterName: string; parameterValue: string }) => reported.set(m.parameterName, m.parameterValue));
    await c.connect();
    try {
      await c.query('CREATE TABLE jdbc_t (host STRING, ts TIMESTAMP TIME INDEX, v DOUBLE, PRIMARY KEY (host))');
      // pgjdbc PgDatabaseMetaData.getTables (DBeaver's and DataGrip's generic JDBC navigator run it): classoid = 'pg_class'::regclass.
      const tables = await c.query(`SELECT NULL AS TABLE_CAT, n.nspname AS TABLE_SCHEM, c.relname AS TABLE_NAME,
        CASE n.nspname ~ '^pg_' OR n.nspname = 'information_schema' WHEN true THEN CASE WHEN n.nspname = 'pg_catalog' OR n.nspname = 'information_schema'
          THEN CASE c.relkind WHEN 'r' THEN 'SYSTEM TABLE' WHEN 'v' THEN 'SYSTEM VIEW' WHEN 'i' THEN 'SYSTEM INDEX' ELSE NULL END
          WHEN n.nspname = 'pg_toast' THEN CASE c.relkind WHEN 'r' THEN 'SYSTEM TOAST TABLE' WHEN 'i' THEN 'SYSTEM TOAST INDEX' ELSE NULL END
          ELSE CASE c.relkind WHEN 'r' THEN 'TEMPORARY TABLE' WHEN 'p' THEN 'TEMPORARY TABLE' WHEN 'i' THEN 'TEMPORARY INDEX' WHEN 'S' THEN 'TEMPORARY SEQUENCE' WHEN 'v' THEN 'TEMPORARY VIEW' ELSE NULL END END
        WHEN false THEN CASE c.relkind WHEN 'r' THEN 'TABLE' WHEN 'p' THEN 'PARTITIONED TABLE' WHEN 'i' THEN 'INDEX' WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
          WHEN 'c' THEN 'TYPE' WHEN 'f' THEN 'FOREIGN TABLE' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE NULL END ELSE NULL END AS TABLE_TYPE, d.description AS REMARKS,
        '' as TYPE_CAT, '' as TYPE_SCHEM, '' as TYPE_NAME, '' AS SELF_REFERENCING_COL_NAME, '' AS REF_GENERATION
        FROM pg_catalog.pg_namespace n, pg_catalog.pg_class c
        LEFT JOIN pg_catalog.pg_description d ON (c.oid = d.objoid AND d.objsubid = 0 and d.classoid = 'pg_class'::regclass)
        WHERE c.relnamespace = n.oid AND c.relname LIKE $1 AND (false OR ( c.relkind IN ('r','p') AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema' ))
        ORDER BY TABLE_TYPE,TABLE_SCHEM,TABLE_NAME`, ['jdbc%']);
      expect(tables.rows).to.deep.equal([{ table_cat: null, table_schem: 'public', table_name: 'jdbc_t', table_type: 'TABLE', remarks: null,
        type_cat: '', type_schem: '', type_name: '', self_referencing_col_name: '', ref_generation: '' }]);
      // Grafana / DataGrip column lookups by relation: WHERE a.attrelid = 't'::regclass, also with the name as a parameter.
      for (const q of [{ text: "SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) AS t FROM pg_catalog.pg_attribute a WHERE a.attrelid = 'jdbc_t'::regclass AND a.attnum > 0 ORDER BY a.attnum" },
        { text: 'SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) AS t FROM pg_catalog.pg_attribute a WHERE a.attrelid = $1::regclass AND a.attnum > 0 ORDER BY a.attnum', values: ['jdbc_t'] }]) {
        expect((await c.query(q)).rows).to.deep.equal([{ attname: 'host', t: 'text' }, { attname: 'ts', t: 'timestamp(3) without time zone' }, { attname: 'v', t: 'double precision' }]);
      }
      // An unknown relation is PostgreSQL's error, also inside a pg_catalog query (not "catalog query not supported").
      for (const sql of ["SELECT 'nope'::regclass", "SELECT attname FROM pg_catalog.pg_attribute WHERE attrelid = 'nope'::regclass"]) {
        const e = await errorOf(() => c.query(sql));
        expect([e.code, e.message]).to.deep.equal(['42P01', 'relation "nope" does not exist']);
      }
      const oids = await c.query("SELECT to_regclass('jdbc_t') AS a, 'jdbc_t'::regclass::oid AS b, c.oid AS c, to_regclass('nope') AS n FROM pg_catalog.pg_class c WHERE c.relname = 'jdbc_t'");
      expect(oids.rows[0]!.a).to.equal(oids.rows[0]!.c);
      expect(oids.rows[0]!.b).to.equal(oids.rows[0]!.c);
      expect(oids.rows[0]!.n).to.equal(null);
      // Version probes (postgres-checkup, pg-exporter, postgres.js): current_setting('server_version_num')::int; the same value as reported at startup.
      const v = await c.query("SELECT current_setting('server_version_num')::int AS num, current_setting('server_version') AS version, pg_catalog.pg_is_in_recovery() AS rec");
      expect(reported.get('server_version')).to.equal('16.3');
      expect(v.rows).to.deep.equal([{ num: 160003, version: reported.get('server_version'), rec: false }]);
      for (const name of ['server_version', 'server_version_num', 'search_path', 'standard_conforming_strings', 'TimeZone', 'client_encoding']) {
        const shown = (await c.query(`SHOW ${name}`)).rows[0]!;
        const [value] = Object.values(shown);
        expect(value, name).to.equal((await c.query('SELECT current_setting($1) AS s', [name])).rows[0]!.s);
        if (reported.has(name)) expect(value, name).to.equal(reported.get(name));
      }
      expect((await c.query('SHOW search_path')).rows[0]!.search_path).to.equal('public');
      // pg_dump's preamble: SELECT pg_catalog.set_config('search_path', '', false); then SHOW sees it.
      expect((await c.query("SELECT pg_catalog.set_config('search_path', '', false) AS s")).rows).to.deep.equal([{ s: '' }]);
      expect((await c.query('SHOW search_path')).rows[0]!.search_path).to.equal('');
      expect((await c.query("SELECT current_schemas(false) AS a, current_schemas(true) AS b, quote_ident('My Table') AS q")).rows)
        .to.deep.equal([{ a: '{public}', b: '{public,pg_catalog}', q: '"My Table"' }]);
    } finally { await c.end(); }
  });

  it("psql: \\d on a table, SERVER_VERSION_NUM from startup equals current_setting, and ::regclass in a typed query", async () => {
    await psql('CREATE TABLE IF NOT EXISTS regt (host STRING, ts TIMESTAMP TIME INDEX, PRIMARY KEY (host))');
    const d = await psql('\\d regt');
    expect(d.stdout).to.contain('Table "public.regt"');
    expect(d.stdout).to.match(/^ host\s+\| text\s+\|/m);
    // psql sets SERVER_VERSION_NUM from the ParameterStatus server_version; the SQL function must agree with it.
    const echoed = (await psql('\\echo :SERVER_VERSION_NUM')).stdout.trim();
    const t = await run('psql', ['-h', '127.0.0.1', '-p', String(s.pgPort), '-U', 'postgres', '-d', 'public', '-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c',
      "SELECT current_setting('server_version_num'), 'regt'::regclass = (SELECT oid FROM pg_catalog.pg_class WHERE relname = 'regt'), to_regclass('nope') IS NULL"],
    { timeout: 20_000, env: { ...process.env, PGSSLMODE: 'prefer', PGCONNECT_TIMEOUT: '5' } });
    expect(t.stdout.trim()).to.equal(`${echoed}|t|t`);
    expect(echoed).to.equal('160003');
    const missing = await psql("SELECT * FROM pg_catalog.pg_attribute WHERE attrelid = 'nope'::regclass").then(() => undefined, (e: { stderr?: string }) => e.stderr);
    expect(missing).to.match(/ERROR:\s+relation "nope" does not exist/);
  });

  it("lists the connected user with psql's \\du and \\dg: no superuser claimed, no memberships", async () => {
    const du = await psql('\\du');
    expect(du.stdout).to.match(/List of roles/);
    expect(du.stdout).to.match(/^ Role name \| Attributes \| Member of\s*$/m);
    expect(du.stdout).to.match(/^ postgres\s+\| Create DB\s+\| \{\}\s*$/m);
    expect(du.stdout).to.not.match(/Superuser/);
    expect(du.stdout.trim().split('\n')).to.have.length(4); // title, header, rule, one role
    const duPlus = await psql('\\du+ post*');
    expect(duPlus.stdout).to.match(/^ Role name \| Attributes \| Member of \| Description\s*$/m);
    expect(duPlus.stdout).to.match(/^ postgres\s+\| Create DB\s+\| \{\}\s+\|\s*$/m);
    const none = await psql('\\dg nobody');
    expect(none.stdout).to.match(/^ Role name \| Attributes \| Member of\s*$/m);
    expect(none.stdout).to.not.contain('postgres');
  });
});

describe('PostgreSQL protocol end to end with auth-static users', function () {
  this.timeout(60_000);
  for (const authMethod of ['scram-sha-256', 'md5', 'password']) {
    it(`logs in with ${authMethod} and refuses a wrong password with 28P01`, async () => {
      const s = await startSqlServer({ postgres: { authMethod }, plugins: [{ definition: authStaticPlugin, options: { users: ['alice=s3cret'] } }] });
      try {
        const c = new pg.Client({ host: '127.0.0.1', port: s.pgPort, user: 'alice', password: 's3cret', database: 'public' });
        await c.connect();
        expect((await c.query('SELECT 1 AS one')).rows).to.have.length(1);
        await c.end();
        const bad = await errorOf(async () => { const d = new pg.Client({ host: '127.0.0.1', port: s.pgPort, user: 'alice', password: 'nope' }); await d.connect(); });
        expect(bad.code).to.equal('28P01');
        const { stdout } = await run('psql', ['-h', '127.0.0.1', '-p', String(s.pgPort), '-U', 'alice', '-d', 'public', '-X', '-t', '-c', 'SELECT 41 + 1'],
          { timeout: 20_000, env: { ...process.env, PGPASSWORD: 's3cret', PGSSLMODE: 'require' } });
        expect(stdout.trim()).to.equal('42');
        // \du lists the authenticated user; auth-static grants no superuser rights, so none are shown.
        const du = await run('psql', ['-h', '127.0.0.1', '-p', String(s.pgPort), '-U', 'alice', '-d', 'public', '-X', '-c', '\\du'],
          { timeout: 20_000, env: { ...process.env, PGPASSWORD: 's3cret', PGSSLMODE: 'require' } });
        expect(du.stdout).to.match(/^ alice\s+\| Create DB\s+\| \{\}\s*$/m);
      } finally { await s.close(); }
    });
  }
});
