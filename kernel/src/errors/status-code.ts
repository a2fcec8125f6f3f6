/**
 * Numeric status codes, following GreptimeDB's families so that clients that
 * know GreptimeDB's codes read ours the same way:
 * 1000 common, 2000 syntax, 3000 query, 4000 catalog, 5000 storage,
 * 6000 server, 7000 auth.
 */
export enum StatusCode {
  Success = 0,
  // ---- common ----
  Unknown = 1000,
  Unsupported = 1001,
  Unexpected = 1002,
  Internal = 1003,
  InvalidArguments = 1004,
  Cancelled = 1005,
  IllegalState = 1006,
  External = 1007,
  DeadlineExceeded = 1008,
  // ---- SQL parser ----
  InvalidSyntax = 2000,
  // ---- query ----
  PlanQuery = 3000,
  EngineExecuteQuery = 3001,
  // ---- catalog ----
  TableAlreadyExists = 4000,
  TableNotFound = 4001,
  TableColumnNotFound = 4002,
  TableColumnExists = 4003,
  DatabaseNotFound = 4004,
  RegionNotFound = 4005,
  RegionAlreadyExists = 4006,
  RegionReadonly = 4007,
  RegionNotReady = 4008,
  RegionBusy = 4009,
  TableUnavailable = 4010,
  DatabaseAlreadyExists = 4011,
  // ---- storage ----
  StorageUnavailable = 5000,
  RequestOutdated = 5001,
  // ---- server ----
  RuntimeResourcesExhausted = 6000,
  RateLimited = 6001,
  // ---- auth ----
  UserNotFound = 7000,
  UnsupportedPasswordType = 7001,
  UserPasswordMismatch = 7002,
  AuthHeaderNotFound = 7003,
  InvalidAuthHeader = 7004,
  AccessDenied = 7005,
  PermissionDenied = 7006,
}

/** Who is at fault, so logs and clients can tell a user mistake from a bug. */
export type ErrorOrigin = 'input' | 'plan' | 'execution' | 'resources' | 'internal';

/**
 * HTTP status for each code, as GreptimeDB's HTTP API answers it
 * (`status_code_to_http_status` in its servers crate): 400 for user errors,
 * 401 for authentication (and, as GreptimeDB has it, a read-only region),
 * 403 for authorization, 429 for rate limiting, 503 for unavailable storage,
 * regions and external services, 504 for timeouts and cancellations, 500 for
 * the rest.
 */
export const httpStatusOf: Record<StatusCode, number> = {
  [StatusCode.Success]: 200,
  [StatusCode.Unknown]: 500,
  [StatusCode.Unsupported]: 400,
  [StatusCode.Unexpected]: 500,
  [StatusCode.Internal]: 500,
  [StatusCode.InvalidArguments]: 400,
  [StatusCode.Cancelled]: 504,
  [StatusCode.IllegalState]: 500,
  [StatusCode.External]: 503,
  [StatusCode.DeadlineExceeded]: 504,
  [StatusCode.InvalidSyntax]: 400,
  [StatusCode.PlanQuery]: 400,
  [StatusCode.EngineExecuteQuery]: 500,
  [StatusCode.TableAlreadyExists]: 400,
  [StatusCode.TableNotFound]: 400,
  [StatusCode.TableColumnNotFound]: 400,
  [StatusCode.TableColumnExists]: 400,
  [StatusCode.DatabaseNotFound]: 400,
  [StatusCode.RegionNotFound]: 400,
  [StatusCode.RegionAlreadyExists]: 400,
  [StatusCode.RegionReadonly]: 401,
  [StatusCode.RegionNotReady]: 503,
  [StatusCode.RegionBusy]: 503,
  [StatusCode.TableUnavailable]: 503,
  [StatusCode.DatabaseAlreadyExists]: 400,
  [StatusCode.StorageUnavailable]: 503,
  [StatusCode.RequestOutdated]: 400,
  [StatusCode.RuntimeResourcesExhausted]: 500,
  [StatusCode.RateLimited]: 429,
  [StatusCode.UserNotFound]: 401,
  [StatusCode.UnsupportedPasswordType]: 401,
  [StatusCode.UserPasswordMismatch]: 401,
  [StatusCode.AuthHeaderNotFound]: 401,
  [StatusCode.InvalidAuthHeader]: 401,
  [StatusCode.AccessDenied]: 403,
  [StatusCode.PermissionDenied]: 403,
};
