import { expect } from 'chai';
import { CATALOG, createSession, pgTableOid } from '../../src/index.js';
import { SqlHarness } from '../support/sql-harness.js';

/**
 * The catalog functions, casts and SHOW settings PostgreSQL clients send on
 * connect and while introspecting, on the PostgreSQL channel. Each test
 * names the client and the query it comes from.
 */
describe('PostgreSQL session functions, ::regclass and SHOW (PostgreSQL channel)', function () {
  this.timeout(20_000);
  let h: SqlHarness;
  let cpuOid: number;
  before(async () => {
    h = await SqlHarness.start();
    await h.rows('CREATE TABLE cpu (host STRING, ts TIMESTAMP TIME INDEX, v DOUBLE, PRIMARY KEY (host))');
    await h.rows('CREATE DATABASE other');
    await h.rows('CREATE TABLE other.mem (ts TIMESTAMP TIME INDEX, used DOUBLE)');
    cpuOid = pgTableOid(h.server.get(CATALOG).getTable('public', 'cpu')!);
  });
  beforeEach(() => { h.session = createSession({ channel: 'postgres', database: 'public' }); });
  after(async () => { await h?.server.stop(); });

  it("current_setting reads the settings the server reports: pg_dump / node-postgres tools ask current_setting('server_version_num')", async () => {
    // postgres-checkup, pg-exporter, postgres.js inspectors: select current_setting('server_version_num')::int
    expect(await h.rows("SELECT current_setting('server_version_num'), current_setting('server_version'), current_setting('server_version_num')::int / 10000"))
      .to.deep.equal([['160003', '16.3', 16]]);
    expect(await h.rows("SELECT current_setting('TimeZone'), current_setting('timezone'), current_setting('standard_conforming_strings'), current_setting('search_path')"))
      .to.deep.equal([['UTC', 'UTC', 'on', 'public']]);
    // Row-level-security policies and app code: current_setting('app.tenant_id', true) is NULL until set.
    expect(await h.rows("SELECT current_setting('app.tenant_id', true), current_setting('app.tenant_id', true) IS NULL")).to.deep.equal([[null, true]]);
    await h.fails("SELECT current_setting('no_such_setting')", 'unrecognized configuration parameter "no_such_setting"', 'INVALID_ARGUMENTS');
    // The one setting table: pg_settings says what current_setting says.
    expect(await h.rows("SELECT setting FROM pg_catalog.pg_settings WHERE name = 'server_version_num'")).to.deep.equal([['160003']]);
  });

  it("set_config sets a session setting and answers it: pg_dump's SELECT pg_catalog.set_config('search_path', '', false)", async () => {
    expect(await h.rows("SELECT pg_catalog.set_config('search_path', '', false)")).to.deep.equal([['']]);
    expect(await h.rows("SELECT current_setting('search_path')")).to.deep.equal([['']]);
    expect(await h.rows("SELECT set_config('app.tenant_id', '42', false), current_setting('app.tenant_id')")).to.deep.equal([['42', '42']]);
    expect(h.session.variables.get('app.tenant_id')).to.equal('42');
    // is_local: until the end of the transaction, and Strata has none: the value is answered, not kept.
    expect(await h.rows("SELECT set_config('app.local_only', 'x', true)")).to.deep.equal([['x']]);
    expect(await h.rows("SELECT current_setting('app.local_only', true)")).to.deep.equal([[null]]);
    expect(await h.rows("SELECT set_config('TimeZone', 'Asia/Tokyo', false), current_setting('TimeZone')")).to.deep.equal([['Asia/Tokyo', 'Asia/Tokyo']]);
    expect(h.session.timezone).to.equal('Asia/Tokyo');
    await h.fails("SELECT set_config('server_version', '9.6', false)", 'parameter "server_version" cannot be changed');
    await h.fails("SELECT set_config('TimeZone', 'Mars/Olympus', false)", /Mars\/Olympus/);
  });

  it("current_schemas answers the text form of PostgreSQL's name[] ('{public}'): Strata has no arrays (GreptimeDB returns a list)", async () => {
    expect(await h.rows('SELECT current_schemas(false), current_schemas(true), pg_catalog.current_schemas(true)'))
      .to.deep.equal([['{public}', '{public,pg_catalog}', '{public,pg_catalog}']]);
    h.session = createSession({ channel: 'postgres', database: 'other' });
    expect(await h.rows('SELECT current_schemas(false), current_schema()')).to.deep.equal([['{other}', 'other']]);
  });

  it("'t'::regclass, CAST(... AS regclass) and to_regclass give pg_class's oid; pgjdbc's getTables joins pg_description on classoid = 'pg_class'::regclass", async () => {
    expect(await h.rows("SELECT 'cpu'::regclass, 'cpu'::regclass::oid, CAST('cpu' AS regclass), 'public.cpu'::pg_catalog.regclass, '\"cpu\"'::regclass, 'CPU'::regclass"))
      .to.deep.equal([[cpuOid, cpuOid, cpuOid, cpuOid, cpuOid, cpuOid]]);
    expect(await h.rows("SELECT oid FROM pg_catalog.pg_class WHERE oid = 'cpu'::regclass")).to.deep.equal([[cpuOid]]);
    // psql / DBeaver / DataGrip: WHERE a.attrelid = 't'::regclass
    expect(await h.rows("SELECT a.attname FROM pg_catalog.pg_attribute a WHERE a.attrelid = 'cpu'::regclass AND a.attnum > 0 ORDER BY a.attnum"))
      .to.deep.equal([['host'], ['ts'], ['v']]);
    expect(await h.rows("SELECT 'other.mem'::regclass = c.oid FROM pg_class c WHERE c.relname = 'mem'")).to.deep.equal([[true]]);
    // PostgreSQL's own oids for its catalogs (pg_description.classoid compares with them).
    expect(await h.rows("SELECT 'pg_class'::regclass, 'pg_catalog.pg_namespace'::regclass, 'pg_type'::regclass")).to.deep.equal([[1259, 2615, 1247]]);
    // An oid, as digits or an integer, is taken as it is.
    expect(await h.rows(`SELECT '${cpuOid}'::regclass, ${cpuOid}::regclass`)).to.deep.equal([[cpuOid, cpuOid]]);
    expect(await h.rows("SELECT to_regclass('cpu'), to_regclass('nope'), to_regclass('other.nope'), to_regclass('mem')")).to.deep.equal([[cpuOid, null, null, null]]);
    await h.fails("SELECT 'nope'::regclass", 'relation "nope" does not exist', 'TABLE_NOT_FOUND');
    await h.fails("SELECT a.attname FROM pg_catalog.pg_attribute a WHERE a.attrelid = 'mem'::regclass", 'relation "mem" does not exist', 'TABLE_NOT_FOUND');
    await h.fails("SELECT CAST('a..b' AS regclass)", 'invalid name syntax');
  });

  it('a statement calling them is planned anew each time (no stale value from the plan cache)', async () => {
    const sql = "SELECT current_setting('app.x', true), to_regclass('later')";
    expect(await h.rows(sql)).to.deep.equal([[null, null]]);
    await h.rows("SELECT set_config('app.x', 'one', false)");
    await h.rows('CREATE TABLE later (ts TIMESTAMP TIME INDEX)');
    const [[x, oid]] = await h.rows(sql) as [[unknown, unknown]];
    expect(x).to.equal('one');
    expect(oid).to.be.a('number').above(cpuOid);
    const r = await h.rows("SELECT 'later'::regclass");
    await h.rows('DROP TABLE later');
    await h.rows('CREATE TABLE later (ts TIMESTAMP TIME INDEX)');
    expect(await h.rows("SELECT 'later'::regclass")).to.not.deep.equal(r);
  });

  it("quote_ident, pg_is_in_recovery and the size functions on a name: pgAdmin's quote_ident(nspname) and check_recovery query", async () => {
    expect(await h.rows("SELECT quote_ident('cpu'), quote_ident('Cpu'), quote_ident('a b'), quote_ident('user'), quote_ident('say \"hi\"'), quote_ident('_x1')"))
      .to.deep.equal([['cpu', '"Cpu"', '"a b"', '"user"', '"say ""hi"""', '_x1']]);
    // pgAdmin 4 connect/check_recovery.sql: SELECT CASE WHEN usesuper THEN pg_catalog.pg_is_in_recovery() ELSE FALSE END as inrecovery
    expect(await h.rows('SELECT pg_catalog.pg_is_in_recovery()')).to.deep.equal([[false]]);
    // psql's \dt+ and DBeaver's table statistics: pg_total_relation_size(c.oid); by name: the text is a regclass in PostgreSQL.
    expect(await h.rows("SELECT pg_total_relation_size('cpu'), pg_relation_size('cpu'::regclass), pg_size_pretty(pg_total_relation_size('cpu'))")).to.deep.equal([[null, null, null]]);
  });

  it("SHOW answers the settings the server reports at startup (server_version, search_path, TimeZone, ...), not ''", async () => {
    const show = async (name: string) => { const r = await h.q(`SHOW ${name}`); return [r.columns[0], r.rows[0]![0]]; };
    expect(await show('server_version')).to.deep.equal(['server_version', '16.3']);
    expect(await show('server_version_num')).to.deep.equal(['server_version_num', '160003']);
    expect(await show('search_path')).to.deep.equal(['search_path', 'public']);
    expect(await show('standard_conforming_strings')).to.deep.equal(['standard_conforming_strings', 'on']);
    expect(await show('TimeZone')).to.deep.equal(['TimeZone', 'UTC']);
    expect(await show('timezone')).to.deep.equal(['TimeZone', 'UTC']);
    expect(await show('client_encoding')).to.deep.equal(['client_encoding', 'UTF8']);
    expect(await h.rows("SELECT version()")).to.have.nested.property('[0][0]').that.match(/^PostgreSQL 16\.3 Strata /);
  });

  it('exists in PostgreSQL sessions only: other channels keep their meaning of these names', async () => {
    h.session = createSession({ channel: 'mysql', database: 'public' });
    await h.fails("SELECT current_setting('server_version')", "Invalid function 'current_setting'");
    await h.fails("SELECT 'cpu'::regclass", 'type regclass exists in PostgreSQL sessions only');
  });
});
