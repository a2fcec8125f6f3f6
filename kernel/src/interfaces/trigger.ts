import type { QueryOutput } from './query.js';
import type { Session } from './session.js';

/** What a trigger does after a failed run: log it and go on, or also disable the trigger. */
export type TriggerErrorBehavior = 'log' | 'disable';

/** A new trigger: a stored script bound to an event source (InfluxDB 3's processing-engine triggers). */
export interface TriggerCreateRequest {
  readonly database: string;
  readonly name: string;
  /** The stored script (in the same database) it runs. */
  readonly script: string;
  /**
   * When it runs: `table:<name>` (on every write to that table, receiving the
   * written rows), `all_tables`, `every:<duration>` (`every:10s`),
   * `cron:<expr>` (5 fields, or 6 with seconds first; UTC) or
   * `request:<path>` (on HTTP requests to `/v1/engine/<path>`).
   */
  readonly spec: string;
  /** Extra key=value arguments, given to the script as **kwargs. */
  readonly args?: Readonly<Record<string, string>>;
  /** Created disabled: stored and listed, but it does not run until enabled. */
  readonly disabled?: boolean;
  readonly errorBehavior?: TriggerErrorBehavior;
  /** Replace a trigger of the same name instead of failing. */
  readonly replace?: boolean;
}

/** A trigger's definition, as a TriggerService stores it (defaults filled in, spec canonical). */
export interface TriggerDefinition {
  readonly database: string;
  readonly name: string;
  readonly script: string;
  /** Canonical spec text (`table:cpu`, `every:10s`, `cron:...`, `request:...`). */
  readonly spec: string;
  readonly args: Readonly<Record<string, string>>;
  readonly disabled: boolean;
  readonly errorBehavior: TriggerErrorBehavior;
  readonly createdAtMs: number;
}

/** A trigger as listed, with its counters since the server started. */
export interface TriggerInfo extends TriggerDefinition {
  /** Runs that finished, failed ones included. */
  readonly runs: number;
  readonly failures: number;
  /** Written batches dropped because the trigger's queue was full. */
  readonly dropped: number;
  /** Scheduled runs skipped because the previous run had not finished. */
  readonly skipped: number;
  /** Batches waiting to run. */
  readonly queued: number;
  readonly lastRunAtMs?: number;
  readonly lastError?: string;
}

/** An HTTP request to `/v1/engine/<path>`. */
export interface TriggerRequest {
  readonly method: string;
  /** Query parameters (and form fields), as strings. */
  readonly params: Readonly<Record<string, string>>;
  /** The body as text, when there is one. */
  readonly body?: string;
}

/**
 * Triggers: stored scripts that run on writes, on a schedule or on HTTP
 * requests, managed by name per database and kept across restarts.
 * Provided by a coprocessor plugin under the TRIGGERS token; protocols call it
 * through the token (protocol-http serves `/v1/triggers` and
 * `/v1/engine/<path>`) and never import the plugin.
 *
 * A trigger's failures are logged and counted, never raised to writers: a
 * write never waits for, or fails because of, a trigger.
 *
 * @example
 * await triggers.create({ database: 'public', name: 'hot', script: 'alert', spec: 'table:cpu' });
 * const out = await triggers.request('hello', { method: 'GET', params: { who: 'me' } }, session);
 */
export interface TriggerService {
  create(request: TriggerCreateRequest): Promise<TriggerInfo>;
  /** True when a trigger was dropped. */
  drop(database: string, name: string): Promise<boolean>;
  /** Enables or disables a trigger; false when there is no such trigger. */
  setEnabled(database: string, name: string, enabled: boolean): Promise<boolean>;
  /** Triggers of one database, or of every database, sorted by (database, name). */
  list(database?: string): TriggerInfo[];
  /** Runs the request trigger bound to `path` and answers with its script's output. */
  request(path: string, request: TriggerRequest, session: Session): Promise<QueryOutput>;
}
