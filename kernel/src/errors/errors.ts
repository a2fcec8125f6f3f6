import { StatusCode, type ErrorOrigin } from './status-code.js';

/**
 * The base of every error Strata raises on purpose. Each subclass has a
 * stable string `code` (documented in docs/errors.md) and a numeric `status`
 * from GreptimeDB's families; protocols map `status` to their own codes.
 * The original error, if any, is kept as `cause`.
 *
 * @example
 * throw new TableNotFoundError('public.cpu');
 * // -> { code: 'TABLE_NOT_FOUND', status: 4001, message: 'Table not found: public.cpu' }
 */
export class StrataError extends Error {
  readonly code: string;
  readonly status: StatusCode;
  readonly origin: ErrorOrigin;

  constructor(code: string, status: StatusCode, message: string, options?: { cause?: unknown; origin?: ErrorOrigin }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    this.origin = options?.origin ?? 'input';
  }

  toJSON(): { code: string; status: number; message: string } {
    return { code: this.code, status: this.status, message: this.message };
  }
}

type Opts = { cause?: unknown };

// ---- configuration and plugins (startup) ----

/** A config file that cannot be read, parsed, or holds a bad value. */
export class ConfigError extends StrataError {
  constructor(message: string, readonly file?: string, readonly plugin?: string, readonly key?: string, opts?: Opts) {
    super('CONFIG_INVALID', StatusCode.InvalidArguments, message, { ...opts, origin: 'input' });
  }
}

/** A plugin option that fails its schema. */
export class PluginOptionError extends StrataError {
  constructor(readonly plugin: string, readonly key: string, message: string, readonly file?: string) {
    super('PLUGIN_OPTION_INVALID', StatusCode.InvalidArguments,
      `${file ? `${file}: ` : ''}plugin '${plugin}': option '${key}': ${message}`, { origin: 'input' });
  }
}

/** A plugin module that cannot be found or does not export a plugin definition. */
export class PluginNotFoundError extends StrataError {
  constructor(readonly plugin: string, message: string, opts?: Opts) {
    super('PLUGIN_NOT_FOUND', StatusCode.InvalidArguments, message, { ...opts, origin: 'input' });
  }
}

/** The plugins of a config do not compose: a missing or duplicate provider, or a cycle. */
export class PluginCompositionError extends StrataError {
  constructor(message: string) {
    super('PLUGIN_COMPOSITION', StatusCode.InvalidArguments, message, { origin: 'input' });
  }
}

/** A plugin failed in register/start/stop; names the plugin and the phase. */
export class PluginLifecycleError extends StrataError {
  constructor(readonly plugin: string, readonly phase: 'register' | 'start' | 'stop', opts?: Opts & { message?: string }) {
    const why = opts?.message ?? (opts?.cause instanceof Error ? opts.cause.message : String(opts?.cause));
    super('PLUGIN_LIFECYCLE', StatusCode.IllegalState, `plugin '${plugin}' failed to ${phase}: ${why}`,
      { cause: opts?.cause, origin: 'execution' });
  }
}

// ---- common ----

export class UnsupportedError extends StrataError {
  constructor(message: string, opts?: Opts) { super('UNSUPPORTED', StatusCode.Unsupported, message, opts); }
}

export class InvalidArgumentsError extends StrataError {
  constructor(message: string, opts?: Opts) { super('INVALID_ARGUMENTS', StatusCode.InvalidArguments, message, opts); }
}

/** A Strata bug: something that should never happen. Please report it. */
export class InternalError extends StrataError {
  constructor(message: string, opts?: Opts) {
    super('INTERNAL', StatusCode.Internal, `${message} (this is a Strata bug; please report it)`, { ...opts, origin: 'internal' });
  }
}

export class IllegalStateError extends StrataError {
  constructor(message: string, opts?: Opts) {
    super('ILLEGAL_STATE', StatusCode.IllegalState, message, { ...opts, origin: 'execution' });
  }
}

export class DeadlineExceededError extends StrataError {
  constructor(message: string, opts?: Opts) {
    super('DEADLINE_EXCEEDED', StatusCode.DeadlineExceeded, message, { ...opts, origin: 'resources' });
  }
}

export class CancelledError extends StrataError {
  constructor(message = 'query cancelled', opts?: Opts) {
    super('CANCELLED', StatusCode.Cancelled, message, { ...opts, origin: 'execution' });
  }
}

// ---- syntax / query ----

/** SQL or PromQL text that does not parse. `line`/`column` are 1-based. */
export class SyntaxError extends StrataError {
  constructor(message: string, readonly line?: number, readonly column?: number, opts?: Opts) {
    super('INVALID_SYNTAX', StatusCode.InvalidSyntax, message, opts);
  }
}

export class PlanError extends StrataError {
  constructor(message: string, opts?: Opts) { super('PLAN_QUERY', StatusCode.PlanQuery, message, { ...opts, origin: 'plan' }); }
}

/**
 * A query names a column no table in scope has. GreptimeDB plans queries with
 * DataFusion, whose schema error this is: status 3000 (PlanQuery), not the
 * catalog's 4002 (TableColumnNotFound, kept for DDL and INSERT column lists).
 *
 * @example
 * throw new UnknownColumnError('nope', ['t.ts', 't.v']);
 * // -> { code: 'PLAN_QUERY', status: 3000, message: 'No field named nope. Valid fields are t.ts, t.v.' }
 */
export class UnknownColumnError extends PlanError {
  constructor(readonly column: string, readonly validFields: readonly string[] = [], opts?: Opts) {
    super(`No field named ${column}.${validFields.length ? ` Valid fields are ${validFields.join(', ')}.` : ''}`, opts);
  }
}

export class ExecutionError extends StrataError {
  constructor(message: string, opts?: Opts) {
    super('EXECUTE_QUERY', StatusCode.EngineExecuteQuery, message, { ...opts, origin: 'execution' });
  }
}

/**
 * An integer or DECIMAL division or remainder by zero (`1 / 0`, `x % 0`), which
 * DataFusion and GreptimeDB refuse; float division gives inf/NaN instead.
 */
export class DivideByZeroError extends StrataError {
  constructor(opts?: Opts) {
    super('DIVIDE_BY_ZERO', StatusCode.EngineExecuteQuery, 'Divide by zero error', { ...opts, origin: 'input' });
  }
}

/**
 * A value that CAST (or an implicit cast, e.g. `int_col + 'abc'`) cannot
 * convert. GreptimeDB reports these as Arrow cast errors with status 3001
 * (EngineExecuteQuery) and the message `Cast error: Cannot cast string 'abc'
 * to value of Int32 type`; TRY_CAST gives NULL instead.
 *
 * @example
 * throw CastError.ofString('abc', 'Int32');
 * // -> { code: 'CAST_FAILED', status: 3001, message: "Cast error: Cannot cast string 'abc' to value of Int32 type" }
 */
export class CastError extends StrataError {
  constructor(detail: string, opts?: Opts) {
    super('CAST_FAILED', StatusCode.EngineExecuteQuery, `Cast error: ${detail}`, { ...opts, origin: 'input' });
  }

  /** Text that does not parse as the target type (Arrow's wording). */
  static ofString(text: string, type: string): CastError {
    return new CastError(`Cannot cast string '${text}' to value of ${type} type`);
  }

  /** A value that does not fit the target type, or a value of a type that cannot become it (Arrow's wording). */
  static ofValue(value: string, type: string): CastError {
    return new CastError(`Can't cast value ${value} to type ${type}`);
  }
}

// ---- catalog ----

export class DatabaseNotFoundError extends StrataError {
  constructor(readonly database: string) { super('DATABASE_NOT_FOUND', StatusCode.DatabaseNotFound, `Database not found: ${database}`); }
}

export class DatabaseAlreadyExistsError extends StrataError {
  constructor(readonly database: string) {
    super('DATABASE_ALREADY_EXISTS', StatusCode.DatabaseAlreadyExists, `Database already exists: ${database}`);
  }
}

/** A table (or, with `kind` 'View', a view: GreptimeDB's "View not found", same status) that does not exist. */
export class TableNotFoundError extends StrataError {
  constructor(readonly table: string, kind: 'Table' | 'View' = 'Table') { super('TABLE_NOT_FOUND', StatusCode.TableNotFound, `${kind} not found: ${table}`); }
}

/** A name already taken by a table (or, with `kind` 'View', by a view: GreptimeDB's "View already exists", same status). */
export class TableAlreadyExistsError extends StrataError {
  constructor(readonly table: string, kind: 'Table' | 'View' = 'Table') {
    super('TABLE_ALREADY_EXISTS', StatusCode.TableAlreadyExists, `${kind} already exists: ${table}`);
  }
}

export class ColumnNotFoundError extends StrataError {
  constructor(readonly column: string, readonly table?: string) {
    super('TABLE_COLUMN_NOT_FOUND', StatusCode.TableColumnNotFound,
      `Column ${column} not found${table ? ` in table ${table}` : ''}`);
  }
}

export class ColumnAlreadyExistsError extends StrataError {
  constructor(readonly column: string, readonly table?: string) {
    super('TABLE_COLUMN_EXISTS', StatusCode.TableColumnExists,
      `Column ${column} already exists${table ? ` in table ${table}` : ''}`);
  }
}

export class RegionNotFoundError extends StrataError {
  constructor(readonly region: string) { super('REGION_NOT_FOUND', StatusCode.RegionNotFound, `Region not found: ${region}`); }
}

/**
 * A COPY FROM source file that cannot be read into the table: not of the
 * format, a bad value, a missing required column. Names the file, and the
 * row (1-based, header excluded) when the fault is in one row.
 */
export class CopyFileError extends StrataError {
  constructor(readonly file: string, detail: string, readonly row?: number, opts?: Opts) {
    super('COPY_FILE_INVALID', StatusCode.InvalidArguments, `COPY file ${file}${row !== undefined ? `, row ${row}` : ''}: ${detail}`, { ...opts, origin: 'input' });
  }
}

/** A COPY path (file or directory) that does not exist or cannot be opened on the server. */
export class CopyFileNotFoundError extends StrataError {
  constructor(readonly file: string, opts?: Opts) {
    super('COPY_FILE_NOT_FOUND', StatusCode.InvalidArguments, `COPY file not found: ${file}`, { ...opts, origin: 'input' });
  }
}

// ---- storage / server ----

export class StorageError extends StrataError {
  constructor(message: string, opts?: Opts) {
    super('STORAGE_UNAVAILABLE', StatusCode.StorageUnavailable, message, { ...opts, origin: 'execution' });
  }
}

/** An object-store `get` of a key that does not exist. */
export class ObjectNotFoundError extends StrataError {
  constructor(readonly key: string, opts?: Opts) {
    super('OBJECT_NOT_FOUND', StatusCode.StorageUnavailable, `Object not found: ${key}`, { ...opts, origin: 'execution' });
  }
}

/** Stored data failed a checksum or invariant when read back. */
export class CorruptionError extends StrataError {
  constructor(message: string, opts?: Opts) {
    super('DATA_CORRUPTED', StatusCode.StorageUnavailable, message, { ...opts, origin: 'execution' });
  }
}

export class ResourcesExhaustedError extends StrataError {
  constructor(message: string, opts?: Opts) {
    super('RESOURCES_EXHAUSTED', StatusCode.RuntimeResourcesExhausted, message, { ...opts, origin: 'resources' });
  }
}

/** Back-pressure: the client should retry after `retryAfterMs`. */
export class RateLimitedError extends StrataError {
  constructor(message: string, readonly retryAfterMs = 1000, opts?: Opts) {
    super('RATE_LIMITED', StatusCode.RateLimited, message, { ...opts, origin: 'resources' });
  }
}

// ---- auth ----

export class AuthError extends StrataError {
  constructor(code: 'USER_NOT_FOUND' | 'USER_PASSWORD_MISMATCH' | 'AUTH_HEADER_NOT_FOUND' | 'INVALID_AUTH_HEADER'
    | 'UNSUPPORTED_PASSWORD_TYPE' | 'ACCESS_DENIED' | 'PERMISSION_DENIED', message: string) {
    const status = {
      USER_NOT_FOUND: StatusCode.UserNotFound,
      USER_PASSWORD_MISMATCH: StatusCode.UserPasswordMismatch,
      AUTH_HEADER_NOT_FOUND: StatusCode.AuthHeaderNotFound,
      INVALID_AUTH_HEADER: StatusCode.InvalidAuthHeader,
      UNSUPPORTED_PASSWORD_TYPE: StatusCode.UnsupportedPasswordType,
      ACCESS_DENIED: StatusCode.AccessDenied,
      PERMISSION_DENIED: StatusCode.PermissionDenied,
    }[code];
    super(code, status, message);
  }
}

/**
 * Turns anything thrown into a StrataError: StrataErrors pass through,
 * anything else becomes INTERNAL with the original kept as `cause`.
 */
export function toStrataError(err: unknown): StrataError {
  if (err instanceof StrataError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new InternalError(message, { cause: err });
}

/**
 * Every error code Strata raises, with its status and how to fix it.
 * docs/errors.md is checked against this table by a test.
 */
export const ERROR_CODES: ReadonlyArray<{ code: string; status: StatusCode; fix: string }> = [
  { code: 'CONFIG_INVALID', status: StatusCode.InvalidArguments, fix: 'Fix the config file at the named key; `strata config check FILE` validates it without starting.' },
  { code: 'PLUGIN_OPTION_INVALID', status: StatusCode.InvalidArguments, fix: "Fix the named plugin option; the plugin's README lists its options." },
  { code: 'PLUGIN_NOT_FOUND', status: StatusCode.InvalidArguments, fix: 'Install the plugin package or fix its name/path in the config.' },
  { code: 'PLUGIN_COMPOSITION', status: StatusCode.InvalidArguments, fix: 'Add the plugin that provides the missing service, or remove one of two providers of a singleton.' },
  { code: 'PLUGIN_LIFECYCLE', status: StatusCode.IllegalState, fix: "Read the cause; the plugin's README lists what it needs (ports, directories)." },
  { code: 'UNSUPPORTED', status: StatusCode.Unsupported, fix: 'The statement or feature is not supported; rewrite it.' },
  { code: 'INVALID_ARGUMENTS', status: StatusCode.InvalidArguments, fix: 'Fix the named argument.' },
  { code: 'COPY_FILE_INVALID', status: StatusCode.InvalidArguments, fix: 'The named COPY FROM file (and row) cannot be read into the table: check FORMAT matches the file, fix the value, or change the column type; nothing of that file was imported.' },
  { code: 'COPY_FILE_NOT_FOUND', status: StatusCode.InvalidArguments, fix: 'The COPY path does not exist or cannot be opened on the server (paths are server-local); fix the path or its permissions.' },
  { code: 'INTERNAL', status: StatusCode.Internal, fix: 'A Strata bug: please report it with the log line.' },
  { code: 'ILLEGAL_STATE', status: StatusCode.IllegalState, fix: 'The component is not in a state to serve the request (e.g. stopped); retry after it starts.' },
  { code: 'DEADLINE_EXCEEDED', status: StatusCode.DeadlineExceeded, fix: 'Raise the timeout or narrow the query.' },
  { code: 'CANCELLED', status: StatusCode.Cancelled, fix: 'The request was cancelled by the client or by shutdown.' },
  { code: 'INVALID_SYNTAX', status: StatusCode.InvalidSyntax, fix: 'Fix the statement at the reported line and column.' },
  { code: 'PLAN_QUERY', status: StatusCode.PlanQuery, fix: 'Fix the query: unknown or ambiguous names, or mismatched types.' },
  { code: 'EXECUTE_QUERY', status: StatusCode.EngineExecuteQuery, fix: 'The query failed while running; read the message.' },
  { code: 'CAST_FAILED', status: StatusCode.EngineExecuteQuery, fix: 'A value cannot be converted to the target type: fix the value, cast it to a wider type, or use TRY_CAST (which gives NULL).' },
  { code: 'DIVIDE_BY_ZERO', status: StatusCode.EngineExecuteQuery, fix: 'An integer or DECIMAL divisor was 0: guard it with NULLIF(divisor, 0), or divide as DOUBLE (which gives inf/NaN).' },
  { code: 'DATABASE_NOT_FOUND', status: StatusCode.DatabaseNotFound, fix: 'Create the database first (CREATE DATABASE) or fix its name.' },
  { code: 'DATABASE_ALREADY_EXISTS', status: StatusCode.DatabaseAlreadyExists, fix: 'Use IF NOT EXISTS or another name.' },
  { code: 'TABLE_NOT_FOUND', status: StatusCode.TableNotFound, fix: 'Create the table first or fix its name (and database).' },
  { code: 'TABLE_ALREADY_EXISTS', status: StatusCode.TableAlreadyExists, fix: 'Use IF NOT EXISTS or another name.' },
  { code: 'TABLE_COLUMN_NOT_FOUND', status: StatusCode.TableColumnNotFound, fix: 'Fix the column name; DESCRIBE TABLE lists the columns.' },
  { code: 'TABLE_COLUMN_EXISTS', status: StatusCode.TableColumnExists, fix: 'The column exists already; pick another name.' },
  { code: 'REGION_NOT_FOUND', status: StatusCode.RegionNotFound, fix: 'The region is not open on this server.' },
  { code: 'STORAGE_UNAVAILABLE', status: StatusCode.StorageUnavailable, fix: 'The storage layer failed (disk, object store); check its log and retry.' },
  { code: 'OBJECT_NOT_FOUND', status: StatusCode.StorageUnavailable, fix: 'The object store has no object under that key: a file was deleted outside Strata or the manifest is stale; restore it or the store root.' },
  { code: 'DATA_CORRUPTED', status: StatusCode.StorageUnavailable, fix: 'Stored data failed a checksum; restore the named file from a backup.' },
  { code: 'RESOURCES_EXHAUSTED', status: StatusCode.RuntimeResourcesExhausted, fix: 'A memory or size limit was hit; raise the limit or send smaller requests.' },
  { code: 'RATE_LIMITED', status: StatusCode.RateLimited, fix: 'The server is applying back-pressure; retry after the advised delay.' },
  { code: 'USER_NOT_FOUND', status: StatusCode.UserNotFound, fix: 'Use a user known to the configured user provider.' },
  { code: 'USER_PASSWORD_MISMATCH', status: StatusCode.UserPasswordMismatch, fix: 'Use the right password.' },
  { code: 'AUTH_HEADER_NOT_FOUND', status: StatusCode.AuthHeaderNotFound, fix: 'Send credentials (HTTP Basic auth).' },
  { code: 'INVALID_AUTH_HEADER', status: StatusCode.InvalidAuthHeader, fix: 'Send a well-formed Authorization header.' },
  { code: 'UNSUPPORTED_PASSWORD_TYPE', status: StatusCode.UnsupportedPasswordType, fix: 'Use a supported authentication method.' },
  { code: 'ACCESS_DENIED', status: StatusCode.AccessDenied, fix: 'The user may not access this database.' },
  { code: 'PERMISSION_DENIED', status: StatusCode.PermissionDenied, fix: 'The user may not run this statement.' },
];
