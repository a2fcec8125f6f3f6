import { expect } from 'chai';
import type * as ast from '../../src/sql/ast.js';
import { exprOf, selectOf, shown, show, parseOne, syntaxErrorOf, strip } from './parser-helpers.js';
import { parseSqlExpression } from '../../src/sql/parser/parse-sql.js';
import { SyntaxError } from '../../src/errors/errors.js';

describe('sql parser: expressions', () => {
  describe('operator precedence', () => {
    const cases: Array<[string, string]> = [
      ['1 + 2 * 3', '(1 + (2 * 3))'],
      ['1 * 2 + 3', '((1 * 2) + 3)'],
      ['1 - 2 - 3', '((1 - 2) - 3)'],
      ['8 / 4 / 2', '((8 / 4) / 2)'],
      ['a % b * c', '((a % b) * c)'],
      ['5 DIV 2 + 1', '((5 DIV 2) + 1)'],
      ['a || b || c', '((a || b) || c)'],
      ["'x' || 1 + 2", "('x' || (1 + 2))"],
      ['a + b = c * d', '((a + b) = (c * d))'],
      ['a = 1 AND b = 2 OR c = 3', '(((a = 1) AND (b = 2)) OR (c = 3))'],
      ['a OR b AND c', '(a OR (b AND c))'],
      ['NOT a AND b', '((NOT a) AND b)'],
      ['NOT a = b', '(NOT (a = b))'],
      ['NOT NOT a', '(NOT (NOT a))'],
      ['a XOR b OR c', '((a XOR b) OR c)'],
      ['a AND b XOR c', '((a AND b) XOR c)'],
      ['a = b IS NULL', '((a = b) IS NULL)'],
      ['a IS NOT NULL AND b', '((a IS NOT NULL) AND b)'],
      ['NOT a IS NULL', '(NOT (a IS NULL))'],
      ['x BETWEEN 1 AND 2 AND y', '((x BETWEEN 1 AND 2) AND y)'],
      ['x NOT BETWEEN a + 1 AND b * 2', '(x NOT BETWEEN (a + 1) AND (b * 2))'],
      ['a LIKE b = TRUE', '((a LIKE b) = TRUE)'],
      ['a | b & c', '(a | (b & c))'],
      ['a ^ b | c', '((a ^ b) | c)'],
      ['a & b << 2', '(a & (b << 2))'],
      ['1 << 2 + 3', '(1 << (2 + 3))'],
      ['-a * b', '((-a) * b)'],
      ['- a + b', '((-a) + b)'],
      ['-x::INT', '(-CAST(x AS INT))'],
      ['~a + 1', '((~a) + 1)'],
      ['+a', '(+a)'],
      ['a::INT + 1', '(CAST(a AS INT) + 1)'],
      ["'1'::INT::BIGINT", "CAST(CAST('1' AS INT) AS BIGINT)"],
      ['(1 + 2) * 3', '((1 + 2) * 3)'],
      ['a - -1', '(a - -1)'],
      ['a < b = c > d', '(((a < b) = c) > d)'],
      ["a ~ 'x' AND b !~* 'y'", "((a ~ 'x') AND (b !~* 'y'))"],
      ['a == 1 OR a != 2', '((a = 1) OR (a <> 2))'],
      ['x IN (1, 2) OR y NOT IN (3)', '((x IN (1, 2)) OR (y NOT IN (3)))'],
      ['NOT x IN (1)', '(NOT (x IN (1)))'],
      ['true AND false OR NOT NULL IS NULL', '((TRUE AND FALSE) OR (NOT (NULL IS NULL)))'],
    ];
    for (const [input, expected] of cases) {
      it(`${input}  =>  ${expected}`, () => {
        expect(shown(input)).to.equal(expected);
      });
    }
  });

  describe('literals', () => {
    it("strings unescape '' and keep backslashes; E'' decodes escapes", () => {
      expect((exprOf("'it''s'") as ast.StringLiteral).value).to.equal("it's");
      expect((exprOf("'a\\nb'") as ast.StringLiteral).value).to.equal('a\\nb');
      expect((exprOf("E'a\\nb\\'c\\t'") as ast.StringLiteral).value).to.equal("a\nb'c\t");
      expect((exprOf("''") as ast.StringLiteral).value).to.equal('');
      expect((exprOf("'multi\nline'") as ast.StringLiteral).value).to.equal('multi\nline');
      expect((exprOf("'-- not a comment'") as ast.StringLiteral).value).to.equal('-- not a comment');
      expect((exprOf("'/* no */ ;'") as ast.StringLiteral).value).to.equal('/* no */ ;');
    });

    it('numbers: integers, decimals and exponents', () => {
      const n = (s: string) => exprOf(s) as ast.NumberLiteral;
      expect(n('42')).to.include({ value: 42, isInteger: true, text: '42' });
      expect(n('1.5')).to.include({ value: 1.5, isInteger: false });
      expect(n('.5')).to.include({ value: 0.5, isInteger: false });
      expect(n('1.')).to.include({ value: 1, isInteger: false });
      expect(n('1e10')).to.include({ value: 1e10, isInteger: false });
      expect(n('1.5E-3')).to.include({ value: 0.0015, isInteger: false });
      expect(n('00012')).to.include({ value: 12, isInteger: true });
      expect(n('-7')).to.include({ value: -7, text: '-7' });
      expect(n('-0')).to.include({ value: 0 });
    });

    it('0x and X\'..\' hex literals are binary; letters right after a number start a new token (as in GreptimeDB)', () => {
      // sqlparser reads 0xFF as a HexStringLiteral, which DataFusion types Binary (not MySQL's number).
      expect(exprOf('0xFF')).to.include({ kind: 'BinaryLiteral', hex: 'FF' });
      expect(exprOf('0xFFFFFFFFFFFFFFFF')).to.include({ kind: 'BinaryLiteral', hex: 'FFFFFFFFFFFFFFFF' });
      expect(exprOf("X'0a0B'")).to.include({ kind: 'BinaryLiteral', hex: '0a0B' });
      expect(exprOf("x''")).to.include({ kind: 'BinaryLiteral', hex: '' });
      expect(exprOf('-0x10')).to.include({ kind: 'UnaryExpr' });
      // A column named x followed by a string is still two tokens when spaced.
      expect(shown("x || 'a'")).to.equal("(x || 'a')");
      expect(exprOf("N'it''s'")).to.include({ kind: 'StringLiteral', value: "it's" });
      expect((selectOf('SELECT 1d').items[0] as ast.SelectExprItem).alias).to.equal('d');
      expect((exprOf('1e5') as ast.NumberLiteral).value).to.equal(100000);
      expect(shown('1.5+2')).to.equal('(1.5 + 2)');
    });

    it('keeps int64/uint64 beyond 2^53 exact as bigint', () => {
      const n = (s: string) => (exprOf(s) as ast.NumberLiteral).value;
      expect(n('9007199254740991')).to.equal(9007199254740991);
      expect(n('9007199254740993')).to.equal(9007199254740993n);
      expect(n('9223372036854775807')).to.equal(9223372036854775807n);
      expect(n('-9223372036854775808')).to.equal(-9223372036854775808n);
      expect(n('18446744073709551615')).to.equal(18446744073709551615n);
      expect((exprOf('-9223372036854775808') as ast.NumberLiteral).text).to.equal('-9223372036854775808');
      expect(n('0000000000000000042')).to.equal(42);
    });

    it('a separated minus before a literal is still folded, but not before other expressions', () => {
      expect(exprOf('- 5').kind).to.equal('UnaryExpr');
      expect(exprOf('-5').kind).to.equal('NumberLiteral');
      expect(show(exprOf('-(5)'))).to.equal('(-5)');
    });

    it('booleans, NULL, intervals and typed literals', () => {
      expect(exprOf('TRUE')).to.include({ kind: 'BooleanLiteral', value: true });
      expect(exprOf('false')).to.include({ kind: 'BooleanLiteral', value: false });
      expect(exprOf('NULL').kind).to.equal('NullLiteral');
      expect(exprOf("INTERVAL '5 minutes'")).to.deep.include({ kind: 'IntervalLiteral', value: '5 minutes' });
      expect(exprOf("INTERVAL '1' HOUR")).to.deep.include({ kind: 'IntervalLiteral', value: '1', unit: 'HOUR' });
      expect(exprOf('INTERVAL 3 DAYS')).to.deep.include({ kind: 'IntervalLiteral', value: '3', unit: 'DAY' });
      const ts = exprOf("TIMESTAMP '2024-01-01 00:00:00'") as ast.TypedLiteral;
      expect(ts.kind).to.equal('TypedLiteral');
      expect(ts.type.name).to.equal('TIMESTAMP');
      expect(ts.value).to.equal('2024-01-01 00:00:00');
      expect((exprOf("DATE '2024-01-01'") as ast.TypedLiteral).type.name).to.equal('DATE');
    });
  });

  describe('identifiers', () => {
    it('lower-cases unquoted names and preserves quoted ones', () => {
      const s = selectOf('SELECT Host, "Host", `Host`, "we""ird", `a``b`, T."Col" FROM "MyTable"');
      const names = s.items.map((i) => ((i as ast.SelectExprItem).expr as ast.ColumnRef));
      expect(names.map((c) => c.name)).to.deep.equal(['host', 'Host', 'Host', 'we"ird', 'a`b', 'Col']);
      expect(names.map((c) => c.quoted)).to.deep.equal([false, true, true, true, true, true]);
      expect(names[5]!.table).to.equal('t');
      const from = s.from[0] as ast.NamedTableRef;
      expect(from.name.name).to.equal('MyTable');
    });

    it('qualified column and table names', () => {
      const s = selectOf('SELECT t.a, public.t.b, greptime.public.t.c FROM greptime.public.t');
      const cols = s.items.map((i) => (i as ast.SelectExprItem).expr as ast.ColumnRef);
      expect(cols[0]).to.include({ table: 't', name: 'a' });
      expect(cols[1]).to.include({ database: 'public', table: 't', name: 'b' });
      expect(cols[2]).to.include({ database: 'public', table: 't', name: 'c' });
      expect((s.from[0] as ast.NamedTableRef).name).to.include({ catalog: 'greptime', database: 'public', name: 't' });
    });

    it('keywords are case-insensitive and non-reserved keywords are usable as names', () => {
      const s = selectOf('select timestamp, date, time, value, status, host, index, key, range, fill, align, database, comment FROM t');
      expect(s.items.map((i) => ((i as ast.SelectExprItem).expr as ast.ColumnRef).name)).to.deep.equal(
        ['timestamp', 'date', 'time', 'value', 'status', 'host', 'index', 'key', 'range', 'fill', 'align', 'database', 'comment']);
      expect(selectOf('SeLeCt 1 FrOm t').from).to.have.length(1);
    });

    it('aliases with and without AS, quoted and as strings', () => {
      const s = selectOf(`SELECT a AS x, b y, c AS "Z", d AS 'w', count(*) "count" FROM t`);
      expect(s.items.map((i) => (i as ast.SelectExprItem).alias)).to.deep.equal(['x', 'y', 'Z', 'w', 'count']);
    });
  });

  describe('placeholders and variables', () => {
    it('numbers ? in order per statement and keeps $n', () => {
      const s = parseOne('SELECT ?, $2, ? FROM t WHERE a = ? LIMIT ?');
      const q = (s as ast.QueryStatement).query;
      const sel = q.body as ast.Select;
      expect(sel.items.map((i) => show((i as ast.SelectExprItem).expr))).to.deep.equal(['?1', '?2', '?2']);
      expect(show(sel.where!)).to.equal('(a = ?3)');
      expect(q.limit).to.include({ kind: 'Placeholder', index: 4 });
    });

    it('@@system and @user variables', () => {
      expect(exprOf('@@version_comment')).to.include({ kind: 'SessionVariable', name: 'version_comment', user: false });
      expect(exprOf('@@SESSION.auto_increment_increment')).to.include({ name: 'auto_increment_increment', scope: 'SESSION' });
      expect(exprOf('@@global.max_allowed_packet')).to.include({ scope: 'GLOBAL' });
      expect(exprOf('@x')).to.include({ name: 'x', user: true });
    });
  });

  describe('special forms', () => {
    it('CASE with and without operand', () => {
      expect(shown("CASE WHEN a > 1 THEN 'x' WHEN a > 0 THEN 'y' ELSE 'z' END")).to.equal("CASE WHEN (a > 1) THEN 'x' WHEN (a > 0) THEN 'y' ELSE 'z' END");
      expect(shown('CASE a WHEN 1 THEN 2 END')).to.equal('CASE a WHEN 1 THEN 2 END');
    });

    it('CAST, TRY_CAST and :: with type arguments', () => {
      expect(shown('CAST(a AS DOUBLE)')).to.equal('CAST(a AS DOUBLE)');
      expect(shown('TRY_CAST(a AS VARCHAR(10))')).to.equal('TRY_CAST(a AS VARCHAR(10))');
      expect(shown('a::TIMESTAMP(3)')).to.equal('CAST(a AS TIMESTAMP(3))');
      expect(shown('a::BIGINT UNSIGNED')).to.equal('CAST(a AS BIGINT UNSIGNED)');
      expect(shown('CAST(a AS DOUBLE PRECISION)')).to.equal('CAST(a AS DOUBLE PRECISION)');
      expect((exprOf('a::int') as ast.CastExpr).syntax).to.equal('::');
    });

    it('function calls: count(*), DISTINCT, ORDER BY inside, FILTER, qualified names', () => {
      expect(shown('count(*)')).to.equal('count(*)');
      expect(shown('COUNT(DISTINCT host)')).to.equal('count(DISTINCT host)');
      expect(shown('now()')).to.equal('now()');
      expect(shown('DATABASE()')).to.equal('database()');
      expect(shown('pg_catalog.version()')).to.equal('pg_catalog.version()');
      expect(shown('count(*) FILTER (WHERE x > 1)')).to.equal('count(*) FILTER((x > 1))');
      const f = exprOf('first_value(v ORDER BY ts DESC)') as ast.FunctionCall;
      expect(f.orderBy).to.have.length(1);
      expect(f.orderBy![0]!.desc).to.equal(true);
      expect(shown('left(s, 2) || right(s, 1)')).to.equal('(left(s, 2) || right(s, 1))');
      expect(shown('if(a, 1, 2)')).to.equal('if(a, 1, 2)');
      expect(shown('date(ts)')).to.equal('date(ts)');
    });

    it('CURRENT_TIMESTAMP and EXTRACT desugar to calls', () => {
      expect(shown('CURRENT_TIMESTAMP')).to.equal('current_timestamp()');
      expect(shown('current_timestamp()')).to.equal('current_timestamp()');
      expect(shown('EXTRACT(YEAR FROM ts)')).to.equal("date_part('year', ts)");
    });

    it('TRIM / SUBSTRING / POSITION / OVERLAY keyword forms desugar to calls, as DataFusion plans them', () => {
      expect(shown("TRIM(LEADING 'x' FROM s)")).to.equal("ltrim(s, 'x')");
      expect(shown("trim(trailing 'x' from s)")).to.equal("rtrim(s, 'x')");
      expect(shown("TRIM(BOTH 'xy' FROM s)")).to.equal("btrim(s, 'xy')");
      expect(shown("TRIM('x' FROM s)")).to.equal("trim(s, 'x')");
      expect(shown('TRIM(LEADING FROM s)')).to.equal('ltrim(s)');
      expect(shown('TRIM(FROM s)')).to.equal('trim(s)');
      expect(shown('TRIM(TRAILING s)')).to.equal('rtrim(s)');
      expect(shown("trim(s, 'x')")).to.equal("trim(s, 'x')");
      expect(shown('SUBSTRING(s FROM 2 FOR 3)')).to.equal('substr(s, 2, 3)');
      expect(shown('SUBSTRING(s FROM a + 1)')).to.equal('substr(s, (a + 1))');
      expect(shown('SUBSTRING(s FOR 2)')).to.equal('substr(s, 1, 2)');
      expect(shown('substring(s, 2, 3)')).to.equal('substring(s, 2, 3)');
      expect(shown("POSITION('b' IN s)")).to.equal("strpos(s, 'b')");
      expect(shown("POSITION('a' || 'b' IN s || 'c')")).to.equal("strpos((s || 'c'), ('a' || 'b'))");
      expect(shown("position('b', s)")).to.equal("position('b', s)");
      expect(shown("OVERLAY(s PLACING 'hom' FROM 2 FOR 4)")).to.equal("overlay(s, 'hom', 2, 4)");
      expect(shown("OVERLAY(s PLACING 'hom' FROM 2)")).to.equal("overlay(s, 'hom', 2)");
    });

    it('keyword forms stay one parse where a plain call could also be read', () => {
      // After `trim(` BOTH/LEADING/TRAILING are keywords (as in sqlparser), so none of these is also trim(<column>).
      expect(shown('TRIM(LEADING - 1)')).to.equal('ltrim((-1))');
      expect(shown('TRIM(LEADING - a)')).to.equal('ltrim((-a))');
      expect(shown('TRIM(both FROM s)')).to.equal('btrim(s)');
      expect(shown('TRIM(both (s))')).to.equal('btrim(s)');
      expect(shown('trim("both")')).to.equal('trim(both)');
      expect(shown('trim((both))')).to.equal('trim(both)');
      expect(shown('both - 1')).to.equal('(both - 1)');
      expect(shown('db.trim(both)')).to.equal('db.trim(both)');
      // position(x IN (y)) is POSITION's keyword form, not a call of an IN predicate; a parenthesized predicate stays one.
      expect(shown('position(a IN (b))')).to.equal('strpos(b, a)');
      expect(shown('position(a IN (SELECT b FROM t))')).to.equal('strpos(<query>, a)');
      expect(shown('position((a IN (b)))')).to.equal('position((a IN (b)))');
      expect(shown('position(a IN (b, c))')).to.equal('position((a IN (b, c)))');
      // FOR and PLACING are no keywords elsewhere.
      expect(shown('SUBSTRING(s FROM for FOR placing)')).to.equal('substr(s, for, placing)');
      expect(shown('for + placing')).to.equal('(for + placing)');
    });

    it('keyword forms that do not belong to the function are syntax errors', () => {
      for (const sql of ['SELECT TRIM(BOTH)', "SELECT SUBSTRING(s PLACING 'x' FROM 1)", 'SELECT POSITION(a FROM b)', 'SELECT OVERLAY(s FROM 1)',
        "SELECT TRIM(s PLACING 'x' FROM 1)", 'SELECT SUBSTRING(LEADING s)', "SELECT lower('x' FROM s)", 'SELECT SUBSTRING(s FROM 1 FOR 2 FOR 3)']) {
        expect(syntaxErrorOf(sql), sql).to.be.instanceOf(SyntaxError);
      }
    });

    it('IN lists, IN subqueries and row values', () => {
      expect(exprOf('x IN (SELECT a FROM t)').kind).to.equal('InSubqueryExpr');
      expect(exprOf('x IN ((SELECT a FROM t))').kind).to.equal('InSubqueryExpr');
      expect(shown('x IN ((1), (2))')).to.equal('(x IN (1, 2))');
      expect(shown('(a, b) IN ((1, 2), (3, 4))')).to.equal('(ROW(a, b) IN (ROW(1, 2), ROW(3, 4)))');
    });

    it('LIKE / ILIKE / NOT LIKE with ESCAPE', () => {
      expect(shown("a LIKE 'x%'")).to.equal("(a LIKE 'x%')");
      expect(shown("a NOT ILIKE '%y' ESCAPE '!'")).to.equal("(a NOT ILIKE '%y' ESCAPE '!')");
    });

    it('IS [NOT] DISTINCT FROM and <=> desugar to CASE over IS NULL', () => {
      expect(shown('a IS DISTINCT FROM b')).to.equal('CASE WHEN (a IS NULL) THEN (b IS NOT NULL) WHEN (b IS NULL) THEN TRUE ELSE (a <> b) END');
      expect(shown('a IS NOT DISTINCT FROM b + 1')).to.equal('CASE WHEN (a IS NULL) THEN ((b + 1) IS NULL) WHEN ((b + 1) IS NULL) THEN FALSE ELSE (a = (b + 1)) END');
      expect(shown('a <=> b')).to.equal('CASE WHEN (a IS NULL) THEN (b IS NULL) WHEN (b IS NULL) THEN FALSE ELSE (a = b) END');
      expect(shown('x AND a IS DISTINCT FROM b')).to.match(/^\(x AND CASE/);
    });

    it('IS tests', () => {
      expect(shown('a IS NULL')).to.equal('(a IS NULL)');
      expect(shown('a IS NOT TRUE')).to.equal('(a IS NOT TRUE)');
      expect(shown('a IS FALSE')).to.equal('(a IS FALSE)');
      expect(shown('a IS NOT UNKNOWN')).to.equal('(a IS NOT UNKNOWN)');
    });

    it('scalar and EXISTS subqueries; doubled parentheses stay one subquery', () => {
      expect(exprOf('(SELECT max(x) FROM t)').kind).to.equal('SubqueryExpr');
      expect(exprOf('((SELECT 1))').kind).to.equal('SubqueryExpr');
      expect(shown('EXISTS (SELECT 1)')).to.equal('EXISTS <query>');
      expect(shown('NOT EXISTS (SELECT 1)')).to.equal('(NOT EXISTS <query>)');
      expect(shown('(SELECT 1) + 1')).to.equal('(<query> + 1)');
    });

    it('window functions with partitions, order and frames', () => {
      const f = exprOf('sum(x) OVER (PARTITION BY host, dc ORDER BY ts ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)') as ast.FunctionCall;
      expect(f.over!.partitionBy.map(show)).to.deep.equal(['host', 'dc']);
      expect(f.over!.orderBy.map((o) => show(o.expr))).to.deep.equal(['ts']);
      expect(f.over!.frame).to.deep.include({ units: 'ROWS', end: { kind: 'CurrentRow' } });
      expect(f.over!.frame!.start.kind).to.equal('Preceding');
      const g = exprOf("avg(x) OVER (ORDER BY ts RANGE BETWEEN INTERVAL '1' HOUR PRECEDING AND UNBOUNDED FOLLOWING)") as ast.FunctionCall;
      expect(g.over!.frame!.units).to.equal('RANGE');
      expect(g.over!.frame!.end.kind).to.equal('UnboundedFollowing');
      const h = exprOf('count(*) OVER ()') as ast.FunctionCall;
      expect(h.over).to.deep.include({ partitionBy: [], orderBy: [] });
      const i = exprOf('sum(x) OVER (ORDER BY ts ROWS UNBOUNDED PRECEDING)') as ast.FunctionCall;
      expect(i.over!.frame).to.deep.include({ start: { kind: 'UnboundedPreceding' }, end: { kind: 'CurrentRow' } });
      const j = exprOf('sum(x) OVER w') as ast.FunctionCall;
      expect(j.over!.name).to.equal('w');
      const k = exprOf('sum(x) OVER (w ORDER BY ts GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING)') as ast.FunctionCall;
      expect(k.over).to.deep.include({ name: 'w' });
      expect(k.over!.frame!.units).to.equal('GROUPS');
    });

    it('range expressions: on calls and on parenthesized aggregates, with FILL', () => {
      expect(shown("avg(cpu) RANGE '5m'")).to.equal("(avg(cpu) RANGE '5m')");
      expect(shown("max(v) RANGE '10s' FILL LINEAR")).to.equal("(max(v) RANGE '10s' FILL FillLinear)");
      expect(shown("max(v) RANGE '10s' FILL 6.0")).to.equal("(max(v) RANGE '10s' FILL 6.0)");
      expect(shown("max(v) RANGE '10s' FILL -1")).to.equal("(max(v) RANGE '10s' FILL -1)");
      expect(shown("max(v) RANGE '10s' FILL NULL")).to.equal("(max(v) RANGE '10s' FILL FillNull)");
      expect(shown("(max(v) - min(v)) RANGE '10s'")).to.equal("((max(v) - min(v)) RANGE '10s')");
      expect(shown("max(v) RANGE '10s' - min(v) RANGE '10s'")).to.equal("((max(v) RANGE '10s') - (min(v) RANGE '10s'))");
      expect(shown("round(max(v) RANGE '10s')")).to.equal("round((max(v) RANGE '10s'))");
      expect(shown("min(v) RANGE (INTERVAL '1 hour') FILL PREV")).to.equal("(min(v) RANGE INTERVAL '1 hour' FILL FillPrev)");
    });
  });

  describe('spans', () => {
    const EXPR_KINDS = new Set(['NumberLiteral', 'StringLiteral', 'BooleanLiteral', 'NullLiteral', 'IntervalLiteral', 'TypedLiteral',
      'ColumnRef', 'SessionVariable', 'UnaryExpr', 'BinaryExpr', 'IsExpr', 'BetweenExpr', 'InListExpr', 'InSubqueryExpr',
      'LikeExpr', 'CaseExpr', 'CastExpr', 'FunctionCall', 'RangeExpr', 'SubqueryExpr', 'ExistsExpr', 'RowExpr']);
    function exprNodes(node: unknown, out: ast.Expr[] = []): ast.Expr[] {
      if (Array.isArray(node)) { for (const n of node) exprNodes(n, out); return out; }
      if (node === null || typeof node !== 'object') return out;
      const o = node as { kind?: string };
      if (o.kind && EXPR_KINDS.has(o.kind)) out.push(o as ast.Expr);
      for (const [k, v] of Object.entries(o)) if (k !== 'span') exprNodes(v, out);
      return out;
    }

    const corpus = [
      "SELECT ts, host, avg(cpu) RANGE '5m' FILL LINEAR, (max(v) - min(v)) RANGE '10s' FROM t ALIGN '1m' TO NOW BY (host) FILL PREV",
      'SELECT count(*) FILTER (WHERE x > 1), sum(x) OVER (PARTITION BY a ORDER BY b ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS s FROM t AS u',
      "SELECT CASE WHEN a > 1 THEN 'x' ELSE -1 END, CAST(a AS DOUBLE), a::INT, -5, - 5, NOT a IS NULL FROM t",
      "SELECT * FROM a JOIN b ON a.x = b.x WHERE a.y IN (1, 2) AND b.z NOT IN (SELECT z FROM c) AND EXISTS (SELECT 1) AND w LIKE 'x%' ESCAPE '!'",
      "SELECT (a + b) * c, (a, b), INTERVAL '1' HOUR, TIMESTAMP '2024-01-01', EXTRACT(YEAR FROM ts), CURRENT_TIMESTAMP, @@version, x BETWEEN 1 AND 2",
      "SELECT date_bin(INTERVAL '1 minute', ts) AS m, first_value(v ORDER BY ts DESC) FROM t GROUP BY 1 HAVING count(DISTINCT h) > 1 ORDER BY m LIMIT 5",
    ];
    for (const sql of corpus) {
      it(`every expression's span re-parses to that expression: ${sql.slice(0, 50)}...`, () => {
        const nodes = exprNodes(parseOne(sql));
        expect(nodes.length).to.be.greaterThan(5);
        for (const n of nodes) {
          const text = sql.slice(n.span.start, n.span.end);
          if (n.kind === 'StringLiteral' && !/^[eE]?'/.test(text)) continue; // synthesized: EXTRACT's field name
          expect(strip(parseSqlExpression(text)), `span text '${text}' of a ${n.kind}`).to.deep.equal(strip(n));
          const before = sql.slice(0, n.span.start).split('\n');
          expect([n.span.line, n.span.column]).to.deep.equal([before.length, before[before.length - 1]!.length + 1]);
        }
      });
    }

    it('clause and table spans cover their text', () => {
      const sql = "SELECT a FROM t AS x JOIN u USING (id) JOIN v ON v.id = x.id ALIGN '1m' TO NOW LIMIT 5";
      const q = (parseOne(sql) as ast.QueryStatement).query;
      const s = q.body as ast.Select;
      const j = s.from[0] as ast.JoinRef;
      expect(sql.slice(j.span.start, j.span.end)).to.equal('t AS x JOIN u USING (id) JOIN v ON v.id = x.id');
      expect(sql.slice(j.left.span.start, j.left.span.end)).to.equal('t AS x JOIN u USING (id)');
      expect(sql.slice(s.align!.span.start, s.align!.span.end)).to.equal("ALIGN '1m' TO NOW");
      expect(sql.slice(q.span.start, q.span.end)).to.equal(sql);
    });

    it("EXPLAIN's inner statement text and span", () => {
      const sql = 'EXPLAIN ANALYZE (SELECT 1) UNION (SELECT 2) LIMIT 5';
      const e = parseOne(sql) as ast.ExplainStatement;
      expect(e.statement.text).to.equal('(SELECT 1) UNION (SELECT 2) LIMIT 5');
      expect(e.statement.span).to.include({ start: 16, line: 1, column: 17 });
    });

    it('column definition spans include their constraints', () => {
      const sql = "CREATE TABLE t (ts TIMESTAMP DEFAULT now() COMMENT 'c' TIME INDEX, v DOUBLE)";
      const c = parseOne(sql) as ast.CreateTableStatement;
      expect(sql.slice(c.columns[0]!.span.start, c.columns[0]!.span.end)).to.equal("ts TIMESTAMP DEFAULT now() COMMENT 'c' TIME INDEX");
    });

    it('expression spans point into the source text', () => {
      const sql = 'SELECT a,\n  b + 10 AS c FROM t';
      const s = selectOf(sql);
      const item = s.items[1] as ast.SelectExprItem;
      expect(sql.slice(item.expr.span.start, item.expr.span.end)).to.equal('b + 10');
      expect(item.expr.span).to.include({ line: 2, column: 3 });
      expect(sql.slice(item.span.start, item.span.end)).to.equal('b + 10 AS c');
    });
  });
  describe('lexing corners', () => {
    it('line numbers stay right after multi-line strings, comments and CRLF', () => {
      expect(syntaxErrorOf("SELECT 'a\nb\nc',\r\n /* x\ny */ FROM").line).to.equal(5);
      const e = syntaxErrorOf("SELECT 'a\nb' FROM t WHERE");
      expect([e.line, e.column]).to.deep.equal([2, 16]);
    });

    it('non-ASCII identifiers', () => {
      const s = selectOf('SELECT 温度, "Ünïcode" FROM 表');
      expect(((s.items[0] as ast.SelectExprItem).expr as ast.ColumnRef).name).to.equal('温度');
      expect((s.from[0] as ast.NamedTableRef).name.name).to.equal('表');
    });

    it('operators need no spaces', () => {
      expect(shown('a+-1*b')).to.equal('(a + (-1 * b))');
      expect(shown("a||'x'")).to.equal("(a || 'x')");
      expect(shown('a>=1AND b<>2')).to.equal('((a >= 1) AND (b <> 2))');
    });
  });

  describe('dialects', () => {
    it("mysql: \"x\" is a string and backslash escapes are decoded; backticks stay identifiers", () => {
      const s = parseOne(`SELECT "a\\"b", 'it\\'s', 'x\\ny', 'p\\%', \`Col\` FROM t WHERE host = "h1"`, { dialect: 'mysql' }) as ast.QueryStatement;
      const sel = s.query.body as ast.Select;
      const items = sel.items.map((i) => (i as ast.SelectExprItem).expr);
      expect(items.slice(0, 4).map((e) => (e as ast.StringLiteral).value)).to.deep.equal(['a"b', "it's", 'x\ny', 'p\\%']);
      expect(items[4]).to.include({ kind: 'ColumnRef', name: 'Col', quoted: true });
      expect(show(sel.where!)).to.equal("(host = 'h1')");
    });
    it('greptime (default) and postgres: "x" is an identifier and backslashes are literal', () => {
      for (const dialect of [undefined, 'postgres'] as const) {
        const sel = (parseOne(`SELECT "Host", 'a\\nb' FROM t`, dialect ? { dialect } : {}) as ast.QueryStatement).query.body as ast.Select;
        expect((sel.items[0] as ast.SelectExprItem).expr).to.include({ kind: 'ColumnRef', name: 'Host' });
        expect(((sel.items[1] as ast.SelectExprItem).expr as ast.StringLiteral).value).to.equal('a\\nb');
      }
    });
    it('mysql INSERT fast path reads "..." strings too', () => {
      const i = parseOne(`INSERT INTO t VALUES ("a", 'b\\'c', 1)`, { dialect: 'mysql' }) as ast.InsertStatement;
      expect((i.source as ast.Values).rows[0]!.map((e) => show(e))).to.deep.equal(["'a'", "'b''c'", '1']);
      expect(parseSqlExpression('"x" = 1', { dialect: 'mysql' }).kind).to.equal('BinaryExpr');
    });
  });

  describe('parseSqlExpression', () => {
    it('parses one expression', () => {
      expect(show(parseSqlExpression('a >= 10 AND a < 20'))).to.equal('((a >= 10) AND (a < 20))');
      expect(show(parseSqlExpression(' current_timestamp() '))).to.equal('current_timestamp()');
    });
    it('reports errors with positions', () => {
      expect(() => parseSqlExpression('a >= ')).to.throw(SyntaxError, /line 1, column 5: unexpected end of input; expected an expression/);
      expect(() => parseSqlExpression('a b')).to.throw(SyntaxError, /unexpected identifier b/);
      expect(() => parseSqlExpression('')).to.throw(SyntaxError);
      expect(() => parseSqlExpression('x::foo')).to.throw(SyntaxError, /unknown data type/);
    });
  });
});

