import { expect } from 'chai';
import { SqlHarness } from '../support/sql-harness.js';

/**
 * Differences found by running GreptimeDB's own sqlness cases
 * (tests/cases/standalone/common/...) against Strata; each test names the case
 * file whose expected output it checks.
 */
describe('sql: GreptimeDB sqlness cases (sweep)', function () {
  this.timeout(20_000);
  let h: SqlHarness;
  beforeEach(async () => { h = await SqlHarness.start(); });
  afterEach(async () => { await h.stop(); });
  const fails = (sql: string, text: string): Promise<void> => h.fails(sql, text);
  /** INSERT INTO `table` (value, ts) the numbers 0..n-1 (value k at ts k seconds). */
  const numbers = async (table: string, n: number, value = (k: number) => String(k)): Promise<void> => {
    await h.q(`INSERT INTO ${table} VALUES ${Array.from({ length: n }, (_, k) => `(${value(k)}, ${k * 1000})`).join(', ')}`);
  };

  describe('aggregate/approx_percentile_cont.result, approx_percentile_cont_with_weight.result', () => {
    it('approx_percentile_cont(p) WITHIN GROUP (ORDER BY x [DESC]) gives DataFusion\'s t-digest estimates', async () => {
      await h.q('CREATE TABLE approx_test(i INTEGER, ts TIMESTAMP TIME INDEX)');
      await numbers('approx_test', 1000);
      const r = await h.q(`SELECT approx_percentile_cont(0.5) WITHIN GROUP (ORDER BY i), approx_percentile_cont(0.25) WITHIN GROUP (ORDER BY i),
        approx_percentile_cont(0.75) WITHIN GROUP (ORDER BY i), approx_percentile_cont(0.95) WITHIN GROUP (ORDER BY i) FROM approx_test`);
      expect(r.types).to.deep.equal(['Float64', 'Float64', 'Float64', 'Float64']);
      expect(r.rows).to.deep.equal([[499.25, 249.575, 749.375, 949.6607142857143]]);
      // DESC reads the percentile from the other end.
      expect(await h.rows(`SELECT approx_percentile_cont(0.25) WITHIN GROUP (ORDER BY i DESC), approx_percentile_cont(0.95) WITHIN GROUP (ORDER BY i DESC),
        approx_percentile_cont(0.0) WITHIN GROUP (ORDER BY i DESC), approx_percentile_cont(1.0) WITHIN GROUP (ORDER BY i) FROM approx_test`))
        .to.deep.equal([[749.375, 49.50000000000004, 999, 999]]);
      // The plain call is the same aggregate.
      expect(await h.rows('SELECT approx_percentile_cont(i, 0.5) FROM approx_test')).to.deep.equal([[499.25]]);
    });

    it('groups of 100 values are compressed as DataFusion compresses them', async () => {
      await h.q('CREATE TABLE approx_groups(grp INTEGER, val INTEGER, ts TIMESTAMP TIME INDEX)');
      await h.q(`INSERT INTO approx_groups VALUES ${Array.from({ length: 300 }, (_, k) => `(${k % 3}, ${k}, ${k * 1000})`).join(', ')}`);
      expect(await h.rows('SELECT grp, approx_percentile_cont(0.5) WITHIN GROUP (ORDER BY val) FROM approx_groups GROUP BY grp ORDER BY grp'))
        .to.deep.equal([[0, 148.125], [1, 149.125], [2, 150.125]]);
    });

    it('approx_percentile_cont_with_weight(w, p) WITHIN GROUP (ORDER BY x) weighs each value; NULL values or weights are skipped', async () => {
      await h.q('CREATE TABLE weight_test("value" INTEGER, weight INTEGER, ts TIMESTAMP TIME INDEX)');
      await h.q('INSERT INTO weight_test VALUES (10, 1, 1000), (20, 2, 2000), (30, 3, 3000), (40, 4, 4000), (50, 1, 5000)');
      const q = (p: string) => `approx_percentile_cont_with_weight(weight, ${p}) WITHIN GROUP (ORDER BY "value")`;
      expect(await h.rows(`SELECT ${q('0.5')}, ${q('0.25')}, ${q('0.75')}, ${q('0.0')}, ${q('1.0')} FROM weight_test`))
        .to.deep.equal([[33.333333333333336, 23.75, 40.625, 10, 50]]);
      await h.q('INSERT INTO weight_test VALUES (NULL, 1, 6000), (60, NULL, 7000)');
      expect(await h.rows(`SELECT ${q('0.5')}, approx_percentile_cont_with_weight("value", weight, 0.5) FROM weight_test`)).to.deep.equal([[33.333333333333336, 33.333333333333336]]);
      expect(await h.rows(`SELECT ${q('0.5')} FROM weight_test WHERE "value" > 1000`)).to.deep.equal([[null]]);
    });

    it('WITHIN GROUP belongs to the ordered-set aggregates only, with one ORDER BY key', async () => {
      await h.q('CREATE TABLE t(i INTEGER, ts TIMESTAMP TIME INDEX)');
      await fails('SELECT sum(i) WITHIN GROUP (ORDER BY i) FROM t', 'WITHIN GROUP is not supported for sum');
      await fails('SELECT approx_percentile_cont(0.5) WITHIN GROUP (ORDER BY i, ts) FROM t', 'exactly one ORDER BY expression');
      // `within` is still a column alias where no GROUP ( follows.
      expect((await h.q('SELECT count(*) within FROM t')).columns).to.deep.equal(['within']);
    });
  });

  describe('aggregate/median.result, approx_median.result', () => {
    it('median of an integer column is a DOUBLE that keeps the .5 of an even count', async () => {
      await h.q('CREATE TABLE quantile(r INTEGER, ts TIMESTAMP TIME INDEX)');
      await numbers('quantile', 10);
      const r = await h.q('SELECT median(r), median(r)::VARCHAR, median(CAST(r AS BIGINT)), median(CAST(r AS SMALLINT)) FROM quantile');
      expect(r.types).to.deep.equal(['Float64', 'String', 'Float64', 'Float64']);
      expect(r.rows).to.deep.equal([[4.5, '4.5', 4.5, 4.5]]);
      expect((await h.q('SELECT median(42)')).rows).to.deep.equal([[42]]);
    });

    it('approx_median is DataFusion\'s estimate, not truncated to the integer type', async () => {
      await h.q('CREATE TABLE even_test(i INTEGER, ts TIMESTAMP TIME INDEX)');
      await h.q('INSERT INTO even_test VALUES (1, 1000), (2, 2000), (4, 3000), (5, 4000)');
      const r = await h.q('SELECT approx_median(i) FROM even_test');
      expect(r.types).to.deep.equal(['Float64']);
      expect(r.rows).to.deep.equal([[3.25]]);
    });
  });

  describe('aggregate/regression.result', () => {
    it('regr_slope / intercept / r2 / count / avgx / avgy / sxx / syy / sxy over (y, x)', async () => {
      await h.q('CREATE TABLE regr_test(x DOUBLE, y DOUBLE, ts TIMESTAMP TIME INDEX)');
      await h.q('INSERT INTO regr_test VALUES (1.0, 3.0, 1000), (2.0, 5.0, 2000), (3.0, 7.0, 3000), (4.0, 9.0, 4000), (5.0, 11.0, 5000), (NULL, 1.0, 6000)');
      const r = await h.q(`SELECT REGR_SLOPE(y, x), REGR_INTERCEPT(y, x), REGR_R2(y, x), REGR_COUNT(y, x), REGR_AVGX(y, x), REGR_AVGY(y, x),
        REGR_SXX(y, x), REGR_SYY(y, x), REGR_SXY(y, x) FROM regr_test`);
      expect(r.types).to.deep.equal(['Float64', 'Float64', 'Float64', 'UInt64', 'Float64', 'Float64', 'Float64', 'Float64', 'Float64']);
      expect(r.rows).to.deep.equal([[2, 1, 1, 5n, 3, 7, 10, 40, 20]]);
      await h.q('CREATE TABLE regr_noisy(x DOUBLE, y DOUBLE, ts TIMESTAMP TIME INDEX)');
      await h.q('INSERT INTO regr_noisy VALUES (1.0, 3.1, 1000), (2.0, 4.9, 2000), (3.0, 7.2, 3000), (4.0, 8.8, 4000), (5.0, 11.1, 5000)');
      const [[slope, intercept, r2]] = await h.rows('SELECT REGR_SLOPE(y, x), REGR_INTERCEPT(y, x), REGR_R2(y, x) FROM regr_noisy') as number[][];
      expect(slope).to.be.closeTo(1.99, 1e-12);
      expect(intercept).to.be.closeTo(1.05, 1e-12);
      expect(r2).to.be.closeTo(0.9973053289009772, 1e-12);
    });

    it('a single pair or a constant x has no slope; a constant y has no r2 (DataFusion\'s NULL); no pairs count 0', async () => {
      await h.q('CREATE TABLE g(grp INTEGER, x DOUBLE, y DOUBLE, ts TIMESTAMP TIME INDEX)');
      await h.q('INSERT INTO g VALUES (1, 1.0, 3.0, 1000), (2, 2.0, 4.0, 2000), (2, 2.0, 6.0, 3000), (3, 1.0, 5.0, 4000), (3, 2.0, 5.0, 5000)');
      expect(await h.rows('SELECT grp, REGR_SLOPE(y, x), REGR_INTERCEPT(y, x), REGR_R2(y, x), REGR_COUNT(y, x) FROM g GROUP BY grp ORDER BY grp'))
        .to.deep.equal([[1, null, null, null, 1], [2, null, null, null, 2], [3, 0, 5, null, 2]]);
      expect(await h.rows('SELECT REGR_COUNT(y, x), REGR_AVGX(y, x), REGR_SXY(y, x) FROM g WHERE grp > 10')).to.deep.equal([[0, null, null]]);
    });
  });

  describe('function/arithmetic.result', () => {
    it('clamp, clamp_min and clamp_max keep the common type; clamp refuses lo > hi', async () => {
      const r = await h.q('SELECT CLAMP(10, 0, 1), CLAMP(-10, 0, 1), CLAMP(0.5, 0, 1), CLAMP(-0.5, 0, 1), CLAMP_MIN(10, 12), CLAMP_MIN(10.5, 10.4), CLAMP_MAX(10, 8), CLAMP_MAX(-5, -7), CLAMP(NULL, 0, 1)');
      expect(r.types.slice(0, 4)).to.deep.equal(['Int64', 'Int64', 'Float64', 'Float64']);
      expect(r.rows.map((x) => x.map(Number))).to.deep.equal([[1, 0, 0.5, 0, 12, 10.5, 8, -7, 0]]);
      expect(r.rows[0]![8]).to.equal(null);
      await fails('SELECT CLAMP(10, 1, 0)', 'less than or equal to the third arg');
    });
  });

  describe('cte/cte.result, cte_in_cte.result', () => {
    it('a WITH name given twice, or redefining an enclosing query\'s CTE, is refused as in DataFusion', async () => {
      await fails('with cte1 as (select 42), cte1 as (select 42) select * FROM cte1', 'WITH query name "cte1" specified more than once');
      await fails('with cte as (select 1 as j) select * from cte where j = (with cte as (select max(j) as j from cte) select j from cte)', 'specified more than once');
      expect(await h.rows('with a as (select 1 as x), b as (select x + 1 as y from a) select * from a, b')).to.deep.equal([[1, 2]]);
    });
  });

  describe('aggregate/count.result', () => {
    it('CREATE TABLE takes a trailing comma; INSERT VALUES reads a bare "text" as a string', async () => {
      await h.q("create table count_where_bug (`tag` String, ts TimestampMillisecond time index, num Int64, primary key (`tag`),\n) engine=mito with('append_mode'='true')");
      await h.q('create table "HelloWorld" (a string, b timestamp time index)');
      await h.q('insert into "HelloWorld" values ("a", 1) ,("b", 2)');
      expect(await h.rows('select a, b from "HelloWorld" order by b')).to.deep.equal([['a', 1], ['b', 2]]);
      // A backquoted name is still a column, so it is no field of an INSERT's VALUES.
      await fails('insert into "HelloWorld" values (`a`, 3)', 'No field named a');
    });
  });

  describe('order/limit.result', () => {
    it('LIMIT and OFFSET take constant integer expressions; anything else is a plan error', async () => {
      await h.q('CREATE TABLE test (a TIMESTAMP TIME INDEX, b INTEGER)');
      await h.q('INSERT INTO test VALUES (11, 22), (12, 21), (13, 22)');
      expect(await h.rows('SELECT b FROM test ORDER BY a LIMIT 2-1')).to.deep.equal([[22]]);
      expect(await h.rows('SELECT b FROM test ORDER BY a LIMIT 1 * 2 OFFSET 3 - 2')).to.deep.equal([[21], [22]]);
      await fails('SELECT a FROM test LIMIT a', 'a');
      await fails('SELECT a FROM test LIMIT 1.25', 'LIMIT must be a constant integer');
      await fails("SELECT a FROM test LIMIT 'x'", 'LIMIT must be a constant integer');
      await fails('SELECT a FROM test LIMIT 1 - 2', 'non-negative');
    });
  });
});
