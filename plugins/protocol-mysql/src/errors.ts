import { StatusCode, StrataError, toStrataError } from '@strata/kernel';

/** A MySQL error number and its SQLSTATE. */
export interface MysqlErrorCode {
  readonly code: number;
  readonly sqlState: string;
}

const e = (code: number, sqlState: string): MysqlErrorCode => ({ code, sqlState });
const UNKNOWN = e(1105, 'HY000'); // ER_UNKNOWN_ERROR

/**
 * Strata status -> MySQL error number + SQLSTATE. Exhaustive on purpose: a
 * new StatusCode fails to compile here until this protocol decides.
 */
export const MYSQL_ERROR_OF_STATUS: Record<StatusCode, MysqlErrorCode> = {
  [StatusCode.Success]: e(0, '00000'),
  [StatusCode.Unknown]: UNKNOWN,
  [StatusCode.Unsupported]: e(1235, '42000'), // ER_NOT_SUPPORTED_YET
  [StatusCode.Unexpected]: UNKNOWN,
  [StatusCode.Internal]: e(1815, 'HY000'), // ER_INTERNAL_ERROR
  [StatusCode.InvalidArguments]: e(1210, 'HY000'), // ER_WRONG_ARGUMENTS
  [StatusCode.Cancelled]: e(1317, '70100'), // ER_QUERY_INTERRUPTED
  [StatusCode.IllegalState]: UNKNOWN,
  [StatusCode.External]: UNKNOWN,
  [StatusCode.DeadlineExceeded]: e(3024, 'HY000'), // ER_QUERY_TIMEOUT
  [StatusCode.InvalidSyntax]: e(1064, '42000'), // ER_PARSE_ERROR
  [StatusCode.PlanQuery]: UNKNOWN,
  [StatusCode.EngineExecuteQuery]: UNKNOWN,
  [StatusCode.TableAlreadyExists]: e(1050, '42S01'), // ER_TABLE_EXISTS_ERROR
  [StatusCode.TableNotFound]: e(1146, '42S02'), // ER_NO_SUCH_TABLE
  [StatusCode.TableColumnNotFound]: e(1054, '42S22'), // ER_BAD_FIELD_ERROR
  [StatusCode.TableColumnExists]: e(1060, '42S21'), // ER_DUP_FIELDNAME
  [StatusCode.DatabaseNotFound]: e(1049, '42000'), // ER_BAD_DB_ERROR
  [StatusCode.RegionNotFound]: UNKNOWN,
  [StatusCode.RegionAlreadyExists]: UNKNOWN,
  [StatusCode.RegionReadonly]: e(1036, 'HY000'), // ER_OPEN_AS_READONLY
  [StatusCode.RegionNotReady]: UNKNOWN,
  [StatusCode.RegionBusy]: e(1205, 'HY000'), // ER_LOCK_WAIT_TIMEOUT
  [StatusCode.TableUnavailable]: UNKNOWN,
  [StatusCode.DatabaseAlreadyExists]: e(1007, 'HY000'), // ER_DB_CREATE_EXISTS
  [StatusCode.StorageUnavailable]: e(1030, 'HY000'), // ER_GET_ERRNO
  [StatusCode.RequestOutdated]: UNKNOWN,
  [StatusCode.RuntimeResourcesExhausted]: e(1041, 'HY000'), // ER_OUT_OF_RESOURCES
  [StatusCode.RateLimited]: e(1226, '42000'), // ER_USER_LIMIT_REACHED
  [StatusCode.UserNotFound]: e(1045, '28000'), // ER_ACCESS_DENIED_ERROR
  [StatusCode.UnsupportedPasswordType]: e(1251, '08004'), // ER_NOT_SUPPORTED_AUTH_MODE
  [StatusCode.UserPasswordMismatch]: e(1045, '28000'),
  [StatusCode.AuthHeaderNotFound]: e(1045, '28000'),
  [StatusCode.InvalidAuthHeader]: e(1045, '28000'),
  [StatusCode.AccessDenied]: e(1044, '42000'), // ER_DBACCESS_DENIED_ERROR
  [StatusCode.PermissionDenied]: e(1142, '42000'), // ER_TABLEACCESS_DENIED_ERROR
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
  accessDenied: e(1045, '28000'),
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

/** The MySQL code for anything thrown while serving a command. */
export function mysqlErrorOf(err: unknown): { code: number; sqlState: string; message: string } {
  if (err instanceof MysqlProtocolError) return { ...err.mysql, message: err.message };
  const se = toStrataError(err);
  const m = MYSQL_ERROR_OF_STATUS[se.status] ?? UNKNOWN;
  return { code: m.code, sqlState: m.sqlState, message: se.message };
}
