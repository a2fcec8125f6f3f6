import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { CastError, StatusCode, UnknownColumnError } from '@strata/kernel';
import { grpcStatusOf, toServiceError } from '../src/errors.js';

/**
 * GreptimeDB's `status_to_tonic_code`, status by status. The statuses marked
 * (*) are not in the GreptimeDB source this follows; Strata gives them the
 * gRPC status that names them.
 */
const GREPTIMEDB: Record<keyof typeof StatusCode, GrpcStatus> = {
  Success: GrpcStatus.OK, Unknown: GrpcStatus.UNKNOWN, Unsupported: GrpcStatus.UNIMPLEMENTED,
  Unexpected: GrpcStatus.INTERNAL, Internal: GrpcStatus.INTERNAL, PlanQuery: GrpcStatus.INTERNAL, EngineExecuteQuery: GrpcStatus.INTERNAL,
  InvalidArguments: GrpcStatus.INVALID_ARGUMENT, InvalidSyntax: GrpcStatus.INVALID_ARGUMENT, Cancelled: GrpcStatus.CANCELLED,
  TableAlreadyExists: GrpcStatus.ALREADY_EXISTS, TableColumnExists: GrpcStatus.ALREADY_EXISTS, RegionAlreadyExists: GrpcStatus.ALREADY_EXISTS,
  TableNotFound: GrpcStatus.NOT_FOUND, RegionNotFound: GrpcStatus.NOT_FOUND, TableColumnNotFound: GrpcStatus.NOT_FOUND,
  DatabaseNotFound: GrpcStatus.NOT_FOUND, UserNotFound: GrpcStatus.NOT_FOUND,
  StorageUnavailable: GrpcStatus.UNAVAILABLE, RegionNotReady: GrpcStatus.UNAVAILABLE,
  RuntimeResourcesExhausted: GrpcStatus.RESOURCE_EXHAUSTED, RateLimited: GrpcStatus.RESOURCE_EXHAUSTED, RegionBusy: GrpcStatus.RESOURCE_EXHAUSTED,
  UnsupportedPasswordType: GrpcStatus.UNAUTHENTICATED, UserPasswordMismatch: GrpcStatus.UNAUTHENTICATED,
  AuthHeaderNotFound: GrpcStatus.UNAUTHENTICATED, InvalidAuthHeader: GrpcStatus.UNAUTHENTICATED,
  AccessDenied: GrpcStatus.PERMISSION_DENIED, PermissionDenied: GrpcStatus.PERMISSION_DENIED, RegionReadonly: GrpcStatus.PERMISSION_DENIED,
  // (*)
  IllegalState: GrpcStatus.FAILED_PRECONDITION, External: GrpcStatus.UNKNOWN, DeadlineExceeded: GrpcStatus.DEADLINE_EXCEEDED,
  TableUnavailable: GrpcStatus.UNAVAILABLE, DatabaseAlreadyExists: GrpcStatus.ALREADY_EXISTS, RequestOutdated: GrpcStatus.FAILED_PRECONDITION,
};

/** docs/errors.md's table rows: code -> its cells (status, name, HTTP, MySQL, PostgreSQL, gRPC). */
function errorsDocRows(): Map<string, string[]> {
  const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
  const page = readFileSync(path.join(repo, 'docs', 'errors.md'), 'utf8');
  const rows = new Map<string, string[]>();
  for (const m of page.matchAll(/^\| `([A-Z_]+)` \| (.*) \|$/gm)) rows.set(m[1]!, m[2]!.split(' | '));
  return rows;
}

describe('protocol-grpc error mapping (GreptimeDB status_to_tonic_code)', () => {
  it('maps every status to the gRPC status GreptimeDB answers', () => {
    for (const [name, code] of Object.entries(GREPTIMEDB)) {
      expect(grpcStatusOf[StatusCode[name as keyof typeof StatusCode]], name).to.equal(code);
    }
    expect(Object.keys(grpcStatusOf).length).to.equal(Object.keys(GREPTIMEDB).length);
  });

  it('a query\'s unknown column and a failed cast are INTERNAL with GreptimeDB\'s numeric code in the trailers', () => {
    const col = toServiceError(new UnknownColumnError('nope', ['t.ts']));
    expect([col.code, col.metadata.get('x-greptime-err-code')]).to.deep.equal([GrpcStatus.INTERNAL, ['3000']]);
    const cast = toServiceError(CastError.ofString('x', 'Int32'));
    expect([cast.code, cast.metadata.get('x-greptime-err-code'), cast.metadata.get('x-strata-err-code')]).to.deep.equal([GrpcStatus.INTERNAL, ['3001'], ['CAST_FAILED']]);
  });
  it('docs/errors.md shows this table (regenerate with node scripts/gen-errors-doc.mjs)', () => {
    const rows = errorsDocRows();
    expect(rows.size).to.be.greaterThan(30);
    for (const [code, cells] of rows) expect(GrpcStatus[cells[5] as keyof typeof GrpcStatus], code).to.equal(grpcStatusOf[Number(cells[0]) as StatusCode]);
  });
});
