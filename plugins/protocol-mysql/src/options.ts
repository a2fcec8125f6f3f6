import { o, type Infer } from '@strata/kernel';

/** Options of the `protocol-mysql` plugin (see README.md for the table). */
export const mysqlOptions = o.object({
  host: o.string({ default: '127.0.0.1', description: 'Address to listen on (0.0.0.0 for every interface).' }),
  port: o.integer({ default: 4002, min: 0, max: 65535, description: 'TCP port (0 picks a free one).' }),
  maxConnections: o.integer({ default: 1024, min: 1, description: 'Connections open at once; more are refused with ERR 1040.' }),
  idleTimeout: o.duration({ default: '8h', description: 'Closes a connection idle this long between commands (0 = never).' }),
  connectTimeout: o.duration({ default: '10s', description: 'A client must finish the handshake and authentication within this long.' }),
  maxPacketSize: o.bytes({ default: '16MiB', description: 'Largest client packet (after joining 16 MiB continuation packets); larger closes the connection with ERR 1153.' }),
  maxPreparedStatements: o.integer({ default: 1024, min: 1, description: 'Prepared statements one connection may hold.' }),
  sessionMemoryLimit: o.bytes({ default: 0, description: "Bytes a single query of one connection may hold (0 = the server's default); copied into the session." }),
  queryTimeout: o.duration({ default: 0, description: 'Stops a statement with DEADLINE_EXCEEDED after this long (0 = no limit).' }),
  authPlugin: o.enum(['mysql_native_password', 'caching_sha2_password'] as const, {
    default: 'mysql_native_password',
    description: 'Authentication plugin asked of clients when a user provider is bound (clients using the other are switched).',
  }),
  serverVersion: o.string({ default: '8.4.2-strata', description: 'Version string sent in the handshake and answered as @@version.' }),
  tls: o.object({
    mode: o.enum(['disable', 'prefer', 'require'] as const, { default: 'disable', description: "'prefer' offers TLS; 'require' refuses clients that do not upgrade." }),
    certPath: o.string({ optional: true, description: 'PEM certificate chain file.' }),
    keyPath: o.string({ optional: true, description: 'PEM private key file.' }),
    cert: o.string({ optional: true, description: 'PEM certificate chain inline (instead of certPath).' }),
    key: o.string({ optional: true, description: 'PEM private key inline (instead of keyPath).' }),
  }),
});

export type MysqlOptions = Infer<typeof mysqlOptions>;
