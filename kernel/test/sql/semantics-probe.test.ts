import { expect } from 'chai';
import { SqlHarness } from '../support/sql-harness.js';

/**
 * Wrong answers a probe against DuckDB and GreptimeDB's sqlness cases found;
 * GreptimeDB (DataFusion) is the reference where the two differ.
 */
describe('sql: semantics probe (NaN order, ...)', function () {
  this.timeout(10_000);
  let h: SqlHarness;
  beforeEach(async () => { h = await SqlHarness.start(); });
  afterEach(async () => { await h.stop(); });

  it('NaN is the largest float and equals itself, in filters, min/max and IN (GreptimeDB types/float/nan*.result)', async () => {
    await h.q('CREATE TABLE d (x DOUBLE, ts TIMESTAMP TIME INDEX)');
    await h.q("INSERT INTO d VALUES ('NAN'::DOUBLE, 1), (1::DOUBLE, 2), ('infinity'::DOUBLE, 3), ('-inf'::DOUBLE, 4), (-1::DOUBLE, 5), (NULL, 6)");
    const xs = async (sql: string) => (await h.rows(sql)).flat();
    expect(await xs('SELECT x FROM d ORDER BY x')).to.deep.equal([-Infinity, -1, 1, Infinity, NaN, null]);
    expect(await xs('SELECT count(*) FROM d WHERE x > 0')).to.deep.equal([3]);
    expect(await xs('SELECT count(*) FROM d WHERE x >= 1')).to.deep.equal([3]);
    expect(await xs('SELECT count(*) FROM d WHERE x < 0')).to.deep.equal([2]);
    expect(await xs("SELECT x FROM d WHERE x = 'nan'::DOUBLE")).to.deep.equal([NaN]);
    expect(await xs("SELECT x FROM d WHERE x >= 'nan'::DOUBLE")).to.deep.equal([NaN]);
    expect(await xs("SELECT x FROM d WHERE x < 'nan'::DOUBLE ORDER BY ts")).to.deep.equal([1, Infinity, -Infinity, -1]);
    expect(await xs("SELECT x FROM d WHERE x IN ('nan'::DOUBLE, 1.0) ORDER BY ts")).to.deep.equal([NaN, 1]);
    expect(await h.rows("SELECT 'nan'::DOUBLE = 'nan'::DOUBLE, 'nan'::DOUBLE <> 'nan'::DOUBLE, 'nan'::DOUBLE > 3.0")).to.deep.equal([[true, false, true]]);
    expect(await h.rows('SELECT min(x), max(x) FROM d')).to.deep.equal([[-Infinity, NaN]]);
    // Whichever row comes first: NaN first must not stick as the minimum.
    expect(await h.rows('SELECT min(x), max(x) FROM d WHERE ts <= 2')).to.deep.equal([[1, NaN]]);
    expect(await h.rows('SELECT ts > 3, min(x), max(x) FROM d GROUP BY ts > 3 ORDER BY 1')).to.deep.equal([[false, 1, NaN], [true, -Infinity, -1]]);
  });

  it("casts float text like Arrow: inf/infinity/nan in any case, no hex or binary", async () => {
    expect(await h.rows("SELECT CAST('inf' AS DOUBLE), CAST('-Infinity' AS DOUBLE), CAST('+INF' AS DOUBLE), CAST(' 1.5e3 ' AS DOUBLE), CAST('.5' AS DOUBLE)"))
      .to.deep.equal([[Infinity, -Infinity, Infinity, 1500, 0.5]]);
    expect(await h.rows("SELECT TRY_CAST('0x10' AS DOUBLE), TRY_CAST('0b1' AS DOUBLE), TRY_CAST('1e' AS DOUBLE), TRY_CAST('' AS DOUBLE)")).to.deep.equal([[null, null, null, null]]);
    expect(await h.rows("SELECT CAST('0.1' AS FLOAT) = CAST(0.1 AS FLOAT)")).to.deep.equal([[true]]);
  });

  it('an integer literal past Int64 is UInt64, past UInt64 Float64, never wrapped (DataFusion)', async () => {
    const r = await h.q('SELECT 18446744073709551615, 9223372036854775808, 99999999999999999999, -9223372036854775809, -(9223372036854775808)');
    expect(r.types).to.deep.equal(['UInt64', 'UInt64', 'Float64', 'Float64', 'Int64']);
    expect(r.rows).to.deep.equal([[18446744073709551615n, 9223372036854775808n, 1e20, -9223372036854775809, -9223372036854775808n]]);
    await h.q('CREATE TABLE u (ts TIMESTAMP TIME INDEX, x BIGINT UNSIGNED, y BIGINT)');
    await h.q('INSERT INTO u VALUES (1, 18446744073709551615, 5), (2, 9223372036854775808, -1)');
    expect(await h.rows('SELECT ts FROM u WHERE x = 18446744073709551615')).to.deep.equal([[1]]);
    expect(await h.rows('SELECT count(*) FROM u WHERE y < 9223372036854775808')).to.deep.equal([[2]]);
    expect(await h.rows('SELECT 18446744073709551615 > 0')).to.deep.equal([[true]]);
  });
});
