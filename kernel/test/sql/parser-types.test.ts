import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type * as ast from '../../src/sql/ast.js';
import { toDataType, isKnownTypeName } from '../../src/sql/parser/type-names.js';
import { NONRESERVED_KEYWORDS, RESERVED_KEYWORDS, ALIAS_EXCLUDED_KEYWORDS } from '../../src/sql/parser/lexer.js';
import { parseSql } from '../../src/sql/parser/parse-sql.js';
import { PlanError, SyntaxError } from '../../src/errors/errors.js';
import { parseKind, selectOf } from './parser-helpers.js';
import * as kernel from '../../src/index.js';

function typeOf(sqlType: string) {
  const c = parseKind(`CREATE TABLE t (ts TIMESTAMP TIME INDEX, x ${sqlType})`, 'CreateTable');
  return toDataType(c.columns[1]!.type);
}

describe('sql parser: data types and keywords', () => {
  it('maps GreptimeDB type names and aliases to kernel DataTypes', () => {
    const cases: Array<[string, string]> = [
      ['BOOLEAN', 'Boolean'], ['bool', 'Boolean'],
      ['TINYINT', 'Int8'], ['SMALLINT', 'Int16'], ['INT', 'Int32'], ['INTEGER', 'Int32'], ['BIGINT', 'Int64'],
      ['Int8', 'Int8'], ['INT16', 'Int16'], ['int32', 'Int32'], ['Int64', 'Int64'],
      ['TINYINT UNSIGNED', 'UInt8'], ['SMALLINT UNSIGNED', 'UInt16'], ['INT UNSIGNED', 'UInt32'], ['BIGINT UNSIGNED', 'UInt64'],
      ['UInt8', 'UInt8'], ['UINT16', 'UInt16'], ['uint32', 'UInt32'], ['UInt64', 'UInt64'],
      ['FLOAT', 'Float32'], ['Float32', 'Float32'], ['REAL', 'Float32'], ['DOUBLE', 'Float64'], ['Float64', 'Float64'], ['DOUBLE PRECISION', 'Float64'],
      ['STRING', 'String'], ['TEXT', 'String'], ['VARCHAR', 'String'], ['VARCHAR(255)', 'String'], ['CHAR', 'String'], ['JSON', 'String'],
      ['BINARY', 'Binary'], ['VARBINARY', 'Binary'], ['BYTEA', 'Binary'],
      ['DATE', 'Date'], ['DATETIME', 'TimestampMicrosecond'],
      ['TIMESTAMP', 'TimestampMillisecond'], ['TIMESTAMP(0)', 'TimestampSecond'], ['TIMESTAMP(3)', 'TimestampMillisecond'],
      ['TIMESTAMP(6)', 'TimestampMicrosecond'], ['TIMESTAMP(9)', 'TimestampNanosecond'],
      ['TIMESTAMP_S', 'TimestampSecond'], ['TIMESTAMP_MS', 'TimestampMillisecond'], ['TIMESTAMP_US', 'TimestampMicrosecond'], ['TIMESTAMP_NS', 'TimestampNanosecond'],
      ['TimestampSecond', 'TimestampSecond'], ['TimestampMillisecond', 'TimestampMillisecond'],
      ['TimestampMicrosecond', 'TimestampMicrosecond'], ['TimestampNanosecond', 'TimestampNanosecond'],
      ['INTERVAL', 'IntervalMonthDayNano'],
    ];
    for (const [sql, name] of cases) expect(typeOf(sql).name, sql).to.equal(name);
  });

  it('DECIMAL precision and scale', () => {
    expect(typeOf('DECIMAL(10, 2)')).to.deep.equal({ name: 'Decimal128', precision: 10, scale: 2 });
    expect(typeOf('DECIMAL(5)')).to.deep.equal({ name: 'Decimal128', precision: 5, scale: 0 });
    expect(typeOf('DECIMAL')).to.deep.equal({ name: 'Decimal128', precision: 38, scale: 10 });
    expect(typeOf('NUMERIC(20,4)')).to.deep.equal({ name: 'Decimal128', precision: 20, scale: 4 });
    expect(() => typeOf('DECIMAL(40, 2)')).to.throw(PlanError, /precision/);
    expect(() => typeOf('DECIMAL(4, 5)')).to.throw(PlanError, /scale/);
  });

  it('rejects bad type arguments at plan time', () => {
    expect(() => typeOf('TIMESTAMP(4)')).to.throw(PlanError, /precision must be 0, 3, 6 or 9/);
    expect(() => typeOf('STRING UNSIGNED')).to.throw(PlanError, /cannot be UNSIGNED/);
    expect(isKnownTypeName('TIME')).to.equal(true);
    expect(() => toDataType({ name: 'TIME', args: [], unsigned: false })).to.throw(PlanError, /unsupported/);
  });

  it('every non-reserved keyword works as a column, table and alias name; reserved ones do not', () => {
    const excluded = new Set(ALIAS_EXCLUDED_KEYWORDS);
    expect(RESERVED_KEYWORDS.filter((k) => NONRESERVED_KEYWORDS.includes(k))).to.deep.equal([]);
    for (const k of ALIAS_EXCLUDED_KEYWORDS) expect(NONRESERVED_KEYWORDS, k).to.include(k);
    for (const kw of NONRESERVED_KEYWORDS) {
      const word = kw.toLowerCase();
      const s = selectOf(`SELECT ${word}, t.${word} AS ${word} FROM ${word} AS ${word} WHERE ${word} = 1 ORDER BY ${word}`);
      expect(((s.items[0] as ast.SelectExprItem).expr as ast.ColumnRef).name, kw).to.equal(word);
      expect((s.items[1] as ast.SelectExprItem).alias, kw).to.equal(word);
      expect((s.from[0] as ast.NamedTableRef).name.name, kw).to.equal(word);
      if (!excluded.has(kw)) {
        expect((selectOf(`SELECT 1 ${word} FROM t ${word}`).items[0] as ast.SelectExprItem).alias, kw).to.equal(word);
      }
      expect(parseKind(`CREATE TABLE ${word} (${word} STRING, ts TIMESTAMP TIME INDEX)`, 'CreateTable').columns[0]!.name, kw).to.equal(word);
    }
    for (const kw of RESERVED_KEYWORDS) {
      expect(() => parseSql(`SELECT 1 FROM ${kw.toLowerCase()}`), kw).to.throw(SyntaxError);
    }
  });

  it('the committed grammar.ts is compiled from the current grammar.ne', () => {
    const script = fileURLToPath(new URL('../../../../scripts/build-grammar.mjs', import.meta.url));
    // Throws (non-zero exit) when stale; the message says how to rebuild.
    execFileSync(process.execPath, [script, '--check'], { stdio: 'pipe', timeout: 20_000 });
  });

  it('the kernel index exports parseSql, toDataType and the ast namespace', () => {
    const stmts = kernel.parseSql('SELECT 1; SHOW TABLES');
    expect(stmts.map((s: ast.Statement) => s.kind)).to.deep.equal(['QueryStatement', 'ShowTables']);
    expect(kernel.toDataType({ name: 'BIGINT', args: [], unsigned: false })).to.deep.equal({ name: 'Int64' });
    const k: kernel.ast.StatementKind = 'Insert';
    expect(k).to.equal('Insert');
  });
});
