import { expect } from 'chai';
import { SqlHarness } from '../support/sql-harness.js';

async function fails(p: Promise<unknown>, code: string, text?: string): Promise<void> {
  try {
    await p;
  } catch (err) {
    expect((err as { code?: string }).code, (err as Error).message).to.equal(code);
    if (text) expect((err as Error).message).to.contain(text);
    return;
  }
  expect.fail(`expected ${code}`);
}

describe('sql: operators and statements', function () {
  this.timeout(15_000);
  let h: SqlHarness;
  beforeEach(async () => {
    h = await SqlHarness.start();
    await h.q('CREATE TABLE t (g STRING, ts TIMESTAMP TIME INDEX, x DOUBLE, n BIGINT, PRIMARY KEY (g))');
    await h.q("INSERT INTO t VALUES ('a', 1000, 1, 10), ('a', 2000, NULL, 20), ('b', 3000, 3, NULL), (NULL, 4000, 4, 40), ('b', 5000, 5, 50)");
    await h.q('CREATE TABLE e (g STRING, ts TIMESTAMP TIME INDEX, x DOUBLE, PRIMARY KEY (g))');
  });
  afterEach(async () => { await h.stop(); });

  describe('empty input', () => {
    it('aggregates without GROUP BY return one row (count 0, sum NULL)', async () => {
      expect(await h.rows('SELECT count(*), count(x), sum(x), avg(x), min(x), max(x), stddev(x) FROM e')).to.deep.equal([[0, 0, null, null, null, null, null]]);
    });
    it('aggregates with GROUP BY return no rows', async () => {
      expect(await h.rows('SELECT g, count(*) FROM e GROUP BY g')).to.deep.equal([]);
    });
    it('sort, limit, window, join and distinct over nothing give nothing', async () => {
      expect(await h.rows('SELECT * FROM e ORDER BY x LIMIT 3')).to.deep.equal([]);
      expect(await h.rows('SELECT g, row_number() OVER (ORDER BY ts) FROM e')).to.deep.equal([]);
      expect(await h.rows('SELECT t.g FROM t JOIN e ON t.g = e.g')).to.deep.equal([]);
      expect(await h.rows('SELECT DISTINCT g FROM e')).to.deep.equal([]);
    });
  });

  describe('NULL semantics', () => {
    it('aggregates skip NULLs; count(*) does not', async () => {
      expect(await h.rows('SELECT count(*), count(x), sum(x), avg(n), min(n), max(n) FROM t')).to.deep.equal([[5, 4, 13, 30, 10, 50]]);
    });
    it('groups NULL keys together', async () => {
      expect(await h.rows('SELECT g, count(*) FROM t GROUP BY g ORDER BY g NULLS FIRST')).to.deep.equal([[null, 1], ['a', 2], ['b', 2]]);
    });
    it('orders NULLs last ascending and first descending by default', async () => {
      expect((await h.rows('SELECT x FROM t ORDER BY x')).flat()).to.deep.equal([1, 3, 4, 5, null]);
      expect((await h.rows('SELECT x FROM t ORDER BY x DESC')).flat()).to.deep.equal([null, 5, 4, 3, 1]);
      expect((await h.rows('SELECT x FROM t ORDER BY x ASC NULLS FIRST')).flat()).to.deep.equal([null, 1, 3, 4, 5]);
    });
    it('three-valued logic in WHERE, IN and NOT IN', async () => {
      expect((await h.rows('SELECT ts FROM t WHERE x > 2 OR n > 15 ORDER BY ts')).flat()).to.deep.equal([2000, 3000, 4000, 5000]);
      expect((await h.rows('SELECT ts FROM t WHERE NOT (x > 2) ORDER BY ts')).flat()).to.deep.equal([1000]);
      expect((await h.rows('SELECT ts FROM t WHERE n NOT IN (10, NULL)')).flat()).to.deep.equal([]);
      expect((await h.rows('SELECT ts FROM t WHERE g IS NULL')).flat()).to.deep.equal([4000]);
    });
    it('join keys that are NULL never match', async () => {
      expect(await h.rows('SELECT a.ts, b.ts FROM t a JOIN t b ON a.g = b.g AND a.ts < b.ts ORDER BY a.ts')).to.deep.equal([[1000, 2000], [3000, 5000]]);
      const left = await h.rows('SELECT a.ts, b.ts FROM t a LEFT JOIN t b ON a.g = b.g AND a.ts < b.ts ORDER BY a.ts');
      expect(left).to.deep.equal([[1000, 2000], [2000, null], [3000, 5000], [4000, null], [5000, null]]);
    });
  });

  describe('queries', () => {
    it('GROUP BY ordinal and alias, HAVING, ORDER BY aggregate', async () => {
      expect(await h.rows('SELECT g AS k, sum(n) AS s FROM t GROUP BY 1 HAVING sum(n) > 20 ORDER BY s DESC')).to.deep.equal([['b', 50], [null, 40], ['a', 30]]);
      expect(await h.rows('SELECT g AS k, count(*) FROM t WHERE g IS NOT NULL GROUP BY k ORDER BY k')).to.deep.equal([['a', 2], ['b', 2]]);
      expect(await h.rows('SELECT g, sum(n) AS s FROM t GROUP BY g HAVING s > 35 ORDER BY g')).to.deep.equal([['b', 50], [null, 40]]);
    });
    it('rejects a non-grouped column', async () => {
      await fails(h.q('SELECT g, x FROM t GROUP BY g'), 'PLAN_QUERY', 'GROUP BY');
    });
    it('reports ambiguous columns and type mismatches', async () => {
      await fails(h.q('SELECT ts FROM t a JOIN t b ON a.g = b.g'), 'PLAN_QUERY', 'Ambiguous');
      // The implicit cast of 'abc' fails as DataFusion's does: GreptimeDB's 3001 "Cast error".
      await fails(h.q("SELECT x + 'abc' FROM t"), 'CAST_FAILED', "Cast error: Cannot cast string 'abc' to value of");
      await fails(h.q('SELECT g + 1 FROM t'), 'PLAN_QUERY', 'type mismatch');
    });
    it('MySQL conveniences: DUAL, unix_timestamp, arrow_typeof', async () => {
      expect(await h.rows('SELECT 1 + 1 FROM dual')).to.deep.equal([[2]]);
      expect(await h.rows('SELECT unix_timestamp(ts), arrow_typeof(x) FROM t WHERE ts = 2000')).to.deep.equal([[2, 'Float64']]);
    });
    it('LIMIT and OFFSET', async () => {
      expect((await h.rows('SELECT ts FROM t ORDER BY ts LIMIT 2 OFFSET 1')).flat()).to.deep.equal([2000, 3000]);
      expect((await h.rows('SELECT ts FROM t LIMIT 0')).flat()).to.deep.equal([]);
    });
    it('CASE, CAST, ::, BETWEEN, LIKE/ILIKE, regex', async () => {
      expect(await h.rows("SELECT CASE WHEN x > 3 THEN 'big' WHEN x IS NULL THEN 'none' ELSE 'small' END FROM t ORDER BY ts")).to.deep.equal([['small'], ['none'], ['small'], ['big'], ['big']]);
      expect(await h.rows("SELECT CAST(n AS STRING), n::DOUBLE / 4, CAST('12' AS INT) FROM t WHERE ts = 1000")).to.deep.equal([['10', 2.5, 12]]);
      expect((await h.rows("SELECT ts FROM t WHERE g ILIKE 'A%' AND ts BETWEEN 1000 AND 1500")).flat()).to.deep.equal([1000]);
      expect((await h.rows("SELECT ts FROM t WHERE g ~ '^b' ORDER BY ts")).flat()).to.deep.equal([3000, 5000]);
    });
    it('UNION / INTERSECT / EXCEPT', async () => {
      expect((await h.rows("SELECT g FROM t WHERE g = 'a' UNION SELECT g FROM t WHERE g IS NOT NULL ORDER BY g")).flat()).to.deep.equal(['a', 'b']);
      expect((await h.rows("SELECT g FROM t UNION ALL SELECT g FROM t")).length).to.equal(10);
      expect((await h.rows("SELECT g FROM t INTERSECT SELECT 'b'")).flat()).to.deep.equal(['b']);
      expect((await h.rows("SELECT g FROM t WHERE g IS NOT NULL EXCEPT SELECT 'b'")).flat()).to.deep.equal(['a']);
    });
    it('scalar, IN and EXISTS subqueries, derived tables and CTEs', async () => {
      expect((await h.rows('SELECT ts FROM t WHERE x = (SELECT max(x) FROM t)')).flat()).to.deep.equal([5000]);
      expect((await h.rows("SELECT ts FROM t WHERE g IN (SELECT g FROM t WHERE n = 50) ORDER BY ts")).flat()).to.deep.equal([3000, 5000]);
      expect((await h.rows('SELECT count(*) FROM t WHERE EXISTS (SELECT 1 FROM e)')).flat()).to.deep.equal([0]);
      expect(await h.rows('WITH s AS (SELECT g, sum(n) AS total FROM t GROUP BY g) SELECT total FROM s WHERE g = \'a\'')).to.deep.equal([[30]]);
      expect(await h.rows('SELECT m FROM (SELECT max(n) AS m FROM t) AS q')).to.deep.equal([[50]]);
    });
    it('correlated scalar, EXISTS and IN subqueries (WHERE and select list)', async () => {
      expect((await h.rows('SELECT ts FROM t a WHERE x > (SELECT avg(x) FROM t b WHERE b.g = a.g) ORDER BY ts')).flat()).to.deep.equal([5000]);
      expect((await h.rows('SELECT ts FROM t a WHERE EXISTS (SELECT 1 FROM t b WHERE b.g = a.g AND b.ts > a.ts) ORDER BY ts')).flat()).to.deep.equal([1000, 3000]);
      // 3000 has n NULL and no earlier row of its group: NULL NOT IN (empty) is true.
      expect((await h.rows('SELECT ts FROM t a WHERE n NOT IN (SELECT n FROM t b WHERE b.g = a.g AND b.ts < a.ts AND n IS NOT NULL) ORDER BY ts')).flat()).to.deep.equal([1000, 2000, 3000, 4000, 5000]);
      expect(await h.rows('SELECT ts, (SELECT count(*) FROM t b WHERE b.g = a.g) FROM t a ORDER BY ts')).to.deep.equal([[1000, 2], [2000, 2], [3000, 2], [4000, 0], [5000, 2]]);
    });
    it('window functions with frames', async () => {
      const r = await h.rows("SELECT ts, row_number() OVER w, rank() OVER (ORDER BY g), sum(n) OVER (ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW), lag(n, 1, 0) OVER (ORDER BY ts), nth_value(n, 2) OVER (ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) FROM t WINDOW w AS (ORDER BY ts) ORDER BY ts");
      expect(r).to.deep.equal([
        [1000, 1, 1, 10, 0, 20], [2000, 2, 1, 30, 10, 20], [3000, 3, 3, 20, 20, 20], [4000, 4, 5, 40, null, 20], [5000, 5, 3, 90, 40, 20],
      ]);
    });
    it('two-phase aggregation over a partitioned table matches a single phase', async () => {
      await h.q("CREATE TABLE p (h STRING, ts TIMESTAMP TIME INDEX, v DOUBLE, PRIMARY KEY (h)) PARTITION ON COLUMNS (h) (h < 'm', h >= 'm')");
      await h.q("INSERT INTO p VALUES ('a', 1, 1), ('z', 2, 2), ('a', 3, 3), ('q', 4, 4), ('b', 5, NULL)");
      expect(await h.rows('SELECT count(*), sum(v), avg(v), min(v), max(v) FROM p')).to.deep.equal([[5, 10, 2.5, 1, 4]]);
      expect(await h.rows('SELECT h, count(*) FROM p GROUP BY h ORDER BY h')).to.deep.equal([['a', 2], ['b', 1], ['q', 1], ['z', 1]]);
      expect(await h.rows('SELECT last_value(h ORDER BY ts), first_value(v ORDER BY ts DESC), last_value(v ORDER BY ts) FROM p')).to.deep.equal([['b', null, null]]);
      const plan = String((await h.q('EXPLAIN SELECT h, sum(v) FROM p GROUP BY h')).rows[1]![1]);
      expect(plan).to.contain('mode=Final').and.to.contain('mode=Partial');
      // Region pruning: h = 'a' only routes to the first region.
      expect(String((await h.q("EXPLAIN SELECT * FROM p WHERE h = 'a'")).rows[0]![1])).to.contain('regions=1');
      expect(String((await h.q("EXPLAIN SELECT * FROM p WHERE h IN ('a', 'z')")).rows[0]![1])).to.contain('regions=2');
      expect(await h.rows("SELECT ts FROM p WHERE h = 'z'")).to.deep.equal([[2]]);
      expect(await h.rows("SELECT count(*) FROM p WHERE h IN ('a', 'q')")).to.deep.equal([[3]]);
      const ddl = String((await h.q('SHOW CREATE TABLE p')).rows[0]![1]);
      expect(ddl).to.contain('PARTITION ON COLUMNS ("h")');
      // The DDL re-creates the same table.
      await h.q(ddl.replace('"p"', '"p2"'));
      expect(await h.rows('DESC p2')).to.deep.equal(await h.rows('DESC p'));
      expect((await h.rows("SELECT count(*) FROM information_schema.partitions WHERE table_name = 'p2'")).flat()).to.deep.equal([2]);
    });
    it('now()-relative time filters become a scan time range', async () => {
      const plan = String((await h.q("EXPLAIN SELECT count(*) FROM t WHERE ts > now() - INTERVAL '1 hour'")).rows[0]![1]);
      expect(plan).to.match(/time_range=\[\d{13}, \+inf\)/);
      expect(await h.rows("SELECT count(*) FROM t WHERE ts > now() - INTERVAL '1 hour'")).to.deep.equal([[0]]);
      expect(await h.rows('SELECT count(*) FROM t WHERE random() >= 0')).to.deep.equal([[5]]);
    });
    it('groups Int64 and timestamp keys exactly, inside and beyond 2^53, negative and NULL', async () => {
      await h.q('CREATE TABLE big (k BIGINT, ts TIMESTAMP TIME INDEX, v DOUBLE)');
      const ks = ['-9007199254740993', '-9007199254740992', '-5', '0', '4294967295', '4294967296', '9007199254740991', '9007199254740992', '9007199254740993', '1152921504606846976', 'NULL'];
      await h.q(`INSERT INTO big VALUES ${ks.flatMap((k, i) => [`(${k}, ${i * 10}, 1)`, `(${k}, ${i * 10 + 1}, 2)`]).join(', ')}`);
      const rows = await h.rows('SELECT CAST(k AS STRING), sum(v), count(*) FROM big GROUP BY k ORDER BY k NULLS LAST');
      expect(rows).to.deep.equal(ks.map((k) => [k === 'NULL' ? null : k, 3, 2]));
      // Two keys (timestamp bucket, Int64): the composite path.
      expect(await h.rows('SELECT count(*) FROM (SELECT date_trunc(\'second\', ts) AS s, k FROM big GROUP BY s, k)')).to.deep.equal([[11]]);
    });
    it('time conjuncts that became the scan time range are not filtered again; the others are', async () => {
      const lines = async (sql: string) => (await h.q(`EXPLAIN ${sql}`)).rows.map((r) => String(r[1])).join('\n');
      const only = await lines('SELECT ts FROM t WHERE ts >= 2000 AND ts < 5000');
      expect(only).to.match(/time_range=\[2000, 5000\)/);
      expect(only).not.to.match(/Filter/i);
      expect((await h.rows('SELECT ts FROM t WHERE ts >= 2000 AND ts < 5000 ORDER BY ts')).flat()).to.deep.equal([2000, 3000, 4000]);
      expect((await h.rows('SELECT ts FROM t WHERE ts > 2000 AND ts <= 4000 ORDER BY ts')).flat()).to.deep.equal([3000, 4000]);
      expect((await h.rows('SELECT ts FROM t WHERE ts = 3000')).flat()).to.deep.equal([3000]);
      // A field conjunct stays a filter; the time ones still go to the range only.
      const mixed = await lines('SELECT ts FROM t WHERE ts >= 2000 AND x > 3');
      expect(mixed).to.match(/time_range=\[2000, \+inf\)/);
      expect(mixed).to.match(/Filter.*x > 3/i);
      expect(mixed).not.to.match(/Filter.*ts/i);
      expect((await h.rows('SELECT ts FROM t WHERE ts >= 2000 AND x > 3 ORDER BY ts')).flat()).to.deep.equal([4000, 5000]);
      // ts <> v is not a range: it stays a filter.
      expect((await h.rows('SELECT ts FROM t WHERE ts <> 3000 ORDER BY ts')).flat()).to.deep.equal([1000, 2000, 4000, 5000]);
    });
    it('top-k: ORDER BY + LIMIT shows fetch in the plan', async () => {
      const plan = String((await h.q('EXPLAIN SELECT ts FROM t ORDER BY x DESC LIMIT 2')).rows[1]![1]);
      expect(plan).to.contain('SortExec(TopK)');
      expect((await h.rows('SELECT ts FROM t ORDER BY x DESC NULLS LAST LIMIT 2')).flat()).to.deep.equal([5000, 4000]);
    });
    it('EXPLAIN ANALYZE reports rows per operator', async () => {
      const text = String((await h.q('EXPLAIN ANALYZE SELECT g, count(*) FROM t GROUP BY g')).rows[0]![2]);
      expect(text).to.match(/SeqScan.*output_rows=5.*rows_scanned=5/);
      expect(text).to.match(/AggregateExec.*output_rows=3/);
    });
  });

  describe('time', () => {
    it('date_trunc and date_bin honour the session time zone', async () => {
      await h.q('CREATE TABLE ev (ts TIMESTAMP TIME INDEX, v DOUBLE)');
      await h.q("INSERT INTO ev VALUES ('2024-03-10 23:30:00Z', 1)");
      expect((await h.rows("SELECT date_trunc('day', ts) FROM ev")).flat()).to.deep.equal([Date.UTC(2024, 2, 10)]);
      await h.q("SET time_zone = '+08:00'");
      expect((await h.rows("SELECT date_trunc('day', ts) FROM ev")).flat()).to.deep.equal([Date.UTC(2024, 2, 11) - 8 * 3600_000]);
      expect((await h.rows("SELECT ts FROM ev WHERE ts = '2024-03-11 07:30:00'")).length).to.equal(1);
      expect((await h.rows("SELECT date_bin(INTERVAL '1 hour', ts) FROM ev")).flat()).to.deep.equal([Date.UTC(2024, 2, 10, 23)]);
      expect((await h.rows("SELECT date_format(ts, '%Y-%m-%d %H:%M') FROM ev")).flat()).to.deep.equal(['2024-03-11 07:30']);
      expect((await h.rows("SELECT extract(hour FROM ts), to_unixtime(ts) FROM ev"))[0]).to.deep.equal([7, Date.UTC(2024, 2, 10, 23, 30) / 1000]);
    });
    it('interval arithmetic on timestamps', async () => {
      expect((await h.rows("SELECT ts + INTERVAL '1 second', ts - INTERVAL '1 day' FROM t WHERE ts = 1000"))[0]).to.deep.equal([2000, 1000 - 86_400_000]);
      expect((await h.rows("SELECT ts FROM t WHERE ts > TIMESTAMP '1970-01-01 00:00:05' - INTERVAL '2 seconds' ORDER BY ts")).flat()).to.deep.equal([4000, 5000]);
    });
    it('range queries with ALIGN, BY and FILL', async () => {
      const r = await h.rows("SELECT ts, g, sum(n) RANGE '2s' FROM t WHERE g IS NOT NULL ALIGN '2s' BY (g) ORDER BY g, ts");
      expect(r).to.deep.equal([[0, 'a', 10], [2000, 'a', 20], [2000, 'b', null], [4000, 'b', 50]]);
      const f = await h.rows("SELECT ts, max(n) RANGE '1s' FILL PREV FROM t WHERE g = 'a' ALIGN '500ms' BY () ORDER BY ts");
      expect(f).to.deep.equal([[500, 10], [1000, 10], [1500, 20], [2000, 20]]);
    });
  });

  describe('DDL and DML', () => {
    it('INSERT ... SELECT, DELETE, TRUNCATE', async () => {
      expect((await h.q("INSERT INTO e SELECT g, ts, x FROM t WHERE g = 'b'")).affected).to.equal(2);
      expect((await h.rows('SELECT count(*) FROM e')).flat()).to.deep.equal([2]);
      expect((await h.q('DELETE FROM e WHERE x > 4')).affected).to.equal(1);
      expect((await h.rows('SELECT ts FROM e')).flat()).to.deep.equal([3000]);
      await h.q('TRUNCATE TABLE e');
      expect((await h.rows('SELECT count(*) FROM e')).flat()).to.deep.equal([0]);
    });
    it('defaults, NOT NULL and bad values', async () => {
      await h.q("CREATE TABLE d (ts TIMESTAMP TIME INDEX DEFAULT current_timestamp(), s STRING NOT NULL DEFAULT 'x', v DOUBLE DEFAULT 1.5)");
      await h.q("INSERT INTO d (ts) VALUES ('2024-01-01 00:00:00')");
      expect(await h.rows('SELECT s, v FROM d')).to.deep.equal([['x', 1.5]]);
      await fails(h.q("INSERT INTO d (ts, v) VALUES (1, 'abc')"), 'INVALID_ARGUMENTS');
      await fails(h.q('INSERT INTO d (ts, nope) VALUES (1, 2)'), 'TABLE_COLUMN_NOT_FOUND');
      const desc = await h.rows('DESC d');
      expect(desc[0]).to.deep.equal(['ts', 'TimestampMillisecond', 'PRI', 'NO', 'current_timestamp()', 'TIMESTAMP']);
    });
    it('ALTER TABLE add/drop/modify column and rename', async () => {
      await h.q('ALTER TABLE e ADD COLUMN y BIGINT');
      await h.q("INSERT INTO e VALUES ('a', 1, 2, 3)");
      expect(await h.rows('SELECT g, x, y FROM e')).to.deep.equal([['a', 2, 3]]);
      await h.q('ALTER TABLE e DROP COLUMN y');
      expect((await h.rows('DESC e')).map((r) => r[0])).to.deep.equal(['g', 'ts', 'x']);
      await fails(h.q('ALTER TABLE e DROP COLUMN ts'), 'INVALID_ARGUMENTS');
      await h.q('ALTER TABLE e RENAME e2');
      expect((await h.rows('SHOW TABLES')).flat()).to.deep.equal(['e2', 't']);
    });
    it('databases, USE and qualified names', async () => {
      await h.q('CREATE DATABASE mydb');
      await fails(h.q('CREATE DATABASE mydb'), 'DATABASE_ALREADY_EXISTS');
      await h.q('USE mydb');
      await h.q('CREATE TABLE m (ts TIMESTAMP TIME INDEX, v DOUBLE)');
      await h.q('INSERT INTO m VALUES (1, 2)');
      expect(await h.rows('SELECT v FROM mydb.m')).to.deep.equal([[2]]);
      expect(await h.rows('SELECT count(*) FROM public.t')).to.deep.equal([[5]]);
      await fails(h.q('USE nope'), 'DATABASE_NOT_FOUND');
      await h.q('DROP DATABASE mydb');
      expect((await h.rows('SHOW DATABASES')).flat()).to.deep.equal(['information_schema', 'public']);
    });
    it('ADMIN flush_table / compact_table', async () => {
      const r = await h.q("ADMIN flush_table('t')");
      expect(r.rows.length).to.equal(1);
      await fails(h.q("ADMIN flush_table('nope')"), 'TABLE_NOT_FOUND');
    });
  });

  describe('information_schema and SHOW', () => {
    it('lists tables, columns and region statistics', async () => {
      expect(await h.rows("SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name")).to.deep.equal([['e', 'BASE TABLE'], ['t', 'BASE TABLE']]);
      expect(await h.rows("SELECT column_name, semantic_type FROM information_schema.columns WHERE table_name = 't' ORDER BY ordinal_position")).to.deep.equal([['g', 'TAG'], ['ts', 'TIMESTAMP'], ['x', 'FIELD'], ['n', 'FIELD']]);
      expect((await h.rows("SELECT region_rows FROM information_schema.region_statistics r JOIN information_schema.tables t ON r.table_id = t.table_id WHERE t.table_name = 't'")).flat()).to.deep.equal([5]);
      expect((await h.rows('SELECT pkg_version FROM information_schema.build_info')).length).to.equal(1);
      expect((await h.rows('DESC information_schema.build_info'))[0]).to.deep.equal(['git_branch', 'String', '', 'YES', '', 'FIELD']);
      await h.q('USE information_schema');
      expect((await h.rows('SHOW TABLES')).flat()).to.include('region_statistics');
      await h.q('USE public');
      expect((await h.rows('SELECT schema_name FROM information_schema.schemata ORDER BY schema_name')).flat()).to.deep.equal(['information_schema', 'public']);
    });
    it('SHOW with LIKE and WHERE, SHOW COLUMNS, SHOW VARIABLES, SET', async () => {
      expect((await h.rows("SHOW TABLES LIKE 't%'")).flat()).to.deep.equal(['t']);
      expect((await h.rows("SHOW DATABASES WHERE Database = 'public'")).flat()).to.deep.equal(['public']);
      const cols = await h.q('SHOW COLUMNS FROM t');
      expect(cols.columns).to.deep.equal(['Field', 'Type', 'Null', 'Key', 'Default', 'Extra', 'Greptime_type']);
      expect(cols.rows).to.deep.equal([
        ['g', 'string', 'YES', 'PRI', '', '', 'String'], ['n', 'bigint', 'YES', '', '', '', 'Int64'],
        ['ts', 'timestamp(3)', 'NO', 'TIME INDEX', '', '', 'TimestampMillisecond'], ['x', 'double', 'YES', '', '', '', 'Float64'],
      ]);
      expect(await h.rows("SHOW COLUMNS FROM t WHERE Field = 'x'")).to.deep.equal([['x', 'double', 'YES', '', '', '', 'Float64']]);
      expect(await h.rows("SHOW VARIABLES LIKE 'time_zone'")).to.deep.equal([['time_zone', 'UTC']]);
      await h.q('SET NAMES utf8mb4');
      await h.q("SET @@session.sql_mode = 'ANSI'");
      expect(await h.rows('SELECT @@sql_mode')).to.deep.equal([['ANSI']]);
    });
  });

  describe('limits', () => {
    it('honours timeoutMs with DEADLINE_EXCEEDED', async () => {
      await h.q('CREATE TABLE big (ts TIMESTAMP TIME INDEX, v DOUBLE)');
      const vals = Array.from({ length: 3000 }, (_, i) => `(${i}, ${i})`).join(',');
      await h.q(`INSERT INTO big VALUES ${vals}`);
      const t0 = Date.now();
      await fails(h.q('SELECT count(*) FROM big a CROSS JOIN big b CROSS JOIN big c', { timeoutMs: 50 }), 'DEADLINE_EXCEEDED');
      expect(Date.now() - t0).to.be.lessThan(8000);
    });
    it('fails a statement past its memory limit with RESOURCES_EXHAUSTED', async () => {
      h.session.memoryLimitBytes = 64;
      await fails(h.q('SELECT * FROM t ORDER BY x'), 'RESOURCES_EXHAUSTED', 'memory limit');
      expect((await h.rows('SELECT ts FROM t ORDER BY ts LIMIT 1')).flat()).to.deep.equal([1000]);
      h.session.memoryLimitBytes = 0;
      expect((await h.rows('SELECT ts FROM t ORDER BY x DESC NULLS LAST')).length).to.equal(5);
    });
    it('honours an AbortSignal', async () => {
      const ac = new AbortController();
      ac.abort();
      await fails(h.all('SELECT 1', { signal: ac.signal }), 'CANCELLED');
    });
  });
});
