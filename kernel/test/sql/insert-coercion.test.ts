import { expect } from 'chai';
import { createSession, StatusCode, type StrataError } from '../../src/index.js';
import type * as ast from '../../src/sql/ast.js';
import { parseAll } from './parser-helpers.js';
import { tryFastInsert } from '../../src/sql/parser/fast-insert.js';
import { lexAll } from '../../src/sql/parser/lexer.js';
import { SqlHarness } from '../support/sql-harness.js';

/**
 * INSERT ... VALUES conversion as GreptimeDB does it: when every item is a plain literal, each
 * is converted for its column by `sql_value_to_value`'s rules (insert-literals.ts); with any
 * other expression among the values, every value is CAST to its column's type.
 */
describe('sql: INSERT value conversion and literal syntax (GreptimeDB sql_value_to_value)', function () {
  this.timeout(10_000);
  let h: SqlHarness;
  beforeEach(async () => {
    h = await SqlHarness.start();
    await h.q(`CREATE TABLE t (s STRING, i TINYINT, u TINYINT UNSIGNED, big BIGINT, b BOOLEAN, f DOUBLE, r FLOAT, d DATE,
      x DECIMAL(5, 2), bin VARBINARY, iv INTERVAL, ts TIMESTAMP TIME INDEX)`);
  });
  afterEach(async () => { await h.stop(); });

  const fails = async (sql: string, status: StatusCode, text: string): Promise<StrataError> => {
    try {
      await h.q(sql);
    } catch (err) {
      const e = err as StrataError;
      expect([e.status, e.message], sql).to.satisfy(([s, m]: [number, string]) => s === status && m.includes(text),
        `${sql}: got ${e.status} ${e.message}`);
      return e;
    }
    return expect.fail(`should fail: ${sql}`);
  };
  const one = async (col: string, ts: number): Promise<unknown> => (await h.rows(`SELECT ${col} FROM t WHERE ts = ${ts}`))[0]?.[0];

  it('a number into a STRING column is refused (2000), as GreptimeDB insert_invalid; quoted it is written', async () => {
    await fails('INSERT INTO t (s, ts) VALUES (3, 4)', StatusCode.InvalidSyntax, "column s (row 1): the number 3 cannot be written into String column s (quote it: '3')");
    await h.q("INSERT INTO t (s, ts) VALUES ('3', 4)");
    expect(await one('s', 4)).to.equal('3');
  });

  it('integers: exact integer text in range, else 2000 (a fraction) or 1004 (out of range)', async () => {
    await fails('INSERT INTO t (i, ts) VALUES (300, 1)', StatusCode.InvalidArguments, 'column i (row 1): 300 is out of range for Int8 (-128 to 127)');
    await fails('INSERT INTO t (u, ts) VALUES (-1, 1)', StatusCode.InvalidArguments, '-1 is out of range for UInt8 (0 to 255)');
    await fails('INSERT INTO t (i, ts) VALUES (1.5, 1)', StatusCode.InvalidSyntax, '1.5 is not an integer, and Int8 takes integers only');
    await fails('INSERT INTO t (big, ts) VALUES (1e3, 1)', StatusCode.InvalidSyntax, '1e3 is not an integer');
    await fails('INSERT INTO t (big, ts) VALUES (9223372036854775808, 1)', StatusCode.InvalidArguments, 'out of range for Int64');
    await h.q('INSERT INTO t (i, u, big, ts) VALUES (-128, 255, -9223372036854775808, 1), (- 5, +7, 9223372036854775807, 2)');
    expect(await h.rows('SELECT i, u, big FROM t ORDER BY ts')).to.deep.equal([[-128, 255, -9223372036854775808n], [-5, 7, 9223372036854775807n]]);
  });

  it('booleans: TRUE/FALSE only into BOOLEAN, and the numbers 0 and 1 (MySQL clients send them)', async () => {
    await fails('INSERT INTO t (f, ts) VALUES (true, 1)', StatusCode.InvalidArguments, 'column f (row 1) is Float64 and cannot take the boolean TRUE');
    await fails('INSERT INTO t (s, ts) VALUES (false, 1)', StatusCode.InvalidArguments, 'is String and cannot take the boolean FALSE');
    await fails('INSERT INTO t (b, ts) VALUES (2, 1)', StatusCode.InvalidSyntax, 'the number 2 cannot be written into Boolean column b');
    await h.q('INSERT INTO t (b, ts) VALUES (1, 1), (0, 2), (false, 3)');
    expect((await h.rows('SELECT b FROM t ORDER BY ts')).flat()).to.deep.equal([true, false, false]);
  });

  it('quoted numbers into number or BOOLEAN columns: refused (1004) over HTTP, parsed on MySQL connections', async () => {
    await fails("INSERT INTO t (i, ts) VALUES ('12', 1)", StatusCode.InvalidArguments, "column i (row 1) is Int8 and cannot take the string '12'");
    await fails("INSERT INTO t (f, ts) VALUES ('nan', 1)", StatusCode.InvalidArguments, "is Float64 and cannot take the string 'nan'");
    await fails("INSERT INTO t (b, ts) VALUES ('true', 1)", StatusCode.InvalidArguments, 'cannot take the string');
    h.session = createSession({ channel: 'mysql' });
    await h.q("INSERT INTO t (i, f, r, b, ts) VALUES ('12', 'NaN', '-inf', 'true', 1), ('+3', '1e3', '.5', 'false', 2)");
    const rows = await h.rows('SELECT i, f, r, b FROM t ORDER BY ts');
    expect(rows[0]![0]).to.equal(12);
    expect(rows[0]![1]).to.be.NaN;
    expect(rows.slice(1)).to.deep.equal([[3, 1000, 0.5, false]]);
    expect(rows[0]!.slice(2)).to.deep.equal([-Infinity, true]);
    // Rust's str::parse rules: no spaces, no fractions for integers, 'true'/'false' exactly.
    await fails("INSERT INTO t (i, ts) VALUES (' 12', 3)", StatusCode.InvalidArguments, "column i (row 1): unable to convert ' 12' to Int8");
    await fails("INSERT INTO t (i, ts) VALUES ('1.5', 3)", StatusCode.InvalidArguments, "unable to convert '1.5' to Int8");
    await fails("INSERT INTO t (i, ts) VALUES ('300', 3)", StatusCode.InvalidArguments, '300 is out of range for Int8');
    await fails("INSERT INTO t (b, ts) VALUES ('yes', 3)", StatusCode.InvalidArguments, "unable to convert 'yes' to Boolean");
  });

  it('floats: any number; NaN and infinities only through a cast; FLOAT overflows to inf', async () => {
    await h.q("INSERT INTO t (f, r, ts) VALUES (1e400, 1e39, 1), (-0.5, 3.4e38, 2), ('nan'::DOUBLE, '-infinity'::FLOAT, 3)");
    const rows = await h.rows('SELECT f, r FROM t ORDER BY ts');
    expect(rows.slice(0, 2)).to.deep.equal([[Infinity, Infinity], [-0.5, Math.fround(3.4e38)]]);
    expect(rows[2]![0]).to.be.NaN;
    expect(rows[2]![1]).to.equal(-Infinity);
  });

  it('timestamps: a number is the raw value in the column unit; text uses the session time zone unless it has a zone', async () => {
    await h.q('CREATE TABLE sec (ts TIMESTAMP(0) TIME INDEX, v INT)');
    await h.q("INSERT INTO sec VALUES (1000, 1), ('2000', 2)");
    // 1000 and 2000 seconds (Arrow hands timestamps back in milliseconds).
    expect(await h.rows('SELECT ts, v FROM sec ORDER BY v')).to.deep.equal([[1_000_000, 1], [2_000_000, 2]]);
    h.session.timezone = '+08:00';
    await h.q("INSERT INTO t (s, ts) VALUES ('zoneless', '2024-01-01 08:00:00'), ('zoned', '2024-01-01 08:00:00Z')");
    expect(await h.rows('SELECT s, ts FROM t ORDER BY ts')).to.deep.equal([['zoneless', Date.UTC(2024, 0, 1)], ['zoned', Date.UTC(2024, 0, 1, 8)]]);
    await fails('INSERT INTO t (ts) VALUES (1.5)', StatusCode.InvalidSyntax, 'column ts (row 1): 1.5 is not an integer count of milliseconds since the epoch');
    await fails('INSERT INTO t (ts) VALUES (9999999999999999)', StatusCode.InvalidArguments, 'timestamp 9999999999999999 overflows TimestampMillisecond');
    await fails("INSERT INTO t (ts) VALUES ('2024-02-30 00:00:00')", StatusCode.InvalidSyntax, "'2024-02-30 00:00:00' is not a valid TimestampMillisecond");
  });

  it('dates: text or DATE literals; a number is refused (2000)', async () => {
    await h.q("INSERT INTO t (d, ts) VALUES ('1993-08-14', 1), (NULL, 2)");
    await h.q("INSERT INTO t (d, ts) VALUES (DATE '2024-03-01', 3)");
    expect((await h.rows('SELECT d FROM t ORDER BY ts')).flat()).to.deep.equal([Date.UTC(1993, 7, 14), null, Date.UTC(2024, 2, 1)]);
    await fails('INSERT INTO t (d, ts) VALUES (5, 4)', StatusCode.InvalidSyntax, 'the number 5 cannot be written into Date column d');
    await fails("INSERT INTO t (d, ts) VALUES ('2023-02-29', 4)", StatusCode.InvalidSyntax, "'2023-02-29' is not a valid Date");
  });

  it('DECIMAL: exact text rounded half away from zero to the scale; too many digits is an error (1004)', async () => {
    await h.q("INSERT INTO t (x, ts) VALUES (1.005, 1), (-1.005, 2), ('999.994', 3), (12, 4)");
    expect((await h.rows('SELECT CAST(x AS STRING) FROM t ORDER BY ts')).flat()).to.deep.equal(['1.01', '-1.01', '999.99', '12.00']);
    await fails('INSERT INTO t (x, ts) VALUES (999.995, 5)', StatusCode.InvalidArguments, 'column x (row 1): 999.995 rounds to 1000.00, which does not fit Decimal(5, 2)');
    await fails("INSERT INTO t (x, ts) VALUES ('abc', 5)", StatusCode.InvalidSyntax, "'abc' is not a valid Decimal(5, 2)");
  });

  it("binary: X'..' and 0x.. literals into VARBINARY, into STRING when UTF-8, refused elsewhere", async () => {
    await h.q("INSERT INTO t (bin, s, ts) VALUES (X'0A0B', X'6869', 1), (0xff00, 'x', 2), ('ab', N'n', 3)");
    const rows = (await h.q('SELECT bin, s FROM t ORDER BY ts')).rows.map(([b, s]) => [Buffer.from(b as Uint8Array).toString('hex'), s]);
    expect(rows).to.deep.equal([['0a0b', 'hi'], ['ff00', 'x'], ['6162', 'n']]);
    await fails("INSERT INTO t (i, ts) VALUES (X'01', 4)", StatusCode.InvalidArguments, "column i (row 1) is Int8 and cannot take the binary literal X'01'");
    await fails("INSERT INTO t (s, ts) VALUES (X'ff', 4)", StatusCode.InvalidArguments, "X'ff' is not valid UTF-8 text for String");
    await fails("INSERT INTO t (bin, ts) VALUES (X'0A0', 4)", StatusCode.InvalidSyntax, "column bin (row 1): Failed to parse hex literal X'0A0': odd number of digits");
    expect((await h.q("SELECT X'0a0b', 0x0A0B")).types).to.deep.equal(['Binary', 'Binary']);
  });

  it("intervals: text is refused (GreptimeDB insert_wrong_type), INTERVAL '1' YEAR and INTERVAL '1 year' are written", async () => {
    await fails("INSERT INTO t (iv, ts) VALUES ('1 year', 1000)", StatusCode.InvalidSyntax, "'1 year' cannot be written into IntervalMonthDayNano column iv as text (write INTERVAL '1 year')");
    await h.q("INSERT INTO t (iv, ts) VALUES (INTERVAL '1' YEAR, 1000), (INTERVAL '2 days', 2000)");
    expect((await h.rows('SELECT CAST(iv AS STRING) FROM t ORDER BY ts')).flat()).to.deep.equal(['12 mons', '2 days']);
  });

  it('"double-quoted" words in VALUES are strings (GreptimeDB), `backquoted` ones are column names', async () => {
    await h.q('INSERT INTO t (s, ts) VALUES ("dq", 1)');
    expect(await one('s', 1)).to.equal('dq');
    await fails('INSERT INTO t (s, ts) VALUES (`bq`, 2)', StatusCode.PlanQuery, 'No field named bq');
  });

  it('with an expression among the values every value is CAST (DataFusion VALUES), as GreptimeDB does', async () => {
    // The same literals that the literal rules refuse are cast once now() is in the statement.
    await h.q("INSERT INTO t (s, i, b, f, ts) VALUES (1, '12', 1, true, now()), (2.5, 1.7, 0, '1e2', 1)");
    expect(await h.rows('SELECT s, i, b, f FROM t WHERE ts = 1')).to.deep.equal([['2.5', 1, false, 100]]);
    expect(await h.rows('SELECT s, i, b, f FROM t WHERE ts > 1')).to.deep.equal([['1', 12, true, 1]]);
    await fails("INSERT INTO t (i, ts) VALUES (300, now())", StatusCode.InvalidArguments, "column i (row 1): Cast error: Can't cast value 300 to type Int8");
    // A parenthesized literal is an expression too.
    await h.q('INSERT INTO t (s, ts) VALUES ((7), 3)');
    expect(await one('s', 3)).to.equal('7');
  });

  it('a multi-row INSERT that fails on row 3 writes no row, and the error names the column and row', async () => {
    await fails('INSERT INTO t (i, ts) VALUES (1, 1), (2, 2), (300, 3), (4, 4)', StatusCode.InvalidArguments, 'column i (row 3): 300 is out of range');
    await fails("INSERT INTO t (s, ts) VALUES ('a', 1), ('b', 2), ('c', 'not a time')", StatusCode.InvalidSyntax, "column ts (row 3): 'not a time' is not a valid TimestampMillisecond");
    await fails("INSERT INTO t (i, ts) VALUES (1, now()), (2, now()), ('x', now())", StatusCode.InvalidArguments, 'column i (row 3): Cast error');
    expect(await h.rows('SELECT count(*) FROM t')).to.deep.equal([[0]]);
  });

  it('placeholders stay CAST (drivers bind text), also among plain literals', async () => {
    await h.q('INSERT INTO t (i, s, ts) VALUES (?, ?, 5)', { params: ['12', 7] });
    expect(await h.rows('SELECT i, s FROM t')).to.deep.equal([[12, '7']]);
  });

  describe('the INSERT fast path builds exactly the grammar\'s statement for every case', () => {
    const cases: Array<[string, 'greptime' | 'mysql' | 'postgres']> = [
      ["INSERT INTO t (s, i, b, ts) VALUES (3, -128, true, 4), ('x', +7, 0, '2024-01-01 00:00:00+08:00')", 'greptime'],
      ["INSERT INTO t (bin, s, ts) VALUES (X'0A0B', N'n', 1), (0xff00, x'6869', 2), (X'0A0', 'x', 3)", 'greptime'],
      ['INSERT INTO t (s, i, ts) VALUES ("dq", - 5, 1), (`bq`, (5), 2)', 'greptime'],
      ["INSERT INTO t (d, iv, ts) VALUES (DATE '2024-03-01', INTERVAL '1' YEAR, 1), (NULL, INTERVAL '2 days', now())", 'greptime'],
      ["INSERT INTO t (x, f, ts) VALUES (1.005, 1e400, 1), ('999.995', 'nan'::DOUBLE, 2), (DEFAULT, ?, 3)", 'greptime'],
      ['INSERT INTO t (s, i, ts) VALUES ("mysql string", \'12\', 1), (N\'a\\\'b\', X\'01\', 2)', 'mysql'],
      ["INSERT INTO t (s, ts) VALUES (E'a\\nb', 1), (N'x', 0x0A)", 'postgres'],
    ];
    const topless = (s: ast.Statement) => JSON.stringify({ ...s, text: undefined }, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
    for (const [sql, dialect] of cases) {
      it(`${dialect}: ${sql.slice(0, 70)}`, () => {
        // The fast scanner takes the statement (non-literal values are handed to the grammar's expr rule).
        expect(tryFastInsert(lexAll(sql, dialect), () => ({ kind: 'NullLiteral', span: { start: 0, end: 0, line: 1, column: 1 } }))).to.not.equal(undefined);
        const fast = parseAll(sql, { dialect })[0]!;
        const slow = parseAll(sql, { dialect, fastInsert: false })[0]!;
        expect(fast.kind).to.equal('Insert');
        // Spans included: the literal rules read the text at a value's span ('(5)', "dq").
        expect(topless(fast)).to.equal(topless(slow));
      });
    }
  });
});
