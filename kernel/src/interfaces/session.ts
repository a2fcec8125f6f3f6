/** The protocol a session came in on. */
export type SessionChannel = 'http' | 'mysql' | 'postgres' | 'grpc' | 'influxdb' | 'opentsdb' | 'prometheus' | 'internal' | string;

/**
 * Per-connection state shared by every protocol: current database, time
 * zone, user and variables (SET x = y). Prepared statements belong to the
 * protocol; the query engine reads `database` and `timezone`.
 */
export interface Session {
  readonly id: string;
  readonly channel: SessionChannel;
  database: string;
  /** An IANA name ('Asia/Shanghai') or an offset ('+08:00'); 'UTC' by default. */
  timezone: string;
  readonly user?: string;
  /** The client's address (`127.0.0.1:50312`) when the protocol knows it; SHOW FULL PROCESSLIST shows it. */
  readonly clientAddress?: string;
  /** The protocol's connection id (MySQL's CONNECTION_ID()); `KILL QUERY n` finds the statement by it. */
  readonly connectionId?: number;
  readonly variables: Map<string, string>;
  /** Bytes a single query of this session may hold in memory (0 = server default). */
  memoryLimitBytes: number;
}

let nextSessionId = 1;

/** Creates a session with GreptimeDB's defaults (database `public`, UTC). */
export function createSession(init: Partial<Omit<Session, 'variables' | 'id'>> & { channel: SessionChannel }): Session {
  return {
    id: `s${nextSessionId++}`,
    database: 'public',
    timezone: 'UTC',
    memoryLimitBytes: 0,
    ...init,
    variables: new Map(),
  };
}
