import { expect } from 'chai';
import { SqlHarness } from '../support/sql-harness.js';

const DAY_MS = 86_400_000;

/**
 * SQL-standard call forms (TRIM ... FROM, SUBSTRING ... FROM ... FOR, POSITION ... IN,
 * OVERLAY ... PLACING) and built-in functions checked against DataFusion / GreptimeDB:
 * their results, types and errors.
 */
describe('sql: SQL-standard call forms and DataFusion function semantics', function () {
  this.timeout(10_000);
  let h: SqlHarness;
  beforeEach(async () => {
    h = await SqlHarness.start();
    await h.q('CREATE TABLE s (k STRING, ts TIMESTAMP TIME INDEX, v STRING, n BIGINT, u BIGINT UNSIGNED, PRIMARY KEY(k))');
    await h.q(`INSERT INTO s VALUES ('a', 1000, 'xxhixx', 7, 7), ('b', 2000, '  pad  ', -7, 4), ('c', 3000, NULL, NULL, NULL),
      ('d', 4000, 'Thomas', 10, 3)`);
  });
  afterEach(async () => { await h.stop(); });
  const fails = (sql: string, code: string, text: string): Promise<void> => h.fails(sql, text, code);

  describe('keyword forms', () => {
    it('TRIM([BOTH | LEADING | TRAILING] [chars] FROM s) and TRIM(chars FROM s) are btrim / ltrim / rtrim / trim', async () => {
      expect(await h.rows(`SELECT TRIM(LEADING 'x' FROM v), TRIM(TRAILING 'x' FROM v), TRIM(BOTH 'x' FROM v), TRIM('x' FROM v),
        trim(leading 'xh' from v) FROM s WHERE k = 'a'`)).to.deep.equal([['hixx', 'xxhi', 'hi', 'hi', 'ixx']]);
      expect(await h.rows(`SELECT TRIM(LEADING FROM v), TRIM(TRAILING FROM v), TRIM(BOTH FROM v), TRIM(FROM v), TRIM(LEADING v)
        FROM s WHERE k = 'b'`)).to.deep.equal([['pad  ', '  pad', 'pad', 'pad', 'pad  ']]);
      // NULL source or characters give NULL; the column is named after the text as written.
      const r = await h.q("SELECT TRIM(BOTH 'x' FROM v), TRIM(BOTH NULL FROM 'xx') FROM s WHERE k = 'c'");
      expect(r.columns).to.deep.equal(["TRIM(BOTH 'x' FROM v)", "TRIM(BOTH NULL FROM 'xx')"]);
      expect(r.rows).to.deep.equal([[null, null]]);
    });

    it('a keyword form and its plain call are the same expression for GROUP BY and ORDER BY', async () => {
      expect(await h.rows("SELECT ltrim(v, 'x'), count(*) FROM s WHERE k = 'a' GROUP BY TRIM(LEADING 'x' FROM v)")).to.deep.equal([['hixx', 1]]);
      expect(await h.rows("SELECT TRIM(LEADING 'x' FROM v) AS t FROM s WHERE k IN ('a', 'd') ORDER BY ltrim(v, 'x')")).to.deep.equal([['Thomas'], ['hixx']]);
    });

    it('SUBSTRING(s FROM a [FOR b]) and SUBSTRING(s FOR b) are substr', async () => {
      expect(await h.rows("SELECT SUBSTRING(v FROM 2 FOR 3), SUBSTRING(v FROM 3), SUBSTRING(v FOR 2), SUBSTRING(v FROM n - 8) FROM s WHERE k = 'd'"))
        .to.deep.equal([['hom', 'omas', 'Th', 'homas']]);
      await fails("SELECT SUBSTRING('abc' FROM 1 FOR -1)", 'INVALID_ARGUMENTS', 'negative substring length');
    });

    it('POSITION(x IN s) is strpos(s, x): 1-based, by character, 0 when absent', async () => {
      expect(await h.rows("SELECT POSITION('om' IN v), POSITION('z' IN v), POSITION('b' IN 'äbc'), POSITION('o' || 'm' IN v), POSITION('m' IN (v)) FROM s WHERE k = 'd'"))
        .to.deep.equal([[3, 0, 2, 3, 4]]);
      expect(await h.rows("SELECT POSITION('x' IN v) FROM s WHERE k = 'c'")).to.deep.equal([[null]]);
    });

    it('OVERLAY(s PLACING r FROM a [FOR b]) replaces b characters (default: the length of r)', async () => {
      expect(await h.rows(`SELECT OVERLAY(v PLACING 'hom' FROM 2 FOR 4), OVERLAY('Txxxxas' PLACING 'hom' FROM 2), overlay('Txxxxas', 'hom', 2, 4),
        OVERLAY('héllo' PLACING 'É' FROM 2 FOR 1), OVERLAY('abc' PLACING 'X' FROM 1 FOR 0) FROM s WHERE k = 'd'`))
        .to.deep.equal([['Thoms', 'Thomxas', 'Thomas', 'hÉllo', 'Xabc']]);
    });

    it('keyword forms work in WHERE, GROUP BY and with parameters in textual order', async () => {
      expect(await h.rows("SELECT k FROM s WHERE POSITION('hi' IN v) > 0 OR TRIM(v) = 'pad' ORDER BY k")).to.deep.equal([['a'], ['b']]);
      expect(await h.rows('SELECT SUBSTRING(k FROM 1 FOR 1) AS c, count(*) FROM s GROUP BY SUBSTRING(k FROM 1 FOR 1) ORDER BY c'))
        .to.deep.equal([['a', 1], ['b', 1], ['c', 1], ['d', 1]]);
      const r = await h.q("SELECT TRIM(? FROM ?), POSITION(? IN ?)", { params: ['x', 'xaxx', 'b', 'abc'] });
      expect(r.rows).to.deep.equal([['a', 2n]]);
    });

    it('CEIL / FLOOR (ts TO unit) are not supported (DataFusion drops the unit and fails on a timestamp)', async () => {
      await fails('SELECT CEIL(ts TO DAY) FROM s', 'INVALID_SYNTAX', 'Syntax error');
    });
  });

  describe('DataFusion semantics of existing functions', () => {
    it('one-argument trim / btrim / ltrim / rtrim strip spaces only, not tabs or newlines', async () => {
      expect(await h.rows("SELECT trim(concat(chr(9), ' a ', chr(10))), btrim('  a  '), ltrim(concat(' ', chr(9), 'a')), rtrim(concat('a', chr(13), ' '))"))
        .to.deep.equal([['\t a \n', 'a', '\ta', 'a\r']]);
      expect(await h.rows("SELECT trim(v), ltrim(v), rtrim(v) FROM s WHERE k IN ('b', 'c') ORDER BY k"))
        .to.deep.equal([['pad', 'pad  ', '  pad'], [null, null, null]]);
    });

    it('mod(a, 0) on integers is DIVIDE_BY_ZERO like a % 0; types follow GreptimeDB (signed BIGINT, unsigned, else DOUBLE)', async () => {
      await fails('SELECT mod(5, 0)', 'DIVIDE_BY_ZERO', 'Divide by zero');
      await fails('SELECT mod(n, n - n) FROM s', 'DIVIDE_BY_ZERO', 'Divide by zero');
      await fails('SELECT 5 % 0', 'DIVIDE_BY_ZERO', 'Divide by zero');
      const r = await h.q("SELECT mod(n, 4), mod(u, CAST(5 AS BIGINT UNSIGNED)), mod(n, 2.5), mod(CAST(n AS DOUBLE), 0), mod(n, NULL) FROM s WHERE k IN ('a', 'b') ORDER BY k");
      expect(r.types).to.deep.equal(['Int64', 'UInt64', 'Float64', 'Float64', 'Int64']);
      expect(r.rows.map((row) => row.slice(0, 3))).to.deep.equal([[3n, 2n, 2], [-3n, 4n, -2]]);
      expect(r.rows.map((row) => [Number.isNaN(row[3]), row[4]])).to.deep.equal([[true, null], [true, null]]);
      // A NULL divisor is NULL, not an error.
      expect(await h.rows("SELECT mod(7, n) FROM s WHERE k = 'c'")).to.deep.equal([[null]]);
    });

    it('approx_percentile_cont is a DOUBLE even over an integer column, as approx_median (DataFusion since apache/datafusion#21074)', async () => {
      const r = await h.q('SELECT approx_percentile_cont(n, 0.5), approx_percentile_cont(CAST(n AS DOUBLE), 0.5), approx_median(n) FROM s');
      expect(r.types).to.deep.equal(['Float64', 'Float64', 'Float64']);
      expect(r.rows).to.deep.equal([[7, 7, 7]]);
      // -7 and 7: the estimate falls between them, 7 - 0.5 * 14 (GreptimeDB's approx_percentile_cont.result gives 499.25 over 0..999).
      expect((await h.q("SELECT approx_percentile_cont(n, 0.5) FROM s WHERE k IN ('a', 'b')")).rows).to.deep.equal([[0]]);
    });

    it('string_agg(DISTINCT s, NULL) joins the distinct values without a delimiter, as without DISTINCT', async () => {
      await h.q("INSERT INTO s VALUES ('e', 5000, 'xxhixx', 1, 1)");
      expect(await h.rows('SELECT string_agg(DISTINCT v, NULL ORDER BY v), string_agg(v, NULL ORDER BY v) FROM s'))
        .to.deep.equal([['  pad  Thomasxxhixx', '  pad  Thomasxxhixxxxhixx']]);
      expect(await h.rows("SELECT string_agg(DISTINCT k, NULL) FROM s WHERE k IN ('a', 'e')")).to.deep.equal([['ae']]);
      expect(await h.rows("SELECT string_agg(DISTINCT v, ',') FROM s WHERE k IN ('a', 'e')")).to.deep.equal([['xxhixx']]);
    });
  });

  describe('added functions', () => {
    it('nvl2(a, b, c): b when a is not NULL, else c, in their common type', async () => {
      const r = await h.q("SELECT nvl2(v, 'set', 'unset'), nvl2(n, 1, 2.5) FROM s WHERE k IN ('a', 'c') ORDER BY k");
      expect(r.types).to.deep.equal(['String', 'Float64']);
      expect(r.rows).to.deep.equal([['set', 1], ['unset', 2.5]]);
    });

    it('uuid() is a fresh version-4 UUID on every row', async () => {
      const rows = await h.rows('SELECT uuid() FROM s');
      const ids = rows.map((r) => r[0] as string);
      for (const id of ids) expect(id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(new Set(ids).size).to.equal(4);
    });

    it('to_char formats a timestamp or date with chrono specifiers, in UTC whatever the session time zone', async () => {
      await h.q("SET time_zone = 'Asia/Shanghai'");
      expect(await h.rows(`SELECT to_char(TIMESTAMP '2024-03-05 13:02:03.250', '%Y-%m-%d %H:%M:%S%.3f'), to_char(DATE '2024-03-05', '%F %a %B %j'),
        to_char(TIMESTAMP '2024-03-05 13:02:03', '%I:%M %p %D %u')`))
        .to.deep.equal([['2024-03-05 05:02:03.250', '2024-03-05 Tue March 065', '05:02 AM 03/05/24 2']]);
    });

    it('from_unixtime(seconds) is a TIMESTAMP(0)', async () => {
      const r = await h.q('SELECT from_unixtime(86400), from_unixtime(n) FROM s WHERE n = 10');
      expect(r.types).to.deep.equal(['TimestampSecond', 'TimestampSecond']);
      expect(r.rows).to.deep.equal([[DAY_MS, 10_000]]);
    });

    it('make_date(y, m, d) builds a DATE and rejects impossible dates', async () => {
      const r = await h.q("SELECT make_date(2024, 2, 29), make_date('2024', '03', '01'), make_date(1969, 12, 31)");
      expect(r.types).to.deep.equal(['Date', 'Date', 'Date']);
      expect(r.rows).to.deep.equal([[Date.UTC(2024, 1, 29), Date.UTC(2024, 2, 1), -DAY_MS]]);
      await fails('SELECT make_date(2023, 2, 29)', 'INVALID_ARGUMENTS', 'not a valid date');
      await fails('SELECT make_date(2024, 13, 1)', 'INVALID_ARGUMENTS', 'not a valid date');
    });

    it('to_date reads YYYY-MM-DD text, chrono formats (first match wins), day numbers, dates and timestamps', async () => {
      const r = await h.q(`SELECT to_date('2024-02-29'), to_date('05/03/2024', '%Y-%m-%d', '%d/%m/%Y'), to_date('March 5, 24', '%B %d, %y'),
        to_date(19000), to_date(TIMESTAMP '2024-03-05 23:59:59'), to_date('2024-065', '%Y-%j')`);
      expect(r.types).to.deep.equal(['Date', 'Date', 'Date', 'Date', 'Date', 'Date']);
      expect(r.rows).to.deep.equal([[Date.UTC(2024, 1, 29), Date.UTC(2024, 2, 5), Date.UTC(2024, 2, 5), 19000 * DAY_MS, Date.UTC(2024, 2, 5), Date.UTC(2024, 2, 5)]]);
      await fails("SELECT to_date('2024-13-01')", 'INVALID_ARGUMENTS', "cannot parse '2024-13-01'");
      await fails("SELECT to_date('2024/01/01', '%Y-%m-%d')", 'INVALID_ARGUMENTS', 'matches none of the formats');
    });

    it('to_timestamp_seconds / _micros / _nanos read integers in their unit, text, and timestamps', async () => {
      const r = await h.q(`SELECT to_timestamp_seconds(1), to_timestamp_seconds('1970-01-01 00:00:02'), to_timestamp_micros(1500),
        to_timestamp_nanos(2000000), to_timestamp_millis(5), to_timestamp_seconds(TIMESTAMP '1970-01-01 00:00:03.900')`);
      expect(r.types).to.deep.equal(['TimestampSecond', 'TimestampSecond', 'TimestampMicrosecond', 'TimestampNanosecond', 'TimestampMillisecond', 'TimestampSecond']);
      expect(r.rows).to.deep.equal([[1000, 2000, 1.5, 2, 5, 3000]]);
    });

    it("date_part('nanosecond', ts) includes the seconds, as microsecond and millisecond do", async () => {
      expect(await h.rows("SELECT date_part('nanosecond', TIMESTAMP '2024-01-01 00:00:01.5'), date_part('microsecond', TIMESTAMP '2024-01-01 00:00:01.5')"))
        .to.deep.equal([[1_500_000_000, 1_500_000]]);
    });
  });
});
