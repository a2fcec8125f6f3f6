import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CastError, DivideByZeroError, StatusCode, TableNotFoundError } from '@strata/kernel';
import { MYSQL_ERROR_OF_STATUS, MYSQL_WIRE_ERRORS, mysqlErrorOf } from '../src/errors.js';

/**
 * GreptimeDB's `mysql_error_kind` (src/servers/src/mysql/writer.rs), with
 * opensrv-mysql's numbers and SQLSTATEs for each ErrorKind, status by status.
 */
const GREPTIMEDB: Record<keyof typeof StatusCode, [number, string]> = {
  Success: [1003, 'HY000'], // ER_YES
  Unknown: [1105, 'HY000'], External: [1105, 'HY000'], // ER_UNKNOWN_ERROR
  Unsupported: [1235, '42000'], // ER_NOT_SUPPORTED_YET
  Cancelled: [1317, '70100'], DeadlineExceeded: [1317, '70100'], // ER_QUERY_INTERRUPTED
  RuntimeResourcesExhausted: [1041, 'HY000'], // ER_OUT_OF_RESOURCES
  InvalidSyntax: [1149, '42000'], // ER_SYNTAX_ERROR
  RegionAlreadyExists: [1050, '42S01'], TableAlreadyExists: [1050, '42S01'], // ER_TABLE_EXISTS_ERROR
  RegionNotFound: [1146, '42S02'], TableNotFound: [1146, '42S02'], // ER_NO_SUCH_TABLE
  RegionReadonly: [1836, 'HY000'], // ER_READ_ONLY_MODE
  DatabaseNotFound: [1102, '42000'], // ER_WRONG_DB_NAME
  UserNotFound: [1449, 'HY000'], // ER_NO_SUCH_USER
  UnsupportedPasswordType: [1827, 'HY000'], // ER_PASSWORD_FORMAT
  PermissionDenied: [1045, '28000'], AccessDenied: [1045, '28000'], // ER_ACCESS_DENIED_ERROR
  UserPasswordMismatch: [1044, '42000'], // ER_DBACCESS_DENIED_ERROR
  InvalidAuthHeader: [1251, '08004'], AuthHeaderNotFound: [1251, '08004'], // ER_NOT_SUPPORTED_AUTH_MODE
  Unexpected: [1815, 'HY000'], Internal: [1815, 'HY000'], IllegalState: [1815, 'HY000'], PlanQuery: [1815, 'HY000'],
  EngineExecuteQuery: [1815, 'HY000'], RegionNotReady: [1815, 'HY000'], RegionBusy: [1815, 'HY000'],
  TableUnavailable: [1815, 'HY000'], StorageUnavailable: [1815, 'HY000'], RequestOutdated: [1815, 'HY000'], // ER_INTERNAL_ERROR
  InvalidArguments: [1210, 'HY000'], // ER_WRONG_ARGUMENTS
  TableColumnNotFound: [1054, '42S22'], // ER_BAD_FIELD_ERROR
  TableColumnExists: [1060, '42S21'], // ER_DUP_FIELDNAME
  DatabaseAlreadyExists: [1007, 'HY000'], // ER_DB_CREATE_EXISTS
  RateLimited: [1637, 'HY000'], // ER_TOO_MANY_CONCURRENT_TRXS
};

/** docs/errors.md's table rows: code -> its cells (status, name, HTTP, MySQL, PostgreSQL, gRPC). */
function errorsDocRows(): Map<string, string[]> {
  const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
  const page = readFileSync(path.join(repo, 'docs', 'errors.md'), 'utf8');
  const rows = new Map<string, string[]>();
  for (const m of page.matchAll(/^\| `([A-Z_]+)` \| (.*) \|$/gm)) rows.set(m[1]!, m[2]!.split(' | '));
  return rows;
}

describe('protocol-mysql error mapping (GreptimeDB mysql_error_kind)', () => {
  it('maps every status to the MySQL error number and SQLSTATE GreptimeDB sends', () => {
    for (const [name, [code, sqlState]] of Object.entries(GREPTIMEDB)) {
      const status = StatusCode[name as keyof typeof StatusCode];
      expect(MYSQL_ERROR_OF_STATUS[status], name).to.deep.equal({ code, sqlState });
    }
    expect(Object.keys(MYSQL_ERROR_OF_STATUS).length).to.equal(Object.keys(GREPTIMEDB).length);
  });

  it("prefixes the message with the status name, as GreptimeDB's handle_err does", () => {
    expect(mysqlErrorOf(new TableNotFoundError('public.nope'))).to.deep.equal({ code: 1146, sqlState: '42S02', message: '(TableNotFound): Table not found: public.nope' });
    expect(mysqlErrorOf(new DivideByZeroError())).to.deep.equal({ code: 1815, sqlState: 'HY000', message: '(EngineExecuteQuery): Divide by zero error' });
    expect(mysqlErrorOf(CastError.ofString('x', 'Int32')).message).to.equal("(EngineExecuteQuery): Cast error: Cannot cast string 'x' to value of Int32 type");
    // Anything that is not a StrataError is a Strata bug: Internal.
    expect(mysqlErrorOf(new Error('boom')).message).to.match(/^\(Internal\): boom/);
  });

  it('keeps the wire errors GreptimeDB answers outside the table', () => {
    expect(MYSQL_WIRE_ERRORS.accessDenied).to.deep.equal({ code: 1045, sqlState: '28000' });
    expect(MYSQL_WIRE_ERRORS.unknownDatabase).to.deep.equal({ code: 1102, sqlState: '42000' });
  });
  it('docs/errors.md shows this table (regenerate with node scripts/gen-errors-doc.mjs)', () => {
    const rows = errorsDocRows();
    expect(rows.size).to.be.greaterThan(30);
    for (const [code, cells] of rows) {
      const m = MYSQL_ERROR_OF_STATUS[Number(cells[0]) as StatusCode];
      expect(cells[3], code).to.equal(`${m.code} \`${m.sqlState}\``);
    }
  });
});
