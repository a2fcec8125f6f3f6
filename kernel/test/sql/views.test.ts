import { expect } from 'chai';
import { CATALOG_KEY, createSession, METRICS } from '../../src/index.js';
import { SqlHarness } from '../support/sql-harness.js';

/**
 * Views as GreptimeDB has them (tests/cases/standalone/common/view/*.sql):
 * CREATE [OR REPLACE] VIEW [IF NOT EXISTS], reads through joins, subqueries,
 * CTEs and other views, DROP VIEW, SHOW VIEWS / SHOW CREATE VIEW / DESC VIEW,
 * SHOW [FULL] TABLES and information_schema rows, name clashes, refused
 * writes, predicate pushdown, the plan cache and restarts.
 */
describe('sql: views', function () {
  this.timeout(15_000);
  let h: SqlHarness;
  beforeEach(async () => {
    h = await SqlHarness.start();
    await h.q('CREATE TABLE cpu (host STRING, ts TIMESTAMP TIME INDEX, usage DOUBLE, PRIMARY KEY(host))');
    await h.q("INSERT INTO cpu VALUES ('a',1000,10),('b',2000,95),('a',3000,97),('c',4000,50)");
    await h.q('CREATE TABLE mem (host STRING, ts TIMESTAMP TIME INDEX, used DOUBLE, PRIMARY KEY(host))');
    await h.q("INSERT INTO mem VALUES ('a',1000,1),('b',2000,2),('a',3000,3)");
  });
  afterEach(async () => { await h.stop(); });
  const hits = async (): Promise<number> => Number(/strata_sql_plan_cache_hits_total (\d+)/.exec(await h.server.get(METRICS).text())?.[1] ?? 0);

  it('CREATE VIEW then SELECT through it, with WHERE, aliases and a column list', async () => {
    expect((await h.q('CREATE VIEW busy AS SELECT host, ts, usage FROM cpu WHERE usage > 90')).affected).to.equal(0);
    expect(await h.rows('SELECT * FROM busy ORDER BY ts')).to.deep.equal([['b', 2000, 95], ['a', 3000, 97]]);
    expect(await h.rows("SELECT usage FROM busy WHERE host = 'a'")).to.deep.equal([[97]]);
    // GreptimeDB's view.sql: an alias with column names.
    expect(await h.rows('SELECT x FROM busy b(x) WHERE x > \'a\' ORDER BY x')).to.deep.equal([['b']]);
    expect(await h.rows('SELECT b.host FROM busy AS b ORDER BY 1')).to.deep.equal([['a'], ['b']]);
    await h.q('CREATE VIEW named (h, u) AS SELECT host, usage + 1 FROM cpu');
    const r = await h.q('SELECT * FROM named WHERE u > 90 ORDER BY h');
    expect(r.columns).to.deep.equal(['h', 'u']);
    expect(r.rows.map((x) => [x[0], x[1]])).to.deep.equal([['a', 98], ['b', 96]]);
    // columns.sql: the query's own names are gone.
    await h.fails('SELECT host FROM named', 'No field named host. Valid fields are named.h, named.u.', 'PLAN_QUERY');
  });

  it('reads views in joins, subqueries, CTEs, unions, and views over views', async () => {
    await h.q('CREATE VIEW busy AS SELECT host, ts, usage FROM cpu WHERE usage > 90');
    await h.q('CREATE VIEW busy_a AS SELECT * FROM busy WHERE host = \'a\'');
    expect(await h.rows('SELECT host, usage FROM busy_a')).to.deep.equal([['a', 97]]);
    expect(await h.rows('SELECT b.host, m.used FROM busy b JOIN mem m ON b.host = m.host AND b.ts = m.ts ORDER BY 1')).to.deep.equal([['a', 3], ['b', 2]]);
    expect(await h.rows('SELECT count(*) FROM (SELECT host FROM busy) s')).to.deep.equal([[2]]);
    expect(await h.rows('WITH w AS (SELECT host FROM busy_a) SELECT * FROM w')).to.deep.equal([['a']]);
    expect(await h.rows('SELECT host FROM cpu WHERE host IN (SELECT host FROM busy) GROUP BY host ORDER BY host')).to.deep.equal([['a'], ['b']]);
    expect(await h.rows('SELECT host FROM busy UNION SELECT host FROM mem ORDER BY 1')).to.deep.equal([['a'], ['b']]);
    // A view in another database, read qualified; its unqualified names stay in its own database.
    await h.q('CREATE DATABASE other');
    await h.q('CREATE TABLE other.cpu (host STRING, ts TIMESTAMP TIME INDEX, usage DOUBLE, PRIMARY KEY(host))');
    await h.q("INSERT INTO other.cpu VALUES ('z',1,1)");
    await h.q('CREATE VIEW other.hosts AS SELECT host FROM cpu');
    expect(await h.rows('SELECT * FROM other.hosts')).to.deep.equal([['z']]);
  });

  it('pushes time range and tag predicates through a view into the scan (EXPLAIN)', async () => {
    await h.q('CREATE VIEW v (h, t, u) AS SELECT host, ts, usage FROM cpu');
    const r = await h.q("EXPLAIN SELECT h, max(u) FROM v WHERE t > '1970-01-01 00:00:01' AND h = 'a' GROUP BY h");
    const text = String(r.rows[0]![1]);
    expect(text).to.contain('time_range=[1001, +inf)');
    expect(text).to.contain('"column":"host","op":"=","value":"a"');
    expect(text).not.to.match(/Filter:.*ts/);
    // Through a view over a view, and with the view's own WHERE.
    await h.q("CREATE VIEW w AS SELECT * FROM v WHERE u > 0");
    const text2 = String((await h.q("EXPLAIN SELECT * FROM w WHERE h = 'b' AND t >= '1970-01-01 00:00:02'")).rows[0]![1]);
    expect(text2).to.contain('time_range=[2000, +inf)');
    expect(text2).to.contain('"column":"host","op":"=","value":"b"');
    expect(await h.rows("SELECT h, u FROM w WHERE h = 'b' AND t >= '1970-01-01 00:00:02'")).to.deep.equal([['b', 95]]);
  });

  it("an outer condition that can fail is not pushed below the subquery's or view's own WHERE", async () => {
    await h.q('CREATE TABLE dz (ts TIMESTAMP TIME INDEX, k BIGINT)');
    await h.q('INSERT INTO dz VALUES (1, 0), (2, 2), (3, 20)');
    await h.fails('SELECT 10 / k FROM dz', 'Divide by zero', 'DIVIDE_BY_ZERO');
    // The inner WHERE (an expression: not a scan predicate) removes k = 0 first; the division
    // (able to fail) stays above it, the time comparison (unable to) still reaches the scan.
    expect(await h.rows('SELECT k FROM (SELECT * FROM dz WHERE k * 1 <> 0) s WHERE 10 / k >= 1 ORDER BY ts')).to.deep.equal([[2]]);
    await h.q('CREATE VIEW nz AS SELECT * FROM dz WHERE k * 1 <> 0');
    expect(await h.rows('SELECT k FROM nz WHERE 10 / k >= 1')).to.deep.equal([[2]]);
    const plan = String((await h.q('EXPLAIN SELECT k FROM nz WHERE 10 / k >= 1 AND ts > 1')).rows[0]![1]);
    expect(plan).to.contain('time_range=[2, +inf)');
  });

  it('CREATE OR REPLACE and IF NOT EXISTS, as GreptimeDB (show_create.sql)', async () => {
    await h.q('CREATE VIEW v1 AS SELECT host FROM cpu');
    await h.fails('CREATE VIEW v1 AS SELECT host FROM cpu', 'View already exists: public.v1', 'TABLE_ALREADY_EXISTS');
    await h.q('CREATE VIEW IF NOT EXISTS v1 AS SELECT usage FROM cpu');
    expect((await h.q('SELECT * FROM v1')).columns).to.deep.equal(['host']);
    await h.q('CREATE OR REPLACE VIEW v1 AS SELECT usage FROM cpu WHERE usage > 96');
    expect(await h.rows('SELECT * FROM v1')).to.deep.equal([[97]]);
    expect(await h.rows('SHOW CREATE VIEW v1')).to.deep.equal([['v1', 'CREATE OR REPLACE VIEW v1 AS SELECT usage FROM cpu WHERE usage > 96']]);
    await h.fails('CREATE OR REPLACE VIEW IF NOT EXISTS v1 AS SELECT host FROM cpu', 'Create Or Replace and If Not Exist cannot be used together', 'INVALID_ARGUMENTS');
    // columns.sql: the column list must match the query.
    await h.fails('CREATE VIEW v2 (a) AS SELECT * FROM cpu', 'Expect 3 columns for view v2, but found 1', 'INVALID_ARGUMENTS');
    await h.fails('CREATE VIEW v2 AS SELECT host, host FROM cpu', 'two columns named host', 'INVALID_ARGUMENTS');
    // The query is planned at creation.
    await h.fails('CREATE VIEW v2 AS SELECT * FROM dontexist', 'Table not found: public.dontexist', 'TABLE_NOT_FOUND');
    await h.fails('CREATE VIEW v2 AS SELECT nope FROM cpu', 'No field named nope', 'PLAN_QUERY');
    await h.fails('CREATE VIEW v2', 'Syntax error at line 1, column 15: unexpected end of input', 'INVALID_SYNTAX');
    await h.fails('CREATE VIEW v2 AS DELETE FROM cpu', 'line 1, column 19: unexpected keyword DELETE', 'INVALID_SYNTAX');
    await h.fails('CREATE VIEW nodb.v2 AS SELECT 1', 'Database not found: nodb', 'DATABASE_NOT_FOUND');
    expect(await h.rows('SHOW VIEWS')).to.deep.equal([['v1']]);
  });

  it('refuses a definition that reaches itself through other views', async () => {
    await h.q('CREATE VIEW a1 AS SELECT host FROM cpu');
    await h.q('CREATE VIEW a2 AS SELECT host FROM a1');
    await h.fails('CREATE OR REPLACE VIEW a1 AS SELECT host FROM a2', 'view public.a1 refers to itself: public.a1 -> public.a2 -> public.a1', 'PLAN_QUERY');
    expect(await h.rows('SELECT * FROM a2 ORDER BY 1')).to.have.length(4);
  });

  it('name clashes between tables and views are errors', async () => {
    await h.fails('CREATE VIEW cpu AS SELECT 1', 'Table already exists: public.cpu', 'TABLE_ALREADY_EXISTS');
    await h.fails('CREATE VIEW IF NOT EXISTS cpu AS SELECT 1', 'Table already exists: public.cpu', 'TABLE_ALREADY_EXISTS');
    await h.fails('CREATE OR REPLACE VIEW cpu AS SELECT 1', 'Table already exists: public.cpu', 'TABLE_ALREADY_EXISTS');
    await h.q('CREATE VIEW v AS SELECT host FROM cpu');
    await h.fails('CREATE TABLE v (ts TIMESTAMP TIME INDEX)', 'View already exists: public.v', 'TABLE_ALREADY_EXISTS');
    await h.fails('CREATE TABLE IF NOT EXISTS v (ts TIMESTAMP TIME INDEX)', 'View already exists: public.v', 'TABLE_ALREADY_EXISTS');
    await h.fails('ALTER TABLE mem RENAME v', 'View already exists: public.v', 'TABLE_ALREADY_EXISTS');
  });

  it('refuses INSERT, DELETE, ALTER, TRUNCATE and DROP TABLE on a view, and DROP VIEW on a table', async () => {
    await h.q('CREATE VIEW v AS SELECT host, ts, usage FROM cpu');
    await h.fails("INSERT INTO v VALUES ('x', 1, 1)", 'public.v is a view, not a table: INSERT works on tables only', 'INVALID_ARGUMENTS');
    await h.fails('DELETE FROM v WHERE ts = 1000', 'public.v is a view, not a table: DELETE works on tables only', 'INVALID_ARGUMENTS');
    await h.fails('ALTER TABLE v ADD COLUMN x INT', 'public.v is a view, not a table: ALTER TABLE works on tables only', 'INVALID_ARGUMENTS');
    await h.fails('TRUNCATE v', 'public.v is a view, not a table: TRUNCATE works on tables only', 'INVALID_ARGUMENTS');
    await h.fails('DROP TABLE v', 'public.v is a view, not a table: DROP VIEW drops it', 'INVALID_ARGUMENTS');
    await h.fails('DROP VIEW cpu', 'public.cpu is a table, not a view: DROP TABLE drops it', 'INVALID_ARGUMENTS');
    expect(await h.rows('SELECT count(*) FROM v')).to.deep.equal([[4]]);
  });

  it('DROP VIEW [IF EXISTS], and reading a dropped view', async () => {
    await h.q('CREATE VIEW v1 AS SELECT host FROM cpu');
    await h.q('CREATE VIEW v2 AS SELECT host FROM mem');
    expect((await h.q('DROP VIEW v1, v2')).affected).to.equal(0);
    await h.fails('SELECT * FROM v1', 'Table not found: public.v1', 'TABLE_NOT_FOUND');
    await h.fails('DROP VIEW v1', 'Table not found: public.v1', 'TABLE_NOT_FOUND');
    await h.q('DROP VIEW IF EXISTS v1');
    await h.fails('SHOW CREATE VIEW v1', 'View not found: v1', 'TABLE_NOT_FOUND');
    expect(await h.rows('SHOW VIEWS')).to.deep.equal([]);
    // The name is free for a table again.
    await h.q('CREATE TABLE v1 (ts TIMESTAMP TIME INDEX)');
  });

  it('a view whose table was dropped or altered fails clearly when read', async () => {
    await h.q('CREATE VIEW v AS SELECT host, usage FROM cpu');
    await h.q('CREATE VIEW vv AS SELECT * FROM v');
    await h.q('ALTER TABLE cpu DROP COLUMN usage');
    await h.fails('SELECT * FROM v', /No field named usage.*in view public\.v, defined as: SELECT host, usage FROM cpu/, 'PLAN_QUERY');
    // Through another view the innermost view is named.
    await h.fails('SELECT * FROM vv', /No field named usage.*\(in view public\.v,/, 'PLAN_QUERY');
    await h.q('DROP TABLE cpu');
    await h.fails('SELECT * FROM v', /Table not found: public\.cpu \(in view public\.v,/, 'TABLE_NOT_FOUND');
    // Still listed and shown; recreated, the table is read again.
    expect(await h.rows('SHOW VIEWS')).to.deep.equal([['v'], ['vv']]);
    await h.q('CREATE TABLE cpu (host STRING, ts TIMESTAMP TIME INDEX, usage DOUBLE, PRIMARY KEY(host))');
    await h.q("INSERT INTO cpu VALUES ('n',1,2)");
    expect(await h.rows('SELECT * FROM vv')).to.deep.equal([['n', 2]]);
  });

  it('a view keeps the columns its query had when created: SELECT * over a table that gains columns gives no new one', async () => {
    await h.q('CREATE VIEW star AS SELECT * FROM cpu');
    await h.q('CREATE VIEW named (h, t, u) AS SELECT * FROM cpu');
    const before = await h.rows('SELECT * FROM star ORDER BY ts');
    await h.q('ALTER TABLE cpu ADD COLUMN extra DOUBLE');
    await h.q('ALTER TABLE cpu ADD COLUMN first_col DOUBLE FIRST');
    expect((await h.q('SELECT * FROM star')).columns).to.deep.equal(['host', 'ts', 'usage']);
    expect(await h.rows('SELECT * FROM star ORDER BY ts')).to.deep.equal(before);
    expect((await h.q('SELECT * FROM named')).columns).to.deep.equal(['h', 't', 'u']);
    expect(await h.rows('SELECT * FROM named ORDER BY t')).to.deep.equal(before);
    expect((await h.q('SELECT * FROM cpu')).columns).to.deep.equal(['first_col', 'host', 'ts', 'usage', 'extra']);
    await h.q('ALTER TABLE cpu DROP COLUMN usage');
    await h.fails('SELECT * FROM star', /view public\.star reads column usage, which its query no longer gives/, 'PLAN_QUERY');
  });

  it('SHOW VIEWS [LIKE | WHERE], SHOW CREATE VIEW, DESC VIEW and SHOW COLUMNS', async () => {
    await h.q('CREATE VIEW cpu_monitor AS SELECT usage, host, ts FROM cpu');
    await h.q('CREATE VIEW memory_monitor (m, h) AS SELECT used, host FROM mem');
    expect(await h.q('SHOW VIEWS')).to.deep.include({ columns: ['Views'], rows: [['cpu_monitor'], ['memory_monitor']] });
    expect(await h.rows("SHOW VIEWS LIKE 'cpu%'")).to.deep.equal([['cpu_monitor']]);
    expect(await h.rows("SHOW VIEWS WHERE Views = 'memory_monitor'")).to.deep.equal([['memory_monitor']]);
    expect(await h.rows('SHOW VIEWS FROM information_schema')).to.deep.equal([]);
    const c = await h.q('SHOW CREATE VIEW memory_monitor');
    expect(c.columns).to.deep.equal(['View', 'Create View']);
    expect(c.rows).to.deep.equal([['memory_monitor', 'CREATE VIEW memory_monitor (m, h) AS SELECT used, host FROM mem']]);
    // MySQL's answer to SHOW CREATE TABLE of a view (mysqldump asks so).
    expect((await h.q('SHOW CREATE TABLE cpu_monitor')).columns).to.deep.equal(['View', 'Create View']);
    const d = await h.q('DESC VIEW memory_monitor');
    expect(d.columns).to.deep.equal(['Column', 'Type', 'Key', 'Null', 'Default', 'Semantic Type']);
    expect(d.rows).to.deep.equal([['m', 'Float64', '', 'YES', '', 'FIELD'], ['h', 'String', '', 'YES', '', 'FIELD']]);
    expect(await h.rows('DESCRIBE cpu_monitor')).to.have.length(3);
    await h.fails('DESC VIEW cpu', 'View not found: cpu', 'TABLE_NOT_FOUND');
    expect(await h.rows('SHOW COLUMNS FROM memory_monitor')).to.deep.equal([['m', 'double', 'YES', '', '', '', 'Float64'], ['h', 'string', 'YES', '', '', '', 'String']]);
  });

  it('lists views in SHOW [FULL] TABLES and information_schema.tables / views', async () => {
    await h.q('CREATE VIEW test_view AS SELECT host FROM cpu');
    expect(await h.rows('SHOW TABLES')).to.deep.equal([['cpu'], ['mem'], ['test_view']]);
    expect(await h.rows('SHOW FULL TABLES')).to.deep.equal([['cpu', 'BASE TABLE'], ['mem', 'BASE TABLE'], ['test_view', 'VIEW']]);
    expect(await h.rows("SHOW FULL TABLES WHERE Table_type = 'VIEW'")).to.deep.equal([['test_view', 'VIEW']]);
    const t = await h.rows("SELECT table_schema, table_name, table_type, engine, temporary FROM information_schema.tables WHERE table_type = 'VIEW'");
    expect(t).to.deep.equal([['public', 'test_view', 'VIEW', null, 'N']]);
    const ids = await h.rows("SELECT table_id FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_id");
    expect(new Set(ids.map((r) => r[0])).size, 'a view takes a table id of its own').to.equal(3);
    const v = await h.q("SELECT table_schema, table_name, view_definition, is_updatable FROM information_schema.views");
    expect(v.rows).to.deep.equal([['public', 'test_view', 'CREATE VIEW test_view AS SELECT host FROM cpu', 'NO']]);
  });

  it('DROP DATABASE drops its views; views are per database', async () => {
    await h.q('CREATE DATABASE d1');
    await h.q('CREATE VIEW d1.v AS SELECT host FROM public.cpu');
    await h.q('CREATE VIEW v AS SELECT host FROM mem');
    expect(await h.rows('SHOW VIEWS FROM d1')).to.deep.equal([['v']]);
    expect(await h.rows('SELECT count(*) FROM d1.v')).to.deep.equal([[4]]);
    expect(await h.rows('SELECT count(*) FROM v')).to.deep.equal([[3]]);
    await h.q('DROP DATABASE d1');
    await h.q('CREATE DATABASE d1');
    expect(await h.rows('SHOW VIEWS FROM d1')).to.deep.equal([]);
    await h.fails('SELECT * FROM d1.v', 'Table not found: d1.v', 'TABLE_NOT_FOUND');
    expect(await h.rows('SELECT count(*) FROM v')).to.deep.equal([[3]]);
  });

  it('the plan cache serves no stale plan after OR REPLACE, DROP VIEW or a change under the view', async () => {
    await h.q('CREATE VIEW v AS SELECT host, usage FROM cpu WHERE usage > 90');
    const sql = 'SELECT host, usage FROM v ORDER BY host';
    expect(await h.rows(sql)).to.deep.equal([['a', 97], ['b', 95]]);
    const before = await hits();
    expect(await h.rows(sql)).to.deep.equal([['a', 97], ['b', 95]]);
    expect(await hits(), 'the second run is a cache hit').to.equal(before + 1);
    await h.q('CREATE OR REPLACE VIEW v AS SELECT host, usage FROM cpu WHERE usage < 90');
    expect(await h.rows(sql)).to.deep.equal([['a', 10], ['c', 50]]);
    // A change to the table under the view.
    await h.q('ALTER TABLE cpu MODIFY COLUMN usage BIGINT');
    expect((await h.q(sql)).types).to.deep.equal(['String', 'Int64']);
    // Dropped, then a table of the name.
    await h.q('DROP VIEW v');
    await h.fails(sql, 'Table not found: public.v', 'TABLE_NOT_FOUND');
    await h.q('CREATE TABLE v (host STRING, ts TIMESTAMP TIME INDEX, usage DOUBLE, PRIMARY KEY(host))');
    await h.q("INSERT INTO v VALUES ('t', 1, 7)");
    expect(await h.rows(sql)).to.deep.equal([['t', 7]]);
    // A view over a view: replacing the inner one is seen through the outer one.
    await h.q('CREATE VIEW inner_v AS SELECT host FROM cpu WHERE host = \'a\'');
    await h.q('CREATE VIEW outer_v AS SELECT * FROM inner_v');
    const sql2 = 'SELECT count(*) FROM outer_v';
    expect(await h.rows(sql2)).to.deep.equal([[2]]);
    expect(await h.rows(sql2)).to.deep.equal([[2]]);
    await h.q('CREATE OR REPLACE VIEW inner_v AS SELECT host FROM cpu');
    expect(await h.rows(sql2)).to.deep.equal([[4]]);
  });

  it('VIEW and VIEWS stay plain names outside the view statements', async () => {
    await h.q('CREATE TABLE view (ts TIMESTAMP TIME INDEX, views INT)');
    await h.q('INSERT INTO view VALUES (1, 2)');
    expect(await h.rows('SELECT views FROM view')).to.deep.equal([[2]]);
    expect(await h.rows('DESC view')).to.have.length(2);
    await h.q('CREATE VIEW views AS SELECT views AS view FROM view');
    expect(await h.rows('SELECT view FROM views')).to.deep.equal([[2]]);
    expect(await h.rows('DESC VIEW views')).to.deep.equal([['view', 'Int32', '', 'YES', '', 'FIELD']]);
    await h.q('DROP VIEW views');
    await h.q('DROP TABLE view');
  });

  it('views persist across a restart, with their dialect', async () => {
    const own = h.session;
    h.session = createSession({ channel: 'mysql' });
    // MySQL's dialect: "x" is a string, so the view reads it as one after the restart too.
    await h.q('CREATE VIEW hv (host, tag) AS SELECT host, "x" FROM cpu WHERE usage > 90');
    h.session = own;
    await h.q('CREATE DATABASE d2');
    await h.q('CREATE VIEW d2.v AS SELECT count(*) AS n FROM public.mem');
    const store = h.mem.store, durable = h.mem.durable;
    expect(String(Buffer.from(await store.get(CATALOG_KEY)))).to.contain('"views"');
    await h.stop();
    h = await SqlHarness.start({ store, durable });
    expect(await h.rows('SELECT * FROM hv ORDER BY host')).to.deep.equal([['a', 'x'], ['b', 'x']]);
    expect(await h.rows('SELECT n FROM d2.v')).to.deep.equal([[3]]);
    expect(await h.rows('SHOW FULL TABLES')).to.deep.equal([['cpu', 'BASE TABLE'], ['hv', 'VIEW'], ['mem', 'BASE TABLE']]);
    // Ids go on after the views' too: a new table does not take a view's id.
    await h.q('CREATE TABLE t2 (ts TIMESTAMP TIME INDEX)');
    const ids = await h.rows("SELECT table_id FROM information_schema.tables WHERE table_schema IN ('public', 'd2')");
    expect(new Set(ids.map((r) => r[0])).size).to.equal(ids.length);
    await h.q('DROP VIEW hv');
    await h.stop();
    h = await SqlHarness.start({ store, durable });
    expect(await h.rows('SHOW VIEWS')).to.deep.equal([]);
    expect(await h.rows('SHOW VIEWS FROM d2')).to.deep.equal([['v']]);
  });
});
