import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { SqlHarness } from '../support/sql-harness.js';

/**
 * Built-ins GreptimeDB has through DataFusion that Strata lacked: string and
 * math scalars, to_timezone / current_time, and the aggregates string_agg,
 * bool_and / bool_or, bit_and / bit_or / bit_xor and approx_median (also as
 * window functions, in range queries and merged across regions).
 */

async function fails(h: SqlHarness, sql: string, text: string | RegExp, code = 'INVALID_ARGUMENTS'): Promise<void> {
  await h.q(sql).then(() => expect.fail(`should fail: ${sql}`), (e: Error & { code?: string }) => {
    expect(e.code, e.message).to.equal(code);
    if (typeof text === 'string') expect(e.message).to.contain(text); else expect(e.message).to.match(text);
  });
}

describe('sql: more scalar functions (chr, initcap, translate, trim chars, md5, cot, gcd, lcm, iszero, nanvl, factorial)', function () {
  this.timeout(10_000);
  let h: SqlHarness;
  before(async () => {
    h = await SqlHarness.start();
    await h.q('CREATE TABLE t (k STRING, ts TIMESTAMP TIME INDEX, i BIGINT, n INT, d DOUBLE, s STRING, PRIMARY KEY (k))');
    await h.q(`INSERT INTO t VALUES ('a', 1000, 12, 65, 0.0, 'xxhixx'), ('a', 2000, -18, 97, 1.5, 'élan vital'),
      ('a', 3000, NULL, NULL, NULL, NULL), ('a', 4000, 0, 8364, -0.0, '')`);
  });
  after(async () => { await h.stop(); });

  it('chr gives the character of a code point; 0 and non-code points are errors', async () => {
    expect(await h.rows('SELECT chr(65), chr(128512), chr(NULL)')).to.deep.equal([['A', '😀', null]]);
    expect(await h.rows('SELECT chr(n) FROM t ORDER BY ts')).to.deep.equal([['A'], ['a'], [null], ['€']]);
    await fails(h, 'SELECT chr(0)', 'null character not permitted');
    await fails(h, 'SELECT chr(-1)', 'not a valid Unicode code point');
    await fails(h, 'SELECT chr(1114112)', 'not a valid Unicode code point');
    await fails(h, 'SELECT chr(55296)', 'not a valid Unicode code point'); // a lone surrogate
    await fails(h, 'SELECT chr(65.5)', 'No function matches chr(Float64)', 'PLAN_QUERY');
  });

  it('initcap upper-cases the first letter of each word and lower-cases the rest', async () => {
    expect(await h.rows("SELECT initcap('hello wORLD-foo bar_baz 1st'), initcap(''), initcap(NULL)"))
      .to.deep.equal([['Hello World-Foo Bar_Baz 1st', '', null]]);
    expect(await h.rows('SELECT initcap(s) FROM t ORDER BY ts')).to.deep.equal([['Xxhixx'], ['Élan Vital'], [null], ['']]);
  });

  it('translate maps characters by position and drops those without a counterpart', async () => {
    expect(await h.rows("SELECT translate('12345', '143', 'ax'), translate('abcabc', 'ab', 'x'), translate('héllo', 'é', 'e')"))
      .to.deep.equal([['a2x5', 'xcxc', 'hello']]);
    // The first occurrence in `from` decides; empty `from` changes nothing.
    expect(await h.rows("SELECT translate('aaa', 'aa', 'xy'), translate('abc', '', 'x')")).to.deep.equal([['xxx', 'abc']]);
    expect(await h.rows("SELECT translate(NULL, 'a', 'b'), translate('a', NULL, 'b'), translate('a', 'a', NULL)")).to.deep.equal([[null, null, null]]);
  });

  it('btrim / ltrim / rtrim / trim with a character set strip any of those characters from the ends', async () => {
    expect(await h.rows("SELECT ltrim('hello world', 'hel'), rtrim('hello world', 'dlr'), btrim('abcTESTabc', 'abc'), trim('***hello***', '*')"))
      .to.deep.equal([['o world', 'hello wo', 'TEST', 'hello']]);
    expect(await h.rows("SELECT btrim('***hello***', '-'), btrim('xxx', 'x'), btrim('abc', ''), ltrim('★★a★', '★')"))
      .to.deep.equal([['***hello***', '', 'abc', 'a★']]);
    expect(await h.rows("SELECT btrim(s, 'x'), ltrim(s, 'x'), rtrim(s, 'x') FROM t ORDER BY ts"))
      .to.deep.equal([['hi', 'hixx', 'xxhi'], ['élan vital', 'élan vital', 'élan vital'], [null, null, null], ['', '', '']]);
    expect(await h.rows("SELECT btrim('xax', NULL), btrim(NULL, 'x')")).to.deep.equal([[null, null]]);
    // One argument: whitespace, as before.
    expect(await h.rows("SELECT btrim('  a  '), ltrim('  a  '), rtrim('  a  ')")).to.deep.equal([['a', 'a  ', '  a']]);
  });

  it('md5 gives 32 lower-case hex digits of the UTF-8 text', async () => {
    expect(await h.rows("SELECT md5('abc'), md5(''), md5(NULL)")).to.deep.equal([['900150983cd24fb0d6963f7d28e17f72', 'd41d8cd98f00b204e9800998ecf8427e', null]]);
    expect(await h.rows('SELECT md5(s) FROM t ORDER BY ts')).to.deep.equal([
      [createHash('md5').update('xxhixx').digest('hex')], [createHash('md5').update(Buffer.from('élan vital', 'utf8')).digest('hex')],
      [null], ['d41d8cd98f00b204e9800998ecf8427e'],
    ]);
  });

  it('cot, iszero and nanvl', async () => {
    const [[c1, c0, cn]] = await h.rows('SELECT cot(1), cot(0), cot(NULL)') as number[][];
    expect(c1).to.be.closeTo(1 / Math.tan(1), 1e-15);
    expect(c0).to.equal(Infinity);
    expect(cn).to.equal(null);
    expect(await h.rows('SELECT iszero(0), iszero(-0.0), iszero(1e-300), iszero(NULL)')).to.deep.equal([[true, true, false, null]]);
    expect(await h.rows('SELECT iszero(d), iszero(i) FROM t ORDER BY ts')).to.deep.equal([[true, false], [false, false], [null, null], [true, true]]);
    expect(await h.rows("SELECT nanvl(CAST('NaN' AS DOUBLE), 2), nanvl(1.5, 2), nanvl(NULL, 2), nanvl(CAST('NaN' AS DOUBLE), NULL)"))
      .to.deep.equal([[2, 1.5, null, null]]);
    expect(await h.rows('SELECT nanvl(d / d, -1) FROM t ORDER BY ts')).to.deep.equal([[-1], [1], [null], [-1]]);
  });

  it('gcd and lcm of BIGINTs: non-negative, NULL in NULL out, overflow is an error', async () => {
    expect(await h.rows('SELECT gcd(12, 18), gcd(-12, 18), gcd(0, 5), gcd(0, 0), gcd(NULL, 3)')).to.deep.equal([[6, 6, 5, 0, null]]);
    expect(await h.rows('SELECT lcm(4, 6), lcm(-4, 6), lcm(0, 5), lcm(7, NULL)')).to.deep.equal([[12, 12, 0, null]]);
    expect(await h.rows('SELECT gcd(i, 8), lcm(i, n) FROM t ORDER BY ts')).to.deep.equal([[4, 780], [2, 1746], [null, null], [8, 0]]);
    // Beyond 2^53 the arithmetic stays exact.
    expect(await h.rows('SELECT gcd(9007199254740993, 3), lcm(4611686018427387904, 2)')).to.deep.equal([[3, 4611686018427387904n]]);
    await fails(h, 'SELECT lcm(9223372036854775807, 2)', 'overflows BIGINT');
    await fails(h, 'SELECT gcd(-9223372036854775808, 0)', 'overflows BIGINT');
    await fails(h, 'SELECT gcd(1.5, 2)', 'No function matches gcd(Float64, Int64)', 'PLAN_QUERY');
  });

  it('factorial: BIGINT up to 20!, 1 below 0, an error above', async () => {
    expect(await h.rows('SELECT factorial(0), factorial(1), factorial(5), factorial(-3), factorial(20), factorial(NULL)'))
      .to.deep.equal([[1, 1, 120, 1, 2432902008176640000n, null]]);
    expect(await h.rows('SELECT factorial(i) FROM t WHERE i < 13 ORDER BY ts')).to.deep.equal([[479001600], [1], [1]]);
    await fails(h, 'SELECT factorial(21)', '21! overflows BIGINT');
  });
});

describe('sql: to_timezone and current_time', function () {
  this.timeout(10_000);
  let h: SqlHarness;
  beforeEach(async () => { h = await SqlHarness.start(); });
  afterEach(async () => { await h.stop(); });

  it('to_timezone formats the instant in the zone, with as many fraction digits as the value needs (0, 3, 6 or 9)', async () => {
    // GreptimeDB's sqlness case.
    expect(await h.rows("SELECT to_timezone('2022-09-20T14:16:43.012345+08:00'::Timestamp, 'Europe/Berlin')")).to.deep.equal([['2022-09-20 08:16:43.012']]);
    const r = await h.q(`SELECT to_timezone(CAST(1 AS TIMESTAMP(0)), 'America/New_York'), to_timezone(CAST(1 AS TIMESTAMP(3)), 'Europe/Moscow'),
      to_timezone(CAST(1 AS TIMESTAMP(6)), 'Europe/Moscow'), to_timezone(CAST(1 AS TIMESTAMP(9)), '+08:00'), to_timezone(CAST(1000 AS TIMESTAMP(3)), 'UTC')`);
    expect(r.types).to.deep.equal(['String', 'String', 'String', 'String', 'String']);
    expect(r.rows).to.deep.equal([['1969-12-31 19:00:01', '1970-01-01 03:00:00.001', '1970-01-01 03:00:00.000001', '1970-01-01 08:00:00.000000001', '1970-01-01 00:00:01']]);
    // Daylight saving time follows the zone's rules.
    expect(await h.rows("SELECT to_timezone('2024-07-01T12:00:00Z'::Timestamp, 'Europe/Berlin'), to_timezone('2024-01-01T12:00:00Z'::Timestamp, 'Europe/Berlin')"))
      .to.deep.equal([['2024-07-01 14:00:00', '2024-01-01 13:00:00']]);
  });

  it('to_timezone over a column; NULL timestamp or zone gives NULL; an unknown zone is an error', async () => {
    await h.q('CREATE TABLE e (ts TIMESTAMP TIME INDEX, z STRING)');
    await h.q("INSERT INTO e VALUES ('2024-01-01 00:00:00', 'Asia/Shanghai'), ('2024-01-01 00:00:01.5', '-05:00'), ('2024-01-01 00:00:02', NULL)");
    expect(await h.rows('SELECT to_timezone(ts, z) FROM e ORDER BY ts')).to.deep.equal([['2024-01-01 08:00:00'], ['2023-12-31 19:00:01.500'], [null]]);
    expect(await h.rows("SELECT to_timezone(NULL, 'UTC')")).to.deep.equal([[null]]);
    await fails(h, "SELECT to_timezone(ts, 'Mars/Olympus') FROM e", "unknown time zone 'Mars/Olympus'");
    await fails(h, "SELECT to_timezone(1, 'UTC')", 'No function matches to_timezone(Int64, String)', 'PLAN_QUERY');
  });

  it('current_time is the time of day now, in the session time zone', async () => {
    const secondsOfDay = (text: string): number => { const [hh, mm, ss] = text.split(':').map(Number); return hh! * 3600 + mm! * 60 + ss!; };
    const near = (text: string, offsetS: number): void => {
      expect(text).to.match(/^\d{2}:\d{2}:\d{2}(\.\d{3})?$/);
      const now = Date.now() / 1000 + offsetS;
      const want = ((now % 86_400) + 86_400) % 86_400;
      const diff = Math.abs(secondsOfDay(text) - want);
      expect(Math.min(diff, 86_400 - diff)).to.be.lessThan(5);
    };
    const r = await h.q('SELECT current_time(), current_time');
    expect(r.types).to.deep.equal(['String', 'String']);
    near(r.rows[0]![0] as string, 0);
    expect(r.rows[0]![1]).to.equal(r.rows[0]![0]); // one value per statement
    await h.q("SET time_zone = '+05:30'");
    near((await h.rows('SELECT current_time()'))[0]![0] as string, 5.5 * 3600);
  });
});
