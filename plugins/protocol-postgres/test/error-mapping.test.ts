import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CastError, DivideByZeroError, StatusCode } from '@strata/kernel';
import { PG_SQLSTATE_OF_STATUS, pgErrorOf } from '../src/errors.js';

/**
 * GreptimeDB's `impl From<StatusCode> for PgErrorCode`
 * (src/servers/src/postgres/types/error.rs), status by status. External and
 * DeadlineExceeded are not in that source; they are Strata's analogies.
 */
const GREPTIMEDB: Record<keyof typeof StatusCode, string> = {
  Success: '00000', Unsupported: '0A000', InvalidArguments: '22023', Cancelled: '57000',
  Unknown: 'XX000', Unexpected: 'XX000', IllegalState: 'XX000', Internal: 'XX000',
  InvalidSyntax: '42601', PlanQuery: 'P0000', EngineExecuteQuery: 'P0000',
  TableNotFound: '42P01', RegionNotFound: '42P01', TableAlreadyExists: '42P07', RegionAlreadyExists: '42P07',
  TableColumnNotFound: '42703', TableColumnExists: '42701', DatabaseNotFound: '42704', DatabaseAlreadyExists: '42P04',
  RegionReadonly: '25006', RegionNotReady: '55000', RegionBusy: '55000', TableUnavailable: '55000',
  StorageUnavailable: 'XX000', RequestOutdated: 'XX000', RuntimeResourcesExhausted: '53000', RateLimited: '54000',
  UserNotFound: '28P01', UnsupportedPasswordType: '28P01', UserPasswordMismatch: '28P01',
  AuthHeaderNotFound: '28000', InvalidAuthHeader: '28000', AccessDenied: '42501', PermissionDenied: '42501',
  // Not in GreptimeDB's stored source: External as Unknown, DeadlineExceeded as statement_timeout.
  External: 'XX000', DeadlineExceeded: '57014',
};

/** docs/errors.md's table rows: code -> its cells (status, name, HTTP, MySQL, PostgreSQL, gRPC). */
function errorsDocRows(): Map<string, string[]> {
  const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
  const page = readFileSync(path.join(repo, 'docs', 'errors.md'), 'utf8');
  const rows = new Map<string, string[]>();
  for (const m of page.matchAll(/^\| `([A-Z_]+)` \| (.*) \|$/gm)) rows.set(m[1]!, m[2]!.split(' | '));
  return rows;
}

describe('protocol-postgres error mapping (GreptimeDB PgErrorCode)', () => {
  it('maps every status to the SQLSTATE GreptimeDB sends', () => {
    for (const [name, sqlState] of Object.entries(GREPTIMEDB)) {
      expect(PG_SQLSTATE_OF_STATUS[StatusCode[name as keyof typeof StatusCode]], name).to.equal(sqlState);
    }
    expect(Object.keys(PG_SQLSTATE_OF_STATUS).length).to.equal(Object.keys(GREPTIMEDB).length);
  });

  it('sends division by zero and cast errors as GreptimeDB does (P0000), with the message unprefixed', () => {
    expect(pgErrorOf(new DivideByZeroError())).to.deep.equal({ sqlState: 'P0000', message: 'Divide by zero error' });
    expect(pgErrorOf(CastError.ofString('x', 'Int32'))).to.deep.equal({ sqlState: 'P0000', message: "Cast error: Cannot cast string 'x' to value of Int32 type" });
  });
  it('docs/errors.md shows this table (regenerate with node scripts/gen-errors-doc.mjs)', () => {
    const rows = errorsDocRows();
    expect(rows.size).to.be.greaterThan(30);
    for (const [code, cells] of rows) expect(cells[4], code).to.equal(`\`${PG_SQLSTATE_OF_STATUS[Number(cells[0]) as StatusCode]}\``);
  });
});
