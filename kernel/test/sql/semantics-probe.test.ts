import { expect } from 'chai';
import { SqlHarness } from '../support/sql-harness.js';

/**
 * Wrong answers a probe against DuckDB and GreptimeDB's sqlness cases found;
 * GreptimeDB (DataFusion) is the reference where the two differ.
 */
describe('sql: semantics probe (NaN, literals, common types, IN, string order, intervals)', function () {
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

  it('coalesce/ifnull/nullif/greatest/least/if bring their values to one type (timestamp units, DATE with timestamps)', async () => {
    await h.q('CREATE TABLE a (ts TIMESTAMP(3) TIME INDEX, ns TIMESTAMP(9), s TIMESTAMP(0), dt DATE, i INT)');
    await h.q("INSERT INTO a VALUES ('2024-01-01 00:00:01.5', '2024-01-01 00:00:02.25', '2024-01-01 00:00:03', '2024-01-05', 7), ('2024-01-01 00:00:04', NULL, NULL, NULL, NULL)");
    const text = (e: string) => `CAST(${e} AS STRING)`;
    expect(await h.rows(`SELECT ${['coalesce(ns, ts)', 'coalesce(ts, ns)', 'ifnull(s, ns)', 'greatest(ts, ns)', 'least(ts, s)', 'if(i > 0, ts, ns)'].map(text).join(', ')} FROM a ORDER BY ts`)).to.deep.equal([
      ['2024-01-01 00:00:02.25', '2024-01-01 00:00:01.5', '2024-01-01 00:00:03', '2024-01-01 00:00:02.25', '2024-01-01 00:00:01.5', '2024-01-01 00:00:01.5'],
      ['2024-01-01 00:00:04', '2024-01-01 00:00:04', null, '2024-01-01 00:00:04', '2024-01-01 00:00:04', null],
    ]);
    // DATE and a timestamp unify to the timestamp (they were text: '19727').
    const r = await h.q(`SELECT coalesce(dt, ts), ${text('coalesce(dt, ts)')}, ${text('CASE WHEN i > 0 THEN dt ELSE ts END')} FROM a ORDER BY ts`);
    expect(r.types).to.deep.equal(['TimestampMillisecond', 'String', 'String']);
    expect(r.rows.map((x) => x.slice(1))).to.deep.equal([['2024-01-05 00:00:00', '2024-01-05 00:00:00'], ['2024-01-01 00:00:04', '2024-01-01 00:00:04']]);
    expect((await h.q('SELECT dt FROM a UNION ALL SELECT ts FROM a')).types).to.deep.equal(['TimestampMillisecond']);
    // nullif compares at the common type, as DataFusion does.
    expect(await h.rows('SELECT nullif(1, 1.0), nullif(2, 1.0)')).to.deep.equal([[null, 2]]);
  });

  it('orders strings by UTF-8 bytes (Arrow), not UTF-16 units: emoji after fullwidth forms', async () => {
    await h.q('CREATE TABLE s (ts TIMESTAMP TIME INDEX, x STRING)');
    await h.q("INSERT INTO s VALUES (1, '\uFF5E'), (2, '\u{1F600}'), (3, 'z'), (4, '\uE000x'), (5, '\u{10000}')");
    expect((await h.rows('SELECT x FROM s ORDER BY x')).flat()).to.deep.equal(['z', '\uE000x', '\uFF5E', '\u{10000}', '\u{1F600}']);
    expect((await h.rows('SELECT x FROM s ORDER BY x DESC LIMIT 2')).flat()).to.deep.equal(['\u{1F600}', '\u{10000}']);
    expect(await h.rows("SELECT '\uFF5E' < '\u{1F600}', '\uE000' < '\u{10000}', 'a\u{1F600}' > 'a\uFFFF'")).to.deep.equal([[true, true, true]]);
    expect((await h.rows("SELECT x FROM s WHERE x > '\uFF5E' ORDER BY ts")).flat()).to.deep.equal(['\u{1F600}', '\u{10000}']);
    expect((await h.rows('SELECT rank() OVER (ORDER BY x) FROM s ORDER BY ts')).flat()).to.deep.equal([3, 5, 1, 2, 4]);
  });

  it('x IN (subquery) compares at one common type, as = does (DECIMAL vs DOUBLE, INT vs text, timestamp units)', async () => {
    await h.q('CREATE TABLE nk (ts TIMESTAMP(3) TIME INDEX, i INT, dc DECIMAL(10, 2))');
    await h.q('CREATE TABLE sk (ts TIMESTAMP(9) TIME INDEX, s STRING, d DOUBLE)');
    await h.q("INSERT INTO nk VALUES ('2024-01-01 00:00:01.001', 1, 1.00), ('2024-01-01 00:00:02', 2, 2.50), ('2024-01-01 00:00:03', 3, 3.25)");
    await h.q("INSERT INTO sk VALUES ('2024-01-01 00:00:01.001000001', '01', 1.0), ('2024-01-01 00:00:02', '2', 2.5), ('2024-01-01 00:00:04', '4', 4.0)");
    const is = async (where: string) => (await h.rows(`SELECT i FROM nk WHERE ${where} ORDER BY i`)).flat();
    expect(await is('dc IN (SELECT d FROM sk)')).to.deep.equal([1, 2]);
    expect(await is('dc NOT IN (SELECT d FROM sk)')).to.deep.equal([3]);
    // Text meets a number as that number, as nk.i = sk.s does.
    expect(await is('i IN (SELECT s FROM sk)')).to.deep.equal([1, 2]);
    expect((await h.rows('SELECT n.i FROM nk n JOIN sk s ON n.i = s.s ORDER BY 1')).flat()).to.deep.equal([1, 2]);
    // 00:00:01.001000001 is not 00:00:01.001: compared at nanoseconds, not truncated to milliseconds.
    expect(await is('ts IN (SELECT ts FROM sk)')).to.deep.equal([2]);
    expect(await is('ts NOT IN (SELECT ts FROM sk)')).to.deep.equal([1, 3]);
  });

  it("ms_col IN ('text finer than ms') does not truncate the text onto a tick (as = does not)", async () => {
    await h.q('CREATE TABLE a (ts TIMESTAMP(3) TIME INDEX, v INT)');
    await h.q("INSERT INTO a VALUES ('2024-01-01 00:00:01.001', 1), ('2024-01-01 00:00:02', 2)");
    const vs = async (where: string) => (await h.rows(`SELECT v FROM a WHERE ${where} ORDER BY v`)).flat();
    expect(await vs("ts = '2024-01-01 00:00:01.0010001'")).to.deep.equal([]);
    expect(await vs("ts IN ('2024-01-01 00:00:01.0010001')")).to.deep.equal([]);
    expect(await vs("ts IN ('2024-01-01 00:00:01.0010001', '2024-01-01 00:00:02')")).to.deep.equal([2]);
    expect(await vs("ts NOT IN ('2024-01-01 00:00:01.0010001')")).to.deep.equal([1, 2]);
    expect(await vs("ts IN (TIMESTAMP '2024-01-01 00:00:01.0010001', '2024-01-01 00:00:01.001')")).to.deep.equal([1]);
  });

  it('a BIGINT and an equal DOUBLE past 2^53 match in joins and IN lists, as = says', async () => {
    await h.q('CREATE TABLE x (ts TIMESTAMP TIME INDEX, b BIGINT)');
    await h.q('CREATE TABLE y (ts TIMESTAMP TIME INDEX, d DOUBLE)');
    await h.q('INSERT INTO x VALUES (1, 1152921504606846976), (2, 5)');
    await h.q('INSERT INTO y VALUES (1, 1152921504606846976.0), (2, 5.0)');
    expect(await h.rows('SELECT count(*) FROM x, y WHERE x.b = y.d AND x.ts = 1')).to.deep.equal([[1]]);
    expect(await h.rows('SELECT x.ts, y.ts FROM x JOIN y ON x.b = y.d ORDER BY 1')).to.deep.equal([[1, 1], [2, 2]]);
    expect(await h.rows('SELECT ts FROM x WHERE b IN (1152921504606846976.0, 5.0) ORDER BY 1')).to.deep.equal([[1], [2]]);
    expect(await h.rows('SELECT ts FROM x WHERE b IN (SELECT d FROM y) ORDER BY 1')).to.deep.equal([[1], [2]]);
  });

  it('a BIGINT column against an infinite or NaN double compares instead of throwing a RangeError', async () => {
    await h.q('CREATE TABLE x (ts TIMESTAMP TIME INDEX, b BIGINT)');
    await h.q('INSERT INTO x VALUES (1, 5), (2, -3)');
    const ts = async (where: string) => (await h.rows(`SELECT ts FROM x WHERE ${where} ORDER BY ts`)).flat();
    expect(await ts("b < 'inf'::DOUBLE")).to.deep.equal([1, 2]);
    expect(await ts("b > '-inf'::DOUBLE")).to.deep.equal([1, 2]);
    expect(await ts("b = 'inf'::DOUBLE")).to.deep.equal([]);
    // NaN is above every number.
    expect(await ts("b < 'nan'::DOUBLE")).to.deep.equal([1, 2]);
    expect(await ts("b >= 'nan'::DOUBLE")).to.deep.equal([]);
  });

  it('-INTERVAL negates every part (was NaN, then a RangeError in timestamp arithmetic)', async () => {
    expect(await h.rows("SELECT CAST(TIMESTAMP '2024-01-02 00:00:00' + (-INTERVAL '1 day') AS STRING), CAST(TIMESTAMP '2024-01-31 00:00:00' - (-INTERVAL '1 month') AS STRING)"))
      .to.deep.equal([['2024-01-01 00:00:00', '2024-02-29 00:00:00']]);
    const [[iv]] = await h.rows("SELECT -INTERVAL '1 month 2 days 3 hours'");
    expect(iv).to.be.an.instanceOf(Int32Array);
    // Arrow's MonthDayNano words: months, days, nanoseconds (low, high).
    expect(Array.from(iv as Int32Array).slice(0, 2)).to.deep.equal([-1, -2]);
    expect(await h.rows("SELECT -INTERVAL '1 day' = INTERVAL '-1 day'")).to.deep.equal([[true]]);
  });

  it('interval * k and / k carry fractions into smaller parts (PostgreSQL), not drop or keep them fractional', async () => {
    const text = (e: string) => `CAST(${e} AS STRING)`;
    expect(await h.rows(`SELECT ${["INTERVAL '1 day' / 2", "INTERVAL '1 month' / 2", "INTERVAL '1 day' * 1.5", "INTERVAL '1 hour' * 1.5", "INTERVAL '1 month' * 1.5", "INTERVAL '90 minutes' / 2"].map(text).join(', ')}`))
      .to.deep.equal([['12:00:00', '15 days', '1 days 12:00:00', '01:30:00', '1 mons 15 days', '00:45:00']]);
    expect(await h.rows(`SELECT ${text("TIMESTAMP '2024-01-01 00:00:00' + INTERVAL '1 month' * 1.5")}, ${text("TIMESTAMP '2024-01-01 00:00:00' + INTERVAL '1 day' / 4")}`))
      .to.deep.equal([['2024-02-16 00:00:00', '2024-01-01 06:00:00']]);
    // Like integer / 0 (was a raw RangeError).
    await h.q("SELECT INTERVAL '1 day' / 0").then(() => expect.fail('should fail'), (e: Error & { code?: string }) => expect(e.code).to.equal('DIVIDE_BY_ZERO'));
  });
  it('window peers compare by value: binaries and NaN tie like equal numbers (rank, cume_dist)', async () => {
    await h.q('CREATE TABLE pw (ts TIMESTAMP TIME INDEX, b BINARY, d DOUBLE)');
    await h.q("INSERT INTO pw VALUES (1, 'a', 1.0), (2, 'b', 'nan'::DOUBLE), (3, 'b', 'nan'::DOUBLE), (4, 'c', 2.0)");
    // Binaries were always peers (1,1,1,1); NaN never (3,4).
    expect(await h.rows('SELECT ts, rank() OVER (ORDER BY b) FROM pw ORDER BY ts')).to.deep.equal([[1, 1], [2, 2], [3, 2], [4, 4]]);
    expect(await h.rows('SELECT ts, rank() OVER (ORDER BY d), cume_dist() OVER (ORDER BY d) FROM pw ORDER BY ts'))
      .to.deep.equal([[1, 1, 0.25], [2, 3, 1], [3, 3, 1], [4, 2, 0.5]]);
  });

  it('min/max through the general path (DISTINCT, FILTER, OVER) order as sorts do: NaN highest, strings by UTF-8', async () => {
    await h.q('CREATE TABLE mm (ts TIMESTAMP TIME INDEX, d DOUBLE, s STRING)');
    await h.q("INSERT INTO mm VALUES (1, 1.0, '～'), (2, 'nan'::DOUBLE, '😀'), (3, 'inf'::DOUBLE, 'a')");
    const [[maxD, minD, maxF, maxS, minS]] = await h.rows('SELECT max(DISTINCT d), min(DISTINCT d), max(d) FILTER (WHERE ts > 0), max(DISTINCT s), min(DISTINCT s) FROM mm');
    expect(Number.isNaN(maxD as number)).to.equal(true);
    expect(minD).to.equal(1);
    expect(Number.isNaN(maxF as number)).to.equal(true);
    expect([maxS, minS]).to.deep.equal(['😀', 'a']);
    const w = await h.rows('SELECT max(d) OVER (ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) FROM mm ORDER BY ts');
    expect(w[0]).to.deep.equal([1]);
    expect(Number.isNaN(w[1]![0] as number) && Number.isNaN(w[2]![0] as number)).to.equal(true);
  });
});
