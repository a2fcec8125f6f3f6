import { expect } from 'chai';
import { seededRandom } from '../../src/util/seeded-random.js';
import type * as ast from '../../src/sql/ast.js';
import { formatExpr, formatQuery, formatIdent, formatString } from '../../src/sql/parser/format-sql.js';
import { parseSqlExpression } from '../../src/sql/parser/parse-sql.js';
import { parseOne, queryOf, strip, exprOf } from './parser-helpers.js';

/** parse -> format -> parse gives the same AST (spans aside), and formatting is stable. */
function roundTripQuery(sql: string): string {
  const q1 = queryOf(sql);
  const text = formatQuery(q1);
  const q2 = queryOf(text);
  expect(strip(q2), `${sql}\n  formatted as\n${text}`).to.deep.equal(strip(q1));
  expect(formatQuery(q2)).to.equal(text);
  return text;
}

function roundTripExpr(sql: string): string {
  const e1 = exprOf(sql);
  const text = formatExpr(e1);
  const e2 = parseSqlExpression(text);
  expect(strip(e2), `${sql}\n  formatted as\n${text}`).to.deep.equal(strip(e1));
  return text;
}

describe('sql parser: round trips through formatSql', () => {
  describe('tricky literals keep their exact values', () => {
    const literals = [
      "'it''s'", "''", "''''", "'multi\nline\ttab'", "E'esc\\n\\t\\'q\\\\'", "'unicode ✓ 温度'", "'-- not a comment'", "'/* nor this */'", "';'",
      '0', '-0', '42', '-42', '1.5', '.5', '1.', '1e10', '1.5E-3', '-2.5e+7', '00012',
      '9007199254740993', '9223372036854775807', '-9223372036854775808', '18446744073709551615', '123456789012345678901234567890',
      'TRUE', 'FALSE', 'NULL',
      "INTERVAL '5 minutes'", "INTERVAL '1' HOUR", 'INTERVAL 3 DAYS', "TIMESTAMP '2024-01-01 00:00:00'", "DATE '2024-02-29'",
      '?', '$3', '@@version_comment', '@@session.time_zone', '@uservar',
    ];
    for (const lit of literals) {
      it(lit.replace(/\n/g, '\\n'), () => {
        roundTripExpr(lit);
      });
    }

    it('big integers survive formatting digit for digit', () => {
      for (const text of ['9223372036854775807', '-9223372036854775808', '18446744073709551615']) {
        const e = exprOf(text) as ast.NumberLiteral;
        expect(typeof e.value).to.equal('bigint');
        expect(formatExpr(e)).to.equal(text);
        expect((parseSqlExpression(formatExpr(e)) as ast.NumberLiteral).value).to.equal(BigInt(text));
      }
    });

    it('strings are escaped and identifiers quoted only when needed', () => {
      expect(formatString("a'b")).to.equal("'a''b'");
      expect(formatIdent('host')).to.equal('host');
      expect(formatIdent('Host')).to.equal('"Host"');
      expect(formatIdent('select')).to.equal('"select"');
      expect(formatIdent('range')).to.equal('range');
      expect(formatIdent('we"ird')).to.equal('"we""ird"');
      expect(formatIdent('1abc')).to.equal('"1abc"');
    });
  });

  describe('expressions', () => {
    const exprs = [
      'a + b * c - d / e % f', 'a || b || c', 'a & b | c ^ d', 'a << 2 >> 1', '5 DIV 2', '~a', '- a', '-(5)', '+c', 'NOT a', 'a XOR b',
      'a = 1 AND b <> 2 OR NOT c', "a ~ 'x' AND b !~* 'y'", 'x BETWEEN 1 AND 2', 'x NOT BETWEEN a + 1 AND b',
      'x IN (1, 2, 3)', 'x NOT IN (SELECT a FROM t)', "a NOT ILIKE '%y' ESCAPE '!'", 'a IS NOT NULL', 'a IS TRUE',
      "CASE WHEN a > 1 THEN 'x' ELSE 'z' END", 'CASE a WHEN 1 THEN 2 END', 'CAST(a AS DECIMAL(10, 2))', 'TRY_CAST(a AS BIGINT UNSIGNED)',
      "'1'::INT::BIGINT", 'a::TIMESTAMP(3)', 'count(*)', 'count(DISTINCT host)', 'first_value(v ORDER BY ts DESC NULLS LAST)',
      'count(*) FILTER (WHERE x > 1)', 'sum(x) OVER (PARTITION BY host ORDER BY ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)',
      "avg(x) OVER (ORDER BY ts RANGE BETWEEN INTERVAL '1' HOUR PRECEDING AND UNBOUNDED FOLLOWING)", 'sum(x) OVER w', 'sum(x) OVER ()',
      "avg(cpu) RANGE '5m' FILL LINEAR", "(max(v) - min(v)) RANGE '10s' FILL -1", "min(v) RANGE (INTERVAL '1 hour') FILL PREV",
      'CURRENT_TIMESTAMP', 'EXTRACT(YEAR FROM ts)', 'database()', 'pg_catalog.version()', 'left(s, 2)', 'date(ts)',
      '(SELECT max(x) FROM t)', 'EXISTS (SELECT 1)', 'NOT EXISTS (SELECT 1)', '(a, b) IN ((1, 2), (3, 4))',
      '"Quoted"."Col"', 't."select"', 'db.t.col', '"lower"',
      "TRIM(LEADING 'x' FROM s)", "TRIM(BOTH FROM s)", "TRIM('x' FROM s)", 'TRIM(TRAILING s)', 'trim((both))', 'trim((leading - 1), s)',
      'trim(both.x)', 'SUBSTRING(s FROM 2 FOR 3)', 'SUBSTRING(s FOR 2)', "POSITION('b' IN s)", 'position((a IN (b)))',
      "OVERLAY(s PLACING 'x' FROM 2 FOR 1)", 'TRIM(? FROM ?)', 'POSITION(? IN ?)', 'POSITION((NOT EXISTS (SELECT 1)) IN s)', 'POSITION(EXISTS (SELECT 1) IN s)', 'TRIM((both) FROM s)',
    ];
    for (const e of exprs) it(e, () => { roundTripExpr(e); });
  });

  describe('queries', () => {
    const queries = [
      'SELECT 1',
      'SELECT DISTINCT a AS x, b y, t.*, * FROM t',
      'SELECT a FROM t1, t2 JOIN t3 ON t2.id = t3.id LEFT OUTER JOIN t4 USING (id) CROSS JOIN t5 FULL JOIN t6 ON TRUE NATURAL JOIN t7',
      'SELECT * FROM (SELECT 1 AS a) AS s(x) JOIN ((SELECT 2) UNION (SELECT 3)) u ON true',
      'SELECT * FROM (a JOIN b ON a.x = b.x) JOIN c ON true',
      'SELECT * FROM a JOIN (b JOIN c ON b.x = c.x) ON a.x = b.x',
      'SELECT a, count(*) FROM t WHERE a > 0 GROUP BY 1, a + 1 HAVING count(*) > 1 ORDER BY a DESC NULLS FIRST, b LIMIT 5 OFFSET 10',
      'SELECT a FROM t LIMIT 5, 10',
      'SELECT 1 UNION SELECT 2 UNION ALL SELECT 3 INTERSECT SELECT 4 EXCEPT SELECT 5 ORDER BY 1 LIMIT 2',
      '(SELECT 1 ORDER BY 1 LIMIT 1) UNION ALL (SELECT 2) ORDER BY 1',
      'SELECT 1 UNION (SELECT 2 UNION SELECT 3)',
      'WITH RECURSIVE a AS (SELECT 1 AS x), b(y) AS (SELECT x FROM a) SELECT * FROM b',
      'VALUES (1, 2), (3, 4)',
      "SELECT ts, host, avg(cpu) RANGE '5m' FILL LINEAR FROM t WHERE host = 'a' ALIGN '1m' TO NOW BY (host) FILL PREV ORDER BY ts",
      "SELECT avg(v) RANGE '5m' FROM t ALIGN '1m' TO CALENDAR BY ()",
      "SELECT avg(v) RANGE '5m' FROM t ALIGN (INTERVAL '1 minute') TO '2024-01-01T00:00:00Z' BY (host, region) FILL 0",
      'SELECT sum(x) OVER w FROM t WINDOW w AS (PARTITION BY host ORDER BY ts)',
      'SELECT @@session.auto_increment_increment AS auto_increment_increment, @@version_comment LIMIT 1',
      'SELECT "Host", `x``y`, "we""ird" FROM "MyTable" AS "T" WHERE "T"."Host" = \'a\'',
      'SELECT ?, $2 FROM t WHERE a = ? LIMIT ?',
      'SELECT DISTINCT ON (host, ts + 1) host, v FROM t ORDER BY host, ts + 1, v DESC',
      'SELECT lag(v, 2, 0) IGNORE NULLS OVER (ORDER BY ts), first_value(v) RESPECT NULLS OVER w, last_value(v ORDER BY ts) IGNORE NULLS FROM t WINDOW w AS (ORDER BY ts)',
      'SELECT a FROM t WHERE a > ANY (SELECT b FROM u) AND a <= ALL (SELECT b FROM u WHERE b > 0) OR a = SOME (VALUES (1))',
      'SELECT * FROM (VALUES (1, DEFAULT)) AS v',
    ];
    for (const q of queries) it(q, () => { roundTripQuery(q); });
  });

  it('formatting INSERT ... SELECT sources and subqueries keeps them parseable', () => {
    const s = parseOne('INSERT INTO t SELECT a FROM u WHERE b IN (SELECT c FROM v)') as ast.InsertStatement;
    const q = s.source as ast.Query;
    expect(formatQuery(q)).to.equal('SELECT a FROM u WHERE (b IN (SELECT c FROM v))');
  });
});

describe('sql parser: randomized expressions round-trip with one derivation', () => {
  // Small seeded PRNG (mulberry32) so failures reproduce.
  const rng = seededRandom;

  function gen(r: () => number, depth: number): string {
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
    if (depth <= 0 || r() < 0.25) {
      return pick([
        () => String(Math.floor(r() * 1000)), () => `${Math.floor(r() * 100)}.${Math.floor(r() * 100)}`,
        () => `'s${Math.floor(r() * 10)}''q'`, () => pick(['a', 'b', 't.c', '"Mixed"', 'time', 'range', 'value', 'both', 'leading']),
        () => 'NULL', () => 'TRUE', () => '?', () => `INTERVAL '${Math.floor(r() * 60)} minutes'`, () => "TIMESTAMP '2024-01-01 00:00:00'",
        () => '9223372036854775807', () => '@@version',
      ])();
    }
    // Operands are parenthesized: predicates do not chain (`a BETWEEN b AND c IN (...)` is not SQL).
    const sub = () => { const x = gen(r, depth - 1); return r() < 0.8 ? `(${x})` : x; };
    return pick([
      () => `${sub()} ${pick(['+', '-', '*', '/', '%', '||', '=', '<>', '<', '>=', 'AND', 'OR', '&', '|', '<<'])} ${sub()}`,
      () => `(${sub()})`, () => `NOT ${sub()}`, () => `- ${sub()}`, () => `${sub()} IS ${pick(['', 'NOT '])}NULL`,
      () => `${sub()} BETWEEN ${sub()} AND ${sub()}`, () => `${sub()} IN (${sub()}, ${sub()})`, () => `${sub()} LIKE ${sub()}`,
      () => `CASE WHEN ${sub()} THEN ${sub()} ELSE ${sub()} END`, () => `CAST(${sub()} AS ${pick(['INT', 'DOUBLE', 'STRING', 'TIMESTAMP(3)'])})`,
      () => `${pick(['abs', 'round', 'coalesce', 'date_trunc'])}(${sub()}, ${sub()})`, () => `count(DISTINCT ${sub()})`,
      () => `sum(${sub()}) OVER (PARTITION BY a ORDER BY ${sub()} DESC)`, () => `avg(${sub()}) RANGE '5m' FILL ${pick(['NULL', 'PREV', 'LINEAR', '0'])}`,
      () => `(SELECT ${sub()} FROM t WHERE ${sub()})`, () => `EXISTS (SELECT 1 FROM t WHERE ${sub()})`, () => `${sub()}::BIGINT`,
      () => `(${sub()}, ${sub()})`,
      () => `TRIM(${pick(['LEADING ', 'TRAILING ', 'BOTH ', ''])}${pick([sub(), ''])} FROM ${sub()})`, () => `trim(${sub()})`,
      () => `SUBSTRING(${sub()} FROM ${sub()}${pick(['', ` FOR ${sub()}`])})`, () => `POSITION(${sub()} IN ${sub()})`,
      () => `OVERLAY(${sub()} PLACING ${sub()} FROM ${sub()}${pick(['', ` FOR ${sub()}`])})`,
    ])();
  }

  it('random expressions: format(parse(x)) re-parses to the same AST, formatting is a fixed point', () => {
    const r = rng(20261125);
    let checked = 0;
    for (let i = 0; i < 300; i++) {
      const text = gen(r, 4);
      let e1: ast.Expr;
      try { e1 = exprOf(text); } catch { continue; } // the generator may emit non-SQL (e.g. chained predicates)
      const f1 = formatExpr(e1);
      let e2: ast.Expr;
      try { e2 = exprOf(f1); } catch (err) { throw new Error(`formatted text does not parse:\n${text}\n=> ${f1}\n${(err as Error).message}`); }
      expect(strip(e2), `${text}\n=> ${f1}`).to.deep.equal(strip(e1));
      expect(formatExpr(e2)).to.equal(f1);
      checked++;
    }
    // Nearly all generated texts are valid SQL; the few chained predicates are skipped.
    expect(checked).to.be.greaterThan(250);
  });
});
