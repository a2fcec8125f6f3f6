import { expect } from 'chai';
import { syntaxErrorOf } from './parser-helpers.js';
import { parseSql } from '../../src/sql/parser/parse-sql.js';
import { SyntaxError } from '../../src/errors/errors.js';

describe('sql parser: syntax errors', () => {
  it('names the unexpected token, its line/column and a few expected tokens', () => {
    const e = syntaxErrorOf('SELECT * FORM t');
    expect(e.line).to.equal(1);
    expect(e.column).to.equal(10);
    expect(e.message).to.match(/^Syntax error at line 1, column 10: unexpected identifier FORM; expected one of .*FROM/);
    expect(e.message.length).to.be.lessThan(200);
  });

  it('reports positions on later lines', () => {
    // (A trailing comma before FROM is accepted, as in GreptimeDB; before WHERE it is not.)
    const e = syntaxErrorOf('SELECT a,\n  b,\nWHERE t');
    expect([e.line, e.column]).to.deep.equal([3, 1]);
    expect(e.message).to.contain('unexpected keyword WHERE; expected an expression');
  });

  it('positions are relative to the whole script, not the statement', () => {
    const e = syntaxErrorOf('SELECT 1;\nSELECT 2;\n  SELECT FROM');
    expect([e.line, e.column]).to.deep.equal([3, 10]);
  });

  it('end of input says so and points just past the last token', () => {
    const e = syntaxErrorOf('SELECT a FROM t WHERE');
    expect([e.line, e.column]).to.deep.equal([1, 22]);
    expect(e.message).to.contain('unexpected end of input; expected an expression');
    const f = syntaxErrorOf('INSERT INTO t VALUES (1, 2');
    expect(f.message).to.contain("expected ',', ')' or an operator");
  });

  it('an unknown statement lists statement keywords', () => {
    const e = syntaxErrorOf('SELEC 1');
    expect([e.line, e.column]).to.deep.equal([1, 1]);
    expect(e.message).to.contain('unexpected identifier SELEC');
    expect(e.message).to.contain('SELECT');
    expect(syntaxErrorOf('UPDATE t SET a = 1').message).to.contain('unexpected keyword UPDATE');
  });

  it('a missing keyword is named', () => {
    expect(syntaxErrorOf('SELECT a FROM t ORDER a').message).to.contain('unexpected identifier a; expected BY');
    expect(syntaxErrorOf('SELECT count(* FROM t').message).to.contain("unexpected keyword FROM; expected ')'");
    expect(syntaxErrorOf('CREATE TABLE t (ts TIMESTAMP TIME INDEX) ENGIN=mito').message).to.contain('ENGINE');
    // One trailing comma is accepted (as GreptimeDB's parser does); two are not.
    expect(syntaxErrorOf('CREATE TABLE t (a INT,,)').message).to.contain("unexpected ','; expected");
  });

  it('unterminated strings and quoted identifiers, stray characters', () => {
    const e = syntaxErrorOf("SELECT 'abc");
    expect(e.message).to.contain('line 1, column 8: unterminated string literal');
    expect(syntaxErrorOf('SELECT "abc').message).to.contain('unterminated quoted identifier');
    expect(syntaxErrorOf('SELECT `abc').message).to.contain('unterminated quoted identifier');
    const f = syntaxErrorOf('SELECT a ! b');
    expect(f.column).to.equal(10);
    expect(f.message).to.contain("unexpected character '!'");
  });

  it('unterminated block comments are errors, not silently dropped text', () => {
    const e = syntaxErrorOf('SELECT 1 /* oops\n FROM t');
    expect([e.line, e.column]).to.deep.equal([1, 10]);
    expect(e.message).to.contain('unterminated /* comment');
  });

  it('a reserved word where a name belongs gets a quoting hint', () => {
    const e = syntaxErrorOf('SELECT * FROM order');
    expect(e.message).to.contain('unexpected keyword ORDER');
    expect(e.message).to.contain('ORDER is a reserved word; write "order" to use it as a name');
    expect(syntaxErrorOf('SELECT 1 FROM t WHERE').message).not.to.contain('reserved word');
    expect(() => parseSql('SELECT * FROM order', { dialect: 'mysql' })).to.throw(SyntaxError, /write `order` to use it as a name/);
  });

  it('unknown data types are reported at the type', () => {
    const e = syntaxErrorOf('CREATE TABLE t (a FOO, ts TIMESTAMP TIME INDEX)');
    expect([e.line, e.column]).to.deep.equal([1, 19]);
    expect(e.message).to.contain("unknown data type 'FOO'");
    expect(syntaxErrorOf('SELECT CAST(a AS BLAH)').message).to.contain("unknown data type 'BLAH'");
    expect(syntaxErrorOf('SELECT a::nope').message).to.contain("unknown data type 'NOPE'");
    expect(syntaxErrorOf("INSERT INTO t VALUES (1, CAST('2' AS NOPE))").message).to.contain("unknown data type 'NOPE'");
  });

  it('wrong literal kinds and double operators', () => {
    expect(syntaxErrorOf('SELECT a FROM t WHERE a = = 1').column).to.equal(27);
  });

  it('CREATE TABLE with two time indexes is rejected', () => {
    expect(syntaxErrorOf('CREATE TABLE t (a TIMESTAMP TIME INDEX, b TIMESTAMP, TIME INDEX (b))').message).to.contain('only one TIME INDEX');
  });

  it('TQL needs three or four parameters and a query', () => {
    expect(syntaxErrorOf('TQL EVAL (0, 10) up').message).to.contain('TQL takes (start, end, step[, lookback]), got 2');
    expect(syntaxErrorOf("TQL EVAL (0, 10, '5s')").message).to.contain('needs a PromQL query');
  });

  it('a bad INSERT row falls back to the grammar for the error', () => {
    const e = syntaxErrorOf("INSERT INTO t VALUES (1, 'a'), (2 'b')");
    expect([e.line, e.column]).to.deep.equal([1, 35]);
    expect(e.message).to.contain("unexpected string 'b'");
  });

  it('positions after a long IN list (folded into one token) are exact', () => {
    const list = Array.from({ length: 50 }, (_, i) => (i % 10 === 9 ? `${i},\n` : `${i}, `)).join('').replace(/,\s*$/, '');
    const e = syntaxErrorOf(`SELECT a FROM t WHERE x IN (${list}) AND AND`);
    const lines = `SELECT a FROM t WHERE x IN (${list}) AND `.split('\n');
    expect([e.line, e.column]).to.deep.equal([lines.length, lines[lines.length - 1]!.length + 1]);
    const f = syntaxErrorOf(`SELECT a FROM t WHERE x IN (${list}`);
    expect(f.message).to.contain('unexpected end of input');
  });

  it('keeps the nearley error as the cause, not in the message', () => {
    const e = syntaxErrorOf('SELECT FROM');
    expect(e.cause).to.be.instanceOf(Error);
    expect(e.message).not.to.contain('Instead, I was expecting');
  });
});

describe('sql parser: fuzzing', function () {
  this.timeout(30_000);
  it('random and mutated statements either parse or raise a SyntaxError, quickly', () => {
    const vocab = ['SELECT', 'FROM', 'WHERE', 'GROUP', 'BY', 'ORDER', 'LIMIT', 'OFFSET', '(', ')', ',', '*', '+', '-', '=', '<', 'AND', 'OR',
      'NOT', 'IN', 'BETWEEN', 'LIKE', 'IS', 'NULL', 'TRUE', 'a', 'b', 't', '1', '2.5', "'x'", '"Q"', '?', '$1', '@@v', 'CASE', 'WHEN', 'THEN',
      'ELSE', 'END', 'CAST', 'AS', 'INT', '::', 'RANGE', "'5m'", 'FILL', 'LINEAR', 'ALIGN', 'TO', 'NOW', 'OVER', 'PARTITION', 'ROWS',
      'PRECEDING', 'UNBOUNDED', 'CURRENT', 'ROW', 'JOIN', 'LEFT', 'ON', 'USING', 'UNION', 'ALL', 'INTERSECT', 'WITH', 'VALUES', 'INSERT',
      'INTO', 'CREATE', 'TABLE', 'TIME', 'INDEX', 'PRIMARY', 'KEY', 'TIMESTAMP', 'DEFAULT', 'SHOW', 'TABLES', 'SET', 'NAMES', 'EXPLAIN',
      'ANALYZE', 'TQL', 'EVAL', 'ADMIN', 'DROP', 'IF', 'EXISTS', 'ALTER', 'ADD', 'COLUMN', 'INTERVAL', 'HOUR', ';', '.', 'DISTINCT',
      'FILTER', 'EXTRACT', 'DATE', 'DESC', 'NULLS', 'FIRST', 'count', 'sum', "E'\\n'", 'TRANSACTION', 'ISOLATION', 'LEVEL', 'READ'];
    const bases = [
      'SELECT a, count(*) FROM t WHERE b IN (1, 2) GROUP BY a ORDER BY a DESC LIMIT 5',
      "SELECT avg(x) RANGE '5m' FILL LINEAR FROM t ALIGN '1m' TO NOW BY (h)",
      "INSERT INTO t (a, b) VALUES (1, 'x'), (2, now())",
      "CREATE TABLE t (ts TIMESTAMP TIME INDEX, h STRING PRIMARY KEY, v DOUBLE DEFAULT 0) WITH (ttl='1d')",
      'SELECT sum(x) OVER (PARTITION BY a ORDER BY b ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM t',
      'WITH c AS (SELECT 1) SELECT * FROM c JOIN d USING (k) UNION ALL SELECT 2',
      'SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED', "TQL EVAL (0, 10, '5s') up",
      'SELECT * FROM t WHERE x IN (1, 2, 3, 4, 5, 6, 7, 8, 9, 10)',
    ];
    let seed = 12345;
    const r = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
    let parsed = 0;
    let rejected = 0;
    const t0 = performance.now();
    for (let i = 0; i < 3000; i++) {
      let text: string;
      if (r() < 0.5) {
        text = Array.from({ length: 1 + Math.floor(r() * 25) }, () => pick(vocab)).join(' ');
      } else {
        const toks = pick(bases).split(/(\s+|,|\(|\))/).filter((x) => x.trim());
        for (let k = 1 + Math.floor(r() * 3); k > 0; k--) {
          const p = Math.floor(r() * toks.length);
          const op = r();
          if (op < 0.33) toks.splice(p, 1); else if (op < 0.66) toks.splice(p, 0, pick(vocab)); else toks[p] = pick(vocab);
        }
        text = toks.join(' ');
      }
      try {
        parseSql(text);
        parsed++;
      } catch (err) {
        expect(err, text).to.be.instanceOf(SyntaxError);
        expect((err as SyntaxError).line, text).to.be.a('number');
        rejected++;
      }
    }
    expect(parsed).to.be.greaterThan(20);
    expect(rejected).to.be.greaterThan(2000);
    expect(performance.now() - t0).to.be.lessThan(20_000);
  });
});
