import * as arrow from 'apache-arrow';
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { DefaultFunctionRegistry, builtinFunctions, type AggregateFunction } from '../../src/index.js';
import { SqlHarness } from '../support/sql-harness.js';

/**
 * Built-ins GreptimeDB has through DataFusion that Strata lacked: string and
 * math scalars, to_timezone / current_time, and the aggregates string_agg,
 * bool_and / bool_or, bit_and / bit_or / bit_xor and approx_median (also as
 * window functions, in range queries and merged across regions).
 */

const ctx = (n: number) => ({ rowCount: n, timezone: 'UTC' });

function registry(): DefaultFunctionRegistry {
  const r = new DefaultFunctionRegistry();
  for (const f of builtinFunctions(r)) r.register(f, 'built-in');
  return r;
}

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

describe('sql: string_agg, bool_and / bool_or, bit_and / bit_or / bit_xor, approx_median', function () {
  this.timeout(20_000);
  let h: SqlHarness;
  before(async () => {
    h = await SqlHarness.start();
    // Two regions: aggregates run as partial states per region, merged at the end.
    await h.q(`CREATE TABLE m (g STRING, ts TIMESTAMP TIME INDEX, s STRING, f BOOLEAN, i BIGINT, n INT, u INT UNSIGNED, v DOUBLE, PRIMARY KEY (g))
      PARTITION ON COLUMNS (g) (g < 'b', g >= 'b')`);
    await h.q(`INSERT INTO m VALUES
      ('a', 1000, 'a1', true, 12, 12, 4294967295, 1.0),
      ('a', 2000, 'a2', true, 10, 10, 1, 2.0),
      ('a', 3000, NULL, NULL, NULL, NULL, NULL, NULL),
      ('c', 1000, 'c1', false, -1, -1, 2, 10.0),
      ('c', 2000, 'c2', true, 6, 6, 3, 20.0),
      ('c', 3000, 'c3', true, -9223372036854775808, 0, 4, 30.0),
      ('d', 1000, NULL, NULL, NULL, NULL, NULL, NULL)`);
  });
  after(async () => { await h.stop(); });

  it('string_agg joins the non-NULL values; NULL with none; merges regions without losing a delimiter', async () => {
    const [[all]] = await h.rows("SELECT string_agg(s, ', ') FROM m") as string[][];
    expect(all!.split(', ').sort()).to.deep.equal(['a1', 'a2', 'c1', 'c2', 'c3']);
    expect(await h.rows("SELECT string_agg(s, ',' ORDER BY ts DESC, g) FROM m")).to.deep.equal([['c3,a2,c2,a1,c1']]);
    expect(await h.rows("SELECT g, string_agg(s, '-' ORDER BY ts) FROM m GROUP BY g ORDER BY g")).to.deep.equal([['a', 'a1-a2'], ['c', 'c1-c2-c3'], ['d', null]]);
    expect(await h.rows("SELECT string_agg(s, NULL ORDER BY s), string_agg(DISTINCT f_s, '/' ORDER BY f_s) FROM (SELECT s, CAST(f AS STRING) AS f_s FROM m)"))
      .to.deep.equal([['a1a2c1c2c3', 'false/true']]);
    // DISTINCT holds with ORDER BY inside any aggregate (it was ignored there).
    expect(await h.rows('SELECT count(DISTINCT f ORDER BY f), count(f ORDER BY f) FROM m')).to.deep.equal([[2, 5]]);
    expect(await h.rows("SELECT string_agg(s, ',') FROM m WHERE g = 'zzz'")).to.deep.equal([[null]]);
    expect(await h.rows("SELECT string_agg(NULL, ',')")).to.deep.equal([[null]]);
    await fails(h, "SELECT string_agg(i, ',') FROM m", 'No function matches string_agg(Int64, String)', 'PLAN_QUERY');
  });

  it('bool_and / bool_or over the non-NULL values; NULL with none', async () => {
    const r = await h.q('SELECT bool_and(f), bool_or(f) FROM m');
    expect(r.types).to.deep.equal(['Boolean', 'Boolean']);
    expect(r.rows).to.deep.equal([[false, true]]);
    expect(await h.rows('SELECT g, bool_and(f), bool_or(f), bool_or(NOT f) FROM m GROUP BY g ORDER BY g'))
      .to.deep.equal([['a', true, true, false], ['c', false, true, true], ['d', null, null, null]]);
    expect(await h.rows("SELECT bool_and(f), bool_or(f) FROM m WHERE g = 'zzz'")).to.deep.equal([[null, null]]);
    await fails(h, 'SELECT bool_and(i) FROM m', 'No function matches bool_and(Int64)', 'PLAN_QUERY');
  });

  it('bit_and / bit_or / bit_xor keep the integer type, all 64 bits, and NULL with no values', async () => {
    const r = await h.q('SELECT bit_and(i), bit_or(i), bit_xor(i), bit_and(n), bit_or(n), bit_xor(n), bit_and(u), bit_or(u), bit_xor(u) FROM m');
    expect(r.types).to.deep.equal(['Int64', 'Int64', 'Int64', 'Int32', 'Int32', 'Int32', 'UInt32', 'UInt32', 'UInt32']);
    const i = [12n, 10n, -1n, 6n, -9223372036854775808n];
    const n = [12, 10, -1, 6, 0];
    const u = [4294967295, 1, 2, 3, 4];
    const fold = <T extends number | bigint>(xs: T[], f: (a: T, b: T) => T): T => xs.reduce(f);
    expect(r.rows).to.deep.equal([[
      fold(i, (a, b) => a & b), fold(i, (a, b) => a | b), fold(i, (a, b) => a ^ b),
      fold(n, (a, b) => a & b), fold(n, (a, b) => a | b), fold(n, (a, b) => a ^ b),
      fold(u, (a, b) => (a & b) >>> 0), fold(u, (a, b) => (a | b) >>> 0), fold(u, (a, b) => (a ^ b) >>> 0),
    ]]);
    expect(await h.rows('SELECT g, bit_and(i), bit_or(i), bit_xor(i) FROM m GROUP BY g ORDER BY g'))
      .to.deep.equal([['a', 8, 14, 6], ['c', 0, -1, -9223372036854775808n ^ 6n ^ -1n], ['d', null, null, null]]);
    // i % 4: 0, 2, -1, 2, 0 -> DISTINCT 0, 2, -1.
    expect(await h.rows('SELECT bit_xor(x), bit_xor(DISTINCT x) FROM (SELECT i % 4 AS x FROM m)')).to.deep.equal([[-1, -3]]);
    expect(await h.rows('SELECT bit_and(NULL)')).to.deep.equal([[null]]);
    await fails(h, 'SELECT bit_or(v) FROM m', 'No function matches bit_or(Float64)', 'PLAN_QUERY');
  });

  it('approx_median is the median of small inputs, a DOUBLE whatever the numeric argument', async () => {
    const r = await h.q('SELECT approx_median(v), approx_median(n), approx_median(u) FROM m');
    expect(r.types).to.deep.equal(['Float64', 'Float64', 'Float64']);
    // v: 1, 2, 10, 20, 30; n: -1, 0, 6, 10, 12; u: 1, 2, 3, 4, 4294967295.
    expect(r.rows).to.deep.equal([[10, 6, 3]]);
    // Between two values the estimate keeps its fraction (DataFusion returns a DOUBLE since apache/datafusion#21074).
    expect(await h.rows("SELECT g, approx_median(v), approx_median(n) FROM m GROUP BY g ORDER BY g")).to.deep.equal([['a', 1.5, 11], ['c', 20, 0], ['d', null, null]]);
    expect(await h.rows("SELECT approx_median(v) FROM m WHERE g = 'zzz'")).to.deep.equal([[null]]);
    await fails(h, 'SELECT approx_median(s) FROM m', 'No function matches approx_median(String)', 'PLAN_QUERY');
  });

  it('work as window functions over a frame', async () => {
    expect(await h.rows(`SELECT ts, string_agg(s, '+') OVER w, bool_and(f) OVER w, bit_or(n) OVER w, approx_median(v) OVER w
      FROM m WHERE g = 'c' WINDOW w AS (ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) ORDER BY ts`)).to.deep.equal([
      [1000, 'c1', false, -1, 10], [2000, 'c1+c2', false, -1, 15], [3000, 'c2+c3', true, 6, 25],
    ]);
    expect(await h.rows("SELECT g, string_agg(s, ',') OVER (PARTITION BY g ORDER BY ts) FROM m WHERE g IN ('a', 'd') ORDER BY g, ts"))
      .to.deep.equal([['a', 'a1'], ['a', 'a1,a2'], ['a', 'a1,a2'], ['d', null]]);
  });

  it('work in range queries', async () => {
    expect(await h.rows(`SELECT ts, g, string_agg(s, ';') RANGE '2s', bool_or(f) RANGE '2s', bit_xor(n) RANGE '2s', approx_median(v) RANGE '2s'
      FROM m WHERE g = 'c' ALIGN '1s' BY (g) ORDER BY ts`)).to.deep.equal([
      [0, 'c', 'c1', false, -1, 10], [1000, 'c', 'c1;c2', true, -7, 15], [2000, 'c', 'c2;c3', true, 6, 25], [3000, 'c', 'c3', true, 0, 30],
    ]);
  });
});

describe('functions: partial states of the new aggregates merge like one pass', () => {
  const reg = registry();
  const agg = (name: string) => reg.lookup(name) as AggregateFunction<unknown>;
  /** Runs fn over `parts` (arguments per part) with a serialize/deserialize round trip per partial state, then merges. */
  const merged = (name: string, parts: arrow.Vector[][]): unknown => {
    const fn = agg(name);
    const states = parts.map((args) => fn.update(fn.init(), args, null, ctx(args[0]!.length)));
    const moved = states.map((s) => fn.deserialize!(fn.serialize!(s)));
    return fn.finalize([fn.init(), ...moved, fn.init()].reduce((a, b) => fn.merge(a, b)));
  };
  const oneShot = (name: string, args: arrow.Vector[], rows: number[] | null = null): unknown => {
    const fn = agg(name);
    return fn.finalize(fn.update(fn.init(), args, rows ? Uint32Array.from(rows) : null, ctx(args[0]!.length)));
  };
  const strs = (xs: Array<string | null>) => arrow.vectorFromArray(xs, new arrow.Utf8());
  const bools = (xs: Array<boolean | null>) => arrow.vectorFromArray(xs, new arrow.Bool());
  const i64s = (xs: Array<bigint | null>) => arrow.vectorFromArray(xs, new arrow.Int64());

  it('string_agg keeps the delimiter between merged parts (each value after the first takes its row\'s delimiter)', () => {
    const parts = [[strs(['a', null, 'b']), strs([',', ',', ';'])], [strs([null])], [strs(['c', 'd']), strs(['|', '/'])]];
    parts[1]!.push(strs([',']));
    expect(merged('string_agg', parts)).to.equal('a;b|c/d');
    expect(oneShot('string_agg', [strs(['a', 'b', 'c']), strs(['-', '+', null])])).to.equal('a+bc');
    expect(oneShot('string_agg', [strs(['a', 'b', 'c']), strs([',', ',', ','])], [2, 0])).to.equal('c,a');
    expect(merged('string_agg', [[strs([null]), strs([','])]])).to.equal(null);
  });

  it('bool_and / bool_or and the bit aggregates merge across parts and ignore empty ones', () => {
    expect(merged('bool_and', [[bools([true, null])], [bools([null])], [bools([true, false])]])).to.equal(false);
    expect(merged('bool_and', [[bools([true])], [bools([null])]])).to.equal(true);
    expect(merged('bool_or', [[bools([false, null])], [bools([false])]])).to.equal(false);
    expect(merged('bool_or', [[bools([null])]])).to.equal(null);
    const xs = [5n, -3n, 1n << 40n, -(1n << 62n), 0x7fffffffffffffffn];
    const parts = [[i64s(xs.slice(0, 2))], [i64s([null])], [i64s(xs.slice(2))]];
    expect(merged('bit_and', parts)).to.equal(xs.reduce((a, b) => a & b));
    expect(merged('bit_or', parts)).to.equal(xs.reduce((a, b) => a | b));
    expect(merged('bit_xor', parts)).to.equal(xs.reduce((a, b) => a ^ b));
    expect(merged('bit_xor', [[i64s([null])]])).to.equal(null);
    const u64 = arrow.vectorFromArray([0xffffffffffffffffn, 0x8000000000000001n], new arrow.Uint64());
    expect(oneShot('bit_and', [u64])).to.equal(0x8000000000000001n);
  });

  it('approx_median merges t-digests: DataFusion\'s estimate for few values, close for many', () => {
    const f64 = (xs: number[]) => arrow.vectorFromArray(xs, new arrow.Float64());
    // 1, 3, 5, 100: rank 2 is in the centroid 5, 5 - 0.5 * (100 - 3) / 2, clamped to its lower neighbour 3.
    expect(merged('approx_median', [[f64([5, 1])], [f64([])], [f64([3, 100])]])).to.equal(3);
    const xs = Array.from({ length: 40_000 }, (_, k) => (k * 7919) % 40_000);
    const est = merged('approx_median', [0, 1, 2, 3].map((p) => [f64(xs.slice(p * 10_000, (p + 1) * 10_000))])) as number;
    expect(Math.abs(est - 19_999.5) / 40_000).to.be.lessThan(0.01);
  });
});
