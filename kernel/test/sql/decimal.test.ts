import { expect } from 'chai';
import { SqlHarness } from '../support/sql-harness.js';
import { divRound, formatDecimal, parseDecimal, rescale } from '../../src/sql/exec/decimal.js';

/** DECIMAL(p, s): exact unscaled bigints in the executor, Arrow Decimal128 out. */
describe('sql: DECIMAL', function () {
  this.timeout(20_000);

  describe('helpers', () => {
    it('parse, format, rescale and divide with rounding half away from zero', () => {
      expect(parseDecimal('1.005', 2)).to.equal(101n);
      expect(parseDecimal('-1.005', 2)).to.equal(-101n);
      expect(parseDecimal('.5', 0)).to.equal(1n);
      expect(parseDecimal('1e3', 1)).to.equal(10000n);
      expect(parseDecimal('12.5e-1', 3)).to.equal(1250n);
      expect(parseDecimal('abc', 2)).to.equal(undefined);
      expect(formatDecimal(-5n, 2)).to.equal('-0.05');
      expect(formatDecimal(123n, 0)).to.equal('123');
      expect(rescale(12345n, 3, 1)).to.equal(123n);
      expect(rescale(-12355n, 3, 1)).to.equal(-124n);
      expect(divRound(7n, 2n)).to.equal(4n);
      expect(divRound(-7n, 2n)).to.equal(-4n);
      expect(divRound(7n, -3n)).to.equal(-2n);
    });
  });

  let h: SqlHarness;
  before(async () => {
    h = await SqlHarness.start();
    await h.q('CREATE TABLE d (h STRING PRIMARY KEY, ts TIMESTAMP TIME INDEX, p DECIMAL(10, 2), q DECIMAL(12, 4))');
    await h.q("INSERT INTO d VALUES ('a', 1, 1.10, 2.0001), ('a', 2, 2.20, 3.5), ('b', 3, -0.05, NULL), ('b', 4, 99999999.99, 0.0001), ('c', 5, NULL, 1)");
  });
  after(async () => { await h.stop(); });

  const text = async (sql: string): Promise<unknown[][]> => (await h.q(sql)).rows;

  it('keeps the declared type and scale through storage and output', async () => {
    const r = await h.q('SELECT p, q FROM d ORDER BY ts');
    expect(r.types).to.deep.equal(['Decimal128', 'Decimal128']);
    expect(await text('SELECT CAST(p AS STRING), CAST(q AS STRING) FROM d ORDER BY ts')).to.deep.equal([
      ['1.10', '2.0001'], ['2.20', '3.5000'], ['-0.05', null], ['99999999.99', '0.0001'], [null, '1.0000']]);
  });

  it('adds, subtracts and multiplies exactly (0.1 + 0.2 = 0.3)', async () => {
    expect(await text('SELECT CAST(CAST(0.1 AS DECIMAL(3, 1)) + CAST(0.2 AS DECIMAL(3, 1)) AS STRING)')).to.deep.equal([['0.3']]);
    expect(await text('SELECT CAST(p + q AS STRING), CAST(p - q AS STRING), CAST(p * q AS STRING), CAST(-p AS STRING), CAST(p * 3 AS STRING), CAST(p + 0.001 AS STRING) FROM d WHERE h = \'a\' ORDER BY ts'))
      .to.deep.equal([['3.1001', '-0.9001', '2.200110', '-1.10', '3.30', '1.101'], ['5.7000', '-1.3000', '7.700000', '-2.20', '6.60', '2.201']]);
  });

  it('divides at Arrow\'s result scale (s1 + 4), truncating toward zero; / 0 is an error, as in DataFusion', async () => {
    const r = await h.q("SELECT p / 3, CAST(p / 3 AS STRING), CAST(-p / 3 AS STRING), arrow_typeof(p / 3) FROM d WHERE h = 'a' ORDER BY ts");
    expect(r.types[0]).to.equal('Decimal128');
    expect(r.rows.map((x) => x.slice(1))).to.deep.equal([['0.366666', '-0.366666', 'Decimal128(14, 6)'], ['0.733333', '-0.733333', 'Decimal128(14, 6)']]);
    for (const sql of ["SELECT p / CAST(0 AS DECIMAL(3, 0)) FROM d WHERE h = 'a'", "SELECT p % CAST(0 AS DECIMAL(3, 0)) FROM d WHERE h = 'a'"]) {
      await h.q(sql).then(() => expect.fail(`should fail: ${sql}`), (e: Error & { code?: string }) => {
        expect(e.code).to.equal('DIVIDE_BY_ZERO');
        expect(e.message).to.equal('Divide by zero error');
      });
    }
  });

  it('sum is exact (DECIMAL(p + 10, s)); avg has four more digits; min/max keep the type', async () => {
    expect(await text('SELECT CAST(sum(p) AS STRING), CAST(avg(p) AS STRING), CAST(min(p) AS STRING), CAST(max(q) AS STRING), count(p) FROM d'))
      .to.deep.equal([['100000003.24', '25000000.810000', '-0.05', '3.5000', 4n]]);
    expect(await text('SELECT h, CAST(sum(p) AS STRING), CAST(avg(q) AS STRING) FROM d GROUP BY h ORDER BY h'))
      .to.deep.equal([['a', '3.30', '2.75005000'], ['b', '99999999.94', '0.00010000'], ['c', null, '1.00000000']]);
  });

  it('casts from text, floats and integers with the declared scale, and refuses overflow', async () => {
    expect(await text("SELECT CAST(CAST('1.005' AS DECIMAL(5, 2)) AS STRING), CAST(CAST(-2.5 AS DECIMAL(3, 0)) AS STRING), CAST(CAST(7 AS DECIMAL(4, 1)) AS STRING)"))
      .to.deep.equal([['1.01', '-3', '7.0']]);
    expect(await text("SELECT CAST(p AS DOUBLE), CAST(p AS BIGINT), CAST(p AS INT) FROM d WHERE h = 'b' ORDER BY ts")).to.deep.equal([[-0.05, 0n, 0], [99999999.99, 99999999n, 99999999]]);
    let err: Error | undefined;
    try { await h.q('SELECT CAST(123456.789 AS DECIMAL(5, 2))'); } catch (e) { err = e as Error; }
    expect(err?.message).to.match(/does not fit DECIMAL with precision 5/);
  });

  it('compares with decimals of other scales, integers and literals exactly; IN and BETWEEN', async () => {
    const sel = async (where: string) => (await text(`SELECT CAST(p AS STRING) FROM d WHERE ${where} ORDER BY ts`)).map((r) => r[0]);
    expect(await sel('p = 2.2')).to.deep.equal(['2.20']);
    expect(await sel('p > 1.105')).to.deep.equal(['2.20', '99999999.99']);
    expect(await sel('p < q')).to.deep.equal(['1.10', '2.20']);
    expect(await sel('p IN (1.1, 2, -0.05)')).to.deep.equal(['1.10', '-0.05']);
    expect(await sel('p NOT IN (1.1)')).to.deep.equal(['2.20', '-0.05', '99999999.99']);
    expect(await sel('p BETWEEN -1 AND 2.2')).to.deep.equal(['1.10', '2.20', '-0.05']);
  });

  it('filters on DECIMAL columns stay above the scan (engine predicates do not define decimals); EXPLAIN prints the scaled literal', async () => {
    const plan = (await h.q("EXPLAIN SELECT p FROM d WHERE p > 1.5 AND h = 'a'")).rows.map((r) => r.join(' ')).join('\n');
    expect(plan).to.contain('p > 1.50');
    expect(plan).to.match(/predicates=\[\{"column":"h"/);
    expect(plan).not.to.contain('"column":"p"');
    expect((await text("SELECT CAST(p AS STRING) FROM d WHERE p > 1.5 AND h = 'a'"))).to.deep.equal([['2.20']]);
  });

  it('scalar functions read decimals as Float64 unless every argument has the same DECIMAL type', async () => {
    const r = await h.q("SELECT round(p, 1), abs(p), coalesce(p, 0), coalesce(p, p) FROM d WHERE h = 'b' ORDER BY ts");
    expect(r.types).to.deep.equal(['Float64', 'Float64', 'Float64', 'Decimal128']);
    expect(r.rows.map((x) => x.slice(0, 3))).to.deep.equal([[-0.1, 0.05, -0.05], [100000000, 99999999.99, 99999999.99]]);
  });

  it('range queries fill decimal slots with a scaled value, the previous one or an exact-scale interpolation', async () => {
    await h.q('CREATE TABLE r (h STRING PRIMARY KEY, ts TIMESTAMP TIME INDEX, p DECIMAL(10, 2))');
    await h.q("INSERT INTO r VALUES ('a', 0, 1.10), ('a', 3000, 2.20)");
    const fill = async (f: string) => (await text(`SELECT CAST(a AS STRING) FROM (SELECT ts, avg(p) RANGE '1s' FILL ${f} AS a FROM r ALIGN '1s') s ORDER BY ts`)).map((x) => x[0]);
    expect(await fill('5')).to.deep.equal(['1.100000', '5.000000', '5.000000', '2.200000']);
    expect(await fill('1.5')).to.deep.equal(['1.100000', '1.500000', '1.500000', '2.200000']);
    expect(await fill('PREV')).to.deep.equal(['1.100000', '1.100000', '1.100000', '2.200000']);
    expect(await fill('LINEAR')).to.deep.equal(['1.100000', '1.466667', '1.833333', '2.200000']);
  });

  it('groups, sorts and windows over decimal values', async () => {
    expect(await text('SELECT CAST(p AS STRING), count(*) FROM d GROUP BY p ORDER BY p NULLS FIRST')).to.deep.equal([[null, 1n], ['-0.05', 1n], ['1.10', 1n], ['2.20', 1n], ['99999999.99', 1n]]);
    expect(await text("SELECT CAST(sum(p) OVER (ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS STRING) FROM d WHERE h <> 'c' ORDER BY ts"))
      .to.deep.equal([['1.10'], ['3.30'], ['2.15'], ['99999999.94']]);
  });
});
