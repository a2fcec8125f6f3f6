import { o, PG_SERVER_VERSION, type Infer } from '@strata/kernel';

/** Options of the `protocol-postgres` plugin (see README.md for the table). */
export const postgresOptions = o.object({
  host: o.string({ default: '127.0.0.1', description: 'Address to listen on (0.0.0.0 for every interface).' }),
  port: o.integer({ default: 4003, min: 0, max: 65535, description: 'TCP port (0 picks a free one).' }),
  maxConnections: o.integer({ default: 1024, min: 1, description: 'Connections open at once; more are refused with FATAL 53300.' }),
  idleTimeout: o.duration({ default: '8h', description: 'Closes a connection idle this long between messages (0 = never) with FATAL 57P05.' }),
  connectTimeout: o.duration({ default: '10s', description: 'A client must finish startup and authentication within this long.' }),
  maxMessageSize: o.bytes({ default: '16MiB', description: 'Largest client message; larger closes the connection with FATAL 08P01.' }),
  maxPreparedStatements: o.integer({ default: 1024, min: 1, description: 'Named prepared statements plus portals one connection may hold.' }),
  sessionMemoryLimit: o.bytes({ default: 0, description: "Bytes a single query of one connection may hold (0 = the server's default); copied into the session." }),
  queryTimeout: o.duration({ default: 0, description: 'Stops a statement with DEADLINE_EXCEEDED (SQLSTATE 57014) after this long (0 = no limit).' }),
  authMethod: o.enum(['scram-sha-256', 'md5', 'password'] as const, {
    default: 'scram-sha-256',
    description: "How passwords are checked when a user provider is bound ('password' = cleartext). Without a provider every user is trusted.",
  }),
  scramIterations: o.integer({ default: 4096, min: 1, description: 'PBKDF2 iterations of SCRAM-SHA-256.' }),
  serverVersion: o.string({ default: PG_SERVER_VERSION, description: 'server_version reported to clients (drivers parse it for features); SHOW, current_setting() and version() give the same.' }),
  tls: o.object({
    mode: o.enum(['disable', 'prefer', 'require'] as const, { default: 'disable', description: "'prefer' accepts SSLRequest; 'require' refuses clients that do not upgrade." }),
    certPath: o.string({ optional: true, description: 'PEM certificate chain file.' }),
    keyPath: o.string({ optional: true, description: 'PEM private key file.' }),
    cert: o.string({ optional: true, description: 'PEM certificate chain inline (instead of certPath).' }),
    key: o.string({ optional: true, description: 'PEM private key inline (instead of keyPath).' }),
  }),
});

export type PostgresOptions = Infer<typeof postgresOptions>;
