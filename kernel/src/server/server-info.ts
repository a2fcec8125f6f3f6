/** Facts about the running server, bound under SERVER_INFO. */
export interface ServerInfo {
  /** A name for logs, unique per server in one process. */
  readonly name: string;
  /** Absolute directory where plugins keep local data by default (./strata-data). */
  readonly dataHome: string;
  readonly version: string;
  readonly startedAtMs: number;
  /** Path of the config file, or '(embedded default)'. */
  readonly configSource: string;
  /** The composed plugins in start order (for /status and logs). */
  readonly plugins?: ReadonlyArray<{ readonly name: string; readonly kind: string }>;
}
