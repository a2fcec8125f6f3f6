import { expect } from 'chai';
import { createSession, FUNCTION_REGISTRY, pgFunctionOid, type ScalarFunction } from '../../src/index.js';
import { formatPgType, PG_TYPE_OIDS, pgDefaultText, pgTypeName, pgTypeOfDataType } from '../../src/index.js';
import { pgSizePretty } from '../../src/functions/builtin/pg-functions.js';
import { SqlHarness } from '../support/sql-harness.js';

describe('pg_catalog (PostgreSQL channel)', function () {
  this.timeout(20_000);
  let h: SqlHarness;
  before(async () => {
    h = await SqlHarness.start();
    await h.rows("CREATE TABLE cpu (host STRING, ts TIMESTAMP TIME INDEX, v DOUBLE DEFAULT 1.5, n BIGINT NOT NULL, PRIMARY KEY (host))");
    await h.rows('CREATE DATABASE other');
    await h.rows('CREATE TABLE other.mem (ts TIMESTAMP(6) TIME INDEX, used DECIMAL(10, 2))');
    h.session = createSession({ channel: 'postgres' });
  });
  after(async () => { await h?.server.stop(); });

  it('lists schemas, tables and columns with PostgreSQL types, joined by oid', async () => {
    expect(await h.rows("SELECT nspname FROM pg_catalog.pg_namespace ORDER BY nspname")).to.deep.equal([['information_schema'], ['other'], ['pg_catalog'], ['public']]);
    expect(await h.rows("SELECT oid FROM pg_namespace WHERE nspname = 'public'")).to.deep.equal([[2200]]);
    const tables = await h.rows(`SELECT n.nspname, c.relname, c.relkind, c.relnatts FROM pg_catalog.pg_class c
      LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname <> 'information_schema' ORDER BY 1, 2`);
    expect(tables).to.deep.equal([['other', 'mem', 'r', 2], ['public', 'cpu', 'r', 4]]);
    const cols = await h.rows(`SELECT a.attname, a.atttypid, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull, a.atthasdef
      FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid WHERE c.relname = 'cpu' AND a.attnum > 0 ORDER BY a.attnum`);
    expect(cols).to.deep.equal([
      ['host', 25, 'text', false, false],
      ['ts', 1114, 'timestamp(3) without time zone', true, false],
      ['v', 701, 'double precision', false, true],
      ['n', 20, 'bigint', true, false],
    ]);
    expect(await h.rows(`SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid WHERE c.relname = 'mem' ORDER BY a.attnum`))
      .to.deep.equal([['timestamp(6) without time zone'], ['numeric(10,2)']]);
    expect(await h.rows(`SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d JOIN pg_class c ON c.oid = d.adrelid WHERE c.relname = 'cpu'`)).to.deep.equal([['1.5']]);
  });

  it("answers psql's \\dt and \\dn queries (OPERATOR(pg_catalog.~), COLLATE, catalog functions)", async () => {
    const dt = await h.rows(`SELECT n.nspname as "Schema", c.relname as "Name",
  CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' END as "Type", pg_catalog.pg_get_userbyid(c.relowner) as "Owner"
FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam
WHERE c.relkind IN ('r','p','') AND n.nspname <> 'pg_catalog' AND n.nspname !~ '^pg_toast' AND n.nspname <> 'information_schema'
  AND c.relname OPERATOR(pg_catalog.~) '^(cpu)$' COLLATE pg_catalog.default AND pg_catalog.pg_table_is_visible(c.oid) ORDER BY 1,2`);
    expect(dt).to.deep.equal([['public', 'cpu', 'table', 'postgres']]);
    const dn = await h.rows(`SELECT n.nspname AS "Name", pg_catalog.pg_get_userbyid(n.nspowner) AS "Owner" FROM pg_catalog.pg_namespace n
      WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema' ORDER BY 1`);
    expect(dn).to.deep.equal([['other', 'postgres'], ['public', 'postgres']]);
    const l = await h.rows(`SELECT d.datname, pg_catalog.pg_encoding_to_char(d.encoding), pg_catalog.array_to_string(d.datacl, E'\\n') FROM pg_catalog.pg_database d ORDER BY 1`);
    expect(l).to.deep.equal([['greptime', 'UTF8', null], ['postgres', 'UTF8', null]]);
    expect(await h.rows(`SELECT pg_encoding_to_char(e) FROM (SELECT 6 AS e UNION ALL SELECT 0 UNION ALL SELECT NULL UNION ALL SELECT 99) t ORDER BY e NULLS LAST`))
      .to.deep.equal([['SQL_ASCII'], ['UTF8'], [''], [null]]);
    expect(await h.rows(`SELECT has_schema_privilege('public', 'USAGE'), obj_description(2200, 'pg_namespace'), pg_my_temp_schema(), 'x'::pg_catalog.text, 'a' COLLATE "C" = 'a'`))
      .to.deep.equal([[true, null, 0, 'x', true]]);
  });

  it('has pg_type rows drivers look up by oid, and pg_proc with the SQL functions', async () => {
    expect(await h.rows('SELECT oid, typname, typlen, typarray FROM pg_catalog.pg_type WHERE oid IN (16, 20, 25, 701, 1114) ORDER BY oid'))
      .to.deep.equal([[16, 'bool', 1, 1000], [20, 'int8', 8, 1016], [25, 'text', -1, 1009], [701, 'float8', 8, 1022], [1114, 'timestamp', 8, 1115]]);
    expect(await h.rows("SELECT typelem FROM pg_type WHERE typname = '_int8'")).to.deep.equal([[20]]);
    const abs = await h.rows(`SELECT p.proname, n.nspname, pg_get_function_result(p.oid), pg_get_function_arguments(p.oid), p.prokind
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.proname IN ('abs', 'avg') ORDER BY 1`);
    expect(abs.map((r) => [r[0], r[1], r[4]])).to.deep.equal([['abs', 'pg_catalog', 'f'], ['avg', 'pg_catalog', 'a']]);
    expect(abs[0]![3]).to.equal('numeric');
  });

  it('is visible on the PostgreSQL channel only; a user table of the same name wins over the unqualified name', async () => {
    const http = createSession({ channel: 'http' });
    const err = await h.query.execute('SELECT * FROM pg_catalog.pg_class', http)[Symbol.asyncIterator]().next().then(() => undefined, (e: Error) => e);
    expect(err?.message).to.match(/Table not found: greptime\.pg_catalog\.pg_class/);
    expect(await h.rows('SELECT count(*) > 0 FROM pg_class')).to.deep.equal([[true]]);
    await h.rows('CREATE TABLE pg_am (ts TIMESTAMP TIME INDEX, x DOUBLE)');
    expect(await h.rows('SELECT count(*) FROM pg_am')).to.deep.equal([[0]]);
    expect(await h.rows('SELECT amname FROM pg_catalog.pg_am ORDER BY 1')).to.deep.equal([['btree'], ['heap']]);
    await h.rows('DROP TABLE pg_am');
  });

  it('version() is per channel, as GreptimeDB answers it', async () => {
    expect(String((await h.rows('SELECT version()'))[0]![0])).to.match(/^PostgreSQL 16\.3 Strata /);
    const mysql = createSession({ channel: 'mysql' });
    const saved = h.session; h.session = mysql;
    try { expect(String((await h.rows('SELECT version()'))[0]![0])).to.match(/^8\.4\.2-strata-/); } finally { h.session = saved; }
  });

  it("formats types and sizes as PostgreSQL's format_type and pg_size_pretty do", () => {
    expect(formatPgType(1114, 3)).to.equal('timestamp(3) without time zone');
    expect(formatPgType(1700, ((20 << 16) | 0) + 4)).to.equal('numeric(20,0)');
    expect(formatPgType(1043, 14)).to.equal('character varying(10)');
    expect(formatPgType(1016, -1)).to.equal('bigint[]');
    expect(formatPgType(99999, -1)).to.equal('???');
    expect([10239n, 10240n, 1048575n, 10n * 1024n * 1024n * 1024n].map(pgSizePretty)).to.deep.equal(['10239 bytes', '10 kB', '1024 kB', '10 GB']);
  });

  it('owns the PostgreSQL type of every Strata type: oid, typmod and typlen (RowDescription), name and default text', () => {
    const names = ['Boolean', 'Int8', 'Int16', 'UInt8', 'Int32', 'UInt16', 'Int64', 'UInt32', 'UInt64', 'Float32', 'Float64', 'String', 'Binary', 'Date',
      'TimestampSecond', 'TimestampMillisecond', 'TimestampMicrosecond', 'TimestampNanosecond', 'IntervalMonthDayNano', 'Null'] as const;
    expect(Object.fromEntries(names.map((n) => { const t = pgTypeOfDataType({ name: n }); return [n, [t.oid, t.typmod, t.typlen]]; }))).to.deep.equal({
      Boolean: [16, -1, 1], Int8: [21, -1, 2], Int16: [21, -1, 2], UInt8: [21, -1, 2], Int32: [23, -1, 4], UInt16: [23, -1, 4], Int64: [20, -1, 8],
      UInt32: [20, -1, 8], UInt64: [1700, (20 << 16) + 4, -1], Float32: [700, -1, 4], Float64: [701, -1, 8], String: [25, -1, -1], Binary: [17, -1, -1],
      Date: [1082, -1, 4], TimestampSecond: [1114, 0, 8], TimestampMillisecond: [1114, 3, 8], TimestampMicrosecond: [1114, 6, 8],
      TimestampNanosecond: [1114, 6, 8], IntervalMonthDayNano: [1186, -1, 16], Null: [25, -1, -1],
    });
    expect(pgTypeOfDataType({ name: 'Decimal128', precision: 10, scale: 2 })).to.deep.equal({ oid: PG_TYPE_OIDS.numeric, typmod: (10 << 16) + 2 + 4, typlen: -1 });
    expect(names.map((n) => pgTypeName({ name: n }))).to.deep.equal(['boolean', 'smallint', 'smallint', 'smallint', 'integer', 'integer', 'bigint', 'bigint',
      'numeric(20,0)', 'real', 'double precision', 'text', 'bytea', 'date', 'timestamp(0) without time zone', 'timestamp(3) without time zone',
      'timestamp(6) without time zone', 'timestamp(6) without time zone', 'interval', 'unknown']);
    expect(pgTypeName({ name: 'Decimal128', precision: 10, scale: 2 })).to.equal('numeric(10,2)');
    const col = (d: object | undefined) => ({ name: 'c', type: { name: 'String' as const }, semantic: 'field' as const, nullable: true, ...(d ? { default: d } : {}) });
    expect([col(undefined), col({ value: "it's" }), col({ value: 1.5 }), col({ value: null }), col({ fn: 'current_timestamp()' })].map((c) => pgDefaultText(c as never)))
      .to.deep.equal([null, "'it''s'::text", '1.5', null, 'current_timestamp()']);
  });

  it('pg_get_function_result / _arguments derive from the registry: no pg_proc read needed, new and dropped functions seen', async () => {
    const fresh = await SqlHarness.start();
    try {
      fresh.session = createSession({ channel: 'postgres' });
      const registry = fresh.server.get(FUNCTION_REGISTRY);
      const fn: ScalarFunction = {
        kind: 'scalar', name: 'h3_scaled', signatures: [{ args: ['Float64', 'Int32'] }], returnType: { name: 'Decimal128', precision: 12, scale: 3 },
        invoke: () => { throw new Error('not called'); },
      };
      registry.register(fn, 'test');
      const [abs, scaled, nope] = [pgFunctionOid('abs'), pgFunctionOid('h3_scaled'), pgFunctionOid('h3_nope')];
      // No statement of this server has read pg_proc.
      expect(await fresh.rows(`SELECT pg_get_function_result(${abs}), pg_get_function_arguments(${abs}), pg_get_function_result(${scaled}),
        pg_get_function_arguments(${scaled}), pg_get_function_identity_arguments(${scaled}), pg_get_function_result(${nope})`))
        .to.deep.equal([['any', 'numeric', 'numeric(12,3)', 'double precision, integer', 'double precision, integer', null]]);
      expect(await fresh.rows(`SELECT p.proname, pg_get_function_result(p.oid) FROM pg_proc p WHERE p.proname = 'h3_scaled'`)).to.deep.equal([['h3_scaled', 'numeric(12,3)']]);
      registry.unregister('h3_scaled');
      expect(await fresh.rows(`SELECT pg_get_function_result(${scaled})`)).to.deep.equal([[null]]);
    } finally { await fresh.stop(); }
  });

  it("lists the session's user in pg_roles, without superuser rights, so psql 16's \\du runs", async () => {
    const saved = h.session;
    h.session = createSession({ channel: 'postgres', user: 'alice' });
    try {
      // psql 16's \du (psql 15 adds an ARRAY(...) of memberships, which protocol-postgres answers; see psql-describe.ts).
      expect(await h.rows(`SELECT r.rolname, r.rolsuper, r.rolinherit,
  r.rolcreaterole, r.rolcreatedb, r.rolcanlogin,
  r.rolconnlimit, r.rolvaliduntil
, r.rolreplication
, r.rolbypassrls
FROM pg_catalog.pg_roles r
WHERE r.rolname !~ '^pg_'
ORDER BY 1;`)).to.deep.equal([['alice', false, true, false, true, true, -1, null, false, false]]);
      const [[oid]] = await h.rows("SELECT oid FROM pg_roles WHERE rolname = 'alice'") as [[number]];
      expect(oid).to.be.a('number').and.not.equal(10);
      expect(await h.rows('SELECT rolpassword, rolconfig FROM pg_catalog.pg_roles')).to.deep.equal([['********', null]]);
      expect(await h.rows('SELECT count(*) FROM pg_catalog.pg_auth_members')).to.deep.equal([[0]]);
      h.session = createSession({ channel: 'postgres', user: 'postgres' });
      expect(await h.rows('SELECT rolname, oid, rolsuper FROM pg_roles')).to.deep.equal([['postgres', 10, false]]);
    } finally { h.session = saved; }
  });
});
