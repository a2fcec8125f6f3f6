import { status as GrpcStatus, Metadata, type ServiceError } from '@grpc/grpc-js';
import { InvalidArgumentsError, StatusCode, toStrataError, type StrataError } from '@strata/kernel';

/**
 * gRPC status for every Strata status code, value for value GreptimeDB's
 * `status_to_tonic_code`. Exhaustive on purpose: a new StatusCode fails to
 * compile here until this protocol decides how to answer it. As in GreptimeDB,
 * a plan failure is INTERNAL (not INVALID_ARGUMENT), an unknown user
 * NOT_FOUND, a busy region RESOURCE_EXHAUSTED and a read-only one
 * PERMISSION_DENIED. IllegalState, External, DeadlineExceeded,
 * TableUnavailable, DatabaseAlreadyExists and RequestOutdated postdate the
 * GreptimeDB source we follow; they take the gRPC status that names them.
 */
export const grpcStatusOf: Record<StatusCode, GrpcStatus> = {
  [StatusCode.Success]: GrpcStatus.OK,
  [StatusCode.Unknown]: GrpcStatus.UNKNOWN,
  [StatusCode.Unsupported]: GrpcStatus.UNIMPLEMENTED,
  [StatusCode.Unexpected]: GrpcStatus.INTERNAL,
  [StatusCode.Internal]: GrpcStatus.INTERNAL,
  [StatusCode.InvalidArguments]: GrpcStatus.INVALID_ARGUMENT,
  [StatusCode.Cancelled]: GrpcStatus.CANCELLED,
  [StatusCode.IllegalState]: GrpcStatus.FAILED_PRECONDITION,
  [StatusCode.External]: GrpcStatus.UNKNOWN,
  [StatusCode.DeadlineExceeded]: GrpcStatus.DEADLINE_EXCEEDED,
  [StatusCode.InvalidSyntax]: GrpcStatus.INVALID_ARGUMENT,
  [StatusCode.PlanQuery]: GrpcStatus.INTERNAL,
  [StatusCode.EngineExecuteQuery]: GrpcStatus.INTERNAL,
  [StatusCode.TableAlreadyExists]: GrpcStatus.ALREADY_EXISTS,
  [StatusCode.TableNotFound]: GrpcStatus.NOT_FOUND,
  [StatusCode.TableColumnNotFound]: GrpcStatus.NOT_FOUND,
  [StatusCode.TableColumnExists]: GrpcStatus.ALREADY_EXISTS,
  [StatusCode.DatabaseNotFound]: GrpcStatus.NOT_FOUND,
  [StatusCode.RegionNotFound]: GrpcStatus.NOT_FOUND,
  [StatusCode.RegionAlreadyExists]: GrpcStatus.ALREADY_EXISTS,
  [StatusCode.RegionReadonly]: GrpcStatus.PERMISSION_DENIED,
  [StatusCode.RegionNotReady]: GrpcStatus.UNAVAILABLE,
  [StatusCode.RegionBusy]: GrpcStatus.RESOURCE_EXHAUSTED,
  [StatusCode.TableUnavailable]: GrpcStatus.UNAVAILABLE,
  [StatusCode.DatabaseAlreadyExists]: GrpcStatus.ALREADY_EXISTS,
  [StatusCode.StorageUnavailable]: GrpcStatus.UNAVAILABLE,
  [StatusCode.RequestOutdated]: GrpcStatus.FAILED_PRECONDITION,
  [StatusCode.RuntimeResourcesExhausted]: GrpcStatus.RESOURCE_EXHAUSTED,
  [StatusCode.RateLimited]: GrpcStatus.RESOURCE_EXHAUSTED,
  [StatusCode.UserNotFound]: GrpcStatus.NOT_FOUND,
  [StatusCode.UnsupportedPasswordType]: GrpcStatus.UNAUTHENTICATED,
  [StatusCode.UserPasswordMismatch]: GrpcStatus.UNAUTHENTICATED,
  [StatusCode.AuthHeaderNotFound]: GrpcStatus.UNAUTHENTICATED,
  [StatusCode.InvalidAuthHeader]: GrpcStatus.UNAUTHENTICATED,
  [StatusCode.AccessDenied]: GrpcStatus.PERMISSION_DENIED,
  [StatusCode.PermissionDenied]: GrpcStatus.PERMISSION_DENIED,
};

/** Metadata keys GreptimeDB sets on error trailers; clients read the numeric code from them. */
export const ERROR_CODE_METADATA = 'x-greptime-err-code';
export const ERROR_MESSAGE_METADATA = 'x-greptime-err-msg';
/** Strata's stable string error code (e.g. TABLE_NOT_FOUND). */
export const STRATA_CODE_METADATA = 'x-strata-err-code';

/** A FlightData stream or message that does not decode as Arrow IPC. */
export class FlightDataError extends InvalidArgumentsError {}

/**
 * Turns anything thrown into a gRPC ServiceError: the status from
 * grpcStatusOf, Strata's message as details, and GreptimeDB's
 * x-greptime-err-code / x-greptime-err-msg trailers.
 */
export function toServiceError(err: unknown): ServiceError & { strata: StrataError } {
  const error = toStrataError(err);
  const metadata = new Metadata();
  metadata.set(ERROR_CODE_METADATA, String(error.status));
  // Metadata values must be printable ASCII; encode the message so any text survives.
  metadata.set(ERROR_MESSAGE_METADATA, encodeURIComponent(error.message));
  metadata.set(STRATA_CODE_METADATA, error.code);
  const code = grpcStatusOf[error.status] ?? GrpcStatus.INTERNAL;
  return Object.assign(new Error(error.message), { code, details: error.message, metadata, strata: error });
}
