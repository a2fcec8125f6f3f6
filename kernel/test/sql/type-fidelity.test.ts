import { expect } from 'chai';
import { SqlHarness } from '../support/sql-harness.js';
import { formatFloat } from '../../src/sql/exec/float-text.js';

/**
 * Values, types and SHOW output that must match GreptimeDB (and DataFusion,
 * which it runs on); each expectation is taken from GreptimeDB's sqlness
 * results or DataFusion's source.
 */
describe('sql: type fidelity with GreptimeDB (float text, division by zero, result types, SHOW output)', function () {
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

  describe('float to text (Arrow/ryu formatting)', () => {
    it('keeps ".0" on whole floats and switches to e-notation where Arrow does', async () => {
      expect(await h.rows(`SELECT CAST(-1.0 AS STRING), CAST(2.0 AS STRING), CAST(1.5 AS STRING), CAST(1e15 AS STRING), CAST(1e16 AS STRING),
        CAST(1e20 AS STRING), CAST(1.5e20 AS STRING), CAST(0.00001 AS STRING), CAST(1e-6 AS STRING), CAST(1e-7 AS STRING), CAST(-0.0 AS STRING)`))
        .to.deep.equal([['-1.0', '2.0', '1.5', '1000000000000000.0', '1e16', '1e20', '1.5e20', '0.00001', '1e-6', '1e-7', '-0.0']]);
    });

    it('writes NaN and infinities as Arrow does, and reads them back', async () => {
      expect(await h.rows("SELECT CAST(CAST('nan' AS DOUBLE) AS STRING), CAST(CAST('inf' AS DOUBLE) AS STRING), CAST(CAST('-inf' AS DOUBLE) AS STRING), CAST(1.0 / 0 AS STRING)"))
        .to.deep.equal([['NaN', 'inf', '-inf', 'inf']]);
      expect(await h.rows("SELECT CAST('-Infinity' AS DOUBLE), CAST('INF' AS FLOAT)")).to.deep.equal([[-Infinity, Infinity]]);
    });

    it('gives a FLOAT (Float32) its own shortest digits, with its own plain-notation range', async () => {
      expect(await h.rows('SELECT CAST(CAST(0.1 AS FLOAT) AS STRING), CAST(CAST(1e10 AS FLOAT) AS STRING), CAST(CAST(0.000001 AS FLOAT) AS STRING), CAST(CAST(1.23456789 AS FLOAT) AS STRING)'))
        .to.deep.equal([['0.1', '10000000000.0', '0.000001', '1.2345679']]);
      expect(formatFloat(1e14, true)).to.equal('1e14');
      expect(formatFloat(1e-7, true)).to.equal('1e-7');
    });

    it('concat, concat_ws and || use the same text for float columns', async () => {
      await h.q('CREATE TABLE f (ts TIMESTAMP TIME INDEX, d DOUBLE, r FLOAT)');
      await h.q('INSERT INTO f VALUES (1, -1.0, 2.5), (2, 100.0, 3.0)');
      expect(await h.rows("SELECT concat('v=', d), concat_ws(',', d, r), 'x' || d FROM f ORDER BY ts"))
        .to.deep.equal([['v=-1.0', '-1.0,2.5', 'x-1.0'], ['v=100.0', '100.0,3.0', 'x100.0']]);
    });
  });
  describe('division by zero', () => {
    beforeEach(async () => {
      await h.q('CREATE TABLE n (ts TIMESTAMP TIME INDEX, v BIGINT, i INT, u BIGINT UNSIGNED, d DOUBLE)');
      await h.q('INSERT INTO n VALUES (1, 6, 6, 6, 6.0), (2, 0, 0, 0, 0.0), (3, NULL, NULL, NULL, NULL)');
    });

    it('integer / and % by zero is DIVIDE_BY_ZERO (DataFusion: "Divide by zero error"), not NULL', async () => {
      for (const sql of ['SELECT 1 / 0', 'SELECT 5 % 0', 'SELECT 10 / v FROM n', 'SELECT i % i FROM n', 'SELECT u / 0 FROM n', 'SELECT v DIV 0 FROM n']) {
        await fails(sql, 'DIVIDE_BY_ZERO', 'Divide by zero error');
      }
      // The error is an execution error with GreptimeDB's EngineExecuteQuery status.
      const err = await h.q('SELECT 1 / 0').catch((e: { status?: number }) => e);
      expect((err as { status?: number }).status).to.equal(3001);
    });

    it('a NULL divisor or dividend is not divided; rows filtered out never are', async () => {
      expect(await h.rows('SELECT 12 / v, v % 4 FROM n WHERE v IS NULL OR v <> 0 ORDER BY ts')).to.deep.equal([[2, 2], [null, null]]);
      expect(await h.rows('SELECT 12 / NULLIF(v, 0) FROM n ORDER BY ts')).to.deep.equal([[2], [null], [null]]);
    });

    it('CASE evaluates a branch only for the rows it answers, so a guarded division works', async () => {
      expect(await h.rows('SELECT CASE WHEN v <> 0 THEN 12 / v END, CASE WHEN v = 0 THEN -1 ELSE 12 % v END FROM n ORDER BY ts'))
        .to.deep.equal([[2, 0], [null, -1], [null, null]]);
      expect(await h.rows('SELECT CASE v WHEN 0 THEN 0 ELSE 12 / v END FROM n ORDER BY ts')).to.deep.equal([[2], [0], [null]]);
      // A later WHEN still sees the rows an earlier one did not take.
      await fails('SELECT CASE WHEN v > 100 THEN 1 WHEN 12 / v > 1 THEN 2 END FROM n', 'DIVIDE_BY_ZERO', 'Divide by zero error');
    });

    it('float division by zero stays IEEE: inf, -inf, NaN', async () => {
      expect(await h.rows('SELECT d / 0, -d / 0, d % 0, 1.0 / 0 FROM n ORDER BY ts')).to.deep.equal([
        [Infinity, -Infinity, NaN, Infinity], [NaN, NaN, NaN, Infinity], [null, null, null, Infinity],
      ]);
    });
  });
  describe('result types of median and the ranking window functions', () => {
    beforeEach(async () => {
      await h.q('CREATE TABLE m (ts TIMESTAMP TIME INDEX, v BIGINT, i INT, u BIGINT UNSIGNED, d DOUBLE, f FLOAT, x DECIMAL(10, 2))');
      await h.q(`INSERT INTO m VALUES (1, 1, 1, 1, 1.0, 1.0, 1.00), (2, 2, 2, 2, 2.0, 2.0, 2.05),
        (3, 5, -5, 9223372036854775808, NULL, 'NaN', NULL), (4, -8, 8, 18446744073709551615, 3.5, 0.5, -1.11)`);
    });

    it('median keeps the argument type; an even count averages the middle two, truncated for integers and decimals', async () => {
      const r = await h.q('SELECT median(v), median(i), median(u), median(d), median(f), CAST(median(x) AS STRING) FROM m');
      expect(r.types.slice(0, 5)).to.deep.equal(['Int64', 'Int32', 'UInt64', 'Float64', 'Float32']);
      // v: -8 1 2 5 -> (1 + 2) / 2 = 1; u: no overflow past 2^64; f: NaN sorts last; x: the middle of three.
      expect(r.rows).to.deep.equal([[1n, 1, 4611686018427387905n, 2, 1.5, '1.00']]);
      expect(await h.rows('SELECT CAST(median(x) AS STRING) FROM m WHERE ts < 3')).to.deep.equal([['1.52']]);
      expect((await h.q('SELECT median(x) FROM m')).types).to.deep.equal(['Decimal128']);
      expect(await h.rows('SELECT median(i), median(v) FROM m WHERE ts IN (1, 3)')).to.deep.equal([[-2, 3]]);
      expect(await h.rows('SELECT median(v) FROM m WHERE ts > 100')).to.deep.equal([[null]]);
    });

    it('row_number, rank, dense_rank and ntile are UInt64', async () => {
      const r = await h.q('SELECT row_number() OVER (ORDER BY ts), rank() OVER (ORDER BY v > 0), dense_rank() OVER (ORDER BY v > 0), ntile(2) OVER (ORDER BY ts) FROM m ORDER BY ts');
      expect(r.types).to.deep.equal(['UInt64', 'UInt64', 'UInt64', 'UInt64']);
      expect(r.rows).to.deep.equal([[1n, 2n, 2n, 1n], [2n, 2n, 2n, 1n], [3n, 2n, 2n, 2n], [4n, 1n, 1n, 2n]]);
    });

    it('ntile spreads the larger buckets as DataFusion does (floor(i * k / n) + 1)', async () => {
      await h.q('CREATE TABLE s (ts TIMESTAMP TIME INDEX, v BIGINT)');
      await h.q(`INSERT INTO s VALUES ${Array.from({ length: 10 }, (_, i) => `(${i}, ${i})`).join(', ')}`);
      expect((await h.rows('SELECT ntile(4) OVER (ORDER BY ts) FROM s ORDER BY ts')).flat()).to.deep.equal([1, 1, 1, 2, 2, 3, 3, 3, 4, 4]);
      expect((await h.rows('SELECT ntile(20) OVER (ORDER BY ts) FROM s ORDER BY ts')).flat()).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    });
  });
});
