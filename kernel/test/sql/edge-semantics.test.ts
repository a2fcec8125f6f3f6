import { expect } from 'chai';
import { SqlHarness } from '../support/sql-harness.js';

/**
 * Semantics a review against DuckDB, DataFusion and GreptimeDB found wrong:
 * each case here gave a silently wrong answer or a raw JavaScript error.
 */
describe('sql: edge semantics (empty IN, invalid dates, cast ranges, LIKE ESCAPE, window checks)', function () {
  this.timeout(10_000);
  let h: SqlHarness;
  beforeEach(async () => {
    h = await SqlHarness.start();
    await h.q('CREATE TABLE t (k STRING, ts TIMESTAMP TIME INDEX, a BIGINT, b DOUBLE, s STRING, PRIMARY KEY(k))');
    await h.q(`INSERT INTO t VALUES ('x','2024-01-01 00:00:00',1,1.5,'abc'),('x','2024-01-01 00:01:00',2,NULL,'a_c'),
      ('x','2024-01-01 00:02:00',2,3.0,NULL),('x','2024-01-01 00:05:00',NULL,4.0,'A%C'),('y','2024-01-01 00:00:00',5,-1.0,'xyz')`);
  });
  afterEach(async () => { await h.stop(); });
  const fails = (sql: string, text: string): Promise<void> => h.fails(sql, text);

  it('x IN (empty subquery) is false and NOT IN true, also for a NULL x', async () => {
    expect(await h.rows('SELECT count(*) FROM t WHERE a NOT IN (SELECT a FROM t WHERE a > 100)')).to.deep.equal([[5]]);
    expect(await h.rows('SELECT count(*) FROM t WHERE a IN (SELECT a FROM t WHERE a > 100)')).to.deep.equal([[0]]);
    expect(await h.rows("SELECT a IN (SELECT a FROM t WHERE a > 100), a NOT IN (SELECT a FROM t WHERE a > 100) FROM t WHERE s = 'A%C'"))
      .to.deep.equal([[false, true]]);
    // A NULL in a non-empty subquery still makes a miss unknown.
    expect(await h.rows('SELECT count(*) FROM t WHERE 7 NOT IN (SELECT a FROM t)')).to.deep.equal([[0]]);
    // Correlated: the last row of each key sees an empty set (kept, NULL or not); earlier ones
    // see a NULL among later values (unknown) or their own value (false).
    expect(await h.rows("SELECT k, a FROM t WHERE a NOT IN (SELECT a FROM t t2 WHERE t2.k = t.k AND t2.ts > t.ts) ORDER BY k, ts"))
      .to.deep.equal([['x', null], ['y', 5]]);
  });

  it('JOIN ... USING shows each USING column once; t.k and u.k still name each side', async () => {
    await h.q('CREATE TABLE u (k STRING, ts TIMESTAMP TIME INDEX, x BIGINT, PRIMARY KEY(k))');
    await h.q("INSERT INTO u VALUES ('x','2024-01-01',10),('z','2024-01-01',20),(NULL,'2024-01-01',30)");
    await h.q("CREATE TABLE v (k STRING, ts TIMESTAMP TIME INDEX, a BIGINT, PRIMARY KEY(k))");
    await h.q("INSERT INTO v VALUES ('x','2024-01-01',1),('y','2024-01-01',5),(NULL,'2024-01-01',7)");
    expect(await h.rows('SELECT k, a, x FROM v JOIN u USING (k)')).to.deep.equal([['x', 1, 10]]);
    const star = await h.q('SELECT * FROM v JOIN u USING (k, ts)');
    expect(star.columns).to.deep.equal(['k', 'ts', 'a', 'x']);
    expect((await h.q('SELECT * FROM v NATURAL JOIN u')).columns).to.deep.equal(['k', 'ts', 'a', 'x']);
    expect((await h.q('SELECT u.* FROM v JOIN u USING (k)')).columns).to.deep.equal(['k', 'ts', 'x']);
    // FULL: the merged column is coalesce(left, right).
    expect(await h.rows('SELECT k, v.k, u.k, a, x FROM v FULL JOIN u USING (k) ORDER BY k, a, x')).to.deep.equal([
      ['x', 'x', 'x', 1, 10], ['y', 'y', null, 5, null], ['z', null, 'z', null, 20], [null, null, null, 7, null], [null, null, null, null, 30],
    ]);
    expect(await h.rows('SELECT k, a, x FROM v RIGHT JOIN u USING (k) ORDER BY k')).to.deep.equal([['x', 1, 10], ['z', null, 20], [null, null, 30]]);
  });

  it('refuses dates and times out of range instead of rolling them over', async () => {
    await fails("SELECT CAST('2024-13-01' AS TIMESTAMP)", 'month out of range');
    await fails("SELECT CAST('2024-02-30 10:00:00' AS TIMESTAMP)", 'day out of range');
    await fails("SELECT CAST('2024-01-01 25:00:00' AS TIMESTAMP)", 'hour out of range');
    expect(await h.rows("SELECT TRY_CAST('2024-02-30' AS DATE), TRY_CAST('2024-02-29' AS DATE), TRY_CAST('2023-02-29' AS DATE)"))
      .to.deep.equal([[null, Date.UTC(2024, 1, 29), null]]);
    // Year 50, not 1950 (Date.UTC reads two-digit years as 19xx).
    const year50 = new Date(0);
    year50.setUTCFullYear(50, 5, 1);
    expect(await h.rows("SELECT CAST('0050-06-01T00:00:00Z' AS TIMESTAMP)")).to.deep.equal([[year50.getTime()]]);
  });

  it('compares a millisecond time index with finer timestamp text exactly (GreptimeDB ts_precision_comparison)', async () => {
    await h.q('CREATE TABLE t3 (ts TIMESTAMP(3) TIME INDEX, v INT, PRIMARY KEY(v))');
    await h.q("INSERT INTO t3 VALUES ('2026-06-02 03:49:59.999',1),('2026-06-02 03:50:00.000',2),('2026-06-02 03:50:00.195',3),('2026-06-02 03:50:01.000',4)");
    const v = async (where: string) => (await h.rows(`SELECT v FROM t3 WHERE ${where} ORDER BY v`)).flat();
    const bound = "'2026-06-02 03:50:00.000000195'";
    expect(await v(`ts >= ${bound}`)).to.deep.equal([3, 4]);
    expect(await v(`ts > ${bound}`)).to.deep.equal([3, 4]);
    expect(await v(`ts < ${bound}`)).to.deep.equal([1, 2]);
    expect(await v(`ts <= ${bound}`)).to.deep.equal([1, 2]);
    expect(await v(`${bound} <= ts`)).to.deep.equal([3, 4]);
    expect(await v("ts = '2026-06-02 03:50:00.0001'")).to.deep.equal([]);
    expect(await v("ts <> '2026-06-02 03:50:00.0001'")).to.deep.equal([1, 2, 3, 4]);
    expect(await v("ts = '2026-06-02 03:50:00.195'")).to.deep.equal([3]);
    expect(await v(`ts >= TIMESTAMP ${bound}`)).to.deep.equal([3, 4]);
    // Still a time range for the scan.
    const plan = (await h.rows(`EXPLAIN SELECT v FROM t3 WHERE ts >= ${bound}`)).map((r) => String(r[1])).join('\n');
    expect(plan).to.contain(`time_range=[${Date.UTC(2026, 5, 2, 3, 50) + 1}, +inf)`);
  });

  it('TIMESTAMP literals keep their sub-millisecond digits (GreptimeDB timestamp_precision)', async () => {
    const r = await h.q("SELECT TIMESTAMP '2020-01-01 01:23:45.12345'::TIMESTAMP(6), TIMESTAMP '2020-01-01 01:23:45.123456789', TIMESTAMP '1992-09-20 11:30:00.123456' + INTERVAL '1 day'");
    expect(r.types).to.deep.equal(['TimestampMicrosecond', 'TimestampNanosecond', 'TimestampNanosecond']);
    expect((await h.q("SELECT CAST(TIMESTAMP '2020-01-01 01:23:45.12345' AS STRING), CAST(TIMESTAMP '1992-09-20 11:30:00.123456' + INTERVAL '1 day' AS STRING)")).rows)
      .to.deep.equal([['2020-01-01 01:23:45.12345', '1992-09-21 11:30:00.123456']]);
  });

  it('integer casts out of range or from decimal text fail (TRY_CAST: NULL)', async () => {
    await fails('SELECT CAST(1e19 AS BIGINT)', "Cast error: Can't cast value 10000000000000000000 to type Int64");
    await fails("SELECT CAST('1.5' AS BIGINT)", "Cast error: Cannot cast string '1.5' to value of Int64 type");
    await fails("SELECT CAST('1.5' AS INT)", "Cast error: Cannot cast string '1.5' to value of Int32 type");
    expect(await h.rows("SELECT TRY_CAST(1e19 AS BIGINT), TRY_CAST(-1 AS BIGINT UNSIGNED), TRY_CAST('42' AS BIGINT), CAST(2.9 AS BIGINT)"))
      .to.deep.equal([[null, null, 42, 2]]);
  });

  it('LIKE ... ESCAPE uses the given character', async () => {
    expect(await h.rows("SELECT s FROM t WHERE s LIKE 'a!_c' ESCAPE '!'")).to.deep.equal([['a_c']]);
    expect(await h.rows("SELECT s FROM t WHERE s LIKE 'A#%C' ESCAPE '#'")).to.deep.equal([['A%C']]);
    expect(await h.rows("SELECT 'a\\c' LIKE 'a\\c' ESCAPE '', 'a_c' LIKE 'a\\_c'")).to.deep.equal([[true, true]]);
    await fails("SELECT s LIKE 'a' ESCAPE 'ab' FROM t", 'single-character');
  });

  it('window aggregates refuse DISTINCT, FILTER and ORDER BY in the call', async () => {
    await fails('SELECT count(DISTINCT a) OVER (PARTITION BY k) FROM t', 'DISTINCT is not supported in window aggregates');
    await fails('SELECT sum(a) FILTER (WHERE a > 1) OVER (PARTITION BY k) FROM t', 'FILTER is not supported in window aggregates');
    await fails('SELECT first_value(a ORDER BY ts DESC) OVER (PARTITION BY k) FROM t', 'ORDER BY inside first_value');
  });

  it('refuses frames that end before they start, and RANGE offsets without one ORDER BY column', async () => {
    await fails('SELECT sum(a) OVER (ORDER BY ts ROWS BETWEEN 1 FOLLOWING AND 1 PRECEDING) FROM t', 'invalid window frame');
    await fails('SELECT sum(a) OVER (ORDER BY ts ROWS BETWEEN CURRENT ROW AND 2 PRECEDING) FROM t', 'invalid window frame');
    await fails('SELECT sum(a) OVER (ORDER BY a, b RANGE BETWEEN 1 PRECEDING AND CURRENT ROW) FROM t', 'exactly one ORDER BY column');
    await fails('SELECT sum(a) OVER (RANGE BETWEEN 1 PRECEDING AND CURRENT ROW) FROM t', 'exactly one ORDER BY column');
    expect(await h.rows("SELECT sum(a) OVER (ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM t WHERE k = 'x' ORDER BY ts"))
      .to.deep.equal([[1], [3], [4], [2]]);
  });

  it('ntile needs a positive bucket count; lag/lead defaults take the value type', async () => {
    await fails('SELECT ntile(0) OVER (ORDER BY ts) FROM t', 'ntile: the number of buckets must be a positive integer');
    expect(await h.rows("SELECT lag(ts, 1, '2000-01-01 00:00:00') OVER (ORDER BY ts, k) FROM t ORDER BY ts, k LIMIT 1")).to.deep.equal([[946684800000]]);
    expect(await h.rows("SELECT lead(a, 1, '9') OVER (PARTITION BY k ORDER BY ts) FROM t WHERE k = 'y'")).to.deep.equal([[9]]);
    await fails("SELECT lag(a, 1, 'x') OVER (ORDER BY ts) FROM t", "lag: the default value 'x' cannot be cast to Int64");
  });

  it('says what is wrong: recursive CTEs, windows in WHERE, DISTINCT with ORDER BY, ROLLUP', async () => {
    await fails('WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT * FROM r', 'WITH RECURSIVE is not supported');
    await fails('SELECT k FROM t WHERE row_number() OVER (ORDER BY ts) = 1', 'window functions are not allowed in WHERE');
    await fails('SELECT DISTINCT k FROM t ORDER BY a', 'for SELECT DISTINCT, ORDER BY expressions must appear in the select list (a)');
    await fails('SELECT k, count(*) FROM t GROUP BY ROLLUP (k)', 'GROUP BY ROLLUP(...) is not supported');
    expect(await h.rows('SELECT DISTINCT k FROM t ORDER BY k')).to.deep.equal([['x'], ['y']]);
  });

  it('date_add / date_sub (GreptimeDB function/date) and split_part from the end', async () => {
    expect(await h.rows("SELECT date_add('2023-12-06 07:39:46.222'::TIMESTAMP_MS, INTERVAL '5 day'), date_sub('2023-12-06 07:39:46.222'::TIMESTAMP_MS, '5 day')"))
      .to.deep.equal([[Date.UTC(2023, 11, 11, 7, 39, 46, 222), Date.UTC(2023, 11, 1, 7, 39, 46, 222)]]);
    // Calendar months, as ts + INTERVAL (clamped to the month's last day).
    const r = await h.q("SELECT date_add('2024-01-31'::DATE, INTERVAL '1 month'), date_sub('2023-12-06'::DATE, INTERVAL '3 month 5 day')");
    expect(r.types).to.deep.equal(['Date', 'Date']);
    expect(r.rows).to.deep.equal([[Date.UTC(2024, 1, 29), Date.UTC(2023, 8, 1)]]);
    expect(await h.rows("SELECT split_part('a,b,c', ',', -1), split_part('a,b,c', ',', 2), split_part('a,b,c', ',', 9)")).to.deep.equal([['c', 'b', '']]);
    await fails("SELECT split_part('a,b', ',', 0)", 'field position must not be zero');
  });

  it('covar_samp (covar), covar_pop and corr over non-NULL pairs, merged across regions like DuckDB computes them', async () => {
    const values = "('a',1,1,2),('a',2,2,4),('a',3,3,7),('a',4,NULL,1),('b',5,5,NULL),('b',6,6,3),('b',7,7,3)";
    await h.q('CREATE TABLE c1 (k STRING, ts TIMESTAMP TIME INDEX, x DOUBLE, y BIGINT, PRIMARY KEY(k))');
    await h.q(`INSERT INTO c1 VALUES ${values}`);
    await h.q("CREATE TABLE c2 (k STRING, ts TIMESTAMP TIME INDEX, x DOUBLE, y BIGINT, PRIMARY KEY(k)) PARTITION ON COLUMNS (k) (k < 'b', k >= 'b')");
    await h.q(`INSERT INTO c2 VALUES ${values}`);
    // DuckDB over the same pairs: covar_samp -0.55, corr -0.11046493112509122, covar_pop -0.44.
    for (const t of ['c1', 'c2']) {
      const [[samp, corr, pop, alias]] = (await h.rows(`SELECT covar_samp(x, y), corr(x, y), covar_pop(x, y), covar(x, y) FROM ${t}`)) as number[][];
      expect(samp).to.be.closeTo(-0.55, 1e-12);
      expect(corr).to.be.closeTo(-0.11046493112509122, 1e-12);
      expect(pop).to.be.closeTo(-0.44, 1e-12);
      expect(alias).to.equal(samp);
    }
    expect(await h.rows("SELECT covar_samp(x, y), covar_pop(x, y), corr(x, y) FROM c1 WHERE k = 'b' AND y = 3 AND ts = 6")).to.deep.equal([[null, 0, null]]);
  });

  it("time zone offsets read back as '+08:00'; substr refuses a negative length", async () => {
    await h.q("SET time_zone = '+8:00'");
    expect(await h.rows('SELECT timezone()')).to.deep.equal([['+08:00']]);
    await h.q("SET time_zone = 'Asia/Shanghai'");
    expect(await h.rows('SELECT timezone()')).to.deep.equal([['Asia/Shanghai']]);
    await fails("SELECT substr('hello', 2, -1)", 'negative substring length not allowed');
    expect(await h.rows("SELECT substr('hello', 2, 3), substr('hello', -1, 3)")).to.deep.equal([['ell', 'h']]);
  });

  it('approx_percentile_cont takes a fraction between 0 and 1', async () => {
    await fails('SELECT approx_percentile_cont(b, 1.5) FROM t', 'percentile must be between 0 and 1, got 1.5');
    expect(await h.rows('SELECT approx_percentile_cont(b, 1) FROM t')).to.deep.equal([[4]]);
  });
});

describe('sql: DDL that GreptimeDB refuses is refused, not kept and ignored', function () {
  this.timeout(10_000);
  let h: SqlHarness;
  beforeEach(async () => { h = await SqlHarness.start(); });
  afterEach(async () => { await h.stop(); });
  const fails = async (sql: string, code: string, text: string): Promise<void> => {
    await h.q(sql).then(() => expect.fail(`should fail: ${sql}`), (e: Error & { code?: string }) => {
      expect(e.code, e.message).to.equal(code);
      expect(e.message).to.contain(text);
    });
  };

  it('checks table options: keys, ttl, append_mode, merge_mode', async () => {
    await fails('CREATE TABLE a (ts TIMESTAMP TIME INDEX) WITH (foo = 123)', 'INVALID_ARGUMENTS', 'Invalid table option key: foo');
    await fails("CREATE TABLE a (ts TIMESTAMP TIME INDEX) WITH (ttl = 'soon')", 'INVALID_ARGUMENTS', "invalid ttl 'soon'");
    await fails("CREATE TABLE a (ts TIMESTAMP TIME INDEX) WITH (ttl = 'instant')", 'UNSUPPORTED', "ttl 'instant'");
    await fails("CREATE TABLE a (ts TIMESTAMP TIME INDEX) WITH (append_mode = 'maybe')", 'INVALID_ARGUMENTS', "invalid value 'maybe' for table option append_mode");
    await fails("CREATE TABLE a (ts TIMESTAMP TIME INDEX) WITH (merge_mode = 'first_row')", 'INVALID_ARGUMENTS', "invalid merge_mode 'first_row'");
    await fails("CREATE TABLE a (ts TIMESTAMP TIME INDEX) WITH (merge_mode = 'last_non_null')", 'UNSUPPORTED', "merge_mode 'last_non_null' is not supported");
    await fails("CREATE TABLE a (ts TIMESTAMP TIME INDEX) WITH (merge_mode = 'last_row', append_mode = 'true')", 'INVALID_ARGUMENTS', 'merge_mode cannot be used with append_mode');
    await h.q("CREATE TABLE a (ts TIMESTAMP TIME INDEX) WITH (ttl = 'forever', merge_mode = 'last_row', 'compaction.type' = 'twcs', 'compaction.twcs.time_window' = '1h')");
    await fails("ALTER TABLE a SET 'foo' = 'bar'", 'INVALID_ARGUMENTS', 'Invalid table option key: foo');
    await fails("ALTER TABLE a SET 'append_mode' = 'true'", 'INVALID_ARGUMENTS', 'merge_mode cannot be used with append_mode');
    await h.q("ALTER TABLE a SET 'ttl' = '7d'");
    expect((await h.rows('SHOW CREATE TABLE a'))[0]![1]).to.contain("ttl = '7days'");
  });

  it('ADD COLUMN ... FIRST / AFTER col places the column (SELECT *, DESC, positional INSERT), as GreptimeDB', async () => {
    await h.q('CREATE TABLE t (i INT, j TIMESTAMP TIME INDEX)');
    await h.q('INSERT INTO t VALUES (1, 2)');
    await h.q('ALTER TABLE t ADD COLUMN n INT FIRST');
    await h.q('ALTER TABLE t ADD COLUMN y INT AFTER j, ADD COLUMN z INT AFTER i');
    expect((await h.q('SELECT * FROM t')).columns).to.deep.equal(['n', 'i', 'z', 'j', 'y']);
    expect((await h.rows('DESC TABLE t')).map((r) => r[0])).to.deep.equal(['n', 'i', 'z', 'j', 'y']);
    await h.q('INSERT INTO t VALUES (7, 8, 9, 10, 11)');
    expect(await h.rows('SELECT * FROM t ORDER BY j')).to.deep.equal([[null, 1, null, 2, null], [7, 8, 9, 10, 11]]);
    await fails('ALTER TABLE t ADD COLUMN w INT AFTER nope', 'TABLE_COLUMN_NOT_FOUND', 'nope');
    expect((await h.q('SELECT * FROM t')).columns).to.have.length(5);
  });

  it('SHOW CREATE TABLE output runs again to the same table (quotes in defaults, timestamp defaults)', async () => {
    await h.q("CREATE TABLE d (ts TIMESTAMP TIME INDEX, s STRING DEFAULT 'it''s', t TIMESTAMP DEFAULT '2024-01-30 00:00:00Z', n DOUBLE DEFAULT -1.5)");
    const text = String((await h.rows('SHOW CREATE TABLE d'))[0]![1]);
    expect(text).to.contain("DEFAULT 'it''s'").and.to.contain("DEFAULT '2024-01-30 00:00:00+0000'");
    await h.q('CREATE DATABASE again');
    await h.q('USE again');
    await h.q(text);
    expect(String((await h.rows('SHOW CREATE TABLE d'))[0]![1])).to.equal(text);
    await h.q('INSERT INTO d (ts) VALUES (1)');
    expect(await h.rows('SELECT s, t, n FROM d')).to.deep.equal([["it's", Date.UTC(2024, 0, 30), -1.5]]);
  });

  it('information_schema.columns has GreptimeDB\'s columns and MySQL-style data_type names', async () => {
    await h.q('CREATE TABLE cpu (host STRING, ts TIMESTAMP TIME INDEX, usage DOUBLE, n INT, PRIMARY KEY(host))');
    expect(await h.rows("SELECT column_name, data_type, column_type, greptime_data_type, numeric_precision, datetime_precision, character_set_name, column_key, column_comment FROM information_schema.columns WHERE table_name = 'cpu' ORDER BY ordinal_position")).to.deep.equal([
      ['host', 'string', 'string', 'String', null, null, 'utf8', 'PRI', null],
      ['ts', 'timestamp(3)', 'timestamp(3)', 'TimestampMillisecond', null, 3, null, 'TIME INDEX', null],
      ['usage', 'double', 'double', 'Float64', 22, null, null, '', null],
      ['n', 'int', 'int', 'Int32', 10, null, null, '', null],
    ]);
    expect((await h.q('SELECT * FROM information_schema.columns LIMIT 1')).columns).to.have.length(24);
  });

  it('INSERT INTO TABLE t (GreptimeDB\'s spelling), on both parse paths', async () => {
    await h.q('CREATE TABLE it (h STRING, ts TIMESTAMP TIME INDEX, v DOUBLE, PRIMARY KEY (h))');
    expect((await h.q("INSERT INTO TABLE it VALUES ('a', 1, 1.5), ('b', 2, 2.5)")).affected).to.equal(2);
    expect((await h.q("INSERT INTO TABLE it (h, ts, v) SELECT h, ts + INTERVAL '1 second', v * 2 FROM it")).affected).to.equal(2);
    expect(await h.rows('SELECT h, v FROM it ORDER BY ts, h')).to.deep.equal([['a', 1.5], ['b', 2.5], ['a', 3], ['b', 5]]);
  });

  it('names the table when information_schema has no such table', async () => {
    await fails('SELECT * FROM information_schema.nope', 'TABLE_NOT_FOUND', 'information_schema.nope');
  });

  it('refuses DELETE on an append-mode table, and a nullable time index', async () => {
    await h.q("CREATE TABLE ap (h STRING, ts TIMESTAMP TIME INDEX, v DOUBLE, PRIMARY KEY (h)) WITH (append_mode = 'true')");
    await h.q("INSERT INTO ap VALUES ('a', 1, 1), ('a', 1, 2)");
    await fails("DELETE FROM ap WHERE h = 'a'", 'INVALID_ARGUMENTS', 'DELETE is not allowed under append mode');
    expect(await h.rows('SELECT count(*) FROM ap')).to.deep.equal([[2]]);
    await fails('CREATE TABLE n (ts TIMESTAMP NULL TIME INDEX, v INT)', 'INVALID_ARGUMENTS', "time index column ts can't be null");
  });
});
