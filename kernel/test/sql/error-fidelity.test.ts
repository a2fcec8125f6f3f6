import { expect } from 'chai';
import { CastError, StatusCode, StrataError } from '../../src/index.js';
import { SqlHarness } from '../support/sql-harness.js';

/**
 * The error class, code and status a statement fails with, checked against
 * GreptimeDB's sqlness results (tests/cases/standalone/common/cast/
 * string_to_integer.result: `SELECT 'abc'::INT` -> `Error: 3001(EngineExecuteQuery),
 * Cast error: Cannot cast string 'abc' to value of Int32 type`).
 */
describe('sql: error fidelity with GreptimeDB (cast errors, statuses)', function () {
  this.timeout(10_000);
  let h: SqlHarness;
  beforeEach(async () => { h = await SqlHarness.start(); });
  afterEach(async () => { await h.stop(); });
  const failure = async (sql: string): Promise<StrataError> =>
    h.q(sql).then(() => expect.fail(`should fail: ${sql}`), (e: unknown) => { expect(e).to.be.instanceOf(StrataError); return e as StrataError; });

  it("a failed CAST is CAST_FAILED with status 3001 and Arrow's message, as GreptimeDB reports it", async () => {
    for (const [sql, message] of [
      ["SELECT CAST('x' AS INT)", "Cast error: Cannot cast string 'x' to value of Int32 type"],
      ["SELECT 'abc'::INT", "Cast error: Cannot cast string 'abc' to value of Int32 type"],
      ["SELECT '0.5'::INT", "Cast error: Cannot cast string '0.5' to value of Int32 type"],
      ["SELECT CAST('x' AS BIGINT)", "Cast error: Cannot cast string 'x' to value of Int64 type"],
      ["SELECT CAST('x' AS DOUBLE)", "Cast error: Cannot cast string 'x' to value of Float64 type"],
      ['SELECT CAST(300 AS TINYINT)', "Cast error: Can't cast value 300 to type Int8"],
    ] as const) {
      const e = await failure(sql);
      expect(e).to.be.instanceOf(CastError);
      expect([e.code, e.status, e.message], sql).to.deep.equal(['CAST_FAILED', StatusCode.EngineExecuteQuery, message]);
    }
  });

  it('TRY_CAST still gives NULL, and an INSERT of a value that does not fit stays INVALID_ARGUMENTS (a statement error)', async () => {
    expect(await h.rows("SELECT TRY_CAST('x' AS INT), TRY_CAST(300 AS TINYINT)")).to.deep.equal([[null, null]]);
    await h.q('CREATE TABLE c (ts TIMESTAMP TIME INDEX, v INT)');
    // All plain literals: the text is refused for a number column before any cast (GreptimeDB's ColumnTypeMismatch, 1004).
    const e = await failure("INSERT INTO c VALUES (1, 'abc')");
    expect([e.code, e.status]).to.deep.equal(['INVALID_ARGUMENTS', StatusCode.InvalidArguments]);
    expect(e.message).to.contain("column v (row 1) is Int32 and cannot take the string 'abc'");
    // With an expression among the values every value is CAST, and the cast error names the column.
    const c = await failure("INSERT INTO c VALUES (now(), 'abc')");
    expect([c.code, c.status]).to.deep.equal(['INVALID_ARGUMENTS', StatusCode.InvalidArguments]);
    expect(c.message).to.contain("column v (row 1): Cast error: Cannot cast string 'abc' to value of Int32 type");
  });

  it('divide by zero, not-found, exists and syntax errors keep their GreptimeDB statuses', async () => {
    await h.q('CREATE TABLE t (ts TIMESTAMP TIME INDEX, v BIGINT)');
    const cases: Array<[string, string, StatusCode]> = [
      ['SELECT 1 / 0', 'DIVIDE_BY_ZERO', StatusCode.EngineExecuteQuery],
      ['SELECT * FROM nope', 'TABLE_NOT_FOUND', StatusCode.TableNotFound],
      ['SELECT nope FROM t', 'PLAN_QUERY', StatusCode.PlanQuery],
      ['CREATE TABLE t (ts TIMESTAMP TIME INDEX)', 'TABLE_ALREADY_EXISTS', StatusCode.TableAlreadyExists],
      ['CREATE DATABASE public', 'DATABASE_ALREADY_EXISTS', StatusCode.DatabaseAlreadyExists],
      ['SELEC 1', 'INVALID_SYNTAX', StatusCode.InvalidSyntax],
    ];
    for (const [sql, code, status] of cases) {
      const e = await failure(sql);
      expect([e.code, e.status], `${sql}: ${e.message}`).to.deep.equal([code, status]);
    }
  });
});
