import { expect } from 'chai';
import { syntaxErrorOf } from './parser-helpers.js';

describe('sql parser: syntax errors', () => {
  it('names the unexpected token, its line/column and a few expected tokens', () => {
    const e = syntaxErrorOf('SELECT * FORM t');
    expect(e.line).to.equal(1);
    expect(e.column).to.equal(10);
    expect(e.message).to.match(/^Syntax error at line 1, column 10: unexpected identifier FORM; expected one of .*FROM/);
    expect(e.message.length).to.be.lessThan(200);
  });

  it('reports positions on later lines', () => {
    const e = syntaxErrorOf('SELECT a,\n  b,\nFROM t');
    expect([e.line, e.column]).to.deep.equal([3, 1]);
    expect(e.message).to.contain('unexpected keyword FROM; expected an expression');
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
    expect(syntaxErrorOf('CREATE TABLE t (a INT,)').message).to.contain("unexpected ')'; expected TIME, PRIMARY or identifier");
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

  it('unknown data types are reported at the type', () => {
    const e = syntaxErrorOf('CREATE TABLE t (a FOO, ts TIMESTAMP TIME INDEX)');
    expect([e.line, e.column]).to.deep.equal([1, 19]);
    expect(e.message).to.contain("unknown data type 'FOO'");
    expect(syntaxErrorOf('SELECT CAST(a AS BLAH)').message).to.contain("unknown data type 'BLAH'");
    expect(syntaxErrorOf('SELECT a::nope').message).to.contain("unknown data type 'NOPE'");
  });

  it('wrong literal kinds and double operators', () => {
    expect(syntaxErrorOf("SELECT a FROM t LIMIT 'x'").message).to.contain('expected number or placeholder');
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
