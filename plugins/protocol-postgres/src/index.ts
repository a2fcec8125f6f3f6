import 'reflect-metadata';
import { CATALOG, PROTOCOL, QUERY, USER_PROVIDER, definePlugin } from '@strata/kernel';
import { postgresOptions } from './options.js';
import { PgProtocolServer } from './pg-protocol.js';

export { postgresOptions, type PostgresOptions } from './options.js';
export { PgProtocolServer, secureContextOf } from './pg-protocol.js';
export { PgConnection, commandTag } from './pg-connection.js';
export { PG_SQLSTATE_OF_STATUS, PG_WIRE_ERRORS, PgProtocolError, PgStatementError, pgErrorOf } from './errors.js';
export { ScramServer, scramKeys, md5PasswordHash } from './scram.js';
export { MessageFramer, MessageReader, MessageWriter } from './message-codec.js';
export { decodeParam } from './pg-types.js';
export { splitStatements } from './sql-splitter.js';
export { localAnswer } from './local-answers.js';

// One listener per composed server (a process may run several servers).
const servers = new WeakMap<object, PgProtocolServer>();

/**
 * The PostgreSQL wire protocol on port 4003 (GreptimeDB's). Requires the
 * query service; uses a user provider when one is bound (otherwise every
 * user is trusted) and the catalog, when present, to check the startup
 * database and to answer psql's `\dt`.
 */
export default definePlugin({
  name: 'protocol-postgres',
  kind: 'protocol',
  description: 'PostgreSQL wire protocol server: simple and extended query, SCRAM/md5/cleartext auth, TLS.',
  provides: [PROTOCOL],
  requires: [QUERY],
  optional: [USER_PROVIDER, CATALOG],
  options: postgresOptions,
  register(ctx, opts) {
    const server = new PgProtocolServer(opts, {
      query: ctx.get(QUERY), users: ctx.tryGet(USER_PROVIDER), catalog: ctx.tryGet(CATALOG), logger: ctx.logger,
    }, ctx.plugin);
    servers.set(ctx.server, server);
    ctx.bind(PROTOCOL, server);
  },
  async start(ctx) { await servers.get(ctx.server)?.start(); },
  async stop(ctx) { await servers.get(ctx.server)?.stop(); },
});
