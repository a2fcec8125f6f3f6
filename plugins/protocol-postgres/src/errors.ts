import { StatusCode, StrataError, toStrataError } from '@strata/kernel';

/**
 * Strata status -> PostgreSQL SQLSTATE. Exhaustive on purpose: a new
 * StatusCode fails to compile here until this protocol decides.
 */
export const PG_SQLSTATE_OF_STATUS: Record<StatusCode, string> = {
  [StatusCode.Success]: '00000',
  [StatusCode.Unknown]: 'XX000', // internal_error
  [StatusCode.Unsupported]: '0A000', // feature_not_supported
  [StatusCode.Unexpected]: 'XX000',
  [StatusCode.Internal]: 'XX000',
  [StatusCode.InvalidArguments]: '22023', // invalid_parameter_value
  [StatusCode.Cancelled]: '57014', // query_canceled
  [StatusCode.IllegalState]: '55000', // object_not_in_prerequisite_state
  [StatusCode.External]: '58000', // system_error
  [StatusCode.DeadlineExceeded]: '57014', // query_canceled (statement_timeout)
  [StatusCode.InvalidSyntax]: '42601', // syntax_error
  [StatusCode.PlanQuery]: '42000', // syntax_error_or_access_rule_violation
  [StatusCode.EngineExecuteQuery]: 'XX000',
  [StatusCode.TableAlreadyExists]: '42P07', // duplicate_table
  [StatusCode.TableNotFound]: '42P01', // undefined_table
  [StatusCode.TableColumnNotFound]: '42703', // undefined_column
  [StatusCode.TableColumnExists]: '42701', // duplicate_column
  [StatusCode.DatabaseNotFound]: '3D000', // invalid_catalog_name
  [StatusCode.RegionNotFound]: 'XX000',
  [StatusCode.RegionAlreadyExists]: 'XX000',
  [StatusCode.RegionReadonly]: '25006', // read_only_sql_transaction
  [StatusCode.RegionNotReady]: '55000',
  [StatusCode.RegionBusy]: '55P03', // lock_not_available
  [StatusCode.TableUnavailable]: '55000',
  [StatusCode.DatabaseAlreadyExists]: '42P04', // duplicate_database
  [StatusCode.StorageUnavailable]: '58030', // io_error
  [StatusCode.RequestOutdated]: 'XX000',
  [StatusCode.RuntimeResourcesExhausted]: '53000', // insufficient_resources
  [StatusCode.RateLimited]: '53000',
  [StatusCode.UserNotFound]: '28000', // invalid_authorization_specification
  [StatusCode.UnsupportedPasswordType]: '28000',
  [StatusCode.UserPasswordMismatch]: '28P01', // invalid_password
  [StatusCode.AuthHeaderNotFound]: '28000',
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
