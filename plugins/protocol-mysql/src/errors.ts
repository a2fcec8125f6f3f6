import { StatusCode, StrataError, toStrataError } from '@strata/kernel';

/** A MySQL error number and its SQLSTATE. */
export interface MysqlErrorCode {
  readonly code: number;
  readonly sqlState: string;
}

const e = (code: number, sqlState: string): MysqlErrorCode => ({ code, sqlState });
// opensrv-mysql's ErrorKind numbers and SQLSTATEs (MariaDB's table), as GreptimeDB sends them.
const UNKNOWN = e(1105, 'HY000'); // ER_UNKNOWN_ERROR
const INTERNAL = e(1815, 'HY000'); // ER_INTERNAL_ERROR
const QUERY_INTERRUPTED = e(1317, '70100'); // ER_QUERY_INTERRUPTED
const TABLE_EXISTS = e(1050, '42S01'); // ER_TABLE_EXISTS_ERROR
const NO_SUCH_TABLE = e(1146, '42S02'); // ER_NO_SUCH_TABLE
const ACCESS_DENIED = e(1045, '28000'); // ER_ACCESS_DENIED_ERROR
const NOT_SUPPORTED_AUTH_MODE = e(1251, '08004'); // ER_NOT_SUPPORTED_AUTH_MODE

/**
 * Strata status -> MySQL error number + SQLSTATE, value for value GreptimeDB's
 * `mysql_error_kind` (src/servers/src/mysql/writer.rs). Exhaustive on
 * purpose: a new StatusCode fails to compile here until this protocol decides.
 * Some pairings read oddly for MySQL (a password mismatch is 1044, a missing
 * database 1102, every query failure 1815) but they are what GreptimeDB's
 * clients see; the handshake is the exception, answering every failed login
 * with 1045 as GreptimeDB's opensrv-mysql does (see MYSQL_WIRE_ERRORS).
 */
export const MYSQL_ERROR_OF_STATUS: Record<StatusCode, MysqlErrorCode> = {
  [StatusCode.Success]: e(1003, 'HY000'), // ER_YES
  [StatusCode.Unknown]: UNKNOWN,
  [StatusCode.Unsupported]: e(1235, '42000'), // ER_NOT_SUPPORTED_YET
  [StatusCode.Unexpected]: INTERNAL,
  [StatusCode.Internal]: INTERNAL,
  [StatusCode.InvalidArguments]: e(1210, 'HY000'), // ER_WRONG_ARGUMENTS
  [StatusCode.Cancelled]: QUERY_INTERRUPTED,
  [StatusCode.IllegalState]: INTERNAL,
  [StatusCode.External]: UNKNOWN,
  [StatusCode.DeadlineExceeded]: QUERY_INTERRUPTED,
  [StatusCode.InvalidSyntax]: e(1149, '42000'), // ER_SYNTAX_ERROR
  [StatusCode.PlanQuery]: INTERNAL,
  [StatusCode.EngineExecuteQuery]: INTERNAL,
  [StatusCode.TableAlreadyExists]: TABLE_EXISTS,
  [StatusCode.TableNotFound]: NO_SUCH_TABLE,
  [StatusCode.TableColumnNotFound]: e(1054, '42S22'), // ER_BAD_FIELD_ERROR
  [StatusCode.TableColumnExists]: e(1060, '42S21'), // ER_DUP_FIELDNAME
  [StatusCode.DatabaseNotFound]: e(1102, '42000'), // ER_WRONG_DB_NAME
  [StatusCode.RegionNotFound]: NO_SUCH_TABLE,
  [StatusCode.RegionAlreadyExists]: TABLE_EXISTS,
  [StatusCode.RegionReadonly]: e(1836, 'HY000'), // ER_READ_ONLY_MODE
  [StatusCode.RegionNotReady]: INTERNAL,
  [StatusCode.RegionBusy]: INTERNAL,
  [StatusCode.TableUnavailable]: INTERNAL,
  [StatusCode.DatabaseAlreadyExists]: e(1007, 'HY000'), // ER_DB_CREATE_EXISTS
  [StatusCode.StorageUnavailable]: INTERNAL,
  [StatusCode.RequestOutdated]: INTERNAL,
  [StatusCode.RuntimeResourcesExhausted]: e(1041, 'HY000'), // ER_OUT_OF_RESOURCES
  [StatusCode.RateLimited]: e(1637, 'HY000'), // ER_TOO_MANY_CONCURRENT_TRXS
  [StatusCode.UserNotFound]: e(1449, 'HY000'), // ER_NO_SUCH_USER
  [StatusCode.UnsupportedPasswordType]: e(1827, 'HY000'), // ER_PASSWORD_FORMAT
  [StatusCode.UserPasswordMismatch]: e(1044, '42000'), // ER_DBACCESS_DENIED_ERROR
  [StatusCode.AuthHeaderNotFound]: NOT_SUPPORTED_AUTH_MODE,
  [StatusCode.InvalidAuthHeader]: NOT_SUPPORTED_AUTH_MODE,
  [StatusCode.AccessDenied]: ACCESS_DENIED,
  [StatusCode.PermissionDenied]: ACCESS_DENIED,
};

/** Wire-level error numbers the protocol raises itself (not from a StatusCode). */
export const MYSQL_WIRE_ERRORS = {
  tooManyConnections: e(1040, '08004'), // ER_CON_COUNT_ERROR
  packetTooLarge: e(1153, '08S01'), // ER_NET_PACKET_TOO_LARGE
  malformedPacket: e(1835, 'HY000'), // ER_MALFORMED_PACKET
  unknownCommand: e(1047, '08S01'), // ER_UNKNOWN_COM_ERROR
  unknownStatement: e(1243, 'HY000'), // ER_UNKNOWN_STMT_HANDLER
  wrongParamCount: e(1210, 'HY000'), // ER_WRONG_ARGUMENTS
  tooManyPrepared: e(1461, '42000'), // ER_MAX_PREPARED_STMT_COUNT_REACHED
  idleTimeout: e(4031, 'HY000'), // ER_CLIENT_INTERACTION_TIMEOUT
  sslRequired: e(3159, 'HY000'), // ER_SECURE_TRANSPORT_REQUIRED
  /** Every failed login or COM_CHANGE_USER (opensrv-mysql's answer in GreptimeDB). */
  accessDenied: ACCESS_DENIED,
  /** The user provider cannot check this scramble outside TLS (Strata's own: use TLS). */
  authNeedsTls: NOT_SUPPORTED_AUTH_MODE,
  /** COM_INIT_DB or the handshake's database does not exist (GreptimeDB's `on_init`). */
  unknownDatabase: e(1102, '42000'), // ER_WRONG_DB_NAME
} as const;

/**
 * A client sent something that breaks the protocol (truncated, malformed,
 * oversized): the connection answers with ERR and closes.
 */
export class MysqlProtocolError extends StrataError {
  constructor(message: string, readonly mysql: MysqlErrorCode = MYSQL_WIRE_ERRORS.malformedPacket, opts?: { cause?: unknown }) {
    super('INVALID_ARGUMENTS', StatusCode.InvalidArguments, message, opts);
  }
}

/**
 * An error a command answers with its own MySQL code and GreptimeDB's own
 * wording, keeping the code and status of the Strata error it stands for (for
 * logs); the connection stays open. GreptimeDB answers COM_INIT_DB for a
 * missing database with 1102 "Unknown database 'x'", and a failed login with
 * 1045, outside its status table.
 */
export class MysqlCommandError extends StrataError {
  constructor(readonly mysql: MysqlErrorCode, message: string, cause: StrataError) {
    super(cause.code, cause.status, message, { cause, origin: cause.origin });
  }
}

/**
 * The MySQL code for anything thrown while serving a command. A status-mapped
 * error's message carries the status name first, `(TableNotFound): Table not
 * found: ...`, as GreptimeDB's `handle_err` writes it.
 */
export function mysqlErrorOf(err: unknown): { code: number; sqlState: string; message: string } {
  if (err instanceof MysqlProtocolError || err instanceof MysqlCommandError) return { ...err.mysql, message: err.message };
  const se = toStrataError(err);
  const m = MYSQL_ERROR_OF_STATUS[se.status] ?? UNKNOWN;
  return { code: m.code, sqlState: m.sqlState, message: `(${StatusCode[se.status] ?? 'Unknown'}): ${se.message}` };
}
