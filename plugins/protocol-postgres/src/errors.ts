import { StatusCode, StrataError, toStrataError } from '@strata/kernel';

/**
 * Strata status -> PostgreSQL SQLSTATE, value for value GreptimeDB's
 * `impl From<StatusCode> for PgErrorCode` (src/servers/src/postgres/types/
 * error.rs). Exhaustive on purpose: a new StatusCode fails to compile here
 * until this protocol decides. GreptimeDB sends `P0000` for every plan or
 * execution failure (divide by zero and cast errors included, where
 * PostgreSQL itself would send 22012 / 22P02) and `42704` for a missing
 * database in a statement; Strata does the same so GreptimeDB's clients see
 * the same codes. Two statuses postdate the GreptimeDB source we follow and
 * are mapped by analogy: External as Unknown (`XX000`, as GreptimeDB's MySQL
 * server groups them) and DeadlineExceeded as PostgreSQL's statement_timeout
 * (`57014`).
 */
export const PG_SQLSTATE_OF_STATUS: Record<StatusCode, string> = {
  [StatusCode.Success]: '00000',
  [StatusCode.Unknown]: 'XX000', // internal_error
  [StatusCode.Unsupported]: '0A000', // feature_not_supported
  [StatusCode.Unexpected]: 'XX000',
  [StatusCode.Internal]: 'XX000',
  [StatusCode.InvalidArguments]: '22023', // invalid_parameter_value
  [StatusCode.Cancelled]: '57000', // operator_intervention
  [StatusCode.IllegalState]: 'XX000',
  [StatusCode.External]: 'XX000',
  [StatusCode.DeadlineExceeded]: '57014', // query_canceled (statement_timeout)
  [StatusCode.InvalidSyntax]: '42601', // syntax_error
  [StatusCode.PlanQuery]: 'P0000', // plpgsql_error, as GreptimeDB sends it
  [StatusCode.EngineExecuteQuery]: 'P0000',
  [StatusCode.TableAlreadyExists]: '42P07', // duplicate_table
  [StatusCode.TableNotFound]: '42P01', // undefined_table
  [StatusCode.TableColumnNotFound]: '42703', // undefined_column
  [StatusCode.TableColumnExists]: '42701', // duplicate_column
  [StatusCode.DatabaseNotFound]: '42704', // undefined_object
  [StatusCode.RegionNotFound]: '42P01',
  [StatusCode.RegionAlreadyExists]: '42P07',
  [StatusCode.RegionReadonly]: '25006', // read_only_sql_transaction
  [StatusCode.RegionNotReady]: '55000', // object_not_in_prerequisite_state
  [StatusCode.RegionBusy]: '55000',
  [StatusCode.TableUnavailable]: '55000',
  [StatusCode.DatabaseAlreadyExists]: '42P04', // duplicate_database
  [StatusCode.StorageUnavailable]: 'XX000',
  [StatusCode.RequestOutdated]: 'XX000',
  [StatusCode.RuntimeResourcesExhausted]: '53000', // insufficient_resources
  [StatusCode.RateLimited]: '54000', // program_limit_exceeded
  [StatusCode.UserNotFound]: '28P01', // invalid_password
  [StatusCode.UnsupportedPasswordType]: '28P01',
  [StatusCode.UserPasswordMismatch]: '28P01',
  [StatusCode.AuthHeaderNotFound]: '28000', // invalid_authorization_specification
  [StatusCode.InvalidAuthHeader]: '28000',
  [StatusCode.AccessDenied]: '42501', // insufficient_privilege
  [StatusCode.PermissionDenied]: '42501',
};

/** SQLSTATEs the protocol raises itself. */
export const PG_WIRE_ERRORS = {
  protocolViolation: '08P01',
  tooManyConnections: '53300',
  idleSessionTimeout: '57P05',
  invalidPassword: '28P01',
  featureNotSupported: '0A000',
  invalidStatementName: '26000',
  invalidCursorName: '34000',
  duplicateStatement: '42P05',
  syntaxError: '42601',
  adminShutdown: '57P01',
  /** The database of the startup packet does not exist (GreptimeDB's `Ec3D000`, FATAL). */
  invalidCatalogName: '3D000',
  /** A CancelRequest stopped the statement (PostgreSQL's own answer). */
  queryCanceled: '57014',
} as const;

/**
 * A client broke the protocol (truncated, malformed, oversized message):
 * the connection answers with a FATAL ErrorResponse and closes.
 */
export class PgProtocolError extends StrataError {
  constructor(message: string, readonly sqlState: string = PG_WIRE_ERRORS.protocolViolation, opts?: { cause?: unknown }) {
    super('INVALID_ARGUMENTS', StatusCode.InvalidArguments, message, opts);
  }
}

/** A statement-level error with its own SQLSTATE (bad statement name, unsupported catalog query). */
export class PgStatementError extends StrataError {
  constructor(message: string, readonly sqlState: string, opts?: { cause?: unknown }) {
    super('INVALID_ARGUMENTS', StatusCode.InvalidArguments, message, opts);
  }
}

/** SQLSTATE and message for anything thrown while serving a message. */
export function pgErrorOf(err: unknown): { sqlState: string; message: string } {
  if (err instanceof PgProtocolError || err instanceof PgStatementError) return { sqlState: err.sqlState, message: err.message };
  const se = toStrataError(err);
  return { sqlState: PG_SQLSTATE_OF_STATUS[se.status] ?? 'XX000', message: se.message };
}
